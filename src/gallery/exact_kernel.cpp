#include "gallery/exact_kernel.hpp"

#define Eigen arcface_eigen_baseline
#define ARCFACE_GEMM_NT_NAME gemm_nt_baseline
#define ARCFACE_DOT_NAME dot_baseline
#include "gallery/exact_kernel_impl.inc"
#undef Eigen

namespace arcface::detail {

void gemm_nt_avx2(const float* a, std::ptrdiff_t m, const float* b, std::ptrdiff_t n, std::ptrdiff_t d, float* c);
float dot_avx2(const float* a, const float* b, std::ptrdiff_t d);

namespace {
bool cpu_has_avx2() {
  static const bool yes = __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
  return yes;
}
}  // namespace

void gemm_nt(const float* a, std::ptrdiff_t m, const float* b, std::ptrdiff_t n, std::ptrdiff_t d, float* c) {
  if (cpu_has_avx2())
    gemm_nt_avx2(a, m, b, n, d, c);
  else
    gemm_nt_baseline(a, m, b, n, d, c);
}

DotFn dot_kernel() { return cpu_has_avx2() ? dot_avx2 : dot_baseline; }

const char* gemm_nt_kernel() { return cpu_has_avx2() ? "avx2+fma" : "baseline"; }

}  // namespace arcface::detail
