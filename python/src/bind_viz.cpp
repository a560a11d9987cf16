#include <pybind11/functional.h>
#include <pybind11/stl.h>

#include "arcface/error.hpp"
#include "arcface/tsne.hpp"
#include "arcface/viz.hpp"
#include "bindings.hpp"
#include "convert.hpp"

namespace pyarcface {

namespace {
std::vector<cv::Mat> images_from(const std::vector<py::array>& arrays, bool rgb, std::vector<py::object>& keep) {
  std::vector<cv::Mat> out;
  keep.resize(arrays.size());
  for (std::size_t i = 0; i < arrays.size(); ++i) out.push_back(image_from_numpy(arrays[i], rgb, keep[i]));
  return out;
}
}  // namespace

void bind_viz(py::module_& m) {
  m.def(
      "tsne",
      [](const py::array& data, double perplexity, int iterations, double theta, int exact_below, double learning_rate,
         bool pca_init, std::uint64_t seed, int threads) {
        const auto x = embeddings_from_numpy(data, "data");
        arcface::TsneOptions o;
        o.perplexity = perplexity;
        o.iterations = iterations;
        o.theta = theta;
        o.exact_below = exact_below;
        o.learning_rate = learning_rate;
        o.pca_init = pca_init;
        o.seed = seed;
        o.threads = threads;
        Eigen::MatrixX2f y;
        {
          py::gil_scoped_release nogil;
          y = arcface::tsne(x, o);
        }
        arcface::Embeddings r = y;
        return to_numpy(std::move(r));
      },
      py::arg("data"), py::arg("perplexity") = 30.0, py::arg("iterations") = 1000, py::arg("theta") = 0.3,
      py::arg("exact_below") = 100, py::arg("learning_rate") = -1.0, py::arg("pca_init") = true,
      py::arg("seed") = 0, py::arg("threads") = 0,
      "t-SNE of the rows of data (N, D) -> (N, 2) float32; exact repulsion up to exact_below points, Barnes-Hut (theta) above.");
  m.def(
      "trustworthiness",
      [](const py::array& data, const py::array& map, int k) {
        const auto x = embeddings_from_numpy(data, "data");
        const auto y = embeddings_from_numpy(map, "map");
        if (y.cols() != 2) throw arcface::InputError("map must have shape (N, 2)");
        const Eigen::MatrixX2f y2 = y;
        py::gil_scoped_release nogil;
        return arcface::trustworthiness(x, y2, k);
      },
      py::arg("data"), py::arg("map"), py::arg("k") = 5,
      "Neighbourhood preservation of a 2-D map (as sklearn.manifold.trustworthiness, Euclidean).");

  py::module_ viz = m.def_submodule("viz", "Pictures: similarity grids, embedding maps, detection overlays (BGR uint8).");
  viz.def(
      "similarity_grid",
      [](const std::vector<py::array>& faces, const py::array& similarity, std::vector<std::string> labels, bool clip,
         int cell, bool mark_same, bool values, const std::string& title, bool rgb) {
        std::vector<py::object> keep;
        const auto mats = images_from(faces, rgb, keep);
        const Eigen::MatrixXf sim = embeddings_from_numpy(similarity, "similarity");
        if (labels.empty()) labels.assign(mats.size(), "");
        arcface::viz::GridOptions o;
        o.clip = clip;
        o.cell = cell;
        o.mark_same = mark_same;
        o.values = values;
        o.title = title;
        cv::Mat img;
        {
          py::gil_scoped_release nogil;
          img = arcface::viz::similarity_grid(mats, sim, labels, o);
        }
        return image_to_numpy(img);
      },
      py::arg("faces"), py::arg("similarity"), py::arg("labels") = std::vector<std::string>{}, py::arg("clip") = true,
      py::arg("cell") = 0, py::arg("mark_same") = true, py::arg("values") = true, py::arg("title") = "",
      py::arg("rgb") = false, "The article's similarity table as a BGR image (H, W, 3) uint8.");
  viz.def(
      "embedding_map",
      [](const py::array& coords, const std::vector<py::array>& faces, const std::vector<std::string>& labels, int size,
         int thumbnail, const std::string& title, bool rgb) {
        const auto c = embeddings_from_numpy(coords, "coords");
        if (c.cols() != 2) throw arcface::InputError("coords must have shape (N, 2)");
        std::vector<py::object> keep;
        const auto mats = images_from(faces, rgb, keep);
        arcface::viz::MapOptions o;
        o.size = size;
        o.thumbnail = thumbnail;
        o.title = title;
        const Eigen::MatrixX2f c2 = c;
        cv::Mat img;
        {
          py::gil_scoped_release nogil;
          img = arcface::viz::embedding_map(c2, mats, labels, o);
        }
        return image_to_numpy(img);
      },
      py::arg("coords"), py::arg("faces"), py::arg("labels"), py::arg("size") = 1600, py::arg("thumbnail") = 0,
      py::arg("title") = "", py::arg("rgb") = false, "Faces drawn at their 2-D positions (BGR image).");
  viz.def(
      "draw_detections",
      [](const py::array& image, const std::vector<arcface::Face>& faces, bool rgb) {
        py::object keep;
        const cv::Mat img = image_from_numpy(image, rgb, keep);
        return image_to_numpy(arcface::viz::draw_detections(img, faces));
      },
      py::arg("image"), py::arg("faces"), py::arg("rgb") = false, "Boxes, scores and landmarks on a copy (BGR).");
}

}  // namespace pyarcface
