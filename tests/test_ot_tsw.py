"Tree-sliced Wasserstein (symlearn.ot): LP oracle, POT cross-checks, axioms, invariances, gradients, bad input."
import math
import numpy as np
import pytest
import torch
from hypothesis import given, settings, strategies as st, HealthCheck

from symlearn.ot import (tree_sliced_wasserstein as TSW, spherical_tree_sliced_wasserstein as STSW, tree_ot_kernel,
                         virtual_atoms, sample_concurrent_trees, sample_chain_trees, sample_spherical_trees,
                         ConcurrentTrees, ChainTrees, SphericalTrees)
from symlearn.ot.kernel import tree_ot_reference
from symlearn.core import tolerance

ot = pytest.importorskip("ot")
F64 = torch.float64


def _lp(coords, masses, parents=None, attach=None):
    "Exact W1 on the explicit tree metric of one tree (LP by ot.emd2)."
    _, D = tree_ot_reference(coords, masses, parents, attach)
    w = np.concatenate([np.asarray(m, dtype=np.float64).ravel() for m in masses])
    pa, pb = np.clip(w, 0, None), np.clip(-w, 0, None)
    return ot.emd2(pa / pa.sum(), pb / pb.sum(), D) * pa.sum()


def _cloud(g, n, d, shift=0.0):
    return torch.randn(n, d, generator=g, dtype=F64) + shift


def _weights(g, n):
    w = torch.rand(n, generator=g, dtype=F64) + 0.05
    return w / w.sum()


def _sphere(g, n, d):
    return torch.nn.functional.normalize(torch.randn(n, d, generator=g, dtype=F64), dim=-1)


def _slow_projection(Z, src, th, delta, split):
    "Coordinates [k,N] and split [k,N] computed the obvious way (projected points materialised)."
    t = np.einsum("kd,nkd->kn", th, Z[:, None] - src[None])
    resid = Z[:, None] - src[None] - t.T[..., None] * th[None]
    dist = np.linalg.norm(resid, axis=-1).T
    if split == "uniform": al = np.full_like(dist, 1 / len(th))
    else: al = np.exp(-delta * (dist - dist.min(0))); al = al / al.sum(0)
    return t, al, dist


# ---------------------------------------------------------------- 1. LP oracle (p = 1) and Sobolev reference (p > 1)
@pytest.mark.parametrize("seed", range(4))
@pytest.mark.parametrize("case", ["distance", "uniform", "orthogonal", "chain", "circular", "circular_r0"])
def test_per_tree_equals_lp(seed, case):
    g = torch.Generator().manual_seed(seed)
    n, m, d, k = 4 + seed, 9 - seed, 3, 3
    X, Y, a, b = _cloud(g, n, d), _cloud(g, m, d, 0.4), _weights(g, n), _weights(g, m)
    if case == "chain": trees = sample_chain_trees(3, k, d, offset=0.6, generator=g, dtype=F64)
    else: trees = sample_concurrent_trees(3, k, d, root_mean=torch.zeros(d, dtype=F64), root_std=0.5,
                                          frame="orthogonal" if case == "orthogonal" else "gaussian", generator=g)
    split = "uniform" if case == "uniform" else "distance"
    proj = case if case.startswith("circular") else "linear"
    _, per = TSW(X, Y, a, b, trees=trees, delta=1.5, split=split, projection=proj, radius=0.7, return_per_tree=True)
    Z, w0 = torch.cat([X, Y]).numpy(), torch.cat([a, -b]).numpy()
    for t in range(3):
        src, th = trees.sources[t].numpy(), trees.theta[t].numpy()
        c, al, _ = _slow_projection(Z, src, th, 1.5, split)
        if proj == "circular": c = np.linalg.norm(Z[None] - src[:, None] - 0.7 * th[:, None], axis=-1)
        if proj == "circular_r0": c = np.broadcast_to(np.linalg.norm(Z - src[0], axis=-1), c.shape)
        par = [-1] + list(range(k - 1)) if case == "chain" else None
        att = [0.0] + trees.offsets[t].tolist() if case == "chain" else None
        assert abs(per[t].item() - _lp(c, w0 * al, par, att)) < 1e-10


@pytest.mark.parametrize("seed", range(3))
def test_spherical_per_tree_equals_lp(seed):
    g = torch.Generator().manual_seed(seed)
    X, Y = _sphere(g, 7, 3), _sphere(g, 10, 3)
    a, b = _weights(g, 7), _weights(g, 10)
    trees = sample_spherical_trees(3, 4, 3, generator=g, dtype=F64)
    _, per = STSW(X, Y, a, b, trees=trees, delta=3.0, return_per_tree=True)
    Z, w0 = torch.cat([X, Y]).numpy(), torch.cat([a, -b]).numpy()
    for t in range(3):
        r, ys = trees.root[t].numpy(), trees.tangents[t].numpy()
        lev = np.arccos(np.clip(Z @ r, -1, 1))
        P = Z - (Z @ r)[:, None] * r; P /= np.linalg.norm(P, axis=-1, keepdims=True)
        al = np.exp(-3.0 * np.sin(lev)[:, None] * np.arccos(np.clip(P @ ys.T, -1, 1))).T; al /= al.sum(0)
        assert abs(per[t].item() - _lp(np.broadcast_to(lev, al.shape), w0 * al)) < 1e-10


@pytest.mark.parametrize("parents", [[-1, 0, 1, 2], [-1, 0, 0, 1, 2], [-1, 0, 1, 1]])
@pytest.mark.parametrize("p", [1.0, 1.5, 3.0])
def test_kernel_random_trees_of_lines(parents, p):
    rng = np.random.default_rng(len(parents) + int(10 * p))
    T, k, N = 3, len(parents), 11
    c = torch.tensor(rng.normal(size=(T, k, N)))
    w = torch.tensor(rng.normal(size=(T, k, N))); w[..., :] -= w.sum((-1, -2), keepdim=True) / (k * N)
    att = torch.tensor(rng.uniform(-1, 1, size=(T, k)))
    vc, vw = virtual_atoms(c, w, parents, att)
    S = tree_ot_kernel(vc, vw, p=p)
    for t in range(T):
        ref, _ = tree_ot_reference(c[t].numpy(), w[t].numpy(), parents, att[t].numpy(), p=p)
        assert abs(S[t].item() - ref) < 1e-10
        if p == 1: assert abs(S[t].item() - _lp(c[t].numpy(), w[t].numpy(), parents, att[t].numpy())) < 1e-10


# ---------------------------------------------------------------- 2. reductions
def test_k1_equals_pot_sw1_value_and_gradient():
    g = torch.Generator().manual_seed(0)
    X, Y, a, b = _cloud(g, 30, 4), _cloud(g, 21, 4, 1.0), _weights(g, 30), _weights(g, 21)
    trees = sample_concurrent_trees(64, 1, 4, root_mean=torch.zeros(4, dtype=F64), generator=g)
    Xo, Xp = X.clone().requires_grad_(), X.clone().requires_grad_()
    ours = TSW(Xo, Y, a, b, trees=trees, p=1)
    pot = ot.sliced_wasserstein_distance(Xp, Y, a, b, p=1, projections=trees.theta[:, 0].T)
    assert abs(ours.item() - pot.item()) < 1e-12
    ours.backward(); pot.backward()
    assert torch.allclose(Xo.grad, Xp.grad, atol=1e-10)


def test_k1_p2_is_energy_distance_limit():
    "k = 1, uniform, p = 2: squared value -> (1/2) c_d E(mu, nu) (Monte Carlo, spec 2.7)."
    g = torch.Generator().manual_seed(3)
    X, Y = _cloud(g, 40, 3), _cloud(g, 30, 3, 0.5)
    val = TSW(X, Y, n_trees=20000, n_lines=1, split="uniform", p=2, generator=g) ** 2
    e = 2 * torch.cdist(X, Y).mean() - torch.cdist(X, X).mean() - torch.cdist(Y, Y).mean()
    cd = math.gamma(1.5) / (math.sqrt(math.pi) * math.gamma(2.0))
    assert abs(val.item() / (0.5 * cd * e.item()) - 1) < 0.03


@pytest.mark.parametrize("tree", ["concurrent", "chain"])
def test_uniform_split_is_sw1_over_all_lines(tree):
    "With the uniform split every line carries zero net mass, so nothing crosses a junction: TSW = SW_1 over all T*k lines."
    g = torch.Generator().manual_seed(15)
    X, Y, a, b = _cloud(g, 17, 3), _cloud(g, 12, 3, 0.5), _weights(g, 17), _weights(g, 12)
    tr = (sample_concurrent_trees(10, 4, 3, root_mean=torch.ones(3, dtype=F64), generator=g) if tree == "concurrent"
          else sample_chain_trees(10, 4, 3, offset=0.5, generator=g, dtype=F64))
    pot = ot.sliced_wasserstein_distance(X.numpy(), Y.numpy(), a.numpy(), b.numpy(), p=1, projections=tr.theta.reshape(-1, 3).T.numpy())
    assert abs(TSW(X, Y, a, b, trees=tr, split="uniform").item() - pot) < 1e-12
    assert abs(TSW(X, Y, a, b, trees=tr, delta=2.0).item() - pot) > 1e-4        # the distance split is not SW


def test_delta_zero_is_uniform_and_large_delta_is_nearest_line():
    g = torch.Generator().manual_seed(1)
    X, Y = _cloud(g, 20, 3), _cloud(g, 15, 3, 0.3)
    trees = sample_concurrent_trees(10, 4, 3, root_mean=torch.zeros(3, dtype=F64), generator=g)
    assert TSW(X, Y, trees=trees, delta=0.0).item() == TSW(X, Y, trees=trees, split="uniform").item()
    hard = lambda dist: torch.where(dist == dist.min(-2, keepdim=True).values, 0.0, -torch.inf).to(dist.dtype)
    assert abs(TSW(X, Y, trees=trees, delta=1e7) - TSW(X, Y, trees=trees, split=hard)) < 1e-10
    strees = sample_spherical_trees(10, 4, 3, generator=g, dtype=F64)
    Xs, Ys = _sphere(g, 12, 3), _sphere(g, 9, 3)
    assert STSW(Xs, Ys, trees=strees, delta=0.0).item() == STSW(Xs, Ys, trees=strees, split="uniform").item()


def test_stsw_one_ray_is_1d_ot_of_levels():
    g = torch.Generator().manual_seed(2)
    X, Y, a, b = _sphere(g, 13, 4), _sphere(g, 8, 4), _weights(g, 13), _weights(g, 8)
    trees = sample_spherical_trees(5, 1, 4, generator=g, dtype=F64)
    _, per = STSW(X, Y, a, b, trees=trees, return_per_tree=True)
    for t in range(5):
        r = trees.root[t].numpy()
        ref = ot.wasserstein_1d(np.arccos(X.numpy() @ r), np.arccos(Y.numpy() @ r), a.numpy(), b.numpy(), p=1)
        assert abs(per[t].item() - ref) < 1e-10


def test_scaling_uniform_split():
    g = torch.Generator().manual_seed(4)
    X, Y = _cloud(g, 15, 3), _cloud(g, 11, 3, 1.0)
    trees = sample_concurrent_trees(8, 3, 3, root_mean=torch.ones(3, dtype=F64), generator=g)
    c = 3.7
    sc = ConcurrentTrees(root=c * trees.root, theta=trees.theta)
    assert abs(TSW(c * X, c * Y, trees=sc, split="uniform") - c * TSW(X, Y, trees=trees, split="uniform")) < 1e-12
    # with the distance split, delta carries units 1/distance
    assert abs(TSW(c * X, c * Y, trees=sc, delta=2 / c) - c * TSW(X, Y, trees=trees, delta=2)) < 1e-12


# ---------------------------------------------------------------- 3. metric axioms with shared trees
@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(seed=st.integers(0, 10**6), p=st.sampled_from([1.0, 2.0, 3.0]), sizes=st.tuples(*[st.integers(1, 9)] * 3),
       kind=st.sampled_from(["concurrent", "chain", "sphere"]))
def test_metric_axioms(seed, p, sizes, kind):
    g = torch.Generator().manual_seed(seed)
    if kind == "sphere":
        U, V, W = (_sphere(g, n, 3) for n in sizes)
        trees = sample_spherical_trees(6, 3, 3, generator=g, dtype=F64)
        D = lambda A, B: STSW(A, B, trees=trees, p=p)
    else:
        U, V, W = (_cloud(g, n, 2, s) for n, s in zip(sizes, (0.0, 0.5, -0.3)))
        trees = (sample_concurrent_trees(6, 3, 2, root_mean=torch.zeros(2, dtype=F64), generator=g) if kind == "concurrent"
                 else sample_chain_trees(6, 3, 2, generator=g, dtype=F64))
        D = lambda A, B: TSW(A, B, trees=trees, p=p)
    assert D(U, U.clone()).item() == 0.0                  # identical clouds: exactly 0 by construction
    Up = U.flip(0)                                        # the same cloud in another order: 0 up to round-off of the sums
    scale = max(U.abs().max().item(), math.pi) ** p
    assert D(U, Up).item() ** p <= tolerance(U, scale=scale, n_terms=4 * U.numel())
    tol = tolerance(U, scale=max(D(U, V).item(), 1.0), n_terms=4 * (U.numel() + V.numel() + W.numel()))
    assert abs(D(U, V) - D(V, U)) <= tol and D(U, V) >= 0
    assert D(U, W) <= D(U, V) + D(V, W) + tol


def test_separation_statistical():
    g = torch.Generator().manual_seed(5)
    X, Y = _cloud(g, 200, 3), _cloud(g, 200, 3, 0.3)
    val, per = TSW(X, Y, n_trees=200, generator=g, return_per_tree=True)
    assert val > 5 * per.std() / math.sqrt(len(per))


# ---------------------------------------------------------------- 4. invariances
@pytest.mark.parametrize("dtype,tol", [(torch.float64, 1e-10), (torch.float32, 1e-4)])
def test_exact_invariance_trees_move_with_data(dtype, tol):
    g = torch.Generator().manual_seed(6)
    X, Y = _cloud(g, 25, 4).to(dtype), _cloud(g, 18, 4, 0.5).to(dtype)
    Q, _ = torch.linalg.qr(torch.randn(4, 4, generator=g, dtype=F64)); Q = Q.to(dtype); v = torch.randn(4, generator=g).to(dtype)
    for frame in ("gaussian", "orthogonal"):
        tr = sample_concurrent_trees(20, 4, 4, root_mean=torch.zeros(4, dtype=dtype), frame=frame, generator=g)
        mv = ConcurrentTrees(root=tr.root @ Q.T + v, theta=tr.theta @ Q.T)
        v0, v1 = TSW(X, Y, trees=tr), TSW(X @ Q.T + v, Y @ Q.T + v, trees=mv)
        assert abs(v0 - v1) <= tol * max(1.0, v0.item())
        assert abs(v0 - TSW(X @ Q.T + v, Y @ Q.T + v, trees=tr)) > 1e-2          # negative control: trees fixed
    Xs, Ys = _sphere(g, 20, 4).to(dtype), _sphere(g, 15, 4).to(dtype)
    st_ = sample_spherical_trees(20, 5, 4, generator=g, dtype=dtype)
    rot = SphericalTrees(root=st_.root @ Q.T, tangents=st_.tangents @ Q.T)
    v0, v1 = STSW(Xs, Ys, trees=st_), STSW(Xs @ Q.T, Ys @ Q.T, trees=rot)
    assert abs(v0 - v1) <= tol * max(1.0, v0.item())


def test_invariance_in_distribution_when_only_data_move():
    "Db-TSW (root around the data mean) and STSW: same mean over many trees after a rigid motion of the data only."
    g = torch.Generator().manual_seed(7)
    X, Y = _cloud(g, 40, 3), _cloud(g, 30, 3, 0.7)
    Q, _ = torch.linalg.qr(torch.randn(3, 3, generator=g, dtype=F64)); v = torch.tensor([5., -3., 2.], dtype=F64)
    def z(f0, f1):
        _, p0 = f0(); _, p1 = f1()
        se = math.sqrt(p0.var() / len(p0) + p1.var() / len(p1))
        return abs(p0.mean() - p1.mean()).item() / se
    assert z(lambda: TSW(X, Y, n_trees=3000, generator=g, return_per_tree=True),
             lambda: TSW(X @ Q.T + v, Y @ Q.T + v, n_trees=3000, generator=g, return_per_tree=True)) < 4
    Xs, Ys = _sphere(g, 40, 3), _sphere(g, 30, 3) * torch.tensor([1., 1., 1.], dtype=F64)
    Ys = torch.nn.functional.normalize(Ys + torch.tensor([0, 0, 1.5], dtype=F64), dim=-1)
    assert z(lambda: STSW(Xs, Ys, n_trees=3000, generator=g, return_per_tree=True),
             lambda: STSW(Xs @ Q.T, Ys @ Q.T, n_trees=3000, generator=g, return_per_tree=True)) < 4
    # negative control: chains in a fixed box at the origin are not translation-invariant in distribution
    zero = torch.zeros(3, dtype=F64)
    assert z(lambda: TSW(X, Y, n_trees=3000, tree="chain", root=zero, root_std=1.0, generator=g, return_per_tree=True),
             lambda: TSW(X + v, Y + v, n_trees=3000, tree="chain", root=zero, root_std=1.0, generator=g, return_per_tree=True)) > 6


def test_atom_permutation_invariance():
    g = torch.Generator().manual_seed(8)
    X, Y, a = _cloud(g, 20, 3), _cloud(g, 14, 3, 1.), _weights(g, 20)
    tr = sample_concurrent_trees(10, 3, 3, root_mean=torch.zeros(3, dtype=F64), generator=g)
    pi = torch.randperm(20, generator=g)
    v = TSW(X, Y, a, trees=tr)
    assert abs(v - TSW(X[pi], Y, a[pi], trees=tr)) <= tolerance(X, scale=v.item(), n_terms=2 * (len(X) + len(Y)))


# ---------------------------------------------------------------- 5. gradients
def test_gradcheck_all_variants():
    g = torch.Generator().manual_seed(9)
    X, Y, a = _cloud(g, 6, 3), _cloud(g, 5, 3, 0.5), _weights(g, 6)
    tr = sample_concurrent_trees(3, 3, 3, root_mean=torch.zeros(3, dtype=F64), generator=g)
    ch = sample_chain_trees(3, 3, 3, offset=0.5, generator=g, dtype=F64)
    for kw in (dict(trees=tr), dict(trees=tr, p=2.0, projection="circular"), dict(trees=ch, p=1.5), dict(trees=tr, projection="circular_r0")):
        assert torch.autograd.gradcheck(lambda U, w: TSW(U, Y, w / w.sum(), **kw), (X.clone().requires_grad_(), a.clone().requires_grad_()))
    Xs, Ys = _sphere(g, 6, 3), _sphere(g, 5, 3)
    st_ = sample_spherical_trees(3, 3, 3, generator=g, dtype=F64)
    assert torch.autograd.gradcheck(lambda U: STSW(torch.nn.functional.normalize(U, dim=-1), Ys, trees=st_), (Xs.clone().requires_grad_(),))


def test_finite_gradients_on_a_line_and_at_the_root():
    g = torch.Generator().manual_seed(10)
    tr = sample_concurrent_trees(4, 3, 3, root_mean=torch.zeros(3, dtype=F64), generator=g)
    X = torch.cat([tr.root[:1] + 0.7 * tr.theta[0, :1], tr.root[:1], _cloud(g, 5, 3)]).requires_grad_()
    TSW(X, _cloud(g, 6, 3), trees=tr).backward()
    assert torch.isfinite(X.grad).all()
    for dtype in (torch.float32, torch.float64):
        st_ = sample_spherical_trees(4, 3, 3, generator=g, dtype=dtype)
        Xs = torch.cat([st_.root[:1], -st_.root[:1], _sphere(g, 4, 3).to(dtype)]).requires_grad_()
        STSW(Xs, _sphere(g, 5, 3).to(dtype), trees=st_, p=2).backward()
        assert torch.isfinite(Xs.grad).all()


# ---------------------------------------------------------------- 6. precision, determinism, chunking
def test_float32_matches_float64_at_n_1e4():
    g = torch.Generator().manual_seed(11)
    X, Y = _cloud(g, 10_000, 3), _cloud(g, 10_000, 3, 0.5)
    tr = sample_concurrent_trees(20, 4, 3, root_mean=torch.zeros(3, dtype=F64), generator=g)
    for kw in (dict(), dict(p=2.0)):
        v64, v32 = TSW(X, Y, trees=tr, **kw), TSW(X.float(), Y.float(), trees=tr.to(torch.float32), **kw)
        assert abs(v32.item() / v64.item() - 1) < 1e-4
    Xs, Ys = _sphere(g, 10_000, 3), torch.nn.functional.normalize(_sphere(g, 10_000, 3) + 0.5, dim=-1)
    st_ = sample_spherical_trees(20, 5, 3, generator=g, dtype=F64)
    v64, v32 = STSW(Xs, Ys, trees=st_), STSW(Xs.float(), Ys.float(), trees=st_.to(torch.float32))
    assert abs(v32.item() / v64.item() - 1) < 1e-4


def test_determinism_and_chunking():
    g = torch.Generator().manual_seed(12)
    X, Y = _cloud(g, 50, 3), _cloud(g, 40, 3, 1.0)
    f = lambda **kw: TSW(X, Y, n_trees=37, generator=torch.Generator().manual_seed(3), **kw)
    assert f().item() == f().item()
    assert abs(f() - f(chunk_trees=5)) <= tolerance(X, scale=f().item(), n_terms=37)       # a mean over 37 trees, summed in other groups
    Xs, Ys = _sphere(g, 30, 3), _sphere(g, 20, 3)
    s = lambda **kw: STSW(Xs, Ys, n_trees=23, generator=torch.Generator().manual_seed(3), **kw)
    assert s().item() == s().item() and abs(s() - s(chunk_trees=4)) <= tolerance(Xs, scale=s().item(), n_terms=23)


def test_monte_carlo_rate():
    g = torch.Generator().manual_seed(13)
    X, Y = _cloud(g, 60, 3), _cloud(g, 60, 3, 0.5)
    _, per = TSW(X, Y, n_trees=8192, generator=g, return_per_tree=True)
    Ts = [8, 32, 128, 512]
    sds = [per[: (8192 // T) * T].reshape(-1, T).mean(1).std().item() for T in Ts]
    slope = np.polyfit(np.log(Ts), np.log(sds), 1)[0]
    assert abs(slope + 0.5) < 0.1


# ---------------------------------------------------------------- 7. bad input
def test_bad_input_messages():
    g = torch.Generator().manual_seed(14)
    X, Y = _cloud(g, 5, 3), _cloud(g, 4, 3)
    cases = [
        (lambda: TSW(X, Y[:, :2]), ValueError, "`Y` has size 2"),
        (lambda: TSW(X[0], Y), ValueError, "`X` must have 2 dimensions"),
        (lambda: TSW(X, Y, a=torch.full((5,), .3, dtype=F64)), ValueError, "`a` must sum to 1"),
        (lambda: TSW(X, Y, b=torch.tensor([.5, .6, -.1, 0.], dtype=F64)), ValueError, "`b` must be non-negative"),
        (lambda: TSW(X, Y, a=torch.full((4,), .25, dtype=F64)), ValueError, "`a` must have 5 entries"),
        (lambda: TSW(X[:0], Y), ValueError, "`X` must not be empty"),
        (lambda: TSW(X, Y * torch.inf), ValueError, "`Y` must be finite"),
        (lambda: TSW(X, Y.float()), ValueError, "dtype"),
        (lambda: TSW(X.int(), Y), TypeError, "`X` must have dtype float"),
        (lambda: TSW(X, Y, frame="orthogonal", n_lines=5), ValueError, "`n_lines` must be <= d = 3"),
        (lambda: TSW(X, Y, p=0.9), ValueError, "`p` must be in [1"),
        (lambda: TSW(X, Y, p=math.inf), ValueError, "`p` must be finite"),
        (lambda: TSW(X, Y, delta=-0.1), ValueError, "`delta` must be in [0"),
        (lambda: TSW(X, Y, n_trees=0), ValueError, "`n_trees` must be >= 1"),
        (lambda: TSW(X, Y, chunk_trees=0), ValueError, "`chunk_trees` must be >= 1"),
        (lambda: TSW(X, Y, split="max"), ValueError, "`split` must be one of"),
        (lambda: TSW(X, Y, projection="spline"), ValueError, "`projection` must be one of"),
        (lambda: TSW(X, Y, tree="star"), ValueError, "`tree` must be one of"),
        (lambda: TSW(X, Y, root="median"), ValueError, "`root` must be one of"),
        (lambda: TSW(X, Y, generator=3), TypeError, "`generator` must be"),
        (lambda: TSW(X * 1e300, Y), ValueError, "`X` must be entries of magnitude <="),
        (lambda: STSW(X, Y), ValueError, "`X` must lie on the unit sphere"),
        (lambda: STSW(_sphere(g, 4, 3), _sphere(g, 3, 3) * 1.01), ValueError, "`Y` must lie on the unit sphere"),
    ]
    tr = sample_concurrent_trees(3, 2, 3, root_mean=torch.zeros(3, dtype=F64), generator=g)
    cases += [
        (lambda: TSW(X, Y, trees=tr, n_lines=3), ValueError, "`n_lines` must be None or 2"),
        (lambda: TSW(X, Y, trees=ConcurrentTrees(tr.root, 2 * tr.theta)), ValueError, "`trees.theta` must be unit vectors"),
        (lambda: TSW(X[:, :2], Y[:, :2], trees=tr), ValueError, "`trees` must be of dimension 2"),
        (lambda: STSW(_sphere(g, 4, 3), _sphere(g, 3, 3), trees=tr), TypeError, "`trees` must be SphericalTrees"),
    ]
    for f, exc, msg in cases:
        with pytest.raises(exc, match=None) as e: f()
        assert msg in str(e.value), (msg, str(e.value))


_arrays = st.lists(st.floats(allow_nan=True, allow_infinity=True, width=64), min_size=0, max_size=12)


@settings(max_examples=200, deadline=None)
@given(xs=_arrays, ys=_arrays, d=st.integers(1, 3), p=st.one_of(st.floats(-1, 4), st.just(math.nan)), delta=st.one_of(st.floats(-1, 5), st.just(math.inf)),
       k=st.integers(-1, 5), frame=st.sampled_from(["gaussian", "orthogonal", "x"]), tree=st.sampled_from(["concurrent", "chain", None]))
def test_fuzz_tsw_no_raw_errors(xs, ys, d, p, delta, k, frame, tree):
    X = torch.tensor(xs[: len(xs) // d * d], dtype=F64).reshape(-1, d)
    Y = torch.tensor(ys[: len(ys) // d * d], dtype=F64).reshape(-1, d)
    try:
        v = TSW(X, Y, n_trees=3, n_lines=k, p=p, delta=delta, frame=frame, tree=tree, generator=torch.Generator().manual_seed(0))
    except (ValueError, TypeError) as e:
        assert str(e).startswith("`"), str(e)
    else:
        assert torch.isfinite(v) and v >= 0


@settings(max_examples=200, deadline=None)
@given(xs=_arrays, ys=_arrays, d=st.integers(1, 4), scale=st.sampled_from([1.0, 1.0, 1.5, -1.0]), k=st.integers(-1, 4))
def test_fuzz_stsw_no_raw_errors(xs, ys, d, scale, k):
    X = torch.tensor(xs[: len(xs) // d * d], dtype=F64).reshape(-1, d)
    Y = torch.tensor(ys[: len(ys) // d * d], dtype=F64).reshape(-1, d)
    if X.numel() and torch.isfinite(X).all() and (X.norm(dim=-1) > 1e-3).all(): X = scale * torch.nn.functional.normalize(X, dim=-1)
    if Y.numel() and torch.isfinite(Y).all() and (Y.norm(dim=-1) > 1e-3).all(): Y = torch.nn.functional.normalize(Y, dim=-1)
    try:
        v = STSW(X, Y, n_trees=3, n_lines=k, generator=torch.Generator().manual_seed(0))
    except (ValueError, TypeError) as e:
        assert str(e).startswith("`"), str(e)
    else:
        assert torch.isfinite(v) and v >= 0


def test_kernel_bad_input_and_shapes():
    c, w = torch.randn(2, 3, 5, dtype=F64), torch.randn(2, 3, 5, dtype=F64)
    assert tree_ot_kernel(c, w).shape == (2,)
    assert tree_ot_kernel(c[:, :1], w).shape == (2,)                     # shared coordinates
    with pytest.raises(ValueError, match="`masses` must be of shape"): tree_ot_kernel(c[:, :2], w)
    with pytest.raises(ValueError, match="`coords` must be at least 2-D"): tree_ot_kernel(c[0, 0], w[0, 0])
    with pytest.raises(ValueError, match="`p` must be in"): tree_ot_kernel(c, w, p=0)
    with pytest.raises(ValueError, match="`masses` has dtype"): tree_ot_kernel(c, w.float())


def test_registrations_and_bench_smoke():
    from symlearn.experiments import discover
    from symlearn.ot.bench import _euclid_rows
    reg = discover()
    assert {"tsw-flow", "stsw-flow"} <= set(reg["repro"]) and "tsw" in reg["bench"]
    r = _euclid_rows(100, 3, torch.device("cpu"), torch.Generator().manual_seed(0), backward=True, repeats=1)
    assert r["db_tsw_ms"] > 0 and r["ratio_vs_sort"] > 0


def test_kernel_compiles_without_graph_breaks():
    "No host syncs or data-dependent control flow: the kernel traces as one graph (fullgraph=True)."
    from symlearn.ot.kernel import _tree_ot
    c, w = torch.randn(3, 4, 50, dtype=F64), torch.randn(3, 4, 50, dtype=F64)
    f = torch.compile(_tree_ot, backend="aot_eager", fullgraph=True)
    assert torch.allclose(f(c, w, 2.0), _tree_ot(c, w, 2.0), atol=1e-12)
    assert torch.allclose(f(c[:, :1], w, 1.0), _tree_ot(c[:, :1], w, 1.0), atol=1e-12)


def test_single_line_chain_and_concurrent_agree():
    "k = 1: a chain and a concurrent tree are the same single line (regression: empty offsets)."
    g = torch.Generator().manual_seed(16)
    X, Y = _cloud(g, 7, 2), _cloud(g, 5, 2, 1.0)
    ch = sample_chain_trees(4, 1, 2, generator=g, dtype=F64)
    cc = ConcurrentTrees(root=ch.sources[:, 0], theta=ch.theta)
    for kw in (dict(split="uniform"), dict(delta=3.0)):
        v = TSW(X, Y, trees=cc, **kw)
        assert abs(TSW(X, Y, trees=ch, **kw) - v) <= tolerance(X, scale=v.item(), n_terms=2 * (len(X) + len(Y)))


# ---------------------------------------------------------------- fused path vs a slow readable O(N^2) computation
def _slow_db_tsw(X, Y, trees, delta, p):
    "Db-TSW from its definition on each line: projections, distance split, flow through every segment by O(N^2) sums."
    Z = torch.cat([X, Y]); n, m = len(X), len(Y)
    w0 = torch.cat([torch.full((n,), 1 / n, dtype=X.dtype), torch.full((m,), -1 / m, dtype=X.dtype)])
    Dz = Z[None, None] - trees.root[:, None, None, :]                   # [T, 1, N, d]
    t = (Dz * trees.theta[:, :, None, :]).sum(-1)                       # [T, k, N]
    dist = ((Dz * Dz).sum(-1) - t * t).clamp(min=0).add(torch.finfo(X.dtype).eps ** 2).sqrt()
    mass = w0 * torch.softmax(-delta * dist, dim=1)
    cj, cl, ml = t[..., :, None], t[..., None, :], mass[..., None, :]   # atom j (segment end) vs every atom l on its line
    pos = t > 0
    flow = torch.where(pos, (ml * (cl >= cj)).sum(-1), (ml * (cl <= cj)).sum(-1))     # mass beyond the segment
    lower = torch.where((cl < cj) & (cl > 0), cl, torch.zeros_like(cl)).amax(-1)       # previous atom towards the root
    upper = torch.where((cl > cj) & (cl <= 0), cl, torch.zeros_like(cl)).amin(-1)
    length = torch.where(pos, t - lower, upper - t)
    return ((length * flow.abs() ** p).sum((-1, -2)).mean()) ** (1 / p)


@pytest.mark.parametrize("p", [1.0, 2.0, 1.5])
def test_fused_db_tsw_equals_slow_definition_values_and_gradients(p):
    g = torch.Generator().manual_seed(21)
    X, Y = _cloud(g, 13, 3), _cloud(g, 9, 3, 0.7)
    trees = sample_concurrent_trees(6, 4, 3, root_mean=torch.full((3,), 0.3, dtype=F64), generator=g)
    Xa, Ya, Xb, Yb = (Z.clone().requires_grad_() for Z in (X, Y, X, Y))
    v, ref = TSW(Xa, Ya, trees=trees, p=p), _slow_db_tsw(Xb, Yb, trees, 2.0, p)
    ga, gb = torch.autograd.grad(v, (Xa, Ya)), torch.autograd.grad(ref, (Xb, Yb))
    N = len(X) + len(Y)
    assert abs(v.item() - ref.item()) <= tolerance(F64, scale=ref.item(), n_terms=N)
    for a, b in zip(ga, gb): assert (a - b).abs().max().item() <= tolerance(F64, scale=b.abs().max().item(), n_terms=N)
    assert (_slow_db_tsw(X, Y, trees, 2.0, p) - TSW(X, Y + 0.01, trees=trees, p=p)).abs().item() > 1e-4   # negative control


def test_db_tsw_host_syncs_and_op_count():
    "A Db-TSW call with given trees waits for the device twice (inputs, result; new trees once more), and dispatches a bounded number of ops."
    from symlearn.ot.bench import op_counts
    g = torch.Generator().manual_seed(0)
    X, Y = _cloud(g, 50, 3), _cloud(g, 40, 3, 0.5)
    trees = sample_concurrent_trees(10, 4, 3, root_mean=torch.zeros(3, dtype=F64), generator=g)
    c = op_counts(lambda: TSW(X, Y, trees=trees, p=2), "cpu")             # op_counts warms up first: the trees are known
    assert c["host_syncs"] == 2 and c["aten_ops"] <= 70, c
    fresh = lambda: TSW(X, Y, trees=ConcurrentTrees(root=trees.root.clone(), theta=trees.theta.clone()), p=2)
    assert op_counts(fresh, "cpu")["host_syncs"] == 4                     # construction + check_trees of the new trees
    for tree in ("concurrent", "chain"):                                   # trees sampled inside the call: no extra sync
        sampled = lambda: TSW(X, Y, n_trees=10, tree=tree, generator=torch.Generator().manual_seed(1))
        assert op_counts(sampled, "cpu")["host_syncs"] == 2


def test_checked_trees_are_rechecked_after_an_in_place_write():
    g = torch.Generator().manual_seed(8)
    X, Y = _cloud(g, 10, 3), _cloud(g, 8, 3, 1.0)
    trees = sample_concurrent_trees(4, 3, 3, root_mean=torch.zeros(3, dtype=F64), generator=g)
    TSW(X, Y, trees=trees)
    with torch.no_grad(): trees.theta.mul_(2.0)
    with pytest.raises(ValueError, match="trees.theta"): TSW(X, Y, trees=trees)
    with torch.no_grad(): trees.theta.div_(2.0); trees.root[0, 0] = math.nan
    with pytest.raises(ValueError, match="trees.root.*finite"): TSW(X, Y, trees=trees)
    with pytest.raises(ValueError, match="trees.root.*dtype"): TSW(X.float(), Y.float(), trees=trees)


def test_core_traces_as_one_graph_for_the_compiled_path():
    "The computation between the checks has no host sync or graph break (what CUDA-graph capture needs), for concurrent and chain trees."
    from symlearn.ot.tsw import _per_tree
    g = torch.Generator().manual_seed(5)
    Z = _cloud(g, 30, 3); w0 = torch.cat([torch.full((14,), 1 / 14, dtype=F64), torch.full((16,), -1 / 16, dtype=F64)])
    cc = sample_concurrent_trees(5, 3, 3, root_mean=torch.zeros(3, dtype=F64), generator=g)
    ch = sample_chain_trees(5, 3, 3, generator=g, dtype=F64)
    f = torch.compile(_per_tree, backend="aot_eager", fullgraph=True)
    for tr, chain in ((cc, False), (ch, True)):
        for proj in (("linear", "circular") if not chain else ("linear",)):
            args = (Z, w0, tr.sources, tr.theta, tr.offsets if chain else None, chain, True, "distance", 2.0, proj, 2.0, 2.0, 2)
            torch.testing.assert_close(f(*args), _per_tree(*args), rtol=1e-12, atol=1e-12)


def test_compile_flag_is_cuda_only():
    g = torch.Generator().manual_seed(6)
    X, Y = _cloud(g, 10, 2), _cloud(g, 8, 2, 1.0)
    with pytest.raises(ValueError, match="`compile`"): TSW(X, Y, compile=True, generator=g)
    with pytest.raises(TypeError, match="`compile`"): TSW(X, Y, compile="yes", generator=g)


@pytest.mark.skipif(not torch.cuda.is_available(), reason="CUDA graphs need a GPU")
def test_compiled_path_matches_eager_on_cuda():
    g = torch.Generator().manual_seed(7)
    X, Y = _cloud(g, 200, 3).cuda(), _cloud(g, 150, 3, 0.5).cuda()
    trees = sample_concurrent_trees(20, 4, 3, root_mean=torch.zeros(3, dtype=F64), generator=g).to("cuda")
    for _ in range(3):                                  # warm-up, recording, replay
        Xa, Xb = X.clone().requires_grad_(), X.clone().requires_grad_()
        v, ref = TSW(Xa, Y, trees=trees, p=2, compile=True), TSW(Xb, Y, trees=trees, p=2)
        ga, gb = torch.autograd.grad(v, Xa)[0], torch.autograd.grad(ref, Xb)[0]
        N = len(X) + len(Y)
        assert abs(v.item() - ref.item()) <= tolerance(F64, scale=ref.item(), n_terms=N)
        assert (ga - gb).abs().max().item() <= tolerance(F64, scale=gb.abs().max().item(), n_terms=N)
