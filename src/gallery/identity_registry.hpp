#pragma once
// The gallery's identities and their embeddings: names, samples (every enrolled row), one template
// per identity (the normalised mean of its samples), which rows are still alive, and compaction.
// The search entries are the samples (MatchMode::AllSamples) or the templates (Template). Not
// thread-safe: Gallery guards it with its lock. Internal.

#include <cstdint>
#include <string>
#include <unordered_map>
#include <vector>

#include "arcface/embeddings.hpp"
#include "arcface/gallery.hpp"
#include "gallery/vector_index.hpp"

namespace arcface::detail {

class IdentityRegistry {
 public:
  struct Identity {
    std::string name;                   // empty: removed slot
    std::vector<std::int64_t> samples;  // rows of samples()
    std::int64_t tmpl = -1;             // row of the templates (Template mode)
  };

  IdentityRegistry(int dim, MatchMode match) : dim_(dim), match_(match) {}

  /// Enroll rows (unit-normalised here, in double) under identity names; one name per row.
  void add(const std::vector<std::string>& names, const Embeddings& rows);
  /// Removes an identity (its rows become dead until compact()). @return false if unknown.
  bool erase(const std::string& name);
  /// True when a quarter or more of the entries are dead.
  bool wants_compaction() const;
  /// Drops dead rows and removed slots; renumbers every row (indexes must be rebuilt).
  void compact();

  /// The entries searched.
  EntryView entries() const;
  /// Name of the identity owning live entry @p entry.
  const std::string& owner_name(std::int64_t entry) const;
  /// All-samples mode: the most entries one identity has (1 in Template mode).
  std::size_t max_entries_per_identity() const;

  std::size_t size() const { return live_ids_; }
  std::size_t num_samples() const { return sample_owner_.size() - dead_samples_; }
  std::size_t num_samples(const std::string& name) const;
  bool contains(const std::string& name) const { return by_name_.count(name) > 0; }
  std::vector<std::string> names() const;  ///< sorted
  /// @throws InputError when @p name is not enrolled.
  Embeddings samples(const std::string& name) const;
  /// Live identities in enrolment order, and the sample rows they index.
  const std::vector<Identity>& identities() const { return ids_; }
  const std::vector<float>& sample_rows() const { return samples_; }
  std::size_t memory_bytes() const;

 private:
  bool all_mode() const { return match_ == MatchMode::AllSamples; }
  void update_template(std::int32_t slot);

  int dim_;
  MatchMode match_;
  std::vector<Identity> ids_;
  std::unordered_map<std::string, std::int32_t> by_name_;
  std::size_t live_ids_ = 0;
  // Dead rows have owner -1 until the next compaction.
  std::vector<float> samples_;
  std::vector<std::int32_t> sample_owner_;
  std::size_t dead_samples_ = 0;
  std::vector<float> templates_;
  std::vector<std::int32_t> template_owner_;
  std::size_t dead_templates_ = 0;
};

}  // namespace arcface::detail
