#pragma once
// The gallery's search structures behind one interface, as FAISS's Index / IndexRefine: one
// implementation per backend (exact_index, faiss_index: flat / HNSW / IVF-PQ) and a refine
// wrapper that re-ranks an approximate index's candidates exactly. Internal.
//
// The entries themselves (unit rows, and which are still alive) are owned by the gallery's
// identity registry; an index is handed a view of them on every call, never a copy to keep.

#include <cstddef>
#include <cstdint>
#include <memory>

#include "arcface/gallery.hpp"
#include "gallery/top_k.hpp"

namespace arcface::detail {

/// The entries an index covers: `count` rows of `dim` floats; owner[i] < 0 marks a removed entry
/// (`dead` of them) that searches must skip.
struct EntryView {
  const float* rows = nullptr;
  const std::int32_t* owner = nullptr;
  std::size_t count = 0;
  std::size_t dead = 0;
  int dim = 0;
  std::size_t live() const { return count - dead; }
  bool alive(std::int64_t i) const { return owner[static_cast<std::size_t>(i)] >= 0; }
  const float* row(std::int64_t i) const { return rows + static_cast<std::size_t>(i) * static_cast<std::size_t>(dim); }
};

/// Search-time settings (GalleryOptions' fields; they may change between calls).
struct SearchSettings {
  int threads = 0;
  int hnsw_ef_search = 128;
  int ivf_nprobe = 32;
  bool hnsw_faiss_search = false;
};

class VectorIndex {
 public:
  virtual ~VectorIndex() = default;
  /// Take in the entries [indexed(), view.count) (the earlier ones were added before).
  virtual void add(const EntryView& view) = 0;
  /// The best k live entries for each of the nq queries (rows of dim floats), best first; fewer
  /// when fewer are alive. Scores are exact inner products unless approximate().
  virtual std::vector<Hits> search(const EntryView& view, const float* queries, std::ptrdiff_t nq, std::size_t k,
                                   const SearchSettings& settings) const = 0;
  /// Bytes held by the index itself (not the entries of the view).
  virtual std::size_t memory_bytes() const = 0;
  virtual bool approximate() const { return false; }
  /// HNSW: the index's own beam width (FAISS sizes its queue from it); others ignore it.
  virtual void set_ef_search(int) {}
  std::size_t indexed() const { return indexed_; }

 protected:
  std::size_t indexed_ = 0;
};

/// The index for @p backend (Exact, FaissFlat, FaissHnsw, FaissIvfPq; not Auto) over @p view,
/// empty (IVF-PQ is trained on the live entries of @p view); approximate indexes come wrapped in
/// a RefineIndex. @throws InputError for options that do not fit the data (pq_m).
std::unique_ptr<VectorIndex> make_vector_index(SearchBackend backend, const EntryView& view,
                                               const GalleryOptions& options);

/// The backend GalleryOptions::backend resolves to for @p live_entries entries.
SearchBackend resolve_backend(const GalleryOptions& options, std::size_t live_entries);

}  // namespace arcface::detail
