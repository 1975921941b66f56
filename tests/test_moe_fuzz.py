"""Hypothesis fuzzing of symlearn.moe's public functions (deterministic profile, >= 200 examples each): invalid input raises
ValueError/TypeError (never a raw torch/numpy error), and finite valid input gives finite output."""
import math, warnings
import pytest
import torch
from hypothesis import given, strategies as st
from _fuzz import FUZZ, finite, clear_or_finite
from symlearn.moe import (MoEFFN, MoEPerm, align_moe, loss_barrier, SymphonyRouter, expert_cost, match_hidden, interpolate,
                          corrupt_tokens, topk_select, switch_balance_loss, router_z_loss, normalize_graph, solve_lap, scale_gate,
                          expert_order_oracle)
from symlearn.moe.symmetry import layer_fn

# values that are sometimes valid, sometimes not, of several types
weird = st.one_of(st.integers(-3, 9), st.floats(allow_nan=True, allow_infinity=True, width=32), st.none(), st.text(max_size=3),
                  st.booleans(), st.just([1, 2]))
small = st.integers(-1, 5)
dtypes = st.sampled_from([torch.float32, torch.float64])

def tens(shape, dtype, seed, bad=None):
    t = torch.randn(*shape, generator=torch.Generator().manual_seed(seed)).to(dtype)
    if bad is not None and t.numel(): t.view(-1)[0] = bad
    return t

def mk_state(n, d, h, dtype, seed):
    m = MoEFFN(d, n, h, k=min(2, n), dtype=dtype, generator=torch.Generator().manual_seed(seed))
    return {k: v.detach() for k, v in m.state_dict().items()}

@FUZZ
@given(d=small, n=small, h=small, gating=st.sampled_from(["dense", "topk", "x"]), k=small, s=small, N=st.integers(0, 4),
       xd=small, dtype=dtypes, seed=st.integers(0, 99), bad=st.sampled_from([None, math.nan]))
def test_fuzz_moeffn(d, n, h, gating, k, s, N, xd, dtype, seed, bad):
    m = clear_or_finite(lambda: MoEFFN(d, n, h, gating=gating, k=k, n_shared=s, dtype=dtype, generator=torch.Generator().manual_seed(seed)))
    if m is None: return
    x = tens((N, max(xd, 0)), dtype, seed)
    out = clear_or_finite(lambda: m(x, return_aux=True))
    if out is not None: assert out[0].shape == (N, d)

@FUZZ
@given(n=small, h=small, d=small, s=st.integers(-1, 2), scale=st.one_of(st.floats(-1, 3), st.just(math.nan)), seed=st.integers(0, 99), pn=small, ph=small, pd=small)
def test_fuzz_moeperm(n, h, d, s, scale, seed, pn, ph, pd):
    g = clear_or_finite(lambda: MoEPerm.random(n, h, d, n_shared=s, translation_scale=scale, dtype=torch.float64, generator=torch.Generator().manual_seed(seed)))
    if g is None: return
    clear_or_finite(lambda: g.inverse() @ g)
    if min(pn, ph, pd) >= 1:
        sd = mk_state(pn, pd, ph, torch.float64, seed)
        out = clear_or_finite(lambda: g.apply(sd))
        if out is not None: assert (pn, ph, pd) == (n, h, d)

@FUZZ
@given(tau=st.lists(st.integers(-1, 4), min_size=0, max_size=5), pi=st.lists(st.lists(st.integers(-1, 3), min_size=0, max_size=4), max_size=5),
       cw=weird, cb=weird, fl=st.booleans())
def test_fuzz_moeperm_init(tau, pi, cw, cb, fl):
    def f():
        t = torch.tensor(tau, dtype=torch.float64 if fl else torch.long)
        p = torch.tensor(pi, dtype=torch.long) if pi and len({len(r) for r in pi}) == 1 else torch.zeros(0, dtype=torch.long)
        c = torch.full((3,), float(cw)) if isinstance(cw, (int, float)) and not isinstance(cw, bool) else cw
        return MoEPerm(t, p, c, cb)
    clear_or_finite(f)

@FUZZ
@given(n=st.integers(1, 4), d=st.integers(1, 4), h=st.integers(1, 4), n2=st.integers(1, 4), method=st.sampled_from(["gate", "gram", "both", "identity", "x"]),
       select=st.sampled_from(["l2", "gate", "gram", "y"]), mt=st.sampled_from([True, False, "no"]), bad=st.sampled_from([None, None, math.nan, math.inf]),
       key=st.sampled_from(["gate.weight", "w1", "b2"]), seed=st.integers(0, 99), dtype=dtypes)
def test_fuzz_align(n, d, h, n2, method, select, mt, bad, key, seed, dtype):
    a, b = mk_state(n, d, h, dtype, seed), mk_state(n2, d, h, dtype, seed + 1)
    if bad is not None: b[key] = b[key].clone(); b[key].view(-1)[0] = bad
    r = clear_or_finite(lambda: align_moe(a, b, method=method, select=select, match_translation=mt))
    if r is not None: assert r.l2_after <= r.l2_before + 1e-4 or method == "identity" or select != "l2"
    clear_or_finite(lambda: expert_cost(a, b, method))
    clear_or_finite(lambda: match_hidden(a, b))

@FUZZ
@given(n=st.integers(1, 4), d=st.integers(1, 4), h=st.integers(1, 4), npts=st.integers(-1, 6), t=st.one_of(st.floats(-0.5, 1.5), st.just(math.nan)),
       batched=st.sampled_from([True, False, "auto", "x"]), N=st.integers(0, 5), seed=st.integers(0, 99), bad=st.sampled_from([None, math.nan]))
def test_fuzz_barrier(n, d, h, npts, t, batched, N, seed, bad):
    a, b = mk_state(n, d, h, torch.float64, seed), mk_state(n, d, h, torch.float64, seed + 1)
    if bad is not None: a["b1"] = a["b1"].clone(); a["b1"].view(-1)[0] = bad
    k = min(2, n)
    fn = lambda s, x: (layer_fn("topk", k)(s, x).pow(2).sum(), max(len(x), 1))
    x = tens((N, d), torch.float64, seed)
    c = clear_or_finite(lambda: loss_barrier(fn, a, b, [x], n_points=npts, batched=batched))
    if c is not None: assert len(c.ts) == npts
    clear_or_finite(lambda: interpolate(a, b, t))

@FUZZ
@given(d=small, n=small, k=small, alpha=st.one_of(st.floats(-0.5, 1.5), st.just(math.nan)), beta=st.floats(-1, 3), mu=st.floats(-0.5, 1.5),
       smoothing=st.sampled_from(["prob", "logit", "z"]), normalize=st.sampled_from(["row", "sym", "q"]), keep=st.sampled_from([True, False, "x"]),
       statistic=st.sampled_from(["plain", "confidence", "q"]), init=st.sampled_from(["identity", "uniform", "q"]), N=st.integers(0, 5),
       sn=small, train=st.booleans(), seed=st.integers(0, 99), dtype=dtypes)
def test_fuzz_symphony(d, n, k, alpha, beta, mu, smoothing, normalize, keep, statistic, init, N, sn, train, seed, dtype):
    r = clear_or_finite(lambda: SymphonyRouter(d, n, k, alpha=alpha, beta=beta, ema_decay=mu, smoothing=smoothing, normalize=normalize,
                                    keep_diag=keep, statistic=statistic, init=init, dtype=dtype))
    if r is None: return
    r.train(train)
    s = tens((N, max(sn, 0)), dtype, seed) * 5
    out = clear_or_finite(lambda: r(s))
    if out is not None:
        idx, w, p = out
        assert idx.shape == (N, k) and (N == 0 or torch.allclose(w.sum(-1), torch.ones(N, dtype=dtype), atol=1e-4))
        assert bool((r.graph >= 0).all()) and torch.equal(r.graph, r.graph.T)
    m = clear_or_finite(lambda: MoEFFN(max(d, 1), n, 3, k=k, router=r, dtype=dtype))
    if m is not None: clear_or_finite(lambda: m(tens((N, max(d, 1)), dtype, seed)))

@FUZZ
@given(shape=st.lists(st.integers(0, 6), min_size=0, max_size=2), V=st.one_of(st.none(), st.integers(-1, 8)), rate=st.one_of(st.floats(-0.5, 1.5), st.just(math.nan)),
       mode=st.sampled_from(["random", "fixed", "x"]), rep=st.one_of(st.none(), st.integers(-1, 9)), fl=st.booleans(), seed=st.integers(0, 99))
def test_fuzz_corrupt(shape, V, rate, mode, rep, fl, seed):
    t = torch.randint(0, 6, tuple(shape), generator=torch.Generator().manual_seed(seed))
    if fl: t = t.float()
    out = clear_or_finite(lambda: corrupt_tokens(t, rate, mode=mode, replacement_id=rep, vocab_size=V, generator=torch.Generator().manual_seed(seed)))
    if out is not None:
        c, m = out
        assert c.shape == t.shape and torch.equal(c[~m], t[~m])
        if mode == "random": assert (c[m] != t[m]).all()

@FUZZ
@given(N=st.integers(0, 4), n=st.integers(0, 5), k=small, seed=st.integers(0, 99), c=st.one_of(st.floats(-1, 3), st.just(math.nan)), r=st.integers(0, 4), cc=st.integers(0, 4))
def test_fuzz_small_helpers(N, n, k, seed, c, r, cc):
    s = tens((N, n), torch.float64, seed)
    clear_or_finite(lambda: topk_select(s, k) if 1 <= k <= n else None)
    if N and n: clear_or_finite(lambda: (switch_balance_loss(torch.softmax(s, -1), topk_select(s, 1)), router_z_loss(s)))
    if n: clear_or_finite(lambda: normalize_graph(s[:n, :n].abs() if N >= n else torch.eye(n, dtype=torch.float64)))
    clear_or_finite(lambda: solve_lap(tens((r, cc), torch.float64, seed)))
    if n: clear_or_finite(lambda: scale_gate(mk_state(n, 3, 2, torch.float64, seed), c))
