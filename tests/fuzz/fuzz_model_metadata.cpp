// Model metadata (arcface.json) on arbitrary text: a ModelError or a consistent ModelInfo.
#include <cmath>
#include <cstdlib>
#include <string>

#include "arcface/error.hpp"
#include "embedder/model_info.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  try {
    const auto m = arcface::detail::parse_model_info("fuzz.pt", std::string(reinterpret_cast<const char*>(data), size));
    if (m.name.empty() || !(m.threshold > -1.f && m.threshold < 1.f) || m.input_width <= 0 || m.embedding_size <= 0)
      std::abort();
  } catch (const arcface::ModelError&) {
  }
  return 0;
}
