#pragma once
// Beam search over a FAISS HNSW graph (the graph FAISS builds; the search is this library's).
//
// FAISS 1.7.3's HNSW::search keeps its candidates in a MinimaxHeap whose pop and stopping test scan
// the whole beam (O(ef) per expanded node) and reads each neighbour's vector without prefetching,
// so at the wide beams that large galleries need the heap, not the distances, dominates. This
// search visits the same nodes in the same order (greedy descent through the upper layers, then a
// best-first beam of width ef on layer 0, stopping when the best candidate left is worse than the
// ef-th result) with binary heaps and the neighbours' codes prefetched before they are scored.
#include <cstdint>
#include <functional>
#include <utility>
#include <vector>

#include <faiss/impl/HNSW.h>
#include <faiss/impl/DistanceComputer.h>

namespace arcface::detail {

/// Per-thread scratch: the visited marks (epoch per node) and the heaps, reused between queries.
struct HnswScratch {
  std::vector<std::uint32_t> visited;
  std::uint32_t epoch = 0;
  std::vector<std::pair<float, faiss::HNSW::storage_idx_t>> candidates, results;
  std::vector<faiss::HNSW::storage_idx_t> batch;
};

/// The k best (similarity, node) pairs for the query already set in `dc` (a similarity: larger is
/// better), best first. `codes`/`code_size`: the storage's flat codes, for prefetching. `keep(i)`,
/// when given, says whether node i may be returned (removed entries are still traversed, as in FAISS).
std::vector<std::pair<float, std::int64_t>> hnsw_search(const faiss::HNSW& graph, faiss::DistanceComputer& dc,
                                                        const std::uint8_t* codes, std::size_t code_size,
                                                        std::size_t ntotal, int ef, std::size_t k,
                                                        const std::function<bool(std::int64_t)>& keep,
                                                        HnswScratch& scratch);

}  // namespace arcface::detail
