#include "arcface/viz.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <map>

#include <opencv2/imgproc.hpp>

#include "arcface/error.hpp"

namespace arcface::viz {

namespace {

constexpr int kFont = cv::FONT_HERSHEY_SIMPLEX;

// viridis lookup: 256 BGR colours.
const cv::Mat& viridis() {
  static const cv::Mat lut = [] {
    cv::Mat ramp(256, 1, CV_8UC1), out;
    for (int i = 0; i < 256; ++i) ramp.at<uchar>(i) = static_cast<uchar>(i);
    cv::applyColorMap(ramp, out, cv::COLORMAP_VIRIDIS);
    return out;
  }();
  return lut;
}

cv::Scalar colour_at(double t) {
  const int i = std::clamp(static_cast<int>(std::lround(t * 255)), 0, 255);
  const auto c = viridis().at<cv::Vec3b>(i);
  return {static_cast<double>(c[0]), static_cast<double>(c[1]), static_cast<double>(c[2])};
}

cv::Mat square_face(const cv::Mat& f, int side) {
  if (f.empty() || f.type() != CV_8UC3) throw InputError("viz: faces must be non-empty BGR CV_8UC3 images");
  const int s = std::min(f.cols, f.rows);
  cv::Mat crop = f(cv::Rect((f.cols - s) / 2, (f.rows - s) / 2, s, s)), out;
  cv::resize(crop, out, {side, side}, 0, 0, side < s ? cv::INTER_AREA : cv::INTER_LINEAR);
  return out;
}

// Text centred at (cx, cy) scaled to fit width w.
void centred_text(cv::Mat& img, const std::string& text, cv::Point centre, double max_w, double max_scale,
                  const cv::Scalar& colour, int thickness = 1) {
  int base = 0;
  const cv::Size one = cv::getTextSize(text, kFont, 1.0, thickness, &base);
  const double scale = std::min(max_scale, max_w / std::max(1, one.width));
  const cv::Size sz = cv::getTextSize(text, kFont, scale, thickness, &base);
  cv::putText(img, text, {centre.x - sz.width / 2, centre.y + sz.height / 2}, kFont, scale, colour, thickness,
              cv::LINE_AA);
}

struct GridLayout {
  int cell, title_h, legend_w, width, height;
};

GridLayout layout(int n, const GridOptions& o) {
  GridLayout l{};
  l.cell = o.cell > 0 ? o.cell : std::clamp(3000 / (n + 1), 48, 160);
  l.title_h = o.title.empty() ? 0 : std::max(32, l.cell / 3);
  l.legend_w = std::max(90, l.cell);
  l.width = l.cell * (n + 1) + l.legend_w;
  l.height = l.title_h + l.cell * (n + 1) + std::max(14, l.cell / 8);  // room for the lowest tick label
  return l;
}

// A name on a dark band along the bottom of a face thumbnail.
void name_band(cv::Mat& img, const cv::Rect& face, const std::string& name) {
  if (name.empty()) return;
  const int h = std::max(12, face.height / 6);
  const cv::Rect band(face.x, face.y + face.height - h, face.width, h);
  cv::Mat roi = img(band);
  roi.convertTo(roi, -1, 0.35, 0);  // darken
  int base = 0;
  const cv::Size one = cv::getTextSize(name, kFont, 1.0, 1, &base);
  const double scale = std::min(0.8 * h / std::max(1, one.height), 0.92 * face.width / std::max(1, one.width));
  const cv::Size sz = cv::getTextSize(name, kFont, scale, 1, &base);
  cv::putText(img, name, {band.x + (band.width - sz.width) / 2, band.y + (band.height + sz.height) / 2}, kFont, scale,
              {255, 255, 255}, 1, cv::LINE_AA);
}

}  // namespace

cv::Scalar label_colour(int i) {
  static const cv::Scalar palette[] = {  // tab20-like, BGR
      {180, 119, 31}, {14, 127, 255}, {44, 160, 44},   {40, 39, 214},   {189, 103, 148}, {75, 86, 140},
      {194, 119, 227}, {127, 127, 127}, {34, 189, 188}, {207, 190, 23}, {232, 199, 174}, {120, 187, 255},
      {138, 223, 152}, {150, 152, 255}, {213, 176, 197}, {148, 156, 196}, {210, 182, 247}, {199, 199, 199},
      {141, 219, 219}, {229, 218, 158}};
  constexpr int n = sizeof(palette) / sizeof(palette[0]);
  return palette[((i % n) + n) % n];
}

cv::Size similarity_grid_size(int n, const GridOptions& o) {
  const auto l = layout(n, o);
  return {l.width, l.height};
}

cv::Mat similarity_grid(const std::vector<cv::Mat>& faces, const Eigen::MatrixXf& sim,
                        const std::vector<std::string>& labels, const GridOptions& o) {
  const int n = static_cast<int>(faces.size());
  if (n < 1) throw InputError("similarity_grid: no faces");
  if (sim.rows() != n || sim.cols() != n)
    throw InputError("similarity_grid: " + std::to_string(n) + " faces but a " + std::to_string(sim.rows()) + "x" +
                     std::to_string(sim.cols()) + " similarity matrix");
  if (static_cast<int>(labels.size()) != n)
    throw InputError("similarity_grid: " + std::to_string(n) + " faces but " + std::to_string(labels.size()) + " labels");
  const auto l = layout(n, o);
  const int c = l.cell, top = l.title_h;
  cv::Mat img(l.height, l.width, CV_8UC3, cv::Scalar(255, 255, 255));
  if (!o.title.empty()) centred_text(img, o.title, {c * (n + 1) / 2, top / 2}, c * (n + 1) * 0.9, 1.0, {0, 0, 0}, 2);
  const std::vector<std::string>& names = o.names.empty() ? labels : o.names;
  if (names.size() != labels.size())
    throw InputError("similarity_grid: " + std::to_string(n) + " faces but " + std::to_string(names.size()) + " names");
  for (int i = 0; i < n; ++i) {
    const cv::Mat f = square_face(faces[static_cast<std::size_t>(i)], c);
    const cv::Rect at_top(c * (i + 1), top, c, c), at_left(0, top + c * (i + 1), c, c);
    f.copyTo(img(at_top));
    f.copyTo(img(at_left));
    name_band(img, at_top, names[static_cast<std::size_t>(i)]);
    name_band(img, at_left, names[static_cast<std::size_t>(i)]);
  }
  const int mark = std::max(2, c / 14);
  // One text size for every cell value, fitted to the widest ("-0.00"), so negatives are not smaller.
  int base = 0;
  const double value_scale =
      std::min(1.2, c * 0.62 / std::max(1, cv::getTextSize("-0.00", kFont, 1.0, c >= 90 ? 2 : 1, &base).width));
  for (int i = 0; i < n; ++i)
    for (int j = 0; j < n; ++j) {
      const float v = sim(i, j);
      const double t = o.clip ? std::clamp(static_cast<double>(v), 0.0, 1.0) : (std::clamp(static_cast<double>(v), -1.0, 1.0) + 1) / 2;
      const cv::Rect cell(c * (j + 1), top + c * (i + 1), c, c);
      cv::rectangle(img, cell, colour_at(t), cv::FILLED);
      const auto& li = labels[static_cast<std::size_t>(i)];
      if (o.mark_same && !li.empty() && li == labels[static_cast<std::size_t>(j)]) {
        // Four filled bands inside the cell (a thick cv::rectangle leaves specks at the corners).
        const cv::Scalar red(60, 20, 230);
        cv::rectangle(img, cv::Rect(cell.x, cell.y, c, mark), red, cv::FILLED);
        cv::rectangle(img, cv::Rect(cell.x, cell.y + c - mark, c, mark), red, cv::FILLED);
        cv::rectangle(img, cv::Rect(cell.x, cell.y, mark, c), red, cv::FILLED);
        cv::rectangle(img, cv::Rect(cell.x + c - mark, cell.y, mark, c), red, cv::FILLED);
      }
      if (o.values) {
        char buf[16];
        std::snprintf(buf, sizeof buf, "%.2f", std::fabs(v) < 0.005f ? 0.f : v);
        const int thick = c >= 90 ? 2 : 1;
        const cv::Size sz = cv::getTextSize(buf, kFont, value_scale, thick, &base);
        cv::putText(img, buf, {cell.x + (c - sz.width) / 2, cell.y + (c + sz.height) / 2}, kFont, value_scale,
                    t < 0.55 ? cv::Scalar(255, 255, 255) : cv::Scalar(0, 0, 0), thick, cv::LINE_AA);
      }
    }
  // Legend: a vertical colour bar with ticks.
  const int lx = c * (n + 1) + l.legend_w / 6, lw = std::max(14, l.legend_w / 5);
  const int ly0 = top + c, ly1 = top + c * (n + 1) - 1;
  for (int y = ly0; y <= ly1; ++y) {
    const double t = 1.0 - static_cast<double>(y - ly0) / std::max(1, ly1 - ly0);
    cv::line(img, {lx, y}, {lx + lw, y}, colour_at(t));
  }
  cv::rectangle(img, {lx, ly0, lw + 1, ly1 - ly0 + 1}, {0, 0, 0}, 1);
  const double lo = o.clip ? 0.0 : -1.0;
  // Tick labels as large as the legend column allows ("-1.00" must fit beside the bar).
  const double tick_scale = std::clamp((l.legend_w - (lx - c * (n + 1)) - lw - 12) /
                                           std::max(1.0, static_cast<double>(cv::getTextSize("-1.00", kFont, 1.0, 1, &base).width)),
                                       0.4, 0.8);
  for (int k = 0; k <= 4; ++k) {
    const double t = k / 4.0;
    const int y = ly1 - static_cast<int>(std::lround(t * (ly1 - ly0)));
    char buf[16];
    std::snprintf(buf, sizeof buf, "%.2f", lo + t * (1.0 - lo));
    cv::line(img, {lx + lw, y}, {lx + lw + 5, y}, {0, 0, 0});
    const cv::Size sz = cv::getTextSize(buf, kFont, tick_scale, 1, &base);
    cv::putText(img, buf, {lx + lw + 8, y + sz.height / 2}, kFont, tick_scale, {0, 0, 0}, 1, cv::LINE_AA);
  }
  const int tick_h = cv::getTextSize("1.00", kFont, tick_scale, 1, &base).height;
  cv::putText(img, "cosine", {lx - 4, ly0 - tick_h - 8}, kFont, tick_scale, {0, 0, 0}, 1, cv::LINE_AA);
  return img;
}

cv::Mat embedding_map(const Eigen::MatrixX2f& coords, const std::vector<cv::Mat>& faces,
                      const std::vector<std::string>& labels, const MapOptions& o) {
  const int n = static_cast<int>(coords.rows());
  if (!faces.empty() && static_cast<int>(faces.size()) != n)
    throw InputError("embedding_map: " + std::to_string(n) + " points but " + std::to_string(faces.size()) + " faces");
  if (static_cast<int>(labels.size()) != n)
    throw InputError("embedding_map: " + std::to_string(n) + " points but " + std::to_string(labels.size()) + " labels");
  if (!coords.allFinite()) throw InputError("embedding_map: coordinates are not finite");
  const int width = std::max(200, o.size);
  std::map<std::string, int> ids;
  for (const auto& s : labels) ids.emplace(s, 0);
  int k = 0;
  for (auto& [name, id] : ids) id = k++;

  // Legend in a column of its own on the right (never over the faces), in a font readable when
  // the picture is shown at page width.
  constexpr int kMaxLegend = 40;
  const double fs = std::clamp(width / 1600.0 * 0.8, 0.4, 1.2);
  const int thick = fs >= 0.7 ? 2 : 1, row_h = static_cast<int>(std::lround(34 * fs)), swatch = row_h * 2 / 3;
  int base = 0, text_w = 0, rows = 0;
  for (const auto& [name, id] : ids) {
    if (id >= kMaxLegend) break;
    text_w = std::max(text_w, cv::getTextSize(name.empty() ? "(no label)" : name, kFont, fs, thick, &base).width);
    ++rows;
  }
  const bool more = static_cast<int>(ids.size()) > kMaxLegend;
  const int legend_w = std::min(width / 3, swatch + text_w + 3 * row_h / 2);
  const int map_w = width - legend_w;
  const int th = o.thumbnail > 0 ? o.thumbnail
                                 : std::clamp(static_cast<int>(map_w / (2.0 * std::sqrt(std::max(1, n)))), 20, 96);
  const int title_h = o.title.empty() ? 0 : static_cast<int>(std::lround(56 * fs));
  const int margin = th / 2 + 8;
  // The map keeps the aspect ratio of the coordinates; the canvas is cut to it (no empty half).
  const Eigen::Vector2f lo = coords.colwise().minCoeff(), hi = coords.colwise().maxCoeff();
  const float sx = std::max(hi.x() - lo.x(), 1e-6f), sy = std::max(hi.y() - lo.y(), 1e-6f);
  const int area_w = std::max(1, map_w - 2 * margin);
  const int area_h = std::clamp(static_cast<int>(area_w * sy / sx), area_w * 2 / 5, area_w);
  const double scale = std::min(area_w / sx, area_h / sy);
  const double ox = margin + (area_w - sx * scale) / 2, oy = title_h + margin + (area_h - sy * scale) / 2;
  const int height = std::max(title_h + area_h + 2 * margin, title_h + row_h * (rows + (more ? 2 : 1)));
  cv::Mat img(height, width, CV_8UC3, cv::Scalar(255, 255, 255));
  auto place = [&](int i) {
    return cv::Point(static_cast<int>(std::lround(ox + (coords(i, 0) - lo.x()) * scale)),
                     static_cast<int>(std::lround(oy + (coords(i, 1) - lo.y()) * scale)));
  };
  if (!o.title.empty()) centred_text(img, o.title, {width / 2, title_h / 2}, width * 0.9, 1.6 * fs, {0, 0, 0}, thick);
  const int border = std::max(2, th / 16);
  for (int i = 0; i < n; ++i) {
    const cv::Point p = place(i);
    const cv::Scalar col = label_colour(ids[labels[static_cast<std::size_t>(i)]]);
    if (faces.empty()) {
      cv::circle(img, p, std::max(3, th / 8), col, cv::FILLED, cv::LINE_AA);
      continue;
    }
    const cv::Mat f = square_face(faces[static_cast<std::size_t>(i)], th);
    const cv::Rect r(p.x - th / 2, p.y - th / 2, th, th);
    const cv::Rect clipped = r & cv::Rect(0, 0, map_w, height);
    if (clipped.area() == 0) continue;
    f(cv::Rect(clipped.x - r.x, clipped.y - r.y, clipped.width, clipped.height)).copyTo(img(clipped));
    cv::rectangle(img, r, col, border);
  }
  int y = title_h + row_h / 2;
  for (const auto& [name, id] : ids) {
    if (id >= kMaxLegend) break;
    cv::rectangle(img, {map_w + row_h / 4, y, swatch, swatch}, label_colour(id), cv::FILLED);
    cv::putText(img, name.empty() ? "(no label)" : name, {map_w + row_h / 4 + swatch + row_h / 3, y + swatch}, kFont,
                fs, {0, 0, 0}, thick, cv::LINE_AA);
    y += row_h;
  }
  if (more)
    cv::putText(img, "... " + std::to_string(ids.size() - kMaxLegend) + " more", {map_w + row_h / 4, y + swatch}, kFont,
                fs, {0, 0, 0}, thick, cv::LINE_AA);
  return img;
}

cv::Mat draw_detections(const cv::Mat& image, const std::vector<Face>& faces) {
  if (image.empty() || image.type() != CV_8UC3) throw InputError("draw_detections: image must be BGR CV_8UC3");
  cv::Mat out = image.clone();
  const double s = std::max(1.0, std::max(image.cols, image.rows) / 640.0);
  const cv::Scalar colours[5] = {{255, 0, 0}, {0, 0, 255}, {0, 255, 0}, {255, 0, 255}, {0, 255, 255}};
  for (const auto& f : faces) {
    cv::rectangle(out, f.box, {0, 255, 0}, static_cast<int>(std::lround(2 * s)));
    for (int k = 0; k < 5; ++k)
      cv::circle(out, f.landmarks[static_cast<std::size_t>(k)], static_cast<int>(std::lround(2 * s)), colours[k],
                 cv::FILLED);
    char buf[16];
    std::snprintf(buf, sizeof buf, "%.2f", f.score);
    cv::putText(out, buf, {static_cast<int>(f.box.x), std::max(0, static_cast<int>(f.box.y - 4 * s))}, kFont, 0.5 * s,
                {0, 255, 0}, static_cast<int>(std::lround(s)));
  }
  return out;
}

}  // namespace arcface::viz
