#include "arcface/dataset.hpp"

#include <algorithm>
#include <cctype>
#include <filesystem>

#include "arcface/error.hpp"

namespace fs = std::filesystem;

namespace arcface {

namespace {

void require_directory(const std::string& dir) {
  std::error_code ec;
  if (!fs::is_directory(dir, ec)) throw IoError("'" + dir + "' is not a directory (or cannot be read)");
}

}  // namespace

bool is_image_file(const std::string& path) {
  std::string ext = fs::path(path).extension().string();
  std::transform(ext.begin(), ext.end(), ext.begin(), [](unsigned char c) { return std::tolower(c); });
  for (const char* e : {".jpg", ".jpeg", ".png", ".bmp", ".webp", ".tif", ".tiff"})
    if (ext == e) return true;
  return false;
}

std::vector<std::string> image_files(const std::string& dir, bool recursive) {
  require_directory(dir);
  std::vector<std::string> found;
  std::error_code ec;
  auto keep = [&](const fs::directory_entry& e) {
    std::error_code fec;
    if (e.is_regular_file(fec) && is_image_file(e.path().string())) found.push_back(e.path().string());
  };
  if (recursive) {
    for (fs::recursive_directory_iterator it(dir, fs::directory_options::follow_directory_symlink, ec), end;
         !ec && it != end; it.increment(ec))
      keep(*it);
  } else {
    for (fs::directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec)) keep(*it);
  }
  if (ec) throw IoError("cannot read directory '" + dir + "': " + ec.message());
  std::sort(found.begin(), found.end());
  return found;
}

std::vector<IdentityFolder> identity_folders(const std::string& dir) {
  require_directory(dir);
  std::vector<IdentityFolder> people;
  std::error_code ec;
  for (fs::directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec)) {
    std::error_code dec;
    if (!it->is_directory(dec)) continue;
    people.push_back({it->path().filename().string(), image_files(it->path().string(), true)});
  }
  if (ec) throw IoError("cannot read directory '" + dir + "': " + ec.message());
  std::sort(people.begin(), people.end(), [](const auto& a, const auto& b) { return a.name < b.name; });
  return people;
}

}  // namespace arcface
