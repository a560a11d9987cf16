#include "gallery/exact_index.hpp"

#include <omp.h>

#include <algorithm>

#include "core/detail.hpp"
#include "gallery/exact_kernel.hpp"

namespace arcface::detail {

namespace {

constexpr std::size_t kInt8MinEntries = 16384;  // below this the fp32 GEMM alone is as fast

// Per-thread state of the 8-bit first pass: lower bounds of the k best scores and the rows whose
// upper bound may still reach them.
struct ScanState {
  std::vector<TopK> lower;
  std::vector<std::vector<std::pair<float, std::int64_t>>> cand;  // (upper bound, row)
  std::vector<float> floors;
  const std::int32_t* owner;
  std::size_t rows;
};

void scan_sink(void* ctx, int j, std::size_t r, float a, float b) {
  auto* st = static_cast<ScanState*>(ctx);
  if (r >= st->rows || st->owner[r] < 0) return;
  st->cand[static_cast<std::size_t>(j)].emplace_back(a + b, static_cast<std::int64_t>(r));
  auto& h = st->lower[static_cast<std::size_t>(j)];
  h.push(a - b, static_cast<std::int64_t>(r));
  st->floors[static_cast<std::size_t>(j)] = h.floor();
}

}  // namespace

void ExactIndex::add(const EntryView& view) {
  indexed_ = view.count;
  const bool use_q8 = prefilter_ && int8_scan_available() && view.count >= kInt8MinEntries;
  if (!use_q8) {
    if (q8_.rows) q8_ = Int8Rows{};
    return;
  }
  if (q8_.dim != dim_ || q8_.rows > view.count) q8_.reset(dim_);
  if (q8_.rows < view.count) q8_.append(view.row(static_cast<std::int64_t>(q8_.rows)), view.count - q8_.rows);
}

std::size_t ExactIndex::memory_bytes() const {
  return q8_.codes.capacity() + (q8_.scale.capacity() * 3 + q8_.rowsum.capacity()) * 4;
}

std::vector<Hits> ExactIndex::search(const EntryView& view, const float* q, std::ptrdiff_t nq, std::size_t k,
                                     const SearchSettings& settings) const {
  const int threads = resolve_threads(settings.threads);
  if (q8_.rows == view.count && q8_.rows > 0) return int8_search(view, q, nq, k, threads);
  return gemm_search(view, q, nq, k, threads);
}

// Exact top-k through the 8-bit first pass: every row whose fp32 score could reach the k-th best
// lower bound is re-scored in fp32, so the result equals gemm_search's.
std::vector<Hits> ExactIndex::int8_search(const EntryView& view, const float* q, std::ptrdiff_t nq, std::size_t k,
                                          int threads) const {
  Int8Queries qq;
  qq.set(q, static_cast<int>(nq), dim_);
  const std::size_t nblocks = q8_.blocks();
  const std::size_t chunk = 128;  // blocks (2048 rows) per task
  const std::size_t ntasks = (nblocks + chunk - 1) / chunk;
  const int nthreads = static_cast<int>(std::max<std::size_t>(1, std::min<std::size_t>(threads, ntasks)));
  std::vector<ScanState> states(static_cast<std::size_t>(nthreads));
  for (auto& st : states) {
    st.lower.assign(static_cast<std::size_t>(nq), TopK(k));
    st.cand.resize(static_cast<std::size_t>(nq));
    st.floors.assign(static_cast<std::size_t>(nq), -INFINITY);
    st.owner = view.owner;
    st.rows = q8_.rows;
  }
#pragma omp parallel for num_threads(nthreads) schedule(dynamic, 1)
  for (std::size_t t = 0; t < ntasks; ++t) {
    auto& st = states[static_cast<std::size_t>(omp_get_thread_num())];
    int8_scan(q8_, t * chunk, std::min(nblocks, (t + 1) * chunk), qq, st.floors.data(), &scan_sink, &st);
  }
  const auto dot = dot_kernel();
  std::vector<Hits> out(static_cast<std::size_t>(nq));
  for (std::ptrdiff_t j = 0; j < nq; ++j) {
    const auto ju = static_cast<std::size_t>(j);
    TopK lows(k);
    for (auto& st : states)
      for (auto [lo, r] : std::move(st.lower[ju]).sorted()) lows.push(lo, r);
    const float floor = lows.floor();
    TopK best(k);
    for (auto& st : states)
      for (auto [up, r] : st.cand[ju])
        if (up >= floor) best.push(dot(q + j * dim_, view.row(r), dim_), r);
    out[ju] = std::move(best).sorted();
  }
  return out;
}

std::vector<Hits> ExactIndex::gemm_search(const EntryView& view, const float* q, std::ptrdiff_t nq, std::size_t k,
                                          int threads) const {
  const std::ptrdiff_t n = static_cast<std::ptrdiff_t>(view.count);
  const std::ptrdiff_t chunk = nq <= 4 ? 16384 : 4096;
  const std::ptrdiff_t nchunks = (n + chunk - 1) / chunk;
  const int nthreads = static_cast<int>(std::max<std::ptrdiff_t>(1, std::min<std::ptrdiff_t>(threads, nchunks)));
  std::vector<std::vector<TopK>> partial(static_cast<std::size_t>(nthreads));
#pragma omp parallel num_threads(nthreads)
  {
    auto& heaps = partial[static_cast<std::size_t>(omp_get_thread_num())];
    heaps.assign(static_cast<std::size_t>(nq), TopK(k));
    std::vector<float> s(static_cast<std::size_t>(nq * chunk));
#pragma omp for schedule(dynamic, 1)
    for (std::ptrdiff_t c = 0; c < nchunks; ++c) {
      const std::ptrdiff_t r0 = c * chunk, rows = std::min(chunk, n - r0);
      gemm_nt(q, nq, view.row(r0), rows, dim_, s.data());
      for (std::ptrdiff_t qi = 0; qi < nq; ++qi) {
        auto& h = heaps[static_cast<std::size_t>(qi)];
        const float* sq = s.data() + qi * rows;
        float floor = h.floor();
        for (std::ptrdiff_t j = 0; j < rows; ++j) {
          if (sq[j] > floor && view.alive(r0 + j)) {
            h.push(sq[j], r0 + j);
            floor = h.floor();
          }
        }
      }
    }
  }
  std::vector<Hits> out(static_cast<std::size_t>(nq));
  for (std::ptrdiff_t qi = 0; qi < nq; ++qi) {
    TopK merged(k);
    for (auto& p : partial)
      if (!p.empty())
        for (auto [s, id] : std::move(p[static_cast<std::size_t>(qi)]).sorted()) merged.push(s, id);
    out[static_cast<std::size_t>(qi)] = std::move(merged).sorted();
  }
  return out;
}

}  // namespace arcface::detail
