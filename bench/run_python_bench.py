#!/usr/bin/env python3
"""pyarcface end-to-end benchmark: detect + align + embed every sample photo (all faces), done
three ways in the same run:
  1. the C++ CLI:            arcface -q embed PHOTOS... -o out.npy   (process start + model load included)
  2. pyarcface:              Pipeline() + process_files(photos) (parallel C++ workers), and a plain
                             Python loop of process(read_image(p)) (model load included in both)
  3. plain Python:           cv2.FaceDetectorYN + cv2 alignment + eager PyTorch MobileFaceNet (+ mirror)
Each is repeated and the median wall time printed, with the ratios.

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
import arcface_nets as nets  # noqa: E402
import pyarcface  # noqa: E402

SPHEREFACE = np.array([[30.2946, 51.6963], [65.5318, 51.5014], [48.0252, 71.7366], [33.5493, 92.3655],
                       [62.7299, 92.2041]], np.float32)


def median_time(fn, repeats):
    times = []
    for _ in range(repeats):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return statistics.median(times)


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
        det = cv2.FaceDetectorYN.create(os.path.join(models, "yunet.onnx"), "", (320, 320), 0.8, 0.3, 5000)
        ckpt = torch.load(os.path.join(shared, "models", "mobilefacenet-casia-arcface", "068.ckpt"), map_location="cpu")
        net = nets.MobileFaceNet().eval()
        net.load_state_dict(ckpt["net_state_dict"])
        res = []
        for p in photos:
            img = cv2.imread(p)
            s = min(1.0, 640 / max(img.shape[:2]))
            small = cv2.resize(img, None, fx=s, fy=s, interpolation=cv2.INTER_AREA) if s < 1 else img
            det.setInputSize((small.shape[1], small.shape[0]))
            _, faces = det.detect(small)
            if faces is None:
                continue
            crops = []
            for f in faces[faces[:, 14] >= 0.8]:
                lm = (f[4:14].reshape(5, 2) / s).astype(np.float32)
                m, _ = cv2.estimateAffinePartial2D(lm, SPHEREFACE, method=cv2.LMEDS)
                crop = cv2.warpAffine(img, m, (96, 112))[:, :, ::-1]
                crops += [crop, crop[:, ::-1]]
            x = torch.from_numpy((np.stack(crops).astype(np.float32) - 127.5) / 128.0).permute(0, 3, 1, 2).contiguous()
            with torch.no_grad():
                y = net(x).numpy()
            n = len(crops) // 2
            e = np.concatenate([y[0::2], y[1::2]], axis=1)
            res.append(e / np.linalg.norm(e, axis=1, keepdims=True))
            assert len(e) == n
        return res

    py()  # warm caches (disk, first-load effects) for every variant alike
    cli()
    t_cli = median_time(cli, args.repeats)
    t_py = median_time(py, args.repeats)
    t_loop = median_time(py_loop, args.repeats)
    t_plain = median_time(plain, args.repeats)
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
