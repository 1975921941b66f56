"Attention flow: exact solutions, discretisation, RoPE identities, symmetries, regimes, bad input, peer cross-checks."
import math
import pytest
import torch
from symlearn.core import tolerance
from hypothesis import given, settings, strategies as st

from symlearn.attention.flow import (attention_field, attention_flow, discrete_attention_stack, RotaryPE, AbsolutePE,
                                     rope_matrix, rope_rotate, rope_key_query, adjacent_to_half, sinusoidal_pe)
from symlearn.attention.regimes import (regime, regime_from_states, classify_trajectory, TRAJ_LABELS, qk_from_A,
                                        constructed_heads, small_scale_index, spread_rate)

F64 = torch.float64



def heads(g, H=2, dk=2, d=3, scale=1.0, dtype=F64):
    Q, K = scale * torch.randn(2, H, dk, d, generator=g, dtype=dtype)
    return Q, K, scale * torch.randn(H, d, d, generator=g, dtype=dtype)


def rel(a, b): return ((a - b).norm() / b.norm()).item()


T = torch.linspace(0, 2, 9, dtype=F64)

# ---------------------------------------------------------------- exact solutions (dopri5, rtol 1e-9)

def test_single_token_is_matrix_exponential(gen):
    Q, K, V = heads(gen)
    x0 = torch.randn(1, 3, generator=gen, dtype=F64)
    exact = torch.stack([x0 @ torch.linalg.matrix_exp(s * V.sum(0)).T for s in T])
    assert rel(attention_flow(x0, Q, K, V, T), exact) < 1e-8


def test_uniform_attention_closed_form_and_frozen_differences(gen):
    Q, K, V = heads(gen, H=1)
    X = torch.randn(6, 3, generator=gen, dtype=F64)
    tr = attention_flow(X, 0 * Q, K, V, T)
    exact = torch.stack([X + X.mean(0) @ (torch.linalg.matrix_exp(s * V[0]) - torch.eye(3, dtype=F64)).T for s in T])
    assert rel(tr, exact) < 1e-8
    dif = tr[:, 1:] - tr[:, :1]
    assert (dif - dif[0]).abs().max() < 1e-12


@pytest.mark.parametrize("pe", [None, RotaryPE(10.), RotaryPE(1e4, "half")])
def test_causal_first_token(gen, pe):
    Q, K, V = heads(gen, dk=4)
    X = torch.randn(5, 3, generator=gen, dtype=F64)
    exact = torch.stack([X[0] @ torch.linalg.matrix_exp(s * V.sum(0)).T for s in T])
    assert rel(attention_flow(X, Q, K, V, T, pe=pe, causal=True)[:, 0], exact) < 1e-8


def test_antipodal_pair_matches_reduced_ode(gen):
    torchdiffeq = pytest.importorskip("torchdiffeq")
    Q, K, V = heads(gen, H=1)
    A = Q[0].T @ K[0] / math.sqrt(2); SA = (A + A.T) / 2
    y0 = torch.randn(3, generator=gen, dtype=F64)
    tr = attention_flow(torch.stack([y0, -y0]), Q, K, V, T)
    red = torchdiffeq.odeint(lambda s, y: torch.tanh(y @ SA @ y) * (V[0] @ y), y0, T, rtol=1e-12, atol=1e-14)
    assert (tr[:, 0] + tr[:, 1]).abs().max() < 1e-12
    assert rel(tr[:, 0], red) < 1e-8

# ---------------------------------------------------------------- discretisation

@pytest.mark.parametrize("h", [1.0, 0.5, 0.25])
def test_euler_is_residual_stack_exactly(gen, h):
    Q, K, V = heads(gen)
    X = torch.randn(3, 5, 3, generator=gen, dtype=F64)
    stack = discrete_attention_stack(X, Q, K, V, n_layers=4, h=h, pe=RotaryPE(10.), causal=True)
    t = torch.arange(5, dtype=F64) * h
    assert torch.equal(stack, attention_flow(X, Q, K, V, t, pe=RotaryPE(10.), causal=True, method="euler", step_size=h, backend="builtin"))
    pytest.importorskip("torchdiffeq")
    assert torch.equal(stack, attention_flow(X, Q, K, V, t, pe=RotaryPE(10.), causal=True, method="euler", step_size=h, backend="torchdiffeq"))


def test_one_step_is_one_attention_layer(gen):
    Q, K, V = heads(gen)
    X = torch.randn(4, 3, generator=gen, dtype=F64)
    layer = X + sum(torch.softmax((X @ Q[h].T) @ (X @ K[h].T).T / math.sqrt(2), -1) @ (X @ V[h].T) for h in range(2))
    assert (discrete_attention_stack(X, Q, K, V, n_layers=1)[1] - layer).abs().max() <= tolerance(X, scale=layer.abs().max().item(), n_terms=4 * 3 * 4)


def test_per_layer_stack(gen):
    Ps = [heads(gen) for _ in range(3)]
    X = torch.randn(4, 3, generator=gen, dtype=F64)
    st = discrete_attention_stack(X, [p[0] for p in Ps], [p[1] for p in Ps], [p[2] for p in Ps], h=0.5)
    Y = X
    for Q, K, V in Ps: Y = Y + 0.5 * attention_field(Y, Q, K, V)
    assert torch.equal(st[-1], Y)


def test_builtin_rk4_vs_torchdiffeq(gen):
    pytest.importorskip("torchdiffeq")
    Q, K, V = heads(gen, scale=0.5)
    X = torch.randn(2, 5, 3, generator=gen, dtype=F64)
    ref = attention_flow(X, Q, K, V, T, method="dopri5", backend="torchdiffeq", rtol=1e-12, atol=1e-14)
    ours = attention_flow(X, Q, K, V, T, method="rk4", step_size=0.01, backend="builtin")
    tdq = attention_flow(X, Q, K, V, T, method="rk4", step_size=0.01, backend="torchdiffeq")   # 3/8-rule variant
    assert rel(ours, ref) < 1e-8 and rel(tdq, ref) < 1e-8


def test_convergence_orders(gen):
    Q, K, V = heads(gen, scale=0.5)
    X = torch.randn(5, 3, generator=gen, dtype=F64)
    t = torch.tensor([0., 1.], dtype=F64)
    ref = attention_flow(X, Q, K, V, t, method="rk4", step_size=1e-3, backend="builtin")[-1]
    e = lambda m, h: (attention_flow(X, Q, K, V, t, method=m, step_size=h, backend="builtin")[-1] - ref).norm()
    assert 1.8 < e("euler", 0.1) / e("euler", 0.05) < 2.2
    assert 13 < e("rk4", 0.1) / e("rk4", 0.05) < 19

# ---------------------------------------------------------------- RoPE

@settings(max_examples=30, deadline=None)
@given(st.integers(-50, 50), st.integers(-50, 50), st.sampled_from(["adjacent", "half"]), st.sampled_from([10., 1e4]))
def test_rope_scores_depend_on_offset_only(i, j, layout, base):
    g = torch.Generator().manual_seed(i * 101 + j)
    q, k = torch.randn(2, 8, generator=g, dtype=F64)
    Ri, Rj = rope_matrix(i, 8, base, layout), rope_matrix(j, 8, base, layout)
    assert (Ri.T @ Ri - torch.eye(8, dtype=F64)).abs().max() <= tolerance(F64, n_terms=8 * 4)    # angles up to 50 rad: cos/sin round-off
    assert abs((Ri @ q) @ (Rj @ k) - q @ rope_matrix(j - i, 8, base, layout) @ k) < 1e-12
    assert (rope_matrix(-i, 8, base, layout) - Ri.T).abs().max() <= tolerance(F64, n_terms=8 * 4)


def test_rope_sign_of_offset_matters(gen):
    q, k = torch.randn(2, 8, generator=gen, dtype=F64)
    assert abs(q @ rope_matrix(3, 8, 10.) @ k - q @ rope_matrix(-3, 8, 10.) @ k) > 1e-3


def test_rope_layouts_agree_after_permutation(gen):
    Q, K = torch.randn(2, 8, 5, generator=gen, dtype=F64)
    p = adjacent_to_half(8); m = torch.tensor([-7., 0., 2.], dtype=F64)
    assert (rope_key_query(Q, K, m, 10.) - rope_key_query(Q[p], K[p], m, 10., "half")).abs().max() < 1e-12
    X = torch.randn(6, 5, generator=gen, dtype=F64); V = torch.randn(5, 5, generator=gen, dtype=F64)
    a = attention_field(X, Q, K, V, pe=RotaryPE(10.), causal=True)
    b = attention_field(X, Q[p], K[p], V, pe=RotaryPE(10., "half"), causal=True)
    c = attention_field(X, Q, K, V, pe=RotaryPE(10., "half"), causal=True)
    assert (a - b).abs().max() < 1e-12 and (a - c).abs().max() > 1e-6      # wrong layout is a different model


def test_rope_shift_invariance_and_large_base(gen):
    Q, K, V = heads(gen, dk=4)
    X = torch.randn(5, 3, generator=gen, dtype=F64)
    a = attention_field(X, Q, K, V, pe=RotaryPE(10.))
    b = attention_field(X, Q, K, V, pe=RotaryPE(10., positions=torch.arange(5, dtype=F64) + 123.))
    assert (a - b).abs().max() < 1e-12
    same = attention_field(X, Q, K, V, pe=RotaryPE(10., positions=torch.zeros(5, dtype=F64)))
    assert (same - attention_field(X, Q, K, V)).abs().max() <= tolerance(X, scale=same.abs().max().item(), n_terms=5 * 3)

# ---------------------------------------------------------------- symmetries

@settings(max_examples=20, deadline=None)
@given(st.integers(0, 10_000))
def test_permutation_equivariance(seed):
    g = torch.Generator().manual_seed(seed)
    Q, K, V = heads(g)
    X = torch.randn(2, 6, 3, generator=g, dtype=F64)
    pi = torch.randperm(6, generator=g)
    assert (attention_field(X[:, pi], Q, K, V) - attention_field(X, Q, K, V)[:, pi]).abs().max() < 1e-12


def test_absolute_pe_breaks_permutation_equivariance(gen):
    Q, K, V = heads(gen, scale=0.5)
    X = torch.randn(6, 3, generator=gen, dtype=F64)
    pi = torch.tensor([1, 0, 3, 2, 5, 4])
    t = torch.tensor([0., 0.5], dtype=F64)
    plain = (attention_flow(X[pi], Q, K, V, t)[-1] - attention_flow(X, Q, K, V, t)[-1][pi]).abs().max()
    with_pe = (attention_flow(X[pi], Q, K, V, t, pe="sinusoidal")[-1] - attention_flow(X, Q, K, V, t, pe="sinusoidal")[-1][pi]).abs().max()
    assert plain < 1e-9 and with_pe > 1e-3
    P = sinusoidal_pe(6, 3)
    permuted_pe = attention_flow(X[pi], Q, K, V, t, pe=AbsolutePE(P[pi]))[-1]
    assert (permuted_pe - attention_flow(X, Q, K, V, t, pe=AbsolutePE(P))[-1][pi]).abs().max() < 1e-9


def test_scaling_symmetry(gen):
    Q, K, V = heads(gen)
    X = torch.randn(5, 3, generator=gen, dtype=F64)
    lam = 4.0
    assert (attention_field(lam * X, Q / lam, K / lam, V) - lam * attention_field(X, Q, K, V)).abs().max() < 1e-12


def test_multihead_is_sum_and_batched_params_match_loop(gen):
    Q, K, V = heads(gen, H=3)
    X = torch.randn(4, 5, 3, generator=gen, dtype=F64)
    s = sum(attention_field(X, Q[h], K[h], V[h]) for h in range(3))
    assert (attention_field(X, Q, K, V) - s).abs().max() < 1e-12
    Qb, Kb = torch.randn(2, 4, 3, 2, 3, generator=gen, dtype=F64); Vb = torch.randn(4, 3, 3, 3, generator=gen, dtype=F64)
    loop = torch.stack([attention_field(X[b], Qb[b], Kb[b], Vb[b]) for b in range(4)])
    assert (attention_field(X, Qb, Kb, Vb) - loop).abs().max() < 1e-12


def test_jacobian_at_origin(gen):
    Q, K, V = heads(gen, H=1)
    J = torch.autograd.functional.jacobian(lambda X: attention_field(X, Q, K, V), torch.zeros(4, 3, dtype=F64))
    assert (J.reshape(12, 12) - torch.kron(torch.full((4, 4), 0.25, dtype=F64), V[0])).abs().max() < 1e-12


@settings(max_examples=200, deadline=None)
@given(st.integers(1, 6), st.integers(1, 4), st.integers(1, 3), st.booleans(), st.integers(0, 10**6), st.floats(0.1, 30))
def test_field_fuzz_finite_and_shaped(n, d, H, causal, seed, scale):
    g = torch.Generator().manual_seed(seed)
    X = scale * torch.randn(n, d, generator=g, dtype=F64)
    Q, K = torch.randn(2, H, 2, d, generator=g, dtype=F64); V = torch.randn(H, d, d, generator=g, dtype=F64)
    F = attention_field(X, Q, K, V, pe=RotaryPE(10.), causal=causal)
    assert F.shape == X.shape and torch.isfinite(F).all()

# ---------------------------------------------------------------- regimes (reconstructed hypotheses)

I2 = torch.eye(2, dtype=F64)
X8 = torch.randn(8, 2, generator=torch.Generator().manual_seed(3), dtype=F64)


def test_reconstructed_h_zero_scalar_long_horizon():
    t = torch.cat([torch.zeros(1, dtype=F64), torch.logspace(-1, math.log10(400), 30, dtype=F64)])
    tr = attention_flow(X8, I2, I2, -I2, t, rtol=1e-7, atol=1e-10)
    mx = tr.norm(dim=-1).amax(-1)
    late = t >= 100
    slope = torch.linalg.lstsq(torch.stack([t[late].log(), torch.ones(int(late.sum()), dtype=F64)], 1), mx[late].log()[:, None]).solution[0].item()
    assert TRAJ_LABELS[classify_trajectory(tr)] == "zero" and -0.6 < slope < -0.4
    assert torch.cdist(tr[-1], tr[-1]).max() < 0.1 * torch.cdist(tr[0], tr[0]).max()      # pairwise distances shrink
    assert regime(*qk_from_A(I2), -I2)["labels"] == ["zero"]


def test_reconstructed_h_inf_and_cluster():
    t = torch.linspace(0, 20, 41, dtype=F64)
    run = lambda A, V: attention_flow(X8, *qk_from_A(A), V, t, method="rk4", step_size=0.025, backend="builtin", stop_factor=1e9)
    clu = run(-I2, I2)
    sc = (clu[-1] ** 2).sum(-1).mean().sqrt()
    assert sc > 1e6 and torch.cdist(clu[-1], clu[-1]).max() / sc < 1e-6
    assert regime(*qk_from_A(-I2), I2)["labels"] == ["cluster"]
    inf = run(-I2, -I2)                                         # V contracting, A negative: explodes
    assert TRAJ_LABELS[classify_trajectory(inf)] == "diverge"
    assert regime(*qk_from_A(-I2), -I2)["labels"] == ["diverge"]


def test_reconstructed_negative_controls():
    J = torch.tensor([[0., -1.], [1., 0.]], dtype=F64)
    t = torch.linspace(0, 20, 41, dtype=F64)
    run = lambda A, V: attention_flow(X8, *qk_from_A(A), V, t, method="rk4", step_size=0.05, backend="builtin", stop_factor=1e6)
    # symmetric parts say 'zero', the skew parts win: diverges; regime makes no claim
    assert TRAJ_LABELS[classify_trajectory(run(I2 + 2 * J, -I2 + 2 * J))] == "diverge"
    assert regime(*qk_from_A(I2 + 2 * J), -I2 + 2 * J)["labels"] == ["undetermined"]
    assert TRAJ_LABELS[classify_trajectory(run(I2 - 2 * J, -I2 + 2 * J))] == "zero"
    # an antipodal (non-generic) start under the cluster head converges to zero
    anti = attention_flow(torch.stack([X8[0], -X8[0]]), I2, -I2, I2, torch.linspace(0, 200, 41, dtype=F64), rtol=1e-7, atol=1e-10)
    assert TRAJ_LABELS[classify_trajectory(anti)] == "zero"


def test_reconstructed_margin_family_converges():
    A, V = constructed_heads(-1, 1, 3, batch=16, rho=0.5, generator=torch.Generator().manual_seed(7))
    assert regime(*qk_from_A(A[:, None]), V[:, None])["layer"] == ["zero"] * 16
    X0 = torch.randn(16, 6, 3, generator=torch.Generator().manual_seed(8), dtype=F64)
    tr = attention_flow(X0, *qk_from_A(A[:, None]), V[:, None], torch.linspace(0, 80, 41, dtype=F64), method="rk4", step_size=0.1, backend="builtin")
    assert (classify_trajectory(tr) == 0).all()


def test_state_rates_match_autograd(gen):
    Q, K, V = heads(gen)
    X = torch.randn(7, 3, generator=gen, dtype=F64)
    r = regime_from_states(X, Q, K, V)
    Fx = attention_field(X, Q, K, V)
    assert abs(r["rate_spread"] - torch.func.jvp(lambda Y: (Y - Y.mean(0)).pow(2).sum().log(), (X,), (Fx,))[1]) < 1e-12
    assert abs(r["rate_spread_heads"].sum() - r["rate_spread"]) < 1e-12


def test_spread_law_order(gen):
    Q, K, V = heads(gen)
    X1 = torch.randn(8, 3, generator=gen, dtype=F64)
    errs = []
    for e in (1e-1, 1e-2):
        X = e * X1
        tr = ((X - X.mean(0)) ** 2).sum() / 8
        errs.append(abs(2 * small_scale_index(X, Q, K, V) * tr ** 2 / spread_rate(X, attention_field(X, Q, K, V)) - 1))
    assert 80 < errs[0] / errs[1] < 120               # relative error ~ eps^2


def test_classifier_on_hand_made_trajectories(gen):
    t = torch.linspace(0, 10, 41, dtype=F64)
    b = torch.randn(6, 2, generator=gen, dtype=F64)
    trs = torch.stack([b * (1 + t)[:, None, None] ** -0.5, b * torch.exp(t)[:, None, None],
                       (b * torch.exp(-t)[:, None, None] + 1) * torch.exp(2 * t)[:, None, None], b + 0 * t[:, None, None]], 1)
    assert [TRAJ_LABELS[i] for i in classify_trajectory(trs)] == ["zero", "diverge", "cluster", "undetermined"]

# ---------------------------------------------------------------- bad input

def test_bad_input(gen):
    Q, K, V = heads(gen)
    X = torch.randn(5, 3, generator=gen, dtype=F64)
    with pytest.raises(ValueError, match="`V`"): attention_flow(X, Q, K, V[..., :2], T)
    with pytest.raises(ValueError, match="d=2"): attention_flow(X[:, :2], Q, K, V, T)
    with pytest.raises(ValueError, match="`K`"): attention_flow(X, Q, K[:, :1], V, T)
    with pytest.raises(ValueError, match="`X0`.*finite"): attention_flow(X.masked_fill(X > 0, float("nan")), Q, K, V, T)
    with pytest.raises(ValueError, match="`V`.*finite"): attention_flow(X, Q, K, V.masked_fill(V > 0, float("inf")), T)
    with pytest.raises(ValueError, match="`t`.*non-negative"): attention_flow(X, Q, K, V, torch.tensor([-1., 0.], dtype=F64))
    with pytest.raises(ValueError, match="`t`.*increasing"): attention_flow(X, Q, K, V, torch.tensor([0., 1., 1.], dtype=F64))
    with pytest.raises(ValueError, match="`pe`"): attention_flow(X, Q, K, V, T, pe="alibi")
    with pytest.raises(TypeError, match="`pe`"): attention_flow(X, Q, K, V, T, pe=5)
    with pytest.raises(ValueError, match="even"): attention_field(X, torch.randn(3, 3, dtype=F64), torch.randn(3, 3, dtype=F64), V[0], pe="rope")
    with pytest.raises(ValueError, match="`X`.*empty"): attention_field(X[:0], Q, K, V)
    with pytest.raises(ValueError, match="dtype"): attention_field(X.float(), Q, K, V)
    with pytest.raises(TypeError, match="`Q`"): attention_field(X, Q.numpy(), K, V)
    with pytest.raises(ValueError, match="`positions`"): attention_field(X, Q, K, V, pe=RotaryPE(positions=torch.arange(4.)))
    with pytest.raises(ValueError, match="`method`"): attention_flow(X, Q, K, V, T, method="dopri5", backend="builtin")
    with pytest.raises(ValueError, match="`layout`"): RotaryPE(layout="interleaved")


def test_device_and_dtype_respected(device):
    g = torch.Generator().manual_seed(0)
    Q, K, V = (x.to(device, torch.float32) for x in heads(g))
    X = torch.randn(2, 5, 3, generator=g).to(device)
    tr = attention_flow(X, Q, K, V, torch.linspace(0, 1, 3, device=device), method="rk4", backend="builtin", step_size=0.1, pe=RotaryPE())
    assert tr.device.type == device.type and tr.dtype == torch.float32 and tr.shape == (3, 2, 5, 3)
