#include <algorithm>
#include <array>
#include <cmath>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <numeric>
#include <sstream>
#include <unordered_map>

#include <opencv2/imgproc.hpp>

#include "arcface/error.hpp"
#include "arcface/eval.hpp"
#include "arcface/image.hpp"
#include "arcface/similarity.hpp"
#include "arcface/version.hpp"
#include "arcface/progress.hpp"
#include "eval/photo_cache.hpp"

namespace fs = std::filesystem;

namespace arcface {

std::string lfw_image_path(const std::string& dir, const std::string& name, int number) {
  char buf[16];
  std::snprintf(buf, sizeof buf, "_%04d.jpg", number);
  return (fs::path(dir) / name / (name + buf)).string();
}

std::vector<std::string> lfw_images(const LfwPairs& pairs, const std::string& images_dir) {
  std::vector<std::string> out;
  std::unordered_map<std::string, int> seen;
  for (const auto& p : pairs.pairs) {
    for (const auto& [name, num] : {std::pair{p.name1, p.number1}, std::pair{p.name2, p.number2}}) {
      const std::string path = lfw_image_path(images_dir, name, num);
      if (seen.count(path)) continue;
      if (!fs::is_regular_file(path))
        throw IoError(pairs.path + ":" + std::to_string(p.line) + ": image " + path + " does not exist");
      seen[path] = 1;
      out.push_back(path);
    }
  }
  return out;
}

int drop_pairs_with_missing_images(LfwPairs& pairs, const std::string& images_dir) {
  const auto before = pairs.pairs.size();
  pairs.pairs.erase(std::remove_if(pairs.pairs.begin(), pairs.pairs.end(),
                                   [&](const LfwPair& p) {
                                     return !fs::is_regular_file(lfw_image_path(images_dir, p.name1, p.number1)) ||
                                            !fs::is_regular_file(lfw_image_path(images_dir, p.name2, p.number2));
                                   }),
                    pairs.pairs.end());
  return static_cast<int>(before - pairs.pairs.size());
}




namespace {

void score_pairs(const PhotoEmbeddings& pe, const LfwPairs& ps, const std::string& images_dir, std::vector<float>& s,
                 std::vector<bool>& y, std::vector<int>* folds = nullptr) {
  std::unordered_map<std::string, size_t> index;
  for (size_t i = 0; i < pe.paths.size(); ++i) index[pe.paths[i]] = i;
  for (const auto& p : ps.pairs) {
    const size_t a = index.at(lfw_image_path(images_dir, p.name1, p.number1));
    const size_t b = index.at(lfw_image_path(images_dir, p.name2, p.number2));
    s.push_back(pe.embeddings.row(a).dot(pe.embeddings.row(b)));
    y.push_back(p.same);
    if (folds) folds->push_back(p.fold);
  }
}

}  // namespace

LfwReport evaluate_lfw(const Pipeline& pipeline, const std::string& pairs, const std::string& images_dir,
                       const LfwEvalOptions& options) {
  LfwPairs te = read_lfw_pairs(pairs);
  LfwPairs tr;
  const bool view1 = !options.train_pairs.empty();
  if (view1) tr = read_lfw_pairs(options.train_pairs);
  LfwReport r;
  if (options.skip_missing_images) {
    r.skipped_pairs = drop_pairs_with_missing_images(te, images_dir);
    if (view1) r.skipped_pairs += drop_pairs_with_missing_images(tr, images_dir);
  }
  std::vector<std::string> paths = lfw_images(te, images_dir);
  if (view1) {
    std::unordered_map<std::string, int> seen;
    for (const auto& p : paths) seen[p] = 1;
    for (const auto& p : lfw_images(tr, images_dir))
      if (!seen.count(p)) paths.push_back(p);
  }
  const PhotoEmbeddings pe = embed_photos(pipeline, paths, options.embed);
  r.images = static_cast<int>(pe.paths.size());
  r.undetected = static_cast<int>(std::count(pe.detected.begin(), pe.detected.end(), false));
  std::vector<float> s;
  std::vector<bool> y;
  std::vector<int> folds;
  score_pairs(pe, te, images_dir, s, y, &folds);
  r.pairs = static_cast<int>(s.size());
  r.metrics = verification_metrics(s, y, options.fars);
  if (view1) {
    std::vector<float> ts;
    std::vector<bool> ty;
    score_pairs(pe, tr, images_dir, ts, ty);
    r.protocol = "view1";
    r.threshold = best_threshold(ts, ty);
    r.train_accuracy = verification_accuracy(ts, ty, r.threshold);
    r.accuracy = verification_accuracy(s, y, r.threshold);
  } else if (te.folds > 1) {
    r.protocol = "10-fold";
    r.kfold = kfold_accuracy(s, y, folds, te.folds);
    r.accuracy = r.kfold.mean;
    r.accuracy_std = r.kfold.std;
    r.threshold = std::accumulate(r.kfold.threshold.begin(), r.kfold.threshold.end(), 0.f) / te.folds;
  } else {
    r.protocol = "single";
    r.threshold = r.metrics.best_threshold;
    r.accuracy = r.metrics.best_accuracy;
  }
  return r;
}

View1Result evaluate_view1(const Pipeline& pipeline, const std::string& train, const std::string& test,
                           const std::string& images_dir, const EmbedPhotosOptions& options,
                           bool skip_missing_images) {
  LfwEvalOptions o;
  o.train_pairs = train;
  o.embed = options;
  o.skip_missing_images = skip_missing_images;
  return view1_result(evaluate_lfw(pipeline, test, images_dir, o));
}

View1Result view1_result(const LfwReport& rep) {
  View1Result r;
  r.threshold = rep.threshold;
  r.train_accuracy = rep.train_accuracy;
  r.test_accuracy = rep.accuracy;
  r.undetected = rep.undetected;
  r.images = rep.images;
  r.skipped_pairs = rep.skipped_pairs;
  return r;
}

}  // namespace arcface
