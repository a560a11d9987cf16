// MTCNN's network input as face.evoLVe prepares it (see mtcnn_input.hpp).
#include "detector/mtcnn_input.hpp"

#include <algorithm>
#include <cmath>
#include <cstdint>

namespace arcface::detail {

// RGB image -> normalised planar values at dst.
void to_chw(const cv::Mat& rgb8, float* dst) {
  const int h = rgb8.rows, w = rgb8.cols, plane = h * w;
  for (int y = 0; y < h; ++y) {
    const uint8_t* row = rgb8.ptr<uint8_t>(y);
    for (int x = 0; x < w; ++x)
      for (int c = 0; c < 3; ++c) dst[c * plane + y * w + x] = (static_cast<float>(row[3 * x + c]) - 127.5f) * 0.0078125f;
  }
}

namespace {

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

}  // namespace

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

torch::Tensor box_crops(const cv::Mat& rgb, const std::vector<cv::Rect>& boxes, int size) {
  torch::Tensor x = torch::zeros({static_cast<int64_t>(boxes.size()), 3, size, size}, torch::kFloat32);
  float* data = x.data_ptr<float>();
  const cv::Rect bounds(0, 0, rgb.cols, rgb.rows);
  for (size_t n = 0; n < boxes.size(); ++n) {
    const cv::Rect& box = boxes[n];
    if (box.width <= 0 || box.height <= 0) continue;
    cv::Mat patch(box.height, box.width, CV_8UC3, cv::Scalar::all(0));
    const cv::Rect inside = box & bounds;
    if (inside.area() > 0) rgb(inside).copyTo(patch(inside - box.tl()));
    to_chw(resize_like_pil(patch, {size, size}), data + n * 3 * size * size);
  }
  return x;
}

}  // namespace arcface::detail
