#pragma once
// One track of FaceTracker: its motion model, appearance and identity votes. Not installed.

#include <cstdint>
#include <string>
#include <vector>

#include <Eigen/Core>
#include <opencv2/core/mat.hpp>
#include <opencv2/video/tracking.hpp>

#include "arcface/tracker.hpp"

namespace arcface::detail {

/// Intersection over union of two boxes (0 when either is empty).
float iou(const cv::Rect2f& a, const cv::Rect2f& b);

/// A 16x16 grey thumbnail of the face box, zero-mean and unit-norm, so that the dot product of
/// two is their normalised correlation (1: identical up to brightness and contrast).
cv::Mat face_thumbnail(const cv::Mat& bgr, const cv::Rect2f& box);
float correlation(const cv::Mat& a, const cv::Mat& b);

/// The face of @p from moved and scaled so that its box is @p box (landmarks follow).
Face move_face(const Face& from, const cv::Rect2f& box);

/// The frame around @p box enlarged by @p margin (0.4: 40 % more width and height), clipped.
cv::Mat crop_around(const cv::Mat& bgr, const cv::Rect2f& box, float margin);

/// An embedding's vote for a track's identity.
struct Vote {
  Eigen::RowVectorXf embedding;
  std::string identity;  // "" = below the threshold (unknown)
  float score = 0.f;     // similarity to the best gallery match
  float weight = 0.f;    // the frame's quality (at least a small floor)
};

struct Track {
  int key = 0;  // internal, unique
  int id = 0;   // reported id, given at confirmation (0 while tentative)
  cv::KalmanFilter kf;
  float aspect = 1.f;  // box height / width, from the last detection
  Face last;           // the last detection
  Face shown;          // the current box: the detection, or the prediction when missed
  cv::Mat thumb;
  int hits = 0, missed = 0;
  bool detected_now = false, embedded_now = false;
  FaceQuality quality;
  // Embeddings and identity.
  std::vector<Vote> votes;
  Eigen::RowVectorXf mean;  // L2-normalised sum of the votes' embeddings (empty before any)
  float best_embedded_quality = -1.f;
  std::int64_t last_embed_update = 0;  // update() count of the last embedding
  int embeddings = 0;
  std::string identity;
  float confidence = 0.f, similarity = 0.f;
  TrackRecord record;

  /// Start from a first detection.
  Track(int key, const Face& face);
  /// Predict the box of the next frame (Kalman prediction) into @c shown.
  cv::Rect2f predict();
  /// Correct with a detection.
  void correct(const Face& face);
  /// Add a vote (keeping the @p max_votes best by weight) and recompute identity and mean.
  void add_vote(Vote v, int max_votes);
  TrackedFace report() const;
};

}  // namespace arcface::detail
