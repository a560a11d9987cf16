// General verification metrics (arcface/metrics.hpp) on pairs whose answers are known by hand or
// by an independent computation.
#include <gtest/gtest.h>

#include <random>

#include "arcface/error.hpp"
#include "arcface/metrics.hpp"

using namespace arcface;

namespace {
// Two genuine and two impostor pairs, interleaved: 0.9 s, 0.8 d, 0.7 s, 0.1 d.
const std::vector<float> kScores{0.9f, 0.8f, 0.7f, 0.1f};
const std::vector<bool> kSame{true, false, true, false};
}  // namespace

TEST(Metrics, BestThresholdIsTheMidpointOfTheBestSplit) {
  // Perfectly separable: the threshold lies between the highest impostor and the lowest genuine score.
  EXPECT_FLOAT_EQ(best_threshold({0.2f, 0.6f, 0.3f, 0.8f}, {false, true, false, true}), 0.45f);
  // Interleaved: the best split accepts 0.9 only or {0.9, 0.8, 0.7} (3 of 4 right); the first wins.
  const float t = best_threshold(kScores, kSame);
  EXPECT_DOUBLE_EQ(verification_accuracy(kScores, kSame, t), 0.75);
  EXPECT_DOUBLE_EQ(verification_accuracy(kScores, kSame, 0.0f), 0.5);   // all "same"
  EXPECT_DOUBLE_EQ(verification_accuracy(kScores, kSame, 0.95f), 0.5);  // all "different"
}

TEST(Metrics, RocAucEerAndTarAtFarOfAHandWorkedExample) {
  const auto m = verification_metrics(kScores, kSame, {0.5, 0.01});
  EXPECT_EQ(m.positives, 2);
  EXPECT_EQ(m.negatives, 2);
  ASSERT_EQ(m.roc.size(), 5u);  // (0,0) and one point per distinct score
  EXPECT_DOUBLE_EQ(m.roc[1].tar, 0.5);
  EXPECT_DOUBLE_EQ(m.roc[2].far, 0.5);
  EXPECT_DOUBLE_EQ(m.roc.back().far, 1.0);
  EXPECT_DOUBLE_EQ(m.roc.back().tar, 1.0);
  EXPECT_DOUBLE_EQ(m.auc, 0.75);  // 3 of the 4 (genuine, impostor) pairs are ordered correctly
  EXPECT_DOUBLE_EQ(m.eer, 0.5);
  ASSERT_EQ(m.tar_at_far.size(), 2u);
  EXPECT_DOUBLE_EQ(m.tar_at_far[0].tar, 1.0);  // FAR 0.5: threshold 0.7 accepts both genuine pairs
  EXPECT_FLOAT_EQ(m.tar_at_far[0].threshold, 0.7f);
  EXPECT_TRUE(m.tar_at_far[0].enough_negatives);
  EXPECT_DOUBLE_EQ(m.tar_at_far[1].tar, 0.5);  // FAR 0.01 needs 100 impostors: only an upper bound
  EXPECT_FALSE(m.tar_at_far[1].enough_negatives);
}

TEST(Metrics, AucEqualsTheMannWhitneyStatisticOnRandomScores) {
  std::mt19937 rng(7);
  std::normal_distribution<float> genuine(0.5f, 0.15f), impostor(0.1f, 0.15f);
  std::vector<float> s;
  std::vector<bool> y;
  for (int i = 0; i < 300; ++i) {
    const bool same = i % 3 == 0;
    s.push_back(same ? genuine(rng) : impostor(rng));
    y.push_back(same);
  }
  double ordered = 0, pairs = 0;
  for (std::size_t i = 0; i < s.size(); ++i)
    for (std::size_t j = 0; j < s.size(); ++j)
      if (y[i] && !y[j]) pairs += 1, ordered += s[i] > s[j] ? 1.0 : s[i] == s[j] ? 0.5 : 0.0;
  const auto m = verification_metrics(s, y);
  EXPECT_NEAR(m.auc, ordered / pairs, 1e-9);
  EXPECT_GT(m.auc, 0.9);
  EXPECT_LT(m.eer, 0.2);
  EXPECT_DOUBLE_EQ(m.best_accuracy, verification_accuracy(s, y, m.best_threshold));
  // No threshold does better than the best one.
  for (float t : s) EXPECT_LE(verification_accuracy(s, y, t), m.best_accuracy + 1e-12);
}

TEST(Metrics, KFoldChoosesEachThresholdOnTheOtherFolds) {
  // Fold 0 is separable above 0.4, fold 1 above 0.25: each fold's threshold comes from the other fold.
  const std::vector<float> s{0.6f, 0.4f, 0.7f, 0.35f, 0.4f, 0.2f, 0.5f, 0.25f};
  const std::vector<bool> y{true, false, true, false, true, false, true, false};
  const std::vector<int> fold{0, 0, 0, 0, 1, 1, 1, 1};
  const auto r = kfold_accuracy(s, y, fold, 2);
  ASSERT_EQ(r.threshold.size(), 2u);
  EXPECT_FLOAT_EQ(r.threshold[0], 0.325f);  // from fold 1: midway between 0.25 and 0.4
  EXPECT_FLOAT_EQ(r.threshold[1], 0.5f);    // from fold 0: midway between 0.4 and 0.6
  EXPECT_DOUBLE_EQ(r.accuracy[0], 0.5);     // both of fold 0's impostors (0.4, 0.35) pass 0.325
  EXPECT_DOUBLE_EQ(r.accuracy[1], 0.75);    // fold 1's genuine 0.4 fails 0.5
  EXPECT_DOUBLE_EQ(r.mean, 0.625);
  EXPECT_DOUBLE_EQ(r.std, 0.125);
}

TEST(Metrics, BadInputIsRefused) {
  EXPECT_THROW(best_threshold({}, {}), InputError);
  EXPECT_THROW(best_threshold({0.1f}, {true, false}), InputError);
  EXPECT_THROW(verification_accuracy({0.1f, 0.2f}, {true}, 0.5f), InputError);
  EXPECT_THROW(verification_metrics({0.1f, 0.2f}, {true, true}), InputError);  // no impostor pairs
  EXPECT_THROW(kfold_accuracy({0.1f, 0.2f}, {true, false}, {0, 0}, 1), InputError);
  EXPECT_THROW(kfold_accuracy({0.1f, 0.2f}, {true, false}, {0, 2}, 2), InputError);  // fold out of range
  EXPECT_THROW(kfold_accuracy({0.1f, 0.2f}, {true, false}, {0, 0}, 2), InputError);  // fold 1 empty
}
