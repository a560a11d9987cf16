#!/usr/bin/env python3
"""Throughput of the parallel file pipeline on LFW photos, in one run:

  before    what the pipeline did before issue 16: YuNet on OpenCV DNN (yunet.onnx), fp32, one
            photo's crops per network call (batch_size 2 = crop + mirror)
  now       Pipeline.process_files with the defaults: precision auto, batch 8 rows shared
            between photos
  network   the bare Embedder (same precision as "now") on the aligned crops of the faces "now"
            found, in one embed() call: the floor for "now"

Photos per second and ratios (now/before: target >= 2x; now/network time: target <= 1.3x).
Each way runs --rounds times interleaved; medians.

usage: PYTHONPATH=build/python bench/bench_throughput.py [--photos 600] [--rounds 3] [--threads 2]
       [--precision auto|fp32|bf16]
"""
import argparse
import os
import statistics
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
import pyarcface  # noqa: E402


def lfw_photos(n):
    shared = os.environ.get("ARCFACE_SHARED_DIR", os.path.join(ROOT, "..", "shared"))
    d = os.path.join(shared, "data", "lfw-view1", "deepfunneled")
    if not os.path.isdir(d):
        sys.exit(f"needs LFW View 1 photos in {d}")
    paths = []
    for name in sorted(os.listdir(d)):
        for f in sorted(os.listdir(os.path.join(d, name))):
            paths.append(os.path.join(d, name, f))
    return paths[:n]


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--photos", type=int, default=600)
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--threads", type=int, default=os.cpu_count())
    ap.add_argument("--precision", default="auto", help="precision of 'now' (default auto: what the model's records allow)")
    args = ap.parse_args()
    photos = lfw_photos(args.photos)
    onnx = os.path.join(pyarcface.models_dir(), "yunet.onnx")
    before = pyarcface.Pipeline(pyarcface.DetectorOptions(threads=args.threads, model=onnx),
                                pyarcface.EmbedderOptions(precision="fp32", batch_size=2, threads=args.threads))
    now = pyarcface.Pipeline(pyarcface.DetectorOptions(threads=args.threads),
                             pyarcface.EmbedderOptions(threads=args.threads, precision=args.precision))
    net = now.embedder
    res = now.process_files(photos, workers=args.threads)
    crops = []
    for r in res:
        if r.result.faces:
            img = pyarcface.read_image(r.path)
            crops += [net.aligner.align(img, f) for f in r.result.faces]
    net.embed(crops[:8])  # warm-up
    ways = {
        "before": lambda: before.process_files(photos, workers=args.threads),
        "now": lambda: now.process_files(photos, workers=args.threads),
        "network": lambda: net.embed(crops),
    }
    times = {k: [] for k in ways}
    for _ in range(args.rounds):
        for k, f in ways.items():
            t = time.perf_counter()
            f()
            times[k].append(time.perf_counter() - t)
    med = {k: statistics.median(v) for k, v in times.items()}
    rows = len(crops) * (2 if net.info.flip != "none" else 1)
    print(f"{len(photos)} LFW photos, {len(crops)} faces ({rows} network rows), threads {args.threads}, "
          f"{args.rounds} rounds; 'now' runs {net.info.name} in {net.precision}\n")
    print("| way | seconds (median) | photos/s | vs before |")
    print("|---|---|---|---|")
    labels = {"before": "before: YuNet on OpenCV DNN, fp32, one photo per network call",
              "now": f"now: {args.precision} ({net.precision}), calls shared between photos",
              "network": f"bare network ({net.precision}) on the same {len(crops)} crops"}
    for k in ways:
        print(f"| {labels[k]} | {med[k]:.2f} | {len(photos) / med[k]:.1f} | {med['before'] / med[k]:.2f}x |")
    print(f"\nend to end / bare network: {med['now'] / med['network']:.2f}x")
    return 0


if __name__ == "__main__":
    sys.exit(main())
