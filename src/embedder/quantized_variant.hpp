#pragma once
// The int8 variant of an embedder (MODEL.int8.pt beside MODEL.pt, made by scripts/quantize_model.py):
// where it is, whether it belongs to the fp32 model, loading it with the right quantised engine.

#include "core/internal_api.hpp"
#include <string>

#include <torch/script.h>

ARCFACE_INTERNAL_BEGIN
namespace arcface::detail {

/// MODEL.int8.pt for MODEL.pt (the ".pt" suffix replaced), where the Embedder looks for it.
std::string int8_variant_path(const std::string& model_path);

/// sha256 (hex) over the parameters then the buffers of @p module, in their order: for each its
/// name, a NUL byte and its contiguous data in its own dtype (scripts/quantize_model.py's
/// weights_sha256 computes the same).
std::string weights_sha256(const torch::jit::Module& module);

/// Load the int8 variant of the fp32 model @p fp32_path whose loaded module is @p fp32: checks that
/// the file exists, that its metadata is a quantised variant made from these weights
/// (base_weights_sha256) with the same input and output, selects its quantised engine (a
/// process-wide LibTorch setting) and returns the frozen module.
/// @throws ModelError naming the variant's path and the problem (missing: how to make it; stale;
///         corrupt; an engine this LibTorch lacks).
torch::jit::Module load_int8_variant(const std::string& fp32_path, const torch::jit::Module& fp32,
                                     const std::string& fp32_metadata_json);

}  // namespace arcface::detail
ARCFACE_INTERNAL_END
