#pragma once
/// @file image_header.hpp
/// The size an encoded image declares, read from its header without decoding its pixels.

#include "arcface/export.hpp"
#include <cstddef>
#include <optional>

#include <opencv2/core/types.hpp>

ARCFACE_API_BEGIN
namespace arcface {

/// Width and height an encoded image declares in its header (PNG, JPEG, BMP, GIF, WebP, TIFF, PNM),
/// so that a size limit can be applied before decoding; nullopt for other formats or an incomplete
/// header. Reads at most @p size bytes of @p data. Thread-safe.
std::optional<cv::Size2l> image_header_size(const unsigned char* data, std::size_t size);

}  // namespace arcface
ARCFACE_API_END
