#include "arcface/image.hpp"

#include <fstream>
#include <iterator>
#include <vector>

#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include "arcface/error.hpp"
#include "core/detail.hpp"

namespace arcface {

cv::Mat read_image(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw IoError("cannot open image file '" + path + "' (missing or unreadable)");
  std::vector<unsigned char> bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  if (bytes.empty()) throw IoError("image file '" + path + "' is empty");
  cv::Mat img;
  try {
    img = cv::imdecode(bytes, cv::IMREAD_COLOR);
  } catch (const cv::Exception& e) {
    throw IoError("cannot decode image file '" + path + "': " + e.err);
  }
  if (img.empty()) throw IoError("'" + path + "' is not a readable image (corrupt or unsupported format)");
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
