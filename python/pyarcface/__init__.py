"""pyarcface — face recognition with the arcface C++ core.

Images are numpy uint8 arrays of shape (H, W, 3) in **BGR** order, exactly as ``cv2.imread``
returns them. For RGB arrays (PIL, matplotlib, imageio) pass ``rgb=True`` to any function that
takes an image, or convert once with ``pyarcface.rgb_to_bgr``. Grey (H, W), BGRA and uint16 images
are converted; other dtypes raise ``pyarcface.InputError`` (a ``ValueError``).

Functions that take an image also take a file path (str or pathlib.Path) or a PIL image (RGB:
its colour order is known, no flag needed).

Embeddings are float32 arrays (N, D) with L2-normalised rows; similarity matrices are (N, M).

    >>> import pyarcface
    >>> pipe = pyarcface.Pipeline()
    >>> for face in pipe.process("photo.jpg"):
    ...     face.bbox, face.det_score, face.embedding.shape
    >>> pyarcface.verify("a.jpg", "b.jpg")["verified"]

One-call functions in the style of face_recognition and deepface (``verify``, ``find``,
``represent``, ``face_encodings``, ``compare_faces``, ``face_distance``, ``face_locations``) are in
``pyarcface.simple``; docs/python.md maps each peer's call to ours.
"""
import os as _os

# LibTorch's thread pool (GNU OpenMP) reads OMP_WAIT_POLICY once, when it is loaded: make its idle
# threads sleep instead of spinning, which on a busy machine otherwise slows every call several
# times (docs/benchmarks.md, "Busy CPU"). A value you set yourself is kept (OMP_WAIT_POLICY=ACTIVE
# opts out). Without effect if torch was imported before pyarcface in this process.
_os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")

from . import _pyarcface  # noqa: E402
from ._pyarcface import (  # noqa: F401
    Aligner,
    AlignmentTemplate,
    Detector,
    DetectorOptions,
    Embedder,
    EmbedderOptions,
    Error,
    Face,
    FileResult,
    InputError,
    IOError,
    KFoldResult,
    ModelError,
    ModelInfo,
    Pipeline,
    PipelineResult,
    Similarity,
    TarAtFar,
    Verification,
    View1Result,
    __version__,
    best_threshold,
    evaluate_lfw_view1,
    evaluate_lfw,
    LfwReport,
    largest_face,
    models_dir,
    user_models_dir,
    model_search_path,
    max_image_pixels,
    set_max_image_pixels,
    import_onnx,
    read_image,
    read_model_info,
    cpu_supports,
    verification_accuracy,
    verification_metrics,
    kfold_accuracy,
    VerificationMetrics,
    Gallery,
    GalleryOptions,
    Match,
    Identification,
    cluster_faces,
    pairwise_scores,
    PairwiseScores,
    tsne,
    trustworthiness,
    viz,
    train,
    HeadPose,
    QualityOptions,
    FaceQuality,
    assess_quality,
    estimate_head_pose,
    VideoInfo,
    VideoSource,
    TrackerOptions,
    TrackedFace,
    TrackRecord,
    TrackerStats,
    FaceTracker,
    draw_tracks,
)
from ._video import VideoFrame, TrackedVideo, track_video  # noqa: E402,F401
from .simple import (  # noqa: E402,F401
    compare_faces,
    face_distance,
    face_encodings,
    face_locations,
    find,
    represent,
    verify,
)


def rgb_to_bgr(image):
    """Return an RGB(A) numpy image in BGR(A) order (a view; no copy)."""
    return image[..., [2, 1, 0] + ([3] if image.shape[-1] == 4 else [])] if image.ndim == 3 else image


__all__ = [n for n in dir() if not n.startswith("_")] + ["__version__"]


def _gallery_update(path, edit, create=None, options=None, **kwargs):
    """Gallery.update(path, edit, create=None, options=None, **GalleryOptions keywords) -> Gallery

    Load-modify-save of a gallery file under an exclusive file lock (``path + ".lock"``), safe with
    any number of processes and threads editing the same file: loads ``path`` (or calls
    ``create()`` when it does not exist; it returns a new Gallery, or a Pipeline whose embedder the
    gallery is for), calls ``edit(gallery)``, and saves before the lock is released. If ``edit``
    raises, the file is unchanged. Embed before calling: the lock is held throughout. Must not be
    nested for the same file (raises InputError).
    """
    path = _os.fspath(path)
    lock = _pyarcface._GalleryFileLock(path)
    try:
        if lock.nested:
            raise InputError(f"Gallery.update: {path!r} is already being updated by this thread (nested update)")
        if _os.path.exists(path):
            gallery = Gallery.load(path, options, **kwargs)
        elif create is None:
            raise IOError(f"gallery file {path!r} does not exist (and no way to create it was given)")
        else:
            made = create()
            if isinstance(made, Pipeline):
                made = Gallery(made, options, **kwargs)
            if not isinstance(made, Gallery):
                raise InputError("Gallery.update: create() must return a Gallery or a Pipeline")
            gallery = made
        edit(gallery)
        gallery.save(path)
        return gallery
    finally:
        lock.release()


Gallery.update = staticmethod(_gallery_update)
