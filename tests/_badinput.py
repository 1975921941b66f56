"Helpers shared by the bad-input and fuzz tests: refusal checks and finiteness of nested results."
import math
import pytest
import torch
from torch import Tensor, nn

def leaves(o)->list:
    "Floating tensors inside a result: tensors, tuples, lists, dicts, modules, weight-space-like and mesh-like objects."
    if isinstance(o, Tensor): return [o] if (o.is_floating_point() or o.is_complex()) else []
    if isinstance(o, float): return [torch.tensor(o)]
    if isinstance(o, (tuple, list)): return [t for v in o for t in leaves(v)]
    if isinstance(o, dict): return [t for v in o.values() for t in leaves(v)]
    if isinstance(o, nn.Module): return list(o.parameters())
    for attrs in (("weights", "biases"), ("perms", "scales"), ("pos",)):
        if all(hasattr(o, a) for a in attrs): return [t for a in attrs for t in leaves(getattr(o, a))]
    return []

def finite(o)->bool:
    "Every floating value inside `o` is finite."
    return all(bool(torch.isfinite(t).all()) for t in leaves(o))


def refused(fn, name:str, *args, exc=(ValueError, TypeError), **kw)->str:
    "Call `fn`; it must raise `exc` (ValueError/TypeError) with a message naming the argument `name` (in backticks)."
    with pytest.raises(exc) as e: fn(*args, **kw)
    msg = str(e.value)
    assert f"`{name}" in msg, f"{getattr(fn, '__name__', fn)}: message does not name `{name}`: {msg}"
    return msg
