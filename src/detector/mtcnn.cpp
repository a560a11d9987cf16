// MTCNN as face.evoLVe's `applications/align/detector.py` runs it: an image pyramid through
// P-Net, then R-Net and O-Net on the surviving candidates, with the same box calibration,
// square-ing, rounding, NMS modes and landmark decoding. The three networks come from one
// TorchScript file written by scripts/prepare_models.py.
#include <algorithm>
#include <cmath>
#include <numeric>

#include <nlohmann/json.hpp>
#include <opencv2/imgproc.hpp>

#include "arcface/error.hpp"
#include "arcface/models.hpp"
#include "core/detail.hpp"
#include "detector/backend.hpp"
#include "embedder/torch_runtime.hpp"

namespace arcface::detail {
namespace {

struct Candidate {
  float x1, y1, x2, y2, score;
  std::array<float, 4> reg{};
  std::array<float, 10> landmarks{};  // x1..x5, y1..y5
  float w() const { return x2 - x1 + 1.f; }
  float h() const { return y2 - y1 + 1.f; }
};

// Greedy NMS in decreasing score order; "min" mode divides by the smaller area.
std::vector<Candidate> nms(const std::vector<Candidate>& boxes, float threshold, bool min_mode) {
  std::vector<int> order(boxes.size());
  std::iota(order.begin(), order.end(), 0);
  std::stable_sort(order.begin(), order.end(), [&](int a, int b) { return boxes[a].score > boxes[b].score; });
  std::vector<char> dropped(boxes.size(), 0);
  std::vector<Candidate> kept;
  for (size_t oi = 0; oi < order.size(); ++oi) {
    const int i = order[oi];
    if (dropped[i]) continue;
    const Candidate& a = boxes[i];
    kept.push_back(a);
    const float area_a = a.w() * a.h();
    for (size_t oj = oi + 1; oj < order.size(); ++oj) {
      const int j = order[oj];
      if (dropped[j]) continue;
      const Candidate& b = boxes[j];
      const float iw = std::max(0.f, std::min(a.x2, b.x2) - std::max(a.x1, b.x1) + 1.f);
      const float ih = std::max(0.f, std::min(a.y2, b.y2) - std::max(a.y1, b.y1) + 1.f);
      const float inter = iw * ih, area_b = b.w() * b.h();
      const float overlap = min_mode ? inter / std::min(area_a, area_b) : inter / (area_a + area_b - inter);
      if (overlap > threshold) dropped[j] = 1;
    }
  }
  return kept;
}

void calibrate(Candidate& c) {
  const float w = c.w(), h = c.h();
  c.x1 += c.reg[0] * w;
  c.y1 += c.reg[1] * h;
  c.x2 += c.reg[2] * w;
  c.y2 += c.reg[3] * h;
}

void square_and_round(Candidate& c) {
  const float w = c.w(), h = c.h(), side = std::max(w, h);
  c.x1 = c.x1 + w * 0.5f - side * 0.5f;
  c.y1 = c.y1 + h * 0.5f - side * 0.5f;
  c.x2 = c.x1 + side - 1.f;
  c.y2 = c.y1 + side - 1.f;
  c.x1 = std::nearbyint(c.x1), c.y1 = std::nearbyint(c.y1), c.x2 = std::nearbyint(c.x2), c.y2 = std::nearbyint(c.y2);
}

// RGB float image -> normalised NCHW values at dst.
void to_chw(const cv::Mat& rgb8, float* dst) {
  const int h = rgb8.rows, w = rgb8.cols, plane = h * w;
  for (int y = 0; y < h; ++y) {
    const uint8_t* row = rgb8.ptr<uint8_t>(y);
    for (int x = 0; x < w; ++x)
      for (int c = 0; c < 3; ++c) dst[c * plane + y * w + x] = (static_cast<float>(row[3 * x + c]) - 127.5f) * 0.0078125f;
  }
}

// Resampling as PIL's Image.resize(size, BILINEAR) does it (face.evoLVe resizes with PIL): a
// separable triangle filter whose support grows with the downscaling factor (antialiasing),
// horizontal pass first, each pass rounded to 8 bits. cv::resize has no equivalent filter, and
// the O-Net landmarks are sensitive to it.
struct FilterTaps {
  std::vector<int> first;       // first input index per output index
  std::vector<int> count;       // number of taps per output index
  std::vector<double> weights;  // count[i] weights at i * max_taps
  int max_taps = 0;
};

FilterTaps triangle_taps(int in_size, int out_size) {
  const double scale = static_cast<double>(in_size) / out_size;
  const double filterscale = std::max(scale, 1.0);
  const double support = filterscale;  // bilinear support 1.0, scaled
  FilterTaps t;
  t.max_taps = static_cast<int>(std::ceil(support)) * 2 + 1;
  t.first.resize(out_size);
  t.count.resize(out_size);
  t.weights.assign(static_cast<size_t>(out_size) * t.max_taps, 0.0);
  for (int i = 0; i < out_size; ++i) {
    const double center = (i + 0.5) * scale;
    const int xmin = std::max(static_cast<int>(center - support + 0.5), 0);
    const int xmax = std::min(static_cast<int>(center + support + 0.5), in_size);
    double total = 0;
    double* w = &t.weights[static_cast<size_t>(i) * t.max_taps];
    const int n = std::min(xmax - xmin, t.max_taps);
    for (int k = 0; k < n; ++k) {
      const double x = std::abs((k + xmin - center + 0.5) / filterscale);
      w[k] = x < 1.0 ? 1.0 - x : 0.0;
      total += w[k];
    }
    if (total > 0)
      for (int k = 0; k < n; ++k) w[k] /= total;
    t.first[i] = xmin;
    t.count[i] = n;
  }
  return t;
}

inline uint8_t clip8(double v) { return static_cast<uint8_t>(std::min(255.0, std::max(0.0, std::floor(v + 0.5)))); }

cv::Mat resize_like_pil(const cv::Mat& src, cv::Size size) {
  cv::Mat tmp = src;
  if (size.width != src.cols) {
    const FilterTaps t = triangle_taps(src.cols, size.width);
    tmp.create(src.rows, size.width, CV_8UC3);
    for (int y = 0; y < src.rows; ++y) {
      const uint8_t* in = src.ptr<uint8_t>(y);
      uint8_t* out = tmp.ptr<uint8_t>(y);
      for (int x = 0; x < size.width; ++x) {
        const double* w = &t.weights[static_cast<size_t>(x) * t.max_taps];
        double acc[3] = {0, 0, 0};
        for (int k = 0; k < t.count[x]; ++k) {
          const uint8_t* px = in + 3 * (t.first[x] + k);
          acc[0] += w[k] * px[0], acc[1] += w[k] * px[1], acc[2] += w[k] * px[2];
        }
        for (int c = 0; c < 3; ++c) out[3 * x + c] = clip8(acc[c]);
      }
    }
  }
  if (size.height == tmp.rows) return tmp.data == src.data ? src.clone() : tmp;
  const FilterTaps t = triangle_taps(tmp.rows, size.height);
  cv::Mat out(size.height, tmp.cols, CV_8UC3);
  std::vector<double> acc(3 * static_cast<size_t>(tmp.cols));
  for (int y = 0; y < size.height; ++y) {
    std::fill(acc.begin(), acc.end(), 0.0);
    const double* w = &t.weights[static_cast<size_t>(y) * t.max_taps];
    for (int k = 0; k < t.count[y]; ++k) {
      const uint8_t* in = tmp.ptr<uint8_t>(t.first[y] + k);
      for (size_t i = 0; i < acc.size(); ++i) acc[i] += w[k] * in[i];
    }
    uint8_t* o = out.ptr<uint8_t>(y);
    for (size_t i = 0; i < acc.size(); ++i) o[i] = clip8(acc[i]);
  }
  return out;
}

class Mtcnn final : public DetectorBackendImpl {
 public:
  explicit Mtcnn(const DetectorOptions& o) : o_(o) {
    path_ = resolve_model(o.model.empty() ? kMtcnnModel : o.model, ".pt");
    std::string json;
    module_ = load_torchscript(path_, json, true, {"run_pnet", "run_rnet", "run_onet"});
    if (json.empty()) throw ModelError("model '" + path_ + "' has no arcface metadata (arcface.json)");
    try {
      if (nlohmann::json::parse(json).value("kind", "") != "mtcnn")
        throw ModelError("model '" + path_ + "' is not an MTCNN model (metadata kind is not 'mtcnn')");
    } catch (const nlohmann::json::exception& e) {
      throw ModelError("model '" + path_ + "' has invalid arcface metadata: " + e.what());
    }
    for (const char* m : {"run_pnet", "run_rnet", "run_onet"})
      if (!module_.find_method(m)) throw ModelError("model '" + path_ + "' lacks the MTCNN method " + m);
  }

  std::vector<Face> detect(const cv::Mat& bgr) const override {
    try {
      return detect_impl(bgr);
    } catch (...) {
      rethrow_with_context("MTCNN detection with '" + path_ + "'");
    }
  }

 private:
  std::vector<torch::Tensor> call(const char* method, const torch::Tensor& x) const {
    c10::InferenceMode guard;
    auto out = module_.get_method(method)({x}).toTuple();
    std::vector<torch::Tensor> t;
    for (const auto& e : out->elements()) t.push_back(e.toTensor().contiguous());
    return t;
  }

  std::vector<Candidate> first_stage(const cv::Mat& rgb, double scale) const {
    const cv::Size size(static_cast<int>(std::ceil(rgb.cols * scale)), static_cast<int>(std::ceil(rgb.rows * scale)));
    const cv::Mat img = resize_like_pil(rgb, size);
    torch::Tensor x = torch::empty({1, 3, size.height, size.width}, torch::kFloat32);
    to_chw(img, x.data_ptr<float>());
    const auto out = call("run_pnet", x);
    const torch::Tensor& reg = out[0];  // 1 x 4 x H x W
    const torch::Tensor& prob = out[1];  // 1 x H x W
    const int H = static_cast<int>(prob.size(1)), W = static_cast<int>(prob.size(2));
    const float* p = prob.data_ptr<float>();
    const float* r = reg.data_ptr<float>();
    std::vector<Candidate> boxes;
    constexpr float stride = 2.f, cell = 12.f;
    for (int i = 0; i < H; ++i)
      for (int j = 0; j < W; ++j) {
        const float s = p[i * W + j];
        if (!(s > o_.mtcnn_thresholds[0])) continue;
        Candidate c;
        c.x1 = static_cast<float>(std::nearbyint((stride * j + 1.f) / scale));
        c.y1 = static_cast<float>(std::nearbyint((stride * i + 1.f) / scale));
        c.x2 = static_cast<float>(std::nearbyint((stride * j + 1.f + cell) / scale));
        c.y2 = static_cast<float>(std::nearbyint((stride * i + 1.f + cell) / scale));
        c.score = s;
        for (int k = 0; k < 4; ++k) c.reg[k] = r[k * H * W + i * W + j];
        boxes.push_back(c);
      }
    return nms(boxes, 0.5f, false);
  }

  // Crops each (integer) box from the image, zero-padded outside it, resized to size x size.
  torch::Tensor crops(const cv::Mat& rgb, const std::vector<Candidate>& boxes, int size) const {
    torch::Tensor x = torch::zeros({static_cast<int64_t>(boxes.size()), 3, size, size}, torch::kFloat32);
    float* data = x.data_ptr<float>();
    const cv::Rect bounds(0, 0, rgb.cols, rgb.rows);
    for (size_t n = 0; n < boxes.size(); ++n) {
      const Candidate& b = boxes[n];
      const int x1 = static_cast<int>(b.x1), y1 = static_cast<int>(b.y1);
      const int w = static_cast<int>(b.w()), h = static_cast<int>(b.h());
      if (w <= 0 || h <= 0) continue;
      cv::Mat patch(h, w, CV_8UC3, cv::Scalar::all(0));
      const cv::Rect box(x1, y1, w, h);
      const cv::Rect inside = box & bounds;
      if (inside.area() > 0) rgb(inside).copyTo(patch(inside - box.tl()));
      to_chw(resize_like_pil(patch, {size, size}), data + n * 3 * size * size);
    }
    return x;
  }

  std::vector<Face> detect_impl(const cv::Mat& bgr) const {
    cv::Mat rgb;
    cv::cvtColor(bgr, rgb, cv::COLOR_BGR2RGB);
    // Pyramid scales as face.evoLVe computes them.
    const float min_detection = 12.f;
    const float m = min_detection / std::max(o_.min_face_size, 1.f);
    std::vector<double> scales;
    double min_length = std::min(rgb.rows, rgb.cols) * m;
    for (int k = 0; min_length > min_detection; ++k) {
      scales.push_back(m * std::pow(o_.mtcnn_scale_factor, k));
      min_length *= o_.mtcnn_scale_factor;
    }
    // Stage 1.
    std::vector<Candidate> boxes;
    for (double s : scales) {
      auto b = first_stage(rgb, s);
      boxes.insert(boxes.end(), b.begin(), b.end());
    }
    if (boxes.empty()) return {};
    boxes = nms(boxes, o_.mtcnn_nms_thresholds[0], false);
    for (auto& b : boxes) calibrate(b), square_and_round(b);

    // Stage 2.
    {
      const auto out = call("run_rnet", crops(rgb, boxes, 24));
      const float* reg = out[0].data_ptr<float>();
      const float* prob = out[1].data_ptr<float>();
      std::vector<Candidate> next;
      for (size_t i = 0; i < boxes.size(); ++i) {
        if (!(prob[i] > o_.mtcnn_thresholds[1])) continue;
        Candidate c = boxes[i];
        c.score = prob[i];
        for (int k = 0; k < 4; ++k) c.reg[k] = reg[i * 4 + k];
        next.push_back(c);
      }
      boxes = nms(next, o_.mtcnn_nms_thresholds[1], false);
      for (auto& b : boxes) calibrate(b), square_and_round(b);
    }
    if (boxes.empty()) return {};

    // Stage 3.
    std::vector<Candidate> final_boxes;
    {
      const auto out = call("run_onet", crops(rgb, boxes, 48));
      const float* lm = out[0].data_ptr<float>();
      const float* reg = out[1].data_ptr<float>();
      const float* prob = out[2].data_ptr<float>();
      for (size_t i = 0; i < boxes.size(); ++i) {
        if (!(prob[i] > o_.mtcnn_thresholds[2])) continue;
        Candidate c = boxes[i];
        c.score = prob[i];
        for (int k = 0; k < 4; ++k) c.reg[k] = reg[i * 4 + k];
        const float w = c.w(), h = c.h();
        for (int k = 0; k < 5; ++k) {
          c.landmarks[k] = c.x1 + w * lm[i * 10 + k];
          c.landmarks[5 + k] = c.y1 + h * lm[i * 10 + 5 + k];
        }
        calibrate(c);
        final_boxes.push_back(c);
      }
    }
    final_boxes = nms(final_boxes, o_.mtcnn_nms_thresholds[2], true);
    std::vector<Face> faces;
    for (const auto& c : final_boxes) {
      Face f;
      f.box = {c.x1, c.y1, c.w(), c.h()};
      for (int k = 0; k < 5; ++k) f.landmarks[k] = {c.landmarks[k], c.landmarks[5 + k]};
      f.score = c.score;
      faces.push_back(f);
    }
    return faces;
  }

  DetectorOptions o_;
  std::string path_;
  mutable torch::jit::Module module_;
};

}  // namespace

std::unique_ptr<DetectorBackendImpl> make_mtcnn(const DetectorOptions& options) {
  return std::make_unique<Mtcnn>(options);
}

}  // namespace arcface::detail
