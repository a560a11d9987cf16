#include <algorithm>

#include <faiss/IndexHNSW.h>

#include "core/detail.hpp"
#include "gallery/faiss_index.hpp"
#include "gallery/faiss_storage.hpp"
#include "gallery/hnsw_search.hpp"
#include "gallery/int8_scan.hpp"

namespace arcface::detail {

namespace {

std::unique_ptr<faiss::IndexHNSW> make_hnsw(int dim, const GalleryOptions& opt, bool sq8) {
  faiss::Index* storage = sq8 ? static_cast<faiss::Index*>(new Sq8FlatIP(dim)) : static_cast<faiss::Index*>(new FastFlatIP(dim));
  auto idx = std::make_unique<faiss::IndexHNSW>(storage, opt.hnsw_m);
  idx->own_fields = true;
  idx->hnsw.efConstruction = opt.hnsw_ef_construction;
  idx->hnsw.efSearch = opt.hnsw_ef_search;
  return idx;
}

}  // namespace

HnswIndex::HnswIndex(int dim, const GalleryOptions& options)
    : FaissIndex(make_hnsw(dim, options, int8_scan_available()), options.threads), approximate_(int8_scan_available()) {}

faiss::IndexHNSW& HnswIndex::hnsw() const { return static_cast<faiss::IndexHNSW&>(*index_); }

void HnswIndex::set_ef_search(int ef) {
  // FAISS 1.7.3 sizes the search's candidate queue from the index's own efSearch (a larger
  // per-call SearchParametersHNSW::efSearch only changes the stopping rule), so set the field.
  hnsw().hnsw.efSearch = ef;
}

std::unique_ptr<faiss::SearchParameters> HnswIndex::parameters(const SearchSettings& settings, std::size_t k) const {
  auto p = std::make_unique<faiss::SearchParametersHNSW>();
  p->efSearch = std::max<int>(settings.hnsw_ef_search, static_cast<int>(k));  // the queue holds max(ef, k)
  return p;
}

std::vector<Hits> HnswIndex::search(const EntryView& view, const float* q, std::ptrdiff_t nq, std::size_t k,
                                    const SearchSettings& settings) const {
  if (settings.hnsw_faiss_search) return FaissIndex::search(view, q, nq, k, settings);
  const auto& h = hnsw();
  const auto* store = static_cast<const faiss::IndexFlatCodes*>(h.storage);
  std::function<bool(std::int64_t)> keep;
  if (view.dead > 0) keep = [&view](std::int64_t i) { return view.alive(i); };
  const int threads = static_cast<int>(std::min<std::ptrdiff_t>(resolve_threads(settings.threads), nq));
  std::vector<Hits> out(static_cast<std::size_t>(nq));
  OmpThreadsScope omp_threads(resolve_threads(settings.threads));
#pragma omp parallel num_threads(threads)
  {
    HnswScratch scratch;
    std::unique_ptr<faiss::FlatCodesDistanceComputer> dc(store->get_FlatCodesDistanceComputer());
#pragma omp for schedule(dynamic, 1)
    for (std::ptrdiff_t qi = 0; qi < nq; ++qi) {
      dc->set_query(q + qi * view.dim);
      out[static_cast<std::size_t>(qi)] =
          hnsw_search(h.hnsw, *dc, store->codes.data(), store->code_size, static_cast<std::size_t>(store->ntotal),
                      settings.hnsw_ef_search, k, keep, scratch);
      std::sort(out[static_cast<std::size_t>(qi)].begin(), out[static_cast<std::size_t>(qi)].end(), better_hit);
    }
  }
  return out;
}

std::size_t HnswIndex::memory_bytes() const {
  const auto& h = hnsw();
  return static_cast<const faiss::IndexFlatCodes*>(h.storage)->codes.capacity() +
         h.hnsw.neighbors.capacity() * sizeof(faiss::HNSW::storage_idx_t) +
         h.hnsw.offsets.capacity() * sizeof(std::size_t) + h.hnsw.levels.capacity() * sizeof(int);
}

}  // namespace arcface::detail
