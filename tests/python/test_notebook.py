"""The walk-through notebook runs headless from top to bottom (jupyter nbconvert --execute)."""
import os
import shutil
import subprocess

import pytest

import pyarcface

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
NOTEBOOK = os.path.join(ROOT, "examples", "notebooks", "arcface_walkthrough.ipynb")


def test_committed_notebook_has_no_outputs():
    nbformat = pytest.importorskip("nbformat")
    nb = nbformat.read(NOTEBOOK, as_version=4)
    for cell in nb.cells:
        if cell.cell_type == "code":
            assert not cell.outputs, "commit the notebook without outputs (they would hold third-party photos)"


def test_notebook_executes(samples, models, tmp_path):
    jupyter = shutil.which("jupyter") or "/usr/bin/jupyter"
    if not os.path.exists(jupyter):
        pytest.skip("jupyter nbconvert is not installed (Debian: jupyter-nbconvert)")
    env = dict(os.environ, ARCFACE_SAMPLES=samples, MPLBACKEND="Agg",
               PYTHONPATH=os.pathsep.join([os.path.dirname(os.path.dirname(pyarcface.__file__)),
                                           os.environ.get("PYTHONPATH", "")]))
    r = subprocess.run([jupyter, "nbconvert", "--to", "notebook", "--execute", "--ExecutePreprocessor.timeout=600",
                        "--output-dir", str(tmp_path), NOTEBOOK], env=env, capture_output=True, text=True,
                       cwd=os.path.dirname(NOTEBOOK))
    assert r.returncode == 0, r.stderr[-3000:]
    out = tmp_path / "arcface_walkthrough.ipynb"
    text = out.read_text()
    assert "mean same-person" in text and "front vs rotated" in text
