#include "arcface/tracker.hpp"

#include <algorithm>
#include <cmath>
#include <list>
#include <optional>

#include <opencv2/imgproc.hpp>

#include "arcface/error.hpp"
#include "arcface/gallery.hpp"
#include "arcface/image.hpp"
#include "arcface/pipeline.hpp"
#include "video/track.hpp"

namespace arcface {

using detail::Track;

namespace {

// Side of the square into which the region around a track is scaled for the full-resolution
// re-detection before an embedding (fixed, so that the detector is planned once).
constexpr int kRefineSide = 192;

DetectorOptions with_max_side(DetectorOptions o, int side) {
  o.max_input_side = side;
  return o;
}

}  // namespace

struct FaceTracker::Impl {
  const Pipeline& pipeline;
  const Gallery* gallery;
  TrackerOptions options;
  Detector detector;                // whole frames, downscaled
  std::optional<Detector> refiner;  // the region around a track at full resolution
  float threshold = 0.f;
  std::list<Track> tracks;
  std::vector<TrackRecord> finished;
  TrackerStats stats;
  int next_key = 1, next_id = 1;
  std::int64_t last_frame = -1;
  cv::Size frame_size;

  Impl(const Pipeline& p, const Gallery* g, TrackerOptions o)
      : pipeline(p),
        gallery(g),
        options(std::move(o)),
        detector(options.detect_max_side > 0 ? with_max_side(p.detector().options(), options.detect_max_side)
                                             : p.detector().options()) {
    const auto& o2 = options;
    if (o2.detect_max_side < 0) throw InputError("detect_max_side must not be negative");
    if (!(o2.match_iou > 0.f && o2.match_iou <= 1.f)) throw InputError("match_iou must be in (0, 1]");
    if (o2.max_missed < 0 || o2.min_hits < 1 || o2.reembed_every < 1 || o2.max_votes < 1)
      throw InputError("max_missed must be >= 0 and min_hits, reembed_every, max_votes >= 1");
    if (gallery && (gallery->embedder() != p.embedder().info().name || gallery->dimension() != p.embedder().dimension()))
      throw InputError("the gallery holds embeddings of '" + gallery->embedder() + "' but the pipeline embeds with '" +
                       p.embedder().info().name + "'");
    threshold = o2.threshold >= 0.f ? o2.threshold : p.embedder().info().threshold;
    const int side = detector.options().max_input_side;
    if (side > 0 && side != p.detector().options().max_input_side) {
      DetectorOptions r = p.detector().options();
      r.max_input_side = 0;
      r.min_input_side = 0;
      r.min_face_size = 0.f;
      refiner.emplace(r);
    }
  }

  // The face re-detected at full resolution in the region around it (the landmarks the embedder
  // aligns with); the face itself when that finds nothing.
  Face refine(const cv::Mat& bgr, const Face& f) {
    if (!refiner) return f;
    const float side = 2.f * std::max(f.box.width, f.box.height);
    const cv::Rect2f want(f.box.x + f.box.width / 2 - side / 2, f.box.y + f.box.height / 2 - side / 2, side, side);
    const cv::Rect roi = cv::Rect(want) & cv::Rect(0, 0, bgr.cols, bgr.rows);
    if (roi.width < 8 || roi.height < 8) return f;
    const float s = static_cast<float>(kRefineSide) / std::max(roi.width, roi.height);
    cv::Mat canvas(kRefineSide, kRefineSide, CV_8UC3, cv::Scalar::all(0)), scaled;
    cv::resize(bgr(roi), scaled, {std::max(1, static_cast<int>(std::lround(roi.width * s))),
                                  std::max(1, static_cast<int>(std::lround(roi.height * s)))},
               0, 0, s < 1.f ? cv::INTER_AREA : cv::INTER_LINEAR);
    scaled.copyTo(canvas(cv::Rect(0, 0, std::min(kRefineSide, scaled.cols), std::min(kRefineSide, scaled.rows))));
    ++stats.refinements;
    Face best = f;
    float best_iou = 0.3f;
    for (Face g : refiner->detect(canvas)) {
      g.box = {roi.x + g.box.x / s, roi.y + g.box.y / s, g.box.width / s, g.box.height / s};
      for (auto& p : g.landmarks) p = {roi.x + p.x / s, roi.y + p.y / s};
      const float o = detail::iou(g.box, f.box);
      if (o > best_iou) best = g, best_iou = o;
    }
    return best;
  }

  // Embed the faces (full-resolution landmarks) and match them against the gallery.
  std::vector<detail::Vote> embed(const cv::Mat& bgr, const std::vector<Face>& faces,
                                  const std::vector<float>& weights) {
    std::vector<detail::Vote> out(faces.size());
    if (faces.empty()) return out;
    std::vector<Face> refined;
    for (const auto& f : faces) refined.push_back(refine(bgr, f));
    const Embeddings e = pipeline.embedder().embed(bgr, refined);
    stats.embeddings += e.rows();
    std::vector<Identification> ids;
    if (gallery && gallery->size() > 0) ids = gallery->identify(e, threshold);
    for (size_t i = 0; i < faces.size(); ++i) {
      out[i].embedding = e.row(static_cast<Eigen::Index>(i));
      out[i].weight = std::max(0.02f, weights[i]);
      if (!ids.empty()) {
        out[i].identity = ids[i].known ? ids[i].identity : "";
        out[i].score = ids[i].score;
      }
    }
    return out;
  }

  void end(Track& t, const char* reason) {
    if (t.id == 0) return;  // tentative: a detection never confirmed, not reported
    TrackRecord r = t.record;
    r.id = t.id;
    r.identity = t.identity;
    r.confidence = t.confidence;
    r.similarity = t.similarity;
    r.embeddings = t.embeddings;
    r.end_reason = reason;
    finished.push_back(std::move(r));
  }

  void observe(Track& t, const cv::Mat& bgr, const Face& f, const FaceQuality& q, std::int64_t frame, double time) {
    auto& r = t.record;
    if (r.detections == 0) r.first_frame = frame, r.first_time = time;
    r.last_frame = frame;
    r.last_time = time;
    ++r.detections;
    t.quality = q;
    if (r.detections == 1 || q.score > r.best_quality.score) {
      r.best_frame = frame;
      r.best_time = time;
      r.best_face = f;
      r.best_quality = q;
      r.best_crop = detail::crop_around(bgr, f.box, 0.4f);
    }
  }

  std::vector<TrackedFace> update(const cv::Mat& frame, std::int64_t number, double time);
};

std::vector<TrackedFace> FaceTracker::Impl::update(const cv::Mat& frame, std::int64_t number, double time) {
  const cv::Mat bgr = to_bgr8(frame, "video frame");
  if (frame_size.empty()) frame_size = bgr.size();
  if (bgr.size() != frame_size)
    throw InputError("frame of " + std::to_string(bgr.cols) + "x" + std::to_string(bgr.rows) + " after frames of " +
                     std::to_string(frame_size.width) + "x" + std::to_string(frame_size.height) +
                     ": a tracker follows one video (make a new one for another)");
  number = number >= 0 ? number : last_frame + 1;
  last_frame = number;
  if (time < 0) time = -1;
  ++stats.frames;
  const auto& o = options;

  // 1. Predict every track; detect.
  std::vector<Track*> live;
  for (auto& t : tracks) {
    t.predict();
    t.detected_now = t.embedded_now = false;
    live.push_back(&t);
  }
  const std::vector<Face> dets = detector.detect(bgr);
  stats.detections += static_cast<std::int64_t>(dets.size());
  std::vector<FaceQuality> quality;
  std::vector<cv::Mat> thumbs;
  for (const auto& d : dets) {
    quality.push_back(assess_quality(bgr, d, o.quality));
    thumbs.push_back(detail::face_thumbnail(bgr, d.box));
  }

  // 2. Candidate pairs by overlap; ambiguous ones are decided by appearance.
  const size_t nt = live.size(), nd = dets.size();
  std::vector<std::vector<float>> ov(nt, std::vector<float>(nd, 0.f));
  for (size_t i = 0; i < nt; ++i)
    for (size_t j = 0; j < nd; ++j) ov[i][j] = detail::iou(live[i]->shown.box, dets[j].box);
  std::vector<bool> ambiguous(nd, false);
  auto close_call = [&](std::vector<std::pair<float, size_t>>& c) {
    std::sort(c.rbegin(), c.rend());
    return c.size() >= 2 && c[0].first - c[1].first < o.ambiguity_margin;
  };
  for (size_t j = 0; j < nd; ++j) {  // a detection near several tracks
    std::vector<std::pair<float, size_t>> c;
    for (size_t i = 0; i < nt; ++i)
      if (ov[i][j] >= o.match_iou) c.push_back({ov[i][j], i});
    if (close_call(c)) ambiguous[j] = true;
  }
  for (size_t i = 0; i < nt; ++i) {  // a track near several detections
    std::vector<std::pair<float, size_t>> c;
    for (size_t j = 0; j < nd; ++j)
      if (ov[i][j] >= o.match_iou) c.push_back({ov[i][j], j});
    if (close_call(c))
      for (const auto& [v, j] : c) ambiguous[j] = true;
  }
  std::vector<std::optional<detail::Vote>> det_vote(nd);
  {
    std::vector<Face> faces;
    std::vector<float> w;
    std::vector<size_t> which;
    for (size_t j = 0; j < nd; ++j)
      if (ambiguous[j]) faces.push_back(dets[j]), w.push_back(quality[j].score), which.push_back(j);
    auto votes = embed(bgr, faces, w);
    for (size_t k = 0; k < which.size(); ++k) det_vote[which[k]] = std::move(votes[k]);
  }
  struct Cand {
    float score;
    size_t t, d;
  };
  std::vector<Cand> cands;
  for (size_t i = 0; i < nt; ++i)
    for (size_t j = 0; j < nd; ++j) {
      if (ov[i][j] < o.match_iou) continue;
      float s = ov[i][j];
      if (det_vote[j] && live[i]->mean.size() > 0) s += live[i]->mean.dot(det_vote[j]->embedding);
      cands.push_back({s, i, j});
    }
  std::sort(cands.begin(), cands.end(), [](const Cand& a, const Cand& b) { return a.score > b.score; });
  std::vector<int> det_track(nd, -1), track_det(nt, -1);
  for (const auto& c : cands) {
    if (det_track[c.d] >= 0 || track_det[c.t] >= 0) continue;
    det_track[c.d] = static_cast<int>(c.t);
    track_det[c.t] = static_cast<int>(c.d);
  }

  // 3. A matched detection that does not look like its track's last frame: embed it and compare;
  //    another person ends the track ("replaced") and starts a new one.
  {
    std::vector<Face> faces;
    std::vector<float> w;
    std::vector<size_t> which;
    for (size_t j = 0; j < nd; ++j) {
      const int i = det_track[j];
      if (i < 0 || det_vote[j] || live[i]->mean.size() == 0) continue;
      if (detail::correlation(live[i]->thumb, thumbs[j]) >= o.appearance_check) continue;
      faces.push_back(dets[j]), w.push_back(quality[j].score), which.push_back(j);
    }
    auto votes = embed(bgr, faces, w);
    for (size_t k = 0; k < which.size(); ++k) det_vote[which[k]] = std::move(votes[k]);
  }
  std::vector<bool> dead(nt, false);
  for (size_t j = 0; j < nd; ++j) {
    const int i = det_track[j];
    if (i < 0 || !det_vote[j] || live[i]->mean.size() == 0) continue;
    // Another person: unlike the track's embeddings, or named by the gallery as someone else
    // than the track's identity.
    const detail::Vote& v = *det_vote[j];
    const float cosine = live[i]->mean.dot(v.embedding);
    const bool unlike = cosine < o.split_similarity;
    const bool renamed = !v.identity.empty() && !live[i]->identity.empty() && v.identity != live[i]->identity &&
                         cosine < o.rename_similarity;
    if (!unlike && !renamed) continue;
    ++stats.splits;
    end(*live[i], "replaced");
    dead[i] = true;
    track_det[i] = -1;
    det_track[j] = -1;
  }

  // 4. Update the matched tracks; age the others; start new ones.
  for (size_t i = 0; i < nt; ++i) {
    Track& t = *live[i];
    if (dead[i]) continue;
    if (track_det[i] >= 0) {
      const size_t j = static_cast<size_t>(track_det[i]);
      t.correct(dets[j]);
      t.thumb = thumbs[j];
      observe(t, bgr, dets[j], quality[j], number, time);
      if (t.id == 0 && t.hits >= o.min_hits) t.id = next_id++, ++stats.tracks;
      continue;
    }
    ++t.missed;
    const cv::Rect2f inside = t.shown.box & cv::Rect2f(0, 0, static_cast<float>(bgr.cols), static_cast<float>(bgr.rows));
    if (t.id == 0) {
      dead[i] = true;  // tentative and missed: a false detection
    } else if (inside.area() < 0.3f * t.shown.box.area()) {
      end(t, "left");
      dead[i] = true;
    } else if (t.missed > o.max_missed) {
      end(t, "lost");
      dead[i] = true;
    }
  }
  {
    size_t i = 0;
    for (auto it = tracks.begin(); it != tracks.end(); ++i) it = dead[i] ? tracks.erase(it) : std::next(it);
  }
  for (size_t j = 0; j < nd; ++j) {
    if (det_track[j] >= 0) continue;
    Track& t = tracks.emplace_back(next_key++, dets[j]);
    t.thumb = thumbs[j];
    observe(t, bgr, dets[j], quality[j], number, time);
    if (o.min_hits <= 1) t.id = next_id++, ++stats.tracks;
    det_track[j] = -2;  // new; its vote (if computed) is used below
    if (det_vote[j]) {
      t.add_vote(std::move(*det_vote[j]), o.max_votes);
      t.best_embedded_quality = quality[j].score;
      t.last_embed_update = stats.frames;
      ++t.embeddings;
      t.embedded_now = true;
    }
  }

  // 5. Embed the tracks whose frame is worth it: first sighting, a clear quality gain, or due.
  std::vector<Track*> todo;
  std::vector<Face> faces;
  std::vector<float> w;
  for (auto& t : tracks) {
    if (!t.detected_now || t.embedded_now) continue;
    const bool first = t.votes.empty();
    const bool better = t.quality.score >= t.best_embedded_quality + o.quality_gain;
    const bool due = stats.frames - t.last_embed_update >= o.reembed_every;
    if (first || better || due) todo.push_back(&t), faces.push_back(t.last), w.push_back(t.quality.score);
  }
  // Embeddings computed for the association count as this frame's embedding of the track.
  for (size_t j = 0; j < nd; ++j)
    if (det_track[j] >= 0 && det_vote[j]) {
      Track& t = *live[static_cast<size_t>(det_track[j])];
      const auto pos = std::find(todo.begin(), todo.end(), &t);
      if (pos != todo.end()) {
        const auto k = pos - todo.begin();
        todo.erase(pos), faces.erase(faces.begin() + k), w.erase(w.begin() + k);
      }
      t.add_vote(std::move(*det_vote[j]), o.max_votes);
      t.best_embedded_quality = std::max(t.best_embedded_quality, t.quality.score);
      t.last_embed_update = stats.frames;
      ++t.embeddings;
      t.embedded_now = true;
    }
  auto votes = embed(bgr, faces, w);
  for (size_t k = 0; k < todo.size(); ++k) {
    Track& t = *todo[k];
    t.add_vote(std::move(votes[k]), o.max_votes);
    t.best_embedded_quality = std::max(t.best_embedded_quality, t.quality.score);
    t.last_embed_update = stats.frames;
    ++t.embeddings;
    t.embedded_now = true;
  }

  std::vector<TrackedFace> out;
  for (const auto& t : tracks)
    if (t.id > 0) out.push_back(t.report());
  std::sort(out.begin(), out.end(), [](const TrackedFace& a, const TrackedFace& b) { return a.id < b.id; });
  return out;
}

FaceTracker::FaceTracker(const Pipeline& pipeline, const Gallery* gallery, TrackerOptions options)
    : impl_(std::make_unique<Impl>(pipeline, gallery, std::move(options))) {}
FaceTracker::~FaceTracker() = default;
FaceTracker::FaceTracker(FaceTracker&&) noexcept = default;
FaceTracker& FaceTracker::operator=(FaceTracker&&) noexcept = default;

std::vector<TrackedFace> FaceTracker::update(const cv::Mat& frame, std::int64_t frame_number, double time) {
  return impl_->update(frame, frame_number, time);
}

std::vector<TrackRecord> FaceTracker::take_finished() {
  std::vector<TrackRecord> out;
  out.swap(impl_->finished);
  return out;
}

std::vector<TrackRecord> FaceTracker::finish() {
  for (auto& t : impl_->tracks) impl_->end(t, "end");
  impl_->tracks.clear();
  return take_finished();
}

const TrackerOptions& FaceTracker::options() const { return impl_->options; }
const TrackerStats& FaceTracker::stats() const { return impl_->stats; }
float FaceTracker::threshold() const { return impl_->threshold; }

}  // namespace arcface
