"Selective scan: schedules vs the sequential reference, momentum forms, independent oracles, gradients, bad input."
import math
import numpy as np
import pytest
import torch
import torch.nn.functional as F
from hypothesis import given, settings, strategies as st, HealthCheck

from symlearn.ssm.scan import selective_scan, linear_scan, Momentum, momentum_response

F64 = torch.float64
METHODS = ("parallel", "chunked", "sequential")


def inputs(Bsz=2, L=37, D=4, N=3, dtype=F64, seed=0, decay="mixed"):
    g = torch.Generator().manual_seed(seed)
    x = torch.randn(Bsz, L, D, generator=g, dtype=dtype)
    delta = F.softplus(torch.randn(Bsz, L, D, generator=g, dtype=dtype))
    if decay == "slow": delta = delta * 1e-3        # Ā ≈ 1
    if decay == "fast": delta = delta * 50 + 1      # Ā ≈ 0
    A = -torch.rand(D, N, generator=g, dtype=dtype) * 2 - 0.05
    B = torch.randn(Bsz, L, N, generator=g, dtype=dtype)
    C = torch.randn(Bsz, L, N, generator=g, dtype=dtype)
    Dv = torch.randn(D, generator=g, dtype=dtype)
    z = torch.randn(Bsz, L, D, generator=g, dtype=dtype)
    return x, delta, A, B, C, Dv, z


# --- independent oracles (written from the equations, not from the library) -----------------------------------------

def oracle_vanilla(x, delta, A, B, C, D=None, z=None, zoh=False):
    "Indexed loop over (b, t, d, n) in the style of Mamba's reference `selective_scan_ref`."
    Bsz, L, Dd = x.shape; N = A.shape[1]
    h = torch.zeros(Bsz, Dd, N, dtype=x.dtype)
    ys = []
    for t in range(L):
        dA = delta[:, t, :, None] * A
        Abar = torch.exp(dA)
        coef = (torch.expm1(dA) / A) if zoh else delta[:, t, :, None]
        h = Abar * h + coef * B[:, t, None, :] * x[:, t, :, None]
        y = (h * C[:, t, None, :]).sum(-1)
        if D is not None: y = y + D * x[:, t]
        if z is not None: y = y * (z[:, t] * torch.sigmoid(z[:, t]))
        ys.append(y)
    return torch.stack(ys, 1)


def oracle_momentum_second_order(x, delta, A, B, C, beta, alpha):
    "Heavy-ball form h_t = (Ā_t + β) h_{t-1} - β Ā_{t-1} h_{t-2} + α b_t (real β)."
    Abar = torch.exp(delta[..., None] * A); b = delta[..., None] * B[:, :, None] * x[..., None]
    L = x.shape[1]; hs = []
    hm1 = torch.zeros_like(b[:, 0]); hm2 = torch.zeros_like(b[:, 0]); Aprev = torch.zeros_like(b[:, 0])
    for t in range(L):
        h = (Abar[:, t] + beta) * hm1 - beta * Aprev * hm2 + alpha * b[:, t]
        hs.append(h); hm2, hm1, Aprev = hm1, h, Abar[:, t]
    return torch.einsum("bldn,bln->bld", torch.stack(hs, 1), C)


def oracle_block2x2(x, delta, A, B, C, beta, alpha):
    "Hillis–Steele doubling scan over 2x2 upper-triangular blocks M=[[p,q],[0,r]], f=(f1,f2) (out of place)."
    Abar = torch.exp(delta[..., None] * A); b = alpha * delta[..., None] * B[:, :, None] * x[..., None]
    p = Abar.clone(); q = torch.full_like(p, beta); r = torch.full_like(p, beta); f1 = b.clone(); f2 = b.clone()
    L, k = x.shape[1], 1
    while k < L:
        # combine element t (later) with element t-k (earlier): M = M_t M_{t-k}, f = M_t f_{t-k} + f_t
        pp, qp, rp, f1p, f2p = (torch.cat([torch.ones_like(t_[:, :k]) if i in (0, 2) else torch.zeros_like(t_[:, :k]),
                                           t_[:, :-k]], 1) for i, t_ in enumerate((p, q, r, f1, f2)))
        p, q, r, f1, f2 = p * pp, p * qp + q * rp, r * rp, p * f1p + q * f2p + f1, r * f2p + f2
        k *= 2
    return torch.einsum("bldn,bln->bld", f1, C)


def oracle_complex_3state(x, delta, A, B, C, r, theta, alpha):
    "Complex momentum with real arithmetic only: (v_re, v_im) rotated-and-scaled by r R(θ), h driven by v_re."
    Abar = torch.exp(delta[..., None] * A); b = alpha * delta[..., None] * B[:, :, None] * x[..., None]
    c, s = r * math.cos(theta), r * math.sin(theta)
    vr = torch.zeros_like(b[:, 0]); vi = torch.zeros_like(vr); h = torch.zeros_like(vr); hs = []
    for t in range(x.shape[1]):
        vr, vi = c * vr - s * vi + b[:, t], s * vr + c * vi
        h = Abar[:, t] * h + vr; hs.append(h)
    return torch.einsum("bldn,bln->bld", torch.stack(hs, 1), C)


def plain_autograd_scan(a, u):
    "Reference for gradients: a Python loop under plain autograd (no custom Function)."
    h, out = torch.zeros_like(u[:, 0]), []
    for t in range(u.shape[1]): h = a[:, t] * h + u[:, t]; out.append(h)
    return torch.stack(out, 1)


# --- 1. schedules agree ----------------------------------------------------------------------------------------------

@pytest.mark.parametrize("L", [1, 2, 3, 7, 64, 300])
@pytest.mark.parametrize("decay", ["mixed", "slow", "fast"])
def test_schedules_agree_fixed_lengths(L, decay):
    x, delta, A, B, C, D, z = inputs(L=L, decay=decay, seed=L)
    for mom in (None, Momentum(0.9, 0.3), Momentum(0.95 * np.exp(0.7j), 1.0)):
        ref = selective_scan(x, delta, A, B, C, D, z, momentum=mom, method="sequential")
        for m in ("parallel", "chunked"):
            assert (selective_scan(x, delta, A, B, C, D, z, momentum=mom, method=m) - ref).abs().max() < 1e-10
        for c in (1, 2, 5, L, L + 3):
            assert (selective_scan(x, delta, A, B, C, D, z, momentum=mom, method="chunked", chunk_size=c) - ref).abs().max() < 1e-10


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(L=st.integers(1, 200), Bsz=st.integers(1, 3), D=st.integers(1, 4), N=st.integers(1, 4),
       r=st.floats(0.0, 0.99), theta=st.floats(0.0, math.pi), cplx=st.booleans(), seed=st.integers(0, 10**6),
       chunk=st.integers(1, 40), with_state=st.booleans())
def test_schedules_agree_hypothesis(L, Bsz, D, N, r, theta, cplx, seed, chunk, with_state):
    x, delta, A, B, C, Dv, z = inputs(Bsz, L, D, N, seed=seed)
    beta = r * complex(math.cos(theta), math.sin(theta)) if cplx else r
    mom = Momentum(beta, 0.7)
    g = torch.Generator().manual_seed(seed + 1)
    state = None
    if with_state:
        h0 = torch.randn(Bsz, D, N, generator=g, dtype=F64)
        v0 = torch.randn(Bsz, D, N, generator=g, dtype=torch.complex128 if cplx else F64)
        state = (h0, v0)
    ref = selective_scan(x, delta, A, B, C, Dv, z, momentum=mom, method="sequential", state=state)
    for m, kw in (("parallel", {}), ("chunked", {"chunk_size": chunk})):
        out = selective_scan(x, delta, A, B, C, Dv, z, momentum=mom, method=m, state=state, **kw)
        assert (out - ref).abs().max().item() < 1e-10


# --- 2. momentum forms agree -----------------------------------------------------------------------------------------

@pytest.mark.parametrize("beta", [0.0, 0.5, 0.9, 0.99])
def test_momentum_forms_agree(beta):
    x, delta, A, B, C, _, _ = inputs(L=300, seed=3)
    alpha = 0.7
    ref = selective_scan(x, delta, A, B, C, momentum=Momentum(beta, alpha), method="sequential")
    scale = ref.abs().max().item()
    for other in (oracle_momentum_second_order(x, delta, A, B, C, beta, alpha),
                  oracle_block2x2(x, delta, A, B, C, beta, alpha),
                  selective_scan(x, delta, A, B, C, momentum=Momentum(beta, alpha), method="parallel")):
        assert (other - ref).abs().max().item() < 1e-10 * max(1.0, scale)


# --- 3. reductions ---------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("method", METHODS)
def test_beta0_alpha1_is_vanilla_bitwise(method):
    x, delta, A, B, C, D, z = inputs(L=50)
    assert torch.equal(selective_scan(x, delta, A, B, C, D, z, momentum=dict(beta=0.0, alpha=1.0), method=method),
                       selective_scan(x, delta, A, B, C, D, z, method=method))


@pytest.mark.parametrize("method", METHODS)
def test_complex_reductions(method):
    x, delta, A, B, C, D, z = inputs(L=60, seed=5)
    real = selective_scan(x, delta, A, B, C, D, z, momentum=Momentum(0.8, 0.5), method=method)
    cplx0 = selective_scan(x, delta, A, B, C, D, z, momentum=Momentum(0.8 + 0j, 0.5), method=method)
    assert (real - cplx0).abs().max() < 1e-13
    r0 = selective_scan(x, delta, A, B, C, D, z, momentum=Momentum(0j, 1.0), method=method)
    assert (r0 - selective_scan(x, delta, A, B, C, D, z, method=method)).abs().max() < 1e-13
    th = 0.9
    c = selective_scan(x, delta, A, B, C, momentum=Momentum(0.9 * complex(math.cos(th), math.sin(th)), 0.4), method=method)
    assert (c - oracle_complex_3state(x, delta, A, B, C, 0.9, th, 0.4)).abs().max() < 1e-12
    # negative control: a different θ is a different model
    c2 = selective_scan(x, delta, A, B, C, momentum=Momentum(0.9 * complex(math.cos(1.2), math.sin(1.2)), 0.4), method=method)
    assert (c2 - c).abs().max() > 1e-3


# --- 5. independent vanilla oracle -----------------------------------------------------------------------------------

@pytest.mark.parametrize("method", METHODS)
@pytest.mark.parametrize("zoh", [False, True])
def test_vanilla_matches_indexed_oracle(method, zoh):
    x, delta, A, B, C, D, z = inputs(L=45, seed=7)
    ours = selective_scan(x, delta, A, B, C, D, z, method=method, discretization="zoh" if zoh else "euler")
    assert (ours - oracle_vanilla(x, delta, A, B, C, D, z, zoh=zoh)).abs().max() < 1e-12
    if zoh:   # negative control: Euler and ZOH differ
        assert (ours - oracle_vanilla(x, delta, A, B, C, D, z, zoh=False)).abs().max() > 1e-4


# --- 4. peer: mambapy's Blelloch pscan -------------------------------------------------------------------------------

def test_matches_mambapy_pscan():
    pscan_mod = pytest.importorskip("mambapy.pscan")
    g = torch.Generator().manual_seed(0)
    for L in (1, 5, 64, 100):
        a = torch.rand(2, L, 6, 4, generator=g, dtype=F64); u = torch.randn(2, L, 6, 4, generator=g, dtype=F64)
        theirs = pscan_mod.pscan(a.clone(), u.clone())
        for m in METHODS: assert (linear_scan(a, u, method=m) - theirs).abs().max() < 1e-10


# --- 7. closed forms -------------------------------------------------------------------------------------------------

def test_impulse_closed_forms_and_resonance():
    k = torch.arange(64, dtype=F64)
    for a, beta, alpha in ((0.9, 0.5, 2.0), (0.3, 0.8, 1.0), (0.6, 0.6, 0.4)):
        r = momentum_response(beta, alpha, a=a)["impulse"]
        expect = alpha * (k + 1) * a ** k if a == beta else alpha * (a ** (k + 1) - beta ** (k + 1)) / (a - beta)
        assert (r - expect).abs().max() < 1e-12
        assert abs(momentum_response(beta, alpha, a=a)["dc_gain"] - alpha / ((1 - a) * (1 - beta))) < 1e-9
    errs = []
    for rr in (0.8, 0.9, 0.97, 0.995):
        out = momentum_response(rr * complex(math.cos(0.6), math.sin(0.6)), n_freq=20001)
        errs.append(abs(float(out["omega"][out["H"].abs().argmax()]) - 0.6))
    assert errs[-1] < 0.01 and errs[-1] < errs[0]      # the peak approaches θ as r -> 1


# --- 8. gradient floor -----------------------------------------------------------------------------------------------

def test_gradient_floor():
    g = torch.Generator().manual_seed(0)
    L = 30
    Abar = torch.rand(1, L, 1, 1, generator=g, dtype=F64) * 0.5       # fast decay
    b = torch.randn(1, L, 1, 1, generator=g, dtype=F64)
    beta, alpha = 0.8, 0.5
    def hT(b): return linear_scan(Abar, linear_scan(torch.tensor(beta, dtype=F64), alpha * b))[0, -1, 0, 0]
    def hT_van(b): return linear_scan(Abar, b)[0, -1, 0, 0]
    J = torch.autograd.functional.jacobian(hT, b)[0, :, 0, 0]
    Jv = torch.autograd.functional.jacobian(hT_van, b)[0, :, 0, 0]
    lags = torch.arange(L - 1, -1, -1, dtype=F64)
    assert (J >= alpha * beta ** lags - 1e-15).all()
    prods = torch.stack([Abar[0, t + 1:, 0, 0].prod() for t in range(L)])
    assert (Jv - prods).abs().max() < 1e-12
    assert Jv[0] < 1e-6 and J[0] > alpha * beta ** (L - 1) * 0.99    # vanilla vanishes, momentum keeps its floor


# --- 9. gradients: fast schedules == plain-autograd reference; gradcheck ---------------------------------------------

@pytest.mark.parametrize("L", [1, 17, 64])
def test_linear_scan_grads_match_plain_autograd(L):
    g = torch.Generator().manual_seed(L)
    a = torch.rand(2, L, 3, generator=g, dtype=F64, requires_grad=True)
    u = torch.randn(2, L, 3, generator=g, dtype=F64, requires_grad=True)
    w = torch.randn(2, L, 3, generator=g, dtype=F64)
    ga_ref, gu_ref = torch.autograd.grad((plain_autograd_scan(a, u) * w).sum(), (a, u))
    for m in METHODS:
        ga, gu = torch.autograd.grad((linear_scan(a, u, method=m) * w).sum(), (a, u))
        assert (ga - ga_ref).abs().max() < 1e-10 and (gu - gu_ref).abs().max() < 1e-10


@pytest.mark.parametrize("method", METHODS)
@pytest.mark.parametrize("kind", ["vanilla", "real", "complex"])
def test_selective_scan_gradcheck(method, kind):
    x, delta, A, B, C, D, z = inputs(Bsz=1, L=6, D=2, N=2, seed=11)
    args = [t.clone().requires_grad_() for t in (x, delta, A, B, C, D, z)]
    beta = torch.tensor(0.7, dtype=F64, requires_grad=True)
    theta = torch.tensor([0.3, 1.1], dtype=F64, requires_grad=True)
    alpha = torch.tensor([0.5, 1.5], dtype=F64, requires_grad=True)
    def f(x, delta, A, B, C, D, z, beta, theta, alpha):
        mom = None
        if kind == "real": mom = Momentum(beta, alpha)
        if kind == "complex": mom = Momentum(torch.polar(beta.expand(2, 2), theta.expand(2, 2)), alpha)
        return selective_scan(x, delta, A, B, C, D, z, momentum=mom, method=method, chunk_size=4)
    assert torch.autograd.gradcheck(f, (*args, beta, theta, alpha))
    assert torch.autograd.gradgradcheck(f, (*args, beta, theta, alpha))


def test_selective_scan_grads_fast_vs_sequential():
    x, delta, A, B, C, D, z = inputs(L=70, seed=13)
    grads = {}
    for m in METHODS:
        args = [t.clone().requires_grad_() for t in (x, delta, A, B, C, D, z)]
        y = selective_scan(*args, momentum=Momentum(0.9 * complex(math.cos(0.4), math.sin(0.4)), 0.3), method=m)
        grads[m] = torch.autograd.grad(y.sin().sum(), args)
    for m in ("parallel", "chunked"):
        for g1, g2 in zip(grads[m], grads["sequential"]): assert (g1 - g2).abs().max() < 1e-10


# --- 11-13. streaming, equivariance, precision, stability -------------------------------------------------------------

@pytest.mark.parametrize("method", METHODS)
def test_split_with_carried_state(method):
    x, delta, A, B, C, D, z = inputs(L=40, seed=2)
    mom = Momentum(0.9 * complex(math.cos(1.0), math.sin(1.0)), 0.5)
    full = selective_scan(x, delta, A, B, C, D, z, momentum=mom, method=method)
    cut = 17
    y1, s = selective_scan(x[:, :cut], delta[:, :cut], A, B[:, :cut], C[:, :cut], D, z[:, :cut], momentum=mom,
                           method=method, return_state=True)
    y2 = selective_scan(x[:, cut:], delta[:, cut:], A, B[:, cut:], C[:, cut:], D, z[:, cut:], momentum=mom,
                        method=method, state=tuple(s))
    assert (torch.cat([y1, y2], 1) - full).abs().max() < 1e-12


def test_batch_permutation_equivariance():
    x, delta, A, B, C, D, z = inputs(Bsz=5, L=20, seed=4)
    perm = torch.randperm(5, generator=torch.Generator().manual_seed(0))
    y = selective_scan(x, delta, A, B, C, D, z, momentum=Momentum(0.6))
    yp = selective_scan(x[perm], delta[perm], A, B[perm], C[perm], D, z[perm], momentum=Momentum(0.6))
    assert (yp - y[perm]).abs().max() < 1e-13


@pytest.mark.parametrize("method", METHODS)
def test_float32_vs_float64(method):
    x, delta, A, B, C, D, z = inputs(Bsz=2, L=2048, D=4, N=4, seed=6)
    mom = Momentum(0.99, 0.01)
    y64 = selective_scan(x, delta, A, B, C, D, z, momentum=mom, method=method)
    y32 = selective_scan(*(t.float() for t in (x, delta, A, B, C, D, z)), momentum=mom, method=method)
    assert y32.dtype == torch.float32
    assert ((y32.double() - y64).norm() / y64.norm()).item() < 1e-4


def test_long_sequence_stable():
    x, delta, A, B, C, D, z = inputs(Bsz=1, L=10_000, D=2, N=2, seed=8)
    y = selective_scan(x, delta * 1e-3, A, B, C, D, momentum=Momentum(0.999 * complex(math.cos(0.1), math.sin(0.1))),
                       method="chunked")
    assert torch.isfinite(y).all()


# --- 16. bad input ---------------------------------------------------------------------------------------------------

def _bad_cases():
    x, delta, A, B, C, D, z = inputs(L=8)
    nan = x.clone(); nan[0, 1, 1] = float("nan")
    inf_b = B.clone(); inf_b[0, 0, 0] = float("inf")
    ok = dict(x=x, delta=delta, A=A, B=B, C=C)
    return [
        (dict(ok, x=x.numpy()), TypeError, "`x`"),
        (dict(ok, x=x.long()), TypeError, "`x`"),
        (dict(ok, A=A.to(torch.complex128)), TypeError, "`A`"),
        (dict(ok, delta=delta.float()), TypeError, "`delta`"),
        (dict(ok, x=x[0]), ValueError, "`x`"),
        (dict(ok, delta=delta[:, :-1]), ValueError, "`delta`"),
        (dict(ok, A=A.T), ValueError, "`A`"),
        (dict(ok, B=B[:, :, :-1]), ValueError, "`B`"),
        (dict(ok, C=C[:1]), ValueError, "`C`"),
        (dict(ok, D=D[:-1]), ValueError, "`D`"),
        (dict(ok, z=z[:, :-1]), ValueError, "`z`"),
        (dict(ok, x=x[:, :0], delta=delta[:, :0], B=B[:, :0], C=C[:, :0]), ValueError, "empty"),
        (dict(ok, x=nan), ValueError, "finite"),
        (dict(ok, B=inf_b), ValueError, "finite"),
        (dict(ok, delta=delta - 10), ValueError, "softplus"),
        (dict(ok, delta=torch.zeros_like(delta)), ValueError, "softplus"),
        (dict(ok, momentum=0.5), TypeError, "`momentum`"),
        (dict(ok, momentum=dict(beta=0.5, mu=1)), ValueError, "mu"),
        (dict(ok, momentum=dict(alpha=0.5)), ValueError, "beta"),
        (dict(ok, momentum=dict(beta=float("nan"))), ValueError, "beta"),
        (dict(ok, momentum=dict(beta=0.5, alpha=float("inf"))), ValueError, "alpha"),
        (dict(ok, momentum=dict(beta=torch.rand(3, 3, dtype=F64) * 0.5)), ValueError, "beta"),
        (dict(ok, momentum=dict(beta=0.5, alpha=1j)), TypeError, "alpha"),
        (dict(ok, momentum=Momentum(1.0)), ValueError, "modulus < 1"),
        (dict(ok, momentum=Momentum(-1.2)), ValueError, "modulus < 1"),
        (dict(ok, momentum=Momentum(0.8 + 0.7j)), ValueError, "modulus < 1"),
        (dict(ok, method="blelloch"), ValueError, "'sequential'"),
        (dict(ok, discretization="bilinear"), ValueError, "'zoh'"),
        (dict(ok, method="chunked", chunk_size=0), ValueError, "`chunk_size`"),
        (dict(ok, state=(torch.zeros(2, 4, 2, dtype=F64), None)), ValueError, "state.h"),
        (dict(ok, state=torch.zeros(2, 4, 3, dtype=F64)), TypeError, "`state`"),
    ]


@pytest.mark.parametrize("kw,exc,msg", _bad_cases())
def test_bad_input(kw, exc, msg):
    with pytest.raises(exc, match=None) as e: selective_scan(**kw)
    assert msg in str(e.value), str(e.value)


def test_unstable_allowed_when_not_required():
    x, delta, A, B, C, _, _ = inputs(L=8)
    y = selective_scan(x, delta, A, B, C, momentum=Momentum(1.0, require_stable=False))
    assert torch.isfinite(y).all()


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_fuzz_never_raw_torch_error(data):
    "Random shapes, dtypes, values and options: either a result or a ValueError/TypeError naming an argument."
    dims = {k: data.draw(st.integers(0, 3), label=k) for k in ("B", "L", "D", "N")}
    def shape(*names):
        s = [dims[n] for n in names]
        if data.draw(st.booleans().filter(lambda _: True), label="perturb") and data.draw(st.integers(0, 4)) == 0:
            s[data.draw(st.integers(0, len(s) - 1))] += 1
        return s
    dt = data.draw(st.sampled_from([F64, torch.float32, torch.int64]))
    fill = data.draw(st.sampled_from([1.0, -1.0, 0.0, float("nan")]))
    def t(*names):
        return (torch.rand(*shape(*names), dtype=F64) + 0.1).mul(fill if data.draw(st.integers(0, 9)) == 0 else 1.0).to(
            dt if data.draw(st.integers(0, 5)) == 0 else F64)
    kw = dict(x=t("B", "L", "D"), delta=t("B", "L", "D"), A=-t("D", "N"), B=t("B", "L", "N"), C=t("B", "L", "N"))
    if data.draw(st.booleans()): kw["D"] = t("D")
    if data.draw(st.booleans()): kw["z"] = t("B", "L", "D")
    mom = data.draw(st.sampled_from([None, 0.5, 1.5, 0.9j, {"beta": 0.3}, {"beta": 2.0, "alpha": 1.0}, {"gamma": 1}, "x"]))
    if mom is not None: kw["momentum"] = Momentum(mom) if isinstance(mom, (float, complex)) else mom
    kw["method"] = data.draw(st.sampled_from(["parallel", "chunked", "sequential", "fast"]))
    try:
        y = selective_scan(**kw)
        assert y.shape == kw["x"].shape
    except (ValueError, TypeError) as e:
        assert str(e).startswith("`"), repr(e)


# --- CUDA (runs only where a GPU is present) ---------------------------------------------------------------------------

@pytest.mark.skipif(not torch.cuda.is_available(), reason="no CUDA device")
@pytest.mark.parametrize("method", METHODS)
def test_cuda_matches_cpu(method):
    x, delta, A, B, C, D, z = inputs(L=257, seed=21)
    mom = Momentum(0.9 * complex(math.cos(0.3), math.sin(0.3)), 0.5)
    args = [t.clone().requires_grad_() for t in (x, delta, A, B, C, D, z)]
    y = selective_scan(*args, momentum=mom, method=method)
    g = torch.autograd.grad(y.sum(), args)
    args_c = [t.detach().cuda().requires_grad_() for t in (x, delta, A, B, C, D, z)]
    yc = selective_scan(*args_c, momentum=mom, method=method)
    assert yc.device.type == "cuda"
    gc = torch.autograd.grad(yc.sum(), args_c)
    assert (yc.cpu() - y).abs().max() < 1e-10
    for a, b in zip(gc, g): assert (a.cpu() - b).abs().max() < 1e-9


# --- fused kernels (Numba on CPU; Triton under its interpreter) vs the sequential reference ----------------------------

def tol(dtype, scale=1.0, n_terms=1, factor=32):
    "Tolerance from the dtype: factor x eps x scale x terms (the rule of symlearn.core.tolerance)."
    return factor * torch.finfo(dtype).eps * scale * n_terms


def _fused_case(kind, dtype, Bsz=2, L=37, D=4, N=3, seed=0):
    "Inputs with every optional argument present: gate, skip, initial (h, v), per-(d, n) complex β, per-channel α."
    g = torch.Generator().manual_seed(seed)
    x, delta, A, B, C, Dv, z = (t.to(dtype) for t in inputs(Bsz, L, D, N, seed=seed))
    h0 = torch.randn(Bsz, D, N, generator=g, dtype=F64).to(dtype)
    leaves = dict(x=x, delta=delta, A=A, B=B, C=C, D=Dv, z=z, h0=h0)
    if kind == "real":
        leaves.update(beta=torch.tensor(0.7, dtype=dtype), alpha=(0.5 + torch.rand(D, generator=g, dtype=F64)).to(dtype),
                      v0=torch.randn(Bsz, D, N, generator=g, dtype=F64).to(dtype))
    if kind == "complex":
        cd = torch.complex64 if dtype == torch.float32 else torch.complex128
        r = 0.3 + 0.6 * torch.rand(D, N, generator=g, dtype=F64); th = 3 * torch.rand(D, N, generator=g, dtype=F64)
        leaves.update(beta=torch.polar(r, th).to(cd), alpha=(0.5 + torch.rand(D, generator=g, dtype=F64)).to(dtype),
                      v0=torch.randn(Bsz, D, N, generator=g, dtype=torch.complex128).to(cd))
    return {k: v.clone().requires_grad_() for k, v in leaves.items()}


def _run(leaves, method, zoh=False):
    "y, final (h, v) and the gradients of a loss that weights every output differently, w.r.t. every input."
    mom = Momentum(leaves["beta"], leaves["alpha"]) if "beta" in leaves else None
    y, (hT, vT) = selective_scan(leaves["x"], leaves["delta"], leaves["A"], leaves["B"], leaves["C"], leaves["D"], leaves["z"],
                                 momentum=mom, method=method, discretization="zoh" if zoh else "euler",
                                 state=(leaves["h0"], leaves.get("v0")), return_state=True)
    w = torch.linspace(-1, 1, y.numel(), dtype=y.dtype).view_as(y)
    loss = (y * w).sum() + (hT ** 2).sum() + ((vT.abs() ** 2).sum() if vT is not None else 0)
    grads = torch.autograd.grad(loss, list(leaves.values()))
    out = {"y": y, "h_T": hT, **({"v_T": vT} if vT is not None else {})}
    out.update({f"d{k}": g for k, g in zip(leaves, grads)})
    return out


def _assert_agree(out, ref, dtype, n_terms):
    for k in ref:
        scale = max(1.0, ref[k].abs().max().item())
        err = (out[k] - ref[k]).abs().max().item()
        assert err <= tol(dtype, scale, n_terms), (k, err, tol(dtype, scale, n_terms))


def test_auto_is_numba_on_cpu():
    from symlearn.ssm.scan import resolve_method
    assert resolve_method("auto", "cpu") == "numba"
    assert resolve_method("sequential", "cpu") == "sequential"
    with pytest.raises(ValueError, match="`method`"): resolve_method("fast", "cpu")


@pytest.mark.parametrize("dtype", [F64, torch.float32])
@pytest.mark.parametrize("kind", ["vanilla", "real", "complex"])
@pytest.mark.parametrize("zoh", [False, True])
def test_numba_matches_sequential_values_and_every_gradient(kind, dtype, zoh):
    leaves = _fused_case(kind, dtype)
    ref = _run(leaves, "sequential", zoh)
    for method in ("numba", "auto"):
        out = _run(leaves, method, zoh)
        assert set(out) == set(ref) and all(out[k].dtype == ref[k].dtype for k in ref)
        _assert_agree(out, ref, dtype, n_terms=37)


@pytest.mark.parametrize("L", [1, 2, 31, 32, 33, 100])
def test_numba_checkpoint_boundaries(L):
    "Lengths around the checkpoint interval (32): the backward's segment bookkeeping."
    leaves = _fused_case("complex", F64, L=L, seed=L)
    _assert_agree(_run(leaves, "numba"), _run(leaves, "sequential"), F64, n_terms=L)


def test_numba_threads_and_channel_blocks():
    "Two threads and one batch element: work split into channel blocks; results equal the one-thread run."
    leaves = _fused_case("real", F64, Bsz=1, L=40, D=5)
    n = torch.get_num_threads()
    try:
        torch.set_num_threads(1); one = _run(leaves, "numba")
        torch.set_num_threads(2); two = _run(leaves, "numba")
    finally: torch.set_num_threads(n)
    for k in one: assert (one[k] - two[k]).abs().max().item() <= tol(F64, max(1.0, one[k].abs().max().item()), 40)


def test_numba_gradcheck_and_double_backward():
    x, delta, A, B, C, D, z = inputs(Bsz=1, L=5, D=2, N=2, seed=3)
    args = [t.clone().requires_grad_() for t in (x, delta, A, B, C, D, z)]
    beta = torch.tensor(0.5 + 0.4j, dtype=torch.complex128, requires_grad=True)
    f = lambda *a: selective_scan(*a[:7], momentum=Momentum(a[7], 0.7), method="numba")
    assert torch.autograd.gradcheck(f, (*args, beta))
    assert torch.autograd.gradgradcheck(f, (*args, beta))


def test_numba_no_grad_and_extreme_decay():
    "No autograd graph (inference), and Ā underflowing to 0 or staying at 1."
    for decay in ("fast", "slow"):
        x, delta, A, B, C, D, z = inputs(L=50, decay=decay, seed=9)
        with torch.no_grad():
            ref = selective_scan(x, delta, A, B, C, D, z, momentum=Momentum(0.9), method="sequential")
            out = selective_scan(x, delta, A, B, C, D, z, momentum=Momentum(0.9))
        assert (out - ref).abs().max().item() <= tol(F64, max(1.0, ref.abs().max().item()), 50)


def test_numba_negative_control():
    "A different momentum gives a different output through the fused path (the comparison above can fail)."
    x, delta, A, B, C, D, z = inputs(L=30)
    a = selective_scan(x, delta, A, B, C, D, z, momentum=Momentum(0.9 * np.exp(0.5j)))
    b = selective_scan(x, delta, A, B, C, D, z, momentum=Momentum(0.9 * np.exp(0.6j)))
    assert (a - b).abs().max() > 1e-3


def test_blocks_use_the_default_path():
    from symlearn.ssm.blocks import MambaBlock
    blk = MambaBlock(8, d_state=4)
    assert blk.method == "auto"
    u = torch.randn(2, 12, 8)
    ref = MambaBlock(8, d_state=4, method="sequential"); ref.load_state_dict(blk.state_dict())
    assert (blk(u) - ref(u)).abs().max().item() <= tol(torch.float32, max(1.0, ref(u).abs().max().item()), 12)
