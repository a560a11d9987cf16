"""Type stubs of pyarcface (the compiled module pyarcface._pyarcface)."""
import os
from typing import Any, Callable, Dict, Iterator, List, Optional, Sequence, Tuple, Union, overload

import os

import numpy as np
import numpy.typing as npt

__version__: str

Image = npt.NDArray[np.uint8]
# What functions that take an image accept: a path, a PIL image (RGB) or a numpy array (BGR unless rgb=True).
ImageLike = Union[str, "os.PathLike[str]", npt.NDArray, Any]
PathLike = Union[str, "os.PathLike[str]"]
FloatArray = npt.NDArray[np.float32]

class Error(RuntimeError): ...
class InputError(Error, ValueError): ...
class IOError(Error, OSError): ...
class ModelError(Error, OSError): ...

class Face:
    box: Tuple[float, float, float, float]  # (x, y, width, height)
    landmarks: FloatArray  # (5, 2)
    score: float
    @property
    def bbox(self) -> Tuple[float, float, float, float]: ...  # (x1, y1, x2, y2)
    @property
    def kps(self) -> FloatArray: ...
    @property
    def det_score(self) -> float: ...
    @property
    def embedding(self) -> Optional[FloatArray]: ...
    @property
    def normed_embedding(self) -> Optional[FloatArray]: ...
    detector: str  # "yunet", "yunet-fine" or "mtcnn": which detector / cascade pass found it
    def __init__(self, box: Tuple[float, float, float, float] = ..., landmarks: Optional[npt.ArrayLike] = ...,
                 score: float = ...) -> None: ...

class DetectorOptions:
    backend: str
    model: str
    score_threshold: float
    nms_threshold: float
    min_face_size: float
    max_input_side: int
    min_input_side: int
    threads: int
    mtcnn_thresholds: List[float]
    mtcnn_nms_thresholds: List[float]
    mtcnn_scale_factor: float
    fine_input_side: int
    mtcnn_fallback: bool
    mtcnn_fallback_threshold: float
    fine_verify_threshold: float
    _fields: Tuple[str, ...]
    def __init__(self, *args: Any, **kwargs: Any) -> None: ...

class Detector:
    """Face detector (YuNet or MTCNN). Thread-safe; releases the GIL."""
    options: DetectorOptions
    def __init__(self, options: Optional[DetectorOptions] = None, **kwargs: object) -> None: ...
    def detect(self, image: ImageLike, rgb: Optional[bool] = None) -> List[Face]: ...

class AlignmentTemplate:
    name: str
    size: Tuple[int, int]
    points: FloatArray
    @staticmethod
    def arcface_112x112() -> "AlignmentTemplate": ...
    @staticmethod
    def sphereface_96x112() -> "AlignmentTemplate": ...
    @staticmethod
    def by_name(name: str) -> "AlignmentTemplate": ...

class Aligner:
    template: AlignmentTemplate
    def __init__(self, template: Union[None, str, AlignmentTemplate] = None) -> None: ...
    def transform(self, landmarks: npt.ArrayLike) -> npt.NDArray[np.float64]: ...
    def align(self, image: npt.NDArray, face: Face, rgb: bool = False) -> Image: ...
    def align_all(self, image: npt.NDArray, faces: Sequence[Face], rgb: bool = False) -> List[Image]: ...

class EmbedderOptions:
    model: str
    batch_size: int
    threads: int
    optimize: bool
    flip: Optional[str]
    precision: str  # 'fp32', 'bf16', 'int8' or 'auto'
    _fields: Tuple[str, ...]
    def __init__(self, *args: Any, **kwargs: Any) -> None: ...

class ModelInfo:
    path: str
    name: str
    architecture: str
    input_width: int
    input_height: int
    rgb: bool
    alignment: AlignmentTemplate
    flip: str
    network_output: int
    embedding_size: int
    threshold: float
    source_sha256: str
    metadata_json: str
    precisions: Dict[str, Dict[str, float]]

def read_model_info(path: str) -> ModelInfo: ...
def cpu_supports(precision: str) -> bool: ...
def import_onnx(path: Union[str, "os.PathLike[str]"], name: str, template: str = "arcface_112x112", color: str = "RGB",
                mean: Optional[float] = None, std: Optional[float] = None, flip: str = "sum",
                models_dir: Optional[Union[str, "os.PathLike[str]"]] = None, force: bool = False,
                verbose: bool = False) -> ModelInfo:
    """Import an ONNX face embedder as NAME.pt (checked against OpenCV DNN); model="A+B" fuses two embedders."""
    ...

class Embedder:
    """Aligned crops -> L2-normalised float32 embeddings (N, dimension). Thread-safe; releases the GIL."""
    info: ModelInfo
    dimension: int
    precision: str
    aligner: Aligner
    def __init__(self, options: Optional[EmbedderOptions] = None, **kwargs: object) -> None: ...
    def embed(self, crops: Sequence[npt.NDArray], rgb: bool = False) -> FloatArray: ...
    def embed_faces(self, image: ImageLike, faces: Sequence[Face], rgb: Optional[bool] = None) -> FloatArray: ...
    def forward_raw(self, x: npt.ArrayLike) -> FloatArray: ...

class Verification:
    similarity: float
    threshold: float
    same: bool

class Similarity:
    @staticmethod
    def cosine(a: npt.ArrayLike, b: npt.ArrayLike) -> float: ...
    @staticmethod
    def matrix(a: npt.ArrayLike, b: npt.ArrayLike, normalize: bool = False) -> FloatArray: ...
    @staticmethod
    def verify(a: npt.ArrayLike, b: npt.ArrayLike, threshold: float) -> Verification: ...

class PipelineResult:
    faces: List[Face]
    embeddings: FloatArray
    def __len__(self) -> int: ...
    def __iter__(self) -> Iterator[Face]: ...
    def __getitem__(self, index: int) -> Face: ...

class FileResult:
    path: str
    result: PipelineResult
    error: str

class Pipeline:
    """detect -> align -> embed. Thread-safe; releases the GIL."""
    detector: Detector
    embedder: Embedder
    def __init__(self, detector: Union[None, str, DetectorOptions] = None,
                 embedder: Union[None, str, EmbedderOptions] = None) -> None: ...
    def process(self, image: ImageLike, rgb: Optional[bool] = None) -> PipelineResult: ...
    def process_file(self, path: PathLike) -> PipelineResult: ...
    def process_files(self, paths: Sequence[PathLike], workers: int = 0) -> List[FileResult]: ...

def largest_face(faces: Sequence[Face]) -> int: ...
def read_image(path: str) -> Image: ...
def models_dir() -> str: ...
def user_models_dir() -> str: ...
def model_search_path() -> List[str]: ...
def max_image_pixels() -> int: ...
def set_max_image_pixels(pixels: int) -> None: ...
def rgb_to_bgr(image: npt.NDArray) -> npt.NDArray: ...

class View1Result:
    threshold: float
    train_accuracy: float
    test_accuracy: float
    undetected: int
    images: int
    skipped_pairs: int

def evaluate_lfw_view1(pipeline: Pipeline, train_pairs: str, test_pairs: str, images_dir: str,
                       cache_file: str = "", skip_missing_images: bool = False) -> View1Result: ...
def best_threshold(scores: Sequence[float], same: Sequence[bool]) -> float: ...
def verification_accuracy(scores: Sequence[float], same: Sequence[bool], threshold: float) -> float: ...

class TarAtFar:
    target_far: float
    tar: float
    threshold: float
    enough_negatives: bool

class VerificationMetrics:
    positives: int
    negatives: int
    auc: float
    eer: float
    eer_threshold: float
    best_threshold: float
    best_accuracy: float
    tar_at_far: List[TarAtFar]
    roc: npt.NDArray[np.float64]  # (K, 3): threshold, FAR, TAR

def verification_metrics(scores: Sequence[float], same: Sequence[bool],
                         fars: Sequence[float] = ...) -> VerificationMetrics: ...

class KFoldResult:
    accuracy: List[float]
    threshold: List[float]
    mean: float
    std: float

def kfold_accuracy(scores: Sequence[float], same: Sequence[bool], fold: Sequence[int], num_folds: int) -> KFoldResult: ...

class LfwReport:
    protocol: str
    pairs: int
    images: int
    undetected: int
    skipped_pairs: int
    accuracy: float
    accuracy_std: float
    threshold: float
    train_accuracy: float
    kfold: KFoldResult
    metrics: VerificationMetrics

def evaluate_lfw(pipeline: Pipeline, pairs: str, images_dir: str, train_pairs: str = "", cache_file: str = "",
                 skip_missing_images: bool = False, fars: Sequence[float] = ...) -> LfwReport: ...

class GalleryOptions:
    backend: str
    match: str
    auto_exact_limit: int
    threads: int
    hnsw_m: int
    hnsw_ef_construction: int
    hnsw_ef_search: int
    hnsw_faiss_search: bool
    ivf_nlist: int
    ivf_nprobe: int
    pq_m: int
    exact_prefilter: bool
    _fields: Tuple[str, ...]
    def __init__(self, *args: Any, **kwargs: Any) -> None: ...

class Match:
    identity: str
    score: float
    def __iter__(self) -> Iterator[Union[str, float]]: ...

class Identification:
    identity: str
    score: float
    known: bool
    best: str

class Gallery:
    """Enrolled identities; exact (GEMM) or FAISS (flat / HNSW / IVF-PQ) search. Thread-safe."""
    @overload
    def __init__(self, embedder: str, dimension: int, options: Optional[GalleryOptions] = None, **kwargs: Any) -> None: ...
    @overload
    def __init__(self, pipeline: Pipeline, options: Optional[GalleryOptions] = None, **kwargs: Any) -> None: ...
    def enroll(self, identity: str, embeddings: npt.ArrayLike) -> None: ...
    def enroll_many(self, identities: Sequence[str], embeddings: npt.ArrayLike) -> None: ...
    def enroll_images(self, identity: str, images: Sequence[ImageLike], pipeline: Pipeline,
                      rgb: Optional[bool] = None) -> int: ...
    def remove(self, identity: str) -> bool: ...
    def search(self, probes: npt.ArrayLike, k: int = 5) -> Union[List[Match], List[List[Match]]]: ...
    def identify(self, probes: npt.ArrayLike, threshold: Optional[float] = None) -> Union[Identification, List[Identification]]: ...
    def __len__(self) -> int: ...
    def __contains__(self, identity: str) -> bool: ...
    @property
    def num_samples(self) -> int: ...
    def identities(self) -> List[str]: ...
    def samples(self, identity: str) -> FloatArray: ...
    @property
    def embedder(self) -> str: ...
    @property
    def dimension(self) -> int: ...
    @property
    def active_backend(self) -> str: ...
    @property
    def memory_bytes(self) -> int: ...
    def set_search_effort(self, hnsw_ef_search: int = 0, ivf_nprobe: int = 0) -> None: ...
    def set_hnsw_faiss_search(self, on: bool) -> None: ...
    @property
    def options(self) -> GalleryOptions: ...
    def save(self, path: PathLike) -> None: ...
    @staticmethod
    def load(path: PathLike, options: Optional[GalleryOptions] = None, **kwargs: Any) -> Gallery: ...
    @staticmethod
    def update(path: str, edit: Callable[[Gallery], Any], create: Optional[Callable[[], Union[Gallery, Pipeline]]] = None,
               options: Optional[GalleryOptions] = None, **kwargs: Any) -> Gallery: ...
    @property
    def flip_policy(self) -> str: ...

def cluster_faces(embeddings: npt.ArrayLike, threshold: float = 0.60, iterations: int = 50, seed: int = 0) -> List[int]: ...

class PairwiseScores:
    precision: float
    recall: float
    f1: float
    predicted_pairs: int
    true_pairs: int
    correct_pairs: int

def pairwise_scores(predicted: Sequence[int], truth: Sequence[int]) -> PairwiseScores: ...

def tsne(data: npt.ArrayLike, perplexity: float = 30.0, iterations: int = 1000, theta: float = 0.3,
         exact_below: int = 100, learning_rate: float = -1.0, pca_init: bool = True, seed: int = 0,
         threads: int = 0) -> FloatArray: ...
def trustworthiness(data: npt.ArrayLike, map: npt.ArrayLike, k: int = 5) -> float: ...

class viz:  # submodule pyarcface.viz
    @staticmethod
    def similarity_grid(faces: Sequence[npt.NDArray[np.uint8]], similarity: npt.ArrayLike, labels: Sequence[str] = ...,
                        clip: bool = True, cell: int = 0, mark_same: bool = True, values: bool = True,
                        title: str = "", rgb: bool = False) -> npt.NDArray[np.uint8]: ...
    @staticmethod
    def embedding_map(coords: npt.ArrayLike, faces: Sequence[npt.NDArray[np.uint8]], labels: Sequence[str],
                      size: int = 1600, thumbnail: int = 0, title: str = "", rgb: bool = False) -> npt.NDArray[np.uint8]: ...
    @staticmethod
    def draw_detections(image: npt.NDArray[np.uint8], faces: Sequence[Face], rgb: bool = False) -> npt.NDArray[np.uint8]: ...

class train:  # submodule pyarcface.train
    """Margin heads (ArcFace, CosFace, SphereFace, combined, softmax) and a trainer on fixed features."""
    class MarginHead:
        weight: npt.NDArray[np.float32]
        def __init__(self, kind: str = "arcface", embedding_size: int = 512, classes: int = 2, s: float = 64.0,
                     m: float = -1.0, m1: float = 1.0, m2: float = 0.3, m3: float = 0.2, easy_margin: bool = False,
                     seed: int = 0) -> None: ...
        def logits(self, features: npt.ArrayLike, labels: Sequence[int]) -> npt.NDArray[np.float32]: ...
        def predict(self, features: npt.ArrayLike) -> npt.NDArray[np.float32]: ...
        @property
        def bias(self) -> npt.NDArray[np.float32]: ...
        def set_iteration(self, iteration: int) -> None: ...
        @property
        def lambda_(self) -> float: ...
        @property
        def kind(self) -> str: ...
        def save(self, path: str) -> None:
            """Write a TorchScript module: torch.jit.load(path)(x, labels) -> logits; trainable in PyTorch."""
    class TrainReport:
        epoch_loss: List[float]
        accuracy: float
        device: str
    class AngularStats:
        intra_spread_deg: float
        min_inter_angle_deg: float
        centres: npt.NDArray[np.float32]
    class Trainer:
        def __init__(self, kind: str = "arcface", embedding_size: int = 512, classes: int = 2, s: float = 64.0,
                     m: float = -1.0, easy_margin: bool = False, optimizer: str = "adam", learning_rate: float = 0.01,
                     epochs: int = 100, batch_size: int = 0, projection: int = 0, schedule: str = "cosine",
                     checkpoint: str = "", device: str = "cpu", seed: int = 0) -> None: ...
        def fit(self, features: npt.ArrayLike, labels: Sequence[int]) -> "train.TrainReport": ...
        def project(self, features: npt.ArrayLike) -> npt.NDArray[np.float32]: ...
        @property
        def head(self) -> "train.MarginHead": ...
    @staticmethod
    def angular_stats(features: npt.ArrayLike, labels: Sequence[int], classes: int) -> "train.AngularStats": ...
    class FineTuneReport:
        train: "train.TrainReport"
        identities: int
        images: int
        skipped: int
        skipped_photos: list[str]
        output: str
    @staticmethod
    def fine_tune(data: str, output: str, embedder: str = "", name: str = "", kind: str = "arcface", s: float = 32.0,
                  m: float = -1.0, epochs: int = 5, learning_rate: float = 1e-4, batch_size: int = 32,
                  optimizer: str = "adam", device: str = "cpu", mirror_augment: bool = True,
                  seed: int = 0) -> "train.FineTuneReport":
        """Fine-tune an embedder on DATA/identity/*.jpg; writes a self-describing model Embedder loads."""

# ---------------------------------------------------------------------------- quality, video, tracking
class HeadPose:
    """Head rotation in degrees: yaw (+: towards image right), pitch (+: down), roll."""
    yaw: float
    pitch: float
    roll: float
    def __iter__(self) -> Iterator[float]: ...

class QualityOptions:
    max_yaw: float
    max_pitch: float
    min_size: float
    good_size: float
    sharpness_half: float
    min_detector_score: float
    consistency_low: float
    consistency_high: float
    _fields: Tuple[str, ...]
    def __init__(self, *args: Any, **kwargs: Any) -> None: ...

class FaceQuality:
    """How usable a face is for recognition; score in [0, 1]; reason() says what is weakest."""
    score: float
    pose: HeadPose
    sharpness: float
    size: float
    detector_score: float
    pose_factor: float
    sharpness_factor: float
    size_factor: float
    detector_factor: float
    consistency: float
    consistency_factor: float
    def reason(self) -> str: ...

def assess_quality(image: npt.NDArray, face: Face, embedder: Optional[Embedder] = None,
                   options: Optional[QualityOptions] = None, rgb: bool = False) -> FaceQuality: ...
def estimate_head_pose(face: Face) -> HeadPose: ...

class VideoInfo:
    source: str
    kind: str  # "file", "camera" or "stream"
    width: int
    height: int
    fps: float
    frame_count: int
    backend: str

class VideoSource:
    """Frames of a video file, a camera index or a stream URL (BGR arrays); raises IOError for bad input."""
    info: VideoInfo
    frame_number: int
    time: float
    frames_returned: int
    ended_early: bool
    def __init__(self, source: Union[str, int, "os.PathLike[str]"]) -> None: ...
    def read(self) -> Optional[Image]: ...
    def skip(self) -> bool: ...
    def __iter__(self) -> Iterator[Image]: ...
    def __next__(self) -> Image: ...

class TrackerOptions:
    detect_max_side: int
    match_iou: float
    ambiguity_margin: float
    appearance_check: float
    split_similarity: float
    rename_similarity: float
    max_missed: int
    min_hits: int
    quality_gain: float
    reembed_every: int
    max_votes: int
    threshold: float
    quality: QualityOptions
    _fields: Tuple[str, ...]
    def __init__(self, *args: Any, **kwargs: Any) -> None: ...

class TrackedFace:
    id: int
    face: Face
    box: Tuple[float, float, float, float]
    detected: bool
    missed: int
    quality: FaceQuality
    identity: str
    confidence: float
    similarity: float
    embeddings: int
    embedded_now: bool

class TrackRecord:
    id: int
    identity: str
    confidence: float
    similarity: float
    votes: dict
    first_frame: int
    last_frame: int
    first_time: float
    last_time: float
    detections: int
    embeddings: int
    best_frame: int
    best_time: float
    best_face: Face
    best_quality: FaceQuality
    best_crop: Optional[Image]
    end_reason: str

class TrackerStats:
    frames: int
    detections: int
    embeddings: int
    tracks: int
    splits: int
    refinements: int

class FaceTracker:
    """Follows faces through video frames, one frame at a time (not thread-safe)."""
    options: TrackerOptions
    stats: TrackerStats
    threshold: float
    def __init__(self, pipeline: Pipeline, gallery: Optional[Gallery] = None, options: Optional[TrackerOptions] = None,
                 **option_keywords: Any) -> None: ...
    def update(self, frame: npt.NDArray, frame_number: int = -1, time: float = -1.0, rgb: bool = False) -> List[TrackedFace]: ...
    def take_finished(self) -> List[TrackRecord]: ...
    def finish(self) -> List[TrackRecord]: ...

def draw_tracks(frame: npt.NDArray, tracks: Sequence[TrackedFace]) -> Image: ...

class VideoFrame(Tuple[int, float, Image, List[TrackedFace]]):
    number: int
    time: float
    image: Image
    faces: List[TrackedFace]

class TrackedVideo:
    """A video's frames with their tracked faces; tracks holds the finished TrackRecords."""
    video: VideoSource
    pipeline: Pipeline
    tracker: FaceTracker
    every: int
    tracks: List[TrackRecord]
    info: VideoInfo
    ended_early: bool
    def __iter__(self) -> Iterator[VideoFrame]: ...

def track_video(source: Union[str, int, "os.PathLike[str]"], pipeline: Optional[Pipeline] = None,
                gallery: Optional[Gallery] = None, every: int = 1, options: Optional[TrackerOptions] = None,
                **option_keywords: Any) -> TrackedVideo: ...

# pyarcface.simple: one-call functions in the style of face_recognition and deepface.
def verify(img1: ImageLike, img2: ImageLike, model: Optional[str] = None, detector: Optional[str] = None,
           threshold: Optional[float] = None, rgb: Optional[bool] = None) -> dict: ...
def find(img: ImageLike, db_path: PathLike, model: Optional[str] = None, detector: Optional[str] = None,
         threshold: Optional[float] = None, rgb: Optional[bool] = None) -> Any: ...  # pandas.DataFrame
def represent(img: ImageLike, model: Optional[str] = None, detector: Optional[str] = None,
              rgb: Optional[bool] = None) -> List[dict]: ...
def face_locations(img: ImageLike, detector: Optional[str] = None,
                   rgb: Optional[bool] = None) -> List[Tuple[float, float, float, float]]: ...
def face_encodings(img: ImageLike, known_face_locations: Optional[Sequence[Tuple[float, float, float, float]]] = None,
                   model: Optional[str] = None, detector: Optional[str] = None,
                   rgb: Optional[bool] = None) -> List[FloatArray]: ...
def face_distance(face_encodings: Sequence[npt.ArrayLike], face_to_compare: npt.ArrayLike) -> npt.NDArray[np.float32]: ...
def compare_faces(known_face_encodings: Sequence[npt.ArrayLike], face_encoding_to_check: npt.ArrayLike,
                  tolerance: Optional[float] = None, model: Optional[str] = None) -> List[bool]: ...
