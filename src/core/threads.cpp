#include <omp.h>

#include "core/detail.hpp"

namespace arcface::detail {

OmpThreadsScope::OmpThreadsScope(int threads) : previous_(omp_get_max_threads()) {
  omp_set_num_threads(threads > 0 ? threads : previous_);
}

OmpThreadsScope::~OmpThreadsScope() { omp_set_num_threads(previous_); }

}  // namespace arcface::detail
