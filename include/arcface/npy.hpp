#pragma once
/// @file npy.hpp
/// Reading and writing numpy .npy files (float32, C order), so that embeddings move between the
/// CLI, C++ and numpy without conversions.

#include "arcface/export.hpp"
#include <cstddef>
#include <string>
#include <vector>

#include "arcface/embeddings.hpp"

ARCFACE_API_BEGIN
namespace arcface {

/// A float32 array of any rank, C order.
struct NpyArray {
  std::vector<std::size_t> shape;
  std::vector<float> data;
};

/// Write @p m as a 2-D float32 .npy file (rows x cols). Written to a temporary file and renamed,
/// so readers never see a half-written file.
/// @throws IoError if the file cannot be written.
void write_npy(const std::string& path, const Embeddings& m);

/// Read a float32 (little-endian, C order) .npy file of any rank.
/// @throws IoError naming the file for a missing file, a bad header, another dtype, Fortran order
///         or a truncated payload.
NpyArray read_npy(const std::string& path);

/// Read a 2-D float32 .npy file as a matrix. @throws IoError as read_npy, or if it is not 2-D.
Embeddings read_npy_matrix(const std::string& path);

}  // namespace arcface
ARCFACE_API_END
