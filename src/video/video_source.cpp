#include "arcface/video.hpp"

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <cmath>
#include <filesystem>

#include <opencv2/core/utils/logger.hpp>
#include <opencv2/videoio.hpp>

#include "arcface/error.hpp"
#include "arcface/image.hpp"

namespace fs = std::filesystem;

namespace arcface {

bool is_camera_index(const std::string& s) {
  return !s.empty() && s.size() <= 2 && std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
}

struct VideoSource::Impl {
  VideoInfo info;
  cv::VideoCapture cap;
  cv::Mat pending;  // the first frame, read when opening
  bool has_pending = false;
  std::int64_t returned = 0;
  bool ended = false;
  std::chrono::steady_clock::time_point start = std::chrono::steady_clock::now();
  double wall_time = 0;

  std::string what() const {
    return info.kind == "camera" ? "camera " + info.source : info.kind + " '" + info.source + "'";
  }
  bool next(cv::Mat* frame) {
    if (has_pending) {
      has_pending = false;
      if (frame) *frame = std::move(pending);
      pending.release();
    } else {
      if (ended) return false;
      bool ok = false;
      try {
        ok = frame ? cap.read(*frame) : cap.grab();
      } catch (const cv::Exception& e) {
        throw IoError("cannot decode frame " + std::to_string(returned) + " of " + what() + ": " + e.err);
      }
      if (!ok || (frame && frame->empty())) {
        ended = true;
        return false;
      }
    }
    ++returned;
    wall_time = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    if (frame) *frame = to_bgr8(*frame, "frame " + std::to_string(returned - 1) + " of " + what());
    return true;
  }
};

VideoSource::VideoSource(const std::string& source) : impl_(std::make_unique<Impl>()) {
  auto& m = *impl_;
  m.info.source = source;
  const bool camera = is_camera_index(source);
  const bool url = source.find("://") != std::string::npos;
  m.info.kind = camera ? "camera" : url ? "stream" : "file";
  if (source.empty()) throw IoError("no video given (expected a file, a camera index or a stream URL)");
  std::error_code ec;
  if (!camera && !url) {
    if (!fs::exists(source, ec)) throw IoError("video file '" + source + "' does not exist");
    if (fs::is_directory(source, ec)) throw IoError("'" + source + "' is a directory, not a video file");
  }
  // OpenCV's and FFmpeg's own messages (backends tried, a missing camera, "moov atom not
  // found") would clutter the caller's output: what went wrong is reported by the exception.
  // OpenCV reads OPENCV_FFMPEG_LOGLEVEL when it first uses FFmpeg; a value the user set is kept.
  setenv("OPENCV_FFMPEG_LOGLEVEL", "-8", 0);
  const auto level = cv::utils::logging::getLogLevel();
  cv::utils::logging::setLogLevel(cv::utils::logging::LOG_LEVEL_ERROR);
  bool opened = false;
  std::string why;
  try {
    opened = camera ? m.cap.open(std::stoi(source), cv::CAP_ANY) : m.cap.open(source, cv::CAP_FFMPEG);
  } catch (const cv::Exception& e) {
    why = ": " + e.err;
  }
  cv::utils::logging::setLogLevel(level);
  if (!opened || !m.cap.isOpened()) {
    if (camera) throw IoError("cannot open camera " + source + " (no such device, or it is busy)" + why);
    if (url) throw IoError("cannot open stream '" + source + "' (unreachable, or a format FFmpeg cannot read)" + why);
    throw IoError("cannot open video file '" + source + "': not a video, truncated, or a format FFmpeg cannot read" + why);
  }
  m.info.backend = m.cap.getBackendName();
  m.info.fps = m.cap.get(cv::CAP_PROP_FPS);
  if (!std::isfinite(m.info.fps) || m.info.fps <= 0 || m.info.fps > 1000) m.info.fps = 0;
  if (!camera && !url) {
    const double n = m.cap.get(cv::CAP_PROP_FRAME_COUNT);
    m.info.frame_count = std::isfinite(n) && n > 0 ? static_cast<std::int64_t>(std::llround(n)) : -1;
  }
  bool first = false;
  try {
    first = m.cap.read(m.pending) && !m.pending.empty();
  } catch (const cv::Exception& e) {
    why = ": " + e.err;
  }
  if (!first) {
    if (camera) throw IoError("camera " + source + " opened but gave no frame" + why);
    throw IoError(m.info.kind + " '" + source + "' has no readable frame (an empty, truncated or corrupt video)" + why);
  }
  m.has_pending = true;
  m.info.width = m.pending.cols;
  m.info.height = m.pending.rows;
  m.start = std::chrono::steady_clock::now();
}

VideoSource::~VideoSource() = default;
VideoSource::VideoSource(VideoSource&&) noexcept = default;
VideoSource& VideoSource::operator=(VideoSource&&) noexcept = default;

const VideoInfo& VideoSource::info() const { return impl_->info; }
bool VideoSource::read(cv::Mat& frame) { return impl_->next(&frame); }
bool VideoSource::skip() { return impl_->next(nullptr); }
std::int64_t VideoSource::frame_number() const { return impl_->returned - 1; }
std::int64_t VideoSource::frames_returned() const { return impl_->returned; }

double VideoSource::time() const {
  const auto& m = *impl_;
  if (m.info.fps > 0 && m.info.kind != "camera") return static_cast<double>(std::max<std::int64_t>(0, m.returned - 1)) / m.info.fps;
  return m.wall_time;
}

bool VideoSource::ended_early() const {
  const auto& m = *impl_;
  if (!m.ended || m.info.frame_count <= 0) return false;
  // Declared counts of some containers are estimates (duration x rate): allow a little slack.
  return static_cast<double>(m.returned) < 0.98 * static_cast<double>(m.info.frame_count) - 1;
}

}  // namespace arcface
