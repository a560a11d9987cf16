// Pipeline::process_files: crops of several photos share network calls, results equal one call per photo.
#include <filesystem>
#include <fstream>

#include <opencv2/imgcodecs.hpp>

#include "arcface/image.hpp"
#include "arcface/pipeline.hpp"
#include "common.hpp"

namespace fs = std::filesystem;
using namespace arcface;

TEST(PipelineFiles, SharedBatchesEqualPhotoByPhoto) {
  ARCFACE_REQUIRE_SHARED();
  const fs::path dir = fs::temp_directory_path() / ("arcface-files-" + std::to_string(::getpid()));
  fs::create_directories(dir);
  const std::string corrupt = (dir / "corrupt.jpg").string(), blank = (dir / "blank.png").string();
  std::ofstream(corrupt) << "not a jpeg";
  cv::imwrite(blank, cv::Mat(200, 200, CV_8UC3, cv::Scalar(128, 128, 128)));
  // One photo with several faces, single faces, a corrupt file and a photo without faces, mixed.
  const std::vector<std::string> paths = {
      test::sample("actors/jeff/0.jpg"), corrupt, test::sample("group/group.jpg"), test::sample("actors/kurt/1.jpg"),
      blank, test::sample("actresses/emma_mackey/0.jpg"), test::sample("actors/jeff/1.jpg")};
  PipelineOptions o;
  o.embedder.precision = Precision::Fp32;
  o.embedder.batch_size = 4;  // two crops (with mirrors) per call: batches span photos
  const Pipeline p(o);
  size_t calls = 0;
  const auto got = p.process_files(paths, 2, [&](size_t done) { EXPECT_EQ(done, ++calls); });
  EXPECT_EQ(calls, paths.size());
  ASSERT_EQ(got.size(), paths.size());
  for (size_t i = 0; i < paths.size(); ++i) {
    EXPECT_EQ(got[i].path, paths[i]);
    if (paths[i] == corrupt) {
      EXPECT_NE(got[i].error.find("corrupt.jpg"), std::string::npos) << got[i].error;
      continue;
    }
    ASSERT_TRUE(got[i].error.empty()) << got[i].error;
    const PipelineResult want = p.process_file(paths[i]);
    ASSERT_EQ(got[i].result.faces.size(), want.faces.size()) << paths[i];
    ASSERT_EQ(got[i].result.embeddings.rows(), want.embeddings.rows()) << paths[i];
    EXPECT_EQ(got[i].result.embeddings.cols(), p.embedder().dimension());
    for (Eigen::Index r = 0; r < want.embeddings.rows(); ++r)
      EXPECT_GT(got[i].result.embeddings.row(r).dot(want.embeddings.row(r)), 0.99999f) << paths[i] << " face " << r;
  }
  EXPECT_TRUE(got[4].result.faces.empty());
  EXPECT_GE(got[2].result.faces.size(), 2u);
  fs::remove_all(dir);
}
