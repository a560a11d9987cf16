#include <pybind11/stl.h>

#include "arcface/face.hpp"
#include "bindings.hpp"
#include "convert.hpp"

namespace pyarcface {

void bind_face(py::module_& m) {
  py::class_<arcface::Face>(m, "Face", R"doc(A detected face, in the pixel coordinates of its image.

box: (x, y, width, height); landmarks: (5, 2) float32 array — the two eyes, the nose tip and the
two mouth corners, each pair left then right as seen on the image; score: detector confidence;
detector: which detector or cascade pass found it ('yunet', 'yunet-fine', 'mtcnn').)doc")
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
          })
      .def_property("landmarks", &landmarks_to_numpy, &landmarks_from_numpy)
      .def_readwrite("score", &arcface::Face::score)
      .def_readwrite("detector", &arcface::Face::detector,
                     "which detector or cascade pass found the face: 'yunet', 'yunet-fine', 'mtcnn' ('' if none)")
      .def("__repr__", [](const arcface::Face& f) { return "<pyarcface.Face " + arcface::to_string(f) + ">"; });
}

}  // namespace pyarcface
