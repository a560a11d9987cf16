#include <condition_variable>
#include <deque>
#include <future>
#include <algorithm>
#include <thread>

#include "server/server_impl.hpp"

namespace arcface::detail::server {

struct InferencePool::Impl {
  const Pipeline& pipeline;
  std::mutex mu;
  std::condition_variable wake;
  std::deque<std::packaged_task<PipelineResult()>> queue;
  bool stopping = false;
  std::vector<std::thread> workers;

  explicit Impl(const Pipeline& p) : pipeline(p) {}
  void run() {
    for (;;) {
      std::packaged_task<PipelineResult()> task;
      {
        std::unique_lock<std::mutex> lock(mu);
        wake.wait(lock, [&] { return stopping || !queue.empty(); });
        if (queue.empty()) return;  // stopping, nothing left
        task = std::move(queue.front());
        queue.pop_front();
      }
      task();
    }
  }
};

InferencePool::InferencePool(const Pipeline& pipeline, int threads) : impl_(std::make_unique<Impl>(pipeline)) {
  for (int i = 0; i < std::max(1, threads); ++i) impl_->workers.emplace_back([this] { impl_->run(); });
}

InferencePool::~InferencePool() {
  {
    std::lock_guard<std::mutex> lock(impl_->mu);
    impl_->stopping = true;
  }
  impl_->wake.notify_all();
  for (auto& t : impl_->workers) t.join();
}

PipelineResult InferencePool::process(const cv::Mat& image) {
  std::packaged_task<PipelineResult()> task([this, &image] { return impl_->pipeline.process(image); });
  auto result = task.get_future();
  {
    std::lock_guard<std::mutex> lock(impl_->mu);
    impl_->queue.push_back(std::move(task));
  }
  impl_->wake.notify_one();
  return result.get();  // rethrows what process threw
}

}  // namespace arcface::detail::server
