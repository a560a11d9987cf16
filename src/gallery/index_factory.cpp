// Which index a gallery uses, and building it.
#include "gallery/exact_index.hpp"
#include "gallery/faiss_index.hpp"
#include "gallery/refine_index.hpp"
#include "gallery/vector_index.hpp"

namespace arcface::detail {

namespace {
constexpr std::size_t kIvfMinEntries = 4096;  // below this IVF-PQ cannot be trained well: exact search
}

SearchBackend resolve_backend(const GalleryOptions& options, std::size_t live_entries) {
  switch (options.backend) {
    case SearchBackend::Auto:
      return live_entries > options.auto_exact_limit ? SearchBackend::FaissHnsw : SearchBackend::Exact;
    case SearchBackend::FaissIvfPq:
      return live_entries < kIvfMinEntries ? SearchBackend::Exact : SearchBackend::FaissIvfPq;
    default: return options.backend;
  }
}

std::unique_ptr<VectorIndex> make_vector_index(SearchBackend backend, const EntryView& view,
                                               const GalleryOptions& options) {
  std::unique_ptr<VectorIndex> index;
  switch (backend) {
    case SearchBackend::FaissFlat: index = std::make_unique<FaissFlatIndex>(view.dim, options.threads); break;
    case SearchBackend::FaissHnsw: index = std::make_unique<HnswIndex>(view.dim, options); break;
    case SearchBackend::FaissIvfPq: index = std::make_unique<IvfPqIndex>(view, options); break;
    default: return std::make_unique<ExactIndex>(view.dim, options.exact_prefilter);
  }
  if (index->approximate()) return std::make_unique<RefineIndex>(std::move(index));
  return index;
}

}  // namespace arcface::detail
