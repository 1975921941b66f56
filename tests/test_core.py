"Bad input to the shared validation helpers gives errors that name the argument."
import math
import numpy as np
import pytest
import torch
from hypothesis import given, settings, strategies as st
from symlearn.core import (check_tensor, check_same, check_int, check_scalar, check_choice, check_weights,
                           check_on_sphere, bad_arg, seed_everything, make_generator, default_float, get_device)

@pytest.mark.parametrize("bad,exc,msg", [
    (np.zeros(3), TypeError, "`X` must be a torch.Tensor"),
    ([1.0, 2.0], TypeError, "`X` must be a torch.Tensor"),
    (torch.zeros(3, dtype=torch.int64), TypeError, "`X` must have dtype float"),
    (torch.zeros(2, 3, 4), ValueError, "`X` must have 2 dimensions"),
    (torch.zeros(0, 3), ValueError, "`X` must not be empty"),
    (torch.tensor([[1.0, math.nan, 0.0]]), ValueError, "`X` must be finite"),
    (torch.tensor([[1.0, math.inf, 0.0]]), ValueError, "`X` must be finite"),
])
def test_check_tensor_rejects(bad, exc, msg):
    with pytest.raises(exc, match=msg.replace("(", r"\(").replace("`", "`")):
        check_tensor(bad, "X", shape=("n", "d"), dtype="float")

def test_named_dims_cross_check():
    dims = {}
    check_tensor(torch.zeros(4, 3), "X", shape=("n", "d"), dims=dims)
    with pytest.raises(ValueError, match=r"`Y` has size 2 in dimension 1 \(d\), but `X` has d=3"):
        check_tensor(torch.zeros(5, 2), "Y", shape=("m", "d"), dims=dims)

def test_device_and_dtype_mismatch():
    with pytest.raises(ValueError, match="`X` must be on device meta"):
        check_tensor(torch.zeros(2), "X", device="meta")
    with pytest.raises(ValueError, match="`b` has dtype torch.float64 but `a` has torch.float32"):
        check_same(a=torch.zeros(2), b=torch.zeros(2, dtype=torch.float64))
    with pytest.raises(ValueError, match="`b` is on meta but `a` is on cpu"):
        check_same(a=torch.zeros(2), b=torch.zeros(2, device="meta"))

def test_scalars_and_choices():
    with pytest.raises(TypeError, match="`n_trees` must be an integer"): check_int(2.0, "n_trees")
    with pytest.raises(ValueError, match="`n_trees` must be >= 1"): check_int(0, "n_trees", min=1)
    with pytest.raises(ValueError, match="`beta` must be in \\[0, 1\\)"): check_scalar(1, "beta", 0, 1, high_inclusive=False)
    with pytest.raises(ValueError, match="`eps` must be finite"): check_scalar(math.inf, "eps")
    with pytest.raises(TypeError, match="`eps` must be a real number"): check_scalar(None, "eps")
    with pytest.raises(ValueError, match="`split` must be one of 'distance', 'uniform'"): check_choice("x", "split", ["distance", "uniform"])
    with pytest.raises(ValueError, match="`seed` must be >= 0"): seed_everything(-1)
    with pytest.raises(TypeError, match="`dtype` must be a floating"): default_float(torch.int32)

def test_weights_and_sphere():
    with pytest.raises(ValueError, match="`a` must be non-negative"): check_weights(torch.tensor([0.5, -0.1, 0.6]), "a")
    with pytest.raises(ValueError, match="`b` must sum to 1"): check_weights(torch.tensor([0.5, 0.6]), "b")
    with pytest.raises(ValueError, match="`a` must have 3 entries"): check_weights(torch.tensor([0.5, 0.5]), "a", n=3)
    with pytest.raises(ValueError, match="`X` must lie on the unit sphere"): check_on_sphere(torch.ones(4, 3), "X")
    w32 = torch.rand(1000); w32 = w32 / w32.sum()
    check_weights(w32, "a")                       # float32 rounding is tolerated
    with pytest.raises(ValueError, match="`scale` must be positive; got -1"): bad_arg("scale", "positive", "-1")

@settings(max_examples=50, deadline=None)
@given(st.lists(st.integers(1, 4), min_size=1, max_size=3), st.integers(0, 2))
def test_shape_fuzz(shape, k):
    "A correct shape passes; changing one size is always caught."
    x = torch.zeros(*shape)
    assert check_tensor(x, "x", shape=tuple(shape)) is x
    bad = list(shape); i = k % len(bad); bad[i] += 1
    with pytest.raises(ValueError, match="`x` must have size"):
        check_tensor(x, "x", shape=tuple(bad))

def test_seeding_reproducible():
    seed_everything(3); a = torch.rand(3)
    seed_everything(3); b = torch.rand(3)
    assert torch.equal(a, b)
    assert torch.equal(torch.rand(3, generator=make_generator(5)), torch.rand(3, generator=make_generator(5)))
    assert get_device("cpu").type == "cpu"
