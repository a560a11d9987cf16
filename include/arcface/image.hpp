#pragma once
/// @file image.hpp
/// Reading images and normalising them to the library's input contract.
///
/// The library's image contract is **BGR, 8-bit, 3 channels (CV_8UC3)**, as cv::imread returns.
/// Other layouts are handled as follows (to_bgr8 implements it, and every function taking an
/// image applies it):
///  - CV_8UC1 (grey) and CV_8UC4 (BGRA) are converted to BGR (alpha is dropped);
///  - 16-bit unsigned images (1, 3 or 4 channels) are scaled to 8 bits (value / 257) and converted;
///  - anything else (float, signed, 2 channels, more than 4 channels) is refused with InputError;
///  - an empty image is refused with InputError.

#include "arcface/export.hpp"
#include <cstddef>
#include <string>

#include <opencv2/core/mat.hpp>

ARCFACE_API_BEGIN
namespace arcface {

/// Default of max_image_pixels(): 200 megapixels (a 16320x12240 photo; 600 MB decoded).
inline constexpr std::size_t kDefaultMaxImagePixels = 200'000'000;

/// The largest image, in pixels (width x height), that read_image decodes. Initialised from the
/// environment variable ARCFACE_MAX_PIXELS when it holds a positive integer, else
/// kDefaultMaxImagePixels. Process-wide; thread-safe.
std::size_t max_image_pixels();
/// Change max_image_pixels() for the whole process. @throws InputError for 0.
void set_max_image_pixels(std::size_t pixels);

/// Read an image file as BGR CV_8UC3.
/// Where the file's header tells its size (PNG, JPEG, BMP, GIF, WebP, TIFF, PNM), an image above
/// max_image_pixels() is refused before its pixels are decoded; other formats are checked after.
/// @throws IoError if the file does not exist, is a directory, cannot be read or is not a
///         decodable image; InputError if it has more pixels than max_image_pixels().
cv::Mat read_image(const std::string& path);

/// Convert @p image to BGR CV_8UC3 according to the policy above. Returns @p image itself (no
/// copy) when it already satisfies the contract.
/// @param what  names the image in error messages (e.g. a file name).
/// @throws InputError for empty or unsupported images.
cv::Mat to_bgr8(const cv::Mat& image, const std::string& what = "image");

}  // namespace arcface
ARCFACE_API_END
