#pragma once
/// @file quality.hpp
/// How usable a detected face is for recognition: head pose, sharpness, size, detector score.

#include "arcface/export.hpp"
#include <array>
#include <string>
#include <vector>

#include <opencv2/core/mat.hpp>

#include "arcface/face.hpp"

ARCFACE_API_BEGIN
namespace arcface {

class Embedder;

/// Head rotation in degrees, estimated from the five landmarks (see estimate_head_pose).
struct HeadPose {
  /// Left-right turn: 0 frontal, positive when the face turns towards the right of the image,
  /// about +-90 in a full profile.
  float yaw = 0.f;
  /// Up-down nod: 0 level, positive when the face looks down.
  float pitch = 0.f;
  /// In-plane tilt: the angle of the line from the left-eye landmark to the right-eye landmark,
  /// positive clockwise on the image.
  float roll = 0.f;
};

/// Head pose from the five landmarks of a face (Face::landmarks order), by a weak-perspective
/// model of an average face: the eyes' and the mouth corners' midpoints lie on the face's plane
/// of symmetry, so the nose tip's offset from the line through them measures the turn (yaw) and
/// its height between them the nod (pitch), while the projected eye distance and mouth width
/// shrink with the cosine of the yaw. Pure geometry, no image needed; cheap.
/// Non-finite or coincident landmarks give a zero pose.
HeadPose estimate_head_pose(const std::array<cv::Point2f, 5>& landmarks);

/// Options of assess_quality: where each factor reaches 0 and 1. Defaults suit the library's
/// embedders (112-pixel aligned crops).
struct QualityOptions {
  /// The pose factor falls from 1 (frontal) to 0 at this |yaw| (degrees), quadratically.
  float max_yaw = 80.f;
  /// The pose factor falls to 0 at this |pitch| (degrees), quadratically.
  float max_pitch = 60.f;
  /// Face size (shorter side of the box, pixels): the size factor is 0 at or below min_size and
  /// 1 at or above good_size, linear in between.
  float min_size = 16.f;
  float good_size = 64.f;
  /// Sharpness (see FaceQuality::sharpness) at which the sharpness factor is 0.5; the factor is
  /// s / (s + sharpness_half).
  float sharpness_half = 60.f;
  /// Detector score at or below which the detection factor is 0 (1 at a score of 1, linear).
  float min_detector_score = 0.5f;
  /// Mirror consistency (see FaceQuality::consistency): the factor is 0 at or below
  /// consistency_low and 1 at or above consistency_high, linear in between.
  float consistency_low = 0.93f;
  float consistency_high = 0.97f;
};

/// The quality of one face in one image.
struct FaceQuality {
  HeadPose pose;
  /// Variance of the Laplacian of the face box at a fixed scale (grey, 64 x 64 pixels): edges
  /// and fine detail; low for blurred, out-of-focus or heavily compressed faces.
  float sharpness = 0.f;
  /// Shorter side of the face box in pixels.
  float size = 0.f;
  /// The detector's confidence (Face::score).
  float detector_score = 0.f;
  /// Mirror consistency, measured only by the assess_quality overload that takes an Embedder:
  /// the cosine similarity of the embedder's network outputs for the aligned face and for its
  /// mirror image. A frontal, well-aligned, unoccluded face looks like its mirror to the
  /// network (typically 0.95-0.99); turned heads, occlusions, misplaced landmarks and unusual
  /// crops lower it. -1 when not measured.
  float consistency = -1.f;
  /// Each factor in [0, 1] (1 = no problem), as QualityOptions defines them; consistency_factor
  /// is 1 when consistency was not measured.
  float pose_factor = 0.f, sharpness_factor = 0.f, size_factor = 0.f, detector_factor = 0.f;
  float consistency_factor = 1.f;
  /// The combined quality in [0, 1]: pose_factor * size_factor * sqrt(sharpness_factor *
  /// detector_factor) * consistency_factor. 0 for an unusable face, 1 for a large, sharp,
  /// frontal, certain one.
  float score = 0.f;

  /// Why the quality is low: the weakest factor in words with its value, e.g. "profile view,
  /// yaw 70 deg", "small face, 14 px", "blurred, sharpness 8", "uncertain detection, score
  /// 0.55", "unlike its mirror image, consistency 0.82"; "good" when every factor is at least 0.8.
  std::string reason() const;
};

/// Assess a face detected on @p image (BGR, see image.hpp; the face in its pixel coordinates).
/// Thread-safe (a pure function).
/// @throws InputError for an empty or unsupported image.
FaceQuality assess_quality(const cv::Mat& image, const Face& face, const QualityOptions& options = {});

/// The same, and the mirror consistency measured with @p embedder's network (one forward pass of
/// two crops: about the cost of embedding the face once). This is the quality that predicts
/// recognition errors best (docs/accuracy.md).
/// @throws InputError for an empty or unsupported image or non-finite landmarks.
FaceQuality assess_quality(const cv::Mat& image, const Face& face, const Embedder& embedder,
                           const QualityOptions& options = {});

/// One point of an error-versus-reject curve.
struct RejectPoint {
  double reject_fraction = 0;  ///< fraction of the pairs rejected (the lowest-quality ones)
  int kept = 0;                ///< pairs kept
  int errors = 0;              ///< of those, misclassified at the threshold
  double error = 0;            ///< errors / kept
  float quality_cutoff = 0.f;  ///< quality of the best rejected pair (0 when none is rejected)
};

/// Error-versus-reject curve of face verification: for each fraction in @p fractions, reject
/// that share of the pairs with the lowest @p pair_quality (usually the lower of the two photos'
/// qualities) and measure the verification error of the others at @p threshold (similarity >=
/// threshold means "same"). A quality measure that predicts recognisability makes the error
/// fall as the fraction rises. Pairs of equal quality are rejected in a fixed pseudo-random
/// order (not in input order, which in LFW files puts the genuine pairs first).
/// @throws InputError for inputs of different lengths, no pairs, or a fraction outside [0, 1).
std::vector<RejectPoint> error_versus_reject(const std::vector<float>& scores, const std::vector<bool>& same,
                                             const std::vector<float>& pair_quality, float threshold,
                                             const std::vector<double>& fractions);

/// "quality 0.42 (yaw 31, pitch -4, roll 2 deg, 88 px, sharpness 140, score 0.93)".
std::string to_string(const FaceQuality& quality);

}  // namespace arcface
ARCFACE_API_END
