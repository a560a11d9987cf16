#!/usr/bin/env python3
"""Make the int8 variant of an embedder: MODEL.pt -> MODEL.int8.pt (static post-training quantisation).

The TorchScript network of MODEL.pt is quantised by ``torch.ao.quantization.quantize_jit`` with
LibTorch's quantised engine (``onednn`` by default, ``qnnpack`` on request): per-tensor uint8
activations (HistogramObserver, calibrated on real aligned face crops), per-channel int8 weights
(per-tensor for qnnpack). Operators without a quantised kernel (PReLU: LibTorch 1.13's quantised
PReLU returns wrong values) stay float32 between a dequantise and a quantise.

Calibration input comes either from a folder of photos (``--calibration DIR``: each photo's largest
face is detected and aligned by the library's own Pipeline with MODEL.pt's template, then
preprocessed as the library does, mirror included when the model's flip policy uses it; needs
pyarcface on PYTHONPATH), or from ``--crops FILE.npy``: aligned BGR face crops of the model's
alignment size, values 0..255, N x H x W x 3 or N x (H*W*3) (what ``arcface models quantize``
writes after aligning the photos in C++), preprocessed here the same way.

The variant's metadata is MODEL.pt's (without its per-precision measurements) plus

    "quantized": {"engine": "onednn", "base_weights_sha256": "...", "base_file": "MODEL.pt", ...}

``base_weights_sha256`` is the sha256 of MODEL.pt's parameters and buffers (see weights_sha256; the
library computes the same digest), so a variant made from other weights is refused as stale.
The lowest and mean cosine of the int8 network's output to fp32's over the calibration rows are
printed and recorded.

usage: quantize_model.py MODEL.pt (--calibration DIR | --crops FILE.npy) [--images 64]
       [--engine onednn|qnnpack] [--out MODEL.int8.pt]
"""
import argparse
import datetime
import hashlib
import json
import os
import platform
import sys

import numpy as np
import torch

ENGINES = ("onednn", "qnnpack")
IMAGE_EXTENSIONS = (".jpg", ".jpeg", ".png", ".bmp", ".webp")


def weights_sha256(module):
    """sha256 over the module's parameters then buffers, in their order: for each, its name, a NUL
    byte and its contiguous data in its own dtype. src/embedder/quantized_variant.cpp computes the same."""
    h = hashlib.sha256()
    for name, t in list(module.named_parameters()) + list(module.named_buffers()):
        h.update(name.encode())
        h.update(b"\0")
        t = t.detach().contiguous().reshape(-1)
        h.update(t.view(torch.uint8).numpy().tobytes() if t.numel() else b"")
    return h.hexdigest()


def variant_path(model):
    return (model[:-3] if model.endswith(".pt") else model) + ".int8.pt"


def read_model(path):
    files = {"arcface.json": ""}
    try:
        module = torch.jit.load(path, _extra_files=files).eval()
        meta = json.loads(files["arcface.json"])
    except Exception as e:  # noqa: BLE001
        raise SystemExit(f"error: cannot read model '{path}': {str(e).splitlines()[0]}")
    if meta.get("kind") != "embedder":
        raise SystemExit(f"error: '{path}' is not an embedder model (metadata kind '{meta.get('kind')}')")
    if "quantized" in meta:
        raise SystemExit(f"error: '{path}' is already a quantised variant; give the fp32 model")
    return module, meta


def preprocess(crop, meta, mirror):
    """An aligned BGR crop -> one network input row, as the library prepares it."""
    import cv2
    rc = meta.get("resize_crop")
    if rc:
        big = cv2.resize(crop, (rc["resize"], rc["resize"]), interpolation=cv2.INTER_LINEAR)
        o = (rc["resize"] - rc["crop"]) // 2
        crop = big[o:o + rc["crop"], o:o + rc["crop"]]
    if mirror:
        crop = crop[:, ::-1]
    if meta["input"].get("color", "RGB") == "RGB":
        crop = crop[:, :, ::-1]
    x = (crop.astype(np.float32) - np.array(meta["input"]["mean"], np.float32)) / np.array(meta["input"]["std"], np.float32)
    return x.transpose(2, 0, 1)


def calibration_rows(model, meta, folder, limit):
    """Rows from the largest face of up to ``limit`` photos of ``folder`` (sorted, recursive)."""
    try:
        import pyarcface
    except ImportError as e:
        raise SystemExit(f"error: --calibration needs the pyarcface module on PYTHONPATH (or give --crops FILE.npy): {e}")
    if not os.path.isdir(folder):
        raise SystemExit(f"error: calibration folder '{folder}' does not exist")
    pipe = pyarcface.Pipeline(embedder=pyarcface.EmbedderOptions(model=os.path.abspath(model), precision="fp32"))
    rows, photos = [], 0
    for dirpath, dirs, files in sorted(os.walk(folder)):
        dirs.sort()
        for f in sorted(files):
            if photos >= limit:
                break
            if not f.lower().endswith(IMAGE_EXTENSIONS):
                continue
            try:
                img = pyarcface.read_image(os.path.join(dirpath, f))
            except pyarcface.Error:
                continue
            faces = pipe.detector.detect(img)
            if not faces:
                continue
            crop = pipe.embedder.aligner.align(img, faces[pyarcface.largest_face(faces)])
            rows.append(preprocess(np.asarray(crop), meta, False))
            if meta.get("flip", "none") != "none":
                rows.append(preprocess(np.asarray(crop), meta, True))
            photos += 1
    if not rows:
        raise SystemExit(f"error: no face found in the photos of '{folder}'")
    return np.ascontiguousarray(np.stack(rows)), photos


def crop_rows(path, meta):
    """Rows from the aligned crops of ``path`` (and their mirrors when the flip policy uses them)."""
    try:
        x = np.load(path)
    except Exception as e:  # noqa: BLE001
        raise SystemExit(f"error: cannot read calibration crops '{path}': {e}")
    h, w = meta["alignment"]["height"], meta["alignment"]["width"]
    if x.ndim < 2 or len(x) == 0 or x[0].size != h * w * 3 or not np.isfinite(x).all():
        raise SystemExit(f"error: '{path}' holds {x.dtype} {x.shape}, expected N x {h} x {w} x 3 aligned crops (0..255)")
    crops = np.clip(np.rint(x.reshape(len(x), h, w, 3)), 0, 255).astype(np.uint8)
    flip = meta.get("flip", "none") != "none"
    return np.ascontiguousarray(np.stack([preprocess(c, meta, m) for c in crops for m in ((False, True) if flip else (False,))]))


def quantize(module, x, engine, batch=8):
    from torch.ao.quantization import get_default_qconfig, quantize_jit
    torch.backends.quantized.engine = engine
    data = torch.from_numpy(x)

    def calibrate(m, _):
        with torch.no_grad():
            for i in range(0, len(data), batch):
                m(data[i:i + batch])

    import warnings
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return quantize_jit(module, {"": get_default_qconfig(engine)}, calibrate, [None], inplace=False)


def cosines(a, b):
    a = a / np.linalg.norm(a, axis=1, keepdims=True)
    b = b / np.linalg.norm(b, axis=1, keepdims=True)
    return (a * b).sum(1)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("model", help="fp32 embedder .pt file")
    src = ap.add_mutually_exclusive_group(required=True)
    src.add_argument("--calibration", help="folder of photos (one face used per photo)")
    src.add_argument("--crops", help="N x H x W x 3 .npy of aligned BGR face crops (0..255)")
    ap.add_argument("--images", type=int, default=64, help="photos used from --calibration (default 64)")
    ap.add_argument("--engine", choices=ENGINES, default="onednn")
    ap.add_argument("--out", help="default: MODEL.int8.pt beside MODEL.pt (where the library looks)")
    args = ap.parse_args()
    if args.engine not in torch.backends.quantized.supported_engines:
        raise SystemExit(f"error: this torch has no '{args.engine}' quantised engine "
                         f"(has: {', '.join(torch.backends.quantized.supported_engines)})")
    if not os.path.isfile(args.model):
        raise SystemExit(f"error: model file '{args.model}' does not exist")
    module, meta = read_model(args.model)
    if args.calibration:
        x, photos = calibration_rows(args.model, meta, args.calibration, args.images)
        source = {"photos": photos, "folder": os.path.basename(os.path.normpath(args.calibration))}
    else:
        x = crop_rows(args.crops, meta)
        source = {"rows": int(len(x)), "file": os.path.basename(args.crops)}
    q = quantize(module, x, args.engine)
    # Whole batches of 8 rows only: LibTorch 1.13's oneDNN int8 convolutions fail on a batch size other
    # than the first one they ran when running on several threads (the library pads likewise).
    n = len(x)
    padded = torch.from_numpy(np.concatenate([x, np.zeros((-n % 8,) + x.shape[1:], np.float32)]))
    with torch.inference_mode():
        ref = torch.cat([module(padded[i:i + 8]) for i in range(0, len(padded), 8)])[:n].numpy()
        got = torch.cat([q(padded[i:i + 8]) for i in range(0, len(padded), 8)])[:n].numpy()
    if got.shape != ref.shape or not np.isfinite(got).all():
        raise SystemExit(f"error: the quantised network returns {got.shape} (or non-finite values), fp32 {ref.shape}")
    cos = cosines(got, ref)
    out = args.out or variant_path(args.model)
    meta = {k: v for k, v in meta.items() if k != "precisions"}
    meta["quantized"] = {
        "engine": args.engine,
        "base_weights_sha256": weights_sha256(module),
        "base_file": os.path.basename(args.model),
        "method": "torch.ao.quantization.quantize_jit, static; uint8 activations (HistogramObserver), "
                  "int8 weights (default qconfig of the engine); PReLU in float32",
        "calibration": source,
        "cosine_to_fp32": {"min": round(float(cos.min()), 5), "mean": round(float(cos.mean()), 5), "rows": int(len(x))},
        "created": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d"),
        "torch": torch.__version__, "machine": platform.machine(), "script": "scripts/quantize_model.py",
    }
    tmp = out + ".tmp"
    torch.jit.save(q, tmp, _extra_files={"arcface.json": json.dumps(meta, indent=1)})
    os.replace(tmp, out)
    print(f"wrote {out} ({args.engine}; calibrated on {len(x)} rows; cosine to fp32 over them: "
          f"lowest {cos.min():.5f}, mean {cos.mean():.5f})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
