#pragma once
// Internal: the Torch side of the margin heads (for the Trainer and the tests).
#include <torch/script.h>

#include "arcface/train.hpp"

namespace arcface::train::detail {

/// A fresh TorchScript head module for @p options (already validated): parameters `weight` (C x D)
/// and, for Softmax, `bias`; methods forward(x, labels) -> logits and predict(x) -> logits.
torch::jit::Module make_head_module(const HeadOptions& options);

/// The module inside @p head (shared: training it trains the head).
torch::jit::Module& head_module(const MarginHead& head);

}  // namespace arcface::train::detail
