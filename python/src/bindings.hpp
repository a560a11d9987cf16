#pragma once
#include <pybind11/pybind11.h>

namespace pyarcface {
namespace py = pybind11;
void bind_errors(py::module_& m);
void bind_face(py::module_& m);
void bind_detector(py::module_& m);
void bind_aligner(py::module_& m);
void bind_embedder(py::module_& m);
void bind_similarity(py::module_& m);
void bind_pipeline(py::module_& m);
void bind_io(py::module_& m);
void bind_eval(py::module_& m);
void bind_gallery(py::module_& m);
void bind_viz(py::module_& m);
void bind_train(py::module_& m);
void bind_models(py::module_& m);
void bind_tracker(py::module_& m);
}  // namespace pyarcface
