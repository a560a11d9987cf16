// LFW View 1 with an embedder brought as ONNX: fr_feature of ../shared, imported with
// `arcface models import` (scripts/onnx_torch.py, checked against OpenCV DNN) and run by the core.
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "arcface/eval.hpp"
#include "arcface/pipeline.hpp"
#include "common.hpp"

namespace fs = std::filesystem;
using namespace arcface;

namespace {

// Every @p step-th pair of each half of a View 1 pair file ("N", N same pairs, N different pairs),
// written in the same format: a smaller training set with the same balance and spread.
std::string every_nth_pair(const std::string& pairs_file, int step, const std::string& out) {
  std::ifstream in(pairs_file);
  int n = 0;
  in >> n;
  std::string line;
  std::getline(in, line);
  std::vector<std::string> same, diff;
  for (int i = 0; i < 2 * n && std::getline(in, line); ++i)
    if (i % n % step == 0) (i < n ? same : diff).push_back(line);
  std::ofstream o(out);
  o << same.size() << "\n";
  for (const auto& l : same) o << l << "\n";
  for (const auto& l : diff) o << l << "\n";
  return out;
}

}  // namespace

// DevTest accuracy of the imported model at the threshold chosen on DevTrain pairs (every 7th
// pair of each half: 316 pairs, so that the run embeds about 2,200 photos instead of 5,000; the
// full DevTrain gives the same threshold to 0.01, see docs/accuracy.md).
TEST(Lfw, View1ImportedOnnxEmbedder) {
  ARCFACE_REQUIRE_SHARED();
  const std::string onnx = test::shared_dir() + "/models/faceplugin-feature/fr_feature.onnx";
  if (!fs::is_regular_file(onnx)) GTEST_SKIP() << onnx << " not found (shared ONNX test model)";
  const fs::path dir = fs::temp_directory_path() / "arcface-lfw-onnx-test";
  fs::remove_all(dir);
  fs::create_directories(dir);
  const auto [rc, out] = test::run_cli("--models " + dir.string() + " models import " + onnx +
                                       " --name fr-feature --rgb --mean 127 --std 128 --flip sum");
  ASSERT_EQ(rc, 0) << out;
  EXPECT_NE(out.find("checked against OpenCV DNN"), std::string::npos) << out;

  const std::string root = test::shared_dir() + "/data/lfw-view1";
  const std::string train = every_nth_pair(root + "/pairsDevTrain.txt", 7, (dir / "train-subset.txt").string());
  PipelineOptions po;
  po.embedder.model = (dir / "fr-feature.pt").string();
  const Pipeline pipe(po);
  ASSERT_EQ(pipe.embedder().dimension(), 512);
  fs::create_directories(ARCFACE_TEST_CACHE);
  EmbedPhotosOptions o;
  o.cache_file = std::string(ARCFACE_TEST_CACHE) + "/lfw-view1-fr-feature.cache";
  o.progress = true;
  const View1Result r = evaluate_view1(pipe, train, root + "/pairsDevTest.txt", root + "/deepfunneled", o, true);
  std::printf("LFW View 1 deepfunneled, imported fr_feature.onnx: threshold %.4f (DevTrain subset accuracy %.2f %%), "
              "DevTest accuracy %.2f %%, %d of %d photos without a detected face\n",
              r.threshold, 100 * r.train_accuracy, 100 * r.test_accuracy, r.undetected, r.images);
  EXPECT_GE(r.test_accuracy, 0.985);
  fs::remove_all(dir);
}
