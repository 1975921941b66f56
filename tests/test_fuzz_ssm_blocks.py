"Fuzzing every public function and model of the ssm blocks chapter: 200 examples each, deterministic."
import pytest
import torch
from hypothesis import given, strategies as st

from _fuzz import (table_test, FUZZ, Bad, NAN, INF, NAN_T, INF_T, LONG_T, BAD_TENSOR, GEN_BAD, FLAG_BAD, bad_int, bad_float, check, seeds, gens, seeded_randn)
from symlearn.ssm.blocks import (MambaBlock, MomentumMambaBlock, SequenceClassifier, MambaClassifier, MomentumMambaClassifier,
                                 TransformerClassifier, init_cache, step)

DTYPES = [torch.float32, torch.float64]
OTHER = {torch.float32: torch.float64, torch.float64: torch.float32}
BAD_U = [NAN_T, INF_T, LONG_T, Bad(lambda u: u[:, :0], "empty"), Bad(lambda u: u[..., :-1], "width"), Bad(lambda u: u[0], "ndim"),
         Bad(lambda u: u.to(OTHER[u.dtype]), "dtype"), "u"]

CASES = {}
def case(name, valid, bad, names=None, errors=(ValueError, TypeError), out_check=None):
    def deco(fn): CASES[name] = (fn, valid, bad, names, errors, out_check); return fn
    return deco


@st.composite
def block_args(draw, momentum=False):
    d = draw(st.integers(1, 6)); dt = draw(st.sampled_from(DTYPES))
    dt_min = 10 ** draw(st.floats(-4, -1))
    kw = {"d_model": d, "d_state": draw(st.integers(1, 3)), "expand": draw(st.integers(1, 2)), "d_conv": draw(st.integers(1, 3)),
          "dt_min": dt_min, "dt_max": dt_min * 10 ** draw(st.floats(0, 2)), "discretization": draw(st.sampled_from(["euler", "zoh"])),
          "init": draw(st.sampled_from(["mamba", "mma"])), "generator": draw(gens()), "dtype": dt,
          "u": seeded_randn((draw(st.integers(1, 2)), draw(st.integers(1, 6)), d), draw(seeds()), dt, 10 ** draw(st.floats(-2, 1)))}
    if momentum:
        kw |= {"beta": draw(st.floats(0.01, 0.95)), "alpha": draw(st.floats(-2, 2)), "theta": draw(st.sampled_from([None, 0.5, "spread"])),
               "learnable": draw(st.booleans())}
    return kw
BAD_BLOCK = {"d_model": bad_int(1), "d_state": bad_int(1), "expand": bad_int(1), "d_conv": bad_int(1), "dt_min": bad_float(0, open_lo=True),
             "dt_max": [NAN, INF, -1.0, 0.0, "0.1"], "discretization": ["rk4", 1], "init": ["xavier"], "generator": GEN_BAD, "u": BAD_U}

case("MambaBlock", block_args(), BAD_BLOCK)(
    lambda u, dtype, **kw: MambaBlock(**kw).to(dtype)(u))
case("MomentumMambaBlock", block_args(momentum=True), BAD_BLOCK | {"beta": [NAN, 1.0, -1.0, "0.5"], "alpha": [NAN, INF, "1"], "theta": ["random", NAN],
                                                                    "learnable": FLAG_BAD})(
    lambda u, dtype, **kw: MomentumMambaBlock(**kw).to(dtype)(u))

@st.composite
def stream_args(draw):
    a = draw(block_args(momentum=draw(st.booleans())))
    make = MomentumMambaBlock if "beta" in a else MambaBlock
    blk = make(**{k: v for k, v in a.items() if k not in ("u", "dtype")}).to(a["dtype"])
    return {"blk": blk, "u": a["u"], "batch_size": a["u"].shape[0]}
def _stream(blk, u, batch_size):
    "init_cache + step over the sequence; it must reproduce the full forward pass (to round-off)."
    cache, outs = init_cache(blk, batch_size), []
    with torch.no_grad():
        for t in range(u.shape[1]):
            o, cache = step(blk, u[:, t], cache); outs.append(o)
        y = blk(u)
    out = torch.stack(outs, 1)
    tol = 64 * torch.finfo(u.dtype).eps * u.shape[1] * blk.d_state * (1 + y.abs().max().item())
    assert (out - y).abs().max().item() <= tol, ((out - y).abs().max().item(), tol)
    return out
case("init_cache/step", stream_args(), {"batch_size": bad_int(1), "u": [NAN_T, Bad(lambda u: u.to(OTHER[u.dtype]), "dtype"), Bad(lambda u: u[..., :-1], "width")]},
     names={"batch_size": "batch_size", "u": "u_t"})(
    _stream)

@st.composite
def clf_args(draw, kind):
    C, K = draw(st.integers(1, 3)), draw(st.integers(2, 4)); dt = draw(st.sampled_from(DTYPES)); L = draw(st.integers(1, 6))
    heads = draw(st.sampled_from([1, 2]))
    kw = {"in_channels": C, "n_classes": K, "d_model": 2 * draw(st.integers(1, 3)), "n_layers": draw(st.integers(1, 2)), "dropout": draw(st.floats(0, 0.5)),
          "final_norm": draw(st.booleans()), "generator": draw(gens()), "dtype": dt,
          "x": seeded_randn((draw(st.integers(1, 2)), C, L), draw(seeds()), dt, 10 ** draw(st.floats(-2, 1)))}
    if kind == "transformer": kw |= {"max_len": L + draw(st.integers(0, 3)), "n_heads": heads}
    else: kw |= {"d_state": draw(st.integers(1, 2))}
    if kind == "momentum": kw |= {"beta": draw(st.floats(0.05, 0.9)), "alpha": draw(st.floats(0.05, 1.0)), "theta": draw(st.sampled_from([None, "spread"]))}
    return kw
BAD_X = [NAN_T, INF_T, LONG_T, Bad(lambda x: x[..., :0], "empty"), Bad(lambda x: x[:, :0], "channels"), Bad(lambda x: x[0], "ndim"), Bad(lambda x: x.to(OTHER[x.dtype]), "dtype"), "x"]
BAD_CLF = {"in_channels": bad_int(1), "n_classes": bad_int(2), "d_model": bad_int(1), "n_layers": bad_int(1), "dropout": bad_float(0) + [1.0, 2.0],
           "final_norm": FLAG_BAD, "generator": GEN_BAD, "x": BAD_X}

def _eval(m, dtype, x):
    m = m.to(dtype).eval()
    with torch.no_grad(): return m(x)
case("MambaClassifier", clf_args("mamba"), BAD_CLF | {"d_state": bad_int(1)})(
    lambda in_channels, n_classes, dtype, x, **kw: _eval(MambaClassifier(in_channels, n_classes, **kw), dtype, x))
case("MomentumMambaClassifier", clf_args("momentum"), BAD_CLF | {"beta": [NAN, 1.5], "alpha": [INF, "1"]})(
    lambda in_channels, n_classes, dtype, x, **kw: _eval(MomentumMambaClassifier(in_channels, n_classes, **kw), dtype, x))
case("TransformerClassifier", clf_args("transformer"), BAD_CLF | {"max_len": bad_int(1) + [Bad(lambda m: 0, "0")], "n_heads": [0, -1, 1.5, 7],
                                                                   "x": BAD_X + [Bad(lambda x: torch.cat([x] * 9, -1), "too long")]})(
    lambda in_channels, n_classes, dtype, x, **kw: _eval(TransformerClassifier(in_channels, n_classes, **kw), dtype, x))
case("SequenceClassifier", clf_args("mamba").flatmap(lambda d: st.sampled_from(["mamba", "momentum"]).map(lambda m: d | {"mixer": m})),
     BAD_CLF | {"mixer": ["lstm", None]})(
    lambda in_channels, n_classes, dtype, x, mixer, **kw: _eval(SequenceClassifier(in_channels, n_classes, mixer, **kw), dtype, x))


test_fuzz = table_test(CASES)
