// The VNNI kernel of int8_scan (compiled with -mavx512f -mavx512bw -mavx512vnni; called only
// when the CPU has them). Plain pointers and intrinsics only: see int8_scan.cpp.
#include <immintrin.h>

#include <cstddef>
#include <cstdint>

#include "gallery/int8_scan_args.hpp"

namespace arcface::detail {

namespace {

inline void epilogue(const Int8ScanArgs& a, __m512i acc, int j, std::size_t b) {
  const std::size_t r0 = b * 16;
  // codes_q were offset by 128: subtract 128 * sum(code_row).
  const __m512i corr = _mm512_slli_epi32(_mm512_loadu_si512(a.rowsum + r0), 7);
  const __m512 dot = _mm512_cvtepi32_ps(_mm512_sub_epi32(acc, corr));
  const __m512 approx = _mm512_mul_ps(dot, _mm512_mul_ps(_mm512_loadu_ps(a.scale + r0), _mm512_set1_ps(a.qscale[j])));
  __m512 bound = _mm512_fmadd_ps(_mm512_loadu_ps(a.err + r0), _mm512_set1_ps(a.qnorm[j]),
                                 _mm512_mul_ps(_mm512_loadu_ps(a.gnorm + r0), _mm512_set1_ps(a.qerr[j])));
  bound = _mm512_add_ps(bound, _mm512_set1_ps(1e-5f));  // float rounding of the products above
  const __mmask16 m =
      _mm512_cmp_ps_mask(_mm512_add_ps(approx, bound), _mm512_set1_ps(a.floors[j]), _CMP_GE_OQ);
  if (m == 0) return;
  alignas(64) float av[16], bv[16];
  _mm512_store_ps(av, approx);
  _mm512_store_ps(bv, bound);
  for (int i = 0; i < 16; ++i)
    if (m & (1u << i)) a.sink(a.ctx, j, r0 + static_cast<std::size_t>(i), av[i], bv[i]);
}

}  // namespace

void int8_scan_vnni(const Int8ScanArgs& a) {
  const std::size_t G = a.groups;
  std::size_t b = a.block0;
  // Two blocks (32 rows) x four queries per tile.
  for (; b + 2 <= a.block1; b += 2) {
    const std::int8_t* g0 = a.codes + b * G * 64;
    const std::int8_t* g1 = g0 + G * 64;
    int j = 0;
    for (; j + 4 <= a.nq; j += 4) {
      const std::uint8_t* q0 = a.qcodes + static_cast<std::size_t>(j) * a.dim4;
      const std::uint8_t* q1 = q0 + a.dim4;
      const std::uint8_t* q2 = q1 + a.dim4;
      const std::uint8_t* q3 = q2 + a.dim4;
      __m512i c00 = _mm512_setzero_si512(), c01 = c00, c10 = c00, c11 = c00, c20 = c00, c21 = c00, c30 = c00,
              c31 = c00;
      for (std::size_t t = 0; t < G; ++t) {
        const __m512i x0 = _mm512_loadu_si512(g0 + t * 64);
        const __m512i x1 = _mm512_loadu_si512(g1 + t * 64);
        const __m512i y0 = _mm512_set1_epi32(*reinterpret_cast<const std::int32_t*>(q0 + 4 * t));
        const __m512i y1 = _mm512_set1_epi32(*reinterpret_cast<const std::int32_t*>(q1 + 4 * t));
        const __m512i y2 = _mm512_set1_epi32(*reinterpret_cast<const std::int32_t*>(q2 + 4 * t));
        const __m512i y3 = _mm512_set1_epi32(*reinterpret_cast<const std::int32_t*>(q3 + 4 * t));
        c00 = _mm512_dpbusd_epi32(c00, y0, x0);
        c01 = _mm512_dpbusd_epi32(c01, y0, x1);
        c10 = _mm512_dpbusd_epi32(c10, y1, x0);
        c11 = _mm512_dpbusd_epi32(c11, y1, x1);
        c20 = _mm512_dpbusd_epi32(c20, y2, x0);
        c21 = _mm512_dpbusd_epi32(c21, y2, x1);
        c30 = _mm512_dpbusd_epi32(c30, y3, x0);
        c31 = _mm512_dpbusd_epi32(c31, y3, x1);
      }
      epilogue(a, c00, j, b);
      epilogue(a, c01, j, b + 1);
      epilogue(a, c10, j + 1, b);
      epilogue(a, c11, j + 1, b + 1);
      epilogue(a, c20, j + 2, b);
      epilogue(a, c21, j + 2, b + 1);
      epilogue(a, c30, j + 3, b);
      epilogue(a, c31, j + 3, b + 1);
    }
    for (; j < a.nq; ++j) {
      const std::uint8_t* q0 = a.qcodes + static_cast<std::size_t>(j) * a.dim4;
      __m512i c0 = _mm512_setzero_si512(), c1 = c0;
      for (std::size_t t = 0; t < G; ++t) {
        const __m512i y = _mm512_set1_epi32(*reinterpret_cast<const std::int32_t*>(q0 + 4 * t));
        c0 = _mm512_dpbusd_epi32(c0, y, _mm512_loadu_si512(g0 + t * 64));
        c1 = _mm512_dpbusd_epi32(c1, y, _mm512_loadu_si512(g1 + t * 64));
      }
      epilogue(a, c0, j, b);
      epilogue(a, c1, j, b + 1);
    }
  }
  for (; b < a.block1; ++b) {
    const std::int8_t* g0 = a.codes + b * G * 64;
    for (int j = 0; j < a.nq; ++j) {
      const std::uint8_t* q0 = a.qcodes + static_cast<std::size_t>(j) * a.dim4;
      __m512i c0 = _mm512_setzero_si512();
      for (std::size_t t = 0; t < G; ++t)
        c0 = _mm512_dpbusd_epi32(c0, _mm512_set1_epi32(*reinterpret_cast<const std::int32_t*>(q0 + 4 * t)),
                                 _mm512_loadu_si512(g0 + t * 64));
      epilogue(a, c0, j, b);
    }
  }
}

}  // namespace arcface::detail

namespace arcface::detail {

// sum_i a[i] * b[i] for unsigned a, signed b (n bytes, any n).
std::int32_t dot_u8s8_vnni(const std::uint8_t* a, const std::int8_t* b, std::size_t n) {
  __m512i acc = _mm512_setzero_si512();
  std::size_t i = 0;
  for (; i + 64 <= n; i += 64)
    acc = _mm512_dpbusd_epi32(acc, _mm512_loadu_si512(a + i), _mm512_loadu_si512(b + i));
  if (i < n) {
    const __mmask64 m = (~0ULL) >> (64 - (n - i));
    acc = _mm512_dpbusd_epi32(acc, _mm512_maskz_loadu_epi8(m, a + i), _mm512_maskz_loadu_epi8(m, b + i));
  }
  return _mm512_reduce_add_epi32(acc);
}

// sum_i (a[i] + 128) * b[i] for signed a and b: a's sign bit flipped reads as a + 128 unsigned.
std::int32_t dot_s8s8_offset_vnni(const std::int8_t* a, const std::int8_t* b, std::size_t n) {
  const __m512i flip = _mm512_set1_epi8(static_cast<char>(0x80));
  __m512i acc = _mm512_setzero_si512();
  std::size_t i = 0;
  for (; i + 64 <= n; i += 64)
    acc = _mm512_dpbusd_epi32(acc, _mm512_xor_si512(_mm512_loadu_si512(a + i), flip), _mm512_loadu_si512(b + i));
  if (i < n) {
    const __mmask64 m = (~0ULL) >> (64 - (n - i));
    // masked-out lanes: b = 0, so whatever a becomes does not count
    acc = _mm512_dpbusd_epi32(acc, _mm512_xor_si512(_mm512_maskz_loadu_epi8(m, a + i), flip),
                              _mm512_maskz_loadu_epi8(m, b + i));
  }
  return _mm512_reduce_add_epi32(acc);
}

}  // namespace arcface::detail
