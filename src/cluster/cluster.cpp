#include "arcface/cluster.hpp"

#include <algorithm>
#include <map>
#include <numeric>
#include <random>
#include <string>
#include <unordered_map>

#include "arcface/error.hpp"

namespace arcface {

std::vector<int> cluster_faces(const Embeddings& e, const ClusterOptions& o) {
  if (o.iterations < 1) throw InputError("cluster: iterations must be >= 1");
  if (!e.allFinite()) throw InputError("cluster: embeddings are not finite");
  const Eigen::Index n = e.rows();
  if (n == 0) return {};
  // Adjacency lists of the thresholded similarity graph, computed in row blocks.
  std::vector<std::vector<std::pair<int, float>>> adj(static_cast<std::size_t>(n));
  const Eigen::Index block = 1024;
  for (Eigen::Index r0 = 0; r0 < n; r0 += block) {
    const Eigen::Index rows = std::min(block, n - r0);
    const Eigen::MatrixXf s = e.middleRows(r0, rows) * e.transpose();
    for (Eigen::Index i = 0; i < rows; ++i)
      for (Eigen::Index j = 0; j < n; ++j)
        if (j != r0 + i && s(i, j) >= o.threshold)
          adj[static_cast<std::size_t>(r0 + i)].emplace_back(static_cast<int>(j), s(i, j));
  }
  std::vector<int> label(static_cast<std::size_t>(n));
  std::iota(label.begin(), label.end(), 0);
  std::vector<int> order(label);
  std::mt19937_64 rng(o.seed);
  std::unordered_map<int, float> votes;
  for (int it = 0; it < o.iterations; ++it) {
    std::shuffle(order.begin(), order.end(), rng);
    bool changed = false;
    for (int v : order) {
      const auto& nb = adj[static_cast<std::size_t>(v)];
      if (nb.empty()) continue;
      votes.clear();
      for (auto [u, w] : nb) votes[label[static_cast<std::size_t>(u)]] += w;
      int best = label[static_cast<std::size_t>(v)];
      float best_w = -1.f;
      for (auto [l, w] : votes)
        if (w > best_w || (w == best_w && l < best)) best = l, best_w = w;
      if (best != label[static_cast<std::size_t>(v)]) {
        label[static_cast<std::size_t>(v)] = best;
        changed = true;
      }
    }
    if (!changed) break;
  }
  // Renumber by decreasing size, ties by first occurrence.
  std::map<int, std::pair<int, int>> stats;  // label -> (size, first row)
  for (int i = 0; i < static_cast<int>(n); ++i) {
    auto [it, fresh] = stats.try_emplace(label[static_cast<std::size_t>(i)], 0, i);
    ++it->second.first;
  }
  std::vector<std::pair<int, std::pair<int, int>>> v(stats.begin(), stats.end());
  std::sort(v.begin(), v.end(), [](const auto& a, const auto& b) {
    return a.second.first != b.second.first ? a.second.first > b.second.first : a.second.second < b.second.second;
  });
  std::unordered_map<int, int> remap;
  for (std::size_t i = 0; i < v.size(); ++i) remap[v[i].first] = static_cast<int>(i);
  for (auto& l : label) l = remap[l];
  return label;
}

PairwiseScores pairwise_scores(const std::vector<int>& predicted, const std::vector<int>& truth) {
  if (predicted.size() != truth.size())
    throw InputError("pairwise_scores: " + std::to_string(predicted.size()) + " predicted labels but " +
                     std::to_string(truth.size()) + " true labels");
  auto pairs = [](std::uint64_t c) { return c * (c - 1) / 2; };
  std::map<int, std::uint64_t> pc, tc;
  std::map<std::pair<int, int>, std::uint64_t> both;
  for (std::size_t i = 0; i < truth.size(); ++i) {
    ++pc[predicted[i]];
    ++tc[truth[i]];
    ++both[{predicted[i], truth[i]}];
  }
  PairwiseScores s;
  for (auto& [l, c] : pc) s.predicted_pairs += pairs(c);
  for (auto& [l, c] : tc) s.true_pairs += pairs(c);
  for (auto& [l, c] : both) s.correct_pairs += pairs(c);
  s.precision = s.predicted_pairs ? static_cast<double>(s.correct_pairs) / static_cast<double>(s.predicted_pairs) : 1.0;
  s.recall = s.true_pairs ? static_cast<double>(s.correct_pairs) / static_cast<double>(s.true_pairs) : 1.0;
  s.f1 = s.precision + s.recall > 0 ? 2 * s.precision * s.recall / (s.precision + s.recall) : 0.0;
  return s;
}

}  // namespace arcface
