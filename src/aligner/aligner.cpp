#include "arcface/aligner.hpp"

#include <algorithm>
#include <cmath>

#include <Eigen/Geometry>
#include <opencv2/imgproc.hpp>

#include "arcface/error.hpp"
#include "arcface/image.hpp"
#include "core/detail.hpp"

namespace arcface {

AlignmentTemplate AlignmentTemplate::sphereface_96x112() {
  return {"sphereface_96x112",
          {96, 112},
          {{{30.2946f, 51.6963f}, {65.5318f, 51.5014f}, {48.0252f, 71.7366f}, {33.5493f, 92.3655f}, {62.7299f, 92.2041f}}}};
}

AlignmentTemplate AlignmentTemplate::arcface_112x112() {
  AlignmentTemplate t = sphereface_96x112();
  t.name = "arcface_112x112";
  t.size = {112, 112};
  for (auto& p : t.points) p.x += 8.f;
  return t;
}

AlignmentTemplate AlignmentTemplate::by_name(const std::string& name) {
  if (name == "arcface_112x112") return arcface_112x112();
  if (name == "sphereface_96x112") return sphereface_96x112();
  throw InputError("unknown alignment template '" + name + "' (known: arcface_112x112, sphereface_96x112)");
}

Eigen::Matrix<double, 2, 3> estimate_similarity(const std::array<cv::Point2f, 5>& src,
                                                const std::array<cv::Point2f, 5>& dst) {
  Eigen::Matrix<double, 2, 5> s, d;
  for (int i = 0; i < 5; ++i) {
    if (!std::isfinite(src[i].x) || !std::isfinite(src[i].y))
      throw InputError("landmark " + std::to_string(i) + " is not a finite number");
    s.col(i) << src[i].x, src[i].y;
    d.col(i) << dst[i].x, dst[i].y;
  }
  const Eigen::Matrix3d h = Eigen::umeyama(s, d, true);
  return h.topRows<2>();
}

Aligner::Aligner(AlignmentTemplate tmpl) : tmpl_(std::move(tmpl)) {
  if (tmpl_.size.width <= 0 || tmpl_.size.height <= 0) throw InputError("alignment template has an empty size");
}

cv::Mat Aligner::transform(const std::array<cv::Point2f, 5>& landmarks) const {
  const Eigen::Matrix<double, 2, 3> m = estimate_similarity(landmarks, tmpl_.points);
  cv::Mat out(2, 3, CV_64F);
  for (int r = 0; r < 2; ++r)
    for (int c = 0; c < 3; ++c) out.at<double>(r, c) = m(r, c);
  return out;
}

namespace {

constexpr int kWholeImageLimit = 16384;

// The part of an image of @p image_size that the warp @p m onto @p out_size reads, plus a margin
// for interpolation; empty when the crop sees nothing of the image.
cv::Rect visible_part(const cv::Mat& m, cv::Size out_size, cv::Size image_size) {
  cv::Mat inv;
  cv::invertAffineTransform(m, inv);
  double x0 = 1e300, y0 = 1e300, x1 = -1e300, y1 = -1e300;
  for (const cv::Point2d c : {cv::Point2d(0, 0), cv::Point2d(out_size.width, 0), cv::Point2d(0, out_size.height),
                              cv::Point2d(out_size.width, out_size.height)}) {
    const double x = inv.at<double>(0, 0) * c.x + inv.at<double>(0, 1) * c.y + inv.at<double>(0, 2);
    const double y = inv.at<double>(1, 0) * c.x + inv.at<double>(1, 1) * c.y + inv.at<double>(1, 2);
    x0 = std::min(x0, x), y0 = std::min(y0, y), x1 = std::max(x1, x), y1 = std::max(y1, y);
  }
  auto clamp = [](double v, int hi) { return static_cast<int>(std::min<double>(hi, std::max(0.0, v))); };
  const int left = clamp(std::floor(x0) - 2, image_size.width), top = clamp(std::floor(y0) - 2, image_size.height);
  const int right = clamp(std::ceil(x1) + 3, image_size.width), bottom = clamp(std::ceil(y1) + 3, image_size.height);
  if (right <= left || bottom <= top) return {};
  return {left, top, right - left, bottom - top};
}

}  // namespace

cv::Mat Aligner::align(const cv::Mat& image, const Face& face) const {
  const cv::Mat bgr = to_bgr8(image, "image to align");
  cv::Mat m = transform(face.landmarks);
  const double det = m.at<double>(0, 0) * m.at<double>(1, 1) - m.at<double>(0, 1) * m.at<double>(1, 0);
  if (!(std::abs(det) > 1e-12) || !std::isfinite(det))
    throw InputError("cannot align a face: its landmarks are degenerate (all at one point)");
  cv::Mat source = bgr;
  if (std::max(bgr.cols, bgr.rows) >= kWholeImageLimit) {
    // Very large images: warp only the part the crop can see, as OpenCV's remap cannot address
    // images of 32767 pixels or more per side.
    const cv::Rect seen = visible_part(m, tmpl_.size, bgr.size());
    if (seen.empty()) return cv::Mat(tmpl_.size, CV_8UC3, cv::Scalar::all(0));  // the face lies outside
    m.at<double>(0, 2) += m.at<double>(0, 0) * seen.x + m.at<double>(0, 1) * seen.y;
    m.at<double>(1, 2) += m.at<double>(1, 0) * seen.x + m.at<double>(1, 1) * seen.y;
    source = bgr(seen).clone();  // a copy: remap must not read outside the region
  }
  return detail::with_cv_context("aligning a face", [&] {
    cv::Mat crop;
    cv::warpAffine(source, crop, m, tmpl_.size, cv::INTER_LINEAR, cv::BORDER_CONSTANT, cv::Scalar::all(0));
    return crop;
  });
}

std::vector<cv::Mat> Aligner::align(const cv::Mat& image, const std::vector<Face>& faces) const {
  std::vector<cv::Mat> crops;
  crops.reserve(faces.size());
  if (faces.empty()) return crops;
  const cv::Mat bgr = to_bgr8(image, "image to align");
  for (const Face& f : faces) crops.push_back(align(bgr, f));
  return crops;
}

}  // namespace arcface
