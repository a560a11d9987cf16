"""pytest fixtures: where the shared data, the models and the C++ CLI are; skip cleanly without them."""
import os
import shutil

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
SHARED = os.environ.get("ARCFACE_SHARED_DIR", os.path.join(ROOT, "..", "shared"))
SAMPLES = os.path.join(SHARED, "data", "samples")

import pyarcface  # noqa: E402  (installed in .venv, or build/python on PYTHONPATH)


@pytest.fixture(scope="session")
def samples():
    if not os.path.isdir(SAMPLES):
        pytest.skip(f"shared data not found at {SHARED} (set ARCFACE_SHARED_DIR)")
    return SAMPLES


@pytest.fixture(scope="session")
def models():
    d = pyarcface.models_dir()
    if not os.path.isfile(os.path.join(d, "mobilefacenet-ms1m.pt")):
        pytest.skip(f"models not found in {d} (run scripts/prepare_models.py)")
    return d


@pytest.fixture(scope="session")
def cli():
    path = os.environ.get("ARCFACE_CLI", os.path.join(ROOT, "build", "arcface"))
    if not os.path.isfile(path):
        path = shutil.which("arcface")
    if not path:
        pytest.skip("the arcface CLI is not built")
    return path


@pytest.fixture(scope="session")
def pipeline(models):
    return pyarcface.Pipeline()
