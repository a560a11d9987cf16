#pragma once
// The detection backends behind arcface::Detector. Not installed.

#include <memory>
#include <vector>

#include <opencv2/core/mat.hpp>

#include "arcface/detector.hpp"

namespace arcface::detail {

/// A detection network. detect() receives a BGR CV_8UC3 image (already downscaled by Detector
/// when it is large) and returns faces in its coordinates, unsorted and unfiltered by size.
class DetectorBackendImpl {
 public:
  virtual ~DetectorBackendImpl() = default;
  virtual std::vector<Face> detect(const cv::Mat& bgr) const = 0;
};

std::unique_ptr<DetectorBackendImpl> make_yunet(const DetectorOptions& options);
std::unique_ptr<DetectorBackendImpl> make_mtcnn(const DetectorOptions& options);  // detector/mtcnn.cpp

}  // namespace arcface::detail
