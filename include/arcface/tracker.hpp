#pragma once
/// @file tracker.hpp
/// Faces in video: tracking across frames, embedding on the best frames, an identity per track.

#include "arcface/export.hpp"
#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include <opencv2/core/mat.hpp>

#include "arcface/embedder.hpp"
#include "arcface/face.hpp"
#include "arcface/quality.hpp"

ARCFACE_API_BEGIN
namespace arcface {

class Pipeline;
class Gallery;

/// Options of FaceTracker. Frame counts are in frames given to FaceTracker::update.
struct TrackerOptions {
  /// The tracker detects on every frame at this longer side (the frame is downscaled when it is
  /// larger; 0: the pipeline detector's own setting). Faces are re-detected at full resolution
  /// around the track before each embedding, so the landmarks used for recognition are precise.
  int detect_max_side = 320;
  /// A detection continues a track when their boxes overlap at least this much (IoU between the
  /// detection and the track's box predicted by its Kalman filter).
  float match_iou = 0.3f;
  /// Two candidates whose overlaps differ by less than this are ambiguous: the detection is then
  /// embedded and the candidate whose track looks most alike wins.
  float ambiguity_margin = 0.15f;
  /// A matched detection whose appearance (normalised correlation of a 16x16 grey thumbnail)
  /// differs from the track's previous frame more than this (correlation below it) is embedded
  /// and compared with the track. It is another person (a cut, or one face replacing another),
  /// and the track ends, when its cosine similarity to the track's embeddings is below
  /// split_similarity, or below rename_similarity while the gallery names it as someone else
  /// than the track's identity.
  float appearance_check = 0.8f;
  float split_similarity = 0.25f;
  float rename_similarity = 0.7f;
  /// Frames a track survives without a matching detection (short occlusions, missed detections);
  /// its box is predicted meanwhile. Tracks whose predicted box leaves the frame end at once.
  int max_missed = 12;
  /// Detections a new track needs before it is reported (filters single-frame false positives).
  int min_hits = 2;
  /// A track is embedded at its first sighting, then whenever its quality exceeds that of its
  /// best embedded frame by quality_gain, and at least every reembed_every frames.
  float quality_gain = 0.1f;
  int reembed_every = 50;
  /// Embeddings kept per track for the identity vote (the best by quality).
  int max_votes = 8;
  /// Cosine threshold for a gallery match; negative: the embedder's recommended threshold.
  float threshold = -1.f;
  /// Quality assessment of each detection.
  QualityOptions quality;
};

/// A face being tracked, as of the current frame.
struct TrackedFace {
  int id = 0;               ///< track id, unique within the tracker, from 1
  Face face;                ///< the detection; when missed, the predicted box and shifted landmarks
  bool detected = false;    ///< false when the face was not detected in this frame (predicted)
  int missed = 0;           ///< consecutive frames without a detection
  FaceQuality quality;      ///< of this frame's detection (of the last one when missed)
  std::string identity;     ///< the vote's winner; empty when unknown or no gallery
  float confidence = 0.f;   ///< the winner's share of the quality-weighted votes, in [0, 1]
  float similarity = 0.f;   ///< the winner's mean cosine similarity over its votes
  int embeddings = 0;       ///< embeddings computed for this track so far
  bool embedded_now = false;  ///< this frame's detection was embedded
};

/// A track's whole life, for timelines: reported when the track ends.
struct TrackRecord {
  int id = 0;
  std::string identity;   ///< empty when unknown
  float confidence = 0.f;
  float similarity = 0.f;
  /// Quality-weighted votes per identity ("" = unknown).
  std::map<std::string, float> votes;
  std::int64_t first_frame = 0, last_frame = 0;  ///< frames of the first and last detection
  double first_time = 0, last_time = 0;          ///< their times (seconds, as given to update)
  int detections = 0;    ///< frames in which the face was detected
  int embeddings = 0;    ///< embeddings computed
  /// The best-quality detection: its frame, time, face, quality and a crop of the frame around
  /// it (the box enlarged by 40 %, clipped to the frame; BGR).
  std::int64_t best_frame = 0;
  double best_time = 0;
  Face best_face;
  FaceQuality best_quality;
  cv::Mat best_crop;
  /// Why it ended: "lost" (missed too long), "left" (left the frame), "replaced" (another person
  /// took its place) or "end" (finish() was called).
  std::string end_reason;
};

/// Counters since construction.
struct TrackerStats {
  std::int64_t frames = 0, detections = 0, embeddings = 0, tracks = 0, splits = 0, refinements = 0;
};

/// Follows faces through a sequence of frames (a video, a camera), one frame at a time.
///
/// Each frame is detected (downscaled, see TrackerOptions::detect_max_side); detections are
/// associated with the tracks by box overlap against each track's Kalman-predicted box
/// (constant velocity in centre and size), and by embedding similarity where the overlap is
/// ambiguous. A track's face is embedded only on its best frames (first sighting, a clear quality
/// gain, or every reembed_every frames), and each embedding votes for its gallery match,
/// weighted by the frame's quality; the track's identity is the vote's winner.
///
/// Input contract: frames as in image.hpp (BGR), all of one size, in order. Thread safety: one
/// thread at a time (update changes the tracker); the pipeline and gallery are only read and
/// must outlive the tracker. Movable, not copyable.
class FaceTracker {
 public:
  /// @param pipeline  its detector's options (backend, model, threshold) and its embedder are used
  /// @param gallery   identities to recognise; nullptr: tracks have no identity
  /// @throws InputError for invalid options or a gallery of another embedder;
  ///         ModelError as Detector.
  FaceTracker(const Pipeline& pipeline, const Gallery* gallery = nullptr, TrackerOptions options = {});
  ~FaceTracker();
  FaceTracker(FaceTracker&&) noexcept;
  FaceTracker& operator=(FaceTracker&&) noexcept;
  FaceTracker(const FaceTracker&) = delete;
  FaceTracker& operator=(const FaceTracker&) = delete;

  /// Process the next frame and return the reported tracks (confirmed, alive), by id.
  /// @param frame_number  the frame's number in its video (negative: previous + 1, from 0)
  /// @param time          its time in seconds (negative: unknown, recorded as -1)
  /// @throws InputError for an empty or unsupported frame, or one of another size than the first.
  std::vector<TrackedFace> update(const cv::Mat& frame, std::int64_t frame_number = -1, double time = -1);

  /// Tracks that ended since the last call (confirmed ones only), in the order they ended.
  std::vector<TrackRecord> take_finished();
  /// End every live track (end of the video) and return them with any not yet taken.
  std::vector<TrackRecord> finish();

  const TrackerOptions& options() const;
  const TrackerStats& stats() const;
  /// The cosine threshold in effect for gallery matches.
  float threshold() const;

  struct Impl;

 private:
  std::unique_ptr<Impl> impl_;
};

/// Draw tracks on a copy of @p frame: box (green: identified, orange: unknown, grey: predicted),
/// "#id name confidence" and the quality. BGR CV_8UC3.
cv::Mat draw_tracks(const cv::Mat& frame, const std::vector<TrackedFace>& tracks);

}  // namespace arcface
ARCFACE_API_END
