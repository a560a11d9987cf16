#pragma once
/// @file train.hpp
/// Training heads with margin losses: ArcFace, CosFace, SphereFace, their combined form, and plain
/// softmax, for training or fine-tuning embedders.
///
/// A head turns features (N x D) and labels (N) into logits (N x C) for a cross-entropy loss:
///
/// | kind       | target-class logit                                   | other classes      | normalised |
/// |------------|------------------------------------------------------|--------------------|------------|
/// | Softmax    | x . w_y + b_y                                        | x . w_j + b_j      | nothing    |
/// | ArcFace    | s cos(theta_y + m)                                   | s cos(theta_j)     | x and W    |
/// | CosFace    | s (cos(theta_y) - m)                                 | s cos(theta_j)     | x and W    |
/// | SphereFace | ‖x‖ (lambda cos(theta_y) + psi(theta_y)) / (1 + lambda) | ‖x‖ cos(theta_j) | W only     |
/// | Combined   | s (cos(m1 theta_y + m2) - m3)                        | s cos(theta_j)     | x and W    |
///
/// ArcFace: where theta + m would pass pi the logit continues as cos(theta) - m sin(m) (monotonic,
/// as insightface does); with `easy_margin` the margin applies only where cos(theta) > 0.
/// SphereFace: psi(theta) = (-1)^k cos(m theta) - 2k for theta in [k pi / m, (k + 1) pi / m], m an
/// integer 1-4; lambda anneals from `sphere_base` down to `sphere_lambda_min` as
/// lambda = max(lambda_min, base (1 + gamma * iteration)^-power) (set_iteration()).
/// Combined (m1, m2, m3) contains the others' margins: (1, m, 0) is ArcFace without the pi
/// correction, (1, 0, m) is CosFace, (m, 0, 0) a SphereFace-like multiplicative margin.
///
/// The heads are TorchScript modules (defined once, in src/train/heads.cpp): the C++ Trainer uses
/// them, and save() writes one that PyTorch can `torch.jit.load` and train (`weight`, and `bias`
/// for Softmax, are parameters; forward(x, labels) -> logits).
///
/// Thread safety: logits() is const and may be called concurrently; set_* and training are not.
/// Movable, not copyable.

#include "arcface/export.hpp"
#include <memory>
#include <string>
#include <vector>

#include <Eigen/Core>

ARCFACE_API_BEGIN
namespace arcface::train {

/// The head family.
enum class HeadKind { Softmax, ArcFace, CosFace, SphereFace, Combined };

/// "softmax", "arcface", "cosface", "sphereface", "combined".
std::string to_string(HeadKind kind);
/// Parse one of the names above. @throws InputError for anything else.
HeadKind head_kind_from_string(const std::string& name);

/// Options of a head. Defaults: insightface's ArcFace (s = 64, m = 0.5).
struct HeadOptions {
  HeadKind kind = HeadKind::ArcFace;
  int embedding_size = 512;  ///< D, the feature dimension
  int classes = 2;           ///< C, the number of identities
  float s = 64.f;            ///< scale (ArcFace, CosFace, Combined)
  /// The margin: additive angular (radians) for ArcFace, additive cosine for CosFace, the integer
  /// multiplicative margin (1-4) for SphereFace. Negative selects the kind's usual value:
  /// ArcFace 0.5, CosFace 0.35, SphereFace 4.
  float m = -1.f;
  float m1 = 1.f, m2 = 0.3f, m3 = 0.2f;  ///< Combined margins (insightface's combined example)
  bool easy_margin = false;              ///< ArcFace: margin only where cos(theta) > 0
  float sphere_base = 1000.f, sphere_gamma = 0.12f, sphere_power = 1.f, sphere_lambda_min = 5.f;
  unsigned seed = 0;  ///< initialisation of the class weights (Xavier-uniform; bias zero)
};

namespace detail {
struct HeadAccess;  // the library's training code reaches the Torch module through this
}  // namespace detail

/// A margin head with its class-weight matrix W (C x D) and, for Softmax, the bias b (C).
class MarginHead {
 public:
  /// @throws InputError for invalid options (sizes, margins, scale).
  explicit MarginHead(HeadOptions options);
  ~MarginHead();
  MarginHead(MarginHead&&) noexcept;
  MarginHead& operator=(MarginHead&&) noexcept;
  MarginHead(const MarginHead&) = delete;
  MarginHead& operator=(const MarginHead&) = delete;

  /// Logits (N x C) of @p features (N x D) with the margin applied to each row's @p labels entry.
  /// @throws InputError for a dimension mismatch, a label outside [0, C), or non-finite features.
  Eigen::MatrixXf logits(const Eigen::MatrixXf& features, const std::vector<int>& labels) const;

  /// Logits without any margin (what the head predicts at test time): s cos(theta) for the
  /// angular heads, ‖x‖ cos(theta) for SphereFace, x W^T + b for Softmax.
  Eigen::MatrixXf predict(const Eigen::MatrixXf& features) const;

  /// Class weights W (C x D) and, for Softmax, the bias (C); empty otherwise.
  Eigen::MatrixXf weight() const;
  Eigen::VectorXf bias() const;
  /// @throws InputError for a wrong shape.
  void set_weight(const Eigen::MatrixXf& weight);

  /// SphereFace annealing: set the training iteration (lambda follows; no effect on other kinds).
  void set_iteration(long iteration);
  /// The current SphereFace lambda (0 for other kinds).
  float lambda() const;

  /// Write the head as a TorchScript module (forward(x, labels) -> logits, predict(x)), loadable
  /// with `torch.jit.load` and trainable in PyTorch. @throws IoError when it cannot be written.
  void save(const std::string& path) const;

  const HeadOptions& options() const;

 private:
  friend struct detail::HeadAccess;
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

/// Options of Trainer::fit.
struct TrainOptions {
  enum class Optimizer { Sgd, Adam };
  enum class Schedule { Constant, Step, Cosine };
  Optimizer optimizer = Optimizer::Adam;
  float learning_rate = 0.01f;
  float momentum = 0.9f;         ///< SGD
  float weight_decay = 0.f;
  Schedule schedule = Schedule::Cosine;  ///< Cosine: to 0 over all epochs; Step: x gamma every step_epochs
  int step_epochs = 30;
  float gamma = 0.1f;
  int epochs = 100;
  int batch_size = 0;            ///< 0: the whole set per step
  /// > 0: learn a linear projection (no bias) of the inputs to this many dimensions in front of
  /// the head (the article's 2-D picture); the head's embedding_size must equal it.
  int projection = 0;
  /// Checkpoint file (TorchScript, with the head and the projection as submodules) written every
  /// checkpoint_epochs epochs and at the end; empty: none.
  std::string checkpoint;
  int checkpoint_epochs = 10;
  bool progress = false;         ///< progress bar on stderr (terminal only)
  /// "cpu", "cuda" or "auto" (CUDA when LibTorch sees a GPU).
  std::string device = "cpu";
  unsigned seed = 0;             ///< shuffling and projection initialisation
};

/// What fit() did: the mean loss of each epoch and the final training accuracy (argmax of
/// MarginHead::predict on the projected features).
struct TrainReport {
  std::vector<float> epoch_loss;
  double accuracy = 0;
  std::string device;
};

/// Trains a head (and an optional linear projection) with cross-entropy on fixed features, e.g.
/// embeddings computed once by an Embedder. Not thread-safe.
class Trainer {
 public:
  /// @throws InputError for inconsistent options.
  Trainer(HeadOptions head, TrainOptions options);
  ~Trainer();
  Trainer(Trainer&&) noexcept;
  Trainer& operator=(Trainer&&) noexcept;
  Trainer(const Trainer&) = delete;
  Trainer& operator=(const Trainer&) = delete;

  /// Train on @p features (N x D) with @p labels in [0, classes).
  /// @throws InputError for empty data, mismatched sizes or labels out of range;
  /// @throws Error if the loss becomes NaN (with the epoch).
  TrainReport fit(const Eigen::MatrixXf& features, const std::vector<int>& labels);

  /// @p features through the learned projection (unchanged without one).
  Eigen::MatrixXf project(const Eigen::MatrixXf& features) const;
  /// The projection matrix (projection x D); empty without one.
  Eigen::MatrixXf projection() const;
  const MarginHead& head() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

/// Options of fine_tune_embedder.
struct FineTuneOptions {
  std::string data;          ///< folder of identity/ sub-folders of photos (largest face of each)
  std::string embedder;      ///< the embedder to start from (name or .pt path); empty: the default
  std::string output;        ///< where to write the trained embedder (.pt, self-describing)
  std::string name;          ///< model name in its metadata; empty: "<embedder>-finetuned"
  HeadOptions head;          ///< kind, s, m (embedding_size and classes are set from the data and model)
  /// optimizer, schedule, epochs, batch size (0: 32), device, progress; `checkpoint`: an embedder
  /// file written every checkpoint_epochs epochs (loadable like the output).
  TrainOptions train;
  bool mirror_augment = true;  ///< train each crop and its mirror image
  int threads = 0;           ///< detection and training threads (0: keep the current setting)
};

/// What fine_tune_embedder did.
struct FineTuneReport {
  TrainReport train;
  int identities = 0;
  int images = 0;            ///< photos with a detected face (used)
  int skipped = 0;           ///< photos without a face or unreadable (skipped)
  std::vector<std::string> skipped_photos;  ///< each skipped photo: "PATH: reason"
  std::string output;
};

/// Fine-tune (or train) an embedder's network with a margin head on the faces of an identity/
/// folder tree: each photo's largest face is detected and aligned to the model's template, the
/// TorchScript network runs in training mode under the head's cross-entropy, and the trained
/// network is written to `output` with the input model's metadata (new name, a `fine_tuned`
/// record), so that Embedder loads it like any other model. Needs at least two identities.
/// @throws InputError / IoError / ModelError naming the folder, photo or model at fault.
FineTuneReport fine_tune_embedder(const FineTuneOptions& options);

/// How compact and how separated the classes of some features are, by angle.
struct AngularStats {
  /// Mean angle (degrees) between each feature and the mean direction of its class.
  double intra_spread_deg = 0;
  /// Smallest angle (degrees) between the mean directions of two classes.
  double min_inter_angle_deg = 0;
  /// Per class: the mean direction (unit rows, classes x D).
  Eigen::MatrixXf centres;
};

/// Angular statistics of @p features (N x D) grouped by @p labels in [0, classes).
/// @throws InputError for mismatched sizes, labels out of range or a class without samples.
AngularStats angular_stats(const Eigen::MatrixXf& features, const std::vector<int>& labels, int classes);

}  // namespace arcface::train
ARCFACE_API_END
