// Importing ONNX embedders: runs scripts/onnx_torch.py with Python and reads back the model it wrote.
#include "arcface/model_import.hpp"

#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <regex>
#include <sstream>
#include <vector>

#include "arcface/error.hpp"
#include "arcface/models.hpp"

extern char** environ;

#ifndef ARCFACE_SOURCE_SCRIPTS_DIR
#define ARCFACE_SOURCE_SCRIPTS_DIR ""
#endif
#ifndef ARCFACE_INSTALL_SCRIPTS_DIR
#define ARCFACE_INSTALL_SCRIPTS_DIR ""
#endif

#include <dlfcn.h>

namespace fs = std::filesystem;

namespace arcface {

namespace {

std::vector<fs::path> script_dirs() {
  std::vector<fs::path> dirs;
  if (const char* e = std::getenv("ARCFACE_SCRIPTS_DIR"); e && *e) dirs.emplace_back(e);
  if (*ARCFACE_SOURCE_SCRIPTS_DIR) dirs.emplace_back(ARCFACE_SOURCE_SCRIPTS_DIR);
  if (*ARCFACE_INSTALL_SCRIPTS_DIR) dirs.emplace_back(ARCFACE_INSTALL_SCRIPTS_DIR);
  // Beside the library holding this code: pyarcface/scripts next to the Python module (the wheel),
  // PREFIX/share/arcface/scripts from PREFIX/lib (an install).
  Dl_info self{};
  if (dladdr(reinterpret_cast<void*>(&script_dirs), &self) && self.dli_fname) {
    const fs::path lib = fs::absolute(fs::path(self.dli_fname)).parent_path();
    dirs.push_back(lib / "scripts");
    dirs.push_back(lib / ".." / "share" / "arcface" / "scripts");
  }
  std::error_code ec;
  const fs::path exe = fs::read_symlink("/proc/self/exe", ec);
  if (!ec) {
    dirs.push_back(exe.parent_path() / ".." / "share" / "arcface" / "scripts");
    dirs.push_back(exe.parent_path() / ".." / "scripts");
  }
  return dirs;
}

// Runs argv[0] with argv, stdout and stderr merged into the returned text; sets @p status.
std::string run_process(const std::vector<std::string>& args, int& status) {
  int fds[2];
  if (pipe(fds) != 0) throw IoError(std::string("cannot create a pipe: ") + std::strerror(errno));
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addclose(&actions, fds[0]);
  posix_spawn_file_actions_adddup2(&actions, fds[1], 1);
  posix_spawn_file_actions_adddup2(&actions, fds[1], 2);
  posix_spawn_file_actions_addclose(&actions, fds[1]);
  std::vector<char*> argv;
  for (const auto& a : args) argv.push_back(const_cast<char*>(a.c_str()));
  argv.push_back(nullptr);
  pid_t pid = 0;
  const int rc = posix_spawn(&pid, argv[0], &actions, nullptr, argv.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  close(fds[1]);
  if (rc != 0) {
    close(fds[0]);
    throw ModelError("cannot run '" + args[0] + "': " + std::strerror(rc));
  }
  std::string out;
  char buf[4096];
  for (;;) {
    const ssize_t n = read(fds[0], buf, sizeof buf);
    if (n > 0) out.append(buf, static_cast<size_t>(n));
    else if (n == 0 || errno != EINTR) break;
  }
  close(fds[0]);
  int st = 0;
  while (waitpid(pid, &st, 0) < 0 && errno == EINTR) {
  }
  status = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + (WIFSIGNALED(st) ? WTERMSIG(st) : 0);
  return out;
}

// The converter's own "error: ..." line, else the last lines of its output.
std::string failure_message(const std::string& out) {
  std::istringstream in(out);
  std::string line, last, error;
  std::vector<std::string> tail;
  while (std::getline(in, line)) {
    if (line.rfind("error: ", 0) == 0) error = line.substr(7);
    if (!line.empty()) tail.push_back(line);
  }
  if (!error.empty()) return error;
  std::string msg;
  for (size_t i = tail.size() > 4 ? tail.size() - 4 : 0; i < tail.size(); ++i) msg += (msg.empty() ? "" : " | ") + tail[i];
  return msg.empty() ? "the converter failed without a message" : msg;
}

std::string number(float v) {
  std::ostringstream s;
  s.precision(9);
  s << v;
  return s.str();
}

}  // namespace

std::string find_converter_script(const std::string& file) {
  std::string looked;
  for (const auto& d : script_dirs()) {
    std::error_code ec;
    const fs::path p = d / file;
    if (fs::is_regular_file(p, ec)) return fs::weakly_canonical(p, ec).string();
    looked += (looked.empty() ? "" : ", ") + d.string();
  }
  throw ModelError("the converter " + file + " was not found (looked in: " + looked +
                   "); set ARCFACE_SCRIPTS_DIR to the project's scripts/ directory");
}

ModelInfo import_onnx(const std::string& onnx_path, const OnnxImportOptions& o, std::string* log) {
  if (!std::regex_match(o.name, std::regex("[A-Za-z0-9][A-Za-z0-9._-]*")))
    throw InputError("model name '" + o.name + "' is not valid (letters, digits, '.', '_', '-'; no '/' or '+')");
  if (o.mean.has_value() != o.std.has_value()) throw InputError("give both mean and std, or neither");
  std::error_code ec;
  if (!fs::is_regular_file(onnx_path, ec)) throw ModelError("ONNX file '" + onnx_path + "' not found");
  const std::string script = find_converter_script("onnx_torch.py");
  const char* py = std::getenv("ARCFACE_PYTHON");
  const std::string python = py && *py ? py : "/usr/bin/python3";
  if (access(python.c_str(), X_OK) != 0)
    throw ModelError("the ONNX import needs " + python +
                     " (Debian: apt-get install python3-torch python3-onnx python3-opencv; or set ARCFACE_PYTHON)");
  const std::string out_dir = o.out_dir.empty() ? models_dir() : o.out_dir;
  std::vector<std::string> args{python, script, "import", onnx_path, "--name", o.name, "--out", out_dir,
                                "--template", o.template_name, "--flip", to_string(o.flip)};
  args.push_back(o.rgb.value_or(true) ? "--rgb" : "--bgr");
  if (o.mean) args.insert(args.end(), {"--mean", number(*o.mean), "--std", number(*o.std)});
  if (o.force) args.push_back("--force");
  int status = 0;
  const std::string out = run_process(args, status);
  if (log) *log += out;
  if (status != 0) throw ModelError("cannot import '" + onnx_path + "': " + failure_message(out));
  return read_model_info((fs::path(out_dir) / (o.name + ".pt")).string());
}

}  // namespace arcface
