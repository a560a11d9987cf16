#pragma once
// The argument block of the VNNI kernel: plain data only, so that it can be shared with the
// translation unit compiled for AVX-512 without compiling any inline function for that ISA.
#include <cstddef>
#include <cstdint>

namespace arcface::detail {

/// Called for each (query, row) whose upper bound a + bound reaches floors[query].
using Int8Sink = void (*)(void* ctx, int query, std::size_t row, float approx, float bound);

struct Int8ScanArgs {
  const std::int8_t* codes;
  const float *scale, *err, *gnorm;
  const std::int32_t* rowsum;
  std::size_t groups, block0, block1;
  const std::uint8_t* qcodes;
  const float *qscale, *qerr, *qnorm, *floors;
  int nq, dim4;
  Int8Sink sink;
  void* ctx;
};

void int8_scan_vnni(const Int8ScanArgs& a);

}  // namespace arcface::detail
