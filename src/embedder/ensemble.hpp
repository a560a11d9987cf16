#pragma once
// Model fusion: an embedder named "A+B" runs the models A and B on the same aligned crop and
// concatenates their L2-normalised embeddings (then scales by 1/sqrt(k), so that rows stay unit
// length and the cosine of two ensemble embeddings is the mean of the members' cosines). Not installed.

#include <string>
#include <vector>

#include "arcface/embedder.hpp"

namespace arcface::detail {

/// True when @p model names an ensemble: it contains '+' and is not an existing file.
bool is_ensemble(const std::string& model);

/// The members of ensemble @p options.model, each loaded with the other options unchanged.
/// @throws ModelError for an empty member name, a member that cannot be loaded, or members whose
///         alignment templates differ (they must take the same aligned crop).
std::vector<Embedder> load_ensemble(const EmbedderOptions& options);

/// What the ensemble says about itself: the members' names joined by '+', the common template,
/// embedding size = sum of the members', threshold = mean of the members' thresholds (the
/// ensemble cosine is the mean of the members' cosines), and a checksum naming every member.
ModelInfo ensemble_info(const std::vector<Embedder>& members, const std::string& spec);

/// Rows = [e_1(crop), ..., e_k(crop)] / sqrt(k), each e_i L2-normalised by its member.
Embeddings embed_ensemble(const std::vector<Embedder>& members, const std::vector<cv::Mat>& crops);

}  // namespace arcface::detail
