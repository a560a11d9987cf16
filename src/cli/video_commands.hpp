#pragma once
// arcface video, and the quality gate of arcface enroll. Not installed.
#include <optional>
#include <string>
#include <vector>

#include "cli_common.hpp"

namespace arcface::cli {

int cmd_video(const Globals& g, const VideoArgs& a);

/// enroll --min-quality: drop the faces whose quality (with the mirror consistency measured by
/// @p embedder) is below @p min_quality, with a warning that names the photo and says why;
/// throws InputError when none is left.
std::vector<FaceItem> keep_good_faces(const Globals& g, const std::vector<FaceItem>& items, float min_quality,
                                      const Embedder& embedder);

}  // namespace arcface::cli
