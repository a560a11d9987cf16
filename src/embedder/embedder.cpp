#include "arcface/embedder.hpp"

#include <cstdio>
#include <cstring>

#include <nlohmann/json.hpp>
#include <opencv2/imgproc.hpp>

#include "arcface/error.hpp"
#include "core/files.hpp"
#include "embedder/model_info.hpp"
#include "arcface/image.hpp"
#include "arcface/models.hpp"
#include "core/detail.hpp"
#include "embedder/ensemble.hpp"
#include "embedder/quantized_variant.hpp"
#include "embedder/torch_runtime.hpp"

namespace arcface {

using detail::parse_model_info;

ModelInfo read_model_info(const std::string& path) {
  // torch::jit::load is the only reader of the archive format we can rely on; it also checks that
  // the file is a valid TorchScript archive.
  std::string json;
  detail::load_torchscript(path, json, false);
  return parse_model_info(path, json);
}

void write_model_metadata(const std::string& path, const std::string& metadata_json) {
  if (detail::is_ensemble(path)) throw ModelError("'" + path + "' is an ensemble: write the metadata of each member");
  parse_model_info(path, metadata_json);  // validate first
  std::string old;
  torch::jit::Module module = detail::load_torchscript(path, old, false);
  detail::atomic_write(
      path,
      [&](const std::string& tmp) {
        try {
          module.save(tmp, {{"arcface.json", metadata_json}});
        } catch (const std::exception& e) {
          throw IoError("cannot write model '" + path + "': " + e.what());
        }
      },
      "model");
}

void detail::preprocess_crop(const ModelInfo& info, const cv::Mat& crop, bool mirror, float* dst) {
  cv::Mat img = crop;  // shares the caller's pixels: never modify in place
  if (info.resize) img = detail::resize_center_crop(img, *info.resize, *info.crop);
  if (mirror) {
    cv::Mat flipped;
    cv::flip(img, flipped, 1);
    img = flipped;
  }
  const int h = info.input_height, w = info.input_width, plane = h * w;
  for (int y = 0; y < h; ++y) {
    const uint8_t* row = img.ptr<uint8_t>(y);
    for (int x = 0; x < w; ++x) {
      for (int c = 0; c < 3; ++c) {
        const int src_c = info.rgb ? 2 - c : c;  // BGR pixel -> channel c of the network input
        dst[c * plane + y * w + x] = (static_cast<float>(row[3 * x + src_c]) - info.mean[c]) / info.std[c];
      }
    }
  }
}

struct Embedder::Impl {
  ModelInfo info;
  Aligner aligner;
  mutable torch::jit::Module module;  // torch::jit::Module::forward is not const-qualified
  int batch_size = 32;
  Precision precision = Precision::Fp32;
  c10::ScalarType dtype = torch::kFloat32;  // of the network's input
  std::vector<Embedder> members;  // an ensemble "A+B" (embedder/ensemble.hpp): its models; module unused

  Impl(ModelInfo i, torch::jit::Module m, int batch)
      : info(std::move(i)), aligner(info.alignment), module(std::move(m)), batch_size(batch) {}

  torch::Tensor run(const torch::Tensor& x) const {
    c10::InferenceMode guard;
    if (precision == Precision::Int8 && x.size(0) < batch_size) {
      // LibTorch 1.13's oneDNN int8 convolutions keep weights reordered for the first input shape
      // and fail ("could not create a primitive descriptor for a reorder primitive") on another
      // batch size when running on several threads: every call gets batch_size rows.
      const torch::Tensor padded = torch::cat({x, torch::zeros({batch_size - x.size(0), x.size(1), x.size(2), x.size(3)})});
      return module.forward({padded}).toTensor().narrow(0, 0, x.size(0));
    }
    if (dtype == torch::kFloat32) return module.forward({x}).toTensor();
    // Reduced precision: channels-last input (oneDNN's preferred layout), float32 output.
    torch::Tensor in = x.to(dtype).contiguous(at::MemoryFormat::ChannelsLast);
    return module.forward({in}).toTensor().to(torch::kFloat32);
  }

  // The network over any number of rows, batch_size rows per call.
  torch::Tensor run_chunked(const torch::Tensor& x) const {
    const int64_t rows = x.size(0);
    if (rows <= batch_size) return run(x).contiguous();
    std::vector<torch::Tensor> parts;
    for (int64_t i = 0; i < rows; i += batch_size) parts.push_back(run(x.narrow(0, i, std::min<int64_t>(batch_size, rows - i))));
    c10::InferenceMode guard;
    return torch::cat(parts, 0).contiguous();
  }

  // Crop -> normalised CHW floats at dst (network input size).
  void preprocess(const cv::Mat& crop, bool mirror, float* dst) const { detail::preprocess_crop(info, crop, mirror, dst); }

  // Embeds crops [begin, end) into rows [begin, end) of out.
  void embed_batch(const std::vector<cv::Mat>& crops, size_t begin, size_t end, Embeddings& out) const {
    const int n = static_cast<int>(end - begin);
    const bool flip = info.flip != FlipPolicy::None;
    const int rows = flip ? 2 * n : n;
    const int64_t plane = 3LL * info.input_height * info.input_width;
    torch::Tensor x = torch::empty({rows, 3, info.input_height, info.input_width}, torch::kFloat32);
    float* data = x.data_ptr<float>();
    for (int i = 0; i < n; ++i) {
      preprocess(crops[begin + i], false, data + i * plane);
      if (flip) preprocess(crops[begin + i], true, data + (n + i) * plane);
    }
    torch::Tensor y = run_chunked(x);
    if (y.dim() != 2 || y.size(0) != rows || y.size(1) != info.network_output)
      throw ModelError("model '" + info.path + "' returned shape " + c10::str(y.sizes()) + ", expected [" +
                       std::to_string(rows) + ", " + std::to_string(info.network_output) + "]");
    const int d = info.network_output;
    const Eigen::Map<const Embeddings> raw(y.data_ptr<float>(), rows, d);
    for (int i = 0; i < n; ++i) {
      auto dst = out.row(static_cast<Eigen::Index>(begin) + i);
      switch (info.flip) {
        case FlipPolicy::None: dst = raw.row(i); break;
        case FlipPolicy::Sum: dst = raw.row(i) + raw.row(n + i); break;
        case FlipPolicy::Concat:
          dst.head(d) = raw.row(i);
          dst.tail(d) = raw.row(n + i);
          break;
      }
      const float norm = dst.norm();
      if (!(norm > 0.f) || !std::isfinite(norm))
        throw ModelError("model '" + info.path + "' produced a zero or non-finite embedding");
      dst /= norm;
    }
  }
};

Embedder::Embedder(EmbedderOptions options) {
  if (options.batch_size <= 0) throw InputError("Embedder batch_size must be positive");
  detail::configure_threads(options.threads);
  if (detail::is_ensemble(options.model)) {
    std::vector<Embedder> members = detail::load_ensemble(options);
    impl_ = std::make_unique<Impl>(detail::ensemble_info(members, options.model), torch::jit::Module(),
                                   options.batch_size);
    impl_->members = std::move(members);
    return;
  }
  const std::string path = resolve_model(options.model.empty() ? kDefaultEmbedder : options.model, ".pt");
  std::string json;
  torch::jit::Module module = detail::load_torchscript(path, json, false);
  ModelInfo info = parse_model_info(path, json);
  if (nlohmann::json::parse(json).contains("quantized"))
    throw ModelError("'" + path + "' is the int8 variant of a model: load the fp32 model beside it with precision int8");
  Precision precision =
      choose_precision(options.precision, info, cpu_supports(Precision::Bf16), cpu_supports(Precision::Int8));
  if (precision == Precision::Int8) {
    try {
      module = detail::load_int8_variant(path, module, json);
    } catch (const ModelError&) {
      if (options.precision != Precision::Auto) throw;
      // Auto chose int8 from the records but the variant is missing or stale: the next best.
      ModelInfo without = info;
      without.precisions.erase(Precision::Int8);
      precision = choose_precision(Precision::Auto, without, cpu_supports(Precision::Bf16), false);
    }
  }
  const c10::ScalarType dtype = precision == Precision::Bf16 ? torch::kBFloat16 : torch::kFloat32;
  if (precision != Precision::Int8)
    module = detail::prepare_for_inference(std::move(module), path, dtype, options.optimize);
  if (options.flip) {
    info.flip = *options.flip;
    info.embedding_size = info.flip == FlipPolicy::Concat ? 2 * info.network_output : info.network_output;
  }
  impl_ = std::make_unique<Impl>(std::move(info), std::move(module), options.batch_size);
  impl_->precision = precision;
  impl_->dtype = dtype;
  // Check once that the network accepts its declared input and returns its declared output.
  try {
    const torch::Tensor y =
        impl_->run(torch::zeros({1, 3, impl_->info.input_height, impl_->info.input_width}, torch::kFloat32));
    if (y.dim() != 2 || y.size(0) != 1 || y.size(1) != impl_->info.network_output)
      throw ModelError("model '" + path + "' returns shape " + c10::str(y.sizes()) + " but its metadata declares [1, " +
                       std::to_string(impl_->info.network_output) + "]");
  } catch (const Error&) {
    throw;
  } catch (const std::exception& e) {
    throw ModelError("model '" + path + "' fails on its declared input size in " + to_string(precision) + ": " +
                     e.what());
  }
}

Embedder::~Embedder() = default;
Embedder::Embedder(Embedder&&) noexcept = default;
Embedder& Embedder::operator=(Embedder&&) noexcept = default;

const ModelInfo& Embedder::info() const { return impl_->info; }
Precision Embedder::precision() const { return impl_->precision; }
int Embedder::dimension() const { return impl_->info.embedding_size; }
const Aligner& Embedder::aligner() const { return impl_->aligner; }

Embeddings Embedder::embed(const std::vector<cv::Mat>& crops) const {
  const cv::Size want = impl_->info.alignment.size;
  std::vector<cv::Mat> bgr(crops.size());
  for (size_t i = 0; i < crops.size(); ++i) {
    bgr[i] = to_bgr8(crops[i], "crop " + std::to_string(i));
    if (bgr[i].size() != want)
      throw InputError("crop " + std::to_string(i) + " is " + std::to_string(bgr[i].cols) + "x" +
                       std::to_string(bgr[i].rows) + ", model '" + impl_->info.name + "' expects aligned crops of " +
                       std::to_string(want.width) + "x" + std::to_string(want.height));
  }
  if (!impl_->members.empty()) return detail::embed_ensemble(impl_->members, bgr);
  Embeddings out(static_cast<Eigen::Index>(crops.size()), dimension());
  try {
    constexpr size_t group = 256;  // crops preprocessed at once (bounds memory)
    for (size_t b = 0; b < bgr.size(); b += group) impl_->embed_batch(bgr, b, std::min(bgr.size(), b + group), out);
  } catch (...) {
    detail::rethrow_with_context("embedding with model '" + impl_->info.path + "'");
  }
  return out;
}

Embeddings Embedder::embed(const cv::Mat& image, const std::vector<Face>& faces) const {
  return embed(impl_->aligner.align(image, faces));
}

Embeddings Embedder::forward_raw(const std::vector<float>& values, int batch) const {
  if (!impl_->members.empty())
    throw InputError("forward_raw: '" + impl_->info.path + "' is an ensemble; call it on each member model");
  const int64_t per = 3LL * impl_->info.input_height * impl_->info.input_width;
  if (batch <= 0 || static_cast<int64_t>(values.size()) != batch * per)
    throw InputError("forward_raw: expected " + std::to_string(batch) + " x 3 x " +
                     std::to_string(impl_->info.input_height) + " x " + std::to_string(impl_->info.input_width) +
                     " floats, got " + std::to_string(values.size()));
  try {
    torch::Tensor x = torch::from_blob(const_cast<float*>(values.data()),
                                       {batch, 3, impl_->info.input_height, impl_->info.input_width}, torch::kFloat32);
    torch::Tensor y = impl_->run_chunked(x);
    Embeddings out(y.size(0), y.size(1));
    std::memcpy(out.data(), y.data_ptr<float>(), sizeof(float) * y.numel());
    return out;
  } catch (...) {
    detail::rethrow_with_context("forward_raw with model '" + impl_->info.path + "'");
  }
}

namespace detail {
cv::Mat resize_center_crop(const cv::Mat& crop, int resize, int out) {
  cv::Mat big;
  cv::resize(crop, big, cv::Size(resize, resize), 0, 0, cv::INTER_LINEAR);
  const int off = (resize - out) / 2;
  return big(cv::Rect(off, off, out, out)).clone();
}
}  // namespace detail

}  // namespace arcface
