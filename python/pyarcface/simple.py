"""One-call functions in the style of face_recognition and deepface (docs/python.md has the table).

Every function takes images as file paths (str or pathlib.Path), PIL images (RGB) or numpy arrays
(BGR, as cv2.imread returns; pass rgb=True for RGB arrays), and an optional ``model`` (embedder
name or path; default: the library's default model) and ``detector`` ('auto', 'yunet', 'mtcnn').
The Pipeline for each (detector, model) pair is made once and reused (thread-safe).

Scores: ``similarity`` is the cosine of two embeddings (1 = identical); ``distance`` is
``1 - similarity``. The default ``threshold`` is the model's calibrated one (its metadata), the
default face_recognition-style ``tolerance`` is ``1 - threshold``.
"""
import os
import threading

import numpy as np

from . import _pyarcface as _core

_IMAGE_EXTENSIONS = (".jpg", ".jpeg", ".png", ".bmp", ".webp", ".tif", ".tiff")
_lock = threading.Lock()
_pipelines = {}
_db_cache = {}


def pipeline(model=None, detector=None):
    """The shared Pipeline for this embedder model and detector backend (made on first use)."""
    key = (model or "", detector or "auto")
    with _lock:
        p = _pipelines.get(key)
        if p is None:
            p = _core.Pipeline(detector=detector or "auto", embedder=model or None)
            _pipelines[key] = p
        return p


def model_threshold(model=None):
    """The calibrated cosine threshold stored in a model's metadata (default model when None)."""
    return pipeline(model).embedder.info.threshold


def _describe(img):
    if isinstance(img, (str, bytes, os.PathLike)):
        return repr(os.fsdecode(img))
    return f"the {type(img).__name__} image"


def _largest(img, p, rgb):
    result = p.process(img, rgb=rgb)
    if len(result) == 0:
        raise _core.InputError(f"no face found in {_describe(img)}")
    return result[_core.largest_face(result.faces)]


def _area(face):
    x, y, w, h = face.box
    return {"x": x, "y": y, "w": w, "h": h}


def verify(img1, img2, model=None, detector=None, threshold=None, rgb=None):
    """Are the largest faces of two images the same person? (deepface.DeepFace.verify)

    Returns a dict: verified (bool), similarity, distance (1 - similarity), threshold (cosine),
    model, facial_areas {"img1": {x, y, w, h}, "img2": ...}.
    Raises InputError naming the image when one has no face.
    """
    p = pipeline(model, detector)
    f1, f2 = _largest(img1, p, rgb), _largest(img2, p, rgb)
    thr = p.embedder.info.threshold if threshold is None else float(threshold)
    sim = float(np.dot(f1.embedding, f2.embedding))
    return {"verified": sim >= thr, "similarity": sim, "distance": 1.0 - sim, "threshold": thr,
            "model": p.embedder.info.name, "facial_areas": {"img1": _area(f1), "img2": _area(f2)}}


def represent(img, model=None, detector=None, rgb=None):
    """Every face of an image with its embedding (deepface.DeepFace.represent).

    Returns a list of dicts, largest-score face first: embedding (float32 array, unit norm),
    facial_area {x, y, w, h}, face_confidence. An image without a face gives [].
    """
    return [{"embedding": f.embedding, "facial_area": _area(f), "face_confidence": f.score}
            for f in pipeline(model, detector).process(img, rgb=rgb)]


def _database(db_path, p):
    """Embeddings of the largest face of every image under db_path (cached while no file changes)."""
    root = os.fspath(db_path)
    if not os.path.isdir(root):
        raise _core.IOError(f"find: database directory {root!r} does not exist or is not a directory")
    files = sorted(os.path.join(d, n) for d, _, names in os.walk(root) for n in names
                   if n.lower().endswith(_IMAGE_EXTENSIONS))
    if not files:
        raise _core.InputError(f"find: no images (.jpg, .png, ...) under {root!r}")
    stamp = tuple((f, os.stat(f).st_mtime_ns) for f in files)
    key = (os.path.abspath(root), p.embedder.info.name, id(p))
    cached = _db_cache.get(key)
    if cached and cached[0] == stamp:
        return cached[1], cached[2], cached[3]
    paths, faces, rows = [], [], []
    for fr in p.process_files(files):
        if fr.error or len(fr.result) == 0:
            continue
        face = fr.result[_core.largest_face(fr.result.faces)]
        paths.append(fr.path)
        faces.append(face)
        rows.append(face.embedding)
    emb = np.stack(rows) if rows else np.zeros((0, p.embedder.dimension), np.float32)
    _db_cache[key] = (stamp, paths, faces, emb)
    return paths, faces, emb


def find(img, db_path, model=None, detector=None, threshold=None, rgb=None):
    """Photos under db_path of the person in img's largest face (deepface.DeepFace.find).

    Returns a pandas DataFrame, most similar first, one row per database photo whose largest face
    matches (similarity >= threshold): identity (the photo's path), similarity, distance,
    threshold, target_x/y/w/h (the face in that photo), source_x/y/w/h (the face in img).
    Database embeddings are cached in memory until a file under db_path changes.
    """
    import pandas as pd

    p = pipeline(model, detector)
    probe = _largest(img, p, rgb)
    thr = p.embedder.info.threshold if threshold is None else float(threshold)
    paths, faces, emb = _database(db_path, p)
    sims = emb @ probe.embedding if len(paths) else np.zeros(0, np.float32)
    sx, sy, sw, sh = probe.box
    rows = []
    for i in np.argsort(-sims, kind="stable"):
        if sims[i] < thr:
            break
        tx, ty, tw, th = faces[i].box
        rows.append({"identity": paths[i], "similarity": float(sims[i]), "distance": 1.0 - float(sims[i]),
                     "threshold": thr, "target_x": tx, "target_y": ty, "target_w": tw, "target_h": th,
                     "source_x": sx, "source_y": sy, "source_w": sw, "source_h": sh})
    columns = ["identity", "similarity", "distance", "threshold", "target_x", "target_y", "target_w", "target_h",
               "source_x", "source_y", "source_w", "source_h"]
    return pd.DataFrame(rows, columns=columns)


def face_locations(img, detector=None, rgb=None):
    """Face boxes as (top, right, bottom, left) tuples (face_recognition.face_locations)."""
    faces = pipeline(None, detector).detector.detect(img, rgb=rgb)
    return [(f.bbox[1], f.bbox[2], f.bbox[3], f.bbox[0]) for f in faces]


def _iou(a, b):
    ix = max(0.0, min(a[2], b[2]) - max(a[0], b[0]))
    iy = max(0.0, min(a[3], b[3]) - max(a[1], b[1]))
    inter = ix * iy
    union = (a[2] - a[0]) * (a[3] - a[1]) + (b[2] - b[0]) * (b[3] - b[1]) - inter
    return inter / union if union > 0 else 0.0


def face_encodings(img, known_face_locations=None, model=None, detector=None, rgb=None):
    """One embedding per face (face_recognition.face_encodings): a list of float32 arrays.

    known_face_locations: (top, right, bottom, left) boxes, e.g. from face_locations; each is
    matched to the detected face it overlaps most (the landmarks are needed for alignment), and
    InputError is raised for a box that overlaps no detected face (IoU < 0.3).
    """
    result = pipeline(model, detector).process(img, rgb=rgb)
    if known_face_locations is None:
        return [f.embedding for f in result]
    out = []
    for top, right, bottom, left in known_face_locations:
        box = (left, top, right, bottom)
        best = max(result, key=lambda f: _iou(box, f.bbox), default=None)
        if best is None or _iou(box, best.bbox) < 0.3:
            raise _core.InputError(f"face_encodings: no face detected at {(top, right, bottom, left)} "
                                   "(top, right, bottom, left)")
        out.append(best.embedding)
    return out


def face_distance(face_encodings, face_to_compare):
    """Cosine distances (1 - cosine) of each encoding to one encoding (face_recognition.face_distance).

    An empty list gives an empty array. Encodings are unit vectors, so the distance is in [0, 2].
    """
    if len(face_encodings) == 0:
        return np.empty(0)
    known = np.asarray(face_encodings, dtype=np.float32).reshape(len(face_encodings), -1)
    probe = np.asarray(face_to_compare, dtype=np.float32).reshape(-1)
    if known.shape[1] != probe.shape[0]:
        raise _core.InputError(f"face_distance: encodings have {known.shape[1]} dimensions, the face to compare "
                               f"{probe.shape[0]}")
    return 1.0 - known @ probe


def compare_faces(known_face_encodings, face_encoding_to_check, tolerance=None, model=None):
    """Which known encodings match (face_recognition.compare_faces): a list of bool.

    A match is a distance <= tolerance; the default tolerance is 1 - the model's calibrated
    threshold (the default model unless ``model`` is given).
    """
    if tolerance is None:
        tolerance = 1.0 - model_threshold(model)
    return [bool(d <= tolerance) for d in face_distance(known_face_encodings, face_encoding_to_check)]
