"""pyarcface — face recognition with the arcface C++ core.

Images are numpy uint8 arrays of shape (H, W, 3) in **BGR** order, exactly as ``cv2.imread``
returns them. For RGB arrays (PIL, matplotlib, imageio) pass ``rgb=True`` to any function that
takes an image, or convert once with ``pyarcface.rgb_to_bgr``. Grey (H, W), BGRA and uint16 images
are converted; other dtypes raise ``pyarcface.InputError`` (a ``ValueError``).

Embeddings are float32 arrays (N, D) with L2-normalised rows; similarity matrices are (N, M).

    >>> import cv2, pyarcface
    >>> pipe = pyarcface.Pipeline()
    >>> result = pipe.process(cv2.imread("photo.jpg"))
    >>> result.faces, result.embeddings.shape
"""
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
    read_image,
    read_model_info,
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


def rgb_to_bgr(image):
    """Return an RGB(A) numpy image in BGR(A) order (a view; no copy)."""
    return image[..., [2, 1, 0] + ([3] if image.shape[-1] == 4 else [])] if image.ndim == 3 else image


__all__ = [n for n in dir() if not n.startswith("_")] + ["__version__"]
