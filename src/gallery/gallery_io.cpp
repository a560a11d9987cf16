// Gallery files: save, load, and load-modify-save under the file lock.
#include <filesystem>

#include "arcface/error.hpp"
#include "core/files.hpp"
#include "gallery/gallery_file.hpp"
#include "gallery/gallery_impl.hpp"

namespace arcface {

void Gallery::save(const std::string& path) const {
  auto lock = impl_->read_lock();
  detail::GalleryFileContents c;
  c.embedder = impl_->embedder;
  c.dimension = impl_->dim;
  c.match = to_string(impl_->opt.match);
  c.flip = impl_->flip;
  for (const auto& id : impl_->registry.identities()) {
    if (id.name.empty()) continue;
    c.identities.push_back({id.name, &id.samples});
  }
  c.samples = &impl_->registry.sample_rows();
  detail::write_gallery_file(path, c);
}

Gallery Gallery::load(const std::string& path, GalleryOptions options) {
  auto data = detail::read_gallery_file(path);
  options.match = match_mode_from_string(data.match);  // the file remembers how it was enrolled
  Gallery g(data.embedder, data.dimension, options, data.flip);
  Impl::WriteLock lock(*g.impl_);
  g.impl_->add(data.names, data.rows);
  return g;
}

Gallery Gallery::update(const std::string& path, const std::function<void(Gallery&)>& edit,
                        const std::function<Gallery()>& create, GalleryOptions options) {
  if (!edit) throw InputError("Gallery::update: no edit function given");
  detail::FileLock lock(path, "gallery file");
  if (lock.nested())  // the outer update would overwrite what this one saves
    throw InputError("Gallery::update: '" + path + "' is already being updated by this thread (nested update)");
  std::error_code ec;
  Gallery g = [&] {
    if (std::filesystem::exists(path, ec)) return load(path, options);
    if (!create) throw IoError("gallery file '" + path + "' does not exist (and no way to create it was given)");
    return create();
  }();
  edit(g);
  g.save(path);  // the lock is held by this thread: save does not take it again
  return g;
}

struct GalleryFileLock::Impl {
  explicit Impl(const std::string& path) : lock(path, "gallery file") {}
  detail::FileLock lock;
};
GalleryFileLock::GalleryFileLock(const std::string& path) : impl_(std::make_unique<Impl>(path)) {}
GalleryFileLock::~GalleryFileLock() = default;
bool GalleryFileLock::nested() const { return impl_->lock.nested(); }

}  // namespace arcface
