#pragma once
// arcface video, and the quality gate of arcface enroll. Not installed.
#include <optional>
#include <string>
#include <vector>

#include "cli_common.hpp"

namespace arcface::cli {

struct VideoArgs {
  std::string input;        // file, camera index or URL
  std::string output;       // annotated video (.mp4, .avi, .mkv)
  std::string gallery;      // gallery file; empty: no identities
  std::string timeline;     // JSON-lines timeline
  std::string crops;        // directory for the best crop of each track
  int every = 1;            // process every N-th frame
  bool realtime = false;    // drop frames when processing falls behind the video's clock
  bool no_tracking = false; // baseline: the full pipeline on every processed frame
  std::optional<float> threshold;
  int detect_side = -1;     // TrackerOptions::detect_max_side (negative: its default)
  long long max_frames = 0; // stop after this many frames (0: all)
};
int cmd_video(const Globals& g, const VideoArgs& a);

/// enroll --min-quality: drop the faces whose quality (with the mirror consistency measured by
/// @p embedder) is below @p min_quality, with a warning that names the photo and says why;
/// throws InputError when none is left.
std::vector<FaceItem> keep_good_faces(const Globals& g, const std::vector<FaceItem>& items, float min_quality,
                                      const Embedder& embedder);

}  // namespace arcface::cli
