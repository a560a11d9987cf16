// Embedder precision: names, the auto rule, metadata records, bf16 against fp32, the default model's
// auto, int8 without a variant (tests/python/test_int8.py makes and runs variants).
#include <filesystem>
#include <fstream>

#include "arcface/embedder.hpp"
#include "arcface/error.hpp"
#include "arcface/eval.hpp"
#include "arcface/image.hpp"
#include "arcface/models.hpp"
#include "arcface/npy.hpp"
#include "arcface/pipeline.hpp"
#include "common.hpp"
#include "embedder/model_info.hpp"

#include <nlohmann/json.hpp>

namespace fs = std::filesystem;
using namespace arcface;

namespace {
ModelInfo with_records(double fp32_acc, double fp32_ms, double bf16_acc, double bf16_ms) {
  ModelInfo m;
  m.precisions[Precision::Fp32] = {fp32_acc, fp32_ms};
  m.precisions[Precision::Bf16] = {bf16_acc, bf16_ms};
  return m;
}

Embedder make(const std::string& model, Precision p) {
  EmbedderOptions o;
  o.model = model;
  o.precision = p;
  return Embedder(o);
}

// The default model's metadata with a "precisions" record replaced.
std::string metadata_with(const std::string& json, const nlohmann::json& precisions) {
  auto j = nlohmann::json::parse(json);
  j["precisions"] = precisions;
  return j.dump();
}
}  // namespace

TEST(Precision, Names) {
  for (Precision p : {Precision::Fp32, Precision::Bf16, Precision::Int8, Precision::Auto})
    EXPECT_EQ(precision_from_string(to_string(p)), p);
  EXPECT_THROW(precision_from_string("fp16"), InputError);
  EXPECT_THROW(precision_from_string("BF16"), InputError);
  EXPECT_TRUE(cpu_supports(Precision::Fp32));
  EXPECT_EQ(EmbedderOptions{}.precision, Precision::Auto);
}

TEST(Precision, AutoRule) {
  // Not measured: fp32.
  EXPECT_EQ(choose_precision(Precision::Auto, ModelInfo{}, true, true), Precision::Fp32);
  // Faster and as accurate: bf16, but only where the CPU has bf16 instructions.
  EXPECT_EQ(choose_precision(Precision::Auto, with_records(99.0, 8, 99.0, 4), true, false), Precision::Bf16);
  EXPECT_EQ(choose_precision(Precision::Auto, with_records(99.0, 8, 99.0, 4), false, true), Precision::Fp32);
  // A loss of exactly 0.1 points is allowed, more is not; a gain is fine.
  EXPECT_EQ(choose_precision(Precision::Auto, with_records(99.0, 8, 98.9, 4), true, true), Precision::Bf16);
  EXPECT_EQ(choose_precision(Precision::Auto, with_records(99.0, 8, 98.85, 4), true, true), Precision::Fp32);
  EXPECT_EQ(choose_precision(Precision::Auto, with_records(99.0, 8, 99.3, 4), true, true), Precision::Bf16);
  // Not faster: fp32.
  EXPECT_EQ(choose_precision(Precision::Auto, with_records(99.0, 8, 99.0, 9), true, true), Precision::Fp32);
  // The fastest of several.
  ModelInfo m = with_records(99.0, 8, 99.0, 4);
  m.precisions[Precision::Int8] = {99.0, 2};
  EXPECT_EQ(choose_precision(Precision::Auto, m, true, true), Precision::Int8);
  EXPECT_EQ(choose_precision(Precision::Auto, m, true, false), Precision::Bf16);
  // int8 slower than fp32, or losing more than 0.1 points: never.
  ModelInfo slow = with_records(99.0, 8, 99.0, 9);
  slow.precisions[Precision::Int8] = {99.0, 20};
  EXPECT_EQ(choose_precision(Precision::Auto, slow, true, true), Precision::Fp32);
  ModelInfo lossy = with_records(99.0, 8, 99.0, 9);
  lossy.precisions[Precision::Int8] = {98.7, 2};
  EXPECT_EQ(choose_precision(Precision::Auto, lossy, true, true), Precision::Fp32);
  // An explicit request is kept, whatever the records say.
  EXPECT_EQ(choose_precision(Precision::Bf16, with_records(99.0, 8, 50.0, 40), false, false), Precision::Bf16);
  EXPECT_EQ(choose_precision(Precision::Fp32, with_records(99.0, 8, 99.0, 4), true, true), Precision::Fp32);
}

TEST(Precision, MetadataRecords) {
  ARCFACE_REQUIRE_MODEL("mobilefacenet-ms1m.pt");
  const std::string json = read_model_info(resolve_model(kDefaultEmbedder, ".pt")).metadata_json;
  const ModelInfo m = detail::parse_model_info(
      "x.pt", metadata_with(json, {{"fp32", {{"lfw_view1_accuracy", 99.1}, {"ms_per_row", 8.0}}},
                                   {"bf16", {{"lfw_view1_accuracy", 99.05}, {"ms_per_row", 3.5}}}}));
  ASSERT_EQ(m.precisions.size(), 2u);
  EXPECT_DOUBLE_EQ(m.precisions.at(Precision::Bf16).ms_per_row, 3.5);
  EXPECT_NEAR(m.precisions.at(Precision::Fp32).lfw_view1_accuracy, 99.1, 1e-5);
  // Bad records name the model file and the problem.
  const nlohmann::json bad[] = {
      {{"fp16", {{"lfw_view1_accuracy", 99.0}, {"ms_per_row", 1.0}}}},
      {{"auto", {{"lfw_view1_accuracy", 99.0}, {"ms_per_row", 1.0}}}},
      {{"bf16", {{"lfw_view1_accuracy", 140.0}, {"ms_per_row", 1.0}}}},
      {{"bf16", {{"lfw_view1_accuracy", 99.0}, {"ms_per_row", 0.0}}}},
      {{"bf16", {{"lfw_view1_accuracy", "high"}, {"ms_per_row", 1.0}}}},
      {{"bf16", {{"ms_per_row", 1.0}}}},
  };
  for (const auto& b : bad) {
    try {
      detail::parse_model_info("x.pt", metadata_with(json, b));
      ADD_FAILURE() << "accepted " << b.dump();
    } catch (const ModelError& e) {
      EXPECT_NE(std::string(e.what()).find("x.pt"), std::string::npos) << e.what();
    }
  }
}

// auto reads the records of the model file: a copy of the default model with records written.
TEST(Precision, AutoFollowsTheModelsRecords) {
  ARCFACE_REQUIRE_MODEL("mobilefacenet-ms1m.pt");
  const fs::path dir = fs::temp_directory_path() / ("arcface-precision-" + std::to_string(::getpid()));
  fs::create_directories(dir);
  const std::string copy = (dir / "m.pt").string();
  fs::copy_file(resolve_model(kDefaultEmbedder, ".pt"), copy, fs::copy_options::overwrite_existing);
  const std::string json = read_model_info(copy).metadata_json;
  const bool bf16 = cpu_supports(Precision::Bf16);
  write_model_metadata(copy, metadata_with(json, {{"fp32", {{"lfw_view1_accuracy", 99.0}, {"ms_per_row", 8.0}}},
                                                  {"bf16", {{"lfw_view1_accuracy", 98.95}, {"ms_per_row", 4.0}}}}));
  EXPECT_EQ(make(copy, Precision::Auto).precision(), bf16 ? Precision::Bf16 : Precision::Fp32);
  write_model_metadata(copy, metadata_with(json, {{"fp32", {{"lfw_view1_accuracy", 99.0}, {"ms_per_row", 8.0}}},
                                                  {"bf16", {{"lfw_view1_accuracy", 98.8}, {"ms_per_row", 4.0}}}}));
  EXPECT_EQ(make(copy, Precision::Auto).precision(), Precision::Fp32);  // loses 0.2 points
  EXPECT_EQ(make(copy, Precision::Bf16).precision(), Precision::Bf16);  // asked for
  fs::remove_all(dir);
}

// bf16 embeddings stay within cosine 0.999 of fp32: the default MobileFaceNet on sample faces,
// and the IR-50 layout on its reference input.
TEST(Precision, Bf16CloseToFp32) {
  ARCFACE_REQUIRE_SHARED();
  ARCFACE_REQUIRE_MODEL("mobilefacenet-ms1m.pt");
  const Embedder fp32 = make("", Precision::Fp32), bf16 = make("", Precision::Bf16);
  EXPECT_EQ(fp32.precision(), Precision::Fp32);
  EXPECT_EQ(bf16.precision(), Precision::Bf16);
  const Pipeline p;
  std::vector<cv::Mat> crops;
  for (const char* f : {"actors/jeff/0.jpg", "actors/kurt/1.jpg", "actresses/emma_mackey/0.jpg", "musk/rotated/musk_rotated.jpg"}) {
    const cv::Mat img = read_image(test::sample(f));
    for (const Face& face : p.detector().detect(img)) crops.push_back(fp32.aligner().align(img, face));
  }
  ASSERT_GE(crops.size(), 4u);
  const Embeddings a = fp32.embed(crops), b = bf16.embed(crops);
  float lowest = 1.f;
  for (Eigen::Index i = 0; i < a.rows(); ++i) {
    EXPECT_NEAR(b.row(i).norm(), 1.f, 1e-5);
    lowest = std::min(lowest, a.row(i).dot(b.row(i)));
  }
  std::printf("MobileFaceNet bf16 vs fp32: lowest cosine %.6f over %d faces\n", lowest, static_cast<int>(a.rows()));
  EXPECT_GT(lowest, 0.999f);
  EXPECT_LT(lowest, 1.f - 1e-7f);  // it did run in another precision

  if (!test::has_model("ir50-pattern.pt")) return;
  const NpyArray in = read_npy(models_dir() + "/ir50-pattern-input.npy");
  const Embeddings x = make("ir50-pattern", Precision::Fp32).forward_raw(in.data, static_cast<int>(in.shape[0]));
  const Embeddings y = make("ir50-pattern", Precision::Bf16).forward_raw(in.data, static_cast<int>(in.shape[0]));
  for (Eigen::Index i = 0; i < x.rows(); ++i) {
    const float cos = x.row(i).normalized().dot(y.row(i).normalized());
    std::printf("IR-50 bf16 vs fp32, row %d: cosine %.6f\n", static_cast<int>(i), cos);
    EXPECT_GT(cos, 0.999f);
  }
}

// Without MODEL.int8.pt (scripts/quantize_model.py makes it) int8 is refused naming the file expected.
TEST(Precision, Int8WithoutVariantNamesTheExpectedFile) {
  ARCFACE_REQUIRE_MODEL("mobilefacenet-ms1m.pt");
  const fs::path dir = fs::temp_directory_path() / ("arcface-int8-" + std::to_string(::getpid()));
  fs::create_directories(dir);
  const std::string copy = (dir / "m.pt").string();
  fs::copy_file(resolve_model(kDefaultEmbedder, ".pt"), copy, fs::copy_options::overwrite_existing);
  try {
    make(copy, Precision::Int8);
    ADD_FAILURE() << "int8 accepted without a variant";
  } catch (const ModelError& e) {
    EXPECT_NE(std::string(e.what()).find((dir / "m.int8.pt").string() + "' does not exist"), std::string::npos)
        << e.what();
    EXPECT_NE(std::string(e.what()).find("quantize"), std::string::npos) << e.what();
  }
  // A file that is no model where the variant belongs: the error names it.
  { std::ofstream((dir / "m.int8.pt").string()) << "not a model"; }
  try {
    make(copy, Precision::Int8);
    ADD_FAILURE() << "corrupt variant accepted";
  } catch (const ModelError& e) {
    EXPECT_NE(std::string(e.what()).find("m.int8.pt"), std::string::npos) << e.what();
  }
  // auto with records that make int8 the fastest falls back when the variant is unusable.
  const std::string json = read_model_info(copy).metadata_json;
  write_model_metadata(copy, metadata_with(json, {{"fp32", {{"lfw_view1_accuracy", 99.0}, {"ms_per_row", 8.0}}},
                                                  {"int8", {{"lfw_view1_accuracy", 99.0}, {"ms_per_row", 1.0}}}}));
  EXPECT_EQ(make(copy, Precision::Auto).precision(), Precision::Fp32);
  fs::remove_all(dir);
}

// The installed default model carries the precisions measured on LFW View 1 (prepare_models.py
// writes scripts/measured_precisions.json into it): auto runs bf16 where the CPU has bf16
// instructions, fp32 elsewhere, and never the int8 record (it loses accuracy and time).
TEST(Precision, DefaultModelAutoPicksBf16WhereTheCpuHasIt) {
  ARCFACE_REQUIRE_MODEL("mobilefacenet-ms1m.pt");
  const ModelInfo info = read_model_info(resolve_model(kDefaultEmbedder, ".pt"));
  ASSERT_TRUE(info.precisions.count(Precision::Fp32) && info.precisions.count(Precision::Bf16))
      << info.path << " records no measured precisions: rerun scripts/prepare_models.py";
  EXPECT_EQ(choose_precision(Precision::Auto, info, true, true), Precision::Bf16);
  EXPECT_EQ(choose_precision(Precision::Auto, info, true, false), Precision::Bf16);
  EXPECT_EQ(choose_precision(Precision::Auto, info, false, true), Precision::Fp32);
  EXPECT_EQ(choose_precision(Precision::Auto, info, false, false), Precision::Fp32);
  EXPECT_EQ(Embedder().precision(), cpu_supports(Precision::Bf16) ? Precision::Bf16 : Precision::Fp32);
  EXPECT_EQ(make("", Precision::Fp32).precision(), Precision::Fp32);  // asked for
}

// The LFW embedding cache keeps precisions apart: a bf16 run does not reuse fp32 embeddings.
TEST(Precision, PhotoCacheIsPerPrecision) {
  ARCFACE_REQUIRE_SHARED();
  ARCFACE_REQUIRE_MODEL("mobilefacenet-ms1m.pt");
  const fs::path dir = fs::temp_directory_path() / ("arcface-precision-cache-" + std::to_string(::getpid()));
  fs::create_directories(dir);
  EmbedPhotosOptions eo;
  eo.cache_file = (dir / "photos.cache").string();
  const std::vector<std::string> photos = {test::sample("actors/jeff/0.jpg"), test::sample("actors/kurt/1.jpg")};
  auto run = [&](Precision p) {
    PipelineOptions o;
    o.embedder.precision = p;
    return embed_photos(Pipeline(o), photos, eo).embeddings;
  };
  const Embeddings fp32 = run(Precision::Fp32), bf16 = run(Precision::Bf16), fp32_again = run(Precision::Fp32);
  EXPECT_TRUE(fp32_again.isApprox(fp32, 1e-6f));
  for (Eigen::Index i = 0; i < fp32.rows(); ++i) {
    EXPECT_GT(fp32.row(i).dot(bf16.row(i)), 0.999f);
    EXPECT_LT(fp32.row(i).dot(bf16.row(i)), 1.f - 1e-7f) << "bf16 run returned the cached fp32 embedding";
  }
  fs::remove_all(dir);
}
