#pragma once
/// @file metrics.hpp
/// Verification metrics over scored pairs: the accuracy-optimal threshold, accuracy, ROC, AUC, EER,
/// TAR at a FAR, and k-fold accuracy. Independent of LFW and of any model.

#include "arcface/export.hpp"
#include <vector>

ARCFACE_API_BEGIN
namespace arcface {

/// Threshold that maximises verification accuracy (similarity >= threshold means "same") on
/// these scores; the midpoint between the two neighbouring scores where the best split lies.
/// @throws InputError for empty or mismatched inputs.
float best_threshold(const std::vector<float>& scores, const std::vector<bool>& same);

/// Fraction of pairs classified correctly with @p threshold.
double verification_accuracy(const std::vector<float>& scores, const std::vector<bool>& same, float threshold);

/// One point of a ROC curve: at @c threshold (similarity >= threshold means "same"), the false
/// accept rate (FAR, impostor pairs accepted) and the true accept rate (TAR, genuine pairs accepted).
struct RocPoint {
  float threshold = 0.f;
  double far = 0, tar = 0;
};

/// TAR at a target FAR: the highest TAR whose FAR does not exceed the target.
struct TarAtFar {
  double target_far = 0;
  double tar = 0;
  float threshold = 0.f;
  /// false when there are fewer than 1 / target_far impostor pairs: the FAR cannot be resolved
  /// and @c tar is only an upper bound.
  bool enough_negatives = false;
};

/// Threshold-free verification metrics over a set of scored pairs.
struct VerificationMetrics {
  int positives = 0, negatives = 0;
  double auc = 0;            ///< area under the ROC curve (trapezoids, as scikit-learn)
  double eer = 0;            ///< equal error rate (FAR = FRR), linearly interpolated
  float eer_threshold = 0.f;
  float best_threshold = 0.f;  ///< accuracy-optimal threshold on these pairs
  double best_accuracy = 0;
  std::vector<TarAtFar> tar_at_far;
  std::vector<RocPoint> roc;   ///< from (0, 0) to (1, 1), one point per distinct score
};

/// ROC, AUC, EER, TAR at each of @p fars and the best threshold.
/// @throws InputError for mismatched inputs or when a class is missing.
VerificationMetrics verification_metrics(const std::vector<float>& scores, const std::vector<bool>& same,
                                         const std::vector<double>& fars = {1e-3, 1e-2});

/// The standard LFW protocol over K folds: for each fold the threshold that maximises accuracy on
/// the other folds, and the accuracy on this fold.
struct KFoldResult {
  std::vector<double> accuracy;   ///< per fold
  std::vector<float> threshold;   ///< per fold
  double mean = 0, std = 0;       ///< population standard deviation, as published LFW results
};
/// @p fold gives each pair's fold in [0, num_folds). @throws InputError for fewer than 2 folds or an empty fold.
KFoldResult kfold_accuracy(const std::vector<float>& scores, const std::vector<bool>& same,
                           const std::vector<int>& fold, int num_folds);

}  // namespace arcface
ARCFACE_API_END
