// Error-versus-reject curves of the face quality on LFW pairs (docs/accuracy.md): the verification
// error of the pairs kept when the pairs with the lowest-quality photo are rejected, for the
// combined quality and for each of its factors alone.
//
//   build/bench/arcface_bench_quality_reject [--pairs P] [--images DIR] [--cache FILE] [--threshold T]
// Defaults: ../shared LFW View 1 pairsDevTest.txt, deep-funnelled images, the model's threshold.
#include <cmath>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <functional>
#include <map>
#include <string>

#include "arcface/arcface.hpp"
#include "arcface/quality.hpp"

namespace fs = std::filesystem;
using namespace arcface;

int main(int argc, char** argv) {
  const std::string root = std::string(ARCFACE_BENCH_SHARED_DIR) + "/data/lfw-view1";
  std::string pairs_file = root + "/pairsDevTest.txt", images = root + "/deepfunneled", cache, csv;
  float threshold = -1.f;
  bool verbose = false;
  for (int i = 1; i < argc; ++i)
    if (!std::strcmp(argv[i], "--verbose")) verbose = true;
  for (int i = 1; i + 1 < argc; i += 2) {
    if (!std::strcmp(argv[i], "--pairs")) pairs_file = argv[i + 1];
    else if (!std::strcmp(argv[i], "--images")) images = argv[i + 1];
    else if (!std::strcmp(argv[i], "--cache")) cache = argv[i + 1];
    else if (!std::strcmp(argv[i], "--threshold")) threshold = std::stof(argv[i + 1]);
    else if (!std::strcmp(argv[i], "--csv")) csv = argv[i + 1];
  }
  try {
    const Pipeline pipe;
    if (threshold < 0) threshold = pipe.embedder().info().threshold;
    LfwPairs pairs = read_lfw_pairs(pairs_file);
    const int skipped = drop_pairs_with_missing_images(pairs, images);
    const auto paths = lfw_images(pairs, images);
    EmbedPhotosOptions eo;
    eo.cache_file = cache;
    eo.progress = true;
    const PhotoEmbeddings pe = embed_photos(pipe, paths, eo);
    // Quality of each photo's central face (0 where no face is detected).
    std::map<std::string, FaceQuality> quality;
    std::map<std::string, Eigen::Index> row;
    for (size_t i = 0; i < paths.size(); ++i) {
      const cv::Mat img = read_image(paths[i]);
      const auto faces = pipe.detector().detect(img);
      const int k = central_face(faces, img.size());
      quality[paths[i]] = k < 0 ? FaceQuality{} : assess_quality(img, faces[static_cast<size_t>(k)], pipe.embedder());
      row[pe.paths[i]] = static_cast<Eigen::Index>(i);
    }
    std::vector<float> scores;
    std::vector<bool> same;
    std::vector<std::pair<const FaceQuality*, const FaceQuality*>> q;
    for (const auto& p : pairs.pairs) {
      const std::string a = lfw_image_path(images, p.name1, p.number1), b = lfw_image_path(images, p.name2, p.number2);
      scores.push_back(pe.embeddings.row(row.at(a)).dot(pe.embeddings.row(row.at(b))));
      same.push_back(p.same);
      q.push_back({&quality.at(a), &quality.at(b)});
    }
    if (verbose)  // the misclassified pairs and their photos' quality
      for (size_t i = 0; i < scores.size(); ++i)
        if ((scores[i] >= threshold) != static_cast<bool>(same[i]))
          std::printf("%s pair %zu, cosine %.3f:\n  %s\n  %s\n", same[i] ? "genuine" : "impostor", i, scores[i],
                      to_string(*q[i].first).c_str(), to_string(*q[i].second).c_str());
    if (!csv.empty()) {  // one row per pair, both photos' measurements, for analysis
      std::ofstream out(csv);
      out << "same,cosine";
      for (const char* side : {"a", "b"})
        for (const char* f : {"yaw", "pitch", "roll", "size", "sharpness", "detector", "score", "consistency"}) out << "," << side << "_" << f;
      out << "\n";
      for (size_t i = 0; i < scores.size(); ++i) {
        out << same[i] << "," << scores[i];
        for (const FaceQuality* x : {q[i].first, q[i].second})
          out << "," << x->pose.yaw << "," << x->pose.pitch << "," << x->pose.roll << "," << x->size << "," << x->sharpness
              << "," << x->detector_score << "," << x->score << "," << x->consistency;
        out << "\n";
      }
    }
    const std::vector<double> fractions{0, 0.02, 0.05, 0.10, 0.15, 0.20};
    std::printf("%s: %zu pairs (%d skipped for a missing image), %zu photos, model %s, threshold %.4f\n\n",
                pairs_file.c_str(), scores.size(), skipped, paths.size(), pipe.embedder().info().name.c_str(), threshold);
    std::printf("| quality used | ");
    for (double f : fractions) std::printf("%.0f %% | ", 100 * f);
    std::printf("\n|---|");
    for (size_t i = 0; i < fractions.size(); ++i) std::printf("---|");
    std::printf("\n");
    const std::vector<std::pair<const char*, std::function<float(const FaceQuality&)>>> measures{
        {"combined score", [](const FaceQuality& x) { return x.score; }},
        // Each measure alone, unclipped (the factors saturate at 1 for most LFW photos).
        {"head pose only: -(yaw/80)^2 - (pitch/60)^2", [](const FaceQuality& x) {
           return x.size > 0 ? -(x.pose.yaw * x.pose.yaw / 6400.f + x.pose.pitch * x.pose.pitch / 3600.f) : -1e9f;
         }},
        {"face size only", [](const FaceQuality& x) { return x.size; }},
        {"sharpness only", [](const FaceQuality& x) { return x.sharpness; }},
        {"detector score only", [](const FaceQuality& x) { return x.detector_score; }},
        {"mirror consistency only", [](const FaceQuality& x) { return x.consistency; }},
        {"image factors only (no consistency)", [](const FaceQuality& x) {
           return x.pose_factor * x.size_factor * std::sqrt(x.sharpness_factor * x.detector_factor);
         }}};
    for (const auto& [name, f] : measures) {
      std::vector<float> pq;
      for (const auto& [a, b] : q) pq.push_back(std::min(f(*a), f(*b)));
      std::printf("| %s | ", name);
      for (const auto& p : error_versus_reject(scores, same, pq, threshold, fractions))
        std::printf("%.2f %% (%d/%d) | ", 100 * p.error, p.errors, p.kept);
      std::printf("\n");
    }
    // The rejected photos' most common reasons at 10 %.
    std::map<std::string, int> reasons;
    for (const auto& [path, fq] : quality) {
      std::string r = fq.reason();
      r = r.substr(0, r.find(','));
      ++reasons[fq.score == 0.f && fq.size == 0.f ? "no face detected" : r];
    }
    std::printf("\nphotos by weakest factor:");
    for (const auto& [r, n] : reasons) std::printf(" %s %d;", r.c_str(), n);
    std::printf("\n");
  } catch (const std::exception& e) {
    std::fprintf(stderr, "error: %s\n", e.what());
    return 1;
  }
  return 0;
}
