#pragma once
// First pass of the exact search for large galleries: rows and queries quantised to 8 bits, dot
// products with AVX-512 VNNI, and per-row error bounds so that the exact fp32 re-ranking of the
// survivors returns exactly the fp32 top-k. Internal.
#include "core/internal_api.hpp"
#include <cstddef>
#include <cstdint>
#include <vector>

#include "gallery/int8_scan_args.hpp"

ARCFACE_INTERNAL_BEGIN
namespace arcface::detail {

/// Gallery rows in 8-bit form. Rows are grouped in blocks of 16 and interleaved by 4 dimensions
/// (block b, group t: 16 rows x 4 bytes, 64 bytes), the layout the VNNI kernel reads.
struct Int8Rows {
  int dim = 0;
  int dim4 = 0;            // dim rounded up to a multiple of 4
  std::size_t rows = 0;    // rows appended
  std::vector<std::int8_t> codes;
  // Per row (padded to a multiple of 16): scale s (row ~ s * code), |row - s * code|,
  // s * |code|, sum of the codes.
  std::vector<float> scale, err, gnorm;
  std::vector<std::int32_t> rowsum;

  void reset(int dimension);
  void append(const float* rows_data, std::size_t n);
  std::size_t blocks() const { return (rows + 15) / 16; }
};

/// Queries in 8-bit form: code + 128 as unsigned bytes (VNNI multiplies unsigned by signed).
struct Int8Queries {
  int n = 0, dim4 = 0;
  std::vector<std::uint8_t> codes;  // n x dim4
  std::vector<float> scale, err, norm;
  void set(const float* q, int nq, int dim);
};


/// sum a[i] b[i] (unsigned a, signed b) and sum (a[i] + 128) b[i] (signed a, b), n bytes.
/// AVX-512 VNNI only: call when int8_scan_available().
std::int32_t dot_u8s8_vnni(const std::uint8_t* a, const std::int8_t* b, std::size_t n);
std::int32_t dot_s8s8_offset_vnni(const std::int8_t* a, const std::int8_t* b, std::size_t n);

/// Quantise one row to codes in [-127, 127] (dimension i at out[i]); returns the scale s
/// (row ~ s * codes) and the sum of the codes.
void quantise_row(const float* x, int dim, std::int8_t* out, float& scale, std::int32_t& sum);

/// True when the CPU has AVX-512 F/BW and VNNI (the kernel is compiled for them).
bool int8_scan_available();

/// Scan blocks [block0, block1) of @p g for all queries of @p q: approximate score
/// a = s_row s_q (code_row . code_q), bound = err_row |q| + gnorm_row err_q (so the fp32 score is
/// within a +- bound), and call @p sink where a + bound >= floors[query] (read before each block).
void int8_scan(const Int8Rows& g, std::size_t block0, std::size_t block1, const Int8Queries& q, const float* floors,
               Int8Sink sink, void* ctx);

}  // namespace arcface::detail
ARCFACE_INTERNAL_END
