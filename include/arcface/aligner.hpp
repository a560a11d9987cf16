#pragma once
/// @file aligner.hpp
/// Five-point face alignment by a similarity transform.

#include "arcface/export.hpp"
#include <array>
#include <string>
#include <vector>

#include <Eigen/Core>
#include <opencv2/core/mat.hpp>

#include "arcface/face.hpp"

ARCFACE_API_BEGIN
namespace arcface {

/// Canonical positions of the five landmarks (order of arcface::Landmark) in a crop of @c size.
/// The library's templates live here and only here.
struct AlignmentTemplate {
  std::string name;
  cv::Size size;
  std::array<cv::Point2f, 5> points{};

  /// The ArcFace / insightface 112x112 template (the 96x112 SphereFace one shifted by 8 px in x).
  static AlignmentTemplate arcface_112x112();
  /// The SphereFace 96 wide x 112 high template (MobileFaceNet, CosFace, SphereFace).
  static AlignmentTemplate sphereface_96x112();
  /// Look a template up by its name ("arcface_112x112", "sphereface_96x112").
  /// @throws InputError for unknown names.
  static AlignmentTemplate by_name(const std::string& name);
};

/// Similarity transform (rotation, uniform scale, translation) that maps @p src onto @p dst in
/// the least-squares sense (Umeyama's method, via Eigen::umeyama). Returns the 2x3 matrix
/// [sR | t] such that dst ~ sR * src + t.
Eigen::Matrix<double, 2, 3> estimate_similarity(const std::array<cv::Point2f, 5>& src,
                                                const std::array<cv::Point2f, 5>& dst);

/// Warps faces to an alignment template: a 5-point similarity transform, bilinear
/// interpolation, black outside the image.
///
/// Input contract: BGR CV_8UC3 images (see image.hpp; other layouts are converted), faces in the
/// image's pixel coordinates. Output crops have the template's size and the image's type.
/// Thread safety: immutable after construction; all methods are const and thread-safe.
class Aligner {
 public:
  explicit Aligner(AlignmentTemplate tmpl = AlignmentTemplate::arcface_112x112());

  const AlignmentTemplate& alignment_template() const { return tmpl_; }

  /// The 2x3 (CV_64F) affine matrix that maps image coordinates into the crop.
  cv::Mat transform(const std::array<cv::Point2f, 5>& landmarks) const;

  /// One aligned crop. @throws InputError for empty or unsupported images, or non-finite landmarks.
  cv::Mat align(const cv::Mat& image, const Face& face) const;
  /// One aligned crop per face, in order.
  std::vector<cv::Mat> align(const cv::Mat& image, const std::vector<Face>& faces) const;

 private:
  AlignmentTemplate tmpl_;
};

}  // namespace arcface
ARCFACE_API_END
