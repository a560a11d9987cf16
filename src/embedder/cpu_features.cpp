// Which reduced precisions this CPU runs natively (CPUID).
#include "arcface/embedder.hpp"

#if defined(__x86_64__) || defined(__i386__)
#include <cpuid.h>
#endif

namespace arcface {

namespace {
struct CpuFeatures {
  bool avx512_bf16 = false, amx_bf16 = false, avx512_vnni = false, amx_int8 = false;
};

CpuFeatures detect() {
  CpuFeatures f;
#if defined(__x86_64__) || defined(__i386__)
  unsigned a = 0, b = 0, c = 0, d = 0;
  if (__get_cpuid_count(7, 0, &a, &b, &c, &d)) {
    const unsigned max_sub = a;
    f.avx512_vnni = (c >> 11) & 1u;
    f.amx_bf16 = (d >> 22) & 1u;
    f.amx_int8 = (d >> 25) & 1u;
    if (max_sub >= 1 && __get_cpuid_count(7, 1, &a, &b, &c, &d)) f.avx512_bf16 = (a >> 5) & 1u;
  }
#endif
  return f;
}
}  // namespace

bool cpu_supports(Precision p) {
  static const CpuFeatures f = detect();
  switch (p) {
    case Precision::Fp32:
    case Precision::Auto: return true;
    case Precision::Bf16: return f.avx512_bf16 || f.amx_bf16;
    case Precision::Int8: return f.avx512_vnni || f.amx_int8;
  }
  return false;
}

}  // namespace arcface
