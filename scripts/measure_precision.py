#!/usr/bin/env python3
"""Measure an embedder in each precision and record the result in its metadata.

For each precision (fp32, bf16, and int8 when the model's int8 variant MODEL.int8.pt exists, see
scripts/quantize_model.py): LFW View 1 accuracy (threshold chosen on pairsDevTrain.txt,
accuracy on pairsDevTest.txt, deep-funnelled photos, the library's own Pipeline) and the network
time per input row (batch 8, median of several calls, all precisions timed in the same run). The
results go into the model's `arcface.json` metadata as

    "precisions": {"fp32": {"lfw_view1_accuracy": 99.1, "ms_per_row": 8.0}, "bf16": {...}}

which `EmbedderOptions::precision = auto` reads: it never picks a precision that loses more than
0.1 points against fp32, nor a slower one, nor one the CPU has no instructions for. Where it was
measured goes beside it, as "precisions_measured": {"date", "cpu", "threads", "batch", "script"}.

usage: PYTHONPATH=build/python scripts/measure_precision.py MODEL.pt [--lfw DIR] [--force]
       [--cache-dir DIR] [--threads N]
Without --force a model whose metadata already records every precision is left alone.
Exit status 0 also when the LFW directory is missing (a message says so and nothing is written).
"""
import argparse
import json
import os
import statistics
import sys
import time

import numpy as np
import torch

PRECISIONS = ["fp32", "bf16"]


def cpu_name():
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    import platform
    return platform.processor() or platform.machine()


def precisions_of(model):
    """fp32, bf16, and int8 when the int8 variant exists beside the model."""
    stem = model[:-3] if model.endswith(".pt") else model
    return PRECISIONS + (["int8"] if os.path.isfile(stem + ".int8.pt") else [])


def default_lfw():
    here = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    shared = os.environ.get("ARCFACE_SHARED_DIR", os.path.join(here, "..", "shared"))
    return os.path.join(shared, "data", "lfw-view1")


def read_meta(path):
    files = {"arcface.json": ""}
    module = torch.jit.load(path, _extra_files=files)
    return module, json.loads(files["arcface.json"])


def time_network(embedders, h, w, repeats=15):
    """Median ms per row of each embedder's bare network on the same batch of 8, interleaved."""
    x = np.random.default_rng(0).standard_normal((8, 3, h, w)).astype(np.float32)
    for e in embedders.values():
        e.forward_raw(x)  # warm-up (oneDNN primitive creation)
    times = {p: [] for p in embedders}
    for _ in range(repeats):
        for p, e in embedders.items():
            t = time.perf_counter()
            e.forward_raw(x)
            times[p].append((time.perf_counter() - t) * 1000 / len(x))
    return {p: statistics.median(v) for p, v in times.items()}


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("model", help="embedder .pt file")
    ap.add_argument("--lfw", default=default_lfw(), help="LFW View 1 directory (pairsDevTrain.txt, pairsDevTest.txt, "
                    "deepfunneled/); default ../shared/data/lfw-view1")
    ap.add_argument("--force", action="store_true", help="measure again even when recorded")
    ap.add_argument("--cache-dir", default="", help="keep embedding caches here (reused by later runs)")
    ap.add_argument("--threads", type=int, default=0, help="intra-op threads (0: all cores)")
    args = ap.parse_args()

    import pyarcface  # after argparse: --help works without the module

    if not os.path.isfile(args.model):
        sys.exit(f"error: model file '{args.model}' does not exist")
    train, test = (os.path.join(args.lfw, f) for f in ("pairsDevTrain.txt", "pairsDevTest.txt"))
    images = os.path.join(args.lfw, "deepfunneled")
    if not (os.path.isfile(train) and os.path.isfile(test) and os.path.isdir(images)):
        print(f"measure_precision: LFW View 1 not found in '{args.lfw}' (needs pairsDevTrain.txt, pairsDevTest.txt, "
              "deepfunneled/): nothing recorded")
        return 0
    module, meta = read_meta(args.model)
    precisions = precisions_of(args.model)
    if not args.force and all(p in meta.get("precisions", {}) for p in precisions):
        print(f"measure_precision: {args.model} already records {', '.join(precisions)} (--force measures again)")
        return 0

    records, embedders = {}, {}
    for p in precisions:
        opts = pyarcface.EmbedderOptions(model=os.path.abspath(args.model), precision=p, threads=args.threads)
        pipe = pyarcface.Pipeline(embedder=opts)
        embedders[p] = pipe.embedder
        cache = os.path.join(args.cache_dir, f"precision-{meta['name']}-{p}.cache") if args.cache_dir else ""
        t = time.perf_counter()
        r = pyarcface.evaluate_lfw_view1(pipe, train, test, images, cache_file=cache)
        records[p] = {"lfw_view1_accuracy": round(100 * r.test_accuracy, 2)}
        print(f"  {p}: LFW View 1 DevTest {100 * r.test_accuracy:.2f} % (threshold {r.threshold:.3f}, "
              f"{r.undetected} of {r.images} photos without a detected face; {time.perf_counter() - t:.0f} s)")
    ms = time_network(embedders, meta["input"]["height"], meta["input"]["width"])
    for p in precisions:
        records[p]["ms_per_row"] = round(ms[p], 3)
    meta["precisions"] = records
    import datetime
    meta["precisions_measured"] = {
        "date": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d"), "cpu": cpu_name(),
        "threads": torch.get_num_threads() if args.threads == 0 else args.threads, "batch": 8,
        "script": "scripts/measure_precision.py"}
    tmp = args.model + ".tmp"
    torch.jit.save(module, tmp, _extra_files={"arcface.json": json.dumps(meta, indent=1)})
    os.replace(tmp, args.model)

    print(f"\n{meta['name']} ({args.model}): LFW View 1 per precision\n")
    print("| precision | LFW View 1 DevTest accuracy | vs fp32 | network ms per row (batch 8) | speed-up |")
    print("|---|---|---|---|---|")
    base = records["fp32"]
    for p in precisions:
        r = records[p]
        print(f"| {p} | {r['lfw_view1_accuracy']:.2f} % | {r['lfw_view1_accuracy'] - base['lfw_view1_accuracy']:+.2f} | "
              f"{r['ms_per_row']:.2f} | {base['ms_per_row'] / r['ms_per_row']:.2f}x |")
    chosen = pyarcface.Embedder(model=os.path.abspath(args.model)).precision
    print(f"\nauto now selects {chosen} on this CPU")
    return 0


if __name__ == "__main__":
    sys.exit(main())
