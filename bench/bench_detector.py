#!/usr/bin/env python3
"""YuNet face detection on OpenCV DNN (yunet.onnx, cv::FaceDetectorYN) vs LibTorch (yunet.pt, the
default when installed), in one run: milliseconds per photo of Detector.detect (the whole cascade:
first pass, fine pass and border check when they run, same options) on

  lfw      LFW View 1 photos (250 x 250)
  640px    the sample photos of ../shared/data/samples scaled to 640 px on their longer side
           (the size the first pass runs at)

Each backend runs --rounds times, interleaved; CPU time per photo (single-threaded by default, as
each pipeline worker runs), medians; ratio = OpenCV / LibTorch (target >= 1.3x). The two must find
the same faces (checked: same count per photo, boxes within 0.5 px).

usage: PYTHONPATH=build/python /usr/bin/python3 bench/bench_detector.py [--photos 200] [--rounds 5] [--threads 1]

Measured on the shared 2-core development machine (load average 6.5-7):

| photos | n | OpenCV DNN ms | LibTorch ms | OpenCV / LibTorch | faces (same) |
|---|---|---|---|---|---|
| lfw | 200 | 6.33 | 4.29 | 1.48x | 232 (yes) |
| 640px | 34 | 34.68 | 23.15 | 1.50x | 38 (yes) |
"""
import argparse
import os
import statistics
import sys
import time

import numpy as np

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
import pyarcface  # noqa: E402


def shared_dir():
    return os.environ.get("ARCFACE_SHARED_DIR", os.path.join(ROOT, "..", "shared"))


def lfw_images(n):
    d = os.path.join(shared_dir(), "data", "lfw-view1", "deepfunneled")
    if not os.path.isdir(d):
        sys.exit(f"needs LFW View 1 photos in {d}")
    paths = sorted(os.path.join(d, name, f) for name in os.listdir(d) for f in os.listdir(os.path.join(d, name)))
    return [np.asarray(pyarcface.read_image(p)) for p in paths[:n]]


def sample_images_640():
    import cv2
    d = os.path.join(shared_dir(), "data", "samples")
    if not os.path.isdir(d):
        sys.exit(f"needs the sample photos in {d}")
    out = []
    for root, _, files in sorted(os.walk(d)):
        for f in sorted(files):
            if f.endswith(".jpg"):
                img = np.asarray(pyarcface.read_image(os.path.join(root, f)))
                s = 640 / max(img.shape[:2])
                out.append(cv2.resize(img, (round(img.shape[1] * s), round(img.shape[0] * s)),
                                      interpolation=cv2.INTER_AREA if s < 1 else cv2.INTER_LINEAR))
    return out


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--photos", type=int, default=200, help="LFW photos")
    ap.add_argument("--rounds", type=int, default=5)
    ap.add_argument("--threads", type=int, default=1)
    args = ap.parse_args()
    models = pyarcface.models_dir()
    for f in ("yunet.onnx", "yunet.pt"):
        if not os.path.isfile(os.path.join(models, f)):
            sys.exit(f"needs {f} in {models} (scripts/prepare_models.py writes both)")
    detectors = {
        "opencv": pyarcface.Detector(pyarcface.DetectorOptions(model=os.path.join(models, "yunet.onnx"),
                                                               threads=args.threads)),
        "libtorch": pyarcface.Detector(pyarcface.DetectorOptions(threads=args.threads)),
    }
    sets = {"lfw": lfw_images(args.photos), "640px": sample_images_640()}
    print(f"threads {args.threads}, {args.rounds} rounds, load average {os.getloadavg()[0]:.1f}; "
          f"ms of CPU time per photo (median)\n")
    print("| photos | n | OpenCV DNN ms | LibTorch ms | OpenCV / LibTorch | faces (same) |")
    print("|---|---|---|---|---|---|")
    for name, images in sets.items():
        found = {k: [d.detect(im, rgb=False) for im in images] for k, d in detectors.items()}  # warm-up + check
        same = all(len(a) == len(b) and all(abs(fa.box[0] - fb.box[0]) < 0.5 and abs(fa.box[2] - fb.box[2]) < 0.5
                                            for fa, fb in zip(a, b))
                   for a, b in zip(found["opencv"], found["libtorch"]))
        times = {k: [] for k in detectors}
        for _ in range(args.rounds):
            for k, d in detectors.items():
                t = time.process_time()
                for im in images:
                    d.detect(im, rgb=False)
                times[k].append((time.process_time() - t) / len(images) * 1e3)
        med = {k: statistics.median(v) for k, v in times.items()}
        faces = sum(len(f) for f in found["libtorch"])
        print(f"| {name} | {len(images)} | {med['opencv']:.2f} | {med['libtorch']:.2f} | "
              f"{med['opencv'] / med['libtorch']:.2f}x | {faces} ({'yes' if same else 'NO'}) |", flush=True)
    print(f"\nload average after: {os.getloadavg()[0]:.1f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
