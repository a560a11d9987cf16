"""ShardedGallery: a pyarcface.Gallery split over the worker processes of a Dask cluster.

Each shard is a pyarcface.Gallery inside a Dask actor on one worker; an identity belongs to shard
blake2b(identity) mod N, so all its samples live in one shard and the shard's top-k identities contain
every identity of the global top-k that lives there. search() sends the probes to every shard, waits
for all of them and merges: the result equals one Gallery holding the same entries. A shard that does
not answer (worker killed, timeout) makes the call raise ShardUnavailableError; a partial top-k is never
returned.
"""
import hashlib
import json
import os
import threading
from collections import namedtuple
from typing import Dict, List, Optional, Sequence, Union

import numpy as np

import pyarcface

from ._files import atomic_write
from ._malloc import undo_dask_malloc_trim

FORMAT = "pyarcface-sharded-gallery"
VERSION = 1
MANIFEST = "gallery.json"

Match = namedtuple("Match", "identity score")
Match.__doc__ = "A search hit (unpacks as (identity, score)), like pyarcface.Match."
Identification = namedtuple("Identification", "identity score known best")
Identification.__doc__ = "identify() result, like pyarcface.Identification (identity is '' when unknown)."


class ShardUnavailableError(pyarcface.Error):
    """A shard of a ShardedGallery did not answer (its worker died or timed out); nothing was returned."""


def shard_of(identity: str, shards: int) -> int:
    """The shard of an identity: stable across processes, machines and Python versions."""
    h = hashlib.blake2b(identity.encode("utf-8", "surrogatepass"), digest_size=8).digest()
    return int.from_bytes(h, "little") % shards


def shard_file(i: int) -> str:
    return f"shard-{i:05d}.gallery"


class _ShardActor:
    """Lives on a worker: one pyarcface.Gallery. Methods return plain Python / numpy values."""

    def __init__(self, embedder, dimension, options, path=None):
        undo_dask_malloc_trim()
        self.pid = os.getpid()
        if path:
            self.g = pyarcface.Gallery.load(path, **options)
        else:
            self.g = pyarcface.Gallery(embedder, dimension, **options)

    def info(self):
        return {"pid": self.pid, "size": len(self.g), "num_samples": self.g.num_samples,
                "memory_bytes": self.g.memory_bytes, "backend": self.g.active_backend,
                "embedder": self.g.embedder, "dimension": self.g.dimension}

    def enroll_many(self, identities, embeddings):
        self.g.enroll_many(identities, embeddings)
        return len(identities)

    def remove(self, identity):
        return self.g.remove(identity)

    def contains(self, identity):
        return identity in self.g

    def identities(self):
        return self.g.identities()

    def samples(self, identity):
        return self.g.samples(identity)

    def search(self, probes, k):
        hits = self.g.search(probes, k=k)
        return [[(m.identity, float(m.score)) for m in row] for row in hits]

    def save(self, path):
        self.g.save(path)
        return len(self.g)

    def set_search_effort(self, hnsw_ef_search, ivf_nprobe):
        self.g.set_search_effort(hnsw_ef_search=hnsw_ef_search, ivf_nprobe=ivf_nprobe)


def _as_rows(x, dimension, what):
    a = np.asarray(x, dtype=np.float32)
    single = a.ndim == 1
    if single:
        a = a[None, :]
    if a.ndim != 2 or a.shape[1] != dimension:
        raise pyarcface.InputError(f"{what} must have shape (N, {dimension}) or ({dimension},); got {np.shape(x)}")
    return np.ascontiguousarray(a), single


class ShardedGallery:
    """A gallery whose identities are spread over N shards held by the workers of a Dask cluster.

    ShardedGallery(client, embedder, dimension, shards=N, timeout=60, **GalleryOptions keywords)
    (embedder: the model name, or a pyarcface.Pipeline whose embedder is used). The methods are those
    of pyarcface.Gallery. Shards are placed round-robin on the workers present at construction; each
    shard searches with `threads` threads (default 1: one per worker thread). Calls from several client
    threads are allowed. timeout: seconds a call waits for every shard before raising
    ShardUnavailableError."""

    def __init__(self, client, embedder, dimension: Optional[int] = None, shards: int = 2, *, timeout: float = 60.0,
                 threads: int = 1, _paths=None, **options):
        if isinstance(embedder, pyarcface.Pipeline):
            dimension = embedder.embedder.dimension if dimension is None else dimension
            embedder = embedder.embedder.info.name
        if dimension is None or int(dimension) < 1:
            raise pyarcface.InputError("ShardedGallery needs the embedding dimension (>= 1)")
        if int(shards) < 1:
            raise pyarcface.InputError(f"shards must be >= 1 (got {shards})")
        self._client = client
        self._embedder, self._dimension, self._n = str(embedder), int(dimension), int(shards)
        self._options = dict(options, threads=threads)
        self.timeout = float(timeout)
        self._lock = threading.Lock()
        self._lost: Dict[int, str] = {}
        self._dirty = [False] * self._n
        self._futures: List = [None] * self._n
        self._actors: List = [None] * self._n
        self._workers: List[str] = [""] * self._n
        self._start(range(self._n), _paths)

    # -- placement ------------------------------------------------------------------------------

    def _live_workers(self):
        workers = sorted(self._client.scheduler_info()["workers"])
        if not workers:
            raise ShardUnavailableError("the Dask cluster has no workers")
        return workers

    def _start(self, which, paths):
        workers = self._live_workers()
        futs = {}
        for i in which:
            w = workers[i % len(workers)]
            path = paths[i] if paths else None
            futs[i] = self._client.submit(_ShardActor, self._embedder, self._dimension, self._options, path,
                                          actor=True, workers=[w], allow_other_workers=False, pure=False,
                                          key=f"pyarcface-gallery-shard-{i}-{os.urandom(4).hex()}")
            self._workers[i] = w
        for i, f in futs.items():
            try:
                self._actors[i] = f.result(timeout=self.timeout)
            except Exception as e:
                for g in futs.values():
                    g.release()
                raise _app_error(e) or ShardUnavailableError(
                    f"shard {i} could not be started on worker {self._workers[i]}: {type(e).__name__}: {e}") from e
            self._futures[i] = f
            self._lost.pop(i, None)

    # -- scatter / gather -----------------------------------------------------------------------

    def _call(self, calls, what):
        """calls: {shard: (method, args)}; returns {shard: result} or raises - never a partial answer."""
        with self._lock:
            lost = {i: self._lost[i] for i in calls if i in self._lost}
        if lost:
            raise ShardUnavailableError(f"{what}: shard(s) {sorted(lost)} are unavailable "
                                        f"({next(iter(lost.values()))}); call recover() to reload them from "
                                        "their last saved files")
        pending = {}
        for i, (method, args) in calls.items():
            pending[i] = getattr(self._actors[i], method)(*args)
        out, errors = {}, {}
        for i, fut in pending.items():
            try:
                out[i] = fut.result(timeout=self.timeout)
            except Exception as e:  # noqa: BLE001 - classified below
                app = _app_error(e)
                if app is not None:
                    errors[i] = app
                    continue
                msg = f"worker {self._workers[i]} did not answer: {type(e).__name__}: {e}"
                with self._lock:
                    self._lost[i] = msg
                errors[i] = ShardUnavailableError(f"{what}: shard {i} of {self._n} is unavailable ({msg}); "
                                                  "no result was returned")
        if errors:
            raise errors[min(errors)]
        return out

    # -- Gallery methods ------------------------------------------------------------------------

    def enroll(self, identity: str, embeddings) -> None:
        """Add (N, D) or (D,) embeddings as samples of identity."""
        e, _ = _as_rows(embeddings, self._dimension, "embeddings")
        self.enroll_many([identity] * e.shape[0], e)

    def enroll_many(self, identities: Sequence[str], embeddings) -> None:
        """Row i of embeddings is a sample of identities[i]. Rows go to their identities' shards in one
        concurrent call per shard. If a shard fails, the other shards have enrolled their rows (the error
        names the failed shard)."""
        e, _ = _as_rows(embeddings, self._dimension, "embeddings")
        identities = list(identities)
        if len(identities) != e.shape[0]:
            raise pyarcface.InputError(f"enroll_many: {len(identities)} identities but {e.shape[0]} embedding rows")
        for name in identities:
            if not isinstance(name, str) or not name:
                raise pyarcface.InputError(f"enroll_many: identities must be non-empty strings (got {name!r})")
        if not np.all(np.isfinite(e)):
            raise pyarcface.InputError("enroll_many: embeddings contain NaN or infinite values")
        which = np.fromiter((shard_of(n, self._n) for n in identities), dtype=np.int64, count=len(identities))
        calls = {}
        for i in np.unique(which):
            rows = np.flatnonzero(which == i)
            calls[int(i)] = ("enroll_many", ([identities[r] for r in rows], e[rows]))
        for i in calls:
            self._dirty[i] = True
        self._call(calls, "enroll")

    def remove(self, identity: str) -> bool:
        i = shard_of(identity, self._n)
        removed = self._call({i: ("remove", (identity,))}, "remove")[i]
        if removed:
            self._dirty[i] = True
        return removed

    def search(self, probes, k: int = 5) -> Union[List[Match], List[List[Match]]]:
        """k best (identity, score) per probe over all shards: a list for a (D,) probe, a list of lists
        for (N, D). Raises ShardUnavailableError when any shard does not answer."""
        if int(k) < 1:
            raise pyarcface.InputError(f"search: k must be >= 1 (got {k})")
        p, single = _as_rows(probes, self._dimension, "probes")
        parts = self._call({i: ("search", (p, int(k))) for i in range(self._n)}, "search")
        merged = []
        for q in range(p.shape[0]):
            hits = []
            for i in range(self._n):
                if len(parts[i]) != p.shape[0]:
                    raise ShardUnavailableError(f"search: shard {i} answered {len(parts[i])} rows for "
                                                f"{p.shape[0]} probes")
                hits += parts[i][q]
            hits.sort(key=lambda h: (-h[1], h[0]))
            merged.append([Match(name, score) for name, score in hits[:k]])
        return merged[0] if single else merged

    def identify(self, probes, threshold: float) -> Union[Identification, List[Identification]]:
        """Best identity per probe; known when its score >= threshold (like pyarcface.Gallery.identify)."""
        p, single = _as_rows(probes, self._dimension, "probes")
        rows = self.search(p, k=1)

        def one(row):
            if not row:
                return Identification("", 0.0, False, "")
            best = row[0]
            known = best.score >= threshold
            return Identification(best.identity if known else "", best.score, known, best.identity)

        out = [one(r) for r in rows]
        return out[0] if single else out

    def set_search_effort(self, hnsw_ef_search: int = 0, ivf_nprobe: int = 0) -> None:
        self._call({i: ("set_search_effort", (hnsw_ef_search, ivf_nprobe)) for i in range(self._n)},
                   "set_search_effort")

    def info(self) -> List[dict]:
        """Per shard: worker, pid, size, num_samples, memory_bytes, backend."""
        r = self._call({i: ("info", ()) for i in range(self._n)}, "info")
        return [dict(r[i], shard=i, worker=self._workers[i]) for i in range(self._n)]

    def __len__(self) -> int:
        return sum(s["size"] for s in self.info())

    @property
    def num_samples(self) -> int:
        return sum(s["num_samples"] for s in self.info())

    @property
    def memory_bytes(self) -> int:
        return sum(s["memory_bytes"] for s in self.info())

    def __contains__(self, identity: str) -> bool:
        i = shard_of(identity, self._n)
        return self._call({i: ("contains", (identity,))}, "contains")[i]

    def identities(self) -> List[str]:
        r = self._call({i: ("identities", ()) for i in range(self._n)}, "identities")
        return [name for i in range(self._n) for name in r[i]]

    def samples(self, identity: str) -> np.ndarray:
        i = shard_of(identity, self._n)
        return self._call({i: ("samples", (identity,))}, "samples")[i]

    @property
    def embedder(self) -> str:
        return self._embedder

    @property
    def dimension(self) -> int:
        return self._dimension

    @property
    def shards(self) -> int:
        return self._n

    @property
    def workers(self) -> List[str]:
        """The worker address of each shard."""
        return list(self._workers)

    # -- persistence ----------------------------------------------------------------------------

    def save(self, directory) -> None:
        """Write every shard to DIRECTORY/shard-NNNNN.gallery (each atomically, by its worker) and then
        DIRECTORY/gallery.json. DIRECTORY must be on a file system every worker and the client share."""
        directory = os.path.abspath(os.fspath(directory))
        os.makedirs(directory, exist_ok=True)
        sizes = self._call({i: ("save", (os.path.join(directory, shard_file(i)),)) for i in range(self._n)}, "save")
        manifest = {"format": FORMAT, "version": VERSION, "embedder": self._embedder, "dimension": self._dimension,
                    "shards": self._n, "hash": "blake2b-64 mod shards",
                    "files": [shard_file(i) for i in range(self._n)], "sizes": [sizes[i] for i in range(self._n)]}
        atomic_write(os.path.join(directory, MANIFEST), lambda f: f.write(json.dumps(manifest, indent=1).encode()))
        self._saved_dir = directory
        self._dirty = [False] * self._n

    @classmethod
    def load(cls, client, directory, *, timeout: float = 60.0, threads: int = 1, **options) -> "ShardedGallery":
        """Start the shards of a saved ShardedGallery on CLIENT's workers, each loading its own file."""
        directory = os.path.abspath(os.fspath(directory))
        path = os.path.join(directory, MANIFEST)
        try:
            with open(path, encoding="utf-8") as f:
                m = json.load(f)
        except FileNotFoundError:
            raise pyarcface.IOError(f"'{path}' not found: not a saved ShardedGallery") from None
        except (OSError, ValueError) as e:
            raise pyarcface.ModelError(f"'{path}' is unreadable or not JSON: {e}") from None
        if m.get("format") != FORMAT or m.get("version") != VERSION:
            raise pyarcface.ModelError(f"'{path}' is not a version-{VERSION} sharded gallery manifest")
        paths = [os.path.join(directory, name) for name in m["files"]]
        if len(paths) != m["shards"]:
            raise pyarcface.ModelError(f"'{path}' lists {len(paths)} files for {m['shards']} shards")
        for p in paths:
            if not os.path.isfile(p):
                raise pyarcface.IOError(f"shard file '{p}' named by '{path}' is missing")
        g = cls(client, m["embedder"], m["dimension"], m["shards"], timeout=timeout, threads=threads,
                _paths=paths, **options)
        g._saved_dir = directory
        sizes = [s["size"] for s in g.info()]
        if "sizes" in m and sizes != m["sizes"]:
            g.close()
            raise pyarcface.ModelError(f"'{directory}': shard sizes {sizes} differ from the manifest's {m['sizes']} "
                                       "(a shard file was replaced after the manifest was written)")
        return g

    def lost_shards(self) -> Dict[int, str]:
        """Shards that stopped answering, with the reason."""
        with self._lock:
            return dict(self._lost)

    def recover(self, allow_loss: bool = False) -> List[int]:
        """Restart lost shards on live workers from their last saved files; returns their numbers.
        A shard changed since the last save/load would lose those changes: that raises
        ShardUnavailableError unless allow_loss=True."""
        lost = sorted(self.lost_shards())
        if not lost:
            return []
        saved = getattr(self, "_saved_dir", None)
        if saved is None:
            raise ShardUnavailableError(f"shard(s) {lost} were lost and the gallery was never saved: nothing to "
                                        "recover from")
        changed = [i for i in lost if self._dirty[i]]
        if changed and not allow_loss:
            raise ShardUnavailableError(f"shard(s) {changed} changed after the last save to '{saved}'; recover("
                                        "allow_loss=True) restores them without those changes")
        for i in lost:
            if self._futures[i] is not None:
                self._futures[i].release()
        self._start(lost, [os.path.join(saved, shard_file(i)) for i in range(self._n)])
        for i in lost:
            self._dirty[i] = False
        return lost

    def close(self) -> None:
        """Release the shards (their workers free the memory)."""
        for f in self._futures:
            if f is not None:
                f.release()
        self._futures = [None] * self._n
        self._actors = [None] * self._n
        with self._lock:
            self._lost = {i: "the gallery was closed" for i in range(self._n)}

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def __repr__(self):
        return (f"<pyarcface.distributed.ShardedGallery {self._embedder} {self._dimension}-d, {self._n} shards on "
                f"{len(set(self._workers))} worker(s){', lost: ' + str(sorted(self._lost)) if self._lost else ''}>")


def _app_error(e):
    """e if it is an error raised by the shard's own code (bad input), else None (a transport failure)."""
    if isinstance(e, pyarcface.Error) and not isinstance(e, ShardUnavailableError):
        return e
    return None
