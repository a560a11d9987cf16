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
#include "detector/mtcnn_input.hpp"
#include "embedder/torch_runtime.hpp"

namespace arcface::detail {
namespace {

constexpr int kVerifyRounds = 2;  // O-Net runs of face_scores(): the box, then the box as O-Net corrects it

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

  // O-Net on each box made square, then once more on the box O-Net's regression moved it to; the
  // higher probability counts (O-Net is sensitive to where the box sits on the face).
  std::vector<float> face_scores(const cv::Mat& bgr, const std::vector<cv::Rect2f>& boxes) const override {
    try {
      if (boxes.empty()) return {};
      cv::Mat rgb;
      cv::cvtColor(bgr, rgb, cv::COLOR_BGR2RGB);
      std::vector<Candidate> c(boxes.size());
      for (size_t i = 0; i < boxes.size(); ++i) {
        const cv::Rect2f& b = boxes[i];
        c[i].x1 = b.x, c[i].y1 = b.y, c[i].x2 = b.x + b.width - 1.f, c[i].y2 = b.y + b.height - 1.f;
        square_and_round(c[i]);
      }
      std::vector<float> scores(boxes.size(), 0.f);
      for (int round = 0; round < kVerifyRounds; ++round) {
        const auto out = call("run_onet", crops(rgb, c, 48));
        const float* reg = out[1].data_ptr<float>();
        const float* prob = out[2].data_ptr<float>();
        for (size_t i = 0; i < c.size(); ++i) {
          scores[i] = std::max(scores[i], prob[i]);
          for (int k = 0; k < 4; ++k) c[i].reg[k] = reg[i * 4 + k];
          calibrate(c[i]), square_and_round(c[i]);
        }
      }
      return scores;
    } catch (...) {
      rethrow_with_context("MTCNN O-Net verification with '" + path_ + "'");
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

  // Each (integer, squared) candidate box cut from the image for the next network.
  static torch::Tensor crops(const cv::Mat& rgb, const std::vector<Candidate>& boxes, int size) {
    std::vector<cv::Rect> rects;
    for (const Candidate& b : boxes)
      rects.emplace_back(static_cast<int>(b.x1), static_cast<int>(b.y1), static_cast<int>(b.w()), static_cast<int>(b.h()));
    return box_crops(rgb, rects, size);
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
