"""pyarcface.Gallery and clustering: the same C++ core, numpy in and out."""
import os
import threading

import numpy as np
import pytest

import pyarcface


def unit(rows):
    return (rows / np.linalg.norm(rows, axis=1, keepdims=True)).astype(np.float32)


@pytest.fixture()
def data():
    rng = np.random.default_rng(0)
    centres = unit(rng.standard_normal((40, 64)))
    samples = unit(np.repeat(centres, 2, axis=0) + 0.9 / 8 * rng.standard_normal((80, 64)))
    probes = unit(centres + 0.9 / 8 * rng.standard_normal((40, 64)))
    return centres, samples, probes


def test_enroll_search_identify(data):
    _, samples, probes = data
    g = pyarcface.Gallery("synthetic", 64)
    g.enroll_many([f"id{i // 2}" for i in range(80)], samples)
    assert len(g) == 40 and g.num_samples == 80 and "id3" in g
    hits = g.search(probes, k=3)
    assert len(hits) == 40 and len(hits[0]) == 3
    assert [h[0].identity for h in hits] == [f"id{i}" for i in range(40)]
    name, score = hits[5][0]
    assert name == "id5" and 0.3 < score <= 1.0
    ident = g.identify(probes[7], threshold=0.3)
    assert ident.known and ident.identity == "id7"
    assert not g.identify(probes[7], threshold=0.9999).known
    assert g.remove("id7") and "id7" not in g
    np.testing.assert_allclose(g.samples("id3"), samples[6:8], atol=1e-6)


def test_template_score_is_cosine_to_mean(data):
    _, samples, probes = data
    g = pyarcface.Gallery("synthetic", 64, match="template")
    g.enroll("a", samples[0:2])
    t = samples[0:2].sum(0)
    expected = float(probes[0] @ (t / np.linalg.norm(t)))
    assert g.search(probes[0], k=1)[0].score == pytest.approx(expected, abs=1e-5)
    h = pyarcface.Gallery("synthetic", 64, match="all")
    h.enroll("a", samples[0:2])
    assert h.search(probes[0], k=1)[0].score == pytest.approx(float((samples[0:2] @ probes[0]).max()), abs=1e-5)


def test_backends_agree(data):
    _, samples, probes = data
    names = [f"id{i // 2}" for i in range(80)]
    ref = None
    for backend in ("exact", "flat", "hnsw"):
        g = pyarcface.Gallery("synthetic", 64, backend=backend)
        g.enroll_many(names, samples)
        assert g.active_backend == backend
        top = [h[0].identity for h in g.search(probes, k=1)]
        ref = ref or top
        assert top == ref


def test_save_load_and_errors(tmp_path, data):
    _, samples, probes = data
    g = pyarcface.Gallery("synthetic", 64)
    g.enroll_many([f"id{i // 2}" for i in range(80)], samples)
    path = str(tmp_path / "g.gallery")
    g.save(path)
    h = pyarcface.Gallery.load(path)
    assert h.embedder == "synthetic" and h.dimension == 64 and len(h) == 40
    assert [m.identity for m in h.search(probes[3], k=5)] == [m.identity for m in g.search(probes[3], k=5)]
    raw = open(path, "rb").read()
    open(path, "wb").write(raw[: len(raw) // 2])
    with pytest.raises(pyarcface.ModelError, match="truncated"):
        pyarcface.Gallery.load(path)
    with pytest.raises(pyarcface.IOError):
        pyarcface.Gallery.load(str(tmp_path / "missing.gallery"))
    with pytest.raises(ValueError, match="dimension"):
        g.enroll("x", np.ones((1, 32), np.float32))
    with pytest.raises(ValueError):
        g.search(np.ones((2, 63), np.float32))
    with pytest.raises(ValueError):
        pyarcface.Gallery("synthetic", 64, backend="annoy")


def test_threads_search_while_enrolling(data):
    _, samples, probes = data
    g = pyarcface.Gallery("synthetic", 64, backend="hnsw")
    g.enroll_many([f"id{i // 2}" for i in range(40)], samples[:40])  # id0..id19
    errors = []

    def reader():
        for _ in range(200):
            top = g.search(probes[:20], k=1)
            if [h[0].identity for h in top] != [f"id{i}" for i in range(20)]:
                errors.append(top)

    threads = [threading.Thread(target=reader) for _ in range(3)]
    for t in threads:
        t.start()
    for i in range(40, 80, 2):
        g.enroll(f"id{i // 2}", samples[i:i + 2])
    for t in threads:
        t.join()
    assert not errors and len(g) == 40


def test_clustering(data):
    centres, _, _ = data
    rng = np.random.default_rng(1)
    samples = unit(np.repeat(centres, 2, axis=0) + 0.5 / 8 * rng.standard_normal((80, 64)))  # same-id cos ~0.8
    truth = [i // 2 for i in range(80)]
    labels = pyarcface.cluster_faces(samples, threshold=0.6)
    s = pyarcface.pairwise_scores(labels, truth)
    assert s.precision == 1.0 and s.recall == 1.0 and max(labels) == 39
    with pytest.raises(ValueError):
        pyarcface.pairwise_scores([0, 1], [0])


def test_enroll_images_through_pipeline(samples, models):
    import cv2
    pipe = pyarcface.Pipeline()
    g = pyarcface.Gallery(pipe)
    for who in ("jeff", "kurt"):
        imgs = [cv2.imread(os.path.join(samples, "actors", who, f"{i}.jpg")) for i in range(2)]
        assert g.enroll_images(who, imgs, pipe) == 2
    r = pipe.process(cv2.imread(os.path.join(samples, "actors", "kurt", "3.jpg")))
    best = pyarcface.largest_face(r.faces)
    assert g.identify(r.embeddings[best], threshold=pipe.embedder.info.threshold).identity == "kurt"


def test_hnsw_search_effort_and_faiss_search():
    rng = np.random.default_rng(5)
    entries = rng.standard_normal((20000, 64)).astype(np.float32)
    probes = rng.standard_normal((200, 64)).astype(np.float32)
    names = [f"u{i}" for i in range(len(entries))]
    exact = pyarcface.Gallery("uniform", 64, backend="exact")
    exact.enroll_many(names, entries)
    truth = [h[0].identity for h in exact.search(probes, k=1)]
    g = pyarcface.Gallery("uniform", 64, backend="hnsw", hnsw_ef_search=8)

    def recall():
        return np.mean([h[0].identity == t for h, t in zip(g.search(probes, k=1), truth)])

    g.enroll_many(names, entries)
    narrow = recall()
    g.set_search_effort(hnsw_ef_search=512)
    assert g.options.hnsw_ef_search == 512
    wide = recall()
    g.set_hnsw_faiss_search(True)
    assert g.options.hnsw_faiss_search
    wide_faiss = recall()
    assert narrow < 0.95 and wide >= 0.99 and wide_faiss >= 0.99, (narrow, wide, wide_faiss)
