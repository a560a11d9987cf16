#pragma once
// File helpers shared by every writer and reader of the library. Internal (arcface::detail).

#include "core/internal_api.hpp"
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <functional>
#include <string>
#include <vector>

ARCFACE_INTERNAL_BEGIN
namespace arcface::detail {

/// Write @p path atomically. @p write receives the name of a temporary file in the same directory
/// (`<name>.tmp-<pid>-<n>`, unique per process and call) and fills it; the file is then fsynced,
/// renamed over @p path and the directory fsynced, so readers see the old or the new file, never a
/// partial one, also after a crash. Temporary files of the same target left by processes that no
/// longer run are removed first. On any failure the temporary file is removed.
/// @param what names the file in error messages ("gallery file", "model", ...).
/// @throws IoError naming @p path and the reason; exceptions of @p write propagate unchanged.
void atomic_write(const std::string& path, const std::function<void(const std::string& tmp)>& write,
                  const std::string& what);
/// atomic_write of a byte buffer.
void atomic_write(const std::string& path, const void* data, std::size_t size, const std::string& what);

/// Remove `<name>.tmp-<pid>-<n>` files beside @p path whose process <pid> no longer runs.
/// @return how many were removed. Never throws.
std::size_t remove_stale_temporaries(const std::string& path);

/// Open a regular file for binary reading and report its size. @throws IoError naming @p path when
/// it is missing, a directory or another non-regular file (device, pipe, socket: they could block
/// or never end), or cannot be opened. The caller closes the returned FILE.
std::FILE* open_regular_file(const std::string& path, const std::string& what, std::uint64_t* size);

/// Read a whole regular file. @throws IoError naming @p path when it is missing, a directory or
/// another non-regular file (device, pipe, socket: they could block or never end), unreadable, or
/// larger than @p max_bytes.
std::vector<unsigned char> read_file_bytes(const std::string& path, const std::string& what,
                                           std::size_t max_bytes = static_cast<std::size_t>(1) << 40);

/// An exclusive advisory lock (flock) on `<path>.lock`, held from construction to destruction.
/// It serialises processes and threads alike. Constructing a second lock on the same path in a
/// thread that already holds one is allowed and does not block (it is a no-op), so that a save
/// inside a locked load-modify-save does not deadlock.
class FileLock {
 public:
  /// Blocks until the lock is acquired. @throws IoError when the lock file cannot be created.
  FileLock(const std::string& path, const std::string& what);
  ~FileLock();
  FileLock(const FileLock&) = delete;
  FileLock& operator=(const FileLock&) = delete;
  /// True when this thread already held the lock (this object then holds nothing).
  bool nested() const { return nested_; }

 private:
  int fd_ = -1;
  std::string key_;
  bool nested_ = false;
};

/// FNV-1a over 64-bit little-endian words (tail bytes zero-padded), streaming. The checksum of
/// the library's binary files (gallery, photo cache).
class Checksum {
 public:
  void update(const void* data, std::size_t n);
  std::uint64_t finish();

 private:
  void flush();
  std::uint64_t h_ = 0xcbf29ce484222325ULL;
  unsigned char buf_[8] = {};
  std::size_t fill_ = 0;
};

/// a * b, or throws IoError(@p what + " is too large") when it overflows size_t.
std::size_t checked_mul(std::size_t a, std::size_t b, const std::string& what);

}  // namespace arcface::detail
ARCFACE_INTERNAL_END
