#include "arcface/pipeline.hpp"

#include <omp.h>

#include <atomic>
#include <mutex>
#include <thread>

#include "arcface/image.hpp"

namespace arcface {

Pipeline::Pipeline(PipelineOptions options)
    : detector_(std::move(options.detector)),
      embedder_(std::move(options.embedder)),
      batch_rows_(std::max(1, options.embedder.batch_size)) {}

PipelineResult Pipeline::process(const cv::Mat& image) const {
  const cv::Mat bgr = to_bgr8(image);
  PipelineResult r;
  r.faces = detector_.detect(bgr);
  r.embeddings = embedder_.embed(bgr, r.faces);
  r.image_size = bgr.size();
  return r;
}

PipelineResult Pipeline::process_file(const std::string& path) const { return process(read_image(path)); }

namespace {
// Aligned crops of one file waiting for a shared network call.
struct PendingCrops {
  size_t index;
  std::vector<cv::Mat> crops;
};
}  // namespace

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
  // Crops per network call: a mirrored crop is a second row.
  const size_t rows_per_crop = embedder_.info().flip == FlipPolicy::None ? 1 : 2;
  const size_t crops_per_call = std::max<size_t>(1, static_cast<size_t>(batch_rows_) / rows_per_crop);

  std::mutex done_mutex;
  size_t done = 0;
  auto finished = [&] {
    if (!on_done) return;
    std::lock_guard<std::mutex> lock(done_mutex);
    on_done(++done);
  };
  // Embed the queued crops of several files in one call; on failure, file by file so that the
  // error lands on the file that caused it.
  auto embed_group = [&](std::vector<PendingCrops>& group) {
    std::vector<cv::Mat> all;
    for (auto& g : group) all.insert(all.end(), g.crops.begin(), g.crops.end());
    bool ok = true;
    Embeddings rows;
    try {
      rows = embedder_.embed(all);
    } catch (const std::exception&) {
      ok = false;
    }
    Eigen::Index at = 0;
    for (auto& g : group) {
      FileResult& r = out[g.index];
      const auto k = static_cast<Eigen::Index>(g.crops.size());
      if (ok) {
        r.result.embeddings = rows.middleRows(at, k);
      } else {
        try {
          r.result.embeddings = embedder_.embed(g.crops);
        } catch (const std::exception& e) {
          r.error = e.what();
          r.result = {};
        }
      }
      at += k;
      finished();
    }
    group.clear();
  };

  std::atomic<size_t> next{0};
  std::mutex queue_mutex;
  std::vector<PendingCrops> queue;
  size_t queued = 0;
  auto work = [&] {
    omp_set_num_threads(per_worker);
    for (size_t i; (i = next.fetch_add(1)) < paths.size();) {
      FileResult& r = out[i];
      r.path = paths[i];
      std::vector<cv::Mat> crops;
      try {
        const cv::Mat bgr = to_bgr8(read_image(paths[i]));
        r.result.faces = detector_.detect(bgr);
        r.result.image_size = bgr.size();
        crops = embedder_.aligner().align(bgr, r.result.faces);
      } catch (const std::exception& e) {
        r.error = e.what();
        r.result = {};
        finished();
        continue;
      }
      if (crops.empty()) {
        r.result.embeddings = Embeddings(0, embedder_.dimension());
        finished();
        continue;
      }
      std::vector<PendingCrops> full;
      {
        std::lock_guard<std::mutex> lock(queue_mutex);
        queued += crops.size();
        queue.push_back({i, std::move(crops)});
        if (queued >= crops_per_call) full.swap(queue), queued = 0;
      }
      if (!full.empty()) embed_group(full);
    }
  };
  std::vector<std::thread> threads;
  for (size_t t = 1; t < n; ++t) threads.emplace_back(work);
  work();
  omp_set_num_threads(caller_threads);
  for (auto& t : threads) t.join();
  if (!queue.empty()) embed_group(queue);  // the last, partial batch, with all threads
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
