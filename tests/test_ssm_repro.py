"HAPT reproduction plumbing: training loop on synthetic data, corruption helpers, skip without data, real-data split checks."
import numpy as np
import pytest
import torch

from symlearn.data.core import available
from symlearn.ssm import repro
from symlearn.ssm.repro import train_arm, corrupt, macro_f1, summarise, claims, prepare_hapt, VAL_SUBJECTS


def _toy(n, L=24, seed=0):
    g = torch.Generator().manual_seed(seed)
    y = torch.randint(0, 2, (n,), generator=g)
    t = torch.arange(float(L))
    f = torch.where(y == 0, 0.3, 1.2)[:, None, None]
    X = torch.sin(f * t + torch.rand(n, 1, 1, generator=g) * 6) + 0.3 * torch.randn(n, 6, L, generator=g)
    return [X, y]


def test_train_arm_learns_and_is_deterministic():
    data = {"fit": _toy(64), "val": _toy(32, seed=1), "test": _toy(32, seed=2), "n_classes": 2}
    r1 = train_arm("momentum-gm", data, seed=0, epochs=3, batch=32)
    r2 = train_arm("momentum-gm", data, seed=0, epochs=3, batch=32)
    assert r1["test_acc"] == r2["test_acc"] and r1["train_loss"] == r2["train_loss"]
    assert r1["test_acc"] > 0.7
    assert set(r1) >= {"test_acc", "test_f1", "acc_noise", "acc_missing", "val_acc", "epoch_s"}


def test_corrupt_and_f1():
    X = torch.ones(5, 6, 40)
    m = corrupt(X, "missing")
    assert ((m == 0).all(1).sum(1) == 10).all()                  # a contiguous 25 % zeroed, per window
    assert not torch.equal(corrupt(X, "noise"), X)
    y = torch.tensor([0, 0, 1, 1]); assert macro_f1(y, y, 2) == 1.0
    assert macro_f1(y, torch.tensor([1, 1, 0, 0]), 2) == 0.0


def test_summary_and_claims():
    runs = [{"arm": a, "seed": s, "test_acc": acc + 0.01 * s, "test_f1": acc, "params": 1, "epoch_s": [1.0, 1.0],
             "val_acc": [0.5, acc], "train_loss": [1, 0.5]} for a, acc in (("mamba", 0.8), ("momentum-gm", 0.9)) for s in range(3)]
    per = summarise(runs)
    assert abs(per["momentum-gm"]["test_acc"]["mean"] - 0.91) < 1e-12
    c = [r for r in claims(per) if r["claim"] == "accuracy gain" and r["b"] == "mamba"][0]
    assert c["held"] and abs(c["diff"] - 0.1) < 1e-12


def test_repro_skips_cleanly_without_data(monkeypatch, tmp_path, capsys):
    import symlearn.data.core as dc
    monkeypatch.setattr(dc, "available", lambda name: False)
    r = repro.repro_hapt(tmp_path, quick=True, seeds=1)
    assert "skipped" in r and "hapt" in r["skipped"].lower()


@pytest.mark.realdata
@pytest.mark.skipif(not available("hapt"), reason="UCI HAPT cache absent (symlearn fetch-data hapt)")
def test_prepare_hapt_split():
    from symlearn.data.har import load_hapt
    d = prepare_hapt(n_fit=300)
    assert d["fit"][0].shape[1:] == (6, 64) and d["n_classes"] == 6
    assert len(d["test"][1]) == 2874 and abs(len(d["fit"][1]) - 300) <= 6
    assert torch.allclose(d["fit"][0].mean((0, 2)), torch.zeros(6), atol=1e-4)
    _, _, s = load_hapt("train")
    assert (np.isin(s.numpy(), VAL_SUBJECTS)).sum() == len(d["val"][1])
    assert set(np.bincount(d["fit"][1].numpy()).nonzero()[0]) == set(range(6))
