// The ArcFace article's similarity tables, from photos you supply:
//
//   similarity_table DIR OUT.png [--one-person]
//
// DIR holds one folder per person (actors/jeff/*.jpg ...), or, with --one-person, photos of a
// single person in several conditions (musk/front, musk/rotated, musk/profile; woman/...).
// Writes the grid picture and prints the matrix. Run by ctest on ../shared/data/samples.
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <map>

#include <opencv2/imgcodecs.hpp>

#include <arcface/arcface.hpp>

namespace fs = std::filesystem;

int main(int argc, char** argv) {
  if (argc < 3) {
    std::fprintf(stderr, "usage: %s DIR OUT.png [--one-person]\n", argv[0]);
    return 2;
  }
  const bool one_person = argc > 3 && std::strcmp(argv[3], "--one-person") == 0;
  try {
    std::vector<fs::path> files;
    for (const auto& e : fs::recursive_directory_iterator(argv[1]))
      if (e.is_regular_file() && (e.path().extension() == ".jpg" || e.path().extension() == ".png"))
        files.push_back(e.path());
    std::sort(files.begin(), files.end());
    const arcface::Pipeline pipe;
    const arcface::Aligner aligner(pipe.embedder().info().alignment);
    std::vector<cv::Mat> crops;
    std::vector<std::string> labels;
    std::vector<float> yaw;  // head pose estimated from the landmarks (quality.hpp)
    std::vector<std::string> rows;
    arcface::Embeddings e(0, pipe.embedder().dimension());
    for (const auto& f : files) {
      const cv::Mat img = arcface::read_image(f.string());
      const auto r = pipe.process(img);
      const int i = arcface::largest_face(r.faces);
      if (i < 0) {
        std::fprintf(stderr, "no face in %s (skipped)\n", f.c_str());
        continue;
      }
      crops.push_back(aligner.align(img, r.faces[static_cast<std::size_t>(i)]));
      labels.push_back(one_person ? fs::path(argv[1]).filename().string() : f.parent_path().filename().string());
      rows.push_back(f.parent_path().filename().string() + "/" + f.filename().string());
      yaw.push_back(arcface::estimate_head_pose(r.faces[static_cast<std::size_t>(i)].landmarks).yaw);
      e.conservativeResize(e.rows() + 1, Eigen::NoChange);
      e.row(e.rows() - 1) = r.embeddings.row(i);
    }
    if (e.rows() < 2) throw arcface::InputError("fewer than 2 faces found");
    const Eigen::MatrixXf s = arcface::Similarity::matrix(e, e);
    arcface::viz::GridOptions o;
    o.title = fs::path(argv[1]).filename().string() + ": cosine similarity";
    cv::imwrite(argv[2], arcface::viz::similarity_grid(crops, s, labels, o));
    for (Eigen::Index i = 0; i < s.rows(); ++i) {
      for (Eigen::Index j = 0; j < s.cols(); ++j) std::printf("%6.2f", s(i, j));
      std::printf("   %s, yaw %+.0f deg\n", rows[static_cast<std::size_t>(i)].c_str(), yaw[static_cast<std::size_t>(i)]);
    }
    std::printf("wrote %s (%ld faces)\n", argv[2], static_cast<long>(e.rows()));
    return 0;
  } catch (const std::exception& err) {
    std::fprintf(stderr, "error: %s\n", err.what());
    return 1;
  }
}
