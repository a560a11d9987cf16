"""pyarcface.train: the margin heads from Python, and as TorchScript modules in plain PyTorch."""
import math

import numpy as np
import pytest
import torch

import pyarcface

tr = pyarcface.train


def test_arcface_head_in_pytorch_matches_closed_form_and_trains(tmp_path):
    head = tr.MarginHead("arcface", embedding_size=3, classes=3, s=30.0, m=0.5)
    head.weight = np.eye(3, dtype=np.float32)
    path = str(tmp_path / "arcface_head.pt")
    head.save(path)
    module = torch.jit.load(path)
    thetas = np.array([1e-3, 0.4, 1.2, 2.5, math.pi - 1e-3])
    x = np.stack([np.cos(thetas), np.sin(thetas), np.zeros_like(thetas)], 1).astype(np.float32)
    labels = [0] * len(thetas)
    z = module(torch.from_numpy(x), torch.tensor(labels)).detach().numpy()
    target = np.where(thetas + 0.5 < math.pi, np.cos(thetas + 0.5), np.cos(thetas) - 0.5 * math.sin(0.5))
    np.testing.assert_allclose(z[:, 0], 30 * target, atol=2e-3)
    np.testing.assert_allclose(z[:, 1], 30 * np.sin(thetas), atol=2e-3)
    np.testing.assert_allclose(head.logits(x, labels), z, atol=1e-5)  # the C++ object gives the same
    # Train it in PyTorch on three separable clusters: the loss falls, gradients reach the weights.
    gen = torch.Generator().manual_seed(0)
    centres = torch.randn(3, 3, generator=gen)
    feats = torch.cat([c + 0.1 * torch.randn(20, 3, generator=gen) for c in centres])
    y = torch.arange(3).repeat_interleave(20)
    module.train()
    opt = torch.optim.SGD(module.parameters(), lr=0.05)
    losses = []
    for _ in range(60):
        loss = torch.nn.functional.cross_entropy(module(feats, y), y)
        opt.zero_grad()
        loss.backward()
        opt.step()
        losses.append(loss.item())
    assert module.weight.grad is not None
    assert losses[-1] < 0.5 * losses[0]


@pytest.mark.parametrize("kind", ["softmax", "arcface", "cosface", "sphereface", "combined"])
def test_every_head_loads_in_pytorch(tmp_path, kind):
    head = tr.MarginHead(kind, embedding_size=8, classes=5, seed=1)
    head.save(str(tmp_path / f"{kind}.pt"))
    module = torch.jit.load(str(tmp_path / f"{kind}.pt"))
    x = np.random.RandomState(0).randn(4, 8).astype(np.float32)
    z = module(torch.from_numpy(x), torch.tensor([0, 1, 2, 4])).detach().numpy()
    assert z.shape == (4, 5) and np.isfinite(z).all()
    np.testing.assert_allclose(head.logits(x, [0, 1, 2, 4]), z, rtol=1e-5, atol=1e-4)
    np.testing.assert_allclose(head.predict(x), module.predict(torch.from_numpy(x)).detach().numpy(), atol=1e-4)
    if kind == "softmax":
        np.testing.assert_allclose(z, x @ head.weight.T + head.bias.reshape(-1), atol=1e-5)


def test_trainer_separates_clusters_and_reports_angles():
    rng = np.random.RandomState(0)
    centres = rng.randn(4, 16)
    x = np.concatenate([c + 0.3 * rng.randn(30, 16) for c in centres]).astype(np.float32)
    y = [k for k in range(4) for _ in range(30)]
    t = tr.Trainer("arcface", classes=4, s=16.0, m=0.3, projection=2, epochs=200, learning_rate=0.05)
    report = t.fit(x, y)
    assert report.accuracy > 0.95 and report.epoch_loss[-1] < report.epoch_loss[0]
    p = t.project(x)
    assert p.shape == (120, 2)
    stats = tr.angular_stats(p, y, 4)
    assert stats.min_inter_angle_deg > 30 and stats.intra_spread_deg < 30
    with pytest.raises(pyarcface.InputError):
        t.fit(x, [9] * 120)
    with pytest.raises(pyarcface.InputError):
        tr.MarginHead("triplet")


def test_fine_tune_writes_an_embedder(samples, models, tmp_path, capfd):
    import os
    import shutil
    data = tmp_path / "data"
    for who in ("actors/jeff", "actors/kurt"):
        shutil.copytree(os.path.join(samples, who), data / os.path.basename(who))
    # A corrupt photo and a photo without a face are skipped and reported, not printed by the library.
    (data / "jeff" / "corrupt.jpg").write_bytes(b"\xff\xd8 not really a jpeg")
    import cv2
    assert cv2.imwrite(str(data / "kurt" / "black.png"), np.zeros((200, 200, 3), np.uint8))
    (data / "kurt" / "notes.txt").write_text("not an image: ignored")
    out = str(tmp_path / "tuned.pt")
    capfd.readouterr()
    r = tr.fine_tune(str(data), out, epochs=2, batch_size=8, name="tuned-test")
    assert r.identities == 2 and r.images == 10 and r.skipped == 2
    assert sorted(os.path.basename(s.split(":")[0]) for s in r.skipped_photos) == ["black.png", "corrupt.jpg"]
    assert "no face" in " ".join(r.skipped_photos)
    assert "corrupt.jpg" not in capfd.readouterr().err
    assert len(r.train.epoch_loss) == 2 and np.isfinite(r.train.epoch_loss).all()
    e = pyarcface.Embedder(model=out)
    assert e.info.name == "tuned-test" and e.dimension == 192
    with pytest.raises(pyarcface.InputError):
        tr.fine_tune(str(data / "jeff"), out)  # photos, no identity folders
