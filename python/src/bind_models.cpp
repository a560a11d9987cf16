#include <pybind11/stl.h>

#include "arcface/error.hpp"
#include "arcface/model_import.hpp"
#include "bindings.hpp"

namespace pyarcface {

void bind_models(py::module_& m) {
  m.def(
      "import_onnx",
      [](const py::object& path, const std::string& name, const std::string& template_name, const std::string& color,
         std::optional<float> mean, std::optional<float> std, const std::string& flip, const py::object& models_dir,
         bool force, bool verbose) {
        arcface::OnnxImportOptions o;
        o.name = name;
        o.template_name = template_name;
        if (color != "RGB" && color != "BGR") throw arcface::InputError("color must be 'RGB' or 'BGR', not '" + color + "'");
        o.rgb = color == "RGB";
        o.mean = mean;
        o.std = std;
        o.flip = arcface::flip_policy_from_string(flip);
        o.force = force;
        if (!models_dir.is_none()) o.out_dir = py::str(models_dir);
        const std::string file = py::str(path);
        std::string log;
        arcface::ModelInfo info;
        {
          py::gil_scoped_release nogil;
          info = arcface::import_onnx(file, o, &log);
        }
        if (verbose) py::print(log, py::arg("end") = "");
        return info;
      },
      py::arg("path"), py::arg("name"), py::arg("template") = "arcface_112x112", py::arg("color") = "RGB",
      py::arg("mean") = py::none(), py::arg("std") = py::none(), py::arg("flip") = "sum",
      py::arg("models_dir") = py::none(), py::arg("force") = false, py::arg("verbose") = false,
      R"doc(Import an ONNX face embedder as NAME.pt in the models directory (or ``models_dir``).

The graph is converted to TorchScript by scripts/onnx_torch.py, checked against OpenCV DNN running
the same file, and written with its metadata: ``template`` (alignment), ``color`` ("RGB"/"BGR"),
``mean``/``std`` (input = (pixel - mean) / std; both None: 0/1 when the graph normalises its input
itself, else 127.5/127.5) and ``flip`` ("none", "sum", "concat"). Returns the new model's
ModelInfo; raises ModelError naming the file and the problem. Calibrate the threshold afterwards
(``arcface calibrate``).)doc");
}

}  // namespace pyarcface
