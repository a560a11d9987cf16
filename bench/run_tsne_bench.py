#!/usr/bin/env python3
"""t-SNE of 5,000 points: arcface's C++ implementation (pyarcface.tsne) next to scikit-learn's TSNE,
same data, same run. Prints a table: time, ratio, trustworthiness (k=5).

    /usr/bin/python3 bench/run_tsne_bench.py [--n 5000] [--dim 128] [--threads 2]
(with pyarcface importable: the .venv, or PYTHONPATH=build/python)
"""
import argparse
import time

import numpy as np
from sklearn.manifold import TSNE, trustworthiness

import pyarcface


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--n", type=int, default=5000)
    ap.add_argument("--dim", type=int, default=128)
    ap.add_argument("--threads", type=int, default=2)
    a = ap.parse_args()
    rng = np.random.default_rng(0)
    # Face-like: 100 identities, unit vectors around unit centres (same-identity cosine ~0.6).
    centres = rng.standard_normal((100, a.dim))
    centres /= np.linalg.norm(centres, axis=1, keepdims=True)
    lab = rng.integers(0, 100, a.n)
    x = centres[lab] + 0.8 / np.sqrt(a.dim) * rng.standard_normal((a.n, a.dim))
    x = (x / np.linalg.norm(x, axis=1, keepdims=True)).astype(np.float32)

    t = time.perf_counter()
    ours = pyarcface.tsne(x, seed=0, threads=a.threads)
    t_ours = time.perf_counter() - t
    t = time.perf_counter()
    theirs = TSNE(n_components=2, init="pca", learning_rate="auto", random_state=0, n_jobs=a.threads).fit_transform(x)
    t_sk = time.perf_counter() - t
    tw_ours = trustworthiness(x, ours, n_neighbors=5)
    tw_sk = trustworthiness(x, theirs, n_neighbors=5)
    print(f"# t-SNE, {a.n} points x {a.dim} dims, 1000 iterations, {a.threads} threads")
    print("| implementation | time s | speed vs scikit-learn | trustworthiness (k=5) |")
    print("|---|---:|---:|---:|")
    print(f"| arcface (C++, Barnes-Hut theta 0.3) | {t_ours:.1f} | {t_sk / t_ours:.2f}x | {tw_ours:.4f} |")
    print(f"| scikit-learn TSNE (Barnes-Hut 0.5) | {t_sk:.1f} | 1.00x | {tw_sk:.4f} |")


if __name__ == "__main__":
    main()
