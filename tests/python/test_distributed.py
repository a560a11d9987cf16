"""pyarcface.distributed on a real LocalCluster: 2 worker processes (1 thread each) on 127.0.0.1.

Embedding a collection (equal to `arcface embed`, resumable, per-file failures), the sharded gallery
(equal to one in-process Gallery on 20,000 synthetic entries and on LFW embeddings; save / load), and
faults: a worker process killed with SIGKILL in the middle of embed_collection and of a search burst."""
import glob
import json
import os
import signal
import subprocess
import sys
import threading
import time

import numpy as np
import pytest

import pyarcface

distributed = pytest.importorskip("distributed", reason="Dask not installed (Debian: python3-dask python3-distributed)")
from pyarcface.distributed import (  # noqa: E402
    ShardedGallery,
    ShardUnavailableError,
    embed_collection,
    list_images,
    load_embeddings,
    shard_of,
)

from conftest import SHARED  # noqa: E402

LFW = os.path.join(SHARED, "data", "lfw-view1", "deepfunneled")


@pytest.fixture(scope="module")
def client(models):
    cluster = distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True, host="127.0.0.1",
                                       dashboard_address=None, memory_limit="3GiB")
    c = distributed.Client(cluster)
    try:
        yield c
    finally:
        c.close()
        cluster.close()


def _malloc_undone():
    from pyarcface.distributed import _malloc
    return _malloc._done


def worker_pids(client):
    return client.run(os.getpid)  # {address: pid}


@pytest.fixture(scope="module")
def lfw_files():
    if not os.path.isdir(LFW):
        pytest.skip(f"{LFW} not found")
    people = sorted(p for p in os.listdir(LFW) if len(os.listdir(os.path.join(LFW, p))) >= 4)[:12]
    return [f for p in people for f in sorted(glob.glob(os.path.join(LFW, p, "*.jpg")))[:4]]


@pytest.fixture(scope="module")
def lfw_results(lfw_files, pipeline):
    """The in-process pipeline's results for lfw_files (the reference of the distributed runs)."""
    return pipeline.process_files(lfw_files)


def unit(x):
    return (x / np.linalg.norm(x, axis=1, keepdims=True)).astype(np.float32)


# ------------------------------------------------------------------------------------------------
# embed_collection


def test_embed_equals_cli_and_records_failures(client, samples, cli, tmp_path):
    bad = tmp_path / "broken.jpg"
    bad.write_bytes(b"\xff\xd8\xff\xe0 not really a jpeg")
    blank = tmp_path / "blank.png"
    import cv2
    cv2.imwrite(str(blank), np.full((120, 160, 3), 200, np.uint8))
    missing = str(tmp_path / "missing.jpg")
    inputs = [samples, str(bad), str(blank), missing]
    files = list_images(inputs)
    out = tmp_path / "out"
    seen = []
    r = embed_collection(client, inputs, out, files_per_shard=5, progress=lambda d, t, rep: seen.append((d, t)))
    assert r.complete and r.files == len(files) and r.shards == -(-len(files) // 5) and r.resumed_shards == 0
    assert seen[-1] == (r.shards, r.shards) and len(seen) == r.shards + 1
    assert sorted(f["image"] for f in r.failures) == sorted([str(bad), missing])
    assert all(f["error"] for f in r.failures) and r.no_face == [str(blank)]
    emb, rows = load_embeddings(out)
    assert emb.shape == (r.faces, r.dimension) and len(rows) == r.faces
    # Dask's nanny sets MALLOC_TRIM_THRESHOLD_ (3x the CPU per photo); the pipeline plugin undid it.
    assert set(client.run(lambda: "MALLOC_TRIM_THRESHOLD_" in os.environ).values()) == {True}
    assert set(client.run(_malloc_undone).values()) == {True}

    # The C++ CLI on the same files (it warns about and skips the same three).
    subprocess.run([cli, "--threads", "1", "-q", "embed", *files, "-o", str(tmp_path / "cli.npy")], check=True)
    ref = np.load(tmp_path / "cli.npy")
    ref_rows = json.loads((tmp_path / "cli.json").read_text())["rows"]
    assert [(x["image"], x["face"], x["row"]) for x in rows] == [(x["image"], x["face"], x["row"]) for x in ref_rows]
    assert np.abs(emb - ref).max() < 1e-5
    for a, b in zip(rows, ref_rows):
        # the CLI writes 6 significant digits (0.005 px at x = 1000)
        np.testing.assert_allclose(a["box"], b["box"], rtol=1e-5, atol=1e-3)
        np.testing.assert_allclose(a["landmarks"], b["landmarks"], rtol=1e-5, atol=1e-3)
        assert a["score"] == pytest.approx(b["score"], abs=1e-5)

    # The module's command line against the same scheduler, then `export` to the CLI's format.
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(sys.path))
    run = subprocess.run([sys.executable, "-m", "pyarcface.distributed", "embed", "--scheduler",
                          client.scheduler.address, "--files-per-shard", "7", samples, "-o", str(tmp_path / "cli-out")],
                         capture_output=True, text=True, env=env, timeout=300)
    assert run.returncode == 0, run.stderr
    run = subprocess.run([sys.executable, "-m", "pyarcface.distributed", "export", str(tmp_path / "cli-out"), "-o",
                          str(tmp_path / "all.npy")], capture_output=True, text=True, env=env, timeout=120)
    assert run.returncode == 0, run.stderr
    exported = json.loads((tmp_path / "all.json").read_text())
    assert exported["model"] == r.model and exported["rows"] == rows
    assert np.array_equal(np.load(tmp_path / "all.npy"), emb)


def test_embed_resumes_and_never_takes_a_half_written_shard(client, samples, tmp_path):
    out = tmp_path / "out"
    first = embed_collection(client, [samples], out, files_per_shard=6, progress=False)
    emb, rows = load_embeddings(out)
    shards = sorted(glob.glob(str(out / "shard-*.npy")))
    assert len(shards) == first.shards >= 4
    again = embed_collection(client, [samples], out, files_per_shard=6, progress=False)
    assert again.resumed_shards == first.shards and again.faces == first.faces
    # Damage: shard 1 truncated (as if killed while writing without the temp-file protocol), shard 2
    # deleted, a stale temp file of a killed writer, and a torn last manifest line.
    with open(shards[1], "r+b") as f:
        f.truncate(os.path.getsize(shards[1]) // 2)
    os.unlink(shards[2])
    (out / "shard-00003.npy.tmp-999-deadbeef").write_bytes(b"junk")
    with open(out / "manifest.jsonl", "ab") as f:
        f.write(b'{"kind": "shard", "id": 0, "files": "tor')
    with pytest.raises(pyarcface.InputError, match="shard 1 .*checksum"):
        load_embeddings(out)
    third = embed_collection(client, [samples], out, files_per_shard=6, progress=False)
    assert third.resumed_shards == first.shards - 2
    assert not glob.glob(str(out / "*.tmp-*"))
    emb3, rows3 = load_embeddings(out)
    assert rows3 == rows and np.array_equal(emb3, emb)
    with pytest.raises(pyarcface.InputError, match="other options"):
        embed_collection(client, [samples], out, files_per_shard=6, largest=True, progress=False)
    (tmp_path / "empty").mkdir()
    with pytest.raises(pyarcface.InputError, match="no image files"):
        embed_collection(client, [tmp_path / "empty"], tmp_path / "o2", progress=False)


def test_a_failing_shard_is_reported_and_redone_by_a_rerun(client, samples, tmp_path):
    out = tmp_path / "out"
    (out / "shard-00001.npy").mkdir(parents=True)  # the worker cannot rename its file onto a directory
    r = embed_collection(client, [samples], out, files_per_shard=10, progress=False)
    assert [f["id"] for f in r.failed_shards] == [1] and not r.complete
    assert "shard-00001.npy" in r.failed_shards[0]["error"]
    with pytest.raises(pyarcface.InputError, match="shard 1 .*not finished"):
        load_embeddings(out)
    (out / "shard-00001.npy").rmdir()
    again = embed_collection(client, [samples], out, files_per_shard=10, progress=False)
    assert again.complete and again.resumed_shards == r.shards - 1
    assert load_embeddings(out)[0].shape[0] == again.faces


def test_worker_killed_during_embed_collection(client, lfw_files, lfw_results, tmp_path):
    pids = worker_pids(client)
    killed = []

    def progress(done, total, report):
        if done == 1 and not killed:  # the first shard is done, the others are queued or running
            pid = sorted(pids.values())[0]
            os.kill(pid, signal.SIGKILL)
            killed.append(pid)

    r = embed_collection(client, lfw_files, tmp_path / "out", files_per_shard=3, progress=progress)
    assert killed and r.complete and r.files == len(lfw_files) and not r.failures
    assert killed[0] not in worker_pids(client).values()
    manifest = [json.loads(x) for x in (tmp_path / "out" / "manifest.jsonl").read_text().splitlines()]
    done = [m for m in manifest if m.get("kind") == "shard"]
    assert sorted(m["id"] for m in done) == list(range(r.shards))  # each shard recorded exactly once
    emb, rows = load_embeddings(tmp_path / "out")
    embedded = [x["image"] for x in rows] + r.no_face
    # every file exactly once (a photo may hold a second, background face: rows of one image are
    # consecutive and numbered by face)
    assert sorted(set(embedded)) == sorted(lfw_files)
    assert len({(x["image"], x["face"]) for x in rows}) == len(rows)
    ref_emb = np.concatenate([fr.result.embeddings for fr in lfw_results if fr.result.faces])
    assert emb.shape == ref_emb.shape and np.abs(emb - ref_emb).max() < 1e-5
    client.wait_for_workers(2, timeout=120)


# ------------------------------------------------------------------------------------------------
# ShardedGallery


def assert_same_hits(got, want):
    assert len(got) == len(want)
    for g_row, w_row in zip(got, want):
        assert len(g_row) == len(w_row)
        np.testing.assert_allclose([m.score for m in g_row], [m.score for m in w_row], atol=1e-5)
        for i, (g, w) in enumerate(zip(g_row, w_row)):
            if g.identity != w.identity:  # only a tie (within float rounding) may swap two identities
                assert abs(g.score - w.score) < 1e-5, (i, g, w)


@pytest.fixture(scope="module")
def synthetic():
    rng = np.random.default_rng(19)
    centres = unit(rng.standard_normal((10_000, 128)))
    entries = unit(np.repeat(centres, 2, axis=0) + 0.12 * rng.standard_normal((20_000, 128)))
    names = [f"person-{i // 2:05d}" for i in range(20_000)]
    probes = unit(centres[rng.choice(10_000, 300, replace=False)] + 0.12 * rng.standard_normal((300, 128)))
    return names, entries, probes


def test_sharded_gallery_equals_one_gallery(client, synthetic, tmp_path):
    names, entries, probes = synthetic
    ref = pyarcface.Gallery("synthetic", 128)
    ref.enroll_many(names, entries)
    g = ShardedGallery(client, "synthetic", 128, shards=4)
    try:
        g.enroll_many(names[:15_000], entries[:15_000])
        for i in range(15_000, 20_000, 2):
            g.enroll(names[i], entries[i:i + 2])
        sizes = [s["size"] for s in g.info()]
        assert sum(sizes) == len(g) == len(ref) == 10_000 and g.num_samples == 20_000
        assert min(sizes) > 2000 and len(set(g.workers)) == 2  # spread over both workers
        assert_same_hits(g.search(probes, k=10), ref.search(probes, k=10))
        assert_same_hits([g.search(probes[0], k=3)], [ref.search(probes[0], k=3)])
        who, want = g.identify(probes[:50], 0.5), ref.identify(probes[:50], 0.5)
        assert [(x.identity, x.known, x.best) for x in who] == [(x.identity, x.known, x.best) for x in want]
        one = g.identify(probes[0], 0.999)
        assert not one.known and one.identity == "" and one.best == want[0].best
        assert "person-00042" in g and "nobody" not in g
        np.testing.assert_array_equal(g.samples("person-00042"), ref.samples("person-00042"))
        for name in ("person-00042", "person-09999"):
            assert g.remove(name) and ref.remove(name)
        assert not g.remove("person-00042")
        assert_same_hits(g.search(probes, k=5), ref.search(probes, k=5))
        g.save(tmp_path / "sharded")
        saved = sorted(f for f in os.listdir(tmp_path / "sharded") if not f.endswith(".lock"))  # lock files: docs/security.md
        assert saved == ["gallery.json"] + [f"shard-{i:05d}.gallery" for i in range(4)]
    finally:
        g.close()
    with ShardedGallery.load(client, tmp_path / "sharded") as h:
        assert len(h) == len(ref) and h.shards == 4 and h.embedder == "synthetic"
        assert_same_hits(h.search(probes, k=10), ref.search(probes, k=10))
    # An identity always maps to the same shard (the hash is not Python's salted hash()).
    assert [shard_of(f"person-{i}", 7) for i in range(5)] == [shard_of(f"person-{i}", 7) for i in range(5)]
    out = subprocess.run([sys.executable, "-c", "from pyarcface.distributed import shard_of; "
                          "print([shard_of(f'person-{i}', 7) for i in range(5)])"], capture_output=True, text=True,
                         env=dict(os.environ, PYTHONPATH=os.pathsep.join(sys.path)))
    assert out.stdout.strip() == str([shard_of(f"person-{i}", 7) for i in range(5)])


def test_sharded_gallery_all_samples_mode_and_bad_input(client, synthetic, tmp_path):
    names, entries, probes = synthetic
    ref = pyarcface.Gallery("synthetic", 128, match="all")
    ref.enroll_many(names[:4000], entries[:4000])
    with ShardedGallery(client, "synthetic", 128, shards=3, match="all") as g:
        g.enroll_many(names[:4000], entries[:4000])
        assert_same_hits(g.search(probes, k=7), ref.search(probes, k=7))
        with pytest.raises(pyarcface.InputError, match=r"shape \(N, 128\)"):
            g.search(np.zeros(64, np.float32))
        with pytest.raises(pyarcface.InputError, match="2 identities but 3"):
            g.enroll_many(["a", "b"], entries[:3])
        with pytest.raises(pyarcface.InputError, match="NaN"):
            g.enroll("a", np.full(128, np.nan, np.float32))
        with pytest.raises(pyarcface.InputError, match="k must be"):
            g.search(probes, k=0)
    with pytest.raises(pyarcface.IOError, match="not a saved ShardedGallery"):
        ShardedGallery.load(client, tmp_path / "nothing-here")


def test_sharded_gallery_on_lfw_embeddings(client, lfw_files, lfw_results, pipeline):
    people, emb = [], []
    for path, fr in zip(lfw_files, lfw_results):
        if fr.result.faces:
            people.append(os.path.basename(os.path.dirname(path)))
            emb.append(fr.result.embeddings[pyarcface.largest_face(fr.result.faces)])
    emb = np.stack(emb)
    first = {p: i for i, p in reversed(list(enumerate(people)))}
    enrolled = sorted(first.values())
    probes = [i for i in range(len(people)) if i not in first.values()]
    ref = pyarcface.Gallery(pipeline)
    ref.enroll_many([people[i] for i in enrolled], emb[enrolled])
    with ShardedGallery(client, pipeline, shards=2) as g:
        assert g.dimension == emb.shape[1] and g.embedder == pipeline.embedder.info.name
        g.enroll_many([people[i] for i in enrolled], emb[enrolled])
        got = g.search(emb[probes], k=5)
        assert_same_hits(got, ref.search(emb[probes], k=5))
        rank1 = np.mean([row[0].identity == people[i] for row, i in zip(got, probes)])
        assert rank1 > 0.9  # the same people are found


def test_worker_killed_during_search_burst(client, synthetic, tmp_path):
    names, entries, probes = synthetic
    ref = pyarcface.Gallery("synthetic", 128)
    ref.enroll_many(names, entries)
    want = [[m.identity for m in row] for row in ref.search(probes[:20], k=10)]
    g = ShardedGallery(client, "synthetic", 128, shards=4, timeout=30)
    try:
        g.enroll_many(names, entries)
        g.save(tmp_path / "saved")
        ok, failed, other = [], [], []
        stop = threading.Event()

        def burst():
            while not stop.is_set():
                try:
                    hits = g.search(probes[:20], k=10)
                except ShardUnavailableError as e:
                    failed.append(str(e))
                except Exception as e:  # noqa: BLE001 - any other error fails the test below
                    other.append(repr(e))
                else:
                    ok.append([[m.identity for m in row] for row in hits])

        threads = [threading.Thread(target=burst) for _ in range(3)]
        for t in threads:
            t.start()
        deadline = time.time() + 60
        while len(ok) < 10 and time.time() < deadline:
            time.sleep(0.01)
        victim = g.info()[1]["pid"]
        os.kill(victim, signal.SIGKILL)
        while len(failed) < 5 and time.time() < deadline:
            time.sleep(0.01)
        stop.set()
        for t in threads:
            t.join(60)
        assert not other, other[:3]
        assert len(ok) >= 10 and failed, (len(ok), len(failed))
        assert all(hits == want for hits in ok)  # every answer was complete and correct
        assert any("unavailable" in m for m in failed)
        lost = g.lost_shards()
        assert lost and all(g.workers[i] == g.workers[1] for i in lost)
        with pytest.raises(ShardUnavailableError, match="recover"):
            g.search(probes[:2], k=3)
        client.wait_for_workers(2, timeout=120)
        assert g.recover() == sorted(lost)
        assert [[m.identity for m in row] for row in g.search(probes[:20], k=10)] == want
    finally:
        g.close()
