// arcface video: track faces in a video file, a camera or a stream.
#include "video_commands.hpp"

#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>

#include <opencv2/videoio.hpp>

#include "arcface/quality.hpp"
#include "arcface/tracker.hpp"
#include "arcface/video.hpp"

namespace fs = std::filesystem;

namespace arcface::cli {

namespace {

using Clock = std::chrono::steady_clock;

double seconds_since(Clock::time_point t) { return std::chrono::duration<double>(Clock::now() - t).count(); }

// The annotated output: opened at the first frame, with a codec FFmpeg always has.
class OutputVideo {
 public:
  OutputVideo(std::string path, double fps) : path_(std::move(path)), fps_(fps > 0 ? fps : 25.0) {}
  void write(const cv::Mat& frame) {
    if (path_.empty()) return;
    if (!writer_.isOpened()) open(frame.size());
    writer_.write(frame);
    ++frames_;
  }
  long long frames() const { return frames_; }
  void close() {
    if (writer_.isOpened()) writer_.release();
  }

 private:
  void open(cv::Size size) {
    std::string ext = fs::path(path_).extension().string();
    std::transform(ext.begin(), ext.end(), ext.begin(), [](unsigned char c) { return std::tolower(c); });
    int fourcc = 0;
    if (ext == ".mp4" || ext == ".m4v" || ext == ".mov" || ext == ".mkv") fourcc = cv::VideoWriter::fourcc('m', 'p', '4', 'v');
    else if (ext == ".avi") fourcc = cv::VideoWriter::fourcc('M', 'J', 'P', 'G');
    else throw InputError("annotated video '" + path_ + "': use a .mp4, .mkv, .mov or .avi file name");
    bool ok = false;
    try {
      ok = writer_.open(path_, cv::CAP_FFMPEG, fourcc, fps_, size);
    } catch (const cv::Exception& e) {
      throw IoError("cannot write video '" + path_ + "': " + e.err);
    }
    if (!ok) throw IoError("cannot write video '" + path_ + "' (unwritable directory, or FFmpeg lacks the codec)");
  }
  std::string path_;
  double fps_;
  cv::VideoWriter writer_;
  long long frames_ = 0;
};

json box_json(const cv::Rect2f& b) { return {b.x, b.y, b.width, b.height}; }

json record_json(const TrackRecord& r, const std::string& crop) {
  json votes = json::object();
  for (const auto& [name, w] : r.votes) votes[name.empty() ? "unknown" : name] = w;
  json j{{"track", r.id},
         {"identity", r.identity.empty() ? json(nullptr) : json(r.identity)},
         {"confidence", r.confidence},
         {"similarity", r.similarity},
         {"votes", votes},
         {"first_frame", r.first_frame},
         {"last_frame", r.last_frame},
         {"first_time", r.first_time},
         {"last_time", r.last_time},
         {"detections", r.detections},
         {"embeddings", r.embeddings},
         {"best_frame", r.best_frame},
         {"best_time", r.best_time},
         {"best_box", box_json(r.best_face.box)},
         {"best_quality", r.best_quality.score},
         {"best_pose", {{"yaw", r.best_quality.pose.yaw}, {"pitch", r.best_quality.pose.pitch}, {"roll", r.best_quality.pose.roll}}},
         {"end", r.end_reason}};
  if (!crop.empty()) j["crop"] = crop;
  return j;
}

// Per-frame identities without tracking (the --no-tracking baseline), drawn as tracks without ids.
std::vector<TrackedFace> identify_frame(const Pipeline& pipe, const Gallery* gallery, float thr, const cv::Mat& frame,
                                        const QualityOptions& qo) {
  const PipelineResult r = pipe.process(frame);
  std::vector<Identification> ids;
  if (gallery && gallery->size() > 0 && r.embeddings.rows() > 0) ids = gallery->identify(r.embeddings, thr);
  std::vector<TrackedFace> out;
  for (size_t i = 0; i < r.faces.size(); ++i) {
    TrackedFace t;
    t.face = r.faces[i];
    t.detected = true;
    t.quality = assess_quality(frame, r.faces[i], qo);
    t.embeddings = 1;
    if (!ids.empty() && ids[i].known) t.identity = ids[i].identity, t.similarity = ids[i].score, t.confidence = 1.f;
    out.push_back(t);
  }
  return out;
}

}  // namespace

int cmd_video(const Globals& g, const VideoArgs& a) {
  if (a.every < 1) throw InputError("--every must be at least 1");
  if (a.no_tracking && (!a.timeline.empty() || !a.crops.empty()))
    throw InputError("--no-tracking has no tracks: --json and --crops need tracking");
  const Pipeline pipe(pipeline_options(g));
  std::optional<Gallery> gallery;
  if (!a.gallery.empty()) {
    GalleryOptions o;
    o.threads = g.threads;
    gallery.emplace(Gallery::load(a.gallery, o));
    require_gallery_embedder(*gallery, a.gallery, pipe);
  }
  TrackerOptions to;
  if (a.threshold) to.threshold = *a.threshold;
  if (a.detect_side >= 0) to.detect_max_side = a.detect_side;
  FaceTracker tracker(pipe, gallery ? &*gallery : nullptr, to);

  VideoSource src(a.input);
  const VideoInfo& info = src.info();
  std::ofstream timeline;
  if (!a.timeline.empty()) {
    timeline.open(a.timeline);
    if (!timeline) throw IoError("cannot write timeline '" + a.timeline + "'");
  }
  if (!a.crops.empty()) {
    std::error_code ec;
    fs::create_directories(a.crops, ec);
    if (ec) throw IoError("cannot create crops directory '" + a.crops + "': " + ec.message());
  }
  OutputVideo out(a.output, info.fps);
  if (!g.quiet)
    std::fprintf(stderr, "%s %s: %dx%d, %s fps, %s frames (%s)%s\n", info.kind.c_str(), a.input.c_str(), info.width,
                 info.height, info.fps > 0 ? std::to_string(info.fps).substr(0, 5).c_str() : "unknown",
                 info.frame_count > 0 ? std::to_string(info.frame_count).c_str() : "unknown", info.backend.c_str(),
                 a.no_tracking ? ", full pipeline on every frame (no tracking)" : "");

  long long tracks_written = 0, processed = 0, dropped = 0;
  std::vector<TrackedFace> shown;
  auto write_records = [&](const std::vector<TrackRecord>& records) {
    for (const auto& r : records) {
      std::string crop;
      if (!a.crops.empty() && !r.best_crop.empty()) {
        char leaf[32];
        std::snprintf(leaf, sizeof leaf, "track_%04d.jpg", r.id);
        crop = (fs::path(a.crops) / leaf).string();
        write_image(crop, r.best_crop);
      }
      if (timeline.is_open()) timeline << record_json(r, crop).dump() << "\n";
      ++tracks_written;
    }
  };
  const bool tty = isatty(2);
  const Clock::time_point start = Clock::now();
  double last_report = 0;
  const double frame_period = info.fps > 0 ? 1.0 / info.fps : 0.0;
  cv::Mat frame;
  for (;;) {
    if (a.max_frames > 0 && src.frames_returned() >= a.max_frames) break;
    // Real time: a frame whose time has passed by more than one frame period is dropped unread
    // (for a camera or stream: a buffered frame that is already old).
    if (a.realtime && frame_period > 0 &&
        seconds_since(start) > static_cast<double>(src.frames_returned() + 1) * frame_period) {
      if (!src.skip()) break;
      ++dropped;
      continue;
    }
    const long long n = src.frames_returned();
    const bool process = n % a.every == 0;
    if (!process && a.output.empty()) {
      if (!src.skip()) break;
      continue;
    }
    if (!src.read(frame)) break;
    if (process) {
      shown = a.no_tracking ? identify_frame(pipe, gallery ? &*gallery : nullptr,
                                             a.threshold.value_or(pipe.embedder().info().threshold), frame, to.quality)
                            : tracker.update(frame, src.frame_number(), src.time());
      ++processed;
      write_records(tracker.take_finished());
    }
    if (!a.output.empty()) out.write(draw_tracks(frame, shown));
    const double el = seconds_since(start);
    if (!g.quiet && el - last_report >= (tty ? 0.5 : 5.0)) {
      last_report = el;
      std::fprintf(stderr, "%sframe %lld%s, %.1f fps, %zu face(s) now%s", tty ? "\r" : "", static_cast<long long>(src.frames_returned()),
                   info.frame_count > 0 ? ("/" + std::to_string(info.frame_count)).c_str() : "", processed / el,
                   shown.size(), tty ? "   " : "\n");
      std::fflush(stderr);
    }
  }
  if (!a.no_tracking) write_records(tracker.finish());
  out.close();
  const double el = std::max(1e-9, seconds_since(start));
  if (!g.quiet && tty) std::fprintf(stderr, "\n");
  const auto& st = tracker.stats();
  std::printf("%lld frames read, %lld processed%s, %lld dropped to keep up; %.2f s, %.1f frames/s processed (%.1f "
              "frames/s of video)\n",
              static_cast<long long>(src.frames_returned()), processed,
              a.every > 1 ? (" (every " + std::to_string(a.every) + ")").c_str() : "", dropped, el, processed / el,
              static_cast<double>(src.frames_returned()) / el);
  if (!a.no_tracking)
    std::printf("%lld track(s); %lld detections, %lld embeddings (%.2f per processed frame)\n", tracks_written,
                static_cast<long long>(st.detections), static_cast<long long>(st.embeddings),
                processed > 0 ? static_cast<double>(st.embeddings) / processed : 0.0);
  if (!a.timeline.empty()) std::printf("timeline: %s\n", a.timeline.c_str());
  if (!a.output.empty()) std::printf("annotated video: %s (%lld frames)\n", a.output.c_str(), out.frames());
  if (src.ended_early())
    throw IoError(info.kind + " '" + a.input + "' ended after " + std::to_string(src.frames_returned()) + " of the " +
                  std::to_string(info.frame_count) + " frames its header declares: truncated or corrupt (the outputs "
                  "cover the frames read)");
  return 0;
}

}  // namespace arcface::cli
