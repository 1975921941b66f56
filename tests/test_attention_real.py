"Real-data machinery of the token-dynamics chapter: the token form of kappa, causal/patch TinyTransformers, the real-task trainers, the trace rule and agreement rates."
import math
import pytest
import torch
from hypothesis import given, settings, strategies as st

from symlearn.attention.regimes import small_scale_index, _centred
from symlearn.attention.tiny import TinyTransformer, patchify, char_windows, train_char_lm, train_vit
from symlearn.attention.repro import trace_rule, agreement, _paired, ARMS_REAL, REFINEMENT_ARMS
from symlearn.data.core import available

def _kappa_dense(X, Q, K, V):
    A = Q.transpose(-1, -2) @ K / math.sqrt(Q.shape[-2]); _, _, S = _centred(X)
    return torch.diagonal(V @ S @ A.transpose(-1, -2) @ S, dim1=-2, dim2=-1).sum(-1) / torch.diagonal(S).sum() ** 2

@settings(max_examples=15, deadline=None)
@given(n=st.integers(2, 9), d=st.integers(2, 9), H=st.integers(1, 3), seed=st.integers(0, 10_000))
def test_kappa_token_form_equals_dense(n, d, H, seed):
    g = torch.Generator().manual_seed(seed)
    Q, K = torch.randn(2, H, 3, d, dtype=torch.float64, generator=g)
    V = torch.randn(H, d, d, dtype=torch.float64, generator=g); X = torch.randn(n, d, dtype=torch.float64, generator=g)
    torch.testing.assert_close(small_scale_index(X, Q, K, V, per_head=True), _kappa_dense(X, Q, K, V), rtol=1e-10, atol=1e-12)

@pytest.mark.parametrize("pe,refs", [("absolute", ()), ("absolute", ("qk_shift",)), ("rope", ()), ("rope", ("partial_rope",))])
@pytest.mark.parametrize("regime", ["free", "zero"])
def test_causal_lm_ignores_the_future(pe, refs, regime):
    torch.manual_seed(0)
    m = TinyTransformer(12, 12, max_len=10, d=8, n_heads=2, pe=pe, regime=regime, refinements=refs, causal=True, rope_fraction=0.5).double()
    ids = torch.randint(0, 12, (3, 10)); ids2 = ids.clone(); ids2[:, 6:] = (ids2[:, 6:] + 3) % 12
    a, b = m.token_logits(ids), m.token_logits(ids2)
    torch.testing.assert_close(a[:, :6], b[:, :6], rtol=0, atol=1e-12)
    assert (a[:, 6] - b[:, 6]).abs().max() > 1e-8                 # negative control: position 6 sees the change
    nc = TinyTransformer(12, 12, max_len=10, d=8, n_heads=2, pe=pe, regime=regime, refinements=refs, rope_fraction=0.5).double()
    assert (nc.token_logits(ids)[:, :6] - nc.token_logits(ids2)[:, :6]).abs().max() > 1e-8   # bidirectional model does see it

def test_refinements_noop_at_init_on_patch_inputs():
    x = torch.randn(4, 16, 4, dtype=torch.float64)
    for pe in ("absolute", "rope"):
        for regime in ("free", "zero"):
            torch.manual_seed(1); plain = TinyTransformer(None, 10, max_len=16, in_features=4, pe=pe, regime=regime).double()
            for refs in REFINEMENT_ARMS[pe][1:]:
                torch.manual_seed(1)
                m = TinyTransformer(None, 10, max_len=16, in_features=4, pe=pe, regime=regime, refinements=refs, rope_fraction=1.0).double()
                torch.testing.assert_close(m(x), plain(x), rtol=0, atol=1e-12)

def test_patchify_against_unfold():
    X = torch.randn(5, 8, 8)
    ref = torch.nn.functional.unfold(X[:, None], 2, stride=2).transpose(1, 2)    # [N, 16, 4], raster order
    torch.testing.assert_close(patchify(X), ref)
    with pytest.raises(ValueError, match="p"): patchify(X, 3)

def test_char_windows_targets_shifted():
    data = torch.arange(50)
    x, y = char_windows(data, 7, 5, torch.Generator().manual_seed(3))
    assert x.shape == y.shape == (7, 5) and torch.equal(y, x + 1) and int(y.max()) < 50

def test_trainers_learn_trivial_tasks():
    torch.manual_seed(0)
    stream = torch.tensor([0, 1, 2] * 200)
    r = train_char_lm(TinyTransformer(3, 3, max_len=12, d=8, n_layers=1, causal=True), stream, stream, steps=60, batch=16, n=12, eval_windows=32)
    assert r["bpc"] < 0.6 < math.log2(3)
    Xs = torch.randn(300, 4, 4); ys = (Xs.mean((1, 2)) > 0).long()
    r = train_vit(TinyTransformer(None, 2, max_len=4, d=16, n_layers=1, in_features=4), patchify(Xs[:200]), ys[:200],
                  patchify(Xs[200:]), ys[200:], steps=60)
    assert r["acc"] > 0.8

def test_trace_rule_and_agreement():
    assert trace_rule(torch.tensor([1., -1., -1., 1.]), torch.tensor([-1., 1., -1., 1.])).tolist() == [0, 1, 2, 2]
    pred = torch.tensor([0, 1, 2])
    a = agreement(pred, pred.expand(5, 3))
    assert a["agree"] == 1.0 and a["agree_scale"] == 1.0
    b = agreement(pred, torch.full((5, 3), 3))                   # states all 'spread': no exact match
    assert b["agree"] == 0.0 and b["chance"] == 0.0 and abs(b["agree_scale"] - 1 / 3) < 1e-12
    g = torch.Generator().manual_seed(0)                          # independent labels: agreement near chance
    P, S = torch.randint(0, 3, (400,), generator=g), torch.randint(0, 4, (50, 400), generator=g)
    c = agreement(P, S)
    assert abs(c["agree"] - c["chance"]) < 0.02

def test_arm_grid_and_pairing():
    assert len(ARMS_REAL) == 19 and len(set(ARMS_REAL)) == 19
    assert sum(reg == "free" for reg, _, _ in ARMS_REAL) == 8      # every forced arm has a free partner (same PE, refinement)
    assert all(("free", pe, refs) in ARMS_REAL for reg, pe, refs in ARMS_REAL)
    assert _paired([1.0, 2.0, 4.0], [0.5, 1.0, 1.0])["mean"] == pytest.approx(1.5)

@pytest.mark.realdata
@pytest.mark.skipif(not (available("brown") and available("digits")), reason="run: symlearn fetch-data brown digits")
def test_real_task_data_shapes():
    from symlearn.attention.repro import _task_data
    c = _task_data("charlm"); dg = _task_data("digits")
    assert c["train"].dtype == torch.int64 and len(c["vocab"]) == 85
    assert dg["Xtr"].shape == (1438, 16, 4) and dg["Xte"].shape == (359, 16, 4)

@pytest.mark.parametrize("regime", ["free", "zero"])
def test_refinement_scalars_trainable_from_noop_init(regime):
    "Every refinement starts as an exact no-op and still receives a gradient (a**2 at a=0 would not)."
    torch.manual_seed(0)
    m = TinyTransformer(10, 4, max_len=8, d=8, n_heads=2, regime=regime, refinements=("value_shift", "qk_shift", "pe_logits")).double()
    m(torch.randint(0, 10, (6, 8))).pow(2).sum().backward()
    for l in m.layers:
        for name in ("a", "beta", "c"):
            g = getattr(l, name).grad
            assert g is not None and g.abs() > 0, (name, g)
