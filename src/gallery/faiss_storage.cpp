#include "gallery/faiss_storage.hpp"

#include <algorithm>
#include <cstring>

#include "gallery/exact_kernel.hpp"
#include "gallery/int8_scan.hpp"
#include "gallery/top_k.hpp"

namespace arcface::detail {

namespace {

using idx_t = faiss::Index::idx_t;

void write_top(Hits best, idx_t qi, idx_t k, float* distances, idx_t* labels) {
  for (idx_t j = 0; j < k; ++j) {
    const bool have = static_cast<std::size_t>(j) < best.size();
    distances[qi * k + j] = have ? best[static_cast<std::size_t>(j)].first : -INFINITY;
    labels[qi * k + j] = have ? best[static_cast<std::size_t>(j)].second : -1;
  }
}

struct FastDistances : faiss::FlatCodesDistanceComputer {
  const float* base;
  std::ptrdiff_t d;
  const float* q = nullptr;
  DotFn dot = dot_kernel();
  explicit FastDistances(const FastFlatIP& s)
      : faiss::FlatCodesDistanceComputer(s.codes.data(), s.code_size),
        base(reinterpret_cast<const float*>(s.codes.data())),
        d(s.d) {}
  void set_query(const float* x) override { q = x; }
  float distance_to_code(const uint8_t* code) override { return dot(q, reinterpret_cast<const float*>(code), d); }
  float symmetric_dis(idx_t i, idx_t j) override { return dot(base + i * d, base + j * d, d); }
};

struct Sq8Distances : faiss::FlatCodesDistanceComputer {
  const Sq8FlatIP& s;
  std::vector<std::uint8_t> q;  // query codes + 128
  float qscale = 1.f;
  explicit Sq8Distances(const Sq8FlatIP& st)
      : faiss::FlatCodesDistanceComputer(st.codes.data(), st.code_size), s(st), q(st.dim4, 128) {}
  void set_query(const float* x) override {
    std::vector<std::int8_t> c(s.dim4, 0);
    std::int32_t sum;
    quantise_row(x, s.d, c.data(), qscale, sum);
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
    const std::int32_t dot = dot_u8s8_vnni(q.data(), reinterpret_cast<const std::int8_t*>(code), s.dim4) - 128 * sum;
    return qscale * scale * static_cast<float>(dot);
  }
  float symmetric_dis(idx_t i, idx_t j) override {
    const uint8_t* a = s.codes.data() + i * s.code_size;
    const uint8_t* b = s.codes.data() + j * s.code_size;
    float sa, sb;
    std::int32_t suma, sumb;
    tail(a, s.dim4, sa, suma);
    tail(b, s.dim4, sb, sumb);
    const std::int32_t dot =
        dot_s8s8_offset_vnni(reinterpret_cast<const std::int8_t*>(a), reinterpret_cast<const std::int8_t*>(b), s.dim4) -
        128 * sumb;
    return sa * sb * static_cast<float>(dot);
  }
};

}  // namespace

faiss::FlatCodesDistanceComputer* FastFlatIP::get_FlatCodesDistanceComputer() const { return new FastDistances(*this); }

void FastFlatIP::search(idx_t n, const float* x, idx_t k, float* distances, idx_t* labels,
                        const faiss::SearchParameters* params) const {
  if (params && params->sel) return faiss::IndexFlatIP::search(n, x, k, distances, labels, params);
  const float* base = reinterpret_cast<const float*>(codes.data());
  const std::ptrdiff_t block = 4096;
#pragma omp parallel for schedule(dynamic, 1)
  for (idx_t qi = 0; qi < n; ++qi) {
    TopK top(static_cast<std::size_t>(k));
    std::vector<float> s(static_cast<std::size_t>(std::min<std::ptrdiff_t>(block, ntotal)));
    for (std::ptrdiff_t r0 = 0; r0 < ntotal; r0 += block) {
      const std::ptrdiff_t rows = std::min<std::ptrdiff_t>(block, ntotal - r0);
      gemm_nt(x + qi * d, 1, base + r0 * d, rows, d, s.data());
      for (std::ptrdiff_t j = 0; j < rows; ++j)
        if (s[static_cast<std::size_t>(j)] > top.floor()) top.push(s[static_cast<std::size_t>(j)], r0 + j);
    }
    write_top(std::move(top).sorted(), qi, k, distances, labels);
  }
}

Sq8FlatIP::Sq8FlatIP(int d)
    : faiss::IndexFlatCodes(static_cast<std::size_t>((d + 3) / 4 * 4) + 8, d, faiss::METRIC_INNER_PRODUCT),
      dim4(static_cast<std::size_t>((d + 3) / 4 * 4)) {}

void Sq8FlatIP::sa_encode(idx_t n, const float* x, uint8_t* bytes) const {
  for (idx_t i = 0; i < n; ++i) {
    uint8_t* c = bytes + i * code_size;
    std::fill(c, c + code_size, 0);
    float scale;
    std::int32_t sum;
    quantise_row(x + i * d, d, reinterpret_cast<std::int8_t*>(c), scale, sum);
    std::memcpy(c + dim4, &scale, 4);
    std::memcpy(c + dim4 + 4, &sum, 4);
  }
}

void Sq8FlatIP::sa_decode(idx_t n, const uint8_t* bytes, float* x) const {
  for (idx_t i = 0; i < n; ++i) {
    const uint8_t* c = bytes + i * code_size;
    float scale;
    std::memcpy(&scale, c + dim4, 4);
    for (int k = 0; k < d; ++k) x[i * d + k] = scale * static_cast<float>(reinterpret_cast<const std::int8_t*>(c)[k]);
  }
}

faiss::FlatCodesDistanceComputer* Sq8FlatIP::get_FlatCodesDistanceComputer() const { return new Sq8Distances(*this); }

void Sq8FlatIP::search(idx_t n, const float* x, idx_t k, float* distances, idx_t* labels,
                       const faiss::SearchParameters*) const {
  for (idx_t qi = 0; qi < n; ++qi) {
    Sq8Distances dc(*this);
    dc.set_query(x + qi * d);
    TopK top(static_cast<std::size_t>(k));
    for (idx_t i = 0; i < ntotal; ++i) top.push(dc(i), i);
    write_top(std::move(top).sorted(), qi, k, distances, labels);
  }
}

}  // namespace arcface::detail
