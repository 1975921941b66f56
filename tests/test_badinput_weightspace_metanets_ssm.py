"Bad input to the weightspace, metanets and ssm-blocks chapters: every case refused with the right error type, naming the argument."
import math
import pytest
import torch
from torch import nn

from symlearn.weightspace.groups import (NetSpec, WeightSpace, Sine, forward, MonomialElement, sample_monomial, identity,
                                         is_function_preserving, canonicalize, weight_matching)
from symlearn.weightspace.zoo import (CNNZooRanges, draw_cnn, batch_schedule, siren_init, siren_spec, cnn_spec, pixel_grid, render,
                                      psnr, fit_sirens, net_seed, net_generator, accuracy, train_batched, load_zoo, generate_zoo)
from symlearn.metanets.layers import (MonomialLinear, NPLinear, HNPLinear, ChannelMix, NPPool, HNPPool, MonomialInvariantPool,
                                      StatFeatures, random_rep, commutant_dim, layer_span, to_feat, rep_matrix, fold, unfold)
from symlearn.metanets.models import (MonomialNFN, QuasiMonomialNFN, HNP, NP, STATNN, EquivariantNFN, QuasiScale, mlp_head,
                                      invariance_error, apply_scales)
from symlearn.metanets.inr import sign_perm, render_grad, FlatMLP, FlatMLPEditor, build_editor, layer_scales, scale_layers, dilate, contrast
from symlearn.ssm.blocks import (MambaBlock, MomentumMambaBlock, SequenceClassifier, MambaClassifier, MomentumMambaClassifier,
                                 TransformerClassifier)

NAN, INF = float("nan"), float("inf")
SPEC = NetSpec((2, 4, 3, 2), ((),) * 3, "relu")
SIN = siren_spec((4, 4))


def raises(exc, name, fn):
    "`fn()` raises `exc` and the message names the argument `name` (in backticks, as the library's helpers write it)."
    with pytest.raises(exc) as e: fn()
    assert f"`{name}" in str(e.value), (name, str(e.value))
    return e.value


def rand_ws(spec=SPEC, B=2, dtype=torch.float32, seed=0):
    g = torch.Generator().manual_seed(seed)
    return WeightSpace([torch.randn(B, *spec.weight_shape(i), generator=g, dtype=dtype) for i in range(spec.num_layers)],
                       [torch.randn(B, spec.widths[i + 1], generator=g, dtype=dtype) for i in range(spec.num_layers)], spec=spec)


def nonfinite_ws(spec=SPEC, value=NAN):
    "A WeightSpace holding a NaN/inf weight, built the only way one can: check_finite=False."
    ws = rand_ws(spec)
    w0 = ws.weights[0].clone(); w0[0, 0, 0] = value
    return WeightSpace([w0, *ws.weights[1:]], list(ws.biases), spec=spec, check_finite=False)


# ------------------------------------------------------------------ the cases named in the issue

def test_mamba_dt_bounds():
    raises(ValueError, "dt_max", lambda: MambaBlock(8, dt_max=NAN))
    raises(ValueError, "dt_min", lambda: MambaBlock(8, dt_min=0.0))          # was: a bare "math domain error"
    raises(ValueError, "dt_min", lambda: MambaBlock(8, dt_min=-1e-3))
    raises(ValueError, "dt_max", lambda: MambaBlock(8, dt_min=0.1, dt_max=0.01))
    raises(ValueError, "dt_init_floor", lambda: MambaBlock(8, dt_init_floor=INF))
    raises(TypeError, "dt_min", lambda: MambaBlock(8, dt_min="0.1"))


def test_siren_zero_omega_and_zero_stride():
    ws = rand_ws(SIN)
    raises(ValueError, "omegas[0]", lambda: WeightSpace(ws.weights, ws.biases, activation="sin", omegas=(0.0, 0.0)))
    raises(ValueError, "omegas[1]", lambda: WeightSpace(ws.weights, ws.biases, activation="sin", omegas=(1.0, NAN)))
    raises(ValueError, "omegas", lambda: WeightSpace(ws.weights, ws.biases, activation="sin", omegas=(1.0,)))
    raises(ValueError, "omega0", lambda: Sine(0.0))
    raises(ValueError, "omega0", lambda: siren_spec(omega0=0.0))
    cw = [torch.randn(1, 3, 1, 3, 3), torch.randn(1, 2, 3)]; cb = [torch.randn(1, 3), torch.randn(1, 2)]
    raises(ValueError, "strides[0]", lambda: WeightSpace(cw, cb, strides=(0, 1)))
    raises(ValueError, "strides[0]", lambda: WeightSpace(cw, cb, strides=((1, -1), 1)))
    raises(ValueError, "paddings[0]", lambda: WeightSpace(cw, cb, paddings=(-1, 0)))
    raises(TypeError, "strides[0]", lambda: WeightSpace(cw, cb, strides=(1.5, 1)))
    raises(ValueError, "kernels[0]", lambda: NetSpec((1, 3, 2), ((0, 3), ()), "relu"))
    raises(ValueError, "widths[1]", lambda: NetSpec((2, 0, 1), ((), ()), "relu"))


def test_map_and_arithmetic_refuse_nonfinite_results():
    ws = rand_ws()
    raises(ValueError, "other", lambda: ws * 1e39)                          # overflows float32
    raises(ValueError, "other", lambda: ws * NAN)
    raises(ValueError, "other", lambda: ws + INF)
    raises(ValueError, "fn", lambda: ws.map(lambda t: t / 0))
    raises(ValueError, "fn", lambda: ws.map(lambda t: t.log()))             # log of negative weights
    raises(ValueError, "dtype", lambda: (ws * 1e5).to(torch.float16))       # a cast that overflows
    raises(TypeError, "fn", lambda: ws.map("double"))
    raises(ValueError, "other", lambda: ws + rand_ws(B=3))
    raises(ValueError, "other", lambda: ws + rand_ws(dtype=torch.float64))
    assert (ws * 2.0).max_diff(ws + ws) == 0                                 # finite results still pass
    assert ws.map(lambda t: t * NAN, check_finite=False).weights[0].isnan().all()   # the documented opt-out for hot loops


@pytest.mark.parametrize("make", [lambda ws: MonomialNFN.for_space(ws, channels=(2, 2)), lambda ws: HNP.for_space(ws, channels=(2, 2)),
                                  lambda ws: NP.for_space(ws, channels=(2, 2)), lambda ws: STATNN.for_space(ws, head_hidden=4),
                                  lambda ws: EquivariantNFN.for_space(ws, channels=(2,)), lambda ws: FlatMLP.for_space(ws, hidden=4),
                                  lambda ws: FlatMLPEditor.for_space(ws, hidden=4)],
                         ids=["MonomialNFN", "HNP", "NP", "STATNN", "EquivariantNFN", "FlatMLP", "FlatMLPEditor"])
@pytest.mark.parametrize("value", [NAN, INF])
def test_nonfinite_weights_do_not_enter_metanetworks(make, value):
    bad = nonfinite_ws(value=value)
    m = make(bad)
    raises(ValueError, "ws", lambda: m(bad))


@pytest.mark.parametrize("make", [lambda ws: MonomialNFN.for_space(ws, channels=(2, 2)), lambda ws: HNP.for_space(ws, channels=(2, 2)),
                                  lambda ws: NP.for_space(ws, channels=(2, 2)), lambda ws: STATNN.for_space(ws, head_hidden=4),
                                  lambda ws: QuasiMonomialNFN.for_space(ws, channels=(2, 2)),
                                  lambda ws: EquivariantNFN.for_space(ws, channels=(2,)), lambda ws: FlatMLP.for_space(ws, hidden=4)],
                         ids=["MonomialNFN", "HNP", "NP", "STATNN", "QuasiMonomialNFN", "EquivariantNFN", "FlatMLP"])
def test_models_follow_dtype_or_refuse_clearly(make):
    ws = rand_ws()
    m = make(ws)
    raises(TypeError, "ws", lambda: m(ws.to(torch.float64)))               # was: "expected scalar type Double" from inside torch
    out = m.double()(ws.to(torch.float64))                                   # cast the model: float64 works
    leaves = out.weights + out.biases if isinstance(out, WeightSpace) else (out,)
    assert all(t.dtype == torch.float64 and t.isfinite().all() for t in leaves)


def test_layers_and_blocks_refuse_other_dtypes():
    ws = rand_ws()
    raises(TypeError, "x", lambda: MonomialLinear(SPEC, 1, 2)(to_feat(ws.to(torch.float64))))
    raises(TypeError, "x", lambda: NPLinear(SPEC, 1, 2)(to_feat(ws.to(torch.float64))))
    raises(TypeError, "x", lambda: HNPLinear(SPEC, 1, 2)(to_feat(ws.to(torch.float64))))
    raises(TypeError, "u", lambda: MambaBlock(8, d_state=2)(torch.randn(1, 5, 8, dtype=torch.float64)))
    raises(TypeError, "x", lambda: MambaClassifier(3, 2, d_model=8, d_state=2)(torch.randn(1, 3, 5, dtype=torch.float64)))
    raises(TypeError, "u_t", lambda: (lambda b: b.step(torch.randn(1, 8, dtype=torch.float64), b.init_cache(1)))(MambaBlock(8, d_state=2)))
    assert MambaBlock(8, d_state=2).double()(torch.randn(1, 5, 8, dtype=torch.float64)).dtype == torch.float64


def test_tolerance_arguments():
    ws = rand_ws(); g = identity(ws)
    for bad in (NAN, -1.0, INF):
        raises(ValueError, "atol", lambda: is_function_preserving(ws, g, atol=bad))
        raises(ValueError, "tol", lambda: commutant_dim(SPEC, "pos", tol=bad))
        raises(ValueError, "tol", lambda: layer_span(MonomialLinear(SPEC, 1, 1).double(), SPEC, tol=bad))
        raises(ValueError, "eps", lambda: MonomialInvariantPool(SPEC, 2, eps=bad))
        raises(ValueError, "eps", lambda: layer_scales(ws, eps=bad))
    raises(TypeError, "atol", lambda: is_function_preserving(ws, g, atol="1e-6"))


# ------------------------------------------------------------------ conventions: generators, bool flags, Python types

GEN_TAKERS = {
    "sample_monomial": lambda gen: sample_monomial(SPEC, "perm", generator=gen),
    "random_rep": lambda gen: random_rep(SPEC, "perm", generator=gen),
    "commutant_dim": lambda gen: commutant_dim(NetSpec((2, 2, 1), ((), ()), None), "perm", generator=gen),
    "draw_cnn": lambda gen: draw_cnn(cnn_spec(), CNNZooRanges(), torch.zeros(5, dtype=torch.long), 10, generator=gen),
    "siren_init": lambda gen: siren_init(SIN, generator=gen),
    "batch_schedule": lambda gen: batch_schedule(3, 10, 2, generator=gen),
    "sign_perm": lambda gen: sign_perm(rand_ws(SIN), gen),
    "ChannelMix": lambda gen: ChannelMix(2, 3, generator=gen),
    "MonomialLinear": lambda gen: MonomialLinear(SPEC, 1, 2, generator=gen),
    "NPLinear": lambda gen: NPLinear(SPEC, 1, 2, generator=gen),
    "HNPLinear": lambda gen: HNPLinear(SPEC, 1, 2, generator=gen),
    "mlp_head": lambda gen: mlp_head(3, 4, 2, generator=gen),
    "MonomialNFN": lambda gen: MonomialNFN(SPEC, channels=(2,), generator=gen),
    "QuasiMonomialNFN": lambda gen: QuasiMonomialNFN(SPEC, channels=(2,), generator=gen),
    "QuasiScale": lambda gen: QuasiScale(SPEC, 1, 2, generator=gen),
    "HNP": lambda gen: HNP(SPEC, channels=(2,), generator=gen),
    "NP": lambda gen: NP(SPEC, channels=(2,), generator=gen),
    "STATNN": lambda gen: STATNN(SPEC, head_hidden=4, generator=gen),
    "EquivariantNFN": lambda gen: EquivariantNFN(SPEC, channels=(2,), generator=gen),
    "FlatMLP": lambda gen: FlatMLP(SPEC, hidden=4, generator=gen),
    "FlatMLPEditor": lambda gen: FlatMLPEditor(SPEC, hidden=4, generator=gen),
    "build_editor": lambda gen: build_editor("HNP", rand_ws(), channels=(2,), generator=gen),
    "MambaBlock": lambda gen: MambaBlock(8, d_state=2, generator=gen),
    "MomentumMambaBlock": lambda gen: MomentumMambaBlock(8, d_state=2, beta=0.5, generator=gen),
    "MambaClassifier": lambda gen: MambaClassifier(3, 2, d_model=8, d_state=2, generator=gen),
    "MomentumMambaClassifier": lambda gen: MomentumMambaClassifier(3, 2, d_model=8, d_state=2, beta=0.5, generator=gen),
    "TransformerClassifier": lambda gen: TransformerClassifier(3, 2, 16, d_model=8, generator=gen),
}


def _values(out):
    if isinstance(out, nn.Module): return [p.detach() for p in out.state_dict().values()]
    if isinstance(out, WeightSpace): return list(out.weights + out.biases)
    if isinstance(out, MonomialElement): return list(out.perms + out.scales)
    if isinstance(out, tuple) and out and isinstance(out[0], list): return [t for part in out for t in part]
    if isinstance(out, Tensor := torch.Tensor): return [out]
    if hasattr(out, "hparams"): return out.weights + out.biases + [out.keep, out.labels]
    return [torch.as_tensor(out)]


@pytest.mark.parametrize("name", list(GEN_TAKERS))
def test_generator_convention(name):
    "`generator=`: a wrong type is a TypeError naming it; the same generator state gives the same result; the global RNG is untouched."
    make = GEN_TAKERS[name]
    for bad in (0, "seed", torch.Generator().manual_seed(0).get_state()):
        raises(TypeError, "generator", lambda: make(bad))
    torch.manual_seed(123); before = torch.get_rng_state()
    a = _values(make(torch.Generator().manual_seed(5)))
    b = _values(make(torch.Generator().manual_seed(5)))
    assert all(torch.equal(x, y) for x, y in zip(a, b)) and len(a) == len(b)
    if name not in ("sign_perm", "build_editor"):                           # those two build their test input from the global RNG-free helper too
        assert torch.equal(torch.get_rng_state(), before), "the global RNG was used"


def test_bool_flags_refuse_strings():
    ws = rand_ws()
    raises(TypeError, "check_finite", lambda: WeightSpace(ws.weights, ws.biases, check_finite="no"))
    raises(TypeError, "allow_nonsymmetric", lambda: identity(ws).act(ws, allow_nonsymmetric="no"))
    raises(TypeError, "check_finite", lambda: ws.map(lambda t: t, check_finite="yes"))
    raises(TypeError, "io_embed", lambda: NP(SPEC, io_embed="no"))
    raises(TypeError, "allow_mismatch", lambda: MonomialNFN(SPEC, allow_mismatch="no"))
    raises(TypeError, "normalize", lambda: MonomialInvariantPool(SPEC, 2, normalize="no"))
    raises(TypeError, "quasi", lambda: EquivariantNFN(SPEC, quasi="no"))
    raises(TypeError, "learnable", lambda: MomentumMambaBlock(8, beta=0.5, learnable="no"))
    raises(TypeError, "final_norm", lambda: MambaClassifier(3, 2, final_norm="no"))
    raises(TypeError, "conv_bias", lambda: MambaBlock(8, conv_bias="no"))
    raises(TypeError, "allow_partial", lambda: load_zoo("nowhere", allow_partial="yes"))


def test_wrong_python_types_and_shapes():
    ws = rand_ws()
    raises(TypeError, "widths", lambda: NetSpec(5, ((),), "relu"))
    raises(ValueError, "activation", lambda: NetSpec((2, 1), ((),), "gelu"))
    raises(TypeError, "weights", lambda: WeightSpace(ws.weights[0], ws.biases[0]))
    raises(TypeError, "ws", lambda: forward("ws", torch.randn(3, 2)))
    raises(ValueError, "x", lambda: forward(ws, torch.randn(3, 5)))
    raises(ValueError, "x", lambda: forward(ws, torch.full((3, 2), NAN)))
    raises(TypeError, "x", lambda: forward(ws, torch.ones(3, 2, dtype=torch.long)))
    raises(IndexError, "idx", lambda: ws[5])
    raises(IndexError, "idx", lambda: ws[3:7])
    raises(TypeError, "idx", lambda: ws["0"])
    raises(TypeError, "spaces", lambda: WeightSpace.cat([]))
    raises(TypeError, "other", lambda: ws.max_diff(3.0))
    raises(TypeError, "modules", lambda: WeightSpace.from_modules(nn.Sequential(nn.Linear(2, 1))))
    raises(TypeError, "g", lambda: is_function_preserving(ws, "g"))
    raises(TypeError, "net", lambda: is_function_preserving(3, identity(ws)))
    raises(TypeError, "ws", lambda: canonicalize(ws.flatten()))
    raises(TypeError, "ws_a", lambda: weight_matching(None, ws))
    raises(TypeError, "perms", lambda: MonomialElement(torch.zeros(1, 3, dtype=torch.long), [torch.ones(1, 3)]))
    raises(ValueError, "scales[0]", lambda: MonomialElement([torch.arange(3)[None]], [torch.full((1, 3), NAN)]))


def test_metanet_bad_counts_and_features():
    ws = rand_ws()
    raises(ValueError, "channels", lambda: MonomialNFN(SPEC, channels=(-1,)))
    raises(TypeError, "channels", lambda: HNP(SPEC, channels=3))
    raises(ValueError, "channels", lambda: NP(SPEC, channels=()))
    raises(ValueError, "head_hidden", lambda: STATNN(SPEC, head_hidden=0))
    raises(ValueError, "c_in", lambda: ChannelMix(0, 2))
    raises(ValueError, "layers", lambda: mlp_head(3, 4, 2, layers=-1))
    raises(ValueError, "in_features", lambda: mlp_head(0, 4, 2))
    raises(TypeError, "spec", lambda: NPPool((2, 3), 1))
    raises(ValueError, "channels", lambda: HNPPool(SPEC, 0))
    raises(ValueError, "x.weights[0]", lambda: MonomialLinear(SPEC, 1, 2)(to_feat(nonfinite_ws())))
    raises(ValueError, "x.weights[0]", lambda: StatFeatures(SPEC)(to_feat(nonfinite_ws())))
    raises(ValueError, "w", lambda: fold(torch.randn(2, 3)))
    raises(ValueError, "w", lambda: unfold(torch.randn(1, 5, 2, 2), (2, 2)))
    raises(ValueError, "mats", lambda: rep_matrix(SPEC, [torch.eye(2), torch.zeros(4, 4), torch.eye(3), torch.eye(2)]))
    raises(TypeError, "layer", lambda: layer_span(MonomialLinear(SPEC, 1, 1), SPEC))          # float32: ranks need float64
    raises(TypeError, "g", lambda: invariance_error(HNP(SPEC, channels=(2,)), ws, "g"))
    raises(ValueError, "alphas[0]", lambda: apply_scales(to_feat(ws), [torch.zeros(2, 1, 4), torch.ones(2, 1, 3)]))
    raises(TypeError, "scales", lambda: scale_layers(ws, 2.0))
    raises(ValueError, "scales", lambda: scale_layers(ws, (torch.zeros(3), torch.ones(3))))
    raises(TypeError, "ws", lambda: render_grad(ws, (3, 3)))                                 # not an INR (2 -> ... -> 1)
    raises(ValueError, "images", lambda: dilate(torch.full((1, 4, 4), NAN)))
    raises(ValueError, "factor", lambda: contrast(torch.rand(1, 4, 4), NAN))


def test_zoo_bad_input(tmp_path):
    raises(ValueError, "seed", lambda: net_seed(-1, 0))
    raises(TypeError, "k", lambda: net_seed(0, 1.5))
    raises(TypeError, "lr", lambda: CNNZooRanges(lr=0.1))
    raises(ValueError, "lr[0]", lambda: CNNZooRanges(lr=(NAN, 1.0)))
    raises(ValueError, "steps[0]", lambda: CNNZooRanges(steps=(0, 5)))
    raises(ValueError, "labels", lambda: draw_cnn(cnn_spec(), CNNZooRanges(), torch.full((5,), 12), 10, generator=net_generator(0, 0)))
    raises(TypeError, "labels", lambda: draw_cnn(cnn_spec(), CNNZooRanges(), torch.zeros(5), 10))
    raises(ValueError, "n_classes", lambda: draw_cnn(cnn_spec(), CNNZooRanges(), torch.zeros(5, dtype=torch.long), 1))
    raises(ValueError, "steps", lambda: batch_schedule(0, 10, 2))
    raises(ValueError, "n_train", lambda: batch_schedule(3, 0, 2))
    raises(ValueError, "channels", lambda: cnn_spec(channels=(0, 4)))
    raises(ValueError, "activation", lambda: cnn_spec("sin"))
    raises(ValueError, "h", lambda: pixel_grid(0, 4))
    raises(TypeError, "dtype", lambda: pixel_grid(2, 2, torch.int64))
    raises(ValueError, "target", lambda: psnr(torch.rand(2, 4), torch.rand(2, 5)))
    raises(ValueError, "pred", lambda: psnr(torch.full((2, 4), NAN), torch.rand(2, 4)))
    raises(ValueError, "images", lambda: fit_sirens(torch.rand(2, 4, 4) * 2, steps=1))
    raises(ValueError, "steps", lambda: fit_sirens(torch.rand(2, 4, 4), steps=-1))
    raises(ValueError, "lr", lambda: fit_sirens(torch.rand(2, 4, 4), steps=1, lr=NAN))
    raises(TypeError, "ws", lambda: render("ws", (4, 4)))
    raises(ValueError, "shape", lambda: render(rand_ws(SIN), (0, 4)))
    raises(ValueError, "chunk", lambda: accuracy(rand_ws(), torch.randn(4, 2), torch.zeros(4, dtype=torch.long), chunk=0))
    ws = WeightSpace([torch.randn(2, 3, 2), torch.randn(2, 10, 3)], [torch.randn(2, 3), torch.randn(2, 10)], "relu")
    lab, keep = torch.zeros(2, 6, dtype=torch.long), torch.ones(2, 6, dtype=torch.bool)
    lr, st = torch.full((2,), 0.1), torch.full((2,), 2)
    sched = torch.zeros(2, 3, dtype=torch.long)
    raises(ValueError, "images", lambda: train_batched(ws, torch.full((6, 2), NAN), lab, keep, lr, st, sched))
    raises(ValueError, "lr", lambda: train_batched(ws, torch.randn(6, 2), lab, keep, torch.full((2,), -0.1), st, sched))
    raises(ValueError, "schedule", lambda: train_batched(ws, torch.randn(6, 2), lab, keep, lr, st, sched + 10))
    raises(TypeError, "make_shard", lambda: generate_zoo(tmp_path / "z", {"n": 2, "shard_size": 1}, "not callable"))
    raises(ValueError, "config['n']", lambda: generate_zoo(tmp_path / "z", {"n": 0, "shard_size": 1}, lambda ids: {}))


def test_ssm_bad_input():
    blk = MambaBlock(8, d_state=2)
    raises(ValueError, "u", lambda: blk(torch.randn(2, 0, 8)))                                # empty sequence
    raises(ValueError, "u", lambda: blk(torch.full((1, 4, 8), NAN)))
    raises(ValueError, "u", lambda: blk(torch.randn(1, 4, 7)))
    raises(TypeError, "u", lambda: blk(torch.ones(1, 4, 8, dtype=torch.long)))
    raises(ValueError, "d_state", lambda: MambaBlock(8, d_state=0))
    raises(ValueError, "dt_rank", lambda: MambaBlock(8, dt_rank="big"))
    raises(ValueError, "batch_size", lambda: blk.init_cache(0))
    raises(TypeError, "cache", lambda: blk.step(torch.randn(1, 8), {}))
    raises(ValueError, "cache['h']", lambda: blk.step(torch.randn(2, 8), blk.init_cache(1)))
    raises(ValueError, "beta", lambda: MomentumMambaBlock(8, beta=NAN))
    raises(ValueError, "alpha", lambda: MomentumMambaBlock(8, beta=0.5, alpha=INF))
    raises(ValueError, "n_layers", lambda: MambaClassifier(3, 2, n_layers=-1))
    raises(ValueError, "n_classes", lambda: MambaClassifier(3, 1))
    raises(ValueError, "dropout", lambda: MambaClassifier(3, 2, dropout=1.0))
    raises(ValueError, "n_heads", lambda: TransformerClassifier(3, 2, 16, d_model=10, n_heads=4))
    raises(ValueError, "max_len", lambda: TransformerClassifier(3, 2, 0))
    raises(ValueError, "x", lambda: MambaClassifier(3, 2, d_model=8, d_state=2)(torch.randn(1, 3, 0)))
    raises(ValueError, "x", lambda: TransformerClassifier(3, 2, 8, d_model=8)(torch.randn(1, 3, 9)))
    raises(TypeError, "generator", lambda: MambaClassifier(3, 2, generator=1))
