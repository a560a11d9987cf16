// pyarcface: Python bindings over the arcface C++ library (one binding file per class).
#include "arcface/version.hpp"
#include "bindings.hpp"

PYBIND11_MODULE(_pyarcface, m) {
  m.doc() = "arcface face recognition: detection, alignment, embeddings, similarity (C++ core)";
  m.attr("__version__") = arcface::kVersion;
  pyarcface::bind_errors(m);
  pyarcface::bind_face(m);
  pyarcface::bind_detector(m);
  pyarcface::bind_aligner(m);
  pyarcface::bind_embedder(m);
  pyarcface::bind_similarity(m);
  pyarcface::bind_pipeline(m);
  pyarcface::bind_io(m);
  pyarcface::bind_eval(m);
  pyarcface::bind_gallery(m);
  pyarcface::bind_viz(m);
  pyarcface::bind_train(m);
  pyarcface::bind_models(m);
  pyarcface::bind_tracker(m);
}
