#pragma once
// The header of a .npy file: the Python literal dict numpy writes, parsed strictly. Internal.

#include "core/internal_api.hpp"
#include <cstddef>
#include <string>
#include <vector>

ARCFACE_INTERNAL_BEGIN
namespace arcface::detail {

struct NpyHeader {
  std::string descr;               // e.g. "<f4"
  bool fortran_order = false;
  std::vector<std::size_t> shape;  // () for a scalar
};

/// Parse the header dict `{'descr': '<f4', 'fortran_order': False, 'shape': (3, 4), }` as numpy
/// writes it: exactly these three keys, each once, a string, a boolean and a tuple of
/// non-negative integers; whitespace and a trailing comma allowed; nothing else.
/// @throws IoError("<where>: ...") describing the first problem.
NpyHeader parse_npy_header(const std::string& text, const std::string& where);

}  // namespace arcface::detail
ARCFACE_INTERNAL_END
