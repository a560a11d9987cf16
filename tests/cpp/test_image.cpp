// Image reading and the input-contract conversions (image.hpp).
#include <opencv2/imgcodecs.hpp>

#include "arcface/error.hpp"
#include "arcface/image.hpp"
#include "common.hpp"

using namespace arcface;

TEST(ReadImage, MissingFileIsIoError) {
  EXPECT_THROW(read_image("/nonexistent/photo.jpg"), IoError);
}

TEST(ReadImage, NonImageAndEmptyFilesAreIoErrors) {
  try {
    read_image(test::fixtures() + "/not-an-image.jpg");
    FAIL();
  } catch (const IoError& e) {
    EXPECT_NE(std::string(e.what()).find("not-an-image.jpg"), std::string::npos);
  }
  EXPECT_THROW(read_image(test::fixtures() + "/empty.jpg"), IoError);
}

TEST(ReadImage, TruncatedJpegIsRejectedOrDecoded) {
  ARCFACE_REQUIRE_SHARED();
  // A JPEG cut to its first 200 bytes has no image data: it must be an IoError, not a crash.
  std::vector<uchar> bytes;
  {
    FILE* f = std::fopen(test::sample("actors/jeff/0.jpg").c_str(), "rb");
    ASSERT_TRUE(f);
    bytes.resize(200);
    ASSERT_EQ(std::fread(bytes.data(), 1, bytes.size(), f), bytes.size());
    std::fclose(f);
  }
  const std::string cut = test::fixtures() + "/cut.jpg";
  FILE* g = std::fopen(cut.c_str(), "wb");
  std::fwrite(bytes.data(), 1, bytes.size(), g);
  std::fclose(g);
  EXPECT_THROW(read_image(cut), IoError);
}

TEST(ToBgr8, PassesThroughBgr) {
  cv::Mat m(4, 5, CV_8UC3, cv::Scalar(1, 2, 3));
  cv::Mat out = to_bgr8(m);
  EXPECT_EQ(out.data, m.data);  // no copy
}

TEST(ToBgr8, ConvertsGreyBgraAnd16Bit) {
  cv::Mat grey(4, 5, CV_8UC1, cv::Scalar(100));
  cv::Mat g = to_bgr8(grey);
  EXPECT_EQ(g.type(), CV_8UC3);
  EXPECT_EQ(g.at<cv::Vec3b>(1, 1), cv::Vec3b(100, 100, 100));

  cv::Mat bgra(4, 5, CV_8UC4, cv::Scalar(10, 20, 30, 40));
  EXPECT_EQ(to_bgr8(bgra).at<cv::Vec3b>(0, 0), cv::Vec3b(10, 20, 30));

  cv::Mat deep(4, 5, CV_16UC3, cv::Scalar(257 * 10, 257 * 20, 65535));
  const cv::Mat d = to_bgr8(deep);
  EXPECT_EQ(d.type(), CV_8UC3);
  EXPECT_EQ(d.at<cv::Vec3b>(0, 0), cv::Vec3b(10, 20, 255));
}

TEST(ToBgr8, RefusesEmptyFloatAndTwoChannel) {
  EXPECT_THROW(to_bgr8(cv::Mat()), InputError);
  EXPECT_THROW(to_bgr8(cv::Mat(4, 4, CV_32FC3)), InputError);
  EXPECT_THROW(to_bgr8(cv::Mat(4, 4, CV_8UC2)), InputError);
  EXPECT_THROW(to_bgr8(cv::Mat(4, 4, CV_16SC3)), InputError);
}
