"""Where models are looked up: $ARCFACE_MODELS alone, else the user's directory, the system
directories, the build tree; `arcface models list` shows every directory with sizes and sha256."""
import hashlib
import json
import os
import sys
import subprocess

import pytest

import pyarcface


def user_env(tmp_path):
    env = {k: v for k, v in os.environ.items() if k != "ARCFACE_MODELS"}
    env.update(XDG_DATA_HOME=str(tmp_path / "data"), XDG_DATA_DIRS=str(tmp_path / "sys1") + ":" + str(tmp_path / "sys2"))
    return env


def test_search_order(tmp_path, monkeypatch):
    monkeypatch.delenv("ARCFACE_MODELS", raising=False)
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    monkeypatch.setenv("XDG_DATA_DIRS", f"{tmp_path}/sys1:{tmp_path}/sys2")
    path = pyarcface.model_search_path()
    assert path[:3] == [f"{tmp_path}/data/arcface/models", f"{tmp_path}/sys1/arcface/models",
                        f"{tmp_path}/sys2/arcface/models"]
    assert pyarcface.user_models_dir() == path[0]
    monkeypatch.setenv("ARCFACE_MODELS", str(tmp_path / "only"))
    assert pyarcface.model_search_path() == [str(tmp_path / "only")]
    assert pyarcface.models_dir() == str(tmp_path / "only")


def test_missing_model_names_every_place(tmp_path, monkeypatch):
    monkeypatch.delenv("ARCFACE_MODELS", raising=False)
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    monkeypatch.setenv("XDG_DATA_DIRS", str(tmp_path / "sys"))
    with pytest.raises(pyarcface.ModelError) as e:
        pyarcface.Embedder(pyarcface.EmbedderOptions(model="no-such-model"))
    msg = str(e.value)
    assert f"{tmp_path}/data/arcface/models/no-such-model.pt" in msg and f"{tmp_path}/sys/arcface/models" in msg
    assert "arcface models install" in msg


def test_user_directory_comes_first_and_is_listed(tmp_path, models, cli):
    user = tmp_path / "data" / "arcface" / "models"
    user.mkdir(parents=True)
    os.symlink(os.path.join(models, "mobilefacenet-ms1m.pt"), user / "mobilefacenet-ms1m.pt")
    env = user_env(tmp_path)
    code = "import pyarcface; print(pyarcface.Embedder().info.path)"
    r = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=120)
    assert r.returncode == 0 and r.stdout.strip() == str(user / "mobilefacenet-ms1m.pt"), r.stderr[-2000:]
    listed = json.loads(subprocess.run([cli, "models", "list", "--json"], env=env, capture_output=True, text=True,
                                       timeout=120, check=True).stdout)
    mine = [m for m in listed if m["name"] == "mobilefacenet-ms1m"]
    assert mine[0]["path"] == str(user / "mobilefacenet-ms1m.pt") and mine[0]["shadowed"] is False
    assert all(m["shadowed"] for m in mine[1:])  # the build tree's copy, when the CLI has one compiled in
    with open(user / "mobilefacenet-ms1m.pt", "rb") as f:
        assert mine[0]["sha256"] == hashlib.sha256(f.read()).hexdigest()
    assert mine[0]["architecture"] == "MobileFaceNet" and mine[0]["threshold"] > 0
    text = subprocess.run([cli, "models", "list"], env=env, capture_output=True, text=True, timeout=120).stdout
    assert str(user) + ":" in text and mine[0]["sha256"] in text
