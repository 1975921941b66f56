"Fuzzing every public function and model of the metanets chapter (layers, models, INR tools): 200 examples each, deterministic."
import pytest
import torch
from torch import nn
from hypothesis import given, strategies as st

from _fuzz import (table_test, FUZZ, Bad, NAN, INF, NAN_T, INF_T, LONG_T, BAD_TENSOR, GEN_BAD, FLAG_BAD, bad_int, bad_float, check, seeds, gens, seeded_randn)
from symlearn.weightspace.groups import NetSpec, WeightSpace, sample_monomial, symmetry_group
from symlearn.weightspace.zoo import siren_spec
from symlearn.metanets.layers import (Feat, to_feat, feat_to_ws, fold, unfold, ChannelMix, init_terms_, check_feat, rep_matrix, random_rep,
                                      commutant_dim, layer_span, MonomialLinear, monomial_num_params, act_feat, equivariance_error,
                                      NPLinear, HNPLinear, dimension_table, NPPool, HNPPool, MonomialInvariantPool, StatFeatures, GROUPS)
from symlearn.metanets.models import (mlp_head, MonomialNFN, HNP, NP, STATNN, invariance_error, QuasiScale, apply_scales, QuasiLinear,
                                      QuasiMonomialNFN, fit_channel_scales, EquivariantNFN)
from symlearn.metanets.inr import (sign_perm, render_grad, layer_scales, scale_layers, FlatMLP, dilate, contrast, WeightEditor,
                                   FlatMLPEditor, build_editor, edit_commutation_error, EDITORS)

DTYPES = [torch.float32, torch.float64]


@st.composite
def specs(draw, act=None, min_layers=2, conv=True):
    "Small specs with at least one hidden layer (what metanetworks need)."
    L = draw(st.integers(min_layers, 3))
    widths = tuple(draw(st.lists(st.integers(1, 3), min_size=L + 1, max_size=L + 1)))
    n_conv = draw(st.integers(0, L - 1)) if conv else 0
    kernels = tuple((draw(st.sampled_from([1, 2])),) * 2 if i < n_conv else () for i in range(L))
    return NetSpec(widths, kernels, draw(st.sampled_from(["relu", "tanh", "sin"])) if act is None else act)


def make_ws(spec, B, dtype, seed, scale=1.0):
    g = torch.Generator().manual_seed(seed)
    return WeightSpace([scale * torch.randn(B, *spec.weight_shape(i), generator=g, dtype=dtype) for i in range(spec.num_layers)],
                       [scale * torch.randn(B, spec.widths[i + 1], generator=g, dtype=dtype) for i in range(spec.num_layers)], spec=spec)


def make_feat(spec, B, C, dtype, seed, scale=1.0):
    g = torch.Generator().manual_seed(seed)
    return Feat(tuple(scale * torch.randn(B, C, *spec.weight_shape(i), generator=g, dtype=dtype) for i in range(spec.num_layers)),
                tuple(scale * torch.randn(B, C, spec.widths[i + 1], generator=g, dtype=dtype) for i in range(spec.num_layers)))


@st.composite
def ws_of(draw, **kw):
    spec = draw(specs(**kw)); return make_ws(spec, draw(st.integers(1, 3)), draw(st.sampled_from(DTYPES)), draw(seeds()), 10 ** draw(st.floats(-2, 1)))


SIREN2 = siren_spec((2, 2))

def other_dtype(ws): return ws.to(torch.float64 if ws.dtype == torch.float32 else torch.float32)
def nan_ws(ws): return ws.map(lambda t: t * NAN, check_finite=False)
def inf_ws(ws): return ws.map(lambda t: t + INF, check_finite=False)
def other_spec(ws): return make_ws(NetSpec(tuple(w + 1 for w in ws.spec.widths), ((),) * ws.spec.num_layers, ws.activation), 1, ws.dtype, 0)
BAD_WS = [Bad(nan_ws, "nan"), Bad(inf_ws, "inf"), Bad(other_dtype, "dtype"), Bad(other_spec, "spec"), "ws", None]
BAD_FEAT = [Bad(lambda f: f.map(lambda t: t * NAN), "nan"), Bad(lambda f: f.map(lambda t: t.double() if t.dtype == torch.float32 else t.float()), "dtype"),
            Bad(lambda f: Feat(f.weights[:-1], f.biases[:-1]), "layers"), Bad(lambda f: f.map(lambda t: torch.cat([t, t], 1)), "channels"), "x"]

CASES = {}
def case(name, valid, bad, names=None, errors=(ValueError, TypeError), out_check=None):
    def deco(fn): CASES[name] = (fn, valid, bad, names, errors, out_check); return fn
    return deco

# ---------------------------------------------------------------- layers: feature plumbing

case("to_feat/feat_to_ws", st.fixed_dictionaries({"ws": ws_of()}), {"ws": ["ws", None, 3]})(
    lambda ws: feat_to_ws(to_feat(ws), ws.spec).max_diff(ws) == 0 or 1 / 0)
case("feat_to_ws", st.fixed_dictionaries({"ws": ws_of()}).map(lambda d: {"feat": to_feat(d["ws"]), "spec": d["ws"].spec}),
     {"feat": [Bad(lambda f: f.map(lambda t: torch.cat([t, t], 1)), "2 channels"), "feat"], "spec": [(2, 3), None]})(feat_to_ws)
case("fold/unfold", st.fixed_dictionaries({"k": st.integers(1, 3), "C": st.integers(1, 3), "s": seeds()}).map(
        lambda d: {"w": seeded_randn((2, d["C"], 3, 2, d["k"], d["k"]), d["s"]), "kernel": (d["k"], d["k"])}),
     {"w": [Bad(lambda w: w[0], "ndim"), "w"], "kernel": [(0, 2), (2,), 3, (1.5, 1.5)]})(
    lambda w, kernel: (unfold(fold(w), kernel) - w).abs().max() == 0 or 1 / 0)
case("ChannelMix", st.fixed_dictionaries({"c_in": st.integers(1, 4), "c_out": st.integers(1, 4), "bias": st.booleans(), "generator": gens()}),
     {"c_in": bad_int(1), "c_out": bad_int(1), "bias": FLAG_BAD, "generator": GEN_BAD})(
    lambda c_in, c_out, bias, generator: ChannelMix(c_in, c_out, bias, generator)(torch.ones(2, c_in, 3)))
case("init_terms_", st.fixed_dictionaries({"n": st.integers(1, 5), "fan_in": st.one_of(st.none(), st.integers(1, 10))}), {})(
    lambda n, fan_in: (lambda m: (init_terms_(m, fan_in=fan_in), m.weight)[1])(nn.Linear(n, 2)))

@st.composite
def cf_args(draw):
    spec = draw(specs()); C = draw(st.integers(1, 2)); dt = draw(st.sampled_from(DTYPES))
    return {"feat": make_feat(spec, draw(st.integers(1, 2)), C, dt, draw(seeds())), "spec": spec, "channels": C, "dtype": dt}
case("check_feat", cf_args(), {"feat": BAD_FEAT + [None], "spec": [(1, 2)], "channels": bad_int(1)}, names={"feat": "x"})(
    lambda feat, spec, channels, dtype: check_feat(feat, spec, channels, dtype=dtype))

# ---------------------------------------------------------------- layers: group representation and counting

@st.composite
def rep_args(draw):
    spec = draw(specs(conv=False)); return {"spec": spec, "group": draw(st.sampled_from(GROUPS)), "generator": draw(gens())}
case("random_rep", rep_args(), {"spec": [(2, 3, 1), None], "group": ["scale", 1], "generator": GEN_BAD})(random_rep)
case("rep_matrix", rep_args().map(lambda d: {"spec": d["spec"], "mats": [torch.eye(n, dtype=torch.float64) for n in d["spec"].widths]}),
     {"spec": [(2, 2)], "mats": [Bad(lambda m: m[:-1], "count"), Bad(lambda m: [m[0] * 0] + m[1:], "singular"), Bad(lambda m: [NAN_T.f(m[0])] + m[1:], "nan"), "I"]})(rep_matrix)
case("commutant_dim", st.fixed_dictionaries({"spec": st.sampled_from([NetSpec((1, 2, 1), ((), ()), None), NetSpec((2, 1, 1), ((), ()), None)]),
                                             "group": st.sampled_from(GROUPS), "n_elements": st.integers(1, 3), "generator": gens(), "tol": st.floats(1e-12, 1e-6)}),
     {"spec": [(1, 2, 1)], "group": ["x"], "n_elements": bad_int(1), "generator": GEN_BAD, "tol": bad_float(0, open_lo=True) + [2.0]})(
    lambda **kw: torch.tensor(commutant_dim(**kw), dtype=torch.float64))
case("layer_span", st.fixed_dictionaries({"spec": st.sampled_from([NetSpec((1, 2, 1), ((), ()), "relu"), NetSpec((2, 1, 1), ((), ()), "relu")]),
                                          "tol": st.floats(1e-12, 1e-6), "kind": st.sampled_from(["mono", "np", "hnp"])}).map(
        lambda d: {"layer": {"mono": MonomialLinear, "np": NPLinear, "hnp": HNPLinear}[d["kind"]](d["spec"], 1, 1, generator=torch.Generator().manual_seed(0)).double(),
                   "spec": d["spec"], "tol": d["tol"]}),
     {"layer": [Bad(lambda l: l.float(), "float32"), "layer"], "spec": [None], "tol": bad_float(0, open_lo=True)})(
    lambda **kw: torch.tensor(layer_span(**kw), dtype=torch.float64))
case("monomial_num_params", st.fixed_dictionaries({"spec": specs(), "c_in": st.integers(1, 4), "c_out": st.integers(1, 4), "group": st.just("pos")}),
     {"spec": [(1, 2, 1)], "c_in": bad_int(1), "c_out": bad_int(1), "group": ["perm"]},
     out_check=lambda n, kw: n.item() == sum(p.numel() for p in MonomialLinear(kw["spec"], kw["c_in"], kw["c_out"]).parameters()) or 1 / 0)(
    lambda **kw: torch.tensor(float(monomial_num_params(**kw))))
case("dimension_table", st.fixed_dictionaries({"specs": st.sampled_from([((1, 1, 1, 1),), ((2, 1, 1, 1),)])}), {"specs": [(), "2,3", 5, ((2, 3, 1),)]})(
    lambda specs: [torch.tensor([float(v) for k, v in r.items() if k != "widths"]) for r in dimension_table(specs)])

# ---------------------------------------------------------------- layers: equivariant maps and pools

@st.composite
def layer_args(draw, kind):
    spec = draw(specs(min_layers=3 if kind == "sign" else 2)); ci, co = draw(st.integers(1, 2)), draw(st.integers(1, 2))
    dt = draw(st.sampled_from(DTYPES)); gen = draw(gens())
    return {"spec": spec, "c_in": ci, "c_out": co, "generator": gen, "dtype": dt,
            "x": make_feat(spec, draw(st.integers(1, 2)), ci, dt, draw(seeds()), 10 ** draw(st.floats(-2, 1)))}
BAD_LAYER = {"spec": [(2, 3, 1), None], "c_in": bad_int(1), "c_out": bad_int(1), "generator": GEN_BAD, "x": BAD_FEAT}
LAYERS = {"MonomialLinear(pos)": lambda spec, c_in, c_out, generator: MonomialLinear(spec, c_in, c_out, "pos", generator=generator),
          "MonomialLinear(sign)": lambda spec, c_in, c_out, generator: MonomialLinear(spec, c_in, c_out, "sign", generator=generator),
          "NPLinear": lambda spec, c_in, c_out, generator: NPLinear(spec, c_in, c_out, generator=generator),
          "NPLinear(io_embed)": lambda spec, c_in, c_out, generator: NPLinear(spec, c_in, c_out, io_embed=True, generator=generator),
          "HNPLinear": lambda spec, c_in, c_out, generator: HNPLinear(spec, c_in, c_out, generator=generator)}
for nm, mk in LAYERS.items():
    case(nm, layer_args("sign" if "sign" in nm else "pos"), BAD_LAYER)(
        lambda spec, c_in, c_out, generator, dtype, x, mk=mk: mk(spec, c_in, c_out, generator).to(dtype)(x))

@st.composite
def pool_args(draw):
    spec = draw(specs()); C = draw(st.integers(1, 3)); dt = draw(st.sampled_from(DTYPES))
    return {"spec": spec, "channels": C, "x": make_feat(spec, draw(st.integers(1, 2)), C, dt, draw(seeds()), 10 ** draw(st.floats(-3, 2))), "dtype": dt}
BAD_POOL = {"spec": [(2, 3), None], "channels": bad_int(1), "x": [b for b in BAD_FEAT if getattr(b, "what", "") != "dtype"]}   # no parameters: any float dtype
case("NPPool", pool_args(), BAD_POOL)(lambda spec, channels, x, dtype: NPPool(spec, channels)(x))
case("HNPPool", pool_args(), BAD_POOL)(lambda spec, channels, x, dtype: HNPPool(spec, channels)(x))
case("MonomialInvariantPool", pool_args().flatmap(lambda d: st.fixed_dictionaries({"even": st.sampled_from([None, "abs"]), "eps": st.floats(1e-12, 1e-3)}).map(lambda e: d | e)),
     BAD_POOL | {"even": ["square", 1], "eps": bad_float(0, open_lo=True)})(
    lambda spec, channels, x, dtype, even, eps: MonomialInvariantPool(spec, channels, even=even, eps=eps).to(dtype)(x))
case("MonomialInvariantPool(zeros)", pool_args(), {})(
    lambda spec, channels, x, dtype: MonomialInvariantPool(spec, channels).to(dtype)(x.map(torch.zeros_like)))    # an all-zero entry: 0, not NaN
case("StatFeatures", pool_args().map(lambda d: d | {"x": Feat(tuple(w[:, :1] for w in d["x"].weights), tuple(b[:, :1] for b in d["x"].biases))}),
     {"spec": [(2, 3)], "x": [BAD_FEAT[0], BAD_FEAT[2], "x"]})(lambda spec, channels, x, dtype: StatFeatures(spec)(x))

@st.composite
def eq_args(draw):
    a = draw(layer_args("pos")); spec = a["spec"]
    g = sample_monomial(spec, draw(st.sampled_from(["perm", "sign", "pos"])), batch=a["x"].batch_size, generator=torch.Generator().manual_seed(draw(seeds()))).to(a["dtype"])
    return {"layer": MonomialLinear(spec, a["c_in"], a["c_out"], generator=torch.Generator().manual_seed(0)).to(a["dtype"]), "x": a["x"], "g": g}
case("equivariance_error/act_feat", eq_args(), {"g": ["g", None, Bad(lambda g: sample_monomial(NetSpec((1, 5, 1), ((), ()), None), "perm"), "other spec")], "x": [3, None]})(
    lambda layer, x, g: (torch.tensor(equivariance_error(layer, x, g)), act_feat(g, x)))

# ---------------------------------------------------------------- models

@st.composite
def model_args(draw, act=None, min_layers=2):
    act = draw(st.sampled_from(["relu", "tanh", "sin"])) if act is None else act
    spec = draw(specs(act=act, min_layers=max(min_layers, 3 if act != "relu" else 2))); dt = draw(st.sampled_from(DTYPES))   # the sign layer needs L >= 3
    return {"spec": spec, "channels": tuple(draw(st.lists(st.integers(1, 2), min_size=1, max_size=2))), "head_hidden": draw(st.integers(1, 4)),
            "out_features": draw(st.integers(1, 2)), "generator": draw(gens()), "dtype": dt,
            "ws": make_ws(spec, draw(st.integers(1, 2)), dt, draw(seeds()), 10 ** draw(st.floats(-2, 1)))}
BAD_MODEL = {"spec": [(2, 3, 1), None, NetSpec((2, 1), ((),), "relu")], "channels": [(), (0,), 3, (-1, 2)], "head_hidden": bad_int(1),
             "out_features": bad_int(1), "generator": GEN_BAD, "ws": BAD_WS}
MODELS = {"MonomialNFN": lambda spec, channels, head_hidden, out_features, generator: MonomialNFN(spec, None, channels, head_hidden, out_features, generator=generator),
          "HNP": lambda spec, channels, head_hidden, out_features, generator: HNP(spec, channels, head_hidden, out_features, generator=generator),
          "NP": lambda spec, channels, head_hidden, out_features, generator: NP(spec, channels, head_hidden, out_features, generator=generator),
          "STATNN": lambda spec, channels, head_hidden, out_features, generator: STATNN(spec, head_hidden, out_features, generator=generator),
          "QuasiMonomialNFN": lambda spec, channels, head_hidden, out_features, generator: QuasiMonomialNFN(spec, None, channels, head_hidden, out_features,
                                                                                                          hidden=3, generator=generator)}
for nm, mk in MODELS.items():
    case(nm, model_args(act="relu" if nm == "QuasiMonomialNFN" else None), {k: v for k, v in BAD_MODEL.items() if not (nm == "STATNN" and k == "channels")})(
        lambda spec, channels, head_hidden, out_features, generator, dtype, ws, mk=mk: mk(spec, channels, head_hidden, out_features, generator).to(dtype)(ws))
case("EquivariantNFN", model_args().flatmap(lambda d: st.sampled_from(["monomial", "hnp", "np"]).map(lambda l: d | {"layer": l})),
     {k: BAD_MODEL[k] for k in ("spec", "generator", "ws")} | {"channels": [(0,), 3, (-1, 2)], "layer": ["gnn", 0]})(
    lambda spec, channels, head_hidden, out_features, generator, dtype, ws, layer: EquivariantNFN(spec, layer, channels=channels, generator=generator).to(dtype)(ws))
case("mlp_head", st.fixed_dictionaries({"in_features": st.integers(1, 5), "hidden": st.integers(1, 5), "out_features": st.integers(1, 3),
                                        "layers": st.integers(0, 2), "generator": gens()}),
     {"in_features": bad_int(1), "hidden": bad_int(1), "out_features": bad_int(1), "layers": bad_int(0), "generator": GEN_BAD})(
    lambda **kw: mlp_head(**kw)(torch.ones(2, kw["in_features"])))

@st.composite
def inv_args(draw):
    a = draw(model_args()); m = HNP(a["spec"], (2,), 3, generator=torch.Generator().manual_seed(0)).to(a["dtype"])
    kind = draw(st.sampled_from(["perm", "sign", "pos"]))
    return {"model": m, "ws": a["ws"], "g": sample_monomial(a["ws"], kind, generator=torch.Generator().manual_seed(draw(seeds()))), "allow_nonsymmetric": True}
case("invariance_error", inv_args(), {"ws": ["ws", Bad(nan_ws, "nan")], "g": ["g", None], "allow_nonsymmetric": FLAG_BAD})(
    lambda **kw: torch.tensor(invariance_error(**kw)))

@st.composite
def quasi_args(draw):
    spec = draw(specs(act="relu")); ci, co = draw(st.integers(1, 2)), draw(st.integers(1, 2)); dt = draw(st.sampled_from(DTYPES))
    eps_max = draw(st.floats(0.05, 0.95))
    return {"spec": spec, "c_in": ci, "c_out": co, "eps_max": eps_max, "eps_init": eps_max * draw(st.floats(0.01, 0.99)), "per_channel": draw(st.booleans()),
            "generator": draw(gens()), "dtype": dt, "x": make_feat(spec, draw(st.integers(1, 2)), ci, dt, draw(seeds()), 10 ** draw(st.floats(-3, 3)))}
case("QuasiScale/QuasiLinear/apply_scales", quasi_args(),
     {"spec": [(2, 3)], "c_in": bad_int(1), "c_out": bad_int(1), "eps_max": bad_float(0, open_lo=True) + [1.0], "eps_init": bad_float(0, open_lo=True) + [5.0],
      "per_channel": FLAG_BAD, "generator": GEN_BAD, "x": BAD_FEAT},
     out_check=lambda out, kw: all(bool(((a > 0)).all()) for a in out[1]) or 1 / 0)(      # α stays positive for any input scale
    lambda spec, c_in, c_out, eps_max, eps_init, per_channel, generator, dtype, x: (lambda q: (
        QuasiLinear(MonomialLinear(spec, c_in, c_out, generator=torch.Generator().manual_seed(1)).to(dtype), q)(x), q(x)))(
        QuasiScale(spec, c_in, c_out, eps_max, eps_init, per_channel, hidden=3, generator=generator).to(dtype)))
case("apply_scales", quasi_args().map(lambda d: {"y": d["x"], "alphas": [torch.rand(d["x"].batch_size, 1, n, dtype=d["dtype"]) + 0.5 for n in d["spec"].hidden]}),
     {"y": ["y", None], "alphas": [Bad(lambda a: [t * 0 for t in a], "zero"), Bad(lambda a: [NAN_T.f(t) for t in a], "nan"), Bad(lambda a: a[:-1], "count"), 2.0]},
     names={"alphas": "alphas"})(apply_scales)
case("fit_channel_scales", quasi_args().map(lambda d: {"y": d["x"], "z": d["x"].map(lambda t: 2 * t)}),
     {"y": ["y"], "z": ["z", Bad(lambda z: Feat(z.weights[:-1], z.biases[:-1]), "layers")]})(
    lambda y, z: (lambda r: (r[0], torch.tensor(r[1])))(fit_channel_scales(y, z)))

# ---------------------------------------------------------------- INR tools

@st.composite
def inr_args(draw):
    spec = siren_spec(tuple(draw(st.lists(st.integers(1, 3), min_size=2, max_size=2))), omega0=draw(st.floats(1, 30)))   # 2 hidden layers: the sign layer needs L >= 3
    dt = draw(st.sampled_from(DTYPES))
    return {"ws": make_ws(spec, draw(st.integers(1, 3)), dt, draw(seeds())), "generator": draw(gens()),
            "shape": (draw(st.integers(1, 5)), draw(st.integers(1, 5))), "dtype": dt}
case("sign_perm", inr_args().map(lambda d: {"ws": d["ws"], "generator": d["generator"]}),
     {"ws": [Bad(lambda w: WeightSpace(w.weights, w.biases, spec=NetSpec(w.spec.widths, w.spec.kernels, "relu")), "relu"), "ws"], "generator": GEN_BAD})(sign_perm)
case("render_grad", inr_args().map(lambda d: {"ws": d["ws"], "shape": d["shape"]}), {"ws": [None, Bad(other_spec, "2->..->?")], "shape": [(0, 2), (2,), 4, (1.5, 2)]})(render_grad)
case("layer_scales/scale_layers", inr_args().map(lambda d: {"ws": d["ws"], "eps": 1e-12}), {"ws": ["ws", None], "eps": bad_float(0, open_lo=True)})(
    lambda ws, eps: scale_layers(ws, layer_scales(ws, eps)))
case("scale_layers", inr_args().map(lambda d: {"ws": d["ws"], "scales": layer_scales(d["ws"])}),
     {"ws": [None], "scales": [Bad(lambda s: (s[0] * 0, s[1]), "zero"), Bad(lambda s: (s[0][:-1], s[1]), "count"), Bad(lambda s: (NAN_T.f(s[0]), s[1]), "nan"), 2.0]})(scale_layers)
case("FlatMLP/FlatMLPEditor", inr_args().flatmap(lambda d: st.fixed_dictionaries({"hidden": st.integers(1, 4), "layers": st.integers(0, 2)}).map(lambda e: d | e | {"shape": d["ws"].spec})),
     {"hidden": bad_int(1), "layers": bad_int(0), "generator": GEN_BAD, "ws": BAD_WS[:4]})(
    lambda ws, generator, shape, dtype, hidden, layers: (FlatMLP(shape, hidden, 2, layers, generator=generator).to(dtype)(ws),      # shape: the valid spec
                                                         FlatMLPEditor(shape, hidden, layers, generator=generator).to(dtype)(ws)))
case("dilate", st.fixed_dictionaries({"images": st.tuples(st.integers(1, 2), st.integers(1, 5), st.integers(1, 5), seeds()).map(lambda t: seeded_randn(t[:3], t[3])),
                                      "size": st.integers(1, 4)}), {"images": BAD_TENSOR + [Bad(lambda x: x[0], "2-D")], "size": bad_int(1)})(dilate)
case("contrast", st.fixed_dictionaries({"images": st.tuples(st.integers(1, 2), st.integers(1, 5), st.integers(1, 5), seeds()).map(lambda t: seeded_randn(t[:3], t[3]).sigmoid()),
                                        "factor": st.floats(1e-3, 10)}), {"images": BAD_TENSOR, "factor": bad_float(0, open_lo=True)})(contrast)
case("build_editor/WeightEditor", inr_args().flatmap(lambda d: st.fixed_dictionaries({"name": st.sampled_from(EDITORS), "scale_init": st.floats(-1, 1)}).map(lambda e: d | e)),
     {"name": ["GNN", 0], "scale_init": bad_float(), "generator": GEN_BAD, "ws": [Bad(nan_ws, "nan"), Bad(other_dtype, "dtype")]})(
    lambda ws, generator, shape, dtype, name, scale_init: build_editor(name, ws, channels=(2,), hidden=3, scale_init=scale_init, generator=generator).to(dtype)(ws))
case("edit_commutation_error", inr_args().map(lambda d: {"editor": build_editor("Monomial", d["ws"], channels=(2,), scale_init=1.0,
                                                                                 generator=torch.Generator().manual_seed(0)).to(d["ws"].dtype),
                                                        "ws": d["ws"], "g": sample_monomial(d["ws"], "sign", generator=d["generator"])}),
     {"ws": ["ws", None], "g": ["g", None]},
     out_check=lambda e, kw: e.item() <= 8 * torch.finfo(kw["ws"].dtype).eps * 1e4 or 1 / 0)(     # sign × perm: Monomial editors commute to round-off
    lambda **kw: torch.tensor(edit_commutation_error(**kw)))


test_fuzz = table_test(CASES)
