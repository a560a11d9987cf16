#include "arcface/gallery.hpp"

#include <omp.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <filesystem>
#include <functional>
#include <mutex>
#include <shared_mutex>
#include <thread>
#include <unordered_map>
#include <unordered_set>

#include <faiss/IndexFlat.h>
#include <faiss/IndexFlatCodes.h>
#include <faiss/IndexHNSW.h>
#include <faiss/IndexIVFPQ.h>
#include <faiss/impl/AuxIndexStructures.h>
#include <faiss/impl/FaissException.h>
#include <faiss/impl/IDSelector.h>
#include <faiss/impl/DistanceComputer.h>

#include "arcface/error.hpp"
#include "core/detail.hpp"
#include "core/files.hpp"
#include "arcface/pipeline.hpp"
#include "gallery/exact_kernel.hpp"
#include "gallery/gallery_file.hpp"
#include "gallery/hnsw_search.hpp"
#include "gallery/int8_scan.hpp"

namespace arcface {

namespace {

constexpr std::size_t kIvfMinEntries = 4096;
constexpr std::size_t kInt8MinEntries = 16384;  // below this the fp32 GEMM alone is as fast  // below this IVF-PQ cannot be trained well: exact search


// Scores of one probe against entries: a bounded min-heap of (score, entry).
class TopK {
 public:
  explicit TopK(std::size_t k = 0) : k_(k) { heap_.reserve(k); }
  float floor() const { return heap_.size() < k_ ? -INFINITY : heap_.front().first; }
  void push(float s, std::int64_t id) {
    if (k_ == 0) return;
    if (heap_.size() < k_) {
      heap_.emplace_back(s, id);
      std::push_heap(heap_.begin(), heap_.end(), cmp);
    } else if (s > heap_.front().first) {
      std::pop_heap(heap_.begin(), heap_.end(), cmp);
      heap_.back() = {s, id};
      std::push_heap(heap_.begin(), heap_.end(), cmp);
    }
  }
  // Best first; ties broken by entry index so results are deterministic.
  std::vector<std::pair<float, std::int64_t>> sorted() && {
    std::sort(heap_.begin(), heap_.end(),
              [](const auto& a, const auto& b) { return a.first != b.first ? a.first > b.first : a.second < b.second; });
    return std::move(heap_);
  }

 private:
  static bool cmp(const std::pair<float, std::int64_t>& a, const std::pair<float, std::int64_t>& b) {
    return a.first > b.first;  // min-heap on score
  }
  std::size_t k_;
  std::vector<std::pair<float, std::int64_t>> heap_;
};

// FAISS selector: entries whose owner is not -1.
struct AliveSelector : faiss::IDSelector {
  const std::vector<std::int32_t>* owner = nullptr;
  bool is_member(faiss::Index::idx_t id) const override { return (*owner)[static_cast<std::size_t>(id)] >= 0; }
};

template <class F>
auto faiss_call(const char* what, F&& f) -> decltype(f()) {
  try {
    return f();
  } catch (const faiss::FaissException& e) {
    throw Error(std::string("gallery: FAISS failed to ") + what + ": " + e.what());
  }
}

// FAISS flat storage whose distances use this library's SIMD kernels (detail::dot_kernel,
// detail::gemm_nt). Debian builds FAISS without SIMD: its scalar inner product made HNSW
// construction ~20x slower. Used as the HNSW storage and as the IVF coarse quantizer; the
// FaissFlat backend keeps FAISS's own IndexFlatIP.
struct FastFlatIP : faiss::IndexFlatIP {
  using idx_t = faiss::Index::idx_t;
  explicit FastFlatIP(int d) : faiss::IndexFlatIP(d) {}

  struct Distances : faiss::FlatCodesDistanceComputer {
    const float* base;
    std::ptrdiff_t d;
    const float* q = nullptr;
    detail::DotFn dot = detail::dot_kernel();
    explicit Distances(const FastFlatIP& s)
        : faiss::FlatCodesDistanceComputer(s.codes.data(), s.code_size),
          base(reinterpret_cast<const float*>(s.codes.data())),
          d(s.d) {}
    void set_query(const float* x) override { q = x; }
    float distance_to_code(const uint8_t* code) override { return dot(q, reinterpret_cast<const float*>(code), d); }
    float symmetric_dis(idx_t i, idx_t j) override { return dot(base + i * d, base + j * d, d); }
  };
  faiss::FlatCodesDistanceComputer* get_FlatCodesDistanceComputer() const override { return new Distances(*this); }

  void search(idx_t n, const float* x, idx_t k, float* distances, idx_t* labels,
              const faiss::SearchParameters* params = nullptr) const override {
    if (params && params->sel) return faiss::IndexFlatIP::search(n, x, k, distances, labels, params);
    const float* base = reinterpret_cast<const float*>(codes.data());
    const std::ptrdiff_t block = 4096;
#pragma omp parallel for schedule(dynamic, 1)
    for (idx_t qi = 0; qi < n; ++qi) {
      TopK top(static_cast<std::size_t>(k));
      std::vector<float> s(static_cast<std::size_t>(std::min<std::ptrdiff_t>(block, ntotal)));
      for (std::ptrdiff_t r0 = 0; r0 < ntotal; r0 += block) {
        const std::ptrdiff_t rows = std::min<std::ptrdiff_t>(block, ntotal - r0);
        detail::gemm_nt(x + qi * d, 1, base + r0 * d, rows, d, s.data());
        for (std::ptrdiff_t j = 0; j < rows; ++j)
          if (s[static_cast<std::size_t>(j)] > top.floor()) top.push(s[static_cast<std::size_t>(j)], r0 + j);
      }
      const auto best = std::move(top).sorted();
      for (idx_t j = 0; j < k; ++j) {
        const bool have = static_cast<std::size_t>(j) < best.size();
        distances[qi * k + j] = have ? best[static_cast<std::size_t>(j)].first : -INFINITY;
        labels[qi * k + j] = have ? best[static_cast<std::size_t>(j)].second : -1;
      }
    }
  }
};

// HNSW storage of 8-bit codes (per row: dim4 signed codes, float scale, int32 code sum) with
// AVX-512 VNNI inner products: a quarter of fp32's memory traffic, which bounds HNSW on 512-d
// vectors (every visited node is a random 2 KB read otherwise). Scores are approximate (about
// 1e-2); the gallery re-ranks the candidates with the fp32 vectors.
struct Sq8FlatIP : faiss::IndexFlatCodes {
  using idx_t = faiss::Index::idx_t;
  std::size_t dim4;
  explicit Sq8FlatIP(int d)
      : faiss::IndexFlatCodes(static_cast<std::size_t>((d + 3) / 4 * 4) + 8, d, faiss::METRIC_INNER_PRODUCT),
        dim4(static_cast<std::size_t>((d + 3) / 4 * 4)) {}

  void sa_encode(idx_t n, const float* x, uint8_t* bytes) const override {
    for (idx_t i = 0; i < n; ++i) {
      uint8_t* c = bytes + i * code_size;
      std::fill(c, c + code_size, 0);
      float scale;
      std::int32_t sum;
      detail::quantise_row(x + i * d, d, reinterpret_cast<std::int8_t*>(c), scale, sum);
      std::memcpy(c + dim4, &scale, 4);
      std::memcpy(c + dim4 + 4, &sum, 4);
    }
  }
  void sa_decode(idx_t n, const uint8_t* bytes, float* x) const override {
    for (idx_t i = 0; i < n; ++i) {
      const uint8_t* c = bytes + i * code_size;
      float scale;
      std::memcpy(&scale, c + dim4, 4);
      for (int k = 0; k < d; ++k) x[i * d + k] = scale * static_cast<float>(reinterpret_cast<const std::int8_t*>(c)[k]);
    }
  }

  struct Distances : faiss::FlatCodesDistanceComputer {
    const Sq8FlatIP& s;
    std::vector<std::uint8_t> q;  // query codes + 128
    float qscale = 1.f;
    explicit Distances(const Sq8FlatIP& st)
        : faiss::FlatCodesDistanceComputer(st.codes.data(), st.code_size), s(st), q(st.dim4, 128) {}
    void set_query(const float* x) override {
      std::vector<std::int8_t> c(s.dim4, 0);
      std::int32_t sum;
      detail::quantise_row(x, s.d, c.data(), qscale, sum);
      for (std::size_t k = 0; k < s.dim4; ++k) q[k] = static_cast<std::uint8_t>(c[k] + 128);
    }
    static void tail(const uint8_t* code, std::size_t dim4, float& scale, std::int32_t& sum) {
      std::memcpy(&scale, code + dim4, 4);
      std::memcpy(&sum, code + dim4 + 4, 4);
    }
    float distance_to_code(const uint8_t* code) override {
      float scale;
      std::int32_t sum;
      tail(code, s.dim4, scale, sum);
      const std::int32_t dot =
          detail::dot_u8s8_vnni(q.data(), reinterpret_cast<const std::int8_t*>(code), s.dim4) - 128 * sum;
      return qscale * scale * static_cast<float>(dot);
    }
    float symmetric_dis(idx_t i, idx_t j) override {
      const uint8_t* a = s.codes.data() + i * s.code_size;
      const uint8_t* b = s.codes.data() + j * s.code_size;
      float sa, sb;
      std::int32_t suma, sumb;
      tail(a, s.dim4, sa, suma);
      tail(b, s.dim4, sb, sumb);
      const std::int32_t dot = detail::dot_s8s8_offset_vnni(reinterpret_cast<const std::int8_t*>(a),
                                                            reinterpret_cast<const std::int8_t*>(b), s.dim4) -
                               128 * sumb;
      return sa * sb * static_cast<float>(dot);
    }
  };
  faiss::FlatCodesDistanceComputer* get_FlatCodesDistanceComputer() const override { return new Distances(*this); }

  // Brute force (FAISS's Index interface requires it; the gallery searches through HNSW).
  void search(idx_t n, const float* x, idx_t k, float* distances, idx_t* labels,
              const faiss::SearchParameters* = nullptr) const override {
    for (idx_t qi = 0; qi < n; ++qi) {
      Distances dc(*this);
      dc.set_query(x + qi * d);
      TopK top(static_cast<std::size_t>(k));
      for (idx_t i = 0; i < ntotal; ++i) top.push(dc(i), i);
      const auto best = std::move(top).sorted();
      for (idx_t j = 0; j < k; ++j) {
        const bool have = static_cast<std::size_t>(j) < best.size();
        distances[qi * k + j] = have ? best[static_cast<std::size_t>(j)].first : -INFINITY;
        labels[qi * k + j] = have ? best[static_cast<std::size_t>(j)].second : -1;
      }
    }
  }
};

// argmax_j <x_i, c_j> for the rows of x (n x d) against centroids c (k x d), multi-threaded.
std::vector<faiss::Index::idx_t> assign_rows(const float* x, std::ptrdiff_t n, const float* c, std::ptrdiff_t k,
                                             std::ptrdiff_t d, int threads) {
  std::vector<faiss::Index::idx_t> out(static_cast<std::size_t>(n));
  const std::ptrdiff_t block = 256;
#pragma omp parallel num_threads(threads)
  {
    std::vector<float> s(static_cast<std::size_t>(block * k));
#pragma omp for schedule(dynamic, 1)
    for (std::ptrdiff_t r0 = 0; r0 < n; r0 += block) {
      const std::ptrdiff_t rows = std::min(block, n - r0);
      detail::gemm_nt(x + r0 * d, rows, c, k, d, s.data());
      for (std::ptrdiff_t i = 0; i < rows; ++i) {
        const float* si = s.data() + i * k;
        out[static_cast<std::size_t>(r0 + i)] = std::max_element(si, si + k) - si;
      }
    }
  }
  return out;
}

// Spherical k-means (unit centroids, inner-product assignment), deterministic: the first centroids
// are evenly spaced training rows. FAISS's own k-means would go through the system BLAS, which on
// Debian is the slow reference implementation.
std::vector<float> spherical_kmeans(const std::vector<float>& x, std::ptrdiff_t d, std::ptrdiff_t k, int iterations,
                                    int threads) {
  const std::ptrdiff_t n = static_cast<std::ptrdiff_t>(x.size()) / d;
  std::vector<float> c(static_cast<std::size_t>(k * d));
  for (std::ptrdiff_t j = 0; j < k; ++j)
    std::copy_n(x.begin() + (j * n / k) * d, d, c.begin() + j * d);
  for (int it = 0; it < iterations; ++it) {
    const auto a = assign_rows(x.data(), n, c.data(), k, d, threads);
    Eigen::MatrixXf sum = Eigen::MatrixXf::Zero(d, k);
    for (std::ptrdiff_t i = 0; i < n; ++i)
      sum.col(a[static_cast<std::size_t>(i)]) += Eigen::Map<const Eigen::VectorXf>(x.data() + i * d, d);
    for (std::ptrdiff_t j = 0; j < k; ++j) {
      const float norm = sum.col(j).norm();
      if (norm > 0) Eigen::Map<Eigen::VectorXf>(c.data() + j * d, d) = sum.col(j) / norm;
      // an empty cluster keeps its previous centroid
    }
  }
  return c;
}

}  // namespace

SearchBackend search_backend_from_string(const std::string& name) {
  if (name == "auto") return SearchBackend::Auto;
  if (name == "exact") return SearchBackend::Exact;
  if (name == "flat") return SearchBackend::FaissFlat;
  if (name == "hnsw") return SearchBackend::FaissHnsw;
  if (name == "ivfpq") return SearchBackend::FaissIvfPq;
  throw InputError("unknown search backend '" + name + "' (expected auto, exact, flat, hnsw or ivfpq)");
}

std::string to_string(SearchBackend b) {
  switch (b) {
    case SearchBackend::Auto: return "auto";
    case SearchBackend::Exact: return "exact";
    case SearchBackend::FaissFlat: return "flat";
    case SearchBackend::FaissHnsw: return "hnsw";
    case SearchBackend::FaissIvfPq: return "ivfpq";
  }
  return "?";
}

MatchMode match_mode_from_string(const std::string& name) {
  if (name == "template") return MatchMode::Template;
  if (name == "all") return MatchMode::AllSamples;
  throw InputError("unknown match mode '" + name + "' (expected template or all)");
}

std::string to_string(MatchMode m) { return m == MatchMode::Template ? "template" : "all"; }

// ------------------------------------------------------------------------------------------------
struct Gallery::Impl {
  std::string embedder;
  int dim = 0;
  GalleryOptions opt;
  // Readers share `mu`; a writer takes `gate` first, so new readers queue behind a waiting writer
  // (glibc's rwlock prefers readers: a steady stream of searches would starve enrollment).
  mutable std::shared_mutex mu;
  mutable std::mutex gate;
  std::shared_lock<std::shared_mutex> read_lock() const {
    std::lock_guard<std::mutex> g(gate);
    return std::shared_lock<std::shared_mutex>(mu);
  }
  struct WriteLock {
    std::lock_guard<std::mutex> g;
    std::unique_lock<std::shared_mutex> l;
    explicit WriteLock(const Impl& i) : g(i.gate), l(i.mu) {}
  };

  struct Identity {
    std::string name;                  // empty: removed slot
    std::vector<std::int64_t> samples;  // rows of `samples`
    std::int64_t tmpl = -1;            // row of `templates` (Template mode)
  };
  std::vector<Identity> ids;
  std::unordered_map<std::string, std::int32_t> by_name;
  std::size_t live_ids = 0;
  std::string flip;  // flip policy of the embedder; empty: not recorded

  // Samples: every enrolled embedding. Entries searched: the samples (AllSamples) or one
  // template per identity (Template). Dead rows have owner -1 until the next compaction.
  std::vector<float> samples;
  std::vector<std::int32_t> sample_owner;
  std::size_t dead_samples = 0;
  std::vector<float> templates;
  std::vector<std::int32_t> template_owner;
  std::size_t dead_templates = 0;

  std::unique_ptr<faiss::Index> index;  // null for the exact backend
  detail::Int8Rows q8;                   // exact backend, large galleries: 8-bit first pass
  SearchBackend active = SearchBackend::Exact;
  std::size_t indexed = 0;               // entries added to `index`

  bool all_mode() const { return opt.match == MatchMode::AllSamples; }
  const std::vector<float>& entries() const { return all_mode() ? samples : templates; }
  const std::vector<std::int32_t>& owners() const { return all_mode() ? sample_owner : template_owner; }
  std::size_t dead_entries() const { return all_mode() ? dead_samples : dead_templates; }
  std::size_t num_entries() const { return owners().size(); }
  std::size_t live_entries() const { return num_entries() - dead_entries(); }

  std::size_t max_entries_per_identity() const {
    if (!all_mode()) return 1;
    std::size_t m = 1;
    for (const auto& id : ids) m = std::max(m, id.samples.size());
    return m;
  }

  // -------------------------------------------------------------------------- mutation
  void check_rows(const Embeddings& e, const std::string& identity) const {
    if (identity.empty()) throw InputError("gallery: identity name is empty");
    if (e.rows() == 0) throw InputError("gallery: no embeddings given for '" + identity + "'");
    if (e.cols() != dim)
      throw InputError("gallery: embeddings for '" + identity + "' have dimension " + std::to_string(e.cols()) +
                       " but the gallery holds " + std::to_string(dim) + "-d embeddings of '" + embedder + "'");
    for (Eigen::Index r = 0; r < e.rows(); ++r) {
      if (!e.row(r).allFinite())
        throw InputError("gallery: embedding " + std::to_string(r) + " for '" + identity + "' is not finite");
      if (e.row(r).cast<double>().norm() <= 1e-30)
        throw InputError("gallery: embedding " + std::to_string(r) + " for '" + identity + "' is zero");
    }
  }

  void update_template(std::int32_t slot) {
    auto& id = ids[static_cast<std::size_t>(slot)];
    if (id.tmpl >= 0) {
      template_owner[static_cast<std::size_t>(id.tmpl)] = -1;
      ++dead_templates;
    }
    Eigen::VectorXf mean = Eigen::VectorXf::Zero(dim);
    for (auto r : id.samples) mean += Eigen::Map<const Eigen::VectorXf>(&samples[static_cast<std::size_t>(r) * dim], dim);
    mean.normalize();
    id.tmpl = static_cast<std::int64_t>(template_owner.size());
    templates.insert(templates.end(), mean.data(), mean.data() + dim);
    template_owner.push_back(slot);
  }

  // Enroll rows (unit-normalised here) under identity names; one name per row.
  void add(const std::vector<std::string>& names, const Embeddings& rows) {
    std::vector<std::int32_t> touched;
    std::unordered_set<std::int32_t> seen;
    for (Eigen::Index r = 0; r < rows.rows(); ++r) {
      const std::string& name = names[static_cast<std::size_t>(r)];
      auto it = by_name.find(name);
      std::int32_t slot;
      if (it == by_name.end()) {
        slot = static_cast<std::int32_t>(ids.size());
        ids.push_back({name, {}, -1});
        by_name.emplace(name, slot);
        ++live_ids;
      } else {
        slot = it->second;
      }
      // In double: float's squared norm overflows for entries above ~1e19 (and underflows below ~1e-19).
      const Eigen::RowVectorXd d = rows.row(r).cast<double>();
      const Eigen::RowVectorXf v = (d / d.norm()).cast<float>();
      ids[static_cast<std::size_t>(slot)].samples.push_back(static_cast<std::int64_t>(sample_owner.size()));
      samples.insert(samples.end(), v.data(), v.data() + dim);
      sample_owner.push_back(slot);
      if (seen.insert(slot).second) touched.push_back(slot);
    }
    if (!all_mode())
      for (auto slot : touched) update_template(slot);
    sync_index();
  }

  bool erase(const std::string& name) {
    auto it = by_name.find(name);
    if (it == by_name.end()) return false;
    auto& id = ids[static_cast<std::size_t>(it->second)];
    for (auto r : id.samples) sample_owner[static_cast<std::size_t>(r)] = -1;
    dead_samples += id.samples.size();
    if (id.tmpl >= 0) {
      template_owner[static_cast<std::size_t>(id.tmpl)] = -1;
      ++dead_templates;
    }
    id = Identity{};
    by_name.erase(it);
    --live_ids;
    sync_index();
    return true;
  }

  // Drop dead rows and removed identity slots; renumbers everything.
  void compact() {
    std::vector<Identity> new_ids;
    std::vector<float> new_samples, new_templates;
    std::vector<std::int32_t> new_sowner, new_towner;
    new_ids.reserve(live_ids);
    new_samples.reserve(static_cast<std::size_t>(dim) * (sample_owner.size() - dead_samples));
    by_name.clear();
    for (auto& id : ids) {
      if (id.name.empty()) continue;
      const auto slot = static_cast<std::int32_t>(new_ids.size());
      Identity n{id.name, {}, -1};
      for (auto r : id.samples) {
        n.samples.push_back(static_cast<std::int64_t>(new_sowner.size()));
        new_samples.insert(new_samples.end(), samples.begin() + r * dim, samples.begin() + (r + 1) * dim);
        new_sowner.push_back(slot);
      }
      if (id.tmpl >= 0) {
        n.tmpl = static_cast<std::int64_t>(new_towner.size());
        new_templates.insert(new_templates.end(), templates.begin() + id.tmpl * dim,
                             templates.begin() + (id.tmpl + 1) * dim);
        new_towner.push_back(slot);
      }
      by_name.emplace(n.name, slot);
      new_ids.push_back(std::move(n));
    }
    ids = std::move(new_ids);
    samples = std::move(new_samples);
    templates = std::move(new_templates);
    sample_owner = std::move(new_sowner);
    template_owner = std::move(new_towner);
    dead_samples = dead_templates = 0;
    index.reset();
    q8.reset(dim);
    indexed = 0;
  }

  SearchBackend wanted_backend() const {
    const std::size_t n = live_entries();
    switch (opt.backend) {
      case SearchBackend::Auto: return n > opt.auto_exact_limit ? SearchBackend::FaissHnsw : SearchBackend::Exact;
      case SearchBackend::FaissIvfPq: return n < kIvfMinEntries ? SearchBackend::Exact : SearchBackend::FaissIvfPq;
      default: return opt.backend;
    }
  }

  std::unique_ptr<faiss::Index> make_index(SearchBackend b) const {
    switch (b) {
      case SearchBackend::FaissFlat: return std::make_unique<faiss::IndexFlatIP>(dim);
      case SearchBackend::FaissHnsw: {
        faiss::Index* storage = detail::int8_scan_available() ? static_cast<faiss::Index*>(new Sq8FlatIP(dim))
                                                              : static_cast<faiss::Index*>(new FastFlatIP(dim));
        auto idx = std::make_unique<faiss::IndexHNSW>(storage, opt.hnsw_m);
        idx->own_fields = true;
        idx->hnsw.efConstruction = opt.hnsw_ef_construction;
        idx->hnsw.efSearch = opt.hnsw_ef_search;
        return idx;
      }
      case SearchBackend::FaissIvfPq: {
        const std::size_t n = live_entries();
        int nlist = opt.ivf_nlist > 0 ? opt.ivf_nlist
                                      : std::max(16, static_cast<int>(4 * std::sqrt(static_cast<double>(n))));
        nlist = std::min<int>(nlist, static_cast<int>(n / 39));  // FAISS wants >= 39 points per centroid
        nlist = std::max(nlist, 1);
        int m = opt.pq_m > 0 ? opt.pq_m : std::max(1, dim / 8);
        if (dim % m != 0)
          throw InputError("gallery: pq_m = " + std::to_string(m) + " does not divide the dimension " +
                           std::to_string(dim));
        // Coarse centroids by spherical k-means on (a sample of) the live entries, then PQ
        // training by FAISS on the residuals of a smaller sample.
        const auto& e = entries();
        const auto& own = owners();
        const std::size_t max_train = std::min<std::size_t>(static_cast<std::size_t>(nlist) * 40, 65536);
        const std::size_t stride = std::max<std::size_t>(1, n / max_train);
        std::vector<float> train;
        for (std::size_t i = 0, live = 0; i < own.size(); ++i) {
          if (own[i] < 0) continue;
          if (live++ % stride == 0) train.insert(train.end(), e.begin() + i * dim, e.begin() + (i + 1) * dim);
        }
        const int threads = detail::resolve_threads(opt.threads);
        const auto centroids = spherical_kmeans(train, dim, nlist, 12, threads);
        auto* quantizer = new FastFlatIP(dim);
        quantizer->add(nlist, centroids.data());
        auto idx = std::make_unique<faiss::IndexIVFPQ>(quantizer, dim, static_cast<std::size_t>(nlist),
                                                      static_cast<std::size_t>(m), 8, faiss::METRIC_INNER_PRODUCT);
        idx->own_fields = true;
        idx->pq.cp.min_points_per_centroid = 1;  // small galleries: train anyway, without FAISS's warnings
        idx->pq.cp.max_points_per_centroid = 40;  // 10k points, 10 iterations: enough for 256 codes of 8-d
        idx->pq.cp.niter = 10;
        idx->nprobe = static_cast<std::size_t>(std::max(1, opt.ivf_nprobe));
        detail::OmpThreadsScope omp_threads(threads);
        faiss_call("train the IVF-PQ index", [&] { 
          idx->train(std::min<faiss::Index::idx_t>(static_cast<faiss::Index::idx_t>(train.size() / dim), 16384),
                     train.data());
        });
        return idx;
      }
      default: return nullptr;
    }
  }

  // Bring the search structure up to date with the entries (exclusive lock held).
  void sync_index() {
    const std::size_t total = num_entries();
    if (dead_entries() > 0 && dead_entries() * 4 > total) compact();
    const SearchBackend want = wanted_backend();
    if (want != active || (want != SearchBackend::Exact && !index)) {
      index = make_index(want);
      active = want;
      indexed = 0;
    }
    if (!index) {
      indexed = num_entries();
      const bool use_q8 = opt.exact_prefilter && detail::int8_scan_available() && indexed >= kInt8MinEntries;
      if (!use_q8) {
        if (q8.rows) q8 = detail::Int8Rows{};
      } else {
        if (q8.dim != dim || q8.rows > indexed) q8.reset(dim);
        if (q8.rows < indexed) q8.append(entries().data() + q8.rows * dim, indexed - q8.rows);
      }
      return;
    }
    if (q8.rows) q8 = detail::Int8Rows{};
    const std::size_t n = num_entries();
    if (n > indexed) {
      detail::OmpThreadsScope omp_threads(detail::resolve_threads(opt.threads));
      const float* p = entries().data() + indexed * dim;
      const auto count = static_cast<faiss::Index::idx_t>(n - indexed);
      if (auto* ivf = dynamic_cast<faiss::IndexIVF*>(index.get())) {
        // Coarse assignment with the exact kernel instead of FAISS's BLAS path.
        const auto* q = dynamic_cast<const faiss::IndexFlat*>(ivf->quantizer);
        const auto a = assign_rows(p, count, reinterpret_cast<const float*>(q->codes.data()),
                                   static_cast<std::ptrdiff_t>(ivf->nlist), dim, detail::resolve_threads(opt.threads));
        faiss_call("add entries to the index", [&] { ivf->add_core(count, p, nullptr, a.data()); });
      } else {
        faiss_call("add entries to the index", [&] { index->add(count, p); });
      }
      indexed = n;
    }
  }

  // -------------------------------------------------------------------------- search
  using Hits = std::vector<std::pair<float, std::int64_t>>;  // (score, entry), best first

  // Exact top-k through the 8-bit first pass: every row whose fp32 score could reach the k-th best
  // lower bound is re-scored in fp32, so the result equals exact_search's fp32 top-k.
  struct ScanState {
    std::vector<TopK> lower;
    std::vector<std::vector<std::pair<float, std::int64_t>>> cand;  // (upper bound, row)
    std::vector<float> floors;
    const std::int32_t* owner;
    std::size_t rows;
  };
  static void scan_sink(void* ctx, int j, std::size_t r, float a, float b) {
    auto* st = static_cast<ScanState*>(ctx);
    if (r >= st->rows || st->owner[r] < 0) return;
    st->cand[static_cast<std::size_t>(j)].emplace_back(a + b, static_cast<std::int64_t>(r));
    auto& h = st->lower[static_cast<std::size_t>(j)];
    h.push(a - b, static_cast<std::int64_t>(r));
    st->floors[static_cast<std::size_t>(j)] = h.floor();
  }

  std::vector<Hits> int8_search(const float* q, std::ptrdiff_t nq, std::size_t k) const {
    detail::Int8Queries qq;
    qq.set(q, static_cast<int>(nq), dim);
    const std::size_t nblocks = q8.blocks();
    const std::size_t chunk = 128;  // blocks (2048 rows) per task
    const std::size_t ntasks = (nblocks + chunk - 1) / chunk;
    const int nthreads = static_cast<int>(std::max<std::size_t>(1, std::min<std::size_t>(detail::resolve_threads(opt.threads), ntasks)));
    std::vector<ScanState> states(static_cast<std::size_t>(nthreads));
    for (auto& st : states) {
      st.lower.assign(static_cast<std::size_t>(nq), TopK(k));
      st.cand.resize(static_cast<std::size_t>(nq));
      st.floors.assign(static_cast<std::size_t>(nq), -INFINITY);
      st.owner = owners().data();
      st.rows = q8.rows;
    }
#pragma omp parallel for num_threads(nthreads) schedule(dynamic, 1)
    for (std::size_t t = 0; t < ntasks; ++t) {
      auto& st = states[static_cast<std::size_t>(omp_get_thread_num())];
      detail::int8_scan(q8, t * chunk, std::min(nblocks, (t + 1) * chunk), qq, st.floors.data(), &Impl::scan_sink, &st);
    }
    const auto dot = detail::dot_kernel();
    const float* e = entries().data();
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
          if (up >= floor) best.push(dot(q + j * dim, e + static_cast<std::size_t>(r) * dim, dim), r);
      out[ju] = std::move(best).sorted();
    }
    return out;
  }

  std::vector<Hits> exact_search(const float* q, std::ptrdiff_t nq, std::size_t k) const {
    if (q8.rows == num_entries() && q8.rows > 0) return int8_search(q, nq, k);
    const auto& e = entries();
    const auto& own = owners();
    const std::ptrdiff_t n = static_cast<std::ptrdiff_t>(own.size());
    const std::ptrdiff_t chunk = nq <= 4 ? 16384 : 4096;
    const std::ptrdiff_t nchunks = (n + chunk - 1) / chunk;
    const int nthreads = static_cast<int>(std::max<std::ptrdiff_t>(1, std::min<std::ptrdiff_t>(detail::resolve_threads(opt.threads), nchunks)));
    std::vector<std::vector<TopK>> partial(static_cast<std::size_t>(nthreads));
#pragma omp parallel num_threads(nthreads)
    {
      auto& heaps = partial[static_cast<std::size_t>(omp_get_thread_num())];
      heaps.assign(static_cast<std::size_t>(nq), TopK(k));
      std::vector<float> s(static_cast<std::size_t>(nq * chunk));
#pragma omp for schedule(dynamic, 1)
      for (std::ptrdiff_t c = 0; c < nchunks; ++c) {
        const std::ptrdiff_t r0 = c * chunk, rows = std::min(chunk, n - r0);
        detail::gemm_nt(q, nq, e.data() + r0 * dim, rows, dim, s.data());
        for (std::ptrdiff_t qi = 0; qi < nq; ++qi) {
          auto& h = heaps[static_cast<std::size_t>(qi)];
          const float* sq = s.data() + qi * rows;
          float floor = h.floor();
          for (std::ptrdiff_t j = 0; j < rows; ++j) {
            if (sq[j] > floor && own[static_cast<std::size_t>(r0 + j)] >= 0) {
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

  // HNSW graph search by detail::hnsw_search (see hnsw_search.hpp), one query per thread.
  void hnsw_search(const faiss::IndexHNSW& h, const float* q, std::ptrdiff_t nq, std::size_t kk, float* dist,
                   faiss::Index::idx_t* lab) const {
    const auto* store = dynamic_cast<const faiss::IndexFlatCodes*>(h.storage);
    if (!store) throw Error("gallery: the HNSW index has no flat storage");
    const auto& own = owners();
    std::function<bool(std::int64_t)> keep;
    if (dead_entries() > 0) keep = [&own](std::int64_t i) { return own[static_cast<std::size_t>(i)] >= 0; };
    const int threads = static_cast<int>(std::min<std::ptrdiff_t>(detail::resolve_threads(opt.threads), nq));
#pragma omp parallel num_threads(threads)
    {
      detail::HnswScratch scratch;
      std::unique_ptr<faiss::FlatCodesDistanceComputer> dc(store->get_FlatCodesDistanceComputer());
#pragma omp for schedule(dynamic, 1)
      for (std::ptrdiff_t qi = 0; qi < nq; ++qi) {
        dc->set_query(q + qi * dim);
        const auto best = detail::hnsw_search(h.hnsw, *dc, store->codes.data(), store->code_size,
                                              static_cast<std::size_t>(store->ntotal), opt.hnsw_ef_search, kk,
                                              keep, scratch);
        for (std::size_t j = 0; j < kk; ++j) {
          const bool have = j < best.size();
          dist[static_cast<std::size_t>(qi) * kk + j] = have ? best[j].first : -INFINITY;
          lab[static_cast<std::size_t>(qi) * kk + j] = have ? best[j].second : -1;
        }
      }
    }
  }

  std::vector<Hits> faiss_search(const float* q, std::ptrdiff_t nq, std::size_t k) const {
    // IVF-PQ scores are approximate: fetch more candidates and re-rank them exactly.
    const auto* hnsw = dynamic_cast<const faiss::IndexHNSW*>(index.get());
    const bool rerank = active == SearchBackend::FaissIvfPq || (hnsw && !dynamic_cast<const FastFlatIP*>(hnsw->storage));
    const std::size_t kk = std::min(live_entries(), rerank ? std::max<std::size_t>(4 * k, k + 32) : k);
    AliveSelector sel;
    sel.owner = &owners();
    faiss::SearchParametersHNSW hnsw_params;
    faiss::SearchParametersIVF ivf_params;
    faiss::SearchParameters flat_params;
    faiss::SearchParameters* params = nullptr;
    if (active == SearchBackend::FaissHnsw) {
      // Same beam as the index's field (its queue holds max(efSearch, kk) candidates).
      hnsw_params.efSearch = std::max<int>(opt.hnsw_ef_search, static_cast<int>(kk));
      params = &hnsw_params;
    } else if (active == SearchBackend::FaissIvfPq) {
      ivf_params.nprobe = static_cast<std::size_t>(std::max(1, opt.ivf_nprobe));
      params = &ivf_params;
    } else {
      params = &flat_params;
    }
    if (dead_entries() > 0) params->sel = &sel;
    std::vector<float> dist(static_cast<std::size_t>(nq) * kk);
    std::vector<faiss::Index::idx_t> lab(static_cast<std::size_t>(nq) * kk);
    detail::OmpThreadsScope omp_threads(detail::resolve_threads(opt.threads));
    if (hnsw && !opt.hnsw_faiss_search) {
      hnsw_search(*hnsw, q, nq, kk, dist.data(), lab.data());
    } else {
      faiss_call("search", [&] {
        index->search(nq, q, static_cast<faiss::Index::idx_t>(kk), dist.data(), lab.data(), params);
      });
    }
    const auto& e = entries();
    std::vector<Hits> out(static_cast<std::size_t>(nq));
    for (std::ptrdiff_t qi = 0; qi < nq; ++qi) {
      Hits& h = out[static_cast<std::size_t>(qi)];
      for (std::size_t j = 0; j < kk; ++j) {
        const faiss::Index::idx_t id = lab[static_cast<std::size_t>(qi) * kk + j];
        if (id < 0 || owners()[static_cast<std::size_t>(id)] < 0) continue;
        float s = dist[static_cast<std::size_t>(qi) * kk + j];
        if (rerank) {
          s = Eigen::Map<const Eigen::VectorXf>(q + qi * dim, dim)
                  .dot(Eigen::Map<const Eigen::VectorXf>(e.data() + static_cast<std::size_t>(id) * dim, dim));
        }
        h.emplace_back(s, id);
      }
      std::sort(h.begin(), h.end(),
                [](const auto& a, const auto& b) { return a.first != b.first ? a.first > b.first : a.second < b.second; });
      if (h.size() > k) h.resize(k);
    }
    return out;
  }

  std::vector<std::vector<Match>> search(const Embeddings& probes, int k) const {
    if (k < 1) throw InputError("gallery: search needs k >= 1, got " + std::to_string(k));
    if (probes.cols() != dim)
      throw InputError("gallery: probe dimension " + std::to_string(probes.cols()) + " does not match the gallery's " +
                       std::to_string(dim) + " (embedder '" + embedder + "')");
    if (!probes.allFinite()) throw InputError("gallery: probe embeddings are not finite");
    std::vector<std::vector<Match>> out(static_cast<std::size_t>(probes.rows()));
    if (probes.rows() == 0 || live_ids == 0) return out;
    const std::size_t kid = std::min<std::size_t>(static_cast<std::size_t>(k), live_ids);
    // All-samples: the k best identities are among the (k-1) * max_per_identity + 1 best samples.
    const std::size_t kk =
        std::min(live_entries(), all_mode() ? (kid - 1) * max_entries_per_identity() + 1 : kid);
    const auto hits = index ? faiss_search(probes.data(), probes.rows(), kk) : exact_search(probes.data(), probes.rows(), kk);
    const auto& own = owners();
    for (std::size_t qi = 0; qi < hits.size(); ++qi) {
      std::unordered_set<std::int32_t> seen;
      for (auto [s, entry] : hits[qi]) {
        const std::int32_t slot = own[static_cast<std::size_t>(entry)];
        if (!seen.insert(slot).second) continue;
        out[qi].push_back({ids[static_cast<std::size_t>(slot)].name, s});
        if (out[qi].size() == kid) break;
      }
    }
    return out;
  }
};

// ------------------------------------------------------------------------------------------------
Gallery::Gallery(std::string embedder, int dimension, GalleryOptions options)
    : Gallery(std::move(embedder), dimension, options, std::string()) {}

Gallery::Gallery(std::string embedder, int dimension, GalleryOptions options, std::string flip)
    : impl_(std::make_unique<Impl>()) {
  if (!flip.empty()) flip_policy_from_string(flip);  // validates
  if (embedder.empty()) throw InputError("gallery: the embedder name is empty");
  if (dimension < 1) throw InputError("gallery: dimension must be >= 1, got " + std::to_string(dimension));
  if (options.hnsw_m < 2) throw InputError("gallery: hnsw_m must be >= 2");
  impl_->embedder = std::move(embedder);
  impl_->dim = dimension;
  impl_->opt = options;
  impl_->flip = std::move(flip);
  impl_->sync_index();
}

Gallery::Gallery(const Pipeline& pipeline, GalleryOptions options)
    : Gallery(pipeline.embedder().info().name, pipeline.embedder().dimension(), options,
              to_string(pipeline.embedder().info().flip)) {}

Gallery::~Gallery() = default;
Gallery::Gallery(Gallery&&) noexcept = default;
Gallery& Gallery::operator=(Gallery&&) noexcept = default;

void Gallery::enroll(const std::string& identity, const Embeddings& embeddings) {
  impl_->check_rows(embeddings, identity);
  Impl::WriteLock lock(*impl_);
  impl_->add(std::vector<std::string>(static_cast<std::size_t>(embeddings.rows()), identity), embeddings);
}

void Gallery::enroll(const std::vector<std::string>& identities, const Embeddings& embeddings) {
  if (identities.size() != static_cast<std::size_t>(embeddings.rows()))
    throw InputError("gallery: " + std::to_string(identities.size()) + " identity names for " +
                     std::to_string(embeddings.rows()) + " embeddings");
  if (identities.empty()) throw InputError("gallery: no embeddings given");
  for (const auto& id : identities)
    if (id.empty()) throw InputError("gallery: identity name is empty");
  impl_->check_rows(embeddings, identities.front());
  Impl::WriteLock lock(*impl_);
  impl_->add(identities, embeddings);
}

std::size_t Gallery::enroll(const std::string& identity, const std::vector<cv::Mat>& images, const Pipeline& pipeline) {
  check_embedder(pipeline.embedder().info());
  Embeddings rows(0, impl_->dim);
  std::vector<Eigen::RowVectorXf> found;
  for (const auto& img : images) {
    const auto r = pipeline.process(img);
    const int i = largest_face(r.faces);
    if (i >= 0) found.push_back(r.embeddings.row(i));
  }
  if (found.empty())
    throw InputError("gallery: no face found in any of the " + std::to_string(images.size()) + " image(s) for '" +
                     identity + "'");
  rows.resize(static_cast<Eigen::Index>(found.size()), impl_->dim);
  for (std::size_t i = 0; i < found.size(); ++i) rows.row(static_cast<Eigen::Index>(i)) = found[i];
  enroll(identity, rows);
  return found.size();
}

bool Gallery::remove(const std::string& identity) {
  Impl::WriteLock lock(*impl_);
  return impl_->erase(identity);
}

std::vector<std::vector<Match>> Gallery::search(const Embeddings& probes, int k) const {
  auto lock = impl_->read_lock();
  return impl_->search(probes, k);
}

std::vector<Match> Gallery::search(const Eigen::VectorXf& probe, int k) const {
  Embeddings p = probe.transpose();
  return search(p, k).front();
}

std::vector<Identification> Gallery::identify(const Embeddings& probes, float threshold) const {
  const auto hits = search(probes, 1);
  std::vector<Identification> out(hits.size());
  for (std::size_t i = 0; i < hits.size(); ++i) {
    if (hits[i].empty()) continue;
    out[i].best = hits[i][0].identity;
    out[i].score = hits[i][0].score;
    out[i].known = out[i].score >= threshold;
    if (out[i].known) out[i].identity = out[i].best;
  }
  return out;
}

Identification Gallery::identify(const Eigen::VectorXf& probe, float threshold) const {
  Embeddings p = probe.transpose();
  return identify(p, threshold).front();
}

std::size_t Gallery::size() const {
  auto lock = impl_->read_lock();
  return impl_->live_ids;
}

std::size_t Gallery::num_samples() const {
  auto lock = impl_->read_lock();
  return impl_->sample_owner.size() - impl_->dead_samples;
}

std::size_t Gallery::num_samples(const std::string& identity) const {
  auto lock = impl_->read_lock();
  auto it = impl_->by_name.find(identity);
  return it == impl_->by_name.end() ? 0 : impl_->ids[static_cast<std::size_t>(it->second)].samples.size();
}

bool Gallery::contains(const std::string& identity) const {
  auto lock = impl_->read_lock();
  return impl_->by_name.count(identity) > 0;
}

std::vector<std::string> Gallery::identities() const {
  auto lock = impl_->read_lock();
  std::vector<std::string> out;
  out.reserve(impl_->live_ids);
  for (const auto& id : impl_->ids)
    if (!id.name.empty()) out.push_back(id.name);
  std::sort(out.begin(), out.end());
  return out;
}

Embeddings Gallery::samples(const std::string& identity) const {
  auto lock = impl_->read_lock();
  auto it = impl_->by_name.find(identity);
  if (it == impl_->by_name.end()) throw InputError("gallery: '" + identity + "' is not enrolled");
  const auto& rows = impl_->ids[static_cast<std::size_t>(it->second)].samples;
  Embeddings out(static_cast<Eigen::Index>(rows.size()), impl_->dim);
  for (std::size_t i = 0; i < rows.size(); ++i)
    out.row(static_cast<Eigen::Index>(i)) =
        Eigen::Map<const Eigen::RowVectorXf>(&impl_->samples[static_cast<std::size_t>(rows[i]) * impl_->dim], impl_->dim);
  return out;
}

const std::string& Gallery::embedder() const { return impl_->embedder; }
const std::string& Gallery::flip_policy() const { return impl_->flip; }

void Gallery::check_embedder(const ModelInfo& info) const {
  const std::string flip = to_string(info.flip);
  if (info.name == impl_->embedder && info.embedding_size == impl_->dim && (impl_->flip.empty() || flip == impl_->flip))
    return;
  throw InputError("gallery holds embeddings of '" + impl_->embedder + "' (" + std::to_string(impl_->dim) + "-d" +
                   (impl_->flip.empty() ? "" : ", flip " + impl_->flip) + ") but the embedder in use is '" + info.name +
                   "' (" + std::to_string(info.embedding_size) + "-d, flip " + flip +
                   "): embeddings made with other settings cannot be compared");
}
int Gallery::dimension() const { return impl_->dim; }
const GalleryOptions& Gallery::options() const { return impl_->opt; }

void Gallery::set_search_effort(int hnsw_ef_search, int ivf_nprobe) {
  Impl::WriteLock lock(*impl_);
  if (hnsw_ef_search > 0) {
    impl_->opt.hnsw_ef_search = hnsw_ef_search;
    // FAISS 1.7.3 sizes the search's candidate queue from the index's own efSearch (a larger
    // per-call SearchParametersHNSW::efSearch only changes the stopping rule), so set the field.
    if (auto* h = dynamic_cast<faiss::IndexHNSW*>(impl_->index.get())) h->hnsw.efSearch = hnsw_ef_search;
  }
  if (ivf_nprobe > 0) impl_->opt.ivf_nprobe = ivf_nprobe;
}

void Gallery::set_hnsw_faiss_search(bool on) {
  Impl::WriteLock lock(*impl_);
  impl_->opt.hnsw_faiss_search = on;
}

SearchBackend Gallery::active_backend() const {
  auto lock = impl_->read_lock();
  return impl_->active;
}

std::size_t Gallery::memory_bytes() const {
  auto lock = impl_->read_lock();
  const auto& m = *impl_;
  std::size_t bytes = m.q8.codes.capacity() + (m.q8.scale.capacity() * 3 + m.q8.rowsum.capacity()) * 4 +
                      (m.samples.capacity() + m.templates.capacity()) * sizeof(float) +
                      (m.sample_owner.capacity() + m.template_owner.capacity()) * sizeof(std::int32_t);
  for (const auto& id : m.ids) bytes += sizeof(id) + id.name.capacity() + id.samples.capacity() * sizeof(std::int64_t);
  if (m.index) {
    if (auto* h = dynamic_cast<const faiss::IndexHNSW*>(m.index.get())) {
      if (auto* codes = dynamic_cast<const faiss::IndexFlatCodes*>(h->storage)) bytes += codes->codes.capacity();
      bytes += h->hnsw.neighbors.capacity() * sizeof(faiss::HNSW::storage_idx_t) +
               h->hnsw.offsets.capacity() * sizeof(std::size_t) + h->hnsw.levels.capacity() * sizeof(int);
    } else if (auto* f = dynamic_cast<const faiss::IndexFlat*>(m.index.get())) {
      bytes += f->codes.capacity();
    } else if (auto* p = dynamic_cast<const faiss::IndexIVFPQ*>(m.index.get())) {
      bytes += p->ntotal * (p->code_size + sizeof(faiss::Index::idx_t)) + p->pq.centroids.size() * sizeof(float) +
               p->nlist * static_cast<std::size_t>(m.dim) * sizeof(float);
    }
  }
  return bytes;
}

void Gallery::save(const std::string& path) const {
  auto lock = impl_->read_lock();
  detail::GalleryFileContents c;
  c.embedder = impl_->embedder;
  c.dimension = impl_->dim;
  c.match = to_string(impl_->opt.match);
  c.flip = impl_->flip;
  for (const auto& id : impl_->ids) {
    if (id.name.empty()) continue;
    c.identities.push_back({id.name, &id.samples});
  }
  c.samples = &impl_->samples;
  detail::write_gallery_file(path, c);
}

Gallery Gallery::load(const std::string& path, GalleryOptions options) {
  auto data = detail::read_gallery_file(path);
  options.match = match_mode_from_string(data.match);  // the file remembers how it was enrolled
  Gallery g(data.embedder, data.dimension, options, data.flip);
  Impl::WriteLock lock(*g.impl_);
  g.impl_->add(data.names, data.rows);
  return g;
}

Gallery Gallery::update(const std::string& path, const std::function<void(Gallery&)>& edit,
                        const std::function<Gallery()>& create, GalleryOptions options) {
  if (!edit) throw InputError("Gallery::update: no edit function given");
  detail::FileLock lock(path, "gallery file");
  if (lock.nested())  // the outer update would overwrite what this one saves
    throw InputError("Gallery::update: '" + path + "' is already being updated by this thread (nested update)");
  std::error_code ec;
  Gallery g = [&] {
    if (std::filesystem::exists(path, ec)) return load(path, options);
    if (!create) throw IoError("gallery file '" + path + "' does not exist (and no way to create it was given)");
    return create();
  }();
  edit(g);
  g.save(path);  // the lock is held by this thread: save does not take it again
  return g;
}

struct GalleryFileLock::Impl {
  explicit Impl(const std::string& path) : lock(path, "gallery file") {}
  detail::FileLock lock;
};
GalleryFileLock::GalleryFileLock(const std::string& path) : impl_(std::make_unique<Impl>(path)) {}
GalleryFileLock::~GalleryFileLock() = default;
bool GalleryFileLock::nested() const { return impl_->lock.nested(); }

}  // namespace arcface
