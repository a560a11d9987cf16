// The YuNet backend on LibTorch: YuNet's network as TorchScript (models/yunet.pt, converted from
// yunet.onnx by scripts/prepare_models.py) with the post-processing of OpenCV 4.6's
// cv::FaceDetectorYN re-implemented (priors, decoding, scores, NMS), so that it finds the same
// faces as the OpenCV backend (detector/yunet.cpp), faster on CPU (bench/bench_detector.py).
#include <malloc.h>

#include <cmath>
#include <cstdlib>
#include <mutex>

#include <nlohmann/json.hpp>
#include <opencv2/core.hpp>
#include <opencv2/dnn.hpp>

#include "arcface/error.hpp"
#include "core/detail.hpp"
#include "detector/backend.hpp"
#include "embedder/torch_runtime.hpp"

namespace arcface::detail {
namespace {

constexpr int kMinSide = 64;  // the network's 5 downsamplings need at least 64 px per side
constexpr int kTopK = 5000;   // as the OpenCV backend

// LibTorch allocates every activation anew; with glibc's adaptive thresholds, images of changing
// sizes make it return the freed memory to the system and fault it in again on the next call,
// which costs more than the network itself. The thresholds glibc adapts towards, fixed once per
// process (a MALLOC_*_THRESHOLD_ environment variable set by the user wins).
void keep_freed_activations() {
  static std::once_flag once;
  std::call_once(once, [] {
    if (std::getenv("MALLOC_TRIM_THRESHOLD_") || std::getenv("MALLOC_MMAP_THRESHOLD_")) return;
    mallopt(M_MMAP_THRESHOLD, 32 << 20);
    mallopt(M_TRIM_THRESHOLD, 64 << 20);
  });
}

// A prior (anchor) box, relative to the input size: centre and size.
struct Prior {
  float cx, cy, w, h;
};

// The priors of YuNet (2022mar) for a w x h input, in the network's output order: feature maps of
// strides 8, 16, 32 and 64, row by row, with 3, 2, 2 and 3 anchor sizes per cell.
std::vector<Prior> make_priors(int w, int h) {
  static const std::vector<std::vector<float>> kMinSizes = {{10.f, 16.f, 24.f}, {32.f, 48.f}, {64.f, 96.f},
                                                           {128.f, 192.f, 256.f}};
  static const int kSteps[] = {8, 16, 32, 64};
  // Feature map sizes: a stride-2 convolution (rounding up), then max-poolings (rounding down).
  int fw = (w + 1) / 2 / 2, fh = (h + 1) / 2 / 2;
  std::vector<Prior> priors;
  for (size_t level = 0; level < kMinSizes.size(); ++level) {
    fw /= 2, fh /= 2;
    for (int y = 0; y < fh; ++y)
      for (int x = 0; x < fw; ++x)
        for (const float s : kMinSizes[level])
          priors.push_back({(x + 0.5f) * kSteps[level] / w, (y + 0.5f) * kSteps[level] / h, s / w, s / h});
  }
  return priors;
}

class YuNetTorch final : public DetectorBackendImpl {
 public:
  YuNetTorch(const DetectorOptions& o, std::string path) : o_(o), path_(std::move(path)) {
    const std::string fix = "; re-create it with scripts/prepare_models.py (arcface models install) or remove it to "
                            "use yunet.onnx on OpenCV DNN";
    std::string meta;
    try {
      module_ = load_torchscript(path_, meta, /*optimize=*/true);
    } catch (const ModelError& e) {
      throw ModelError(e.what() + fix);
    }
    std::string kind;
    try {
      kind = nlohmann::json::parse(meta).value("kind", "");
    } catch (const nlohmann::json::exception&) {
      kind = "";
    }
    if (kind != "yunet")
      throw ModelError("model '" + path_ + "' is not a YuNet detector (metadata kind '" + kind + "')" + fix);
    keep_freed_activations();
    try {  // a first run, so that a wrong network fails here rather than on the first image
      detect(cv::Mat(kMinSide, kMinSide, CV_8UC3, cv::Scalar::all(0)));
    } catch (const Error& e) {
      throw ModelError(e.what());
    }
  }

  std::vector<Face> detect(const cv::Mat& image) const override {
    try {
      return detect_impl(image);
    } catch (...) {
      rethrow_with_context("YuNet (LibTorch) detection with '" + path_ + "'");
    }
  }

 private:
  std::vector<Face> detect_impl(const cv::Mat& image) const {
    // Images smaller than 64 px are padded (black, bottom and right: coordinates are unchanged).
    cv::Mat bgr = image;
    if (image.cols < kMinSide || image.rows < kMinSide)
      cv::copyMakeBorder(image, bgr, 0, std::max(0, kMinSide - image.rows), 0, std::max(0, kMinSide - image.cols),
                         cv::BORDER_CONSTANT, cv::Scalar::all(0));
    if (!bgr.isContinuous()) bgr = bgr.clone();
    const int w = bgr.cols, h = bgr.rows;
    std::vector<torch::Tensor> out;
    {
      c10::InferenceMode guard;
      // BGR pixel values 0-255, NCHW, as cv::dnn::blobFromImage makes them.
      const torch::Tensor x = torch::from_blob(bgr.data, {1, h, w, 3}, torch::kUInt8)
                                  .permute({0, 3, 1, 2})
                                  .to(torch::kFloat32)
                                  .contiguous();
      const auto tuple = module_.forward({x}).toTuple();
      for (const auto& e : tuple->elements()) out.push_back(e.toTensor().contiguous());
    }
    const std::vector<Prior> priors = make_priors(w, h);
    const auto n = static_cast<int64_t>(priors.size());
    if (out.size() != 3 || out[0].numel() != n * 14 || out[1].numel() != n * 2 || out[2].numel() != n)
      throw ModelError("model '" + path_ + "' does not return YuNet's loc, conf and iou for the " +
                       std::to_string(n) + " priors of a " + std::to_string(w) + "x" + std::to_string(h) + " image");
    return decode(priors, out[0].data_ptr<float>(), out[1].data_ptr<float>(), out[2].data_ptr<float>(),
                  static_cast<float>(w), static_cast<float>(h));
  }

  // FaceDetectorYN's post-processing: score = sqrt(face probability x clamped IoU prediction);
  // box and landmarks decoded from the prior with variances 0.1 (centre, landmarks, width) and
  // 0.2 (height); NMS on the boxes rounded towards zero to integers, at most kTopK faces.
  std::vector<Face> decode(const std::vector<Prior>& priors, const float* loc, const float* conf, const float* iou,
                           float w, float h) const {
    constexpr float v0 = 0.1f, v1 = 0.2f;
    std::vector<Face> candidates;
    std::vector<cv::Rect> boxes;
    std::vector<float> scores;
    for (size_t i = 0; i < priors.size(); ++i) {
      const float score = std::sqrt(conf[i * 2 + 1] * std::min(1.f, std::max(0.f, iou[i])));
      if (!(score > o_.score_threshold)) continue;  // NMSBoxes keeps scores above the threshold only
      const Prior& p = priors[i];
      const float* l = loc + i * 14;
      Face f;
      const float cx = (p.cx + l[0] * v0 * p.w) * w, cy = (p.cy + l[1] * v0 * p.h) * h;
      const float bw = p.w * std::exp(l[2] * v0) * w, bh = p.h * std::exp(l[3] * v1) * h;
      f.box = {cx - bw / 2, cy - bh / 2, bw, bh};
      for (int k = 0; k < 5; ++k)
        f.landmarks[k] = {(p.cx + l[4 + 2 * k] * v0 * p.w) * w, (p.cy + l[5 + 2 * k] * v0 * p.h) * h};
      f.score = score;
      boxes.emplace_back(static_cast<int>(f.box.x), static_cast<int>(f.box.y), static_cast<int>(f.box.width),
                         static_cast<int>(f.box.height));
      scores.push_back(score);
      candidates.push_back(f);
    }
    std::vector<int> keep;
    cv::dnn::NMSBoxes(boxes, scores, o_.score_threshold, o_.nms_threshold, keep, 1.f, kTopK);
    std::vector<Face> faces;
    faces.reserve(keep.size());
    for (const int k : keep) faces.push_back(candidates[static_cast<size_t>(k)]);
    return faces;
  }

  DetectorOptions o_;
  std::string path_;
  mutable torch::jit::Module module_;  // forward() of an inference-mode module may run concurrently
};

}  // namespace

std::unique_ptr<DetectorBackendImpl> make_yunet_torch(const DetectorOptions& options, const std::string& path) {
  return std::make_unique<YuNetTorch>(options, path);
}

}  // namespace arcface::detail
