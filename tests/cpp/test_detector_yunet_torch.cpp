// YuNet on LibTorch (yunet.pt, src/detector/yunet_torch.cpp) against OpenCV's cv::FaceDetectorYN
// running yunet.onnx: the same faces on real photos at many sizes; bad yunet.pt files.
#include <filesystem>
#include <fstream>
#include <map>

#include <unistd.h>

#include <opencv2/imgproc.hpp>
#include <opencv2/objdetect.hpp>

#include "arcface/detector.hpp"
#include "arcface/error.hpp"
#include "arcface/image.hpp"
#include "arcface/models.hpp"
#include "common.hpp"
#include "detector/backend.hpp"

namespace fs = std::filesystem;
using namespace arcface;

namespace {

constexpr float kScoreThreshold = 0.5f;  // lower than the detector's 0.8: more (and harder) faces compared

DetectorOptions raw_options() {
  DetectorOptions o;
  o.score_threshold = kScoreThreshold;
  o.nms_threshold = 0.3f;
  return o;
}

// cv::FaceDetectorYN itself, on the image padded to 64 px as both backends do.
std::vector<Face> opencv_yunet(const cv::Mat& img) {
  cv::Mat bgr = img;
  if (img.cols < 64 || img.rows < 64)
    cv::copyMakeBorder(img, bgr, 0, std::max(0, 64 - img.rows), 0, std::max(0, 64 - img.cols), cv::BORDER_CONSTANT,
                       cv::Scalar::all(0));
  static const auto net = cv::FaceDetectorYN::create(models_dir() + "/yunet.onnx", "", {320, 320}, kScoreThreshold,
                                                     0.3f, 5000);
  net->setInputSize(bgr.size());
  cv::Mat out;
  net->detect(bgr, out);
  return detail::faces_from_yunet_rows(out);
}

// The photo at several sizes: at most 640 px long (as the detector's first pass), halved, 1.5 times
// larger (as its second pass), odd sizes (not multiples of 32), and tiny (< 64 px).
std::vector<cv::Mat> sizes_of(const cv::Mat& photo) {
  cv::Mat img = photo;
  const double scale = 640.0 / std::max(photo.cols, photo.rows);
  if (scale < 1.0) cv::resize(photo, img, {}, scale, scale, cv::INTER_AREA);
  std::vector<cv::Mat> out{img};
  for (const cv::Size s : {cv::Size(img.cols / 2, img.rows / 2), cv::Size(333, 251), cv::Size(97, 131),
                           cv::Size(61, 47), cv::Size(img.cols * 3 / 2 + 1, img.rows * 3 / 2 + 1)}) {
    cv::Mat r;
    cv::resize(img, r, s, 0, 0, cv::INTER_AREA);
    out.push_back(r);
  }
  return out;
}

std::vector<std::string> photos() {
  std::vector<std::string> out;
  for (const auto& e : fs::recursive_directory_iterator(test::samples_dir()))
    if (e.is_regular_file() && e.path().extension() == ".jpg") out.push_back(e.path().string());
  std::sort(out.begin(), out.end());
  const fs::path lfw = fs::path(test::shared_dir()) / "data" / "lfw-view1" / "deepfunneled";
  if (fs::is_directory(lfw)) {
    std::vector<std::string> l;
    for (const auto& e : fs::recursive_directory_iterator(lfw))
      if (e.is_regular_file()) l.push_back(e.path().string());
    std::sort(l.begin(), l.end());
    for (size_t i = 0; i < l.size() && i < 400; i += 20) out.push_back(l[i]);  // 20 LFW photos
  }
  return out;
}

std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

}  // namespace

TEST(DetectorYuNetTorch, SameFacesAsOpenCVFaceDetectorYN) {
  ARCFACE_REQUIRE_SHARED();
  ARCFACE_REQUIRE_MODEL("yunet.onnx");
  ARCFACE_REQUIRE_MODEL("yunet.pt");
  const auto torch_yunet = detail::make_yunet_torch(raw_options(), models_dir() + "/yunet.pt");
  int images = 0, faces = 0, tiny = 0;
  float worst_px = 0.f, worst_score = 0.f;
  for (const auto& path : photos()) {
    for (const cv::Mat& img : sizes_of(read_image(path))) {
      const std::string what = path + " at " + std::to_string(img.cols) + "x" + std::to_string(img.rows);
      const auto want = opencv_yunet(img);
      const auto got = torch_yunet->detect(img);
      ASSERT_EQ(got.size(), want.size()) << what;
      for (size_t i = 0; i < want.size(); ++i) {  // both in NMS order: decreasing score
        const Face &a = got[i], &b = want[i];
        float px = std::max({std::abs(a.box.x - b.box.x), std::abs(a.box.y - b.box.y),
                             std::abs(a.box.width - b.box.width), std::abs(a.box.height - b.box.height)});
        for (int k = 0; k < 5; ++k)
          px = std::max({px, std::abs(a.landmarks[k].x - b.landmarks[k].x), std::abs(a.landmarks[k].y - b.landmarks[k].y)});
        EXPECT_LT(px, 0.5f) << what << " face " << i;
        EXPECT_NEAR(a.score, b.score, 1e-3) << what << " face " << i;
        worst_px = std::max(worst_px, px);
        worst_score = std::max(worst_score, std::abs(a.score - b.score));
      }
      ++images;
      faces += static_cast<int>(want.size());
      tiny += img.cols < 64 && !want.empty();
    }
  }
  EXPECT_GE(images, 300);
  EXPECT_GE(faces, 250);
  EXPECT_GE(tiny, 1);  // some faces are still found in the padded tiny images
  std::printf("YuNet LibTorch vs cv::FaceDetectorYN: %d images, %d faces (%d in tiny images), worst difference "
              "%.2g px, score %.2g\n", images, faces, tiny, worst_px, worst_score);
}

TEST(DetectorYuNetTorch, DetectorUsesItWhenConvertedWithTheSameResults) {
  ARCFACE_REQUIRE_SHARED();
  ARCFACE_REQUIRE_MODEL("yunet.onnx");
  ARCFACE_REQUIRE_MODEL("yunet.pt");
  DetectorOptions onnx;
  onnx.model = models_dir() + "/yunet.onnx";  // a named .onnx file: OpenCV's runtime
  const Detector by_default, by_opencv(onnx);
  for (const char* f : {"group/group.jpg", "actors/kurt/0.jpg", "woman/woman_happy/0.jpg", "musk/front/musk_front.jpg"}) {
    const cv::Mat img = read_image(test::sample(f));
    const auto a = by_default.detect(img), b = by_opencv.detect(img);
    ASSERT_EQ(a.size(), b.size()) << f;
    ASSERT_FALSE(a.empty()) << f;
    for (size_t i = 0; i < a.size(); ++i) {
      EXPECT_NEAR(a[i].box.x, b[i].box.x, 0.5f) << f;
      EXPECT_NEAR(a[i].box.width, b[i].box.width, 0.5f) << f;
      EXPECT_EQ(a[i].detector, b[i].detector) << f;
    }
  }
}

TEST(DetectorYuNetTorch, BadTorchScriptFilesAreModelErrorsNamingTheFile) {
  ARCFACE_REQUIRE_MODEL("yunet.pt");
  ARCFACE_REQUIRE_MODEL("mtcnn-tflite.pt");
  const fs::path dir = fs::temp_directory_path() / ("arcface_yunet_pt_" + std::to_string(::getpid()));
  fs::create_directories(dir);
  const std::string good = read_file(models_dir() + "/yunet.pt");
  const auto write = [&](const std::string& name, const std::string& bytes) {
    std::ofstream(dir / name, std::ios::binary) << bytes;
    return (dir / name).string();
  };
  const std::map<std::string, std::string> bad{
      {"truncated.pt", good.substr(0, good.size() / 2)},
      {"garbage.pt", std::string(4096, 'x')},
      {"empty.pt", ""},
      {"mtcnn.pt", read_file(models_dir() + "/mtcnn-tflite.pt")},  // a TorchScript model, not YuNet
  };
  for (const auto& [name, bytes] : bad) {
    DetectorOptions o;
    o.backend = DetectorBackend::YuNet;
    o.model = write(name, bytes);
    try {
      Detector d(o);
      ADD_FAILURE() << name << " loaded";
    } catch (const ModelError& e) {
      EXPECT_NE(std::string(e.what()).find(o.model), std::string::npos) << e.what();
      if (name == "mtcnn.pt") EXPECT_NE(std::string(e.what()).find("not a YuNet"), std::string::npos) << e.what();
    }
  }
  // Installed beside yunet.onnx (the default detector's choice): a corrupt yunet.pt is not skipped.
  fs::copy_file(models_dir() + "/yunet.onnx", dir / "yunet.onnx");
  write("yunet.pt", good.substr(0, good.size() / 3));
  const std::string models = models_dir();
  ::setenv("ARCFACE_MODELS", dir.c_str(), 1);
  try {
    Detector d;
    ADD_FAILURE() << "a corrupt yunet.pt loaded";
  } catch (const ModelError& e) {
    EXPECT_NE(std::string(e.what()).find((dir / "yunet.pt").string()), std::string::npos) << e.what();
  }
  ::setenv("ARCFACE_MODELS", models.c_str(), 1);
  fs::remove_all(dir);
}
