#include "arcface/models.hpp"

#include <cstdlib>
#include <filesystem>
#include <sstream>

#include "arcface/error.hpp"
#include "core/detail.hpp"

// The build tree's models/ (empty: none, as in the Python wheel, which must not depend on the clone).
#ifndef ARCFACE_DEFAULT_MODELS_DIR
#define ARCFACE_DEFAULT_MODELS_DIR ""
#endif
// The install prefix's share/arcface/models.
#ifndef ARCFACE_SYSTEM_MODELS_DIR
#define ARCFACE_SYSTEM_MODELS_DIR ""
#endif

namespace fs = std::filesystem;

namespace arcface {

namespace {

std::string env(const char* name) {
  const char* v = std::getenv(name);
  return v && *v ? v : "";
}

void add_unique(std::vector<std::string>& dirs, const std::string& d) {
  if (d.empty()) return;
  for (const auto& x : dirs)
    if (x == d) return;
  dirs.push_back(d);
}

}  // namespace

std::string user_models_dir() {
  const std::string xdg = env("XDG_DATA_HOME");
  if (!xdg.empty() && fs::path(xdg).is_absolute()) return (fs::path(xdg) / "arcface" / "models").string();
  const std::string home = env("HOME");
  return (fs::path(home.empty() ? "/tmp" : home) / ".local" / "share" / "arcface" / "models").string();
}

std::vector<std::string> system_models_dirs() {
  std::vector<std::string> dirs;
  std::string xdg_dirs = env("XDG_DATA_DIRS");
  if (xdg_dirs.empty()) xdg_dirs = "/usr/local/share:/usr/share";
  std::istringstream in(xdg_dirs);
  for (std::string d; std::getline(in, d, ':');)
    if (!d.empty() && fs::path(d).is_absolute()) add_unique(dirs, (fs::path(d) / "arcface" / "models").string());
  add_unique(dirs, ARCFACE_SYSTEM_MODELS_DIR);
  return dirs;
}

std::vector<std::string> model_search_path() {
  const std::string over = env("ARCFACE_MODELS");
  if (!over.empty()) return {over};
  std::vector<std::string> dirs;
  add_unique(dirs, user_models_dir());
  for (const auto& d : system_models_dirs()) add_unique(dirs, d);
  add_unique(dirs, ARCFACE_DEFAULT_MODELS_DIR);
  return dirs;
}

std::string models_dir() {
  const std::string over = env("ARCFACE_MODELS");
  if (!over.empty()) return over;
  std::error_code ec;
  for (const auto& d : model_search_path())
    if (fs::is_directory(d, ec)) return d;
  return user_models_dir();
}

std::string resolve_model(const std::string& name_or_path, const std::string& extension) {
  if (name_or_path.empty()) throw ModelError("empty model name");
  const bool is_path = name_or_path.find('/') != std::string::npos ||
                       detail::has_extension(name_or_path, extension);
  std::error_code ec;
  if (is_path) {
    if (fs::is_regular_file(name_or_path, ec)) return name_or_path;
    throw ModelError("model file '" + name_or_path + "' not found");
  }
  std::string looked;
  for (const auto& d : model_search_path()) {
    const fs::path candidate = fs::path(d) / (name_or_path + extension);
    if (fs::is_regular_file(candidate, ec)) return candidate.string();
    looked += (looked.empty() ? "" : ", ") + candidate.string();
  }
  throw ModelError("model '" + name_or_path + "' not found: looked for " + looked +
                   " (install the models with `arcface models install`, set ARCFACE_MODELS to a models directory, "
                   "or pass a path)");
}

namespace detail {

bool model_installed(const std::string& name, const std::string& extension) {
  try {
    resolve_model(name, extension);
    return true;
  } catch (const ModelError&) {
    return false;
  }
}

}  // namespace detail

}  // namespace arcface
