#pragma once
/// @file dataset.hpp
/// Photo collections on disk: image files in a folder, and identity-folder trees (DIR/NAME/photo),
/// the layout that enrolment, fine-tuning, clustering ground truth and LFW use.

#include "arcface/export.hpp"
#include <string>
#include <vector>

ARCFACE_API_BEGIN
namespace arcface {

/// True when @p path has an image file extension the library reads (.jpg, .jpeg, .png, .bmp,
/// .webp, .tif, .tiff; any case). Looks at the name only.
bool is_image_file(const std::string& path);

/// The image files under @p dir (recursively when @p recursive, following directory links),
/// sorted by path. @throws IoError when @p dir is not a readable directory.
std::vector<std::string> image_files(const std::string& dir, bool recursive = true);

/// One person of an identity-folder tree: the folder's name and its image files (sorted).
struct IdentityFolder {
  std::string name;
  std::vector<std::string> images;
};

/// The NAME/ sub-folders of @p dir, sorted by name, each with the image files inside it (also in
/// its sub-folders; possibly none: callers decide whether that is an error). Files directly in
/// @p dir are ignored. @throws IoError when @p dir is not a readable directory.
std::vector<IdentityFolder> identity_folders(const std::string& dir);

}  // namespace arcface
ARCFACE_API_END
