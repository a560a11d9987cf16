#pragma once
// A bounded min-heap of (score, entry): the k best scores of one query. Internal.

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <utility>
#include <vector>

namespace arcface::detail {

/// (score, entry) pairs, best first.
using Hits = std::vector<std::pair<float, std::int64_t>>;

/// Orders hits best first; ties broken by entry index so that results are deterministic.
inline bool better_hit(const std::pair<float, std::int64_t>& a, const std::pair<float, std::int64_t>& b) {
  return a.first != b.first ? a.first > b.first : a.second < b.second;
}

class TopK {
 public:
  explicit TopK(std::size_t k = 0) : k_(k) { heap_.reserve(k); }
  /// The score a new entry must beat (-inf until k entries are held).
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
  Hits sorted() && {
    std::sort(heap_.begin(), heap_.end(), better_hit);
    return std::move(heap_);
  }

 private:
  static bool cmp(const std::pair<float, std::int64_t>& a, const std::pair<float, std::int64_t>& b) {
    return a.first > b.first;  // min-heap on score
  }
  std::size_t k_;
  Hits heap_;
};

}  // namespace arcface::detail
