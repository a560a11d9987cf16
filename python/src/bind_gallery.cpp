#include "arcface/gallery.hpp"
#include "arcface/cluster.hpp"

#include <functional>

#include <pybind11/functional.h>
#include <pybind11/stl.h>

#include "arcface/error.hpp"
#include "arcface/models.hpp"
#include "arcface/pipeline.hpp"
#include "bindings.hpp"
#include "convert.hpp"
#include "options.hpp"

namespace pyarcface {

namespace {
// The calibrated threshold of the model a gallery was made with (by name, in models_dir()).
float model_threshold(const std::string& embedder) {
  try {
    // A fused model "A+B": the mean of its members' thresholds, as the Embedder reports it.
    float sum = 0.f;
    int n = 0;
    std::size_t at = 0;
    for (;;) {
      const auto plus = embedder.find('+', at);
      const std::string member = embedder.substr(at, plus == std::string::npos ? std::string::npos : plus - at);
      sum += arcface::read_model_info(arcface::resolve_model(member, ".pt")).threshold, ++n;
      if (plus == std::string::npos) break;
      at = plus + 1;
    }
    return sum / static_cast<float>(n);
  } catch (const arcface::Error& e) {
    throw arcface::InputError("Gallery.identify: no threshold given and the gallery's embedder '" + embedder +
                              "' cannot be read for its calibrated one (" + e.what() + "); pass threshold=");
  }
}
}  // namespace

void bind_gallery(py::module_& m) {
  using arcface::Gallery;
  using arcface::GalleryOptions;
  OptionsClass<GalleryOptions>(m, "GalleryOptions", "Options of Gallery (the C++ GalleryOptions).")
      .field(
          "backend", [](const GalleryOptions& o) { return arcface::to_string(o.backend); },
          [](GalleryOptions& o, const std::string& b) { o.backend = arcface::search_backend_from_string(b); },
          "search backend: 'auto', 'exact', 'flat', 'hnsw', 'ivfpq'")
      .field(
          "match", [](const GalleryOptions& o) { return arcface::to_string(o.match); },
          [](GalleryOptions& o, const std::string& v) { o.match = arcface::match_mode_from_string(v); },
          "'template' (mean of each identity) or 'all' (every sample)")
      .field("auto_exact_limit", &GalleryOptions::auto_exact_limit, "'auto' searches exactly up to this many vectors")
      .field("threads", &GalleryOptions::threads, "search threads; 0 = all cores")
      .field("hnsw_m", &GalleryOptions::hnsw_m, "HNSW: neighbours per node")
      .field("hnsw_ef_construction", &GalleryOptions::hnsw_ef_construction, "HNSW: build-time beam width")
      .field("hnsw_ef_search", &GalleryOptions::hnsw_ef_search, "HNSW: search-time beam width")
      .field("hnsw_faiss_search", &GalleryOptions::hnsw_faiss_search, "HNSW: search with FAISS's own HNSW::search")
      .field("ivf_nlist", &GalleryOptions::ivf_nlist, "IVF: number of lists (0: about 4 sqrt(N))")
      .field("ivf_nprobe", &GalleryOptions::ivf_nprobe, "IVF: lists visited per query")
      .field("pq_m", &GalleryOptions::pq_m, "PQ: sub-quantisers (0: dimension / 8)")
      .field("exact_prefilter", &GalleryOptions::exact_prefilter, "exact search on large galleries: 8-bit first pass, then fp32 re-scoring (same results)")
      .done();

  py::class_<arcface::Match>(m, "Match", "A search hit: identity and cosine score.")
      .def_readonly("identity", &arcface::Match::identity)
      .def_readonly("score", &arcface::Match::score)
      .def("__iter__", [](const arcface::Match& x) { return py::iter(py::make_tuple(x.identity, x.score)); })
      .def("__repr__", [](const arcface::Match& x) {
        return "<pyarcface.Match " + x.identity + " " + std::to_string(x.score) + ">";
      });
  py::class_<arcface::Identification>(m, "Identification",
                                      "identify() result: identity ('' if unknown), score, known, best.")
      .def_readonly("identity", &arcface::Identification::identity)
      .def_readonly("score", &arcface::Identification::score)
      .def_readonly("known", &arcface::Identification::known)
      .def_readonly("best", &arcface::Identification::best)
      .def("__repr__", [](const arcface::Identification& x) {
        return "<pyarcface.Identification " + (x.known ? x.identity : "unknown (best " + x.best + ")") + " " +
               std::to_string(x.score) + ">";
      });

  auto options_from = [m](py::object options, const py::kwargs& kw) {
    return options.is_none() ? m.attr("GalleryOptions")(**kw).cast<GalleryOptions>() : options.cast<GalleryOptions>();
  };
  py::class_<Gallery>(m, "Gallery",
                      "Enrolled identities and their embeddings; search / identify probes. Thread-safe; "
                      "the GIL is released during enrollment and search.")
      .def(py::init([options_from](const std::string& embedder, int dimension, py::object options, py::kwargs kw) {
             return Gallery(embedder, dimension, options_from(options, kw));
           }),
           py::arg("embedder"), py::arg("dimension"), py::arg("options") = py::none(),
           "Gallery(embedder_name, dimension, options=None, **GalleryOptions keywords)")
      .def(py::init([options_from](const arcface::Pipeline& p, py::object options, py::kwargs kw) {
             return Gallery(p, options_from(options, kw));
           }),
           py::arg("pipeline"), py::arg("options") = py::none(), "Gallery(pipeline, ...): for the pipeline's embedder")
      .def(
          "enroll",
          [](Gallery& g, const std::string& identity, const py::array& embeddings) {
            const auto e = embeddings_from_numpy(embeddings, "embeddings");
            py::gil_scoped_release nogil;
            g.enroll(identity, e);
          },
          py::arg("identity"), py::arg("embeddings"), "Add (N, D) or (D,) embeddings as samples of identity.")
      .def(
          "enroll_many",
          [](Gallery& g, const std::vector<std::string>& identities, const py::array& embeddings) {
            const auto e = embeddings_from_numpy(embeddings, "embeddings");
            py::gil_scoped_release nogil;
            g.enroll(identities, e);
          },
          py::arg("identities"), py::arg("embeddings"), "Row i of embeddings is a sample of identities[i].")
      .def(
          "enroll_images",
          [](Gallery& g, const std::string& identity, py::iterable images_in, const arcface::Pipeline& pipeline,
             py::object rgb) {
            if (py::isinstance<py::str>(images_in) || py::hasattr(images_in, "__fspath__") || py::isinstance<py::array>(images_in))
              throw py::type_error("enroll_images: images must be a list of images (paths, PIL images or arrays)");
            std::vector<py::object> images;
            for (auto im : images_in) images.push_back(py::reinterpret_borrow<py::object>(im));
            std::vector<cv::Mat> mats;
            std::vector<py::object> keep(images.size());
            for (std::size_t i = 0; i < images.size(); ++i) mats.push_back(image_from_python(images[i], rgb, keep[i]));
            py::gil_scoped_release nogil;
            return g.enroll(identity, mats, pipeline);
          },
          py::arg("identity"), py::arg("images"), py::arg("pipeline"), py::arg("rgb") = py::none(),
          "Enroll the largest face of each image; returns how many images had a face.")
      .def("remove", &Gallery::remove, py::arg("identity"))
      .def(
          "search",
          [](const Gallery& g, const py::array& probes, int k) -> py::object {
            const auto p = embeddings_from_numpy(probes, "probes");
            std::vector<std::vector<arcface::Match>> r;
            {
              py::gil_scoped_release nogil;
              r = g.search(p, k);
            }
            if (probes.ndim() == 1) return py::cast(r.front());
            return py::cast(r);
          },
          py::arg("probes"), py::arg("k") = 5,
          "k best (identity, score) per probe: a list for a (D,) probe, a list of lists for (N, D).")
      .def(
          "identify",
          [](const Gallery& g, const py::array& probes, py::object threshold_in) -> py::object {
            const auto p = embeddings_from_numpy(probes, "probes");
            const float threshold = threshold_in.is_none() ? model_threshold(g.embedder()) : threshold_in.cast<float>();
            std::vector<arcface::Identification> r;
            {
              py::gil_scoped_release nogil;
              r = g.identify(p, threshold);
            }
            if (probes.ndim() == 1) return py::cast(r.front());
            return py::cast(r);
          },
          py::arg("probes"), py::arg("threshold") = py::none(),
          "Best identity per probe, known when its score >= threshold (None: the calibrated threshold of\n"
          "the gallery's embedder model, read from its metadata). An Identification for a (D,) probe, a list\n"
          "for (N, D).")
      .def("__len__", &Gallery::size)
      .def("__repr__", [](const Gallery& g) {
        return "<pyarcface.Gallery " + std::to_string(g.size()) + " identities, " + std::to_string(g.num_samples()) +
               " samples, " + g.embedder() + " " + std::to_string(g.dimension()) + "-d, " +
               arcface::to_string(g.active_backend()) + ">";
      })
      .def("__contains__", &Gallery::contains)
      .def_property_readonly("num_samples", [](const Gallery& g) { return g.num_samples(); })
      .def("identities", &Gallery::identities)
      .def("samples", [](const Gallery& g, const std::string& id) { return to_numpy(g.samples(id)); }, py::arg("identity"))
      .def_property_readonly("embedder", &Gallery::embedder)
      .def_property_readonly("dimension", &Gallery::dimension)
      .def_property_readonly("active_backend", [](const Gallery& g) { return arcface::to_string(g.active_backend()); })
      .def_property_readonly("memory_bytes", &Gallery::memory_bytes)
      .def("set_search_effort", &Gallery::set_search_effort, py::arg("hnsw_ef_search") = 0, py::arg("ivf_nprobe") = 0,
           py::call_guard<py::gil_scoped_release>(),
           "HNSW beam width / IVF lists probed for later searches (values < 1 keep the current one).")
      .def("set_hnsw_faiss_search", &Gallery::set_hnsw_faiss_search, py::arg("on"),
           py::call_guard<py::gil_scoped_release>(),
           "Search the HNSW graph with FAISS's own HNSW::search (True) or this library's (False).")
      .def_property_readonly(
          "options", [](const Gallery& g) { return GalleryOptions(g.options()); },
          "A copy of the GalleryOptions in force (with the current search effort).")
      .def(
          "save",
          [](const Gallery& g, py::object path_in) {
            const std::string path = path_from_python(path_in);
            py::gil_scoped_release nogil;
            g.save(path);
          },
          py::arg("path"), "Write atomically (temp file + rename).")
      .def_static(
          "load",
          [options_from](py::object path_in, py::object options, py::kwargs kw) {
            const std::string path = path_from_python(path_in);
            const GalleryOptions o = options_from(options, kw);
            py::gil_scoped_release nogil;
            return Gallery::load(path, o);
          },
          py::arg("path"), py::arg("options") = py::none())
      .def_property_readonly("flip_policy", &Gallery::flip_policy,
                             "Flip policy of the embedder ('none', 'sum', 'concat'), '' when not recorded.");

  // The file lock of Gallery.update (defined in pyarcface/__init__.py, so that `edit` receives an
  // ordinary Python-owned Gallery). Blocking acquisition releases the GIL.
  struct HeldLock {
    std::unique_ptr<arcface::GalleryFileLock> lock;
  };
  py::class_<HeldLock>(m, "_GalleryFileLock")
      .def(py::init([](const std::string& path) {
             py::gil_scoped_release nogil;
             return HeldLock{std::make_unique<arcface::GalleryFileLock>(path)};
           }),
           py::arg("path"))
      .def_property_readonly("nested", [](const HeldLock& l) { return l.lock && l.lock->nested(); })
      .def("release", [](HeldLock& l) { l.lock.reset(); }, "Release the lock (idempotent).");

  m.def(
      "cluster_faces",
      [](const py::array& embeddings, float threshold, int iterations, std::uint64_t seed) {
        const auto e = embeddings_from_numpy(embeddings, "embeddings");
        arcface::ClusterOptions o;
        o.threshold = threshold;
        o.iterations = iterations;
        o.seed = seed;
        py::gil_scoped_release nogil;
        return arcface::cluster_faces(e, o);
      },
      py::arg("embeddings"), py::arg("threshold") = 0.60f, py::arg("iterations") = 50, py::arg("seed") = 0,
      "Chinese-whispers clustering of unit rows; returns one label per row (0 = largest cluster).");
  py::class_<arcface::PairwiseScores>(m, "PairwiseScores")
      .def_readonly("precision", &arcface::PairwiseScores::precision)
      .def_readonly("recall", &arcface::PairwiseScores::recall)
      .def_readonly("f1", &arcface::PairwiseScores::f1)
      .def_readonly("predicted_pairs", &arcface::PairwiseScores::predicted_pairs)
      .def_readonly("true_pairs", &arcface::PairwiseScores::true_pairs)
      .def_readonly("correct_pairs", &arcface::PairwiseScores::correct_pairs);
  m.def("pairwise_scores", &arcface::pairwise_scores, py::arg("predicted"), py::arg("truth"),
        "Pairwise precision / recall / F1 of a clustering against true labels.");
}

}  // namespace pyarcface
