"""Embedder precision from Python and the CLI: keyword, resolved precision, bad names."""
import os
import subprocess

import numpy as np
import pytest

import pyarcface


def test_precision_keyword(models):
    assert pyarcface.EmbedderOptions().precision == "auto"
    o = pyarcface.EmbedderOptions(precision="bf16")
    assert o.precision == "bf16"
    o.precision = "fp32"
    assert o.precision == "fp32"
    with pytest.raises(pyarcface.InputError, match="fp16"):
        pyarcface.EmbedderOptions(precision="fp16")
    fp32 = pyarcface.Embedder(precision="fp32")
    bf16 = pyarcface.Embedder(precision="bf16")
    assert (fp32.precision, bf16.precision) == ("fp32", "bf16")
    assert pyarcface.Embedder().precision in ("fp32", "bf16")  # auto, resolved
    crops = [np.random.default_rng(i).integers(0, 255, (112, 112, 3), dtype=np.uint8) for i in range(3)]
    cos = (fp32.embed(crops) * bf16.embed(crops)).sum(1)
    assert cos.min() > 0.999 and cos.min() < 1 - 1e-7
    assert isinstance(fp32.info.precisions, dict)
    assert pyarcface.cpu_supports("fp32")
    with pytest.raises(pyarcface.ModelError, match="int8"):
        pyarcface.Embedder(precision="int8")


def test_cli_precision(cli, samples, models):
    a = os.path.join(samples, "actors", "jeff", "0.jpg")
    b = os.path.join(samples, "actors", "jeff", "1.jpg")
    sims = []
    for p in ("fp32", "bf16"):
        r = subprocess.run([cli, "--precision", p, "verify", a, b, "--json"], capture_output=True, text=True)
        assert r.returncode == 0, r.stderr
        import json
        sims.append(json.loads(r.stdout)["similarity"])
    assert abs(sims[0] - sims[1]) < 2e-3
    r = subprocess.run([cli, "--precision", "fp16", "verify", a, b], capture_output=True, text=True)
    assert r.returncode != 0 and "fp16" in r.stderr
