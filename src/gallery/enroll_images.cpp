// The gallery's bridge to the pipeline: galleries for a pipeline's embedder, enrolment from images.
// Kept apart so that gallery.hpp needs no pipeline.hpp.
#include "arcface/error.hpp"
#include "arcface/gallery.hpp"
#include "arcface/pipeline.hpp"

namespace arcface {

Gallery::Gallery(const Pipeline& pipeline, GalleryOptions options)
    : Gallery(pipeline.embedder().info().name, pipeline.embedder().dimension(), options,
              to_string(pipeline.embedder().info().flip)) {}

std::size_t Gallery::enroll(const std::string& identity, const std::vector<cv::Mat>& images, const Pipeline& pipeline) {
  check_embedder(pipeline.embedder().info());
  std::vector<Eigen::RowVectorXf> found;
  for (const auto& img : images) {
    const auto r = pipeline.process(img);
    const int i = largest_face(r.faces);
    if (i >= 0) found.push_back(r.embeddings.row(i));
  }
  if (found.empty())
    throw InputError("gallery: no face found in any of the " + std::to_string(images.size()) + " image(s) for '" +
                     identity + "'");
  Embeddings rows(static_cast<Eigen::Index>(found.size()), dimension());
  for (std::size_t i = 0; i < found.size(); ++i) rows.row(static_cast<Eigen::Index>(i)) = found[i];
  enroll(identity, rows);
  return found.size();
}

}  // namespace arcface
