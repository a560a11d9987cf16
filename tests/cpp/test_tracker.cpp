// FaceTracker and VideoSource on clips built from the sample photos (tests/cpp/video_clips.*).
#include <filesystem>
#include <fstream>
#include <map>
#include <set>

#include <opencv2/imgcodecs.hpp>
#include <opencv2/videoio.hpp>

#include "arcface/arcface.hpp"
#include "arcface/tracker.hpp"
#include "arcface/video.hpp"
#include "common.hpp"
#include "video_clips.hpp"

namespace fs = std::filesystem;
using namespace arcface;

namespace {

// Pipeline, gallery and actors, built once for the tests of this file.
struct World {
  Pipeline pipe;
  Gallery gallery;
  std::vector<test::Actor> actors;
  World() : gallery(pipe) {
    actors = test::scenario_actors(pipe.detector(), test::samples_dir());
    for (const auto& [name, photos] : test::gallery_photos(test::samples_dir())) {
      std::vector<cv::Mat> images;
      for (const auto& p : photos) images.push_back(read_image(p));
      gallery.enroll(name, images, pipe);
    }
  }
};

World& world() {
  static World w;
  return w;
}

bool detail_iou_ok(const cv::Rect2f& a, const cv::Rect2f& b) {
  const float inter = (a & b).area();
  return inter > 0.5f * (a.area() + b.area() - inter);
}

std::string video_dir() {
  const std::string d = test::fixtures() + "/video";
  fs::create_directories(d);
  return d;
}

struct ScenarioRun {
  std::map<int, std::map<int, int>> actors_of_track;  // track id -> actor -> frames
  std::map<int, TrackRecord> records;
  std::vector<std::vector<TrackedFace>> frames;
  TrackerStats stats;
};

ScenarioRun track_scenario() {
  World& w = world();
  const test::ClipSpec spec = test::scenario_clip();
  FaceTracker tracker(w.pipe, &w.gallery);
  ScenarioRun run;
  for (int f = 0; f < spec.frames; ++f) {
    const cv::Mat frame = test::render_frame(spec, w.actors, f);
    auto tracks = tracker.update(frame, f, f / spec.fps);
    for (const auto& t : tracks)
      if (t.detected) ++run.actors_of_track[t.id][test::actor_at(spec, f, t.face.box)];
    if (f == 200) cv::imwrite(video_dir() + "/annotated-frame.png", draw_tracks(frame, tracks));
    for (auto& r : tracker.take_finished()) run.records[r.id] = r;
    run.frames.push_back(std::move(tracks));
  }
  for (auto& r : tracker.finish()) run.records[r.id] = r;
  run.stats = tracker.stats();
  return run;
}

const ScenarioRun& scenario() {
  static const ScenarioRun r = track_scenario();
  return r;
}

}  // namespace

TEST(Tracker, ScenarioTracksIdentitiesNoSwitches) {
  ARCFACE_REQUIRE_SHARED();
  const ScenarioRun& run = scenario();
  const auto& names = world().actors;
  for (const auto& [id, r] : run.records)
    std::printf("track %d: %-12s conf %.2f sim %.2f frames %lld-%lld, %d detections, %d embeddings, best q %.2f, %s\n",
                id, r.identity.c_str(), r.confidence, r.similarity, static_cast<long long>(r.first_frame),
                static_cast<long long>(r.last_frame), r.detections, r.embeddings, r.best_quality.score, r.end_reason.c_str());
  // Five tracks: jeff (through the occlusion), kurt (after the cut), jeff again, emma, emma again.
  ASSERT_EQ(run.records.size(), 5u);
  std::vector<const TrackRecord*> by_start;
  for (const auto& [id, r] : run.records) by_start.push_back(&r);

  // No id switch: every frame of a track shows one and the same person.
  for (const auto& [id, actors] : run.actors_of_track) {
    std::set<int> people;
    for (const auto& [a, n] : actors)
      if (a >= 0) people.insert(a);
    EXPECT_EQ(people.size(), 1u) << "track " << id << " switched between people";
  }
  auto actor = [&](const TrackRecord* r) {
    const auto& m = run.actors_of_track.at(r->id);
    return std::max_element(m.begin(), m.end(), [](auto& a, auto& b) { return a.second < b.second; })->first;
  };
  // In order of appearance (at the same frame: by actor).
  std::sort(by_start.begin(), by_start.end(), [&](auto* a, auto* b) {
    return a->first_frame != b->first_frame ? a->first_frame < b->first_frame : actor(a) < actor(b);
  });
  const int expected[5] = {0, 1, 0, 2, 2};
  for (int k = 0; k < 5; ++k) {
    const TrackRecord& r = *by_start[static_cast<size_t>(k)];
    EXPECT_EQ(actor(&r), expected[k]) << "track " << r.id;
    EXPECT_EQ(r.identity, names[static_cast<size_t>(expected[k])].name) << "track " << r.id;
    EXPECT_GE(r.confidence, 0.6f) << "track " << r.id;
  }
  // Segment 1: one track from the start, through the 6-frame occlusion (60-65), to the cut.
  EXPECT_LE(by_start[0]->first_frame, 2);
  EXPECT_GE(by_start[0]->last_frame, 97);
  EXPECT_EQ(by_start[0]->end_reason, "replaced");  // the cut: another person in its place
  EXPECT_GE(by_start[1]->first_frame, 100);
  EXPECT_LE(by_start[1]->first_frame, 102);
  // The blank stretch ends the tracks: nothing detected in 150-169, nothing alive at 169.
  EXPECT_LE(by_start[1]->last_frame, 150);
  for (int f = 150; f < 170; ++f)
    for (const auto& t : run.frames[static_cast<size_t>(f)]) EXPECT_FALSE(t.detected) << "frame " << f;
  EXPECT_TRUE(run.frames[169].empty());
  // Emma leaves (her track ends before she is back) and returns as a new track.
  EXPECT_LT(by_start[3]->last_frame, 250);
  EXPECT_TRUE(by_start[3]->end_reason == "left" || by_start[3]->end_reason == "lost") << by_start[3]->end_reason;
  EXPECT_GE(by_start[4]->first_frame, 280);
  EXPECT_EQ(by_start[4]->end_reason, "end");
  // The second jeff track lasts the whole second half.
  EXPECT_LE(by_start[2]->first_frame, 172);
  EXPECT_GE(by_start[2]->last_frame, 327);
  // Embedding on the best frames only: far fewer embeddings than detections.
  EXPECT_LT(run.stats.embeddings * 4, run.stats.detections) << run.stats.embeddings << " embeddings for "
                                                            << run.stats.detections << " detections";
  // The best frame's crop is kept.
  for (const auto& [id, r] : run.records) EXPECT_FALSE(r.best_crop.empty());


  // Same identities as the full pipeline run on every (5th) frame: the faces of each track are
  // named by the pipeline alone as the track is named.
  World& w = world();
  const test::ClipSpec spec = test::scenario_clip();
  const float thr = w.pipe.embedder().info().threshold;
  std::map<int, std::map<std::string, int>> pipeline_names;  // track id -> names the pipeline gave
  int compared = 0;
  for (int f = 0; f < spec.frames; f += 5) {
    const cv::Mat frame = test::render_frame(spec, w.actors, f);
    const PipelineResult r = w.pipe.process(frame);
    const auto ids = r.faces.empty() ? std::vector<Identification>{} : w.gallery.identify(r.embeddings, thr);
    for (size_t i = 0; i < r.faces.size(); ++i)
      for (const auto& t : run.frames[static_cast<size_t>(f)])
        if (t.detected && detail_iou_ok(t.face.box, r.faces[i].box)) {
          ++pipeline_names[t.id][ids[i].known ? ids[i].identity : ""];
          ++compared;
        }
  }
  for (const auto& [id, given] : pipeline_names) {
    const auto top = std::max_element(given.begin(), given.end(), [](auto& a, auto& b) { return a.second < b.second; });
    EXPECT_EQ(top->first, run.records.at(id).identity) << "track " << id;
  }
  EXPECT_GT(compared, 60);
}

TEST(Tracker, RefusesBadInput) {
  ARCFACE_REQUIRE_SHARED();
  World& w = world();
  FaceTracker tracker(w.pipe, &w.gallery);
  EXPECT_THROW(tracker.update(cv::Mat()), InputError);
  tracker.update(cv::Mat(360, 640, CV_8UC3, cv::Scalar::all(100)));
  try {
    tracker.update(cv::Mat(200, 300, CV_8UC3, cv::Scalar::all(100)));
    FAIL() << "a frame of another size was accepted";
  } catch (const InputError& e) {
    EXPECT_NE(std::string(e.what()).find("300x200"), std::string::npos) << e.what();
  }
  TrackerOptions bad;
  bad.match_iou = 0.f;
  EXPECT_THROW(FaceTracker(w.pipe, nullptr, bad), InputError);
  Gallery other("some-other-embedder", 128);
  EXPECT_THROW(FaceTracker(w.pipe, &other), InputError);
  // Without a gallery, tracks have no identity but are tracked all the same.
  FaceTracker anonymous(w.pipe);
  const test::ClipSpec spec = test::scenario_clip();
  std::vector<TrackedFace> t;
  for (int f = 0; f < 5; ++f) t = anonymous.update(test::render_frame(spec, w.actors, f));
  ASSERT_EQ(t.size(), 1u);
  EXPECT_TRUE(t[0].identity.empty());
  EXPECT_EQ(t[0].id, 1);
}

// ---------------------------------------------------------------------------- VideoSource

namespace {

// The scenario clip as a file; each test writes its own (ctest runs tests in parallel processes).
std::string scenario_file(const std::string& name) {
  const std::string p = video_dir() + "/" + name;
  if (!test::write_clip(p, test::scenario_clip(), world().actors)) throw Error("cannot write " + p);
  return p;
}

void write_prefix(const std::string& from, const std::string& to, double fraction) {
  std::ifstream in(from, std::ios::binary);
  std::string bytes((std::istreambuf_iterator<char>(in)), {});
  std::ofstream(to, std::ios::binary) << bytes.substr(0, static_cast<size_t>(bytes.size() * fraction));
}

template <class F>
std::string io_error_of(F&& f) {
  try {
    f();
  } catch (const IoError& e) {
    return e.what();
  }
  return "(no IoError)";
}

}  // namespace

TEST(VideoSource, ReadsTheClipItWasWritten) {
  ARCFACE_REQUIRE_SHARED();
  VideoSource src(scenario_file("scenario-read.avi"));
  EXPECT_EQ(src.info().kind, "file");
  EXPECT_EQ(src.info().width, 640);
  EXPECT_EQ(src.info().height, 360);
  EXPECT_NEAR(src.info().fps, 25.0, 1e-6);
  EXPECT_EQ(src.info().frame_count, 330);
  cv::Mat frame;
  int n = 0;
  while (src.read(frame)) {
    ASSERT_EQ(frame.type(), CV_8UC3);
    if (n == 10) {
      EXPECT_NEAR(src.time(), 0.4, 1e-9);
    }
    ++n;
  }
  EXPECT_EQ(n, 330);
  EXPECT_FALSE(src.ended_early());
  EXPECT_FALSE(src.read(frame));  // stays at the end
}

TEST(VideoSource, BadInputIsAClearError) {
  ARCFACE_REQUIRE_SHARED();
  const std::string d = video_dir();
  // Missing file, directory, a text file named .mp4.
  std::string e = io_error_of([&] { VideoSource(d + "/missing.mp4"); });
  EXPECT_NE(e.find("does not exist"), std::string::npos) << e;
  e = io_error_of([&] { VideoSource{d}; });
  EXPECT_NE(e.find("is a directory"), std::string::npos) << e;
  std::ofstream(d + "/not-a-video.mp4") << "this is a text file, not a video\n";
  e = io_error_of([&] { VideoSource(d + "/not-a-video.mp4"); });
  EXPECT_NE(e.find("not-a-video.mp4"), std::string::npos) << e;
  EXPECT_NE(e.find("cannot open video file"), std::string::npos) << e;
  // A camera that does not exist.
  e = io_error_of([&] { VideoSource("93"); });
  EXPECT_NE(e.find("cannot open camera 93"), std::string::npos) << e;
  // An MP4 cut in half (its index is at the end): cannot be opened.
  const test::ClipSpec spec = test::crowd_clip(1, 20);
  ASSERT_TRUE(test::write_clip(d + "/short.mp4", spec, world().actors));
  write_prefix(d + "/short.mp4", d + "/truncated.mp4", 0.5);
  e = io_error_of([&] { VideoSource(d + "/truncated.mp4"); });
  EXPECT_NE(e.find("truncated.mp4"), std::string::npos) << e;
  // An AVI cut in half plays its first half, then says that it ended early.
  write_prefix(scenario_file("scenario-whole.avi"), d + "/truncated.avi", 0.5);
  VideoSource half(d + "/truncated.avi");
  cv::Mat frame;
  int n = 0;
  while (half.read(frame)) ++n;
  EXPECT_GT(n, 100);
  EXPECT_LT(n, 230);
  EXPECT_TRUE(half.ended_early());
  // A video with no frame at all.
  {
    cv::VideoWriter w(d + "/empty.avi", cv::CAP_FFMPEG, cv::VideoWriter::fourcc('M', 'J', 'P', 'G'), 25, {640, 360});
    ASSERT_TRUE(w.isOpened());
  }
  e = io_error_of([&] { VideoSource(d + "/empty.avi"); });
  EXPECT_NE(e.find("empty.avi"), std::string::npos) << e;
  EXPECT_TRUE(e.find("no readable frame") != std::string::npos || e.find("cannot open") != std::string::npos) << e;
}
