"""The one fuzzing harness of the test suite (every `tests/test_*fuzz*.py` uses it).

Two ways to write a fuzz test, one set of rules:
- table-driven: `run_case(data, build, spoil)` draws a valid call from `build(draw)` and, half of the time, replaces one
  argument by an invalid value from `spoil[name]` (a constant, or a `Bad` computed from the valid value);
  `check(fn, data, valid, bad)` is the same with the valid keyword arguments drawn from a hypothesis strategy.
- free-form: `clear_or_finite(f)` calls `f()` on arbitrary (junk) input.

The rules: a valid call raises nothing and every floating tensor in its result is finite; an invalid call raises
`ValueError`/`TypeError` whose message names the argument in backticks (the library's `bad_arg` convention). Anything
else — an error raised inside torch, NaN from finite input, a result for invalid input — fails the test."""
import math
import warnings
import pytest
import torch
from torch import Tensor
from hypothesis import given, settings, HealthCheck, strategies as st
from _badinput import refused, finite, leaves

# the deterministic settings of every fuzz test (200 examples each; tests/conftest.py loads the matching "ci" profile)
FUZZ = settings(derandomize=True, deadline=None, max_examples=200, print_blob=True, database=None,
                suppress_health_check=list(HealthCheck))
NAN, INF = float("nan"), float("inf")
OK_ERRORS = (ValueError, TypeError)


class Bad:
    "An invalid value computed from the valid one (e.g. the same tensor with a NaN); constants are used as they are."
    def __init__(self, f, what=""): self.f, self.what = f, what
    def __call__(self, v): return self.f(v)
    def __repr__(self): return f"Bad({self.what})"

def _poison(v:Tensor, x:float)->Tensor:
    v = v.clone(); v.view(-1)[0] = x; return v

NAN_T, INF_T = Bad(lambda v: _poison(v, NAN), "nan"), Bad(lambda v: _poison(v, INF), "inf")
LONG_T = Bad(lambda v: v.round().long(), "int dtype")
NDIM_T, EMPTY_T = Bad(lambda v: v[..., None], "extra dim"), Bad(lambda v: v[:0], "empty")

# invalid values per kind of argument
BAD_TENSOR = [NAN_T, INF_T, LONG_T, "tensor", 3.0, None]            # a required finite float tensor
FTENSOR_BAD = [NAN_T, INF_T, LONG_T, NDIM_T, EMPTY_T, "not a tensor"]   # a float tensor of fixed rank (None may be valid)
TENSOR_BAD = FTENSOR_BAD + [[[1.0, "x"]]]
FLAG_BAD = ["no", "yes", 1, 0, None]                                  # a bool flag
GEN_BAD = [0, 7, "seed", 1.5]                                         # generator=
DTYPE_BAD = [torch.int64, torch.bool, "float32", 32]                  # dtype=

def bad_int(lo:int, none_ok:bool=False)->list:
    "Invalid values for an int argument with minimum `lo` (None too unless it means the default)."
    return [lo - 1, lo - 1000, 2.5, "3", True] + ([] if none_ok else [None])

def bad_float(lo:float|None=None, open_lo:bool=False)->list:
    "Invalid values for a finite float argument (>= lo, or > lo when `open_lo`)."
    out = [NAN, INF, -INF, "1.0", True, None]
    if lo is not None: out += [lo - 1.0] + ([lo] if open_lo else [])
    return out

POSINT_BAD, OPTINT_BAD, NNINT_BAD = bad_int(1), bad_int(1, none_ok=True), bad_int(0)


def run_case(data, build, spoil:dict, check=None, names:dict|None=None, errors=OK_ERRORS):
    """`build(draw)` → (fn, kwargs) of a valid call; half of the time one argument is replaced by a value of `spoil[name]`.
    Valid: finite output (and `check(out, kwargs)`). Spoiled: `errors` naming the argument (`names[name]` overrides)."""
    fn, kw = build(data.draw)
    spoilable = sorted(k for k, v in spoil.items() if v)
    name = data.draw(st.sampled_from([None, None] + spoilable), label="spoiled argument") if spoilable else None
    if name is None:
        out = fn(**kw)
        assert finite(out), f"non-finite output for valid input {kw}"
        if check is not None: check(out, kw)
        return out
    bad = data.draw(st.sampled_from(spoil[name]), label=f"bad {name}")
    kw = dict(kw); kw[name] = bad(kw[name]) if isinstance(bad, Bad) else bad
    refused(lambda: fn(**kw), (names or {}).get(name, name), exc=errors)

def check(fn, data, valid, bad:dict, names:dict|None=None, errors=OK_ERRORS, out_check=None):
    "`run_case` with the valid keyword arguments drawn from the strategy `valid`."
    return run_case(data, lambda draw: (fn, draw(valid, label="valid")), bad, out_check, names, errors)

def table_test(cases:dict):
    "One parametrised fuzz test over `cases` = {name: (fn, valid, bad, names, errors, out_check)} (`check`'s arguments)."
    @pytest.mark.parametrize("name", list(cases))
    @FUZZ
    @given(data=st.data())
    def test_fuzz(name, data):
        fn, valid, bad, names, errors, out_check = cases[name]
        check(fn, data, valid, bad, names, errors=errors, out_check=out_check)
    return test_fuzz

def clear_or_finite(f, *args, **kwargs):
    "Call `f(*args, **kwargs)` on arbitrary input: a ValueError/TypeError naming an argument in backticks, or a finite result (returned)."
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try: out = f(*args, **kwargs)
        except OK_ERRORS as e:
            assert "`" in str(e), f"the error does not name the argument in backticks: {e!r}"
            return None
    assert finite(out), f"non-finite result: {out!r}"
    return out


def seeds(): return st.integers(0, 2**31 - 1)
def gens(): return st.one_of(st.none(), seeds().map(lambda s: torch.Generator().manual_seed(s)))
def seeded_randn(shape, seed:int, dtype=torch.float32, scale:float=1.0)->Tensor:
    return scale * torch.randn(shape, generator=torch.Generator().manual_seed(seed), dtype=dtype)

# draw-style helpers for `build(draw)`
def sizes(draw, lo=1, hi=6): return draw(st.integers(lo, hi))
def dtype(draw): return draw(st.sampled_from([torch.float32, torch.float64]))
def gen(draw): return torch.Generator().manual_seed(draw(st.integers(0, 2**16)))
def randn(draw, *shape, dt=torch.float64, scale=None):
    s = draw(st.sampled_from([1e-3, 1.0, 10.0, 1e3])) if scale is None else scale
    return s * torch.randn(*shape, generator=gen(draw), dtype=dt)
def simplex(draw, n, dt):
    w = torch.rand(n, generator=gen(draw), dtype=dt) + 0.05; return w / w.sum()
