#include "convert.hpp"

#include <cstring>

#include <opencv2/imgproc.hpp>

#include "arcface/error.hpp"
#include "arcface/image.hpp"

namespace pyarcface {

cv::Mat image_from_numpy(const py::array& array, bool rgb, py::object& keep) {
  const auto dt = array.dtype();
  int depth;
  if (dt.is(py::dtype::of<uint8_t>())) depth = CV_8U;
  else if (dt.is(py::dtype::of<uint16_t>())) depth = CV_16U;
  else throw arcface::InputError("image must be a uint8 or uint16 numpy array, got dtype " + py::str(static_cast<py::handle>(dt)).cast<std::string>());
  const auto nd = array.ndim();
  if (nd != 2 && nd != 3) throw arcface::InputError("image must have shape (H, W) or (H, W, C), got " + std::to_string(nd) + " dimensions");
  constexpr py::ssize_t kMaxSide = 1 << 30;  // cv::Mat sizes are int
  for (py::ssize_t i = 0; i < nd; ++i)
    if (array.shape(i) > kMaxSide)
      throw arcface::InputError("image dimension " + std::to_string(i) + " is " + std::to_string(array.shape(i)) +
                                ", larger than an image can be (" + std::to_string(kMaxSide) + ")");
  const int h = static_cast<int>(array.shape(0)), w = static_cast<int>(array.shape(1));
  const int c = nd == 3 ? static_cast<int>(array.shape(2)) : 1;
  if (c != 1 && c != 3 && c != 4) throw arcface::InputError("image must have 1, 3 or 4 channels, got " + std::to_string(c));
  if (h == 0 || w == 0) throw arcface::InputError("image is empty (shape " + std::to_string(h) + " x " + std::to_string(w) + ")");
  // C-contiguous view or copy (slices, negative strides, Fortran order).
  py::array contiguous = py::array::ensure(array, py::array::c_style);
  if (!contiguous) throw arcface::InputError("cannot read the image array");
  keep = contiguous;
  cv::Mat m(h, w, CV_MAKETYPE(depth, c), const_cast<void*>(contiguous.data()));
  if (rgb && c >= 3) {
    cv::Mat bgr;
    cv::cvtColor(m, bgr, c == 3 ? cv::COLOR_RGB2BGR : cv::COLOR_RGBA2BGRA);
    return bgr;
  }
  return m;
}

std::string path_from_python(py::handle obj, const char* what) {
  if (py::isinstance<py::str>(obj) || py::isinstance<py::bytes>(obj) || py::hasattr(obj, "__fspath__")) {
    py::object p = py::module_::import("os").attr("fsdecode")(obj);
    return p.cast<std::string>();
  }
  throw py::type_error(std::string(what) + " must be a str or os.PathLike, got " +
                       py::str(py::type::of(obj).attr("__name__")).cast<std::string>());
}

namespace {
bool is_pil_image(py::handle obj) {
  const std::string module = py::str(py::type::of(obj).attr("__module__"));
  return module.rfind("PIL.", 0) == 0 && py::hasattr(obj, "mode") && py::hasattr(obj, "convert");
}
}  // namespace

cv::Mat image_from_python(py::handle obj, py::handle rgb, py::object& keep) {
  if (py::isinstance<py::str>(obj) || py::isinstance<py::bytes>(obj) || py::hasattr(obj, "__fspath__")) {
    const std::string path = path_from_python(obj, "image path");
    py::gil_scoped_release nogil;
    return arcface::read_image(path);
  }
  if (is_pil_image(obj)) {
    if (!rgb.is_none() && !rgb.cast<bool>())
      throw arcface::InputError("a PIL image is RGB: rgb=False applies only to BGR numpy arrays (leave rgb unset)");
    const std::string mode = py::str(obj.attr("mode"));
    py::object img = py::reinterpret_borrow<py::object>(obj);
    if (mode != "RGB" && mode != "RGBA" && mode != "L") img = img.attr("convert")("RGB");
    py::array a = py::module_::import("numpy").attr("asarray")(img);
    return image_from_numpy(a, true, keep);
  }
  if (py::isinstance<py::array>(obj))
    return image_from_numpy(py::reinterpret_borrow<py::array>(obj), !rgb.is_none() && rgb.cast<bool>(), keep);
  throw py::type_error("image must be a file path (str or pathlib.Path), a PIL image or a numpy array, got " +
                       py::str(py::type::of(obj).attr("__name__")).cast<std::string>());
}

py::array image_to_numpy(const cv::Mat& image) {
  cv::Mat m = image.isContinuous() ? image : image.clone();
  std::vector<py::ssize_t> shape{m.rows, m.cols};
  if (m.channels() > 1) shape.push_back(m.channels());
  py::array_t<uint8_t> out(shape);
  std::memcpy(out.mutable_data(), m.data, m.total() * m.elemSize());
  return std::move(out);
}

py::array_t<float> to_numpy(arcface::Embeddings&& m) {
  auto* owned = new arcface::Embeddings(std::move(m));
  py::capsule free_when_done(owned, [](void* p) { delete static_cast<arcface::Embeddings*>(p); });
  return py::array_t<float>({static_cast<py::ssize_t>(owned->rows()), static_cast<py::ssize_t>(owned->cols())},
                            {static_cast<py::ssize_t>(sizeof(float) * owned->cols()), static_cast<py::ssize_t>(sizeof(float))},
                            owned->data(), free_when_done);
}

arcface::Embeddings embeddings_from_numpy(const py::array& array, const char* what) {
  if (!(array.dtype().kind() == 'f' || array.dtype().kind() == 'i' || array.dtype().kind() == 'u'))
    throw arcface::InputError(std::string(what) + " must be a numeric array");
  auto a = py::array_t<float, py::array::c_style | py::array::forcecast>::ensure(array);
  if (!a) throw arcface::InputError(std::string(what) + ": cannot convert to float32");
  if (a.ndim() > 2) throw arcface::InputError(std::string(what) + " must have shape (N, D) or (D,)");
  for (py::ssize_t i = 0; i < a.ndim(); ++i)
    if (a.shape(i) > (1LL << 40)) throw arcface::InputError(std::string(what) + " is too large");
  if (a.ndim() == 1) {
    arcface::Embeddings m(1, a.shape(0));
    std::memcpy(m.data(), a.data(), sizeof(float) * m.size());
    return m;
  }
  if (a.ndim() != 2) throw arcface::InputError(std::string(what) + " must have shape (N, D) or (D,)");
  arcface::Embeddings m(a.shape(0), a.shape(1));
  if (m.size()) std::memcpy(m.data(), a.data(), sizeof(float) * m.size());
  return m;
}

py::array_t<float> landmarks_to_numpy(const arcface::Face& f) {
  py::array_t<float> out({5, 2});
  auto r = out.mutable_unchecked<2>();
  for (int i = 0; i < 5; ++i) r(i, 0) = f.landmarks[i].x, r(i, 1) = f.landmarks[i].y;
  return out;
}

void landmarks_from_numpy(arcface::Face& f, const py::array& a) {
  auto l = py::array_t<float, py::array::c_style | py::array::forcecast>::ensure(a);
  if (!l || l.ndim() != 2 || l.shape(0) != 5 || l.shape(1) != 2) throw arcface::InputError("landmarks must have shape (5, 2)");
  for (int i = 0; i < 5; ++i) f.landmarks[i] = {l.at(i, 0), l.at(i, 1)};
}

}  // namespace pyarcface
