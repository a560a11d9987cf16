#include <random>

#include <gtest/gtest.h>

#include "arcface/cluster.hpp"
#include "arcface/error.hpp"

using arcface::Embeddings;

namespace {
// k identities, m faces each: centre + noise, unit rows.
Embeddings blobs(int k, int m, int dim, float noise, std::vector<int>& truth, unsigned seed) {
  std::mt19937 rng(seed);
  std::normal_distribution<float> n(0.f, 1.f);
  Embeddings out(k * m, dim);
  for (int c = 0; c < k; ++c) {
    Eigen::RowVectorXf centre(dim);
    for (int j = 0; j < dim; ++j) centre[j] = n(rng);
    centre.normalize();
    for (int i = 0; i < m; ++i) {
      Eigen::RowVectorXf v(dim);
      for (int j = 0; j < dim; ++j) v[j] = n(rng) * noise / std::sqrt(static_cast<float>(dim));
      out.row(c * m + i) = (centre + v).normalized();
      truth.push_back(c);
    }
  }
  return out;
}
}  // namespace

TEST(Cluster, PairwiseScoresByHand) {
  // truth {0,0,0,1,1}: 3 + 1 = 4 true pairs. predicted {0,0,1,1,1}: 1 + 3 = 4 pairs, of which
  // (0,1) and (3,4) are correct.
  const auto s = arcface::pairwise_scores({0, 0, 1, 1, 1}, {0, 0, 0, 1, 1});
  EXPECT_EQ(s.true_pairs, 4u);
  EXPECT_EQ(s.predicted_pairs, 4u);
  EXPECT_EQ(s.correct_pairs, 2u);
  EXPECT_DOUBLE_EQ(s.precision, 0.5);
  EXPECT_DOUBLE_EQ(s.recall, 0.5);
  EXPECT_THROW(arcface::pairwise_scores({0}, {0, 1}), arcface::InputError);
}

TEST(Cluster, RecoversSeparatedIdentities) {
  std::vector<int> truth;
  const Embeddings e = blobs(12, 8, 128, 0.9f, truth, 1);  // same-identity cosine ~0.55
  arcface::ClusterOptions o;
  o.threshold = 0.3f;
  const auto labels = arcface::cluster_faces(e, o);
  const auto s = arcface::pairwise_scores(labels, truth);
  EXPECT_DOUBLE_EQ(s.precision, 1.0);
  EXPECT_DOUBLE_EQ(s.recall, 1.0);
  EXPECT_EQ(*std::max_element(labels.begin(), labels.end()), 11);
  // Deterministic for a seed.
  EXPECT_EQ(arcface::cluster_faces(e, o), labels);
  // A threshold above every similarity leaves singletons.
  o.threshold = 1.01f;
  const auto single = arcface::cluster_faces(e, o);
  EXPECT_EQ(*std::max_element(single.begin(), single.end()), static_cast<int>(e.rows()) - 1);
}

TEST(Cluster, BadInput) {
  Embeddings e = Embeddings::Ones(3, 4);
  e(1, 1) = std::numeric_limits<float>::infinity();
  EXPECT_THROW(arcface::cluster_faces(e), arcface::InputError);
  EXPECT_TRUE(arcface::cluster_faces(Embeddings(0, 4)).empty());
}
