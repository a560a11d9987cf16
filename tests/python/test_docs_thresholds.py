"""Threshold numbers written in the docs match what the code uses: each model's calibrated threshold
(its metadata) and the clustering default (ClusterOptions in include/arcface/cluster.hpp)."""
import pathlib
import re

import pytest

import pyarcface

ROOT = pathlib.Path(__file__).resolve().parents[2]
DOCS = sorted((ROOT / "docs").glob("*.md")) + [ROOT / "README.md"]
NUMBER = r"(0\.\d+)"


def cluster_default():
    text = (ROOT / "include" / "arcface" / "cluster.hpp").read_text()
    m = re.search(r"struct ClusterOptions\s*\{.*?float threshold = ([0-9.]+)f;", text, re.S)
    assert m, "ClusterOptions::threshold not found in cluster.hpp"
    return float(m.group(1))


def model_of(line):
    """The model a line speaks about: 'casia', 'ms1m' (named, or 'the default model'), or None."""
    low = line.lower()
    casia, ms1m = "casia" in low, "ms1m" in low or "default model" in low or "the default" in low
    if casia and not ms1m:
        return "mobilefacenet-casia"
    if ms1m and not casia:
        return "mobilefacenet-ms1m"
    return None


def same(written, actual):
    decimals = len(written.split(".")[1])
    return round(actual, decimals) == float(written)


def near_far(line, start):
    """A threshold at a false-accept rate (not the stored verification threshold) is described."""
    before = line[max(0, start - 100):start].lower()
    return "far" in before.split() or "false accept" in before or "at far" in before


def claims(text):
    """(kind, model, number, line) for every threshold number a docs line states (each once)."""
    seen = set()
    previous = ""
    for line in text.splitlines():
        context = previous + " " + line  # a false-accept rate may be named on the line before
        offset = len(previous) + 1
        found = []
        for m in re.finditer(NUMBER + r" for the default model", line):
            if not near_far(context, offset + m.start()):
                found.append((m.start(1), m.group(1), "verify", "mobilefacenet-ms1m"))
        for m in re.finditer(NUMBER + r" for the CASIA (?:model|one)", line):
            if not near_far(context, offset + m.start()):
                found.append((m.start(1), m.group(1), "verify", "mobilefacenet-casia"))
        for m in re.finditer(r"threshold(?:=| of | is | )\(?" + NUMBER, line):
            low = line.lower()
            model = model_of(line[:m.start()])  # the model named before the number
            if "cluster" in low:
                found.append((m.start(1), m.group(1), "cluster", None))
            elif model and not near_far(context, offset + m.start()) and "optimum" not in low:
                found.append((m.start(1), m.group(1), "verify", model))
        for m in re.finditer(r"identify\([^)]*threshold=" + NUMBER, line):
            found.append((m.start(1), m.group(1), "verify", "mobilefacenet-ms1m"))
        for m in re.finditer(r"arcface cluster .*--threshold " + NUMBER, line):
            found.append((m.start(1), m.group(1), "cluster", None))
        for m in re.finditer(NUMBER + r", the clustering default", line):
            found.append((m.start(1), m.group(1), "cluster", None))
        for start, number, kind, model in found:
            if (line, start) not in seen:
                seen.add((line, start))
                yield kind, model, number, line
        previous = line


def test_every_threshold_in_the_docs_matches_the_models(models):
    thresholds = {}
    for name in ("mobilefacenet-ms1m", "mobilefacenet-casia"):
        path = pathlib.Path(models) / f"{name}.pt"
        if path.exists():
            thresholds[name] = pyarcface.read_model_info(str(path)).threshold
    cluster = cluster_default()
    checked, wrong = 0, []
    for doc in DOCS:
        for kind, model, number, line in claims(doc.read_text()):
            if kind == "cluster":
                # a measured table of thresholds is not a claim about the default
                if line.lstrip().startswith("|") or "measured" in line:
                    continue
                ok = same(number, cluster)
            elif model in thresholds:
                ok = same(number, thresholds[model])
            else:
                continue
            checked += 1
            if not ok:
                wrong.append(f"{doc.name}: {number} ({model or 'clustering'}) in: {line.strip()}")
    assert not wrong, "threshold numbers in the docs that differ from the code:\n" + "\n".join(wrong)
    assert checked >= 4, f"only {checked} threshold statements found: the patterns no longer match the docs"


def test_the_checker_catches_a_wrong_number():
    wrong = "`arcface verify` uses the model's calibrated threshold (0.30 for the default model: the"
    found = list(claims(wrong))
    assert found == [("verify", "mobilefacenet-ms1m", "0.30", wrong)]
    assert list(claims("arcface cluster photos/ -o clusters/ [--threshold 0.55]"))[0][2] == "0.55"
    assert list(claims("g.identify(probe, threshold=0.3)"))[0][:3] == ("verify", "mobilefacenet-ms1m", "0.3")
