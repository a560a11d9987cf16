#pragma once
/// @file embedder.hpp
/// ArcFace-style face embeddings from self-describing TorchScript models.

#include "arcface/export.hpp"
#include <array>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <Eigen/Core>
#include <opencv2/core/mat.hpp>

#include "arcface/aligner.hpp"
#include "arcface/embeddings.hpp"
#include "arcface/face.hpp"

ARCFACE_API_BEGIN
namespace arcface {

/// How the embedding of the mirrored crop is combined with that of the crop.
enum class FlipPolicy {
  None,    ///< the crop alone
  Sum,     ///< crop + mirror, then L2-normalise (face.evoLVe)
  Concat,  ///< [crop, mirror] concatenated, then L2-normalise (MobileFaceNet upstream); doubles D
};
std::string to_string(FlipPolicy policy);
/// @throws InputError for anything but "none", "sum", "concat".
FlipPolicy flip_policy_from_string(const std::string& name);

/// What a model file says about itself (its `arcface.json` TorchScript extra file).
struct ModelInfo {
  std::string path;           ///< the file it was read from
  std::string name;           ///< e.g. "mobilefacenet-casia"
  std::string architecture;   ///< e.g. "MobileFaceNet", "IR-50"
  int input_width = 0, input_height = 0;
  bool rgb = true;            ///< colour order the network expects
  std::array<float, 3> mean{}, std{};  ///< input = (pixel - mean) / std, per channel
  AlignmentTemplate alignment;
  /// face.evoLVe evaluation: resize the aligned crop to @c resize and centre-crop @c crop.
  std::optional<int> resize, crop;
  FlipPolicy flip = FlipPolicy::None;
  int network_output = 0;     ///< size of one network output row
  int embedding_size = 0;     ///< size of an embedding after the flip policy
  float threshold = 0.f;      ///< recommended cosine threshold for verification
  std::string source_sha256;  ///< sha256 of the checkpoint it was converted from
  std::string metadata_json;  ///< the raw metadata
};

/// Read only the metadata of a model file (cheap: the weights are not loaded).
/// @throws ModelError if the file is missing, is not a TorchScript archive or has no valid metadata.
ModelInfo read_model_info(const std::string& path);

/// Replace the `arcface.json` metadata of a model file, keeping its network (e.g. to record
/// calibrated thresholds). Written to a temporary file and renamed.
/// @throws ModelError if the file cannot be loaded or the new metadata is not a valid embedder
///         description; IoError if it cannot be written.
void write_model_metadata(const std::string& path, const std::string& metadata_json);

/// Options of Embedder.
struct EmbedderOptions {
  /// Model file, or a name looked up in models_dir(); empty selects kDefaultEmbedder.
  /// "A+B" (model fusion) runs the models A and B, which must share the alignment template, on
  /// the same crop and returns [a, b] / sqrt(2) with a and b their own normalised embeddings
  /// (dimension = the sum; the cosine is the mean of the members' cosines; info().threshold the
  /// mean of their thresholds). Any number of members may be joined by '+'.
  std::string model;
  /// Rows per network call (a mirrored crop counts as a row); larger inputs are split. 8 is the
  /// fastest per image on a 2-core CPU for MobileFaceNet and IR-50 (bench/run_core_bench.py:
  /// IR-50 frozen+oneDNN takes 114 / 75 / 90 ms per image at batch 4 / 8 / 16).
  int batch_size = 8;
  /// Intra-op threads for LibTorch (a process-wide setting); 0 keeps the current setting, which
  /// arcface initialises to the number of hardware threads.
  int threads = 0;
  /// Freeze the TorchScript module and apply optimize_for_inference (oneDNN convolutions).
  bool optimize = true;
  /// Override the model's flip policy.
  std::optional<FlipPolicy> flip;
};

/// Turns aligned face crops into L2-normalised embeddings.
///
/// Everything model-specific (input size, colour order, scaling, alignment template, flip
/// policy, resize-and-crop) comes from the model's metadata; see ModelInfo.
///
/// Input contract: BGR CV_8UC3 crops of exactly info().alignment.size (as Aligner produces), or
/// a BGR image plus faces detected on it. Output: an N x dimension() matrix whose rows have unit
/// L2 norm, in input order.
///
/// Thread safety: all methods are const and may be called from several threads at once.
/// The model is loaded once, in the constructor. Movable, not copyable.
class Embedder {
 public:
  /// @throws ModelError if the model is missing, corrupt or has no arcface metadata, or its
  ///         output does not match the metadata.
  explicit Embedder(EmbedderOptions options = {});
  ~Embedder();
  Embedder(Embedder&&) noexcept;
  Embedder& operator=(Embedder&&) noexcept;
  Embedder(const Embedder&) = delete;
  Embedder& operator=(const Embedder&) = delete;

  const ModelInfo& info() const;
  /// Embedding size (after the flip policy).
  int dimension() const;
  /// The Aligner for this model's template.
  const Aligner& aligner() const;

  /// Embed aligned crops. An empty vector gives a 0 x dimension() matrix.
  /// @throws InputError if a crop is empty, of the wrong size or unsupported type.
  Embeddings embed(const std::vector<cv::Mat>& aligned_crops) const;
  /// Align @p faces on @p image and embed them.
  Embeddings embed(const cv::Mat& image, const std::vector<Face>& faces) const;

  /// Run the bare network on already preprocessed input (N x 3 x H x W floats, NCHW, H and W of
  /// the network input) and return its raw, unnormalised output (N x network_output). For
  /// parity checks against a reference implementation.
  /// @throws InputError if @p values does not hold batch * 3 * H * W floats, or for an ensemble.
  Embeddings forward_raw(const std::vector<float>& values, int batch) const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace arcface
ARCFACE_API_END
