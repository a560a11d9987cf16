#pragma once
/// @file gallery.hpp
/// Identification: "who is this?" among enrolled people.

#include "arcface/export.hpp"
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include <opencv2/core.hpp>

#include "arcface/embeddings.hpp"

ARCFACE_API_BEGIN
namespace arcface {

class Pipeline;
struct ModelInfo;

/// Where the nearest neighbours are found.
enum class SearchBackend {
  Auto,        ///< Exact up to GalleryOptions::auto_exact_limit (2M) entries, FaissHnsw above
  Exact,       ///< one GEMM over a contiguous matrix (multi-threaded); results are exact
  FaissFlat,   ///< FAISS IndexFlatIP: exact as well (brute force inside FAISS)
  FaissHnsw,   ///< FAISS HNSW graph: approximate, fast at millions of entries, 4 bytes/dim + graph
  FaissIvfPq,  ///< FAISS IVF with product quantisation: approximate, compact (pq_m bytes per entry)
};
/// "auto", "exact", "flat", "hnsw", "ivfpq". @throws InputError for other names.
SearchBackend search_backend_from_string(const std::string& name);
std::string to_string(SearchBackend backend);

/// What an identity is matched by.
enum class MatchMode {
  /// One template per identity: the L2-normalised mean of its samples. Default: one entry per
  /// person makes search cost independent of photos per person (docs/gallery.md compares the
  /// two modes' accuracy).
  Template,
  /// Every enrolled sample is an entry; an identity's score is its best sample's.
  AllSamples,
};
/// "template" or "all". @throws InputError for other names.
MatchMode match_mode_from_string(const std::string& name);
std::string to_string(MatchMode mode);

struct GalleryOptions {
  SearchBackend backend = SearchBackend::Auto;
  MatchMode match = MatchMode::Template;
  /// Auto chooses Exact up to this many entries and FaissHnsw above (docs/gallery.md compares
  /// the backends' speed and recall).
  std::size_t auto_exact_limit = 2000000;
  /// Exact backend, galleries of 16k+ entries on CPUs with AVX-512 VNNI: a first pass over 8-bit
  /// copies of the entries with per-entry error bounds, then fp32 re-scoring of every entry that
  /// could be in the top k. Results are identical to the plain fp32 scan, faster on large
  /// galleries, for about 0.5 KB more per entry. false: fp32 scan only.
  bool exact_prefilter = true;
  /// Threads for the exact backend's GEMM and FAISS searches (0: all cores).
  int threads = 0;
  int hnsw_m = 32;                ///< HNSW: neighbours per node
  int hnsw_ef_construction = 64;  ///< HNSW: build-time beam width
  int hnsw_ef_search = 128;       ///< HNSW: search-time beam width (recall vs speed)
  /// HNSW: search the graph with FAISS's own HNSW::search instead of this library's beam search
  /// (same graph and visiting order, slower at large ef). For comparison only.
  bool hnsw_faiss_search = false;
  int ivf_nlist = 0;              ///< IVF: number of lists (0: about 4 sqrt(N), at least 16)
  int ivf_nprobe = 32;            ///< IVF: lists visited per query
  int pq_m = 0;                   ///< PQ: sub-quantisers of 8 bits each (0: dimension / 8, so 64 bytes at 512-d)
};

/// One search hit: an enrolled identity and its cosine similarity to the probe.
struct Match {
  std::string identity;
  float score = 0.f;
};

/// Outcome of Gallery::identify.
struct Identification {
  std::string identity;  ///< the best identity, or empty when unknown
  float score = 0.f;     ///< its score (also when below the threshold)
  bool known = false;    ///< score >= threshold
  std::string best;      ///< the best identity even when unknown (empty for an empty gallery)
};

/// A set of enrolled identities, each with one or more unit-norm embeddings of one embedder.
///
/// Contract: embeddings are rows of the embedder named at construction, of its dimension; a
/// gallery refuses embeddings of another dimension and pipelines of another embedder, and a
/// saved gallery remembers both. Probes must be unit-norm rows (as Embedder produces).
///
/// Thread safety: search/identify/save and the accessors may run concurrently from several
/// threads, also while another thread enrolls or removes (readers share a lock, writers take
/// it exclusively). Movable, not copyable.
class Gallery {
 public:
  /// @param embedder name of the embedder whose embeddings this gallery holds (ModelInfo::name)
  /// @param dimension embedding size
  /// @throws InputError for an empty name or a dimension < 1.
  Gallery(std::string embedder, int dimension, GalleryOptions options = {});
  /// As above, and @p flip, the embedder's flip policy ("none", "sum", "concat"), recorded so
  /// that embeddings made with another policy are refused (check_embedder); empty: not recorded.
  /// @throws InputError also for an unknown flip policy.
  Gallery(std::string embedder, int dimension, GalleryOptions options, std::string flip);
  /// An empty gallery for the embedder of @p pipeline (its name, dimension and flip policy).
  explicit Gallery(const Pipeline& pipeline, GalleryOptions options = {});
  ~Gallery();
  Gallery(Gallery&&) noexcept;
  Gallery& operator=(Gallery&&) noexcept;
  Gallery(const Gallery&) = delete;
  Gallery& operator=(const Gallery&) = delete;

  /// Add the rows of @p embeddings as samples of @p identity (created if new). Rows are
  /// re-normalised to unit length. @throws InputError for an empty identity, no rows, a wrong
  /// dimension or a non-finite / zero row.
  void enroll(const std::string& identity, const Embeddings& embeddings);
  /// Batch form: row i of @p embeddings is a sample of identities[i] (one index update for all).
  /// @throws InputError as above, or when the sizes differ.
  void enroll(const std::vector<std::string>& identities, const Embeddings& embeddings);
  /// Detect, align and embed each image with @p pipeline and enroll its largest face.
  /// @return the number of images enrolled; images without a face are skipped.
  /// @throws InputError when @p pipeline's embedder is not this gallery's, or no image had a face.
  std::size_t enroll(const std::string& identity, const std::vector<cv::Mat>& images, const Pipeline& pipeline);
  /// Remove an identity and its samples. @return false if it was not enrolled.
  bool remove(const std::string& identity);

  /// The @p k best identities for each probe row, best first (fewer when fewer are enrolled).
  /// @throws InputError for a wrong dimension or k < 1.
  std::vector<std::vector<Match>> search(const Embeddings& probes, int k) const;
  /// One probe (a 1 x D row or D-vector).
  std::vector<Match> search(const Eigen::VectorXf& probe, int k) const;
  /// The best identity for @p probe if its score reaches @p threshold, otherwise unknown.
  Identification identify(const Eigen::VectorXf& probe, float threshold) const;
  /// identify for every row of @p probes (one batched search).
  std::vector<Identification> identify(const Embeddings& probes, float threshold) const;

  std::size_t size() const;         ///< number of identities
  std::size_t num_samples() const;  ///< number of enrolled embeddings
  std::size_t num_samples(const std::string& identity) const;  ///< 0 if not enrolled
  bool contains(const std::string& identity) const;
  std::vector<std::string> identities() const;  ///< sorted
  /// The samples of one identity (rows). @throws InputError if it is not enrolled.
  Embeddings samples(const std::string& identity) const;
  const std::string& embedder() const;
  int dimension() const;
  /// The flip policy of the embedder ("none", "sum", "concat"), or empty when not recorded.
  const std::string& flip_policy() const;
  /// @throws InputError naming both settings unless embeddings of the embedder described by
  /// @p info (name, dimension, flip policy) belong in this gallery.
  void check_embedder(const ModelInfo& info) const;
  /// A copy of the options in use (set_search_effort and set_hnsw_faiss_search change them).
  GalleryOptions options() const;
  /// Change the search-time effort of the approximate backends without rebuilding: HNSW beam
  /// width and IVF lists probed (values < 1 keep the current one). Thread-safe.
  void set_search_effort(int hnsw_ef_search, int ivf_nprobe);
  /// Switch between this library's HNSW graph search and FAISS's (GalleryOptions::hnsw_faiss_search)
  /// on the same graph, without rebuilding; for comparisons. Thread-safe.
  void set_hnsw_faiss_search(bool on);
  /// The backend in use now (Auto resolved by the current number of entries).
  SearchBackend active_backend() const;
  /// Approximate memory held by the embeddings and the search index, in bytes.
  std::size_t memory_bytes() const;

  /// Write the gallery to @p path (format: docs/gallery.md): to a temporary file in the same
  /// directory first, fsynced, then renamed over @p path under the file's lock, so a crash never
  /// leaves a partial gallery; temporary files of processes that died are removed.
  /// @throws IoError when the file cannot be written.
  void save(const std::string& path) const;
  /// Read a gallery written by save. The search index is rebuilt with @p options, except for the
  /// match mode, which is the one the file was saved with.
  /// @throws IoError for a missing file, ModelError for a file that is not a gallery, of an
  /// unsupported version, truncated or corrupt (checksum), naming the file and the problem.
  static Gallery load(const std::string& path, GalleryOptions options = {});
  /// Load-modify-save of the gallery file @p path under an exclusive advisory lock (flock on
  /// `path + ".lock"`), so that any number of processes and threads may edit one file at once
  /// without losing changes. Loads @p path (or calls @p create when it does not exist), calls
  /// @p edit, and saves the result before the lock is released. If @p edit throws, the file is
  /// unchanged. Do the slow work (embedding) before calling this: the lock is held throughout.
  /// @return the gallery as saved.
  /// Must not be nested for the same file in one thread, and @p edit must not save @p path from
  /// another thread (that would wait for this lock forever).
  /// @throws IoError when the file does not exist and @p create is empty, or cannot be written;
  /// InputError for a nested update of the same file; the errors of load; whatever @p edit throws.
  static Gallery update(const std::string& path, const std::function<void(Gallery&)>& edit,
                        const std::function<Gallery()>& create = {}, GalleryOptions options = {});

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

/// The exclusive advisory lock on a gallery file (flock on `path + ".lock"`) that Gallery::update
/// and Gallery::save take, held from construction to destruction; for callers composing their own
/// load-modify-save (pyarcface's Gallery.update does). Blocks until acquired. A second lock on the
/// same file in a thread that holds one acquires nothing (nested() is true).
/// @throws IoError when the lock file cannot be created or locked.
class GalleryFileLock {
 public:
  explicit GalleryFileLock(const std::string& path);
  ~GalleryFileLock();
  GalleryFileLock(const GalleryFileLock&) = delete;
  GalleryFileLock& operator=(const GalleryFileLock&) = delete;
  bool nested() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

/// Format version written by Gallery::save.
inline constexpr int kGalleryFormatVersion = 1;

}  // namespace arcface
ARCFACE_API_END
