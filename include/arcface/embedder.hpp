#pragma once
/// @file embedder.hpp
/// ArcFace-style face embeddings from self-describing TorchScript models.

#include "arcface/export.hpp"
#include <array>
#include <map>
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

/// Arithmetic the embedding network runs in.
enum class Precision {
  Fp32,  ///< float32 weights and activations: the reference
  Bf16,  ///< bfloat16 weights and activations (channels-last); fast only on CPUs with AVX512-BF16 or AMX
  Int8,  ///< 8-bit quantised network: the variant MODEL.int8.pt beside MODEL.pt, made by
         ///< scripts/quantize_model.py (static post-training quantisation, calibrated on face photos)
  Auto,  ///< the fastest precision the CPU supports and the model's metadata allows (see choose_precision)
};
std::string to_string(Precision precision);
/// @throws InputError for anything but "fp32", "bf16", "int8", "auto".
Precision precision_from_string(const std::string& name);
/// Whether this CPU has native instructions for @p precision (fp32: always; bf16: AVX512-BF16 or
/// AMX-BF16; int8: AVX512-VNNI or AMX-INT8; auto: always).
bool cpu_supports(Precision precision);

/// What a model's metadata records about running it in one precision.
struct PrecisionRecord {
  double lfw_view1_accuracy = 0;  ///< LFW View 1 DevTest accuracy, percent (threshold from DevTrain)
  double ms_per_row = 0;          ///< network time per input row where it was measured
};

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
  /// Measured accuracy and speed per precision (metadata "precisions"; written by
  /// scripts/measure_precision.py). Empty when never measured: then Precision::Auto means fp32.
  std::map<Precision, PrecisionRecord> precisions;
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
  /// Rows per network call (a mirrored crop counts as a row); larger inputs are split. The default
  /// was the fastest per image in bench/run_core_bench.py (docs/benchmarks.md).
  int batch_size = 8;
  /// Intra-op threads for LibTorch (a process-wide setting); 0 keeps the current setting, which
  /// arcface initialises to the number of hardware threads.
  int threads = 0;
  /// fp32: freeze the TorchScript module and apply optimize_for_inference (oneDNN convolutions).
  /// bf16 is always frozen, without optimize_for_inference (its rewrites are float32-only).
  bool optimize = true;
  /// Override the model's flip policy.
  std::optional<FlipPolicy> flip;
  /// Arithmetic of the network. Auto (the default) never picks a precision the CPU has no
  /// instructions for, nor one whose recorded LFW View 1 accuracy is more than 0.1 points below
  /// fp32's, nor one not recorded in the model's metadata; see choose_precision (when it picks
  /// int8 but the variant is missing or stale, the next best). An explicit Bf16 runs on any CPU
  /// (emulated, slowly, without AVX512-BF16). Int8 loads MODEL.int8.pt and selects its quantised
  /// engine (onednn or qnnpack; a process-wide LibTorch setting); each of its network calls runs
  /// batch_size rows (fewer are padded).
  Precision precision = Precision::Auto;
};

/// The precision Precision::Auto resolves to for a model with metadata @p info on a CPU where
/// bf16 / int8 are native or not: among fp32 and the precisions recorded in info.precisions that
/// the CPU supports and that lose at most 0.1 accuracy points against the recorded fp32, the one
/// with the smallest recorded ms_per_row. Without an fp32 record: fp32. Any other request is
/// returned unchanged.
Precision choose_precision(Precision requested, const ModelInfo& info, bool cpu_bf16, bool cpu_int8);

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
  ///         output does not match the metadata, or it cannot run in the requested precision
  ///         (int8: MODEL.int8.pt missing, corrupt, not a quantised variant, made from other
  ///         weights than MODEL.pt, or needing an engine LibTorch lacks, each naming the file; a
  ///         network whose operations fail in bf16).
  explicit Embedder(EmbedderOptions options = {});
  ~Embedder();
  Embedder(Embedder&&) noexcept;
  Embedder& operator=(Embedder&&) noexcept;
  Embedder(const Embedder&) = delete;
  Embedder& operator=(const Embedder&) = delete;

  const ModelInfo& info() const;
  /// The precision the network runs in (never Auto: what Auto resolved to).
  Precision precision() const;
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
