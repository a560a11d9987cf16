// arcface verify: are the largest faces of two images the same person?
#include <cstdio>
#include <filesystem>
#include <optional>

#include "cli_common.hpp"

namespace fs = std::filesystem;

namespace arcface::cli {

// Exit codes: 0 = same person (or --exit-code not given), 3 = different (with --exit-code), 1 = error.
int cmd_verify(const Globals& g, const std::string& a, const std::string& b, std::optional<float> threshold,
               bool as_json, bool exit_code) {
  for (const auto& path : {a, b})
    if (fs::is_directory(path))
      throw InputError("verify compares two image files, and '" + path +
                       "' is a directory (arcface compare DIR draws the similarity grid of a directory)");
  const Pipeline pipe(pipeline_options(g));
  const std::string model = pipe.embedder().info().name;
  struct One {
    std::optional<Face> face;
    Embeddings embedding;
  };
  auto one = [&](const std::string& path) {
    auto r = pipe.process_file(path);
    if (r.faces.empty()) return One{};
    const int k = largest_face(r.faces);
    return One{r.faces[k], Embeddings(r.embeddings.row(k))};
  };
  const One fa = one(a), fb = one(b);
  const float thr = threshold.value_or(pipe.embedder().info().threshold);
  if (!fa.face || !fb.face) {
    const std::string msg = "no face found in '" + (fa.face ? b : a) + "'";
    if (as_json)
      std::cout << json_text(json{{"image1", a}, {"image2", b}, {"same", nullptr}, {"error", msg}, {"threshold", thr},
                                  {"model", model}, {"face1", fa.face ? face_json(*fa.face) : json(nullptr)},
                                  {"face2", fb.face ? face_json(*fb.face) : json(nullptr)}})
                << "\n";
    throw InputError(msg);
  }
  const auto v = Similarity::verify(fa.embedding.row(0), fb.embedding.row(0), thr);
  if (as_json) {
    std::cout << json_text(json{{"image1", a}, {"image2", b}, {"similarity", v.similarity}, {"threshold", v.threshold},
                                {"same", v.same}, {"model", model}, {"face1", face_json(*fa.face)},
                                {"face2", face_json(*fb.face)}})
              << "\n";
  } else {
    std::printf("similarity %.4f  threshold %.4f  %s\n", v.similarity, v.threshold, v.same ? "same" : "different");
  }
  return exit_code && !v.same ? 3 : 0;
}

}  // namespace arcface::cli
