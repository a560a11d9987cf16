// The photo cache reader on arbitrary bytes (checksum appended half of the time): never throws,
// returns only finite unit-length embeddings of the right size.
#include <cmath>
#include <cstdlib>

#include "eval/photo_cache.hpp"
#include "fuzz_common.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  const std::string bytes = data[0] & 1 ? fuzz::with_checksum(data + 1, size - 1)
                                        : std::string(reinterpret_cast<const char*>(data + 1), size - 1);
  const auto file = fuzz::write_input(reinterpret_cast<const std::uint8_t*>(bytes.data()), bytes.size());
  const auto cache = arcface::detail::read_photo_cache(file, "k", 4);
  for (const auto& [path, e] : cache) {
    if (e.v.size() != 4) std::abort();
    double n = 0;
    for (float x : e.v) n += double(x) * x;
    if (!(std::abs(std::sqrt(n) - 1) <= 1e-3)) std::abort();
  }
  return 0;
}
