#pragma once
// Gallery's private state: the identity registry, the vector index over its entries, and the lock
// that guards both. Shared by gallery.cpp (queries, edits), gallery_io.cpp (files) and
// enroll_images.cpp. Internal.

#include <memory>
#include <mutex>
#include <shared_mutex>
#include <string>

#include "arcface/gallery.hpp"
#include "gallery/identity_registry.hpp"
#include "gallery/vector_index.hpp"

namespace arcface {

struct Gallery::Impl {
  Impl(std::string embedder_name, int dimension, GalleryOptions options, std::string flip_policy)
      : embedder(std::move(embedder_name)),
        dim(dimension),
        opt(options),
        flip(std::move(flip_policy)),
        registry(dimension, options.match) {}

  const std::string embedder;
  const int dim;
  GalleryOptions opt;      // guarded by the lock (set_search_effort writes it)
  const std::string flip;  // flip policy of the embedder; empty: not recorded

  // Readers share `mu`; a writer takes `gate` first, so new readers queue behind a waiting writer
  // (glibc's rwlock prefers readers: a steady stream of searches would starve enrollment).
  mutable std::shared_mutex mu;
  mutable std::mutex gate;
  std::shared_lock<std::shared_mutex> read_lock() const {
    std::lock_guard<std::mutex> g(gate);
    return std::shared_lock<std::shared_mutex>(mu);
  }
  struct WriteLock {
    std::lock_guard<std::mutex> g;
    std::unique_lock<std::shared_mutex> l;
    explicit WriteLock(const Impl& i) : g(i.gate), l(i.mu) {}
  };

  detail::IdentityRegistry registry;
  std::unique_ptr<detail::VectorIndex> index;
  SearchBackend active = SearchBackend::Exact;

  /// @throws InputError for rows that cannot be enrolled (see Gallery::enroll).
  void check_rows(const Embeddings& e, const std::string& identity) const;
  /// Enrolls (write lock held) and brings the index up to date.
  void add(const std::vector<std::string>& names, const Embeddings& rows);
  /// Compacts when a quarter of the entries are dead, switches backend when the size calls for
  /// another, and adds new entries to the index (write lock held).
  void sync_index();
  /// The k best identities per probe (read lock held).
  std::vector<std::vector<Match>> search(const Embeddings& probes, int k) const;
  detail::SearchSettings settings() const {
    return {opt.threads, opt.hnsw_ef_search, opt.ivf_nprobe, opt.hnsw_faiss_search};
  }
};

}  // namespace arcface
