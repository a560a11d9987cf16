// Minimal use of the library: are the largest faces of two photos the same person?
//   verify_faces IMAGE1 IMAGE2
#include <cstdio>

#include <arcface/arcface.hpp>

int main(int argc, char** argv) {
  if (argc != 3) {
    std::fprintf(stderr, "usage: %s IMAGE1 IMAGE2\n", argv[0]);
    return 2;
  }
  try {
    const arcface::Pipeline pipe;  // the default detector (Auto) and embedder, loaded once
    arcface::Embeddings e[2];
    for (int k = 0; k < 2; ++k) {
      const auto r = pipe.process_file(argv[1 + k]);
      const int i = arcface::largest_face(r.faces);
      if (i < 0) throw arcface::InputError(std::string("no face in ") + argv[1 + k]);
      e[k] = r.embeddings.row(i);
    }
    const auto v = arcface::Similarity::verify(e[0].row(0), e[1].row(0), pipe.embedder().info().threshold);
    std::printf("cosine %.4f (threshold %.4f): %s\n", v.similarity, v.threshold, v.same ? "same person" : "different people");
    return 0;
  } catch (const arcface::Error& err) {
    std::fprintf(stderr, "error: %s\n", err.what());
    return 1;
  }
}
