"Table-driven fuzzing: a case builds valid keyword arguments from hypothesis draws and lists invalid values per argument."
import math
import torch
from hypothesis import strategies as st
from _badinput import refused, finite

class Bad:
    "An invalid value computed from the valid one (e.g. the same tensor with a NaN)."
    def __init__(self, f, what=""): self.f, self.what = f, what
    def __call__(self, v): return self.f(v)
    def __repr__(self): return f"Bad({self.what})"

def _nan(v):
    v = v.clone(); v.view(-1)[0] = float("nan"); return v
NAN = Bad(_nan, "nan"); INF = Bad(lambda v: v.clone().view(-1).index_fill(0, torch.tensor([0]), float("inf")).view(v.shape), "inf")
LONG = Bad(lambda v: v.long(), "int dtype"); NDIM = Bad(lambda v: v[..., None], "extra dim")
EMPTY = Bad(lambda v: v[:0], "empty"); LESSDIM = Bad(lambda v: v.reshape(-1)[0], "0-d")
TENSOR_BAD = [NAN, INF, LONG, NDIM, EMPTY, "not a tensor", [[1.0, "x"]]]
FTENSOR_BAD = [NAN, INF, LONG, NDIM, EMPTY, "not a tensor"]
POSINT_BAD = [0, -1, 2.5, "3", True, None]
OPTINT_BAD = [0, -1, 2.5, "3", True]            # for arguments where None means "the default"
NNINT_BAD = [-1, 2.5, "3", True, None]
FLAG_BAD = ["no", "yes", 1, 0, None]
GEN_BAD = [0, 7, "g", 1.5]
DTYPE_BAD = [torch.int64, torch.bool, "float32", 32]

def sizes(draw, lo=1, hi=6): return draw(st.integers(lo, hi))
def dtype(draw): return draw(st.sampled_from([torch.float32, torch.float64]))
def gen(draw): return torch.Generator().manual_seed(draw(st.integers(0, 2**16)))
def randn(draw, *shape, dt=torch.float64, scale=None):
    s = draw(st.sampled_from([1e-3, 1.0, 10.0, 1e3])) if scale is None else scale
    return s * torch.randn(*shape, generator=gen(draw), dtype=dt)
def simplex(draw, n, dt):
    w = torch.rand(n, generator=gen(draw), dtype=dt) + 0.05; return w / w.sum()

def run_case(data, build, spoil:dict, check=None):
    "Valid input: finite output (and `check(out, kw)` if given). Spoiled argument: ValueError/TypeError naming it."
    fn, kw = build(data.draw)
    name = data.draw(st.sampled_from([None, None] + sorted(spoil)), label="spoiled argument")
    if name is None:
        out = fn(**kw)
        assert finite(out), f"non-finite output for valid input {kw}"
        if check is not None: check(out, kw)
        return
    bad = data.draw(st.sampled_from(spoil[name]), label=f"bad {name}")
    kw[name] = bad(kw[name]) if isinstance(bad, Bad) else bad
    refused(lambda: fn(**kw), name)
