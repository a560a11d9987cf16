#include "core/files.hpp"

#include <dirent.h>
#include <fcntl.h>
#include <sys/file.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <mutex>
#include <set>
#include <thread>

#include "arcface/error.hpp"

namespace fs = std::filesystem;

namespace arcface::detail {

namespace {

std::string errno_text() { return std::strerror(errno); }

void fsync_path(const std::string& path, int flags) {
  const int fd = ::open(path.c_str(), flags | O_CLOEXEC);
  if (fd < 0) return;
  ::fsync(fd);
  ::close(fd);
}

// "<name>.tmp-<pid>-<n>" -> pid, or 0 when @p file is not a temporary of @p name.
long temp_owner(const std::string& file, const std::string& name) {
  const std::string prefix = name + ".tmp-";
  if (file.size() <= prefix.size() || file.compare(0, prefix.size(), prefix) != 0) return 0;
  const std::string rest = file.substr(prefix.size());
  const auto dash = rest.find('-');
  if (dash == 0 || dash == std::string::npos) return 0;
  long pid = 0;
  for (std::size_t i = 0; i < dash; ++i) {
    if (rest[i] < '0' || rest[i] > '9' || pid > 100000000) return 0;
    pid = pid * 10 + (rest[i] - '0');
  }
  for (std::size_t i = dash + 1; i < rest.size(); ++i)
    if (rest[i] < '0' || rest[i] > '9') return 0;
  return pid;
}

}  // namespace

std::size_t remove_stale_temporaries(const std::string& path) {
  const fs::path target(path);
  const fs::path dir = target.has_parent_path() ? target.parent_path() : fs::path(".");
  const std::string name = target.filename().string();
  std::size_t removed = 0;
  std::error_code ec;
  for (fs::directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec)) {
    const long pid = temp_owner(it->path().filename().string(), name);
    if (pid <= 0 || pid == ::getpid()) continue;
    if (::kill(static_cast<pid_t>(pid), 0) == 0 || errno != ESRCH) continue;  // alive (or not ours to ask)
    std::error_code rm;
    if (fs::remove(it->path(), rm)) ++removed;
  }
  return removed;
}

void atomic_write(const std::string& path, const std::function<void(const std::string& tmp)>& write,
                  const std::string& what) {
  static std::atomic<unsigned long> counter{0};
  if (path.empty()) throw IoError("cannot write " + what + ": empty file name");
  std::error_code ec;
  if (fs::is_directory(path, ec)) throw IoError("cannot write " + what + " '" + path + "': it is a directory");
  const fs::path target(path);
  const fs::path dir = target.has_parent_path() ? target.parent_path() : fs::path(".");
  if (!fs::is_directory(dir, ec))
    throw IoError("cannot write " + what + " '" + path + "': directory '" + dir.string() + "' does not exist");
  remove_stale_temporaries(path);
  const std::string tmp = (dir / (target.filename().string() + ".tmp-" + std::to_string(::getpid()) + "-" +
                                  std::to_string(counter++)))
                              .string();
  auto fail = [&](const std::string& why) {
    std::error_code rm;
    fs::remove(tmp, rm);
    throw IoError("cannot write " + what + " '" + path + "': " + why);
  };
  try {
    write(tmp);
  } catch (...) {
    std::error_code rm;
    fs::remove(tmp, rm);
    throw;
  }
  const int fd = ::open(tmp.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) fail("the temporary file vanished (" + errno_text() + ")");
  const bool synced = ::fsync(fd) == 0;
  const std::string sync_error = synced ? "" : errno_text();
  ::close(fd);
  if (!synced) fail("fsync failed (" + sync_error + ")");
  if (std::rename(tmp.c_str(), path.c_str()) != 0) fail("rename failed (" + errno_text() + ")");
  fsync_path(dir.string(), O_RDONLY | O_DIRECTORY);
}

void atomic_write(const std::string& path, const void* data, std::size_t size, const std::string& what) {
  atomic_write(
      path,
      [&](const std::string& tmp) {
        std::FILE* f = std::fopen(tmp.c_str(), "wb");
        if (!f) throw IoError("cannot write " + what + " '" + path + "': " + errno_text());
        const bool ok = size == 0 || std::fwrite(data, 1, size, f) == size;
        const std::string err = ok ? "" : errno_text();
        if (std::fclose(f) != 0 || !ok)
          throw IoError("cannot write " + what + " '" + path + "': " + (ok ? errno_text() : err) + " (disk full?)");
      },
      what);
}

std::FILE* open_regular_file(const std::string& path, const std::string& what, std::uint64_t* size) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0)
    throw IoError("cannot open " + what + " '" + path + "': " + (errno == ENOENT ? "no such file" : errno_text()));
  if (S_ISDIR(st.st_mode)) throw IoError("cannot read " + what + " '" + path + "': it is a directory");
  if (!S_ISREG(st.st_mode))
    throw IoError("cannot read " + what + " '" + path + "': not a regular file (a device, pipe or socket)");
  std::FILE* f = std::fopen(path.c_str(), "rb");
  if (!f) throw IoError("cannot open " + what + " '" + path + "': " + errno_text());
  *size = static_cast<std::uint64_t>(st.st_size);
  return f;
}

std::vector<unsigned char> read_file_bytes(const std::string& path, const std::string& what, std::size_t max_bytes) {
  std::uint64_t size = 0;
  std::FILE* f = open_regular_file(path, what, &size);
  std::vector<unsigned char> out;
  if (size > max_bytes) {
    std::fclose(f);
    throw IoError(what + " '" + path + "' is too large (" + std::to_string(size) + " bytes; limit " +
                  std::to_string(max_bytes) + ")");
  }
  out.reserve(static_cast<std::size_t>(size));
  unsigned char buf[1 << 16];
  for (;;) {
    const std::size_t n = std::fread(buf, 1, sizeof buf, f);
    if (n > 0) {
      if (out.size() + n > max_bytes) {
        std::fclose(f);
        throw IoError(what + " '" + path + "' is too large (limit " + std::to_string(max_bytes) + " bytes)");
      }
      out.insert(out.end(), buf, buf + n);
    }
    if (n < sizeof buf) break;
  }
  const bool error = std::ferror(f) != 0;
  std::fclose(f);
  if (error) throw IoError("cannot read " + what + " '" + path + "' (I/O error)");
  return out;
}

namespace {
std::mutex& held_mutex() {
  static std::mutex m;
  return m;
}
// Lock files held by a thread: (thread id, canonical lock path).
std::set<std::pair<std::thread::id, std::string>>& held() {
  static std::set<std::pair<std::thread::id, std::string>> s;
  return s;
}
}  // namespace

FileLock::FileLock(const std::string& path, const std::string& what) {
  std::error_code ec;
  const fs::path target(path);
  const fs::path dir = target.has_parent_path() ? target.parent_path() : fs::path(".");
  const fs::path canon_dir = fs::weakly_canonical(fs::absolute(dir, ec), ec);
  if (ec) throw IoError("cannot lock " + what + " '" + path + "': " + ec.message());
  key_ = (canon_dir / (target.filename().string() + ".lock")).string();
  {
    std::lock_guard<std::mutex> g(held_mutex());
    if (held().count({std::this_thread::get_id(), key_})) {
      key_.clear();  // nested in this thread: already exclusive
      nested_ = true;
      return;
    }
  }
  // Readable and writable by everyone the umask allows, so that users sharing a gallery directory
  // can all take the lock; flock works on a read-only descriptor too.
  fd_ = ::open(key_.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0666);
  if (fd_ < 0 && errno == EACCES) fd_ = ::open(key_.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd_ < 0) throw IoError("cannot lock " + what + " '" + path + "': cannot create '" + key_ + "' (" + errno_text() + ")");
  int rc;
  do rc = ::flock(fd_, LOCK_EX);
  while (rc != 0 && errno == EINTR);
  if (rc != 0) {
    const std::string err = errno_text();
    ::close(fd_);
    throw IoError("cannot lock " + what + " '" + path + "': " + err);
  }
  std::lock_guard<std::mutex> g(held_mutex());
  held().insert({std::this_thread::get_id(), key_});
}

FileLock::~FileLock() {
  if (fd_ < 0) return;
  {
    std::lock_guard<std::mutex> g(held_mutex());
    held().erase({std::this_thread::get_id(), key_});
  }
  ::flock(fd_, LOCK_UN);
  ::close(fd_);
}

void Checksum::update(const void* data, std::size_t n) {
  const auto* p = static_cast<const unsigned char*>(data);
  while (n > 0) {
    const std::size_t take = std::min(n, 8 - fill_);
    std::memcpy(buf_ + fill_, p, take);
    fill_ += take;
    p += take;
    n -= take;
    if (fill_ == 8) flush();
  }
}

std::uint64_t Checksum::finish() {
  if (fill_ > 0) {
    std::memset(buf_ + fill_, 0, 8 - fill_);
    flush();
  }
  return h_;
}

void Checksum::flush() {
  std::uint64_t w;
  std::memcpy(&w, buf_, 8);
  h_ = (h_ ^ w) * 0x100000001b3ULL;
  fill_ = 0;
}

std::size_t checked_mul(std::size_t a, std::size_t b, const std::string& what) {
  if (a != 0 && b > static_cast<std::size_t>(-1) / a) throw IoError(what + " is too large");
  return a * b;
}

}  // namespace arcface::detail
