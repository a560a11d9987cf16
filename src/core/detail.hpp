#pragma once
// Internals shared by the library's translation units. Not installed.

#include "core/internal_api.hpp"
#include <string>
#include <thread>
#include <utility>

#include <opencv2/core.hpp>

#include "arcface/error.hpp"

ARCFACE_INTERNAL_BEGIN
namespace arcface::detail {

/// Run @p f, turning cv::Exception into arcface::Error with @p context prepended.
template <class F>
auto with_cv_context(const std::string& context, F&& f) -> decltype(f()) {
  try {
    return std::forward<F>(f)();
  } catch (const cv::Exception& e) {
    throw Error(context + ": OpenCV error: " + e.err);
  }
}

/// Apply the process-wide thread setting (LibTorch intra-op and OpenCV). n <= 0 applies the
/// default (hardware threads) once, the first time any model is loaded. Defined in
/// embedder/torch_runtime.cpp.
void configure_threads(int n);

/// True when @p name ends with @p extension (e.g. ".pt") and has something before it.
inline bool has_extension(const std::string& name, const std::string& extension) {
  return name.size() > extension.size() &&
         name.compare(name.size() - extension.size(), extension.size(), extension) == 0;
}

/// True when resolve_model(@p name, @p extension) finds a file. Defined in core/models.cpp.
bool model_installed(const std::string& name, const std::string& extension);

/// A thread-count option: n > 0 as given, otherwise the hardware threads (at least 1).
inline int resolve_threads(int n) {
  if (n > 0) return n;
  const unsigned hw = std::thread::hardware_concurrency();
  return hw == 0 ? 1 : static_cast<int>(hw);
}

/// Sets OpenMP's thread count for the calling thread's next parallel regions (omp_set_num_threads)
/// and restores the previous count when it goes out of scope, so that LibTorch calls made later on
/// the same thread keep their own setting. Defined in core/threads.cpp.
class OmpThreadsScope {
 public:
  explicit OmpThreadsScope(int threads);
  ~OmpThreadsScope();
  OmpThreadsScope(const OmpThreadsScope&) = delete;
  OmpThreadsScope& operator=(const OmpThreadsScope&) = delete;

 private:
  int previous_;
};

/// The crop resize/centre-crop step of face.evoLVe's evaluation.
cv::Mat resize_center_crop(const cv::Mat& crop, int resize, int out);

}  // namespace arcface::detail

namespace arcface {
struct ModelInfo;
namespace detail {
/// An aligned BGR crop as the network of @p info takes it: resize-crop when the model asks for it,
/// mirrored when @p mirror, channels in the model's order scaled by (x - mean) / std, CHW into @p dst.
void preprocess_crop(const ModelInfo& info, const cv::Mat& crop, bool mirror, float* dst);
}  // namespace detail
}  // namespace arcface
ARCFACE_INTERNAL_END

