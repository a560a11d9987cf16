// Trainer: cross-entropy training of a margin head (and an optional linear projection) on fixed
// features, with SGD or Adam, a learning-rate schedule, checkpoints and a progress bar.
#include <algorithm>
#include <cmath>
#include <cstdio>

#include <torch/script.h>
#include <torch/torch.h>

#include "core/files.hpp"
#include "arcface/error.hpp"
#include "arcface/train.hpp"
#include "arcface/progress.hpp"
#include "train/heads.hpp"

namespace arcface::train {

struct Trainer::Impl {
  HeadOptions head_options;
  TrainOptions options;
  MarginHead head;
  torch::Tensor projection;  // projection x D, or undefined
  torch::Device device = torch::kCPU;

  Impl(HeadOptions h, TrainOptions o) : head_options(h), options(std::move(o)), head(h) {}
};

torch::Device detail::pick_device(const std::string& d) {
  if (d == "cpu") return torch::kCPU;
  if (d == "cuda" || d == "auto") {
    if (torch::cuda::is_available()) return torch::kCUDA;
    if (d == "cuda") throw InputError("TrainOptions.device 'cuda': LibTorch sees no CUDA device");
    return torch::kCPU;
  }
  throw InputError("TrainOptions.device must be cpu, cuda or auto (got '" + d + "')");
}

std::unique_ptr<torch::optim::Optimizer> detail::make_optimizer(const TrainOptions& o,
                                                                const std::vector<torch::Tensor>& params) {
  if (o.optimizer == TrainOptions::Optimizer::Adam)
    return std::make_unique<torch::optim::Adam>(params,
                                                torch::optim::AdamOptions(o.learning_rate).weight_decay(o.weight_decay));
  return std::make_unique<torch::optim::SGD>(
      params, torch::optim::SGDOptions(o.learning_rate).momentum(o.momentum).weight_decay(o.weight_decay));
}

double detail::scheduled_lr(const TrainOptions& o, int epoch) {
  if (o.schedule == TrainOptions::Schedule::Cosine) return 0.5 * o.learning_rate * (1 + std::cos(M_PI * epoch / o.epochs));
  if (o.schedule == TrainOptions::Schedule::Step) return o.learning_rate * std::pow(o.gamma, epoch / std::max(1, o.step_epochs));
  return o.learning_rate;
}

using detail::to_eigen;
using detail::to_tensor;

Trainer::Trainer(HeadOptions head, TrainOptions options) {
  if (options.epochs <= 0) throw InputError("TrainOptions.epochs must be positive");
  if (options.batch_size < 0) throw InputError("TrainOptions.batch_size must not be negative");
  if (!(options.learning_rate > 0.f)) throw InputError("TrainOptions.learning_rate must be positive");
  if (options.projection < 0) throw InputError("TrainOptions.projection must not be negative");
  if (options.projection > 0 && head.embedding_size != options.projection)
    throw InputError("the head's embedding_size (" + std::to_string(head.embedding_size) +
                     ") must equal TrainOptions.projection (" + std::to_string(options.projection) + ")");
  if (options.schedule == TrainOptions::Schedule::Step && options.step_epochs <= 0)
    throw InputError("TrainOptions.step_epochs must be positive");
  const torch::Device device = detail::pick_device(options.device);
  impl_ = std::make_unique<Impl>(head, std::move(options));
  impl_->device = device;
}

Trainer::~Trainer() = default;
Trainer::Trainer(Trainer&&) noexcept = default;
Trainer& Trainer::operator=(Trainer&&) noexcept = default;

const MarginHead& Trainer::head() const { return impl_->head; }

Eigen::MatrixXf Trainer::projection() const {
  return impl_->projection.defined() ? to_eigen(impl_->projection) : Eigen::MatrixXf();
}

Eigen::MatrixXf Trainer::project(const Eigen::MatrixXf& features) const {
  if (!impl_->projection.defined()) return features;
  if (features.cols() != impl_->projection.size(1))
    throw InputError("Trainer::project: features have " + std::to_string(features.cols()) + " columns, expected " +
                     std::to_string(impl_->projection.size(1)));
  return features * projection().transpose();
}

TrainReport Trainer::fit(const Eigen::MatrixXf& features, const std::vector<int>& labels) {
  Impl& I = *impl_;
  const auto& o = I.options;
  const int64_t n = features.rows();
  if (n == 0) throw InputError("Trainer::fit: no training samples");
  if (static_cast<int64_t>(labels.size()) != n)
    throw InputError("Trainer::fit: " + std::to_string(labels.size()) + " labels for " + std::to_string(n) + " samples");
  for (int l : labels)
    if (l < 0 || l >= I.head_options.classes)
      throw InputError("Trainer::fit: label " + std::to_string(l) + " outside [0, " +
                       std::to_string(I.head_options.classes) + ")");
  if (!features.allFinite()) throw InputError("Trainer::fit: features contain NaN or infinity");
  const int64_t in_dim = features.cols();
  if (o.projection == 0 && in_dim != I.head_options.embedding_size)
    throw InputError("Trainer::fit: features have " + std::to_string(in_dim) + " columns, the head expects " +
                     std::to_string(I.head_options.embedding_size));

  try {
    torch::manual_seed(o.seed);
    torch::jit::Module& head = detail::head_module(I.head);
    head.to(I.device);
    head.train();
    std::vector<torch::Tensor> params;
    for (const auto& p : head.parameters()) params.push_back(p);
    if (o.projection > 0) {
      if (!I.projection.defined()) {
        I.projection = torch::empty({o.projection, in_dim});
        torch::nn::init::xavier_uniform_(I.projection);
      }
      I.projection = I.projection.to(I.device).detach().requires_grad_(true);
      params.push_back(I.projection);
    }
    const auto opt = detail::make_optimizer(o, params);

    const torch::Tensor x = to_tensor(features).to(I.device);
    std::vector<int64_t> yv(labels.begin(), labels.end());
    const torch::Tensor y = torch::tensor(yv, torch::kLong).to(I.device);
    const int64_t batch = o.batch_size > 0 ? std::min<int64_t>(o.batch_size, n) : n;
    const int64_t steps_per_epoch = (n + batch - 1) / batch;
    auto save_checkpoint = [&] {
      if (o.checkpoint.empty()) return;
      torch::jit::Module ck(c10::QualifiedName("__torch__.arcface.Checkpoint"));
      ck.register_module("head", head);
      ck.register_buffer("projection", I.projection.defined() ? I.projection.detach().cpu() : torch::empty({0}));
      ::arcface::detail::atomic_write(
          o.checkpoint,
          [&](const std::string& tmp) {
            try {
              ck.save(tmp);
            } catch (const c10::Error& e) {
              throw IoError("cannot write checkpoint '" + o.checkpoint + "': " + e.what_without_backtrace());
            }
          },
          "checkpoint");
    };

    TrainReport report;
    report.device = I.device.str();
    ::arcface::ProgressBar bar("training", static_cast<size_t>(o.epochs), o.progress);
    long step = 0;
    for (int epoch = 0; epoch < o.epochs; ++epoch) {
      const double lr = detail::scheduled_lr(o, epoch);
      for (auto& g : opt->param_groups()) g.options().set_lr(lr);
      const torch::Tensor order = batch < n ? torch::randperm(n, torch::TensorOptions().dtype(torch::kLong)).to(I.device)
                                            : torch::arange(n, torch::TensorOptions().dtype(torch::kLong)).to(I.device);
      double total = 0;
      for (int64_t b = 0; b < steps_per_epoch; ++b) {
        const torch::Tensor idx = order.slice(0, b * batch, std::min(n, (b + 1) * batch));
        torch::Tensor xb = x.index_select(0, idx);
        if (I.projection.defined()) xb = torch::matmul(xb, I.projection.t());
        I.head.set_iteration(step++);
        const torch::Tensor z = head.forward({xb, y.index_select(0, idx)}).toTensor();
        const torch::Tensor loss = torch::nn::functional::cross_entropy(z, y.index_select(0, idx));
        const double l = loss.item<double>();
        if (!std::isfinite(l)) throw Error("training diverged: loss is " + std::to_string(l) + " in epoch " +
                                           std::to_string(epoch + 1) + " (lower the learning rate)");
        opt->zero_grad();
        loss.backward();
        opt->step();
        total += l * static_cast<double>(idx.size(0));
      }
      report.epoch_loss.push_back(static_cast<float>(total / static_cast<double>(n)));
      bar.tick(static_cast<size_t>(epoch + 1));
      if (o.checkpoint_epochs > 0 && (epoch + 1) % o.checkpoint_epochs == 0) save_checkpoint();
    }
    head.eval();
    head.to(torch::kCPU);
    if (I.projection.defined()) I.projection = I.projection.detach().cpu();
    save_checkpoint();
    const Eigen::MatrixXf p = I.head.predict(project(features));
    int ok = 0;
    for (int64_t i = 0; i < n; ++i) {
      Eigen::Index arg;
      p.row(i).maxCoeff(&arg);
      ok += arg == labels[static_cast<std::size_t>(i)];
    }
    report.accuracy = ok / static_cast<double>(n);
    return report;
  } catch (const c10::Error& e) {
    throw Error(std::string("training failed: ") + e.what_without_backtrace());
  }
}

AngularStats angular_stats(const Eigen::MatrixXf& features, const std::vector<int>& labels, int classes) {
  if (static_cast<Eigen::Index>(labels.size()) != features.rows())
    throw InputError("angular_stats: " + std::to_string(labels.size()) + " labels for " +
                     std::to_string(features.rows()) + " rows");
  if (classes < 2) throw InputError("angular_stats: needs at least two classes");
  const Eigen::Index d = features.cols();
  Eigen::MatrixXf unit = features;
  for (Eigen::Index i = 0; i < unit.rows(); ++i) {
    const float n = unit.row(i).norm();
    if (n > 0) unit.row(i) /= n;
  }
  AngularStats s;
  s.centres = Eigen::MatrixXf::Zero(classes, d);
  std::vector<int> count(static_cast<std::size_t>(classes), 0);
  for (std::size_t i = 0; i < labels.size(); ++i) {
    const int l = labels[i];
    if (l < 0 || l >= classes) throw InputError("angular_stats: label " + std::to_string(l) + " out of range");
    s.centres.row(l) += unit.row(static_cast<Eigen::Index>(i));
    ++count[static_cast<std::size_t>(l)];
  }
  for (int k = 0; k < classes; ++k) {
    if (count[static_cast<std::size_t>(k)] == 0)
      throw InputError("angular_stats: class " + std::to_string(k) + " has no samples");
    s.centres.row(k).normalize();
  }
  const auto angle = [](float c) { return std::acos(std::clamp(static_cast<double>(c), -1.0, 1.0)) * 180.0 / M_PI; };
  double sum = 0;
  for (std::size_t i = 0; i < labels.size(); ++i)
    sum += angle(unit.row(static_cast<Eigen::Index>(i)).dot(s.centres.row(labels[i])));
  s.intra_spread_deg = sum / static_cast<double>(labels.size());
  s.min_inter_angle_deg = 180.0;
  for (int a = 0; a < classes; ++a)
    for (int b = a + 1; b < classes; ++b)
      s.min_inter_angle_deg = std::min(s.min_inter_angle_deg, angle(s.centres.row(a).dot(s.centres.row(b))));
  return s;
}

}  // namespace arcface::train
