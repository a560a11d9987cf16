#include "eval/photo_cache.hpp"

#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <filesystem>

#include "arcface/error.hpp"
#include "core/files.hpp"

namespace arcface::detail {

namespace {

constexpr char kMagic[8] = {'A', 'R', 'C', 'F', 'P', 'H', 'C', '1'};
constexpr std::uint32_t kVersion = 1;

class Reader {
 public:
  Reader(const std::vector<unsigned char>& b, std::size_t end) : b_(b), end_(end) {}
  bool take(void* dst, std::size_t n) {
    if (n > end_ - pos_) return false;
    std::memcpy(dst, b_.data() + pos_, n);
    pos_ += n;
    return true;
  }
  bool done() const { return pos_ == end_; }
  std::size_t left() const { return end_ - pos_; }

 private:
  const std::vector<unsigned char>& b_;
  std::size_t end_, pos_ = 0;
};

}  // namespace

PhotoCache read_photo_cache(const std::string& file, const std::string& key, int dim, std::string* problem) {
  auto reject = [&](const std::string& why) {
    if (problem) *problem = "photo cache '" + file + "' not used: " + why;
    return PhotoCache{};
  };
  if (problem) problem->clear();
  std::error_code ec;
  if (!std::filesystem::exists(file, ec)) return {};
  std::vector<unsigned char> b;
  try {
    b = read_file_bytes(file, "photo cache");
  } catch (const IoError& e) {
    return reject(e.what());
  }
  if (b.size() < 8 + 4 + 8) return reject("truncated");
  if (std::memcmp(b.data(), kMagic, 8) != 0) return reject("not a photo cache (older format?)");
  Checksum sum;
  sum.update(b.data(), b.size() - 8);
  std::uint64_t stored;
  std::memcpy(&stored, b.data() + b.size() - 8, 8);
  if (sum.finish() != stored) return reject("checksum mismatch (truncated or corrupt)");
  Reader r(b, b.size() - 8);
  char magic[8];
  std::uint32_t version = 0, klen = 0, d = 0;
  std::uint64_t n = 0;
  r.take(magic, 8);
  if (!r.take(&version, 4) || version != kVersion) return reject("format version " + std::to_string(version));
  if (!r.take(&klen, 4) || klen > r.left()) return reject("truncated key");
  std::string k(klen, '\0');
  r.take(k.data(), klen);
  if (k != key) return reject("written for other settings");
  if (!r.take(&d, 4) || static_cast<int>(d) != dim) return reject("another embedding size");
  if (!r.take(&n, 8)) return reject("truncated");
  const std::size_t min_entry = 4 + 1 + 40 + static_cast<std::size_t>(dim) * 4;
  if (n > r.left() / min_entry) return reject("claims more entries than it holds");
  PhotoCache out;
  out.reserve(static_cast<std::size_t>(n));
  for (std::uint64_t i = 0; i < n; ++i) {
    std::uint32_t plen = 0;
    if (!r.take(&plen, 4) || plen == 0 || plen > r.left()) return reject("truncated entry");
    std::string path(plen, '\0');
    r.take(path.data(), plen);
    CachedPhoto e;
    unsigned char det = 0;
    e.v.resize(static_cast<std::size_t>(dim));
    if (!r.take(&det, 1) || det > 1 || !r.take(e.rel.data(), sizeof e.rel) ||
        !r.take(e.v.data(), e.v.size() * sizeof(float)))
      return reject("truncated entry");
    e.detected = det == 1;
    double norm = 0;
    for (float x : e.v) {
      if (!std::isfinite(x)) return reject("a non-finite embedding");
      norm += static_cast<double>(x) * x;
    }
    if (std::abs(std::sqrt(norm) - 1.0) > 1e-3) return reject("an embedding that is not unit length");
    for (float x : e.rel)
      if (!std::isfinite(x)) return reject("non-finite landmarks");
    out[path] = std::move(e);
  }
  if (!r.done()) return reject("trailing bytes");
  return out;
}

void write_photo_cache(const std::string& file, const std::string& key, int dim, const PhotoCache& cache) {
  std::vector<unsigned char> b;
  auto put = [&](const void* p, std::size_t n) {
    const auto* c = static_cast<const unsigned char*>(p);
    b.insert(b.end(), c, c + n);
  };
  put(kMagic, 8);
  put(&kVersion, 4);
  const auto klen = static_cast<std::uint32_t>(key.size());
  put(&klen, 4);
  put(key.data(), key.size());
  const auto d = static_cast<std::uint32_t>(dim);
  put(&d, 4);
  const std::uint64_t n = cache.size();
  put(&n, 8);
  for (const auto& [path, e] : cache) {
    if (e.v.size() != static_cast<std::size_t>(dim))
      throw IoError("photo cache '" + file + "': entry '" + path + "' has the wrong dimension");
    const auto plen = static_cast<std::uint32_t>(path.size());
    put(&plen, 4);
    put(path.data(), path.size());
    const unsigned char det = e.detected ? 1 : 0;
    put(&det, 1);
    put(e.rel.data(), sizeof e.rel);
    put(e.v.data(), e.v.size() * sizeof(float));
  }
  Checksum sum;
  sum.update(b.data(), b.size());
  const std::uint64_t h = sum.finish();
  put(&h, 8);
  atomic_write(file, b.data(), b.size(), "photo cache");
}

}  // namespace arcface::detail
