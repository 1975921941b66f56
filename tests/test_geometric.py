"Geometric chapter, spec §5.2: equivariance of every layer with negative controls, reflection semantics, reductions, groups, Reynolds, frames, gradients, data."
import math
from itertools import product
import numpy as np
import pytest
import torch
from scipy.spatial import cKDTree
from scipy.spatial.transform import Rotation

from symlearn.geometric.mesh import (Mesh, icosphere, random_orthogonal, transform_mesh, mirror_mesh, permute_mesh, flip_winding,
                                     normalize_mesh, batch_meshes, signed_volume, fps, knn, ball_query,
                                     _tolerance as tolerance, _check_equivariance as check_equivariance)
from symlearn.geometric.layers import EGNNLayer, EMNNLayer, NonEqLayer, MeshHierarchy, EMNN
from symlearn.geometric.groups import (rotation_group, check_group, quarter_turn_union, GroupAveraged, GPointNet,
                                       FramePointNet, residual_angle, _match, ReynoldsPointConv)
from symlearn.geometric.data import synth_star, chiral_pairs, articulated_man, articulate, sample_points

F64 = torch.float64

def noisy_sphere(k=2, seed=0):
    s = icosphere(k); g = torch.Generator().manual_seed(seed)
    return s.with_pos(s.pos * (1 + 0.1 * torch.randn(s.n_vertices, 1, generator=g, dtype=F64)))

MESH = noisy_sphere()
H0 = torch.randn(MESH.n_vertices, 4, generator=torch.Generator().manual_seed(5), dtype=F64)
TOL = tolerance(F64, scale=10.0, n_terms=MESH.n_vertices)
assert TOL <= 1e-10

def stack(cls, n=3, gain=0.5, **kw):
    g = torch.Generator().manual_seed(0)
    if cls is not NonEqLayer: kw["coord_gain"] = gain
    layers = [cls(4, 4, 16, generator=g, **kw).double() for _ in range(n)]
    def f(h, x, mesh):
        for l in layers: h, x = l(h, x, mesh)
        return h, x
    f.layers = layers
    return f

def e3(det, flip, perm=False):
    "(sample, act_in, act_out) for x ↦ x Rᵀ + t (det R = det), optionally a winding flip and a vertex permutation."
    def sample(g):
        p = torch.randperm(MESH.n_vertices, generator=g) if perm else None
        return random_orthogonal(det, g), torch.randn(3, generator=g, dtype=F64), p
    def act_in(gr, inp):
        (R, t, p), (h, x, m) = gr, inp
        m = transform_mesh(m, R, t, flip_winding=flip)
        if p is not None: return h[p], (x @ R.T + t)[p], permute_mesh(m, p)
        return h, x @ R.T + t, m
    def act_out(gr, out):
        (R, t, p), (h, x) = gr, out
        return (h[p], (x @ R.T + t)[p]) if p is not None else (h, x @ R.T + t)
    return sample, act_in, act_out

def check(f, det, flip, perm=False, expect=True):
    s, ai, ao = e3(det, flip, perm)
    return check_equivariance(f, (H0, MESH.pos, MESH), s, ai, ao, n_samples=3, generator=torch.Generator().manual_seed(1),
                              rtol=TOL, expect=expect)

# 1. EGNN E(3) including reflections and permutations
@pytest.mark.parametrize("det", [1, -1])
@pytest.mark.parametrize("aggr", ["sum", "mean"])
def test_egnn_e3(det, aggr):
    assert check(stack(EGNNLayer, aggr=aggr), det, False, perm=True).passed

# 2. EMNN SE(3) and permutations; 3. reflection semantics
@pytest.mark.parametrize("face_message", ["corner", "face"])
def test_emnn_raw_reflection_semantics(face_message):
    f = stack(EMNNLayer, face_message=face_message)
    assert check(f, 1, False, perm=True).passed
    assert check(f, -1, True).passed                          # (a) reflection with winding flip
    r = check(f, -1, False, expect=False)                     # (b) reflection alone must fail with raw normals
    assert r.passed and r.max_rel_error > 1e-3

@pytest.mark.parametrize("det,flip", [(1, False), (1, True), (-1, False), (-1, True)])
def test_emnn_proper_o3(det, flip):
    assert check(stack(EMNNLayer, normals="proper"), det, flip, perm=True).passed

def test_noneq_control_fails():
    assert check(stack(NonEqLayer), 1, False, expect=False).passed

# 4. winding independence
def test_proper_winding_independent():
    f, r = stack(EMNNLayer, normals="proper"), stack(EMNNLayer)
    a, b = f(H0, MESH.pos, MESH), f(H0, MESH.pos, flip_winding(MESH))
    assert (a[0] - b[0]).abs().max() <= TOL and (a[1] - b[1]).abs().max() <= TOL
    assert (r(H0, MESH.pos, MESH)[1] - r(H0, MESH.pos, flip_winding(MESH))[1]).abs().max() > 1e-3

# 5. reductions
def _egnn_copy(e):
    l = EGNNLayer(e.in_dim, e.out_dim, e.hidden).double()
    sd = {k: v for k, v in e.state_dict().items() if not k.startswith(("phi_f", "phi_n"))}
    sd["phi_h1.weight"] = sd["phi_h1.weight"][:, :e.in_dim + e.hidden]
    l.load_state_dict(sd); return l

def test_reduction_to_egnn():
    f = stack(EMNNLayer); eg = [_egnn_copy(l) for l in f.layers]
    nofaces = Mesh(MESH.pos, torch.zeros(0, 3, dtype=torch.long), edge_index=MESH.edge_index)
    h1, x1 = f(H0, MESH.pos, nofaces)
    h2, x2 = H0, MESH.pos
    for l in eg: h2, x2 = l(h2, x2, nofaces)
    assert torch.equal(h1, h2) and torch.equal(x1, x2)                            # exact
    with torch.no_grad():
        for l in f.layers: l.phi_n[2].weight.zero_(); l.phi_h1.weight[:, l.in_dim + l.hidden:] = 0
    h1, x1 = f(H0, MESH.pos, MESH); h2, x2 = H0, MESH.pos
    for l in eg: h2, x2 = l(h2, x2, MESH)
    assert (h1 - h2).abs().max() <= TOL and (x1 - x2).abs().max() <= TOL
    assert EMNNLayer(4, 4, normals=None).state_dict().keys() == EGNNLayer(4, 4).state_dict().keys()

# 6, 7, 8. permutation and normalised-pipeline invariance of pooled heads, hierarchy
@pytest.mark.parametrize("kw", [{}, {"normals": "proper"}, {"layer": "egnn"}, {"hierarchy": True}, {"channels": 2}])
def test_model_pipeline_invariance(kw):
    model = EMNN(1, 5, (8, 8, 8), 16, generator=torch.Generator().manual_seed(0), **kw).double()
    g = torch.Generator().manual_seed(2); y0 = model(MESH)
    for _ in range(3):
        s = float(torch.empty(1).uniform_(0.1, 10, generator=g)); t = 100 * (torch.rand(3, generator=g, dtype=F64) * 2 - 1) / math.sqrt(3)
        p = torch.randperm(MESH.n_vertices, generator=g)
        m = permute_mesh(transform_mesh(MESH, s * random_orthogonal(1, g), t), p)
        assert (model(m) - y0).abs().max() <= 1e-9
    assert (model(permute_mesh(MESH, p), ) - y0).abs().max() <= TOL

def test_hierarchy_invariant():
    hier = MeshHierarchy(4, generator=torch.Generator().manual_seed(0)).double()
    h = H0
    def f(h, x, m): return hier(h, x), x
    assert check(f, -1, False, perm=True).passed

def test_vertex_and_gram_heads_equivariant():
    g = torch.Generator().manual_seed(3); p = torch.randperm(MESH.n_vertices, generator=g)
    mv = EMNN(1, 7, (8, 8), 16, head="vertex", generator=torch.Generator().manual_seed(0)).double()
    assert (mv(permute_mesh(MESH, p)) - mv(MESH)[p]).abs().max() <= TOL
    mg = EMNN(1, 7, (8, 8), 16, head="gram", generator=torch.Generator().manual_seed(0)).double()
    assert (mg(permute_mesh(MESH, p))[0] - mg(MESH)[0][p][:, p]).abs().max() <= TOL

# 9. multi-channel
def test_multichannel():
    f = stack(EMNNLayer, channels=2)
    X2 = torch.stack([MESH.pos, 0.3 * MESH.pos + 0.1], 2)
    rot = lambda R, x: torch.einsum("ij,njc->nic", R, x)
    r = check_equivariance(f, (H0, X2, MESH), lambda g: random_orthogonal(1, g), lambda R, i: (i[0], rot(R, i[1]), transform_mesh(i[2], R)),
                           lambda R, o: (o[0], rot(R, o[1])), n_samples=3, generator=torch.Generator().manual_seed(0), rtol=TOL)
    assert r.passed
    def avg(h, x, m): h, x = f(h, x, m); return h, x.mean(2)
    r = check_equivariance(avg, (H0, X2, MESH), lambda g: torch.randn(3, generator=g, dtype=F64),
                           lambda t, i: (i[0], torch.stack([i[1][..., 0] + t, i[1][..., 1]], 2), i[2]),
                           lambda t, o: (o[0], o[1] + t), n_samples=3, generator=torch.Generator().manual_seed(0), rtol=TOL, expect=False)
    assert r.passed                                        # known defect: channel averaging breaks translation equivariance

# 10. groups
@pytest.mark.parametrize("name,order", [("C1", 1), ("C4", 4), ("C7", 7), ("D4", 8), ("D3", 6), ("T", 12), ("O", 24), ("Ico", 60), ("Oh", 48)])
def test_groups(name, order):
    G = rotation_group(name)
    assert G.shape == (order, 3, 3) and G.dtype == F64
    assert (G.transpose(1, 2) @ G - torch.eye(3, dtype=F64)).abs().max() <= 1e-12
    check_group(G)
    if name != "Oh":
        ref = torch.as_tensor(Rotation.create_group(name.replace("Ico", "I")).as_matrix())
        assert bool((_match(ref, G, 1e-10) >= 0).all()) and len(ref) == order

def test_non_group_rejected():
    U = torch.unique(quarter_turn_union().round(decimals=12), dim=0)
    assert U.shape[0] == 10
    with pytest.raises(ValueError, match=r"product mats\[\d+\] @ mats\[\d+\]"): check_group(U)
    with pytest.raises(ValueError, match="distinct"): check_group(quarter_turn_union())
    with pytest.raises(ValueError, match="inverse"): check_group(rotation_group("C4")[[0, 1]])

def test_residual_angles():
    g = torch.Generator().manual_seed(0)
    R = torch.stack([random_orthogonal(1, g) for _ in range(3000)])
    a = {n: torch.rad2deg(residual_angle(R, n)) for n in ("T", "O", "Ico")}
    assert a["Ico"].max() < 44.5 and a["O"].max() < 62.9 and a["T"].max() < 90
    assert a["Ico"].mean() < a["O"].mean() < a["T"].mean()

# 11. Reynolds
class _PN(torch.nn.Module):
    def __init__(s, vec=False):
        super().__init__(); s.vec = vec; s.a = torch.nn.Linear(3, 16); s.b = torch.nn.Linear(16, 3 if vec else 4)
    def forward(s, X):
        z = torch.tanh(s.a(X)); return s.b(z) if s.vec else s.b(z.amax(1))

@pytest.mark.parametrize("name", ["C4", "T", "O", "Ico", "Oh"])
def test_reynolds_exact(name):
    torch.manual_seed(0)
    X = torch.randn(2, 40, 3, generator=torch.Generator().manual_seed(1), dtype=F64)
    G = rotation_group(name); pick = lambda g: G[int(torch.randint(len(G), (1,), generator=g))]
    act = lambda g, a: a[0] @ g.T
    tol = tolerance(F64, scale=10.0, n_terms=100)
    inv, eqv = GroupAveraged(_PN().double(), name), GroupAveraged(_PN(True).double(), G, "equivariant")
    assert check_equivariance(inv, X, pick, act, None, generator=torch.Generator().manual_seed(2), rtol=tol).passed
    assert check_equivariance(eqv, X, pick, act, lambda g, Y: Y @ g.T, generator=torch.Generator().manual_seed(2), rtol=tol).passed
    assert check_equivariance(inv, X, lambda g: random_orthogonal(1, g), act, None, generator=torch.Generator().manual_seed(2),
                              rtol=1e-4, expect=False).passed

def test_reynolds_non_group_fails():
    torch.manual_seed(0); f = _PN().double()
    U = torch.unique(quarter_turn_union().round(decimals=12), dim=0)
    def avg(X): return torch.stack([f(X @ u.T) for u in U]).mean(0)
    X = torch.randn(2, 40, 3, generator=torch.Generator().manual_seed(1), dtype=F64)
    r = check_equivariance(avg, X, lambda g: U[int(torch.randint(len(U), (1,), generator=g))], lambda g, a: a[0] @ g.T, None,
                           generator=torch.Generator().manual_seed(2), rtol=1e-2, expect=False)
    assert r.passed
    with pytest.raises(ValueError): GroupAveraged(f, U)

@pytest.mark.parametrize("backbone", ["pointconv", "pointnet2"])
def test_local_reynolds(backbone):
    X = torch.randn(2, 120, 3, generator=torch.Generator().manual_seed(0), dtype=F64)
    net = GPointNet(4, "O", backbone, (24, 6), (8, 4), (8, 8), generator=torch.Generator().manual_seed(0)).double()
    G = rotation_group("O"); pick = lambda g: G[int(torch.randint(len(G), (1,), generator=g))]
    act = lambda g, a: a[0] @ g.T + 3.0
    assert check_equivariance(net, X, pick, act, None, n_samples=4, generator=torch.Generator().manual_seed(1),
                              rtol=tolerance(F64, 10.0, 1000)).passed
    assert check_equivariance(net, X, lambda g: random_orthogonal(1, g), act, None, n_samples=4,
                              generator=torch.Generator().manual_seed(1), rtol=1e-4, expect=False).passed

@pytest.mark.parametrize("group,features", [("T", "radius"), ("Ico", "radius"), ("O", "ones")])
def test_local_reynolds_groups(group, features):
    "Every group and both input features: exact on the group's elements, not SO(3)-invariant (negative control)."
    X = torch.randn(2, 100, 3, generator=torch.Generator().manual_seed(3), dtype=F64)
    net = GPointNet(4, group, "pointconv", (20, 5), (8, 4), (8, 8), features=features, generator=torch.Generator().manual_seed(0)).double()
    G = rotation_group(group); pick = lambda g: G[int(torch.randint(len(G), (1,), generator=g))]
    act = lambda g, a: a[0] @ g.T - 1.5
    assert check_equivariance(net, X, pick, act, None, n_samples=4, generator=torch.Generator().manual_seed(1),
                              rtol=tolerance(F64, 10.0, 1000)).passed
    assert check_equivariance(net, X, lambda g: random_orthogonal(1, g), act, None, n_samples=4,
                              generator=torch.Generator().manual_seed(1), rtol=1e-4, expect=False).passed

@pytest.mark.parametrize("group", ["C1", "C4", "O", "Ico"])
@pytest.mark.parametrize("dims", [(8, 8, 16), (6, 5)])
def test_reynolds_weights_fast_vs_reference(group, dims):
    "The one-matmul weight net (mean folded into the last linear layer) equals the loop over g of the full net, values and gradients."
    l = ReynoldsPointConv(2, 4, group, weight_dims=dims, generator=torch.Generator().manual_seed(0)).double()
    D = torch.randn(3, 5, 3, generator=torch.Generator().manual_seed(1), dtype=F64, requires_grad=True)
    def ref(D):
        rows = [l.w_out(l.w_hidden(torch.relu(l.w_in(torch.cat([D @ g.T, D.norm(dim=-1, keepdim=True)], -1))))) for g in l.G.to(F64)]
        return torch.stack(rows).mean(0)
    a, b = l.weights(D), ref(D)
    torch.testing.assert_close(a, b, rtol=0, atol=tolerance(F64, 10.0, 64))
    ps = [D] + list(l.parameters())
    ga = torch.autograd.grad(a.pow(2).sum(), ps, allow_unused=True); gb = torch.autograd.grad(b.pow(2).sum(), ps, allow_unused=True)
    for x, y in zip(ga, gb):
        assert (x is None) == (y is None)
        if x is not None: torch.testing.assert_close(x, y, rtol=0, atol=tolerance(F64, 100.0, 64))

def test_reynolds_weights_not_homogeneous():
    "Regression: a bias-free weight net is positively homogeneous (its G-average ~ c|Δ| for large G); the layer's is not."
    l = ReynoldsPointConv(1, 4, "O", generator=torch.Generator().manual_seed(0)).double()
    D = torch.randn(50, 3, generator=torch.Generator().manual_seed(1), dtype=F64)
    with torch.no_grad():
        assert (l.weights(2.0 * D) - 2.0 * l.weights(D)).abs().max() > 1e-2
        l.w_in.bias.zero_(); l.w_in.weight[:, 3] = 0; l.w_hidden[0].bias.zero_(); l.w_out.bias.zero_()
        torch.testing.assert_close(l.weights(2.0 * D), 2.0 * l.weights(D))

# 12. frame averaging
def test_frame_averaging():
    X = torch.randn(2, 80, 3, generator=torch.Generator().manual_seed(0), dtype=F64) * torch.tensor([3.0, 1.5, 0.5], dtype=F64)
    f8 = FramePointNet(3, 8, generator=torch.Generator().manual_seed(0)).double()
    f4 = FramePointNet(3, 4, generator=torch.Generator().manual_seed(0)).double()
    act = lambda R, a: a[0] @ R.T
    assert check_equivariance(f8, X, lambda g: random_orthogonal(-1, g), act, None, generator=torch.Generator().manual_seed(1), rtol=1e-10).passed
    assert check_equivariance(f4, X, lambda g: random_orthogonal(1, g), act, None, generator=torch.Generator().manual_seed(1), rtol=1e-10).passed
    assert check_equivariance(f4, X, lambda g: random_orthogonal(-1, g), act, None, generator=torch.Generator().manual_seed(1),
                              rtol=1e-6, expect=False).passed                   # 4 frames: rotations only

# 14. gradients
@pytest.mark.parametrize("normals", ["raw", "proper", None])
def test_gradcheck(normals):
    m = icosphere(1); m = m.with_pos(m.pos[:, :] * 1.0)
    sub = Mesh(m.pos[:20].clone(), m.faces[(m.faces < 20).all(1)])
    l = EMNNLayer(3, 3, 8, normals=normals, coord_gain=0.5, generator=torch.Generator().manual_seed(0)).double()
    h = torch.randn(20, 3, dtype=F64, generator=torch.Generator().manual_seed(1)).requires_grad_()
    assert torch.autograd.gradcheck(lambda h, x: l(h, x, sub), (h, sub.pos.clone().requires_grad_()))

# sampling
def test_sampling_equivariance():
    g = torch.Generator().manual_seed(0)
    X = torch.randn(500, 3, generator=g, dtype=F64); R = random_orthogonal(-1, g); p = torch.randperm(500, generator=g)
    assert torch.equal(fps(X @ R.T + 1, 50), fps(X, 50)) and torch.equal(p[fps(X[p], 50)], fps(X, 50))
    assert torch.equal(knn(X @ R.T, 6), knn(X, 6))
    i, m = ball_query(X, X[:20], 0.6, 10); assert bool(((X[i] - X[:20, None]).norm(dim=-1)[m] <= 0.6).all())

# 15. data generators
def test_data_generators():
    a = synth_star(4, 3, 1, 2, subdiv=1); b = synth_star(4, 3, 1, 2, subdiv=1)
    assert torch.bincount(a["train"][1]).tolist() == [3] * 4
    assert all(torch.equal(x.pos, y.pos) for x, y in zip(a["test"][0], b["test"][0]))
    for flip, signs in ((True, [1, 1]), (False, [1, -1])):
        cp = chiral_pairs(2, 2, 1, 1, subdiv=1, flip_winding=flip, dtype=F64)
        assert [int(signed_volume(m).sign()) for m in cp["train"][0][:2]] == signs
    am = articulated_man(2, 1, 1, subdiv=1, dtype=F64)
    assert all(torch.equal(m.faces, am["template"].faces) for m in am["train"])
    base = icosphere(1).pos.numpy(); L0 = np.array([0.35, 0.8, 0.8, 0.9, 0.9])
    np.testing.assert_allclose(articulate(base, L0, np.zeros((5, 2)), np.ones((5, 2, 3))), am["template"].pos.numpy(), atol=1e-12)
    P = sample_points(icosphere(2), 300, torch.Generator().manual_seed(0))
    assert P.shape == (300, 3) and (P.norm(dim=1) <= 1 + 1e-12).all()

# 13. optional peer: the e3nn convolution used as the benchmark's cost anchor is O(3)-invariant (skips without e3nn)
def test_e3nn_peer_invariant():
    pytest.importorskip("e3nn")
    from symlearn.geometric.bench import e3nn_conv
    net = e3nn_conv(4, 2).double()
    h = torch.randn(MESH.n_vertices, 4, generator=torch.Generator().manual_seed(0), dtype=F64)
    r = check_equivariance(lambda x: net(h, x, MESH), MESH.pos, lambda g: random_orthogonal(-1, g), lambda R, a: a[0] @ R.T + 1.0, None,
                           n_samples=2, generator=torch.Generator().manual_seed(1), rtol=1e-9)
    assert r.passed

def test_gpointnet_trains_and_eval_invariant():
    "Regression: the G-PointConv classifier must fit a small training set (it stayed at chance before offsets were rescaled and BN added)."
    from symlearn.geometric.data import point_cloud_set
    X, y = point_cloud_set(3, 6, 0, 0, 64, 2, 0)["train"]
    torch.manual_seed(0)
    net = GPointNet(3, "C1", "pointconv", (16, 4), (8, 4), (16, 32), generator=torch.Generator().manual_seed(0))
    opt = torch.optim.Adam(net.parameters(), lr=3e-3)
    for _ in range(60):
        loss = torch.nn.functional.cross_entropy(net(X), y); opt.zero_grad(); loss.backward(); opt.step()
    net.eval()
    with torch.no_grad(): acc = float((net(X).argmax(-1) == y).float().mean())
    assert acc >= 0.9, acc
    neto = GPointNet(4, "O", "pointconv", (24, 6), (8, 4), (8, 8), generator=torch.Generator().manual_seed(0)).double()
    Xd = torch.randn(3, 100, 3, generator=torch.Generator().manual_seed(2), dtype=F64)
    neto(Xd * 2.0); neto.eval()                                       # non-trivial running statistics, then eval mode
    G = rotation_group("O"); pick = lambda g: G[int(torch.randint(len(G), (1,), generator=g))]
    assert check_equivariance(neto, Xd, pick, lambda g, a: a[0] @ g.T, None, n_samples=4, generator=torch.Generator().manual_seed(1),
                              rtol=tolerance(F64, 10.0, 1000)).passed

# 14. the ArticuMan template's exact isometries (dense-correspondence ground truth is ambiguous up to them)
def _vertex_isometries(X):
    "[(R, idx)]: every isometry x ↦ (x - c) R + c mapping the vertex set onto itself, with its vertex permutation. Exhaustive: such a map keeps the vertex mean and covariance, so with distinct covariance eigenvalues R is ±1 on each principal axis."
    Y = X - X.mean(0); w, V = np.linalg.eigh(Y.T @ Y / len(Y))
    assert np.diff(w).min() > 1e-3 * w.max()                       # distinct principal axes: the search below is complete
    tree, out = cKDTree(Y), []
    for s in product((1, -1), repeat=3):
        R = V @ np.diag(s) @ V.T; d, idx = tree.query(Y @ R)
        if d.max() < 1e-9 * np.abs(Y).max() and len(set(idx.tolist())) == len(Y): out.append((R, idx))
    return out

@pytest.mark.parametrize("subdiv", [2, 3])
def test_articulated_man_isometries(subdiv):
    T = articulated_man(0, 0, 0, subdiv=subdiv, dtype=F64)["template"]; X = T.pos.numpy()
    iso = _vertex_isometries(X)
    assert len(iso) == 2                                            # identity and exactly one other
    R, idx = [(R, i) for R, i in iso if not np.allclose(R, np.eye(3))][0]
    np.testing.assert_allclose(R, np.diag([-1.0, 1, 1]), atol=1e-9)  # the left/right mirror
    faces = {tuple(sorted(f)) for f in T.faces.tolist()}
    assert {tuple(sorted(idx[f].tolist())) for f in T.faces} == faces   # a mesh automorphism (it reverses orientation)
    # negative controls: the front/back reflection and the half-turn about the vertical axis are no longer symmetries,
    # while the earlier symmetric template has all four
    for s in ([1, -1, 1], [-1, -1, 1]):
        assert cKDTree(X).query(X * np.array(s))[0].max() > 0.1
    old = articulated_man(0, 0, 0, subdiv=subdiv, dtype=F64, template="symmetric")["template"].pos.numpy()
    signs = sorted(tuple(np.round(np.diag(R)).astype(int)) for R, _ in _vertex_isometries(old))
    assert signs == sorted([(1, 1, 1), (-1, 1, 1), (1, -1, 1), (-1, -1, 1)])
    # posed meshes share the template's vertex order and the rest pose reproduces it
    base = icosphere(subdiv).pos.numpy(); L0 = np.array([0.35, 0.8, 0.8, 0.9, 0.9])
    for t in ("faust_like", "symmetric"):
        tm = articulated_man(0, 0, 0, subdiv=subdiv, dtype=F64, template=t)["template"].pos.numpy()
        np.testing.assert_allclose(articulate(base, L0, np.zeros((5, 2)), np.ones((5, 2, 3)), t), tm, atol=1e-12)
