#pragma once
/// @file model_import.hpp
/// Bring your own model: import an ONNX face embedder (insightface, OpenCV zoo, any ArcFace
/// export) as a self-describing TorchScript model in the models directory.
///
/// The conversion is done by the Python converter `scripts/onnx_torch.py` (Debian packages
/// python3-torch, python3-onnx, python3-opencv), run with `/usr/bin/python3` (or
/// `$ARCFACE_PYTHON`). It is looked up, in order, in `$ARCFACE_SCRIPTS_DIR`, the source tree the
/// library was built from, the install prefix's `share/arcface/scripts`, and `../share/arcface/scripts`
/// and `../scripts` next to the running executable.

#include "arcface/export.hpp"
#include <optional>
#include <string>

#include "arcface/embedder.hpp"

ARCFACE_API_BEGIN
namespace arcface {

/// How an imported network takes its input; see docs/models.md for the settings of known models.
struct OnnxImportOptions {
  /// Model name: the file written is `NAME.pt` (letters, digits, '.', '_', '-'; no '/' or '+').
  std::string name;
  /// Directory to write into; empty: models_dir().
  std::string out_dir;
  /// Alignment template the network was trained with ("arcface_112x112", "sphereface_96x112");
  /// its size must equal the network's input size.
  std::string template_name = "arcface_112x112";
  /// Colour order of the network input; unset: RGB.
  std::optional<bool> rgb;
  /// Network input = (pixel - mean) / std, the same for the three channels. Unset (both): 0 and 1
  /// when the graph normalises its input itself (it starts with Sub/Mul/Div), else 127.5 and 127.5.
  std::optional<float> mean, std;
  /// Flip policy written into the metadata.
  FlipPolicy flip = FlipPolicy::Sum;
  /// Replace an existing `NAME.pt`.
  bool force = false;
};

/// Convert the ONNX file @p onnx_path, check the conversion against OpenCV DNN running the same
/// file (an independent runtime), and write `NAME.pt` with its arcface metadata (uncalibrated
/// threshold 0.3: measure it with `arcface calibrate`). The converter's messages are appended to
/// @p log when given.
/// @returns the metadata of the written model.
/// @throws ModelError naming the file when it is missing, corrupt or truncated, has an unsupported
///         operator (named), differs from OpenCV DNN, does not fit @p options (template size),
///         or when the converter or Python is missing; InputError for an invalid name.
ModelInfo import_onnx(const std::string& onnx_path, const OnnxImportOptions& options, std::string* log = nullptr);

/// Path of the converter script @p file (e.g. "onnx_torch.py"), looked up as described above.
/// @throws ModelError listing the places looked at when it is not found.
std::string find_converter_script(const std::string& file);

}  // namespace arcface
ARCFACE_API_END
