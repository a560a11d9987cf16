// Face quality, FaceTracker and VideoSource.
#include <pybind11/stl.h>

#include "arcface/gallery.hpp"
#include "arcface/pipeline.hpp"
#include "arcface/quality.hpp"
#include "arcface/tracker.hpp"
#include "arcface/video.hpp"
#include "bindings.hpp"
#include "convert.hpp"
#include "options.hpp"

namespace pyarcface {

namespace {

py::tuple box_tuple(const cv::Rect2f& b) { return py::make_tuple(b.x, b.y, b.width, b.height); }

void bind_quality(py::module_& m) {
  using arcface::FaceQuality;
  using arcface::HeadPose;
  using arcface::QualityOptions;
  py::class_<HeadPose>(m, "HeadPose", "Head rotation in degrees: yaw (+: towards image right), pitch (+: down), roll.")
      .def_readonly("yaw", &HeadPose::yaw)
      .def_readonly("pitch", &HeadPose::pitch)
      .def_readonly("roll", &HeadPose::roll)
      .def("__iter__", [](const HeadPose& p) { return py::iter(py::make_tuple(p.yaw, p.pitch, p.roll)); })
      .def("__repr__", [](const HeadPose& p) {
        char b[96];
        std::snprintf(b, sizeof b, "<pyarcface.HeadPose yaw %.1f pitch %.1f roll %.1f>", p.yaw, p.pitch, p.roll);
        return std::string(b);
      });
  OptionsClass<QualityOptions>(m, "QualityOptions", "Where each quality factor reaches 0 and 1 (the C++ QualityOptions).")
      .field("max_yaw", &QualityOptions::max_yaw, "yaw (degrees) at which the pose factor reaches 0")
      .field("max_pitch", &QualityOptions::max_pitch, "pitch (degrees) at which the pose factor reaches 0")
      .field("min_size", &QualityOptions::min_size, "face size (px) at or below which the size factor is 0")
      .field("good_size", &QualityOptions::good_size, "face size (px) at or above which the size factor is 1")
      .field("sharpness_half", &QualityOptions::sharpness_half, "sharpness at which the sharpness factor is 0.5")
      .field("min_detector_score", &QualityOptions::min_detector_score,
             "detector score at or below which the detection factor is 0")
      .field("consistency_low", &QualityOptions::consistency_low, "mirror consistency where its factor is 0")
      .field("consistency_high", &QualityOptions::consistency_high, "mirror consistency where its factor is 1")
      .done();
  py::class_<FaceQuality>(m, "FaceQuality", R"doc(How usable a face is for recognition.

score: combined quality in [0, 1]; pose (HeadPose), sharpness, size (px), detector_score; the
factors in [0, 1]; reason(): the weakest factor in words, e.g. "profile view, yaw 70 deg".)doc")
      .def_readonly("score", &FaceQuality::score)
      .def_readonly("pose", &FaceQuality::pose)
      .def_readonly("sharpness", &FaceQuality::sharpness)
      .def_readonly("size", &FaceQuality::size)
      .def_readonly("detector_score", &FaceQuality::detector_score)
      .def_readonly("pose_factor", &FaceQuality::pose_factor)
      .def_readonly("sharpness_factor", &FaceQuality::sharpness_factor)
      .def_readonly("size_factor", &FaceQuality::size_factor)
      .def_readonly("detector_factor", &FaceQuality::detector_factor)
      .def_readonly("consistency", &FaceQuality::consistency)
      .def_readonly("consistency_factor", &FaceQuality::consistency_factor)
      .def("reason", &FaceQuality::reason)
      .def("__repr__", [](const FaceQuality& q) { return "<pyarcface.FaceQuality " + arcface::to_string(q) + ">"; });
  m.def(
      "assess_quality",
      [](const py::array& image, const arcface::Face& face, const arcface::Embedder* embedder, py::object options,
         bool rgb) {
        py::object keep;
        const cv::Mat img = image_from_numpy(image, rgb, keep);
        const QualityOptions o = options.is_none() ? QualityOptions{} : options.cast<QualityOptions>();
        py::gil_scoped_release nogil;
        return embedder ? arcface::assess_quality(img, face, *embedder, o) : arcface::assess_quality(img, face, o);
      },
      py::arg("image"), py::arg("face"), py::arg("embedder") = py::none(), py::arg("options") = py::none(),
      py::arg("rgb") = false,
      "Quality of a face detected on image (BGR unless rgb=True); with an embedder (e.g. pipeline.embedder) also "
      "its mirror consistency, the best predictor of recognition errors.");
  m.def(
      "estimate_head_pose", [](const arcface::Face& f) { return arcface::estimate_head_pose(f.landmarks); },
      py::arg("face"), "Head pose (yaw, pitch, roll in degrees) from the face's five landmarks.");
}

void bind_video(py::module_& m) {
  using arcface::VideoSource;
  py::class_<arcface::VideoInfo>(m, "VideoInfo", "What a VideoSource reads: source, kind, width, height, fps, frame_count.")
      .def_readonly("source", &arcface::VideoInfo::source)
      .def_readonly("kind", &arcface::VideoInfo::kind)
      .def_readonly("width", &arcface::VideoInfo::width)
      .def_readonly("height", &arcface::VideoInfo::height)
      .def_readonly("fps", &arcface::VideoInfo::fps)
      .def_readonly("frame_count", &arcface::VideoInfo::frame_count)
      .def_readonly("backend", &arcface::VideoInfo::backend)
      .def("__repr__", [](const arcface::VideoInfo& i) {
        return "<pyarcface.VideoInfo " + i.kind + " '" + i.source + "' " + std::to_string(i.width) + "x" +
               std::to_string(i.height) + " " + std::to_string(i.fps) + " fps>";
      });
  py::class_<VideoSource>(m, "VideoSource", R"doc(Frames of a video file, a camera index ("0") or a stream URL.

Opening reads the first frame: a missing file, a file that is not a video, a camera that does not
exist or a video without frames raise pyarcface.IOError naming it. Iterate for BGR frames, or call
read() (None at the end).)doc")
      .def(py::init([](py::object source) {
             const std::string s = py::str(py::module_::import("os").attr("fspath")(
                                               py::isinstance<py::int_>(source) ? py::str(source) : source));
             py::gil_scoped_release nogil;
             return VideoSource(s);
           }),
           py::arg("source"))
      .def_property_readonly("info", &VideoSource::info)
      .def(
          "read",
          [](VideoSource& v) -> py::object {
            cv::Mat f;
            bool ok;
            {
              py::gil_scoped_release nogil;
              ok = v.read(f);
            }
            return ok ? py::object(image_to_numpy(f)) : py::object(py::none());
          },
          "The next frame (H, W, 3) uint8 BGR, or None at the end.")
      .def("skip", &VideoSource::skip, py::call_guard<py::gil_scoped_release>(), "Drop the next frame; False at the end.")
      .def_property_readonly("frame_number", &VideoSource::frame_number)
      .def_property_readonly("time", &VideoSource::time)
      .def_property_readonly("frames_returned", &VideoSource::frames_returned)
      .def_property_readonly("ended_early", &VideoSource::ended_early)
      .def("__iter__", [](py::object self) { return self; })
      .def("__next__", [](VideoSource& v) {
        cv::Mat f;
        bool ok;
        {
          py::gil_scoped_release nogil;
          ok = v.read(f);
        }
        if (!ok) throw py::stop_iteration();
        return image_to_numpy(f);
      });
}

}  // namespace

void bind_tracker(py::module_& m) {
  using arcface::FaceTracker;
  using arcface::TrackedFace;
  using arcface::TrackerOptions;
  using arcface::TrackRecord;
  bind_quality(m);
  bind_video(m);
  OptionsClass<TrackerOptions>(m, "TrackerOptions", "Options of FaceTracker (the C++ TrackerOptions).")
      .field("detect_max_side", &TrackerOptions::detect_max_side, "longer side frames are detected at; 0 = the pipeline detector's setting")
      .field("match_iou", &TrackerOptions::match_iou, "minimum IoU of a detection with a track's predicted box to continue it")
      .field("ambiguity_margin", &TrackerOptions::ambiguity_margin,
             "candidates whose overlaps differ by less are decided by embedding")
      .field("appearance_check", &TrackerOptions::appearance_check, "thumbnail correlation with the previous frame below which a match is embedded and compared")
      .field("split_similarity", &TrackerOptions::split_similarity, "similarity to the track below which it ends (another person)")
      .field("rename_similarity", &TrackerOptions::rename_similarity, "similarity below which a track the gallery names as someone else ends")
      .field("max_missed", &TrackerOptions::max_missed, "frames a track survives undetected")
      .field("min_hits", &TrackerOptions::min_hits, "detections before a track is reported")
      .field("quality_gain", &TrackerOptions::quality_gain, "quality gain over the best embedded frame that triggers a new embedding")
      .field("reembed_every", &TrackerOptions::reembed_every, "a track is embedded at least every this many frames")
      .field("max_votes", &TrackerOptions::max_votes, "embeddings kept per track for the identity vote")
      .field("threshold", &TrackerOptions::threshold, "identification threshold; negative = the model's")
      .field("quality", &TrackerOptions::quality, "QualityOptions of each detection")
      .done();

  py::class_<TrackedFace>(m, "TrackedFace", R"doc(A tracked face in the current frame.

id, face (Face; predicted box when not detected), detected, missed, quality (FaceQuality), identity
('' when unknown), confidence (vote share), similarity, embeddings, embedded_now.)doc")
      .def_readonly("id", &TrackedFace::id)
      .def_readonly("face", &TrackedFace::face)
      .def_property_readonly("box", [](const TrackedFace& t) { return box_tuple(t.face.box); })
      .def_readonly("detected", &TrackedFace::detected)
      .def_readonly("missed", &TrackedFace::missed)
      .def_readonly("quality", &TrackedFace::quality)
      .def_readonly("identity", &TrackedFace::identity)
      .def_readonly("confidence", &TrackedFace::confidence)
      .def_readonly("similarity", &TrackedFace::similarity)
      .def_readonly("embeddings", &TrackedFace::embeddings)
      .def_readonly("embedded_now", &TrackedFace::embedded_now)
      .def("__repr__", [](const TrackedFace& t) {
        char b[200];
        std::snprintf(b, sizeof b, "<pyarcface.TrackedFace #%d %s conf %.2f %s q %.2f>", t.id,
                      t.identity.empty() ? "unknown" : t.identity.c_str(), t.confidence,
                      t.detected ? "detected" : "predicted", t.quality.score);
        return std::string(b);
      });

  py::class_<TrackRecord>(m, "TrackRecord", R"doc(A finished track: id, identity, confidence, similarity, votes,
first/last frame and time, detections, embeddings, best frame/time/face/quality, best_crop (BGR
array), end_reason ("lost", "left", "replaced", "end").)doc")
      .def_readonly("id", &TrackRecord::id)
      .def_readonly("identity", &TrackRecord::identity)
      .def_readonly("confidence", &TrackRecord::confidence)
      .def_readonly("similarity", &TrackRecord::similarity)
      .def_readonly("votes", &TrackRecord::votes)
      .def_readonly("first_frame", &TrackRecord::first_frame)
      .def_readonly("last_frame", &TrackRecord::last_frame)
      .def_readonly("first_time", &TrackRecord::first_time)
      .def_readonly("last_time", &TrackRecord::last_time)
      .def_readonly("detections", &TrackRecord::detections)
      .def_readonly("embeddings", &TrackRecord::embeddings)
      .def_readonly("best_frame", &TrackRecord::best_frame)
      .def_readonly("best_time", &TrackRecord::best_time)
      .def_readonly("best_face", &TrackRecord::best_face)
      .def_readonly("best_quality", &TrackRecord::best_quality)
      .def_property_readonly("best_crop", [](const TrackRecord& r) -> py::object {
        return r.best_crop.empty() ? py::object(py::none()) : py::object(image_to_numpy(r.best_crop));
      })
      .def_readonly("end_reason", &TrackRecord::end_reason)
      .def("__repr__", [](const TrackRecord& r) {
        return "<pyarcface.TrackRecord #" + std::to_string(r.id) + " " + (r.identity.empty() ? "unknown" : r.identity) +
               " frames " + std::to_string(r.first_frame) + "-" + std::to_string(r.last_frame) + " " + r.end_reason + ">";
      });

  py::class_<arcface::TrackerStats>(m, "TrackerStats", "Counters: frames, detections, embeddings, tracks, splits, refinements.")
      .def_readonly("frames", &arcface::TrackerStats::frames)
      .def_readonly("detections", &arcface::TrackerStats::detections)
      .def_readonly("embeddings", &arcface::TrackerStats::embeddings)
      .def_readonly("tracks", &arcface::TrackerStats::tracks)
      .def_readonly("splits", &arcface::TrackerStats::splits)
      .def_readonly("refinements", &arcface::TrackerStats::refinements);

  py::class_<FaceTracker>(m, "FaceTracker", R"doc(Follows faces through video frames, one frame at a time.

FaceTracker(pipeline, gallery=None, options=None, **TrackerOptions keywords). update(frame) returns
the tracks of that frame (list of TrackedFace); take_finished() / finish() return TrackRecords.
The pipeline and gallery are kept alive by the tracker. Not thread-safe (one thread at a time).)doc")
      .def(py::init([m](const arcface::Pipeline& pipeline, const arcface::Gallery* gallery, py::object options,
                        py::kwargs kw) {
             const TrackerOptions o = options.is_none() ? m.attr("TrackerOptions")(**kw).template cast<TrackerOptions>()
                                                        : options.cast<TrackerOptions>();
             py::gil_scoped_release nogil;
             return FaceTracker(pipeline, gallery, o);
           }),
           py::arg("pipeline"), py::arg("gallery") = py::none(), py::arg("options") = py::none(),
           py::keep_alive<1, 2>(), py::keep_alive<1, 3>())
      .def(
          "update",
          [](FaceTracker& t, const py::array& frame, std::int64_t frame_number, double time, bool rgb) {
            py::object keep;
            const cv::Mat img = image_from_numpy(frame, rgb, keep);
            py::gil_scoped_release nogil;
            return t.update(img, frame_number, time);
          },
          py::arg("frame"), py::arg("frame_number") = -1, py::arg("time") = -1.0, py::arg("rgb") = false,
          "Process the next frame; returns its tracks (confirmed, alive), by id.")
      .def("take_finished", &FaceTracker::take_finished, "Tracks that ended since the last call.")
      .def("finish", &FaceTracker::finish, "End every track (end of the video) and return them.")
      .def_property_readonly("options", &FaceTracker::options)
      .def_property_readonly("stats", &FaceTracker::stats)
      .def_property_readonly("threshold", &FaceTracker::threshold);

  m.def(
      "draw_tracks",
      [](const py::array& frame, const std::vector<TrackedFace>& tracks) {
        py::object keep;
        const cv::Mat img = image_from_numpy(frame, false, keep);
        cv::Mat out;
        {
          py::gil_scoped_release nogil;
          out = arcface::draw_tracks(img, tracks);
        }
        return image_to_numpy(out);
      },
      py::arg("frame"), py::arg("tracks"), "A copy of the BGR frame with the tracks drawn.");
}

}  // namespace pyarcface
