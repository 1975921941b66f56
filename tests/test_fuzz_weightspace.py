"Fuzzing every public function of the weightspace chapter (groups and zoo): 200 examples each, deterministic."
import math
import pytest
import torch
from torch import nn
from hypothesis import given, strategies as st

from _fuzz import (table_test, FUZZ, Bad, NAN, INF, NAN_T, INF_T, LONG_T, BAD_TENSOR, GEN_BAD, FLAG_BAD, bad_int, bad_float, check, seeds, gens, seeded_randn)
from symlearn.weightspace.groups import (NetSpec, WeightSpace, Sine, GlobalAvgPool, forward, MonomialElement, identity, sample_monomial,
                                         symmetry_group, is_function_preserving, preservation_tolerance, canonicalize_scale,
                                         canonicalize_sign, canonicalize, weight_matching, KINDS)
from symlearn.weightspace.zoo import (net_seed, net_generator, CNNZooRanges, draw_cnn, batch_schedule, train_batched, train_one_reference,
                                      accuracy, cnn_spec, cnn_zoo_shard, siren_spec, siren_init, pixel_grid, render, psnr, fit_sirens,
                                      zoo_data, data_available, generate_zoo, load_zoo, make_cnn_zoo, make_inr_zoo, DATASETS)

ACTS = ["relu", "tanh", "sin", None]
DTYPES = [torch.float32, torch.float64]


@st.composite
def specs(draw, conv=None, act=None):
    "Small MLP or CNN specs (conv layers first, then dense)."
    L = draw(st.integers(1, 3))
    widths = tuple(draw(st.lists(st.integers(1, 4), min_size=L + 1, max_size=L + 1)))
    n_conv = draw(st.integers(0, L - 1)) if conv is None else (min(conv, L - 1))
    kernels = tuple((draw(st.sampled_from([1, 2, 3])),) * 2 if i < n_conv else () for i in range(L))
    strides = tuple(draw(st.integers(1, 2)) if i < n_conv else 1 for i in range(L))
    paddings = tuple(draw(st.integers(0, 1)) if i < n_conv else 0 for i in range(L))
    a = draw(st.sampled_from(ACTS)) if act is None else act
    omegas = tuple(draw(st.sampled_from([1.0, 3.0, 10.0, -2.0])) for _ in range(L - 1)) if a == "sin" else None
    return NetSpec(widths, kernels, a, strides, paddings, omegas)


@st.composite
def spaces(draw, spec=None, B=None, dtype=None, **kw):
    "Random finite weight spaces (values log-uniform in scale)."
    spec = draw(specs(**kw)) if spec is None else spec
    B = draw(st.integers(1, 3)) if B is None else B
    dtype = draw(st.sampled_from(DTYPES)) if dtype is None else dtype
    s, scale = draw(seeds()), 10 ** draw(st.floats(-2, 1))
    g = torch.Generator().manual_seed(s)
    return WeightSpace([scale * torch.randn(B, *spec.weight_shape(i), generator=g, dtype=dtype) for i in range(spec.num_layers)],
                       [scale * torch.randn(B, spec.widths[i + 1], generator=g, dtype=dtype) for i in range(spec.num_layers)], spec=spec)


def inputs_for(ws, n, seed):
    shape = (n, ws.spec.widths[0], 6, 6) if ws.spec.kernels[0] else (n, ws.spec.widths[0])
    return seeded_randn(shape, seed, ws.dtype)


def element_for(ws, kind, seed):
    return sample_monomial(ws, kind, generator=torch.Generator().manual_seed(seed))


def sym_kind(ws): return "perm" if ws.activation is None else symmetry_group(ws.activation)


import itertools
CASES = {}
def case(name, valid, bad, names=None, errors=(ValueError, TypeError), out_check=None):
    def deco(fn): CASES[name] = (fn, valid, bad, names, errors, out_check); return fn
    return deco

# ---------------------------------------------------------------- groups

case("NetSpec", st.fixed_dictionaries({"widths": st.lists(st.integers(1, 5), min_size=2, max_size=4).map(tuple),
                                       "activation": st.sampled_from(ACTS)}),
     {"widths": [5, (3,), (2, 0, 1), (2, -1), (2, 1.5), ("2", 1)], "activation": ["gelu", 3, True]})(
    lambda widths, activation: NetSpec(widths, ((),) * (len(widths) - 1) if isinstance(widths, tuple) else ((),), activation))

case("NetSpec(conv)", st.fixed_dictionaries({"k": st.integers(1, 3), "stride": st.integers(1, 3), "padding": st.integers(0, 2),
                                             "omega": st.floats(0.5, 30)}),
     {"k": [0, -1, 1.5], "stride": [0, -1, 1.5, "2"], "padding": [-1, 0.5], "omega": [0.0, NAN, INF, "1"]},
     names={"k": "kernels[0]", "stride": "strides[0]", "padding": "paddings[0]", "omega": "omegas[0]"})(
    lambda k, stride, padding, omega: NetSpec((1, 2, 2, 3), ((k, k), (), ()), "sin", (stride, 1, 1), (padding, 0, 0), (omega, 1.0)))

@st.composite
def ws_args(draw):
    ws = draw(spaces())
    return {"weights": list(ws.weights), "biases": list(ws.biases), "activation": ws.activation, "spec": None}
case("WeightSpace", ws_args(),
     {"weights": [Bad(lambda w: [NAN_T.f(w[0])] + w[1:], "nan"), Bad(lambda w: [INF_T.f(w[0])] + w[1:], "inf"), Bad(lambda w: [w[0].long()] + w[1:], "int"),
                  Bad(lambda w: w[0], "not a list"), Bad(lambda w: [w[0][..., :0]] + w[1:], "empty"), Bad(lambda w: [w[0].double() if w[0].dtype == torch.float32 else w[0].float()] + w[1:], "dtype mix")],
      "biases": [Bad(lambda b: [NAN_T.f(b[0])] + b[1:], "nan"), Bad(lambda b: b + b, "count"), Bad(lambda b: [b[0][:, :-1] if b[0].shape[1] > 1 else b[0][:, :0]] + b[1:], "shape")],
      "activation": ["gelu", 1], "spec": ["spec", 3]})(
    lambda weights, biases, activation, spec: WeightSpace(weights, biases, activation, spec=spec))

case("WeightSpace.map", st.fixed_dictionaries({"ws": spaces(), "k": st.floats(-3, 3)}),
     {"k": [NAN, INF]}, names={"k": "fn"})(
    lambda ws, k: ws.map(lambda t: t * k))
case("WeightSpace.__mul__/__add__", st.fixed_dictionaries({"ws": spaces(), "other": st.floats(-1e3, 1e3)}),
     {"other": [NAN, INF, 1e39 * 1e300, "2"]})(
    lambda ws, other: (ws * other, ws + other, ws - other, other * ws) if not isinstance(other, str) else ws * other)

@st.composite
def two_spaces(draw):
    a = draw(spaces()); b = draw(spaces(spec=a.spec, B=a.batch_size, dtype=a.dtype))
    return {"ws": a, "other": b}
case("WeightSpace (+, -, max_diff) WeightSpace", two_spaces(),
     {"other": [Bad(lambda o: o.to(torch.float64) if o.dtype == torch.float32 else o.to(torch.float32), "dtype"), Bad(lambda o: o.map(lambda t: t * NAN, check_finite=False), "nan"),
                Bad(lambda o: WeightSpace.cat([o, o]), "batch"), 2j]})(
    lambda ws, other: (ws + other, ws - other, ws.max_diff(other)))
case("WeightSpace.to", st.fixed_dictionaries({"ws": spaces(), "dtype": st.sampled_from(DTYPES)}), {"dtype": [Bad(lambda d: torch.float16, "f16 overflow")]},
     names={"dtype": "dtype"})(lambda ws, dtype: (ws * 1e9 if dtype == torch.float16 else ws).to(dtype))
case("WeightSpace[idx]", st.fixed_dictionaries({"ws": spaces(), "idx": st.integers(-1, 0)}),
     {"idx": [5, -9, "0", 1.5, slice(9, 12)]}, errors=(ValueError, TypeError, IndexError))(lambda ws, idx: ws[idx])
case("WeightSpace.flatten/unflatten", st.fixed_dictionaries({"ws": spaces()}).map(lambda d: {"vec": d["ws"].flatten(), "spec": d["ws"].spec}),
     {"vec": [NAN_T, LONG_T, Bad(lambda v: v[:, :-1], "short"), Bad(lambda v: v[0], "1-D")], "spec": [(2, 3), None]})(
    lambda vec, spec: WeightSpace.unflatten(vec, spec))
case("WeightSpace.cat", st.fixed_dictionaries({"ws": spaces()}).map(lambda d: {"spaces": [d["ws"], d["ws"]]}),
     {"spaces": [[], "ws", Bad(lambda s: [s[0], s[0].flatten()], "not a ws"), Bad(lambda s: [s[0], s[0].to(torch.float64 if s[0].dtype == torch.float32 else torch.float32)], "dtype")]})(
    lambda spaces: WeightSpace.cat(spaces).features())

def seq_net(spec):
    mods = []
    acts = {"relu": nn.ReLU, "tanh": nn.Tanh, "sin": lambda: Sine(3.0), None: None}
    for i in range(spec.num_layers):
        mods.append(nn.Conv2d(spec.widths[i], spec.widths[i + 1], spec.kernels[i], spec.strides[i], spec.paddings[i]) if spec.kernels[i]
                    else nn.Linear(spec.widths[i], spec.widths[i + 1]))
        if i < spec.num_layers - 1 and spec.activation is not None: mods.append(acts[spec.activation]())
        if spec.kernels[i] and not spec.kernels[i + 1]: mods += [nn.AdaptiveAvgPool2d(1), nn.Flatten()]
    return nn.Sequential(*mods)
case("WeightSpace.from_modules/to_module", st.fixed_dictionaries({"modules": st.lists(st.sampled_from(["relu", "tanh", "sin"]).flatmap(lambda a: specs(act=a)).map(seq_net), min_size=1, max_size=1),
                                                                  "dtype": st.sampled_from(DTYPES + [None])}),
     {"modules": [[], nn.Linear(2, 3), [nn.Sequential(nn.Linear(2, 3), nn.GELU(), nn.Linear(3, 1))], [nn.Sequential(nn.Linear(2, 3, bias=False))]],
      "dtype": [torch.int64, "float32"]})(
    lambda modules, dtype: WeightSpace.from_modules(modules, dtype).to_module(0))
case("WeightSpace.from_state_dicts", st.fixed_dictionaries({"ws": spaces()}).map(lambda d: {"state_dicts": [d["ws"].to_module(0).state_dict()], "spec": d["ws"].spec}),
     {"state_dicts": [[], Bad(lambda s: [dict(list(s[0].items())[:-1])], "missing")], "spec": [(2, 3), "spec"]})(
    lambda state_dicts, spec: WeightSpace.from_state_dicts(state_dicts, spec))
case("Sine", st.fixed_dictionaries({"omega0": st.floats(-30, 30).filter(lambda o: o != 0)}), {"omega0": [0.0, NAN, INF, "3"]})(
    lambda omega0: Sine(omega0)(torch.linspace(-1, 1, 5)))
case("GlobalAvgPool", st.fixed_dictionaries({"s": seeds()}), {})(lambda s: GlobalAvgPool()(seeded_randn((2, 3, 4, 4), s)))

@st.composite
def fwd_args(draw):
    ws = draw(spaces()); per = draw(st.booleans())
    x = inputs_for(ws, draw(st.integers(1, 4)), draw(seeds()))
    return {"ws": ws, "x": x.expand(ws.batch_size, *x.shape).clone() if per else x}
case("forward", fwd_args(), {"x": BAD_TENSOR + [Bad(lambda x: x[..., :0], "empty"), Bad(lambda x: x.unsqueeze(0).unsqueeze(0), "ndim"),
                                             Bad(lambda x: x.double() if x.dtype == torch.float32 else x.float(), "dtype mix")], "ws": ["ws", 3]})(forward)

@st.composite
def element_args(draw):
    n = draw(st.integers(1, 4)); B = draw(st.integers(1, 3)); s = draw(seeds())
    g = torch.Generator().manual_seed(s)
    return {"perms": [torch.rand(B, n, generator=g).argsort(1)], "scales": [torch.rand(B, n, generator=g, dtype=torch.float64) + 0.5], "kind": "pos"}
case("MonomialElement", element_args(),
     {"perms": [Bad(lambda p: [p[0] * 0 + 0 if p[0].shape[1] > 1 else p[0] + 1], "not a perm"), Bad(lambda p: [p[0].double()], "float"), Bad(lambda p: p[0], "not a list")],
      "scales": [Bad(lambda d: [d[0] * 0], "zero"), Bad(lambda d: [-d[0]], "negative for pos"), Bad(lambda d: [NAN_T.f(d[0])], "nan"), Bad(lambda d: [d[0].long()], "int")],
      "kind": ["flip", 2]})(
    lambda perms, scales, kind: MonomialElement(perms, scales, kind))
case("identity", st.fixed_dictionaries({"space": spaces(), "batch": st.one_of(st.none(), st.integers(1, 3))}),
     {"space": [(2, 3), "spec"], "batch": bad_int(1, none_ok=True)})(identity)
case("sample_monomial", st.fixed_dictionaries({"space": st.one_of(spaces(), specs()), "kind": st.sampled_from(["pos", "any"]),
                                               "lo": st.floats(1e-3, 1.0), "generator": gens()}).map(
                                                   lambda d: {"space": d["space"], "kind": d["kind"], "scale_range": (d["lo"], 3 * d["lo"]), "generator": d["generator"]}),
     {"space": [(2, 3), None], "kind": ["scale", 0], "scale_range": [(0.0, 1.0), (2.0, 1.0), (NAN, 1.0), "1,2", (1.0, INF)], "generator": GEN_BAD},
     names={"scale_range": "scale_range"})(sample_monomial)
case("symmetry_group", st.fixed_dictionaries({"activation": st.sampled_from(ACTS)}), {"activation": ["gelu", 0, True]})(symmetry_group)

@st.composite
def act_args(draw):
    ws = draw(spaces()); return {"ws": ws, "g": element_for(ws, draw(st.sampled_from(["perm", sym_kind(ws)])), draw(seeds())), "allow_nonsymmetric": draw(st.booleans())}
case("MonomialElement.act/compose/inverse", act_args(),
     {"ws": ["ws", None], "g": [Bad(lambda g: MonomialElement(list(g.perms) + [torch.zeros(g.batch_size, 1, dtype=torch.long)], list(g.scales) + [torch.ones(g.batch_size, 1)], validate=False, batch=g.batch_size), "hidden")],
      "allow_nonsymmetric": FLAG_BAD})(
    lambda ws, g, allow_nonsymmetric: (g.act(ws, allow_nonsymmetric=allow_nonsymmetric), g.compose(g.inverse()).act(ws), g.matrices()))

@st.composite
def pres_args(draw):
    ws = draw(spaces(B=1)); kind = draw(st.sampled_from(["perm", sym_kind(ws)]))
    return {"net": ws, "g": element_for(ws, kind, draw(st.integers(0, 100))), "x": inputs_for(ws, 3, draw(seeds())), "atol": draw(st.one_of(st.none(), st.floats(0, 1)))}
def _preserved(out, kw):
    if kw["atol"] is None and kw["g"].kind == "perm": assert out, out     # a permutation is always a symmetry, at the default tolerance
case("is_function_preserving", pres_args(), {"atol": [NAN, -1.0, INF, "0"], "x": [NAN_T, LONG_T], "g": ["g", None], "net": [3, "net"]}, out_check=_preserved)(
    lambda net, g, x, atol: is_function_preserving(net, g, x, atol))
case("is_function_preserving(default inputs)", pres_args().map(lambda d: d | {"x": None, "atol": None}), {"net": [3]}, out_check=_preserved)(
    lambda net, g, x, atol: is_function_preserving(net, g))
case("preservation_tolerance", st.fixed_dictionaries({"spec": specs(), "dtype": st.sampled_from(DTYPES)}), {"spec": [(2, 3)], "dtype": [torch.int64, "f32"]})(
    lambda spec, dtype: torch.tensor(preservation_tolerance(spec, dtype)))
case("canonicalize_scale", st.fixed_dictionaries({"ws": spaces(act="relu")}), {"ws": ["ws", Bad(lambda w: WeightSpace(w.weights, w.biases, spec=NetSpec(w.spec.widths, w.spec.kernels, "tanh", w.spec.strides, w.spec.paddings)), "tanh")]})(canonicalize_scale)
case("canonicalize_sign", st.fixed_dictionaries({"ws": spaces(act="tanh")}), {"ws": ["ws", Bad(lambda w: WeightSpace(w.weights, w.biases, spec=NetSpec(w.spec.widths, w.spec.kernels, "relu", w.spec.strides, w.spec.paddings)), "relu")]})(canonicalize_sign)
case("canonicalize", st.fixed_dictionaries({"ws": spaces()}), {"ws": ["ws", None]})(canonicalize)

@st.composite
def wm_args(draw):
    a = draw(spaces(B=draw(st.integers(1, 2)))); return {"ws_a": a, "ws_b": element_for(a, "perm", draw(seeds())).act(a), "max_iter": draw(st.integers(1, 5))}
case("weight_matching", wm_args(), {"ws_b": [Bad(lambda w: WeightSpace.cat([w, w]), "batch"), "ws"], "max_iter": bad_int(1)})(weight_matching)

# ---------------------------------------------------------------- zoo

case("net_seed/net_generator", st.fixed_dictionaries({"seed": st.integers(0, 2**40), "k": st.integers(-1, 10**6)}), {"seed": bad_int(0), "k": bad_int(-1)})(
    lambda seed, k: (torch.tensor(float(net_seed(seed, k))), torch.rand(2, generator=net_generator(seed, k))))
case("CNNZooRanges", st.fixed_dictionaries({"lr": st.floats(1e-3, 1).map(lambda a: (a, 2 * a)), "steps": st.integers(1, 9).map(lambda a: (a, a + 3)),
                                            "label_noise": st.floats(0, 0.5).map(lambda a: (a, a))}),
     {"lr": [(0.0, 1.0), (NAN, 1.0), (1.0, 0.5), 0.1], "steps": [(0, 3), (3, 1), (1.5, 2)], "label_noise": [(-0.1, 0.2), (0.2, 1.5), (NAN, 0.1)]},
     names={})(lambda **kw: torch.tensor(CNNZooRanges(**kw).lr))

@st.composite
def draw_args(draw):
    n = draw(st.integers(1, 6)); s = draw(seeds())
    return {"spec": draw(st.sampled_from([cnn_spec("relu", (2, 2)), cnn_spec("tanh", (1, 3), n_classes=3)])), "ranges": CNNZooRanges(steps=(1, 3)),
            "labels": torch.randint(0, 3, (n,), generator=torch.Generator().manual_seed(s)), "n_classes": 3,
            "dtype": draw(st.sampled_from(DTYPES)), "generator": draw(gens())}
case("draw_cnn", draw_args(), {"spec": [(1, 2), None], "ranges": [(0.1, 1.0)], "labels": [Bad(lambda l: l.double(), "float"), Bad(lambda l: l + 5, "range"), Bad(lambda l: l[:0], "empty")],
                               "n_classes": bad_int(2), "dtype": [torch.int64], "generator": GEN_BAD})(
    lambda **kw: (lambda d: (d.weights, d.biases, torch.tensor(d.hparams["lr"])))(draw_cnn(**kw)))
case("batch_schedule", st.fixed_dictionaries({"steps": st.integers(1, 5), "n_train": st.integers(1, 50), "batch_size": st.integers(1, 8), "generator": gens()}),
     {"steps": bad_int(1), "n_train": bad_int(1), "batch_size": bad_int(1), "generator": GEN_BAD})(
    lambda **kw: (lambda s: (s.double(), bool((s < kw["n_train"]).all()) or 1 / 0))(batch_schedule(**kw)))

@st.composite
def train_args(draw):
    B, n = draw(st.integers(1, 3)), draw(st.integers(2, 8)); s = draw(seeds()); g = torch.Generator().manual_seed(s)
    spec = NetSpec((2, 3, 4), ((), ()), draw(st.sampled_from(["relu", "tanh"])))
    ws = WeightSpace([torch.randn(B, 3, 2, generator=g), torch.randn(B, 4, 3, generator=g)], [torch.randn(B, 3, generator=g), torch.randn(B, 4, generator=g)], spec=spec)
    T_ = draw(st.integers(0, 3))
    return {"ws": ws, "images": torch.randn(n, 2, generator=g), "labels": torch.randint(0, 4, (B, n), generator=g),
            "keep": torch.rand(B, n, generator=g) < 0.7, "lr": torch.rand(B, generator=g), "steps": torch.randint(0, T_ + 1, (B,), generator=g),
            "schedule": torch.randint(0, n, (max(T_, 1), 2), generator=g)}
case("train_batched", train_args(), {"ws": ["ws"], "images": BAD_TENSOR, "labels": [Bad(lambda l: l + 10, "range"), Bad(lambda l: l.double(), "float")],
                                     "keep": [Bad(lambda k: k.long(), "int")], "lr": [NAN_T, Bad(lambda l: -l - 1, "negative")], "steps": [Bad(lambda s: s - 5, "negative"), Bad(lambda s: s.double(), "float")],
                                     "schedule": [Bad(lambda s: s + 100, "range"), Bad(lambda s: s.double(), "float")]})(train_batched)

@st.composite
def ref_args(draw):
    a = draw(train_args()); ws = a["ws"]
    return {"net": ws.to_module(0), "images": a["images"], "labels": a["labels"][0], "keep": a["keep"][0], "lr": float(a["lr"][0]),
            "steps": int(a["steps"][0]), "schedule": a["schedule"]}
case("train_one_reference", ref_args(), {"net": ["net"], "images": [NAN_T, LONG_T], "labels": [Bad(lambda l: l[:-1], "short")], "keep": [Bad(lambda k: k.long(), "int")],
                                          "lr": bad_float(0), "steps": bad_int(0) + [100], "schedule": [Bad(lambda s: s.double(), "float")]})(
    lambda **kw: train_one_reference(**kw))
case("accuracy", train_args().map(lambda a: {"ws": a["ws"], "images": a["images"], "labels": a["labels"][0], "chunk": 3}),
     {"ws": [None], "images": [NAN_T, LONG_T], "labels": [Bad(lambda l: l[:-1], "short"), Bad(lambda l: l.double(), "float")], "chunk": bad_int(1)})(accuracy)
case("cnn_spec", st.fixed_dictionaries({"activation": st.sampled_from(["relu", "tanh"]), "channels": st.tuples(st.integers(1, 8), st.integers(1, 8)),
                                        "in_channels": st.integers(1, 3), "n_classes": st.integers(2, 10)}),
     {"activation": ["sin", None], "channels": [(0, 2), (2,), 4, (2, 2.5)], "in_channels": bad_int(1), "n_classes": bad_int(2)})(
    lambda **kw: torch.tensor(float(cnn_spec(**kw).num_params)))

TOY = {"train_x": seeded_randn((8, 1, 5, 5), 0).sigmoid(), "train_y": torch.arange(8) % 3, "test_x": seeded_randn((4, 1, 5, 5), 1).sigmoid(), "test_y": torch.arange(4) % 3}
case("cnn_zoo_shard", st.fixed_dictionaries({"ids": st.lists(st.integers(0, 50), min_size=1, max_size=2), "seed": st.integers(0, 100)}).map(
        lambda d: d | {"data": TOY, "ranges": CNNZooRanges(steps=(1, 2)), "batch_size": 3}),
     {"ids": [[], "0", [-1], [1.5]], "data": [None, {"train_x": TOY["train_x"]}, Bad(lambda d: d | {"train_x": NAN_T.f(d["train_x"])}, "nan")],
      "seed": bad_int(0), "batch_size": bad_int(1)}, names={"data": "data"})(
    lambda ids, data, seed, ranges, batch_size: cnn_zoo_shard(ids, data, seed=seed, ranges=ranges, batch_size=batch_size))
case("siren_spec", st.fixed_dictionaries({"hidden": st.lists(st.integers(1, 8), min_size=1, max_size=3).map(tuple), "omega0": st.floats(0.5, 30), "out": st.integers(1, 3)}),
     {"hidden": [(), (0,), 4, (2, -1)], "omega0": [0.0, NAN, INF, "10"], "out": bad_int(1)})(
    lambda **kw: torch.tensor(float(siren_spec(**kw).num_params)))
case("siren_init", st.fixed_dictionaries({"spec": st.lists(st.integers(1, 6), min_size=1, max_size=3).map(lambda h: siren_spec(tuple(h))),
                                          "dtype": st.sampled_from(DTYPES), "generator": gens()}),
     {"spec": [cnn_spec(), (2, 3)], "dtype": [torch.int32, "f"], "generator": GEN_BAD})(siren_init)
case("pixel_grid", st.fixed_dictionaries({"h": st.integers(1, 9), "w": st.integers(1, 9), "dtype": st.sampled_from(DTYPES)}),
     {"h": bad_int(1), "w": bad_int(1), "dtype": [torch.int64, "float"]})(pixel_grid)

@st.composite
def render_args(draw):
    return {"ws": draw(spaces(spec=siren_spec(tuple(draw(st.lists(st.integers(1, 4), min_size=1, max_size=2)))))), "shape": (draw(st.integers(1, 6)), draw(st.integers(1, 6)))}
case("render", render_args(), {"ws": [None, Bad(lambda w: WeightSpace.cat([w]).map(lambda t: t, check_finite=False).flatten(), "tensor")], "shape": [(0, 3), (3,), 5, (2, 1.5)]})(render)
case("psnr", st.fixed_dictionaries({"a": seeds(), "b": seeds(), "n": st.integers(1, 4)}).map(
        lambda d: {"pred": seeded_randn((d["n"], 3, 3), d["a"]).sigmoid(), "target": seeded_randn((d["n"], 3, 3), d["b"]).sigmoid()}),
     {"pred": BAD_TENSOR, "target": [NAN_T, Bad(lambda t: t[:, :2], "shape")]})(psnr)
case("psnr(identical)", st.fixed_dictionaries({"a": seeds()}).map(lambda d: {"pred": seeded_randn((2, 3, 3), d["a"]).sigmoid()}), {})(
    lambda pred: psnr(pred, pred.clone()))                                  # identical images: a finite cap, not inf
case("fit_sirens", st.fixed_dictionaries({"images": st.tuples(st.integers(1, 3), st.integers(1, 4), st.integers(1, 4), seeds()).map(lambda t: seeded_randn(t[:3], t[3]).sigmoid()),
                                          "steps": st.integers(0, 2), "lr": st.floats(1e-4, 1e-2), "init": st.sampled_from(["shared", "random"]), "seed": st.integers(0, 9)}),
     {"images": [NAN_T, Bad(lambda x: x * 3, "range"), Bad(lambda x: x[0], "2-D")], "steps": bad_int(0), "lr": bad_float(0, open_lo=True),
      "init": ["zero", 1], "seed": bad_int(0)})(
    lambda images, steps, lr, init, seed: fit_sirens(images, hidden=(3,), steps=steps, lr=lr, init=init, seed=seed))
def _zoo_data(name, n_train):
    "data_available for every name; zoo_data itself (small caps) for digits when cached."
    if not data_available(name) or name != "digits": return torch.zeros(1)
    d = zoo_data(name, n_train=n_train, n_test=2)
    assert d["train_x"].shape[0] == n_train and d["train_x"].min() >= 0 and d["train_x"].max() <= 1
    return d
case("zoo_data/data_available", st.fixed_dictionaries({"name": st.sampled_from(list(DATASETS)), "n_train": st.integers(1, 20)}),
     {"name": ["bogus", 3, None], "n_train": bad_int(1, none_ok=True)})(
    lambda name, n_train: _zoo_data(name, n_train) if isinstance(n_train, int) and not isinstance(n_train, bool) and n_train >= 1 else zoo_data(name, n_train=n_train))

_FOLDERS = itertools.count()

@pytest.fixture(scope="module")
def tmpdir_module(tmp_path_factory): return tmp_path_factory.mktemp("zoos")

test_fuzz = table_test(CASES)


@FUZZ
@given(data=st.data())
def test_fuzz_zoo_files(data, tmpdir_module):
    "generate_zoo / make_cnn_zoo / make_inr_zoo / load_zoo: the valid path writes and reloads a tiny zoo; bad arguments are refused."
    folder = tmpdir_module / f"z{next(_FOLDERS)}"                          # a fresh folder per example
    which = data.draw(st.sampled_from(["cnn", "inr", "generate", "load"]), label="which")
    if which == "cnn":
        valid = st.fixed_dictionaries({"n": st.integers(1, 2), "seed": st.integers(0, 5), "shard_size": st.integers(1, 2), "batch_size": st.integers(1, 4)})
        bad = {"n": bad_int(1), "seed": bad_int(0), "shard_size": bad_int(1), "batch_size": bad_int(1)}
        fn = lambda **kw: make_cnn_zoo(folder, TOY, ranges=CNNZooRanges(steps=(1, 2)), display=False, **kw).ws
    elif which == "inr":
        valid = st.fixed_dictionaries({"steps": st.integers(0, 2), "seed": st.integers(0, 5), "shard_size": st.integers(1, 3), "lr": st.floats(1e-4, 1e-2)})
        bad = {"steps": bad_int(0), "seed": bad_int(0), "shard_size": bad_int(1), "lr": bad_float(0, open_lo=True)}
        fn = lambda **kw: make_inr_zoo(folder, TOY["train_x"][:3, 0], hidden=(3,), display=False, **kw).ws
    elif which == "generate":
        valid = st.fixed_dictionaries({"config": st.integers(1, 3).map(lambda n: {"n": n, "shard_size": 2}), "display": st.just(False)})
        bad = {"config": [{"n": 0, "shard_size": 1}, {"n": 2}, "cfg"], "display": FLAG_BAD}
        def fn(config, display):
            generate_zoo(folder, config, lambda ids: {"x": torch.zeros(len(ids)), "ids": torch.tensor(ids)}, display)
            return torch.zeros(1)
    else:
        valid = st.just({"folder": folder, "allow_partial": True})
        bad = {"folder": [3, None], "allow_partial": FLAG_BAD}
        def fn(folder, allow_partial):
            try: return load_zoo(folder, allow_partial=allow_partial).ws
            except FileNotFoundError as e: assert "manifest.json" in str(e); return None
    check(fn, data, valid, bad)
