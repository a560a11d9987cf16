#!/usr/bin/env bash
# Builds the library, the CLI and the fast C++ tests with AddressSanitizer + UndefinedBehaviorSanitizer
# (GCC) in build-asan/ and runs the fast tests (arcface_tests) there.
#
#   scripts/sanitize.sh [gtest filter, default: everything in arcface_tests]
#
# LibTorch and OpenCV are not instrumented; their allocations are not leak-checked (detect_leaks=0).
# Takes about 30 minutes on 2 cores from scratch (no compiler-cache hits: other flags) plus 5 minutes of tests, a few
# minutes when only the project's files changed. Run it before a release and after changes to
# parsers, file formats or the gallery; it is not part of CI (docs/security.md).
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
BUILD=${ASAN_BUILD_DIR:-$ROOT/build-asan}
FLAGS="-fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined"
cmake -S "$ROOT" -B "$BUILD" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCMAKE_CXX_FLAGS="$FLAGS" \
  -DCMAKE_EXE_LINKER_FLAGS="-fsanitize=address,undefined" -DCMAKE_SHARED_LINKER_FLAGS="-fsanitize=address,undefined" \
  -DCMAKE_MODULE_LINKER_FLAGS="-fsanitize=address,undefined" \
  -DARCFACE_BUILD_PYTHON=OFF -DARCFACE_BUILD_BENCHMARKS=OFF -DARCFACE_BUILD_EXAMPLES=OFF \
  -DARCFACE_MODELS_DIR="${ARCFACE_MODELS:-$ROOT/models}" >/dev/null
cmake --build "$BUILD" -j "${JOBS:-$(nproc)}" --target arcface_tests arcface-cli
export ASAN_OPTIONS=detect_leaks=0:halt_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
export ARCFACE_MODELS=${ARCFACE_MODELS:-$ROOT/models}
ARCFACE_MODELS="$ARCFACE_MODELS" /usr/bin/python3 "$ROOT/tests/fixtures/make_fixtures.py" "$BUILD/test-fixtures" >/dev/null
"$BUILD/tests/arcface_tests" --gtest_filter="${1:-*}" --gtest_brief=1
