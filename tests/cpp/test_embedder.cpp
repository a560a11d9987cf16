// Embedder: parity with the reference networks, the output contract, bad input, threads.
#include <filesystem>
#include <thread>

#include <opencv2/core.hpp>

#include "arcface/embedder.hpp"
#include "arcface/error.hpp"
#include "arcface/image.hpp"
#include "arcface/npy.hpp"
#include "arcface/pipeline.hpp"
#include "common.hpp"

namespace fs = std::filesystem;
using namespace arcface;

namespace {
// The CASIA MobileFaceNet (needs ../shared): 96x112 template, concat flip policy.
const Embedder& mfn() {
  static const Embedder e([] {
    EmbedderOptions o;
    o.model = "mobilefacenet-casia";
    return o;
  }());
  return e;
}
std::vector<cv::Mat> sample_crops() {
  const Pipeline p;
  std::vector<cv::Mat> crops;
  for (const char* f : {"actors/jeff/0.jpg", "actors/kurt/1.jpg", "actresses/emma_mackey/0.jpg"}) {
    const cv::Mat img = read_image(test::sample(f));
    const auto faces = p.detector().detect(img);
    crops.push_back(mfn().aligner().align(img, faces.at(largest_face(faces))));
  }
  return crops;
}
}  // namespace

// face.evoLVe IR-50 layout: the deterministic pattern checkpoint, exported to TorchScript and run
// from C++ (frozen and optimised, as in production), against face.evoLVe's own output.
TEST(Embedder, Ir50ParityWithFaceEvolve) {
  ARCFACE_REQUIRE_SHARED();
  ARCFACE_REQUIRE_MODEL("ir50-pattern.pt");
  EmbedderOptions o;
  o.model = "ir50-pattern";
  const Embedder e(o);
  EXPECT_EQ(e.info().architecture, "IR-50");
  EXPECT_EQ(e.info().flip, FlipPolicy::Sum);
  ASSERT_TRUE(e.info().resize.has_value());
  const NpyArray in = read_npy(models_dir() + "/ir50-pattern-input.npy");
  const Embeddings expected = read_npy_matrix(test::shared_dir() + "/models/ir50-face-evolve/expected_output.npy");
  const Embeddings got = e.forward_raw(in.data, static_cast<int>(in.shape[0]));
  ASSERT_EQ(got.rows(), 2);
  ASSERT_EQ(got.cols(), 512);
  const float err = (got - expected).cwiseAbs().maxCoeff();
  std::printf("IR-50 parity: max abs difference %.3g\n", err);
  EXPECT_LT(err, 1e-3f);
}

// MobileFaceNet: the TorchScript model as C++ runs it equals eager PyTorch on the same input.
TEST(Embedder, MobileFaceNetEqualsEagerPyTorch) {
  ARCFACE_REQUIRE_MODEL("mobilefacenet-casia.pt");
  const std::string in_path = test::fixtures() + "/mfn-input.npy";
  if (!fs::exists(in_path)) GTEST_SKIP() << "no eager reference (needs ../shared)";
  const NpyArray in = read_npy(in_path);
  const Embeddings ref = read_npy_matrix(test::fixtures() + "/mfn-eager.npy");
  EmbedderOptions plain;
  plain.model = "mobilefacenet-casia";
  plain.optimize = false;
  const Embeddings a = Embedder(plain).forward_raw(in.data, 4);
  const Embeddings b = mfn().forward_raw(in.data, 4);
  const float scale = ref.cwiseAbs().maxCoeff();
  std::printf("MobileFaceNet vs eager: scripted %.3g, frozen+optimised %.3g (max abs; outputs up to %.3g)\n",
              (a - ref).cwiseAbs().maxCoeff(), (b - ref).cwiseAbs().maxCoeff(), scale);
  EXPECT_LT((a - ref).cwiseAbs().maxCoeff(), 1e-5f);
  EXPECT_LT((b - ref).cwiseAbs().maxCoeff(), 1e-4f * std::max(1.f, scale));
}

TEST(Embedder, OutputContract) {
  ARCFACE_REQUIRE_SHARED();
  ARCFACE_REQUIRE_MODEL("mobilefacenet-casia.pt");
  const auto crops = sample_crops();
  const Embeddings e = mfn().embed(crops);
  ASSERT_EQ(e.rows(), 3);
  ASSERT_EQ(e.cols(), 256);
  EXPECT_EQ(mfn().dimension(), 256);
  for (int i = 0; i < 3; ++i) EXPECT_NEAR(e.row(i).norm(), 1.f, 1e-5);
  EXPECT_EQ(mfn().embed(std::vector<cv::Mat>{}).rows(), 0);
  // Batching does not change results.
  EmbedderOptions o;
  o.model = "mobilefacenet-casia";
  o.batch_size = 1;
  const Embedder one(o);
  EXPECT_TRUE(one.embed(crops).isApprox(e, 1e-4f));
}

TEST(Embedder, FlipPolicyOverride) {
  ARCFACE_REQUIRE_SHARED();
  ARCFACE_REQUIRE_MODEL("mobilefacenet-casia.pt");
  const auto crops = sample_crops();
  EmbedderOptions o;
  o.model = "mobilefacenet-casia";
  o.flip = FlipPolicy::None;
  const Embedder none(o);
  o.flip = FlipPolicy::Sum;
  const Embedder sum(o);
  EXPECT_EQ(none.dimension(), 128);
  EXPECT_EQ(sum.dimension(), 128);
  const Embeddings a = none.embed(crops), b = sum.embed(crops), c = mfn().embed(crops);
  // concat = [crop, mirror] / norm, so its first half is parallel to the "none" embedding.
  for (int i = 0; i < 3; ++i) {
    EXPECT_NEAR(c.row(i).head(128).normalized().dot(a.row(i)), 1.f, 1e-4);
    EXPECT_LT(a.row(i).dot(b.row(i)), 0.9999f);  // the mirror contributes
    EXPECT_GT(a.row(i).dot(b.row(i)), 0.8f);
  }
}

TEST(Embedder, BadCropsAreInputErrors) {
  ARCFACE_REQUIRE_MODEL("mobilefacenet-casia.pt");
  EXPECT_THROW(mfn().embed({cv::Mat()}), InputError);
  EXPECT_THROW(mfn().embed({cv::Mat(112, 112, CV_8UC3)}), InputError);  // model wants 96x112
  EXPECT_THROW(mfn().embed({cv::Mat(112, 96, CV_32FC3)}), InputError);
  EXPECT_NO_THROW(mfn().embed({cv::Mat(112, 96, CV_8UC1, cv::Scalar(128))}));  // grey is converted
  EXPECT_THROW(mfn().forward_raw(std::vector<float>(10), 1), InputError);
  EmbedderOptions o;
  o.batch_size = 0;
  EXPECT_THROW(Embedder{o}, InputError);
}

TEST(Embedder, ConcurrentCallsGiveTheSameEmbeddings) {
  ARCFACE_REQUIRE_SHARED();
  ARCFACE_REQUIRE_MODEL("mobilefacenet-casia.pt");
  const auto crops = sample_crops();
  const Embeddings ref = mfn().embed(crops);
  std::vector<Embeddings> got(4);
  std::vector<std::thread> ts;
  for (int t = 0; t < 4; ++t) ts.emplace_back([&, t] {
    for (int k = 0; k < 3; ++k) got[t] = mfn().embed(crops);
  });
  for (auto& t : ts) t.join();
  for (const auto& g : got) EXPECT_TRUE(g.isApprox(ref, 1e-5f));
}

// The default embedder: MobileFaceNet (MS1M, ArcFace loss) converted from the npm registry's TFLite
// file. 112x112 ArcFace template, RGB, embedding of the crop plus that of its mirror.
TEST(Embedder, DefaultIsMs1mMobileFaceNet) {
  ARCFACE_REQUIRE_MODEL("mobilefacenet-ms1m.pt");
  const Embedder def;
  EXPECT_EQ(def.info().name, "mobilefacenet-ms1m");
  EXPECT_EQ(def.info().flip, FlipPolicy::Sum);
  EXPECT_EQ(def.info().input_width, 112);
  EXPECT_EQ(def.info().input_height, 112);
  EXPECT_EQ(def.info().alignment.name, "arcface_112x112");
  EXPECT_EQ(def.dimension(), 192);
  EXPECT_THROW(def.embed({cv::Mat(112, 96, CV_8UC3)}), InputError);  // wants 112x112
  if (test::shared_dir().empty() || !fs::exists(test::sample("actors/jeff/0.jpg"))) return;
  // sum = normalise(f(crop) + f(mirror)), f fed RGB planes scaled by (x - 127.5) / 128
  const Pipeline p;
  std::vector<cv::Mat> crops;
  std::vector<float> planes;
  for (const char* f : {"actors/jeff/0.jpg", "actresses/emma_mackey/0.jpg"}) {
    const cv::Mat img = read_image(test::sample(f));
    const auto faces = p.detector().detect(img);
    crops.push_back(def.aligner().align(img, faces.at(largest_face(faces))));
    for (int mirror = 0; mirror < 2; ++mirror) {
      cv::Mat m = crops.back();
      if (mirror) cv::flip(crops.back(), m, 1);
      for (int c = 2; c >= 0; --c)  // BGR -> R, G, B planes
        for (int y = 0; y < 112; ++y)
          for (int x = 0; x < 112; ++x) planes.push_back((m.at<cv::Vec3b>(y, x)[c] - 127.5f) / 128.f);
    }
  }
  const Embeddings raw = def.forward_raw(planes, 4);
  const Embeddings e = def.embed(crops);
  for (int i = 0; i < 2; ++i) {
    EXPECT_NEAR(e.row(i).norm(), 1.f, 1e-5);
    const Eigen::RowVectorXf expected = (raw.row(2 * i) + raw.row(2 * i + 1)).normalized();
    EXPECT_GT(e.row(i).dot(expected), 0.99999f) << "face " << i;
  }
  EXPECT_LT(e.row(0).dot(e.row(1)), 0.3f);  // different people
}
