"""python -m pyarcface.distributed — command line.

    python -m pyarcface.distributed embed [--scheduler ADDRESS] DIR_OR_FILE... -o OUT
    python -m pyarcface.distributed export OUT -o all.npy      # one .npy + .json like `arcface embed`

Without --scheduler a LocalCluster of --workers processes (1 thread each) is started on 127.0.0.1
and stopped at the end. Exit status: 0 done (unreadable files are listed as warnings), 1 error or
shards left unfinished (rerun the same command to finish them), 2 usage error.
"""
import argparse
import os
import sys
import warnings


def _embed(a):
    from distributed import Client, LocalCluster

    from . import embed_collection

    cluster = None
    if a.scheduler:
        client = Client(a.scheduler, timeout=a.connect_timeout)
    else:
        cluster = LocalCluster(n_workers=a.workers, threads_per_worker=a.threads, processes=True,
                               host="127.0.0.1", dashboard_address=None, memory_limit=a.memory_limit)
        client = Client(cluster)
    try:
        r = embed_collection(client, a.paths, a.output, files_per_shard=a.files_per_shard, embedder=a.embedder,
                             detector=a.detector, detector_threshold=a.detector_threshold, largest=a.largest,
                             threads=a.threads, progress=not a.quiet)
    finally:
        client.close()
        if cluster is not None:
            cluster.close()
    if not a.quiet:
        for f in r.failures:
            print(f"pyarcface.distributed: warning: {f['error']} (skipped)", file=sys.stderr)
        for p in r.no_face:
            print(f"pyarcface.distributed: warning: no face found in '{p}'", file=sys.stderr)
        print(f"wrote {r.faces} embedding(s) of {r.files} file(s) in {r.shards} shard(s) to {r.out_dir} "
              f"({r.resumed_shards} shard(s) were already done; {r.seconds:.1f} s)", file=sys.stderr)
    for s in r.failed_shards:
        print(f"pyarcface.distributed: error: shard {s['id']} failed: {s['error']}", file=sys.stderr)
    if r.failed_shards:
        print("pyarcface.distributed: error: rerun the same command to finish the failed shard(s)", file=sys.stderr)
        return 1
    return 0


def _export(a):
    from . import export_embeddings

    n = export_embeddings(a.dir, a.output)
    print(f"wrote {n} embedding(s) to {a.output} and {os.path.splitext(a.output)[0]}.json", file=sys.stderr)
    return 0


def main(argv=None):
    ap = argparse.ArgumentParser(prog="python -m pyarcface.distributed",
                                 description="Embed photo collections on a Dask cluster.")
    sub = ap.add_subparsers(dest="command", required=True)
    e = sub.add_parser("embed", help="embed every face of the images into resumable shards")
    e.add_argument("paths", nargs="+", help="image files or directories (walked recursively)")
    e.add_argument("-o", "--output", required=True, help="output directory (shards + manifest.jsonl)")
    e.add_argument("--scheduler", default="", help="address of a running Dask scheduler (default: a LocalCluster)")
    e.add_argument("--workers", type=int, default=max(1, os.cpu_count() or 1),
                   help="LocalCluster worker processes (default: one per core)")
    e.add_argument("--memory-limit", default="4GiB", help="LocalCluster memory limit per worker (default 4GiB)")
    e.add_argument("--threads", type=int, default=1, help="threads per worker (default 1)")
    e.add_argument("--files-per-shard", type=int, default=256)
    e.add_argument("--embedder", default="", help="embedder model name or path (default: the library's)")
    e.add_argument("--detector", default="auto", choices=["auto", "yunet", "mtcnn"])
    e.add_argument("--detector-threshold", type=float, default=-1.0)
    e.add_argument("--largest", action="store_true", help="only the largest face of each image")
    e.add_argument("--connect-timeout", type=float, default=30.0, help="seconds to wait for the scheduler")
    e.add_argument("-q", "--quiet", action="store_true")
    x = sub.add_parser("export", help="write an embed result as one .npy + .json (the format of `arcface embed`)")
    x.add_argument("dir")
    x.add_argument("-o", "--output", required=True)
    a = ap.parse_args(argv)
    warnings.filterwarnings("ignore", category=DeprecationWarning, module="tornado")  # Dask 2022.12 on Python 3.11
    import pyarcface

    try:
        return _embed(a) if a.command == "embed" else _export(a)
    except (pyarcface.Error, OSError) as err:
        print(f"pyarcface.distributed: error: {err}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
