#include <pybind11/stl.h>

#include "arcface/image.hpp"
#include "arcface/models.hpp"
#include "arcface/npy.hpp"
#include "bindings.hpp"
#include "convert.hpp"

namespace pyarcface {

void bind_io(py::module_& m) {
  m.def(
      "read_image", [](const std::string& path) { return image_to_numpy(arcface::read_image(path)); }, py::arg("path"),
      "Read an image file as a BGR uint8 array (H, W, 3). Raises pyarcface.IOError.");
  m.def("models_dir", &arcface::models_dir, "The models directory in effect ($ARCFACE_MODELS or the built-in one).");
}

}  // namespace pyarcface
