// Embeddings of whole LFW-style photos (one face each) through the parallel file pipeline, with
// the mean-landmark fallback for photos without a detected face and the photo cache.
#include <array>
#include <filesystem>
#include <sstream>

#include "arcface/error.hpp"
#include "arcface/eval.hpp"
#include "arcface/image.hpp"
#include "arcface/progress.hpp"
#include "arcface/version.hpp"
#include "eval/photo_cache.hpp"

namespace fs = std::filesystem;

namespace arcface {

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
    << d.fine_input_side << ' ' << d.mtcnn_fallback << ' ' << d.mtcnn_fallback_threshold
    << ' ' << d.fine_verify_threshold;
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
  // Landmarks relative to the image size of each detected photo; their mean is the fallback.
  std::vector<std::array<float, 10>> rel_landmarks(paths.size());
  std::array<cv::Point2d, 5> rel_sum{};
  long rel_count = 0;
  auto add_rel = [&](size_t i, const std::array<float, 10>& r) {
    rel_landmarks[i] = r;
    for (int j = 0; j < 5; ++j) rel_sum[j].x += r[2 * j], rel_sum[j].y += r[2 * j + 1];
    ++rel_count;
  };

  // 1. Cached photos; the others go through the parallel pipeline (network calls shared between photos).
  std::vector<size_t> missing;  // no face detected: the fallback below
  std::vector<size_t> todo;
  for (size_t i = 0; i < paths.size(); ++i) {
    const auto it = cache.find(cache_path(paths[i]));
    if (it == cache.end()) {
      todo.push_back(i);
    } else if (!it->second.detected) {
      missing.push_back(i);
    } else {
      out.embeddings.row(static_cast<Eigen::Index>(i)) = Eigen::Map<const Eigen::RowVectorXf>(it->second.v.data(), dim);
      out.detected[i] = true;
      add_rel(i, it->second.rel);
    }
  }
  std::vector<std::string> todo_paths;
  for (size_t i : todo) todo_paths.push_back(paths[i]);
  ProgressBar bar("embedding", todo_paths.size(), options.progress);
  const auto results = pipeline.process_files(todo_paths, 0, [&](size_t done) { bar.tick(done); });
  for (size_t t = 0; t < todo.size(); ++t) {
    const size_t i = todo[t];
    const auto& fr = results[t];
    if (!fr.error.empty()) throw IoError("embedding '" + paths[i] + "': " + fr.error);
    const auto& faces = fr.result.faces;
    const cv::Size size = fr.result.image_size;
    const int k = central_face(faces, size);
    if (k < 0) {
      missing.push_back(i);
      continue;
    }
    std::array<float, 10> r;
    for (int j = 0; j < 5; ++j) {
      r[2 * j] = faces[static_cast<size_t>(k)].landmarks[j].x / static_cast<float>(size.width);
      r[2 * j + 1] = faces[static_cast<size_t>(k)].landmarks[j].y / static_cast<float>(size.height);
    }
    add_rel(i, r);
    out.embeddings.row(static_cast<Eigen::Index>(i)) = fr.result.embeddings.row(k);
    out.detected[i] = true;
  }
  // 2. Photos without a detected face: aligned at the mean landmarks of this call's detected photos.
  const Aligner& aligner = pipeline.embedder().aligner();
  if (!missing.empty()) {
    std::array<cv::Point2f, 5> rel;
    if (rel_count > 0) {
      for (int j = 0; j < 5; ++j)
        rel[j] = {static_cast<float>(rel_sum[j].x / rel_count), static_cast<float>(rel_sum[j].y / rel_count)};
    } else {
      // Nothing detected at all: the template, scaled into the central half of the photo.
      const auto& tpl = aligner.alignment_template();
      for (int j = 0; j < 5; ++j)
        rel[j] = {0.25f + 0.5f * tpl.points[j].x / tpl.size.width, 0.25f + 0.5f * tpl.points[j].y / tpl.size.height};
    }
    for (size_t i : missing) {
      const cv::Mat img = read_image(paths[i]);
      Face f;
      for (int j = 0; j < 5; ++j) f.landmarks[j] = {rel[j].x * img.cols, rel[j].y * img.rows};
      out.embeddings.row(static_cast<Eigen::Index>(i)) = pipeline.embedder().embed({aligner.align(img, f)}).row(0);
      out.detected[i] = false;
    }
  }
  if (!options.cache_file.empty() && !todo.empty()) {
    // Keep the entries of other photos already in the cache (another pair file, another run).
    for (size_t i = 0; i < paths.size(); ++i) {
      detail::CachedPhoto& e = cache[cache_path(paths[i])];
      e.detected = out.detected[i];
      e.rel = rel_landmarks[i];
      e.v.assign(out.embeddings.row(static_cast<Eigen::Index>(i)).data(),
                 out.embeddings.row(static_cast<Eigen::Index>(i)).data() + dim);
    }
    detail::write_photo_cache(options.cache_file, key, dim, cache);
  }
  return out;
}

}  // namespace arcface
