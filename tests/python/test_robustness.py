"""Holding under real conditions from Python: concurrent writers (real processes), killed writers,
every error class through every file-reading entry point, non-UTF-8 messages, narrowing, thread
defaults, the restricted checkpoint unpickler."""
import json
import os
import random
import signal
import subprocess
import sys
import textwrap
import time

import numpy as np
import pytest

import pyarcface

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def _child_env():
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(p for p in sys.path if p)
    return env


ENROLL_ONE = textwrap.dedent("""
    import sys, numpy as np, pyarcface
    path, name, seed = sys.argv[1], sys.argv[2], int(sys.argv[3])
    v = np.random.default_rng(seed).normal(size=(1, 64)).astype(np.float32)
    pyarcface.Gallery.update(path, lambda g: g.enroll(name, v), create=lambda: pyarcface.Gallery("synthetic", 64))
""")


def test_eight_processes_enrolling_one_gallery_lose_nothing(tmp_path):
    """8 processes enrol 8 identities into one file at once, 10 times: all 8 are there every time."""
    for trial in range(10):
        path = str(tmp_path / f"g{trial}.gal")
        procs = [subprocess.Popen([sys.executable, "-c", ENROLL_ONE, path, f"person{i}", str(trial * 8 + i)],
                                  env=_child_env()) for i in range(8)]
        assert [p.wait(timeout=120) for p in procs] == [0] * 8
        g = pyarcface.Gallery.load(path)
        assert sorted(g.identities()) == [f"person{i}" for i in range(8)], f"trial {trial}"
        assert not [f for f in os.listdir(tmp_path) if ".tmp-" in f]


def test_update_leaves_the_file_unchanged_when_edit_raises(tmp_path):
    path = str(tmp_path / "g.gal")
    g = pyarcface.Gallery("synthetic", 4)
    g.enroll("a", np.eye(1, 4, dtype=np.float32))
    g.save(path)
    before = open(path, "rb").read()

    def edit(gal):
        gal.enroll("b", np.eye(1, 4, dtype=np.float32))
        raise KeyError("changed my mind")

    with pytest.raises(KeyError):
        pyarcface.Gallery.update(path, edit)
    assert open(path, "rb").read() == before
    with pytest.raises(pyarcface.IOError, match="does not exist"):
        pyarcface.Gallery.update(str(tmp_path / "new.gal"), lambda gal: None)
    # A nested update of the same file would be overwritten by the outer one: refused.
    with pytest.raises(pyarcface.InputError, match="nested"):
        pyarcface.Gallery.update(path, lambda gal: pyarcface.Gallery.update(path, lambda inner: None))
    assert open(path, "rb").read() == before
    # The gallery handed to edit is an ordinary object: keeping it is safe.
    kept = []
    pyarcface.Gallery.update(path, kept.append)
    assert kept[0].identities() == ["a"] and len(kept[0]) == 1


SAVE_FOREVER = textwrap.dedent("""
    import sys, numpy as np, pyarcface
    g = pyarcface.Gallery("synthetic", 512)
    rng = np.random.default_rng(0)
    g.enroll_many([f"id{i}" for i in range(20000)], rng.normal(size=(20000, 512)).astype(np.float32))
    print("ready", flush=True)
    n = 0
    while True:
        g.enroll(f"extra{n}", rng.normal(size=(1, 512)).astype(np.float32))
        g.save(sys.argv[1])
        n += 1
""")


def test_kill_9_during_saves_never_leaves_a_broken_gallery_and_temporaries_are_cleaned(tmp_path):
    """A writer killed with SIGKILL at random moments: the file is always a complete gallery (the old
    or the new one), and the next save removes the dead writer's temporary file."""
    path = str(tmp_path / "big.gal")
    rng = random.Random(1)
    left_behind = 0
    for _ in range(4):
        p = subprocess.Popen([sys.executable, "-c", SAVE_FOREVER, path], stdout=subprocess.PIPE, env=_child_env())
        assert p.stdout.readline().strip() == b"ready"
        time.sleep(rng.uniform(0.3, 1.2))
        p.send_signal(signal.SIGKILL)
        p.wait()
        p.stdout.close()
        if os.path.exists(path):
            g = pyarcface.Gallery.load(path)  # complete and valid: the checksum would say otherwise
            assert len(g) >= 20000
        left_behind += len([f for f in os.listdir(tmp_path) if ".tmp-" in f])
    assert left_behind > 0, "no kill hit a save in progress: the test did not test anything"
    g = pyarcface.Gallery("synthetic", 512)
    g.enroll("x", np.ones((1, 512), np.float32))
    g.save(path)
    assert not [f for f in os.listdir(tmp_path) if ".tmp-" in f]


def _corrupt(tmp_path, name, data=b"this is not what it claims to be\x00\xff" * 8):
    p = tmp_path / name
    p.write_bytes(data)
    return str(p)


def test_every_file_entry_point_raises_the_library_error_classes(tmp_path, models):
    """A directory, a missing file and a corrupt file, through every binding that reads a file."""
    pipe = pyarcface.Pipeline()
    directory = str(tmp_path)
    missing = str(tmp_path / "missing.jpg")
    entry_points = {
        "read_image": (pyarcface.read_image, _corrupt(tmp_path, "bad.jpg"), pyarcface.IOError),
        "Pipeline.process_file": (pipe.process_file, _corrupt(tmp_path, "bad2.jpg"), pyarcface.IOError),
        "Gallery.load": (pyarcface.Gallery.load, _corrupt(tmp_path, "bad.gal"), pyarcface.ModelError),
        "read_model_info": (pyarcface.read_model_info, _corrupt(tmp_path, "bad.pt"), pyarcface.ModelError),
        "Embedder": (lambda p: pyarcface.Embedder(model=p), _corrupt(tmp_path, "bad3.pt"), pyarcface.ModelError),
    }
    for name, (fn, corrupt, corrupt_error) in entry_points.items():
        for bad, expected in ((directory, (pyarcface.IOError, pyarcface.ModelError)),
                              (missing, (pyarcface.IOError, pyarcface.ModelError)), (corrupt, corrupt_error)):
            with pytest.raises(expected) as e:
                fn(bad)
            assert isinstance(e.value, pyarcface.Error), f"{name}({bad!r}) raised {type(e.value)}"
            assert str(e.value), f"{name}({bad!r}) raised an empty message"
    g = pyarcface.Gallery("synthetic", 4)
    with pytest.raises(pyarcface.IOError, match="directory"):
        g.save(directory)


def test_messages_with_non_utf8_bytes_survive(tmp_path, models):
    pairs = tmp_path / "pairs.txt"
    pairs.write_bytes(b"\xff\xfe bad header \xc3\x28 here\n")
    with pytest.raises(pyarcface.IOError) as e:
        pyarcface.evaluate_lfw(pyarcface.Pipeline(), str(pairs), str(tmp_path))
    assert "bad header" in str(e.value) and "\\xff" in str(e.value)


def test_sizes_are_checked_before_narrowing(models):
    det = pyarcface.Detector()
    huge = np.lib.stride_tricks.as_strided(np.zeros(1, np.uint8), shape=(2 ** 32 + 8, 1, 3), strides=(0, 0, 0))
    with pytest.raises(pyarcface.InputError, match="larger than an image"):
        det.detect(huge)
    with pytest.raises(pyarcface.InputError):
        pyarcface.Detector(score_threshold=float("nan"))


def test_pixel_limit_from_python(tmp_path):
    import cv2
    p = str(tmp_path / "small.png")
    cv2.imwrite(p, np.zeros((20, 30, 3), np.uint8))
    before = pyarcface.max_image_pixels()
    try:
        pyarcface.set_max_image_pixels(100)
        with pytest.raises(pyarcface.InputError, match="megapixels"):
            pyarcface.read_image(p)
    finally:
        pyarcface.set_max_image_pixels(before)
    assert pyarcface.read_image(p).shape == (20, 30, 3)


def test_import_sets_passive_openmp_waiting_unless_told_otherwise():
    code = "import os, pyarcface; print(os.environ.get('OMP_WAIT_POLICY'))"
    env = _child_env()
    env.pop("OMP_WAIT_POLICY", None)
    assert subprocess.check_output([sys.executable, "-c", code], env=env).strip() == b"PASSIVE"
    env["OMP_WAIT_POLICY"] = "ACTIVE"
    assert subprocess.check_output([sys.executable, "-c", code], env=env).strip() == b"ACTIVE"


def test_checkpoints_are_loaded_with_the_restricted_unpickler(tmp_path):
    torch = pytest.importorskip("torch")
    sys.path.insert(0, os.path.join(ROOT, "scripts"))
    try:
        import prepare_models
    finally:
        sys.path.pop(0)
    marker = tmp_path / "pwned"

    class Evil:
        def __reduce__(self):
            return (os.system, (f"touch {marker}",))

    evil = tmp_path / "evil.pth"
    torch.save({"state_dict": Evil()}, str(evil))
    with pytest.raises(SystemExit, match="restricted unpickler"):
        prepare_models.load_checkpoint(str(evil))
    assert not marker.exists()
    good = tmp_path / "good.pth"
    torch.save({"w": torch.ones(2)}, str(good))
    assert prepare_models.load_checkpoint(str(good))["w"].sum().item() == 2


def test_concurrent_cli_enrolments_lose_nothing(tmp_path, cli, samples, models):
    """Four `arcface enroll` processes on one gallery file at once (real photos)."""
    path = str(tmp_path / "people.gal")
    people = {"kurt": "actors/kurt", "jeff": "actors/jeff", "emma": "actresses/emma_mackey",
              "margot": "actresses/margot_robie"}
    procs = [subprocess.Popen([cli, "-q", "--threads", "1", "enroll", "--gallery", path, name,
                               os.path.join(samples, rel)], stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
             for name, rel in people.items()]
    outs = [p.communicate(timeout=300)[0].decode() for p in procs]
    assert [p.returncode for p in procs] == [0] * 4, outs
    assert sorted(pyarcface.Gallery.load(path).identities()) == sorted(people)


def test_cli_refuses_an_enrolment_with_another_flip_policy(tmp_path, cli, samples, models):
    path = str(tmp_path / "flip.gal")
    photo = os.path.join(samples, "actors", "kurt", "0.jpg")
    ok = subprocess.run([cli, "-q", "enroll", "--gallery", path, "kurt", photo], capture_output=True, text=True)
    assert ok.returncode == 0, ok.stdout + ok.stderr
    assert pyarcface.Gallery.load(path).flip_policy == pyarcface.read_model_info(
        os.path.join(models, "mobilefacenet-ms1m.pt")).flip
    bad = subprocess.run([cli, "-q", "--flip", "none", "enroll", "--gallery", path, "kurt2", photo],
                         capture_output=True, text=True)
    assert bad.returncode == 1 and "flip" in bad.stderr, bad.stderr
    assert pyarcface.Gallery.load(path).identities() == ["kurt"]
