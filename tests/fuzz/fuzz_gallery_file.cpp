// The gallery file reader on arbitrary bytes (with a valid checksum appended half of the time).
#include <cmath>
#include <cstdlib>

#include "arcface/error.hpp"
#include "fuzz_common.hpp"
#include "gallery/gallery_file.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  const std::string bytes = data[0] & 1 ? fuzz::with_checksum(data + 1, size - 1)
                                        : std::string(reinterpret_cast<const char*>(data + 1), size - 1);
  try {
    const auto g = arcface::detail::read_gallery_file(
        fuzz::write_input(reinterpret_cast<const std::uint8_t*>(bytes.data()), bytes.size()));
    if (g.dimension < 1 || g.rows.cols() != g.dimension || static_cast<std::size_t>(g.rows.rows()) != g.names.size())
      std::abort();
    if (!g.rows.allFinite()) std::abort();
  } catch (const arcface::IoError&) {
  } catch (const arcface::ModelError&) {
  }
  return 0;
}
