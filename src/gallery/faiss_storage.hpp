#pragma once
// FAISS flat storages whose inner products use this library's SIMD kernels, for the HNSW graph and
// the IVF coarse quantizer, and the glue every FAISS call needs. Internal; the only gallery files
// that see FAISS are this one, faiss_index.*, hnsw_index.cpp, ivfpq_index.cpp and hnsw_search.*.

#include <cstdint>
#include <string>
#include <vector>

#include <faiss/IndexFlat.h>
#include <faiss/IndexFlatCodes.h>
#include <faiss/impl/DistanceComputer.h>
#include <faiss/impl/FaissException.h>
#include <faiss/impl/IDSelector.h>

#include "arcface/error.hpp"

namespace arcface::detail {

/// Runs @p f, turning a FAISS exception into arcface::Error naming what was being done.
template <class F>
auto faiss_call(const char* what, F&& f) -> decltype(f()) {
  try {
    return f();
  } catch (const faiss::FaissException& e) {
    throw Error(std::string("gallery: FAISS failed to ") + what + ": " + e.what());
  }
}

/// FAISS selector: entries whose owner is not -1.
struct AliveSelector : faiss::IDSelector {
  const std::int32_t* owner = nullptr;
  bool is_member(faiss::Index::idx_t id) const override { return owner[id] >= 0; }
};

/// IndexFlatIP with this library's dot/GEMM kernels. Debian builds FAISS without SIMD: its scalar
/// inner product made HNSW construction ~20x slower.
struct FastFlatIP : faiss::IndexFlatIP {
  using idx_t = faiss::Index::idx_t;
  explicit FastFlatIP(int d) : faiss::IndexFlatIP(d) {}
  faiss::FlatCodesDistanceComputer* get_FlatCodesDistanceComputer() const override;
  void search(idx_t n, const float* x, idx_t k, float* distances, idx_t* labels,
              const faiss::SearchParameters* params = nullptr) const override;
};

/// Flat storage of 8-bit codes (per row: dim4 signed codes, float scale, int32 code sum) with
/// AVX-512 VNNI inner products: a quarter of fp32's memory traffic, which bounds HNSW on 512-d
/// vectors. Scores are approximate (about 1e-2): the gallery re-ranks candidates (RefineIndex).
struct Sq8FlatIP : faiss::IndexFlatCodes {
  using idx_t = faiss::Index::idx_t;
  std::size_t dim4;
  explicit Sq8FlatIP(int d);
  void sa_encode(idx_t n, const float* x, uint8_t* bytes) const override;
  void sa_decode(idx_t n, const uint8_t* bytes, float* x) const override;
  faiss::FlatCodesDistanceComputer* get_FlatCodesDistanceComputer() const override;
  /// Brute force (FAISS's Index interface requires it; the gallery searches through the graph).
  void search(idx_t n, const float* x, idx_t k, float* distances, idx_t* labels,
              const faiss::SearchParameters* params = nullptr) const override;
};

}  // namespace arcface::detail
