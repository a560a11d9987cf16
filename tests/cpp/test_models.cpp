// Model files: resolution, and every way a model file can be wrong.
#include "arcface/detector.hpp"
#include "arcface/embedder.hpp"
#include "arcface/error.hpp"
#include "arcface/models.hpp"
#include "common.hpp"

using namespace arcface;

namespace {
std::string message_of(const std::function<void()>& f) {
  try {
    f();
  } catch (const ModelError& e) {
    return e.what();
  }
  return "(no ModelError)";
}
EmbedderOptions model(const std::string& path) {
  EmbedderOptions o;
  o.model = path;
  return o;
}
}  // namespace

TEST(Models, ResolveNamesAndPaths) {
  EXPECT_THROW(resolve_model("no-such-model", ".pt"), ModelError);
  EXPECT_THROW(resolve_model("/no/such/file.pt", ".pt"), ModelError);
  const std::string msg = message_of([] { resolve_model("no-such-model", ".pt"); });
  EXPECT_NE(msg.find("no-such-model.pt"), std::string::npos) << msg;
}

TEST(Models, MissingModelNamesThePath) {
  const std::string msg = message_of([] { Embedder e(model("/nonexistent/model.pt")); });
  EXPECT_NE(msg.find("/nonexistent/model.pt"), std::string::npos) << msg;
}

TEST(Models, CorruptAndTruncatedModelsAreModelErrors) {
  const std::string msg = message_of([] { Embedder e(model(test::fixtures() + "/corrupt.pt")); });
  EXPECT_NE(msg.find("corrupt.pt"), std::string::npos) << msg;
  if (std::filesystem::exists(test::fixtures() + "/truncated.pt"))
    EXPECT_THROW(Embedder(model(test::fixtures() + "/truncated.pt")), ModelError);
}

TEST(Models, ModelWithoutMetadataIsRefused) {
  const std::string msg = message_of([] { Embedder e(model(test::fixtures() + "/no-metadata.pt")); });
  EXPECT_NE(msg.find("no arcface metadata"), std::string::npos) << msg;
}

TEST(Models, OutputContradictingMetadataIsRefused) {
  const std::string msg = message_of([] { Embedder e(model(test::fixtures() + "/wrong-output.pt")); });
  EXPECT_NE(msg.find("wrong-output.pt"), std::string::npos) << msg;
}

TEST(Models, MtcnnFileIsNotAnEmbedder) {
  ARCFACE_REQUIRE_MODEL("mtcnn-tflite.pt");
  const std::string msg = message_of([] { Embedder e(model(models_dir() + "/mtcnn-tflite.pt")); });
  EXPECT_NE(msg.find("not an embedder"), std::string::npos) << msg;
}

TEST(Models, DetectorModelErrors) {
  DetectorOptions o;
  o.model = "/nonexistent/yunet.onnx";
  EXPECT_THROW(Detector{o}, ModelError);
  o.model = test::fixtures() + "/corrupt.pt";
  o.backend = DetectorBackend::Mtcnn;
  EXPECT_THROW(Detector{o}, ModelError);
  o.model = test::fixtures() + "/no-metadata.pt";
  EXPECT_THROW(Detector{o}, ModelError);
  o.backend = DetectorBackend::YuNet;
  o.model = test::fixtures() + "/not-an-image.jpg";  // not an ONNX file
  EXPECT_THROW(Detector{o}, Error);
}

TEST(Models, ReadModelInfo) {
  ARCFACE_REQUIRE_MODEL("mobilefacenet-casia.pt");
  const ModelInfo m = read_model_info(models_dir() + "/mobilefacenet-casia.pt");
  EXPECT_EQ(m.name, "mobilefacenet-casia");
  EXPECT_EQ(m.input_width, 96);
  EXPECT_EQ(m.input_height, 112);
  EXPECT_EQ(m.alignment.name, "sphereface_96x112");
  EXPECT_EQ(m.flip, FlipPolicy::Concat);
  EXPECT_EQ(m.embedding_size, 256);
  EXPECT_TRUE(m.rgb);
  EXPECT_EQ(m.source_sha256.size(), 64u);
}

// The default models, converted from the npm registry's TFLite files: present without ../shared.
TEST(Models, DefaultModelsFromTheNpmPackage) {
  ARCFACE_REQUIRE_MODEL("mobilefacenet-ms1m.pt");
  const ModelInfo m = read_model_info(models_dir() + "/mobilefacenet-ms1m.pt");
  EXPECT_EQ(m.name, kDefaultEmbedder);
  EXPECT_EQ(m.input_width, 112);
  EXPECT_EQ(m.input_height, 112);
  EXPECT_EQ(m.alignment.name, "arcface_112x112");
  EXPECT_EQ(m.flip, FlipPolicy::Sum);
  EXPECT_EQ(m.network_output, 192);
  EXPECT_EQ(m.embedding_size, 192);
  EXPECT_TRUE(m.rgb);
  EXPECT_EQ(m.source_sha256, "d8ba40c0127fb8ca9917e8fddc79bbbda063657bc92a496d34da0bc8a760443b");
  EXPECT_GT(m.threshold, 0.15f);
  EXPECT_LT(m.threshold, 0.5f);
  // MTCNN from the same package is always there; Auto picks YuNet only when its model is installed.
  ARCFACE_REQUIRE_MODEL("mtcnn-tflite.pt");
  DetectorOptions o;
  o.backend = DetectorBackend::Mtcnn;
  EXPECT_EQ(Detector(o).options().backend, DetectorBackend::Mtcnn);
  const bool has_yunet = std::filesystem::exists(models_dir() + "/yunet.onnx");
  EXPECT_EQ(Detector().options().backend, has_yunet ? DetectorBackend::YuNet : DetectorBackend::Mtcnn);
  o.backend = DetectorBackend::Auto;
  o.model = models_dir() + "/mtcnn-tflite.pt";
  EXPECT_EQ(Detector(o).options().backend, DetectorBackend::Mtcnn);
  EXPECT_EQ(detector_backend_from_string("auto"), DetectorBackend::Auto);
  EXPECT_EQ(to_string(DetectorBackend::Auto), "auto");
  EXPECT_THROW(detector_backend_from_string("retinaface"), InputError);
}
