// arcface compare / tsne: the article's pictures.
#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <numeric>

#include "cli_common.hpp"
#include "arcface/progress.hpp"

namespace fs = std::filesystem;

namespace arcface::cli {

namespace {

std::vector<cv::Mat> crops_of(const std::vector<FaceItem>& items, const AlignmentTemplate& t) {
  FaceCropper cropper(t);
  std::vector<cv::Mat> out;
  for (const auto& it : items) out.push_back(cropper.crop(it));
  return out;
}

std::string display_name(const FaceItem& it, bool several_faces) {
  std::string s = it.label + "/" + fs::path(it.path).filename().string();
  if (several_faces) s += "#" + std::to_string(it.face);
  return s;
}

std::string csv_field(const std::string& s) {
  if (s.find_first_of(",\"\n") == std::string::npos) return s;
  std::string q = "\"";
  for (char c : s) q += c == '"' ? std::string("\"\"") : std::string(1, c);
  return q + "\"";
}

void write_text(const std::string& path, const std::string& text) {
  std::ofstream f(path);
  f << text;
  if (!f) throw IoError("cannot write '" + path + "'");
}

}  // namespace

std::vector<std::string> identity_labels(const std::vector<FaceItem>& items) {
  std::map<std::string, int> faces_per_image;
  for (const auto& it : items) ++faces_per_image[it.path];
  std::vector<std::string> out;
  for (const auto& it : items) out.push_back(faces_per_image[it.path] > 1 ? std::string() : it.label);
  return out;
}

std::string grid_name(const std::vector<FaceItem>& items, std::size_t i) {
  const FaceItem& it = items[i];
  std::size_t in_image = 0, in_label = 0;
  for (const auto& o : items) in_image += o.path == it.path, in_label += o.label == it.label;
  if (in_image > 1) return it.label + " #" + std::to_string(it.face + 1);
  if (in_label > 1) return it.label + " " + fs::path(it.path).stem().string();
  return it.label;
}

int cmd_compare(const Globals& g, const std::vector<std::string>& inputs, const std::string& out_png,
                const std::string& csv, bool as_json, bool no_clip, bool all_faces, bool sort) {
  const auto images = collect_images(inputs);
  const Pipeline pipe(pipeline_options(g));
  auto items = faces_of(g, pipe, images, !all_faces, "comparing");
  if (items.size() < 2)
    throw InputError("compare needs at least 2 faces; found " + std::to_string(items.size()) + " in " +
                     std::to_string(images.size()) + " image(s)");
  if (sort)
    std::stable_sort(items.begin(), items.end(), [](const FaceItem& a, const FaceItem& b) { return a.label < b.label; });
  const Embeddings e = stack(items, pipe.embedder().dimension());
  const Eigen::MatrixXf sim = Similarity::matrix(e, e);
  const auto labels = identity_labels(items);
  std::vector<std::string> names;
  for (std::size_t i = 0; i < items.size(); ++i) names.push_back(grid_name(items, i));

  viz::GridOptions go;
  go.clip = !no_clip;
  go.title = "cosine similarity (" + pipe.embedder().info().name + ")";
  go.names = names;
  const cv::Mat grid = viz::similarity_grid(crops_of(items, pipe.embedder().info().alignment), sim, labels, go);
  write_image(out_png, grid);

  // Same- and different-identity means, when labels differ.
  double same = 0, diff = 0;
  int ns = 0, nd = 0;
  for (Eigen::Index i = 0; i < sim.rows(); ++i)
    for (Eigen::Index j = i + 1; j < sim.cols(); ++j) {
      const auto& li = labels[static_cast<std::size_t>(i)];
      if (li.empty() || labels[static_cast<std::size_t>(j)].empty()) continue;  // identity unknown
      if (li == labels[static_cast<std::size_t>(j)]) same += sim(i, j), ++ns;
      else diff += sim(i, j), ++nd;
    }
  if (!csv.empty()) {
    std::string text = "face";
    for (const auto& it : items) text += "," + csv_field(display_name(it, all_faces));
    text += "\n";
    for (std::size_t i = 0; i < items.size(); ++i) {
      text += csv_field(display_name(items[i], all_faces));
      for (std::size_t j = 0; j < items.size(); ++j) {
        char buf[32];
        std::snprintf(buf, sizeof buf, ",%.6f", sim(static_cast<Eigen::Index>(i), static_cast<Eigen::Index>(j)));
        text += buf;
      }
      text += "\n";
    }
    write_text(csv, text);
  }
  if (as_json) {
    json faces = json::array(), m = json::array();
    for (std::size_t i = 0; i < items.size(); ++i)
      faces.push_back({{"image", items[i].path}, {"face", items[i].face},
                       {"label", labels[i].empty() ? json(nullptr) : json(labels[i])}, {"name", names[i]}});
    for (Eigen::Index i = 0; i < sim.rows(); ++i) {
      json row = json::array();
      for (Eigen::Index j = 0; j < sim.cols(); ++j) row.push_back(sim(i, j));
      m.push_back(row);
    }
    json j{{"model", pipe.embedder().info().name}, {"threshold", pipe.embedder().info().threshold},
           {"faces", faces}, {"matrix", m}, {"image", out_png}};
    if (ns) j["mean_same"] = same / ns;
    if (nd) j["mean_different"] = diff / nd;
    std::cout << json_text(j) << "\n";
  } else {
    std::printf("%zu faces compared; grid written to %s (%dx%d)\n", items.size(), out_png.c_str(), grid.cols, grid.rows);
    if (ns && nd)
      std::printf("mean cosine: same identity %.3f (%d pairs), different %.3f (%d pairs); threshold %.3f\n", same / ns,
                  ns, diff / nd, nd, pipe.embedder().info().threshold);
  }
  return 0;
}

int cmd_tsne(const Globals& g, const std::vector<std::string>& inputs, const std::string& out_png,
             const std::string& csv, double perplexity, std::uint64_t seed, int iterations) {
  const auto images = collect_images(inputs);
  const Pipeline pipe(pipeline_options(g));
  const auto items = faces_of(g, pipe, images, /*largest=*/true, "embedding");
  if (items.size() < 3)
    throw InputError("tsne needs at least 3 faces; found " + std::to_string(items.size()) + " in " +
                     std::to_string(images.size()) + " image(s)");
  const Embeddings e = stack(items, pipe.embedder().dimension());
  TsneOptions o;
  o.perplexity = perplexity;
  o.seed = seed;
  o.iterations = iterations;
  o.threads = g.threads;
  ProgressBar bar("t-SNE", static_cast<size_t>(iterations), !g.quiet);
  o.progress = [&](int it, double) { bar.tick(static_cast<size_t>(it)); };
  const Eigen::MatrixX2f y = tsne(e, o);
  std::vector<std::string> labels;
  for (const auto& it : items) labels.push_back(it.label);
  viz::MapOptions mo;
  mo.title = "t-SNE of " + std::to_string(items.size()) + " faces (" + pipe.embedder().info().name + ")";
  write_image(out_png, viz::embedding_map(y, crops_of(items, pipe.embedder().info().alignment), labels, mo));
  if (!csv.empty()) {
    std::string text = "image,face,label,x,y\n";
    for (std::size_t i = 0; i < items.size(); ++i) {
      char buf[64];
      std::snprintf(buf, sizeof buf, ",%.6f,%.6f\n", y(static_cast<Eigen::Index>(i), 0), y(static_cast<Eigen::Index>(i), 1));
      text += csv_field(items[i].path) + "," + std::to_string(items[i].face) + "," + csv_field(items[i].label) + buf;
    }
    write_text(csv, text);
  }
  std::printf("%zu faces mapped; picture written to %s\n", items.size(), out_png.c_str());
  return 0;
}

}  // namespace arcface::cli
