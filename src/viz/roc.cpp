// The ROC picture of a verification run: TAR against a log-scale FAR, the TAR axis zoomed to the
// curve, the EER and TAR@FAR points marked and explained in a legend.
#include <algorithm>
#include <cmath>
#include <cstdio>

#include <opencv2/imgproc.hpp>

#include "arcface/viz.hpp"

namespace arcface {

namespace viz {

namespace {

constexpr int kFont = cv::FONT_HERSHEY_SIMPLEX;

// Text turned 90 degrees counter-clockwise, its centre at @p centre.
void vertical_text(cv::Mat& img, const std::string& text, cv::Point centre, double scale, const cv::Scalar& colour) {
  int base = 0;
  const cv::Size sz = cv::getTextSize(text, kFont, scale, 1, &base);
  cv::Mat strip(sz.height + base + 4, sz.width + 4, CV_8UC3, cv::Scalar::all(255));
  cv::putText(strip, text, {2, sz.height + 2}, kFont, scale, colour, 1, cv::LINE_AA);
  cv::Mat turned;
  cv::rotate(strip, turned, cv::ROTATE_90_COUNTERCLOCKWISE);
  const cv::Rect where(centre.x - turned.cols / 2, centre.y - turned.rows / 2, turned.cols, turned.rows);
  const cv::Rect inside = where & cv::Rect(0, 0, img.cols, img.rows);
  turned(cv::Rect(inside.x - where.x, inside.y - where.y, inside.width, inside.height)).copyTo(img(inside));
}

std::string far_text(double far) {
  char buf[32];
  const double e = std::log10(far);
  if (std::abs(e - std::round(e)) < 1e-9) std::snprintf(buf, sizeof buf, "1e%d", static_cast<int>(std::round(e)));
  else std::snprintf(buf, sizeof buf, "%g", far);
  return buf;
}

}  // namespace

cv::Mat draw_roc(const VerificationMetrics& m, const std::string& title, cv::Size size) {
  size.width = std::max(size.width, 480);
  size.height = std::max(size.height, 360);
  cv::Mat img(size, CV_8UC3, cv::Scalar::all(255));
  const int left = 86, right = 24, top = 44, bottom = 58;
  const cv::Rect plot(left, top, size.width - left - right, size.height - top - bottom);
  const double lo_far = -4, hi_far = 0;  // log10 FAR range
  // TAR axis: from a round value below the lowest TAR drawn (at FAR >= 1e-4) up to 1, so that a good
  // model's curve is not squashed against the top.
  double min_tar = 1;
  for (const auto& p : m.roc)
    if (p.far >= 1e-4) min_tar = std::min(min_tar, p.tar);
  for (const auto& t : m.tar_at_far) min_tar = std::min(min_tar, t.tar);
  const double span = 1 - min_tar;
  const double step = span <= 0.08 ? 0.02 : span <= 0.2 ? 0.05 : span <= 0.45 ? 0.1 : 0.2;
  const double tar_lo = std::max(0.0, std::floor((min_tar - step / 2) / step) * step);
  auto px = [&](double far, double tar) {
    const double lf = std::log10(std::clamp(far, 1e-4, 1.0));
    return cv::Point(plot.x + static_cast<int>(std::lround((lf - lo_far) / (hi_far - lo_far) * plot.width)),
                     plot.y + plot.height - static_cast<int>(std::lround((tar - tar_lo) / (1 - tar_lo) * plot.height)));
  };
  const cv::Scalar grid(225, 225, 225), black(0, 0, 0), grey(110, 110, 110);
  const cv::Scalar curve_colour(200, 80, 0), eer_colour(0, 150, 0), far_colour(0, 0, 210);

  // The FARs below 1 / impostor pairs cannot be measured: shaded.
  if (m.negatives > 0 && 1.0 / m.negatives > 1e-4) {
    const cv::Point a = px(1e-4, 1), b = px(1.0 / m.negatives, tar_lo);
    cv::rectangle(img, cv::Rect(a, b), cv::Scalar(243, 243, 243), cv::FILLED);
    char buf[96];
    std::snprintf(buf, sizeof buf, "FAR < 1/%d impostor pairs", m.negatives);
    int base = 0;
    const double s = std::min(0.42, 0.9 * (b.x - a.x) / std::max(1, cv::getTextSize(buf, kFont, 1.0, 1, &base).width));
    cv::putText(img, buf, {a.x + 6, b.y - 10}, kFont, s, grey, 1, cv::LINE_AA);
    cv::putText(img, "not measurable", {a.x + 6, b.y - 10 - static_cast<int>(30 * s)}, kFont, s, grey, 1, cv::LINE_AA);
  }
  for (int e = -4; e <= 0; ++e) {
    const cv::Point a = px(std::pow(10.0, e), tar_lo), b = px(std::pow(10.0, e), 1);
    cv::line(img, a, b, grid);
    const std::string t = far_text(std::pow(10.0, e));
    int base = 0;
    const cv::Size sz = cv::getTextSize(t, kFont, 0.45, 1, &base);
    cv::putText(img, t, {std::min(a.x - sz.width / 2, size.width - sz.width - 2), a.y + 20}, kFont, 0.45, black, 1,
                cv::LINE_AA);
  }
  const int ticks = static_cast<int>(std::lround((1 - tar_lo) / step));
  for (int k = 0; k <= ticks; ++k) {
    const double v = tar_lo + k * step;
    const cv::Point a = px(1e-4, v), b = px(1, v);
    cv::line(img, a, b, grid);
    char buf[16];
    std::snprintf(buf, sizeof buf, step < 0.1 ? "%.2f" : "%.1f", v);
    int base = 0;
    const cv::Size sz = cv::getTextSize(buf, kFont, 0.45, 1, &base);
    cv::putText(img, buf, {a.x - sz.width - 8, a.y + sz.height / 2}, kFont, 0.45, black, 1, cv::LINE_AA);
  }
  cv::rectangle(img, plot, black);

  std::vector<cv::Point> pts;
  for (const auto& p : m.roc)
    if (p.far > 0 && p.tar >= tar_lo) pts.push_back(px(p.far, p.tar));
  if (pts.size() > 1) cv::polylines(img, pts, false, curve_colour, 2, cv::LINE_AA);
  // TAR@FAR: a filled dot when the FAR is resolved, a ring (an upper bound) when it is not.
  for (const auto& t : m.tar_at_far)
    cv::circle(img, px(t.target_far, t.tar), 6, far_colour, t.enough_negatives ? cv::FILLED : 2, cv::LINE_AA);
  cv::circle(img, px(m.eer, 1 - m.eer), 6, eer_colour, cv::FILLED, cv::LINE_AA);

  cv::putText(img, title, {left, 28}, kFont, 0.6, black, 1, cv::LINE_AA);
  int base = 0;
  const std::string xlabel = "false accept rate, FAR (log scale)";
  const cv::Size xs = cv::getTextSize(xlabel, kFont, 0.5, 1, &base);
  cv::putText(img, xlabel, {plot.x + (plot.width - xs.width) / 2, size.height - 12}, kFont, 0.5, black, 1, cv::LINE_AA);
  vertical_text(img, "true accept rate, TAR", {18, plot.y + plot.height / 2}, 0.5, black);

  // Legend, bottom right inside the plot (where a ROC curve never goes).
  std::vector<std::pair<int, std::string>> rows;  // kind: 0 curve, 1 EER, 2 resolved TAR@FAR, 3 unresolved
  char buf[160];
  std::snprintf(buf, sizeof buf, "ROC (AUC %.4f)", m.auc);
  rows.emplace_back(0, buf);
  std::snprintf(buf, sizeof buf, "EER %.2f %%: FAR = 1 - TAR", 100 * m.eer);
  rows.emplace_back(1, buf);
  for (const auto& t : m.tar_at_far) {
    std::snprintf(buf, sizeof buf, "TAR %.2f %% at FAR %s%s", 100 * t.tar, far_text(t.target_far).c_str(),
                  t.enough_negatives ? "" : " (upper bound)");
    rows.emplace_back(t.enough_negatives ? 2 : 3, buf);
  }
  int text_w = 0;
  for (const auto& r : rows) text_w = std::max(text_w, cv::getTextSize(r.second, kFont, 0.45, 1, &base).width);
  const int row_h = 20, box_w = text_w + 44, box_h = row_h * static_cast<int>(rows.size()) + 10;
  const cv::Rect box(plot.x + plot.width - box_w - 10, plot.y + plot.height - box_h - 10, box_w, box_h);
  cv::rectangle(img, box, cv::Scalar::all(255), cv::FILLED);
  cv::rectangle(img, box, cv::Scalar(160, 160, 160), 1);
  for (std::size_t i = 0; i < rows.size(); ++i) {
    const int y = box.y + 5 + row_h * static_cast<int>(i) + row_h / 2;
    const cv::Point mark(box.x + 18, y);
    switch (rows[i].first) {
      case 0: cv::line(img, mark - cv::Point(10, 0), mark + cv::Point(10, 0), curve_colour, 2, cv::LINE_AA); break;
      case 1: cv::circle(img, mark, 6, eer_colour, cv::FILLED, cv::LINE_AA); break;
      case 2: cv::circle(img, mark, 6, far_colour, cv::FILLED, cv::LINE_AA); break;
      default: cv::circle(img, mark, 6, far_colour, 2, cv::LINE_AA); break;
    }
    cv::putText(img, rows[i].second, {box.x + 36, y + 5}, kFont, 0.45, black, 1, cv::LINE_AA);
  }
  return img;
}

}  // namespace viz

cv::Mat draw_roc(const VerificationMetrics& metrics, const std::string& title, cv::Size size) {
  return viz::draw_roc(metrics, title, size);
}

}  // namespace arcface
