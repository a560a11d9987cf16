// The `arcface` command-line tool, run as a user would.
#include <cstdio>
#include <filesystem>
#include <fstream>

#include <nlohmann/json.hpp>
#include <opencv2/imgcodecs.hpp>

#include "arcface/npy.hpp"
#include "common.hpp"

namespace fs = std::filesystem;
using namespace arcface;

namespace {

struct CliRun {
  int code;
  std::string out;
};

CliRun cli(const std::string& args) {
  auto [code, out] = test::run_cli(args);
  return {code, out};
}

std::string q(const std::string& s) { return "'" + s + "'"; }

}  // namespace

TEST(Cli, DetectJsonAndOverlay) {
  ARCFACE_REQUIRE_SHARED();
  const std::string png = test::fixtures() + "/group-annotated.png";
  fs::remove(png);
  const CliRun r = cli("detect --json " + q(test::sample("group/group.jpg")) + " -o " + q(png));
  ASSERT_EQ(r.code, 0) << r.out;
  const auto j = nlohmann::json::parse(r.out);
  EXPECT_GE(j["faces"].size(), 4u);
  EXPECT_EQ(j["faces"][0]["landmarks"].size(), 5u);
  EXPECT_TRUE(fs::exists(png));
}

TEST(Cli, EmbedWritesNpyAndSideFile) {
  ARCFACE_REQUIRE_SHARED();
  const std::string npy = test::fixtures() + "/cli-embed.npy";
  const CliRun r = cli("-q embed " + q(test::sample("actors/jeff/0.jpg")) + " " + q(test::sample("group/group.jpg")) +
                    " -o " + q(npy));
  ASSERT_EQ(r.code, 0) << r.out;
  const Embeddings e = read_npy_matrix(npy);
  const auto side = nlohmann::json::parse(std::ifstream(test::fixtures() + "/cli-embed.json"));
  EXPECT_EQ(static_cast<size_t>(e.rows()), side["rows"].size());
  EXPECT_GE(e.rows(), 5);  // 1 + at least 4
  EXPECT_EQ(e.cols(), 256);
  EXPECT_EQ(side["rows"][0]["image"], test::sample("actors/jeff/0.jpg"));
  EXPECT_NEAR(e.row(0).norm(), 1.f, 1e-5);
}

TEST(Cli, VerifySameAndDifferent) {
  ARCFACE_REQUIRE_SHARED();
  CliRun r = cli("verify --json " + q(test::sample("actors/kurt/0.jpg")) + " " + q(test::sample("actors/kurt/2.jpg")));
  ASSERT_EQ(r.code, 0) << r.out;
  auto j = nlohmann::json::parse(r.out);
  EXPECT_TRUE(j["same"].get<bool>()) << r.out;
  r = cli("verify --json " + q(test::sample("actors/kurt/0.jpg")) + " " + q(test::sample("actresses/emma_mackey/0.jpg")));
  ASSERT_EQ(r.code, 0) << r.out;
  j = nlohmann::json::parse(r.out);
  EXPECT_FALSE(j["same"].get<bool>()) << r.out;
  r = cli("verify " + q(test::sample("actors/kurt/0.jpg")) + " " + q(test::sample("actors/kurt/2.jpg")));
  EXPECT_NE(r.out.find("same"), std::string::npos) << r.out;
}

TEST(Cli, ErrorsAreOneLineWithNonZeroExit) {
  CliRun r = cli("verify /nonexistent/a.jpg /nonexistent/b.jpg");
  EXPECT_EQ(r.code, 1);
  EXPECT_NE(r.out.find("arcface: error:"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("/nonexistent/a.jpg"), std::string::npos) << r.out;
  r = cli("detect " + q(test::fixtures() + "/not-an-image.jpg"));
  EXPECT_EQ(r.code, 1) << r.out;
  r = cli("--embedder " + q(test::fixtures() + "/corrupt.pt") + " verify x.jpg y.jpg");
  EXPECT_EQ(r.code, 1) << r.out;
  EXPECT_NE(r.out.find("corrupt.pt"), std::string::npos) << r.out;
  r = cli("frobnicate");
  EXPECT_EQ(r.code, 2) << r.out;
  r = cli("embed");
  EXPECT_EQ(r.code, 2) << r.out;
}

TEST(Cli, NoFaceIsReported) {
  ARCFACE_REQUIRE_MODEL("yunet.onnx");
  const std::string blank = test::fixtures() + "/blank.png";
  cv::imwrite(blank, cv::Mat(200, 200, CV_8UC3, cv::Scalar::all(128)));
  CliRun r = cli("detect " + q(blank));
  EXPECT_EQ(r.code, 0) << r.out;
  EXPECT_NE(r.out.find("0 face(s)"), std::string::npos) << r.out;
  r = cli("verify " + q(blank) + " " + q(blank));
  EXPECT_EQ(r.code, 1);
  EXPECT_NE(r.out.find("no face found"), std::string::npos) << r.out;
}

TEST(Cli, EvalLfwBadPairFilesNameTheLine) {
  ARCFACE_REQUIRE_SHARED();
  const std::string images = test::shared_dir() + "/data/lfw-view1/deepfunneled";
  const std::string f = test::fixtures() + "/pairs-bad.txt";
  auto check = [&](const std::string& text, const std::string& expect) {
    std::ofstream(f) << text;
    const CliRun r = cli("-q eval-lfw --cache none --pairs " + q(f) + " --images " + q(images));
    EXPECT_EQ(r.code, 1) << r.out;
    EXPECT_NE(r.out.find(expect), std::string::npos) << r.out;
  };
  check("1\nNobody_Here\t1\t2\nAaron_Peirsol\t1\tAJ_Cook\t1\n", "pairs-bad.txt:2");   // missing image
  check("1\nAaron_Peirsol\t1\nAaron_Peirsol\t1\tAJ_Cook\t1\n", "pairs-bad.txt:2");   // malformed line
  check("one two three\n", "pairs-bad.txt:1");                                        // wrong header
  check("2\nAaron_Peirsol\t1\t2\n", "pairs-bad.txt");                                  // too few pairs
}

TEST(Cli, EnrollIdentifyAndCluster) {
  ARCFACE_REQUIRE_SHARED();
  ARCFACE_REQUIRE_MODEL("mobilefacenet-casia.pt");
  const fs::path dir = fs::path(test::fixtures()) / "cli-gallery";
  fs::remove_all(dir);
  fs::create_directories(dir / "people/jeff");
  fs::create_directories(dir / "people/kurt");
  for (int i = 0; i < 3; ++i) {
    fs::copy_file(test::sample("actors/jeff/" + std::to_string(i) + ".jpg"), dir / "people/jeff" / (std::to_string(i) + ".jpg"));
    fs::copy_file(test::sample("actors/kurt/" + std::to_string(i) + ".jpg"), dir / "people/kurt" / (std::to_string(i) + ".jpg"));
  }
  const std::string gal = (dir / "actors.gallery").string();
  // A directory of NAME/ folders, then NAME IMAGES... into the same gallery.
  CliRun r = cli("-q enroll --gallery " + q(gal) + " " + q((dir / "people").string()));
  ASSERT_EQ(r.code, 0) << r.out;
  EXPECT_NE(r.out.find("enrolled 6 photo(s) of 2 identities"), std::string::npos) << r.out;
  r = cli("-q enroll --gallery " + q(gal) + " margot " + q(test::sample("actresses/margot_robie/0.jpg")));
  ASSERT_EQ(r.code, 0) << r.out;
  EXPECT_NE(r.out.find("now 3 identities, 7 samples"), std::string::npos) << r.out;

  // Photos not enrolled are named; the labelled image is written.
  const std::string png = (dir / "labelled.png").string();
  for (const std::string who : {"jeff", "kurt"}) {
    r = cli("identify --json --gallery " + q(gal) + " " + q(test::sample("actors/" + who + "/4.jpg")) + " -o " + q(png));
    ASSERT_EQ(r.code, 0) << r.out;
    const auto j = nlohmann::json::parse(r.out);
    ASSERT_EQ(j["faces"].size(), 1u);
    EXPECT_EQ(j["faces"][0]["identity"], who) << r.out;
  }
  EXPECT_FALSE(cv::imread(png).empty());
  // Strangers in a group photo are "unknown".
  r = cli("identify --gallery " + q(gal) + " " + q(test::sample("group/group.jpg")));
  ASSERT_EQ(r.code, 0) << r.out;
  EXPECT_NE(r.out.find("unknown"), std::string::npos) << r.out;

  // Bad input: a missing gallery, a corrupt one, an image without a face, an empty directory.
  r = cli("identify --gallery " + q((dir / "missing.gallery").string()) + " " + q(test::sample("actors/jeff/4.jpg")));
  EXPECT_EQ(r.code, 1);
  EXPECT_NE(r.out.find("cannot open gallery file"), std::string::npos) << r.out;
  std::ofstream(dir / "corrupt.gallery") << "ARCFGALYgarbage that is long enough";
  r = cli("identify --gallery " + q((dir / "corrupt.gallery").string()) + " " + q(test::sample("actors/jeff/4.jpg")));
  EXPECT_EQ(r.code, 1);
  EXPECT_NE(r.out.find("corrupt.gallery"), std::string::npos) << r.out;
  cv::imwrite((dir / "blank.png").string(), cv::Mat(240, 320, CV_8UC3, cv::Scalar(90, 90, 90)));
  r = cli("identify --gallery " + q(gal) + " " + q((dir / "blank.png").string()));
  EXPECT_EQ(r.code, 1);
  EXPECT_NE(r.out.find("no face found"), std::string::npos) << r.out;
  fs::create_directories(dir / "empty");
  r = cli("cluster " + q((dir / "empty").string()) + " -o " + q((dir / "out-empty").string()));
  EXPECT_EQ(r.code, 1);
  EXPECT_NE(r.out.find("no image files"), std::string::npos) << r.out;

  // Clustering the two actors (plus a blank image: a warning, the rest still clustered).
  fs::copy_file(dir / "blank.png", dir / "people/jeff/blank.png");
  const fs::path out = dir / "clusters";
  r = cli("cluster --labels " + q((dir / "people").string()) + " -o " + q(out.string()));
  ASSERT_EQ(r.code, 0) << r.out;
  EXPECT_NE(r.out.find("no face found"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("pairwise precision"), std::string::npos) << r.out;
  const auto report = nlohmann::json::parse(std::ifstream(out / "clusters.json"));
  EXPECT_EQ(report["faces"], 6);
  EXPECT_DOUBLE_EQ(report["pairwise"]["precision"].get<double>(), 1.0) << report.dump();
  EXPECT_TRUE(fs::is_directory(out / "cluster_000"));
  std::size_t crops = 0;
  for (const auto& e : fs::recursive_directory_iterator(out)) crops += e.path().extension() == ".png";
  EXPECT_EQ(crops, 6u);
}
