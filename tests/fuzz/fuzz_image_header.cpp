// The image-size sniffer on arbitrary bytes: never reads past the input (ASan checks it).
#include <cstdlib>
#include <vector>

#include "core/image_header.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::vector<unsigned char> copy(data, data + size);  // exact-size heap buffer: overreads are caught
  (void)arcface::detail::image_size_from_header(copy.data(), copy.size());
  return 0;
}
