#include <algorithm>
#include <array>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <numeric>
#include <sstream>
#include <unordered_map>

#include "arcface/error.hpp"
#include "arcface/eval.hpp"
#include "arcface/image.hpp"
#include "arcface/similarity.hpp"
#include "core/progress.hpp"

namespace fs = std::filesystem;

namespace arcface {

namespace {

std::vector<std::string> split_ws(const std::string& line) {
  std::istringstream in(line);
  std::vector<std::string> out;
  for (std::string t; in >> t;) out.push_back(t);
  return out;
}

int to_int(const std::string& s, const std::string& where) {
  try {
    size_t pos = 0;
    const int v = std::stoi(s, &pos);
    if (pos != s.size() || v < 0) throw std::invalid_argument(s);
    return v;
  } catch (const std::exception&) {
    throw IoError(where + ": '" + s + "' is not a non-negative integer");
  }
}

}  // namespace

LfwPairs read_lfw_pairs(const std::string& path) {
  std::ifstream in(path);
  if (!in) throw IoError("cannot open LFW pair file '" + path + "'");
  LfwPairs out;
  out.path = path;
  std::string line;
  int lineno = 0;
  std::string first;
  while (std::getline(in, line)) {
    ++lineno;
    if (!split_ws(line).empty()) break;
  }
  const auto head = split_ws(line);
  const std::string where0 = path + ":" + std::to_string(lineno);
  int per_fold = 0;
  if (head.size() == 1) {
    per_fold = to_int(head[0], where0 + " (header)");
  } else if (head.size() == 2) {
    out.folds = to_int(head[0], where0 + " (header)");
    per_fold = to_int(head[1], where0 + " (header)");
  } else {
    throw IoError(where0 + ": bad header '" + line + "' (expected 'N' or 'FOLDS N')");
  }
  if (out.folds <= 0 || per_fold <= 0) throw IoError(where0 + ": header declares no pairs");
  for (int fold = 0; fold < out.folds; ++fold) {
    for (int k = 0; k < 2 * per_fold; ++k) {
      if (!std::getline(in, line))
        throw IoError(path + ": ends after line " + std::to_string(lineno) + ", but the header announces " +
                      std::to_string(out.folds) + " x " + std::to_string(2 * per_fold) + " pairs");
      ++lineno;
      const std::string where = path + ":" + std::to_string(lineno);
      const auto t = split_ws(line);
      LfwPair p;
      p.fold = fold;
      p.line = lineno;
      p.same = k < per_fold;
      if (p.same) {
        if (t.size() != 3) throw IoError(where + ": expected 'NAME N1 N2' for a same-person pair, got '" + line + "'");
        p.name1 = p.name2 = t[0];
        p.number1 = to_int(t[1], where);
        p.number2 = to_int(t[2], where);
      } else {
        if (t.size() != 4)
          throw IoError(where + ": expected 'NAME1 N1 NAME2 N2' for a different-person pair, got '" + line + "'");
        p.name1 = t[0];
        p.number1 = to_int(t[1], where);
        p.name2 = t[2];
        p.number2 = to_int(t[3], where);
      }
      out.pairs.push_back(std::move(p));
    }
  }
  while (std::getline(in, line)) {
    ++lineno;
    if (!split_ws(line).empty())
      throw IoError(path + ":" + std::to_string(lineno) + ": unexpected line after the announced pairs");
  }
  return out;
}

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

float best_threshold(const std::vector<float>& scores, const std::vector<bool>& same) {
  if (scores.empty() || scores.size() != same.size())
    throw InputError("best_threshold needs as many labels as scores, and at least one");
  std::vector<int> order(scores.size());
  std::iota(order.begin(), order.end(), 0);
  std::sort(order.begin(), order.end(), [&](int a, int b) { return scores[a] < scores[b]; });
  // Threshold below order[k] (k = 0..n): pairs [0, k) are "different", [k, n) "same".
  long positives = std::count(same.begin(), same.end(), true);
  long correct = positives;  // k = 0: everything "same"
  long best = correct;
  size_t best_k = 0;
  for (size_t k = 1; k <= order.size(); ++k) {
    correct += same[order[k - 1]] ? -1 : 1;
    const bool tie_next = k < order.size() && scores[order[k]] == scores[order[k - 1]];
    if (!tie_next && correct > best) best = correct, best_k = k;
  }
  if (best_k == 0) return scores[order[0]] - 1e-6f;
  if (best_k == order.size()) return scores[order.back()] + 1e-6f;
  return 0.5f * (scores[order[best_k - 1]] + scores[order[best_k]]);
}

double verification_accuracy(const std::vector<float>& scores, const std::vector<bool>& same, float threshold) {
  if (scores.empty() || scores.size() != same.size()) throw InputError("accuracy needs as many labels as scores");
  size_t ok = 0;
  for (size_t i = 0; i < scores.size(); ++i) ok += (scores[i] >= threshold) == same[i];
  return static_cast<double>(ok) / scores.size();
}

namespace {

std::string cache_key(const Pipeline& p) {
  const auto& d = p.detector().options();
  const auto& e = p.embedder().info();
  std::ostringstream k;
  k << "arcface-photo-cache/2 " << e.source_sha256 << ' ' << e.name << ' ' << to_string(e.flip) << ' '
    << to_string(d.backend) << ' ' << d.score_threshold << ' ' << d.nms_threshold << ' ' << d.min_face_size << ' '
    << d.max_input_side << ' ' << d.min_input_side;
  return k.str();
}

// One cached photo: whether a face was detected, its landmarks relative to the image size (x0,
// y0, ..., x4, y4; used for the fallback of other photos), and the embedding.
struct CacheEntry {
  bool detected;
  std::array<float, 10> rel;
  std::vector<float> v;
};

std::unordered_map<std::string, CacheEntry> load_cache(const std::string& file, const std::string& key, int dim) {
  std::unordered_map<std::string, CacheEntry> out;
  std::ifstream in(file, std::ios::binary);
  if (!in) return out;
  std::string header;
  if (!std::getline(in, header) || header != key) return out;  // another model or detector: ignore
  std::string path;
  while (std::getline(in, path)) {
    char det = 0;
    CacheEntry e;
    e.v.resize(dim);
    if (!in.get(det) || !in.read(reinterpret_cast<char*>(e.rel.data()), sizeof e.rel) ||
        !in.read(reinterpret_cast<char*>(e.v.data()), dim * sizeof(float)))
      break;  // truncated tail: keep what is complete
    e.detected = det == 1;
    out[path] = std::move(e);
  }
  return out;
}

void save_cache(const std::string& file, const std::string& key, const PhotoEmbeddings& pe,
                const std::vector<std::array<float, 10>>& rel) {
  const std::string tmp = file + ".tmp";
  {
    std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
    if (!out) throw IoError("cannot write embedding cache '" + file + "'");
    out << key << '\n';
    for (size_t i = 0; i < pe.paths.size(); ++i) {
      out << pe.paths[i] << '\n';
      out.put(pe.detected[i] ? 1 : 0);
      out.write(reinterpret_cast<const char*>(rel[i].data()), sizeof rel[i]);
      out.write(reinterpret_cast<const char*>(pe.embeddings.row(i).data()), pe.embeddings.cols() * sizeof(float));
    }
  }
  std::error_code ec;
  fs::rename(tmp, file, ec);
}

}  // namespace

PhotoEmbeddings embed_photos(const Pipeline& pipeline, const std::vector<std::string>& paths,
                             const EmbedPhotosOptions& options) {
  const int dim = pipeline.embedder().dimension();
  const std::string key = cache_key(pipeline);
  auto cache = options.cache_file.empty() ? decltype(load_cache("", "", 0)){} : load_cache(options.cache_file, key, dim);

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

  detail::Progress bar("embedding", paths.size(), options.progress);
  const Aligner& aligner = pipeline.embedder().aligner();
  size_t computed = 0;
  for (size_t i = 0; i < paths.size(); ++i) {
    bar.tick(i + 1);
    if (auto it = cache.find(paths[i]); it != cache.end()) {
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
  if (!options.cache_file.empty() && computed > 0) save_cache(options.cache_file, key, out, rel_landmarks);
  return out;
}

View1Result evaluate_view1(const Pipeline& pipeline, const std::string& train, const std::string& test,
                           const std::string& images_dir, const EmbedPhotosOptions& options,
                           bool skip_missing_images) {
  LfwPairs tr = read_lfw_pairs(train), te = read_lfw_pairs(test);
  int skipped = 0;
  if (skip_missing_images)
    skipped = drop_pairs_with_missing_images(tr, images_dir) + drop_pairs_with_missing_images(te, images_dir);
  std::vector<std::string> paths = lfw_images(tr, images_dir);
  for (const auto& p : lfw_images(te, images_dir))
    if (std::find(paths.begin(), paths.end(), p) == paths.end()) paths.push_back(p);
  const PhotoEmbeddings pe = embed_photos(pipeline, paths, options);
  std::unordered_map<std::string, size_t> index;
  for (size_t i = 0; i < pe.paths.size(); ++i) index[pe.paths[i]] = i;
  auto scores = [&](const LfwPairs& ps, std::vector<float>& s, std::vector<bool>& y) {
    for (const auto& p : ps.pairs) {
      const size_t a = index.at(lfw_image_path(images_dir, p.name1, p.number1));
      const size_t b = index.at(lfw_image_path(images_dir, p.name2, p.number2));
      s.push_back(pe.embeddings.row(a).dot(pe.embeddings.row(b)));
      y.push_back(p.same);
    }
  };
  std::vector<float> s_tr, s_te;
  std::vector<bool> y_tr, y_te;
  scores(tr, s_tr, y_tr);
  scores(te, s_te, y_te);
  View1Result r;
  r.threshold = best_threshold(s_tr, y_tr);
  r.train_accuracy = verification_accuracy(s_tr, y_tr, r.threshold);
  r.test_accuracy = verification_accuracy(s_te, y_te, r.threshold);
  r.undetected = static_cast<int>(std::count(pe.detected.begin(), pe.detected.end(), false));
  r.images = static_cast<int>(pe.paths.size());
  r.skipped_pairs = skipped;
  return r;
}

}  // namespace arcface
