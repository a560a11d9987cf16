#include <pybind11/stl.h>

#include "arcface/detector.hpp"
#include "bindings.hpp"
#include "convert.hpp"
#include "options.hpp"

namespace pyarcface {

void bind_detector(py::module_& m) {
  using arcface::DetectorOptions;
  OptionsClass<DetectorOptions>(m, "DetectorOptions", "Options of Detector (the C++ DetectorOptions).")
      .field(
          "backend", [](const DetectorOptions& o) { return arcface::to_string(o.backend); },
          [](DetectorOptions& o, const std::string& b) { o.backend = arcface::detector_backend_from_string(b); },
          "'auto' (YuNet when installed, else MTCNN), 'yunet' or 'mtcnn'")
      .field("model", &DetectorOptions::model, "model file or name; '' = the backend's default")
      .field("score_threshold", &DetectorOptions::score_threshold, "minimum face score; negative = backend default")
      .field("nms_threshold", &DetectorOptions::nms_threshold, "NMS IoU; negative = backend default")
      .field("min_face_size", &DetectorOptions::min_face_size, "smaller faces (pixels) are dropped")
      .field("max_input_side", &DetectorOptions::max_input_side,
             "downscale larger images for detection; 0 never; negative = backend default")
      .field("min_input_side", &DetectorOptions::min_input_side, "upscale smaller images for detection; 0 never")
      .field("threads", &DetectorOptions::threads, "intra-op threads; 0 keeps the current setting")
      .field("mtcnn_thresholds", &DetectorOptions::mtcnn_thresholds, "MTCNN P-, R-, O-Net score thresholds")
      .field("mtcnn_nms_thresholds", &DetectorOptions::mtcnn_nms_thresholds, "MTCNN NMS thresholds of the three stages")
      .field("mtcnn_scale_factor", &DetectorOptions::mtcnn_scale_factor, "MTCNN image pyramid factor")
      .field("fine_input_side", &DetectorOptions::fine_input_side,
             "cascade: YuNet's second, finer pass (at most this side); 0 off; negative = default")
      .field("mtcnn_fallback", &DetectorOptions::mtcnn_fallback, "cascade: MTCNN when YuNet finds no face")
      .field("mtcnn_fallback_threshold", &DetectorOptions::mtcnn_fallback_threshold,
             "cascade: minimum score of the MTCNN fallback's faces")
      .field("fine_verify_threshold", &DetectorOptions::fine_verify_threshold,
             "cascade: minimum MTCNN O-Net score of a fine-pass face when the first pass found none; 0 off")
      .done();

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
          [](const arcface::Detector& d, py::object image, py::object rgb) {
            py::object keep;
            const cv::Mat img = image_from_python(image, rgb, keep);
            py::gil_scoped_release nogil;
            return d.detect(img);
          },
          py::arg("image"), py::arg("rgb") = py::none(),
          "Faces sorted by decreasing score (empty list when none). image: a path, a PIL image or a numpy\n"
          "array (BGR unless rgb=True).")
      .def_property_readonly("options", &arcface::Detector::options)
      .def("__repr__", [](const arcface::Detector& d) {
        const auto& o = d.options();
        return "<pyarcface.Detector " + arcface::to_string(o.backend) + (o.model.empty() ? "" : " " + o.model) + ">";
      });
}

}  // namespace pyarcface
