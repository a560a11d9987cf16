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
  m.def("models_dir", &arcface::models_dir,
        "The models directory in effect: $ARCFACE_MODELS, else the first existing directory of model_search_path().");
  m.def("user_models_dir", &arcface::user_models_dir,
        "$XDG_DATA_HOME/arcface/models (default ~/.local/share/arcface/models), which `arcface models install` fills.");
  m.def("model_search_path", &arcface::model_search_path,
        "Every directory a model name is looked up in, in order: $ARCFACE_MODELS alone when set, else the user's "
        "directory, the system directories and the build tree's models/ (not in the wheel).");
}

}  // namespace pyarcface
