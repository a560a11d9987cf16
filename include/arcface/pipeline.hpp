#pragma once
/// @file pipeline.hpp
/// detect -> align -> embed in one call.

#include "arcface/export.hpp"
#include <functional>
#include <string>
#include <vector>

#include "arcface/detector.hpp"
#include "arcface/embedder.hpp"

ARCFACE_API_BEGIN
namespace arcface {

struct PipelineOptions {
  DetectorOptions detector;
  EmbedderOptions embedder;
};

/// Faces of one image and their embeddings: row i of @c embeddings belongs to faces[i].
struct PipelineResult {
  std::vector<Face> faces;
  Embeddings embeddings;
  cv::Size image_size;  ///< width and height of the image the faces were found in
};

/// A Detector and an Embedder used together.
///
/// Input contract: see image.hpp. Thread safety: as Detector and Embedder (const methods are
/// safe to call concurrently). Movable, not copyable.
class Pipeline {
 public:
  /// @throws ModelError / InputError as Detector and Embedder.
  explicit Pipeline(PipelineOptions options = {});

  /// Detect, align and embed every face of @p image (no face: empty result).
  /// @throws InputError for empty or unsupported images.
  PipelineResult process(const cv::Mat& image) const;
  /// Same for an image file. @throws IoError if it cannot be read.
  PipelineResult process_file(const std::string& path) const;

  /// Outcome for one file of process_files: its result, or the error that stopped it.
  struct FileResult {
    std::string path;
    PipelineResult result;
    std::string error;  ///< empty on success (e.g. "cannot open image file ...")
  };
  /// Process many files with @p workers threads (0: one per hardware thread), decoding,
  /// detecting and embedding in parallel. The crops of several photos share network calls: a
  /// worker queues the aligned crops of each photo and embeds the queue once it fills a network
  /// batch (EmbedderOptions::batch_size rows). Results come back in input order; a file that
  /// fails does not stop the others (see FileResult::error). @p on_done, when set, is called
  /// after each file's embeddings are done (from the worker threads, serialised) with the number
  /// of files finished. The networks' intra-op threads are shared out: each worker runs LibTorch
  /// with the caller's thread count divided by the number of workers (at least 1).
  std::vector<FileResult> process_files(const std::vector<std::string>& paths, int workers = 0,
                                        const std::function<void(size_t)>& on_done = {}) const;

  const Detector& detector() const { return detector_; }
  const Embedder& embedder() const { return embedder_; }

 private:
  Detector detector_;
  Embedder embedder_;
  int batch_rows_ = 8;  // EmbedderOptions::batch_size: network rows per call in process_files
};

/// Index of the largest face (by box area), or -1 for none.
int largest_face(const std::vector<Face>& faces);

}  // namespace arcface
ARCFACE_API_END
