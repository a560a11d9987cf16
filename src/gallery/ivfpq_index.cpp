#include <algorithm>
#include <cmath>

#include <faiss/IndexIVFPQ.h>

#include "core/detail.hpp"
#include "gallery/faiss_index.hpp"
#include "gallery/faiss_storage.hpp"
#include "gallery/kmeans.hpp"

namespace arcface::detail {

namespace {

// Coarse centroids by spherical k-means on (a sample of) the live entries, then PQ training by
// FAISS on the residuals of a smaller sample.
std::unique_ptr<faiss::IndexIVFPQ> make_ivfpq(const EntryView& view, const GalleryOptions& opt) {
  const int dim = view.dim;
  const std::size_t n = view.live();
  int nlist = opt.ivf_nlist > 0 ? opt.ivf_nlist : std::max(16, static_cast<int>(4 * std::sqrt(static_cast<double>(n))));
  nlist = std::min<int>(nlist, static_cast<int>(n / 39));  // FAISS wants >= 39 points per centroid
  nlist = std::max(nlist, 1);
  const int m = opt.pq_m > 0 ? opt.pq_m : std::max(1, dim / 8);
  if (dim % m != 0)
    throw InputError("gallery: pq_m = " + std::to_string(m) + " does not divide the dimension " + std::to_string(dim));
  const std::size_t max_train = std::min<std::size_t>(static_cast<std::size_t>(nlist) * 40, 65536);
  const std::size_t stride = std::max<std::size_t>(1, n / max_train);
  std::vector<float> train;
  for (std::size_t i = 0, live = 0; i < view.count; ++i) {
    if (!view.alive(static_cast<std::int64_t>(i))) continue;
    if (live++ % stride == 0) train.insert(train.end(), view.row(static_cast<std::int64_t>(i)), view.row(static_cast<std::int64_t>(i)) + dim);
  }
  const int threads = resolve_threads(opt.threads);
  const auto centroids = spherical_kmeans(train, dim, nlist, 12, threads);
  auto* quantizer = new FastFlatIP(dim);
  quantizer->add(nlist, centroids.data());
  auto idx = std::make_unique<faiss::IndexIVFPQ>(quantizer, dim, static_cast<std::size_t>(nlist),
                                                static_cast<std::size_t>(m), 8, faiss::METRIC_INNER_PRODUCT);
  idx->own_fields = true;
  idx->pq.cp.min_points_per_centroid = 1;   // small galleries: train anyway, without FAISS's warnings
  idx->pq.cp.max_points_per_centroid = 40;  // 10k points, 10 iterations: enough for 256 codes of 8-d
  idx->pq.cp.niter = 10;
  idx->nprobe = static_cast<std::size_t>(std::max(1, opt.ivf_nprobe));
  OmpThreadsScope omp_threads(threads);
  faiss_call("train the IVF-PQ index", [&] {
    idx->train(std::min<faiss::Index::idx_t>(static_cast<faiss::Index::idx_t>(train.size() / dim), 16384), train.data());
  });
  return idx;
}

}  // namespace

IvfPqIndex::IvfPqIndex(const EntryView& view, const GalleryOptions& options)
    : FaissIndex(make_ivfpq(view, options), options.threads), dim_(view.dim) {}

faiss::IndexIVFPQ& IvfPqIndex::ivf() const { return static_cast<faiss::IndexIVFPQ&>(*index_); }

void IvfPqIndex::add(const EntryView& view) {
  if (view.count <= indexed_) return;
  const int threads = resolve_threads(threads_);
  OmpThreadsScope omp_threads(threads);
  const float* p = view.row(static_cast<std::int64_t>(indexed_));
  const auto count = static_cast<faiss::Index::idx_t>(view.count - indexed_);
  // Coarse assignment with the exact kernel instead of FAISS's BLAS path.
  auto& index = ivf();
  const auto* q = static_cast<const faiss::IndexFlat*>(index.quantizer);
  const auto a = assign_rows(p, count, reinterpret_cast<const float*>(q->codes.data()),
                             static_cast<std::ptrdiff_t>(index.nlist), dim_, threads);
  static_assert(sizeof(faiss::Index::idx_t) == sizeof(std::int64_t), "FAISS ids are 64-bit");
  faiss_call("add entries to the index",
             [&] { index.add_core(count, p, nullptr, reinterpret_cast<const faiss::Index::idx_t*>(a.data())); });
  indexed_ = view.count;
}

std::unique_ptr<faiss::SearchParameters> IvfPqIndex::parameters(const SearchSettings& settings, std::size_t) const {
  auto p = std::make_unique<faiss::SearchParametersIVF>();
  p->nprobe = static_cast<std::size_t>(std::max(1, settings.ivf_nprobe));
  return p;
}

std::size_t IvfPqIndex::memory_bytes() const {
  const auto& p = ivf();
  return p.ntotal * (p.code_size + sizeof(faiss::Index::idx_t)) + p.pq.centroids.size() * sizeof(float) +
         p.nlist * static_cast<std::size_t>(dim_) * sizeof(float);
}

}  // namespace arcface::detail
