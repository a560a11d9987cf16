// The margin heads, defined once as TorchScript source (so that the same module trains in C++ and
// loads in PyTorch), and MarginHead, their Torch-free C++ face.
#include <cmath>
#include <sstream>

#include <torch/script.h>
#include <torch/torch.h>

#include "core/files.hpp"
#include "arcface/error.hpp"
#include "arcface/train.hpp"
#include "core/detail.hpp"
#include "train/heads.hpp"

namespace arcface::train {

std::string to_string(HeadKind k) {
  switch (k) {
    case HeadKind::Softmax: return "softmax";
    case HeadKind::ArcFace: return "arcface";
    case HeadKind::CosFace: return "cosface";
    case HeadKind::SphereFace: return "sphereface";
    case HeadKind::Combined: return "combined";
  }
  return "unknown";
}

HeadKind head_kind_from_string(const std::string& name) {
  for (HeadKind k : {HeadKind::Softmax, HeadKind::ArcFace, HeadKind::CosFace, HeadKind::SphereFace, HeadKind::Combined})
    if (to_string(k) == name) return k;
  throw InputError("unknown head '" + name + "' (expected softmax, arcface, cosface, sphereface or combined)");
}

namespace detail {
namespace {

// Shared helpers of the angular heads. Unit rows; cosines clamped to [-1, 1].
const char* kCommon = R"JIT(
def _unit(self, x: Tensor) -> Tensor:
    return x / x.norm(2, 1, True).clamp_min(1e-12)

def _cosines(self, x: Tensor) -> Tensor:
    return torch.matmul(self._unit(x), self._unit(self.weight).t()).clamp(-1.0, 1.0)

def _one_hot(self, cos: Tensor, labels: Tensor) -> Tensor:
    return torch.zeros_like(cos).scatter_(1, labels.view(-1, 1).long(), 1.0)
)JIT";

// 1 - cos^2 is clamped at 1e-10 (sin >= 1e-5) so that the gradient of sin(theta) stays finite at theta = 0, pi.
const char* kArcFace = R"JIT(
def forward(self, x: Tensor, labels: Tensor) -> Tensor:
    cos = self._cosines(x)
    sin = torch.sqrt((1.0 - cos * cos).clamp_min(1e-10))
    phi = cos * self.cos_m - sin * self.sin_m
    if self.easy_margin:
        phi = torch.where(cos > 0.0, phi, cos)
    else:
        phi = torch.where(cos > self.th, phi, cos - self.mm)
    hot = self._one_hot(cos, labels)
    return self.s * (hot * phi + (1.0 - hot) * cos)

def predict(self, x: Tensor) -> Tensor:
    return self.s * self._cosines(x)
)JIT";

const char* kCosFace = R"JIT(
def forward(self, x: Tensor, labels: Tensor) -> Tensor:
    cos = self._cosines(x)
    return self.s * (cos - self.m * self._one_hot(cos, labels))

def predict(self, x: Tensor) -> Tensor:
    return self.s * self._cosines(x)
)JIT";

// cos(m theta) by its Chebyshev polynomial in cos(theta) (differentiable everywhere); k from the
// angle, without gradient. Features keep their norm (A-Softmax normalises the weights only).
const char* kSphereFace = R"JIT(
def _cos_m_theta(self, c: Tensor) -> Tensor:
    if self.mi == 1:
        return c
    if self.mi == 2:
        return 2.0 * c * c - 1.0
    if self.mi == 3:
        return (4.0 * c * c - 3.0) * c
    return 8.0 * c * c * (c * c - 1.0) + 1.0

def forward(self, x: Tensor, labels: Tensor) -> Tensor:
    norm = x.norm(2, 1, True)
    cos = self._cosines(x)
    theta = torch.acos(cos.detach().clamp(-1.0, 1.0))
    k = torch.floor(self.mi * theta / 3.141592653589793)
    sign = 1.0 - 2.0 * torch.remainder(k, 2.0)
    psi = sign * self._cos_m_theta(cos) - 2.0 * k
    target = (self.lamb * cos + psi) / (1.0 + self.lamb)
    hot = self._one_hot(cos, labels)
    return norm * (hot * target + (1.0 - hot) * cos)

def predict(self, x: Tensor) -> Tensor:
    return x.norm(2, 1, True) * self._cosines(x)
)JIT";

// acos is evaluated on cosines kept 1e-7 inside [-1, 1], where its gradient is finite.
const char* kCombined = R"JIT(
def forward(self, x: Tensor, labels: Tensor) -> Tensor:
    cos = self._cosines(x)
    theta = torch.acos(cos.clamp(-1.0 + 1e-7, 1.0 - 1e-7))
    target = torch.cos(self.m1 * theta + self.m2) - self.m3
    hot = self._one_hot(cos, labels)
    return self.s * (hot * target + (1.0 - hot) * cos)

def predict(self, x: Tensor) -> Tensor:
    return self.s * self._cosines(x)
)JIT";

const char* kSoftmax = R"JIT(
def forward(self, x: Tensor, labels: Tensor) -> Tensor:
    return torch.matmul(x, self.weight.t()) + self.bias

def predict(self, x: Tensor) -> Tensor:
    return torch.matmul(x, self.weight.t()) + self.bias
)JIT";

}  // namespace

torch::jit::Module make_head_module(const HeadOptions& o) {
  const std::string name = to_string(o.kind);
  torch::jit::Module m(c10::QualifiedName("__torch__.arcface." + name + "_head"));
  torch::manual_seed(o.seed);
  torch::Tensor w = torch::empty({o.classes, o.embedding_size});
  torch::nn::init::xavier_uniform_(w);
  m.register_parameter("weight", w.requires_grad_(true), false);
  const auto f = [&](const char* n, double v) { m.register_attribute(n, c10::FloatType::get(), v); };
  f("s", o.s);
  f("m", o.m);
  switch (o.kind) {
    case HeadKind::Softmax:
      m.register_parameter("bias", torch::zeros({o.classes}).requires_grad_(true), false);
      m.define(kSoftmax);
      break;
    case HeadKind::ArcFace:
      f("cos_m", std::cos(o.m));
      f("sin_m", std::sin(o.m));
      f("th", std::cos(M_PI - o.m));       // where theta + m reaches pi
      f("mm", std::sin(M_PI - o.m) * o.m);  // the linear continuation beyond it
      m.register_attribute("easy_margin", c10::BoolType::get(), o.easy_margin);
      m.define(kCommon);
      m.define(kArcFace);
      break;
    case HeadKind::CosFace:
      m.define(kCommon);
      m.define(kCosFace);
      break;
    case HeadKind::SphereFace:
      m.register_attribute("mi", c10::IntType::get(), static_cast<int64_t>(std::lround(o.m)));
      f("lamb", o.sphere_base);
      m.define(kCommon);
      m.define(kSphereFace);
      break;
    case HeadKind::Combined:
      f("m1", o.m1);
      f("m2", o.m2);
      f("m3", o.m3);
      m.define(kCommon);
      m.define(kCombined);
      break;
  }
  return m;
}

}  // namespace detail

namespace {

HeadOptions validated(HeadOptions o) {
  if (o.embedding_size <= 0 || o.classes <= 0)
    throw InputError("head sizes must be positive (embedding_size " + std::to_string(o.embedding_size) + ", classes " +
                     std::to_string(o.classes) + ")");
  if (o.m < 0.f) o.m = o.kind == HeadKind::ArcFace ? 0.5f : o.kind == HeadKind::CosFace ? 0.35f : o.kind == HeadKind::SphereFace ? 4.f : 0.f;
  if (!(o.s > 0.f) || !std::isfinite(o.s)) throw InputError("head scale s must be positive");
  if (o.kind == HeadKind::ArcFace && !(o.m < static_cast<float>(M_PI)))
    throw InputError("ArcFace margin must be in [0, pi) radians");
  if (o.kind == HeadKind::SphereFace && (o.m < 1.f || o.m > 4.f || std::abs(o.m - std::round(o.m)) > 1e-6f))
    throw InputError("SphereFace margin must be an integer from 1 to 4");
  if (o.kind == HeadKind::SphereFace && !(o.sphere_lambda_min >= 0.f && o.sphere_base >= o.sphere_lambda_min))
    throw InputError("SphereFace annealing needs 0 <= sphere_lambda_min <= sphere_base");
  if (o.kind == HeadKind::Combined && !(o.m1 >= 1.f)) throw InputError("combined margin m1 must be >= 1");
  return o;
}

}  // namespace

torch::Tensor detail::to_tensor(const Eigen::MatrixXf& m) {
  torch::Tensor t = torch::empty({m.rows(), m.cols()}, torch::kFloat32);
  Eigen::Map<Eigen::Matrix<float, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>>(t.data_ptr<float>(), m.rows(),
                                                                                    m.cols()) = m;
  return t;
}

Eigen::MatrixXf detail::to_eigen(const torch::Tensor& t0) {
  const torch::Tensor t = t0.detach().to(torch::kCPU, torch::kFloat32).contiguous();
  return Eigen::Map<const Eigen::Matrix<float, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>>(
      t.data_ptr<float>(), t.size(0), t.dim() > 1 ? t.size(1) : 1);
}

using detail::to_eigen;
using detail::to_tensor;

struct MarginHead::Impl {
  HeadOptions options;
  torch::jit::Module module;
  long iteration = 0;
};

MarginHead::MarginHead(HeadOptions options) : impl_(std::make_unique<Impl>()) {
  impl_->options = validated(options);
  try {
    impl_->module = detail::make_head_module(impl_->options);
  } catch (const c10::Error& e) {
    throw Error("cannot build the " + to_string(options.kind) + " head: " + e.what_without_backtrace());
  }
  set_iteration(0);
}

MarginHead::~MarginHead() = default;
MarginHead::MarginHead(MarginHead&&) noexcept = default;
MarginHead& MarginHead::operator=(MarginHead&&) noexcept = default;

const HeadOptions& MarginHead::options() const { return impl_->options; }
namespace detail {
struct HeadAccess {
  static torch::jit::Module& module(MarginHead& h) { return h.impl_->module; }
};
torch::jit::Module& head_module(MarginHead& h) { return HeadAccess::module(h); }
}  // namespace detail

void MarginHead::set_iteration(long iteration) {
  impl_->iteration = iteration;
  if (impl_->options.kind != HeadKind::SphereFace) return;
  const auto& o = impl_->options;
  const double l = o.sphere_base * std::pow(1.0 + o.sphere_gamma * static_cast<double>(iteration), -o.sphere_power);
  impl_->module.setattr("lamb", std::max(static_cast<double>(o.sphere_lambda_min), l));
}

float MarginHead::lambda() const {
  if (impl_->options.kind != HeadKind::SphereFace) return 0.f;
  return static_cast<float>(impl_->module.attr("lamb").toDouble());
}

namespace {
void check_features(const Eigen::MatrixXf& x, int dim, const char* what) {
  if (x.cols() != dim)
    throw InputError(std::string(what) + ": features have " + std::to_string(x.cols()) + " columns, the head expects " +
                     std::to_string(dim));
  if (!x.allFinite()) throw InputError(std::string(what) + ": features contain NaN or infinity");
}
}  // namespace

Eigen::MatrixXf MarginHead::logits(const Eigen::MatrixXf& features, const std::vector<int>& labels) const {
  const auto& o = impl_->options;
  check_features(features, o.embedding_size, "MarginHead::logits");
  if (static_cast<Eigen::Index>(labels.size()) != features.rows())
    throw InputError("MarginHead::logits: " + std::to_string(labels.size()) + " labels for " +
                     std::to_string(features.rows()) + " feature rows");
  for (int l : labels)
    if (l < 0 || l >= o.classes)
      throw InputError("MarginHead::logits: label " + std::to_string(l) + " outside [0, " + std::to_string(o.classes) + ")");
  c10::InferenceMode guard;
  torch::Tensor y = torch::from_blob(const_cast<int*>(labels.data()), {static_cast<int64_t>(labels.size())}, torch::kInt32)
                        .to(torch::kInt64);
  return to_eigen(impl_->module.forward({to_tensor(features), y}).toTensor());
}

Eigen::MatrixXf MarginHead::predict(const Eigen::MatrixXf& features) const {
  check_features(features, impl_->options.embedding_size, "MarginHead::predict");
  c10::InferenceMode guard;
  return to_eigen(impl_->module.get_method("predict")({to_tensor(features)}).toTensor());
}

Eigen::MatrixXf MarginHead::weight() const { return to_eigen(impl_->module.attr("weight").toTensor().detach()); }

Eigen::VectorXf MarginHead::bias() const {
  if (!impl_->module.hasattr("bias")) return {};
  return to_eigen(impl_->module.attr("bias").toTensor().detach()).col(0);
}

void MarginHead::set_weight(const Eigen::MatrixXf& w) {
  const auto& o = impl_->options;
  if (w.rows() != o.classes || w.cols() != o.embedding_size)
    throw InputError("MarginHead::set_weight: expected " + std::to_string(o.classes) + " x " +
                     std::to_string(o.embedding_size) + ", got " + std::to_string(w.rows()) + " x " +
                     std::to_string(w.cols()));
  torch::NoGradGuard g;
  impl_->module.attr("weight").toTensor().copy_(to_tensor(w));
}

void MarginHead::save(const std::string& path) const {
  ::arcface::detail::atomic_write(
      path,
      [&](const std::string& tmp) {
        try {
          impl_->module.save(tmp);
        } catch (const c10::Error& e) {
          throw IoError("cannot write head '" + path + "': " + e.what_without_backtrace());
        }
      },
      "head");
}

}  // namespace arcface::train
