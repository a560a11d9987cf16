// The `arcface` command-line tool.
//
//   arcface [--models DIR] [--embedder NAME|PATH] [--detector auto|yunet|mtcnn] [--threads N] [--quiet] COMMAND ...
//
// Exit codes: 0 success, 1 error (one line on stderr, "arcface: error: ..."), 2 usage error.
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <optional>

#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include "arcface/arcface.hpp"
#include "cli_common.hpp"
#include "model_commands.hpp"
#include "serve_command.hpp"
#include "video_commands.hpp"
#include "arcface/progress.hpp"

namespace fs = std::filesystem;
using nlohmann::json;

using namespace arcface::cli;

namespace {

int cmd_detect(const Globals& g, const std::string& image, const std::string& out_png, bool as_json) {
  const arcface::Detector det(detector_options(g));
  const cv::Mat img = arcface::read_image(image);
  const auto faces = det.detect(img);
  if (as_json) {
    json arr = json::array();
    for (const auto& f : faces) arr.push_back(face_json(f));
    std::cout << json_text(json{{"image", image}, {"width", img.cols}, {"height", img.rows}, {"faces", arr}}) << "\n";
  } else {
    std::cout << image << ": " << faces.size() << " face(s)\n";
    for (const auto& f : faces) std::cout << "  " << arcface::to_string(f) << "\n";
  }
  if (!out_png.empty()) write_image(out_png, arcface::viz::draw_detections(img, faces));
  return 0;
}

int cmd_embed(const Globals& g, const std::vector<std::string>& inputs, const std::string& out, bool largest) {
  // Directories are searched recursively; files are kept as given (a missing or unreadable one is
  // warned about and skipped, as before).
  std::vector<InputImage> images;
  for (const auto& input : inputs) {
    std::error_code ec;
    if (!fs::is_directory(input, ec)) {
      images.push_back({input, ""});
      continue;
    }
    for (auto& i : collect_images({input})) images.push_back(std::move(i));
  }
  const arcface::Pipeline pipe(pipeline_options(g));
  const auto items = faces_of(g, pipe, images, largest, "embedding");
  if (items.empty()) throw arcface::InputError("no face found in any of the " + std::to_string(images.size()) + " image(s)");
  const arcface::Embeddings all = stack(items, pipe.embedder().dimension());
  const Eigen::Index total = all.rows();
  json rows = json::array();
  for (std::size_t k = 0; k < items.size(); ++k) {
    json row = face_json(items[k].box);
    row["image"] = items[k].path;
    row["face"] = items[k].face;
    row["row"] = static_cast<Eigen::Index>(k);
    rows.push_back(row);
  }
  arcface::write_npy(out, all);
  const std::string side = (fs::path(out).replace_extension(".json")).string();
  std::ofstream js(side);
  js << json_text(json{{"model", pipe.embedder().info().name}, {"dimension", all.cols()}, {"rows", rows}}) << "\n";
  if (!js) throw arcface::IoError("cannot write '" + side + "'");
  if (!g.quiet) std::cerr << "wrote " << total << " embedding(s) to " << out << " and " << side << "\n";
  return 0;
}

std::string default_cache(const std::string& images_dir) {
  const char* xdg = std::getenv("XDG_CACHE_HOME");
  const char* home = std::getenv("HOME");
  const fs::path base = xdg && *xdg ? fs::path(xdg) : fs::path(home ? home : "/tmp") / ".cache";
  std::error_code ec;
  const std::string abs = fs::weakly_canonical(images_dir, ec).string();
  char buf[32];
  std::snprintf(buf, sizeof buf, "%016zx", std::hash<std::string>{}(abs));
  fs::create_directories(base / "arcface", ec);
  return (base / "arcface" / (std::string("photos-") + buf + ".cache")).string();
}

json metrics_json(const arcface::VerificationMetrics& m) {
  json tars = json::array();
  for (const auto& t : m.tar_at_far)
    tars.push_back({{"far", t.target_far}, {"tar", t.tar}, {"threshold", t.threshold},
                    {"enough_negatives", t.enough_negatives}});
  return {{"positives", m.positives}, {"negatives", m.negatives}, {"auc", m.auc}, {"eer", m.eer},
          {"eer_threshold", m.eer_threshold}, {"best_threshold", m.best_threshold},
          {"best_accuracy", m.best_accuracy}, {"tar_at_far", tars}};
}

struct EvalArgs {
  std::string pairs, images, train_pairs, roc, json_out, cache;
  bool skip_missing = false;
  std::vector<double> fars{1e-3, 1e-2};
};

arcface::LfwReport run_eval(const Globals& g, const arcface::Pipeline& pipe, const EvalArgs& a) {
  arcface::LfwEvalOptions o;
  o.train_pairs = a.train_pairs;
  o.skip_missing_images = a.skip_missing;
  o.fars = a.fars;
  o.embed.progress = !g.quiet;
  o.embed.cache_file = a.cache == "none" ? "" : a.cache.empty() ? default_cache(a.images) : a.cache;
  return arcface::evaluate_lfw(pipe, a.pairs, a.images, o);
}

int cmd_eval_lfw(const Globals& g, const EvalArgs& a) {
  const arcface::Pipeline pipe(pipeline_options(g));
  const auto r = run_eval(g, pipe, a);
  const auto& m = r.metrics;
  const std::string detector = arcface::to_string(pipe.detector().options().backend);
  std::printf("model %s, detector %s, %s protocol, %d pairs, %d images (%d without a detected face%s)\n",
              pipe.embedder().info().name.c_str(), detector.c_str(), r.protocol.c_str(), r.pairs, r.images, r.undetected,
              r.skipped_pairs ? (", " + std::to_string(r.skipped_pairs) + " pairs skipped for a missing image").c_str() : "");
  if (r.protocol == "10-fold")
    std::printf("accuracy %.2f %% +- %.2f (mean threshold %.4f)\n", 100 * r.accuracy, 100 * r.accuracy_std, r.threshold);
  else if (r.protocol == "view1")
    std::printf("accuracy %.2f %% at threshold %.4f chosen on the training pairs (%.2f %% there)\n", 100 * r.accuracy,
                r.threshold, 100 * r.train_accuracy);
  else
    std::printf("accuracy %.2f %% at the best threshold %.4f of these same pairs (optimistic)\n", 100 * r.accuracy,
                r.threshold);
  std::printf("ROC AUC %.4f, EER %.2f %% (threshold %.4f), best threshold %.4f (%.2f %%)\n", m.auc, 100 * m.eer,
              m.eer_threshold, m.best_threshold, 100 * m.best_accuracy);
  for (const auto& t : m.tar_at_far) {
    std::printf("TAR %.2f %% at FAR %g (threshold %.4f)", 100 * t.tar, t.target_far, t.threshold);
    if (!t.enough_negatives)
      std::printf("  [too few impostor pairs: %d < %.0f, the FAR is not resolved]", m.negatives, 1 / t.target_far);
    std::printf("\n");
  }
  if (!a.roc.empty())
    write_image(a.roc, arcface::viz::draw_roc(m, "LFW ROC: " + pipe.embedder().info().name + " + " + detector));
  if (!a.json_out.empty()) {
    json j{{"pairs_file", a.pairs}, {"images", a.images}, {"train_pairs", a.train_pairs}, {"model", pipe.embedder().info().name},
           {"detector", detector}, {"protocol", r.protocol}, {"pairs", r.pairs}, {"image_count", r.images},
           {"undetected", r.undetected}, {"skipped_pairs", r.skipped_pairs}, {"accuracy", r.accuracy},
           {"accuracy_std", r.accuracy_std}, {"threshold", r.threshold}, {"train_accuracy", r.train_accuracy},
           {"metrics", metrics_json(m)}};
    if (r.protocol == "10-fold") j["folds"] = {{"accuracy", r.kfold.accuracy}, {"threshold", r.kfold.threshold}};
    std::ofstream(a.json_out) << json_text(j) << "\n";
  }
  return 0;
}

// Measure thresholds on training pairs and write them into the embedder's metadata.
int cmd_calibrate(const Globals& g, EvalArgs a, double far, const std::string& output) {
  const arcface::Pipeline pipe(pipeline_options(g));
  a.train_pairs.clear();
  a.fars = {far};
  const auto r = run_eval(g, pipe, a);
  const auto& info = pipe.embedder().info();
  float far_thr = r.metrics.best_threshold;
  bool resolved = false;
  for (const auto& t : r.metrics.tar_at_far)
    if (std::abs(t.target_far - far) < 1e-12) far_thr = t.threshold, resolved = t.enough_negatives;
  auto j = json::parse(info.metadata_json);
  j["threshold"] = r.metrics.best_threshold;
  j["thresholds"] = {{"accuracy_optimal", r.metrics.best_threshold}, {"far", far}, {"at_far", far_thr},
                     {"far_resolved", resolved}};
  j["calibration"] = {{"pairs", fs::path(a.pairs).filename().string()},
                      {"detector", arcface::to_string(pipe.detector().options().backend)},
                      {"accuracy", r.metrics.best_accuracy}, {"pairs_count", r.pairs},
                      {"rule", "threshold = the accuracy-optimal threshold on these pairs"}};
  std::string target = info.path;
  if (!output.empty()) {  // a calibrated copy; the model file is left as it is
    std::error_code ec;
    if (fs::exists(output) && fs::equivalent(output, info.path, ec)) target = info.path;
    else if (!fs::copy_file(info.path, output, fs::copy_options::overwrite_existing, ec) || ec)
      throw arcface::IoError("cannot write '" + output + "': " + ec.message());
    else target = output;
  }
  arcface::write_model_metadata(target, j.dump(1));
  std::printf("wrote thresholds into %s: accuracy-optimal %.4f (%.2f %% on %d pairs), at FAR %g: %.4f%s\n",
              target.c_str(), r.metrics.best_threshold, 100 * r.metrics.best_accuracy, r.pairs, far, far_thr,
              resolved ? "" : " (too few impostor pairs to resolve that FAR)");
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"arcface: face detection, alignment, embedding and verification"};
  app.require_subcommand(1);
  app.fallthrough();                                    // global options also after the subcommand
  app.option_defaults()->always_capture_default();      // --help shows each option's default
  const char* wait_policy = std::getenv("OMP_WAIT_POLICY");
  app.set_version_flag("--version", std::string("arcface ") + arcface::kVersion + "\nOMP_WAIT_POLICY=" +
                                        (wait_policy ? wait_policy : "(unset)"));
  Globals g;
  app.add_option("--models", g.models, "models directory (default: $ARCFACE_MODELS or the built-in one)");
  app.add_option("--embedder", g.embedder, "embedder model name or .pt path (default: " +
                                               std::string(arcface::kDefaultEmbedder) + ")");
  app.add_option("--detector", g.detector, "face detector (auto: yunet when its model is installed, else mtcnn)")
      ->check(CLI::IsMember({"auto", "yunet", "mtcnn"}));
  app.add_option("--detector-threshold", g.det_threshold, "minimum detection score (default: backend's)");
  app.add_option("--threads", g.threads, "intra-op threads (default: all cores)")->check(CLI::NonNegativeNumber);
  app.add_option("--flip", g.flip, "override the model's flip policy")->check(CLI::IsMember({"none", "sum", "concat"}));
  app.add_option("--precision", g.precision, "embedder arithmetic (auto: fastest the CPU and the model's measured accuracy allow)")
      ->check(CLI::IsMember({"fp32", "bf16", "int8", "auto"}));
  app.add_flag("-q,--quiet", g.quiet, "no warnings or progress on stderr");
  app.add_option("--max-megapixels", g.max_megapixels,
                 "refuse images larger than this (default: $ARCFACE_MAX_PIXELS or " +
                     std::to_string(arcface::kDefaultMaxImagePixels / 1000000) + " megapixels)")
      ->check(CLI::PositiveNumber);
  app.add_option("--max-input-side", g.max_input_side,
                 "detect on images scaled down to this longer side (default: 640 for yunet, 2048 for mtcnn; 0: never)")
      ->check(CLI::NonNegativeNumber);
  app.add_option("--fine-input-side", g.fine_input_side,
                 "yunet: when nothing or only small faces are found, detect again at twice the resolution, "
                 "at most this longer side (default: 1280; 0: never)")
      ->check(CLI::NonNegativeNumber);

  std::string image, out_png, out_npy, image2;
  std::vector<std::string> images;
  bool as_json = false, largest = false;
  std::optional<float> threshold;

  auto* detect = app.add_subcommand("detect", "detect faces and landmarks in an image");
  detect->add_option("image", image, "image file")->required();
  detect->add_option("-o,--output", out_png, "write the image with boxes, scores and landmarks drawn");
  detect->add_flag("--json", as_json, "print JSON");

  auto* embed = app.add_subcommand("embed", "embed every face of the images into a .npy file");
  embed->add_option("images", images, "image files or directories (searched recursively)")->required();
  embed->add_option("-o,--output", out_npy, "output .npy (rows = faces); a .json side file names each row")->required();
  embed->add_flag("--largest", largest, "only the largest face of each image");

  auto* verify = app.add_subcommand("verify", "are the (largest) faces of two images the same person?");
  verify->add_option("image1", image, "first image")->required();
  verify->add_option("image2", image2, "second image")->required();
  verify->add_option("--threshold", threshold, "cosine threshold (default: the model's calibrated one)");
  verify->add_flag("--json", as_json, "print JSON (also when an image has no face)");
  bool exit_code = false;
  verify->add_flag("--exit-code", exit_code, "exit 0 when the faces are the same person, 3 when different");

  EvalArgs ev;
  auto* eval = app.add_subcommand("eval-lfw", "LFW verification accuracy, ROC, EER, TAR@FAR");
  eval->add_option("--pairs", ev.pairs, "pair file: pairs.txt (10 folds) or pairsDevTest.txt")->required();
  eval->add_option("--images", ev.images, "LFW image directory (NAME/NAME_NNNN.jpg)")->required();
  eval->add_option("--train-pairs", ev.train_pairs, "View 1: choose the threshold on these pairs (pairsDevTrain.txt)");
  eval->add_option("--roc", ev.roc, "write the ROC curve (log-scale FAR) to this PNG");
  eval->add_option("--json", ev.json_out, "write the full report as JSON");
  eval->add_option("--cache", ev.cache, "embedding cache file (default: ~/.cache/arcface/...; 'none' disables)");
  eval->add_flag("--skip-missing", ev.skip_missing, "drop pairs whose image is missing instead of failing");

  EvalArgs cal;
  double far = 1e-3;
  auto* calibrate = app.add_subcommand("calibrate", "measure thresholds on LFW pairs and store them in the model");
  calibrate->add_option("--pairs", cal.pairs, "training pairs (pairsDevTrain.txt)")->required();
  calibrate->add_option("--images", cal.images, "LFW image directory")->required();
  calibrate->add_option("--far", far, "also record the threshold at this false accept rate");
  std::string calibrated;
  calibrate->add_option("-o,--output", calibrated, "write a calibrated copy of the model here (default: update the model file)");
  calibrate->add_option("--cache", cal.cache, "embedding cache file ('none' disables)");
  calibrate->add_flag("--skip-missing", cal.skip_missing, "drop pairs whose image is missing");

  std::vector<std::string> inputs;
  std::string csv;
  bool no_clip = false, all_faces = false, sort = false;
  auto* compare = app.add_subcommand("compare", "similarity grid of the faces of images or directories (the article's table)");
  compare->add_option("inputs", inputs, "images or directories (recursive; a directory name is the identity label)")
      ->required();
  compare->add_option("-o,--output", out_png, "grid picture (.png)")->required();
  compare->add_option("--csv", csv, "also write the similarity matrix as CSV");
  compare->add_flag("--json", as_json, "print faces and matrix as JSON");
  compare->add_flag("--no-clip", no_clip, "colour scale over [-1, 1] instead of the article's [0, 1]");
  compare->add_flag("--all-faces", all_faces, "every face of each image (default: the largest)");
  compare->add_flag("--sort", sort, "order faces by identity label");

  double perplexity = 30.0;
  std::uint64_t seed = 0;
  int iterations = 1000;
  TrainDemoArgs td;
  auto* demo = app.add_subcommand("train-demo", "the article's 2-D picture: softmax vs ArcFace on 8 LFW identities");
  demo->add_option("-o,--output", td.output, "picture (.png)")->required();
  demo->add_option("--images", td.images, "NAME/ folders of photos (default: ../shared LFW View 1 deep-funnelled)");
  demo->add_option("--json", td.json_out, "write the numbers as JSON");
  demo->add_option("--cache", td.cache, "embedding cache file");
  demo->add_option("--identities", td.identities, "identities with the most photos")->check(CLI::Range(2, 30));
  demo->add_option("--epochs", td.epochs, "full-batch training steps")->check(CLI::PositiveNumber);
  demo->add_option("--lr", td.learning_rate, "Adam learning rate (cosine schedule)")->check(CLI::PositiveNumber);
  demo->add_option("--scale", td.scale, "ArcFace scale s")->check(CLI::PositiveNumber);
  demo->add_option("--margin", td.margin, "ArcFace additive angular margin m (radians)")->check(CLI::Range(0.0, 1.5));
  demo->add_option("--seed", td.seed, "initialisation seed");

  FineTuneArgs ft;
  auto* fine = app.add_subcommand("fine-tune", "train the embedder's network with a margin head on DIR/identity/ photos");
  fine->add_option("data", ft.data, "folder of identity sub-folders")->required();
  fine->add_option("-o,--output", ft.output, "trained embedder (.pt)")->required();
  fine->add_option("--name", ft.name, "model name in its metadata (default: <embedder>-finetuned)");
  fine->add_option("--head", ft.head, "margin head")->check(CLI::IsMember({"arcface", "cosface", "sphereface", "combined", "softmax"}));
  fine->add_option("--epochs", ft.epochs, "passes over the photos")->check(CLI::PositiveNumber);
  fine->add_option("--batch", ft.batch, "crops per step")->check(CLI::PositiveNumber);
  fine->add_option("--lr", ft.learning_rate, "Adam learning rate (cosine schedule)")->check(CLI::PositiveNumber);
  fine->add_option("--scale", ft.scale, "head scale s")->check(CLI::PositiveNumber);
  fine->add_option("--margin", ft.margin, "head margin m (default: the head's usual one)");
  fine->add_option("--json", ft.json_out, "write the report as JSON");

  auto* tsne_cmd = app.add_subcommand("tsne", "2-D t-SNE map of the faces, drawn at their positions");
  tsne_cmd->add_option("inputs", inputs, "images or directories (a directory name is the identity label)")->required();
  tsne_cmd->add_option("-o,--output", out_png, "map picture (.png)")->required();
  tsne_cmd->add_option("--csv", csv, "also write the coordinates as CSV");
  tsne_cmd->add_option("--perplexity", perplexity, "effective number of neighbours (clamped to (N-1)/3)")
      ->check(CLI::PositiveNumber);
  tsne_cmd->add_option("--seed", seed, "random seed (same seed, same map)");
  tsne_cmd->add_option("--iterations", iterations, "gradient steps")->check(CLI::PositiveNumber);

  std::string gallery_path, backend = "auto", match;
  std::vector<std::string> enroll_args;
  auto* enroll = app.add_subcommand("enroll", "add people to a gallery: NAME IMAGES..., or one directory of NAME/ folders");
  enroll->add_option("--gallery", gallery_path, "gallery file (created if missing)")->required();
  enroll->add_option("args", enroll_args, "NAME IMAGES... | DIR")->required();
  enroll->add_option("--backend", backend, "search backend of the gallery")
      ->check(CLI::IsMember({"auto", "exact", "flat", "hnsw", "ivfpq"}));
  enroll->add_option("--match", match,
                     "match identities by template (mean) or by all samples (new galleries; default template)")
      ->check(CLI::IsMember({"template", "all"}));
  float min_quality = 0.f;
  enroll->add_option("--min-quality", min_quality, "refuse photos whose face quality (pose, size, sharpness, "
                     "detector score; 0-1) is below this, saying why")->check(CLI::Range(0.0, 1.0));

  int top = 1;
  auto* identify = app.add_subcommand("identify", "name every face of an image from a gallery");
  identify->add_option("--gallery", gallery_path, "gallery file")->required();
  identify->add_option("images", images, "image files or directories (searched recursively)")->required();
  identify->add_option("-o,--output", out_png,
                       "write the image with names and scores drawn (several images: a directory for them)");
  identify->add_option("--threshold", threshold, "cosine threshold (default: the model's calibrated one)");
  identify->add_option("--top", top, "candidates listed per face (JSON)")->check(CLI::PositiveNumber);
  identify->add_flag("--json", as_json, "print JSON");

  VideoArgs va;
  auto* video = app.add_subcommand("video", "track and identify faces in a video file, camera or stream");
  video->add_option("input", va.input, "video file, camera index (0, 1, ...) or stream URL (rtsp://, http://, ...)")
      ->required();
  video->add_option("-o,--output", va.output, "write the annotated video (.mp4, .mkv, .avi)");
  video->add_option("--gallery", va.gallery, "gallery file: name the tracks");
  video->add_option("--json", va.timeline, "write the timeline, one JSON line per track");
  video->add_option("--crops", va.crops, "write the best face crop of each track into this directory");
  video->add_option("--every", va.every, "process every N-th frame only")->check(CLI::PositiveNumber);
  video->add_flag("--realtime", va.realtime, "drop frames when processing falls behind the video's clock");
  video->add_option("--threshold", va.threshold, "cosine threshold for a gallery match (default: the model's)");
  video->add_option("--detect-side", va.detect_side, "longer side the frames are detected at (0: full size)")
      ->check(CLI::NonNegativeNumber);
  video->add_option("--max-frames", va.max_frames, "stop after this many frames")->check(CLI::NonNegativeNumber);
  video->add_flag("--no-tracking", va.no_tracking, "baseline: the full pipeline on every frame, no tracks");

  ClusterArgs cl;
  auto* cluster = app.add_subcommand("cluster", "group the faces of many images by identity into folders");
  cluster->add_option("inputs", cl.inputs, "images or directories (searched recursively)")->required();
  cluster->add_option("-o,--output", cl.out_dir, "output directory: cluster_NNN/ folders + clusters.json")->required();
  cluster->add_option("--threshold", cl.threshold, "link faces at this cosine (default 0.60, see docs/gallery.md)");
  cluster->add_flag("--labels", cl.labels,
                    "directory names are the true identities: report pairwise precision/recall (implies --largest)");
  cluster->add_flag("--largest", cl.largest, "only the largest face of each image");
  cluster->add_flag("--json", cl.as_json, "print the report as JSON");

  const auto models_cmd = add_model_commands(app);
  const auto serve_cmd = add_serve_command(app);
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    const std::string hint = e.get_exit_code() == 0 ? "" : did_you_mean(app, argc, argv);
    const int rc = app.exit(e);
    if (!hint.empty()) std::cerr << "arcface: " << hint << "\n";
    return rc == 0 ? 0 : 2;
  }
  if (!g.models.empty()) setenv("ARCFACE_MODELS", g.models.c_str(), 1);
  try {
    if (g.max_megapixels > 0) {
      if (!(g.max_megapixels >= 1e-6 && g.max_megapixels <= 1e9))
        throw arcface::InputError("--max-megapixels must be between 0.000001 and 1e9");
      arcface::set_max_image_pixels(static_cast<std::size_t>(g.max_megapixels * 1e6));
    }
    if (*detect) return cmd_detect(g, image, out_png, as_json);
    if (*embed) return cmd_embed(g, images, out_npy, largest);
    if (*verify) return cmd_verify(g, image, image2, threshold, as_json, exit_code);
    if (*eval) return cmd_eval_lfw(g, ev);
    if (*calibrate) return cmd_calibrate(g, cal, far, calibrated);
    if (*demo) return cmd_train_demo(g, td);
    if (*fine) return cmd_fine_tune(g, ft);
    if (*compare) return cmd_compare(g, inputs, out_png, csv, as_json, no_clip, all_faces, sort);
    if (*tsne_cmd) return cmd_tsne(g, inputs, out_png, csv, perplexity, seed, iterations);
    if (*enroll) return cmd_enroll(g, gallery_path, enroll_args, backend, match, min_quality);
    if (*video) return cmd_video(g, va);
    if (*identify) return cmd_identify(g, gallery_path, images, out_png, threshold, top, as_json);
    if (*cluster) return cmd_cluster(g, cl);
    if (const int rc = models_cmd(g); rc >= 0) return rc;
    if (const int rc = serve_cmd(g); rc >= 0) return rc;
  } catch (const std::exception& e) {
    std::cerr << "arcface: error: " << e.what() << "\n";
    return 1;
  }
  return 0;
}
