#pragma once
// The gallery file format (docs/gallery.md). Internal.

#include <cstdint>
#include <string>
#include <vector>

#include "arcface/embedder.hpp"

namespace arcface::detail {

struct GalleryFileContents {
  std::string embedder;
  int dimension = 0;
  std::string match;
  struct Identity {
    std::string name;
    const std::vector<std::int64_t>* rows;  // rows of *samples
  };
  std::vector<Identity> identities;
  const std::vector<float>* samples = nullptr;  // row-major, dimension floats per row
};

/// Write atomically (temporary file in the same directory, then rename). @throws IoError.
void write_gallery_file(const std::string& path, const GalleryFileContents& c);

struct GalleryFileData {
  std::string embedder;
  int dimension = 0;
  std::string match;
  std::vector<std::string> names;  // one per row
  Embeddings rows;
};

/// @throws IoError (cannot open) or ModelError (not a gallery, wrong version, truncated, corrupt).
GalleryFileData read_gallery_file(const std::string& path);

}  // namespace arcface::detail
