// The ArcFace article's photos: same-person similarity exceeds different-person similarity.
#include <filesystem>
#include <map>

#include "arcface/image.hpp"
#include "arcface/pipeline.hpp"
#include "arcface/similarity.hpp"
#include "common.hpp"

namespace fs = std::filesystem;
using namespace arcface;

namespace {

// Mean cosine over same-identity and over different-identity pairs of the photos under dir/<id>/.
std::pair<double, double> same_vs_different(const std::string& dir) {
  const Pipeline p;
  std::vector<std::string> ids;
  std::vector<Eigen::RowVectorXf> rows;
  for (const auto& id : fs::directory_iterator(dir))
    for (const auto& f : fs::directory_iterator(id.path())) {
      const auto r = p.process_file(f.path().string());
      EXPECT_FALSE(r.faces.empty()) << f.path();
      if (r.faces.empty()) continue;
      rows.push_back(r.embeddings.row(largest_face(r.faces)));
      ids.push_back(id.path().filename().string());
    }
  double same = 0, diff = 0;
  int ns = 0, nd = 0;
  for (size_t i = 0; i < rows.size(); ++i)
    for (size_t j = i + 1; j < rows.size(); ++j) {
      const double c = Similarity::cosine(rows[i], rows[j]);
      if (ids[i] == ids[j]) same += c, ++ns;
      else diff += c, ++nd;
    }
  EXPECT_GT(ns, 0);
  EXPECT_GT(nd, 0);
  return {same / ns, diff / nd};
}

}  // namespace

TEST(Samples, ActorsSamePersonIsMoreSimilar) {
  ARCFACE_REQUIRE_SHARED();
  ARCFACE_REQUIRE_MODEL("mobilefacenet-ms1m.pt");
  const auto [same, diff] = same_vs_different(test::sample("actors"));
  std::printf("actors: mean same-person cosine %.3f, different-person %.3f\n", same, diff);
  EXPECT_GE(same - diff, 0.1);
}

TEST(Samples, ActressesSamePersonIsMoreSimilar) {
  ARCFACE_REQUIRE_SHARED();
  ARCFACE_REQUIRE_MODEL("mobilefacenet-ms1m.pt");
  const auto [same, diff] = same_vs_different(test::sample("actresses"));
  std::printf("actresses: mean same-person cosine %.3f, different-person %.3f\n", same, diff);
  EXPECT_GE(same - diff, 0.1);
}
