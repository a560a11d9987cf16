#pragma once
// The detection backends behind arcface::Detector. Not installed.

#include <memory>
#include <string>
#include <vector>

#include <opencv2/core/mat.hpp>

#include "arcface/detector.hpp"
#include "arcface/error.hpp"
#include "core/internal_api.hpp"

namespace arcface::detail {

/// A detection network. detect() receives a BGR CV_8UC3 image (already downscaled by Detector
/// when it is large) and returns faces in its coordinates, unsorted and unfiltered by size.
class DetectorBackendImpl {
 public:
  virtual ~DetectorBackendImpl() = default;
  virtual std::vector<Face> detect(const cv::Mat& bgr) const = 0;
  /// MTCNN only: the probability (O-Net's) that each box (in bgr's coordinates) holds a face.
  virtual std::vector<float> face_scores(const cv::Mat& /*bgr*/, const std::vector<cv::Rect2f>& /*boxes*/) const {
    throw Error("this detection backend cannot score boxes");
  }
};

ARCFACE_INTERNAL_BEGIN  // exported for the tests comparing the YuNet runtimes
/// YuNet: on LibTorch (yunet.pt, detector/yunet_torch.cpp) when options.model is empty and yunet.pt
/// is installed, or options.model names a .pt file; else OpenCV's cv::FaceDetectorYN (yunet.onnx).
std::unique_ptr<DetectorBackendImpl> make_yunet(const DetectorOptions& options);  // detector/yunet.cpp
std::unique_ptr<DetectorBackendImpl> make_yunet_torch(const DetectorOptions& options,
                                                      const std::string& path);  // detector/yunet_torch.cpp
/// The faces of cv::FaceDetectorYN's output (one row per face: box, 5 landmarks, score). detector/yunet.cpp.
std::vector<Face> faces_from_yunet_rows(const cv::Mat& rows);
ARCFACE_INTERNAL_END
std::unique_ptr<DetectorBackendImpl> make_mtcnn(const DetectorOptions& options);  // detector/mtcnn.cpp

/// True when the box (in bgr's coordinates) cannot hold a face: it lacks contrast (flat, black or
/// white areas) or its contrast is fine-grained only (noise). detector/plausibility.cpp.
bool lacks_face_structure(const cv::Mat& bgr, const cv::Rect2f& box);

}  // namespace arcface::detail
