#include "video/track.hpp"

#include <algorithm>
#include <cmath>
#include <map>

#include <opencv2/imgproc.hpp>

namespace arcface::detail {

float iou(const cv::Rect2f& a, const cv::Rect2f& b) {
  const float inter = (a & b).area();
  const float uni = a.area() + b.area() - inter;
  return uni > 0.f ? inter / uni : 0.f;
}

cv::Mat face_thumbnail(const cv::Mat& bgr, const cv::Rect2f& box) {
  const cv::Rect r = cv::Rect(box) & cv::Rect(0, 0, bgr.cols, bgr.rows);
  cv::Mat out(16, 16, CV_32F, cv::Scalar(0));
  if (r.width < 2 || r.height < 2) return out;
  cv::Mat grey, small;
  cv::cvtColor(bgr(r), grey, cv::COLOR_BGR2GRAY);
  cv::resize(grey, small, out.size(), 0, 0, cv::INTER_AREA);
  small.convertTo(out, CV_32F);
  out -= cv::mean(out)[0];
  const double n = cv::norm(out);
  if (n > 1e-6) out /= n;
  return out;
}

float correlation(const cv::Mat& a, const cv::Mat& b) {
  if (a.empty() || b.empty()) return 0.f;
  return static_cast<float>(a.dot(b));
}

Face move_face(const Face& from, const cv::Rect2f& box) {
  Face f = from;
  const float sx = from.box.width > 0 ? box.width / from.box.width : 1.f;
  const float sy = from.box.height > 0 ? box.height / from.box.height : 1.f;
  for (auto& p : f.landmarks) p = {box.x + (p.x - from.box.x) * sx, box.y + (p.y - from.box.y) * sy};
  f.box = box;
  return f;
}

cv::Mat crop_around(const cv::Mat& bgr, const cv::Rect2f& box, float margin) {
  const float w = box.width * (1.f + margin), h = box.height * (1.f + margin);
  const cv::Rect2f big(box.x + box.width / 2 - w / 2, box.y + box.height / 2 - h / 2, w, h);
  const cv::Rect r = cv::Rect(big) & cv::Rect(0, 0, bgr.cols, bgr.rows);
  if (r.width < 1 || r.height < 1) return {};
  return bgr(r).clone();
}

namespace {

cv::Rect2f box_of(const cv::Mat& state, float aspect) {
  const float cx = state.at<float>(0), cy = state.at<float>(1), w = std::max(1.f, state.at<float>(2));
  const float h = w * aspect;
  return {cx - w / 2, cy - h / 2, w, h};
}

}  // namespace

Track::Track(int k, const Face& face) : key(k), kf(6, 3, 0, CV_32F) {
  // State: centre x, centre y, width and their velocities (per frame); measured: the first three.
  const float w = std::max(1.f, face.box.width);
  aspect = face.box.height / w;
  cv::setIdentity(kf.transitionMatrix);
  for (int i = 0; i < 3; ++i) kf.transitionMatrix.at<float>(i, i + 3) = 1.f;
  kf.measurementMatrix = cv::Mat::zeros(3, 6, CV_32F);
  for (int i = 0; i < 3; ++i) kf.measurementMatrix.at<float>(i, i) = 1.f;
  // Noise in proportion to the face size: a face moves and zooms by a few per cent of its width
  // per frame; the detector's boxes jitter by a few per cent.
  const float p = 0.03f * w, v = 0.03f * w, m = 0.04f * w;
  kf.processNoiseCov = cv::Mat::diag((cv::Mat_<float>(6, 1) << p * p, p * p, p * p, v * v, v * v, v * v));
  kf.measurementNoiseCov = cv::Mat::diag((cv::Mat_<float>(3, 1) << m * m, m * m, m * m));
  const float pv = 0.25f * w;  // velocity unknown at first
  kf.errorCovPost = cv::Mat::diag((cv::Mat_<float>(6, 1) << m * m, m * m, m * m, pv * pv, pv * pv, pv * pv));
  kf.statePost = (cv::Mat_<float>(6, 1) << face.box.x + w / 2, face.box.y + face.box.height / 2, w, 0, 0, 0);
  last = shown = face;
  hits = 1;
  detected_now = true;
}

cv::Rect2f Track::predict() {
  const cv::Mat s = kf.predict();
  shown = move_face(last, box_of(s, aspect));
  return shown.box;
}

void Track::correct(const Face& face) {
  const float w = std::max(1.f, face.box.width);
  aspect = face.box.height / w;
  kf.correct((cv::Mat_<float>(3, 1) << face.box.x + w / 2, face.box.y + face.box.height / 2, w));
  last = shown = face;
  ++hits;
  missed = 0;
  detected_now = true;
}

void Track::add_vote(Vote v, int max_votes) {
  votes.push_back(std::move(v));
  if (static_cast<int>(votes.size()) > max_votes) {
    // Drop the weakest (the oldest among equals): the best frames decide.
    auto worst = std::min_element(votes.begin(), votes.end(), [](const Vote& a, const Vote& b) { return a.weight < b.weight; });
    votes.erase(worst);
  }
  std::map<std::string, float> weight, score;
  float total = 0.f;
  mean = Eigen::RowVectorXf::Zero(votes.front().embedding.size());
  for (const auto& x : votes) {
    weight[x.identity] += x.weight;
    score[x.identity] += x.weight * x.score;
    total += x.weight;
    mean += x.embedding;
  }
  const float n = mean.norm();
  if (n > 0) mean /= n;
  std::string best;
  float best_w = -1.f;
  for (const auto& [name, w] : weight)
    if (w > best_w) best = name, best_w = w;
  identity = best;
  confidence = total > 0 ? best_w / total : 0.f;
  similarity = best_w > 0 ? score[best] / best_w : 0.f;
  record.votes = weight;
}

TrackedFace Track::report() const {
  TrackedFace t;
  t.id = id;
  t.face = shown;
  t.detected = detected_now;
  t.missed = missed;
  t.quality = quality;
  t.identity = identity;
  t.confidence = confidence;
  t.similarity = similarity;
  t.embeddings = embeddings;
  t.embedded_now = embedded_now;
  return t;
}

}  // namespace arcface::detail
