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
    # bitwise determinism is a CPU property (CUDA reductions use atomics), so pin the device
    r1 = train_arm("momentum-gm", data, seed=0, epochs=3, batch=32, device="cpu")
    r2 = train_arm("momentum-gm", data, seed=0, epochs=3, batch=32, device="cpu")
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


# --- BasicMotions, long windows, extra arms -------------------------------------------------------------------------

from symlearn.ssm.repro import (hapt_long_windows, make_model, ARMS, EXTRA_ARMS, prepare_hapt_long, prepare_basicmotions,
                                repro_basicmotions, repro_hapt_long)


def _rec(labels):
    lab = np.asarray(labels, np.int8)
    return {"signals": np.arange(len(lab) * 6, dtype=np.float32).reshape(len(lab), 6), "labels": lab,
            "rec_offsets": np.array([0, len(lab)]), "rec_subject": np.array([7], np.int8)}


@pytest.mark.parametrize("labels,expected", [
    ([2] * 10, [1]),                                  # pure activity -> its label
    ([2] * 3 + [9] * 4 + [3] * 3, [8]),               # one complete transition inside -> the transition
    ([9] * 4 + [3] * 6, []),                          # transition touches the left edge -> dropped
    ([3] * 6 + [9] * 4, []),                          # ... the right edge -> dropped
    ([2] * 2 + [7] * 2 + [3] * 2 + [8] * 2 + [2] * 2, []),   # two transitions -> dropped
    ([2] * 2 + [7] * 3 + [-1] * 5, [6]),              # unlabelled samples beside one transition are fine
    ([2] * 5 + [3] * 5, []),                          # two activities, no transition -> dropped
    ([2] * 5 + [-1] * 5, []),                         # activity + unlabelled -> dropped
    ([7] * 10, []),                                   # a transition filling the window touches both edges
])
def test_long_window_rule(labels, expected):
    X, y, s = hapt_long_windows(_rec(labels), window=10, stride=10)
    assert y.tolist() == expected and X.shape == (len(expected), 10, 6) and (s == 7).all()


def test_long_window_grid_and_offsets():
    rec = _rec([1] * 12 + [2, 10, 10, 2, 2, 2, 2, 2])              # two recordings: rows 0..11 and 12..19
    rec["rec_offsets"], rec["rec_subject"] = np.array([0, 12, 20]), np.array([4, 5], np.int8)
    X, y, s = hapt_long_windows(rec, window=4, stride=4)
    assert y.tolist() == [0, 0, 0, 9, 1] and s.tolist() == [4, 4, 4, 5, 5]   # windows never straddle recordings
    assert X[:, 0, 0].tolist() == [0.0, 24.0, 48.0, 72.0, 96.0]             # row offsets of each window's start


def test_long_window_bad_args():
    with pytest.raises(ValueError, match="window"): hapt_long_windows(_rec([1] * 10), window=1)
    with pytest.raises(ValueError, match="stride"): hapt_long_windows(_rec([1] * 10), window=4, stride=0)
    with pytest.raises(ValueError, match="classes"): prepare_hapt_long(classes="some")


def test_extra_arms_share_the_init():
    torch.manual_seed(3); ref = make_model("mamba", 4, 50).state_dict()
    for arm in EXTRA_ARMS + ("momentum", "complex"):
        torch.manual_seed(3); sd = make_model(arm, 4, 50).state_dict()
        assert all(torch.equal(sd[k], ref[k]) for k in ref), arm
        assert (set(sd) == set(ref)) == (not ARMS[arm].get("learnable", False)), arm


def test_train_arm_learnable_reports_beta_and_runs_on_given_device():
    data = {"fit": _toy(32), "val": _toy(16, seed=1), "test": _toy(16, seed=2), "n_classes": 2}
    r = train_arm("momentum-learn", data, seed=0, epochs=2, batch=16, robust=False, device="cpu", tie_break=True)
    assert r["device"] == "cpu" and len(r["learned"]) == 2
    assert len(r["val_loss"]) == 2 and r["best_val"] == max(r["val_acc"])
    assert all(0 < d["beta"]["mean"] < 1 for d in r["learned"])


@pytest.mark.parametrize("fn,name", [(repro_basicmotions, "basicmotions"), (repro_hapt_long, "hapt")])
def test_new_repros_skip_cleanly_without_data(monkeypatch, tmp_path, fn, name):
    import symlearn.data.core as dc
    monkeypatch.setattr(dc, "available", lambda n: False)
    r = fn(tmp_path, quick=True, seeds=1)
    assert "skipped" in r and name in r["skipped"].lower()


@pytest.mark.realdata
@pytest.mark.skipif(not available("hapt"), reason="UCI HAPT cache absent (symlearn fetch-data hapt)")
def test_prepare_hapt_long_counts_and_split():
    from symlearn.data.har import UCI_HAR_TEST_SUBJECTS
    d = prepare_hapt_long(512, decimate=2)
    assert len(d["fit"][1]) + len(d["val"][1]) == 2422 and len(d["test"][1]) == 952   # counts of the spec's §6.4
    assert d["fit"][0].shape[1:] == (6, 256) and d["n_classes"] == 12
    assert set(d["fit"][1].tolist()) == set(range(12))
    t = prepare_hapt_long(1024, decimate=1, classes="transitions")
    assert sum(len(t[k][1]) for k in ("fit", "val", "test")) == 1149 and t["n_classes"] == 6
    assert t["test"][0].shape[1:] == (6, 1024) and set(t["test"][1].tolist()) == set(range(6))


@pytest.mark.realdata
@pytest.mark.skipif(not available("basicmotions"), reason="BasicMotions cache absent (symlearn fetch-data basicmotions)")
def test_basicmotions_quick_reproduction(tmp_path):
    "The CI run of `symlearn repro mma-basicmotions --quick --seeds 3`: every core arm, three seeds, learns the task."
    import json
    from symlearn.experiments import run_reproduction
    p = run_reproduction("mma-basicmotions", out=tmp_path, quick=True, seeds=3)
    res = json.loads(p.read_text())["summary"]
    per = res["per_arm"]
    assert set(per) == {"mamba", "momentum", "momentum-gm", "complex", "transformer"}
    assert res["sizes"] == {"fit": 32, "val": 8, "test": 40}
    for a, d in per.items():
        assert d["seeds"] == [0, 1, 2] and len(d["test_acc"]["values"]) == 3
        assert d["test_acc"]["mean"] > 0.5, (a, d["test_acc"])        # chance is 0.25
    assert (p.parent / "basicmotions.png").exists()


def test_long_config_by_device():
    from symlearn.ssm.repro import _long_config, LONG_ARMS
    cpu, gpu, quick = _long_config(False, False), _long_config(False, True), _long_config(True, False)
    assert [t["decimate"] for t in cpu["tasks"]] == [2] and cpu["arms"] == LONG_ARMS and cpu["n_fit"] == 1000
    assert [(t["window"], t["decimate"], t["classes"]) for t in gpu["tasks"]] == [(512, 1, "all"), (1024, 1, "transitions")]
    assert gpu["n_fit"] is None and set(EXTRA_ARMS) <= set(gpu["arms"])
    assert quick["epochs"] == 1 and len(quick["arms"]) == 3


@pytest.mark.skipif(not torch.cuda.is_available(), reason="no CUDA device")
def test_train_arm_on_cuda():
    data = {"fit": _toy(32), "val": _toy(16, seed=1), "test": _toy(16, seed=2), "n_classes": 2}
    r = train_arm("complex", data, seed=0, epochs=2, batch=16, device="cuda")
    assert r["device"].startswith("cuda") and 0.0 <= r["test_acc"] <= 1.0 and len(r["epoch_s"]) == 2
