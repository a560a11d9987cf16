#include <pybind11/stl.h>

#include "arcface/face.hpp"
#include "bindings.hpp"
#include "convert.hpp"

namespace pyarcface {

void bind_face(py::module_& m) {
  // dynamic_attr: faces returned by Pipeline carry their embedding in the instance dict.
  py::class_<arcface::Face>(m, "Face", py::dynamic_attr(), R"doc(A detected face, in the pixel coordinates of its image.

box: (x, y, width, height); bbox: (x1, y1, x2, y2), the same box as corners (insightface's name);
landmarks (alias kps): (5, 2) float32 array — the two eyes, the nose tip and the two mouth corners,
each pair left then right as seen on the image; score (alias det_score): detector confidence.
embedding / normed_embedding: the face's embedding (float32, unit L2 norm, so both are the same
array) when the face comes from Pipeline.process / PipelineResult; None for a face from
Detector.detect; detector: which detector or cascade pass found it ('yunet', 'yunet-fine',
'mtcnn').)doc")
      .def(py::init([](std::tuple<float, float, float, float> box, py::object landmarks, float score) {
             arcface::Face f;
             f.box = {std::get<0>(box), std::get<1>(box), std::get<2>(box), std::get<3>(box)};
             if (!landmarks.is_none()) landmarks_from_numpy(f, landmarks);
             f.score = score;
             return f;
           }),
           py::arg("box") = std::make_tuple(0.f, 0.f, 0.f, 0.f), py::arg("landmarks") = py::none(), py::arg("score") = 0.f)
      .def_property(
          "box", [](const arcface::Face& f) { return py::make_tuple(f.box.x, f.box.y, f.box.width, f.box.height); },
          [](arcface::Face& f, std::tuple<float, float, float, float> b) {
            f.box = {std::get<0>(b), std::get<1>(b), std::get<2>(b), std::get<3>(b)};
          },
          "(x, y, width, height)")
      .def_property_readonly(
          "bbox",
          [](const arcface::Face& f) {
            return py::make_tuple(f.box.x, f.box.y, f.box.x + f.box.width, f.box.y + f.box.height);
          },
          "(x1, y1, x2, y2): top-left and bottom-right corners")
      .def_property("landmarks", &landmarks_to_numpy, &landmarks_from_numpy, "(5, 2) float32 landmarks")
      .def_property_readonly("kps", &landmarks_to_numpy, "alias of landmarks (insightface's name)")
      .def_readwrite("score", &arcface::Face::score, "detector confidence in [0, 1]")
      .def_property_readonly(
          "det_score", [](const arcface::Face& f) { return f.score; }, "alias of score (insightface's name)")
      .def_property_readonly(
          "embedding",
          [](py::object self) -> py::object {
            return py::reinterpret_borrow<py::dict>(self.attr("__dict__")).attr("get")("_embedding", py::none());
          },
          "the face's unit-norm embedding (from Pipeline), else None")
      .def_property_readonly(
          "normed_embedding", [](py::object self) -> py::object { return self.attr("embedding"); },
          "same as embedding: arcface embeddings are already L2-normalised")
      .def_readwrite("detector", &arcface::Face::detector,
                     "which detector or cascade pass found the face: 'yunet', 'yunet-fine', 'mtcnn' ('' if none)")
      .def("__repr__", [](py::object self) {
        const auto& f = self.cast<const arcface::Face&>();
        const bool has = !self.attr("embedding").is_none();
        return "<pyarcface.Face " + arcface::to_string(f) + (has ? " with embedding" : "") + ">";
      });
}

}  // namespace pyarcface
