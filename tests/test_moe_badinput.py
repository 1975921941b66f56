"""Bad input to symlearn.moe: every case of the chapter's error table raises ValueError/TypeError naming the argument."""
import math
import pytest
import torch
from symlearn.moe import (MoEFFN, MoEPerm, align_moe, loss_barrier, SymphonyRouter, expert_cost, match_hidden, interpolate,
                          expert_order_oracle, corrupt_tokens, scale_gate, solve_lap, activation_matching, mlp_weight_matching,
                          normalize_graph)
from symlearn.moe.symmetry import layer_fn

F64 = torch.float64
def st(n=4, d=5, h=6, seed=0, **kw):
    m = MoEFFN(d, n, h, dtype=F64, generator=torch.Generator().manual_seed(seed), **kw)
    return {k: v.detach().clone() for k, v in m.state_dict().items()}
def fn(s, x): return layer_fn("topk", 2)(s, x).pow(2).sum(), len(x)
X = torch.randn(10, 5, dtype=F64)

def raises(exc, name, f, *a, **k):
    with pytest.raises(exc) as e: f(*a, **k)
    assert name in str(e.value), f"message does not name {name!r}: {e.value}"
    return str(e.value)

# --- mismatched state dicts -----------------------------------------------------------------------------------------
@pytest.mark.parametrize("other", [dict(n=5), dict(d=4), dict(h=7)])
def test_mismatched_sizes(other):
    a = st(); b = st(**{**dict(n=4, d=5, h=6), **other}, seed=1)
    for f in (lambda: align_moe(a, b), lambda: expert_cost(a, b), lambda: match_hidden(a, b)):
        msg = raises(ValueError, "state_b", f)
    assert "shape" in msg

def test_mismatched_keys():
    a = st(); b = st(seed=1, n_shared=1)
    raises(ValueError, "state_b", align_moe, a, b)
    b2 = dict(st(seed=1)); del b2["b2"]
    raises(ValueError, "state_b", align_moe, a, b2)
    raises(ValueError, "state_b", loss_barrier, fn, a, b2, [X])
    b3 = st(seed=1); b3["gate.bias"] = torch.zeros(3, dtype=F64)
    raises(ValueError, "gate.bias", loss_barrier, fn, a, b3, [X])

def test_not_a_dict():
    raises(TypeError, "state", align_moe, [1, 2], st())
    raises(TypeError, "state_a", loss_barrier, fn, "x", st(), [X])

# --- permutations ---------------------------------------------------------------------------------------------------
def test_tau_pi_validation():
    ok_pi = torch.arange(6).expand(4, 6).clone()
    raises(ValueError, "tau", MoEPerm, torch.tensor([0, 1, 1, 3]), ok_pi, torch.zeros(5))
    raises(ValueError, "pi", MoEPerm, torch.tensor([0, 1, 2]), ok_pi, torch.zeros(5))      # wrong length vs pi rows
    bad_pi = ok_pi.clone(); bad_pi[2, 0] = 1
    raises(ValueError, "pi", MoEPerm, torch.arange(4), bad_pi, torch.zeros(5))
    raises(TypeError, "tau", MoEPerm, torch.arange(4).double(), ok_pi, torch.zeros(5))
    raises(TypeError, "pi", MoEPerm, torch.arange(4), ok_pi.float(), torch.zeros(5))
    raises(ValueError, "tau", match_hidden, st(), st(seed=1), torch.tensor([0, 1, 2]))
    raises(TypeError, "tau", match_hidden, st(), st(seed=1), torch.tensor([0., 1, 2, 3]))
    raises(ValueError, "state", MoEPerm.random(5, 6, 5).apply, st())                         # element sizes vs state
    raises(TypeError, "other", MoEPerm.identity(4, 6, 5).compose, "g")
    raises(ValueError, "other", MoEPerm.identity(4, 6, 5).compose, MoEPerm.identity(4, 5, 5))

# --- ranges ----------------------------------------------------------------------------------------------------------
def test_ranges():
    raises(ValueError, "k", MoEFFN, 5, 4, 6, k=0)
    raises(ValueError, "k", MoEFFN, 5, 4, 6, k=5)
    raises(ValueError, "n_shared", MoEFFN, 5, 4, 6, n_shared=-1)
    raises(ValueError, "n_experts", MoEFFN, 5, 0, 6)
    raises(ValueError, "n_points", loss_barrier, fn, st(), st(seed=1), [X], n_points=1)
    raises(ValueError, "t", interpolate, st(), st(seed=1), 1.5)
    raises(ValueError, "t", interpolate, st(), st(seed=1), -0.1)
    raises(ValueError, "c", scale_gate, st(), 0.0)
    raises(ValueError, "k", SymphonyRouter, 5, 4, 5)

def test_types():
    raises(TypeError, "d_model", MoEFFN, 5.0, 4, 6)
    raises(TypeError, "k", MoEFFN, 5, 4, 6, k="2")
    m = MoEFFN(5, 4, 6)
    raises(TypeError, "x", m, torch.ones(3, 5, dtype=torch.long))
    raises(TypeError, "x", m, torch.ones(3, 5, dtype=F64))
    raises(ValueError, "x", m, torch.ones(3, 4))
    raises(TypeError, "x", m, [[1.0] * 5])
    raises(TypeError, "return_aux", m, torch.ones(3, 5), return_aux="yes")
    raises(TypeError, "match_translation", align_moe, st(), st(seed=1), match_translation="True")
    raises(TypeError, "higher_is_better", loss_barrier, fn, st(), st(seed=1), [X], higher_is_better="no")
    raises(TypeError, "keep_diag", SymphonyRouter, 5, 4, keep_diag="no")
    raises(TypeError, "fn", loss_barrier, 3, st(), st(seed=1), [X])
    raises(ValueError, "data", loss_barrier, fn, st(), st(seed=1), [])
    raises(TypeError, "data", loss_barrier, fn, st(), st(seed=1), 3)
    raises(TypeError, "cost", solve_lap, [[1.0]])
    raises(ValueError, "cost", solve_lap, torch.ones(2, 3))
    raises(TypeError, "router", MoEFFN, 5, 4, 6, router=3)
    raises(ValueError, "router", MoEFFN, 5, 4, 6, router=SymphonyRouter(5, 3, 2))        # wrong expert count
    raises(TypeError, "generator", MoEPerm.random, 4, 6, 5, generator=3)

# --- XMoE and top-1 ---------------------------------------------------------------------------------------------------
def test_xmoe_not_implemented_and_top1_warning():
    msg = raises(ValueError, "base", SymphonyRouter, 5, 4, base="xmoe"); assert "'linear'" in msg
    msg = raises(ValueError, "router", MoEFFN, 5, 4, 6, router="xmoe"); assert "'linear'" in msg
    with pytest.warns(UserWarning): align_moe(st(k=1), st(k=1, seed=1), k=1)

# --- NaN / inf --------------------------------------------------------------------------------------------------------
@pytest.mark.parametrize("key", ["gate.weight", "gate.bias", "w1", "b1", "w2", "b2"])
@pytest.mark.parametrize("bad", [math.nan, math.inf])
def test_non_finite_parameters(key, bad):
    a, b = st(), st(seed=1); b[key] = b[key].clone(); b[key].view(-1)[0] = bad
    raises(ValueError, key, align_moe, a, b)
    raises(ValueError, key, expert_cost, a, b)
    raises(ValueError, key, loss_barrier, fn, a, b, [X])
    raises(ValueError, key, MoEPerm.identity(4, 6, 5).apply, b)
    raises(ValueError, key, expert_order_oracle, fn, a, b, [X])

def test_non_finite_translation():
    raises(ValueError, "c_w", MoEPerm, torch.arange(4), torch.arange(6).expand(4, 6), torch.tensor([math.nan] * 5))
    raises(ValueError, "c_b", MoEPerm, torch.arange(4), torch.arange(6).expand(4, 6), torch.zeros(5), math.inf)

# --- Symphony hyperparameters ------------------------------------------------------------------------------------------
@pytest.mark.parametrize("kw,name", [(dict(alpha=-0.1), "alpha"), (dict(alpha=1.5), "alpha"), (dict(beta=-1.0), "beta"),
                                     (dict(ema_decay=1.0), "ema_decay"), (dict(ema_decay=-0.1), "ema_decay"),
                                     (dict(warmup_steps=-1), "warmup_steps"), (dict(alpha=math.nan), "alpha")])
def test_symphony_ranges(kw, name):
    raises(ValueError, name, SymphonyRouter, 5, 4, 2, **kw)

def test_symphony_scores_and_callable_graph():
    r = SymphonyRouter(5, 4, 2)
    raises(ValueError, "scores", r, torch.ones(3, 5))
    raises(TypeError, "scores", r, torch.ones(3, 4, dtype=torch.long))
    rc = SymphonyRouter(5, 4, 2, graph=lambda e: torch.ones(3, 3))
    raises(ValueError, "graph", rc, torch.ones(3, 4), dict(w1=torch.ones(4, 2, 5), b1=torch.ones(4, 2), w2=torch.ones(4, 5, 2), b2=torch.ones(4, 5)))
    rn = SymphonyRouter(5, 4, 2, graph=lambda e: -torch.ones(4, 4))
    raises(ValueError, "graph", rn, torch.ones(3, 4), {})

# --- oracle size ---------------------------------------------------------------------------------------------------------
def test_oracle_too_many_experts():
    a, b = st(n=7, seed=0), st(n=7, seed=1)
    msg = raises(ValueError, "max_experts", expert_order_oracle, fn, a, b, [X])
    assert "5040" in msg

# --- corruption ---------------------------------------------------------------------------------------------------------
def test_corrupt_tokens_bad_input():
    t = torch.randint(0, 10, (50,))
    raises(TypeError, "tokens", corrupt_tokens, t.float(), 0.1)
    raises(TypeError, "tokens", corrupt_tokens, [1, 2, 3], 0.1)
    raises(ValueError, "rate", corrupt_tokens, t, 1.5)
    raises(ValueError, "rate", corrupt_tokens, t, -0.1)
    raises(ValueError, "rate", corrupt_tokens, t, math.nan)
    raises(ValueError, "replacement_id", corrupt_tokens, t, 0.1, mode="fixed")
    raises(ValueError, "tokens", corrupt_tokens, t, 0.1, vocab_size=5)
    raises(ValueError, "mode", corrupt_tokens, t, 0.1, mode="swap")
    raises(ValueError, "tokens", corrupt_tokens, torch.zeros(0, dtype=torch.long), 0.1)
    raises(ValueError, "tokens", corrupt_tokens, -t - 1, 0.1)

# --- unknown option strings ----------------------------------------------------------------------------------------------
@pytest.mark.parametrize("f,name", [
    (lambda: MoEFFN(5, 4, 6, gating="sparse"), "gating"),
    (lambda: MoEFFN(5, 4, 6, router="cosine"), "router"),
    (lambda: MoEFFN(5, 4, 6, dispatch="fast"), "dispatch"),
    (lambda: align_moe(st(), st(seed=1), method="greedy"), "method"),
    (lambda: align_moe(st(), st(seed=1), select="barrier"), "select"),
    (lambda: expert_cost(st(), st(seed=1), method="cosine"), "method"),
    (lambda: SymphonyRouter(5, 4, graph="knn"), "graph"),
    (lambda: SymphonyRouter(5, 4, statistic="mean"), "statistic"),
    (lambda: SymphonyRouter(5, 4, smoothing="both"), "smoothing"),
    (lambda: SymphonyRouter(5, 4, normalize="col"), "normalize"),
    (lambda: SymphonyRouter(5, 4, init="random"), "init"),
    (lambda: SymphonyRouter(5, 4, weights="raw"), "weights"),
    (lambda: normalize_graph(torch.eye(3), "col"), "normalize"),
    (lambda: loss_barrier(fn, st(), st(seed=1), [X], batched="yes"), "batched"),
])
def test_unknown_strings(f, name):
    with pytest.raises(ValueError) as e: f()
    assert name in str(e.value) and "must be one of" in str(e.value) or "True, False" in str(e.value)

# --- plain-MLP matching ------------------------------------------------------------------------------------------------
def test_mlp_matching_bad_input():
    raises(TypeError, "ws_a", mlp_weight_matching, "a", "b")
    raises(TypeError, "acts_a", activation_matching, torch.ones(3, 2), [torch.ones(3, 2)])
    raises(ValueError, "acts_b", activation_matching, [torch.ones(3, 2)], [torch.ones(3, 3)])
    raises(ValueError, "acts_b", activation_matching, [torch.ones(3, 2)], [])
    raises(ValueError, "acts_a[0]", activation_matching, [torch.tensor([[math.nan, 1.0]])], [torch.ones(1, 2)])
