"Fuzzing every public function of the attention chapter: valid input gives finite output, invalid input a ValueError/TypeError naming the argument."
import math
import pytest
import torch
from hypothesis import given, strategies as st
import symlearn.attention as A
from _fuzz import (run_case, Bad, NAN_T, INF_T, LONG_T, NDIM_T, EMPTY_T, FTENSOR_BAD, POSINT_BAD, OPTINT_BAD, NNINT_BAD, FLAG_BAD,
                        GEN_BAD, DTYPE_BAD, sizes, dtype, gen, randn)

F64 = torch.float64
PE_BAD = ["alibi", 3, True]

def heads(draw, d, dt, scale=None, batch=None):
    H, dk = sizes(draw, 1, 2), 2 * sizes(draw, 1, 2)
    lead = (batch,) if batch else ()
    s = draw(st.sampled_from([0.1, 0.5])) if scale is None else scale
    return randn(draw, *lead, H, dk, d, dt=dt, scale=s), randn(draw, *lead, H, dk, d, dt=dt, scale=s), randn(draw, *lead, H, d, d, dt=dt, scale=s)

def tokens(draw, dt, n=None, d=None, lead=()):
    n, d = n or sizes(draw, 2, 5), d or sizes(draw, 1, 4)
    X = randn(draw, *lead, n, d, dt=dt, scale=draw(st.sampled_from([0.3, 1.0])))
    return X + 0.01 * torch.arange(n, dtype=dt)[:, None]          # distinct tokens: nonzero spread

def b_field(draw):
    dt = dtype(draw); X = tokens(draw, dt); Q, K, V = heads(draw, X.shape[-1], dt)
    return A.attention_field, dict(X=X, Q=Q, K=K, V=V, pe=draw(st.sampled_from([None, "rope"])), causal=draw(st.booleans()))

def b_flow(draw):
    dt = dtype(draw); X = tokens(draw, dt); Q, K, V = heads(draw, X.shape[-1], dt, scale=0.3)
    method = draw(st.sampled_from(["rk4", "euler", "dopri5"]))
    return A.attention_flow, dict(X0=X, Q=Q, K=K, V=V, t=[0.0, 0.25, 0.5], pe=draw(st.sampled_from([None, "rope", "sinusoidal"])),
                                  causal=draw(st.booleans()), method=method, backend="builtin" if method != "dopri5" else "auto",
                                  step_size=0.1, rtol=1e-6, atol=1e-8)

def b_stack(draw):
    dt = dtype(draw); X = tokens(draw, dt); Q, K, V = heads(draw, X.shape[-1], dt)
    return A.discrete_attention_stack, dict(X0=X, Q=Q, K=K, V=V, n_layers=sizes(draw, 0, 3), h=draw(st.sampled_from([0.1, 1.0])),
                                            pe=draw(st.sampled_from([None, "rope"])), causal=draw(st.booleans()))

def b_rot(draw):
    dt = dtype(draw); n = sizes(draw, 1, 5)
    return A.rope_rotate, dict(x=randn(draw, n, 2 * sizes(draw, 1, 3), dt=dt), pos=torch.arange(n, dtype=dt), base=draw(st.sampled_from([10.0, 1e4])),
                               layout=draw(st.sampled_from(["adjacent", "half"])))

def b_freq(draw): return A.rope_frequencies, dict(d_k=2 * sizes(draw, 1, 4), base=draw(st.sampled_from([2.0, 1e4])), dtype=dtype(draw))
def b_mat(draw): return A.rope_matrix, dict(p=draw(st.floats(-50, 50)), d_k=2 * sizes(draw, 1, 3), base=10.0, dtype=dtype(draw))
def b_kq(draw):
    dt = dtype(draw); d = sizes(draw, 1, 3); dk = 2 * sizes(draw, 1, 2)
    return A.rope_key_query, dict(Q=randn(draw, dk, d, dt=dt), K=randn(draw, dk, d, dt=dt), m=torch.tensor([0.0, -1.0, 3.0]), base=10.0)
def b_a2h(draw): return A.adjacent_to_half, dict(d_k=2 * sizes(draw, 1, 5))
def b_sin(draw): return A.sinusoidal_pe, dict(n=sizes(draw, 1, 8), d=sizes(draw, 1, 8), base=draw(st.sampled_from([10.0, 1e4])), dtype=dtype(draw))
def b_rpe(draw): return A.RotaryPE, dict(base=draw(st.sampled_from([10.0, 1e4])), layout=draw(st.sampled_from(["adjacent", "half"])), positions=None)
def b_ape(draw): return A.AbsolutePE, dict(table=None, scale=draw(st.sampled_from([0.0, 1.0, 2.0])))
def b_aspe(draw): return A.as_pe, dict(pe=draw(st.sampled_from([None, "rope", "sinusoidal", "absolute"])))
def b_heads(draw):
    dt = dtype(draw); X = tokens(draw, dt); Q, K, V = heads(draw, X.shape[-1], dt)
    return A.Heads, dict(Q=Q, K=K, V=V)
def b_check_heads(draw):
    dt = dtype(draw); X = tokens(draw, dt); Q, K, V = heads(draw, X.shape[-1], dt)
    return A.check_heads, dict(X=X, Q=Q, K=K, V=V)
def b_qk(draw): return A.qk_from_A, dict(A=randn(draw, sizes(draw, 1, 3), sizes(draw, 1, 3), dt=dtype(draw)).expand(2, -1, -1)[..., :1, :1].clone() if False else randn(draw, 3, 3, dt=dtype(draw)))
def b_spread(draw):
    dt = dtype(draw); X = tokens(draw, dt)
    return A.spread_rate, dict(X=X, F=randn(draw, *X.shape, dt=dt))
def b_kappa(draw):
    dt = dtype(draw); X = tokens(draw, dt); Q, K, V = heads(draw, X.shape[-1], dt)
    return A.small_scale_index, dict(X=X, Q=Q, K=K, V=V, per_head=draw(st.booleans()))
def b_regime(draw):
    dt = dtype(draw); d = sizes(draw, 1, 4); Q, K, V = heads(draw, d, dt)
    return A.regime, dict(Q=Q, K=K, V=V, pe=draw(st.sampled_from([None, "rope"])), tol=draw(st.sampled_from([0.0, 1e-10, 1e-3])))
def b_cons(draw):
    return A.constructed_heads, dict(sign_V=draw(st.sampled_from([-1, 1])), sign_A=draw(st.sampled_from([-1, 1])), d=sizes(draw, 1, 4),
                                     batch=sizes(draw, 1, 3), rho=draw(st.sampled_from([0.0, 0.5, 3.0])), aligned=draw(st.booleans()),
                                     generator=gen(draw), dtype=dtype(draw))
def b_states(draw):
    dt = dtype(draw); X = tokens(draw, dt); Q, K, V = heads(draw, X.shape[-1], dt)
    return A.regime_from_states, dict(X=X, Q=Q, K=K, V=V, pe=draw(st.sampled_from([None, "rope"])), causal=draw(st.booleans()))
def b_classify(draw):
    dt = dtype(draw)
    return A.classify_trajectory, dict(traj=randn(draw, sizes(draw, 4, 6), sizes(draw, 1, 3), sizes(draw, 2, 4), 2, dt=dt),
                                       zero_frac=draw(st.sampled_from([0.1, 1 / 3])), cluster_tol=1e-2, inf_factor=draw(st.sampled_from([10.0, 1e3])))
def b_family(draw):
    dt = dtype(draw); Am, Vm = A.constructed_heads(-1, 1, 2, batch=sizes(draw, 1, 2), generator=gen(draw), dtype=dt)
    return A.run_family, dict(A=Am, V=Vm, n=sizes(draw, 1, 3), T=draw(st.sampled_from([0.5, 2.0])), step_size=0.25, generator=gen(draw))

def b_layer(draw):
    d = 2 * sizes(draw, 1, 2); reg = draw(st.sampled_from(["free", "zero", "diverge", "cluster"]))
    return A.AttentionLayer, dict(d=d, n_heads=draw(st.sampled_from([1, 2])), regime=reg, strength=draw(st.sampled_from([0.5, 1.0])),
                                  refinements=draw(st.sampled_from([(), ("value_shift",), ("qk_shift",)])), causal=draw(st.booleans()))
def _tiny_forward(model, ids): return model(ids)
def b_tiny(draw):
    vocab, n = sizes(draw, 2, 8), sizes(draw, 1, 6)
    m = A.TinyTransformer(vocab, sizes(draw, 1, 4), max_len=6, d=4, n_layers=sizes(draw, 1, 2), n_heads=draw(st.sampled_from([1, 2])),
                          pe=draw(st.sampled_from(["absolute", "rope", "none"])), regime=draw(st.sampled_from(["free", "zero"])),
                          causal=draw(st.booleans()), generator=gen(draw))
    return _tiny_forward, dict(model=m, ids=torch.randint(0, vocab, (sizes(draw, 1, 3), n), generator=gen(draw)))
def b_tiny_init(draw):
    return A.TinyTransformer, dict(vocab=sizes(draw, 1, 8), n_classes=sizes(draw, 1, 4), max_len=sizes(draw, 1, 8), d=4, n_layers=sizes(draw, 1, 2),
                                   n_heads=draw(st.sampled_from([1, 2])), pe=draw(st.sampled_from(["absolute", "rope", "none"])),
                                   regime=draw(st.sampled_from(["free", "zero", "diverge", "cluster"])), ffn=draw(st.booleans()),
                                   final_norm=draw(st.booleans()), causal=draw(st.booleans()), generator=gen(draw))
def b_pointer(draw):
    n = sizes(draw, 2, 6)
    return A.pointer_task, dict(batch=sizes(draw, 1, 4), n=n, vocab=n + sizes(draw, 0, 4), generator=gen(draw))
def b_train_tiny(draw):
    m = A.TinyTransformer(8, 8, max_len=6, d=4, n_layers=1, generator=gen(draw))
    return A.train_tiny, dict(model=m, steps=sizes(draw, 0, 2), batch=sizes(draw, 1, 4), lr=1e-2, n=6, vocab=8, generator=gen(draw), eval_size=8)
def b_windows(draw):
    return A.char_windows, dict(data=torch.randint(0, 5, (sizes(draw, 12, 30),), generator=gen(draw)), batch=sizes(draw, 1, 4), n=sizes(draw, 1, 8), generator=gen(draw))
def b_train_lm(draw):
    m = A.TinyTransformer(5, 5, max_len=8, d=4, n_layers=1, causal=True, generator=gen(draw))
    data = torch.randint(0, 5, (40,), generator=gen(draw))
    return A.train_char_lm, dict(model=m, train=data, valid=data, steps=sizes(draw, 0, 2), batch=2, n=8, lr=1e-2, generator=gen(draw), eval_windows=4)
def b_patchify(draw):
    p = sizes(draw, 1, 3)
    return A.patchify, dict(X=randn(draw, sizes(draw, 1, 3), p * sizes(draw, 1, 3), p * sizes(draw, 1, 3), dt=dtype(draw)), p=p)
def b_train_vit(draw):
    m = A.TinyTransformer(None, 2, max_len=4, d=4, n_layers=1, in_features=4, generator=gen(draw))
    X = torch.randn(6, 4, 4, generator=gen(draw)); y = torch.randint(0, 2, (6,), generator=gen(draw))
    return A.train_vit, dict(model=m, Xtr=X, ytr=y, Xte=X, yte=y, steps=sizes(draw, 0, 2), batch=3, lr=1e-2, generator=gen(draw))

HEADS_BAD = dict(Q=[NAN_T, LONG_T, NDIM_T, EMPTY_T, "Q"], K=[NAN_T, LONG_T, Bad(lambda K: K[..., :-1, :], "other d_k") ], V=[NAN_T, Bad(lambda V: V[..., :-1], "not square")])
XBAD = [NAN_T, INF_T, LONG_T, EMPTY_T, Bad(lambda X: X.reshape(-1), "1-D"), "not a tensor"]   # [..., n, d]: an extra leading dim is a batch
CASES = {
    "attention_field": (b_field, dict(X=XBAD, pe=PE_BAD, causal=FLAG_BAD, **HEADS_BAD)),
    "attention_flow": (b_flow, dict(X0=XBAD, t=[[0.5, 0.1], [-1.0, 0.0], "t", [math.nan, 1.0]], pe=PE_BAD, causal=FLAG_BAD,
                                    method=["bogus", 3], backend=["gpu"], step_size=[0.0, -1.0, math.nan], rtol=[-1.0, math.nan], atol=[-1.0, math.inf], **HEADS_BAD)),
    "discrete_attention_stack": (b_stack, dict(X0=XBAD, n_layers=[-1, 2.5, "2", None], h=[0.0, -1.0, math.nan], causal=FLAG_BAD, pe=PE_BAD)),
    "rope_rotate": (b_rot, dict(x=[NAN_T, LONG_T, Bad(lambda x: x[..., :1], "odd d_k"), "x"], pos=[Bad(lambda p: torch.zeros(len(p) + 3), "wrong length"), "p"],
                                base=[1.0, 0.5, math.nan], layout=["bogus", 2])),
    "rope_frequencies": (b_freq, dict(d_k=[3, 0, -2, 2.0, "4"], base=[1.0, math.nan, "b"], dtype=DTYPE_BAD)),
    "rope_matrix": (b_mat, dict(p=[math.nan, "1", None], d_k=[0, -2, 1.5], base=[0.5, math.nan], dtype=DTYPE_BAD)),
    "rope_key_query": (b_kq, dict(Q=[NAN_T, LONG_T, "Q"], K=[NAN_T, Bad(lambda K: K[:, :1] if K.shape[1] > 1 else K[:, [0, 0]], "other shape")], m=[Bad(lambda m: m.reshape(3, 1), "2-D"), "m", None], base=[1.0, math.nan])),
    "adjacent_to_half": (b_a2h, dict(d_k=[3, 0, -2, 2.0, "4"])),
    "sinusoidal_pe": (b_sin, dict(n=POSINT_BAD, d=POSINT_BAD, base=[1.0, math.nan, "b"], dtype=DTYPE_BAD)),
    "RotaryPE": (b_rpe, dict(base=[1.0, math.nan, "b"], layout=["bogus"], positions=[torch.zeros(2, 2), "p"])),
    "AbsolutePE": (b_ape, dict(table=[torch.full((2, 2), math.nan), torch.zeros(2, 2, dtype=torch.int64), "t"], scale=[math.nan, "s", None])),
    "as_pe": (b_aspe, dict(pe=PE_BAD)),
    "Heads": (b_heads, dict()),
    "check_heads": (b_check_heads, dict(X=XBAD, **HEADS_BAD)),
    "qk_from_A": (b_qk, dict(A=[NAN_T, LONG_T, Bad(lambda a: a[:, :1] if a.shape[1] > 1 else a[:, [0, 0]], "not square"), "A"])),
    "spread_rate": (b_spread, dict(X=[NAN_T, LONG_T, "X"], F=[NAN_T, Bad(lambda F: F[..., :1, :], "other n") ])),
    "small_scale_index": (b_kappa, dict(X=[NAN_T, LONG_T, EMPTY_T, Bad(lambda X: X[:1].expand(3, -1).clone(), "all tokens equal")], per_head=FLAG_BAD, **HEADS_BAD)),
    "regime": (b_regime, dict(tol=[-1.0, math.nan, "t"], pe=PE_BAD + [A.AbsolutePE()], **HEADS_BAD)),
    "constructed_heads": (b_cons, dict(sign_V=[0, 2, "-1"], sign_A=[0, 0.5], d=POSINT_BAD, batch=POSINT_BAD, rho=[-1.0, math.nan], aligned=FLAG_BAD, generator=GEN_BAD, dtype=DTYPE_BAD)),
    "regime_from_states": (b_states, dict(X=[NAN_T, LONG_T, EMPTY_T, Bad(lambda X: X[:1].expand(3, -1).clone(), "all tokens equal")], pe=PE_BAD, causal=FLAG_BAD, **HEADS_BAD)),
    "classify_trajectory": (b_classify, dict(traj=[LONG_T, Bad(lambda t: t[:3], "3 time points"), Bad(lambda t: t[0], "2-D"), "traj"], zero_frac=[0.0, 1.0, math.nan],
                                             cluster_tol=[0.0, -1.0, math.nan], inf_factor=[1.0, 0.5, math.inf])),
    "run_family": (b_family, dict(A=[NAN_T, LONG_T, NDIM_T], V=[NAN_T, Bad(lambda V: V[:, :1], "not square")], n=POSINT_BAD, T=[0.0, -1.0, math.nan], step_size=[0.0, math.nan], generator=GEN_BAD)),
    "AttentionLayer": (b_layer, dict(d=POSINT_BAD, n_heads=POSINT_BAD, regime=["collapse", 1], strength=[0.0, math.nan], refinements=["value_shift", ("bogus",)], causal=FLAG_BAD)),
    "TinyTransformer.forward": (b_tiny, dict(ids=[Bad(lambda i: i[:, :, None], "3-D"), Bad(lambda i: i[:, :0], "empty"), Bad(lambda i: i + 100, "out of vocab"),
                                                   Bad(lambda i: i.double(), "float"), Bad(lambda i: i.repeat(1, 7), "too long"), "ids"])),
    "TinyTransformer": (b_tiny_init, dict(vocab=[0, -1, 2.5, "8"], n_classes=POSINT_BAD, max_len=POSINT_BAD, n_layers=[-1, 0, 1.5, None], n_heads=[0, -1, 3],
                                          pe=["sinusoid", None], regime=["collapse"], ffn=FLAG_BAD, final_norm=FLAG_BAD, causal=FLAG_BAD, generator=GEN_BAD)),
    "pointer_task": (b_pointer, dict(batch=POSINT_BAD, n=[1, 0, 2.5], vocab=[1, -1, "v"], generator=GEN_BAD)),
    "train_tiny": (b_train_tiny, dict(model=["m", None], steps=[-1, 1.5], batch=POSINT_BAD, lr=[0.0, -1.0, math.nan], generator=GEN_BAD, eval_size=POSINT_BAD)),
    "char_windows": (b_windows, dict(data=[Bad(lambda d: d.double(), "float"), Bad(lambda d: d[:3], "too short"), "abc"], batch=POSINT_BAD, n=POSINT_BAD, generator=GEN_BAD)),
    "train_char_lm": (b_train_lm, dict(model=["m"], steps=[-1], batch=POSINT_BAD, lr=[0.0, math.nan], generator=GEN_BAD, eval_windows=POSINT_BAD)),
    "patchify": (b_patchify, dict(X=[NAN_T, LONG_T, NDIM_T, "X"], p=[0, -1, 1.5, "2"])),
    "train_vit": (b_train_vit, dict(model=["m"], Xtr=[NAN_T, LONG_T], ytr=[Bad(lambda y: y.double(), "float labels"), Bad(lambda y: y[:-1], "short")], lr=[0.0, math.nan], generator=GEN_BAD)),
}
NOT_FUZZED = {"REGIME_LABELS", "TRAJ_LABELS", "REGIMES", "REFINEMENTS",                # constants
              "bert_forward", "bert_reference", "minilm_embed", "bert_heads",           # need the pretrained weights: tests/test_badinput_* and the real-data tests
              "llama_forward", "smollm2_tokenizer", "llama_heads", "llama_pe", "head_table"}

@pytest.mark.parametrize("name", sorted(CASES))
@given(data=st.data())
def test_fuzz_attention(name, data):
    build, spoil = CASES[name]
    run_case(data, build, spoil)

def test_every_public_attention_function_is_fuzzed():
    missing = [n for n in A.__all__ if n not in CASES and n not in NOT_FUZZED]
    assert not missing, missing
