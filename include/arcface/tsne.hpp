#pragma once
/// @file tsne.hpp
/// t-SNE: a 2-D map of embeddings that keeps neighbours together.

#include "arcface/export.hpp"
#include <cstdint>
#include <functional>

#include <Eigen/Core>

#include "arcface/embeddings.hpp"

ARCFACE_API_BEGIN
namespace arcface {

struct TsneOptions {
  /// Effective number of neighbours (5-50). Clamped to (N - 1) / 3 for small inputs.
  double perplexity = 30.0;
  int iterations = 1000;
  /// Barnes-Hut accuracy (0: exact repulsion). Used above exact_below points; smaller is more
  /// accurate and slower (docs/visualization.md explains the default).
  double theta = 0.3;
  /// Up to this many points: exact O(N^2) repulsion; above: Barnes-Hut, O(N log N) per
  /// iteration. Affinities are always over the 3 x perplexity + 1 nearest neighbours.
  int exact_below = 100;
  /// Step size; <= 0: max(N / early_exaggeration / 4, 50) as scikit-learn's "auto".
  double learning_rate = -1.0;
  double early_exaggeration = 12.0;
  int exaggeration_iterations = 250;
  /// Initial layout: true = the first two principal components scaled to std 1e-4 (as
  /// scikit-learn's init="pca"); false = Gaussian noise from the seed.
  bool pca_init = true;
  std::uint64_t seed = 0;
  /// Threads for the gradient (0: all cores). The result does not depend on it.
  int threads = 0;
  /// Called every 50 iterations with (iteration, KL divergence estimate); may be empty.
  std::function<void(int, double)> progress;
};

/// Embed the rows of @p data (N x D, N >= 2) in two dimensions. Deterministic for a seed.
/// @return N x 2 coordinates.
/// @throws InputError for fewer than 2 rows, non-finite values, or perplexity / iterations < 1.
Eigen::MatrixX2f tsne(const Embeddings& data, const TsneOptions& options = {});

/// Neighbourhood preservation of a map (Venna & Kaski): 1 = every point's k nearest neighbours in
/// the map are among its k nearest in the data. Same definition as sklearn.manifold.trustworthiness.
/// @throws InputError when the row counts differ or k >= N / 2.
double trustworthiness(const Embeddings& data, const Eigen::MatrixX2f& map, int k = 5);

}  // namespace arcface
ARCFACE_API_END
