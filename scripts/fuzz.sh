#!/usr/bin/env bash
# Builds the libFuzzer harnesses of tests/fuzz/ with clang (ASan + UBSan) and runs each one for a
# fixed time, starting from a generated seed corpus; prints executions, coverage and findings.
#
#   scripts/fuzz.sh [SECONDS_EACH=30] [HARNESS...]
#
# Environment: FUZZ_DIR (default build/fuzz), CXX_FUZZ (default clang++). Needs the Debian
# packages clang and libfuzzer-14-dev. Exit status 1 when a harness found a crash, a leak or a
# sanitizer error (the reproducer is kept in FUZZ_DIR/findings/).
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
SECONDS_EACH=${1:-30}
shift || true
ALL=(npy gallery_file model_metadata lfw_pairs photo_cache image_header)
[ $# -gt 0 ] && HARNESSES=("$@") || HARNESSES=("${ALL[@]}")
OUT=${FUZZ_DIR:-$ROOT/build/fuzz}
CXX=${CXX_FUZZ:-clang++}
command -v "$CXX" >/dev/null || { echo "fuzz.sh: $CXX not found (apt-get install clang libfuzzer-14-dev)"; exit 2; }
mkdir -p "$OUT/obj" "$OUT/findings"
FLAGS=(-std=c++17 -O1 -g -fno-omit-frame-pointer -fsanitize=address,undefined -fno-sanitize-recover=undefined
       -I"$ROOT/include" -I"$ROOT/src" -I"$ROOT/tests/fuzz" $(pkg-config --cflags opencv4 eigen3))
LIBS=($(pkg-config --libs-only-L opencv4) -lopencv_imgcodecs -lopencv_imgproc -lopencv_core)
# The library's parsers and what they need, without LibTorch, FAISS or OpenMP.
SOURCES=(core/files.cpp core/image.cpp core/image_header.cpp io/npy.cpp io/npy_header.cpp gallery/gallery_file.cpp
         embedder/model_info.cpp aligner/aligner.cpp eval/lfw_pairs.cpp eval/photo_cache.cpp)
objs=()
for s in "${SOURCES[@]}"; do
  o="$OUT/obj/$(echo "$s" | tr / _).o"
  if [ ! -f "$o" ] || [ "$ROOT/src/$s" -nt "$o" ]; then
    "$CXX" "${FLAGS[@]}" -fsanitize=fuzzer-no-link -c "$ROOT/src/$s" -o "$o"
  fi
  objs+=("$o")
done
/usr/bin/python3 "$ROOT/tests/fuzz/make_seeds.py" "$OUT/seeds" "${ARCFACE_MODELS:-$ROOT/models}"
printf "%-16s %12s %8s %8s %10s  %s\n" harness executions exec/s cov features result
status=0
for h in "${HARNESSES[@]}"; do
  bin="$OUT/fuzz_$h"
  "$CXX" "${FLAGS[@]}" -fsanitize=fuzzer "$ROOT/tests/fuzz/fuzz_$h.cpp" "${objs[@]}" "${LIBS[@]}" -o "$bin"
  mkdir -p "$OUT/corpus/$h"
  log="$OUT/fuzz_$h.log"
  set +e
  ASAN_OPTIONS=detect_leaks=1:allocator_may_return_null=1 UBSAN_OPTIONS=print_stacktrace=1 \
    "$bin" "$OUT/corpus/$h" "$OUT/seeds/$h" -max_total_time="$SECONDS_EACH" -rss_limit_mb=2048 -max_len=16384 \
    -timeout=10 -artifact_prefix="$OUT/findings/$h-" -print_final_stats=1 >"$log" 2>&1
  rc=$?
  set -e
  execs=$(grep -o 'stat::number_of_executed_units: *[0-9]*' "$log" | grep -o '[0-9]*$' || echo '?')
  rate=$(grep -o 'stat::average_exec_per_sec: *[0-9]*' "$log" | grep -o '[0-9]*$' || echo '?')
  cov=$(grep -o 'cov: [0-9]*' "$log" | tail -1 | grep -o '[0-9]*' || echo '?')
  ft=$(grep -o 'ft: [0-9]*' "$log" | tail -1 | grep -o '[0-9]*' || echo '?')
  if [ $rc -eq 0 ]; then result="ok"; else result="FINDING (exit $rc, see $log)"; status=1; fi
  printf "%-16s %12s %8s %8s %10s  %s\n" "$h" "$execs" "$rate" "$cov" "$ft" "$result"
done
exit $status
