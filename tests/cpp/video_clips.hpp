#pragma once
// Synthetic video clips built from the shared sample photos, with their ground truth: faces
// moving, zooming, cut, occluded, leaving and returning over a drawn background. Used by the
// tracker tests and the video benchmark; the clips are written into the build tree only.
#include <string>
#include <utility>
#include <vector>

#include <opencv2/core.hpp>

#include "arcface/detector.hpp"

namespace arcface::test {

/// A person of a clip: the region around the face of one sample photo.
struct Actor {
  std::string name;   // identity (the sample folder name)
  std::string photo;  // the photo it was cut from
  cv::Mat patch;      // square, 256x256, the face in the middle about half as wide
};

/// Cut the actor from @p photo (its largest face, found by @p detector).
Actor make_actor(const Detector& detector, const std::string& name, const std::string& photo);

/// The actors of the clips, {0: jeff, 1: kurt, 2: emma_mackey, 3: katy_parry, 4: margot_robie},
/// each cut from photo 0 of its folder in @p samples (the shared data/samples); the first
/// @p count of them.
std::vector<Actor> scenario_actors(const Detector& detector, const std::string& samples, int count = 3);
/// The photos to enroll: other photos of the five actors (1, 2, 3 where there are), and
/// zooey_deschanel, who is in no clip.
std::vector<std::pair<std::string, std::vector<std::string>>> gallery_photos(const std::string& samples);

/// An actor on screen from frame @c start to @c end (exclusive), its patch centre moving
/// linearly from @c from to @c to and its side from @c size_from to @c size_to (pixels).
struct Appearance {
  int actor = 0;
  int start = 0, end = 0;
  cv::Point2f from, to;
  float size_from = 120.f, size_to = 120.f;
};

/// A grey box over an actor's face from frame start to end (exclusive): a short occlusion.
struct Occlusion {
  int actor = 0;
  int start = 0, end = 0;
};

struct ClipSpec {
  cv::Size size{640, 360};
  double fps = 25.0;
  int frames = 0;
  std::vector<Appearance> items;
  std::vector<Occlusion> occlusions;
};

/// What is on screen in a frame: each visible actor's face region (the middle of its patch).
struct TruthFace {
  int actor = 0;
  cv::Rect2f face;
  bool occluded = false;
};

cv::Mat render_frame(const ClipSpec& spec, const std::vector<Actor>& actors, int frame);
std::vector<TruthFace> truth_at(const ClipSpec& spec, int frame);

/// The actor whose face region holds the centre of @p box in @p frame (not occluded), or -1.
int actor_at(const ClipSpec& spec, int frame, const cv::Rect2f& box);

/// Write the clip as a video file (.avi: MJPG, .mp4: MPEG-4 part 2). Returns false if the
/// writer cannot be opened.
bool write_clip(const std::string& path, const ClipSpec& spec, const std::vector<Actor>& actors);

/// The clip of the tracker tests (330 frames at 25 fps, 640x360), for actors
/// {0: jeff, 1: kurt, 2: emma}: one face moving and zooming with a 6-frame occlusion (0-99),
/// a hard cut to another person at the same place (100-149), a blank stretch (150-169), two
/// people at once (170-329) of whom one leaves (230-249) and returns (280-329).
ClipSpec scenario_clip();

/// A clip with @p faces (1-5) people moving around at once, for the benchmark.
ClipSpec crowd_clip(int faces, int frames);

}  // namespace arcface::test
