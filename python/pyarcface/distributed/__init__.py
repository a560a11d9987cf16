"""pyarcface.distributed — embed photo collections and search galleries across a Dask cluster.

    >>> from distributed import Client, LocalCluster
    >>> from pyarcface.distributed import embed_collection, load_embeddings, ShardedGallery
    >>> client = Client(LocalCluster(n_workers=2, threads_per_worker=1))
    >>> report = embed_collection(client, ["photos/"], "out/")     # resumable shards + manifest
    >>> embeddings, rows = load_embeddings("out/")
    >>> g = ShardedGallery(client, report.model, report.dimension, shards=4)
    >>> g.enroll_many([r["image"] for r in rows], embeddings); g.search(embeddings[:3], k=5)

The same code runs on a laptop's LocalCluster and on a cluster started with `dask scheduler` /
`dask worker` (see docs/scale.md). Needs Dask (Debian: python3-dask python3-distributed).
"""
try:
    import distributed as _distributed  # noqa: F401
except ImportError as e:  # pragma: no cover - depends on the installation
    raise ImportError("pyarcface.distributed needs Dask's distributed package "
                      "(Debian: apt-get install python3-dask python3-distributed)") from e

from ._embed import EmbedReport, embed_collection, export_embeddings, list_images, load_embeddings  # noqa: F401
from ._gallery import (  # noqa: F401
    Identification,
    Match,
    ShardedGallery,
    ShardUnavailableError,
    shard_of,
)

__all__ = ["EmbedReport", "embed_collection", "export_embeddings", "list_images", "load_embeddings",
           "Identification", "Match", "ShardedGallery", "ShardUnavailableError", "shard_of"]
