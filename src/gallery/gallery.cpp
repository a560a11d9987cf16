// Gallery's public methods: construction, enrolment, queries, options. Files: gallery_io.cpp;
// enrolment from images: enroll_images.cpp; the search itself: gallery_search.cpp.
#include "arcface/gallery.hpp"

#include <algorithm>

#include "arcface/embedder.hpp"
#include "arcface/error.hpp"
#include "gallery/gallery_impl.hpp"

namespace arcface {

SearchBackend search_backend_from_string(const std::string& name) {
  if (name == "auto") return SearchBackend::Auto;
  if (name == "exact") return SearchBackend::Exact;
  if (name == "flat") return SearchBackend::FaissFlat;
  if (name == "hnsw") return SearchBackend::FaissHnsw;
  if (name == "ivfpq") return SearchBackend::FaissIvfPq;
  throw InputError("unknown search backend '" + name + "' (expected auto, exact, flat, hnsw or ivfpq)");
}

std::string to_string(SearchBackend b) {
  switch (b) {
    case SearchBackend::Auto: return "auto";
    case SearchBackend::Exact: return "exact";
    case SearchBackend::FaissFlat: return "flat";
    case SearchBackend::FaissHnsw: return "hnsw";
    case SearchBackend::FaissIvfPq: return "ivfpq";
  }
  return "?";
}

MatchMode match_mode_from_string(const std::string& name) {
  if (name == "template") return MatchMode::Template;
  if (name == "all") return MatchMode::AllSamples;
  throw InputError("unknown match mode '" + name + "' (expected template or all)");
}

std::string to_string(MatchMode m) { return m == MatchMode::Template ? "template" : "all"; }

Gallery::Gallery(std::string embedder, int dimension, GalleryOptions options)
    : Gallery(std::move(embedder), dimension, options, std::string()) {}

Gallery::Gallery(std::string embedder, int dimension, GalleryOptions options, std::string flip) {
  if (!flip.empty()) flip_policy_from_string(flip);  // validates
  if (embedder.empty()) throw InputError("gallery: the embedder name is empty");
  if (dimension < 1) throw InputError("gallery: dimension must be >= 1, got " + std::to_string(dimension));
  if (options.hnsw_m < 2) throw InputError("gallery: hnsw_m must be >= 2");
  impl_ = std::make_unique<Impl>(std::move(embedder), dimension, options, std::move(flip));
  impl_->sync_index();
}

Gallery::~Gallery() = default;
Gallery::Gallery(Gallery&&) noexcept = default;
Gallery& Gallery::operator=(Gallery&&) noexcept = default;

void Gallery::enroll(const std::string& identity, const Embeddings& embeddings) {
  impl_->check_rows(embeddings, identity);
  Impl::WriteLock lock(*impl_);
  impl_->add(std::vector<std::string>(static_cast<std::size_t>(embeddings.rows()), identity), embeddings);
}

void Gallery::enroll(const std::vector<std::string>& identities, const Embeddings& embeddings) {
  if (identities.size() != static_cast<std::size_t>(embeddings.rows()))
    throw InputError("gallery: " + std::to_string(identities.size()) + " identity names for " +
                     std::to_string(embeddings.rows()) + " embeddings");
  if (identities.empty()) throw InputError("gallery: no embeddings given");
  for (const auto& id : identities)
    if (id.empty()) throw InputError("gallery: identity name is empty");
  impl_->check_rows(embeddings, identities.front());
  Impl::WriteLock lock(*impl_);
  impl_->add(identities, embeddings);
}

bool Gallery::remove(const std::string& identity) {
  Impl::WriteLock lock(*impl_);
  if (!impl_->registry.erase(identity)) return false;
  impl_->sync_index();
  return true;
}

std::vector<std::vector<Match>> Gallery::search(const Embeddings& probes, int k) const {
  auto lock = impl_->read_lock();
  return impl_->search(probes, k);
}

std::vector<Match> Gallery::search(const Eigen::VectorXf& probe, int k) const {
  Embeddings p = probe.transpose();
  return search(p, k).front();
}

std::vector<Identification> Gallery::identify(const Embeddings& probes, float threshold) const {
  const auto hits = search(probes, 1);
  std::vector<Identification> out(hits.size());
  for (std::size_t i = 0; i < hits.size(); ++i) {
    if (hits[i].empty()) continue;
    out[i].best = hits[i][0].identity;
    out[i].score = hits[i][0].score;
    out[i].known = out[i].score >= threshold;
    if (out[i].known) out[i].identity = out[i].best;
  }
  return out;
}

Identification Gallery::identify(const Eigen::VectorXf& probe, float threshold) const {
  Embeddings p = probe.transpose();
  return identify(p, threshold).front();
}

std::size_t Gallery::size() const {
  auto lock = impl_->read_lock();
  return impl_->registry.size();
}

std::size_t Gallery::num_samples() const {
  auto lock = impl_->read_lock();
  return impl_->registry.num_samples();
}

std::size_t Gallery::num_samples(const std::string& identity) const {
  auto lock = impl_->read_lock();
  return impl_->registry.num_samples(identity);
}

bool Gallery::contains(const std::string& identity) const {
  auto lock = impl_->read_lock();
  return impl_->registry.contains(identity);
}

std::vector<std::string> Gallery::identities() const {
  auto lock = impl_->read_lock();
  return impl_->registry.names();
}

Embeddings Gallery::samples(const std::string& identity) const {
  auto lock = impl_->read_lock();
  return impl_->registry.samples(identity);
}

const std::string& Gallery::embedder() const { return impl_->embedder; }
const std::string& Gallery::flip_policy() const { return impl_->flip; }
int Gallery::dimension() const { return impl_->dim; }

void Gallery::check_embedder(const ModelInfo& info) const {
  const std::string flip = to_string(info.flip);
  if (info.name == impl_->embedder && info.embedding_size == impl_->dim && (impl_->flip.empty() || flip == impl_->flip))
    return;
  throw InputError("gallery holds embeddings of '" + impl_->embedder + "' (" + std::to_string(impl_->dim) + "-d" +
                   (impl_->flip.empty() ? "" : ", flip " + impl_->flip) + ") but the embedder in use is '" + info.name +
                   "' (" + std::to_string(info.embedding_size) + "-d, flip " + flip +
                   "): embeddings made with other settings cannot be compared");
}

GalleryOptions Gallery::options() const {
  auto lock = impl_->read_lock();
  return impl_->opt;
}

void Gallery::set_search_effort(int hnsw_ef_search, int ivf_nprobe) {
  Impl::WriteLock lock(*impl_);
  if (hnsw_ef_search > 0) {
    impl_->opt.hnsw_ef_search = hnsw_ef_search;
    impl_->index->set_ef_search(hnsw_ef_search);
  }
  if (ivf_nprobe > 0) impl_->opt.ivf_nprobe = ivf_nprobe;
}

void Gallery::set_hnsw_faiss_search(bool on) {
  Impl::WriteLock lock(*impl_);
  impl_->opt.hnsw_faiss_search = on;
}

SearchBackend Gallery::active_backend() const {
  auto lock = impl_->read_lock();
  return impl_->active;
}

std::size_t Gallery::memory_bytes() const {
  auto lock = impl_->read_lock();
  return impl_->registry.memory_bytes() + impl_->index->memory_bytes();
}

}  // namespace arcface
