"Every bad-input case of the core, ot, attention and data chapters reported by users: refused with the argument named, or made right."
import math
import pytest
import torch
from _badinput import refused, finite
from symlearn.core import (tolerance, check_weights, check_on_sphere, check_bool, check_generator, check_magnitude,
                           make_generator, get_device)
from symlearn.ot import (sliced_wasserstein, tree_sliced_wasserstein, spherical_tree_sliced_wasserstein, wasserstein_1d,
                         sample_concurrent_trees, sample_directions, db_tsw, gradient_flow)
from symlearn.attention import (attention_flow, attention_field, regime, regime_from_states, classify_trajectory,
                                constructed_heads, TinyTransformer, REGIME_LABELS, TRAJ_LABELS, discrete_attention_stack)
from symlearn.data import load_sphere_points, load_fashion_mnist, image_pixels, latlon_to_unit, stratified_split

F64 = torch.float64
g0 = lambda: torch.Generator().manual_seed(0)

# ---- core
def test_core_flags_generators_devices():
    refused(check_bool, "causal", "no", "causal")
    refused(check_generator, "generator", 0)
    refused(get_device, "device", "bogus")
    refused(make_generator, "device", 0, device="bogus")
    refused(check_magnitude, "X", torch.tensor([3e19]), "X", power=2)

@pytest.mark.parametrize("bad", [math.nan, -1.0, math.inf, "1e-3"])
def test_core_tolerance_arguments_refuse_nan_and_negative(bad):
    w = torch.full((4,), 0.25, dtype=F64)
    refused(check_weights, "atol", w, "a", atol=bad)
    refused(check_on_sphere, "atol", torch.eye(3, dtype=F64), "X", atol=bad)
    refused(tolerance, "scale", F64, scale=bad)

# ---- ot
def test_sliced_overflow_refused_not_nan():
    X, Y = torch.randn(20, 3, generator=g0()), torch.randn(15, 3, generator=g0())
    refused(sliced_wasserstein, "X", X * 1e19, Y, p=2, generator=g0())     # float32: squared gaps would overflow
    v = sliced_wasserstein(X * 1e19, Y, generator=g0())                      # p=1 (the default) stays in range
    assert torch.isfinite(v) and v > 0
    refused(wasserstein_1d, "u", X[:, 0] * 1e20, Y[:, 0], p=2)
    refused(tree_sliced_wasserstein, "X", X * 1e19, Y)

@pytest.mark.parametrize("dist", ["sw", "tsw", "stsw"])
@pytest.mark.parametrize("p", [1.0, 2.0])
def test_identical_clouds_exact_zero_finite_gradient(dist, p):
    P = torch.randn(12, 3, dtype=F64, generator=g0())
    if dist == "stsw": P = P / P.norm(dim=-1, keepdim=True)
    f = {"sw": sliced_wasserstein, "tsw": tree_sliced_wasserstein, "stsw": spherical_tree_sliced_wasserstein}[dist]
    Pg = P.clone().requires_grad_()
    v = f(Pg, P.clone(), p=p, generator=g0())
    assert v.item() == 0.0
    v.backward()
    assert torch.isfinite(Pg.grad).all() and (Pg.grad == 0).all()

def test_ot_generators_and_flags():
    X, Y = torch.randn(8, 2, generator=g0()), torch.randn(9, 2, generator=g0())
    refused(sliced_wasserstein, "generator", X, Y, generator=0)
    refused(tree_sliced_wasserstein, "generator", X, Y, generator=0)
    refused(sample_concurrent_trees, "generator", 3, 2, 2, root_mean=torch.zeros(2), generator=0)
    refused(sample_directions, "generator", 3, 2, generator="g")
    refused(sample_directions, "n", 0, 2)                                   # the function's own argument name
    refused(tree_sliced_wasserstein, "return_per_tree", X, Y, return_per_tree="yes")
    refused(spherical_tree_sliced_wasserstein, "atol", X / X.norm(dim=-1, keepdim=True), Y / Y.norm(dim=-1, keepdim=True), atol=math.nan)
    refused(spherical_tree_sliced_wasserstein, "generalized", X / X.norm(dim=-1, keepdim=True), Y / Y.norm(dim=-1, keepdim=True), generalized="no")
    refused(db_tsw, "frame", X, Y, frame="bogus")
    refused(gradient_flow, "distance", X, Y, distance="sw", steps=1)

# ---- attention
def _heads(d=3, H=2):
    g = g0(); return [torch.randn(H, 2, d, dtype=F64, generator=g), torch.randn(H, 2, d, dtype=F64, generator=g), torch.randn(H, d, d, dtype=F64, generator=g)]

def test_attention_causal_must_be_bool():
    Q, K, V = _heads(); X = torch.randn(4, 3, dtype=F64, generator=g0())
    refused(attention_flow, "causal", X, Q, K, V, [0., 0.1], causal="no", exc=TypeError)
    refused(attention_field, "causal", X, Q, K, V, causal="no", exc=TypeError)
    refused(discrete_attention_stack, "causal", X, Q, K, V, n_layers=1, causal="no", exc=TypeError)
    refused(regime_from_states, "causal", X, Q, K, V, causal=1, exc=TypeError)

def test_regime_names_its_own_arguments():
    Q, K, V = _heads()
    msg = refused(regime, "Q", Q.long(), K, V, exc=TypeError)
    assert "X0" not in msg
    refused(regime, "tol", Q, K, V, tol=-1.0)
    refused(regime, "tol", Q, K, V, tol=math.nan)
    msg = refused(attention_field, "X", torch.zeros(4, 5, dtype=F64), Q, K, V)   # wrong token dimension
    assert "X0" not in msg

def test_attention_solver_and_classifier_tolerances():
    Q, K, V = _heads(); X = torch.randn(4, 3, dtype=F64, generator=g0())
    refused(attention_flow, "rtol", X, Q, K, V, [0., 0.1], rtol=-1.0)
    refused(attention_flow, "atol", X, Q, K, V, [0., 0.1], atol=math.nan)
    tr = torch.randn(5, 4, 3, dtype=F64, generator=g0())
    refused(classify_trajectory, "cluster_tol", tr, cluster_tol=math.nan)
    refused(classify_trajectory, "zero_frac", tr, zero_frac=-0.5)

def test_one_regime_vocabulary():
    assert REGIME_LABELS == TRAJ_LABELS == ("zero", "cluster", "diverge", "undetermined")
    I = torch.eye(2, dtype=F64)
    assert regime(I, -math.sqrt(2) * I, -I)["labels"] == ["diverge"]
    X = torch.randn(4, 2, dtype=F64, generator=g0())
    assert REGIME_LABELS[int(regime_from_states(X, I, I, I)["label"])] in REGIME_LABELS

def test_constructed_heads_generator():
    A1, _ = constructed_heads(-1, 1, 3, generator=make_generator(4)); A2, _ = constructed_heads(-1, 1, 3, generator=make_generator(4))
    assert torch.equal(A1, A2)
    refused(constructed_heads, "generator", -1, 1, 3, generator=4, exc=TypeError)

def test_tiny_transformer_input():
    m = TinyTransformer(16, 5, max_len=12)
    ids = torch.randint(0, 16, (2, 6), generator=g0())
    refused(m, "ids", ids[:, :, None])                      # 3-D token ids
    refused(m, "ids", ids[:, :0])                           # empty sequence
    refused(m, "ids", ids + 16)                             # out of the vocabulary
    refused(m, "ids", ids.double(), exc=TypeError)          # floats where token ids are required
    refused(m, "ids", torch.randint(0, 16, (2, 13), generator=g0()))   # longer than max_len
    refused(TinyTransformer, "n_layers", 16, 5, n_layers=-1)
    refused(TinyTransformer, "n_layers", 16, 5, n_layers=0)
    refused(TinyTransformer, "causal", 16, 5, causal="no", exc=TypeError)
    refused(TinyTransformer, "generator", 16, 5, generator=0, exc=TypeError)
    vit = TinyTransformer(None, 3, max_len=4, in_features=4)
    refused(vit, "ids", torch.randn(2, 4, 4, dtype=F64), exc=TypeError)   # model float32, input float64: named, not inside torch
    assert finite(m(ids)) and m(ids).shape == (2, 5)

# ---- data
def test_loaders_refuse_non_float_dtype(tmp_path):
    f = tmp_path / "q.csv"; f.write_text("lat,lon\n10,20\n-30,40\n")
    refused(load_sphere_points, "dtype", path=f, dtype=torch.int64, exc=TypeError)
    refused(load_sphere_points, "dtype", dtype=torch.int64, exc=TypeError)       # checked before the cache is looked at
    assert load_sphere_points(path=f).dtype == torch.get_default_dtype()          # the library's default float dtype
    refused(latlon_to_unit, "dtype", [[0, 0]], dtype=torch.int32, exc=TypeError)

def test_load_fashion_mnist_bad_split(empty_cache):
    refused(load_fashion_mnist, "split", "bogus")
    refused(load_fashion_mnist, "split", "bogus", path=empty_cache)

def test_data_helpers():
    im = torch.rand(3, 4, 4, generator=g0())
    refused(image_pixels, "generator", im, 3, generator=0, exc=TypeError)
    refused(image_pixels, "img", im.long(), exc=TypeError)
    refused(stratified_split, "test_frac", torch.arange(10) % 2, test_frac=math.nan)
