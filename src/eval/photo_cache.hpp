#pragma once
// The photo cache of embed_photos: a versioned, checksummed binary file. Internal.
//
//   8 bytes  magic "ARCFPHC1"
//   u32      format version (1)
//   u32      key length K, K bytes key (the pipeline's settings and the library version)
//   u32      dimension D
//   u64      entries N, then N times: u32 path length L, L bytes path, u8 detected,
//            10 float32 landmarks relative to the image size, D float32 embedding
//   u64      checksum of every byte before it (detail::Checksum)

#include "core/internal_api.hpp"
#include <array>
#include <string>
#include <unordered_map>
#include <vector>

ARCFACE_INTERNAL_BEGIN
namespace arcface::detail {

struct CachedPhoto {
  bool detected = false;
  std::array<float, 10> rel{};  // landmarks relative to the image size (x0, y0, ..., x4, y4)
  std::vector<float> v;         // the embedding (unit length)
};
using PhotoCache = std::unordered_map<std::string, CachedPhoto>;

/// The entries of @p file if it is a valid cache written with @p key and @p dim; otherwise (no
/// file, another key or dimension, another version, truncated, checksum mismatch, a non-finite
/// or non-unit embedding) an empty cache, so that everything is recomputed. Never throws for a
/// bad file; @p problem (if given) says why the file was not used (empty when it was, or when
/// there was no file).
PhotoCache read_photo_cache(const std::string& file, const std::string& key, int dim, std::string* problem = nullptr);

/// Write @p cache atomically. @throws IoError when it cannot be written.
void write_photo_cache(const std::string& file, const std::string& key, int dim, const PhotoCache& cache);

}  // namespace arcface::detail
ARCFACE_INTERNAL_END
