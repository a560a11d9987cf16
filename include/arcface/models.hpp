#pragma once
/// @file models.hpp
/// Where arcface finds its model files.
///
/// A model is named either by a path to a file or by a short name ("mobilefacenet-ms1m",
/// "yunet", "mtcnn-tflite") that is looked up in the models directory:
///  1. the ARCFACE_MODELS environment variable, when set;
///  2. otherwise the directory compiled in (the build tree's `models/`, or the install prefix's
///     `share/arcface/models`).
/// `scripts/prepare_models.py` (run by the set-up command) fills that directory.

#include "arcface/export.hpp"
#include <string>
#include <vector>

ARCFACE_API_BEGIN
namespace arcface {

/// The models directory in effect (see above).
std::string models_dir();

/// Resolve @p name_or_path to an existing file. A value containing '/' or ending in
/// @p extension is treated as a path; otherwise `models_dir()/name + extension` is used.
/// @throws ModelError naming every place looked at when no file is found.
std::string resolve_model(const std::string& name_or_path, const std::string& extension);

/// Names of the default models.
inline constexpr const char* kDefaultEmbedder = "mobilefacenet-ms1m";
inline constexpr const char* kYuNetModel = "yunet";
inline constexpr const char* kMtcnnModel = "mtcnn-tflite";

}  // namespace arcface
ARCFACE_API_END
