"""pyarcface.FaceTracker, track_video and face quality, on a clip built from the sample photos."""
import os

import numpy as np
import pytest

import pyarcface

cv2 = pytest.importorskip("cv2")


def face_patch(pipeline, path, side):
    """The square around the largest face of a photo, `side` pixels, the face in its middle half."""
    img = pyarcface.read_image(path)
    faces = pipeline.detector.detect(img)
    x, y, w, h = faces[pyarcface.largest_face(faces)].box
    s = 2 * max(w, h)
    cx, cy = x + w / 2, y + h / 2
    m = np.float32([[side / s, 0, -(cx - s / 2) * side / s], [0, side / s, -(cy - s / 2) * side / s]])
    return cv2.warpAffine(img, m, (side, side), flags=cv2.INTER_AREA, borderMode=cv2.BORDER_REPLICATE)


@pytest.fixture(scope="module")
def clip(samples, pipeline, tmp_path_factory):
    """40 frames of jeff moving right, a hard cut to 40 frames of kurt, as an MJPG .avi (25 fps)."""
    path = str(tmp_path_factory.mktemp("video") / "cut.avi")
    writer = cv2.VideoWriter(path, cv2.CAP_FFMPEG, cv2.VideoWriter_fourcc(*"MJPG"), 25, (640, 360))
    assert writer.isOpened()
    people = [face_patch(pipeline, os.path.join(samples, "actors", n, "0.jpg"), 150) for n in ("jeff", "kurt")]
    for f in range(80):
        frame = np.full((360, 640, 3), 110, np.uint8)
        x = 150 + 3 * f
        frame[100:250, x:x + 150] = people[f // 40]
        writer.write(frame)
    writer.release()
    return path


@pytest.fixture(scope="module")
def gallery(samples, pipeline):
    g = pyarcface.Gallery(pipeline)
    for name, photos in (("jeff", ("actors/jeff/1.jpg", "actors/jeff/2.jpg")),
                         ("kurt", ("actors/kurt/1.jpg", "actors/kurt/2.jpg")),
                         ("katy_parry", ("actresses/katy_parry/0.jpg", "actresses/katy_parry/1.jpg"))):
        g.enroll_images(name, [pyarcface.read_image(os.path.join(samples, p)) for p in photos], pipeline)
    return g


def test_track_video_names_each_track(clip, pipeline, gallery):
    video = pyarcface.track_video(clip, pipeline=pipeline, gallery=gallery)
    assert video.info.width == 640 and video.info.frame_count == 80
    frames = list(video)
    assert len(frames) == 80 and frames[10].number == 10 and frames[10].time == pytest.approx(0.4)
    assert frames[10].image.shape == (360, 640, 3)
    # One track per person, no switch: every frame of a track shows the same person.
    ids = {f.number < 40: {t.id for t in f.faces if t.detected} for f in frames if f.number not in (39, 40, 41)}
    assert len(ids[True]) == 1 and len(ids[False]) == 1 and ids[True] != ids[False]
    assert [(t.identity, t.end_reason) for t in sorted(video.tracks, key=lambda t: t.first_frame)] == [
        ("jeff", "replaced"), ("kurt", "end")]
    for t in video.tracks:
        assert 0.6 <= t.confidence <= 1.0
        assert t.first_frame <= t.best_frame <= t.last_frame
        assert t.best_crop is not None and t.best_crop.ndim == 3
        assert t.embeddings < t.detections  # embedded on its best frames only
    assert "pyarcface.TrackRecord" in repr(video.tracks[0])
    annotated = pyarcface.draw_tracks(frames[20].image, frames[20].faces)
    assert annotated.shape == frames[20].image.shape and not np.array_equal(annotated, frames[20].image)


def test_face_tracker_frame_by_frame(clip, pipeline, gallery):
    tracker = pyarcface.FaceTracker(pipeline, gallery, max_missed=5)
    assert tracker.options.max_missed == 5
    seen = []
    for n, frame in enumerate(pyarcface.VideoSource(clip)):
        if n >= 20:
            break
        seen.append(tracker.update(frame, n, n / 25))
    assert seen[0] == []  # a track is reported from its second detection on
    assert [t.id for t in seen[-1]] == [1] and seen[-1][0].identity == "jeff"
    assert isinstance(seen[-1][0].quality, pyarcface.FaceQuality)
    assert tracker.stats.frames == 20 and tracker.stats.embeddings < 20
    records = tracker.finish()
    assert [r.id for r in records] == [1] and records[0].end_reason == "end"


def test_video_errors_are_clear(tmp_path):
    text = tmp_path / "notes.mp4"
    text.write_text("not a video")
    with pytest.raises(pyarcface.IOError, match="notes.mp4"):
        pyarcface.VideoSource(text)
    with pytest.raises(pyarcface.IOError, match="does not exist"):
        pyarcface.track_video(tmp_path / "absent.mp4")
    with pytest.raises(pyarcface.IOError, match="cannot open camera 95"):
        pyarcface.VideoSource(95)
    with pytest.raises(ValueError):
        pyarcface.track_video(str(text), every=0)


def test_quality_of_the_musk_photos(samples, pipeline):
    yaws = []
    for kind in ("front", "rotated", "profile"):
        img = pyarcface.read_image(os.path.join(samples, "musk", kind, f"musk_{kind}.jpg"))
        faces = pipeline.detector.detect(img)
        q = pyarcface.assess_quality(img, faces[pyarcface.largest_face(faces)])
        assert 0.0 <= q.score <= 1.0
        yaws.append(abs(q.pose.yaw))
    assert yaws[0] < yaws[1] < yaws[2]
    assert "profile view" in q.reason()
    yaw, pitch, roll = q.pose
    assert abs(yaw) == pytest.approx(yaws[2])
