#pragma once
// Internal: the Torch side of the margin heads (for the Trainer and the tests).
#include "core/internal_api.hpp"
#include <memory>
#include <string>
#include <vector>

#include <torch/script.h>
#include <torch/torch.h>

#include "arcface/train.hpp"

ARCFACE_INTERNAL_BEGIN
namespace arcface::train::detail {

/// Eigen matrix -> float32 CPU tensor (a copy), and back (detached; 1-D tensors become a column).
torch::Tensor to_tensor(const Eigen::MatrixXf& m);
Eigen::MatrixXf to_eigen(const torch::Tensor& t);

/// The device named by TrainOptions::device ("cpu", "cuda", "auto").
/// @throws InputError for another name, or "cuda" without a CUDA device.
torch::Device pick_device(const std::string& name);

/// The optimiser of @p o (Adam or SGD) over @p params.
std::unique_ptr<torch::optim::Optimizer> make_optimizer(const TrainOptions& o, const std::vector<torch::Tensor>& params);

/// The learning rate of @p epoch (0-based) under @p o's schedule.
double scheduled_lr(const TrainOptions& o, int epoch);

/// A fresh TorchScript head module for @p options (already validated): parameters `weight` (C x D)
/// and, for Softmax, `bias`; methods forward(x, labels) -> logits and predict(x) -> logits.
torch::jit::Module make_head_module(const HeadOptions& options);

/// The module inside @p head (shared: training it trains the head).
torch::jit::Module& head_module(MarginHead& head);

}  // namespace arcface::train::detail
ARCFACE_INTERNAL_END
