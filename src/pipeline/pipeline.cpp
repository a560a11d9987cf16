#include "arcface/pipeline.hpp"

#include "arcface/image.hpp"

namespace arcface {

Pipeline::Pipeline(PipelineOptions options)
    : detector_(std::move(options.detector)), embedder_(std::move(options.embedder)) {}

PipelineResult Pipeline::process(const cv::Mat& image) const {
  const cv::Mat bgr = to_bgr8(image);
  PipelineResult r;
  r.faces = detector_.detect(bgr);
  r.embeddings = embedder_.embed(bgr, r.faces);
  return r;
}

PipelineResult Pipeline::process_file(const std::string& path) const { return process(read_image(path)); }

int largest_face(const std::vector<Face>& faces) {
  int best = -1;
  float area = -1.f;
  for (int i = 0; i < static_cast<int>(faces.size()); ++i) {
    const float a = faces[i].box.area();
    if (a > area) area = a, best = i;
  }
  return best;
}

}  // namespace arcface
