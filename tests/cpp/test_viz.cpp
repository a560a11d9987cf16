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

namespace {
// Pixels close to a BGR colour (anti-aliased edges included).
cv::Mat near_colour(const cv::Mat& img, cv::Scalar bgr, int tol = 30) {
  cv::Mat mask;
  cv::inRange(img, bgr - cv::Scalar::all(tol), bgr + cv::Scalar::all(tol), mask);
  return mask;
}
}  // namespace

TEST(Viz, GridOutlinesEqualLabelsOnlyWithoutSpecksAndNamesFaces) {
  const cv::Scalar outline(60, 20, 230);
  Eigen::MatrixXf s = Eigen::MatrixXf::Constant(3, 3, 0.2f);
  s.diagonal().setOnes();
  arcface::viz::GridOptions o;
  o.values = false;
  const cv::Mat unknown = arcface::viz::similarity_grid(fake_faces(3), s, {"", "", ""}, o);
  EXPECT_EQ(cv::countNonZero(near_colour(unknown, outline, 10)), 0);  // unknown identities: no outline
  const cv::Mat marked = arcface::viz::similarity_grid(fake_faces(3), s, {"a", "a", "b"}, o);
  const int c = std::clamp(3000 / 4, 48, 160), mark = std::max(2, c / 14);
  // cells (0,0), (0,1), (1,0), (1,1), (2,2): each outlined by a band `mark` wide on its 4 sides
  EXPECT_EQ(cv::countNonZero(near_colour(marked, outline, 10)), 5 * (4 * c * mark - 4 * mark * mark));
  // names: a dark band with white text at the bottom of each face thumbnail
  o.names = {"ann", "ann 2", "bob"};
  const cv::Mat named = arcface::viz::similarity_grid(fake_faces(3), s, {"a", "a", "b"}, o);
  const cv::Rect band(c, c - c / 6, c, c / 6);
  EXPECT_GT(cv::countNonZero(near_colour(named(band), {255, 255, 255}, 60)), 10);
  EXPECT_EQ(cv::countNonZero(near_colour(unknown(band), {255, 255, 255}, 60)), 0);  // no name: no band text
  o.names = {"x"};
  EXPECT_THROW(arcface::viz::similarity_grid(fake_faces(3), s, {"a", "a", "b"}, o), arcface::InputError);
}

TEST(Viz, GridValuesShareOneFontSize) {
  // "-0.30" and "0.30" are drawn at the same height (negatives used to be shrunk to fit).
  Eigen::MatrixXf s(2, 2);
  s << 1.f, -0.3f, 0.3f, 1.f;
  arcface::viz::GridOptions o;
  o.mark_same = false;
  const cv::Mat img = arcface::viz::similarity_grid(fake_faces(2), s, {"", ""}, o);
  const int c = std::clamp(3000 / 3, 48, 160);
  auto text_rows = [&](int i, int j) {
    const cv::Mat cell = img(cv::Rect(c * (j + 1), c * (i + 1), c, c));
    const cv::Vec3b bg = cell.at<cv::Vec3b>(2, 2);  // the cell's colour; text is far from it
    cv::Mat diff, grey, mask;
    cv::absdiff(cell, cv::Scalar(bg[0], bg[1], bg[2]), diff);
    cv::cvtColor(diff, grey, cv::COLOR_BGR2GRAY);
    cv::threshold(grey, mask, 60, 255, cv::THRESH_BINARY);
    cv::Mat rows;
    cv::reduce(mask, rows, 1, cv::REDUCE_MAX);
    return cv::countNonZero(rows);
  };
  EXPECT_GT(text_rows(0, 1), 5);
  EXPECT_EQ(text_rows(0, 1), text_rows(1, 0));
}

TEST(Viz, RocZoomsTheTarAxisAndExplainsTheMarkers) {
  std::mt19937 rng(2);
  std::normal_distribution<float> pos(0.7f, 0.1f), neg(0.1f, 0.1f);
  std::vector<float> scores;
  std::vector<bool> same;
  for (int i = 0; i < 3000; ++i) scores.push_back(pos(rng)), same.push_back(true);
  for (int i = 0; i < 3000; ++i) scores.push_back(neg(rng)), same.push_back(false);
  const auto m = arcface::verification_metrics(scores, same, {1e-3, 1e-2});
  ASSERT_GT(m.tar_at_far[0].tar, 0.9);
  const cv::Mat img = arcface::viz::draw_roc(m, "test ROC");
  ASSERT_EQ(img.size(), cv::Size(720, 540));
  // The curve (TAR from about 0.9 to 1) spans a good part of the plot's height, not a sliver at the top.
  cv::Mat rows;
  cv::reduce(near_colour(img, {200, 80, 0}, 40), rows, 1, cv::REDUCE_MAX);
  int first = -1, last = -1;
  for (int y = 0; y < rows.rows; ++y)
    if (rows.at<uchar>(y)) last = y, first = first < 0 ? y : first;
  EXPECT_GT(last - first, 540 / 4) << first << ".." << last;
  // Markers: EER (green) and resolved TAR@FAR (red, filled) appear on the curve and in the legend.
  EXPECT_GT(cv::countNonZero(near_colour(img, {0, 150, 0}, 20)), 2 * 60);
  EXPECT_GT(cv::countNonZero(near_colour(img, {0, 0, 210}, 20)), 2 * 2 * 60);
}

TEST(Viz, MapKeepsTheLegendOffTheFacesAndTheCanvasFilled) {
  // Two clusters side by side: a wide map, so the picture is shorter than it is wide.
  Eigen::MatrixX2f xy(8, 2);
  for (int i = 0; i < 8; ++i) xy(i, 0) = i < 4 ? static_cast<float>(i) : 20.f + i, xy(i, 1) = static_cast<float>(i % 2);
  std::vector<std::string> labels{"a", "a", "a", "a", "a_long_name_for_the_legend", "b", "b", "b"};
  arcface::viz::MapOptions o;
  o.size = 1200;
  const cv::Mat img = arcface::viz::embedding_map(xy, fake_faces(8), labels, o);
  EXPECT_EQ(img.cols, 1200);
  EXPECT_LT(img.rows, 1200 * 3 / 4);
  // The rightmost face thumbnail ends left of the legend column, which holds only swatches and text.
  cv::Mat faces_mask = near_colour(img, {20.0 * 7, 100, 200}, 2);
  int rightmost = 0;
  for (int y = 0; y < img.rows; ++y)
    for (int x = 0; x < img.cols; ++x)
      if (faces_mask.at<uchar>(y, x)) rightmost = std::max(rightmost, x);
  int base = 0;
  const int legend_text = cv::getTextSize(labels[4], cv::FONT_HERSHEY_SIMPLEX, 0.6, 1, &base).width;
  EXPECT_LT(rightmost, img.cols - legend_text) << rightmost;
}
