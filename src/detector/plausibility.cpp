// Rejection of detector artefacts: boxes without the image structure of a face.
#include <algorithm>
#include <cmath>

#include <opencv2/imgproc.hpp>

#include "detector/backend.hpp"

namespace arcface::detail {
namespace {

constexpr double kMinFaceContrast = 3.0;    // grey-level standard deviation below which a box is "flat"
constexpr int kCoarseSide = 8;              // the box seen at 8x8: eyes, mouth, hair, background still differ
constexpr double kMinCoarseFraction = 0.3;  // of the grey-level spread that survives at 8x8

}  // namespace

// A face has contrast, most of it at coarse scale (dark eyes, mouth and hair against skin). A box
// whose pixels are (nearly) all one grey level (black, white, flat images: YuNet reports a
// "face" there with score 0.82-0.89 at 320 px and more), or whose contrast is fine-grained only
// (noise: YuNet reports boxes covering most of the image with scores up to 0.99), is an artefact.
// Measured (docs/detection.md): the 8x8 fraction is 0.61 or more on real faces, 0.15 at most on
// uniform, Gaussian and grey noise of 64 to 2560 px.
bool lacks_face_structure(const cv::Mat& bgr, const cv::Rect2f& box) {
  const cv::Rect r = cv::Rect(box) & cv::Rect(0, 0, bgr.cols, bgr.rows);
  if (r.width < 2 || r.height < 2) return true;
  cv::Mat grey;
  // Large boxes: a box of at most about 256 px per side keeps the statistics and bounds the cost.
  const int step = std::max(1, std::min(r.width, r.height) / 256);
  cv::Mat roi = bgr(r);
  if (step > 1) cv::resize(roi, roi, cv::Size(std::max(1, r.width / step), std::max(1, r.height / step)), 0, 0,
                           cv::INTER_NEAREST);  // subsampling keeps the fine-grained spread of noise
  cv::cvtColor(roi, grey, cv::COLOR_BGR2GRAY);
  cv::Scalar mean, fine;
  cv::meanStdDev(grey, mean, fine);
  if (fine[0] < kMinFaceContrast) return true;
  cv::Mat coarse, small;
  grey.convertTo(small, CV_32F);
  cv::resize(small, coarse, cv::Size(kCoarseSide, kCoarseSide), 0, 0, cv::INTER_AREA);
  cv::Scalar cmean, cstd;
  cv::meanStdDev(coarse, cmean, cstd);
  return cstd[0] < kMinCoarseFraction * fine[0];
}

}  // namespace arcface::detail
