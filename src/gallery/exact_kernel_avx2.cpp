// gemm_nt compiled with -mavx2 -mfma (see CMakeLists.txt). Eigen lives in its own namespace here:
// nothing else in this translation unit may include Eigen.
#include <cstddef>
#define Eigen arcface_eigen_avx2
#define ARCFACE_GEMM_NT_NAME gemm_nt_avx2
#define ARCFACE_DOT_NAME dot_avx2
#include "gallery/exact_kernel_impl.inc"
