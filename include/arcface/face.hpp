#pragma once
/// @file face.hpp
/// A detected face.

#include "arcface/export.hpp"
#include <array>
#include <string>

#include <opencv2/core/types.hpp>

ARCFACE_API_BEGIN
namespace arcface {

/// Index of each of the five landmarks in Face::landmarks. "Left" and "right" are as seen on the
/// image (not the subject's own left and right): LeftEye is the eye with the smaller x on an
/// upright face.
enum Landmark : int { LeftEye = 0, RightEye = 1, NoseTip = 2, MouthLeft = 3, MouthRight = 4 };

/// A face found in an image, in the pixel coordinates of that image.
struct Face {
  /// Bounding box (x, y, width, height).
  cv::Rect2f box;
  /// Five landmarks in the order of arcface::Landmark: the two eyes, the nose tip and the two
  /// mouth corners, each pair left then right as seen on the image.
  std::array<cv::Point2f, 5> landmarks{};
  /// Detector confidence in [0, 1].
  float score = 0.f;
  /// Which detector, or which pass of the default cascade, found the face: "yunet" (the first
  /// pass), "yunet-fine" (YuNet's second pass at a higher resolution), "mtcnn" (the MTCNN backend,
  /// or the cascade's MTCNN fallback); empty for faces not made by Detector.
  std::string detector;
};

/// A short human-readable description, e.g. "face at (10,20 30x40) score 0.98 by yunet".
std::string to_string(const Face& face);

}  // namespace arcface
ARCFACE_API_END
