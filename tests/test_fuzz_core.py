"Fuzzing the core helpers: valid input passes through, invalid input is a ValueError/TypeError naming the argument given to the helper."
import math
import numpy as np
import pytest
import torch
from hypothesis import given, strategies as st
import symlearn.core as C
from _fuzz import run_case, Bad, NAN_T, INF_T, LONG_T, NDIM_T, EMPTY_T, POSINT_BAD, FLAG_BAD, GEN_BAD, DTYPE_BAD, sizes, dtype, gen, randn

def b_int(draw): return C.check_int, dict(value=draw(st.integers(0, 10)), name="n", min=0, max=10)
def b_scalar(draw): return C.check_scalar, dict(value=draw(st.floats(0, 1)), name="beta", low=0, high=1)
def b_choice(draw): return C.check_choice, dict(value=draw(st.sampled_from(["a", "b"])), name="mode", choices=["a", "b"])
def b_tensor(draw): return C.check_tensor, dict(x=randn(draw, sizes(draw), 3, dt=dtype(draw)), name="X", shape=("n", 3), dtype="float")
def b_same(draw):
    dt = dtype(draw); return C.check_same, dict(X=torch.zeros(2, dtype=dt), Y=torch.ones(3, dtype=dt))
def b_weights(draw):
    dt = dtype(draw); w = torch.rand(sizes(draw, 1, 50), generator=gen(draw), dtype=dt) + 0.01
    return C.check_weights, dict(a=w / w.sum(), name="a", atol=draw(st.sampled_from([None, 1e-4])))
def b_sphere(draw):
    X = randn(draw, sizes(draw), 3, dt=dtype(draw), scale=1.0) + 0.1
    return C.check_on_sphere, dict(x=X / X.norm(dim=-1, keepdim=True), name="X", atol=draw(st.sampled_from([None, 1e-3])))
def b_bool(draw): return C.check_bool, dict(value=draw(st.booleans()), name="causal")
def b_dtype(draw): return C.check_dtype, dict(dtype=draw(st.sampled_from([torch.float16, torch.float32, torch.float64])), name="dt", none_ok=draw(st.booleans()))
def b_gen(draw): return C.check_generator, dict(generator=draw(st.sampled_from([None, torch.Generator()])), name="generator", device="cpu")
def b_device(draw): return C.check_device, dict(device=draw(st.sampled_from([None, "cpu", torch.device("cpu")])), name="device")
def b_mag(draw): return C.check_magnitude, dict(x=randn(draw, sizes(draw), dt=dtype(draw)), name="X", power=draw(st.sampled_from([1.0, 2.0])), factor=2.0)
def b_res(draw): return C.check_finite_result, dict(out=randn(draw, sizes(draw), dt=dtype(draw)), names="`X`")
def b_tol(draw): return C.tolerance, dict(dtype=dtype(draw), scale=draw(st.floats(0, 1e6)), n_terms=draw(st.integers(0, 10**6)), factor=draw(st.sampled_from([1.0, 8.0])))
def b_float(draw): return C.default_float, dict(dtype=draw(st.sampled_from([None, torch.float32, torch.float64])))
def b_getdev(draw): return C.get_device, dict(device=draw(st.sampled_from(["cpu", None])))
def b_seed(draw): return C.seed_everything, dict(seed=draw(st.integers(0, 2**31)))
def b_mkgen(draw): return C.make_generator, dict(seed=draw(st.sampled_from([None, 0, 12345])), device="cpu")
def b_intest(draw): return C.in_test, dict()

CASES = {
    "check_int": (b_int, dict(value=[2.5, "3", True, None, -1, 11])),
    "check_scalar": (b_scalar, dict(value=[math.nan, math.inf, -0.1, 1.1, "x", None, True])),
    "check_choice": (b_choice, dict(value=["c", 1, None])),
    "check_tensor": (b_tensor, dict(x=[NAN_T, INF_T, LONG_T, NDIM_T, EMPTY_T, "X", np.zeros((2, 3))])),
    "check_same": (b_same, dict(Y=[Bad(lambda y: y.float() if y.dtype == torch.float64 else y.double(), "dtype mix")])),
    "check_weights": (b_weights, dict(a=[NAN_T, LONG_T, Bad(lambda a: -a, "negative"), Bad(lambda a: 2 * a, "sum 2")], atol=[math.nan, -1.0, "x"])),
    "check_on_sphere": (b_sphere, dict(x=[Bad(lambda x: 2 * x, "off the sphere"), NAN_T, LONG_T], atol=[math.nan, -1.0])),
    "check_bool": (b_bool, dict(value=["no", "True", 1, 0, None, 1.0])),
    "check_dtype": (b_dtype, dict(dtype=DTYPE_BAD)),
    "check_generator": (b_gen, dict(generator=GEN_BAD)),
    "check_device": (b_device, dict(device=["bogus", 3.5, ["cpu"]])),
    "check_magnitude": (b_mag, dict(x=[Bad(lambda x: x.clone().fill_(torch.finfo(x.dtype).max * 0.9), "huge")])),
    "check_finite_result": (b_res, dict(out=[NAN_T, INF_T])),
    "tolerance": (b_tol, dict(dtype=[torch.int64, "float32", None], scale=[math.nan, -1.0, "s"], n_terms=[-1, 2.5], factor=[0.0, -1.0, math.nan])),
    "default_float": (b_float, dict(dtype=DTYPE_BAD)),
    "get_device": (b_getdev, dict(device=["bogus", 3.5])),
    "seed_everything": (b_seed, dict(seed=[-1, 2.5, "1", None])),
    "make_generator": (b_mkgen, dict(seed=[-1, 2.5, "1"], device=["bogus", 3.5])),
    "in_test": (b_intest, dict()),
}
NAMES = {"check_int": "n", "check_scalar": "beta", "check_choice": "mode", "check_tensor": "X", "check_same": "Y", "check_weights": None,
         "check_on_sphere": None, "check_bool": "causal", "check_dtype": "dt", "check_magnitude": "X", "check_finite_result": "X"}

@pytest.mark.parametrize("name", sorted(CASES))
@given(data=st.data())
def test_fuzz_core(name, data):
    build, spoil = CASES[name]
    fn, kw = build(data.draw)
    arg = data.draw(st.sampled_from([None] + sorted(spoil)), label="spoiled argument")
    if arg is None: fn(**kw); return
    bad = data.draw(st.sampled_from(spoil[arg]), label=f"bad {arg}")
    kw[arg] = bad(kw[arg]) if isinstance(bad, Bad) else bad
    # the helpers name the argument they were told to check (`name=`); the others their own parameter
    shown = NAMES.get(name) or ("a" if name == "check_weights" and arg == "a" else "X" if name == "check_on_sphere" and arg == "x" else arg)
    with pytest.raises((ValueError, TypeError)) as e: fn(**kw)
    assert f"`{shown}" in str(e.value) or (name == "check_finite_result" and "Rescale" in str(e.value)), str(e.value)

def test_every_core_function_is_fuzzed():
    assert not [n for n in C.__all__ if n not in CASES and n != "bad_arg"]   # bad_arg only raises; tested in test_core
