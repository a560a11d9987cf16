// Links only the modules it uses (arcface::core and arcface::gallery), not arcface::arcface.
#include <cstdio>

#include <arcface/gallery.hpp>

int main() {
  arcface::Gallery g("random-embedder", 16);
  arcface::Embeddings people = arcface::Embeddings::Random(5, 16);
  for (int i = 0; i < 5; ++i) g.enroll("person" + std::to_string(i), people.row(i));
  const auto hit = g.identify(Eigen::VectorXf(people.row(3).transpose()), 0.5f);
  std::printf("modules consumer: %s %.3f\n", hit.identity.c_str(), hit.score);
  return hit.identity == "person3" ? 0 : 1;
}
