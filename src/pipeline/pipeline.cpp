#include "arcface/pipeline.hpp"

#include <omp.h>

#include <atomic>
#include <mutex>
#include <thread>

#include "arcface/image.hpp"

namespace arcface {

Pipeline::Pipeline(PipelineOptions options)
    : detector_(std::move(options.detector)), embedder_(std::move(options.embedder)) {}

PipelineResult Pipeline::process(const cv::Mat& image) const {
  const cv::Mat bgr = to_bgr8(image);
  PipelineResult r;
  r.faces = detector_.detect(bgr);
  r.embeddings = embedder_.embed(bgr, r.faces);
  return r;
}

PipelineResult Pipeline::process_file(const std::string& path) const { return process(read_image(path)); }

std::vector<Pipeline::FileResult> Pipeline::process_files(const std::vector<std::string>& paths, int workers,
                                                          const std::function<void(size_t)>& on_done) const {
  std::vector<FileResult> out(paths.size());
  const size_t n = std::max<size_t>(1, std::min(paths.size(), workers > 0 ? static_cast<size_t>(workers)
                                                                            : std::max(1u, std::thread::hardware_concurrency())));
  // Split the caller's OpenMP threads (LibTorch's intra-op pool) between the workers: a new
  // std::thread would otherwise start a full-size OpenMP team of its own for every network call,
  // and n workers x all cores of spinning threads slow every worker down.
  const int caller_threads = omp_get_max_threads();
  const int per_worker = std::max(1, caller_threads / static_cast<int>(n));
  std::atomic<size_t> next{0};
  std::mutex done_mutex;
  size_t done = 0;
  auto work = [&] {
    omp_set_num_threads(per_worker);
    for (size_t i; (i = next.fetch_add(1)) < paths.size();) {
      out[i].path = paths[i];
      try {
        out[i].result = process_file(paths[i]);
      } catch (const std::exception& e) {
        out[i].error = e.what();
      }
      if (on_done) {
        std::lock_guard<std::mutex> lock(done_mutex);
        on_done(++done);
      }
    }
  };
  std::vector<std::thread> threads;
  for (size_t t = 1; t < n; ++t) threads.emplace_back(work);
  work();
  omp_set_num_threads(caller_threads);
  for (auto& t : threads) t.join();
  return out;
}

int largest_face(const std::vector<Face>& faces) {
  int best = -1;
  float area = -1.f;
  for (int i = 0; i < static_cast<int>(faces.size()); ++i) {
    const float a = faces[i].box.area();
    if (a > area) area = a, best = i;
  }
  return best;
}

}  // namespace arcface
