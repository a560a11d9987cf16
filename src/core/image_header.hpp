#pragma once
// Image dimensions from a file's header, without decoding its pixels. Internal.

#include "core/internal_api.hpp"
#include <cstddef>
#include <optional>

#include <opencv2/core/types.hpp>

ARCFACE_INTERNAL_BEGIN
namespace arcface::detail {

/// Width and height declared by the header of a PNG, JPEG, BMP, GIF, WebP, TIFF or PNM file in
/// @p data (@p size bytes), or nullopt when the format is not one of these or the header is
/// incomplete. Never reads past @p size.
std::optional<cv::Size2l> image_size_from_header(const unsigned char* data, std::size_t size);

}  // namespace arcface::detail
ARCFACE_INTERNAL_END
