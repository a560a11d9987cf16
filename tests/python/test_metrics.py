"""Verification metrics and the K-fold protocol of the C++ core against scikit-learn / numpy."""
import os

import numpy as np
import pytest

import pyarcface

sklearn_metrics = pytest.importorskip("sklearn.metrics")


def scores(seed=0, n=4000):
    rng = np.random.default_rng(seed)
    same = rng.random(n) < 0.5
    s = np.where(same, rng.normal(0.55, 0.15, n), rng.normal(0.1, 0.12, n)).astype(np.float32)
    s = np.round(s, 3)  # ties, as real cosines have
    return s, same


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_auc_eer_tar_match_sklearn(seed):
    s, y = scores(seed)
    m = pyarcface.verification_metrics(s.tolist(), y.tolist(), [1e-3, 1e-2, 1e-1])
    fpr, tpr, thr = sklearn_metrics.roc_curve(y, s, drop_intermediate=False)
    assert m.auc == pytest.approx(sklearn_metrics.roc_auc_score(y, s), abs=1e-9)
    # TAR@FAR: the highest TPR whose FPR does not exceed the target.
    for t in m.tar_at_far:
        assert t.tar == pytest.approx(tpr[fpr <= t.target_far + 1e-12].max(), abs=1e-12)
        assert t.enough_negatives == ((~y).sum() * t.target_far >= 1)
    # EER: where FNR crosses FPR, linearly interpolated between ROC points.
    fnr = 1 - tpr
    i = np.nonzero(fnr - fpr <= 0)[0][0]
    d0, d1 = fnr[i - 1] - fpr[i - 1], fnr[i] - fpr[i]
    eer = fpr[i - 1] + d0 / (d0 - d1) * (fpr[i] - fpr[i - 1])
    assert m.eer == pytest.approx(eer, abs=1e-9)
    # The best threshold really is the best.
    accs = [((s >= t) == y).mean() for t in np.unique(s)]
    assert m.best_accuracy == pytest.approx(max(accs), abs=1e-12)
    assert m.roc.shape[1] == 3 and m.roc[0, 1] == 0 and m.roc[-1, 1] == 1


def test_too_few_negatives_is_reported():
    s, y = scores(0, 200)
    m = pyarcface.verification_metrics(s.tolist(), y.tolist(), [1e-3])
    assert not m.tar_at_far[0].enough_negatives


def test_kfold_known_answer():
    # Fold f: scores separable at 0.5 except fold 0, which has one wrong genuine pair.
    s, y, fold = [], [], []
    for f in range(10):
        for k in range(10):
            s += [0.7 + 0.01 * k, 0.2 + 0.01 * k]
            y += [True, False]
            fold += [f, f]
    s[0] = 0.1  # fold 0: a genuine pair scored low -> 19/20 there, others perfect
    r = pyarcface.kfold_accuracy(s, y, fold, 10)
    assert r.accuracy[0] == pytest.approx(0.95)
    assert all(a == 1.0 for a in r.accuracy[1:])
    assert r.mean == pytest.approx(np.mean(r.accuracy))
    assert r.std == pytest.approx(np.std(r.accuracy))
    for t in r.threshold:
        assert 0.29 < t < 0.7
    with pytest.raises(pyarcface.InputError):
        pyarcface.kfold_accuracy(s, y, fold, 1)


def test_evaluate_lfw_bad_pair_file_names_the_line(tmp_path, samples, models):
    lfw = os.path.join(os.path.dirname(samples), "lfw-view1")  # samples = <shared>/data/samples
    f = tmp_path / "pairs.txt"
    f.write_text("1\nAaron_Peirsol\t1\nAaron_Peirsol\t1\tAJ_Cook\t1\n")
    with pytest.raises(pyarcface.IOError, match="pairs.txt:2"):
        pyarcface.evaluate_lfw(pyarcface.Pipeline(), str(f), os.path.join(lfw, "deepfunneled"))
