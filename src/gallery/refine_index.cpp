#include "gallery/refine_index.hpp"

#include <algorithm>

#include <Eigen/Core>

namespace arcface::detail {

std::vector<Hits> RefineIndex::search(const EntryView& view, const float* q, std::ptrdiff_t nq, std::size_t k,
                                      const SearchSettings& settings) const {
  const std::size_t kk = std::min(view.live(), std::max<std::size_t>(4 * k, k + 32));
  auto hits = base_->search(view, q, nq, kk, settings);
  for (std::ptrdiff_t qi = 0; qi < nq; ++qi) {
    Hits& h = hits[static_cast<std::size_t>(qi)];
    const Eigen::Map<const Eigen::VectorXf> probe(q + qi * view.dim, view.dim);
    for (auto& [score, entry] : h) score = probe.dot(Eigen::Map<const Eigen::VectorXf>(view.row(entry), view.dim));
    std::sort(h.begin(), h.end(), better_hit);
    if (h.size() > k) h.resize(k);
  }
  return hits;
}

}  // namespace arcface::detail
