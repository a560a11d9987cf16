#include "gallery/identity_registry.hpp"

#include <algorithm>
#include <unordered_set>

#include "arcface/error.hpp"

namespace arcface::detail {

void IdentityRegistry::update_template(std::int32_t slot) {
  auto& id = ids_[static_cast<std::size_t>(slot)];
  if (id.tmpl >= 0) {
    template_owner_[static_cast<std::size_t>(id.tmpl)] = -1;
    ++dead_templates_;
  }
  Eigen::VectorXf mean = Eigen::VectorXf::Zero(dim_);
  for (auto r : id.samples) mean += Eigen::Map<const Eigen::VectorXf>(&samples_[static_cast<std::size_t>(r) * dim_], dim_);
  mean.normalize();
  id.tmpl = static_cast<std::int64_t>(template_owner_.size());
  templates_.insert(templates_.end(), mean.data(), mean.data() + dim_);
  template_owner_.push_back(slot);
}

void IdentityRegistry::add(const std::vector<std::string>& names, const Embeddings& rows) {
  std::vector<std::int32_t> touched;
  std::unordered_set<std::int32_t> seen;
  for (Eigen::Index r = 0; r < rows.rows(); ++r) {
    const std::string& name = names[static_cast<std::size_t>(r)];
    auto it = by_name_.find(name);
    std::int32_t slot;
    if (it == by_name_.end()) {
      slot = static_cast<std::int32_t>(ids_.size());
      ids_.push_back({name, {}, -1});
      by_name_.emplace(name, slot);
      ++live_ids_;
    } else {
      slot = it->second;
    }
    // In double: float's squared norm overflows for entries above ~1e19 (and underflows below ~1e-19).
    const Eigen::RowVectorXd d = rows.row(r).cast<double>();
    const Eigen::RowVectorXf v = (d / d.norm()).cast<float>();
    ids_[static_cast<std::size_t>(slot)].samples.push_back(static_cast<std::int64_t>(sample_owner_.size()));
    samples_.insert(samples_.end(), v.data(), v.data() + dim_);
    sample_owner_.push_back(slot);
    if (seen.insert(slot).second) touched.push_back(slot);
  }
  if (!all_mode())
    for (auto slot : touched) update_template(slot);
}

bool IdentityRegistry::erase(const std::string& name) {
  auto it = by_name_.find(name);
  if (it == by_name_.end()) return false;
  auto& id = ids_[static_cast<std::size_t>(it->second)];
  for (auto r : id.samples) sample_owner_[static_cast<std::size_t>(r)] = -1;
  dead_samples_ += id.samples.size();
  if (id.tmpl >= 0) {
    template_owner_[static_cast<std::size_t>(id.tmpl)] = -1;
    ++dead_templates_;
  }
  id = Identity{};
  by_name_.erase(it);
  --live_ids_;
  return true;
}

bool IdentityRegistry::wants_compaction() const {
  const EntryView e = entries();
  return e.dead > 0 && e.dead * 4 > e.count;
}

void IdentityRegistry::compact() {
  std::vector<Identity> new_ids;
  std::vector<float> new_samples, new_templates;
  std::vector<std::int32_t> new_sowner, new_towner;
  new_ids.reserve(live_ids_);
  new_samples.reserve(static_cast<std::size_t>(dim_) * num_samples());
  by_name_.clear();
  for (auto& id : ids_) {
    if (id.name.empty()) continue;
    const auto slot = static_cast<std::int32_t>(new_ids.size());
    Identity n{id.name, {}, -1};
    for (auto r : id.samples) {
      n.samples.push_back(static_cast<std::int64_t>(new_sowner.size()));
      new_samples.insert(new_samples.end(), samples_.begin() + r * dim_, samples_.begin() + (r + 1) * dim_);
      new_sowner.push_back(slot);
    }
    if (id.tmpl >= 0) {
      n.tmpl = static_cast<std::int64_t>(new_towner.size());
      new_templates.insert(new_templates.end(), templates_.begin() + id.tmpl * dim_,
                           templates_.begin() + (id.tmpl + 1) * dim_);
      new_towner.push_back(slot);
    }
    by_name_.emplace(n.name, slot);
    new_ids.push_back(std::move(n));
  }
  ids_ = std::move(new_ids);
  samples_ = std::move(new_samples);
  templates_ = std::move(new_templates);
  sample_owner_ = std::move(new_sowner);
  template_owner_ = std::move(new_towner);
  dead_samples_ = dead_templates_ = 0;
}

EntryView IdentityRegistry::entries() const {
  EntryView v;
  const auto& rows = all_mode() ? samples_ : templates_;
  const auto& owner = all_mode() ? sample_owner_ : template_owner_;
  v.rows = rows.data();
  v.owner = owner.data();
  v.count = owner.size();
  v.dead = all_mode() ? dead_samples_ : dead_templates_;
  v.dim = dim_;
  return v;
}

const std::string& IdentityRegistry::owner_name(std::int64_t entry) const {
  const auto& owner = all_mode() ? sample_owner_ : template_owner_;
  return ids_[static_cast<std::size_t>(owner[static_cast<std::size_t>(entry)])].name;
}

std::size_t IdentityRegistry::max_entries_per_identity() const {
  if (!all_mode()) return 1;
  std::size_t m = 1;
  for (const auto& id : ids_) m = std::max(m, id.samples.size());
  return m;
}

std::size_t IdentityRegistry::num_samples(const std::string& name) const {
  auto it = by_name_.find(name);
  return it == by_name_.end() ? 0 : ids_[static_cast<std::size_t>(it->second)].samples.size();
}

std::vector<std::string> IdentityRegistry::names() const {
  std::vector<std::string> out;
  out.reserve(live_ids_);
  for (const auto& id : ids_)
    if (!id.name.empty()) out.push_back(id.name);
  std::sort(out.begin(), out.end());
  return out;
}

Embeddings IdentityRegistry::samples(const std::string& name) const {
  auto it = by_name_.find(name);
  if (it == by_name_.end()) throw InputError("gallery: '" + name + "' is not enrolled");
  const auto& rows = ids_[static_cast<std::size_t>(it->second)].samples;
  Embeddings out(static_cast<Eigen::Index>(rows.size()), dim_);
  for (std::size_t i = 0; i < rows.size(); ++i)
    out.row(static_cast<Eigen::Index>(i)) =
        Eigen::Map<const Eigen::RowVectorXf>(&samples_[static_cast<std::size_t>(rows[i]) * dim_], dim_);
  return out;
}

std::size_t IdentityRegistry::memory_bytes() const {
  std::size_t bytes = (samples_.capacity() + templates_.capacity()) * sizeof(float) +
                      (sample_owner_.capacity() + template_owner_.capacity()) * sizeof(std::int32_t);
  for (const auto& id : ids_) bytes += sizeof(id) + id.name.capacity() + id.samples.capacity() * sizeof(std::int64_t);
  return bytes;
}

}  // namespace arcface::detail
