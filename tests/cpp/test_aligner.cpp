// Similarity transform estimation and warping (aligner.hpp).
#include <cmath>

#include "arcface/aligner.hpp"
#include <gtest/gtest.h>
#include <opencv2/imgproc.hpp>

#include "arcface/error.hpp"

using namespace arcface;

TEST(Templates, ArcfaceIsSpherefaceShiftedBy8) {
  const auto a = AlignmentTemplate::arcface_112x112();
  const auto s = AlignmentTemplate::sphereface_96x112();
  EXPECT_EQ(a.size, cv::Size(112, 112));
  EXPECT_EQ(s.size, cv::Size(96, 112));
  for (int i = 0; i < 5; ++i) {
    EXPECT_FLOAT_EQ(a.points[i].x, s.points[i].x + 8.f);
    EXPECT_FLOAT_EQ(a.points[i].y, s.points[i].y);
  }
  EXPECT_NEAR(a.points[0].x, 38.2946f, 1e-4);
  EXPECT_EQ(AlignmentTemplate::by_name("sphereface_96x112").size, s.size);
  EXPECT_THROW(AlignmentTemplate::by_name("nope"), InputError);
}

TEST(EstimateSimilarity, RecoversAKnownTransform) {
  const auto t = AlignmentTemplate::arcface_112x112();
  const double ang = 0.3, scale = 2.5, tx = 40, ty = -7;
  std::array<cv::Point2f, 5> src;
  for (int i = 0; i < 5; ++i) {
    const double x = t.points[i].x, y = t.points[i].y;
    src[i] = cv::Point2f(static_cast<float>(scale * (std::cos(ang) * x - std::sin(ang) * y) + tx),
                         static_cast<float>(scale * (std::sin(ang) * x + std::cos(ang) * y) + ty));
  }
  // src = T(template) => the estimated map src -> template is T^-1.
  const auto m = estimate_similarity(src, t.points);
  for (int i = 0; i < 5; ++i) {
    const double x = m(0, 0) * src[i].x + m(0, 1) * src[i].y + m(0, 2);
    const double y = m(1, 0) * src[i].x + m(1, 1) * src[i].y + m(1, 2);
    EXPECT_NEAR(x, t.points[i].x, 1e-3);
    EXPECT_NEAR(y, t.points[i].y, 1e-3);
  }
  EXPECT_NEAR(std::hypot(m(0, 0), m(1, 0)), 1.0 / scale, 1e-6);
}

TEST(Aligner, CropHasTemplateSizeAndLandmarksLandOnTemplate) {
  // Draw five dots where the landmarks are; after alignment they must sit on the template.
  cv::Mat img(300, 400, CV_8UC3, cv::Scalar::all(0));
  Face f;
  const auto t = AlignmentTemplate::sphereface_96x112();
  for (int i = 0; i < 5; ++i) {
    f.landmarks[i] = {100 + 2.f * t.points[i].x, 50 + 2.f * t.points[i].y};
    cv::circle(img, f.landmarks[i], 4, cv::Scalar(255, 255, 255), cv::FILLED);
  }
  const Aligner al(t);
  const cv::Mat crop = al.align(img, f);
  ASSERT_EQ(crop.size(), t.size);
  ASSERT_EQ(crop.type(), CV_8UC3);
  for (int i = 0; i < 5; ++i) {
    const cv::Point p(static_cast<int>(std::lround(t.points[i].x)), static_cast<int>(std::lround(t.points[i].y)));
    EXPECT_GT(crop.at<cv::Vec3b>(p)[0], 200) << "landmark " << i;
  }
  EXPECT_EQ(al.align(img, std::vector<Face>{f, f}).size(), 2u);
}

TEST(Aligner, RejectsBadInput) {
  const Aligner al;
  Face f;
  for (int i = 0; i < 5; ++i) f.landmarks[i] = {10.f * i, 10.f};
  EXPECT_THROW(al.align(cv::Mat(), f), InputError);
  f.landmarks[2].x = std::nanf("");
  EXPECT_THROW(al.align(cv::Mat(50, 50, CV_8UC3), f), InputError);
}
