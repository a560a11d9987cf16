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

#include <cmath>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <unordered_set>

#include <nlohmann/json.hpp>

#include "arcface/error.hpp"
#include "core/files.hpp"

namespace arcface::detail {

namespace {

constexpr char kMagic[8] = {'A', 'R', 'C', 'F', 'G', 'A', 'L', 'Y'};
constexpr std::uint32_t kVersion = 1;
constexpr std::uint64_t kMaxGalleryDimension = 65536;

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
  FileLock lock(path, "gallery file");
  atomic_write(
      path,
      [&](const std::string& tmp) {
        std::FILE* f = std::fopen(tmp.c_str(), "wb");
        if (!f) throw IoError("cannot write gallery file '" + path + "': " + std::strerror(errno));
        try {
          std::size_t total = 0;
          for (const auto& id : c.identities) total += id.rows->size();
          nlohmann::json h{{"embedder", c.embedder},
                           {"dimension", c.dimension},
                           {"identities", c.identities.size()},
                           {"samples", total},
                           {"match", c.match}};
          if (!c.flip.empty()) h["flip"] = c.flip;
          const std::string header = h.dump();
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
        } catch (...) {
          std::fclose(f);
          throw;
        }
        if (std::fclose(f) != 0)
          throw IoError("cannot write gallery file '" + path + "': " + std::strerror(errno) + " (disk full?)");
      },
      "gallery file");
}

GalleryFileData read_gallery_file(const std::string& path) {
  const std::vector<unsigned char> buf = read_file_bytes(path, "gallery file");
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
  auto count_field = [&](const char* key, std::uint64_t max) {
    const auto& v = header.at(key);
    if (!v.is_number_unsigned() || v.get<std::uint64_t>() > max)
      throw bad(std::string("has an invalid header: '") + key + "' must be an integer in [0, " + std::to_string(max) +
                "], got " + v.dump());
    return v.get<std::uint64_t>();
  };
  try {
    if (!header.is_object()) throw bad("has an invalid header (not a JSON object)");
    if (!header.at("embedder").is_string()) throw bad("has an invalid header: 'embedder' must be a string");
    out.embedder = header.at("embedder").get<std::string>();
    out.dimension = static_cast<int>(count_field("dimension", kMaxGalleryDimension));
    const auto match = header.value("match", nlohmann::json("template"));
    if (!match.is_string() || (match != "template" && match != "all"))
      throw bad("has an invalid header: 'match' must be \"template\" or \"all\", got " + match.dump());
    out.match = match.get<std::string>();
    if (header.contains("flip")) {
      const auto& flip = header.at("flip");
      if (!flip.is_string() || (flip != "none" && flip != "sum" && flip != "concat"))
        throw bad("has an invalid header: 'flip' must be \"none\", \"sum\" or \"concat\", got " + flip.dump());
      out.flip = flip.get<std::string>();
    }
    n_ids = count_field("identities", buf.size());
    n_samples = count_field("samples", buf.size());
  } catch (const nlohmann::json::exception& e) {
    throw bad(std::string("has an incomplete header: ") + e.what());
  }
  if (out.embedder.empty() || out.dimension < 1) throw bad("has an invalid header (empty embedder name or dimension 0)");
  const std::size_t d = static_cast<std::size_t>(out.dimension);
  if (n_samples > (buf.size() / 4) / d) throw bad("claims more samples than the file holds");
  out.rows.resize(static_cast<Eigen::Index>(n_samples), out.dimension);
  out.names.reserve(n_samples);
  std::unordered_set<std::string> seen;
  std::size_t row = 0;
  for (std::size_t i = 0; i < n_ids; ++i) {
    const std::uint32_t len = u32("an identity name");
    need(len, "an identity name");
    std::string name(reinterpret_cast<const char*>(buf.data()) + pos, len);
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
  for (Eigen::Index r = 0; r < out.rows.rows(); ++r) {
    const double norm = out.rows.row(r).cast<double>().norm();
    if (std::abs(norm - 1.0) > 1e-3)
      throw bad("holds an embedding that is not unit length (sample of '" + out.names[static_cast<std::size_t>(r)] +
                "', norm " + std::to_string(norm) + ")");
  }
  return out;
}

}  // namespace arcface::detail
