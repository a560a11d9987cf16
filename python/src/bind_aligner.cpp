#include <pybind11/stl.h>

#include "arcface/aligner.hpp"
#include "bindings.hpp"
#include "convert.hpp"

namespace pyarcface {

void bind_aligner(py::module_& m) {
  py::class_<arcface::AlignmentTemplate>(m, "AlignmentTemplate", "Canonical landmark positions in a crop.")
      .def_static("arcface_112x112", &arcface::AlignmentTemplate::arcface_112x112)
      .def_static("sphereface_96x112", &arcface::AlignmentTemplate::sphereface_96x112)
      .def_static("by_name", &arcface::AlignmentTemplate::by_name)
      .def_readonly("name", &arcface::AlignmentTemplate::name)
      .def_property_readonly("size", [](const arcface::AlignmentTemplate& t) { return py::make_tuple(t.size.width, t.size.height); })
      .def_property_readonly("points", [](const arcface::AlignmentTemplate& t) {
        arcface::Face f;
        f.landmarks = t.points;
        return landmarks_to_numpy(f);
      });

  py::class_<arcface::Aligner>(m, "Aligner", "5-point similarity alignment to a template (returns BGR uint8 crops).")
      .def(py::init([](py::object tmpl) {
             return tmpl.is_none() ? arcface::Aligner()
                    : py::isinstance<py::str>(tmpl) ? arcface::Aligner(arcface::AlignmentTemplate::by_name(tmpl.cast<std::string>()))
                                                    : arcface::Aligner(tmpl.cast<arcface::AlignmentTemplate>());
           }),
           py::arg("template") = py::none())
      .def_property_readonly("template", &arcface::Aligner::alignment_template)
      .def(
          "transform",
          [](const arcface::Aligner& a, const py::array& landmarks) {
            arcface::Face f;
            landmarks_from_numpy(f, landmarks);
            cv::Mat t = a.transform(f.landmarks);
            py::array_t<double> out({2, 3});
            for (int r = 0; r < 2; ++r)
              for (int c = 0; c < 3; ++c) out.mutable_at(r, c) = t.at<double>(r, c);
            return out;
          },
          py::arg("landmarks"), "The 2x3 affine matrix mapping image coordinates into the crop.")
      .def(
          "align",
          [](const arcface::Aligner& a, const py::array& image, const arcface::Face& face, bool rgb) {
            py::object keep;
            const cv::Mat img = image_from_numpy(image, rgb, keep);
            cv::Mat crop;
            {
              py::gil_scoped_release nogil;
              crop = a.align(img, face);
            }
            return image_to_numpy(crop);
          },
          py::arg("image"), py::arg("face"), py::arg("rgb") = false)
      .def(
          "align_all",
          [](const arcface::Aligner& a, const py::array& image, const std::vector<arcface::Face>& faces, bool rgb) {
            py::object keep;
            const cv::Mat img = image_from_numpy(image, rgb, keep);
            std::vector<cv::Mat> crops;
            {
              py::gil_scoped_release nogil;
              crops = a.align(img, faces);
            }
            py::list out;
            for (const auto& c : crops) out.append(image_to_numpy(c));
            return out;
          },
          py::arg("image"), py::arg("faces"), py::arg("rgb") = false);
}

}  // namespace pyarcface
