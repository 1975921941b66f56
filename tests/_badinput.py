"Helpers shared by the bad-input and fuzz tests: refusal checks and finiteness of nested results."
import math
import pytest
import torch

def finite(out)->bool:
    "True when every float tensor / float in `out` (nested tuples, lists, dicts) is finite."
    if isinstance(out, torch.Tensor): return bool(torch.isfinite(out).all()) if (out.is_floating_point() or out.is_complex()) else True
    if isinstance(out, float): return math.isfinite(out)
    if isinstance(out, dict): return all(finite(v) for v in out.values())
    if isinstance(out, (list, tuple)): return all(finite(v) for v in out)
    return True

def refused(fn, name:str, *args, exc=(ValueError, TypeError), **kw)->str:
    "Call `fn`; it must raise `exc` (ValueError/TypeError) with a message naming the argument `name` (in backticks)."
    with pytest.raises(exc) as e: fn(*args, **kw)
    msg = str(e.value)
    assert f"`{name}" in msg, f"{getattr(fn, '__name__', fn)}: message does not name `{name}`: {msg}"
    return msg
