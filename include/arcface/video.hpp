#pragma once
/// @file video.hpp
/// Reading frames from a video file, a camera or a stream (OpenCV VideoCapture with FFmpeg).

#include "arcface/export.hpp"
#include <cstdint>
#include <memory>
#include <string>

#include <opencv2/core/mat.hpp>

ARCFACE_API_BEGIN
namespace arcface {

/// What a VideoSource reads from.
struct VideoInfo {
  std::string source;         ///< as given
  std::string kind;           ///< "file", "camera" or "stream"
  int width = 0, height = 0;  ///< frame size
  double fps = 0;             ///< frames per second as the source declares it (0: unknown)
  std::int64_t frame_count = -1;  ///< as declared by a file (-1: unknown, cameras and streams)
  std::string backend;        ///< the VideoCapture backend, e.g. "FFMPEG", "V4L2"
};

/// Frames of a video, one at a time, as BGR CV_8UC3 images.
///
/// @c source is a file path, a camera index ("0", "1", ...) or a URL ("rtsp://", "http://",
/// "https://", "udp://", ...; anything with "://"). Files and URLs are read with FFmpeg.
/// Opening reads the first frame, so a file that is not a video, holds no frame or cannot be
/// decoded fails at once, with an IoError naming it.
/// FFmpeg's own log messages are silenced (errors are reported by exceptions instead) unless the
/// OPENCV_FFMPEG_LOGLEVEL environment variable is set.
///
/// Thread safety: one thread at a time. Movable, not copyable.
class VideoSource {
 public:
  /// @throws IoError: the file does not exist; it (or the camera, or the stream) cannot be
  ///         opened; or no frame can be read from it.
  explicit VideoSource(const std::string& source);
  ~VideoSource();
  VideoSource(VideoSource&&) noexcept;
  VideoSource& operator=(VideoSource&&) noexcept;
  VideoSource(const VideoSource&) = delete;
  VideoSource& operator=(const VideoSource&) = delete;

  const VideoInfo& info() const;

  /// Read the next frame into @p frame. Returns false at the end of the video (or when a camera
  /// or stream stops). @throws IoError when the frame cannot be decoded.
  bool read(cv::Mat& frame);
  /// Drop the next frame without decoding its pixels (faster than read). False at the end.
  bool skip();

  /// Number of the frame the last read or skip returned (0-based; -1 before the first).
  std::int64_t frame_number() const;
  /// Time of that frame in seconds: frame_number / fps for files and streams with a declared
  /// rate, the wall-clock time since opening otherwise (cameras without a rate).
  double time() const;
  /// Frames returned so far (read or skipped).
  std::int64_t frames_returned() const;
  /// True when a file ended before the frame count its header declares (truncated or corrupt);
  /// only meaningful after read returned false.
  bool ended_early() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

/// True when @p source names a camera index ("0".."99").
bool is_camera_index(const std::string& source);

}  // namespace arcface
ARCFACE_API_END
