#include "arcface/gallery.hpp"
#include "arcface/cluster.hpp"

#include <functional>

#include <pybind11/functional.h>
#include <pybind11/stl.h>

#include "arcface/error.hpp"
#include "arcface/pipeline.hpp"
#include "bindings.hpp"
#include "convert.hpp"

namespace pyarcface {

void bind_gallery(py::module_& m) {
  using arcface::Gallery;
  using arcface::GalleryOptions;
  py::class_<GalleryOptions>(m, "GalleryOptions", "Options of Gallery (see the C++ GalleryOptions).")
      .def(py::init([](const std::string& backend, const std::string& match, std::size_t auto_exact_limit, int threads,
                       int hnsw_m, int hnsw_ef_construction, int hnsw_ef_search, bool hnsw_faiss_search, int ivf_nlist,
                       int ivf_nprobe, int pq_m) {
             GalleryOptions o;
             o.backend = arcface::search_backend_from_string(backend);
             o.match = arcface::match_mode_from_string(match);
             o.auto_exact_limit = auto_exact_limit;
             o.threads = threads;
             o.hnsw_m = hnsw_m;
             o.hnsw_ef_construction = hnsw_ef_construction;
             o.hnsw_ef_search = hnsw_ef_search;
             o.hnsw_faiss_search = hnsw_faiss_search;
             o.ivf_nlist = ivf_nlist;
             o.ivf_nprobe = ivf_nprobe;
             o.pq_m = pq_m;
             return o;
           }),
           py::arg("backend") = "auto", py::arg("match") = "template", py::arg("auto_exact_limit") = 2000000,
           py::arg("threads") = 0, py::arg("hnsw_m") = 32, py::arg("hnsw_ef_construction") = 64,
           py::arg("hnsw_ef_search") = 128, py::arg("hnsw_faiss_search") = false, py::arg("ivf_nlist") = 0, py::arg("ivf_nprobe") = 32, py::arg("pq_m") = 0)
      .def_property_readonly("backend", [](const GalleryOptions& o) { return arcface::to_string(o.backend); })
      .def_property_readonly("match", [](const GalleryOptions& o) { return arcface::to_string(o.match); })
      .def_readwrite("auto_exact_limit", &GalleryOptions::auto_exact_limit)
      .def_readwrite("threads", &GalleryOptions::threads)
      .def_readwrite("hnsw_ef_search", &GalleryOptions::hnsw_ef_search)
      .def_readwrite("hnsw_faiss_search", &GalleryOptions::hnsw_faiss_search)
      .def_readwrite("ivf_nprobe", &GalleryOptions::ivf_nprobe);

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
          [](Gallery& g, const std::string& identity, const std::vector<py::array>& images,
             const arcface::Pipeline& pipeline, bool rgb) {
            std::vector<cv::Mat> mats;
            std::vector<py::object> keep(images.size());
            for (std::size_t i = 0; i < images.size(); ++i) mats.push_back(image_from_numpy(images[i], rgb, keep[i]));
            py::gil_scoped_release nogil;
            return g.enroll(identity, mats, pipeline);
          },
          py::arg("identity"), py::arg("images"), py::arg("pipeline"), py::arg("rgb") = false,
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
          [](const Gallery& g, const py::array& probes, float threshold) -> py::object {
            const auto p = embeddings_from_numpy(probes, "probes");
            std::vector<arcface::Identification> r;
            {
              py::gil_scoped_release nogil;
              r = g.identify(p, threshold);
            }
            if (probes.ndim() == 1) return py::cast(r.front());
            return py::cast(r);
          },
          py::arg("probes"), py::arg("threshold"))
      .def("__len__", &Gallery::size)
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
          [](const Gallery& g, const std::string& path) {
            py::gil_scoped_release nogil;
            g.save(path);
          },
          py::arg("path"), "Write atomically (temp file + rename).")
      .def_static(
          "load",
          [options_from](const std::string& path, py::object options, py::kwargs kw) {
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
