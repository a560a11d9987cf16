#include "gallery/faiss_index.hpp"

#include <algorithm>

#include "core/detail.hpp"
#include "gallery/faiss_storage.hpp"

namespace arcface::detail {

void FaissIndex::add(const EntryView& view) {
  if (view.count <= indexed_) return;
  OmpThreadsScope omp_threads(resolve_threads(threads_));
  const auto count = static_cast<faiss::Index::idx_t>(view.count - indexed_);
  faiss_call("add entries to the index", [&] { index_->add(count, view.row(static_cast<std::int64_t>(indexed_))); });
  indexed_ = view.count;
}

std::unique_ptr<faiss::SearchParameters> FaissIndex::parameters(const SearchSettings&, std::size_t) const {
  return std::make_unique<faiss::SearchParameters>();
}

std::vector<Hits> FaissIndex::search(const EntryView& view, const float* q, std::ptrdiff_t nq, std::size_t k,
                                     const SearchSettings& settings) const {
  auto params = parameters(settings, k);
  AliveSelector sel;
  sel.owner = view.owner;
  if (view.dead > 0) params->sel = &sel;
  std::vector<float> dist(static_cast<std::size_t>(nq) * k);
  std::vector<faiss::Index::idx_t> lab(static_cast<std::size_t>(nq) * k);
  OmpThreadsScope omp_threads(resolve_threads(settings.threads));
  faiss_call("search", [&] {
    index_->search(nq, q, static_cast<faiss::Index::idx_t>(k), dist.data(), lab.data(), params.get());
  });
  return collect(view, dist.data(), lab.data(), nq, k);
}

std::vector<Hits> FaissIndex::collect(const EntryView& view, const float* dist, const faiss::Index::idx_t* labels,
                                      std::ptrdiff_t nq, std::size_t k) {
  std::vector<Hits> out(static_cast<std::size_t>(nq));
  for (std::ptrdiff_t qi = 0; qi < nq; ++qi) {
    Hits& h = out[static_cast<std::size_t>(qi)];
    for (std::size_t j = 0; j < k; ++j) {
      const std::size_t at = static_cast<std::size_t>(qi) * k + j;
      if (labels[at] < 0 || !view.alive(labels[at])) continue;
      h.emplace_back(dist[at], labels[at]);
    }
    std::sort(h.begin(), h.end(), better_hit);
  }
  return out;
}

FaissFlatIndex::FaissFlatIndex(int dim, int threads) : FaissIndex(std::make_unique<faiss::IndexFlatIP>(dim), threads) {}

std::size_t FaissFlatIndex::memory_bytes() const {
  return static_cast<const faiss::IndexFlat&>(*index_).codes.capacity();
}

}  // namespace arcface::detail
