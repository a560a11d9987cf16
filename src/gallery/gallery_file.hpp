#pragma once
// The gallery file format (docs/gallery.md). Internal.

#include "core/internal_api.hpp"
#include <cstdint>
#include <string>
#include <vector>

#include "arcface/embeddings.hpp"

ARCFACE_INTERNAL_BEGIN
namespace arcface::detail {

struct GalleryFileContents {
  std::string embedder;
  int dimension = 0;
  std::string match;
  std::string flip;  // flip policy of the embedder ("none", "sum", "concat"); empty: not recorded
  struct Identity {
    std::string name;
    const std::vector<std::int64_t>* rows;  // rows of *samples
  };
  std::vector<Identity> identities;
  const std::vector<float>* samples = nullptr;  // row-major, dimension floats per row
};

/// Write atomically (detail::atomic_write) under the file's lock (detail::FileLock). @throws IoError.
void write_gallery_file(const std::string& path, const GalleryFileContents& c);

struct GalleryFileData {
  std::string embedder;
  int dimension = 0;
  std::string match;
  std::string flip;                // empty when the file does not record it
  std::vector<std::string> names;  // one per row
  Embeddings rows;
};

/// @throws IoError (cannot open, a directory) or ModelError (not a gallery, wrong version, truncated,
/// corrupt, header values out of range, embeddings not finite or not unit length).
GalleryFileData read_gallery_file(const std::string& path);

}  // namespace arcface::detail
ARCFACE_INTERNAL_END
