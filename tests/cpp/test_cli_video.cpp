// `arcface video` and `arcface enroll --min-quality`, run as a user would.
#include <filesystem>
#include <fstream>

#include <nlohmann/json.hpp>
#include <opencv2/videoio.hpp>

#include "arcface/arcface.hpp"
#include "common.hpp"
#include "video_clips.hpp"

namespace fs = std::filesystem;
using namespace arcface;

namespace {

std::string q(const std::string& s) { return "'" + s + "'"; }

std::string dir() {
  const std::string d = test::fixtures() + "/cli-video";
  fs::create_directories(d);
  return d;
}

}  // namespace

TEST(CliVideo, TimelineAnnotatedVideoAndCrops) {
  ARCFACE_REQUIRE_SHARED();
  const std::string d = dir();
  const std::string clip = d + "/scenario.avi", gal = d + "/people.gallery";
  {
    const Detector det;
    ASSERT_TRUE(test::write_clip(clip, test::scenario_clip(), test::scenario_actors(det, test::samples_dir())));
  }
  fs::remove(gal);
  for (const auto& [name, photos] : test::gallery_photos(test::samples_dir())) {
    std::string args = "-q enroll --gallery " + q(gal) + " " + name;
    for (const auto& p : photos) args += " " + q(p);
    const auto [code, out] = test::run_cli(args);
    ASSERT_EQ(code, 0) << out;
  }
  const std::string timeline = d + "/timeline.jsonl", annotated = d + "/annotated.mp4", crops = d + "/crops";
  fs::remove_all(crops);
  const auto [code, out] = test::run_cli("video " + q(clip) + " --gallery " + q(gal) + " --json " + q(timeline) +
                                         " -o " + q(annotated) + " --crops " + q(crops));
  ASSERT_EQ(code, 0) << out;
  std::printf("%s", out.c_str());
  EXPECT_NE(out.find("330 frames read, 330 processed"), std::string::npos) << out;
  EXPECT_NE(out.find("5 track(s)"), std::string::npos) << out;
  EXPECT_NE(out.find("frames/s"), std::string::npos) << out;

  // The timeline: one JSON line per track, with the identities of the scenario.
  std::ifstream in(timeline);
  std::vector<nlohmann::json> tracks;
  for (std::string line; std::getline(in, line);) tracks.push_back(nlohmann::json::parse(line));
  ASSERT_EQ(tracks.size(), 5u);
  // In order of appearance; at the same frame from left to right (jeff is left of emma).
  std::sort(tracks.begin(), tracks.end(), [](auto& a, auto& b) {
    return a["first_frame"] != b["first_frame"] ? a["first_frame"] < b["first_frame"] : a["best_box"][0] < b["best_box"][0];
  });
  const char* who[5] = {"jeff", "kurt", "jeff", "emma_mackey", "emma_mackey"};
  for (int k = 0; k < 5; ++k) {
    const auto& t = tracks[static_cast<size_t>(k)];
    EXPECT_EQ(t["identity"], who[k]) << t.dump();
    EXPECT_GE(t["confidence"].get<float>(), 0.6f) << t.dump();
    EXPECT_LE(t["first_frame"].get<int>(), t["best_frame"].get<int>());
    EXPECT_LE(t["best_frame"].get<int>(), t["last_frame"].get<int>());
    EXPECT_NEAR(t["first_time"].get<double>(), t["first_frame"].get<int>() / 25.0, 1e-6);
    EXPECT_EQ(t["best_box"].size(), 4u);
    ASSERT_TRUE(t.contains("crop")) << t.dump();
    const cv::Mat crop = read_image(t["crop"].get<std::string>());
    EXPECT_GT(crop.cols, 40);
  }
  EXPECT_EQ(tracks[0]["end"], "replaced");
  EXPECT_LE(tracks[1]["last_frame"].get<int>(), 150);
  EXPECT_GE(tracks[4]["first_frame"].get<int>(), 280);

  // The annotated video has every frame.
  cv::VideoCapture cap(annotated, cv::CAP_FFMPEG);
  ASSERT_TRUE(cap.isOpened());
  EXPECT_EQ(static_cast<int>(cap.get(cv::CAP_PROP_FRAME_COUNT)), 330);
}

TEST(CliVideo, EveryNthFrameAndRealTime) {
  ARCFACE_REQUIRE_SHARED();
  const std::string d = dir();
  const std::string clip = d + "/crowd.avi";
  {
    const Detector det;
    ASSERT_TRUE(test::write_clip(clip, test::crowd_clip(3, 60), test::scenario_actors(det, test::samples_dir())));
  }
  auto [code, out] = test::run_cli("video " + q(clip) + " --every 3");
  ASSERT_EQ(code, 0) << out;
  EXPECT_NE(out.find("60 frames read, 20 processed (every 3)"), std::string::npos) << out;
  EXPECT_NE(out.find("3 track(s)"), std::string::npos) << out;
  // Real time: the frames processed plus those dropped are all the frames.
  std::tie(code, out) = test::run_cli("video " + q(clip) + " --realtime");
  ASSERT_EQ(code, 0) << out;
  long long read = -1, processed = -1, dropped = -1;
  const size_t at = out.find(" frames read");
  ASSERT_NE(at, std::string::npos) << out;
  const size_t nl = out.rfind('\n', at);
  const std::string line = out.substr(nl == std::string::npos ? 0 : nl + 1);
  ASSERT_EQ(std::sscanf(line.c_str(), "%lld frames read, %lld processed, %lld dropped", &read, &processed, &dropped), 3)
      << out;
  EXPECT_EQ(read, 60);
  EXPECT_EQ(processed + dropped, 60);
}

TEST(CliVideo, BadInputIsAClearError) {
  const std::string d = dir();
  std::ofstream(d + "/notes.mp4") << "not a video\n";
  auto [code, out] = test::run_cli("video " + q(d + "/notes.mp4"));
  EXPECT_EQ(code, 1) << out;
  EXPECT_NE(out.find("arcface: error: cannot open video file '" + d + "/notes.mp4'"), std::string::npos) << out;
  std::tie(code, out) = test::run_cli("video 97");
  EXPECT_EQ(code, 1) << out;
  EXPECT_NE(out.find("cannot open camera 97"), std::string::npos) << out;
  std::tie(code, out) = test::run_cli("video " + q(d + "/absent.mp4"));
  EXPECT_EQ(code, 1) << out;
  EXPECT_NE(out.find("does not exist"), std::string::npos) << out;
  std::tie(code, out) = test::run_cli("video 0 --every 0");
  EXPECT_EQ(code, 2) << out;  // usage error
}

TEST(CliVideo, TruncatedVideoSaysSo) {
  ARCFACE_REQUIRE_SHARED();
  const std::string d = dir();
  {
    const Detector det;
    ASSERT_TRUE(test::write_clip(d + "/whole.avi", test::crowd_clip(1, 40), test::scenario_actors(det, test::samples_dir())));
  }
  std::ifstream in(d + "/whole.avi", std::ios::binary);
  const std::string bytes((std::istreambuf_iterator<char>(in)), {});
  std::ofstream(d + "/cut.avi", std::ios::binary) << bytes.substr(0, bytes.size() / 2);
  const auto [code, out] = test::run_cli("video " + q(d + "/cut.avi") + " --json " + q(d + "/cut.jsonl"));
  EXPECT_EQ(code, 1) << out;
  EXPECT_NE(out.find("cut.avi' ended after"), std::string::npos) << out;
  EXPECT_NE(out.find("truncated or corrupt"), std::string::npos) << out;
  EXPECT_TRUE(fs::exists(d + "/cut.jsonl"));  // what was read is still reported
}

TEST(CliEnroll, MinQualityRefusesAProfileSayingWhy) {
  ARCFACE_REQUIRE_SHARED();
  const std::string gal = dir() + "/musk.gallery";
  fs::remove(gal);
  const std::string front = test::sample("musk/front/musk_front.jpg"), profile = test::sample("musk/profile/musk_profile.jpg");
  auto [code, out] = test::run_cli("enroll --gallery " + q(gal) + " --min-quality 0.4 musk " + q(front) + " " + q(profile));
  ASSERT_EQ(code, 0) << out;
  EXPECT_NE(out.find("musk_profile.jpg' refused: profile view, yaw"), std::string::npos) << out;
  EXPECT_NE(out.find("enrolled 1 photo(s)"), std::string::npos) << out;
  // Only poor photos: nothing to enroll, an error that says so.
  std::tie(code, out) = test::run_cli("enroll --gallery " + q(gal) + " --min-quality 0.4 musk " + q(profile));
  EXPECT_EQ(code, 1) << out;
  EXPECT_NE(out.find("no photo reaches --min-quality"), std::string::npos) << out;
  // Without the option both are enrolled, as before.
  fs::remove(gal);
  std::tie(code, out) = test::run_cli("enroll --gallery " + q(gal) + " musk " + q(front) + " " + q(profile));
  ASSERT_EQ(code, 0) << out;
  EXPECT_NE(out.find("enrolled 2 photo(s)"), std::string::npos) << out;
}
