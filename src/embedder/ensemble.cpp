#include "embedder/ensemble.hpp"

#include <cmath>
#include <filesystem>

#include <nlohmann/json.hpp>

#include "arcface/error.hpp"

namespace arcface::detail {

bool is_ensemble(const std::string& model) {
  std::error_code ec;
  return model.find('+') != std::string::npos && !std::filesystem::is_regular_file(model, ec);
}

std::vector<Embedder> load_ensemble(const EmbedderOptions& options) {
  std::vector<std::string> names;
  size_t start = 0;
  for (;;) {
    const size_t plus = options.model.find('+', start);
    names.push_back(options.model.substr(start, plus == std::string::npos ? std::string::npos : plus - start));
    if (names.back().empty()) throw ModelError("ensemble '" + options.model + "' has an empty member name");
    if (plus == std::string::npos) break;
    start = plus + 1;
  }
  std::vector<Embedder> members;
  for (const auto& name : names) {
    EmbedderOptions o = options;
    o.model = name;
    members.emplace_back(o);
    const AlignmentTemplate& a = members.front().info().alignment;
    const AlignmentTemplate& b = members.back().info().alignment;
    bool same = a.size == b.size;
    for (int i = 0; i < 5 && same; ++i) same = std::abs(a.points[i].x - b.points[i].x) < 1e-3f &&
                                                std::abs(a.points[i].y - b.points[i].y) < 1e-3f;
    if (!same)
      throw ModelError("ensemble '" + options.model + "': members '" + names.front() + "' (" + a.name + ") and '" +
                       name + "' (" + b.name + ") take differently aligned crops");
  }
  return members;
}

ModelInfo ensemble_info(const std::vector<Embedder>& members, const std::string& spec) {
  ModelInfo m = members.front().info();  // input and alignment of the first member
  m.path = spec;
  m.name.clear();
  m.architecture = "ensemble";
  m.precisions.clear();  // measured per member, not for the ensemble
  m.resize.reset();
  m.crop.reset();
  m.flip = FlipPolicy::None;  // each member applies its own
  m.network_output = m.embedding_size = 0;
  m.threshold = 0.f;
  m.source_sha256 = "ensemble";
  nlohmann::json parts = nlohmann::json::array();
  for (const auto& e : members) {
    const ModelInfo& i = e.info();
    m.name += (m.name.empty() ? "" : "+") + i.name;
    m.architecture += (m.architecture == "ensemble" ? ": " : " + ") + i.architecture;
    m.embedding_size += i.embedding_size;
    m.threshold += i.threshold / static_cast<float>(members.size());
    m.source_sha256 += ":" + i.source_sha256 + "/" + to_string(i.flip);
    parts.push_back({{"name", i.name}, {"path", i.path}, {"embedding_size", i.embedding_size},
                     {"flip", to_string(i.flip)}, {"threshold", i.threshold}});
  }
  m.network_output = m.embedding_size;
  m.metadata_json = nlohmann::json{{"kind", "ensemble"}, {"name", m.name}, {"members", parts},
                                   {"embedding_size", m.embedding_size}, {"threshold", m.threshold}}
                        .dump(1);
  return m;
}

Embeddings embed_ensemble(const std::vector<Embedder>& members, const std::vector<cv::Mat>& crops) {
  Eigen::Index dim = 0;
  for (const auto& e : members) dim += e.dimension();
  Embeddings out(static_cast<Eigen::Index>(crops.size()), dim);
  const float scale = 1.f / std::sqrt(static_cast<float>(members.size()));
  Eigen::Index at = 0;
  for (const auto& e : members) {
    out.middleCols(at, e.dimension()) = e.embed(crops) * scale;
    at += e.dimension();
  }
  return out;
}

}  // namespace arcface::detail
