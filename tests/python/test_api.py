"""The Pythonic API: options bound from the C++ structs, Face/PipelineResult conveniences, image inputs
(paths, pathlib, PIL, numpy), the one-call functions of pyarcface.simple, reprs and docstrings."""
import ast
import glob
import math
import os
import pathlib
import re

import numpy as np
import pytest

import pyarcface

ROOT = pathlib.Path(__file__).resolve().parents[2]
HEADERS = ROOT / "include" / "arcface"
STUBS = ROOT / "python" / "pyarcface" / "__init__.pyi"

OPTION_STRUCTS = [("detector.hpp", "DetectorOptions"), ("embedder.hpp", "EmbedderOptions"),
                  ("gallery.hpp", "GalleryOptions"), ("quality.hpp", "QualityOptions"),
                  ("tracker.hpp", "TrackerOptions")]


def cpp_fields(header, struct):
    """(name, default literal or None) of each data member of a C++ struct, parsed from its header."""
    text = (HEADERS / header).read_text()
    m = re.search(r"struct\s+" + struct + r"\s*\{(.*?)\n\};", text, re.S)
    assert m, f"struct {struct} not found in {header}"
    body = re.sub(r"//[^\n]*", "", m.group(1))
    fields = []
    for stmt in body.split(";"):
        stmt = " ".join(stmt.split())
        if not stmt or "(" in stmt.split("=")[0]:
            continue  # empty or a member function
        decl, default = re.split(r"\s*[={]\s*", stmt, maxsplit=1) if re.search(r"[={]", stmt) else (stmt, None)
        fields.append((decl.split()[-1], default))
    return fields


def stub_fields(cls):
    tree = ast.parse(STUBS.read_text())
    for node in tree.body:
        if isinstance(node, ast.ClassDef) and node.name == cls:
            return {n.target.id for n in node.body if isinstance(n, ast.AnnAssign)}
    raise AssertionError(f"class {cls} missing from {STUBS}")


@pytest.mark.parametrize("header,struct", OPTION_STRUCTS)
def test_every_cpp_option_field_is_in_python_and_in_the_stubs(header, struct):
    fields = cpp_fields(header, struct)
    assert len(fields) >= 5, fields
    cls = getattr(pyarcface, struct)
    obj = cls()
    missing_py = [n for n, _ in fields if not hasattr(obj, n)]
    assert not missing_py, f"{struct} fields missing from Python: {missing_py}"
    assert set(cls._fields) == {n for n, _ in fields}, "Python fields that the C++ struct does not have"
    missing_pyi = [n for n, _ in fields if n not in stub_fields(struct)]
    assert not missing_pyi, f"{struct} fields missing from __init__.pyi: {missing_pyi}"


@pytest.mark.parametrize("header,struct", OPTION_STRUCTS)
def test_numeric_option_defaults_are_the_cpp_ones(header, struct):
    obj = getattr(pyarcface, struct)()
    checked = 0
    for name, default in cpp_fields(header, struct):
        if default is None:
            continue
        nums = re.findall(r"-?\d+(?:\.\d*)?(?:e-?\d+)?", default)
        literal = default.rstrip("f").rstrip("}").strip()
        if default in ("true", "false"):
            assert getattr(obj, name) is (default == "true"), name
            checked += 1
        elif re.fullmatch(r"-?\d+(\.\d*)?f?", default):
            assert math.isclose(getattr(obj, name), float(literal), rel_tol=1e-6), name
            checked += 1
        elif nums and isinstance(getattr(obj, name), list):
            assert np.allclose(getattr(obj, name), [float(x) for x in nums]), name
            checked += 1
    assert checked >= 3


def test_options_keywords_positional_repr_and_errors():
    o = pyarcface.GalleryOptions(backend="hnsw", exact_prefilter=False)
    assert o.backend == "hnsw" and o.exact_prefilter is False
    assert "exact_prefilter=False" in repr(o) and repr(o).startswith("GalleryOptions(")
    assert pyarcface.DetectorOptions("mtcnn").backend == "mtcnn"  # positional, in the old order
    d = pyarcface.DetectorOptions(mtcnn_thresholds=[0.5, 0.6, 0.9], mtcnn_scale_factor=0.6)
    assert np.allclose(d.mtcnn_thresholds, [0.5, 0.6, 0.9]) and math.isclose(d.mtcnn_scale_factor, 0.6, rel_tol=1e-6)
    assert "mtcnn_thresholds=[0.6, 0.7, 0.8]" in repr(pyarcface.DetectorOptions())
    assert pyarcface.EmbedderOptions(flip="sum").flip == "sum" and pyarcface.EmbedderOptions().flip is None
    assert pyarcface.GalleryOptions() == pyarcface.GalleryOptions()
    assert pyarcface.GalleryOptions(pq_m=8) != pyarcface.GalleryOptions()
    with pytest.raises(TypeError, match="unexpected keyword argument 'treshold'.*score_threshold"):
        pyarcface.DetectorOptions(treshold=0.5)
    with pytest.raises(ValueError, match="yolo"):
        pyarcface.DetectorOptions(backend="yolo")
    for cls in (pyarcface.DetectorOptions, pyarcface.EmbedderOptions, pyarcface.GalleryOptions):
        assert "min_face_size = 20" in cls.__doc__ if cls is pyarcface.DetectorOptions else len(cls.__doc__) > 200


@pytest.fixture(scope="module")
def katy(samples):
    return sorted(glob.glob(os.path.join(samples, "actresses", "katy_parry", "*.jpg")))


@pytest.fixture(scope="module")
def jaime(samples):
    return sorted(glob.glob(os.path.join(samples, "actresses", "jaime_pressly", "*.jpg")))


def test_pipeline_with_mtcnn_by_name(models, katy):
    p = pyarcface.Pipeline(detector="mtcnn")
    assert p.detector.options.backend == "mtcnn"
    assert len(p.process(katy[0])) == 1
    assert "mtcnn" in repr(p) and "mobilefacenet" in repr(p)
    with pytest.raises(TypeError, match="detector must be"):
        pyarcface.Pipeline(detector=3)


def test_face_and_result_conveniences(pipeline, samples):
    group = os.path.join(samples, "group", "group.jpg")
    r = pipeline.process(group)
    assert len(r) == 5 == len(r.faces) and bool(r)
    assert repr(r) == f"<pyarcface.PipelineResult 5 face(s), {pipeline.embedder.dimension}-d>"
    faces = list(r)
    for i, f in enumerate(faces):
        x, y, w, h = f.box
        assert f.bbox == pytest.approx((x, y, x + w, y + h))
        assert np.array_equal(f.kps, f.landmarks) and f.det_score == f.score
        assert np.array_equal(f.embedding, r.embeddings[i]) and np.array_equal(f.normed_embedding, f.embedding)
        assert abs(np.linalg.norm(f.embedding) - 1) < 1e-5
    assert np.array_equal(r[-1].embedding, faces[4].embedding)
    assert [f.score for f in r[1:3]] == [faces[1].score, faces[2].score]
    with pytest.raises(IndexError):
        r[5]
    assert "with embedding" in repr(faces[0])
    detected = pipeline.detector.detect(group)
    assert detected[0].embedding is None and "with embedding" not in repr(detected[0])


def test_paths_pathlib_pil_and_numpy_give_the_same_embedding(pipeline, katy, tmp_path):
    cv2 = pytest.importorskip("cv2")
    PIL = pytest.importorskip("PIL.Image")
    ref = pipeline.process(cv2.imread(katy[0]))[0].embedding
    for image in (katy[0], pathlib.Path(katy[0]), PIL.open(katy[0])):
        e = pipeline.process(image)[0].embedding
        assert float(e @ ref) > 0.9999, type(image)
    assert float(pipeline.process_file(pathlib.Path(katy[0]))[0].embedding @ ref) > 0.9999
    rgb = np.asarray(PIL.open(katy[0]))
    assert float(pipeline.process(rgb, rgb=True)[0].embedding @ ref) > 0.9999
    grey = PIL.open(katy[0]).convert("P")  # a palette image is converted to RGB
    assert len(pipeline.process(grey)) == 1
    with pytest.raises(ValueError, match="PIL image is RGB"):
        pipeline.process(PIL.open(katy[0]), rgb=False)
    with pytest.raises(TypeError, match="path.*PIL image or a numpy array, got int"):
        pipeline.process(42)
    with pytest.raises(pyarcface.IOError, match="nothing_here.jpg"):
        pipeline.process(tmp_path / "nothing_here.jpg")
    results = pipeline.process_files([pathlib.Path(p) for p in katy])
    assert [r.path for r in results] == katy and all(len(r.result) == 1 for r in results)


def test_gallery_paths_images_and_default_threshold(pipeline, katy, jaime, tmp_path):
    PIL = pytest.importorskip("PIL.Image")
    g = pyarcface.Gallery(pipeline)
    assert g.enroll_images("katy", [pathlib.Path(katy[0])], pipeline) == 1
    assert g.enroll_images("jaime", [PIL.open(jaime[0])], pipeline) == 1
    with pytest.raises(TypeError, match="list of images"):
        g.enroll_images("katy", katy[0], pipeline)
    probe = pipeline.process(katy[1])[0].embedding
    other = pipeline.process(jaime[1])[0].embedding
    thr = pipeline.embedder.info.threshold
    got = g.identify(probe)
    assert got.known and got.identity == "katy" and got.score >= thr
    # default threshold = the model's: same verdicts as passing it explicitly
    for p in (probe, other):
        assert g.identify(p).known == g.identify(p, thr).known
    assert not g.identify(probe, 0.999).known
    assert repr(g).startswith("<pyarcface.Gallery 2 identities, 2 samples, mobilefacenet-ms1m")
    path = tmp_path / "g.gallery"
    g.save(path)
    assert len(pyarcface.Gallery.load(path)) == 2
    orphan = pyarcface.Gallery("no-such-model", 4)
    orphan.enroll("a", np.ones(4, np.float32))
    with pytest.raises(ValueError, match="no-such-model.*pass threshold="):
        orphan.identify(np.ones(4, np.float32))


def test_verify_represent_find(models, katy, jaime, samples):
    v = pyarcface.verify(katy[0], katy[1])
    assert v["verified"] is True and v["similarity"] > v["threshold"]
    assert v["distance"] == pytest.approx(1 - v["similarity"]) and v["model"] == "mobilefacenet-ms1m"
    assert set(v["facial_areas"]["img1"]) == {"x", "y", "w", "h"}
    assert pyarcface.verify(katy[0], jaime[0])["verified"] is False
    assert pyarcface.verify(katy[0], jaime[0], threshold=-1.0)["verified"] is True
    reps = pyarcface.represent(os.path.join(samples, "group", "group.jpg"))
    assert len(reps) == 5 and reps[0]["embedding"].shape == (192,) and 0 < reps[0]["face_confidence"] <= 1
    df = pyarcface.find(katy[0], os.path.join(samples, "actresses"))
    assert list(df.columns[:4]) == ["identity", "similarity", "distance", "threshold"]
    assert len(df) >= 2 and all("katy_parry" in p for p in df["identity"][:2])
    assert df["similarity"].is_monotonic_decreasing and (df["similarity"] >= df["threshold"]).all()
    assert not any("jaime_pressly" in p for p in df["identity"])


def test_one_call_errors_name_the_problem(models, samples, tmp_path):
    black = tmp_path / "black.png"
    pytest.importorskip("cv2").imwrite(str(black), np.zeros((64, 64, 3), np.uint8))
    with pytest.raises(ValueError, match="no face found in .*black.png"):
        pyarcface.verify(black, black)
    assert pyarcface.represent(black) == []
    with pytest.raises(pyarcface.IOError, match="nowhere"):
        pyarcface.find(os.path.join(samples, "group", "group.jpg"), tmp_path / "nowhere")
    (tmp_path / "empty").mkdir()
    (tmp_path / "empty" / "notes.txt").write_text("not an image")
    with pytest.raises(ValueError, match="no images.*empty"):
        pyarcface.find(os.path.join(samples, "group", "group.jpg"), tmp_path / "empty")


def test_face_recognition_style_functions(models, katy, jaime):
    locations = pyarcface.face_locations(katy[0])
    assert len(locations) == 1
    top, right, bottom, left = locations[0]
    assert bottom > top and right > left
    known = pyarcface.face_encodings(katy[0]) + pyarcface.face_encodings(jaime[0])
    probe = pyarcface.face_encodings(katy[1], pyarcface.face_locations(katy[1]))[0]
    d = pyarcface.face_distance(known, probe)
    assert d.shape == (2,) and d[0] < d[1]
    assert d[0] == pytest.approx(1 - float(known[0] @ probe), abs=1e-6)
    assert pyarcface.compare_faces(known, probe) == [True, False]
    assert pyarcface.compare_faces(known, probe, tolerance=2.0) == [True, True]
    assert pyarcface.face_distance([], probe).shape == (0,)
    with pytest.raises(ValueError, match="no face detected at"):
        pyarcface.face_encodings(katy[0], [(0, 10, 10, 0)])
    with pytest.raises(ValueError, match="dimensions"):
        pyarcface.face_distance(known, probe[:10])


def test_reprs_and_docstrings(pipeline):
    assert repr(pipeline.detector).startswith("<pyarcface.Detector ")
    assert repr(pipeline.embedder).startswith("<pyarcface.Embedder mobilefacenet-ms1m 192-d threshold 0.4")
    for obj in (pyarcface.Pipeline, pyarcface.PipelineResult, pyarcface.Face, pyarcface.verify, pyarcface.find,
                pyarcface.represent, pyarcface.face_encodings, pyarcface.compare_faces, pyarcface.face_distance):
        assert obj.__doc__ and len(obj.__doc__.split()) > 12, obj
