#include "gallery/hnsw_search.hpp"

#include <algorithm>
#include <functional>

namespace arcface::detail {
namespace {

using Id = faiss::HNSW::storage_idx_t;
using Node = std::pair<float, Id>;

void prefetch_code(const std::uint8_t* code, std::size_t bytes) {
  for (std::size_t off = 0; off < bytes; off += 64) __builtin_prefetch(code + off, 0, 3);
}

// Greedy descent on one upper layer: move to the best neighbour while it improves.
void greedy(const faiss::HNSW& g, faiss::DistanceComputer& dc, int level, Id& cur, float& best) {
  for (bool moved = true; moved;) {
    moved = false;
    std::size_t b, e;
    g.neighbor_range(cur, level, &b, &e);
    for (std::size_t j = b; j < e; ++j) {
      const Id v = g.neighbors[j];
      if (v < 0) break;
      const float s = dc(v);
      if (s > best) best = s, cur = v, moved = true;
    }
  }
}

}  // namespace

std::vector<std::pair<float, std::int64_t>> hnsw_search(const faiss::HNSW& g, faiss::DistanceComputer& dc,
                                                        const std::uint8_t* codes, std::size_t code_size,
                                                        std::size_t ntotal, int ef, std::size_t k,
                                                        const std::function<bool(std::int64_t)>& keep,
                                                        HnswScratch& sc) {
  std::vector<std::pair<float, std::int64_t>> out;
  if (g.entry_point < 0 || ntotal == 0) return out;
  if (sc.visited.size() < ntotal) sc.visited.assign(ntotal, 0), sc.epoch = 0;
  if (++sc.epoch == 0) std::fill(sc.visited.begin(), sc.visited.end(), 0), sc.epoch = 1;
  const std::uint32_t epoch = sc.epoch;
  const std::size_t width = std::max<std::size_t>(static_cast<std::size_t>(std::max(ef, 1)), k);

  Id cur = g.entry_point;
  float best = dc(cur);
  for (int level = g.max_level; level >= 1; --level) greedy(g, dc, level, cur, best);

  // candidates: max-heap on similarity (best first); results: min-heap of the `width` best seen.
  auto worse = [](const Node& a, const Node& b) { return a.first > b.first; };   // min-heap order
  auto better = [](const Node& a, const Node& b) { return a.first < b.first; };  // max-heap order
  auto& cand = sc.candidates;
  auto& res = sc.results;
  cand.clear();
  res.clear();
  cand.push_back({best, cur});
  if (!keep || keep(cur)) res.push_back({best, cur});
  sc.visited[static_cast<std::size_t>(cur)] = epoch;
  while (!cand.empty()) {
    std::pop_heap(cand.begin(), cand.end(), better);
    const Node c = cand.back();
    cand.pop_back();
    if (res.size() >= width && c.first < res.front().first) break;
    std::size_t b, e;
    g.neighbor_range(c.second, 0, &b, &e);
    auto& batch = sc.batch;
    batch.clear();
    for (std::size_t j = b; j < e; ++j) {
      const Id v = g.neighbors[j];
      if (v < 0) break;
      auto& mark = sc.visited[static_cast<std::size_t>(v)];
      if (mark == epoch) continue;
      mark = epoch;
      batch.push_back(v);
      prefetch_code(codes + static_cast<std::size_t>(v) * code_size, code_size);
    }
    for (const Id v : batch) {
      const float s = dc(v);
      if (res.size() < width || s > res.front().first) {
        cand.push_back({s, v});
        std::push_heap(cand.begin(), cand.end(), better);
        if (keep && !keep(v)) continue;  // removed: a way through the graph, not a result
        res.push_back({s, v});
        std::push_heap(res.begin(), res.end(), worse);
        if (res.size() > width) {
          std::pop_heap(res.begin(), res.end(), worse);
          res.pop_back();
        }
      }
    }
  }
  std::sort(res.begin(), res.end(), [](const Node& a, const Node& b) { return a.first != b.first ? a.first > b.first : a.second < b.second; });
  for (const Node& n : res) {
    if (out.size() == k) break;
    out.emplace_back(n.first, n.second);
  }
  return out;
}

}  // namespace arcface::detail
