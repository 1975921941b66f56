"""GPU parity: each chapter's core computation on CUDA equals the CPU result (float64, same explicit randomness).

Skipped on machines without CUDA (CI has none); run on a GPU machine with `pytest tests/test_gpu.py`.
"""
import pytest
import torch
from torch import nn

pytestmark = pytest.mark.skipif(not torch.cuda.is_available(), reason="no CUDA device")
CPU, GPU = torch.device("cpu"), torch.device("cuda")
F64 = torch.float64

def _same(a, b, tol=1e-10):
    assert b.device.type == "cuda", "result left the GPU"
    b = b.cpu()
    assert a.shape == b.shape and a.dtype == b.dtype
    scale = max(1.0, a.abs().max().item())
    assert (a - b).abs().max().item() <= tol * scale, (a - b).abs().max().item()

def _pts(*shape, seed=0):
    return torch.randn(*shape, generator=torch.Generator().manual_seed(seed), dtype=F64)

def test_core_validation_on_cuda():
    from symlearn.core import check_tensor, check_same
    x = torch.zeros(3, device=GPU)
    check_tensor(x, "x", device="cuda")
    with pytest.raises(ValueError, match="`x` must be on device cpu"): check_tensor(x, "x", device="cpu")
    with pytest.raises(ValueError, match="`b` is on cpu but `a` is on cuda"): check_same(a=x, b=torch.zeros(3))

def test_sliced_wasserstein_gpu():
    from symlearn.ot import sliced_wasserstein
    from symlearn.ot.sliced import sample_directions
    X, Y, P = _pts(300, 5), _pts(200, 5, seed=1) + 1, sample_directions(64, 5, torch.Generator().manual_seed(2), F64)
    ref = sliced_wasserstein(X, Y, projections=P, p=2)
    _same(ref, sliced_wasserstein(X.to(GPU), Y.to(GPU), projections=P.to(GPU), p=2))
    # random directions drawn on the GPU from a CUDA generator
    d = sliced_wasserstein(X.to(GPU), Y.to(GPU), generator=torch.Generator(device="cuda").manual_seed(0))
    assert d.device.type == "cuda" and torch.isfinite(d)

def test_tree_sliced_gpu():
    from symlearn.ot import tree_sliced_wasserstein, spherical_tree_sliced_wasserstein
    from symlearn.ot.trees import sample_concurrent_trees, sample_spherical_trees
    X, Y = _pts(400, 3), _pts(300, 3, seed=1) + 0.5
    T = sample_concurrent_trees(50, 4, 3, root_mean=torch.zeros(3, dtype=F64), generator=torch.Generator().manual_seed(3))
    for p in (1, 2):
        _same(tree_sliced_wasserstein(X, Y, trees=T, p=p), tree_sliced_wasserstein(X.to(GPU), Y.to(GPU), trees=T.to(GPU), p=p))
    S, R = (nn.functional.normalize(Z, dim=-1) for Z in (X, Y))
    ST = sample_spherical_trees(50, 5, 3, generator=torch.Generator().manual_seed(4), dtype=F64)
    _same(spherical_tree_sliced_wasserstein(S, R, trees=ST), spherical_tree_sliced_wasserstein(S.to(GPU), R.to(GPU), trees=ST.to(GPU)))

def test_weightspace_gpu():
    from symlearn.weightspace.groups import WeightSpace, forward, sample_monomial
    torch.manual_seed(0)
    nets = [nn.Sequential(nn.Linear(4, 8), nn.ReLU(), nn.Linear(8, 6), nn.ReLU(), nn.Linear(6, 2)).double() for _ in range(5)]
    ws = WeightSpace.from_modules(nets)
    x = _pts(7, 4)
    _same(forward(ws, x), forward(ws.to(GPU), x.to(GPU)))
    g = sample_monomial(ws, "pos", generator=torch.Generator().manual_seed(1))   # permutation x positive scaling: ReLU's group
    gws_cpu, gws_gpu = g.act(ws), g.to(GPU).act(ws.to(GPU))
    _same(gws_cpu.flatten(), gws_gpu.flatten())
    _same(forward(ws, x), forward(gws_gpu, x.to(GPU)))          # the action preserves the function on the GPU too

def test_attention_flow_gpu():
    from symlearn.attention import attention_flow
    g = torch.Generator().manual_seed(0)
    Q, K = torch.randn(2, 4, 4, generator=g, dtype=F64), torch.randn(2, 4, 4, generator=g, dtype=F64)
    V = -torch.eye(4, dtype=F64).expand(2, 4, 4) * 0.5
    X0, t = _pts(3, 6, 4), torch.linspace(0, 2, 5, dtype=F64)
    kw = dict(method="rk4", backend="builtin", step_size=0.05)
    ref = attention_flow(X0, Q, K, V, t, pe="rope", **kw)
    _same(ref, attention_flow(X0.to(GPU), Q.to(GPU), K.to(GPU), V.to(GPU), t.to(GPU), pe="rope", **kw), tol=1e-9)

def test_metanets_gpu():
    from symlearn.weightspace.groups import WeightSpace, sample_monomial
    from symlearn.metanets.models import MonomialNFN, HNP
    torch.manual_seed(0)
    nets = [nn.Sequential(nn.Linear(3, 6), nn.ReLU(), nn.Linear(6, 5), nn.ReLU(), nn.Linear(5, 2)).double() for _ in range(4)]
    ws = WeightSpace.from_modules(nets)
    for cls in (MonomialNFN, HNP):
        m = cls.for_space(ws, channels=(4, 4), head_hidden=8).double()
        ref = m(ws)
        out = m.to(GPU)(ws.to(GPU))
        _same(ref, out, tol=1e-9)
    g = sample_monomial(ws, "pos", scale_range=(1e-2, 1e2), generator=torch.Generator().manual_seed(1)).to(GPU)
    m = MonomialNFN.for_space(ws, channels=(4, 4), head_hidden=8).double().to(GPU)
    _same(m(ws.to(GPU)).cpu(), m(g.act(ws.to(GPU))), tol=1e-8)       # invariance holds on the GPU

def test_selective_scan_gpu():
    from symlearn.ssm.scan import selective_scan, Momentum
    g = torch.Generator().manual_seed(0)
    Bt, L, D, N = 2, 300, 4, 3
    x = torch.randn(Bt, L, D, generator=g, dtype=F64)
    delta = torch.rand(Bt, L, D, generator=g, dtype=F64) * 0.5 + 0.01
    A = -torch.rand(D, N, generator=g, dtype=F64) - 0.1
    B, C = torch.randn(Bt, L, N, generator=g, dtype=F64), torch.randn(Bt, L, N, generator=g, dtype=F64)
    for mom in (None, Momentum(0.9, 0.5)):
        ref = selective_scan(x, delta, A, B, C, momentum=mom, method="sequential")
        for method in ("parallel", "chunked"):
            out = selective_scan(*(t.to(GPU) for t in (x, delta, A, B, C)), momentum=mom, method=method)
            _same(ref, out, tol=1e-9)
