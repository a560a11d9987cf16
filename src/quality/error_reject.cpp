// The error-versus-reject curve of a quality measure on verification pairs.
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <numeric>

#include "arcface/error.hpp"
#include "arcface/quality.hpp"

namespace arcface {

std::vector<RejectPoint> error_versus_reject(const std::vector<float>& scores, const std::vector<bool>& same,
                                             const std::vector<float>& pair_quality, float threshold,
                                             const std::vector<double>& fractions) {
  const size_t n = scores.size();
  if (n == 0) throw InputError("error_versus_reject: no pairs");
  if (same.size() != n || pair_quality.size() != n)
    throw InputError("error_versus_reject: " + std::to_string(n) + " scores but " + std::to_string(same.size()) +
                     " labels and " + std::to_string(pair_quality.size()) + " qualities");
  std::vector<size_t> order(n);
  std::iota(order.begin(), order.end(), 0);
  // Equal qualities are rejected in a fixed pseudo-random order: in input order, the layout of
  // the pair file (LFW lists its genuine pairs first) would decide which of them go first.
  auto mix = [](size_t i) {
    std::uint64_t x = i + 0x9e3779b97f4a7c15ULL;
    x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
    x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
    return x ^ (x >> 31);
  };
  std::sort(order.begin(), order.end(), [&](size_t a, size_t b) {
    return pair_quality[a] != pair_quality[b] ? pair_quality[a] < pair_quality[b] : mix(a) < mix(b);
  });
  std::vector<RejectPoint> out;
  for (const double f : fractions) {
    if (!(f >= 0 && f < 1)) throw InputError("error_versus_reject: reject fraction " + std::to_string(f) + " not in [0, 1)");
    const size_t rejected = static_cast<size_t>(std::llround(f * static_cast<double>(n)));
    RejectPoint p;
    p.reject_fraction = f;
    p.quality_cutoff = rejected > 0 ? pair_quality[order[rejected - 1]] : 0.f;
    for (size_t k = rejected; k < n; ++k) {
      const size_t i = order[k];
      ++p.kept;
      p.errors += (scores[i] >= threshold) != static_cast<bool>(same[i]);
    }
    p.error = p.kept > 0 ? static_cast<double>(p.errors) / p.kept : 0.0;
    out.push_back(p);
  }
  return out;
}

}  // namespace arcface
