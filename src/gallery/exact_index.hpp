#pragma once
// Exact search: one GEMM over the entry matrix, multi-threaded, with an optional 8-bit first pass
// (AVX-512 VNNI) that proves which rows cannot be in the top k. Results equal the fp32 scan's. Internal.

#include "gallery/int8_scan.hpp"
#include "gallery/vector_index.hpp"

namespace arcface::detail {

class ExactIndex final : public VectorIndex {
 public:
  /// @p prefilter: use the 8-bit first pass when the CPU has VNNI and there are enough entries.
  ExactIndex(int dim, bool prefilter) : dim_(dim), prefilter_(prefilter) {}
  void add(const EntryView& view) override;
  std::vector<Hits> search(const EntryView& view, const float* q, std::ptrdiff_t nq, std::size_t k,
                           const SearchSettings& settings) const override;
  std::size_t memory_bytes() const override;

 private:
  std::vector<Hits> gemm_search(const EntryView& view, const float* q, std::ptrdiff_t nq, std::size_t k,
                                int threads) const;
  std::vector<Hits> int8_search(const EntryView& view, const float* q, std::ptrdiff_t nq, std::size_t k,
                                int threads) const;
  int dim_;
  bool prefilter_;
  Int8Rows q8_;  // 8-bit copies of the entries (empty when not used)
};

}  // namespace arcface::detail
