#!/usr/bin/env python3
"""Load on `arcface serve`: N concurrent clients for T seconds against 127.0.0.1 (bounded: each client
has one request outstanding), for /v1/verify at 1, 4 and 16 clients; requests per second, p50/p99
latency, failed requests; the server's memory before and after R more requests; and the baseline
measured in the same run: Pipeline.process on the same two photos in a loop in one process.

    /usr/bin/python3 bench/bench_server.py [--seconds 10] [--clients 1,4,16] [--rss-requests 10000]

Uses build/arcface (or $ARCFACE_CLI), build/python (or an installed pyarcface) and ../shared/data/samples.
"""
import argparse
import os
import statistics
import sys
import tempfile
import threading
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "tests", "python"))
sys.path.insert(0, os.path.join(os.environ.get("BUILD_DIR", os.path.join(ROOT, "build")), "python"))
from server_util import Server, multipart  # noqa: E402

SAMPLES = os.path.join(os.environ.get("ARCFACE_SHARED_DIR", os.path.join(ROOT, "..", "shared")), "data", "samples")


def load(server, clients, seconds, body, content_type, path, max_requests=None):
    """Each client sends requests back to back until the time (or the request budget) is up."""
    latencies, failures, lock = [], [], threading.Lock()
    budget = [max_requests]
    end = time.perf_counter() + seconds

    def client():
        c = server.client()
        while time.perf_counter() < end:
            with lock:
                if budget[0] is not None:
                    if budget[0] <= 0:
                        break
                    budget[0] -= 1
            t = time.perf_counter()
            try:
                r = c.post(path, body=body, content_type=content_type)
                ok = r.status == 200
            except OSError as e:
                ok, r = False, e
            dt = time.perf_counter() - t
            with lock:
                (latencies if ok else failures).append(dt if ok else r)
        c.close()

    threads = [threading.Thread(target=client) for _ in range(clients)]
    t0 = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    wall = time.perf_counter() - t0
    return latencies, failures, wall


def pct(values, q):
    s = sorted(values)
    return s[min(len(s) - 1, int(q * len(s)))] if s else float("nan")


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--seconds", type=float, default=10)
    ap.add_argument("--clients", default="1,4,16")
    ap.add_argument("--rss-requests", type=int, default=10000)
    ap.add_argument("--threads", type=int, default=0, help="arcface --threads for the server and the baseline")
    args = ap.parse_args()
    import pyarcface  # (before anything that loads libgomp, so that its OMP_WAIT_POLICY default applies)

    a_path, b_path = (os.path.join(SAMPLES, "actors", "jeff", "0.jpg"), os.path.join(SAMPLES, "actors", "jeff", "3.jpg"))
    a, b = open(a_path, "rb").read(), open(b_path, "rb").read()
    body, ctype = multipart([("image1", ("a.jpg", a)), ("image2", ("b.jpg", b))])
    cpus = os.cpu_count()

    # Baseline: the library in one process, one verify = process() of both photos (decoded once, before).
    opts = pyarcface.EmbedderOptions()
    if args.threads:
        opts.threads = args.threads
    pipe = pyarcface.Pipeline(embedder=opts)
    ia, ib = pyarcface.read_image(a_path), pyarcface.read_image(b_path)
    for _ in range(3):
        pipe.process(ia), pipe.process(ib)
    n, t0 = 0, time.perf_counter()
    base_lat = []
    while time.perf_counter() - t0 < args.seconds:
        t = time.perf_counter()
        pipe.process(ia), pipe.process(ib)
        base_lat.append(time.perf_counter() - t)
        n += 1
    base = n / (time.perf_counter() - t0)
    del pipe

    rows = []
    with tempfile.TemporaryDirectory() as data:
        g = ["--quiet"] + (["--threads", str(args.threads)] if args.threads else [])
        server = Server(data, ["--max-in-flight", "32"], g[1:])
        try:
            load(server, 1, 2, body, ctype, "/v1/verify")  # warm up
            for clients in [int(c) for c in args.clients.split(",")]:
                lat, fail, wall = load(server, clients, args.seconds, body, ctype, "/v1/verify")
                rows.append((clients, len(lat) / wall, pct(lat, 0.5), pct(lat, 0.99), len(fail), len(lat)))
            rss0 = server.rss_kb()
            series, n, failed, wall = [], 0, 0, 0.0
            chunk = max(1, args.rss_requests // 5)
            while n < args.rss_requests:
                lat, fail, w = load(server, 16, 1e9, body, ctype, "/v1/verify", min(chunk, args.rss_requests - n))
                n, failed, wall = n + len(lat) + len(fail), failed + len(fail), wall + w
                series.append((n, server.rss_kb()))
            rss_row = (n, failed, wall, rss0, series[-1][1], series)
        finally:
            code = server.stop()

    print(f"arcface serve, /v1/verify of two photos ({os.path.basename(a_path)} {len(a)} B, "
          f"{os.path.basename(b_path)} {len(b)} B), {cpus} CPUs, {args.seconds:g} s per row")
    print(f"baseline: Pipeline.process of both photos in a loop, one process: {base:.1f} verifies/s, "
          f"p50 {1000 * statistics.median(base_lat):.1f} ms, p99 {1000 * pct(base_lat, 0.99):.1f} ms")
    print()
    print("| clients | requests/s | vs baseline | p50 ms | p99 ms | p99/p50 | failed | requests |")
    print("|---:|---:|---:|---:|---:|---:|---:|---:|")
    for c, rps, p50, p99, failed, count in rows:
        print(f"| {c} | {rps:.1f} | {rps / base:.2f}x | {1000 * p50:.1f} | {1000 * p99:.1f} | {p99 / p50:.2f} | "
              f"{failed} | {count} |")
    n, failed, wall, rss0, rss1, series = rss_row
    print()
    print(f"memory: RSS {rss0 / 1024:.1f} MiB before, {rss1 / 1024:.1f} MiB after {n} more requests "
          f"({100 * (rss1 - rss0) / rss0:+.1f} %), {failed} failed, {n / wall:.1f} requests/s at 16 clients; "
          f"server exit code after SIGTERM: {code}")
    print("RSS after each part: " + ", ".join(f"{k}: {v / 1024:.1f} MiB" for k, v in series))


if __name__ == "__main__":
    main()
