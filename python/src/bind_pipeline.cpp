#include <pybind11/stl.h>

#include "arcface/pipeline.hpp"
#include "bindings.hpp"
#include "convert.hpp"

namespace pyarcface {

void bind_pipeline(py::module_& m) {
  py::class_<arcface::PipelineResult>(m, "PipelineResult", "Faces of one image; embeddings[i] belongs to faces[i].")
      .def_readonly("faces", &arcface::PipelineResult::faces)
      .def_property_readonly("embeddings", [](const arcface::PipelineResult& r) {
        return to_numpy(arcface::Embeddings(r.embeddings));
      });
  py::class_<arcface::Pipeline::FileResult>(m, "FileResult", "process_files outcome: path, result, error ('' if none).")
      .def_readonly("path", &arcface::Pipeline::FileResult::path)
      .def_readonly("result", &arcface::Pipeline::FileResult::result)
      .def_readonly("error", &arcface::Pipeline::FileResult::error)
      .def("__repr__", [](const arcface::Pipeline::FileResult& r) {
        return "<pyarcface.FileResult " + r.path + (r.error.empty() ? " " + std::to_string(r.result.faces.size()) + " face(s)>" : " error>");
      });
  py::class_<arcface::Pipeline>(m, "Pipeline", "detect -> align -> embed. Thread-safe; releases the GIL.")
      .def(py::init([](py::object detector, py::object embedder) {
             arcface::PipelineOptions o;
             if (!detector.is_none()) o.detector = detector.cast<arcface::DetectorOptions>();
             if (!embedder.is_none()) o.embedder = embedder.cast<arcface::EmbedderOptions>();
             py::gil_scoped_release nogil;
             return arcface::Pipeline(o);
           }),
           py::arg("detector") = py::none(), py::arg("embedder") = py::none())
      .def(
          "process",
          [](const arcface::Pipeline& p, const py::array& image, bool rgb) {
            py::object keep;
            const cv::Mat img = image_from_numpy(image, rgb, keep);
            py::gil_scoped_release nogil;
            return p.process(img);
          },
          py::arg("image"), py::arg("rgb") = false)
      .def(
          "process_file",
          [](const arcface::Pipeline& p, const std::string& path) {
            py::gil_scoped_release nogil;
            return p.process_file(path);
          },
          py::arg("path"))
      .def(
          "process_files",
          [](const arcface::Pipeline& p, const std::vector<std::string>& paths, int workers) {
            py::gil_scoped_release nogil;
            return p.process_files(paths, workers);
          },
          py::arg("paths"), py::arg("workers") = 0,
          "Process many files in parallel C++ threads; results in input order, failures reported per file.")
      .def_property_readonly("detector", &arcface::Pipeline::detector, py::return_value_policy::reference_internal)
      .def_property_readonly("embedder", &arcface::Pipeline::embedder, py::return_value_policy::reference_internal);
  m.def("largest_face", &arcface::largest_face, py::arg("faces"), "Index of the largest face, -1 for none.");
}

}  // namespace pyarcface
