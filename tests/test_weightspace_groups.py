"Weight spaces and the monomial group: axioms, function preservation on trained nets, round trips, matching, bad input."
import math
import pytest
import torch
from torch import nn
from hypothesis import given, settings, strategies as st

from symlearn.core import tolerance
from symlearn.equivariance import check_equivariance
from symlearn.weightspace.groups import (WeightSpace, NetSpec, MonomialElement, Sine, sample_monomial, identity, forward,
                                         is_function_preserving, canonicalize, canonicalize_scale, canonicalize_sign,
                                         weight_matching, preservation_tolerance)

F64 = torch.float64

def fwd_tol(ws, y, k=1.0):
    "Round-off bound for two evaluations of the networks `ws` with outputs `y` (k: extra amplification, e.g. SIREN ω0)."
    return k * preservation_tolerance(ws.spec, ws.dtype) * (1 + y.abs().max().item())

def w_tol(ws, k=1.0, n=4):
    "Round-off bound for `n` rounded operations on the weights of `ws`, magnified by `k` (e.g. the product of group scales)."
    return tolerance(ws.dtype, scale=k * ws.flatten().abs().max().item(), n_terms=n)



def pvec(m): return nn.utils.parameters_to_vector(m.parameters()).detach()

def make_mlp(act, widths=(3, 8, 6, 2), omega=3.0):
    mods = []
    for i in range(len(widths) - 1):
        mods.append(nn.Linear(widths[i], widths[i+1]))
        if i < len(widths) - 2: mods.append({"relu": nn.ReLU, "tanh": nn.Tanh}[act]() if act != "sin" else Sine(omega))
    return nn.Sequential(*mods).double()

def make_cnn(act):
    A = {"relu": nn.ReLU, "tanh": nn.Tanh}[act]
    return nn.Sequential(nn.Conv2d(1, 4, 3, padding=1), A(), nn.Conv2d(4, 5, 3, stride=2, padding=1), A(),
                         nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(5, 6), A(), nn.Linear(6, 3)).double()

def train(net, x, y, steps=60, lr=1e-2):
    "A short Adam fit so the weights are 'trained', not just random."
    opt = torch.optim.Adam(net.parameters(), lr=lr)
    for _ in range(steps):
        opt.zero_grad(); loss = (net(x) - y).pow(2).mean(); loss.backward(); opt.step()
    return net

@pytest.fixture(scope="module")
def trained():
    "Trained MLP/CNN/SIREN for every activation they support (float64)."
    torch.manual_seed(0)
    g = torch.Generator().manual_seed(0)
    x = torch.randn(64, 3, generator=g, dtype=F64); y = torch.randn(64, 2, generator=g, dtype=F64)
    xi = torch.randn(32, 1, 8, 8, generator=g, dtype=F64); yi = torch.randn(32, 3, generator=g, dtype=F64)
    xs = torch.rand(49, 2, generator=g, dtype=F64) * 2 - 1; ys = torch.sin(3 * xs[:, :1]) * xs[:, 1:]
    nets = {("mlp", a): train(make_mlp(a), x, y) for a in ("relu", "tanh")}
    nets.update({("cnn", a): train(make_cnn(a), xi, yi, steps=30) for a in ("relu", "tanh")})
    nets[("siren", "sin")] = train(make_mlp("sin", (2, 16, 16, 1), omega=10.0), xs, ys, steps=100, lr=1e-3)
    return nets

RIGHT = {"relu": "pos", "tanh": "sign", "sin": "sign"}
WRONG = {"relu": "sign", "tanh": "pos", "sin": "pos"}
CASES = [("mlp", "relu"), ("mlp", "tanh"), ("cnn", "relu"), ("cnn", "tanh"), ("siren", "sin")]


@pytest.mark.parametrize("arch,act", CASES)
def test_function_preservation_trained(trained, arch, act):
    net = trained[(arch, act)]
    ws = WeightSpace.from_module(net)
    gen = torch.Generator().manual_seed(1)
    sr = (1e-3, 1e3) if RIGHT[act] == "pos" else None
    sw = (1e-3, 1e3) if WRONG[act] == "pos" else None
    x = torch.randn(16, *((1, 8, 8) if arch == "cnn" else (ws.spec.widths[0],)), generator=gen, dtype=F64)
    # the transformed module itself (not only the functional forward) computes the same function: invariance of θ -> f(x; θ)
    f = lambda w: w.to_module()(x)
    # scales up to 1e3 magnify round-off of the pre-activations by up to their ratio
    rt = fwd_tol(ws, net(x), k=1e6 if sr else (10.0 if act == "sin" else 1.0))
    ok = check_equivariance(f, ws, lambda gg: sample_monomial(ws, RIGHT[act], sr, generator=gg), lambda g, a: (g.act(a[0]),),
                            n_samples=20, generator=gen, rtol=rt)
    assert ok, ok
    # negative control: the other subgroup must change the function
    bad = check_equivariance(f, ws, lambda gg: sample_monomial(ws, WRONG[act], sw, generator=gg),
                             lambda g, a: (g.act(a[0], allow_nonsymmetric=True),), n_samples=5, generator=gen, rtol=1e-3, expect=False)
    assert bad and min(bad.errors) > 1e-3, bad
    for k in range(5):
        assert is_function_preserving(net, sample_monomial(ws, RIGHT[act], sr, generator=gen), x, atol=rt)
        assert not is_function_preserving(net, sample_monomial(ws, WRONG[act], sw, generator=gen))


def test_float32_permutation_preserved_by_default(trained):
    "The default tolerance follows the dtype: a float32 CNN and a permutation pass, a non-symmetry still fails."
    import copy
    net = copy.deepcopy(trained[("cnn", "relu")]).float(); ws = WeightSpace.from_module(net)
    gen = torch.Generator().manual_seed(0)
    for _ in range(10):
        r = is_function_preserving(net, sample_monomial(ws, "perm", generator=gen))
        assert r and r.max_dev > 0, r                          # float32 round-off is visible, and tolerated
        assert not is_function_preserving(net, sample_monomial(ws, "sign", generator=gen))
    assert not is_function_preserving(copy.deepcopy(trained[("cnn", "tanh")]).float(), sample_monomial(ws, "pos", (2.0, 10.0), generator=gen))
    assert preservation_tolerance(ws.spec, torch.float32) > preservation_tolerance(ws.spec, F64)


@pytest.mark.parametrize("arch,act", CASES)
def test_permutation_preserves_and_uncoupled_fails(trained, arch, act):
    net = trained[(arch, act)]; ws = WeightSpace.from_module(net)
    g = sample_monomial(ws, "perm", generator=torch.Generator().manual_seed(5))
    assert is_function_preserving(ws, g)
    # uncoupled: permute rows of layer 1 only
    p = torch.roll(torch.arange(ws.spec.widths[1]), 1)
    W = list(ws.weights); B = list(ws.biases); W[0] = W[0][:, p]; B[0] = B[0][:, p]
    un = WeightSpace(W, B, spec=ws.spec)
    x = torch.randn(16, *((1, 8, 8) if arch == "cnn" else (ws.spec.widths[0],)), dtype=F64)
    assert (forward(un, x) - forward(ws, x)).abs().max() > 1e-3


def test_wrong_subgroup_refused_without_flag(trained):
    ws = WeightSpace.from_module(trained[("mlp", "tanh")])
    with pytest.raises(ValueError, match="tanh"): sample_monomial(ws, "pos").act(ws)
    wr = WeightSpace.from_module(trained[("mlp", "relu")])
    g = sample_monomial(wr, "sign", generator=torch.Generator().manual_seed(0))
    with pytest.raises(ValueError, match="ReLU"): g.act(wr)
    g.act(wr, allow_nonsymmetric=True)


@pytest.mark.parametrize("arch,act", CASES)
def test_round_trip(trained, arch, act):
    net = trained[(arch, act)]
    ws = WeightSpace.from_module(net)
    back = ws.to_module()
    assert type(back) is nn.Sequential and pvec(back).dtype == F64
    if act == "sin":  # omega_0 folded and unfolded: two roundings
        assert (pvec(back) - pvec(net)).abs().max() <= tolerance(F64, scale=pvec(net).abs().max().item(), n_terms=2)
    else:
        assert torch.equal(pvec(back), pvec(net))
        assert torch.equal(ws.flatten()[0], pvec(net))
    assert WeightSpace.from_module(back).max_diff(ws) <= w_tol(ws, n=2)
    assert WeightSpace.unflatten(ws.flatten(), ws.spec).max_diff(ws) == 0


@pytest.mark.parametrize("arch,act", CASES)
def test_batched_forward_equals_per_network(arch, act):
    torch.manual_seed(3)
    mk = (lambda: make_cnn(act)) if arch == "cnn" else (lambda: make_mlp(act, (2, 16, 16, 1), 10.) if arch == "siren" else make_mlp(act))
    nets = [mk() for _ in range(5)]
    ws = WeightSpace.from_modules(nets)
    shape = (1, 8, 8) if arch == "cnn" else (ws.spec.widths[0],)
    x = torch.randn(7, *shape, dtype=F64)
    out = forward(ws, x)
    k = 10.0 if arch == "siren" else 1.0                                     # ω0 = 10 folded into the pre-activations
    for b, n in enumerate(nets): assert (out[b] - n(x)).abs().max() <= fwd_tol(ws, out, k)
    xb = torch.randn(5, 7, *shape, dtype=F64)   # per-network inputs
    out = forward(ws, xb)
    for b, n in enumerate(nets): assert (out[b] - n(xb[b])).abs().max() <= fwd_tol(ws, out, k)
    assert [torch.equal(pvec(m), pvec(n)) for m, n in zip(ws.to_modules(), nets)] == [True] * 5


def test_forward_float32_respects_dtype():
    ws = WeightSpace.from_modules([make_mlp("relu").float() for _ in range(3)])
    assert forward(ws, torch.randn(4, 3)).dtype == torch.float32
    with pytest.raises(ValueError, match="dtype"): forward(ws, torch.randn(4, 3, dtype=F64))


# ---------------------------------------------------------------- group axioms (hypothesis)

def rand_space(widths, B, seed, act=None):
    g = torch.Generator().manual_seed(seed)
    W = [torch.randn(B, widths[i+1], widths[i], generator=g, dtype=F64) for i in range(len(widths) - 1)]
    b = [torch.randn(B, widths[i+1], generator=g, dtype=F64) for i in range(len(widths) - 1)]
    return WeightSpace(W, b, act)

widths_st = st.lists(st.integers(1, 6), min_size=3, max_size=5)

@settings(max_examples=25, deadline=None)
@given(widths=widths_st, B=st.integers(1, 3), seed=st.integers(0, 10_000), kind=st.sampled_from(["perm", "sign", "pos", "any"]))
def test_group_axioms(widths, B, seed, kind):
    ws = rand_space(widths, B, seed)
    gen = torch.Generator().manual_seed(seed + 1)
    sr = (1e-2, 1e2) if kind in ("pos", "any") else None
    g, h = sample_monomial(ws, kind, sr, generator=gen), sample_monomial(ws, kind, sr, generator=gen)
    assert g.compose(h).act(ws).max_diff(g.act(h.act(ws))) <= w_tol(ws, k=1e8)        # scales ≤ 1e2 each: entries ≤ 1e8 |θ|
    assert g.inverse().act(g.act(ws)).max_diff(ws) <= w_tol(ws, k=1e4)
    assert identity(ws).act(ws).max_diff(ws) == 0
    e = g.compose(g.inverse())
    for p, d in zip(e.perms, e.scales):
        assert torch.equal(p, torch.arange(p.shape[1]).expand_as(p))
        assert (d - 1).abs().max() <= tolerance(d, n_terms=2)
    for d in g.scales:   # sampled elements lie in the requested subgroup
        if kind == "perm": assert bool((d == 1).all())
        if kind == "sign": assert bool((d.abs() == 1).all())
        if kind == "pos":
            t = tolerance(d, n_terms=4)     # exp(log lo + u (log hi - log lo)): a few roundings
            assert bool((d > 0).all()) and bool((d >= 1e-2 * (1 - t)).all()) and bool((d <= 1e2 * (1 + t)).all())
    # associativity
    k = sample_monomial(ws, kind, sr, generator=gen)
    a1, a2 = g.compose(h).compose(k), g.compose(h.compose(k))
    for p1, p2, d1, d2 in zip(a1.perms, a2.perms, a1.scales, a2.scales):
        assert torch.equal(p1, p2) and ((d1 - d2).abs() <= tolerance(d1, n_terms=4) * d2.abs()).all()


@settings(max_examples=15, deadline=None)
@given(widths=widths_st, seed=st.integers(0, 10_000))
def test_action_matches_dense_matrix_reference(widths, seed):
    ws = rand_space(widths, 2, seed)
    g = sample_monomial(ws, "any", (0.1, 10), generator=torch.Generator().manual_seed(seed))
    M = [None] + g.matrices() + [None]
    W = [w if M[i+1] is None else M[i+1] @ w for i, w in enumerate(ws.weights)]
    W = [w if M[i] is None else w @ torch.linalg.inv(M[i]) for i, w in enumerate(W)]
    Bv = [b if M[i+1] is None else (M[i+1] @ b[..., None])[..., 0] for i, b in enumerate(ws.biases)]
    assert g.act(ws).max_diff(WeightSpace(W, Bv, spec=ws.spec)) <= w_tol(ws, k=1e2, n=max(widths))   # inv() sums n terms


def test_act_features_channels():
    "The nfn feature layout: the same transformation on every channel."
    ws = rand_space((3, 5, 4, 2), 2, 0)
    g = sample_monomial(ws, "any", generator=torch.Generator().manual_seed(0))
    W = [torch.randn(2, 3, *w.shape[1:], dtype=F64) for w in ws.weights]
    Bb = [torch.randn(2, 3, b.shape[1], dtype=F64) for b in ws.biases]
    Wg, Bg = g.act_features(W, Bb)
    for c in range(3):
        one = WeightSpace([w[:, c] for w in W], [b[:, c] for b in Bb], None)
        assert g.act(one).max_diff(WeightSpace([w[:, c] for w in Wg], [b[:, c] for b in Bg], None)) == 0


# ---------------------------------------------------------------- canonical forms and matching

def test_canonical_forms_invariant(trained):
    gen = torch.Generator().manual_seed(7)
    for arch, act in CASES:
        ws = WeightSpace.from_module(trained[(arch, act)])
        c, gc = canonicalize(ws)
        assert gc.act(ws).max_diff(c) <= w_tol(c)
        assert is_function_preserving(ws, gc)
        kind = RIGHT[act]
        g = sample_monomial(ws, kind, (1e-3, 1e3) if kind == "pos" else None, generator=gen)
        c2, _ = canonicalize(g.act(ws))
        gperm = MonomialElement(g.perms, [torch.ones_like(d) for d in g.scales], "perm")
        assert c2.max_diff(gperm.act(c)) <= w_tol(c, k=1e3, n=max(ws.spec.widths) * 9)   # g's scales (≤ 1e3) enter the norms


def test_canonicalize_dead_neuron_and_zero_bias():
    ws = rand_space((3, 4, 2), 1, 0, "relu")
    W = [w.clone() for w in ws.weights]; B = [b.clone() for b in ws.biases]
    W[0][0, 1] = 0; B[0][0, 1] = 0          # dead neuron: left alone, no NaN
    c, g = canonicalize_scale(WeightSpace(W, B, "relu"))
    assert all(torch.isfinite(t).all() for t in c.weights + c.biases)
    wt = WeightSpace([w.clone() for w in ws.weights], [b.clone() for b in ws.biases], "tanh")
    wt.biases[0][0, 2] = 0; wt.weights[0][0, 2, 0] = -1.5
    ct, _ = canonicalize_sign(wt)
    assert ct.weights[0][0, 2, 0] == 1.5


@pytest.mark.parametrize("arch,act", CASES)
def test_weight_matching_recovers_planted_permutation(trained, arch, act):
    ws = WeightSpace.from_module(trained[(arch, act)])
    for seed in range(3):
        g = sample_monomial(ws, "perm", generator=torch.Generator().manual_seed(seed))
        h = weight_matching(ws, g.act(ws))
        assert [p.tolist() for p in h.perms] == [p.tolist() for p in g.inverse().perms]
        assert h.act(g.act(ws)).max_diff(ws) == 0


def test_weight_matching_monomial_after_canonicalisation(trained):
    for arch, act in CASES:
        ws = WeightSpace.from_module(trained[(arch, act)])
        kind = RIGHT[act]
        g = sample_monomial(ws, kind, (1e-2, 1e2) if kind == "pos" else None, generator=torch.Generator().manual_seed(1))
        ca, _ = canonicalize(ws); cb, _ = canonicalize(g.act(ws))
        h = weight_matching(ca, cb)
        assert h.act(cb).max_diff(ca) <= w_tol(ca, k=1e2, n=max(ws.spec.widths) * 9)


def test_weight_matching_matches_scipy_bruteforce():
    "On a 1-hidden-layer net the objective is a single assignment; compare with brute force over all perms."
    import itertools
    ws_a, ws_b = rand_space((2, 5, 2), 1, 11), rand_space((2, 5, 2), 1, 12)
    h = weight_matching(ws_a, ws_b)
    def score(p):
        Wb = [ws_b.weights[0][0][list(p)], ws_b.weights[1][0][:, list(p)]]; bb = ws_b.biases[0][0][list(p)]
        return float((ws_a.weights[0][0] * Wb[0]).sum() + (ws_a.weights[1][0] * Wb[1]).sum() + (ws_a.biases[0][0] * bb).sum())
    best = max(itertools.permutations(range(5)), key=score)
    assert h.perms[0][0].tolist() == list(best)


# ---------------------------------------------------------------- bad input

def test_bad_input():
    with pytest.raises(ValueError, match="chain"):
        WeightSpace([torch.randn(1, 3, 2), torch.randn(1, 2, 4)], [torch.randn(1, 3), torch.randn(1, 2)])
    with pytest.raises(ValueError, match=r"`biases\[1\]`"):
        WeightSpace([torch.randn(1, 3, 2), torch.randn(1, 2, 3)], [torch.randn(1, 3), torch.randn(1, 3)])
    with pytest.raises(ValueError, match="one bias per layer"):
        WeightSpace([torch.randn(1, 3, 2)], [torch.randn(1, 3), torch.randn(1, 3)])
    with pytest.raises(TypeError, match="dtype"):
        WeightSpace([torch.ones(1, 3, 2, dtype=torch.int32)], [torch.ones(1, 3)])
    with pytest.raises(ValueError, match="finite"):
        WeightSpace([torch.full((1, 3, 2), float("inf"))], [torch.ones(1, 3)])
    WeightSpace([torch.full((1, 3, 2), float("inf"))], [torch.ones(1, 3)], check_finite=False)
    with pytest.raises(ValueError, match="`activation`"):
        WeightSpace([torch.randn(1, 3, 2)], [torch.randn(1, 3)], "gelu")
    ws = rand_space((3, 4, 2), 2, 0, "relu")
    with pytest.raises(ValueError, match="hidden widths"):
        sample_monomial(rand_space((3, 5, 2), 2, 0), "perm").act(ws)
    with pytest.raises(ValueError, match="batch"):
        sample_monomial(ws, "perm", batch=3).act(ws)
    for sr in [(0.0, 1.0), (-1.0, 2.0)]:
        with pytest.raises(ValueError, match=r"`scale_range\[0\]`"): sample_monomial(ws, "pos", sr)
    with pytest.raises(ValueError, match="scale_range"): sample_monomial(ws, "pos", (3.0, 2.0))
    with pytest.raises(ValueError, match="`scale_range`"): sample_monomial(ws, "perm", (1.0, 2.0))
    with pytest.raises(ValueError, match="`kind`"): sample_monomial(ws, "scale")
    with pytest.raises(ValueError, match=r"`scales\[0\]`"):
        MonomialElement([torch.arange(4)[None]], [torch.zeros(1, 4)])
    with pytest.raises(ValueError, match=r"`scales\[0\]`"):
        MonomialElement([torch.arange(4)[None]], [-torch.ones(1, 4)], "pos")
    with pytest.raises(ValueError, match=r"`perms\[0\]`"):
        MonomialElement([torch.zeros(1, 4, dtype=torch.long)], [torch.ones(1, 4)])
    wt = rand_space((3, 4, 2), 2, 0, "sin")
    with pytest.raises(ValueError, match="sin"): sample_monomial(wt, "pos").act(wt)
    with pytest.raises(ValueError, match="`ws`"): canonicalize_scale(wt)
    with pytest.raises(ValueError, match="`ws_b`"): weight_matching(ws, rand_space((3, 5, 2), 2, 0, "relu"))
    with pytest.raises(TypeError, match="`module`"): WeightSpace.from_module(nn.Linear(2, 3))
    with pytest.raises(ValueError, match=r"`module\[2\]`"):
        WeightSpace.from_module(nn.Sequential(nn.Conv2d(1, 2, 3), nn.ReLU(), nn.Flatten(), nn.Linear(2, 1)))
    with pytest.raises(ValueError, match="`index`"): ws.to_module()
    with pytest.raises(ValueError, match="`modules"):
        WeightSpace.from_modules([make_mlp("relu"), make_mlp("tanh")])


@settings(max_examples=20, deadline=None)
@given(widths=st.lists(st.integers(1, 6), min_size=3, max_size=5), act=st.sampled_from(["relu", "tanh", "sin"]),
       seed=st.integers(0, 10_000))
def test_function_preservation_property(widths, act, seed):
    "Random architectures: the activation's own subgroup preserves the function; the wrong one (almost always) not."
    from symlearn.weightspace.groups import symmetry_group
    ws = rand_space(widths, 2, seed, act)
    gen = torch.Generator().manual_seed(seed)
    kind = symmetry_group(act)
    g = sample_monomial(ws, kind, (1e-3, 1e3) if kind == "pos" else None, generator=gen)
    x = torch.randn(32, widths[0], generator=gen, dtype=F64)
    assert is_function_preserving(ws, g, x, atol=1e6 * preservation_tolerance(ws.spec, ws.dtype) if kind == "pos" else None)  # scales up to 1e3
    # and the transformed space is refused for the other activation's group unless allowed
    other = "sign" if kind == "pos" else "pos"
    h = sample_monomial(ws, other, (2.0, 10.0) if other == "pos" else None, generator=gen)
    if any(bool((d != 1).any()) for d in h.scales):
        with pytest.raises(ValueError): h.act(ws)


@settings(max_examples=10, deadline=None)
@given(B=st.integers(1, 4), c1=st.integers(1, 5), c2=st.integers(1, 5), stride=st.integers(1, 2), pad=st.integers(0, 1),
       k=st.sampled_from([1, 3]), seed=st.integers(0, 1000))
def test_batched_conv_forward_property(B, c1, c2, stride, pad, k, seed):
    "The batched CNN forward equals nn.Conv2d modules for random channel counts, strides, paddings, kernels."
    torch.manual_seed(seed)
    nets = [nn.Sequential(nn.Conv2d(2, c1, k, padding=pad), nn.Tanh(), nn.Conv2d(c1, c2, k, stride=stride, padding=pad), nn.Tanh(),
                          nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(c2, 3)).double() for _ in range(B)]
    ws = WeightSpace.from_modules(nets)
    x = torch.randn(4, 2, 7, 6, dtype=F64)
    out = forward(ws, x)
    for b, n in enumerate(nets): assert (out[b] - n(x)).abs().max() <= fwd_tol(ws, out)


def test_act_features_bad_shapes():
    ws = rand_space((3, 5, 4, 2), 2, 0)
    g = sample_monomial(ws, "perm")
    W, Bb = ws.features()
    with pytest.raises(ValueError, match=r"`weights\[0\]`"): g.act_features([W[0][:, :, :4]] + list(W[1:]), Bb)
    with pytest.raises(ValueError, match=r"`weights\[0\]`"): g.act_features([w[:1] for w in W], [b[:1] for b in Bb])
    with pytest.raises(ValueError, match="`weights`"): g.act_features(W[:2], Bb[:2])


@pytest.mark.parametrize("arch,act", CASES)
def test_from_state_dicts(trained, arch, act):
    net = trained[(arch, act)]; ws = WeightSpace.from_module(net)
    got = WeightSpace.from_state_dicts([net.state_dict(), net.state_dict()], ws.spec)
    assert got.batch_size == 2 and got.max_diff(WeightSpace.cat([ws, ws])) <= w_tol(ws, n=2)
    with pytest.raises(ValueError, match=r"`state_dicts\[0\]`"):
        WeightSpace.from_state_dicts([dict(list(net.state_dict().items())[:-1])], ws.spec)
