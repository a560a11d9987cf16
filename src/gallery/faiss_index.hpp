#pragma once
// FAISS-backed indexes: the common search path (selector for removed entries, per-call parameters,
// FAISS exceptions turned into arcface::Error) and one subclass per FAISS index type. Internal.

#include <memory>

#include <faiss/Index.h>

#include "gallery/vector_index.hpp"

namespace faiss {
struct IndexHNSW;
struct IndexIVFPQ;
}  // namespace faiss

namespace arcface::detail {

class FaissIndex : public VectorIndex {
 public:
  void add(const EntryView& view) override;
  std::vector<Hits> search(const EntryView& view, const float* q, std::ptrdiff_t nq, std::size_t k,
                           const SearchSettings& settings) const override;

 protected:
  FaissIndex(std::unique_ptr<faiss::Index> index, int threads) : index_(std::move(index)), threads_(threads) {}
  /// FAISS search parameters for one call fetching @p k candidates.
  virtual std::unique_ptr<faiss::SearchParameters> parameters(const SearchSettings& settings, std::size_t k) const;
  /// Turns FAISS's (distance, label) arrays (nq x k) into hits of live entries, best first.
  static std::vector<Hits> collect(const EntryView& view, const float* dist, const faiss::Index::idx_t* labels,
                                   std::ptrdiff_t nq, std::size_t k);
  std::unique_ptr<faiss::Index> index_;
  int threads_;  // GalleryOptions::threads, for building
};

/// FAISS IndexFlatIP: exact brute force inside FAISS (the FaissFlat backend).
class FaissFlatIndex final : public FaissIndex {
 public:
  FaissFlatIndex(int dim, int threads);
  std::size_t memory_bytes() const override;
};

/// HNSW graph over fp32 rows (FastFlatIP) or, where the CPU has AVX-512 VNNI, 8-bit codes (Sq8FlatIP,
/// approximate scores). Searched by detail::hnsw_search unless SearchSettings::hnsw_faiss_search.
class HnswIndex final : public FaissIndex {
 public:
  HnswIndex(int dim, const GalleryOptions& options);
  std::vector<Hits> search(const EntryView& view, const float* q, std::ptrdiff_t nq, std::size_t k,
                           const SearchSettings& settings) const override;
  std::size_t memory_bytes() const override;
  bool approximate() const override { return approximate_; }
  void set_ef_search(int ef) override;

 protected:
  std::unique_ptr<faiss::SearchParameters> parameters(const SearchSettings& settings, std::size_t k) const override;

 private:
  faiss::IndexHNSW& hnsw() const;
  bool approximate_;
};

/// IVF with product quantisation, trained at construction on the live entries of the view (coarse
/// centroids by spherical k-means, PQ by FAISS); scores are approximate.
class IvfPqIndex final : public FaissIndex {
 public:
  IvfPqIndex(const EntryView& view, const GalleryOptions& options);
  void add(const EntryView& view) override;
  std::size_t memory_bytes() const override;
  bool approximate() const override { return true; }

 protected:
  std::unique_ptr<faiss::SearchParameters> parameters(const SearchSettings& settings, std::size_t k) const override;

 private:
  faiss::IndexIVFPQ& ivf() const;
  int dim_;
};

}  // namespace arcface::detail
