// Model metadata (the `arcface.json` extra file of a model): parsing and validation.
#include "embedder/model_info.hpp"

#include <cmath>

#include <nlohmann/json.hpp>

#include "arcface/error.hpp"

namespace arcface {

std::string to_string(FlipPolicy p) {
  switch (p) {
    case FlipPolicy::None: return "none";
    case FlipPolicy::Sum: return "sum";
    case FlipPolicy::Concat: return "concat";
  }
  return "?";
}

FlipPolicy flip_policy_from_string(const std::string& s) {
  if (s == "none") return FlipPolicy::None;
  if (s == "sum") return FlipPolicy::Sum;
  if (s == "concat") return FlipPolicy::Concat;
  throw InputError("unknown flip policy '" + s + "' (expected none, sum or concat)");
}

std::string to_string(Precision p) {
  switch (p) {
    case Precision::Fp32: return "fp32";
    case Precision::Bf16: return "bf16";
    case Precision::Int8: return "int8";
    case Precision::Auto: return "auto";
  }
  return "?";
}

Precision precision_from_string(const std::string& s) {
  if (s == "fp32") return Precision::Fp32;
  if (s == "bf16") return Precision::Bf16;
  if (s == "int8") return Precision::Int8;
  if (s == "auto") return Precision::Auto;
  throw InputError("unknown precision '" + s + "' (expected fp32, bf16, int8 or auto)");
}

Precision choose_precision(Precision requested, const ModelInfo& info, bool cpu_bf16, bool cpu_int8) {
  if (requested != Precision::Auto) return requested;
  const auto fp32 = info.precisions.find(Precision::Fp32);
  if (fp32 == info.precisions.end()) return Precision::Fp32;
  constexpr double kMaxLoss = 0.1;  // accuracy points
  Precision best = Precision::Fp32;
  double best_ms = fp32->second.ms_per_row;
  for (const auto& [p, rec] : info.precisions) {
    if (p == Precision::Fp32 || p == Precision::Auto) continue;
    if ((p == Precision::Bf16 && !cpu_bf16) || (p == Precision::Int8 && !cpu_int8)) continue;
    if (fp32->second.lfw_view1_accuracy - rec.lfw_view1_accuracy > kMaxLoss + 1e-9) continue;
    if (rec.ms_per_row < best_ms) best = p, best_ms = rec.ms_per_row;
  }
  return best;
}

namespace detail {

namespace {
constexpr int kMaxInputSide = 1024;
constexpr int kMaxEmbeddingSize = 65536;

// An integer metadata value in a range no computation with it can overflow.
int int_value(const nlohmann::json& v, const std::string& path) {
  if (!v.is_number_integer() || v.get<long long>() < -1000000 || v.get<long long>() > 1000000)
    throw ModelError("model '" + path + "' has invalid arcface metadata: expected an integer, got " + v.dump());
  return static_cast<int>(v.get<long long>());
}

// A number representable as a float.
float float_value(const nlohmann::json& v, const std::string& path) {
  if (!v.is_number() || !(std::abs(v.get<double>()) < 1e30))
    throw ModelError("model '" + path + "' has invalid arcface metadata: expected a number, got " + v.dump());
  return static_cast<float>(v.get<double>());
}
}  // namespace

ModelInfo parse_model_info(const std::string& path, const std::string& text) {
  if (text.empty())
    throw ModelError("model '" + path +
                     "' has no arcface metadata (TorchScript extra file arcface.json); convert the checkpoint "
                     "with scripts/prepare_models.py");
  ModelInfo m;
  m.path = path;
  m.metadata_json = text;
  try {
    const auto j = nlohmann::json::parse(text);
    if (j.value("kind", "") != "embedder")
      throw ModelError("model '" + path + "' is not an embedder (metadata kind '" + j.value("kind", "") + "')");
    m.name = j.at("name").get<std::string>();
    if (m.name.empty()) throw ModelError("model '" + path + "' has invalid arcface metadata: empty name");
    m.architecture = j.value("architecture", "");
    const auto& in = j.at("input");
    m.input_width = int_value(in.at("width"), path);
    m.input_height = int_value(in.at("height"), path);
    const std::string color = in.value("color", "RGB");
    if (color != "RGB" && color != "BGR") throw ModelError("model '" + path + "': unknown colour order " + color);
    m.rgb = color == "RGB";
    for (int c = 0; c < 3; ++c) {
      m.mean[c] = float_value(in.at("mean").at(c), path);
      m.std[c] = float_value(in.at("std").at(c), path);
      if (!std::isfinite(m.mean[c]) || !std::isfinite(m.std[c]) || m.std[c] == 0.f)
        throw ModelError("model '" + path + "': input mean/std must be finite and std non-zero");
    }
    const auto& al = j.at("alignment");
    if (al.contains("points")) {
      m.alignment.name = al.value("template", "custom");
      m.alignment.size = {int_value(al.at("width"), path), int_value(al.at("height"), path)};
      for (int i = 0; i < 5; ++i)
        m.alignment.points[i] = {float_value(al.at("points").at(i).at(0), path), float_value(al.at("points").at(i).at(1), path)};
    } else {
      m.alignment = AlignmentTemplate::by_name(al.at("template").get<std::string>());
    }
    if (j.contains("resize_crop") && !j["resize_crop"].is_null()) {
      m.resize = int_value(j["resize_crop"].at("resize"), path);
      m.crop = int_value(j["resize_crop"].at("crop"), path);
    }
    m.flip = flip_policy_from_string(j.value("flip", "none"));
    m.network_output = int_value(j.at("network_output"), path);
    m.embedding_size = int_value(j.at("embedding_size"), path);
    m.threshold = j.contains("threshold") ? float_value(j.at("threshold"), path) : 0.3f;
    if (!(m.threshold > -1.f && m.threshold < 1.f))
      throw ModelError("model '" + path + "': threshold " + std::to_string(m.threshold) +
                       " must be a cosine similarity strictly between -1 and 1 (at -1 or 1 every pair gets one verdict)");
    if (j.contains("source")) m.source_sha256 = j["source"].value("sha256", "");
    if (j.contains("precisions")) {
      for (const auto& [key, rec] : j.at("precisions").items()) {
        const Precision p = precision_from_string(key);
        if (p == Precision::Auto) throw ModelError("model '" + path + "': 'auto' is not a precision to record");
        PrecisionRecord r;
        r.lfw_view1_accuracy = float_value(rec.at("lfw_view1_accuracy"), path);
        r.ms_per_row = float_value(rec.at("ms_per_row"), path);
        if (!(r.lfw_view1_accuracy >= 0 && r.lfw_view1_accuracy <= 100) || !(r.ms_per_row > 0))
          throw ModelError("model '" + path + "': precision record '" + key +
                           "' needs 0 <= lfw_view1_accuracy <= 100 and ms_per_row > 0");
        m.precisions[p] = r;
      }
    }
  } catch (const nlohmann::json::exception& e) {
    throw ModelError("model '" + path + "' has invalid arcface metadata: " + e.what());
  } catch (const InputError& e) {
    throw ModelError("model '" + path + "' has invalid arcface metadata: " + e.what());
  }
  for (int i = 0; i < 5; ++i) {
    const cv::Point2f p = m.alignment.points[i];
    if (!std::isfinite(p.x) || !std::isfinite(p.y))
      throw ModelError("model '" + path + "': alignment point " + std::to_string(i) + " is not finite");
    for (int k = 0; k < i; ++k)
      if (std::hypot(p.x - m.alignment.points[k].x, p.y - m.alignment.points[k].y) < 1.0)
        throw ModelError("model '" + path + "': alignment points " + std::to_string(k) + " and " + std::to_string(i) +
                         " coincide (a template needs five distinct points)");
  }
  if (m.alignment.size.width <= 0 || m.alignment.size.height <= 0 || m.alignment.size.width > kMaxInputSide ||
      m.alignment.size.height > kMaxInputSide)
    throw ModelError("model '" + path + "': alignment size must be within 1.." + std::to_string(kMaxInputSide));
  if (m.resize && (*m.resize <= 0 || *m.resize > kMaxInputSide || !m.crop || *m.crop <= 0 || *m.crop > *m.resize))
    throw ModelError("model '" + path + "': resize_crop must satisfy 0 < crop <= resize <= " + std::to_string(kMaxInputSide));
  if (m.network_output > kMaxEmbeddingSize)
    throw ModelError("model '" + path + "': network_output " + std::to_string(m.network_output) + " exceeds " +
                     std::to_string(kMaxEmbeddingSize));
  const int net_w = m.crop.value_or(m.alignment.size.width), net_h = m.crop.value_or(m.alignment.size.height);
  if (m.input_width <= 0 || m.input_height <= 0 || net_w != m.input_width || net_h != m.input_height)
    throw ModelError("model '" + path + "': input size " + std::to_string(m.input_width) + "x" +
                     std::to_string(m.input_height) + " does not match its alignment/crop settings");
  const int expected = m.flip == FlipPolicy::Concat ? 2 * m.network_output : m.network_output;
  if (m.network_output <= 0 || m.embedding_size != expected)
    throw ModelError("model '" + path + "': embedding_size " + std::to_string(m.embedding_size) +
                     " is inconsistent with network_output and flip policy");
  return m;
}


}  // namespace detail
}  // namespace arcface
