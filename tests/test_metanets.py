"Metanetwork layers and models: equivariance/invariance with negative controls, completeness, nfn parity, quasi, bad input."
import math
import pytest
import torch
from hypothesis import given, settings, strategies as st
from symlearn.core import tolerance
from symlearn.equivariance import check_equivariance
from symlearn.weightspace.groups import NetSpec, WeightSpace, sample_monomial, forward
from symlearn.metanets.layers import (Feat, to_feat, MonomialLinear, NPLinear, HNPLinear, NPPool, HNPPool, MonomialInvariantPool,
                                      StatFeatures, equivariance_error, commutant_dim, layer_span, monomial_num_params, _rand_feat, act_feat)
from symlearn.metanets.models import (MonomialNFN, QuasiMonomialNFN, HNP, NP, STATNN, EquivariantNFN, QuasiScale, QuasiLinear,
                                      invariance_error, fit_channel_scales)

F64 = torch.float64
MLP = NetSpec((2, 5, 4, 3), ((),) * 3, "relu")
CNN = NetSpec((1, 3, 4, 5, 2), ((3, 3), (3, 3), (2, 2), ()), "relu")
L2 = NetSpec((3, 4, 2), ((), ()), "relu")

@pytest.fixture(autouse=True)
def f64():
    old = torch.get_default_dtype(); torch.set_default_dtype(F64); yield; torch.set_default_dtype(old)

def rand_ws(spec, B, gen, scale=1.0):
    return WeightSpace([scale * torch.randn(B, *spec.weight_shape(i), generator=gen) for i in range(spec.num_layers)],
                       [scale * torch.randn(B, spec.widths[i + 1], generator=gen) for i in range(spec.num_layers)], spec=spec)

def g_of(spec, kind, B, gen, rng=(1e-3, 1e3)):
    "Random elements; scales log-uniform in `rng` (negative controls use moderate scales so the relative error is not swamped)."
    return sample_monomial(spec, kind, rng if kind in ("pos", "any") else None, batch=B, generator=gen)

def with_act(spec, act): return NetSpec(spec.widths, spec.kernels, act, spec.strides, spec.paddings)

RT = tolerance(F64, n_terms=1000)          # check_equivariance's float64 default: 8·eps·1000 ≈ 1.8e-12

def sampler(spec, kind, B, rng=(1e-3, 1e3)):
    "`check_equivariance`'s sample: random elements of `kind` for a batch of B."
    return lambda gg: g_of(spec, kind, B, gg, rng)

ACT_IN = lambda g, a: (act_feat(g, a[0]),)                                   # features: the same g on every channel
ACT_WS = lambda g, a: (g.act(a[0], allow_nonsymmetric=True),)                # networks (negative controls need non-symmetries)

# ---- layer equivariance (20 random elements per case) with negative controls
LAYERS = {"mono_pos": (lambda s: MonomialLinear(s, 2, 3, "pos"), {"perm", "sign", "pos", "any"}),
          "mono_sign": (lambda s: MonomialLinear(s, 2, 3, "sign"), {"perm", "sign"}),
          "np": (lambda s: NPLinear(s, 2, 3), {"perm"}), "np_io": (lambda s: NPLinear(s, 2, 3, io_embed=True), {"perm"}),
          "hnp": (lambda s: HNPLinear(s, 2, 3), {"perm"})}

CASES = [(s, n) for s in (MLP, CNN, L2) for n in LAYERS if not (n == "mono_sign" and s.num_layers < 3)]   # sign layer needs L >= 3

@pytest.mark.parametrize("spec,name", CASES, ids=[f"{n}-{'L2' if s is L2 else 'cnn' if s.kernels[0] else 'mlp'}" for s, n in CASES])
def test_layer_equivariance(spec, name, gen):
    make, ok = LAYERS[name]
    lay = make(spec)
    x = _rand_feat(spec, 3, 2, gen)
    for kind in ("perm", "sign", "pos", "any"):
        r = check_equivariance(lay, (x,), sampler(spec, kind, 3, (1e-3, 1e3) if kind in ok else (0.2, 5)), ACT_IN, act_feat,
                               n_samples=20 if kind in ok else 3, generator=gen, expect=kind in ok)
        assert r, (kind, r)
        if kind not in ok: assert min(r.errors) > 1e-3, (kind, r.errors)       # every sampled non-symmetry is caught

def _uncoupled(x:Feat, i:int, gen)->Feat:
    "Permute the rows of W^(i+1), b^(i+1) (0-based layer i) without the columns of the next layer."
    n = x.biases[i].shape[2]; p = torch.randperm(n, generator=gen)
    W, b = list(x.weights), list(x.biases)
    W[i], b[i] = W[i][:, :, p], b[i][:, :, p]
    return Feat(tuple(W), tuple(b)), p

@pytest.mark.parametrize("name", ["np", "hnp", "mono_sign"])
def test_uncoupled_permutation_breaks_equivariance(name, gen):
    "Sensitivity: a layer must notice rows permuted without the matching columns (for every hidden layer it couples)."
    spec = NetSpec((2, 4, 4, 4, 3), ((),) * 4, "relu")
    lay = LAYERS[name][0](spec)
    idx = [spec.num_layers - 2] if name == "mono_sign" else range(spec.num_layers - 1)
    for i in idx:
        x = _rand_feat(spec, 2, 2, gen)
        xp, p = _uncoupled(x, i, gen)
        y, yp = lay(x), lay(xp)
        ref = Feat(tuple(w[:, :, p] if k == i else w for k, w in enumerate(y.weights)), tuple(t[:, :, p] if k == i else t for k, t in enumerate(y.biases)))
        err = (yp.flatten() - ref.flatten()).abs().max() / ref.flatten().abs().max()
        assert err > 1e-3, (name, i, err)

def test_monomial_pos_layer_ignores_coupling(gen):
    "Documented property: the (complete) pos layer commutes even with uncoupled row permutations — its terms never mix two layers."
    spec = NetSpec((2, 4, 4, 4, 3), ((),) * 4, "relu")
    lay = MonomialLinear(spec, 2, 2, "pos")
    for i in range(spec.num_layers - 1):
        x = _rand_feat(spec, 2, 2, gen); xp, p = _uncoupled(x, i, gen)
        y, yp = lay(x), lay(xp)
        ref = Feat(tuple(w[:, :, p] if k == i else w for k, w in enumerate(y.weights)), tuple(t[:, :, p] if k == i else t for k, t in enumerate(y.biases)))
        assert (yp.flatten() - ref.flatten()).abs().max() <= tolerance(F64, scale=ref.flatten().abs().max().item(), n_terms=100)   # same terms, summed in another order

@settings(max_examples=15, deadline=None)
@given(widths=st.lists(st.integers(1, 4), min_size=3, max_size=5), ci=st.integers(1, 3), co=st.integers(1, 3),
       B=st.integers(1, 3), kind=st.sampled_from(["perm", "sign", "pos", "any"]), seed=st.integers(0, 10**6))
def test_monomial_fuzz(widths, ci, co, B, kind, seed):
    spec = NetSpec(tuple(widths), ((),) * (len(widths) - 1), "relu")
    gen = torch.Generator().manual_seed(seed)
    for grp in ("pos", "sign") if len(widths) >= 4 else ("pos",):
        lay = MonomialLinear(spec, ci, co, grp)
        expect = grp == "pos" or kind in ("perm", "sign")
        r = check_equivariance(lay, (_rand_feat(spec, B, ci, gen),), sampler(spec, kind, B), ACT_IN, act_feat, n_samples=2, generator=gen)
        if expect: assert r, r
        test_n = sum(p.numel() for p in lay.parameters())
        assert test_n == monomial_num_params(spec, ci, co, grp)

# ---- completeness (dimension counts)
def test_dimension_counts():
    spec = NetSpec((2, 3, 3, 2), ((),) * 3, None)
    dims = {g: commutant_dim(spec, g) for g in ("perm", "perm_all", "sign", "pos", "any")}
    assert dims == {"perm": (114, 9), "perm_all": (62, 6), "sign": (23, 2), "pos": (19, 2), "any": (19, 2)}
    assert layer_span(MonomialLinear(spec, 1, 1, "pos"), spec)[:2] == dims["pos"]
    assert layer_span(MonomialLinear(spec, 1, 1, "sign"), spec)[:2] == dims["sign"]
    assert layer_span(NPLinear(spec, 1, 1), spec)[0] == dims["perm_all"][0]
    assert layer_span(HNPLinear(spec, 1, 1), spec)[:2] == (112, 9)     # nfn's parametrisation misses 2 of 114
    spec = NetSpec((3, 2, 2, 1), ((),) * 3, None)
    assert commutant_dim(spec, "pos") == layer_span(MonomialLinear(spec, 1, 1, "pos"), spec)[:2] == (20, 1)
    assert commutant_dim(spec, "sign") == layer_span(MonomialLinear(spec, 1, 1, "sign"), spec)[:2] == (22, 1)

# ---- nfn parity
def _nfn_spec(spec):
    from nfn.common import NetworkSpec, ArraySpec
    return NetworkSpec([ArraySpec(spec.weight_shape(i)) for i in range(spec.num_layers)], [ArraySpec((spec.widths[i + 1],)) for i in range(spec.num_layers)])

@pytest.mark.parametrize("spec", [MLP, CNN, L2, NetSpec((1, 3, 4, 2), ((3, 3), (3, 3), ()), "relu")], ids=["mlp", "cnn4", "L2", "cnn3"])
def test_nfn_parity(spec, gen):
    nl = pytest.importorskip("nfn.layers"); from nfn.common import WeightSpaceFeatures
    pairs = [(NPLinear(spec, 2, 3), nl.NPLinear(_nfn_spec(spec), 2, 3)), (NPLinear(spec, 2, 3, io_embed=True), nl.NPLinear(_nfn_spec(spec), 2, 3, io_embed=True)),
             (HNPLinear(spec, 2, 3), nl.HNPLinear(_nfn_spec(spec), 2, 3))]
    for ours, theirs in pairs:
        theirs = theirs.double()
        assert sum(p.numel() for p in ours.parameters()) == sum(p.numel() for p in theirs.parameters())
        ours.load_nfn_state_dict(theirs.state_dict())
        x = _rand_feat(spec, 4, 2, gen)
        a, b = ours(x), theirs(WeightSpaceFeatures(x.weights, x.biases))
        for p, q in zip(a.weights + a.biases, b.weights + b.biases): assert (p - q).abs().max() <= tolerance(F64, scale=1 + q.abs().max().item(), n_terms=1000)
    x = _rand_feat(spec, 4, 2, gen); xf = WeightSpaceFeatures(x.weights, x.biases)
    for ours, theirs in [(NPPool(spec, 2), nl.NPPool(_nfn_spec(spec))), (HNPPool(spec, 2), nl.HNPPool(_nfn_spec(spec)))]:
        a, b = ours(x), theirs(xf).flatten(1)
        assert a.shape == b.shape and ours.out_features == b.shape[1] == theirs.get_num_outs(_nfn_spec(spec)) * 2
        assert (a.sort(1).values - b.sort(1).values).abs().max() <= tolerance(F64, scale=1 + b.abs().max().item(), n_terms=1000)

def test_nfn_parity_reference_sizes():
    "Parameter counts on the papers' specs equal nfn's (HNP, NP) and the closed form (Monomial)."
    nl = pytest.importorskip("nfn.layers")
    for spec in [NetSpec((1, 16, 16, 16, 10), ((3, 3),) * 3 + ((),), "relu"), NetSpec((1, 8, 8, 10), ((3, 3), (3, 3), ()), "relu"),
                 NetSpec((2, 32, 32, 1), ((),) * 3, "sin")]:
        for ours, theirs in [(HNPLinear(spec, 16, 16), nl.HNPLinear(_nfn_spec(spec), 16, 16)), (NPLinear(spec, 16, 16), nl.NPLinear(_nfn_spec(spec), 16, 16))]:
            assert sum(p.numel() for p in ours.parameters()) == sum(p.numel() for p in theirs.parameters())
        assert sum(p.numel() for p in MonomialLinear(spec, 16, 16).parameters()) == monomial_num_params(spec, 16, 16)

# ---- models: invariance with negative controls
SPEC_R = NetSpec((1, 3, 3, 3, 4), ((3, 3),) * 3 + ((),), "relu")
SPEC_T = with_act(SPEC_R, "tanh")

@pytest.mark.parametrize("name,act,ok", [("mono", "relu", {"perm", "pos"}), ("mono", "tanh", {"perm", "sign"}), ("mono", "sin", {"perm", "sign"}),
                                         ("hnp", "relu", {"perm"}), ("np", "relu", {"perm"}), ("stat", "relu", {"perm"}),
                                         ("quasi_shared", "relu", {"perm", "pos"})])
def test_model_invariance(name, act, ok, gen):
    ws = rand_ws(with_act(SPEC_R, act), 3, gen)
    m = {"mono": lambda: MonomialNFN.for_space(ws, channels=(4, 4, 3), out_features=2), "hnp": lambda: HNP.for_space(ws, channels=(4, 4, 3)),
         "np": lambda: NP.for_space(ws, channels=(4, 4, 3)), "stat": lambda: STATNN.for_space(ws, head_hidden=16),
         "quasi_shared": lambda: QuasiMonomialNFN.for_space(ws, channels=(4, 4, 3), per_channel=False, eps_init=0.3)}[name]()
    for kind in ("perm", "sign", "pos"):
        r = check_equivariance(m, ws, lambda gg: g_of(ws.spec, kind, 3, gg, (1e-3, 1e3) if kind in ok else (0.2, 5)), ACT_WS,
                               n_samples=20 if kind in ok else 3, generator=gen, expect=kind in ok)
        assert r, (kind, r)
        if kind not in ok: assert min(r.errors) > 1e-3, (kind, r.errors)

def test_zero_entries_no_nan(gen):
    ws = rand_ws(SPEC_R, 2, gen)
    ws = WeightSpace([torch.zeros_like(ws.weights[0])] + list(ws.weights[1:]), list(ws.biases), spec=ws.spec)
    m = MonomialNFN.for_space(ws, channels=(2, 2, 2))
    out = m(ws); out.sum().backward()
    assert out.isfinite().all() and all(p.grad.isfinite().all() for p in m.parameters() if p.grad is not None)

# ---- quasi
def test_quasi_orbit_and_bounds(gen):
    q = QuasiLinear(MonomialLinear(SPEC_R, 3, 4), QuasiScale(SPEC_R, 3, 4, eps_init=0.3))
    for _ in range(5):
        x = _rand_feat(SPEC_R, 3, 3, gen); g = g_of(SPEC_R, "pos", 3, gen)
        Fx, Fgx = q(x), q(Feat(*g.act_features(*x)))
        hs, err = fit_channel_scales(Feat(*g.act_features(*Fx)), Fgx)
        assert err < tolerance(F64, scale=1e6, n_terms=1000) and all((h > 0).all() for h in hs)   # (a) same orbit, per channel (scale ratios ≤ 1e6)
        assert equivariance_error(q, x, g) > 1e-4                                # (c) not strictly equivariant
    with torch.no_grad(): q.quasi.rho.fill_(1e3)
    a = q.quasi(Feat(*[tuple(1e8 * t for t in part) for part in _rand_feat(SPEC_R, 2, 3, gen)]))
    assert all(((t >= 0.5) & (t <= 1.5)).all() for t in a)                      # (b) α stays positive (ε → 0.5 saturates: closed bounds)

def test_quasi_shared_is_noop_for_invariant_heads(gen):
    ws = rand_ws(SPEC_R, 3, gen)
    shared = QuasiMonomialNFN.for_space(ws, channels=(3, 3, 2), per_channel=False, eps_init=0.3)
    plain = MonomialNFN.for_space(ws, channels=(3, 3, 2))
    sd = shared.state_dict()
    plain.load_state_dict({k.replace("layers.2.base.", "layers.2."): v for k, v in sd.items() if ".quasi." not in k})
    ref = plain(ws)
    assert (shared(ws) - ref).abs().max() <= tolerance(F64, scale=1 + ref.abs().max().item(), n_terms=1000)   # (d)
    shared(ws).sum().backward()
    gq = max(p.grad.abs().max().item() for n, p in shared.named_parameters() if ".quasi." in n)
    per = QuasiMonomialNFN.for_space(ws, channels=(3, 3, 2), eps_init=0.3)
    per(ws).sum().backward()
    gp = max(p.grad.abs().max().item() for n, p in per.named_parameters() if ".quasi." in n)
    assert gp > 1e-8 and gq <= tolerance(F64, scale=gp, n_terms=1000)         # (e): the shared α's gradient is round-off
    assert invariance_error(per, ws, g_of(ws.spec, "pos", 3, gen)) > 1e-8        # per-channel α costs exact invariance

def test_quasi_editor_same_function(gen):
    spec = NetSpec((2, 6, 6, 1), ((),) * 3, "relu")
    ws = rand_ws(spec, 4, gen); x = torch.randn(30, 2, generator=gen)
    E = EquivariantNFN.for_space(ws, quasi=True, eps_init=0.3)
    for _ in range(5):
        g = g_of(spec, "pos", 4, gen)
        f1, f2 = forward(E(ws), x), forward(E(g.act(ws)), x)
        assert (f1 - f2).abs().max() <= tolerance(F64, scale=1e3 * (1 + f1.abs().max().item()), n_terms=1000)   # g's scales ≤ 1e3
        a, b = E(g.act(ws)), g.act(E(ws))
        assert (a.flatten() - b.flatten()).abs().max() > 1e-4 * b.flatten().abs().max()

@pytest.mark.parametrize("layer,act,kind", [("monomial", "relu", "pos"), ("monomial", "tanh", "sign"), ("hnp", "relu", "perm"), ("np", "relu", "perm")])
def test_editor_equivariance(layer, act, kind, gen):
    spec = NetSpec((2, 5, 5, 1), ((),) * 3, act)
    ws = rand_ws(spec, 3, gen); E = EquivariantNFN.for_space(ws, layer=layer, channels=(4, 4))
    r = check_equivariance(lambda w: tuple(E(w).weights + E(w).biases), ws, sampler(spec, kind, 3), lambda g, a: (g.act(a[0]),),
                           lambda g, y: (lambda o: o.weights + o.biases)(g.act(WeightSpace(list(y[:3]), list(y[3:]), spec=spec))),
                           n_samples=10, generator=gen)
    assert r, r

# ---- bad input
def test_bad_input(gen):
    ws = rand_ws(SPEC_R, 2, gen)
    m = MonomialNFN.for_space(ws, channels=(2, 2, 2))
    with pytest.raises(ValueError, match="widths"): m(rand_ws(NetSpec((1, 3, 4, 3, 4), SPEC_R.kernels, "relu"), 2, gen))
    with pytest.raises(ValueError, match="allow_mismatch"): m(rand_ws(SPEC_T, 2, gen))
    assert MonomialNFN.for_space(ws, channels=(2, 2, 2), allow_mismatch=True)(rand_ws(SPEC_T, 2, gen)).shape == (2, 1)
    with pytest.raises(TypeError, match="ws"): m(torch.zeros(3))
    with pytest.raises(ValueError, match="eps_max"): QuasiMonomialNFN.for_space(ws, eps_max=1.0)
    with pytest.raises(ValueError, match="eps_max"): QuasiMonomialNFN.for_space(ws, eps_max=-0.1)
    with pytest.raises(ValueError, match="eps_init"): QuasiScale(SPEC_R, 1, 1, eps_max=0.1, eps_init=0.2)
    with pytest.raises(ValueError, match="quasi"): MonomialNFN.for_space(rand_ws(SPEC_T, 2, gen), quasi={})
    with pytest.raises(ValueError, match="group"): MonomialLinear(L2, 1, 1, "sign")
    with pytest.raises(ValueError, match="group"): MonomialLinear(SPEC_R, 1, 1, "perm")
    with pytest.raises(ValueError, match="activation"): MonomialNFN(NetSpec((2, 3, 1), ((), ()), None))
    with pytest.raises(ValueError, match="L >= 2"): HNP(NetSpec((2, 1), ((),), "relu"))
    with pytest.raises(TypeError, match="spec"): NPLinear((2, 3, 1), 1, 1)
    with pytest.raises(ValueError, match="weights"): MonomialLinear(SPEC_R, 2, 2)(to_feat(ws))       # 1 channel given, 2 expected
    with pytest.raises(ValueError, match="layer"): EquivariantNFN.for_space(ws, layer="gnn")
    with pytest.raises(ValueError, match="quasi"): EquivariantNFN.for_space(ws, layer="hnp", quasi=True)

def test_monomial_model_blind_to_uncoupled_permutations(gen):
    "Documented limitation: the pos Monomial-NFN gives the same output for a net and a copy whose hidden rows are permuted without the next layer's columns (a different function); HNP does not."
    spec = NetSpec((2, 5, 5, 5, 3), ((),) * 4, "relu")
    ws = rand_ws(spec, 3, gen)
    W, b = list(ws.weights), list(ws.biases); p = torch.randperm(5, generator=gen)
    W[1], b[1] = W[1][:, p], b[1][:, p]
    scrambled = WeightSpace(W, b, spec=spec)
    x = torch.randn(20, 2, generator=gen)
    assert (forward(ws, x) - forward(scrambled, x)).abs().max() > 1e-3          # a different function
    m, h = MonomialNFN.for_space(ws, channels=(3, 3, 2)), HNP.for_space(ws, channels=(3, 3, 2))
    assert (m(ws) - m(scrambled)).abs().max() <= tolerance(F64, scale=1 + m(ws).abs().max().item(), n_terms=1000)
    assert (h(ws) - h(scrambled)).abs().max() > 1e-6
