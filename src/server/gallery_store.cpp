// The galleries of the data directory: one gallery file each, edited with Gallery::update (atomic
// write under the file's lock), read through a cache that reloads a file when it changes.
#include <sys/stat.h>

#include <algorithm>
#include <cctype>
#include <cstdio>
#include <filesystem>
#include <fstream>

#include <opencv2/imgcodecs.hpp>

#include "arcface/error.hpp"
#include "server/server_impl.hpp"

namespace fs = std::filesystem;

namespace arcface::detail::server {

namespace {

constexpr const char* kExtension = ".gallery";

std::string hex(const std::string& s) {
  static const char* digits = "0123456789abcdef";
  std::string out;
  for (const unsigned char c : s) out += digits[c >> 4], out += digits[c & 15];
  return out;
}

bool stat_file(const std::string& path, long long& mtime_ns, long long& size) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) return false;
  mtime_ns = static_cast<long long>(st.st_mtim.tv_sec) * 1000000000LL + st.st_mtim.tv_nsec;
  size = static_cast<long long>(st.st_size);
  return true;
}

}  // namespace

GalleryStore::GalleryStore(std::string data_dir, const Pipeline& pipeline)
    : dir_((fs::path(data_dir) / "galleries").string()), pipeline_(pipeline) {
  std::error_code ec;
  fs::create_directories(dir_, ec);
  if (ec || !fs::is_directory(dir_, ec))
    throw IoError("cannot create the galleries directory '" + dir_ + "': " + ec.message());
}

void GalleryStore::check_name(const std::string& name) {
  bool ok = !name.empty() && name.size() <= 64 && name[0] != '.';
  for (const char c : name) ok = ok && (std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '-' || c == '.');
  if (!ok)
    throw HttpError(400, "invalid gallery name '" + name + "': use 1-64 letters, digits, '_', '-' or '.' "
                         "(not starting with '.')");
}

void GalleryStore::check_person(const std::string& id) {
  bool ok = !id.empty() && id.size() <= 128;
  for (const unsigned char c : id) ok = ok && c >= 0x20 && c != 0x7f && c != '/';
  if (!ok) throw HttpError(400, "invalid person id: use 1-128 bytes without control characters or '/'");
}

std::string GalleryStore::path(const std::string& name) const { return (fs::path(dir_) / (name + kExtension)).string(); }

std::string GalleryStore::thumb_path(const std::string& name, const std::string& id) const {
  return (fs::path(dir_) / (name + ".thumbs") / (hex(id) + ".jpg")).string();
}

std::vector<std::string> GalleryStore::names() const {
  std::vector<std::string> out;
  std::error_code ec;
  for (const auto& e : fs::directory_iterator(dir_, ec))
    if (e.path().extension() == kExtension && e.is_regular_file(ec)) out.push_back(e.path().stem().string());
  std::sort(out.begin(), out.end());
  return out;
}

bool GalleryStore::exists(const std::string& name) const {
  std::error_code ec;
  return fs::is_regular_file(path(name), ec);
}

std::shared_ptr<const Gallery> GalleryStore::get(const std::string& name) {
  check_name(name);
  const std::string file = path(name);
  long long mtime = 0, size = 0;
  std::lock_guard<std::mutex> lock(mutex_);
  if (!stat_file(file, mtime, size)) {
    cache_.erase(name);
    throw HttpError(404, "gallery '" + name + "' does not exist (enrol a person to create it)");
  }
  auto it = cache_.find(name);
  if (it != cache_.end() && it->second.mtime_ns == mtime && it->second.size == size) return it->second.gallery;
  // Gallery::save renames a complete file over the old one, so this reads one version or the other.
  auto g = std::make_shared<const Gallery>(Gallery::load(file));
  cache_[name] = {g, mtime, size};
  return g;
}

std::shared_ptr<const Gallery> GalleryStore::enroll(const std::string& name, const std::string& id,
                                                    const Embeddings& embeddings) {
  check_name(name);
  check_person(id);
  const ModelInfo& info = pipeline_.embedder().info();
  Gallery saved = Gallery::update(
      path(name),
      [&](Gallery& g) {
        try {
          g.check_embedder(info);
        } catch (const InputError& e) {
          throw HttpError(409, std::string("gallery '") + name + "': " + e.what());
        }
        g.enroll(id, embeddings);
      },
      [&] { return Gallery(pipeline_); });
  {
    // Another request may have saved a newer version since: let get() reload by the file's stamp.
    std::lock_guard<std::mutex> lock(mutex_);
    cache_.erase(name);
  }
  return std::make_shared<const Gallery>(std::move(saved));
}

void GalleryStore::remove(const std::string& name, const std::string& id) {
  check_name(name);
  if (!exists(name)) throw HttpError(404, "gallery '" + name + "' does not exist");
  Gallery::update(path(name), [&](Gallery& g) {
    if (!g.remove(id)) throw HttpError(404, "person '" + id + "' is not enrolled in gallery '" + name + "'");
  });
  std::error_code ec;
  fs::remove(thumb_path(name, id), ec);
  std::lock_guard<std::mutex> lock(mutex_);
  cache_.erase(name);
}

void GalleryStore::save_thumbnail(const std::string& name, const std::string& id, const cv::Mat& crop, bool replace) {
  const std::string file = thumb_path(name, id);
  std::error_code ec;
  if (!replace && fs::exists(file, ec)) return;
  fs::create_directories(fs::path(file).parent_path(), ec);
  std::vector<unsigned char> jpg;
  if (crop.empty() || !cv::imencode(".jpg", crop, jpg)) return;  // a thumbnail is a convenience only
  const std::string tmp = file + ".tmp" + std::to_string(reinterpret_cast<std::uintptr_t>(&jpg));
  {
    std::ofstream out(tmp, std::ios::binary);
    out.write(reinterpret_cast<const char*>(jpg.data()), static_cast<std::streamsize>(jpg.size()));
    if (!out) {
      fs::remove(tmp, ec);
      return;
    }
  }
  fs::rename(tmp, file, ec);
  if (ec) fs::remove(tmp, ec);
}

std::optional<std::string> GalleryStore::thumbnail(const std::string& name, const std::string& id) const {
  std::ifstream in(thumb_path(name, id), std::ios::binary);
  if (!in) return std::nullopt;
  return std::string(std::istreambuf_iterator<char>(in), {});
}

}  // namespace arcface::detail::server
