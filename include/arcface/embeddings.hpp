#pragma once
/// @file embeddings.hpp
/// The matrix type every module exchanges embeddings in.

#include "arcface/export.hpp"
#include <Eigen/Core>

ARCFACE_API_BEGIN
namespace arcface {

/// Row-major float matrix: one embedding (or one face) per row. Rows are contiguous, so a
/// matrix maps onto a numpy (N, D) array without a copy.
using Embeddings = Eigen::Matrix<float, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;

}  // namespace arcface
ARCFACE_API_END
