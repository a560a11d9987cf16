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

int central_face(const std::vector<Face>& faces, cv::Size size) {
  const cv::Point2f c(size.width * 0.5f, size.height * 0.5f);
  int best = -1;
  float best_area = -1.f;
  for (int i = 0; i < static_cast<int>(faces.size()); ++i)
    if (faces[i].box.contains(c) && faces[i].box.area() > best_area) best = i, best_area = faces[i].box.area();
  return best >= 0 ? best : largest_face(faces);
}

namespace {

std::string cache_key(const Pipeline& p) {
  const auto& d = p.detector().options();
  const auto& e = p.embedder().info();
  std::ostringstream k;
  // Everything that changes an embedding: the library (alignment, preprocessing), the model and
  // every detector setting.
  k << "arcface " << kVersion << " photo-cache/3 " << e.source_sha256 << ' ' << e.name << ' ' << to_string(e.flip)
    << ' ' << to_string(d.backend) << ' ' << d.model << ' ' << d.score_threshold << ' ' << d.nms_threshold << ' '
    << d.min_face_size << ' ' << d.max_input_side << ' ' << d.min_input_side << ' ' << d.mtcnn_thresholds[0] << ' '
    << d.mtcnn_thresholds[1] << ' ' << d.mtcnn_thresholds[2] << ' ' << d.mtcnn_nms_thresholds[0] << ' '
    << d.mtcnn_nms_thresholds[1] << ' ' << d.mtcnn_nms_thresholds[2] << ' ' << d.mtcnn_scale_factor << ' '
    << d.fine_input_side << ' ' << d.mtcnn_fallback << ' ' << d.mtcnn_fallback_threshold;
  // The embedder's arithmetic (fp32 keys stay as they were).
  if (p.embedder().precision() != Precision::Fp32) k << " precision " << to_string(p.embedder().precision());
  return k.str();
}

// One cached photo: whether a face was detected, its landmarks relative to the image size (x0,
// y0, ..., x4, y4; used for the fallback of other photos), and the embedding.
// Photos are cached under their canonical path, so relative and absolute spellings share entries.
std::string cache_path(const std::string& p) {
  std::error_code ec;
  const auto c = fs::weakly_canonical(p, ec);
  return ec ? p : c.string();
}

}  // namespace

PhotoEmbeddings embed_photos(const Pipeline& pipeline, const std::vector<std::string>& paths,
                             const EmbedPhotosOptions& options) {
  const int dim = pipeline.embedder().dimension();
  const std::string key = cache_key(pipeline);
  auto cache = options.cache_file.empty() ? detail::PhotoCache{} : detail::read_photo_cache(options.cache_file, key, dim);

  PhotoEmbeddings out;
  out.paths = paths;
  out.embeddings.resize(static_cast<Eigen::Index>(paths.size()), dim);
  out.detected.assign(paths.size(), false);
  std::vector<size_t> missing;  // no face detected
  // Mean landmarks relative to the image size, over detected photos (the fallback).
  std::array<cv::Point2d, 5> rel_sum{};
  long rel_count = 0;
  std::vector<std::array<float, 10>> rel_landmarks(paths.size());
  auto add_rel = [&](size_t i, const std::array<float, 10>& r) {
    rel_landmarks[i] = r;
    for (int j = 0; j < 5; ++j) rel_sum[j].x += r[2 * j], rel_sum[j].y += r[2 * j + 1];
    ++rel_count;
  };

  ProgressBar bar("embedding", paths.size(), options.progress);
  const Aligner& aligner = pipeline.embedder().aligner();
  size_t computed = 0;
  for (size_t i = 0; i < paths.size(); ++i) {
    bar.tick(i + 1);
    if (auto it = cache.find(cache_path(paths[i])); it != cache.end()) {
      out.embeddings.row(i) = Eigen::Map<const Eigen::RowVectorXf>(it->second.v.data(), dim);
      out.detected[i] = it->second.detected;
      if (it->second.detected) {
        add_rel(i, it->second.rel);
        continue;
      }
    }
    const cv::Mat img = read_image(paths[i]);
    const auto faces = pipeline.detector().detect(img);
    const int k = central_face(faces, img.size());
    if (k < 0) {
      missing.push_back(i);
      continue;
    }
    std::array<float, 10> r;
    for (int j = 0; j < 5; ++j) {
      r[2 * j] = faces[k].landmarks[j].x / img.cols;
      r[2 * j + 1] = faces[k].landmarks[j].y / img.rows;
    }
    add_rel(i, r);
    out.embeddings.row(i) = pipeline.embedder().embed({aligner.align(img, faces[k])}).row(0);
    out.detected[i] = true;
    ++computed;
  }
  if (!missing.empty()) {
    std::array<cv::Point2f, 5> rel;
    if (rel_count > 0) {
      for (int j = 0; j < 5; ++j)
        rel[j] = {static_cast<float>(rel_sum[j].x / rel_count), static_cast<float>(rel_sum[j].y / rel_count)};
    } else {
      // Nothing detected at all: the template, scaled into the central half of the photo.
      const auto& t = aligner.alignment_template();
      for (int j = 0; j < 5; ++j)
        rel[j] = {0.25f + 0.5f * t.points[j].x / t.size.width, 0.25f + 0.5f * t.points[j].y / t.size.height};
    }
    for (size_t i : missing) {
      const cv::Mat img = read_image(paths[i]);
      Face f;
      for (int j = 0; j < 5; ++j) f.landmarks[j] = {rel[j].x * img.cols, rel[j].y * img.rows};
      out.embeddings.row(i) = pipeline.embedder().embed({aligner.align(img, f)}).row(0);
      out.detected[i] = false;
      ++computed;
    }
  }
  if (!options.cache_file.empty() && computed > 0) {
    // Keep the entries of other photos already in the cache (another pair file, another run).
    for (size_t i = 0; i < paths.size(); ++i) {
      detail::CachedPhoto& e = cache[cache_path(paths[i])];
      e.detected = out.detected[i];
      e.rel = rel_landmarks[i];
      e.v.assign(out.embeddings.row(i).data(), out.embeddings.row(i).data() + dim);
    }
    detail::write_photo_cache(options.cache_file, key, dim, cache);
  }
  return out;
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
  const LfwReport rep = evaluate_lfw(pipeline, test, images_dir, o);
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
