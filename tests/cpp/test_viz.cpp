#include <random>

#include <gtest/gtest.h>
#include <opencv2/imgproc.hpp>

#include "arcface/error.hpp"
#include "arcface/tsne.hpp"
#include "arcface/viz.hpp"

using arcface::Embeddings;

namespace {
std::vector<cv::Mat> fake_faces(int n) {
  std::vector<cv::Mat> f;
  for (int i = 0; i < n; ++i) f.emplace_back(112, 112, CV_8UC3, cv::Scalar(20 * i % 255, 100, 200));
  return f;
}
cv::Vec3b viridis(double t) {
  cv::Mat v(1, 1, CV_8UC1, cv::Scalar(std::clamp(static_cast<int>(std::lround(t * 255)), 0, 255))), c;
  cv::applyColorMap(v, c, cv::COLORMAP_VIRIDIS);
  return c.at<cv::Vec3b>(0, 0);
}
}  // namespace

TEST(Viz, GridCellsShowTheSimilarityMatrix) {
  const int n = 7;
  Eigen::MatrixXf s(n, n);
  std::mt19937 rng(1);
  std::uniform_real_distribution<float> u(-0.4f, 1.f);
  for (int i = 0; i < n; ++i)
    for (int j = 0; j < n; ++j) s(i, j) = i == j ? 1.f : u(rng);
  arcface::viz::GridOptions o;
  o.values = false;
  o.mark_same = false;
  const cv::Mat img = arcface::viz::similarity_grid(fake_faces(n), s, std::vector<std::string>(n), o);
  const cv::Size expect = arcface::viz::similarity_grid_size(n, o);
  ASSERT_EQ(img.cols, expect.width);
  ASSERT_EQ(img.rows, expect.height);
  const int c = std::clamp(3000 / (n + 1), 48, 160);
  for (int i = 0; i < n; ++i)
    for (int j = 0; j < n; ++j) {
      const cv::Vec3b px = img.at<cv::Vec3b>(c * (i + 1) + c / 2, c * (j + 1) + c / 2);
      const cv::Vec3b want = viridis(std::clamp(static_cast<double>(s(i, j)), 0.0, 1.0));
      EXPECT_LE(cv::norm(px, want, cv::NORM_INF), 1) << i << "," << j << " value " << s(i, j);
    }
}

TEST(Viz, GridSizeScalesFromTwoToSixtyFaces) {
  for (int n : {2, 10, 33, 60, 100}) {
    arcface::viz::GridOptions o;
    o.title = "t";
    const auto sz = arcface::viz::similarity_grid_size(n, o);
    const cv::Mat img = arcface::viz::similarity_grid(fake_faces(n), Eigen::MatrixXf::Identity(n, n),
                                                      std::vector<std::string>(n, "same"), o);
    EXPECT_EQ(img.size(), sz);
    EXPECT_GE(sz.width, 500) << n;
    EXPECT_LE(sz.width, 5200) << n;
  }
}

TEST(Viz, BadInput) {
  using arcface::viz::similarity_grid;
  EXPECT_THROW(similarity_grid({}, Eigen::MatrixXf(0, 0), {}), arcface::InputError);
  EXPECT_THROW(similarity_grid(fake_faces(3), Eigen::MatrixXf::Identity(2, 2), {"a", "b", "c"}), arcface::InputError);
  EXPECT_THROW(similarity_grid(fake_faces(2), Eigen::MatrixXf::Identity(2, 2), {"a"}), arcface::InputError);
  EXPECT_THROW(similarity_grid({cv::Mat(), cv::Mat()}, Eigen::MatrixXf::Identity(2, 2), {"a", "b"}), arcface::InputError);
  EXPECT_THROW(arcface::viz::embedding_map(Eigen::MatrixX2f::Zero(3, 2), fake_faces(2), {"a", "b", "c"}),
               arcface::InputError);
  EXPECT_THROW(arcface::tsne(Embeddings::Ones(1, 4)), arcface::InputError);
  Embeddings nan = Embeddings::Ones(5, 4);
  nan(2, 2) = NAN;
  EXPECT_THROW(arcface::tsne(nan), arcface::InputError);
}

// Gaussian clusters: the map keeps them apart, is deterministic for a seed and independent of the
// thread count, in both the exact and the Barnes-Hut regime.
TEST(Tsne, SeparatesClustersDeterministically) {
  std::mt19937 rng(3);
  std::normal_distribution<float> g(0.f, 1.f);
  for (int n : {80, 1500}) {  // exact repulsion, Barnes-Hut
    const int k = 5, d = 20;
    Embeddings centres(k, d), x(n, d);
    for (int i = 0; i < centres.size(); ++i) centres.data()[i] = 6 * g(rng);
    std::vector<int> lab(static_cast<size_t>(n));
    for (int i = 0; i < n; ++i) {
      lab[static_cast<size_t>(i)] = i % k;
      for (int j = 0; j < d; ++j) x(i, j) = centres(i % k, j) + g(rng);
    }
    arcface::TsneOptions o;
    o.iterations = 500;
    o.threads = 1;
    const Eigen::MatrixX2f y1 = arcface::tsne(x, o);
    o.threads = 2;
    const Eigen::MatrixX2f y2 = arcface::tsne(x, o);
    EXPECT_TRUE(y1.isApprox(y2, 0.f)) << "thread count changed the map";
    // nearest map neighbour has the same cluster for (almost) every point
    int agree = 0;
    for (int i = 0; i < n; ++i) {
      float best = INFINITY;
      int arg = -1;
      for (int j = 0; j < n; ++j)
        if (j != i && (y1.row(i) - y1.row(j)).squaredNorm() < best) best = (y1.row(i) - y1.row(j)).squaredNorm(), arg = j;
      agree += lab[static_cast<size_t>(arg)] == lab[static_cast<size_t>(i)];
    }
    EXPECT_GE(agree, n * 99 / 100) << n;
    EXPECT_GT(arcface::trustworthiness(x, y1, 5), 0.9) << n;
  }
}
