#include "arcface/error.hpp"
#include "gallery/int8_scan.hpp"
#include "gallery/int8_scan_args.hpp"

#include <algorithm>
#include <cmath>

namespace arcface::detail {

namespace {
// Quantise one row to codes in [-127, 127]; returns scale, |x - s c|, s |c| and sum(c).
void quantise(const float* x, int dim, std::int8_t* out, int stride_group, float& scale, float& err, float& gnorm,
              std::int32_t& sum) {
  float m = 0.f;
  for (int i = 0; i < dim; ++i) m = std::max(m, std::fabs(x[i]));
  const float s = m > 0.f ? m / 127.f : 1.f;
  double e2 = 0.0, c2 = 0.0;
  std::int32_t total = 0;
  for (int i = 0; i < dim; ++i) {
    const int c = std::clamp(static_cast<int>(std::lround(x[i] / s)), -127, 127);
    const double r = static_cast<double>(x[i]) - static_cast<double>(s) * c;
    e2 += r * r;
    c2 += static_cast<double>(c) * c;
    total += c;
    out[(i / 4) * stride_group + (i % 4)] = static_cast<std::int8_t>(c);
  }
  scale = s;
  err = static_cast<float>(std::sqrt(e2));
  gnorm = static_cast<float>(s * std::sqrt(c2));
  sum = total;
}
}  // namespace

void quantise_row(const float* x, int dim, std::int8_t* out, float& scale, std::int32_t& sum) {
  float err, gnorm;
  quantise(x, dim, out, 4, scale, err, gnorm, sum);
}

void Int8Rows::reset(int dimension) {
  dim = dimension;
  dim4 = (dimension + 3) / 4 * 4;
  rows = 0;
  codes.clear();
  scale.clear();
  err.clear();
  gnorm.clear();
  rowsum.clear();
}

void Int8Rows::append(const float* data, std::size_t n) {
  const std::size_t total = rows + n;
  const std::size_t nblocks = (total + 15) / 16;
  codes.resize(nblocks * 16 * static_cast<std::size_t>(dim4), 0);
  scale.resize(nblocks * 16, 0.f);
  err.resize(nblocks * 16, 0.f);
  gnorm.resize(nblocks * 16, 0.f);
  rowsum.resize(nblocks * 16, 0);
  const std::size_t groups = static_cast<std::size_t>(dim4) / 4;
  for (std::size_t i = 0; i < n; ++i) {
    const std::size_t r = rows + i, b = r / 16, lane = r % 16;
    std::int8_t* base = codes.data() + b * groups * 64 + lane * 4;
    quantise(data + i * static_cast<std::size_t>(dim), dim, base, 64, scale[r], err[r], gnorm[r], rowsum[r]);
  }
  rows = total;
}

void Int8Queries::set(const float* q, int nq, int dim) {
  n = nq;
  dim4 = (dim + 3) / 4 * 4;
  codes.assign(static_cast<std::size_t>(nq) * static_cast<std::size_t>(dim4), 128);
  scale.resize(static_cast<std::size_t>(nq));
  err.resize(static_cast<std::size_t>(nq));
  norm.resize(static_cast<std::size_t>(nq));
  std::vector<std::int8_t> tmp(static_cast<std::size_t>(dim4));
  for (int j = 0; j < nq; ++j) {
    const float* x = q + static_cast<std::size_t>(j) * static_cast<std::size_t>(dim);
    float gn;
    std::int32_t sum;
    std::fill(tmp.begin(), tmp.end(), 0);
    // contiguous layout: stride_group 4 puts dimension i at i
    quantise(x, dim, tmp.data(), 4, scale[static_cast<std::size_t>(j)], err[static_cast<std::size_t>(j)], gn, sum);
    double n2 = 0.0;
    for (int i = 0; i < dim; ++i) n2 += static_cast<double>(x[i]) * x[i];
    norm[static_cast<std::size_t>(j)] = static_cast<float>(std::sqrt(n2));
    for (int i = 0; i < dim4; ++i)
      codes[static_cast<std::size_t>(j) * static_cast<std::size_t>(dim4) + static_cast<std::size_t>(i)] =
          static_cast<std::uint8_t>(tmp[static_cast<std::size_t>(i)] + 128);
  }
}

// The kernel proper lives in int8_scan_vnni.cpp, compiled for AVX-512 VNNI where the compiler can
// (ARCFACE_HAVE_VNNI_KERNEL, set by CMake); callers check int8_scan_available() first.

#if ARCFACE_HAVE_VNNI_KERNEL
bool int8_scan_available() {
  static const bool yes = __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") &&
                          __builtin_cpu_supports("avx512vnni");
  return yes;
}
#else
bool int8_scan_available() { return false; }
void int8_scan_vnni(const Int8ScanArgs&) { throw Error("int8_scan: built without the AVX-512 VNNI kernel"); }
std::int32_t dot_u8s8_vnni(const std::uint8_t*, const std::int8_t*, std::size_t) {
  throw Error("int8_scan: built without the AVX-512 VNNI kernel");
}
std::int32_t dot_s8s8_offset_vnni(const std::int8_t*, const std::int8_t*, std::size_t) {
  throw Error("int8_scan: built without the AVX-512 VNNI kernel");
}
#endif

void int8_scan(const Int8Rows& g, std::size_t block0, std::size_t block1, const Int8Queries& q, const float* floors,
               Int8Sink sink, void* ctx) {
  Int8ScanArgs a{g.codes.data(), g.scale.data(), g.err.data(), g.gnorm.data(), g.rowsum.data(),
                 static_cast<std::size_t>(g.dim4) / 4, block0, block1, q.codes.data(), q.scale.data(), q.err.data(),
                 q.norm.data(), floors, q.n, q.dim4, sink, ctx};
  int8_scan_vnni(a);
}

}  // namespace arcface::detail
