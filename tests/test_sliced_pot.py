"Sliced Wasserstein against POT and scipy (peer cross-checks, float64)."
import numpy as np
import pytest
import torch
from hypothesis import given, settings, strategies as st
from symlearn.ot.sliced import wasserstein_1d, sliced_wasserstein, sample_directions

ot = pytest.importorskip("ot")
scipy_stats = pytest.importorskip("scipy.stats")

def _w(n, g):
    w = torch.rand(n, generator=g, dtype=torch.float64) + 0.05
    return w / w.sum()

@pytest.mark.parametrize("p", [1, 2, 3])
def test_w1d_matches_pot(p):
    g = torch.Generator().manual_seed(p)
    u, v = torch.randn(4, 30, generator=g, dtype=torch.float64), torch.randn(4, 17, generator=g, dtype=torch.float64)
    a, b = _w(30, g), _w(17, g)
    ours = wasserstein_1d(u, v, a, b, p=p)
    ref = [ot.wasserstein_1d(u[i].numpy(), v[i].numpy(), a.numpy(), b.numpy(), p=p) for i in range(4)]
    np.testing.assert_allclose(ours.numpy(), ref, rtol=1e-10, atol=1e-12)

@settings(max_examples=30, deadline=None)
@given(st.integers(1, 25), st.integers(1, 25), st.integers(0, 10_000))
def test_w1d_p1_matches_scipy(n, m, seed):
    g = torch.Generator().manual_seed(seed)
    u, v = torch.randn(n, generator=g, dtype=torch.float64), 3 * torch.rand(m, generator=g, dtype=torch.float64)
    a, b = _w(n, g), _w(m, g)
    ref = scipy_stats.wasserstein_distance(u.numpy(), v.numpy(), a.numpy(), b.numpy())
    assert abs(wasserstein_1d(u, v, a, b, p=1).item() - ref) < 1e-10

@pytest.mark.parametrize("p", [1, 2])
def test_sw_matches_pot_with_same_projections(p):
    g = torch.Generator().manual_seed(10 + p)
    X, Y = torch.randn(40, 5, generator=g, dtype=torch.float64), torch.randn(25, 5, generator=g, dtype=torch.float64) + 0.5
    a, b = _w(40, g), _w(25, g)
    P = sample_directions(64, 5, g, torch.float64)
    ours = sliced_wasserstein(X, Y, a, b, p=p, projections=P)
    ref = ot.sliced_wasserstein_distance(X.numpy(), Y.numpy(), a.numpy(), b.numpy(), p=p, projections=P.T.numpy())
    assert abs(ours.item() - ref) < 1e-10

def test_sw_gradient_wrt_weights():
    g = torch.Generator().manual_seed(0)
    X, Y = torch.randn(8, 2, generator=g, dtype=torch.float64), torch.randn(6, 2, generator=g, dtype=torch.float64)
    P = sample_directions(5, 2, g, torch.float64)
    b = _w(6, g)
    # a perturbation that keeps the weights normalised: move mass between two atoms
    def f(t):
        a = torch.full((8,), 1 / 8, dtype=torch.float64) + t * torch.tensor([1, -1, 0, 0, 0, 0, 0, 0], dtype=torch.float64)
        return sliced_wasserstein(X, Y, a, b, projections=P, p=2)
    t = torch.tensor(0.01, dtype=torch.float64, requires_grad=True)
    assert torch.autograd.gradcheck(f, (t,))

def test_sw_triangle_and_symmetry_shared_projections():
    g = torch.Generator().manual_seed(1)
    P = sample_directions(50, 3, g, torch.float64)
    A, B, C = (torch.randn(20, 3, generator=g, dtype=torch.float64) + i for i in range(3))
    d = lambda U, V: sliced_wasserstein(U, V, projections=P, p=2).item()
    assert abs(d(A, B) - d(B, A)) < 1e-12
    assert d(A, C) <= d(A, B) + d(B, C) + 1e-12

def test_sw_float32_vs_float64():
    g = torch.Generator().manual_seed(2)
    X, Y = torch.randn(2000, 3, generator=g, dtype=torch.float64), torch.randn(1500, 3, generator=g, dtype=torch.float64)
    P = sample_directions(30, 3, g, torch.float64)
    d64 = sliced_wasserstein(X, Y, projections=P).item()
    d32 = sliced_wasserstein(X.float(), Y.float(), projections=P.float()).item()
    assert abs(d64 - d32) < 1e-4 * max(1, d64)
