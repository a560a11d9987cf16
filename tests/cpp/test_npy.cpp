// .npy reading and writing (npy.hpp).
#include <filesystem>
#include <fstream>

#include "arcface/error.hpp"
#include "arcface/npy.hpp"
#include "common.hpp"

using namespace arcface;

TEST(Npy, RoundTrip) {
  const std::string p = test::fixtures() + "/roundtrip.npy";
  Embeddings m = Embeddings::Random(3, 5);
  write_npy(p, m);
  const Embeddings r = read_npy_matrix(p);
  EXPECT_TRUE(r.isApprox(m));
  EXPECT_EQ(read_npy(p).shape, (std::vector<size_t>{3, 5}));
}

TEST(Npy, TruncatedAndForeignFilesAreErrors) {
  const std::string p = test::fixtures() + "/trunc.npy";
  write_npy(p, Embeddings::Random(10, 10));
  std::filesystem::resize_file(p, std::filesystem::file_size(p) - 16);
  EXPECT_THROW(read_npy(p), IoError);
  EXPECT_THROW(read_npy(test::fixtures() + "/not-an-image.jpg"), IoError);
  EXPECT_THROW(read_npy("/nonexistent.npy"), IoError);
}
