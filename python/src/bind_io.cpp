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
  m.def("max_image_pixels", &arcface::max_image_pixels,
        "The largest image (width x height) read_image and the file-reading functions decode "
        "($ARCFACE_MAX_PIXELS or 200 megapixels).");
  m.def("set_max_image_pixels", &arcface::set_max_image_pixels, py::arg("pixels"),
        "Change max_image_pixels() for the whole process. Raises InputError for 0.");
  m.def("models_dir", &arcface::models_dir, "The models directory in effect ($ARCFACE_MODELS or the built-in one).");
}

}  // namespace pyarcface
