// The `arcface` command-line tool, run as a user would.
#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <cstdio>
#include <set>
#include <filesystem>
#include <fstream>

#include <nlohmann/json.hpp>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include <sstream>

#include "arcface/arcface.hpp"
#include "arcface/npy.hpp"
#include "common.hpp"
#include "arcface/progress.hpp"

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
  EXPECT_EQ(e.cols(), 192);
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
  ARCFACE_REQUIRE_MODEL("mobilefacenet-ms1m.pt");
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
  r = cli("identify --json --gallery " + q(gal) + " " + q((dir / "blank.png").string()));
  EXPECT_EQ(r.code, 0) << r.out;  // as detect: reported, with JSON, not an error
  EXPECT_NE(r.out.find("no face found"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("\"faces\": []"), std::string::npos) << r.out;
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

namespace {
std::vector<std::vector<double>> read_csv_matrix(const std::string& path, std::vector<std::string>* names) {
  std::ifstream f(path);
  std::string line;
  std::getline(f, line);  // header
  std::vector<std::vector<double>> m;
  while (std::getline(f, line)) {
    std::stringstream ss(line);
    std::string cell;
    std::getline(ss, cell, ',');
    names->push_back(cell);
    std::vector<double> row;
    while (std::getline(ss, cell, ',')) row.push_back(std::stod(cell));
    m.push_back(row);
  }
  return m;
}
}  // namespace

TEST(Cli, CompareGridMatchesSimilarity) {
  ARCFACE_REQUIRE_SHARED();
  ARCFACE_REQUIRE_MODEL("mobilefacenet-ms1m.pt");
  const fs::path dir = fs::path(test::fixtures()) / "cli-compare";
  fs::remove_all(dir);
  fs::create_directories(dir);
  const std::string png = (dir / "actors.png").string(), csv = (dir / "actors.csv").string();
  const CliRun r = cli("compare " + q(test::sample("actors")) + " -o " + q(png) + " --csv " + q(csv));
  ASSERT_EQ(r.code, 0) << r.out;
  EXPECT_NE(r.out.find("10 faces compared"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("same identity"), std::string::npos) << r.out;
  // The picture has the size of a 10-face grid with a title.
  arcface::viz::GridOptions go;
  go.title = "x";
  const cv::Mat img = cv::imread(png);
  EXPECT_EQ(img.size(), arcface::viz::similarity_grid_size(10, go));
  // The CSV equals Similarity::matrix of the embeddings the library computes for the same photos.
  std::vector<std::string> names;
  const auto m = read_csv_matrix(csv, &names);
  ASSERT_EQ(m.size(), 10u);
  const Pipeline pipe;
  Embeddings e(10, pipe.embedder().dimension());
  for (size_t i = 0; i < 10; ++i) {
    const std::string person = names[i].substr(0, names[i].find('/'));
    const std::string file = names[i].substr(names[i].find('/') + 1);
    const auto r = pipe.process_file(test::sample("actors/" + person + "/" + file));
    e.row(static_cast<Eigen::Index>(i)) = r.embeddings.row(largest_face(r.faces));
  }
  const Eigen::MatrixXf sim = Similarity::matrix(e, e);
  for (size_t i = 0; i < 10; ++i) {
    ASSERT_EQ(m[i].size(), 10u);
    for (size_t j = 0; j < 10; ++j)
      EXPECT_NEAR(m[i][j], sim(static_cast<Eigen::Index>(i), static_cast<Eigen::Index>(j)), 1e-5) << names[i] << " vs " << names[j];
  }
}

TEST(Cli, CompareAndTsneBadInput) {
  ARCFACE_REQUIRE_SHARED();
  ARCFACE_REQUIRE_MODEL("mobilefacenet-ms1m.pt");
  const fs::path dir = fs::path(test::fixtures()) / "cli-compare-bad";
  fs::remove_all(dir);
  fs::create_directories(dir / "empty");
  fs::create_directories(dir / "mixed/jeff");
  // Empty directory: nothing to draw.
  CliRun r = cli("compare " + q((dir / "empty").string()) + " -o " + q((dir / "x.png").string()));
  EXPECT_EQ(r.code, 1);
  EXPECT_NE(r.out.find("no image files"), std::string::npos) << r.out;
  r = cli("tsne " + q((dir / "empty").string()) + " -o " + q((dir / "x.png").string()));
  EXPECT_EQ(r.code, 1);
  // A missing input.
  r = cli("compare " + q((dir / "nope.jpg").string()) + " -o " + q((dir / "x.png").string()));
  EXPECT_EQ(r.code, 1);
  EXPECT_NE(r.out.find("does not exist"), std::string::npos) << r.out;
  // Only images without a face: nothing to draw.
  cv::imwrite((dir / "mixed/jeff/blank.png").string(), cv::Mat(200, 200, CV_8UC3, cv::Scalar(80, 80, 80)));
  r = cli("compare " + q((dir / "mixed").string()) + " -o " + q((dir / "x.png").string()));
  EXPECT_EQ(r.code, 1);
  EXPECT_NE(r.out.find("at least 2 faces"), std::string::npos) << r.out;
  // A corrupt file and a blank image next to good photos: warnings, the rest is drawn.
  std::ofstream(dir / "mixed/jeff/corrupt.jpg") << "not a jpeg";
  for (int i = 0; i < 3; ++i)
    fs::copy_file(test::sample("actors/jeff/" + std::to_string(i) + ".jpg"), dir / "mixed/jeff" / (std::to_string(i) + ".jpg"));
  const std::string png = (dir / "mixed.png").string();
  r = cli("compare " + q((dir / "mixed").string()) + " -o " + q(png));
  ASSERT_EQ(r.code, 0) << r.out;
  EXPECT_NE(r.out.find("warning"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("corrupt.jpg"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("no face found"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("3 faces compared"), std::string::npos) << r.out;
  EXPECT_FALSE(cv::imread(png).empty());
  const std::string tpng = (dir / "tsne.png").string(), tcsv = (dir / "tsne.csv").string();
  r = cli("tsne " + q((dir / "mixed").string()) + " " + q(test::sample("actors/kurt")) + " -o " + q(tpng) + " --csv " + q(tcsv));
  ASSERT_EQ(r.code, 0) << r.out;
  EXPECT_NE(r.out.find("8 faces mapped"), std::string::npos) << r.out;
  EXPECT_FALSE(cv::imread(tpng).empty());
  std::ifstream f(tcsv);
  int lines = 0;
  for (std::string l; std::getline(f, l);) ++lines;
  EXPECT_EQ(lines, 9);
}

TEST(Cli, TypoSuggestionsAndGlobalOptionsAnywhere) {
  CliRun r = cli("verfy a.jpg b.jpg");
  EXPECT_EQ(r.code, 2);
  EXPECT_NE(r.out.find("unknown command 'verfy'; did you mean 'verify'?"), std::string::npos) << r.out;
  r = cli("verify --treshold 0.5 a.jpg b.jpg");
  EXPECT_EQ(r.code, 2);
  EXPECT_NE(r.out.find("unknown option '--treshold'; did you mean '--threshold'?"), std::string::npos) << r.out;
  r = cli("--quite verify a.jpg b.jpg");
  EXPECT_NE(r.out.find("did you mean '--quiet'?"), std::string::npos) << r.out;
  r = cli("models lst");  // a command of a command
  EXPECT_NE(r.out.find("unknown command 'lst'; did you mean 'list'?"), std::string::npos) << r.out;
  r = cli("embed --larges a.jpg -o x.npy");
  EXPECT_NE(r.out.find("did you mean '--largest'?"), std::string::npos) << r.out;
  r = cli("frobnicate x");  // nothing close: no suggestion
  EXPECT_EQ(r.code, 2);
  EXPECT_EQ(r.out.find("did you mean"), std::string::npos) << r.out;
  // -q and --detector after the subcommand are the global options (the error is then the missing file).
  r = cli("verify -q /nonexistent/a.jpg /nonexistent/b.jpg --detector yunet");
  EXPECT_EQ(r.code, 1) << r.out;
  EXPECT_NE(r.out.find("/nonexistent/a.jpg"), std::string::npos) << r.out;
  // --help shows defaults.
  r = cli("fine-tune --help");
  EXPECT_NE(r.out.find("--epochs INT:POSITIVE=5"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("--lr FLOAT:POSITIVE=0.0001"), std::string::npos) << r.out;
  r = cli("tsne --help");
  EXPECT_NE(r.out.find("=30"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("--iterations INT:POSITIVE=1000"), std::string::npos) << r.out;
  r = cli("calibrate --help");
  EXPECT_NE(r.out.find("--far FLOAT=0.001"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("--output"), std::string::npos) << r.out;
}

TEST(Cli, ProgressLineHasElapsedAndTimeLeft) {
  EXPECT_EQ(progress_line("embedding", 10, 40, 5.0, 8), "embedding [##......] 10/40 0:05 elapsed, 0:15 left");
  EXPECT_EQ(progress_line("x", 0, 4, 0.0, 4), "x [....] 0/4 0:00 elapsed, ? left");
  EXPECT_EQ(progress_line("x", 4, 4, 3725.0, 4), "x [####] 4/4 1:02:05 elapsed");
}

TEST(Cli, VerifyExitCodeJsonOnNoFaceAndDirectories) {
  ARCFACE_REQUIRE_SHARED();
  ARCFACE_REQUIRE_MODEL("mobilefacenet-ms1m.pt");
  const std::string katy0 = q(test::sample("actresses/katy_parry/0.jpg")), katy1 = q(test::sample("actresses/katy_parry/1.jpg"));
  const std::string jaime = q(test::sample("actresses/jaime_pressly/0.jpg"));
  CliRun r = cli("verify --exit-code " + katy0 + " " + katy1 + " -q");
  EXPECT_EQ(r.code, 0) << r.out;
  EXPECT_NE(r.out.find("same"), std::string::npos) << r.out;
  r = cli("verify --exit-code " + katy0 + " " + jaime);
  EXPECT_EQ(r.code, 3) << r.out;
  EXPECT_NE(r.out.find("different"), std::string::npos) << r.out;
  r = cli("verify " + katy0 + " " + jaime);  // without --exit-code: 0 for both verdicts
  EXPECT_EQ(r.code, 0) << r.out;
  // Compact JSON: 6 significant digits, bbox = corners of box, a face on one line.
  r = cli("-q verify --json " + katy0 + " " + katy1);
  ASSERT_EQ(r.code, 0) << r.out;
  const auto j = nlohmann::json::parse(r.out);
  const auto& box = j["face1"]["box"];
  const auto& bbox = j["face1"]["bbox"];
  EXPECT_NEAR(bbox[2].get<double>(), box[0].get<double>() + box[2].get<double>(), 1e-3);
  EXPECT_NEAR(bbox[3].get<double>(), box[1].get<double>() + box[3].get<double>(), 1e-3);
  EXPECT_EQ(r.out.find("0000000"), std::string::npos) << r.out;  // no 0.4000000059604645
  EXPECT_NE(r.out.find("\"threshold\": 0.4\n}"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("\"face1\": {\"bbox\": ["), std::string::npos) << r.out;
  EXPECT_LE(std::count(r.out.begin(), r.out.end(), '\n'), 12) << r.out;
  // No face: JSON all the same (same = null, the error), exit 1.
  const std::string blank = test::fixtures() + "/verify-blank.png";
  cv::imwrite(blank, cv::Mat(200, 200, CV_8UC3, cv::Scalar::all(128)));
  r = cli("-q verify --json " + q(blank) + " " + katy0);
  EXPECT_EQ(r.code, 1) << r.out;
  const auto nj = nlohmann::json::parse(r.out.substr(0, r.out.find("arcface: error")));
  EXPECT_TRUE(nj["same"].is_null());
  EXPECT_NE(nj["error"].get<std::string>().find("verify-blank.png"), std::string::npos);
  // A directory: a clear error, not a read failure.
  r = cli("verify " + q(test::sample("actors")) + " " + q(test::sample("actors")));
  EXPECT_EQ(r.code, 1) << r.out;
  EXPECT_NE(r.out.find("is a directory (arcface compare DIR"), std::string::npos) << r.out;
}

TEST(Cli, EmbedAndIdentifyTakeDirectoriesAndSeveralImages) {
  ARCFACE_REQUIRE_SHARED();
  ARCFACE_REQUIRE_MODEL("mobilefacenet-ms1m.pt");
  const fs::path dir = fs::path(test::fixtures()) / "cli-dirs";
  fs::remove_all(dir);
  fs::create_directories(dir);
  const std::string npy = (dir / "actresses.npy").string();
  CliRun r = cli("-q embed " + q(test::sample("actresses")) + " -o " + q(npy));
  ASSERT_EQ(r.code, 0) << r.out;
  EXPECT_EQ(read_npy_matrix(npy).rows(), 10);
  const std::string gal = (dir / "g.gallery").string();
  r = cli("-q enroll --gallery " + q(gal) + " " + q(test::sample("actresses")));
  ASSERT_EQ(r.code, 0) << r.out;
  // A directory plus a file; -o is then a directory of pictures named folder_file.png.
  const fs::path pics = dir / "pictures";
  r = cli("-q identify --json --gallery " + q(gal) + " " + q(test::sample("actresses/katy_parry")) + " " +
          q(test::sample("actresses/emma_mackey/1.jpg")) + " -o " + q(pics.string()));
  ASSERT_EQ(r.code, 0) << r.out;
  const auto j = nlohmann::json::parse(r.out);
  ASSERT_EQ(j["images"].size(), 3u) << r.out;
  EXPECT_EQ(j["images"][0]["faces"][0]["identity"], "katy_parry");
  EXPECT_EQ(j["images"][2]["faces"][0]["identity"], "emma_mackey");
  for (const char* f : {"katy_parry_0.png", "katy_parry_1.png", "emma_mackey_1.png"})
    EXPECT_FALSE(cv::imread((pics / f).string()).empty()) << f;
}

TEST(Cli, ClusterCropNamesAreUnique) {
  ARCFACE_REQUIRE_SHARED();
  ARCFACE_REQUIRE_MODEL("mobilefacenet-ms1m.pt");
  // Every actress folder holds 0.jpg and 1.jpg: 10 faces must give 10 crops.
  const fs::path out = fs::path(test::fixtures()) / "cli-cluster-names";
  fs::remove_all(out);
  CliRun r = cli("-q cluster --labels " + q(test::sample("actresses")) + " -o " + q(out.string()) + " --threshold 0.95");
  ASSERT_EQ(r.code, 0) << r.out;
  std::set<std::string> crops;
  for (const auto& e : fs::recursive_directory_iterator(out))
    if (e.path().extension() == ".png") crops.insert(e.path().filename().string());
  EXPECT_EQ(crops.size(), 10u);
  EXPECT_EQ(crops.count("jaime_pressly_0_face0.png") + crops.count("margot_robie_0_face0.png"), 2u);
}

TEST(Cli, CalibrateOutputLeavesTheModelAlone) {
  ARCFACE_REQUIRE_SHARED();
  ARCFACE_REQUIRE_MODEL("mobilefacenet-ms1m.pt");
  const fs::path dir = fs::path(test::fixtures()) / "cli-calibrate";
  fs::remove_all(dir);
  fs::create_directories(dir);
  const fs::path model = dir / "model.pt", out = dir / "calibrated.pt";
  fs::copy_file(fs::path(models_dir()) / "mobilefacenet-ms1m.pt", model);
  std::ofstream(dir / "pairs.txt") << "3\nAaron_Peirsol\t1\t2\nAaron_Peirsol\t3\t4\nAaron_Sorkin\t1\t2\n"
                                      "AJ_Cook\t1\tMarsha_Thomason\t1\nAaron_Sorkin\t2\tFrank_Solich\t5\n"
                                      "Abdoulaye_Wade\t4\tLinda_Dano\t1\n";
  const auto before = fs::file_size(model);
  const auto before_info = read_model_info(model.string()).metadata_json;
  CliRun r = cli("-q --embedder " + q(model.string()) + " calibrate --cache none --pairs " + q((dir / "pairs.txt").string()) +
                 " --images " + q(test::shared_dir() + "/data/lfw-view1/deepfunneled") + " --output " + q(out.string()));
  ASSERT_EQ(r.code, 0) << r.out;
  EXPECT_NE(r.out.find(out.string()), std::string::npos) << r.out;
  EXPECT_EQ(fs::file_size(model), before);
  EXPECT_EQ(read_model_info(model.string()).metadata_json, before_info);
  const auto j = nlohmann::json::parse(read_model_info(out.string()).metadata_json);
  EXPECT_EQ(j["calibration"]["pairs_count"], 6) << j.dump();
}

TEST(Cli, CompareFacesOfOnePhotoAreNotOneIdentity) {
  ARCFACE_REQUIRE_SHARED();
  ARCFACE_REQUIRE_MODEL("mobilefacenet-ms1m.pt");
  const std::string png = test::fixtures() + "/cli-compare-group.png";
  CliRun r = cli("-q compare --json --all-faces " + q(test::sample("group/group.jpg")) + " -o " + q(png));
  ASSERT_EQ(r.code, 0) << r.out;
  const auto j = nlohmann::json::parse(r.out);
  ASSERT_GE(j["faces"].size(), 4u);
  for (const auto& f : j["faces"]) {
    EXPECT_TRUE(f["label"].is_null()) << f.dump();  // five people, not "group"
    EXPECT_EQ(f["name"].get<std::string>().rfind("group #", 0), 0u) << f.dump();
  }
  EXPECT_FALSE(j.contains("mean_same")) << r.out;
  // No cell outlined as "same identity" (the outline colour is BGR 60, 20, 230).
  const cv::Mat grid = cv::imread(png);
  cv::Mat mask;
  cv::inRange(grid, cv::Scalar(50, 10, 220), cv::Scalar(70, 30, 240), mask);
  EXPECT_EQ(cv::countNonZero(mask), 0);
  // Faces of one photo each, from identity folders: outlined by folder.
  r = cli("-q compare --json " + q(test::sample("actresses/katy_parry")) + " " + q(test::sample("actresses/emma_mackey")) +
          " -o " + q(png));
  ASSERT_EQ(r.code, 0) << r.out;
  const auto k = nlohmann::json::parse(r.out);
  EXPECT_EQ(k["faces"][0]["label"], "katy_parry");
  EXPECT_EQ(k["faces"][0]["name"], "katy_parry 0");
  EXPECT_TRUE(k.contains("mean_same"));
  cv::inRange(cv::imread(png), cv::Scalar(50, 10, 220), cv::Scalar(70, 30, 240), mask);
  EXPECT_GT(cv::countNonZero(mask), 0);
}

// train-demo's photos come from --images or $ARCFACE_SHARED_DIR, never from a path relative to the
// working directory (it read ../shared from wherever it was started).
TEST(Cli, TrainDemoNeverLooksRelativeToTheWorkingDirectory) {
  const fs::path root = fs::temp_directory_path() / ("arcface-train-demo-" + std::to_string(::getpid()));
  fs::create_directories(root / "work");
  fs::create_directories(root / "shared/data/lfw-view1/deepfunneled/Only_Person");
  const fs::path cwd = fs::current_path();
  const char* saved = std::getenv("ARCFACE_SHARED_DIR");
  const std::string saved_value = saved ? saved : "";
  ::unsetenv("ARCFACE_SHARED_DIR");
  fs::current_path(root / "work");
  const CliRun r = cli("train-demo -o " + q((root / "demo.png").string()));
  fs::current_path(cwd);
  if (saved) ::setenv("ARCFACE_SHARED_DIR", saved_value.c_str(), 1);
  fs::remove_all(root);
  EXPECT_NE(r.code, 0);
  EXPECT_NE(r.out.find("--images"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("ARCFACE_SHARED_DIR"), std::string::npos) << r.out;
  EXPECT_EQ(r.out.find("identities"), std::string::npos) << "it read ../shared of the working directory:\n" << r.out;
}

// identify -o: every face stays visible (labels go under the boxes, clear of the other faces: none
// covers a face, its own or another's), and the labels are drawn.
TEST(Cli, IdentifyLabelsNeverCoverAFace) {
  ARCFACE_REQUIRE_SHARED();
  ARCFACE_REQUIRE_MODEL("mobilefacenet-ms1m.pt");
  const fs::path dir = fs::path(test::fixtures()) / "cli-identify-labels";
  fs::remove_all(dir);
  fs::create_directories(dir);
  const std::string gal = (dir / "g.gallery").string(), png = (dir / "group-labelled.png").string();
  CliRun r = cli("-q enroll --gallery " + q(gal) + " jeff " + q(test::sample("actors/jeff/0.jpg")) + " " +
                 q(test::sample("actors/jeff/1.jpg")));
  ASSERT_EQ(r.code, 0) << r.out;
  r = cli("-q identify --json --gallery " + q(gal) + " " + q(test::sample("group/group.jpg")) + " -o " + q(png));
  ASSERT_EQ(r.code, 0) << r.out;
  const auto j = nlohmann::json::parse(r.out);
  const cv::Mat photo = cv::imread(test::sample("group/group.jpg")), drawn = cv::imread(png);
  ASSERT_EQ(photo.size(), drawn.size());
  ASSERT_GE(j["faces"].size(), 4u);
  const cv::Rect frame(0, 0, photo.cols, photo.rows);
  const int outline = static_cast<int>(std::lround(2 * std::max(1.0, std::max(photo.cols, photo.rows) / 640.0))) + 2;
  for (const auto& f : j["faces"]) {
    const cv::Rect box(cv::Point(f["bbox"][0].get<double>(), f["bbox"][1].get<double>()),
                       cv::Point(f["bbox"][2].get<double>(), f["bbox"][3].get<double>()));
    const cv::Rect inside = cv::Rect(box.x + outline, box.y + outline, box.width - 2 * outline, box.height - 2 * outline) & frame;
    ASSERT_GT(inside.area(), 0);
    cv::Mat diff;
    cv::absdiff(photo(inside), drawn(inside), diff);
    EXPECT_EQ(cv::countNonZero(diff.reshape(1)), 0) << "a label covers the face at " << f["bbox"].dump();
  }
  // The labels are there: outside the faces the picture differs from the photo.
  cv::Mat changed;
  cv::absdiff(photo, drawn, changed);
  cv::cvtColor(changed, changed, cv::COLOR_BGR2GRAY);
  EXPECT_GT(cv::countNonZero(changed), 200 * static_cast<int>(j["faces"].size()));
  fs::remove_all(dir);
}
