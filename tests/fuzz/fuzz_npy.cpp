// read_npy on arbitrary bytes: an IoError or a valid array, nothing else.
#include <cstdlib>

#include "arcface/error.hpp"
#include "arcface/npy.hpp"
#include "fuzz_common.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  try {
    const auto a = arcface::read_npy(fuzz::write_input(data, size));
    std::size_t count = 1;
    for (auto d : a.shape) count *= d;
    if (count != a.data.size()) std::abort();  // the shape must describe the data read
  } catch (const arcface::IoError&) {
  }
  return 0;
}
