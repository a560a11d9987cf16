// arcface train-demo: the ArcFace article's 2-D picture. Eight LFW identities, embedded by the
// default embedder, are projected to 2-D by a learned linear map trained (a) with a softmax head
// and (b) with an ArcFace head; both feature sets are drawn side by side.
#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <cstdio>
#include <filesystem>
#include <fstream>

#include <opencv2/imgproc.hpp>

#include "arcface/dataset.hpp"
#include "arcface/eval.hpp"
#include "arcface/train.hpp"
#include "arcface/viz.hpp"
#include "cli_common.hpp"

namespace fs = std::filesystem;
namespace tr = arcface::train;

namespace arcface::cli {

namespace {

struct HeadRun {
  std::string name;
  tr::TrainReport report;
  tr::AngularStats stats;
  Eigen::MatrixXf features;  // N x 2
  Eigen::MatrixXf weight;    // classes x 2
};

// One panel: the 2-D features (on the unit circle when `on_circle`), the class weight directions
// from the origin, a title and the numbers.
cv::Mat draw_panel(const HeadRun& r, const std::vector<int>& labels, bool on_circle, int size) {
  cv::Mat img(size, size, CV_8UC3, cv::Scalar(255, 255, 255));
  const cv::Point2f centre(size / 2.f, size / 2.f + 20.f);
  float extent = 1.f;
  if (!on_circle) {
    // robust extent: the 98th percentile of the feature norms
    std::vector<float> norms;
    for (Eigen::Index i = 0; i < r.features.rows(); ++i) norms.push_back(r.features.row(i).norm());
    std::sort(norms.begin(), norms.end());
    extent = std::max(1e-6f, norms[static_cast<std::size_t>(0.98 * static_cast<double>(norms.size() - 1))]);
  }
  const float scale = (size / 2.f - 60.f) / extent;
  const auto to_px = [&](float x, float y) { return cv::Point2f(centre.x + x * scale, centre.y - y * scale); };
  cv::line(img, to_px(-extent, 0), to_px(extent, 0), cv::Scalar(225, 225, 225), 1, cv::LINE_AA);
  cv::line(img, to_px(0, -extent), to_px(0, extent), cv::Scalar(225, 225, 225), 1, cv::LINE_AA);
  if (on_circle) cv::circle(img, centre, static_cast<int>(scale), cv::Scalar(160, 160, 160), 1, cv::LINE_AA);
  for (Eigen::Index i = 0; i < r.features.rows(); ++i) {
    float x = r.features(i, 0), y = r.features(i, 1);
    if (on_circle) {
      const float n = std::max(1e-12f, std::hypot(x, y));
      x /= n, y /= n;
    }
    cv::circle(img, to_px(x, y), 3, arcface::viz::label_colour(labels[static_cast<std::size_t>(i)]), cv::FILLED,
               cv::LINE_AA);
  }
  for (Eigen::Index k = 0; k < r.weight.rows(); ++k) {  // class directions
    const float n = std::max(1e-12f, r.weight.row(k).norm());
    const float len = extent * 1.08f;
    cv::line(img, centre, to_px(r.weight(k, 0) / n * len, r.weight(k, 1) / n * len),
             arcface::viz::label_colour(static_cast<int>(k)), 2, cv::LINE_AA);
  }
  cv::putText(img, r.name, {16, 30}, cv::FONT_HERSHEY_SIMPLEX, 0.8, cv::Scalar(0, 0, 0), 2, cv::LINE_AA);
  char buf[160];
  std::snprintf(buf, sizeof buf, "intra-class spread %.1f deg, min inter-class angle %.1f deg",
                r.stats.intra_spread_deg, r.stats.min_inter_angle_deg);
  cv::putText(img, buf, {16, 56}, cv::FONT_HERSHEY_SIMPLEX, 0.5, cv::Scalar(40, 40, 40), 1, cv::LINE_AA);
  return img;
}

}  // namespace

int cmd_train_demo(const Globals& g, const TrainDemoArgs& a) {
  // The photos: --images, else LFW View 1 under $ARCFACE_SHARED_DIR (never a path relative to the
  // working directory).
  std::string images = a.images;
  if (images.empty()) {
    const char* shared = std::getenv("ARCFACE_SHARED_DIR");
    if (!shared || !*shared)
      throw arcface::InputError("train-demo needs photos: pass --images DIR (a folder of NAME/ folders, e.g. LFW), "
                                "or set ARCFACE_SHARED_DIR to a folder with data/lfw-view1/deepfunneled");
    images = (fs::path(shared) / "data/lfw-view1/deepfunneled").string();
  }
  if (!fs::is_directory(images))
    throw arcface::IoError("LFW image directory '" + images + "' not found (pass --images DIR of NAME/ folders)");
  if (a.identities < 2) throw arcface::InputError("--identities must be at least 2");
  // The identities with the most photos (ties: by name).
  std::vector<std::pair<std::string, std::vector<std::string>>> people;
  for (auto& folder : identity_folders(images)) people.emplace_back(std::move(folder.name), std::move(folder.images));
  std::sort(people.begin(), people.end(), [](const auto& x, const auto& y) {
    return x.second.size() != y.second.size() ? x.second.size() > y.second.size() : x.first < y.first;
  });
  if (static_cast<int>(people.size()) < a.identities)
    throw arcface::InputError("'" + images + "' has " + std::to_string(people.size()) + " identities, " +
                              std::to_string(a.identities) + " needed");
  people.resize(static_cast<std::size_t>(a.identities));
  std::vector<std::string> paths, names;
  std::vector<int> labels;
  for (std::size_t k = 0; k < people.size(); ++k) {
    names.push_back(people[k].first);
    for (const auto& p : people[k].second) {
      paths.push_back(p);
      labels.push_back(static_cast<int>(k));
    }
  }
  const arcface::Pipeline pipe(pipeline_options(g));
  arcface::EmbedPhotosOptions eo;
  eo.cache_file = a.cache;
  eo.progress = !g.quiet;
  const arcface::PhotoEmbeddings pe = arcface::embed_photos(pipe, paths, eo);
  if (!g.quiet)
    std::fprintf(stderr, "%zu photos of %d identities embedded with %s\n", paths.size(), a.identities,
                 pipe.embedder().info().name.c_str());

  auto run = [&](tr::HeadKind kind, const std::string& title) {
    tr::HeadOptions h;
    h.kind = kind;
    h.embedding_size = 2;
    h.classes = a.identities;
    h.s = a.scale;
    h.m = a.margin;
    h.seed = a.seed;
    tr::TrainOptions t;
    t.projection = 2;
    t.epochs = a.epochs;
    t.learning_rate = a.learning_rate;
    t.seed = a.seed;
    t.progress = !g.quiet;
    tr::Trainer trainer(h, t);
    HeadRun r;
    r.name = title;
    r.report = trainer.fit(pe.embeddings, labels);
    r.features = trainer.project(pe.embeddings);
    r.weight = trainer.head().weight();
    r.stats = tr::angular_stats(r.features, labels, a.identities);
    return r;
  };
  const HeadRun soft = run(tr::HeadKind::Softmax, "Softmax");
  char title[96];
  std::snprintf(title, sizeof title, "ArcFace (s = %.0f, m = %.2f)", a.scale, a.margin);
  const HeadRun arc = run(tr::HeadKind::ArcFace, title);

  const int size = 640;
  cv::Mat left = draw_panel(soft, labels, false, size), right = draw_panel(arc, labels, true, size);
  cv::Mat both;
  cv::hconcat(left, right, both);
  // legend
  cv::Mat legend(40 + 22 * ((a.identities + 3) / 4), both.cols, CV_8UC3, cv::Scalar(255, 255, 255));
  for (int k = 0; k < a.identities; ++k) {
    const cv::Point p(16 + (k % 4) * (both.cols / 4), 24 + 22 * (k / 4));
    cv::circle(legend, p, 6, arcface::viz::label_colour(k), cv::FILLED, cv::LINE_AA);
    cv::putText(legend, names[static_cast<std::size_t>(k)] + " (" + std::to_string(people[static_cast<std::size_t>(k)].second.size()) + ")",
                p + cv::Point(12, 5), cv::FONT_HERSHEY_SIMPLEX, 0.45, cv::Scalar(0, 0, 0), 1, cv::LINE_AA);
  }
  cv::vconcat(both, legend, both);
  write_image(a.output, both);

  json j{{"images", images}, {"embedder", pipe.embedder().info().name}, {"identities", names},
         {"samples", paths.size()}, {"output", a.output}};
  for (const HeadRun* r : {&soft, &arc}) {
    j[r == &soft ? "softmax" : "arcface"] = {{"intra_spread_deg", r->stats.intra_spread_deg},
                                             {"min_inter_angle_deg", r->stats.min_inter_angle_deg},
                                             {"train_accuracy", r->report.accuracy},
                                             {"final_loss", r->report.epoch_loss.back()}};
    std::printf("%-8s intra-class spread %5.1f deg   min inter-class angle %5.1f deg   training accuracy %.1f %%\n",
                r == &soft ? "softmax" : "arcface", r->stats.intra_spread_deg, r->stats.min_inter_angle_deg,
                100 * r->report.accuracy);
  }
  j["margin"] = a.margin;
  j["scale"] = a.scale;
  if (!a.json_out.empty()) std::ofstream(a.json_out) << json_text(j) << "\n";
  std::printf("picture written to %s (%dx%d)\n", a.output.c_str(), both.cols, both.rows);
  return 0;
}

int cmd_fine_tune(const Globals& g, const FineTuneArgs& a) {
  tr::FineTuneOptions o;
  o.data = a.data;
  o.output = a.output;
  o.embedder = g.embedder;
  o.name = a.name;
  o.head.kind = tr::head_kind_from_string(a.head);
  o.head.s = a.scale;
  o.head.m = a.margin;
  o.train.epochs = a.epochs;
  o.train.batch_size = a.batch;
  o.train.learning_rate = a.learning_rate;
  o.train.progress = !g.quiet;
  o.threads = g.threads;
  const tr::FineTuneReport r = tr::fine_tune_embedder(o);
  for (const auto& skipped : r.skipped_photos) warn(g, "skipped " + skipped);
  std::printf("%d photos of %d identities (%d skipped); loss %.4f -> %.4f over %zu epochs; training accuracy %.1f %%\n",
              r.images, r.identities, r.skipped, r.train.epoch_loss.front(), r.train.epoch_loss.back(),
              r.train.epoch_loss.size(), 100 * r.train.accuracy);
  std::printf("wrote %s (load it with --embedder %s)\n", r.output.c_str(), r.output.c_str());
  if (!a.json_out.empty())
    std::ofstream(a.json_out) << json_text(json{{"images", r.images}, {"identities", r.identities},
                                                {"skipped", r.skipped}, {"epoch_loss", r.train.epoch_loss},
                                                {"train_accuracy", r.train.accuracy}, {"output", r.output}})
                              << "\n";
  return 0;
}

}  // namespace arcface::cli
