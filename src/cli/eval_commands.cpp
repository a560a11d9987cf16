// arcface eval-lfw, arcface calibrate.
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>

#include <nlohmann/json.hpp>

#include "cli_common.hpp"

namespace fs = std::filesystem;
using nlohmann::json;

namespace arcface::cli {

namespace {

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

arcface::LfwReport run_eval(const Globals& g, const arcface::Pipeline& pipe, const EvalArgs& a) {
  arcface::LfwEvalOptions o;
  o.train_pairs = a.train_pairs;
  o.skip_missing_images = a.skip_missing;
  o.fars = a.fars;
  o.embed.progress = !g.quiet;
  o.embed.cache_file = a.cache == "none" ? "" : a.cache.empty() ? default_cache(a.images) : a.cache;
  return arcface::evaluate_lfw(pipe, a.pairs, a.images, o);
}

}  // namespace

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

int cmd_calibrate(const Globals& g, const CalibrateArgs& c) {
  EvalArgs a = c.eval;
  const double far = c.far;
  const std::string& output = c.output;
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

}  // namespace arcface::cli
