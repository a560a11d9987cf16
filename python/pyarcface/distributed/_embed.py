"""embed_collection: embed every face of a photo collection on a Dask cluster, as resumable shards.

Layout of the output directory::

    OUT/manifest.jsonl         line 1: header (format, options); then one "plan" line per run and one
                               "shard" line per finished shard (file names, sha256, counts, failures)
    OUT/shard-00000.npy        float32 (faces, D) embeddings of shard 0, rows in input order
    OUT/shard-00000.jsonl      one JSON object per row: image, face, box, landmarks, score

A shard's files are written on the worker (temp file + fsync + rename) and recorded in the manifest
by the client only after both are complete, with their checksums; a shard is taken as finished on a
rerun only when its record names the same input files and both files still match their checksums.
"""
import hashlib
import json
import os
import sys
import time
from dataclasses import dataclass, field
from typing import Callable, Dict, List, Sequence, Union

import numpy as np
from distributed import WorkerPlugin

import pyarcface

from ._files import append_line, atomic_write, remove_temp_files, sha256_file
from ._malloc import undo_dask_malloc_trim

FORMAT = "pyarcface-embeddings"
VERSION = 1
MANIFEST = "manifest.jsonl"
IMAGE_EXTENSIONS = (".jpg", ".jpeg", ".png", ".bmp", ".tif", ".tiff", ".webp", ".pgm", ".ppm", ".pbm")

PathLike = Union[str, "os.PathLike[str]"]


# ----------------------------------------------------------------------------------------------
# Inputs and the partition into shards


def list_images(paths_or_dirs: Sequence[PathLike]) -> List[str]:
    """Files to embed: each file as given, each directory walked recursively (sorted; image
    extensions only). Order is kept, duplicates are dropped. Paths that do not exist are kept: they
    are reported as per-file failures like unreadable images."""
    if isinstance(paths_or_dirs, (str, os.PathLike)):
        paths_or_dirs = [paths_or_dirs]
    out, seen = [], set()
    for p in paths_or_dirs:
        p = os.fspath(p)
        found = []
        if os.path.isdir(p):
            for root, dirs, files in os.walk(p):
                dirs.sort()
                found += [os.path.join(root, f) for f in sorted(files) if f.lower().endswith(IMAGE_EXTENSIONS)]
        else:
            found.append(p)
        for f in found:
            if f not in seen:
                seen.add(f)
                out.append(f)
    return out


def _digest(paths):
    return hashlib.sha256("\n".join(paths).encode("utf-8", "surrogateescape")).hexdigest()


def _shard_names(shard_id):
    return f"shard-{shard_id:05d}.npy", f"shard-{shard_id:05d}.jsonl"


# ----------------------------------------------------------------------------------------------
# Worker side: one Pipeline per worker process (a worker plugin loads it once)


def _pipeline_options(options):
    det = pyarcface.DetectorOptions(backend=options["detector"], threads=options["threads"],
                                    score_threshold=options["detector_threshold"])
    emb = pyarcface.EmbedderOptions(model=options["embedder"], threads=options["threads"])
    return det, emb


def _options_key(options):
    return "pyarcface-pipeline-" + hashlib.sha256(json.dumps(options, sort_keys=True).encode()).hexdigest()[:12]


_PIPELINES: Dict[str, "pyarcface.Pipeline"] = {}  # per worker process


def worker_pipeline(options) -> "pyarcface.Pipeline":
    """The Pipeline of this worker process for these options (created on first use, then reused)."""
    key = _options_key(options)
    pipe = _PIPELINES.get(key)
    if pipe is None:
        undo_dask_malloc_trim()
        det, emb = _pipeline_options(options)
        pipe = _PIPELINES[key] = pyarcface.Pipeline(detector=det, embedder=emb)
    return pipe


class PipelinePlugin(WorkerPlugin):
    """Dask worker plugin: loads the Pipeline when a worker starts (also a restarted one), so model
    errors show up at registration and the first shard does not pay for loading."""

    def __init__(self, options):
        self.options = dict(options)
        self.name = _options_key(self.options)

    def setup(self, worker):
        worker_pipeline(self.options)

    def teardown(self, worker):
        _PIPELINES.pop(self.name, None)


def embed_shard(shard_id: int, paths: List[str], out_dir: str, options: dict) -> dict:
    """Embed one shard on a worker and write its files atomically; returns its manifest record."""
    pipe = worker_pipeline(options)
    dim = pipe.embedder.dimension
    local = [os.path.abspath(p) for p in paths]
    results = pipe.process_files(local, workers=options["threads"])
    rows, parts, failures, no_face = [], [], [], []
    for given, fr in zip(paths, results):
        if fr.error:
            failures.append({"image": given, "error": fr.error})
            continue
        faces = fr.result.faces
        if not faces:
            no_face.append(given)
            continue
        keep = [pyarcface.largest_face(faces)] if options["largest"] else range(len(faces))
        emb = fr.result.embeddings
        for k in keep:
            f = faces[k]
            rows.append({"image": given, "face": int(k), "box": [float(v) for v in f.box],
                         "landmarks": f.landmarks.astype(float).tolist(), "score": float(f.score)})
            parts.append(emb[k])
    embeddings = np.stack(parts).astype(np.float32) if parts else np.zeros((0, dim), np.float32)
    npy_name, rows_name = _shard_names(shard_id)
    npy_path, rows_path = os.path.join(out_dir, npy_name), os.path.join(out_dir, rows_name)
    atomic_write(npy_path, lambda f: np.save(f, embeddings))
    atomic_write(rows_path, lambda f: f.write("".join(json.dumps(r) + "\n" for r in rows).encode("utf-8")))
    try:
        from distributed import get_worker
        worker = get_worker().address
    except Exception:  # run outside a worker (tests, debugging)
        worker = ""
    return {"kind": "shard", "id": shard_id, "files": _digest(paths), "num_files": len(paths),
            "npy": npy_name, "rows": rows_name, "faces": int(embeddings.shape[0]),
            "sha256": {"npy": sha256_file(npy_path), "rows": sha256_file(rows_path)},
            "model": pipe.embedder.info.name, "dimension": int(dim), "failures": failures, "no_face": no_face,
            "worker": worker, "pid": os.getpid()}


# ----------------------------------------------------------------------------------------------
# The manifest


def _read_manifest(out_dir):
    """(header, last plan, {shard id: last record}) from OUT/manifest.jsonl; torn lines ignored."""
    path = os.path.join(out_dir, MANIFEST)
    header, plan, shards = None, None, {}
    if not os.path.exists(path):
        return header, plan, shards
    with open(path, "rb") as f:
        for n, raw in enumerate(f):
            try:
                rec = json.loads(raw.decode("utf-8"))
            except (UnicodeDecodeError, json.JSONDecodeError):
                continue  # a line torn by a crash; the shard it named is redone
            kind = rec.get("kind")
            if n == 0:
                if rec.get("format") != FORMAT:
                    raise pyarcface.InputError(f"'{path}' is not a pyarcface embeddings manifest")
                if rec.get("version") != VERSION:
                    raise pyarcface.InputError(f"'{path}' has format version {rec.get('version')}; "
                                               f"this pyarcface reads version {VERSION}")
                header = rec
            elif kind == "plan":
                plan = rec
            elif kind == "shard":
                shards[rec["id"]] = rec
    return header, plan, shards


def _shard_ok(out_dir, rec, digest):
    if rec is None or rec.get("files") != digest:
        return False
    for key, name in (("npy", rec["npy"]), ("rows", rec["rows"])):
        p = os.path.join(out_dir, name)
        if not os.path.isfile(p) or sha256_file(p) != rec["sha256"][key]:
            return False
    return True


# ----------------------------------------------------------------------------------------------
# Client side


@dataclass
class EmbedReport:
    """What embed_collection did. failures: per-file errors ({"image", "error"}); no_face: images in
    which no face was found; failed_shards: shards whose task failed as a whole ({"id", "error"}),
    redone by a rerun."""
    out_dir: str
    files: int
    shards: int
    resumed_shards: int = 0
    faces: int = 0
    model: str = ""
    dimension: int = 0
    failures: List[dict] = field(default_factory=list)
    no_face: List[str] = field(default_factory=list)
    failed_shards: List[dict] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def complete(self) -> bool:
        return not self.failed_shards

    def __repr__(self):
        return (f"<EmbedReport {self.out_dir}: {self.files} files in {self.shards} shards "
                f"({self.resumed_shards} already done), {self.faces} faces, {len(self.failures)} unreadable, "
                f"{len(self.no_face)} without a face, {len(self.failed_shards)} failed shard(s), {self.seconds:.1f} s>")


def _print_progress(done, total, report):
    line = f"embedding: {done}/{total} shards, {report.faces} faces, {len(report.failures)} failed file(s)"
    if sys.stderr.isatty():
        sys.stderr.write("\r" + line + " " * 4 + ("\n" if done == total else ""))
    elif done == total or done * 10 // total != (done - 1) * 10 // total:  # a line per 10 %
        sys.stderr.write(line + "\n")
    sys.stderr.flush()


def embed_collection(client, paths_or_dirs: Sequence[PathLike], out_dir: PathLike, *, files_per_shard: int = 256,
                     embedder: str = "", detector: str = "auto", detector_threshold: float = -1.0,
                     largest: bool = False, threads: int = 1,
                     progress: Union[bool, Callable[[int, int, EmbedReport], None]] = True) -> EmbedReport:
    """Embed every face of the images (files, or directories walked recursively) on the workers of
    CLIENT (a distributed.Client) and write shards + a manifest into OUT_DIR.

    Each worker process loads one Pipeline (embedder: model name or path, "" = default; detector:
    "auto" / "yunet" / "mtcnn"; threads: intra-op threads per worker, keep it at the worker's nthreads).
    Files are split in input order into shards of files_per_shard. A rerun with the same inputs and
    options skips the shards already finished; a shard whose files are missing, half-written or do not
    match the manifest's checksum is redone. Unreadable files are recorded (report.failures), not fatal;
    a shard whose task fails as a whole (its worker killed repeatedly) is listed in report.failed_shards.
    progress: True prints to stderr, a callable gets (done_shards, total_shards, report).
    Paths must be readable at the same location on every worker (a shared file system)."""
    from distributed import as_completed

    t0 = time.perf_counter()
    if files_per_shard < 1:
        raise pyarcface.InputError(f"files_per_shard must be >= 1 (got {files_per_shard})")
    if threads < 1:
        raise pyarcface.InputError(f"threads must be >= 1 (got {threads})")
    files = list_images(paths_or_dirs)
    if not files:
        raise pyarcface.InputError(f"no image files found in {[os.fspath(p) for p in paths_or_dirs]}")
    out_dir = os.path.abspath(os.fspath(out_dir))
    os.makedirs(out_dir, exist_ok=True)
    options = {"embedder": embedder or "", "detector": detector, "detector_threshold": float(detector_threshold),
               "largest": bool(largest), "threads": int(threads)}
    header, _, old = _read_manifest(out_dir)
    want_header = {"format": FORMAT, "version": VERSION,
                   "options": {k: v for k, v in options.items() if k != "threads"}}
    if header is not None and header.get("options") != want_header["options"]:
        raise pyarcface.InputError(f"'{out_dir}' holds embeddings made with other options {header.get('options')} "
                                   f"(now {want_header['options']}); use another output directory")
    remove_temp_files(out_dir)

    shards = [files[i:i + files_per_shard] for i in range(0, len(files), files_per_shard)]
    digests = [_digest(s) for s in shards]
    report = EmbedReport(out_dir=out_dir, files=len(files), shards=len(shards))
    finished = {i: old[i] for i in range(len(shards)) if _shard_ok(out_dir, old.get(i), digests[i])}
    # Rewrite the manifest compactly: header, this run's plan, the finished shards still valid.
    plan = {"kind": "plan", "files": len(files), "files_per_shard": files_per_shard, "shards": digests}
    lines = [want_header, plan] + [finished[i] for i in sorted(finished)]
    atomic_write(os.path.join(out_dir, MANIFEST),
                 lambda f: f.write("".join(json.dumps(x) + "\n" for x in lines).encode("utf-8")))

    def account(rec):
        report.faces += rec["faces"]
        report.failures += rec["failures"]
        report.no_face += rec["no_face"]
        if report.model and (rec["model"], rec["dimension"]) != (report.model, report.dimension):
            raise pyarcface.ModelError(f"shard {rec['id']} was embedded with {rec['model']} ({rec['dimension']}-d) "
                                       f"but others with {report.model} ({report.dimension}-d): workers have "
                                       "different models installed")
        report.model, report.dimension = rec["model"], rec["dimension"]

    for i in sorted(finished):
        account(finished[i])
    report.resumed_shards = len(finished)
    notify = _print_progress if progress is True else (progress or None)
    todo = [i for i in range(len(shards)) if i not in finished]
    if notify:
        notify(len(finished), len(shards), report)
    if todo:
        client.register_worker_plugin(PipelinePlugin(options))
        run_id = os.urandom(6).hex()  # fresh task keys: an erred task of an earlier run is never reused
        futures = {client.submit(embed_shard, i, shards[i], out_dir, options, pure=False,
                                 key=f"pyarcface-embed-shard-{i}-{run_id}"): i for i in todo}
        done = len(finished)
        for fut in as_completed(list(futures)):
            i = futures[fut]
            try:
                rec = fut.result()
            except Exception as e:  # the task failed as a whole (e.g. KilledWorker); a rerun redoes it
                report.failed_shards.append({"id": i, "error": f"{type(e).__name__}: {e}"})
            else:
                account(rec)
                append_line(os.path.join(out_dir, MANIFEST), json.dumps(rec))
            done += 1
            fut.release()
            if notify:
                notify(done, len(shards), report)
    report.seconds = time.perf_counter() - t0
    return report


def load_embeddings(out_dir: PathLike, *, verify: bool = True):
    """Read an embed_collection result: (embeddings float32 (N, D), rows) in input order, where
    rows[i] describes embeddings[i] like `arcface embed`'s JSON (image, face, box, landmarks, score,
    row). Raises pyarcface.InputError when a shard is unfinished or does not match its checksum."""
    out_dir = os.fspath(out_dir)
    header, plan, recs = _read_manifest(out_dir)
    if header is None or plan is None:
        raise pyarcface.InputError(f"'{out_dir}' holds no embed_collection result ({MANIFEST} missing or empty)")
    parts, rows = [], []
    for i, digest in enumerate(plan["shards"]):
        rec = recs.get(i)
        if rec is None or rec["files"] != digest:
            raise pyarcface.InputError(f"shard {i} of '{out_dir}' is not finished; rerun embed_collection")
        if verify and not _shard_ok(out_dir, rec, digest):
            raise pyarcface.InputError(f"shard {i} of '{out_dir}' ({rec['npy']}, {rec['rows']}) does not match "
                                       "its checksum; rerun embed_collection to redo it")
        e = np.load(os.path.join(out_dir, rec["npy"]))
        with open(os.path.join(out_dir, rec["rows"]), encoding="utf-8") as f:
            r = [json.loads(line) for line in f if line.strip()]
        if len(r) != e.shape[0]:
            raise pyarcface.InputError(f"shard {i} of '{out_dir}': {e.shape[0]} embeddings but {len(r)} rows")
        parts.append(e)
        rows += r
    for n, r in enumerate(rows):
        r["row"] = n
    dim = next((p.shape[1] for p in parts if p.ndim == 2), 0)
    return (np.concatenate(parts) if parts else np.zeros((0, dim), np.float32)), rows


def export_embeddings(out_dir: PathLike, npy_path: PathLike) -> int:
    """Write OUT_DIR's embeddings as one .npy plus a .json side file in the format of `arcface embed`;
    returns the number of rows."""
    emb, rows = load_embeddings(out_dir)
    _, _, recs = _read_manifest(os.fspath(out_dir))
    model = next((r["model"] for r in recs.values()), "")
    npy_path = os.fspath(npy_path)
    atomic_write(npy_path, lambda f: np.save(f, emb))
    side = os.path.splitext(npy_path)[0] + ".json"
    body = json.dumps({"model": model, "dimension": int(emb.shape[1]), "rows": rows}, indent=1) + "\n"
    atomic_write(side, lambda f: f.write(body.encode("utf-8")))
    return int(emb.shape[0])
