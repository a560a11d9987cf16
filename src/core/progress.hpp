#pragma once
// A minimal progress bar on stderr, drawn only when stderr is a terminal. Not installed.

#include "core/internal_api.hpp"
#include <cstdio>
#include <string>

#include <unistd.h>

ARCFACE_INTERNAL_BEGIN
namespace arcface::detail {

class Progress {
 public:
  Progress(std::string label, size_t total, bool enabled)
      : label_(std::move(label)), total_(total), enabled_(enabled && isatty(2) && total > 1) {}
  ~Progress() {
    if (enabled_ && drawn_) std::fprintf(stderr, "\n");
  }
  void tick(size_t done) {
    if (!enabled_) return;
    const int width = 30;
    const int filled = static_cast<int>(width * done / total_);
    if (filled == last_ && done != total_) return;
    last_ = filled;
    drawn_ = true;
    std::fprintf(stderr, "\r%s [%s%s] %zu/%zu", label_.c_str(), std::string(filled, '#').c_str(),
                 std::string(width - filled, '.').c_str(), done, total_);
    std::fflush(stderr);
  }

 private:
  std::string label_;
  size_t total_;
  bool enabled_;
  bool drawn_ = false;
  int last_ = -1;
};

}  // namespace arcface::detail
ARCFACE_INTERNAL_END
