// The build-tree paths the tests use (see common.hpp), defined by CMake for this file only.
#include "common.hpp"

namespace arcface::test {
const char* const kSharedDir = ARCFACE_TEST_SHARED_DIR;
const char* const kFixturesDir = ARCFACE_TEST_FIXTURES;
const char* const kCacheDir = ARCFACE_TEST_CACHE_DIR;
const char* const kCliPath = ARCFACE_CLI_PATH;
}  // namespace arcface::test
