#pragma once
// Spherical k-means for the IVF coarse quantizer. Internal.

#include <cstddef>
#include <cstdint>
#include <vector>

namespace arcface::detail {

/// argmax_j <x_i, c_j> for the n rows of x (n x d) against the k centroids c (k x d), multi-threaded.
std::vector<std::int64_t> assign_rows(const float* x, std::ptrdiff_t n, const float* c, std::ptrdiff_t k,
                                      std::ptrdiff_t d, int threads);

/// k unit centroids of the rows of @p x (row-major, d columns) by spherical k-means (inner-product
/// assignment), deterministic: the first centroids are evenly spaced rows. (FAISS's own k-means goes
/// through the system BLAS, which on Debian is the slow reference implementation.)
std::vector<float> spherical_kmeans(const std::vector<float>& x, std::ptrdiff_t d, std::ptrdiff_t k, int iterations,
                                    int threads);

}  // namespace arcface::detail
