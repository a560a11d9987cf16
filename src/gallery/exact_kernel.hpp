#pragma once
// Dense score kernel of the exact search backend. Internal.

#include "core/internal_api.hpp"
#include <cstddef>

ARCFACE_INTERNAL_BEGIN
namespace arcface::detail {

/// C (m x n, row-major) = A (m x d, row-major) * B (n x d, row-major)^T, single-threaded.
/// Uses an AVX2/FMA build of the kernel when the CPU has it, a baseline one otherwise.
void gemm_nt(const float* a, std::ptrdiff_t m, const float* b, std::ptrdiff_t n, std::ptrdiff_t d, float* c);

/// Inner product of two d-vectors, the fastest build for this CPU (fetch once, call often).
using DotFn = float (*)(const float*, const float*, std::ptrdiff_t);
DotFn dot_kernel();

/// Name of the kernel gemm_nt uses on this CPU ("avx2+fma" or "baseline").
const char* gemm_nt_kernel();

}  // namespace arcface::detail
ARCFACE_INTERNAL_END
