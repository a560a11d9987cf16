#include "arcface/models.hpp"

#include <cstdlib>
#include <filesystem>

#include "arcface/error.hpp"

#ifndef ARCFACE_DEFAULT_MODELS_DIR
#define ARCFACE_DEFAULT_MODELS_DIR "models"
#endif

namespace fs = std::filesystem;

namespace arcface {

std::string models_dir() {
  if (const char* env = std::getenv("ARCFACE_MODELS"); env && *env) return env;
  return ARCFACE_DEFAULT_MODELS_DIR;
}

std::string resolve_model(const std::string& name_or_path, const std::string& extension) {
  if (name_or_path.empty()) throw ModelError("empty model name");
  const bool is_path = name_or_path.find('/') != std::string::npos ||
                       (name_or_path.size() > extension.size() &&
                        name_or_path.compare(name_or_path.size() - extension.size(), extension.size(), extension) == 0);
  std::error_code ec;
  if (is_path) {
    if (fs::is_regular_file(name_or_path, ec)) return name_or_path;
    throw ModelError("model file '" + name_or_path + "' not found");
  }
  const fs::path candidate = fs::path(models_dir()) / (name_or_path + extension);
  if (fs::is_regular_file(candidate, ec)) return candidate.string();
  throw ModelError("model '" + name_or_path + "' not found: looked for " + candidate.string() +
                   " (set ARCFACE_MODELS to the directory written by scripts/prepare_models.py, or pass a path)");
}

}  // namespace arcface
