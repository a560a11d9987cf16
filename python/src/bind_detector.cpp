#include <pybind11/stl.h>

#include "arcface/detector.hpp"
#include "bindings.hpp"
#include "convert.hpp"

namespace pyarcface {

void bind_detector(py::module_& m) {
  using arcface::DetectorOptions;
  py::class_<DetectorOptions>(m, "DetectorOptions", "Options of Detector (see the C++ DetectorOptions).")
      .def(py::init([](const std::string& backend, const std::string& model, float score_threshold, float nms_threshold,
                       float min_face_size, int max_input_side, int min_input_side, int threads, int fine_input_side,
                       bool mtcnn_fallback, float mtcnn_fallback_threshold) {
             DetectorOptions o;
             o.backend = arcface::detector_backend_from_string(backend);
             o.model = model;
             o.score_threshold = score_threshold;
             o.nms_threshold = nms_threshold;
             o.min_face_size = min_face_size;
             o.max_input_side = max_input_side;
             o.min_input_side = min_input_side;
             o.threads = threads;
             o.fine_input_side = fine_input_side;
             o.mtcnn_fallback = mtcnn_fallback;
             o.mtcnn_fallback_threshold = mtcnn_fallback_threshold;
             return o;
           }),
           py::arg("backend") = "auto", py::arg("model") = "", py::arg("score_threshold") = -1.f,
           py::arg("nms_threshold") = -1.f, py::arg("min_face_size") = 20.f, py::arg("max_input_side") = -1,
           py::arg("min_input_side") = 0, py::arg("threads") = 0, py::arg("fine_input_side") = -1,
           py::arg("mtcnn_fallback") = true, py::arg("mtcnn_fallback_threshold") = DetectorOptions{}.mtcnn_fallback_threshold)
      .def_property_readonly("backend", [](const DetectorOptions& o) { return arcface::to_string(o.backend); })
      .def_readwrite("model", &DetectorOptions::model)
      .def_readwrite("score_threshold", &DetectorOptions::score_threshold)
      .def_readwrite("nms_threshold", &DetectorOptions::nms_threshold)
      .def_readwrite("min_face_size", &DetectorOptions::min_face_size)
      .def_readwrite("max_input_side", &DetectorOptions::max_input_side)
      .def_readwrite("min_input_side", &DetectorOptions::min_input_side)
      .def_readwrite("threads", &DetectorOptions::threads)
      .def_readwrite("fine_input_side", &DetectorOptions::fine_input_side)
      .def_readwrite("mtcnn_fallback", &DetectorOptions::mtcnn_fallback)
      .def_readwrite("mtcnn_fallback_threshold", &DetectorOptions::mtcnn_fallback_threshold);

  py::class_<arcface::Detector>(m, "Detector", R"doc(Face detector with five landmarks (YuNet or MTCNN).

Images are numpy uint8 arrays H x W x 3 in BGR order, as cv2.imread returns them (grey, BGRA and
uint16 images are converted; pass rgb=True for RGB arrays from PIL or matplotlib). Thread-safe:
the GIL is released during detection.)doc")
      .def(py::init([m](py::object options, py::kwargs kw) {
             DetectorOptions o = options.is_none() ? m.attr("DetectorOptions")(**kw).template cast<DetectorOptions>()
                                                   : options.cast<DetectorOptions>();
             py::gil_scoped_release nogil;
             return arcface::Detector(o);
           }),
           py::arg("options") = py::none(), "Detector(options=None, **DetectorOptions keywords)")
      .def(
          "detect",
          [](const arcface::Detector& d, const py::array& image, bool rgb) {
            py::object keep;
            const cv::Mat img = image_from_numpy(image, rgb, keep);
            py::gil_scoped_release nogil;
            return d.detect(img);
          },
          py::arg("image"), py::arg("rgb") = false, "Faces sorted by decreasing score (empty list when none).")
      .def_property_readonly("options", &arcface::Detector::options);
}

}  // namespace pyarcface
