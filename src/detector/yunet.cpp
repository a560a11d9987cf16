// The YuNet backend: OpenCV's cv::FaceDetectorYN with one network per concurrent caller.
#include <algorithm>
#include <mutex>

#include <opencv2/core.hpp>
#include <opencv2/objdetect.hpp>

#include "arcface/error.hpp"
#include "arcface/models.hpp"
#include "core/detail.hpp"
#include "detector/backend.hpp"

namespace arcface {
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
    return faces_from_yunet_rows(out);
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

std::vector<Face> faces_from_yunet_rows(const cv::Mat& rows) {
  std::vector<Face> faces;
  for (int i = 0; i < rows.rows; ++i) {
    const float* r = rows.ptr<float>(i);
    Face f;
    f.box = {r[0], r[1], r[2], r[3]};
    for (int k = 0; k < 5; ++k) f.landmarks[k] = {r[4 + 2 * k], r[5 + 2 * k]};
    f.score = r[14];
    faces.push_back(f);
  }
  return faces;
}

std::unique_ptr<DetectorBackendImpl> make_yunet(const DetectorOptions& options) {
  const std::string& m = options.model;
  if (has_extension(m, ".pt")) return make_yunet_torch(options, resolve_model(m, ".pt"));
  if (m.empty() && model_installed(kYuNetModel, ".pt"))  // else not converted: OpenCV's runtime
    return make_yunet_torch(options, resolve_model(kYuNetModel, ".pt"));
  return std::make_unique<YuNet>(options);
}

}  // namespace detail

}  // namespace arcface
