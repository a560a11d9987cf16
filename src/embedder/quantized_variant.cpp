// The int8 variant of an embedder: path, provenance check (weights sha256), engine, loading.
#include "embedder/quantized_variant.hpp"

#include <filesystem>
#include <memory>

#include <ATen/Context.h>
#include <nlohmann/json.hpp>
#include <openssl/evp.h>

#include "arcface/error.hpp"
#include "core/detail.hpp"
#include "embedder/torch_runtime.hpp"

namespace arcface::detail {

namespace {

constexpr const char* kHowToMake =
    "make it with `arcface models quantize MODEL --calibration PHOTO_DIR` or "
    "scripts/quantize_model.py MODEL.pt --calibration PHOTO_DIR";

bool select_engine(const std::string& name) {
  const at::QEngine want = name == "onednn" ? at::QEngine::ONEDNN : name == "qnnpack" ? at::QEngine::QNNPACK
                                                                                       : at::QEngine::NoQEngine;
  for (const at::QEngine e : at::globalContext().supportedQEngines()) {
    if (e == want && want != at::QEngine::NoQEngine) {
      if (at::globalContext().qEngine() != want) at::globalContext().setQEngine(want);
      return true;
    }
  }
  return false;
}

}  // namespace

std::string int8_variant_path(const std::string& model_path) {
  const std::string stem = has_extension(model_path, ".pt") ? model_path.substr(0, model_path.size() - 3) : model_path;
  return stem + ".int8.pt";
}

std::string weights_sha256(const torch::jit::Module& module) {
  std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)> ctx(EVP_MD_CTX_new(), EVP_MD_CTX_free);
  if (!ctx || EVP_DigestInit_ex(ctx.get(), EVP_sha256(), nullptr) != 1) throw Error("cannot initialise sha256");
  auto add = [&](const std::string& name, const at::Tensor& value) {
    const at::Tensor t = value.detach().contiguous();
    EVP_DigestUpdate(ctx.get(), name.data(), name.size());
    EVP_DigestUpdate(ctx.get(), "", 1);  // the NUL byte
    if (t.numel() > 0) EVP_DigestUpdate(ctx.get(), t.data_ptr(), t.numel() * t.element_size());
  };
  for (const auto& p : module.named_parameters(true)) add(p.name, p.value);
  for (const auto& b : module.named_buffers(true)) add(b.name, b.value);
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  EVP_DigestFinal_ex(ctx.get(), md, &len);
  static const char* hex = "0123456789abcdef";
  std::string out;
  for (unsigned int i = 0; i < len; ++i) out += {hex[md[i] >> 4], hex[md[i] & 15]};
  return out;
}

torch::jit::Module load_int8_variant(const std::string& fp32_path, const torch::jit::Module& fp32,
                                     const std::string& fp32_metadata_json) {
  const std::string path = int8_variant_path(fp32_path);
  std::error_code ec;
  if (!std::filesystem::is_regular_file(path, ec))
    throw ModelError("model '" + fp32_path + "' has no int8 variant: '" + path + "' does not exist; " + kHowToMake);
  // Packed int8 weights are unpacked for the engine selected while loading: onednn first (what
  // quantize_model.py uses by default), then the variant's own engine if it is another.
  select_engine("onednn");
  std::string json;
  torch::jit::Module module = load_torchscript(path, json, false);
  nlohmann::json meta, base;
  try {
    meta = nlohmann::json::parse(json);
    base = nlohmann::json::parse(fp32_metadata_json);
  } catch (const nlohmann::json::exception& e) {
    throw ModelError("int8 variant '" + path + "' has invalid arcface metadata: " + e.what());
  }
  if (!meta.is_object() || !meta.contains("quantized") || !meta["quantized"].is_object())
    throw ModelError("'" + path + "' is not a quantised variant (its metadata has no \"quantized\" section); " +
                     kHowToMake);
  const auto& q = meta["quantized"];
  const std::string engine = q.value("engine", ""), digest = q.value("base_weights_sha256", "");
  if (digest != weights_sha256(fp32))
    throw ModelError("int8 variant '" + path + "' is stale: it was made from other weights than '" + fp32_path +
                     "' (base_weights_sha256 differs); " + kHowToMake);
  for (const char* key : {"input", "network_output", "alignment"})
    if (meta.value(key, nlohmann::json()) != base.value(key, nlohmann::json()))
      throw ModelError("int8 variant '" + path + "' declares another " + key + " than '" + fp32_path + "'");
  if (!select_engine(engine))
    throw ModelError("int8 variant '" + path + "' needs the quantised engine '" + engine +
                     "', which this LibTorch does not have");
  if (engine != "onednn") module = load_torchscript(path, json, false);
  try {
    module.eval();
    return torch::jit::freeze(module, {}, true);
  } catch (const c10::Error& e) {
    throw ModelError("cannot prepare int8 variant '" + path + "': " + e.what_without_backtrace());
  }
}

}  // namespace arcface::detail
