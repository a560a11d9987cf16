// Gallery::Impl: keeping the index in step with the registry, and searching it.
#include <unordered_set>

#include "arcface/error.hpp"
#include "gallery/gallery_impl.hpp"

namespace arcface {

void Gallery::Impl::check_rows(const Embeddings& e, const std::string& identity) const {
  if (identity.empty()) throw InputError("gallery: identity name is empty");
  if (e.rows() == 0) throw InputError("gallery: no embeddings given for '" + identity + "'");
  if (e.cols() != dim)
    throw InputError("gallery: embeddings for '" + identity + "' have dimension " + std::to_string(e.cols()) +
                     " but the gallery holds " + std::to_string(dim) + "-d embeddings of '" + embedder + "'");
  for (Eigen::Index r = 0; r < e.rows(); ++r) {
    if (!e.row(r).allFinite())
      throw InputError("gallery: embedding " + std::to_string(r) + " for '" + identity + "' is not finite");
    if (e.row(r).cast<double>().norm() <= 1e-30)
      throw InputError("gallery: embedding " + std::to_string(r) + " for '" + identity + "' is zero");
  }
}

void Gallery::Impl::add(const std::vector<std::string>& names, const Embeddings& rows) {
  registry.add(names, rows);
  sync_index();
}

void Gallery::Impl::sync_index() {
  if (registry.wants_compaction()) {
    registry.compact();
    index.reset();  // rows were renumbered
  }
  const detail::EntryView view = registry.entries();
  const SearchBackend want = detail::resolve_backend(opt, view.live());
  if (!index || want != active) {
    index = detail::make_vector_index(want, view, opt);
    active = want;
  }
  index->add(view);
}

std::vector<std::vector<Match>> Gallery::Impl::search(const Embeddings& probes, int k) const {
  if (k < 1) throw InputError("gallery: search needs k >= 1, got " + std::to_string(k));
  if (probes.cols() != dim)
    throw InputError("gallery: probe dimension " + std::to_string(probes.cols()) + " does not match the gallery's " +
                     std::to_string(dim) + " (embedder '" + embedder + "')");
  if (!probes.allFinite()) throw InputError("gallery: probe embeddings are not finite");
  std::vector<std::vector<Match>> out(static_cast<std::size_t>(probes.rows()));
  if (probes.rows() == 0 || registry.size() == 0) return out;
  const detail::EntryView view = registry.entries();
  const std::size_t kid = std::min<std::size_t>(static_cast<std::size_t>(k), registry.size());
  // All-samples: the k best identities are among the (k-1) * max_per_identity + 1 best samples.
  const std::size_t kk = std::min(view.live(), (kid - 1) * registry.max_entries_per_identity() + 1);
  const auto hits = index->search(view, probes.data(), probes.rows(), kk, settings());
  for (std::size_t qi = 0; qi < hits.size(); ++qi) {
    std::unordered_set<std::int32_t> seen;
    for (auto [s, entry] : hits[qi]) {
      if (!seen.insert(view.owner[entry]).second) continue;
      out[qi].push_back({registry.owner_name(entry), s});
      if (out[qi].size() == kid) break;
    }
  }
  return out;
}

}  // namespace arcface
