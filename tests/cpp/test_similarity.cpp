// Cosine similarity (similarity.hpp).
#include <gtest/gtest.h>

#include "arcface/error.hpp"
#include "arcface/similarity.hpp"

using namespace arcface;

TEST(Similarity, Cosine) {
  Eigen::RowVectorXf a(3), b(3);
  a << 1, 0, 0;
  b << 1, 1, 0;
  EXPECT_NEAR(Similarity::cosine(a, b), std::sqrt(0.5f), 1e-6);
  EXPECT_NEAR(Similarity::cosine(a, a * 7), 1.f, 1e-6);
  EXPECT_THROW(Similarity::cosine(a, Eigen::RowVectorXf::Zero(3)), InputError);
  EXPECT_THROW(Similarity::cosine(a, Eigen::RowVectorXf::Ones(4)), InputError);
}

TEST(Similarity, MatrixEqualsPairwiseCosines) {
  Embeddings a = Embeddings::Random(7, 16), b = Embeddings::Random(5, 16);
  const Embeddings m = Similarity::matrix(a, b, true);
  ASSERT_EQ(m.rows(), 7);
  ASSERT_EQ(m.cols(), 5);
  for (int i = 0; i < 7; ++i)
    for (int j = 0; j < 5; ++j) EXPECT_NEAR(m(i, j), Similarity::cosine(a.row(i), b.row(j)), 1e-5);
  a.rowwise().normalize();
  b.rowwise().normalize();
  EXPECT_TRUE(Similarity::matrix(a, b).isApprox(m, 1e-5f));
  EXPECT_THROW(Similarity::matrix(a, Embeddings::Random(2, 8)), InputError);
}

TEST(Similarity, Verify) {
  Eigen::RowVectorXf a(2), b(2);
  a << 1, 0;
  b << 0.6f, 0.8f;
  auto v = Similarity::verify(a, b, 0.5f);
  EXPECT_NEAR(v.similarity, 0.6f, 1e-6);
  EXPECT_TRUE(v.same);
  EXPECT_FALSE(Similarity::verify(a, b, 0.7f).same);
}
