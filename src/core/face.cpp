#include "arcface/face.hpp"

#include <cstdio>

namespace arcface {

std::string to_string(const Face& f) {
  char buf[160];
  std::snprintf(buf, sizeof buf, "face at (%.1f,%.1f %.1fx%.1f) score %.3f", f.box.x, f.box.y, f.box.width,
                f.box.height, f.score);
  return f.detector.empty() ? std::string(buf) : buf + (" by " + f.detector);
}

}  // namespace arcface
