#pragma once
// LibTorch helpers shared by the Torch translation units (embedder, MTCNN). Not installed.

#include "core/internal_api.hpp"
#include <string>
#include <unordered_map>
#include <vector>

#include <torch/script.h>

ARCFACE_INTERNAL_BEGIN
namespace arcface::detail {

/// Load a TorchScript file and its `arcface.json` extra file (empty string when absent).
/// When @p optimize is true the module is frozen (keeping @p methods besides forward) and
/// optimised for inference.
/// @throws ModelError naming @p path when it cannot be loaded.
torch::jit::Module load_torchscript(const std::string& path, std::string& metadata_json, bool optimize,
                                    const std::vector<std::string>& methods = {});

/// Make a loaded (unfrozen, eval-mode) module ready for inference in @p dtype (kFloat or
/// kBFloat16): bf16 converts its parameters and freezes it (oneDNN runs bf16 convolutions
/// natively); float32 freezes and applies optimize_for_inference when @p optimize is true.
/// @throws ModelError naming @p path when this fails.
torch::jit::Module prepare_for_inference(torch::jit::Module module, const std::string& path, c10::ScalarType dtype,
                                         bool optimize);

/// Rethrow the exception in flight (c10::Error, std::exception) as arcface::Error kinds with
/// @p context; arcface errors pass through unchanged.
[[noreturn]] void rethrow_with_context(const std::string& context);

}  // namespace arcface::detail
ARCFACE_INTERNAL_END
