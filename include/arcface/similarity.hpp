#pragma once
/// @file similarity.hpp
/// Cosine similarity between embeddings.

#include "arcface/export.hpp"
#include <Eigen/Core>

#include "arcface/embeddings.hpp"

ARCFACE_API_BEGIN
namespace arcface {

/// Outcome of a verification.
struct Verification {
  float similarity = 0.f;  ///< cosine similarity in [-1, 1]
  float threshold = 0.f;   ///< the threshold used
  bool same = false;       ///< similarity >= threshold
};

/// Cosine similarity. Stateless; all functions are thread-safe.
class Similarity {
 public:
  /// Cosine of the angle between @p a and @p b (normalised here, so unnormalised inputs work).
  /// @throws InputError for different lengths or a zero vector.
  static float cosine(const Eigen::Ref<const Eigen::RowVectorXf>& a,
                      const Eigen::Ref<const Eigen::RowVectorXf>& b);

  /// The N x M matrix of cosines between the rows of @p a and of @p b, computed by one matrix
  /// product. Rows are assumed L2-normalised (as Embedder returns them) unless
  /// @p normalize is true.
  /// @throws InputError if the column counts differ.
  static Embeddings matrix(const Embeddings& a, const Embeddings& b, bool normalize = false);

  /// Same person? similarity >= threshold.
  static Verification verify(const Eigen::Ref<const Eigen::RowVectorXf>& a,
                             const Eigen::Ref<const Eigen::RowVectorXf>& b, float threshold);
};

}  // namespace arcface
ARCFACE_API_END
