// Gallery file, version 1 (all integers little-endian):
//
//   8 bytes   magic "ARCFGALY"
//   u32       format version (1)
//   u32       header length H, then H bytes of JSON:
//             {"embedder": name, "dimension": D, "identities": I, "samples": S, "match": "template"|"all"}
//   I times:  u32 name length L, L bytes UTF-8 name, u32 sample count C, C*D float32
//   u64       checksum of every byte before it (FNV-1a over 64-bit little-endian words, tail bytes
//             zero-padded)
#include "gallery/gallery_file.hpp"

#include <unistd.h>

#include <atomic>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <unordered_set>

#include <nlohmann/json.hpp>

#include "arcface/error.hpp"

namespace arcface::detail {

namespace {

constexpr char kMagic[8] = {'A', 'R', 'C', 'F', 'G', 'A', 'L', 'Y'};
constexpr std::uint32_t kVersion = 1;

// FNV-1a over 64-bit words, streaming.
class Checksum {
 public:
  void update(const void* data, std::size_t n) {
    const auto* p = static_cast<const unsigned char*>(data);
    while (n > 0) {
      const std::size_t take = std::min(n, 8 - fill_);
      std::memcpy(buf_ + fill_, p, take);
      fill_ += take;
      p += take;
      n -= take;
      if (fill_ == 8) flush();
    }
  }
  std::uint64_t finish() {
    if (fill_ > 0) {
      std::memset(buf_ + fill_, 0, 8 - fill_);
      flush();
    }
    return h_;
  }

 private:
  void flush() {
    std::uint64_t w;
    std::memcpy(&w, buf_, 8);
    h_ = (h_ ^ w) * 0x100000001b3ULL;
    fill_ = 0;
  }
  std::uint64_t h_ = 0xcbf29ce484222325ULL;
  unsigned char buf_[8];
  std::size_t fill_ = 0;
};

class Writer {
 public:
  Writer(std::FILE* f, const std::string& path) : f_(f), path_(path) {}
  void put(const void* p, std::size_t n) {
    sum_.update(p, n);
    if (n > 0 && std::fwrite(p, 1, n, f_) != n) throw IoError("cannot write gallery file '" + path_ + "'");
  }
  void u32(std::uint32_t v) { put(&v, 4); }
  void finish() {
    const std::uint64_t h = sum_.finish();
    if (std::fwrite(&h, 1, 8, f_) != 8) throw IoError("cannot write gallery file '" + path_ + "'");
  }

 private:
  std::FILE* f_;
  std::string path_;
  Checksum sum_;
};

}  // namespace

void write_gallery_file(const std::string& path, const GalleryFileContents& c) {
  namespace fs = std::filesystem;
  static std::atomic<unsigned> counter{0};
  const fs::path target(path);
  const fs::path tmp = target.parent_path() / (target.filename().string() + ".tmp-" + std::to_string(::getpid()) +
                                               "-" + std::to_string(counter++));
  std::FILE* f = std::fopen(tmp.c_str(), "wb");
  if (!f) throw IoError("cannot write gallery file '" + path + "': " + std::strerror(errno));
  try {
    std::size_t total = 0;
    for (const auto& id : c.identities) total += id.rows->size();
    const std::string header = nlohmann::json{{"embedder", c.embedder},
                                              {"dimension", c.dimension},
                                              {"identities", c.identities.size()},
                                              {"samples", total},
                                              {"match", c.match}}
                                   .dump();
    Writer w(f, path);
    w.put(kMagic, 8);
    w.u32(kVersion);
    w.u32(static_cast<std::uint32_t>(header.size()));
    w.put(header.data(), header.size());
    const std::size_t d = static_cast<std::size_t>(c.dimension);
    for (const auto& id : c.identities) {
      w.u32(static_cast<std::uint32_t>(id.name.size()));
      w.put(id.name.data(), id.name.size());
      w.u32(static_cast<std::uint32_t>(id.rows->size()));
      for (auto r : *id.rows) w.put(c.samples->data() + static_cast<std::size_t>(r) * d, d * sizeof(float));
    }
    w.finish();
    if (std::fflush(f) != 0 || ::fsync(::fileno(f)) != 0)
      throw IoError("cannot write gallery file '" + path + "': " + std::strerror(errno));
  } catch (...) {
    std::fclose(f);
    std::error_code ec;
    fs::remove(tmp, ec);
    throw;
  }
  if (std::fclose(f) != 0) {
    std::error_code ec;
    fs::remove(tmp, ec);
    throw IoError("cannot write gallery file '" + path + "': " + std::strerror(errno));
  }
  std::error_code ec;
  fs::rename(tmp, target, ec);
  if (ec) {
    fs::remove(tmp, ec);
    throw IoError("cannot write gallery file '" + path + "': rename failed: " + ec.message());
  }
}

GalleryFileData read_gallery_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw IoError("cannot open gallery file '" + path + "'");
  std::vector<char> buf((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  auto bad = [&](const std::string& why) { return ModelError("gallery file '" + path + "' " + why); };
  if (buf.size() < 20) throw bad("is truncated (" + std::to_string(buf.size()) + " bytes)");
  if (std::memcmp(buf.data(), kMagic, 8) != 0)
    throw bad("is not an arcface gallery (bad magic bytes)");
  std::size_t pos = 8;
  auto need = [&](std::size_t n, const char* what) {
    if (buf.size() < 8 || pos + n > buf.size() - 8)
      throw bad(std::string("is truncated (while reading ") + what + ")");
  };
  auto u32 = [&](const char* what) {
    need(4, what);
    std::uint32_t v;
    std::memcpy(&v, buf.data() + pos, 4);
    pos += 4;
    return v;
  };
  if (buf.size() < 12) throw bad("is truncated (while reading the version)");
  std::uint32_t version;
  std::memcpy(&version, buf.data() + 8, 4);
  if (version != kVersion)
    throw bad("has format version " + std::to_string(version) + "; this build reads version " +
              std::to_string(kVersion));
  if (buf.size() < 20) throw bad("is truncated (no checksum)");
  Checksum sum;
  sum.update(buf.data(), buf.size() - 8);
  std::uint64_t stored;
  std::memcpy(&stored, buf.data() + buf.size() - 8, 8);
  if (sum.finish() != stored) throw bad("is truncated or corrupt (checksum mismatch)");
  pos = 12;
  const std::uint32_t hlen = u32("the header length");
  need(hlen, "the header");
  nlohmann::json header;
  try {
    header = nlohmann::json::parse(buf.begin() + static_cast<std::ptrdiff_t>(pos),
                                   buf.begin() + static_cast<std::ptrdiff_t>(pos + hlen));
  } catch (const nlohmann::json::exception& e) {
    throw bad(std::string("has a corrupt header: ") + e.what());
  }
  pos += hlen;
  GalleryFileData out;
  std::size_t n_ids = 0, n_samples = 0;
  try {
    out.embedder = header.at("embedder").get<std::string>();
    out.dimension = header.at("dimension").get<int>();
    out.match = header.value("match", "template");
    n_ids = header.at("identities").get<std::size_t>();
    n_samples = header.at("samples").get<std::size_t>();
  } catch (const nlohmann::json::exception& e) {
    throw bad(std::string("has an incomplete header: ") + e.what());
  }
  if (out.embedder.empty() || out.dimension < 1) throw bad("has an invalid header (embedder or dimension)");
  const std::size_t d = static_cast<std::size_t>(out.dimension);
  if (n_samples > (buf.size() / 4) / d) throw bad("claims more samples than the file holds");
  out.rows.resize(static_cast<Eigen::Index>(n_samples), out.dimension);
  out.names.reserve(n_samples);
  std::unordered_set<std::string> seen;
  std::size_t row = 0;
  for (std::size_t i = 0; i < n_ids; ++i) {
    const std::uint32_t len = u32("an identity name");
    need(len, "an identity name");
    std::string name(buf.data() + pos, len);
    pos += len;
    if (name.empty()) throw bad("has an empty identity name (identity " + std::to_string(i) + ")");
    if (!seen.insert(name).second) throw bad("has identity '" + name + "' twice");
    const std::uint32_t count = u32("a sample count");
    if (count == 0 || row + count > n_samples) throw bad("has an inconsistent sample count for '" + name + "'");
    need(static_cast<std::size_t>(count) * d * 4, "embeddings");
    std::memcpy(out.rows.data() + row * d, buf.data() + pos, static_cast<std::size_t>(count) * d * 4);
    pos += static_cast<std::size_t>(count) * d * 4;
    for (std::uint32_t k = 0; k < count; ++k) out.names.push_back(name);
    row += count;
  }
  if (row != n_samples) throw bad("holds fewer samples than its header says");
  if (pos != buf.size() - 8) throw bad("has trailing bytes after the last identity");
  if (!out.rows.allFinite()) throw bad("holds non-finite embeddings");
  return out;
}

}  // namespace arcface::detail
