"""A small harness for the chapter fuzz suites: draw a valid call, or corrupt one argument of it, and check the outcome.

Valid call: no exception, and every floating tensor in the result is finite.
Corrupted call: a ValueError/TypeError (IndexError for indices) whose message names the corrupted argument.
Anything else (an error raised inside torch, NaN from finite input, a result for invalid input) fails the test."""
import math
import torch
from torch import Tensor, nn
from hypothesis import settings, HealthCheck, strategies as st

# tests/conftest.py loads the deterministic "ci" profile; these settings pin the same values for the fuzz tests (200 examples each)
FUZZ = settings(derandomize=True, deadline=None, max_examples=200, print_blob=True, database=None,
                suppress_health_check=list(HealthCheck))
NAN, INF = float("nan"), float("inf")


class T:
    "A corruption computed from the valid value (constants are used as they are)."
    def __init__(self, f, name=""): self.f, self.name = f, name
    def __repr__(self): return f"T({self.name})"


def _poison(x:Tensor, v:float)->Tensor:
    x = x.clone(); x.view(-1)[0] = v; return x

NAN_T, INF_T = T(lambda x: _poison(x, NAN), "nan"), T(lambda x: _poison(x, INF), "inf")
INT_T = T(lambda x: x.round().long(), "int dtype")
BAD_TENSOR = [NAN_T, INF_T, INT_T, "tensor", 3.0, None]                           # for a finite float tensor argument
BAD_GEN = [0, "seed", 1.5]                                                          # for generator=
BAD_BOOL = ["no", "yes", 1, None]                                                   # for bool flags


def bad_int(lo:int, none_ok:bool=False)->list:
    "Invalid values for an int argument with minimum `lo`."
    return [lo - 1, lo - 1000, 2.5, "3", True] + ([] if none_ok else [None])

def bad_float(lo:float|None=None, open_lo:bool=False)->list:
    "Invalid values for a finite float argument (>= lo, or > lo when `open_lo`)."
    out = [NAN, INF, -INF, "1.0", True, None]
    if lo is not None: out += [lo - 1.0] + ([lo] if open_lo else [])
    return out


def leaves(o)->list:
    "Floating tensors inside a result (tensors, tuples, lists, dicts, WeightSpace-like and dataclass-like objects)."
    if isinstance(o, Tensor): return [o] if (o.is_floating_point() or o.is_complex()) else []
    if isinstance(o, (tuple, list)): return [t for v in o for t in leaves(v)]
    if isinstance(o, dict): return [t for v in o.values() for t in leaves(v)]
    if isinstance(o, nn.Module): return [p for p in o.parameters()]
    for attrs in (("weights", "biases"), ("perms", "scales")):
        if all(hasattr(o, a) for a in attrs): return [t for a in attrs for t in leaves(getattr(o, a))]
    return []


def check(fn, data, valid, bad:dict, names:dict|None=None, errors=(ValueError, TypeError), out_check=None):
    """Draw kwargs from `valid`; half of the time corrupt one argument with a value from `bad[name]`.
    `names[k]` overrides the name the message must contain (default: the argument's own name)."""
    kw = data.draw(valid, label="valid")
    corruptible = [k for k, v in bad.items() if v]
    if corruptible and data.draw(st.booleans(), label="corrupt"):
        k = data.draw(st.sampled_from(corruptible), label="argument")
        b = data.draw(st.sampled_from(bad[k]), label="bad value")
        kw = dict(kw); kw[k] = b.f(kw[k]) if isinstance(b, T) else b
        try: out = fn(**kw)
        except errors as e:
            want = f"`{(names or {}).get(k, k)}"
            assert want in str(e), f"corrupted {k}={b!r}: the message does not name {want}`: {e}"
            return
        raise AssertionError(f"corrupted {k}={b!r}: no error; returned {type(out).__name__}")
    out = fn(**kw)
    for t in leaves(out):
        assert bool(torch.isfinite(t).all()), f"non-finite output from finite valid input {kw}"
    if out_check is not None: out_check(out, kw)
    return out


def seeds(): return st.integers(0, 2**31 - 1)

def gens(): return st.one_of(st.none(), seeds().map(lambda s: torch.Generator().manual_seed(s)))

def randn(shape, seed:int, dtype=torch.float32, scale:float=1.0)->Tensor:
    return scale * torch.randn(shape, generator=torch.Generator().manual_seed(seed), dtype=dtype)
