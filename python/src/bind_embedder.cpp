#include <cstdio>
#include <pybind11/stl.h>

#include "arcface/embedder.hpp"
#include "arcface/error.hpp"
#include "bindings.hpp"
#include "convert.hpp"
#include "options.hpp"

namespace pyarcface {

void bind_embedder(py::module_& m) {
  using arcface::EmbedderOptions;
  using arcface::ModelInfo;
  OptionsClass<EmbedderOptions>(m, "EmbedderOptions", "Options of Embedder (the C++ EmbedderOptions).")
      .field("model", &EmbedderOptions::model, "model file or name; '' = the default embedder; 'A+B' fuses models")
      .field("batch_size", &EmbedderOptions::batch_size, "rows per network call")
      .field("threads", &EmbedderOptions::threads, "intra-op threads; 0 keeps the current setting")
      .field("optimize", &EmbedderOptions::optimize, "freeze and optimise the TorchScript module")
      .field(
          "flip", [](const EmbedderOptions& o) -> py::object {
            return o.flip ? py::object(py::str(arcface::to_string(*o.flip))) : py::object(py::none());
          },
          [](EmbedderOptions& o, py::object f) {
            if (f.is_none()) o.flip.reset();
            else o.flip = arcface::flip_policy_from_string(f.cast<std::string>());
          },
          "override the model's flip policy: 'none', 'sum', 'concat'; None = the model's")
      .field(
          "precision", [](const EmbedderOptions& o) { return arcface::to_string(o.precision); },
          [](EmbedderOptions& o, const std::string& p) { o.precision = arcface::precision_from_string(p); },
          "'fp32', 'bf16', 'int8' or 'auto' (the fastest precision the CPU and the model's records allow)")
      .done();

  py::class_<ModelInfo>(m, "ModelInfo", "What a model file says about itself (its arcface.json metadata).")
      .def_readonly("path", &ModelInfo::path)
      .def_readonly("name", &ModelInfo::name)
      .def_readonly("architecture", &ModelInfo::architecture)
      .def_readonly("input_width", &ModelInfo::input_width)
      .def_readonly("input_height", &ModelInfo::input_height)
      .def_readonly("rgb", &ModelInfo::rgb)
      .def_readonly("alignment", &ModelInfo::alignment)
      .def_property_readonly("flip", [](const ModelInfo& i) { return arcface::to_string(i.flip); })
      .def_readonly("network_output", &ModelInfo::network_output)
      .def_readonly("embedding_size", &ModelInfo::embedding_size)
      .def_readonly("threshold", &ModelInfo::threshold)
      .def_readonly("source_sha256", &ModelInfo::source_sha256)
      .def_readonly("metadata_json", &ModelInfo::metadata_json)
      .def_property_readonly(
          "precisions",
          [](const ModelInfo& i) {
            py::dict d;
            for (const auto& [p, r] : i.precisions)
              d[py::str(arcface::to_string(p))] =
                  py::dict(py::arg("lfw_view1_accuracy") = r.lfw_view1_accuracy, py::arg("ms_per_row") = r.ms_per_row);
            return d;
          },
          "Measured LFW View 1 accuracy and ms per network row by precision name.")
      .def("__repr__", [](const ModelInfo& i) { return "<pyarcface.ModelInfo " + i.name + " (" + i.architecture + ")>"; });
  m.def(
      "cpu_supports", [](const std::string& p) { return arcface::cpu_supports(arcface::precision_from_string(p)); },
      py::arg("precision"), "Whether this CPU has native instructions for 'fp32', 'bf16', 'int8' (or 'auto').");
  m.def("read_model_info", &arcface::read_model_info, py::arg("path"), "Read a model's metadata without loading it.");

  py::class_<arcface::Embedder>(m, "Embedder", R"doc(Aligned face crops -> L2-normalised embeddings.

embed() takes a list of BGR uint8 crops of the model's alignment size (as Aligner or
Embedder.aligner produce); embed_faces() takes an image and faces detected on it. Both return a
float32 array (N, dimension). Thread-safe; the GIL is released during inference.)doc")
      .def(py::init([m](py::object options, py::kwargs kw) {
             EmbedderOptions o = options.is_none() ? m.attr("EmbedderOptions")(**kw).template cast<EmbedderOptions>()
                                                   : options.cast<EmbedderOptions>();
             py::gil_scoped_release nogil;
             return arcface::Embedder(o);
           }),
           py::arg("options") = py::none(), "Embedder(options=None, **EmbedderOptions keywords)")
      .def_property_readonly("info", &arcface::Embedder::info)
      .def_property_readonly("dimension", &arcface::Embedder::dimension)
      .def_property_readonly(
          "precision", [](const arcface::Embedder& e) { return arcface::to_string(e.precision()); },
          "The precision the network runs in ('auto' resolved)")
      .def_property_readonly("aligner", &arcface::Embedder::aligner, py::return_value_policy::reference_internal)
      .def(
          "embed",
          [](const arcface::Embedder& e, const std::vector<py::array>& crops, bool rgb) {
            std::vector<py::object> keep(crops.size());
            std::vector<cv::Mat> mats;
            for (size_t i = 0; i < crops.size(); ++i) mats.push_back(image_from_numpy(crops[i], rgb, keep[i]));
            arcface::Embeddings out;
            {
              py::gil_scoped_release nogil;
              out = e.embed(mats);
            }
            return to_numpy(std::move(out));
          },
          py::arg("crops"), py::arg("rgb") = false)
      .def(
          "embed_faces",
          [](const arcface::Embedder& e, py::object image, const std::vector<arcface::Face>& faces, py::object rgb) {
            py::object keep;
            const cv::Mat img = image_from_python(image, rgb, keep);
            arcface::Embeddings out;
            {
              py::gil_scoped_release nogil;
              out = e.embed(img, faces);
            }
            return to_numpy(std::move(out));
          },
          py::arg("image"), py::arg("faces"), py::arg("rgb") = py::none(),
          "Align and embed faces detected on image (a path, a PIL image or a numpy array, BGR unless rgb=True).")
      .def(
          "forward_raw",
          [](const arcface::Embedder& e, const py::array& x) {
            auto a = py::array_t<float, py::array::c_style | py::array::forcecast>::ensure(x);
            if (!a || a.ndim() != 4) throw arcface::InputError("forward_raw expects an (N, 3, H, W) float array");
            std::vector<float> v(a.data(), a.data() + a.size());
            arcface::Embeddings out;
            {
              py::gil_scoped_release nogil;
              out = e.forward_raw(v, static_cast<int>(a.shape(0)));
            }
            return to_numpy(std::move(out));
          },
          py::arg("x"), "The bare network on preprocessed NCHW input; raw (unnormalised) output.")
      .def("__repr__", [](const arcface::Embedder& e) {
        char thr[32];
        std::snprintf(thr, sizeof thr, "%.4g", e.info().threshold);
        return "<pyarcface.Embedder " + e.info().name + " " + std::to_string(e.dimension()) + "-d threshold " + thr + ">";
      });
}

}  // namespace pyarcface
