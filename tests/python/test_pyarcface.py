"""pyarcface: same results as the C++ core, numpy in and out, threads, every error path."""
import json
import os
import subprocess
import threading

import numpy as np
import pytest

import pyarcface


def photos(samples):
    return [os.path.join(samples, p) for p in
            ("actors/jeff/0.jpg", "actors/kurt/1.jpg", "actresses/emma_mackey/0.jpg", "group/group.jpg")]


def test_version():
    assert pyarcface.__version__.count(".") == 2


def test_embeddings_equal_the_cli(samples, models, cli, pipeline, tmp_path):
    out = tmp_path / "e.npy"
    subprocess.run([cli, "-q", "embed", *photos(samples), "-o", str(out)], check=True)
    ref = np.load(out)
    rows = json.load(open(tmp_path / "e.json"))["rows"]
    got = []
    for p in photos(samples):
        r = pipeline.process(pyarcface.read_image(p))
        got.append(r.embeddings)
    got = np.concatenate(got)
    assert got.shape == ref.shape == (len(rows), 192)
    assert got.dtype == np.float32
    np.testing.assert_allclose(got, ref, atol=1e-6)


def test_cv2_and_rgb_inputs_agree(samples, pipeline):
    cv2 = pytest.importorskip("cv2")
    path = os.path.join(samples, "actors/kurt/0.jpg")
    bgr = cv2.imread(path)
    a = pipeline.process(bgr).embeddings
    b = pipeline.process(np.ascontiguousarray(bgr[:, :, ::-1]), rgb=True).embeddings
    c = pipeline.process(pyarcface.read_image(path)).embeddings
    np.testing.assert_allclose(a, b, atol=1e-6)
    np.testing.assert_allclose(a, c, atol=1e-6)
    np.testing.assert_array_equal(pyarcface.rgb_to_bgr(bgr[:, :, ::-1]), bgr)


def test_non_contiguous_arrays_are_read_correctly(samples, pipeline):
    img = pyarcface.read_image(os.path.join(samples, "group/group.jpg"))
    for view in (img[::2, ::2], img[:, ::-1], np.asfortranarray(img), img[10:-10, 20:-20]):
        assert not view.flags["C_CONTIGUOUS"] or view.base is not None
        a = pipeline.detector.detect(view)
        b = pipeline.detector.detect(np.ascontiguousarray(view))
        assert len(a) == len(b) > 0
        assert a[0].box == pytest.approx(b[0].box, abs=1e-4)


def test_face_values(samples, pipeline):
    faces = pipeline.detector.detect(pyarcface.read_image(os.path.join(samples, "group/group.jpg")))
    assert len(faces) >= 4
    f = faces[0]
    assert isinstance(f.box, tuple) and len(f.box) == 4
    assert f.landmarks.shape == (5, 2) and f.landmarks.dtype == np.float32
    assert 0.0 <= f.score <= 1.0
    crop = pipeline.embedder.aligner.align(pyarcface.read_image(os.path.join(samples, "group/group.jpg")), f)
    assert crop.shape == (112, 112, 3) and crop.dtype == np.uint8
    e = pipeline.embedder.embed([crop])
    assert e.shape == (1, 192)


def test_similarity_matches_numpy(pipeline, samples):
    a = np.random.default_rng(0).normal(size=(7, 32)).astype(np.float32)
    b = np.random.default_rng(1).normal(size=(5, 32)).astype(np.float32)
    m = pyarcface.Similarity.matrix(a, b, normalize=True)
    an = a / np.linalg.norm(a, axis=1, keepdims=True)
    bn = b / np.linalg.norm(b, axis=1, keepdims=True)
    np.testing.assert_allclose(m, an @ bn.T, atol=1e-5)
    v = pyarcface.Similarity.verify(a[0], a[0] * 3, 0.5)
    assert v.same and v.similarity == pytest.approx(1.0, abs=1e-6)


def test_threads_give_the_same_results(samples, pipeline):
    imgs = [pyarcface.read_image(p) for p in photos(samples)]
    ref = [pipeline.process(i).embeddings for i in imgs]
    results = [None] * 4
    errors = []

    def work(k):
        try:
            results[k] = [pipeline.process(i).embeddings for i in imgs]
        except Exception as e:  # noqa: BLE001
            errors.append(e)
    threads = [threading.Thread(target=work, args=(k,)) for k in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    for r in results:
        for a, b in zip(r, ref):
            np.testing.assert_allclose(a, b, atol=1e-6)


def test_gil_is_released_during_inference(samples, pipeline):
    """While one thread embeds, another Python thread keeps running."""
    img = pyarcface.read_image(os.path.join(samples, "group/group.jpg"))
    ticks = []
    done = threading.Event()

    def ticker():
        while not done.is_set():
            ticks.append(1)
    t = threading.Thread(target=ticker)
    t.start()
    for _ in range(3):
        pipeline.process(img)
    done.set()
    t.join()
    assert len(ticks) > 1000


@pytest.mark.parametrize("bad", [
    np.zeros((10, 10, 3), np.float32),
    np.zeros((10, 10, 2), np.uint8),
    np.zeros((0, 10, 3), np.uint8),
    np.zeros((4, 4, 4, 3), np.uint8),
])
def test_bad_images_raise_input_error(pipeline, bad):
    with pytest.raises(pyarcface.InputError) as e:
        pipeline.process(bad)
    assert isinstance(e.value, ValueError)
    assert isinstance(e.value, pyarcface.Error)


def test_grey_bgra_and_uint16_are_accepted(samples, pipeline):
    img = pyarcface.read_image(os.path.join(samples, "actors/kurt/0.jpg"))
    bgra = np.concatenate([img, np.full(img.shape[:2] + (1,), 255, np.uint8)], axis=2)
    assert len(pipeline.detector.detect(bgra)) == len(pipeline.detector.detect(img))
    assert len(pipeline.detector.detect(img.astype(np.uint16) * 257)) == len(pipeline.detector.detect(img))
    assert len(pipeline.detector.detect(img.mean(axis=2).astype(np.uint8))) >= 1


def test_no_face_is_an_empty_result(pipeline):
    r = pipeline.process(np.full((200, 200, 3), 128, np.uint8))
    assert r.faces == [] and r.embeddings.shape == (0, 192)


def test_file_errors(tmp_path, models):
    with pytest.raises(pyarcface.IOError) as e:
        pyarcface.read_image(str(tmp_path / "missing.jpg"))
    assert isinstance(e.value, OSError) and "missing.jpg" in str(e.value)
    bad = tmp_path / "bad.jpg"
    bad.write_text("not an image")
    with pytest.raises(OSError):
        pyarcface.read_image(str(bad))


def test_model_errors(tmp_path, models):
    with pytest.raises(pyarcface.ModelError) as e:
        pyarcface.Embedder(model=str(tmp_path / "missing.pt"))
    assert isinstance(e.value, OSError)
    corrupt = tmp_path / "corrupt.pt"
    corrupt.write_bytes(os.urandom(2048))
    with pytest.raises(pyarcface.ModelError, match="corrupt.pt"):
        pyarcface.Embedder(model=str(corrupt))
    torch = pytest.importorskip("torch")
    plain = tmp_path / "plain.pt"
    torch.jit.save(torch.jit.script(torch.nn.Linear(3, 3)), str(plain))
    with pytest.raises(pyarcface.ModelError, match="no arcface metadata"):
        pyarcface.Embedder(model=str(plain))
    with pytest.raises(pyarcface.InputError):
        pyarcface.Detector(backend="haar")


def test_wrong_shapes(pipeline):
    with pytest.raises(pyarcface.InputError):
        pipeline.embedder.embed([np.zeros((112, 96, 3), np.uint8)])  # model wants 112 x 112
    with pytest.raises(pyarcface.InputError):
        pyarcface.Face(landmarks=np.zeros((4, 2)))
    with pytest.raises(pyarcface.InputError):
        pyarcface.Similarity.matrix(np.zeros((2, 3)), np.zeros((2, 4)))
    with pytest.raises(pyarcface.InputError):
        pipeline.embedder.forward_raw(np.zeros((1, 3, 10, 10), np.float32))


def test_faces_name_the_cascade_pass(samples, models):
    # A close-up that YuNet's first pass misses: the fine pass finds it, or MTCNN when that is off.
    lfw = os.path.join(os.path.dirname(samples), "lfw-view1", "deepfunneled")
    path = os.path.join(lfw, "Jay_Leno", "Jay_Leno_0002.jpg")
    if not os.path.isfile(path):
        pytest.skip(f"LFW View 1 not found at {lfw}")
    image = pyarcface.read_image(path)
    assert [f.detector for f in pyarcface.Detector().detect(image)] == ["yunet-fine"]
    assert [f.detector for f in pyarcface.Detector(fine_input_side=0).detect(image)] == ["mtcnn"]
    assert pyarcface.Detector(fine_input_side=0, mtcnn_fallback=False).detect(image) == []
    group = pyarcface.Detector().detect(pyarcface.read_image(os.path.join(samples, "group/group.jpg")))
    assert {f.detector for f in group} == {"yunet"} and "by yunet" in repr(group[0])
