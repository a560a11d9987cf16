#pragma once
/// @file cluster.hpp
/// Grouping unlabelled faces by identity.

#include "arcface/export.hpp"
#include <cstdint>
#include <vector>

#include "arcface/embeddings.hpp"

ARCFACE_API_BEGIN
namespace arcface {

struct ClusterOptions {
  /// Two faces are linked when their cosine similarity is at least this. Clustering needs a
  /// stricter threshold than pair verification: among N faces every face meets N-1 strangers, so
  /// a false-accept rate that is harmless for one pair chains whole groups together. The default
  /// suits the default embedder (mobilefacenet-ms1m); other embedders need their own value
  /// (docs/gallery.md has the measurements behind both).
  float threshold = 0.60f;
  /// Maximum passes of Chinese whispers over all faces (it usually settles in under 10).
  int iterations = 50;
  /// Seed of the visiting order: the same seed gives the same clusters.
  std::uint64_t seed = 0;
};

/// Chinese whispers (Biemann 2006) on the graph that links faces whose cosine similarity reaches
/// options.threshold, edges weighted by the similarity. Rows of @p embeddings are unit-norm faces.
/// @return one label per row, 0..C-1, numbered by decreasing cluster size (ties: first row).
/// Deterministic for a seed. O(N^2 D) time for the similarities, O(edges) memory.
/// @throws InputError for non-finite embeddings or iterations < 1.
std::vector<int> cluster_faces(const Embeddings& embeddings, const ClusterOptions& options = {});

/// Pairwise clustering quality: over all pairs of items, precision = pairs placed together that
/// share a true label / pairs placed together; recall = pairs sharing a true label that were
/// placed together / pairs sharing a true label (1 where a denominator is 0).
struct PairwiseScores {
  double precision = 1.0;
  double recall = 1.0;
  double f1 = 1.0;
  std::uint64_t predicted_pairs = 0;  ///< pairs placed together
  std::uint64_t true_pairs = 0;       ///< pairs sharing a true label
  std::uint64_t correct_pairs = 0;    ///< both
};
/// @throws InputError when the two label vectors differ in length.
PairwiseScores pairwise_scores(const std::vector<int>& predicted, const std::vector<int>& truth);

}  // namespace arcface
ARCFACE_API_END
