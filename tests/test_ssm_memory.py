"Selective-copying task (symlearn.ssm.memory): generator properties, a trivial instance learnt above chance, the quick reproduction."
import json

import pytest
import torch

from symlearn.core import seed_everything
from symlearn.ssm.memory import selective_copying, CopyModel, train_copy, repro_selective_copy, COPY_ARMS


@pytest.mark.parametrize("n,L,k,V", [(1, 1, 1, 2), (7, 30, 8, 8), (16, 200, 3, 5)])
def test_selective_copying_properties(n, L, k, V):
    x, y = selective_copying(n, L, k, V, torch.Generator().manual_seed(n + L))
    assert x.shape == (n, V + 2, L + k) and x.dtype == torch.float32
    assert y.shape == (n, k) and y.dtype == torch.long and 0 <= y.min() and y.max() < V
    assert torch.equal(x.sum(1), torch.ones(n, L + k))                      # one-hot
    s = x.argmax(1)
    assert (s[:, L:] == V + 1).all() and not (s[:, :L] == V + 1).any()      # markers only at the end
    data = s[:, :L]
    assert ((data > 0).sum(1) == k).all()                                    # exactly k data tokens, all distinct positions
    assert torch.equal(data[data > 0].view(n, k) - 1, y)                     # targets: the data tokens, in order


def test_selective_copying_random_positions_and_values():
    x, y = selective_copying(2000, 16, 2, 4, torch.Generator().manual_seed(0))
    pos = (x.argmax(1)[:, :16] > 0).float().mean(0)
    assert pos.min() > 0.08 and pos.max() < 0.17                              # every position used (expected 1/8)
    assert torch.bincount(y.flatten(), minlength=4).min() > 800               # every value used (expected 1000)


def test_selective_copying_determinism_and_errors():
    a = selective_copying(5, 20, generator=torch.Generator().manual_seed(3))
    b = selective_copying(5, 20, generator=torch.Generator().manual_seed(3))
    c = selective_copying(5, 20, generator=torch.Generator().manual_seed(4))
    assert torch.equal(a[0], b[0]) and torch.equal(a[1], b[1]) and not torch.equal(a[0], c[0])
    with pytest.raises(ValueError, match="n_tokens"): selective_copying(2, 3, n_tokens=4)
    with pytest.raises(ValueError, match="vocab"): selective_copying(2, 10, vocab=1)
    with pytest.raises(ValueError, match="L"): selective_copying(2, 0)
    with pytest.raises((TypeError, ValueError), match="n"): selective_copying(2.5, 10)
    with pytest.raises(TypeError, match="generator"): selective_copying(2, 10, generator=0)


def test_copy_model_identical_init_and_shapes():
    states = {}
    for arm in ("mamba", "momentum-gm", "momentum", "complex"):
        seed_everything(1); states[arm] = CopyModel(arm, 12, 3, 4).state_dict()
    ref = states["mamba"]
    for arm, st in states.items():   # momentum arms add only buffers/params absent from Mamba; shared ones are equal
        assert all(torch.equal(ref[k], st[k]) for k in ref if k in st), arm
    seed_everything(1); m = CopyModel("transformer", 12, 3, 4)
    x, _ = selective_copying(2, 12, 3, 4)
    assert m(x).shape == (2, 3, 4)
    with pytest.raises(ValueError): m(torch.zeros(2, 5, 15))    # wrong channel count


@pytest.mark.parametrize("arm", ["mamba", "momentum-gm"])
def test_learns_trivial_instance_above_chance(arm):
    r = train_copy(arm, L=6, seed=0, steps=150, batch=32, n_tokens=1, vocab=4, n_eval=256, device="cpu")
    assert r["chance"] == 0.25 and r["acc"] > 0.5, r["curve"]
    assert r["curve"][-1][0] == 150 and len(r["curve"]) == 5


def test_untrained_model_is_near_chance():   # negative control for the accuracy metric
    r = train_copy("mamba", L=6, seed=0, steps=1, batch=2, lr=1e-9, n_tokens=1, vocab=4, n_eval=512, device="cpu")
    assert r["acc"] < 0.45


def test_registered():
    from symlearn.experiments import REGISTRY, discover
    discover()
    assert "mma-selective-copy" in REGISTRY["repro"]
    assert set(COPY_ARMS) == {"mamba", "momentum-gm", "momentum", "complex", "transformer"}


def test_quick_repro_runs_and_resumes(tmp_path, monkeypatch):
    import symlearn.ssm.memory as mem
    real = mem._copy_config
    monkeypatch.setattr(mem, "_copy_config", lambda quick: real(quick) | dict(Ls=(16,), steps=20, n_eval=64))
    r = repro_selective_copy(tmp_path, quick=True, seeds=2)
    per = r["per_L"]["16"]
    assert set(per) == {"mamba", "momentum-gm"} and all(len(v["values"]) == 2 for v in per.values())
    assert next(tmp_path.glob("mma-selective-copy/*/selective_copy.png")).stat().st_size > 0
    json.dumps(r)
    units = next(tmp_path.glob("mma-selective-copy/*/units.jsonl"))
    n = len(units.read_text().splitlines())
    r2 = repro_selective_copy(tmp_path, quick=True, seeds=2)        # resumes: nothing retrained
    assert len(units.read_text().splitlines()) == n == 4
    assert r2["per_L"] == r["per_L"]
