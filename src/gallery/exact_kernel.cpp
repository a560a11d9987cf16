#include "gallery/exact_kernel.hpp"

#define Eigen arcface_eigen_baseline
#define ARCFACE_GEMM_NT_NAME gemm_nt_baseline
#define ARCFACE_DOT_NAME dot_baseline
#include "gallery/exact_kernel_impl.inc"
#undef Eigen

namespace arcface::detail {

// The AVX2/FMA build (exact_kernel_avx2.cpp) exists where the compiler supports it
// (ARCFACE_HAVE_AVX2_KERNEL, set by CMake) and runs where the CPU does.
#if ARCFACE_HAVE_AVX2_KERNEL
void gemm_nt_avx2(const float* a, std::ptrdiff_t m, const float* b, std::ptrdiff_t n, std::ptrdiff_t d, float* c);
float dot_avx2(const float* a, const float* b, std::ptrdiff_t d);
namespace {
bool cpu_has_avx2() {
  static const bool yes = __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
  return yes;
}
}  // namespace
#else
namespace {
constexpr bool cpu_has_avx2() { return false; }
constexpr auto gemm_nt_avx2 = gemm_nt_baseline;
constexpr auto dot_avx2 = dot_baseline;
}  // namespace
#endif

void gemm_nt(const float* a, std::ptrdiff_t m, const float* b, std::ptrdiff_t n, std::ptrdiff_t d, float* c) {
  if (cpu_has_avx2())
    gemm_nt_avx2(a, m, b, n, d, c);
  else
    gemm_nt_baseline(a, m, b, n, d, c);
}

DotFn dot_kernel() { return cpu_has_avx2() ? dot_avx2 : dot_baseline; }

const char* gemm_nt_kernel() { return cpu_has_avx2() ? "avx2+fma" : "baseline"; }

}  // namespace arcface::detail
