#include "arcface/detector.hpp"

#include <algorithm>
#include <cmath>
#include <mutex>

#include <opencv2/imgproc.hpp>
#include <opencv2/objdetect.hpp>

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
constexpr double kMinFaceContrast = 3.0;  // grey-level standard deviation below which a box is "flat"
}  // namespace

namespace detail {
namespace {

class YuNet final : public DetectorBackendImpl {
 public:
  explicit YuNet(const DetectorOptions& o)
      : o_(o), path_(resolve_model(o.model.empty() ? kYuNetModel : o.model, ".onnx")) {
    release(create());  // load once up front so that a bad model fails in the constructor
  }

  std::vector<Face> detect(const cv::Mat& image) const override {
    // YuNet's feature pyramid needs at least 64 px per side: pad smaller images (black, bottom and
    // right, so coordinates are unchanged).
    cv::Mat bgr = image;
    if (image.cols < 64 || image.rows < 64)
      cv::copyMakeBorder(image, bgr, 0, std::max(0, 64 - image.rows), 0, std::max(0, 64 - image.cols),
                         cv::BORDER_CONSTANT, cv::Scalar::all(0));
    Lease net(*this);
    cv::Mat out;
    with_cv_context("YuNet detection with '" + path_ + "'", [&] {
      if (bgr.size() != net.instance.size) {  // re-plans the network: only when the size changes
        net.instance.net->setInputSize(bgr.size());
        net.instance.size = bgr.size();
      }
      net.instance.net->detect(bgr, out);
      return 0;
    });
    std::vector<Face> faces;
    for (int i = 0; i < out.rows; ++i) {
      const float* r = out.ptr<float>(i);
      Face f;
      f.box = {r[0], r[1], r[2], r[3]};
      for (int k = 0; k < 5; ++k) f.landmarks[k] = {r[4 + 2 * k], r[5 + 2 * k]};
      f.score = r[14];
      faces.push_back(f);
    }
    return faces;
  }

 private:
  // cv::FaceDetectorYN is stateful, so each concurrent caller gets its own instance from a pool.
  struct Instance {
    cv::Ptr<cv::FaceDetectorYN> net;
    cv::Size size;
  };
  Instance create() const {
    Instance i;
    try {
      i.net = cv::FaceDetectorYN::create(path_, "", cv::Size(320, 320), o_.score_threshold, o_.nms_threshold, 5000);
    } catch (const cv::Exception& e) {
      throw ModelError("cannot load YuNet model '" + path_ + "': " + e.err);
    }
    if (i.net.empty()) throw ModelError("cannot load YuNet model '" + path_ + "'");
    i.size = {320, 320};
    return i;
  }
  Instance acquire() const {
    {
      std::lock_guard<std::mutex> lock(mutex_);
      if (!pool_.empty()) {
        Instance i = std::move(pool_.back());
        pool_.pop_back();
        return i;
      }
    }
    return create();
  }
  void release(Instance i) const {
    std::lock_guard<std::mutex> lock(mutex_);
    pool_.push_back(std::move(i));
  }
  // An instance taken from the pool for one call, returned when the call ends (also on errors).
  struct Lease {
    explicit Lease(const YuNet& y) : owner(y), instance(y.acquire()) {}
    ~Lease() { owner.release(std::move(instance)); }
    Lease(const Lease&) = delete;
    Lease& operator=(const Lease&) = delete;
    const YuNet& owner;
    Instance instance;
  };

  DetectorOptions o_;
  std::string path_;
  mutable std::vector<Instance> pool_;
  mutable std::mutex mutex_;
};

}  // namespace

std::unique_ptr<DetectorBackendImpl> make_yunet(const DetectorOptions& options) {
  return std::make_unique<YuNet>(options);
}

}  // namespace detail

struct Detector::Impl {
  DetectorOptions options;
  std::unique_ptr<detail::DetectorBackendImpl> backend;
};

namespace {

DetectorBackend resolve_backend(const DetectorOptions& o) {
  if (o.backend != DetectorBackend::Auto) return o.backend;
  if (!o.model.empty()) {
    const std::string ext = ".onnx";
    const bool onnx = o.model.size() > ext.size() && o.model.compare(o.model.size() - ext.size(), ext.size(), ext) == 0;
    return onnx ? DetectorBackend::YuNet : DetectorBackend::Mtcnn;
  }
  try {
    resolve_model(kYuNetModel, ".onnx");
    return DetectorBackend::YuNet;
  } catch (const ModelError&) {
    return DetectorBackend::Mtcnn;
  }
}

}  // namespace

namespace {

// A face has contrast: a box whose pixels are (nearly) all the same grey level is a detector
// artefact (YuNet reports a "face" with score 0.82-0.89 on black images of 320 px and more).
bool is_flat(const cv::Mat& bgr, const cv::Rect2f& box) {
  const cv::Rect r = cv::Rect(box) & cv::Rect(0, 0, bgr.cols, bgr.rows);
  if (r.width < 2 || r.height < 2) return true;
  const int step = std::max(1, std::min(r.width, r.height) / 64);  // about 64x64 samples suffice
  double sum = 0, sum2 = 0;
  long n = 0;
  for (int y = r.y; y < r.y + r.height; y += step) {
    const auto* row = bgr.ptr<cv::Vec3b>(y);
    for (int x = r.x; x < r.x + r.width; x += step) {
      const cv::Vec3b p = row[x];
      const double g = 0.114 * p[0] + 0.587 * p[1] + 0.299 * p[2];
      sum += g, sum2 += g * g, ++n;
    }
  }
  const double mean = sum / n;
  return sum2 / n - mean * mean < kMinFaceContrast * kMinFaceContrast;
}

}  // namespace

Detector::Detector(DetectorOptions o) {
  o.backend = resolve_backend(o);
  const bool yunet = o.backend == DetectorBackend::YuNet;
  if (o.score_threshold < 0.f) o.score_threshold = yunet ? 0.8f : o.mtcnn_thresholds[2];
  if (!yunet) o.mtcnn_thresholds[2] = o.score_threshold;
  if (o.nms_threshold < 0.f) o.nms_threshold = yunet ? 0.3f : o.mtcnn_nms_thresholds[2];
  if (o.max_input_side < 0) o.max_input_side = yunet ? 640 : 2048;
  for (const float t : {o.score_threshold, o.nms_threshold, o.mtcnn_thresholds[0], o.mtcnn_thresholds[1],
                        o.mtcnn_nms_thresholds[0], o.mtcnn_nms_thresholds[1], o.mtcnn_nms_thresholds[2]})
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
  impl_->options = std::move(o);
}

Detector::~Detector() = default;
Detector::Detector(Detector&&) noexcept = default;
Detector& Detector::operator=(Detector&&) noexcept = default;

const DetectorOptions& Detector::options() const { return impl_->options; }

std::vector<Face> Detector::detect(const cv::Mat& image) const {
  const DetectorOptions& o = impl_->options;
  const cv::Mat bgr = to_bgr8(image, "image to detect faces in");
  const int longest = std::max(bgr.cols, bgr.rows);
  double scale = 1.0;
  cv::Mat input = bgr;
  if (o.max_input_side > 0 && longest > o.max_input_side) {
    scale = static_cast<double>(o.max_input_side) / longest;
    const cv::Size size(std::max(1, static_cast<int>(std::lround(bgr.cols * scale))),
                        std::max(1, static_cast<int>(std::lround(bgr.rows * scale))));
    detail::with_cv_context("downscaling for detection", [&] {
      cv::resize(bgr, input, size, 0, 0, cv::INTER_AREA);
      return 0;
    });
    scale = static_cast<double>(size.width) / bgr.cols;
  } else if (o.min_input_side > 0 && longest < o.min_input_side) {
    scale = static_cast<double>(o.min_input_side) / longest;
    const cv::Size size(static_cast<int>(std::lround(bgr.cols * scale)), static_cast<int>(std::lround(bgr.rows * scale)));
    detail::with_cv_context("upscaling for detection", [&] {
      cv::resize(bgr, input, size, 0, 0, cv::INTER_LINEAR);
      return 0;
    });
    scale = static_cast<double>(size.width) / bgr.cols;
  }
  std::vector<Face> faces = impl_->backend->detect(input);
  const float inv = static_cast<float>(1.0 / scale);
  std::vector<Face> kept;
  for (Face f : faces) {
    if (scale != 1.0) {
      f.box = {f.box.x * inv, f.box.y * inv, f.box.width * inv, f.box.height * inv};
      for (auto& p : f.landmarks) p *= inv;
    }
    if (f.score < o.score_threshold) continue;
    if (std::min(f.box.width, f.box.height) < o.min_face_size) continue;
    if (is_flat(bgr, f.box)) continue;
    kept.push_back(f);
  }
  std::stable_sort(kept.begin(), kept.end(), [](const Face& a, const Face& b) { return a.score > b.score; });
  return kept;
}

}  // namespace arcface
