// Bounded resources: the decoded-pixel limit, very large images through detection and alignment,
// directories given as files, and the OpenMP default of programs.
#include <fcntl.h>
#include <spawn.h>
#include <sys/resource.h>
#include <sys/wait.h>

#include <cmath>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <vector>

#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include "arcface/aligner.hpp"
#include "arcface/detector.hpp"
#include "arcface/error.hpp"
#include "arcface/image.hpp"
#include "common.hpp"

extern char** environ;

using namespace arcface;
namespace fs = std::filesystem;

namespace {

std::string dir() {
  const std::string d = test::fixtures() + "/limits";
  fs::create_directories(d);
  return d;
}

// A small valid PNG whose header then claims @p w x @p h pixels.
std::string png_claiming(int w, int h) {
  std::vector<unsigned char> buf;
  cv::imencode(".png", cv::Mat(10, 10, CV_8UC3, cv::Scalar(1, 2, 3)), buf);
  for (int i = 0; i < 4; ++i) {
    buf[16 + i] = static_cast<unsigned char>(static_cast<unsigned>(w) >> (24 - 8 * i));
    buf[20 + i] = static_cast<unsigned char>(static_cast<unsigned>(h) >> (24 - 8 * i));
  }
  const std::string p = dir() + "/claims-" + std::to_string(w) + "x" + std::to_string(h) + ".png";
  std::ofstream(p, std::ios::binary).write(reinterpret_cast<const char*>(buf.data()), static_cast<std::streamsize>(buf.size()));
  return p;
}

struct RunResult {
  int code = -1;
  double max_rss_mb = 0;
  std::string output;
};

// Runs @p argv (argv[0] a path) with stdout/stderr into a file; reports exit code and peak memory.
RunResult run(const std::vector<std::string>& args, const std::vector<std::string>& extra_env = {}) {
  const std::string out = dir() + "/run-output.txt";
  posix_spawn_file_actions_t fa;
  posix_spawn_file_actions_init(&fa);
  posix_spawn_file_actions_addopen(&fa, 1, out.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  posix_spawn_file_actions_adddup2(&fa, 1, 2);
  std::vector<char*> argv;
  for (const auto& a : args) argv.push_back(const_cast<char*>(a.c_str()));
  argv.push_back(nullptr);
  std::vector<std::string> env_strings;
  for (char** e = environ; *e; ++e)
    if (std::strncmp(*e, "OMP_WAIT_POLICY=", 16) != 0) env_strings.push_back(*e);
  for (const auto& e : extra_env) env_strings.push_back(e);
  std::vector<char*> envp;
  for (auto& e : env_strings) envp.push_back(e.data());
  envp.push_back(nullptr);
  pid_t pid = 0;
  RunResult r;
  if (posix_spawn(&pid, argv[0], &fa, nullptr, argv.data(), envp.data()) != 0) return r;
  posix_spawn_file_actions_destroy(&fa);
  int status = 0;
  struct rusage ru {};
  wait4(pid, &status, 0, &ru);
  r.code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  r.max_rss_mb = ru.ru_maxrss / 1024.0;
  std::ifstream in(out);
  r.output.assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
  return r;
}

}  // namespace

TEST(PixelLimit, RefusedFromTheHeaderBeforeDecoding) {
  const std::string p = png_claiming(30000, 30000);
  try {
    read_image(p);
    FAIL() << "a 900-megapixel PNG was accepted";
  } catch (const InputError& e) {
    EXPECT_NE(std::string(e.what()).find("30000x30000"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find(p), std::string::npos) << e.what();
  }
  EXPECT_THROW(read_image(png_claiming(100000, 3000)), InputError);
}

TEST(PixelLimit, ConfigurableForEveryFormat) {
  const std::size_t before = max_image_pixels();
  EXPECT_EQ(before, kDefaultMaxImagePixels);
  const cv::Mat img(20, 30, CV_8UC3, cv::Scalar(40, 80, 120));
  for (const char* ext : {".png", ".jpg", ".bmp", ".webp", ".tiff", ".ppm"}) {
    const std::string p = dir() + "/small" + ext;
    ASSERT_TRUE(cv::imwrite(p, img)) << ext;
    set_max_image_pixels(599);
    EXPECT_THROW(read_image(p), InputError) << ext;
    set_max_image_pixels(600);
    EXPECT_EQ(read_image(p).size(), img.size()) << ext;
  }
  set_max_image_pixels(before);
  EXPECT_THROW(set_max_image_pixels(0), InputError);
}

TEST(Files, DirectoriesAndMissingFilesAreIoErrors) {
  try {
    read_image(dir());
    FAIL();
  } catch (const IoError& e) {
    EXPECT_NE(std::string(e.what()).find("directory"), std::string::npos) << e.what();
  }
  EXPECT_THROW(read_image(dir() + "/missing.jpg"), IoError);
}

TEST(Aligner, WorksOnImagesWiderThanOpenCvCanRemap) {
  // A textured patch with a plausible face geometry, aligned alone and inside a 33000-px-wide image.
  cv::Mat patch(200, 200, CV_8UC3);
  cv::randu(patch, 0, 255);
  cv::GaussianBlur(patch, patch, {5, 5}, 2);
  Face f;
  const auto t = AlignmentTemplate::arcface_112x112();
  for (int i = 0; i < 5; ++i) f.landmarks[i] = t.points[i] * 1.5f + cv::Point2f(20, 15);
  const Aligner aligner(t);
  const cv::Mat small = aligner.align(patch, f);
  cv::Mat wide(200, 33000, CV_8UC3, cv::Scalar::all(0));
  patch.copyTo(wide(cv::Rect(32700, 0, 200, 200)));
  Face g = f;
  for (auto& p : g.landmarks) p.x += 32700;
  const cv::Mat big = aligner.align(wide, g);
  ASSERT_EQ(big.size(), small.size());
  EXPECT_LE(cv::norm(big, small, cv::NORM_INF), 2.0);
  // A face outside the image gives a black crop, not an error.
  for (auto& p : g.landmarks) p.x += 100000;
  EXPECT_EQ(cv::countNonZero(aligner.align(wide, g).reshape(1)), 0);
}

TEST(Detector, MtcnnScalesLargeImagesByDefault) {
  ARCFACE_REQUIRE_MODEL("mtcnn-tflite.pt");
  DetectorOptions o;
  o.backend = DetectorBackend::Mtcnn;
  EXPECT_EQ(Detector(o).options().max_input_side, 2048);
  o.score_threshold = std::nanf("");
  EXPECT_THROW(Detector{o}, InputError);
}

// A 12000x12000 photo (144 megapixels) with one face: both backends find it within 2 GB.
TEST(Detector, HugePhotoIsDetectedInBoundedMemory) {
  ARCFACE_REQUIRE_SHARED();
  ARCFACE_REQUIRE_MODEL("mtcnn-tflite.pt");
  const std::string p = dir() + "/huge-12000.jpg";
  if (!fs::exists(p)) {
    const cv::Mat face = read_image(test::sample("actors/kurt/0.jpg"));
    cv::Mat big(12000, 12000, CV_8UC3, cv::Scalar(90, 100, 110));
    cv::Mat scaled;
    const double s = 3000.0 / face.cols;
    cv::resize(face, scaled, {}, s, s, cv::INTER_LINEAR);
    scaled.copyTo(big(cv::Rect(5000, 4000, scaled.cols, scaled.rows)));
    ASSERT_TRUE(cv::imwrite(p, big, {cv::IMWRITE_JPEG_QUALITY, 85}));
  }
  for (const std::string backend : {"mtcnn", "yunet"}) {
    if (backend == "yunet" && !test::has_model("yunet.onnx")) continue;
    const RunResult r = run({test::kCliPath, "--detector", backend, "detect", p, "--json"});
    EXPECT_EQ(r.code, 0) << r.output;
    EXPECT_NE(r.output.find("\"box\""), std::string::npos) << backend << ": no face\n" << r.output;
    EXPECT_LT(r.max_rss_mb, 2048) << backend;
    std::printf("[ info ] %s on a 12000x12000 JPEG: peak memory %.0f MB\n", backend.c_str(), r.max_rss_mb);
  }
  const RunResult refused = run({test::kCliPath, "--max-megapixels", "100", "detect", p});
  EXPECT_EQ(refused.code, 1);
  EXPECT_NE(refused.output.find("above the limit"), std::string::npos) << refused.output;
}

TEST(Threads, ProgramsDefaultToPassiveOpenMpWaiting) {
  // libgomp's own report of what it read at start-up: spin count 0 is the passive policy, 300000
  // its default when nothing is set.
  const RunResult plain = run({test::kCliPath, "--version"}, {"OMP_DISPLAY_ENV=verbose"});
  EXPECT_NE(plain.output.find("GOMP_SPINCOUNT = '0'"), std::string::npos) << plain.output;
  EXPECT_NE(plain.output.find("OMP_WAIT_POLICY=PASSIVE"), std::string::npos) << plain.output;
  const RunResult opt_out = run({test::kCliPath, "--version"}, {"OMP_DISPLAY_ENV=verbose", "OMP_WAIT_POLICY=ACTIVE"});
  EXPECT_NE(opt_out.output.find("OMP_WAIT_POLICY = 'ACTIVE'"), std::string::npos) << opt_out.output;
  EXPECT_EQ(opt_out.output.find("GOMP_SPINCOUNT = '0'"), std::string::npos) << opt_out.output;
}

// Flat images are not faces (YuNet alone reports one, score 0.82-0.89, on black images >= 320 px).
TEST(Detector, NoFaceOnFlatImages) {
  ARCFACE_REQUIRE_MODEL("mtcnn-tflite.pt");
  std::vector<DetectorOptions> backends(1);
  backends[0].backend = DetectorBackend::Mtcnn;
  if (test::has_model("yunet.onnx")) {
    backends.emplace_back();
    backends.back().backend = DetectorBackend::YuNet;
  }
  for (const auto& o : backends) {
    const Detector d(o);
    for (const int size : {64, 320, 640, 1000, 2000})
      for (const int level : {0, 128, 255}) {
        const cv::Mat flat(size, size, CV_8UC3, cv::Scalar::all(level));
        EXPECT_TRUE(d.detect(flat).empty()) << to_string(d.options().backend) << " " << size << " px, level " << level;
      }
  }
}
