// enroll --min-quality: refuse photos whose face is too poor to enroll, saying why.
#include <cstdio>

#include "arcface/quality.hpp"
#include "video_commands.hpp"

namespace arcface::cli {

std::vector<FaceItem> keep_good_faces(const Globals& g, const std::vector<FaceItem>& items, float min_quality,
                                      const Embedder& embedder) {
  if (min_quality <= 0.f) return items;
  std::vector<FaceItem> kept;
  std::string path;
  cv::Mat image;
  for (const auto& it : items) {
    if (it.path != path) image = read_image(path = it.path);
    const FaceQuality q = assess_quality(image, it.box, embedder);
    if (q.score >= min_quality) {
      kept.push_back(it);
      continue;
    }
    char msg[96];
    std::snprintf(msg, sizeof msg, "quality %.2f < %.2f", q.score, min_quality);
    warn(g, "'" + it.path + "' refused: " + q.reason() + " (" + msg + ")");
  }
  if (kept.empty())
    throw InputError("no photo reaches --min-quality " + std::to_string(min_quality).substr(0, 4) + " (" +
                     std::to_string(items.size()) + " refused; see the warnings, or lower --min-quality)");
  return kept;
}

}  // namespace arcface::cli
