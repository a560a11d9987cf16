#pragma once
// Helpers shared by the C++ tests: where the shared data and fixtures are, and skipping cleanly
// when they are absent.
#include <sys/wait.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <utility>

#include <gtest/gtest.h>

#include "arcface/models.hpp"

namespace arcface::test {

// Paths of this build tree, compiled into test_paths.cpp only (so that no other test object
// depends on where the tree is, and the compiler cache can share them between checkouts).
extern const char* const kSharedDir;   // default of shared_dir()
extern const char* const kFixturesDir;
extern const char* const kCacheDir;    // embedding caches of the LFW tests
extern const char* const kCliPath;     // the arcface executable

inline std::string shared_dir() {
  if (const char* e = std::getenv("ARCFACE_SHARED_DIR"); e && *e) return e;
  return kSharedDir;
}
inline std::string samples_dir() { return shared_dir() + "/data/samples"; }
inline std::string sample(const std::string& rel) { return samples_dir() + "/" + rel; }
inline std::string fixtures() { return kFixturesDir; }
inline bool has_shared() { return std::filesystem::is_directory(samples_dir()); }
inline bool has_model(const std::string& file) {
  return std::filesystem::is_regular_file(arcface::models_dir() + "/" + file);
}

/// Runs the arcface CLI (kCliPath) with @p args, stderr merged into stdout.
/// Returns {exit code, output}.
inline std::pair<int, std::string> run_cli(const std::string& args) {
  FILE* p = popen((std::string(kCliPath) + " " + args + " 2>&1").c_str(), "r");
  if (!p) return {-1, "cannot start " + std::string(kCliPath)};
  std::string out;
  char buf[4096];
  while (size_t n = fread(buf, 1, sizeof buf, p)) out.append(buf, n);
  const int st = pclose(p);
  return {WIFEXITED(st) ? WEXITSTATUS(st) : -1, out};
}

}  // namespace arcface::test

#define ARCFACE_TEST_CACHE ::arcface::test::kCacheDir

#define ARCFACE_REQUIRE_SHARED()                                                                        \
  do {                                                                                                \
    if (!::arcface::test::has_shared())                                                               \
      GTEST_SKIP() << "shared data not found at " << ::arcface::test::shared_dir()                    \
                   << " (set ARCFACE_SHARED_DIR to the directory holding data/ and models/)";         \
  } while (0)

#define ARCFACE_REQUIRE_MODEL(file)                                                                     \
  do {                                                                                                \
    if (!::arcface::test::has_model(file))                                                            \
      GTEST_SKIP() << "model " << file << " not found in " << ::arcface::models_dir()                 \
                   << " (run scripts/prepare_models.py)";                                             \
  } while (0)
