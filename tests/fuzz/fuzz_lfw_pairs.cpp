// LFW pair files on arbitrary text: an IoError or pairs that match their header.
#include <cstdlib>

#include "arcface/error.hpp"
#include "arcface/eval.hpp"
#include "fuzz_common.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  try {
    const auto p = arcface::read_lfw_pairs(fuzz::write_input(data, size));
    if (p.pairs.empty() || p.folds <= 0) std::abort();
    for (const auto& x : p.pairs)
      if (x.number1 < 0 || x.number2 < 0 || x.name1.empty() || x.name2.empty()) std::abort();
  } catch (const arcface::IoError&) {
  }
  return 0;
}
