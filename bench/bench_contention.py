"""CLI speed on an idle and on a busy CPU: the default thread setting against --threads 1.

    /usr/bin/python3 bench/bench_contention.py [--cli build/arcface] [--repeats 3] [--photos 200]

Runs `verify` (two photos), `embed --largest` of LFW View 1 photos and `compare` of the actors'
photos, each with 0 and with 2 busy-loop processes on the machine, with
  default   the default threads (all cores) and the library's default OpenMP wait policy (passive),
  active    the default threads with OMP_WAIT_POLICY=ACTIVE (spinning waits: the behaviour before),
  1 thread  --threads 1,
interleaved round by round; prints medians and the ratio default / 1-thread (target: <= 1.2 busy)
and default / active idle (target: <= 1.0, i.e. not slower than before).
"""
import argparse
import glob
import multiprocessing
import os
import statistics
import subprocess
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SHARED = os.environ.get("ARCFACE_SHARED_DIR", os.path.join(ROOT, "..", "shared"))


def busy():
    while True:
        pass


def timed(cmd, env):
    t = time.perf_counter()
    subprocess.run(cmd, env=env, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return time.perf_counter() - t


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--cli", default=os.path.join(ROOT, "build", "arcface"))
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--photos", type=int, default=200)
    ap.add_argument("--out", default="/tmp/arcface-contention")
    a = ap.parse_args()
    samples = os.path.join(SHARED, "data", "samples")
    lfw = sorted(glob.glob(os.path.join(SHARED, "data", "lfw-view1", "deepfunneled", "*", "*.jpg")))[: a.photos]
    if not lfw:
        sys.exit(f"no LFW photos under {SHARED}/data/lfw-view1")
    os.makedirs(a.out, exist_ok=True)
    jobs = {
        "verify": ["verify", f"{samples}/actors/kurt/0.jpg", f"{samples}/actors/kurt/2.jpg"],
        f"embed {len(lfw)} LFW": ["embed", "--largest", "-o", f"{a.out}/e.npy", *lfw],
        "compare actors": ["compare", f"{samples}/actors", "-o", f"{a.out}/grid.png"],
    }
    base = {k: v for k, v in os.environ.items() if k != "OMP_WAIT_POLICY"}
    settings = {
        "default": ([], base),
        "active": ([], dict(base, OMP_WAIT_POLICY="ACTIVE")),
        "1 thread": (["--threads", "1"], base),
    }
    results = {}
    for load in (0, 2):
        hogs = [multiprocessing.Process(target=busy, daemon=True) for _ in range(load)]
        for h in hogs:
            h.start()
        try:
            for job, args in jobs.items():
                times = {s: [] for s in settings}
                for _ in range(a.repeats):
                    for s, (extra, env) in settings.items():
                        times[s].append(timed([a.cli, "-q", *extra, *args], env))
                results[(load, job)] = {s: statistics.median(v) for s, v in times.items()}
                print(f"busy loops {load}, {job}: " + ", ".join(f"{s} {t:.2f} s" for s, t in results[(load, job)].items()),
                      flush=True)
        finally:
            for h in hogs:
                h.terminate()
                h.join()
    print(f"\n{os.cpu_count()} cores, medians of {a.repeats} interleaved runs (s)\n")
    print("| busy loops | command | default | OMP_WAIT_POLICY=ACTIVE | --threads 1 | default / 1 thread | default / active |")
    print("|---|---|---|---|---|---|---|")
    for (load, job), r in results.items():
        print(f"| {load} | {job} | {r['default']:.2f} | {r['active']:.2f} | {r['1 thread']:.2f} | "
              f"{r['default'] / r['1 thread']:.2f} | {r['default'] / r['active']:.2f} |")


if __name__ == "__main__":
    main()
