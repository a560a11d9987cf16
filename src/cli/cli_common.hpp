#pragma once
// Pieces shared by the CLI's commands (the commands module, libarcface_cli_commands.so). Not installed.
#include <iostream>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>
#include <opencv2/imgcodecs.hpp>

#include "arcface/arcface.hpp"
#include "cli_args.hpp"

namespace arcface::cli {

using nlohmann::json;

inline arcface::DetectorOptions detector_options(const Globals& g) {
  arcface::DetectorOptions o;
  o.backend = arcface::detector_backend_from_string(g.detector);
  o.threads = g.threads;
  o.score_threshold = g.det_threshold;
  o.max_input_side = g.max_input_side;
  o.fine_input_side = g.fine_input_side;
  return o;
}

inline arcface::PipelineOptions pipeline_options(const Globals& g) {
  arcface::PipelineOptions o;
  o.detector = detector_options(g);
  o.embedder.model = g.embedder;
  o.embedder.threads = g.threads;
  if (!g.flip.empty()) o.embedder.flip = arcface::flip_policy_from_string(g.flip);
  o.embedder.precision = arcface::precision_from_string(g.precision);
  return o;
}

/// box: (x, y, width, height); bbox: the same box as corners (x1, y1, x2, y2).
inline json face_json(const arcface::Face& f) {
  json lm = json::array();
  for (const auto& p : f.landmarks) lm.push_back({p.x, p.y});
  return {{"box", {f.box.x, f.box.y, f.box.width, f.box.height}},
          {"bbox", {f.box.x, f.box.y, f.box.x + f.box.width, f.box.y + f.box.height}},
          {"landmarks", lm},
          {"score", f.score},
          {"detector", f.detector}};
}

/// JSON as the CLI prints and writes it: floats to 6 significant digits, each record (an object
/// or array with no object inside, such as a face) on one line, the top level one key per line.
std::string json_text(const json& j);

inline void warn(const Globals& g, const std::string& msg) {
  if (!g.quiet) std::cerr << "arcface: warning: " << msg << "\n";
}

inline void write_image(const std::string& path, const cv::Mat& img) {
  bool ok = false;
  try {
    ok = cv::imwrite(path, img);
  } catch (const cv::Exception& e) {
    throw arcface::IoError("cannot write image '" + path + "': " + e.err);
  }
  if (!ok) throw arcface::IoError("cannot write image '" + path + "' (unknown extension or unwritable directory)");
}


/// An image found among the command's inputs; label = the name of the directory holding it.
struct InputImage {
  std::string path;
  std::string label;
};
/// Files as given; directories searched recursively for .jpg/.jpeg/.png/.bmp/.webp/.tif(f)
/// files (sorted). @throws InputError for an input that does not exist or a directory without images.
std::vector<InputImage> collect_images(const std::vector<std::string>& inputs);

/// One face found among the inputs.
struct FaceItem {
  std::string path, label;
  int face = 0;
  Face box;
  Eigen::RowVectorXf embedding;
};
/// Detect and embed the images in parallel (progress bar on a terminal), warn about files that
/// fail or have no face; every face, or only the largest of each image.
std::vector<FaceItem> faces_of(const Globals& g, const Pipeline& pipe, const std::vector<InputImage>& images,
                               bool largest, const char* what);
Embeddings stack(const std::vector<FaceItem>& items, int dim);

/// Aligned crops of face items, decoding each image once when the faces of an image are adjacent
/// (as faces_of returns them) and keeping only the current image in memory.
class FaceCropper {
 public:
  explicit FaceCropper(AlignmentTemplate t) : aligner_(std::move(t)) {}
  cv::Mat crop(const FaceItem& item);

 private:
  Aligner aligner_;
  std::string path_;
  cv::Mat image_;
};

/// The embedder of @p pipe must be the one the gallery was made with. @throws InputError naming both.
void require_gallery_embedder(const Gallery& gallery, const std::string& gallery_path, const Pipeline& pipe);

/// The identity of each face for outlines and same/different statistics: the folder label when
/// its image gave one face, "" (unknown) for the faces of an image with several (different people).
std::vector<std::string> identity_labels(const std::vector<FaceItem>& items);
/// The name printed on face i of a grid: its label, plus "#k" for one of several faces of an
/// image, or the file name when the label has several images.
std::string grid_name(const std::vector<FaceItem>& items, std::size_t i);

int cmd_detect(const Globals& g, const DetectArgs& a);
int cmd_embed(const Globals& g, const EmbedArgs& a);
int cmd_eval_lfw(const Globals& g, const EvalArgs& a);
/// Measure thresholds on training pairs and write them into the embedder's metadata.
int cmd_calibrate(const Globals& g, const CalibrateArgs& a);

/// Exit codes: 0 = same person (or no --exit-code), 3 = different with --exit-code; throws on errors.
int cmd_verify(const Globals& g, const std::string& a, const std::string& b, std::optional<float> threshold,
               bool as_json, bool exit_code);

int cmd_compare(const Globals& g, const std::vector<std::string>& inputs, const std::string& out_png,
                const std::string& csv, bool as_json, bool no_clip, bool all_faces, bool sort);
int cmd_tsne(const Globals& g, const std::vector<std::string>& inputs, const std::string& out_png,
             const std::string& csv, double perplexity, std::uint64_t seed, int iterations);

int cmd_enroll(const Globals& g, const std::string& gallery, const std::vector<std::string>& args,
               const std::string& backend, const std::string& match, float min_quality = 0.f);
int cmd_identify(const Globals& g, const std::string& gallery, const std::vector<std::string>& inputs, const std::string& out_png,
                 std::optional<float> threshold, int top, bool as_json);
int cmd_cluster(const Globals& g, const ClusterArgs& a);

int cmd_train_demo(const Globals& g, const TrainDemoArgs& a);

int cmd_fine_tune(const Globals& g, const FineTuneArgs& a);

}  // namespace arcface::cli
