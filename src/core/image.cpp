#include "arcface/image.hpp"

#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <vector>

#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include "arcface/error.hpp"
#include "core/detail.hpp"
#include "core/files.hpp"
#include "core/image_header.hpp"

namespace arcface {

namespace {

std::atomic<std::size_t>& pixel_limit() {
  static std::atomic<std::size_t> limit{[] {
    const char* env = std::getenv("ARCFACE_MAX_PIXELS");
    if (!env || *env < '0' || *env > '9') return kDefaultMaxImagePixels;  // unset, empty, signed: ignored
    char* end = nullptr;
    const unsigned long long v = std::strtoull(env, &end, 10);
    return (end && *end == '\0' && v > 0) ? static_cast<std::size_t>(v) : kDefaultMaxImagePixels;
  }()};
  return limit;
}

std::string megapixels(double pixels) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.1f", pixels / 1e6);
  return buf;
}

void check_pixels(const std::string& path, long long w, long long h) {
  const std::size_t limit = max_image_pixels();
  if (w <= 0 || h <= 0) return;  // let the decoder report it
  if (static_cast<double>(w) * static_cast<double>(h) > static_cast<double>(limit))
    throw InputError("image file '" + path + "' has " + std::to_string(w) + "x" + std::to_string(h) + " pixels (" +
                     megapixels(static_cast<double>(w) * h) + " megapixels), above the limit of " +
                     megapixels(static_cast<double>(limit)) +
                     " megapixels (raise it with set_max_image_pixels, ARCFACE_MAX_PIXELS or arcface --max-megapixels)");
}

}  // namespace

std::size_t max_image_pixels() { return pixel_limit().load(); }

void set_max_image_pixels(std::size_t pixels) {
  if (pixels == 0) throw InputError("the image pixel limit must be positive");
  pixel_limit().store(pixels);
}

cv::Mat read_image(const std::string& path) {
  const std::vector<unsigned char> bytes = detail::read_file_bytes(path, "image file");
  if (bytes.empty()) throw IoError("image file '" + path + "' is empty");
  if (const auto size = detail::image_size_from_header(bytes.data(), bytes.size()))
    check_pixels(path, size->width, size->height);
  cv::Mat img;
  try {
    img = cv::imdecode(bytes, cv::IMREAD_COLOR);
  } catch (const cv::Exception& e) {
    throw IoError("cannot decode image file '" + path + "': " + e.err);
  }
  if (img.empty()) throw IoError("'" + path + "' is not a readable image (corrupt or unsupported format)");
  check_pixels(path, img.cols, img.rows);
  return img;
}

cv::Mat to_bgr8(const cv::Mat& image, const std::string& what) {
  if (image.empty()) throw InputError(what + " is empty");
  const int depth = image.depth();
  const int ch = image.channels();
  if (depth != CV_8U && depth != CV_16U)
    throw InputError(what + " has unsupported pixel type " + cv::typeToString(image.type()) +
                     " (expected 8-bit BGR CV_8UC3; grey, BGRA and 16-bit unsigned are converted)");
  if (ch != 1 && ch != 3 && ch != 4)
    throw InputError(what + " has " + std::to_string(ch) + " channels (expected 1, 3 or 4)");
  if (depth == CV_8U && ch == 3) return image;
  return detail::with_cv_context("converting " + what, [&] {
    cv::Mat src = image;
    if (depth == CV_16U) image.convertTo(src, CV_8U, 1.0 / 257.0);
    if (ch == 3) return src;
    cv::Mat out;
    cv::cvtColor(src, out, ch == 1 ? cv::COLOR_GRAY2BGR : cv::COLOR_BGRA2BGR);
    return out;
  });
}

}  // namespace arcface
