// Recall and precision of the detectors: every LFW View 1 photo has a face, a tiled group photo with
// 60 small faces, MTCNN on the group photo, and no face on blank, noise, texture and background
// images (all generated here from the shared photos; nothing is written to disk).
#include <algorithm>
#include <atomic>
#include <cmath>
#include <filesystem>
#include <map>
#include <random>
#include <thread>

#include <opencv2/imgproc.hpp>

#include "arcface/detector.hpp"
#include "arcface/error.hpp"
#include "arcface/image.hpp"
#include "common.hpp"

namespace fs = std::filesystem;
using namespace arcface;

namespace {

const Detector& cascade() {  // the default detector
  static Detector d;
  return d;
}

// The default detector without the O-Net check of the fine pass's faces.
const Detector& unverified() {
  static Detector d([] {
    DetectorOptions o;
    o.fine_verify_threshold = 0.f;
    return o;
  }());
  return d;
}

const Detector& mtcnn() {
  static Detector d([] {
    DetectorOptions o;
    o.backend = DetectorBackend::Mtcnn;
    return o;
  }());
  return d;
}

std::vector<std::string> images_under(const fs::path& dir) {
  std::vector<std::string> out;
  for (const auto& e : fs::recursive_directory_iterator(dir))
    if (e.is_regular_file() && e.path().extension() == ".jpg") out.push_back(e.path().string());
  std::sort(out.begin(), out.end());
  return out;
}

// Detects faces on every file with two threads; returns the faces per file.
std::vector<std::vector<Face>> detect_all(const Detector& d, const std::vector<std::string>& files) {
  std::vector<std::vector<Face>> out(files.size());
  std::atomic<size_t> next{0};
  auto work = [&] {
    for (size_t i; (i = next++) < files.size();) out[i] = d.detect(read_image(files[i]));
  };
  std::thread t(work);
  work();
  t.join();
  return out;
}

cv::Mat tiled_group_photo(int rows, int cols) {
  const cv::Mat img = read_image(test::sample("group/group.jpg"));
  cv::Mat row, out;
  cv::repeat(img, rows, cols, out);
  return out;
}

cv::Point2f centre(const Face& f) { return {f.box.x + f.box.width / 2, f.box.y + f.box.height / 2}; }

}  // namespace

// Target: a face in at least 99.9 % of the photos of each View 1 image set (4,992 deep-funnelled,
// 4,991 original-150px photos); before the cascade YuNet alone missed 49 deep-funnelled photos.
TEST(Recall, LfwView1EveryPhotoHasAFace) {
  ARCFACE_REQUIRE_SHARED();
  ARCFACE_REQUIRE_MODEL("yunet.onnx");
  const fs::path root = fs::path(test::shared_dir()) / "data/lfw-view1";
  if (!fs::is_directory(root)) GTEST_SKIP() << "no " << root;
  for (const char* variant : {"deepfunneled", "original-150px"}) {
    const auto files = images_under(root / variant);
    ASSERT_GT(files.size(), 4900u) << variant;
    const auto faces = detect_all(cascade(), files);
    std::map<std::string, int> by_stage;
    int misses = 0;
    for (size_t i = 0; i < files.size(); ++i) {
      if (faces[i].empty()) {
        ++misses;
        std::printf("  no face: %s\n", files[i].c_str());
        continue;
      }
      ++by_stage[faces[i][0].detector];
      for (const auto& f : faces[i]) EXPECT_FALSE(f.detector.empty());
    }
    std::printf("LFW View 1 %s: %zu photos, %d without a face;", variant, files.size(), misses);
    for (const auto& [stage, n] : by_stage) std::printf(" %s %d", stage.c_str(), n);
    std::printf("\n");
    EXPECT_LE(misses, static_cast<int>(files.size() / 1000)) << variant;
    // Measured: the fine pass finds 50 deep-funnelled close-ups, every one confirmed by the O-Net
    // check (were it to reject them, the MTCNN fallback would find them instead).
    if (std::string(variant) == "deepfunneled") EXPECT_GE(by_stage["yunet-fine"], 45);
  }
}

namespace {

// The faces of group.jpg (640 x 415), annotated by eye: the five of shared/README.md (left to
// right: the woman, the man with his hand on his head, the man with glasses looking down, the man
// with glasses in the black shirt, the man half hidden behind him) and the man with the ponytail,
// whose face is turned away (the README does not count it).
const std::vector<cv::Rect2f> kGroupFaces = {{111, 152, 45, 55}, {174, 104, 47, 57}, {254, 145, 59, 55},
                                             {371, 105, 42, 52}, {436, 131, 44, 62}, {466, 146, 44, 46}};
constexpr int kReadmeGroupFaces = 5;

float iou(const cv::Rect2f& a, const cv::Rect2f& b) {
  const float i = (a & b).area();
  return i / (a.area() + b.area() - i);
}

// Index in kGroupFaces of the annotated face a box (in the photo's coordinates) is on, or -1.
int group_face(const cv::Rect2f& box) {
  for (int i = 0; i < static_cast<int>(kGroupFaces.size()); ++i)
    if (iou(box, kGroupFaces[i]) > 0.3f) return i;
  return -1;
}

}  // namespace

// The group photo: the default detector finds the README's five faces in its first pass; MTCNN (as
// face.evoLVe runs it) finds only faces that are there.
TEST(Recall, GroupPhotoFacesByStage) {
  ARCFACE_REQUIRE_SHARED();
  ARCFACE_REQUIRE_MODEL("yunet.onnx");
  ARCFACE_REQUIRE_MODEL("mtcnn-tflite.pt");
  const cv::Mat img = read_image(test::sample("group/group.jpg"));
  for (const Detector* d : {&cascade(), &mtcnn()}) {
    std::vector<int> found(kGroupFaces.size(), 0);
    for (const auto& f : d->detect(img)) {
      const int k = group_face(f.box);
      std::printf("  %s: %s, annotated face %d\n", to_string(d->options().backend).c_str(), to_string(f).c_str(), k);
      EXPECT_GE(k, 0) << "not a face: " << to_string(f);
      if (k >= 0) ++found[k];
    }
    for (const int n : found) EXPECT_LE(n, 1);  // one box per face
    if (d == &cascade())
      for (int k = 0; k < kReadmeGroupFaces; ++k) EXPECT_EQ(found[k], 1) << "face " << k;
    else
      EXPECT_GE(std::count(found.begin(), found.end(), 1), 2);  // measured: 2 (the woman, the hand on the head)
  }
}

// The group photo tiled 3 x 4 (2560 x 1245, 12 copies of each face, faces 10-12 px at the first
// pass's 640 px): at default settings at least 57 faces (the issue counts 5 per copy, 60), each
// on an annotated face.
TEST(Recall, TiledGroupPhotoAtDefaultSettings) {
  ARCFACE_REQUIRE_SHARED();
  ARCFACE_REQUIRE_MODEL("yunet.onnx");
  const cv::Mat single = read_image(test::sample("group/group.jpg"));
  const cv::Mat tiled = tiled_group_photo(3, 4);
  ASSERT_EQ(tiled.size(), cv::Size(2560, 1245));
  const auto faces = cascade().detect(tiled);
  std::map<std::string, int> by_stage;
  std::vector<int> per_face(kGroupFaces.size(), 0);
  int unmatched = 0;
  for (const auto& f : faces) {
    ++by_stage[f.detector];
    const int tx = static_cast<int>(centre(f).x) / single.cols, ty = static_cast<int>(centre(f).y) / single.rows;
    const cv::Rect2f in_tile(f.box.x - tx * single.cols, f.box.y - ty * single.rows, f.box.width, f.box.height);
    const int k = group_face(in_tile);
    if (k < 0) ++unmatched, std::printf("  not an annotated face: %s\n", to_string(f).c_str());
    else ++per_face[k];
  }
  std::printf("tiled group photo: %zu faces;", faces.size());
  for (const auto& [stage, n] : by_stage) std::printf(" %s %d", stage.c_str(), n);
  std::printf("; per annotated face:");
  for (const int n : per_face) std::printf(" %d", n);
  std::printf("\n");
  EXPECT_GE(faces.size(), 57u);
  EXPECT_EQ(unmatched, 0);
  for (const int n : per_face) EXPECT_LE(n, 12);
}

namespace {

// Blank and noise images: black, white, one flat colour, uniform colour noise, grey noise and
// Gaussian noise.
std::vector<std::pair<std::string, cv::Mat>> blank_images(cv::Size size, std::mt19937& rng) {
  std::vector<std::pair<std::string, cv::Mat>> out;
  out.emplace_back("black", cv::Mat(size, CV_8UC3, cv::Scalar::all(0)));
  out.emplace_back("white", cv::Mat(size, CV_8UC3, cv::Scalar::all(255)));
  out.emplace_back("flat", cv::Mat(size, CV_8UC3, cv::Scalar(90, 120, 150)));
  cv::theRNG().state = rng();
  cv::Mat noise(size, CV_8UC3), grey(size, CV_8UC1), gauss(size, CV_8UC3);
  cv::randu(noise, 0, 256);
  cv::randu(grey, 0, 256);
  cv::randn(gauss, 128, 30);
  cv::cvtColor(grey, grey, cv::COLOR_GRAY2BGR);
  out.emplace_back("noise", noise);
  out.emplace_back("grey noise", grey);
  out.emplace_back("gaussian noise", gauss);
  return out;
}

std::string describe(const std::vector<Face>& faces) {
  std::string s;
  for (const auto& f : faces) s += " [" + to_string(f) + "]";
  return s;
}

}  // namespace

TEST(Precision, NoFaceOnBlankAndNoiseImages) {
  ARCFACE_REQUIRE_MODEL("yunet.onnx");
  ARCFACE_REQUIRE_MODEL("mtcnn-tflite.pt");
  std::mt19937 rng(16);
  int checked = 0;
  for (const cv::Size size : {cv::Size(64, 64), cv::Size(100, 100), cv::Size(250, 250), cv::Size(320, 320),
                              cv::Size(480, 640), cv::Size(640, 640), cv::Size(1000, 1000), cv::Size(2560, 1440)})
    for (const auto& [name, img] : blank_images(size, rng)) {
      EXPECT_TRUE(cascade().detect(img).empty())
          << name << " " << size << ":" << describe(cascade().detect(img));
      if (size.width <= 640) {  // MTCNN's pyramid on larger images takes seconds
        EXPECT_TRUE(mtcnn().detect(img).empty()) << "mtcnn, " << name << " " << size << ":" << describe(mtcnn().detect(img));
      }
      ++checked;
    }
  EXPECT_EQ(checked, 48);
}

namespace {

// Face-free images: crops of the sample photos away from their faces (every crop keeps clear of each
// detected face box enlarged 2.5x around its centre, which also covers heads seen from behind or
// the side that no detector reports), and generated textures.
std::vector<std::pair<std::string, cv::Mat>> face_free_images() {
  std::vector<std::pair<std::string, cv::Mat>> out;
  for (const auto& path : images_under(test::samples_dir())) {
    const cv::Mat img = read_image(path);
    std::vector<cv::Rect2f> keep_out;
    for (const Detector* d : {&cascade(), &mtcnn()})
      for (const auto& f : d->detect(img)) {
        const cv::Point2f c = centre(f);
        const float s = 1.25f * std::max(f.box.width, f.box.height);
        keep_out.emplace_back(c.x - s, c.y - s, 2 * s, 2 * s);
      }
    for (const int side : {96, 256}) {
      if (side > std::min(img.cols, img.rows)) continue;
      for (int y = 0; y + side <= img.rows; y += side)
        for (int x = 0; x + side <= img.cols; x += side) {
          const cv::Rect2f r(x, y, side, side);
          if (std::any_of(keep_out.begin(), keep_out.end(), [&](const cv::Rect2f& k) { return (k & r).area() > 0; }))
            continue;
          out.emplace_back(fs::relative(path, test::samples_dir()).string() + " crop " + std::to_string(x) + "," +
                               std::to_string(y) + " " + std::to_string(side),
                           img(cv::Rect(x, y, side, side)).clone());
        }
    }
  }
  // Textures, 320 px: blurred noise at several scales, gratings, checkerboards, gradients, random shapes.
  cv::theRNG().state = 1616;
  for (const int blur : {3, 9, 25, 61}) {
    cv::Mat n(320, 320, CV_8UC3);
    cv::randu(n, 0, 256);
    cv::GaussianBlur(n, n, {0, 0}, blur / 3.0);
    cv::normalize(n, n, 0, 255, cv::NORM_MINMAX);
    out.emplace_back("blurred noise " + std::to_string(blur), n);
  }
  for (const int period : {8, 24, 64}) {
    cv::Mat g(320, 320, CV_8UC3), c(320, 320, CV_8UC3);
    for (int y = 0; y < 320; ++y)
      for (int x = 0; x < 320; ++x) {
        g.at<cv::Vec3b>(y, x) = cv::Vec3b::all(static_cast<uchar>(127.5 + 127.5 * std::sin(2 * M_PI * (x + 0.5 * y) / period)));
        c.at<cv::Vec3b>(y, x) = cv::Vec3b::all(((x / period + y / period) % 2) ? 255 : 0);
      }
    out.emplace_back("grating " + std::to_string(period), g);
    out.emplace_back("checkerboard " + std::to_string(period), c);
  }
  cv::Mat ramp(320, 320, CV_8UC3);
  for (int y = 0; y < 320; ++y) ramp.row(y).setTo(cv::Scalar(y * 255 / 319, 128, 255 - y * 255 / 319));
  out.emplace_back("gradient", ramp);
  for (int k = 0; k < 8; ++k) {
    cv::Mat s(320, 320, CV_8UC3, cv::Scalar::all(128));
    for (int i = 0; i < 12; ++i) {
      const cv::Scalar colour(cv::theRNG().uniform(0, 256), cv::theRNG().uniform(0, 256), cv::theRNG().uniform(0, 256));
      const cv::Point p(cv::theRNG().uniform(0, 320), cv::theRNG().uniform(0, 320));
      if (i % 2) cv::circle(s, p, cv::theRNG().uniform(5, 60), colour, cv::FILLED);
      else cv::rectangle(s, {p, cv::Point(p.x + cv::theRNG().uniform(10, 120), p.y + cv::theRNG().uniform(10, 120))}, colour, cv::FILLED);
    }
    out.emplace_back("shapes " + std::to_string(k), s);
  }
  return out;
}

}  // namespace

// The false-positive rate of the default detector and of MTCNN on face-free images (docs/detection.md).
TEST(Precision, NoFaceOnSampleBackgroundsAndTextures) {
  ARCFACE_REQUIRE_SHARED();
  ARCFACE_REQUIRE_MODEL("yunet.onnx");
  ARCFACE_REQUIRE_MODEL("mtcnn-tflite.pt");
  const auto images = face_free_images();
  ASSERT_GT(images.size(), 150u);
  int crops = 0, fp_cascade = 0, fp_textures = 0, fp_mtcnn = 0, mtcnn_checked = 0, fp_unverified = 0;
  for (const auto& [name, img] : images) {
    const bool crop = name.find(" crop ") != std::string::npos;
    const bool with_mtcnn = !crop || crops % 3 == 0;  // MTCNN (slower): a third of the crops, every texture
    const auto a = cascade().detect(img);
    const auto b = with_mtcnn ? mtcnn().detect(img) : std::vector<Face>{};
    if (!a.empty() && !crop) ++fp_textures;
    if (!a.empty()) ++fp_cascade, std::printf("  default detector, %s:%s\n", name.c_str(), describe(a).c_str());
    if (!b.empty()) ++fp_mtcnn, std::printf("  mtcnn, %s:%s\n", name.c_str(), describe(b).c_str());
    const auto c = unverified().detect(img);
    if (!c.empty()) ++fp_unverified, std::printf("  without the O-Net check, %s:%s\n", name.c_str(), describe(c).c_str());
    mtcnn_checked += with_mtcnn;
    crops += crop;
  }
  std::printf("face-free images: %zu (%d background crops, %zu textures); with a face: default detector %d "
              "(without the O-Net check of fine-pass faces %d), mtcnn %d of %d\n",
              images.size(), crops, images.size() - crops, fp_cascade, fp_unverified, fp_mtcnn, mtcnn_checked);
  // Measured: none with the default detector; 10 of 1,038 without the O-Net check (all found by the
  // fine pass on crops of skin, a knitted sweater and a watch); MTCNN none.
  EXPECT_EQ(fp_cascade, 0);
  EXPECT_GT(fp_unverified, 0);  // the check is what removes them
  EXPECT_EQ(fp_textures, 0);
  EXPECT_LE(fp_mtcnn, mtcnn_checked / 100);
}

TEST(Precision, CascadeOptionsAreChecked) {
  ARCFACE_REQUIRE_MODEL("yunet.onnx");
  for (const float t : {-0.5f, 1.5f, std::nanf("")}) {
    DetectorOptions o;
    o.mtcnn_fallback_threshold = t;
    EXPECT_THROW(Detector{o}, InputError) << t;
    DetectorOptions v;
    v.fine_verify_threshold = t;
    EXPECT_THROW(Detector{v}, InputError) << t;
  }
  DetectorOptions m;
  m.backend = DetectorBackend::Mtcnn;
  m.fine_input_side = 1280;  // MTCNN runs one pass, as face.evoLVe does
  EXPECT_EQ(Detector(m).options().fine_input_side, 0);
  EXPECT_FALSE(Detector(m).options().mtcnn_fallback);
  EXPECT_EQ(cascade().options().fine_input_side, 1280);
  const auto [code, out] = test::run_cli("--fine-input-side -5 detect x.jpg");
  EXPECT_NE(code, 0);
  EXPECT_NE(out.find("fine-input-side"), std::string::npos) << out;
}
