// LFW View 1 with an embedder brought as ONNX: fr_feature of ../shared, imported with
// `arcface models import` (scripts/onnx_torch.py, checked against OpenCV DNN) and run by the core.
#include <cstdio>
#include <filesystem>
#include <string>

#include "arcface/eval.hpp"
#include "arcface/pipeline.hpp"
#include "common.hpp"

namespace fs = std::filesystem;
using namespace arcface;

// DevTest accuracy of the imported model at the threshold chosen on all of DevTrain (4,992 photos).
// A cheaper run with the threshold chosen on every 7th DevTrain pair (2,169 photos) was tried: its
// threshold (0.244, against 0.275 on all of DevTrain) gives 98.2 %, so the full protocol is kept.
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
  PipelineOptions po;
  po.embedder.model = (dir / "fr-feature.pt").string();
  const Pipeline pipe(po);
  ASSERT_EQ(pipe.embedder().dimension(), 512);
  fs::create_directories(ARCFACE_TEST_CACHE);
  EmbedPhotosOptions o;
  o.cache_file = std::string(ARCFACE_TEST_CACHE) + "/lfw-view1-fr-feature.cache";
  o.progress = true;
  LfwEvalOptions eo;
  eo.train_pairs = root + "/pairsDevTrain.txt";
  eo.embed = o;
  eo.skip_missing_images = true;
  const LfwReport r = evaluate_lfw(pipe, root + "/pairsDevTest.txt", root + "/deepfunneled", eo);
  std::printf("LFW View 1 deepfunneled, imported fr_feature.onnx: threshold %.4f (DevTrain accuracy %.2f %%), "
              "DevTest accuracy %.2f %%, %d of %d photos without a detected face\n",
              r.threshold, 100 * r.train_accuracy, 100 * r.accuracy, r.undetected, r.images);
  EXPECT_GE(r.accuracy, 0.985);  // measured 99.00 % (threshold 0.275)
  fs::remove_all(dir);
}
