// Margin heads: logits against their closed forms, gradients against finite differences, no NaN at
// the boundaries, softmax as a linear layer, TorchScript export.
#include <cmath>
#include <filesystem>

#include <gtest/gtest.h>
#include <torch/script.h>
#include <torch/torch.h>

#include "arcface/error.hpp"
#include "arcface/train.hpp"
#include "train/heads.hpp"

using namespace arcface;
using namespace arcface::train;

namespace {

constexpr double kPi = 3.14159265358979323846;

// Three classes along the axes of R^3; features in the e1-e2 plane at angle theta from e1 (class 0),
// scaled by `norm`.
MarginHead axes_head(HeadOptions o) {
  o.embedding_size = 3;
  o.classes = 3;
  MarginHead h(o);
  h.set_weight(Eigen::MatrixXf::Identity(3, 3));
  return h;
}
Eigen::MatrixXf at_angles(const std::vector<double>& thetas, float norm = 1.f) {
  Eigen::MatrixXf x(static_cast<Eigen::Index>(thetas.size()), 3);
  for (std::size_t i = 0; i < thetas.size(); ++i)
    x.row(static_cast<Eigen::Index>(i)) << norm * std::cos(thetas[i]), norm * std::sin(thetas[i]), 0.f;
  return x;
}
const std::vector<double> kAngles{0.0, 1e-3, 0.3, kPi / 2, 2.0, kPi - 0.6, kPi - 0.3, kPi - 1e-3, kPi};

HeadOptions opts(HeadKind k) {
  HeadOptions o;
  o.kind = k;
  return o;
}

}  // namespace

TEST(Heads, ArcFaceClosedForm) {
  for (const bool easy : {false, true}) {
    HeadOptions o = opts(HeadKind::ArcFace);
    o.s = 64.f;
    o.m = 0.5f;
    o.easy_margin = easy;
    const MarginHead h = axes_head(o);
    const Eigen::MatrixXf z = h.logits(at_angles(kAngles), std::vector<int>(kAngles.size(), 0));
    for (std::size_t i = 0; i < kAngles.size(); ++i) {
      const double t = kAngles[i], c = std::cos(t);
      double target;
      if (easy)
        target = c > 0 ? std::cos(t + 0.5) : c;
      else
        target = t + 0.5 < kPi ? std::cos(t + 0.5) : c - 0.5 * std::sin(0.5);  // monotonic beyond pi
      const auto r = static_cast<Eigen::Index>(i);
      EXPECT_NEAR(z(r, 0), 64 * target, 3e-3) << "theta " << t << (easy ? " easy" : "");
      EXPECT_NEAR(z(r, 1), 64 * std::sin(t), 2e-3) << "theta " << t;  // no margin on other classes
      EXPECT_NEAR(z(r, 2), 0.0, 2e-3);
    }
  }
}

TEST(Heads, CosFaceClosedForm) {
  HeadOptions o = opts(HeadKind::CosFace);
  o.s = 30.f;
  o.m = 0.35f;
  const MarginHead h = axes_head(o);
  const Eigen::MatrixXf z = h.logits(at_angles(kAngles, 3.f), std::vector<int>(kAngles.size(), 0));  // norm ignored
  for (std::size_t i = 0; i < kAngles.size(); ++i) {
    const auto r = static_cast<Eigen::Index>(i);
    EXPECT_NEAR(z(r, 0), 30 * (std::cos(kAngles[i]) - 0.35), 1e-4);
    EXPECT_NEAR(z(r, 1), 30 * std::sin(kAngles[i]), 1e-4);
  }
}

TEST(Heads, SphereFaceClosedFormAndAnnealing) {
  HeadOptions o = opts(HeadKind::SphereFace);
  o.m = 4;
  o.sphere_lambda_min = 0.f;
  MarginHead h = axes_head(o);
  EXPECT_FLOAT_EQ(h.lambda(), 1000.f);
  h.set_iteration(100);
  EXPECT_NEAR(h.lambda(), 1000.0 / (1 + 0.12 * 100), 1e-3);
  h.set_iteration(100000000);  // lambda -> ~0: the pure A-Softmax logit
  const double lam = h.lambda();
  EXPECT_LT(lam, 1e-3);
  const float norm = 2.5f;
  const Eigen::MatrixXf z = h.logits(at_angles(kAngles, norm), std::vector<int>(kAngles.size(), 0));
  for (std::size_t i = 0; i < kAngles.size(); ++i) {
    const double t = kAngles[i];
    const int k = std::min(3, static_cast<int>(std::floor(4 * t / kPi)));
    const double psi = (k % 2 ? -1 : 1) * std::cos(4 * t) - 2 * k;
    const auto r = static_cast<Eigen::Index>(i);
    EXPECT_NEAR(z(r, 0), norm * (lam * std::cos(t) + psi) / (1 + lam), 2e-3) << "theta " << t;
    EXPECT_NEAR(z(r, 1), norm * std::sin(t), 1e-4);
  }
  // psi is monotonically decreasing in theta: the margin never rewards a larger angle.
  for (Eigen::Index r = 1; r < z.rows(); ++r) EXPECT_LE(z(r, 0), z(r - 1, 0) + 1e-4);
  // Annealing floor.
  HeadOptions o2 = opts(HeadKind::SphereFace);
  MarginHead h2(o2);
  h2.set_iteration(100000000);
  EXPECT_FLOAT_EQ(h2.lambda(), 5.f);
}

TEST(Heads, CombinedClosedFormContainsArcAndCosFace) {
  HeadOptions o = opts(HeadKind::Combined);
  o.s = 64.f;
  o.m1 = 1.2f;
  o.m2 = 0.3f;
  o.m3 = 0.1f;
  const MarginHead h = axes_head(o);
  const std::vector<double> inner{1e-3, 0.3, 1.0, 2.0};
  const Eigen::MatrixXf z = h.logits(at_angles(inner), std::vector<int>(inner.size(), 0));
  for (std::size_t i = 0; i < inner.size(); ++i)
    EXPECT_NEAR(z(static_cast<Eigen::Index>(i), 0), 64 * (std::cos(1.2 * inner[i] + 0.3) - 0.1), 2e-3);
  // (1, m, 0) = ArcFace and (1, 0, m) = CosFace where theta + m < pi.
  HeadOptions arc = opts(HeadKind::ArcFace), cos = opts(HeadKind::CosFace), c1 = opts(HeadKind::Combined),
              c2 = opts(HeadKind::Combined);
  arc.m = 0.5f;
  cos.m = 0.35f;
  cos.s = 64.f;
  c1.m1 = 1, c1.m2 = 0.5f, c1.m3 = 0;
  c2.m1 = 1, c2.m2 = 0, c2.m3 = 0.35f;
  const auto x = at_angles(inner);
  const std::vector<int> y(inner.size(), 0);
  EXPECT_TRUE(axes_head(c1).logits(x, y).isApprox(axes_head(arc).logits(x, y), 1e-4f));
  EXPECT_TRUE(axes_head(c2).logits(x, y).isApprox(axes_head(cos).logits(x, y), 1e-4f));
}

TEST(Heads, SoftmaxIsALinearLayer) {
  HeadOptions o = opts(HeadKind::Softmax);
  o.embedding_size = 5;
  o.classes = 4;
  o.seed = 3;
  MarginHead h(o);
  const Eigen::MatrixXf x = Eigen::MatrixXf::Random(6, 5);
  const std::vector<int> y{0, 1, 2, 3, 0, 1};
  Eigen::MatrixXf expected = x * h.weight().transpose();
  expected.rowwise() += h.bias().transpose();
  EXPECT_TRUE(h.logits(x, y).isApprox(expected, 1e-5f));
  EXPECT_TRUE(h.predict(x).isApprox(expected, 1e-5f));
  EXPECT_EQ(h.bias().size(), 4);
  // torch's own linear layer with the same parameters
  auto& m = train::detail::head_module(h);
  const torch::Tensor xt = torch::randn({6, 5});
  const torch::Tensor ref = torch::nn::functional::linear(xt, m.attr("weight").toTensor(), m.attr("bias").toTensor());
  EXPECT_TRUE(torch::allclose(m.forward({xt, torch::zeros({6}, torch::kLong)}).toTensor(), ref, 1e-5, 1e-6));
}

// d(sum(logits * r)) / d(features, weight) by autograd vs central differences, in float64, on random
// points away from the piecewise boundaries.
TEST(Heads, GradientsMatchFiniteDifferences) {
  for (const HeadKind k : {HeadKind::Softmax, HeadKind::ArcFace, HeadKind::CosFace, HeadKind::SphereFace, HeadKind::Combined}) {
    HeadOptions o = opts(k);
    o.embedding_size = 4;
    o.classes = 3;
    o.seed = 7;
    if (k == HeadKind::SphereFace) o.sphere_lambda_min = 0.f;
    MarginHead head(o);
    if (k == HeadKind::SphereFace) head.set_iteration(50);
    torch::jit::Module m = train::detail::head_module(head).clone();
    m.to(torch::kFloat64);
    torch::manual_seed(11);
    const torch::Tensor x = torch::randn({5, 4}, torch::kFloat64);
    const torch::Tensor y = torch::tensor({0, 1, 2, 0, 1}, torch::kLong);
    const torch::Tensor r = torch::randn({5, 3}, torch::kFloat64);
    auto loss = [&](const torch::Tensor& xx) { return (m.forward({xx, y}).toTensor() * r).sum(); };
    torch::Tensor xg = x.clone().requires_grad_(true);
    torch::Tensor w = m.attr("weight").toTensor().detach().clone().requires_grad_(true);  // a float64 leaf
    m.setattr("weight", w);
    loss(xg).backward();
    const torch::Tensor gx = xg.grad().clone(), gw = w.grad().clone();
    const double h = 1e-6;
    double worst = 0;
    torch::NoGradGuard ng;
    for (int64_t i = 0; i < x.numel(); ++i) {
      torch::Tensor a = x.clone(), b = x.clone();
      a.view(-1)[i] += h;
      b.view(-1)[i] -= h;
      const double fd = (loss(a).item<double>() - loss(b).item<double>()) / (2 * h);
      worst = std::max(worst, std::abs(fd - gx.view(-1)[i].item<double>()) / std::max(1.0, std::abs(fd)));
    }
    for (int64_t i = 0; i < w.numel(); ++i) {
      const double keep = w.view(-1)[i].item<double>();
      w.view(-1)[i] = keep + h;
      const double up = loss(x).item<double>();
      w.view(-1)[i] = keep - h;
      const double down = loss(x).item<double>();
      w.view(-1)[i] = keep;
      const double fd = (up - down) / (2 * h);
      worst = std::max(worst, std::abs(fd - gw.view(-1)[i].item<double>()) / std::max(1.0, std::abs(fd)));
    }
    std::printf("%s: worst relative gradient error %.2e\n", to_string(k).c_str(), worst);
    EXPECT_LT(worst, 1e-6) << to_string(k);
  }
}

// Features exactly on a class direction (theta = 0), opposite to it (theta = pi), and zero: finite
// logits and finite gradients for every head, in float32.
TEST(Heads, NoNaNAtTheBoundaries) {
  for (const HeadKind k : {HeadKind::Softmax, HeadKind::ArcFace, HeadKind::CosFace, HeadKind::SphereFace, HeadKind::Combined}) {
    HeadOptions o = opts(k);
    o.embedding_size = 3;
    o.classes = 3;
    MarginHead head(o);
    head.set_weight(Eigen::MatrixXf::Identity(3, 3));
    torch::jit::Module& m = train::detail::head_module(head);
    const torch::Tensor x = torch::tensor({{1.f, 0.f, 0.f}, {-1.f, 0.f, 0.f}, {0.f, 0.f, 0.f}, {0.f, 2.f, 0.f}})
                                .requires_grad_(true);
    const torch::Tensor y = torch::tensor({0, 0, 1, 1}, torch::kLong);
    torch::Tensor w = m.attr("weight").toTensor();
    w.requires_grad_(true);
    const torch::Tensor z = m.forward({x, y}).toTensor();
    torch::nn::functional::cross_entropy(z, y).backward();
    EXPECT_TRUE(torch::isfinite(z).all().item<bool>()) << to_string(k);
    EXPECT_TRUE(torch::isfinite(x.grad()).all().item<bool>()) << to_string(k);
    EXPECT_TRUE(torch::isfinite(w.grad()).all().item<bool>()) << to_string(k);
    w.requires_grad_(false);
  }
}

TEST(Heads, BadInput) {
  HeadOptions o;
  o.classes = 0;
  EXPECT_THROW(MarginHead{o}, InputError);
  o = opts(HeadKind::SphereFace);
  o.m = 2.5f;
  EXPECT_THROW(MarginHead{o}, InputError);
  o = opts(HeadKind::ArcFace);
  o.m = 4.f;
  EXPECT_THROW(MarginHead{o}, InputError);
  EXPECT_THROW(head_kind_from_string("triplet"), InputError);
  EXPECT_EQ(head_kind_from_string("cosface"), HeadKind::CosFace);
  o = opts(HeadKind::ArcFace);
  o.embedding_size = 4;
  o.classes = 3;
  MarginHead h(o);
  EXPECT_THROW(h.logits(Eigen::MatrixXf::Ones(2, 5), {0, 1}), InputError);     // wrong dimension
  EXPECT_THROW(h.logits(Eigen::MatrixXf::Ones(2, 4), {0, 3}), InputError);     // label out of range
  EXPECT_THROW(h.logits(Eigen::MatrixXf::Ones(2, 4), {0}), InputError);        // label count
  Eigen::MatrixXf nan = Eigen::MatrixXf::Ones(1, 4);
  nan(0, 2) = std::nanf("");
  EXPECT_THROW(h.logits(nan, {0}), InputError);
  EXPECT_THROW(h.set_weight(Eigen::MatrixXf::Ones(3, 3)), InputError);
  EXPECT_THROW(h.save("/nonexistent/dir/head.pt"), IoError);
}

// The saved module loads with torch::jit::load (as torch.jit.load does in Python) and gives the
// same logits; its parameters are trainable.
TEST(Heads, SavedModuleLoadsAndTrains) {
  HeadOptions o = opts(HeadKind::ArcFace);
  o.embedding_size = 8;
  o.classes = 4;
  const MarginHead h(o);
  const auto path = (std::filesystem::temp_directory_path() / "arcface-head-test.pt").string();
  h.save(path);
  torch::jit::Module m = torch::jit::load(path);
  const Eigen::MatrixXf x = Eigen::MatrixXf::Random(3, 8);
  const std::vector<int> y{0, 2, 3};
  torch::Tensor xt = torch::empty({3, 8});
  for (int i = 0; i < 3; ++i)
    for (int j = 0; j < 8; ++j) xt[i][j] = x(i, j);
  const torch::Tensor z = m.forward({xt, torch::tensor({0, 2, 3}, torch::kLong)}).toTensor();
  const Eigen::MatrixXf ref = h.logits(x, y);
  for (int i = 0; i < 3; ++i)
    for (int j = 0; j < 4; ++j) EXPECT_NEAR(z[i][j].item<float>(), ref(i, j), 1e-4);
  std::vector<torch::Tensor> params;
  for (const auto& p : m.parameters()) params.push_back(p);
  ASSERT_EQ(params.size(), 1u);
  EXPECT_TRUE(params[0].requires_grad());
}

// Trainer: SGD with mini-batches and a step schedule on separable synthetic features; a
// checkpoint that torch::jit::load reads back (head + projection); NaN-free losses.
TEST(Trainer, SgdMiniBatchesAndCheckpoint) {
  std::srand(3);
  const int per = 25, classes = 5, dim = 12;
  const Eigen::MatrixXf centres = Eigen::MatrixXf::Random(classes, dim) * 2.f;
  Eigen::MatrixXf x(per * classes, dim);
  std::vector<int> y;
  for (int k = 0; k < classes; ++k)
    for (int i = 0; i < per; ++i) {
      x.row(k * per + i) = centres.row(k) + 0.2f * Eigen::RowVectorXf::Random(dim);
      y.push_back(k);
    }
  HeadOptions h;
  h.kind = HeadKind::CosFace;
  h.embedding_size = dim;
  h.classes = classes;
  h.s = 16.f;
  TrainOptions t;
  t.optimizer = TrainOptions::Optimizer::Sgd;
  t.learning_rate = 0.5f;
  t.schedule = TrainOptions::Schedule::Step;
  t.step_epochs = 20;
  t.epochs = 40;
  t.batch_size = 16;
  t.checkpoint = (std::filesystem::temp_directory_path() / "arcface-trainer-ck.pt").string();
  t.checkpoint_epochs = 10;
  std::filesystem::remove(t.checkpoint);
  Trainer trainer(h, t);
  const TrainReport r = trainer.fit(x, y);
  ASSERT_EQ(r.epoch_loss.size(), 40u);
  for (float l : r.epoch_loss) EXPECT_TRUE(std::isfinite(l));
  EXPECT_LT(r.epoch_loss.back(), 0.5f * r.epoch_loss.front());
  EXPECT_GT(r.accuracy, 0.95);
  EXPECT_EQ(r.device, "cpu");
  torch::jit::Module ck = torch::jit::load(t.checkpoint);
  EXPECT_TRUE(ck.hasattr("head"));
  EXPECT_EQ(ck.attr("projection").toTensor().numel(), 0);  // no projection here
  const Eigen::MatrixXf w = trainer.head().weight();
  EXPECT_NEAR(ck.attr("head").toModule().attr("weight").toTensor()[1][2].item<float>(), w(1, 2), 1e-6);
  // projection size must match the head
  TrainOptions bad = t;
  bad.projection = 3;
  EXPECT_THROW(Trainer(h, bad), InputError);
  bad = t;
  bad.device = "tpu";
  EXPECT_THROW(Trainer(h, bad), InputError);
  if (!torch::cuda::is_available()) {
    bad.device = "cuda";
    EXPECT_THROW(Trainer(h, bad), InputError);
  }
  EXPECT_THROW(trainer.fit(x, std::vector<int>(y.size(), 7)), InputError);
  EXPECT_THROW(trainer.fit(Eigen::MatrixXf(0, dim), {}), InputError);
}

TEST(Trainer, AngularStatsByHand) {
  Eigen::MatrixXf x(4, 2);
  x << 1, 0, 2, 0.1f, 0, 1, 0, 3;
  const AngularStats s = angular_stats(x, {0, 0, 1, 1}, 2);
  EXPECT_NEAR(s.min_inter_angle_deg, 90 - std::atan(0.1 / 2) * 90 / kPi, 1e-3);
  EXPECT_NEAR(s.intra_spread_deg, (std::atan(0.1 / 2) * 180 / kPi) / 4, 1e-3);  // two samples off by half the angle
  EXPECT_THROW(angular_stats(x, {0, 0, 0, 0}, 2), InputError);  // class 1 empty
}
