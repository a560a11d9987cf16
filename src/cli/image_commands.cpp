// arcface detect, arcface embed.
#include <filesystem>
#include <fstream>
#include <iostream>

#include <nlohmann/json.hpp>
#include <opencv2/imgcodecs.hpp>

#include "cli_common.hpp"

namespace fs = std::filesystem;
using nlohmann::json;

namespace arcface::cli {

int cmd_detect(const Globals& g, const DetectArgs& a) {
  const std::string& image = a.image;
  const std::string& out_png = a.output;
  const bool as_json = a.as_json;
  const arcface::Detector det(detector_options(g));
  const cv::Mat img = arcface::read_image(image);
  const auto faces = det.detect(img);
  if (as_json) {
    json arr = json::array();
    for (const auto& f : faces) arr.push_back(face_json(f));
    std::cout << json_text(json{{"image", image}, {"width", img.cols}, {"height", img.rows}, {"faces", arr}}) << "\n";
  } else {
    std::cout << image << ": " << faces.size() << " face(s)\n";
    for (const auto& f : faces) std::cout << "  " << arcface::to_string(f) << "\n";
  }
  if (!out_png.empty()) write_image(out_png, arcface::viz::draw_detections(img, faces));
  return 0;
}

int cmd_embed(const Globals& g, const EmbedArgs& a) {
  const std::vector<std::string>& inputs = a.images;
  const std::string& out = a.output;
  const bool largest = a.largest;
  // Directories are searched recursively; files are kept as given (a missing or unreadable one is
  // warned about and skipped, as before).
  std::vector<InputImage> images;
  for (const auto& input : inputs) {
    std::error_code ec;
    if (!fs::is_directory(input, ec)) {
      images.push_back({input, ""});
      continue;
    }
    for (auto& i : collect_images({input})) images.push_back(std::move(i));
  }
  const arcface::Pipeline pipe(pipeline_options(g));
  const auto items = faces_of(g, pipe, images, largest, "embedding");
  if (items.empty()) throw arcface::InputError("no face found in any of the " + std::to_string(images.size()) + " image(s)");
  const arcface::Embeddings all = stack(items, pipe.embedder().dimension());
  const Eigen::Index total = all.rows();
  json rows = json::array();
  for (std::size_t k = 0; k < items.size(); ++k) {
    json row = face_json(items[k].box);
    row["image"] = items[k].path;
    row["face"] = items[k].face;
    row["row"] = static_cast<Eigen::Index>(k);
    rows.push_back(row);
  }
  arcface::write_npy(out, all);
  const std::string side = (fs::path(out).replace_extension(".json")).string();
  std::ofstream js(side);
  js << json_text(json{{"model", pipe.embedder().info().name}, {"dimension", all.cols()}, {"rows", rows}}) << "\n";
  if (!js) throw arcface::IoError("cannot write '" + side + "'");
  if (!g.quiet) std::cerr << "wrote " << total << " embedding(s) to " << out << " and " << side << "\n";
  return 0;
}

}  // namespace arcface::cli
