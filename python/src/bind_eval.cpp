#include <pybind11/stl.h>

#include "arcface/eval.hpp"
#include "bindings.hpp"
#include "convert.hpp"

namespace pyarcface {

void bind_eval(py::module_& m) {
  py::class_<arcface::View1Result>(m, "View1Result")
      .def_readonly("threshold", &arcface::View1Result::threshold)
      .def_readonly("train_accuracy", &arcface::View1Result::train_accuracy)
      .def_readonly("test_accuracy", &arcface::View1Result::test_accuracy)
      .def_readonly("undetected", &arcface::View1Result::undetected)
      .def_readonly("images", &arcface::View1Result::images)
      .def_readonly("skipped_pairs", &arcface::View1Result::skipped_pairs);
  m.def(
      "evaluate_lfw_view1",
      [](const arcface::Pipeline& p, const std::string& train, const std::string& test, const std::string& images,
         const std::string& cache, bool skip_missing) {
        arcface::EmbedPhotosOptions o;
        o.cache_file = cache;
        py::gil_scoped_release nogil;
        return arcface::evaluate_view1(p, train, test, images, o, skip_missing);
      },
      py::arg("pipeline"), py::arg("train_pairs"), py::arg("test_pairs"), py::arg("images_dir"), py::arg("cache_file") = "",
      py::arg("skip_missing_images") = false,
      "LFW View 1: threshold from pairsDevTrain.txt, accuracy on pairsDevTest.txt.");
  m.def("best_threshold", &arcface::best_threshold, py::arg("scores"), py::arg("same"));
  m.def("verification_accuracy", &arcface::verification_accuracy, py::arg("scores"), py::arg("same"), py::arg("threshold"));
}

}  // namespace pyarcface
