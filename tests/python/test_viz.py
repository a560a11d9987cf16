"""t-SNE quality against scikit-learn, and the picture functions, through pyarcface."""
import glob
import os

import numpy as np
import pytest

import pyarcface

sklearn_manifold = pytest.importorskip("sklearn.manifold")


def clusters(n, k=10, d=50, seed=0):
    rng = np.random.default_rng(seed)
    centres = rng.standard_normal((k, d)) * 4
    lab = rng.integers(0, k, n)
    return (centres[lab] + rng.standard_normal((n, d))).astype(np.float32), lab


def sk_tsne(x, seed=0):
    return sklearn_manifold.TSNE(n_components=2, init="pca", learning_rate="auto", random_state=seed).fit_transform(x)


@pytest.mark.parametrize("n", [300, 2000])  # exact regime, Barnes-Hut regime
def test_tsne_preserves_neighbourhoods_at_least_as_well_as_sklearn(n):
    x, _ = clusters(n)
    ours = pyarcface.trustworthiness(x, pyarcface.tsne(x, seed=0), 5)
    theirs = sklearn_manifold.trustworthiness(x, sk_tsne(x), n_neighbors=5)
    print(f"N={n}: trustworthiness arcface {ours:.4f}, scikit-learn {theirs:.4f}")
    assert ours >= theirs - 5e-4


def test_tsne_on_real_embeddings(samples, models):
    lfw = os.path.join(os.path.dirname(samples), "lfw-view1", "deepfunneled")
    if not os.path.isdir(lfw):
        pytest.skip(f"{lfw} not found")
    people = sorted(p for p in os.listdir(lfw) if len(os.listdir(os.path.join(lfw, p))) >= 6)
    paths = [f for p in people for f in sorted(glob.glob(os.path.join(lfw, p, "*.jpg")))]
    pipe = pyarcface.Pipeline()
    rows, labels = [], []
    for fr in pipe.process_files(paths):
        if fr.error or not fr.result.faces:
            continue
        rows.append(fr.result.embeddings[pyarcface.largest_face(fr.result.faces)])
        labels.append(os.path.basename(os.path.dirname(fr.path)))
    x = np.stack(rows)
    assert len(x) > 250
    ours = pyarcface.trustworthiness(x, pyarcface.tsne(x, seed=0), 5)
    theirs = sklearn_manifold.trustworthiness(x, sk_tsne(x), n_neighbors=5)
    print(f"LFW {len(x)} faces of {len(people)} people: trustworthiness arcface {ours:.4f}, scikit-learn {theirs:.4f}")
    assert ours >= theirs - 5e-4


def test_trustworthiness_equals_sklearn():
    x, _ = clusters(200, seed=3)
    y = np.random.default_rng(4).standard_normal((200, 2)).astype(np.float32)
    assert pyarcface.trustworthiness(x, y, 7) == pytest.approx(
        sklearn_manifold.trustworthiness(x, y, n_neighbors=7), abs=1e-9)


def test_tsne_is_deterministic():
    x, _ = clusters(150, seed=5)
    a = pyarcface.tsne(x, seed=7, iterations=300)
    b = pyarcface.tsne(x, seed=7, iterations=300, threads=1)
    assert a.shape == (150, 2) and a.dtype == np.float32
    np.testing.assert_array_equal(a, b)
    with pytest.raises(ValueError):
        pyarcface.tsne(x[:1])


def test_similarity_grid_and_map():
    faces = [np.full((112, 112, 3), 40 * i, np.uint8) for i in range(4)]
    s = np.eye(4, dtype=np.float32)
    img = pyarcface.viz.similarity_grid(faces, s, ["a", "a", "b", "b"], title="t")
    assert img.dtype == np.uint8 and img.ndim == 3 and img.shape[2] == 3
    m = pyarcface.viz.embedding_map(np.random.default_rng(0).standard_normal((4, 2)).astype(np.float32), faces,
                                    ["a", "a", "b", "b"], size=400)
    assert m.shape[1] == 400 and 160 <= m.shape[0] <= 400 and m.shape[2] == 3
    with pytest.raises(ValueError):
        pyarcface.viz.similarity_grid(faces, np.eye(3, dtype=np.float32), [])
