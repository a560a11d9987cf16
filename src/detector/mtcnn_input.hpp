#pragma once
// MTCNN's network input as face.evoLVe prepares it: PIL-style bilinear resampling, normalisation
// to planar floats, and crops of candidate boxes. Shared by the MTCNN backend's stages and its
// O-Net verification of other detectors' boxes (detector/mtcnn.cpp). Not installed.

#include <vector>

#include <opencv2/core/mat.hpp>
#include <torch/script.h>

namespace arcface::detail {

/// Resamples a CV_8UC3 image as PIL's Image.resize(size, BILINEAR) does.
cv::Mat resize_like_pil(const cv::Mat& src, cv::Size size);

/// Writes the CV_8UC3 image as planar floats (x - 127.5) / 128, channel by channel, at dst.
void to_chw(const cv::Mat& rgb8, float* dst);

/// The boxes (integer pixels, possibly reaching outside the image) cut from the RGB image,
/// zero-padded outside it, each resized to size x size: an N x 3 x size x size tensor. Empty
/// boxes give zero crops.
torch::Tensor box_crops(const cv::Mat& rgb, const std::vector<cv::Rect>& boxes, int size);

}  // namespace arcface::detail
