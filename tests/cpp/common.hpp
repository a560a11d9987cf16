#pragma once
// Helpers shared by the C++ tests: where the shared data and fixtures are, and skipping cleanly
// when they are absent.
#include <cstdlib>
#include <filesystem>
#include <string>

#include <gtest/gtest.h>

#include "arcface/models.hpp"

namespace arcface::test {

inline std::string shared_dir() {
  if (const char* e = std::getenv("ARCFACE_SHARED_DIR"); e && *e) return e;
  return ARCFACE_TEST_SHARED_DIR;
}
inline std::string samples_dir() { return shared_dir() + "/data/samples"; }
inline std::string sample(const std::string& rel) { return samples_dir() + "/" + rel; }
inline std::string fixtures() { return ARCFACE_TEST_FIXTURES; }
inline bool has_shared() { return std::filesystem::is_directory(samples_dir()); }
inline bool has_model(const std::string& file) {
  return std::filesystem::is_regular_file(arcface::models_dir() + "/" + file);
}

}  // namespace arcface::test

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
