#!/usr/bin/env python3
"""Benchmark of pyarcface.distributed (numbers for docs/scale.md and docs/benchmarks.md).

1. Embedding: the same photos through the single-process Pipeline.process_files (baseline) and
   through embed_collection on a LocalCluster of 1 and 2 worker processes (1 thread each), same run.
2. One shard: a pyarcface.Gallery (what each ShardedGallery shard holds) at --entries entries:
   memory, batched and single-query search time; then a ShardedGallery of 2 shards over 2 worker
   processes holding the same entries, through Dask, against the in-process gallery.

    PYTHONPATH=build/python /usr/bin/python3 bench/run_distributed_bench.py [--photos 400] [--entries 1000000]
"""
import argparse
import glob
import os
import pickle
import shutil
import sys
import tempfile
import time

import numpy as np
import psutil

import pyarcface
from distributed import Client, LocalCluster
from pyarcface.distributed import ShardedGallery, embed_collection

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SHARED = os.environ.get("ARCFACE_SHARED_DIR", os.path.join(ROOT, "..", "shared"))


def cluster(n):
    c = LocalCluster(n_workers=n, threads_per_worker=1, processes=True, host="127.0.0.1", dashboard_address=None,
                     memory_limit="8GiB")
    return c, Client(c)


def worker_cpu():
    t = psutil.Process().cpu_times()
    return t.user + t.system


def bench_embed(n_photos):
    lfw = os.path.join(SHARED, "data", "lfw-view1", "deepfunneled")
    files = sorted(glob.glob(os.path.join(lfw, "*", "*.jpg")))[:n_photos]
    if len(files) < n_photos:
        sys.exit(f"need {n_photos} photos under {lfw}")
    rows = []
    for label, threads, workers in (("process_files, 1 thread", 1, 1), ("process_files, all cores", 0, 0)):
        det = pyarcface.DetectorOptions(threads=threads)
        emb = pyarcface.EmbedderOptions(threads=threads)
        pipe = pyarcface.Pipeline(detector=det, embedder=emb)
        pipe.process_files(files[:8], workers=workers)  # warm-up
        t, cpu = time.perf_counter(), time.process_time()
        res = pipe.process_files(files, workers=workers)
        rows.append((label, time.perf_counter() - t, sum(len(r.result.faces) for r in res), None,
                     time.process_time() - cpu))
    for n in (1, 2):
        t0 = time.perf_counter()
        c, client = cluster(n)
        out = tempfile.mkdtemp(prefix="arcface-bench-")
        try:
            embed_collection(client, files[:2 * n], os.path.join(out, "warm"), files_per_shard=1, progress=False)
            start = time.perf_counter() - t0  # cluster start + loading the models in every worker
            cpu0 = sum(client.run(worker_cpu).values()) + time.process_time()
            t = time.perf_counter()
            r = embed_collection(client, files, os.path.join(out, "run"), files_per_shard=25, progress=False)
            wall = time.perf_counter() - t
            cpu = sum(client.run(worker_cpu).values()) + time.process_time() - cpu0
            rows.append((f"embed_collection, LocalCluster {n} x 1 thread", wall, r.faces, start, cpu))
        finally:
            client.close()
            c.close()
            shutil.rmtree(out)
    base = rows[1][1]
    print(f"\n## Embedding {len(files)} LFW photos (250x250), {os.cpu_count()} cores\n")
    print("| how | s | photos/s | ratio to process_files (all cores) | CPU ms/photo | faces | "
          "cluster start + model load s |")
    print("|---|---:|---:|---:|---:|---:|---:|")
    for label, s, faces, start, cpu in rows:
        print(f"| {label} | {s:.1f} | {len(files) / s:.1f} | {base / s:.2f} | {cpu / len(files) * 1e3:.1f} | {faces} | "
              f"{'' if start is None else f'{start:.1f}'} |")
    print(f"load average during the run: {os.getloadavg()}")
    sys.stdout.flush()


def face_like(n, dim, rng, chunk=100_000):
    out = np.empty((n, dim), np.float32)
    for i in range(0, n, chunk):
        x = rng.standard_normal((min(chunk, n - i), dim), dtype=np.float32)
        out[i:i + len(x)] = x / np.linalg.norm(x, axis=1, keepdims=True)
    return out


def probes_for(entries, rng, n, dim):
    pick = rng.choice(len(entries), n, replace=False)
    p = entries[pick] + 0.045 * rng.standard_normal((n, dim), dtype=np.float32)  # cosine ~0.6 to its entry
    return (p / np.linalg.norm(p, axis=1, keepdims=True)).astype(np.float32)


def timed(f, reps):
    best = []
    for _ in range(reps):
        t = time.perf_counter()
        f()
        best.append(time.perf_counter() - t)
    return float(np.median(best))


def bench_shard(n, dim, k=10):
    rng = np.random.default_rng(1)
    names = [f"id{i:08d}" for i in range(n)]
    entries = face_like(n, dim, rng)
    probes = probes_for(entries, rng, 64, dim)
    proc = psutil.Process()
    rss0 = proc.memory_info().rss
    t = time.perf_counter()
    g = pyarcface.Gallery("bench", dim, threads=1)
    g.enroll_many(names, entries)
    build = time.perf_counter() - t
    rss = proc.memory_info().rss - rss0
    g.search(probes[:8], k=k)
    batch = timed(lambda: g.search(probes, k=k), 5) / len(probes)
    single = timed(lambda: [g.search(probes[i], k=k) for i in range(8)], 3) / 8
    ref = g.search(probes, k=k)
    print(f"\n## One shard: pyarcface.Gallery, {n:,} entries x {dim}-d, exact backend, 1 thread, top-{k}\n")
    print(f"build {build:.1f} s; memory_bytes {g.memory_bytes / 2**20:.0f} MiB ({g.memory_bytes / n:.0f} B/entry); "
          f"process RSS growth {rss / 2**20:.0f} MiB ({rss / n:.0f} B/entry)")
    print(f"search: {batch * 1e3:.2f} ms/query in batches of 64, {single * 1e3:.1f} ms single query")
    sys.stdout.flush()
    g = None  # free the 1M-entry gallery before the cluster starts

    c, client = cluster(2)
    try:
        t = time.perf_counter()
        sg = ShardedGallery(client, "bench", dim, shards=2, timeout=600)
        for i in range(0, n, 100_000):
            sg.enroll_many(names[i:i + 100_000], entries[i:i + 100_000])
        build2 = time.perf_counter() - t
        info = sg.info()
        rss_w = client.run(lambda: psutil.Process().memory_info().rss)
        sg.search(probes[:8], k=k)
        got = sg.search(probes, k=k)
        same = all([m.identity for m in a] == [m.identity for m in b] for a, b in zip(got, ref))
        batch2 = timed(lambda: sg.search(probes, k=k), 5) / len(probes)
        single2 = timed(lambda: [sg.search(probes[i], k=k) for i in range(8)], 3) / 8
        req = len(pickle.dumps((probes[0][None, :], k), protocol=5))
        resp = len(pickle.dumps([[(m.identity, m.score) for m in got[0]]], protocol=5))
        sg.close()
    finally:
        client.close()
        c.close()
    print(f"\n## ShardedGallery: the same {n:,} entries in 2 shards on 2 worker processes (1 thread each)\n")
    print(f"enroll through Dask {build2:.1f} s; shards {[s['size'] for s in info]} entries, "
          f"{[round(s['memory_bytes'] / 2**20) for s in info]} MiB; worker RSS "
          f"{sorted(round(v / 2**20) for v in rss_w.values())} MiB; top-{k} equal to the one gallery: {same}")
    print("| | batch of 64, ms/query | single query, ms |")
    print("|---|---:|---:|")
    print(f"| one Gallery in process, 1 thread | {batch * 1e3:.2f} | {single * 1e3:.1f} |")
    print(f"| ShardedGallery 2 x {n // 2:,} via Dask | {batch2 * 1e3:.2f} | {single2 * 1e3:.1f} |")
    print(f"| ratio (one gallery / sharded) | {batch / batch2:.2f} | {single / single2:.2f} |")
    print(f"payload per shard per single query: request {req} B (probe + k), answer {resp} B (top-{k})")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--photos", type=int, default=400)
    ap.add_argument("--entries", type=int, default=1_000_000)
    ap.add_argument("--dim", type=int, default=512)
    ap.add_argument("--skip-embed", action="store_true")
    ap.add_argument("--skip-gallery", action="store_true")
    a = ap.parse_args()
    print(f"pyarcface {pyarcface.__version__}, {os.cpu_count()} cores, {time.strftime('%Y-%m-%d %H:%M')}")
    if not a.skip_embed:
        bench_embed(a.photos)
    if not a.skip_gallery:
        bench_shard(a.entries, a.dim)


if __name__ == "__main__":
    main()
