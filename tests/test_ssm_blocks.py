"Mamba / Momentum Mamba blocks and classifiers: peer check against mambapy, causality, streaming, init rule."
import math
import pytest
import torch

from symlearn.ssm.blocks import (MambaBlock, MomentumMambaBlock, SequenceClassifier, MambaClassifier,
                                 MomentumMambaClassifier, TransformerClassifier)

from symlearn.core import tolerance

F64 = torch.float64

def scan_tol(dtype, L, d_state, scale=1.0):
    "Round-off bound for a block's output: a length-L recurrence over d_state states per channel, then a sum over them."
    return tolerance(dtype, scale=scale, n_terms=L * d_state)


def _peer_pair(dtype, d_model=16, d_state=4, seed=0):
    mm = pytest.importorskip("mambapy.mamba")
    torch.manual_seed(seed)
    cfg = mm.MambaConfig(d_model=d_model, n_layers=1, d_state=d_state, expand_factor=2, d_conv=4)
    theirs = mm.MambaBlock(cfg).to(dtype)
    ours = MambaBlock(d_model, d_state=d_state, expand=2, d_conv=4).to(dtype)
    missing, unexpected = ours.load_state_dict(theirs.state_dict(), strict=True)
    assert not missing and not unexpected
    return ours, theirs


def _compare(ours, theirs, u, atol, rtol, f32_cast=(), f32_tol=None):
    u1, u2 = u.clone().requires_grad_(), u.clone().requires_grad_()
    y1, y2 = ours(u1), theirs(u2)
    torch.testing.assert_close(y1, y2, atol=atol, rtol=rtol)
    w = torch.randn_like(y1)
    (y1 * w).sum().backward(); (y2 * w).sum().backward()
    torch.testing.assert_close(u1.grad, u2.grad, atol=atol, rtol=rtol)
    p2 = dict(theirs.named_parameters())
    for name, p in ours.named_parameters():
        # parameters the peer casts to float32 inside its forward get float32-rounded gradients there
        tol = dict(atol=f32_tol, rtol=f32_tol) if name in f32_cast else dict(atol=atol, rtol=rtol)
        torch.testing.assert_close(p.grad, p2[name].grad, **tol, msg=name)


def test_matches_mambapy_block_float64():
    ours, theirs = _peer_pair(F64)
    # mambapy casts A_log and D to float32 inside its scan; pick values that survive that cast exactly
    with torch.no_grad():
        for m in (ours, theirs):
            m.A_log.zero_()
            m.D.copy_(torch.linspace(-1, 1, m.D.numel()).float().double())
    theirs.load_state_dict(ours.state_dict())
    u = torch.randn(3, 37, 16, dtype=F64, generator=torch.Generator().manual_seed(1))
    t = scan_tol(F64, 37, 4, scale=10.0)                        # 37 steps, 4 states; activations and gradients O(10)
    _compare(ours, theirs, u, atol=t, rtol=t, f32_cast=("A_log", "D"), f32_tol=scan_tol(torch.float32, 37, 4, scale=3 * 37))   # float32 sums over 3 × 37 terms


def test_matches_mambapy_block_float32_default_init():
    ours, theirs = _peer_pair(torch.float32, seed=3)
    u = torch.randn(2, 64, 16, generator=torch.Generator().manual_seed(2))
    t = scan_tol(torch.float32, 64, 4, scale=1.0)
    _compare(ours, theirs, u, atol=t, rtol=t)


def test_mambapy_negative_control():
    "A different discretisation must not match the peer (the comparison can fail)."
    ours, theirs = _peer_pair(F64)
    ours.discretization = "zoh"
    u = torch.randn(2, 20, 16, dtype=F64)
    assert (ours(u) - theirs(u)).abs().max() > 1e-6


BLOCKS = [lambda: MambaBlock(8, d_state=4), lambda: MomentumMambaBlock(8, d_state=4, beta=0.9, alpha=0.1),
          lambda: MomentumMambaBlock(8, d_state=4, beta=0.9, theta="spread", learnable=True)]


@pytest.mark.parametrize("make", BLOCKS)
@pytest.mark.parametrize("method", ["parallel", "chunked", "sequential"])
def test_block_causality(make, method):
    torch.manual_seed(0); blk = make().double(); blk.method = method
    u = torch.randn(2, 30, 8, dtype=F64)
    y = blk(u)
    for t0 in (0, 11, 29):
        u2 = u.clone(); u2[:, t0] += torch.randn(2, 8, dtype=F64)
        d = (blk(u2) - y).abs().amax((0, 2))
        assert d[:t0].max().item() == 0.0 if t0 else True
        assert d[t0] > 0                                     # the perturbation is seen at t0 itself


@pytest.mark.parametrize("make", BLOCKS)
def test_streaming_float32(make):
    torch.manual_seed(1); blk = make()
    u = torch.randn(2, 25, 8)
    with torch.no_grad():
        y = blk(u); cache, outs = blk.init_cache(2), []
        for t in range(25):
            o, cache = blk.step(u[:, t], cache); outs.append(o)
    t = scan_tol(torch.float32, 25, 4)
    torch.testing.assert_close(torch.stack(outs, 1), y, atol=t, rtol=t)


def test_init_rule_identical_across_arms():
    sds = []
    for kw in (dict(mixer="mamba"), dict(mixer="momentum", beta=0.9), dict(mixer="momentum", beta=0.9, alpha=0.1),
               dict(mixer="momentum", beta=0.9, theta=0.5)):
        torch.manual_seed(7); sds.append(SequenceClassifier(6, 6, d_state=8, **kw).state_dict())
    for sd in sds[1:]:
        assert list(sd) == list(sds[0])
        for k in sd: assert torch.equal(sd[k], sds[0][k]), k
    torch.manual_seed(7); mma_v = SequenceClassifier(6, 6, d_state=8, mixer="mamba", init="mma").state_dict()
    torch.manual_seed(7); mma_m = SequenceClassifier(6, 6, d_state=8, mixer="momentum", beta=0.9, init="mma").state_dict()
    for k in mma_v: assert torch.equal(mma_v[k], mma_m[k]), k
    ka = "layers.0.mixer.A_log"
    assert not torch.equal(mma_v[ka], sds[0][ka])


def test_model_level_beta0_is_vanilla():
    torch.manual_seed(3); a = MambaClassifier(6, 5, d_state=4).double().eval()
    torch.manual_seed(3); b = MomentumMambaClassifier(6, 5, d_state=4, beta=0.0, alpha=1.0).double().eval()
    x = torch.randn(4, 6, 40, dtype=F64)
    assert (a(x) - b(x)).abs().max() <= scan_tol(F64, 40, 4, scale=1 + a(x).abs().max().item())
    torch.manual_seed(3); c = MomentumMambaClassifier(6, 5, d_state=4, beta=0.5).double().eval()
    assert (a(x) - c(x)).abs().max() > 1e-6                       # negative control


def test_classifiers_train_step_and_errors():
    x = torch.randn(8, 6, 32); y = torch.randint(0, 4, (8,))
    for m in (MambaClassifier(6, 4, d_state=4), MomentumMambaClassifier(6, 4, d_state=4, beta=0.9, theta="spread"),
              TransformerClassifier(6, 4, max_len=32)):
        loss = torch.nn.functional.cross_entropy(m(x), y); loss.backward()
        assert all(p.grad is not None for p in m.parameters() if p.requires_grad)
    with pytest.raises(ValueError, match="max_len"): SequenceClassifier(6, 4, mixer="transformer")
    with pytest.raises(ValueError, match="mixer"): SequenceClassifier(6, 4, mixer="lstm")
    with pytest.raises(ValueError, match="`x`"): MambaClassifier(6, 4)(torch.randn(2, 5, 10))
    with pytest.raises(ValueError, match="`x`"): TransformerClassifier(6, 4, max_len=16)(torch.randn(2, 6, 20))
    with pytest.raises(ValueError, match="beta"): MomentumMambaBlock(8, beta=1.0)
    with pytest.raises(ValueError, match="beta"): MomentumMambaBlock(8, beta=0.0, learnable=True)
