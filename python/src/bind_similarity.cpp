#include "arcface/similarity.hpp"
#include "arcface/error.hpp"
#include "bindings.hpp"
#include "convert.hpp"

namespace pyarcface {

void bind_similarity(py::module_& m) {
  py::class_<arcface::Verification>(m, "Verification")
      .def_readonly("similarity", &arcface::Verification::similarity)
      .def_readonly("threshold", &arcface::Verification::threshold)
      .def_readonly("same", &arcface::Verification::same)
      .def("__repr__", [](const arcface::Verification& v) {
        return "<pyarcface.Verification similarity=" + std::to_string(v.similarity) +
               " threshold=" + std::to_string(v.threshold) + (v.same ? " same>" : " different>");
      });
  py::class_<arcface::Similarity>(m, "Similarity", "Cosine similarity (static methods).")
      .def_static(
          "cosine",
          [](const py::array& a, const py::array& b) {
            const auto x = embeddings_from_numpy(a, "a"), y = embeddings_from_numpy(b, "b");
            if (x.rows() != 1 || y.rows() != 1) throw arcface::InputError("cosine takes two vectors");
            return arcface::Similarity::cosine(x.row(0), y.row(0));
          },
          py::arg("a"), py::arg("b"))
      .def_static(
          "matrix",
          [](const py::array& a, const py::array& b, bool normalize) {
            const auto x = embeddings_from_numpy(a, "a"), y = embeddings_from_numpy(b, "b");
            arcface::Embeddings out;
            {
              py::gil_scoped_release nogil;
              out = arcface::Similarity::matrix(x, y, normalize);
            }
            return to_numpy(std::move(out));
          },
          py::arg("a"), py::arg("b"), py::arg("normalize") = false,
          "(N, M) cosines between the rows of a and b (rows assumed normalised unless normalize=True).")
      .def_static(
          "verify",
          [](const py::array& a, const py::array& b, float threshold) {
            const auto x = embeddings_from_numpy(a, "a"), y = embeddings_from_numpy(b, "b");
            if (x.rows() != 1 || y.rows() != 1) throw arcface::InputError("verify takes two vectors");
            return arcface::Similarity::verify(x.row(0), y.row(0), threshold);
          },
          py::arg("a"), py::arg("b"), py::arg("threshold"));
}

}  // namespace pyarcface
