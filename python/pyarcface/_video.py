"""Iterating over a video's frames with their tracked faces (pyarcface.track_video)."""
from typing import Iterator, List, NamedTuple, Optional

import numpy as np

from ._pyarcface import FaceTracker, Gallery, Pipeline, TrackedFace, TrackerOptions, TrackRecord, VideoSource


class VideoFrame(NamedTuple):
    """One processed frame: its number and time (seconds), the BGR image and its tracked faces."""

    number: int
    time: float
    image: np.ndarray
    faces: List[TrackedFace]


class TrackedVideo:
    """The frames of a video with their tracked faces; iterate once.

    ``source`` is a file path, a camera index (``0`` or ``"0"``) or a stream URL. Opening fails at once
    with ``pyarcface.IOError`` for a missing file, one that is not a video, a camera that does not exist
    or a video without frames. After (or during) the iteration ``tracks`` holds the finished tracks
    (``TrackRecord``: identity, confidence, first/last frame, best frame and crop, ...), and
    ``ended_early`` says whether a file ended before the frame count its header declares.

        >>> video = pyarcface.track_video("clip.mp4", gallery=pyarcface.Gallery.load("people.gallery"))
        >>> for frame in video:
        ...     for face in frame.faces:
        ...         print(frame.number, face.id, face.identity, face.box)
        >>> [(t.id, t.identity, t.first_time, t.last_time) for t in video.tracks]
    """

    def __init__(self, source, pipeline: Optional[Pipeline] = None, gallery: Optional[Gallery] = None,
                 every: int = 1, options: Optional[TrackerOptions] = None, **option_keywords):
        if every < 1:
            raise ValueError(f"every must be at least 1, not {every}")
        self.video = VideoSource(source)
        self.pipeline = pipeline if pipeline is not None else Pipeline()
        self.tracker = FaceTracker(self.pipeline, gallery, options, **option_keywords)
        self.every = every
        self.tracks: List[TrackRecord] = []
        self._used = False

    @property
    def info(self):
        return self.video.info

    @property
    def ended_early(self) -> bool:
        return self.video.ended_early

    def __iter__(self) -> Iterator[VideoFrame]:
        if self._used:
            raise RuntimeError("a TrackedVideo can be iterated only once (open the video again)")
        self._used = True
        while True:
            if self.video.frames_returned % self.every:
                if not self.video.skip():
                    break
                continue
            image = self.video.read()
            if image is None:
                break
            number, time = self.video.frame_number, self.video.time
            faces = self.tracker.update(image, number, time)
            self.tracks.extend(self.tracker.take_finished())
            yield VideoFrame(number, time, image, faces)
        self.tracks.extend(self.tracker.finish())

    def __repr__(self):
        return f"<pyarcface.TrackedVideo {self.video.info!r} every {self.every}>"


def track_video(source, pipeline: Optional[Pipeline] = None, gallery: Optional[Gallery] = None, every: int = 1,
                options: Optional[TrackerOptions] = None, **option_keywords) -> TrackedVideo:
    """Track the faces of a video file, camera or stream: ``for frame in track_video(...)`` (see TrackedVideo)."""
    return TrackedVideo(source, pipeline, gallery, every, options, **option_keywords)
