#include "arcface/npy.hpp"

#include <cstdio>
#include <cstring>
#include <limits>

#include "arcface/error.hpp"
#include "core/files.hpp"
#include "io/npy_header.hpp"

namespace arcface {

void write_npy(const std::string& path, const Embeddings& m) {
  std::string header = "{'descr': '<f4', 'fortran_order': False, 'shape': (" + std::to_string(m.rows()) + ", " +
                       std::to_string(m.cols()) + "), }";
  const size_t total = 10 + header.size() + 1;
  header.append((64 - total % 64) % 64, ' ');
  header.push_back('\n');
  std::string bytes = "\x93NUMPY";
  bytes.push_back('\x01');
  bytes.push_back('\x00');
  const auto len = static_cast<std::uint16_t>(header.size());
  bytes.push_back(static_cast<char>(len & 0xff));
  bytes.push_back(static_cast<char>(len >> 8));
  bytes += header;
  bytes.append(reinterpret_cast<const char*>(m.data()), sizeof(float) * static_cast<std::size_t>(m.size()));
  detail::atomic_write(path, bytes.data(), bytes.size(), ".npy file");
}

NpyArray read_npy(const std::string& path) {
  const std::string where = "'" + path + "'";
  std::uint64_t file_size = 0;
  std::FILE* f = detail::open_regular_file(path, ".npy file", &file_size);
  struct Closer {
    std::FILE* f;
    ~Closer() { std::fclose(f); }
  } closer{f};
  auto read = [&](void* dst, std::size_t n, const char* what) {
    if (std::fread(dst, 1, n, f) != n) throw IoError(where + ": truncated " + what);
  };
  unsigned char magic[8];
  if (std::fread(magic, 1, 8, f) != 8 || std::memcmp(magic, "\x93NUMPY", 6) != 0)
    throw IoError(where + " is not a .npy file");
  if (magic[6] < 1 || magic[6] > 3) throw IoError(where + ": unsupported .npy format version " + std::to_string(magic[6]));
  std::uint32_t hlen = 0;
  std::size_t prefix = 10;
  if (magic[6] == 1) {
    unsigned char b[2];
    read(b, 2, "header");
    hlen = b[0] | (b[1] << 8);
  } else {
    unsigned char b[4];
    read(b, 4, "header");
    hlen = b[0] | (b[1] << 8) | (b[2] << 16) | (static_cast<std::uint32_t>(b[3]) << 24);
    prefix = 12;
  }
  if (hlen > (1u << 20)) throw IoError(where + ": header too large (" + std::to_string(hlen) + " bytes)");
  std::string text(hlen, '\0');
  read(text.data(), hlen, "header");
  const detail::NpyHeader h = detail::parse_npy_header(text, where);
  if (h.descr != "<f4")
    throw IoError(where + ": dtype '" + h.descr + "' is not supported (only little-endian float32, '<f4')");
  if (h.fortran_order) throw IoError(where + ": Fortran-order arrays are not supported");
  std::size_t count = 1;
  for (std::size_t d : h.shape) count = detail::checked_mul(count, d, where + ": the shape");
  const std::size_t bytes = detail::checked_mul(count, sizeof(float), where + ": the shape");
  const std::uint64_t available = file_size > prefix + hlen ? file_size - prefix - hlen : 0;
  if (bytes > available)
    throw IoError(where + ": truncated data (the shape needs " + std::to_string(bytes) + " bytes, the file has " +
                  std::to_string(available) + ")");
  if (bytes < available)
    throw IoError(where + ": " + std::to_string(available - bytes) + " unexpected bytes after the data");
  NpyArray a;
  a.shape = h.shape;
  a.data.resize(count);
  read(a.data.data(), bytes, "data");
  return a;
}

Embeddings read_npy_matrix(const std::string& path) {
  NpyArray a = read_npy(path);
  if (a.shape.size() != 2)
    throw IoError("'" + path + "' is not a 2-D array (it has " + std::to_string(a.shape.size()) + " dimensions)");
  constexpr auto max_index = static_cast<std::size_t>(std::numeric_limits<Eigen::Index>::max());
  if (a.shape[0] > max_index || a.shape[1] > max_index) throw IoError("'" + path + "': the shape is too large");
  Embeddings m(static_cast<Eigen::Index>(a.shape[0]), static_cast<Eigen::Index>(a.shape[1]));
  if (!a.data.empty()) std::memcpy(m.data(), a.data.data(), a.data.size() * sizeof(float));
  return m;
}

}  // namespace arcface
