#pragma once
// Parsing and validating model metadata. Internal; free of LibTorch (the fuzzers build it alone).

#include "core/internal_api.hpp"
#include <string>

#include "arcface/embedder.hpp"

ARCFACE_INTERNAL_BEGIN
namespace arcface::detail {

/// Parse the `arcface.json` metadata of the embedder file @p path. Checks types and ranges:
/// a non-empty name, kind "embedder", finite mean/std with std != 0, a known colour order and flip
/// policy, a threshold in (-1, 1), five finite and distinct template points, sizes in range and
/// consistent with the input size, embedding_size consistent with network_output and the flip.
/// @throws ModelError naming @p path and the problem.
ModelInfo parse_model_info(const std::string& path, const std::string& text);

}  // namespace arcface::detail
ARCFACE_INTERNAL_END
