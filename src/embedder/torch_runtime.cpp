#include "embedder/torch_runtime.hpp"

#include <mutex>
#include <thread>

#include <ATen/Parallel.h>
#include <opencv2/core/utility.hpp>
#include <torch/csrc/jit/api/module.h>

#include "arcface/error.hpp"
#include "core/detail.hpp"

namespace arcface::detail {

void configure_threads(int n) {
  static std::once_flag defaults;
  if (n > 0) {
    at::set_num_threads(n);
    cv::setNumThreads(n);
    return;
  }
  std::call_once(defaults, [] {
    const int hw = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
    if (at::get_num_threads() < hw) at::set_num_threads(hw);
  });
}

[[noreturn]] void rethrow_with_context(const std::string& context) {
  try {
    throw;
  } catch (const Error&) {
    throw;
  } catch (const c10::Error& e) {
    throw Error(context + ": " + e.what_without_backtrace());
  } catch (const cv::Exception& e) {
    throw Error(context + ": OpenCV error: " + e.err);
  } catch (const std::exception& e) {
    throw Error(context + ": " + e.what());
  }
}

torch::jit::Module load_torchscript(const std::string& path, std::string& metadata_json, bool optimize,
                                    const std::vector<std::string>& methods) {
  std::unordered_map<std::string, std::string> extra{{"arcface.json", ""}};
  torch::jit::Module module;
  try {
    module = torch::jit::load(path, torch::kCPU, extra);
  } catch (const c10::Error& e) {
    std::string msg = e.what_without_backtrace();
    if (msg.size() > 300) msg = msg.substr(0, 300) + "...";
    throw ModelError("cannot load model '" + path + "': not a TorchScript archive or corrupt (" + msg + ")");
  } catch (const std::exception& e) {
    throw ModelError("cannot load model '" + path + "': " + e.what());
  }
  metadata_json = extra["arcface.json"];
  module.eval();
  if (optimize) {
    try {
      torch::jit::Module frozen = torch::jit::freeze(module, methods, true);
      module = torch::jit::optimize_for_inference(frozen, methods);
    } catch (const c10::Error& e) {
      throw ModelError("cannot optimise model '" + path + "': " + e.what_without_backtrace());
    }
  }
  return module;
}

torch::jit::Module prepare_for_inference(torch::jit::Module module, const std::string& path, c10::ScalarType dtype,
                                         bool optimize) {
  try {
    if (dtype == torch::kFloat32) {
      if (!optimize) return module;
      torch::jit::Module frozen = torch::jit::freeze(module, {}, true);
      return torch::jit::optimize_for_inference(frozen);
    }
    // bf16: optimize_for_inference's oneDNN rewrites are float32-only (they make bf16 slower);
    // frozen bf16 convolutions already run through oneDNN.
    module.to(dtype);
    return torch::jit::freeze(module, {}, true);
  } catch (const c10::Error& e) {
    throw ModelError("cannot prepare model '" + path + "' for " + std::string(c10::toString(dtype)) +
                     " inference: " + e.what_without_backtrace());
  }
}

}  // namespace arcface::detail
