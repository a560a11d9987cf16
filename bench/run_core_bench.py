#!/usr/bin/env python3
"""Core benchmark: the C++ library (bench/arcface_bench_core, Google Benchmark) next to the same
work done the plain Python way in the same run — eager PyTorch modules, cv2, numpy — with the
same thread count. Prints a table of milliseconds and the ratio Python / C++ (> 1: C++ faster).

usage: bench/run_core_bench.py [--build build] [--threads 2] [--quick]
"""
import argparse
import json
import os
import statistics
import subprocess
import sys
import time

import cv2
import numpy as np
import torch

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "scripts"))
sys.path.insert(0, os.path.join(ROOT, "tests", "fixtures"))
import arcface_nets as nets  # noqa: E402


def timeit(fn, min_time=2.0, min_runs=3):
    fn()  # warm-up
    runs = []
    start = time.perf_counter()
    while len(runs) < min_runs or time.perf_counter() - start < min_time:
        t = time.perf_counter()
        fn()
        runs.append(time.perf_counter() - t)
    return statistics.median(runs) * 1000.0


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--build", default=os.path.join(ROOT, "build"))
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--quick", action="store_true", help="shorter timing loops")
    args = ap.parse_args()
    shared = os.environ.get("ARCFACE_SHARED_DIR", os.path.join(ROOT, "..", "shared"))
    models = os.environ.get("ARCFACE_MODELS", os.path.join(ROOT, "models"))
    mt = 0.5 if args.quick else 2.0

    env = dict(os.environ, ARCFACE_BENCH_THREADS=str(args.threads), ARCFACE_MODELS=models, ARCFACE_SHARED_DIR=shared)
    cmd = [os.path.join(args.build, "bench", "arcface_bench_core"), "--benchmark_format=json"]
    if args.quick:
        cmd.append("--benchmark_min_time=0.5")
    cpp = {b["name"].split("/min_time")[0]: b for b in json.loads(subprocess.check_output(cmd, env=env))["benchmarks"]}

    def cpp_ms(name):
        b = cpp[name]
        scale = {"ns": 1e-6, "us": 1e-3, "ms": 1.0, "s": 1e3}[b["time_unit"]]
        return b["real_time"] * scale

    torch.set_num_threads(args.threads)
    cv2.setNumThreads(args.threads)
    img = cv2.resize(cv2.imread(os.path.join(shared, "data/samples/group/group.jpg")), (640, 480),
                     interpolation=cv2.INTER_AREA)
    rows = []

    # Detection: cv2.FaceDetectorYN; face.evoLVe's MTCNN algorithm in eager PyTorch on PIL images.
    yunet = cv2.FaceDetectorYN.create(os.path.join(models, "yunet.onnx"), "", (640, 480), 0.8, 0.3, 5000)
    rows.append(("detect YuNet 640x480", cpp_ms("BM_DetectYuNet"), timeit(lambda: yunet.detect(img), mt)))
    import mtcnn_reference as ref
    from PIL import Image
    mtcnn = ref.load_nets(os.path.join(shared, "models", "mtcnn-face-evolve"))
    pil = Image.fromarray(cv2.cvtColor(img, cv2.COLOR_BGR2RGB))
    rows.append(("detect MTCNN 640x480", cpp_ms("BM_DetectMtcnn"), timeit(lambda: ref.detect_faces(pil, mtcnn), mt)))

    # Alignment: cv2's similarity estimate + warpAffine.
    _, faces = yunet.detect(img)
    lm = faces[0, 4:14].reshape(5, 2).astype(np.float32)
    tmpl = np.array([[38.2946, 51.6963], [73.5318, 51.5014], [56.0252, 71.7366], [41.5493, 92.3655],
                     [70.7299, 92.2041]], np.float32)

    def align():
        m, _ = cv2.estimateAffinePartial2D(lm, tmpl, method=cv2.LMEDS)
        return cv2.warpAffine(img, m, (112, 112))
    rows.append(("align one face", cpp_ms("BM_Align"), timeit(align, mt)))

    # Networks: eager nn.Module forward under no_grad.
    mfn = nets.MobileFaceNet().eval()
    ir50 = nets.IR50().eval()
    for name, net, cname, (h, w) in (("MobileFaceNet", mfn, "BM_ForwardMobileFaceNet", (112, 96)),
                                     ("IR-50", ir50, "BM_ForwardIr50", (112, 112))):
        for n in (1, 8, 32):
            x = torch.from_numpy(np.sin(np.arange(n * 3 * h * w) * 0.013).reshape(n, 3, h, w).astype(np.float32))

            def fwd(net=net, x=x):
                with torch.no_grad():
                    return net(x)
            rows.append((f"{name} forward batch {n}", cpp_ms(f"{cname}/{n}"), timeit(fwd, mt, 2)))

    # Similarity matrix 1000 x 1000, D = 512.
    a = torch.nn.functional.normalize(torch.randn(1000, 512), dim=1)
    b = torch.nn.functional.normalize(torch.randn(1000, 512), dim=1)
    rows.append(("similarity 1000x1000 (D=512)", cpp_ms("BM_SimilarityMatrix"), timeit(lambda: a @ b.T, mt)))

    print(f"\narcface core benchmark, {args.threads} threads (Python baseline measured in the same run)\n")
    print(f"| {'work':32} | {'C++ ms':>9} | {'Python ms':>9} | {'Python/C++':>10} |")
    print(f"|{'-' * 34}|{'-' * 11}|{'-' * 11}|{'-' * 12}|")
    for name, c, p in rows:
        print(f"| {name:32} | {c:9.2f} | {p:9.2f} | {p / c:9.2f}x |")
    for n in (1, 8, 32):
        print(f"\nfull Embedder::embed (preprocess + mirror + network + normalise), MobileFaceNet, {n} crop(s): "
              f"{cpp_ms(f'BM_EmbedMobileFaceNet/{n}'):.2f} ms")


if __name__ == "__main__":
    main()
