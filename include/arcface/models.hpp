#pragma once
/// @file models.hpp
/// Where arcface finds its model files.
///
/// A model is named either by a path to a file or by a short name ("mobilefacenet-ms1m",
/// "yunet", "mtcnn-tflite") that is looked up in the model search path, first match wins:
///  1. the ARCFACE_MODELS environment variable, when set (then it is the only directory searched);
///  2. the user's directory, `$XDG_DATA_HOME/arcface/models` (default `~/.local/share/arcface/models`),
///     which `arcface models install` fills;
///  3. the system-wide directories: `DIR/arcface/models` for each DIR of `$XDG_DATA_DIRS` (default
///     `/usr/local/share:/usr/share`), then the install prefix's `share/arcface/models`;
///  4. the build tree's `models/` compiled in (none in the Python wheel), which
///     `scripts/prepare_models.py` (run by `scripts/setup.sh`) fills.

#include "arcface/export.hpp"
#include <string>
#include <vector>

ARCFACE_API_BEGIN
namespace arcface {

/// The models directory in effect: ARCFACE_MODELS when set, else the first directory of
/// model_search_path() that exists, else user_models_dir(). `import_onnx` writes there.
std::string models_dir();

/// `$XDG_DATA_HOME/arcface/models`, or `$HOME/.local/share/arcface/models` (whether it exists or not).
std::string user_models_dir();

/// The system-wide model directories, in search order (whether they exist or not).
std::vector<std::string> system_models_dirs();

/// Every directory a model name is looked up in, in order (see above; whether it exists or not).
std::vector<std::string> model_search_path();

/// Resolve @p name_or_path to an existing file. A value containing '/' or ending in
/// @p extension is treated as a path.
/// Otherwise the first `DIR/name + extension` of model_search_path() that exists is used.
/// @throws ModelError naming every place looked at when no file is found.
std::string resolve_model(const std::string& name_or_path, const std::string& extension);

/// Names of the default models.
inline constexpr const char* kDefaultEmbedder = "mobilefacenet-ms1m";
inline constexpr const char* kYuNetModel = "yunet";
inline constexpr const char* kMtcnnModel = "mtcnn-tflite";

}  // namespace arcface
ARCFACE_API_END
