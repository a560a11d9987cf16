// Uses the installed library: headers, the shared library, and (when models exist) a real model.
// Torch is not needed here: it stays inside libarcface.
#include <cstdio>
#include <cstdlib>
#include <filesystem>

#include <arcface/arcface.hpp>

int main() {
  std::printf("arcface %s\n", arcface::kVersion);
  const arcface::Aligner aligner;
  if (aligner.alignment_template().size != cv::Size(112, 112)) return 1;
  arcface::Embeddings a = arcface::Embeddings::Random(3, 8);
  const auto m = arcface::Similarity::matrix(a, a, true);
  if (std::abs(m(1, 1) - 1.f) > 1e-5f) return 2;
  try {
    arcface::read_image("/nonexistent.jpg");
    return 3;
  } catch (const arcface::IoError&) {
  }
  if (std::filesystem::exists(arcface::models_dir() + "/mobilefacenet-ms1m.pt")) {
    const arcface::Embedder e;
    const cv::Mat crop(112, 112, CV_8UC3, cv::Scalar(90, 120, 160));
    const auto v = e.embed({crop});
    std::printf("embedded a crop with %s: %ld dimensions\n", e.info().name.c_str(), static_cast<long>(v.cols()));
    if (v.cols() != e.dimension()) return 4;
  }
  std::printf("consumer OK\n");
  return 0;
}
