// Face quality: head pose from landmarks, sharpness, size, the combined score and its reason.
#include <cmath>

#include <opencv2/imgproc.hpp>

#include "arcface/arcface.hpp"
#include "arcface/quality.hpp"
#include "common.hpp"

using namespace arcface;

namespace {

const Detector& detector() {
  static const Detector d;
  return d;
}

Face largest(const cv::Mat& img) {
  const auto faces = detector().detect(img);
  const int k = largest_face(faces);
  if (k < 0) throw InputError("no face");
  return faces[static_cast<size_t>(k)];
}

}  // namespace

TEST(Quality, HeadPoseOfTheTemplateIsFrontal) {
  // The ArcFace template itself is a frontal, level, upright face.
  const auto t = AlignmentTemplate::arcface_112x112();
  const HeadPose p = estimate_head_pose(t.points);
  EXPECT_NEAR(p.yaw, 0.f, 1.f);
  EXPECT_NEAR(p.pitch, 0.f, 1.f);
  EXPECT_NEAR(p.roll, 0.f, 1.f);
  // Rotating the points in the image plane changes the roll only.
  std::array<cv::Point2f, 5> r;
  const float a = 20.f * 3.14159265f / 180.f;
  for (int i = 0; i < 5; ++i)
    r[i] = {std::cos(a) * t.points[i].x - std::sin(a) * t.points[i].y, std::sin(a) * t.points[i].x + std::cos(a) * t.points[i].y};
  const HeadPose q = estimate_head_pose(r);
  EXPECT_NEAR(q.roll, 20.f, 0.5f);
  EXPECT_NEAR(q.yaw, 0.f, 1.f);
  EXPECT_NEAR(q.pitch, 0.f, 1.f);
  // Moving the nose tip sideways turns the head, down nods it.
  auto s = t.points;
  s[NoseTip].x += 8.f;
  EXPECT_GT(estimate_head_pose(s).yaw, 20.f);
  s = t.points;
  s[NoseTip].y += 8.f;
  EXPECT_GT(estimate_head_pose(s).pitch, 20.f);
  // Degenerate landmarks give a zero pose, not NaN.
  std::array<cv::Point2f, 5> z{};
  EXPECT_EQ(estimate_head_pose(z).yaw, 0.f);
}

TEST(Quality, MuskFrontRotatedProfileYawRises) {
  ARCFACE_REQUIRE_SHARED();
  ARCFACE_REQUIRE_MODEL("yunet.onnx");
  float yaw[3];
  const char* names[3] = {"front/musk_front.jpg", "rotated/musk_rotated.jpg", "profile/musk_profile.jpg"};
  FaceQuality q[3];
  for (int i = 0; i < 3; ++i) {
    const cv::Mat img = read_image(test::sample(std::string("musk/") + names[i]));
    q[i] = assess_quality(img, largest(img));
    yaw[i] = std::abs(q[i].pose.yaw);
    std::printf("musk %-26s %s  reason: %s\n", names[i], to_string(q[i]).c_str(), q[i].reason().c_str());
  }
  EXPECT_LT(yaw[0], 15.f);
  EXPECT_GT(yaw[1], yaw[0] + 10.f);
  EXPECT_GT(yaw[2], 55.f);
  EXPECT_GT(yaw[2], yaw[1] + 15.f);
  EXPECT_GT(q[0].score, q[2].score);
  EXPECT_NE(q[2].reason().find("profile view, yaw"), std::string::npos) << q[2].reason();
  // A mirrored photo turns the other way by the same angle.
  cv::Mat mirrored;
  cv::flip(read_image(test::sample(std::string("musk/") + names[2])), mirrored, 1);
  const float m = assess_quality(mirrored, largest(mirrored)).pose.yaw;
  EXPECT_NEAR(m, -q[2].pose.yaw, 8.f);
}

TEST(Quality, BlurAndSizeLowerTheScore) {
  ARCFACE_REQUIRE_SHARED();
  ARCFACE_REQUIRE_MODEL("yunet.onnx");
  const cv::Mat img = read_image(test::sample("actors/jeff/0.jpg"));
  const Face f = largest(img);
  const FaceQuality sharp = assess_quality(img, f);
  EXPECT_GT(sharp.score, 0.5f) << to_string(sharp);
  EXPECT_GE(sharp.score, 0.f);
  EXPECT_LE(sharp.score, 1.f);
  EXPECT_FLOAT_EQ(sharp.detector_score, f.score);

  cv::Mat blurred;
  cv::GaussianBlur(img, blurred, {0, 0}, std::max(2.0, f.box.width / 25.0));
  const FaceQuality soft = assess_quality(blurred, f);
  EXPECT_LT(soft.sharpness, 0.5f * sharp.sharpness);
  EXPECT_LT(soft.score, sharp.score);

  // The same face at a tenth of its size: small, and said so.
  cv::Mat tiny;
  cv::resize(img, tiny, {}, 0.1, 0.1, cv::INTER_AREA);
  Face ft = f;
  ft.box = {f.box.x * 0.1f, f.box.y * 0.1f, f.box.width * 0.1f, f.box.height * 0.1f};
  for (auto& p : ft.landmarks) p *= 0.1f;
  const FaceQuality small = assess_quality(tiny, ft);
  EXPECT_LT(small.size_factor, 0.2f);
  EXPECT_LT(small.score, 0.2f);
  EXPECT_NE(small.reason().find("small face"), std::string::npos) << small.reason();
}

TEST(Quality, RefusesBadImages) {
  EXPECT_THROW(assess_quality(cv::Mat(), Face{}), InputError);
  EXPECT_THROW(assess_quality(cv::Mat(10, 10, CV_32FC3), Face{}), InputError);
  // A box outside the image is not an error: nothing to measure, quality 0.
  Face f;
  f.box = {500, 500, 40, 40};
  const FaceQuality q = assess_quality(cv::Mat(100, 100, CV_8UC3, cv::Scalar::all(90)), f);
  EXPECT_EQ(q.sharpness, 0.f);
  EXPECT_EQ(q.score, 0.f);
}

TEST(Quality, MirrorConsistencyWithTheEmbedder) {
  ARCFACE_REQUIRE_SHARED();
  ARCFACE_REQUIRE_MODEL("mobilefacenet-ms1m.pt");
  const Embedder embedder;
  const char* names[3] = {"front/musk_front.jpg", "rotated/musk_rotated.jpg", "profile/musk_profile.jpg"};
  FaceQuality q[3];
  for (int i = 0; i < 3; ++i) {
    const cv::Mat img = read_image(test::sample(std::string("musk/") + names[i]));
    const Face f = largest(img);
    q[i] = assess_quality(img, f, embedder);
    std::printf("musk %-26s %s  reason: %s\n", names[i], to_string(q[i]).c_str(), q[i].reason().c_str());
    // The image factors are those of the image-only assessment; the score adds the consistency.
    const FaceQuality plain = assess_quality(img, f);
    EXPECT_EQ(plain.consistency, -1.f);
    EXPECT_EQ(plain.consistency_factor, 1.f);
    EXPECT_FLOAT_EQ(q[i].pose.yaw, plain.pose.yaw);
    EXPECT_NEAR(q[i].score, plain.score * q[i].consistency_factor, 1e-6);
    EXPECT_GE(q[i].consistency, -1.f);
    EXPECT_LE(q[i].consistency, 1.f + 1e-6f);
  }
  // A frontal face looks like its mirror image to the network; a turned one less so.
  EXPECT_GT(q[0].consistency, 0.95f);
  EXPECT_GT(q[0].consistency, q[1].consistency);
  EXPECT_GT(q[0].consistency, q[2].consistency);
}
