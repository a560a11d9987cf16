#include "gallery/kmeans.hpp"

#include <algorithm>

#include <Eigen/Core>

#include "gallery/exact_kernel.hpp"

namespace arcface::detail {

std::vector<std::int64_t> assign_rows(const float* x, std::ptrdiff_t n, const float* c, std::ptrdiff_t k,
                                      std::ptrdiff_t d, int threads) {
  std::vector<std::int64_t> out(static_cast<std::size_t>(n));
  const std::ptrdiff_t block = 256;
#pragma omp parallel num_threads(threads)
  {
    std::vector<float> s(static_cast<std::size_t>(block * k));
#pragma omp for schedule(dynamic, 1)
    for (std::ptrdiff_t r0 = 0; r0 < n; r0 += block) {
      const std::ptrdiff_t rows = std::min(block, n - r0);
      gemm_nt(x + r0 * d, rows, c, k, d, s.data());
      for (std::ptrdiff_t i = 0; i < rows; ++i) {
        const float* si = s.data() + i * k;
        out[static_cast<std::size_t>(r0 + i)] = std::max_element(si, si + k) - si;
      }
    }
  }
  return out;
}

std::vector<float> spherical_kmeans(const std::vector<float>& x, std::ptrdiff_t d, std::ptrdiff_t k, int iterations,
                                    int threads) {
  const std::ptrdiff_t n = static_cast<std::ptrdiff_t>(x.size()) / d;
  std::vector<float> c(static_cast<std::size_t>(k * d));
  for (std::ptrdiff_t j = 0; j < k; ++j) std::copy_n(x.begin() + (j * n / k) * d, d, c.begin() + j * d);
  for (int it = 0; it < iterations; ++it) {
    const auto a = assign_rows(x.data(), n, c.data(), k, d, threads);
    Eigen::MatrixXf sum = Eigen::MatrixXf::Zero(d, k);
    for (std::ptrdiff_t i = 0; i < n; ++i)
      sum.col(a[static_cast<std::size_t>(i)]) += Eigen::Map<const Eigen::VectorXf>(x.data() + i * d, d);
    for (std::ptrdiff_t j = 0; j < k; ++j) {
      const float norm = sum.col(j).norm();
      if (norm > 0) Eigen::Map<Eigen::VectorXf>(c.data() + j * d, d) = sum.col(j) / norm;
      // an empty cluster keeps its previous centroid
    }
  }
  return c;
}

}  // namespace arcface::detail
