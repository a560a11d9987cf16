// The `arcface` front end: help and usage errors without LibTorch, and the commands module
// (libarcface_cli_commands.so) it loads with dlopen, found beside it or in ../lib, with a clear
// error when it is missing or broken.
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <string>

#include "arcface/version.hpp"
#include "common.hpp"

namespace fs = std::filesystem;

namespace {

struct Result {
  int code;
  std::string out;  // stdout and stderr
};

Result sh(const std::string& command) {
  FILE* p = popen((command + " 2>&1").c_str(), "r");
  if (!p) return {-1, "cannot run " + command};
  std::string out;
  char buf[4096];
  while (const size_t n = fread(buf, 1, sizeof buf, p)) out.append(buf, n);
  const int st = pclose(p);
  return {WIFEXITED(st) ? WEXITSTATUS(st) : -1, out};
}

std::string q(const std::string& s) { return "'" + s + "'"; }

// The libraries the dynamic loader opened for this run (LD_DEBUG=files reports each as "file=NAME").
Result traced(const std::string& exe, const std::string& args) {
  return sh("LD_DEBUG=files " + q(exe) + " " + args);
}

bool loaded(const std::string& trace, const std::string& library) {
  return trace.find("file=" + library) != std::string::npos || trace.find("/" + library) != std::string::npos;
}

class TempDir {
 public:
  TempDir() : path_(fs::temp_directory_path() / ("arcface-cli-front-" + std::to_string(getpid()))) {
    fs::remove_all(path_);
    fs::create_directories(path_ / "bin");
  }
  ~TempDir() {
    std::error_code ec;
    fs::remove_all(path_, ec);
  }
  const fs::path& path() const { return path_; }

 private:
  fs::path path_;
};

const char* const kModule = "libarcface_cli_commands.so";

// One line, "arcface: error: ...".
void expect_one_error_line(const Result& r) {
  EXPECT_EQ(r.code, 1) << r.out;
  EXPECT_EQ(r.out.rfind("arcface: error: ", 0), 0u) << r.out;
  EXPECT_EQ(r.out.find('\n'), r.out.size() - 1) << r.out;
}

}  // namespace

TEST(CliFront, HelpAndUsageErrorsNeverLoadLibTorch) {
  const std::string cli = arcface::test::kCliPath;
  struct Case {
    std::string args, expected;
    int code;
  };
  for (const Case& c : {Case{"--help", "Subcommands:", 0}, Case{"verify --help", "image1 TEXT REQUIRED", 0},
                        Case{"models import --help", "--template", 0}, Case{"serve --help", "--max-in-flight", 0},
                        Case{"verfy a b", "did you mean 'verify'?", 2}, Case{"verify a", "image2 is required", 2}}) {
    const Result r = traced(cli, c.args);
    EXPECT_EQ(r.code, c.code) << c.args << "\n" << r.out;
    EXPECT_NE(r.out.find(c.expected), std::string::npos) << c.args << "\n" << r.out;
    for (const char* lib : {"libtorch", "libc10", "libopencv", "libgomp", "libarcface_core", kModule})
      EXPECT_FALSE(loaded(r.out, lib)) << "arcface " << c.args << " loaded " << lib;
  }
  // The same trace does see LibTorch when a command runs (--version goes through the module).
  const Result version = traced(cli, "--version");
  EXPECT_EQ(version.code, 0) << version.out;
  EXPECT_NE(version.out.find(std::string("arcface ") + arcface::kVersion), std::string::npos) << version.out;
  EXPECT_TRUE(loaded(version.out, kModule)) << version.out;
  EXPECT_TRUE(loaded(version.out, "libtorch_cpu")) << version.out;
}

TEST(CliFront, FrontEndLinksNoArcfaceOrTorchLibrary) {
  const Result r = sh("ldd " + q(arcface::test::kCliPath));
  ASSERT_EQ(r.code, 0) << r.out;
  for (const char* lib : {"libtorch", "libc10", "libopencv", "libgomp", "libarcface_core", "libarcface_server"})
    EXPECT_EQ(r.out.find(lib), std::string::npos) << lib << "\n" << r.out;
}

TEST(CliFront, MissingOrBrokenCommandsModuleIsAClearError) {
  const TempDir tmp;
  const fs::path build = fs::path(arcface::test::kCliPath).parent_path();
  const fs::path exe = tmp.path() / "bin" / "arcface";
  fs::copy_file(arcface::test::kCliPath, exe);
  const fs::path beside = tmp.path() / "bin" / kModule;

  // No module: help still works; a command names both places the module was looked for.
  EXPECT_EQ(sh(q(exe.string()) + " verify --help").code, 0);
  Result r = sh(q(exe.string()) + " models list");
  expect_one_error_line(r);
  EXPECT_NE(r.out.find("is missing"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find(beside.string()), std::string::npos) << r.out;
  // The second place: ../LIBDIR of the install (lib, or lib/<multiarch> for a /usr prefix).
  const std::string nor = "nor '" + (tmp.path() / "bin" / "..").string() + "/";
  const std::size_t at = r.out.find(nor);
  ASSERT_NE(at, std::string::npos) << r.out;
  const fs::path in_libdir = r.out.substr(at + 5, r.out.find('\'', at + 5) - at - 5);
  EXPECT_EQ(in_libdir.filename(), kModule) << r.out;

  // Not a library (empty, text): the loader's reason, naming the file.
  for (const std::string content : {"", "not a shared library\n"}) {
    std::ofstream(beside, std::ios::binary) << content;
    r = sh(q(exe.string()) + " --version");
    expect_one_error_line(r);
    EXPECT_NE(r.out.find("cannot load the commands module '" + beside.string() + "'"), std::string::npos) << r.out;
  }

  // A library, but not the commands module (no entry point).
  fs::remove(beside);
  fs::copy_file(build / "libarcface_omp_env.so.0", beside);
  r = sh(q(exe.string()) + " --version");
  expect_one_error_line(r);
  EXPECT_NE(r.out.find("'" + beside.string() + "' is not the arcface commands module"), std::string::npos) << r.out;

  // An install's layout: bin/arcface and LIBDIR/libarcface_cli_commands.so.
  fs::remove(beside);
  fs::create_directories(in_libdir.parent_path());
  fs::copy_file(build / kModule, in_libdir);
  r = sh(q(exe.string()) + " --version");
  EXPECT_EQ(r.code, 0) << r.out;
  EXPECT_EQ(r.out.rfind(std::string("arcface ") + arcface::kVersion + "\n", 0), 0u) << r.out;
}
