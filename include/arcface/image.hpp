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

#include <string>

#include <opencv2/core/mat.hpp>

namespace arcface {

/// Read an image file as BGR CV_8UC3.
/// @throws IoError if the file does not exist, cannot be read or is not a decodable image.
cv::Mat read_image(const std::string& path);

/// Convert @p image to BGR CV_8UC3 according to the policy above. Returns @p image itself (no
/// copy) when it already satisfies the contract.
/// @param what  names the image in error messages (e.g. a file name).
/// @throws InputError for empty or unsupported images.
cv::Mat to_bgr8(const cv::Mat& image, const std::string& what = "image");

}  // namespace arcface
