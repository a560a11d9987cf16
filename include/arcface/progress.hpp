#pragma once
/// @file progress.hpp
/// A minimal progress bar on stderr with the elapsed time and an estimate of the time left, drawn
/// only when stderr is a terminal: what the library's long-running functions (LFW evaluation,
/// training) show when their `progress` option is on, and what the `arcface` tool uses.

#include "arcface/export.hpp"
#include <chrono>
#include <cstdio>
#include <string>

#include <unistd.h>

ARCFACE_API_BEGIN
namespace arcface {

/// "m:ss" (or "h:mm:ss") for a duration in seconds; "?" for a negative one.
inline std::string format_duration(double seconds) {
  if (!(seconds >= 0)) return "?";
  const long s = static_cast<long>(seconds + 0.5);
  char buf[32];
  if (s >= 3600) std::snprintf(buf, sizeof buf, "%ld:%02ld:%02ld", s / 3600, s / 60 % 60, s % 60);
  else std::snprintf(buf, sizeof buf, "%ld:%02ld", s / 60, s % 60);
  return buf;
}

/// One line of the bar: "label [#####.....] 12/40 0:05 elapsed, 0:12 left" (the estimate
/// assumes the remaining items take as long as the done ones; none before the first item).
inline std::string progress_line(const std::string& label, size_t done, size_t total, double elapsed_seconds,
                                 int width = 30) {
  const int filled = total ? static_cast<int>(width * (done < total ? done : total) / total) : width;
  std::string line = label + " [" + std::string(filled, '#') + std::string(width - filled, '.') + "] " +
                     std::to_string(done) + "/" + std::to_string(total) + " " + format_duration(elapsed_seconds);
  if (done >= total) return line + " elapsed";
  if (done == 0) return line + " elapsed, ? left";
  const double left = elapsed_seconds / static_cast<double>(done) * static_cast<double>(total - done);
  return line + " elapsed, " + format_duration(left) + " left";
}

/// A bar of @p total steps, labelled @p label; draws nothing when disabled, when stderr is not a
/// terminal, or for fewer than 2 steps. Not thread-safe: tick from one thread.
class ProgressBar {
 public:
  ProgressBar(std::string label, size_t total, bool enabled)
      : label_(std::move(label)), total_(total), enabled_(enabled && isatty(2) && total > 1),
        start_(std::chrono::steady_clock::now()) {}
  ~ProgressBar() {
    if (enabled_ && drawn_) std::fprintf(stderr, "\n");
  }
  void tick(size_t done) {
    if (!enabled_) return;
    const auto now = std::chrono::steady_clock::now();
    // Redraw at most 5 times a second, and always at the end.
    if (drawn_ && done < total_ && now - last_draw_ < std::chrono::milliseconds(200)) return;
    last_draw_ = now;
    drawn_ = true;
    const double elapsed = std::chrono::duration<double>(now - start_).count();
    std::fprintf(stderr, "\r%s\033[K", progress_line(label_, done, total_, elapsed).c_str());
    std::fflush(stderr);
  }

 private:
  std::string label_;
  size_t total_;
  bool enabled_;
  bool drawn_ = false;
  std::chrono::steady_clock::time_point start_, last_draw_;
};

}  // namespace arcface
ARCFACE_API_END
