#include "arcface/detector.hpp"

#include <algorithm>
#include <cmath>
#include <mutex>
#include <utility>

#include <opencv2/imgproc.hpp>

#include "arcface/error.hpp"
#include "arcface/image.hpp"
#include "arcface/models.hpp"
#include "core/detail.hpp"
#include "detector/backend.hpp"

namespace arcface {

std::string to_string(DetectorBackend b) {
  switch (b) {
    case DetectorBackend::Auto: return "auto";
    case DetectorBackend::YuNet: return "yunet";
    case DetectorBackend::Mtcnn: return "mtcnn";
  }
  return "unknown";
}

DetectorBackend detector_backend_from_string(const std::string& name) {
  if (name == "auto") return DetectorBackend::Auto;
  if (name == "yunet") return DetectorBackend::YuNet;
  if (name == "mtcnn") return DetectorBackend::Mtcnn;
  throw InputError("unknown detector backend '" + name + "' (expected auto, yunet or mtcnn)");
}

namespace {

constexpr float kSmallFace = 32.f;  // px at detection size: smaller faces trigger the fine pass
constexpr double kMinFineGain = 1.2;  // the fine pass runs only when it is at least this much finer
constexpr float kLargeBox = 0.25f;    // boxes covering more of the image than this are verified

DetectorBackend resolve_backend(const DetectorOptions& o) {
  if (o.backend != DetectorBackend::Auto) return o.backend;
  if (!o.model.empty()) {
    return detail::has_extension(o.model, ".onnx") ? DetectorBackend::YuNet : DetectorBackend::Mtcnn;
  }
  return detail::model_installed(kYuNetModel, ".onnx") ? DetectorBackend::YuNet : DetectorBackend::Mtcnn;
}

float iou(const cv::Rect2f& a, const cv::Rect2f& b) {
  const float i = (a & b).area();
  return i > 0.f ? i / (a.area() + b.area() - i) : 0.f;
}

// Overlap of two boxes: intersection over the smaller area (a box inside another counts as the same face).
float overlap(const cv::Rect2f& a, const cv::Rect2f& b) {
  const float i = (a & b).area();
  const float m = std::min(a.area(), b.area());
  return m > 0.f ? i / m : 0.f;
}

}  // namespace

struct Detector::Impl {
  DetectorOptions options;
  std::unique_ptr<detail::DetectorBackendImpl> backend;
  std::string name;  // Face::detector of the first pass
  // The cascade's MTCNN (the fallback pass and the O-Net check), loaded on first use (most images
  // never need it).
  bool fallback = false;
  bool verifier = false;  // the MTCNN model is there to verify fine-pass faces
  mutable std::once_flag fallback_once;
  mutable std::unique_ptr<detail::DetectorBackendImpl> fallback_backend;

  const detail::DetectorBackendImpl& mtcnn() const {
    std::call_once(fallback_once, [&] {
      DetectorOptions m;
      m.backend = DetectorBackend::Mtcnn;
      m.model = kMtcnnModel;
      m.min_face_size = options.min_face_size;
      m.mtcnn_thresholds[2] = options.mtcnn_fallback_threshold;
      fallback_backend = detail::make_mtcnn(m);
    });
    return *fallback_backend;
  }

  // Keeps the faces whose box MTCNN's O-Net also takes for a face (docs/detection.md: YuNet's fine
  // pass on a face-free image reports skin, knitwear or a watch as faces).
  std::vector<Face> verified(const cv::Mat& bgr, std::vector<Face> faces) const {
    std::vector<cv::Rect2f> boxes;
    for (const Face& f : faces) boxes.push_back(f.box);
    const std::vector<float> p = mtcnn().face_scores(bgr, boxes);
    std::vector<Face> kept;
    for (size_t i = 0; i < faces.size(); ++i)
      if (p[i] >= options.fine_verify_threshold) kept.push_back(std::move(faces[i]));
    return kept;
  }

  // YuNet reports a box covering (nearly) the whole image on many face-free images (skin, cloth,
  // walls, noise). A real face that fills the image is still found with a black border around it
  // (the face then fills a quarter of the image); the artefact, tied to the image frame, moves.
  bool confirmed_with_border(const cv::Mat& bgr, const Face& f, double scale) const {
    const cv::Rect2f frame(0.f, 0.f, static_cast<float>(bgr.cols), static_cast<float>(bgr.rows));
    if ((f.box & frame).area() < kLargeBox * frame.area()) return true;
    const int pad = std::max(bgr.cols, bgr.rows) / 2;
    cv::Mat padded;
    cv::copyMakeBorder(bgr, padded, pad, pad, pad, pad, cv::BORDER_CONSTANT, cv::Scalar::all(0));
    const cv::Rect2f moved(f.box.x + pad, f.box.y + pad, f.box.width, f.box.height);
    // The same pixel scale as the pass that found the face: the padded image is twice as long.
    for (const Face& g : pass(*backend, padded, scale, options.score_threshold, "", false))
      if (iou(g.box, moved) > 0.5f) return true;
    return false;
  }

  // One detection pass: the image resampled by `scale`, faces mapped back, filtered and labelled.
  std::vector<Face> pass(const detail::DetectorBackendImpl& net, const cv::Mat& bgr, double scale, float threshold,
                         const std::string& label, bool verify = true) const {
    cv::Mat input = bgr;
    if (scale != 1.0) {
      const cv::Size size(std::max(1, static_cast<int>(std::lround(bgr.cols * scale))),
                          std::max(1, static_cast<int>(std::lround(bgr.rows * scale))));
      detail::with_cv_context(scale < 1.0 ? "downscaling for detection" : "upscaling for detection", [&] {
        cv::resize(bgr, input, size, 0, 0, scale < 1.0 ? cv::INTER_AREA : cv::INTER_LINEAR);
        return 0;
      });
      scale = static_cast<double>(size.width) / bgr.cols;
    }
    const float inv = static_cast<float>(1.0 / scale);
    std::vector<Face> kept;
    for (Face f : net.detect(input)) {
      if (scale != 1.0) {
        f.box = {f.box.x * inv, f.box.y * inv, f.box.width * inv, f.box.height * inv};
        for (auto& p : f.landmarks) p *= inv;
      }
      if (f.score < threshold) continue;
      if (std::min(f.box.width, f.box.height) < options.min_face_size) continue;
      if (detail::lacks_face_structure(bgr, f.box)) continue;
      if (verify && &net == backend.get() && options.backend == DetectorBackend::YuNet &&
          !confirmed_with_border(bgr, f, scale))
        continue;
      f.detector = label;
      kept.push_back(std::move(f));
    }
    return kept;
  }
};

Detector::Detector(DetectorOptions o) {
  o.backend = resolve_backend(o);
  const bool yunet = o.backend == DetectorBackend::YuNet;
  if (o.score_threshold < 0.f) o.score_threshold = yunet ? 0.8f : o.mtcnn_thresholds[2];
  if (!yunet) o.mtcnn_thresholds[2] = o.score_threshold;
  if (o.nms_threshold < 0.f) o.nms_threshold = yunet ? 0.3f : o.mtcnn_nms_thresholds[2];
  if (o.max_input_side < 0) o.max_input_side = yunet ? 640 : 2048;
  if (o.fine_input_side < 0 || !yunet) o.fine_input_side = yunet ? 1280 : 0;
  if (!yunet) o.mtcnn_fallback = false;
  for (const float t : {o.score_threshold, o.nms_threshold, o.mtcnn_thresholds[0], o.mtcnn_thresholds[1],
                        o.mtcnn_nms_thresholds[0], o.mtcnn_nms_thresholds[1], o.mtcnn_nms_thresholds[2],
                        o.mtcnn_fallback_threshold, o.fine_verify_threshold})
    if (!(t >= 0.f && t <= 1.f)) throw InputError("detector thresholds must be in [0, 1], got " + std::to_string(t));
  if (!std::isfinite(o.min_face_size)) throw InputError("min_face_size must be a finite number");
  if (o.min_face_size < 0.f) throw InputError("min_face_size must not be negative");
  if (o.min_input_side < 0) throw InputError("min_input_side must not be negative");
  if (o.max_input_side > 0 && o.min_input_side > o.max_input_side)
    throw InputError("min_input_side must not exceed max_input_side");
  if (!(o.mtcnn_scale_factor > 0.1f && o.mtcnn_scale_factor < 0.95f))
    throw InputError("mtcnn_scale_factor must be in (0.1, 0.95)");
  detail::configure_threads(o.threads);
  impl_ = std::make_unique<Impl>();
  impl_->backend = yunet ? detail::make_yunet(o) : detail::make_mtcnn(o);
  impl_->name = to_string(o.backend);
  impl_->fallback = o.mtcnn_fallback && detail::model_installed(kMtcnnModel, ".pt");
  impl_->verifier = yunet && o.fine_verify_threshold > 0.f && detail::model_installed(kMtcnnModel, ".pt");
  impl_->options = std::move(o);
}

Detector::~Detector() = default;
Detector::Detector(Detector&&) noexcept = default;
Detector& Detector::operator=(Detector&&) noexcept = default;

const DetectorOptions& Detector::options() const { return impl_->options; }

std::vector<Face> Detector::detect(const cv::Mat& image) const {
  const Impl& d = *impl_;
  const DetectorOptions& o = d.options;
  const cv::Mat bgr = to_bgr8(image, "image to detect faces in");
  const double longest = std::max(bgr.cols, bgr.rows);
  double scale = 1.0;
  if (o.max_input_side > 0 && longest > o.max_input_side)
    scale = o.max_input_side / longest;
  else if (o.min_input_side > 0 && longest < o.min_input_side)
    scale = o.min_input_side / longest;
  std::vector<Face> faces = d.pass(*d.backend, bgr, scale, o.score_threshold, d.name);

  // Fine pass: nothing found, or small faces (there may be more, too small for the first pass).
  const double fine_scale = std::min(2.0 * scale, o.fine_input_side / longest);
  const bool small = std::any_of(faces.begin(), faces.end(), [&](const Face& f) {
    return std::min(f.box.width, f.box.height) * scale < kSmallFace;
  });
  if (o.fine_input_side > 0 && fine_scale >= kMinFineGain * scale && (faces.empty() || small)) {
    std::vector<Face> fine = d.pass(*d.backend, bgr, fine_scale, o.score_threshold, d.name + "-fine");
    // A second try on an image where the first found nothing must be confirmed; small faces added
    // to those of the first pass (a group photo) need not be.
    if (faces.empty() && d.verifier && !fine.empty()) fine = d.verified(bgr, std::move(fine));
    for (Face& f : fine) {
      const bool seen = std::any_of(faces.begin(), faces.end(), [&](const Face& g) { return overlap(f.box, g.box) > 0.5f; });
      if (!seen) faces.push_back(std::move(f));
    }
  }
  if (faces.empty() && d.fallback) {
    const double s = o.fine_input_side > 0 ? std::min(1.0, o.fine_input_side / longest) : 1.0;
    faces = d.pass(d.mtcnn(), bgr, s, o.mtcnn_fallback_threshold, "mtcnn");
  }
  std::stable_sort(faces.begin(), faces.end(), [](const Face& a, const Face& b) { return a.score > b.score; });
  return faces;
}

}  // namespace arcface
