#include "video_clips.hpp"

#include <algorithm>
#include <cmath>

#include <opencv2/imgproc.hpp>
#include <opencv2/videoio.hpp>

#include "arcface/error.hpp"
#include "arcface/image.hpp"
#include "arcface/pipeline.hpp"

namespace arcface::test {

namespace {

constexpr int kPatch = 256;

cv::Mat background(cv::Size size) {
  cv::Mat bg(size, CV_8UC3);
  for (int y = 0; y < size.height; ++y)
    for (int x = 0; x < size.width; ++x)
      bg.at<cv::Vec3b>(y, x) = cv::Vec3b(static_cast<uchar>(90 + 60 * x / size.width), static_cast<uchar>(100 + 40 * y / size.height), 120);
  // A few fixed shapes, so that the scene is not flat.
  cv::rectangle(bg, {20, 20, 90, 60}, {60, 140, 200}, cv::FILLED);
  cv::circle(bg, {size.width - 60, 50}, 30, {200, 200, 80}, cv::FILLED);
  cv::rectangle(bg, {size.width / 2 - 100, size.height - 40, 200, 25}, {70, 70, 70}, cv::FILLED);
  return bg;
}

const cv::Mat& mask() {
  static const cv::Mat m = [] {
    cv::Mat a(kPatch, kPatch, CV_32F, cv::Scalar(0));
    cv::ellipse(a, {kPatch / 2, kPatch / 2}, {kPatch * 9 / 20, kPatch * 19 / 40}, 0, 0, 360, cv::Scalar(1), cv::FILLED);
    cv::GaussianBlur(a, a, {0, 0}, 6);
    return a;
  }();
  return m;
}

struct Placed {
  cv::Point2f centre;
  float size;
};

Placed place(const Appearance& a, int frame) {
  const float t = a.end - a.start > 1 ? static_cast<float>(frame - a.start) / static_cast<float>(a.end - a.start - 1) : 0.f;
  return {a.from + t * (a.to - a.from), a.size_from + t * (a.size_to - a.size_from)};
}

cv::Rect2f face_region(const Placed& p) {
  const float f = 0.5f * p.size;
  return {p.centre.x - f / 2, p.centre.y - f / 2, f, f};
}

}  // namespace

Actor make_actor(const Detector& detector, const std::string& name, const std::string& photo) {
  const cv::Mat img = read_image(photo);
  const auto faces = detector.detect(img);
  const int k = largest_face(faces);
  if (k < 0) throw InputError("no face in '" + photo + "'");
  const cv::Rect2f& b = faces[static_cast<size_t>(k)].box;
  const float side = 2.f * std::max(b.width, b.height);
  const cv::Point2f c(b.x + b.width / 2, b.y + b.height / 2);
  // The square around the face, extended by replicating the border where it leaves the photo.
  const cv::Mat m = (cv::Mat_<double>(2, 3) << kPatch / side, 0, -(c.x - side / 2) * kPatch / side, 0, kPatch / side,
                     -(c.y - side / 2) * kPatch / side);
  Actor a{name, photo, {}};
  cv::warpAffine(img, a.patch, m, {kPatch, kPatch}, cv::INTER_AREA, cv::BORDER_REPLICATE);
  return a;
}

std::vector<Actor> scenario_actors(const Detector& detector, const std::string& samples, int count) {
  const char* who[5][2] = {{"jeff", "actors/jeff"}, {"kurt", "actors/kurt"}, {"emma_mackey", "actresses/emma_mackey"},
                           {"katy_parry", "actresses/katy_parry"}, {"margot_robie", "actresses/margot_robie"}};
  std::vector<Actor> out;
  for (int i = 0; i < std::clamp(count, 1, 5); ++i)
    out.push_back(make_actor(detector, who[i][0], samples + "/" + who[i][1] + "/0.jpg"));
  return out;
}

std::vector<std::pair<std::string, std::vector<std::string>>> gallery_photos(const std::string& samples) {
  const std::string s = samples + "/";
  return {{"jeff", {s + "actors/jeff/1.jpg", s + "actors/jeff/2.jpg", s + "actors/jeff/3.jpg"}},
          {"kurt", {s + "actors/kurt/1.jpg", s + "actors/kurt/2.jpg", s + "actors/kurt/3.jpg"}},
          {"emma_mackey", {s + "actresses/emma_mackey/1.jpg"}},
          {"katy_parry", {s + "actresses/katy_parry/1.jpg"}},
          {"margot_robie", {s + "actresses/margot_robie/1.jpg"}},
          {"zooey_deschanel", {s + "actresses/zooey_deschanel/0.jpg", s + "actresses/zooey_deschanel/1.jpg"}}};
}

std::vector<TruthFace> truth_at(const ClipSpec& spec, int frame) {
  std::vector<TruthFace> out;
  for (const auto& a : spec.items) {
    if (frame < a.start || frame >= a.end) continue;
    TruthFace t{a.actor, face_region(place(a, frame)), false};
    for (const auto& o : spec.occlusions)
      if (o.actor == a.actor && frame >= o.start && frame < o.end) t.occluded = true;
    out.push_back(t);
  }
  return out;
}

int actor_at(const ClipSpec& spec, int frame, const cv::Rect2f& box) {
  const cv::Point2f c(box.x + box.width / 2, box.y + box.height / 2);
  for (const auto& t : truth_at(spec, frame))
    if (!t.occluded && t.face.contains(c)) return t.actor;
  return -1;
}

cv::Mat render_frame(const ClipSpec& spec, const std::vector<Actor>& actors, int frame) {
  static cv::Mat bg;
  if (bg.size() != spec.size) bg = background(spec.size);
  cv::Mat out = bg.clone();
  for (const auto& a : spec.items) {
    if (frame < a.start || frame >= a.end) continue;
    const Placed p = place(a, frame);
    const int s = std::max(8, static_cast<int>(std::lround(p.size)));
    cv::Mat patch, alpha;
    cv::resize(actors.at(static_cast<size_t>(a.actor)).patch, patch, {s, s}, 0, 0, s < kPatch ? cv::INTER_AREA : cv::INTER_LINEAR);
    cv::resize(mask(), alpha, {s, s});
    const cv::Rect dst(static_cast<int>(std::lround(p.centre.x - s / 2.f)), static_cast<int>(std::lround(p.centre.y - s / 2.f)), s, s);
    const cv::Rect vis = dst & cv::Rect(0, 0, out.cols, out.rows);
    for (int y = vis.y; y < vis.y + vis.height; ++y)
      for (int x = vis.x; x < vis.x + vis.width; ++x) {
        const float w = alpha.at<float>(y - dst.y, x - dst.x);
        const cv::Vec3b& src = patch.at<cv::Vec3b>(y - dst.y, x - dst.x);
        cv::Vec3b& d = out.at<cv::Vec3b>(y, x);
        for (int ch = 0; ch < 3; ++ch) d[ch] = cv::saturate_cast<uchar>(w * src[ch] + (1.f - w) * d[ch]);
      }
  }
  for (const auto& t : truth_at(spec, frame))
    if (t.occluded) {
      const cv::Rect2f& f = t.face;
      cv::rectangle(out, cv::Rect2f(f.x - 0.3f * f.width, f.y - 0.3f * f.height, 1.6f * f.width, 1.6f * f.height),
                    {128, 128, 128}, cv::FILLED);
    }
  return out;
}

bool write_clip(const std::string& path, const ClipSpec& spec, const std::vector<Actor>& actors) {
  const bool avi = path.size() > 4 && path.substr(path.size() - 4) == ".avi";
  cv::VideoWriter w(path, cv::CAP_FFMPEG, avi ? cv::VideoWriter::fourcc('M', 'J', 'P', 'G') : cv::VideoWriter::fourcc('m', 'p', '4', 'v'),
                    spec.fps, spec.size);
  if (!w.isOpened()) return false;
  if (avi) w.set(cv::VIDEOWRITER_PROP_QUALITY, 90);
  for (int f = 0; f < spec.frames; ++f) w.write(render_frame(spec, actors, f));
  return true;
}

ClipSpec scenario_clip() {
  ClipSpec c;
  c.frames = 330;
  // 0: moving right and zooming in, with an occlusion; 1: a hard cut to another person there.
  c.items.push_back({0, 0, 100, {140, 190}, {330, 170}, 110, 170});
  c.occlusions.push_back({0, 60, 66});
  c.items.push_back({1, 100, 150, {330, 170}, {350, 175}, 170, 160});
  // 150-169: nobody. Then two at once: 0 on the left, 2 on the right; 2 leaves to the right
  // (230-249) and comes back (280-329).
  c.items.push_back({0, 170, 330, {150, 190}, {230, 180}, 140, 150});
  c.items.push_back({2, 170, 230, {480, 180}, {470, 190}, 140, 140});
  c.items.push_back({2, 230, 250, {470, 190}, {760, 190}, 140, 140});
  c.items.push_back({2, 280, 330, {740, 185}, {470, 180}, 140, 140});
  return c;
}

ClipSpec crowd_clip(int faces, int frames) {
  ClipSpec c;
  c.frames = frames;
  faces = std::clamp(faces, 1, 5);
  const float w = static_cast<float>(c.size.width) / faces;
  for (int i = 0; i < faces; ++i) {
    // Each person drifts within its own column and zooms a little; sizes keep faces 40-70 px.
    const float x = w * (i + 0.5f);
    const float size = std::min(140.f, 1.6f * w);
    c.items.push_back({i, 0, frames, {x - 0.15f * w, 150.f + 10 * (i % 2)}, {x + 0.15f * w, 200.f - 10 * (i % 2)},
                       0.85f * size, size});
  }
  return c;
}

}  // namespace arcface::test
