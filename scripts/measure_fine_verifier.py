#!/usr/bin/env python3
"""O-Net scores of YuNet boxes, as the cascade's check of fine-pass faces computes them
(docs/detection.md, DetectorOptions::fine_verify_threshold): MTCNN's O-Net on the box made square,
then once more on the box O-Net's regression moved it to, the higher probability counts.

Uses face.evoLVe's O-Net (tests/fixtures/mtcnn_reference.py; the library's mtcnn-tflite model equals
it to 1e-6) and OpenCV's YuNet. Prints, per set, how many boxes score below a few thresholds:

  * lfw-fine: the LFW View 1 deep-funnelled photos where YuNet at 250 px finds nothing (the photos
    the cascade's fine pass finds), boxes from YuNet at 500 px;
  * lfw-sample: 800 deep-funnelled and 400 original LFW photos (seed 1), YuNet at twice the size;
  * group: the five faces of group.jpg (YuNet at 640 px); tiled: group.jpg tiled 3 x 4, YuNet at 1280 px;
  * false-positives: the boxes `Precision.NoFaceOnSampleBackgroundsAndTextures` prints as
    "without the O-Net check" (pass its output with --log): fine-pass faces on face-free crops.

With --lone-faces (needs pyarcface, e.g. PYTHONPATH=build/python) it also runs the library's
default detector with and without the check on 150 original LFW photos (seed 3), each shrunk to
60 or 75 px and pasted alone into a 2000 x 1500 blurred-noise image (faces of about 25-35 px that
the first pass, at 640 px, mostly misses), and counts the photos found and the pass that found them.

usage: /usr/bin/python3 scripts/measure_fine_verifier.py [--shared ../shared] [--models models] [--log LOG]
       [--lone-faces]
"""
import argparse
import glob
import os
import random
import re
import sys

import cv2
import numpy as np
import torch
from PIL import Image

HERE = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(HERE, "tests", "fixtures"))
import mtcnn_reference as ref  # noqa: E402


@torch.no_grad()
def scores(onet, img, boxes, rounds=2):
    """img: PIL RGB; boxes: (x, y, w, h). The verifier's score of each box."""
    if not boxes:
        return np.zeros(0)
    b = []
    for x, y, w, h in boxes:
        b.append([x, y, x + w - 1, y + h - 1, 1.0])
    b = ref.square(np.array(b, "float64"))
    b[:, :4] = np.round(b[:, :4])
    best = np.zeros(len(b))
    for _ in range(rounds):
        _, off, prob = onet(ref.crops(b, img, 48))
        best = np.maximum(best, prob.numpy())
        b = ref.square(ref.calibrate(b, off.numpy()))
        b[:, :4] = np.round(b[:, :4])
    return best


def yunet_boxes(model, bgr, scale):
    img = cv2.resize(bgr, (round(bgr.shape[1] * scale), round(bgr.shape[0] * scale)),
                     interpolation=cv2.INTER_AREA if scale < 1 else cv2.INTER_LINEAR) if scale != 1 else bgr
    det = cv2.FaceDetectorYN.create(model, "", (img.shape[1], img.shape[0]), 0.8, 0.3, 5000)
    _, d = det.detect(img)
    return [] if d is None else [tuple(float(v) / scale for v in r[:4]) for r in d]


def pil(bgr):
    return Image.fromarray(np.ascontiguousarray(bgr[:, :, ::-1]))


def lone_faces(lfw):
    import pyarcface
    random.seed(3)
    files = random.sample(sorted(glob.glob(os.path.join(lfw, "original-150px", "*", "*.jpg"))), 150)
    on, off = pyarcface.Detector(), pyarcface.Detector(fine_verify_threshold=0)
    rng = np.random.default_rng(0)
    for side in (60, 75):
        found_on, found_off, by = 0, 0, {}
        for f in files:
            canvas = np.clip(rng.normal(128, 20, (1500, 2000, 3)), 0, 255).astype("uint8")
            canvas = cv2.GaussianBlur(canvas, (0, 0), 3)
            x, y = int(rng.integers(100, 1800)), int(rng.integers(100, 1300))
            canvas[y:y + side, x:x + side] = cv2.resize(cv2.imread(f), (side, side), interpolation=cv2.INTER_AREA)

            def on_photo(faces):
                return [g for g in faces if abs(g.box[0] + g.box[2] / 2 - x - side / 2) < side / 2
                        and abs(g.box[1] + g.box[3] / 2 - y - side / 2) < side / 2]
            a, b = on_photo(on.detect(canvas)), on_photo(off.detect(canvas))
            found_on += bool(a)
            found_off += bool(b)
            if a:
                by[a[0].detector] = by.get(a[0].detector, 0) + 1
        print(f"lone {side} px photos: found with the check {found_on}/{len(files)} {by}, "
              f"without {found_off}/{len(files)}")


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--shared", default=os.path.join(HERE, "..", "shared"))
    ap.add_argument("--models", default=os.path.join(HERE, "models"))
    ap.add_argument("--log", help="output of Precision.NoFaceOnSampleBackgroundsAndTextures")
    ap.add_argument("--lone-faces", action="store_true", help="also the lone small faces (pyarcface)")
    a = ap.parse_args()
    yunet = os.path.join(a.models, "yunet.onnx")
    onet = ref.load_nets(os.path.join(a.shared, "models", "mtcnn-face-evolve"))[2]
    samples = os.path.join(a.shared, "data", "samples")
    lfw = os.path.join(a.shared, "data", "lfw-view1")
    if a.lone_faces:
        lone_faces(lfw)
    sets = {}

    fine = []
    for f in sorted(glob.glob(os.path.join(lfw, "deepfunneled", "*", "*.jpg"))):
        bgr = cv2.imread(f)
        if yunet_boxes(yunet, bgr, 1.0):
            continue
        fine += list(scores(onet, pil(bgr), yunet_boxes(yunet, bgr, 2.0)[:1]))
    sets["lfw-fine"] = fine

    random.seed(1)
    sample = random.sample(sorted(glob.glob(os.path.join(lfw, "deepfunneled", "*", "*.jpg"))), 800)
    sample += random.sample(sorted(glob.glob(os.path.join(lfw, "original-150px", "*", "*.jpg"))), 400)
    s = []
    for f in sample:
        bgr = cv2.imread(f)
        boxes = sorted(yunet_boxes(yunet, bgr, 2.0), key=lambda b: -b[2] * b[3])[:1]
        s += list(scores(onet, pil(bgr), boxes))
    sets["lfw-sample"] = s

    group = cv2.imread(os.path.join(samples, "group", "group.jpg"))
    sets["group"] = list(scores(onet, pil(group), yunet_boxes(yunet, group, 1.0)))
    tiled = np.tile(group, (3, 4, 1))
    sets["tiled"] = list(scores(onet, pil(tiled), yunet_boxes(yunet, tiled, 0.5)))

    if a.log:
        fp = []
        pat = re.compile(r"without the O-Net check, (\S+) crop (\d+),(\d+) (\d+): \[face at "
                         r"\(([-\d.]+),([-\d.]+) ([\d.]+)x([\d.]+)\)")
        for line in open(a.log):
            m = pat.search(line)
            if m:
                x, y, side = (int(v) for v in m.group(2, 3, 4))
                crop = pil(cv2.imread(os.path.join(samples, m.group(1))))
                crop = crop.crop((x, y, x + side, y + side))
                fp += list(scores(onet, crop, [tuple(float(v) for v in m.group(5, 6, 7, 8))]))
        sets["false-positives"] = fp

    print(f"{'set':16} {'boxes':>5} {'<0.5':>5} {'<0.7':>5} {'<0.8':>5} {'<0.9':>5}  lowest / highest")
    for name, v in sets.items():
        v = np.array(v)
        if v.size == 0:
            print(f"{name:16} {0:5d}")
            continue
        counts = " ".join(f"{int((v < t).sum()):5d}" for t in (0.5, 0.7, 0.8, 0.9))
        print(f"{name:16} {v.size:5d} {counts}  {v.min():.3f} / {v.max():.3f}")


if __name__ == "__main__":
    main()
