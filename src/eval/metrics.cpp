#include "arcface/metrics.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>
#include <string>

#include "arcface/error.hpp"

namespace arcface {

float best_threshold(const std::vector<float>& scores, const std::vector<bool>& same) {
  if (scores.empty() || scores.size() != same.size())
    throw InputError("best_threshold needs as many labels as scores, and at least one");
  std::vector<int> order(scores.size());
  std::iota(order.begin(), order.end(), 0);
  std::sort(order.begin(), order.end(), [&](int a, int b) { return scores[a] < scores[b]; });
  // Threshold below order[k] (k = 0..n): pairs [0, k) are "different", [k, n) "same".
  long positives = std::count(same.begin(), same.end(), true);
  long correct = positives;  // k = 0: everything "same"
  long best = correct;
  size_t best_k = 0;
  for (size_t k = 1; k <= order.size(); ++k) {
    correct += same[order[k - 1]] ? -1 : 1;
    const bool tie_next = k < order.size() && scores[order[k]] == scores[order[k - 1]];
    if (!tie_next && correct > best) best = correct, best_k = k;
  }
  if (best_k == 0) return scores[order[0]] - 1e-6f;
  if (best_k == order.size()) return scores[order.back()] + 1e-6f;
  return 0.5f * (scores[order[best_k - 1]] + scores[order[best_k]]);
}

double verification_accuracy(const std::vector<float>& scores, const std::vector<bool>& same, float threshold) {
  if (scores.empty() || scores.size() != same.size()) throw InputError("accuracy needs as many labels as scores");
  size_t ok = 0;
  for (size_t i = 0; i < scores.size(); ++i) ok += (scores[i] >= threshold) == same[i];
  return static_cast<double>(ok) / scores.size();
}

VerificationMetrics verification_metrics(const std::vector<float>& scores, const std::vector<bool>& same,
                                         const std::vector<double>& fars) {
  if (scores.size() != same.size() || scores.empty()) throw InputError("metrics need as many labels as scores");
  VerificationMetrics m;
  m.positives = static_cast<int>(std::count(same.begin(), same.end(), true));
  m.negatives = static_cast<int>(same.size()) - m.positives;
  if (m.positives == 0 || m.negatives == 0) throw InputError("metrics need both genuine and impostor pairs");
  std::vector<int> order(scores.size());
  std::iota(order.begin(), order.end(), 0);
  std::sort(order.begin(), order.end(), [&](int a, int b) { return scores[a] > scores[b]; });
  // Sweep thresholds from high to low; one ROC point per distinct score.
  m.roc.push_back({std::numeric_limits<float>::infinity(), 0.0, 0.0});
  long tp = 0, fp = 0;
  for (size_t k = 0; k < order.size(); ++k) {
    (same[order[k]] ? tp : fp) += 1;
    if (k + 1 < order.size() && scores[order[k + 1]] == scores[order[k]]) continue;
    m.roc.push_back({scores[order[k]], static_cast<double>(fp) / m.negatives, static_cast<double>(tp) / m.positives});
  }
  for (size_t i = 1; i < m.roc.size(); ++i)
    m.auc += (m.roc[i].far - m.roc[i - 1].far) * (m.roc[i].tar + m.roc[i - 1].tar) / 2;
  // EER: where FRR (1 - TAR) crosses FAR.
  for (size_t i = 1; i < m.roc.size(); ++i) {
    const double d0 = (1 - m.roc[i - 1].tar) - m.roc[i - 1].far, d1 = (1 - m.roc[i].tar) - m.roc[i].far;
    if (d0 >= 0 && d1 <= 0) {
      const double t = d0 == d1 ? 0 : d0 / (d0 - d1);
      m.eer = m.roc[i - 1].far + t * (m.roc[i].far - m.roc[i - 1].far);
      const float t0 = std::isinf(m.roc[i - 1].threshold) ? m.roc[i].threshold : m.roc[i - 1].threshold;
      m.eer_threshold = static_cast<float>(t0 + t * (m.roc[i].threshold - t0));
      break;
    }
  }
  for (double far : fars) {
    TarAtFar t;
    t.target_far = far;
    t.enough_negatives = m.negatives * far >= 1.0;
    for (const auto& p : m.roc)
      if (p.far <= far + 1e-12 && p.tar >= t.tar) t.tar = p.tar, t.threshold = p.threshold;
    m.tar_at_far.push_back(t);
  }
  m.best_threshold = best_threshold(scores, same);
  m.best_accuracy = verification_accuracy(scores, same, m.best_threshold);
  return m;
}

KFoldResult kfold_accuracy(const std::vector<float>& scores, const std::vector<bool>& same,
                           const std::vector<int>& fold, int num_folds) {
  if (num_folds < 2) throw InputError("k-fold evaluation needs at least 2 folds");
  if (scores.size() != same.size() || scores.size() != fold.size()) throw InputError("k-fold inputs differ in length");
  KFoldResult r;
  for (int f = 0; f < num_folds; ++f) {
    std::vector<float> tr_s, te_s;
    std::vector<bool> tr_y, te_y;
    for (size_t i = 0; i < scores.size(); ++i) {
      if (fold[i] < 0 || fold[i] >= num_folds) throw InputError("fold index out of range");
      (fold[i] == f ? te_s : tr_s).push_back(scores[i]);
      (fold[i] == f ? te_y : tr_y).push_back(same[i]);
    }
    if (te_s.empty() || tr_s.empty()) throw InputError("fold " + std::to_string(f) + " is empty");
    const float t = best_threshold(tr_s, tr_y);
    r.threshold.push_back(t);
    r.accuracy.push_back(verification_accuracy(te_s, te_y, t));
  }
  r.mean = std::accumulate(r.accuracy.begin(), r.accuracy.end(), 0.0) / num_folds;
  double var = 0;
  for (double a : r.accuracy) var += (a - r.mean) * (a - r.mean);
  r.std = std::sqrt(var / num_folds);
  return r;
}

}  // namespace arcface
