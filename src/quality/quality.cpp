#include "arcface/quality.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>

#include <opencv2/imgproc.hpp>

#include "arcface/embedder.hpp"
#include "arcface/image.hpp"
#include "core/detail.hpp"

namespace arcface {

namespace {

constexpr float kPi = 3.14159265358979f;
constexpr float kDeg = 180.f / kPi;

// Proportions of an average face, in units of the distance between the eyes' midpoint and the
// mouth corners' midpoint (H). Eye and mouth half-widths are those of the ArcFace 112x112
// template (17.62 / 40.69 and 14.59 / 40.69); the nose tip's height below the eyes is the
// template's (20.12 / 40.69); its depth in front of the eye-mouth line is that of the generic
// 3-D face model of OpenCV's head-pose examples (nose tip 130 units in front of eyes and mouth
// corners that are 320 apart vertically).
constexpr float kEyeHalf = 0.433f;
constexpr float kMouthHalf = 0.359f;
constexpr float kNoseHeight = 0.495f;
constexpr float kNoseDepth = 0.40f;

float dot(cv::Point2f a, cv::Point2f b) { return a.x * b.x + a.y * b.y; }

float clamp01(float v) { return std::isfinite(v) ? std::clamp(v, 0.f, 1.f) : 0.f; }

}  // namespace

HeadPose estimate_head_pose(const std::array<cv::Point2f, 5>& lm) {
  for (const auto& p : lm)
    if (!std::isfinite(p.x) || !std::isfinite(p.y)) return {};
  const cv::Point2f eyes = 0.5f * (lm[LeftEye] + lm[RightEye]);
  const cv::Point2f mouth = 0.5f * (lm[MouthLeft] + lm[MouthRight]);
  const cv::Point2f axis = mouth - eyes;  // "down" along the face's plane of symmetry
  const float h = std::sqrt(dot(axis, axis));
  if (!(h > 1e-3f)) return {};
  const cv::Point2f down = axis / h;
  const cv::Point2f right(down.y, -down.x);  // perpendicular, towards the image-right of an upright face

  HeadPose pose;
  // Roll: the eye line when the eyes are well apart, else the symmetry axis (robust in profiles).
  const cv::Point2f eye_line = lm[RightEye] - lm[LeftEye];
  if (std::sqrt(dot(eye_line, eye_line)) > 0.5f * h)
    pose.roll = std::atan2(eye_line.y, eye_line.x) * kDeg;
  else
    pose.roll = std::atan2(-down.x, down.y) * kDeg;

  // Yaw: sin from the nose's offset, cos from the projected eye distance and mouth width (both
  // relative to H, which a yaw does not change).
  const cv::Point2f nose = lm[NoseTip] - eyes;
  const float s = dot(nose, right) / h / kNoseDepth;
  const float c = 0.5f * (0.5f * dot(eye_line, right) / h / kEyeHalf +
                          0.5f * dot(lm[MouthRight] - lm[MouthLeft], right) / h / kMouthHalf);
  pose.yaw = std::atan2(s, std::max(c, 0.f)) * kDeg;
  // Pitch: the nose tip's height between eyes and mouth; the projection of its depth shifts it
  // by kNoseDepth * tan(pitch).
  pose.pitch = std::atan((dot(nose, down) / h - kNoseHeight) / kNoseDepth) * kDeg;
  return pose;
}

FaceQuality assess_quality(const cv::Mat& image, const Face& face, const QualityOptions& o) {
  const cv::Mat bgr = to_bgr8(image, "image of assess_quality");
  FaceQuality q;
  q.pose = estimate_head_pose(face.landmarks);
  q.size = std::max(0.f, std::min(face.box.width, face.box.height));
  q.detector_score = face.score;

  const cv::Rect box = cv::Rect(cv::Rect2f(face.box)) & cv::Rect(0, 0, bgr.cols, bgr.rows);
  if (box.width >= 2 && box.height >= 2) {
    cv::Mat grey, small, lap;
    cv::cvtColor(bgr(box), grey, cv::COLOR_BGR2GRAY);
    const bool shrink = box.width > 64 && box.height > 64;
    cv::resize(grey, small, {64, 64}, 0, 0, shrink ? cv::INTER_AREA : cv::INTER_LINEAR);
    cv::Laplacian(small, lap, CV_32F);
    cv::Scalar mean, sd;
    cv::meanStdDev(lap, mean, sd);
    q.sharpness = static_cast<float>(sd[0] * sd[0]);
  }

  const float ry = std::abs(q.pose.yaw) / o.max_yaw, rp = std::abs(q.pose.pitch) / o.max_pitch;
  q.pose_factor = clamp01(1.f - ry * ry) * clamp01(1.f - rp * rp);
  q.size_factor = o.good_size > o.min_size ? clamp01((q.size - o.min_size) / (o.good_size - o.min_size))
                                           : static_cast<float>(q.size >= o.good_size);
  q.sharpness_factor = clamp01(q.sharpness / (q.sharpness + std::max(o.sharpness_half, 1e-6f)));
  q.detector_factor = o.min_detector_score < 1.f
                          ? clamp01((q.detector_score - o.min_detector_score) / (1.f - o.min_detector_score))
                          : 0.f;
  q.score = clamp01(q.pose_factor * q.size_factor * std::sqrt(q.sharpness_factor * q.detector_factor));
  return q;
}

FaceQuality assess_quality(const cv::Mat& image, const Face& face, const Embedder& embedder, const QualityOptions& o) {
  FaceQuality q = assess_quality(image, face, o);
  const cv::Mat crop = embedder.aligner().align(to_bgr8(image, "image of assess_quality"), face);
  const ModelInfo& info = embedder.info();
  const size_t plane = 3 * static_cast<size_t>(info.input_width) * static_cast<size_t>(info.input_height);
  std::vector<float> input(2 * plane);
  detail::preprocess_crop(info, crop, false, input.data());
  detail::preprocess_crop(info, crop, true, input.data() + plane);
  const Embeddings out = embedder.forward_raw(input, 2);
  const float n = out.row(0).norm() * out.row(1).norm();
  q.consistency = n > 0 ? out.row(0).dot(out.row(1)) / n : 0.f;
  q.consistency_factor = o.consistency_high > o.consistency_low
                             ? clamp01((q.consistency - o.consistency_low) / (o.consistency_high - o.consistency_low))
                             : static_cast<float>(q.consistency >= o.consistency_high);
  q.score = clamp01(q.score * q.consistency_factor);
  return q;
}

std::string FaceQuality::reason() const {
  char buf[96];
  const float worst = std::min({pose_factor, size_factor, sharpness_factor, detector_factor, consistency_factor});
  if (worst >= 0.8f) return "good";
  if (worst == pose_factor) {
    const float ay = std::abs(pose.yaw);
    const float ap = std::abs(pose.pitch);
    const float ry = ay / 90.f, rp = ap / 60.f;  // which of the two angles explains it better
    if (ry >= rp)
      std::snprintf(buf, sizeof buf, "%s, yaw %.0f deg", ay >= 60.f ? "profile view" : "head turned", pose.yaw);
    else
      std::snprintf(buf, sizeof buf, "head %s, pitch %.0f deg", pose.pitch > 0 ? "bowed" : "raised", pose.pitch);
  } else if (worst == size_factor) {
    std::snprintf(buf, sizeof buf, "small face, %.0f px", size);
  } else if (worst == sharpness_factor) {
    std::snprintf(buf, sizeof buf, "blurred, sharpness %.0f", sharpness);
  } else if (worst == detector_factor) {
    std::snprintf(buf, sizeof buf, "uncertain detection, score %.2f", detector_score);
  } else {
    std::snprintf(buf, sizeof buf, "unlike its mirror image, consistency %.2f", consistency);
  }
  return buf;
}

std::string to_string(const FaceQuality& q) {
  char buf[224];
  std::snprintf(buf, sizeof buf, "quality %.2f (yaw %.0f, pitch %.0f, roll %.0f deg, %.0f px, sharpness %.0f, score %.2f",
                q.score, q.pose.yaw, q.pose.pitch, q.pose.roll, q.size, q.sharpness, q.detector_score);
  std::string out = buf;
  if (q.consistency != -1.f) {
    std::snprintf(buf, sizeof buf, ", mirror consistency %.3f", q.consistency);
    out += buf;
  }
  return out + ")";
}

}  // namespace arcface
