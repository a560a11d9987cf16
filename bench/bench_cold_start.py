#!/usr/bin/env python3
"""Cold start: `arcface --help`, `arcface verify A B` and `import pyarcface` (no model loaded),
each run --runs times as a new process; medians of wall time and of CPU time (user + sys, which
a busy machine inflates less than wall time). Two floors measured in the same run:
  python                 `python3 -c pass`
  libtorch only          an empty C++ program linked against LibTorch (compiled here with c++),
                         i.e. what loading LibTorch alone costs a process
Targets (idle machine): --help < 0.2 s, verify < 0.6 s, import pyarcface < 0.8 s.
With --baseline-cli (e.g. a copy of the tool before a change, kept beside the build's libraries),
its --help, --version and verify are timed in the same run and each row of the tool gets the
ratio baseline / tool. `arcface --version` loads the commands module (so LibTorch) and runs
nothing: the cost of the load alone.

usage: bench/bench_cold_start.py [--runs 10] [--cli build/arcface] [--baseline-cli PATH] [--pythonpath build/python]

Measured 2026-11-29 (issue 16: the front end / commands module split; the baseline is a copy of
the single executable of before it, run against the same libraries; 2-core machine shared with
other builds, load ~5, so the absolute times are inflated, the CPU times less so):
  10 runs each, medians; load average at start 5.2 on 2 CPUs
  baseline: build/before/arcface
  
  | command | wall s | CPU s (user+sys) | baseline wall s | baseline CPU s | baseline / this (wall, CPU) | target (idle) |
  |---|---|---|---|---|---|---|
  | python3 -c pass | 0.023 | 0.015 |  |  |  |  |
  | libtorch only (empty C++ program) | 0.766 | 0.513 |  |  |  |  |
  | arcface --help | 0.005 | 0.003 | 0.838 | 0.565 | 157.1x, 193.4x | < 0.2 s |
  | arcface --version | 0.745 | 0.496 | 0.830 | 0.551 | 1.1x, 1.1x |  |
  | arcface verify A B | 1.368 | 0.930 | 1.289 | 0.862 | 0.9x, 0.9x | < 0.6 s |
  | import pyarcface | 0.559 | 0.557 |  |  |  | < 0.8 s |
--help no longer loads LibTorch; verify still does (its floor is "libtorch only", about 0.5 s of CPU).
"""
import argparse
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def measure(cmds, runs, env=None):
    """Median wall and CPU seconds of each command; the commands alternate run by run, so that a
    change in the machine's load shows in all of them alike."""
    wall, cpu = [[] for _ in cmds], [[] for _ in cmds]
    for _ in range(runs):
        for k, cmd in enumerate(cmds):
            before = resource.getrusage(resource.RUSAGE_CHILDREN)
            t = time.perf_counter()
            subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True, env=env)
            wall[k].append(time.perf_counter() - t)
            after = resource.getrusage(resource.RUSAGE_CHILDREN)
            cpu[k].append(after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime)
    return [(statistics.median(w), statistics.median(c)) for w, c in zip(wall, cpu)]


def libtorch_only(tmp):
    src, exe = os.path.join(tmp, "empty.cpp"), os.path.join(tmp, "empty_torch")
    with open(src, "w") as f:
        f.write("int main() { return 0; }\n")
    r = subprocess.run(["c++", src, "-o", exe, "-Wl,--no-as-needed", "-ltorch", "-ltorch_cpu", "-lc10"],
                       capture_output=True)
    return exe if r.returncode == 0 else None


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--runs", type=int, default=10)
    ap.add_argument("--cli", default=os.path.join(ROOT, "build", "arcface"))
    ap.add_argument("--baseline-cli", help="another arcface executable to time in the same run (ratios)")
    ap.add_argument("--pythonpath", default=os.path.join(ROOT, "build", "python"))
    args = ap.parse_args()
    shared = os.environ.get("ARCFACE_SHARED_DIR", os.path.join(ROOT, "..", "shared"))
    a = os.path.join(shared, "data", "samples", "actors", "jeff", "0.jpg")
    b = os.path.join(shared, "data", "samples", "actors", "jeff", "1.jpg")
    env = dict(os.environ, PYTHONPATH=args.pythonpath)
    tmp = tempfile.mkdtemp()
    rows = [
        ("python3 -c pass", ["/usr/bin/python3", "-c", "pass"], None, None, None),
        ("libtorch only (empty C++ program)", [libtorch_only(tmp)], None, None, None),
    ]
    for sub, target in ((["--help"], 0.2), (["--version"], None), (["verify", a, b], 0.6)):
        label = "arcface " + " ".join(sub if sub[0] != "verify" else ["verify A B"])
        base = [args.baseline_cli] + sub if args.baseline_cli else None
        rows.append((label, [args.cli] + sub, None, target, base))
    rows.append(("import pyarcface", ["/usr/bin/python3", "-c", "import pyarcface"], env, 0.8, None))
    print(f"{args.runs} runs each, medians; load average at start {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs")
    if args.baseline_cli:
        print(f"baseline: {args.baseline_cli}")
    print("\n| command | wall s | CPU s (user+sys) | baseline wall s | baseline CPU s | baseline / this (wall, CPU) "
          "| target (idle) |")
    print("|---|---|---|---|---|---|---|")
    for label, cmd, e, target, base in rows:
        if cmd[0] is None:
            print(f"| {label} | (no c++ or LibTorch) | | | | | |")
            continue
        got = measure([cmd] + ([base] if base else []), args.runs, e)
        (wall, cpu), cols = got[0], ["", "", ""]
        if base:
            (b_wall, b_cpu) = got[1]
            cols = [f"{b_wall:.3f}", f"{b_cpu:.3f}", f"{b_wall / wall:.1f}x, {b_cpu / max(cpu, 1e-3):.1f}x"]
        print(f"| {label} | {wall:.3f} | {cpu:.3f} | {' | '.join(cols)} | {'< %.1f s' % target if target else ''} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
