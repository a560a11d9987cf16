#pragma once
/// @file eval.hpp
/// Face-verification evaluation on Labeled Faces in the Wild (LFW).

#include "arcface/export.hpp"
#include <string>
#include <vector>

#include "arcface/embedder.hpp"
#include "arcface/face.hpp"
#include "arcface/metrics.hpp"
#include "arcface/pipeline.hpp"

ARCFACE_API_BEGIN
namespace arcface {

/// One pair of an LFW pair file.
struct LfwPair {
  std::string name1;
  int number1 = 0;
  std::string name2;
  int number2 = 0;
  bool same = false;
  int fold = 0;  ///< 0-based fold (always 0 for the View 1 files)
  int line = 0;  ///< 1-based line number in the pair file
};

/// The pairs of a pair file: View 2 `pairs.txt` ("10 300" header, folds of N same then N
/// different pairs) or View 1 `pairsDevTrain.txt` / `pairsDevTest.txt` ("N" header, N same then N
/// different pairs, one fold).
struct LfwPairs {
  std::string path;
  int folds = 1;
  std::vector<LfwPair> pairs;
};

/// Read a pair file in the official format.
/// @throws IoError naming the file and line for a missing file, a wrong header, a malformed line
///         or a wrong number of pairs.
LfwPairs read_lfw_pairs(const std::string& path);

/// `dir/NAME/NAME_NNNN.jpg`.
std::string lfw_image_path(const std::string& dir, const std::string& name, int number);

/// Every distinct image path named by @p pairs under @p images_dir, in first-seen order.
/// @throws IoError naming the pair-file line of the first image that does not exist.
std::vector<std::string> lfw_images(const LfwPairs& pairs, const std::string& images_dir);

/// Remove the pairs that name an image missing under @p images_dir (LFW's original-150px set
/// lacks Betsy_Coffin_0001, for example). Returns how many were removed.
int drop_pairs_with_missing_images(LfwPairs& pairs, const std::string& images_dir);

/// The face an LFW-style photo is about: the largest face whose box contains the image centre,
/// else the largest face; -1 when there is none.
int central_face(const std::vector<Face>& faces, cv::Size image_size);

/// Deprecated: the ROC picture is drawn by viz::draw_roc (viz.hpp, module arcface::viz); this
/// forwards to it.
[[deprecated("use arcface::viz::draw_roc from arcface/viz.hpp")]] cv::Mat draw_roc(
    const VerificationMetrics& metrics, const std::string& title, cv::Size size = {720, 540});

/// Embeddings of whole photos, one face each.
struct PhotoEmbeddings {
  std::vector<std::string> paths;
  Embeddings embeddings;       ///< row i belongs to paths[i]
  std::vector<bool> detected;  ///< false where no face was found and the fallback was used
};

struct EmbedPhotosOptions {
  /// Cache file: embeddings are stored there, keyed by the embedder's checksum and flip policy,
  /// the detector settings and the image path, and reused on the next run. Empty: no cache.
  std::string cache_file;
  /// Print a progress bar on stderr (only when it is a terminal).
  bool progress = false;
};

/// Detect, choose the central face (central_face) and embed each photo. A photo where no face is
/// detected is embedded with the fallback used by published LFW evaluations: the mean landmark
/// positions (relative to the image size) of the photos of this call where a face was detected.
/// @throws IoError for unreadable images.
PhotoEmbeddings embed_photos(const Pipeline& pipeline, const std::vector<std::string>& paths,
                             const EmbedPhotosOptions& options = {});

/// Result of the View 1 protocol.
struct View1Result {
  float threshold = 0.f;      ///< chosen on the training pairs
  double train_accuracy = 0;  ///< at that threshold
  double test_accuracy = 0;   ///< on the test pairs at that threshold
  int undetected = 0;         ///< photos of either file where the fallback was used
  int images = 0;
  int skipped_pairs = 0;      ///< pairs dropped for a missing image (skip_missing_images only)
};

/// Deprecated (one release): evaluate_lfw with LfwEvalOptions::train_pairs does the same.
/// LFW View 1: threshold chosen on @p train (pairsDevTrain.txt), accuracy on @p test (pairsDevTest.txt).
/// A missing image is an IoError naming its pair-file line, unless @p skip_missing_images, which
/// drops such pairs and counts them in View1Result::skipped_pairs.
[[deprecated("use evaluate_lfw with LfwEvalOptions::train_pairs")]]
View1Result evaluate_view1(const Pipeline& pipeline, const std::string& train, const std::string& test,
                           const std::string& images_dir, const EmbedPhotosOptions& options = {},
                           bool skip_missing_images = false);

/// Options of evaluate_lfw.
struct LfwEvalOptions {
  /// View 1 protocol: choose the threshold on these pairs (pairsDevTrain.txt); empty for none.
  std::string train_pairs;
  EmbedPhotosOptions embed;
  /// Drop pairs naming a missing image instead of failing (counted in LfwReport::skipped_pairs).
  bool skip_missing_images = false;
  std::vector<double> fars{1e-3, 1e-2};
};

/// Everything evaluate_lfw measures.
struct LfwReport {
  /// "10-fold" (pairs.txt with folds), "view1" (train_pairs given) or "single" (one fold and no
  /// training pairs: the threshold is chosen on the same pairs, an optimistic figure).
  std::string protocol;
  int pairs = 0, images = 0, undetected = 0, skipped_pairs = 0;
  double accuracy = 0;       ///< the protocol's accuracy (10-fold mean, or test accuracy)
  double accuracy_std = 0;   ///< 10-fold standard deviation (0 otherwise)
  float threshold = 0.f;     ///< the protocol's threshold (mean over folds for 10-fold)
  double train_accuracy = 0; ///< view1: accuracy on the training pairs at that threshold
  KFoldResult kfold;         ///< 10-fold only
  VerificationMetrics metrics;  ///< threshold-free metrics over all evaluated pairs
};

/// Evaluate verification on an LFW pair file with the pipeline (see LfwReport::protocol).
/// @throws IoError naming the pair-file line of a malformed line or a missing image.
LfwReport evaluate_lfw(const Pipeline& pipeline, const std::string& pairs, const std::string& images_dir,
                       const LfwEvalOptions& options = {});

/// The View 1 summary (threshold, DevTrain and DevTest accuracy, counts) of a report of
/// evaluate_lfw run with LfwEvalOptions::train_pairs.
View1Result view1_result(const LfwReport& report);

}  // namespace arcface
ARCFACE_API_END
