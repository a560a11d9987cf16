#include <pybind11/stl.h>

#include "arcface/pipeline.hpp"
#include "bindings.hpp"
#include "convert.hpp"

namespace pyarcface {

namespace {
// faces[i] as a Python Face that carries row i of the embeddings (Face.embedding).
py::list faces_with_embeddings(const arcface::PipelineResult& r) {
  py::list out;
  for (std::size_t i = 0; i < r.faces.size(); ++i) {
    py::object face = py::cast(r.faces[i]);
    if (static_cast<Eigen::Index>(i) < r.embeddings.rows())
      face.attr("__dict__")["_embedding"] = to_numpy(arcface::Embeddings(r.embeddings.row(static_cast<Eigen::Index>(i))))[py::int_(0)];
    out.append(face);
  }
  return out;
}

template <class T>
T options_or_name(py::object value, const char* what) {
  T o;
  if (value.is_none()) return o;
  if (py::isinstance<T>(value)) return value.cast<T>();
  if (py::isinstance<py::str>(value)) {
    if constexpr (std::is_same_v<T, arcface::DetectorOptions>) o.backend = arcface::detector_backend_from_string(value.cast<std::string>());
    else o.model = value.cast<std::string>();
    return o;
  }
  throw py::type_error(std::string("Pipeline: ") + what + " must be None, a str or " +
                       (std::is_same_v<T, arcface::DetectorOptions> ? "DetectorOptions" : "EmbedderOptions") + ", got " +
                       py::str(py::type::of(value).attr("__name__")).cast<std::string>());
}
}  // namespace

void bind_pipeline(py::module_& m) {
  py::class_<arcface::PipelineResult>(m, "PipelineResult", R"doc(Faces of one image and their embeddings.

Behaves as a list of Face: len(result), result[i], `for face in result`; each Face carries its
embedding (face.embedding). result.embeddings is the (N, D) float32 matrix, row i for faces[i].)doc")
      .def_property_readonly("faces", &faces_with_embeddings, "list of Face, each with its embedding")
      .def_property_readonly("embeddings", [](const arcface::PipelineResult& r) {
        return to_numpy(arcface::Embeddings(r.embeddings));
      }, "(N, D) float32, unit rows")
      .def("__len__", [](const arcface::PipelineResult& r) { return r.faces.size(); })
      .def("__bool__", [](const arcface::PipelineResult& r) { return !r.faces.empty(); })
      .def("__getitem__", [](const arcface::PipelineResult& r, py::object index) -> py::object {
        py::list faces = faces_with_embeddings(r);
        return faces.attr("__getitem__")(index);
      })
      .def("__iter__", [](const arcface::PipelineResult& r) { return py::iter(faces_with_embeddings(r)); })
      .def("__repr__", [](const arcface::PipelineResult& r) {
        return "<pyarcface.PipelineResult " + std::to_string(r.faces.size()) + " face(s), " +
               std::to_string(r.embeddings.cols()) + "-d>";
      });
  py::class_<arcface::Pipeline::FileResult>(m, "FileResult", "process_files outcome: path, result, error ('' if none).")
      .def_readonly("path", &arcface::Pipeline::FileResult::path)
      .def_readonly("result", &arcface::Pipeline::FileResult::result)
      .def_readonly("error", &arcface::Pipeline::FileResult::error)
      .def("__repr__", [](const arcface::Pipeline::FileResult& r) {
        return "<pyarcface.FileResult " + r.path + (r.error.empty() ? " " + std::to_string(r.result.faces.size()) + " face(s)>" : " error>");
      });
  py::class_<arcface::Pipeline>(m, "Pipeline", R"doc(detect -> align -> embed. Thread-safe; releases the GIL.

Pipeline(detector=None, embedder=None): detector is a DetectorOptions or a backend name ('auto',
'yunet', 'mtcnn'); embedder is an EmbedderOptions or a model name or path. Images may be paths
(str, pathlib.Path), PIL images (RGB) or numpy arrays (BGR as cv2.imread gives; rgb=True for RGB).)doc")
      .def(py::init([](py::object detector, py::object embedder) {
             arcface::PipelineOptions o;
             o.detector = options_or_name<arcface::DetectorOptions>(detector, "detector");
             o.embedder = options_or_name<arcface::EmbedderOptions>(embedder, "embedder");
             py::gil_scoped_release nogil;
             return arcface::Pipeline(o);
           }),
           py::arg("detector") = py::none(), py::arg("embedder") = py::none())
      .def(
          "process",
          [](const arcface::Pipeline& p, py::object image, py::object rgb) {
            py::object keep;
            const cv::Mat img = image_from_python(image, rgb, keep);
            py::gil_scoped_release nogil;
            return p.process(img);
          },
          py::arg("image"), py::arg("rgb") = py::none(),
          "Every face of one image (a path, a PIL image or a numpy array, BGR unless rgb=True).")
      .def(
          "process_file",
          [](const arcface::Pipeline& p, py::object path_in) {
            const std::string path = path_from_python(path_in);
            py::gil_scoped_release nogil;
            return p.process_file(path);
          },
          py::arg("path"), "Read an image file (str or os.PathLike) and process it.")
      .def(
          "process_files",
          [](const arcface::Pipeline& p, py::iterable paths_in, int workers) {
            if (py::isinstance<py::str>(paths_in)) throw py::type_error("process_files: paths must be a list of paths, got a str");
            std::vector<std::string> paths;
            for (auto x : paths_in) paths.push_back(path_from_python(x));
            py::gil_scoped_release nogil;
            return p.process_files(paths, workers);
          },
          py::arg("paths"), py::arg("workers") = 0,
          "Process many files in parallel C++ threads; results in input order, failures reported per file.")
      .def_property_readonly("detector", &arcface::Pipeline::detector, py::return_value_policy::reference_internal)
      .def_property_readonly("embedder", &arcface::Pipeline::embedder, py::return_value_policy::reference_internal)
      .def("__repr__", [](const arcface::Pipeline& p) {
        return "<pyarcface.Pipeline detector " + arcface::to_string(p.detector().options().backend) + ", embedder " +
               p.embedder().info().name + " (" + std::to_string(p.embedder().dimension()) + "-d)>";
      });
  m.def("largest_face", &arcface::largest_face, py::arg("faces"), "Index of the largest face, -1 for none.");
}

}  // namespace pyarcface
