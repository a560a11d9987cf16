#include "arcface/npy.hpp"

#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <regex>

#include "arcface/error.hpp"

namespace arcface {

void write_npy(const std::string& path, const Embeddings& m) {
  std::string header = "{'descr': '<f4', 'fortran_order': False, 'shape': (" + std::to_string(m.rows()) + ", " +
                       std::to_string(m.cols()) + "), }";
  const size_t total = 10 + header.size() + 1;
  header.append((64 - total % 64) % 64, ' ');
  header.push_back('\n');
  const std::string tmp = path + ".tmp";
  {
    std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
    if (!out) throw IoError("cannot write '" + path + "'");
    const unsigned char magic[8] = {0x93, 'N', 'U', 'M', 'P', 'Y', 1, 0};
    out.write(reinterpret_cast<const char*>(magic), 8);
    const uint16_t len = static_cast<uint16_t>(header.size());
    const unsigned char le[2] = {static_cast<unsigned char>(len & 0xff), static_cast<unsigned char>(len >> 8)};
    out.write(reinterpret_cast<const char*>(le), 2);
    out.write(header.data(), static_cast<std::streamsize>(header.size()));
    out.write(reinterpret_cast<const char*>(m.data()), static_cast<std::streamsize>(sizeof(float) * m.size()));
    if (!out) throw IoError("cannot write '" + path + "' (disk full?)");
  }
  std::error_code ec;
  std::filesystem::rename(tmp, path, ec);
  if (ec) throw IoError("cannot write '" + path + "': " + ec.message());
}

NpyArray read_npy(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw IoError("cannot open '" + path + "'");
  char magic[8];
  if (!in.read(magic, 8) || std::memcmp(magic, "\x93NUMPY", 6) != 0) throw IoError("'" + path + "' is not a .npy file");
  uint32_t hlen = 0;
  if (magic[6] == 1) {
    unsigned char b[2];
    if (!in.read(reinterpret_cast<char*>(b), 2)) throw IoError("'" + path + "': truncated header");
    hlen = b[0] | (b[1] << 8);
  } else {
    unsigned char b[4];
    if (!in.read(reinterpret_cast<char*>(b), 4)) throw IoError("'" + path + "': truncated header");
    hlen = b[0] | (b[1] << 8) | (b[2] << 16) | (static_cast<uint32_t>(b[3]) << 24);
  }
  if (hlen > (1u << 20)) throw IoError("'" + path + "': header too large");
  std::string header(hlen, '\0');
  if (!in.read(header.data(), hlen)) throw IoError("'" + path + "': truncated header");
  if (header.find("'descr': '<f4'") == std::string::npos)
    throw IoError("'" + path + "': only little-endian float32 arrays are supported (header " + header + ")");
  if (header.find("'fortran_order': False") == std::string::npos)
    throw IoError("'" + path + "': Fortran-order arrays are not supported");
  std::smatch sm;
  if (!std::regex_search(header, sm, std::regex(R"('shape':\s*\(([^)]*)\))")))
    throw IoError("'" + path + "': no shape in header");
  NpyArray a;
  size_t count = 1;
  const std::string dims = sm[1];
  const std::regex number(R"(\d+)");
  for (std::sregex_iterator it(dims.begin(), dims.end(), number), end; it != end; ++it) {
    a.shape.push_back(std::stoull(it->str()));
    count *= a.shape.back();
  }
  a.data.resize(count);
  if (!in.read(reinterpret_cast<char*>(a.data.data()), static_cast<std::streamsize>(count * sizeof(float))))
    throw IoError("'" + path + "': truncated data (expected " + std::to_string(count) + " floats)");
  return a;
}

Embeddings read_npy_matrix(const std::string& path) {
  NpyArray a = read_npy(path);
  if (a.shape.size() != 2) throw IoError("'" + path + "' is not a 2-D array");
  Embeddings m(a.shape[0], a.shape[1]);
  if (!a.data.empty()) std::memcpy(m.data(), a.data.data(), a.data.size() * sizeof(float));
  return m;
}

}  // namespace arcface
