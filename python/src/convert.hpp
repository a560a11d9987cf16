#pragma once
// numpy <-> cv::Mat / Eigen conversion: the only place the bindings touch array memory.
#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>

#include <opencv2/core/mat.hpp>

#include "arcface/embedder.hpp"
#include "arcface/face.hpp"

namespace pyarcface {
namespace py = pybind11;

/// A numpy image (H x W, H x W x 1/3/4; uint8 or uint16) as a cv::Mat. BGR order is expected,
/// as cv2.imread returns; rgb=True converts from RGB (PIL, matplotlib). Non-contiguous arrays
/// (slices, transposes) are copied; contiguous ones are wrapped without a copy, so @p keep must
/// outlive the returned Mat. Raises InputError for other dtypes or shapes.
cv::Mat image_from_numpy(const py::array& array, bool rgb, py::object& keep);

/// A path argument: str, bytes or any os.PathLike (pathlib.Path). @throws TypeError otherwise.
std::string path_from_python(py::handle obj, const char* what = "path");

/// Any image a Python caller may hold, as a BGR cv::Mat:
///  - a path (str or os.PathLike): read with arcface::read_image;
///  - a PIL image: RGB by definition (other modes are converted to RGB first); rgb=False is refused;
///  - a numpy array: as image_from_numpy, BGR unless rgb is True (rgb=None means BGR).
/// @throws TypeError for other objects, InputError / IoError as the readers.
cv::Mat image_from_python(py::handle obj, py::handle rgb, py::object& keep);

/// A cv::Mat (8-bit, 1 or 3 channels) as a new numpy array.
py::array image_to_numpy(const cv::Mat& image);

/// Embeddings as a float32 (N, D) numpy array that takes ownership (no copy).
py::array_t<float> to_numpy(arcface::Embeddings&& m);

/// A (N, D) or (D,) numpy array as row-major float embeddings (copied; float64 is converted).
arcface::Embeddings embeddings_from_numpy(const py::array& array, const char* what);

/// Face landmarks as a (5, 2) float32 array, and back.
py::array_t<float> landmarks_to_numpy(const arcface::Face& f);
void landmarks_from_numpy(arcface::Face& f, const py::array& a);

}  // namespace pyarcface
