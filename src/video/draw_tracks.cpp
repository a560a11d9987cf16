// draw_tracks: the annotated frames of `arcface video`.
#include <algorithm>
#include <cmath>
#include <cstdio>

#include <opencv2/imgproc.hpp>

#include "arcface/image.hpp"
#include "arcface/tracker.hpp"

namespace arcface {

cv::Mat draw_tracks(const cv::Mat& frame, const std::vector<TrackedFace>& tracks) {
  cv::Mat canvas = to_bgr8(frame, "frame to annotate").clone();
  const double s = std::max(1.0, std::max(canvas.cols, canvas.rows) / 640.0);
  const int thick = static_cast<int>(std::lround(2 * s));
  const double font = 0.45 * s;
  const int text_thick = std::max(1, static_cast<int>(std::lround(s)));
  for (const auto& t : tracks) {
    const bool known = !t.identity.empty();
    const cv::Scalar colour = !t.detected ? cv::Scalar(150, 150, 150) : known ? cv::Scalar(0, 190, 0) : cv::Scalar(0, 140, 255);
    const cv::Rect box(t.face.box);
    cv::rectangle(canvas, box, colour, thick, cv::LINE_AA);
    if (t.detected)
      for (const auto& p : t.face.landmarks) cv::circle(canvas, p, std::max(1, thick), colour, cv::FILLED, cv::LINE_AA);
    char top[160], bottom[64];
    if (known)
      std::snprintf(top, sizeof top, "#%d %s %.0f%%", t.id, t.identity.c_str(), 100.0 * t.confidence);
    else
      std::snprintf(top, sizeof top, "#%d %s", t.id, t.embeddings > 0 ? "unknown" : "?");
    std::snprintf(bottom, sizeof bottom, "q %.2f", t.quality.score);
    int base = 0;
    const cv::Size ts = cv::getTextSize(top, cv::FONT_HERSHEY_SIMPLEX, font, text_thick, &base);
    const cv::Point org(box.x, std::max(ts.height + 3, box.y - 4));
    cv::rectangle(canvas, org + cv::Point(-1, base), org + cv::Point(ts.width + 1, -ts.height - 3), colour, cv::FILLED);
    cv::putText(canvas, top, org, cv::FONT_HERSHEY_SIMPLEX, font, {255, 255, 255}, text_thick, cv::LINE_AA);
    const cv::Size bs = cv::getTextSize(bottom, cv::FONT_HERSHEY_SIMPLEX, font * 0.85, text_thick, &base);
    const cv::Point borg(box.x, std::min(canvas.rows - base - 1, box.y + box.height + bs.height + 4));
    cv::rectangle(canvas, borg + cv::Point(-1, base), borg + cv::Point(bs.width + 1, -bs.height - 3), colour, cv::FILLED);
    cv::putText(canvas, bottom, borg, cv::FONT_HERSHEY_SIMPLEX, font * 0.85, {255, 255, 255}, text_thick, cv::LINE_AA);
  }
  return canvas;
}

}  // namespace arcface
