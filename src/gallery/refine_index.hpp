#pragma once
// An approximate index's candidates re-ranked by exact inner products (as FAISS's IndexRefine):
// fetches max(4k, k + 32) candidates, re-scores them with the fp32 entries, keeps the best k. Internal.

#include <memory>

#include "gallery/vector_index.hpp"

namespace arcface::detail {

class RefineIndex final : public VectorIndex {
 public:
  explicit RefineIndex(std::unique_ptr<VectorIndex> base) : base_(std::move(base)) {}
  void add(const EntryView& view) override {
    base_->add(view);
    indexed_ = base_->indexed();
  }
  std::vector<Hits> search(const EntryView& view, const float* q, std::ptrdiff_t nq, std::size_t k,
                           const SearchSettings& settings) const override;
  std::size_t memory_bytes() const override { return base_->memory_bytes(); }
  void set_ef_search(int ef) override { base_->set_ef_search(ef); }

 private:
  std::unique_ptr<VectorIndex> base_;
};

}  // namespace arcface::detail
