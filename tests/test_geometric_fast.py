"Geometric chapter: the fast EGNN/EMNN layers against the readable reference (values and gradients, float64), double backward, the cached mesh indices, and the plain-torch FPS / kNN / ball query against brute force."
import pytest
import torch

from symlearn.geometric.mesh import Mesh, icosphere, batch_meshes, fps, knn, ball_query, _tolerance as tolerance
from symlearn.geometric.layers import EGNNLayer, EMNNLayer, layer_reference
from symlearn.geometric.bench import time_interleaved

F64 = torch.float64

def noisy_sphere(k=2, seed=0):
    s = icosphere(k); g = torch.Generator().manual_seed(seed)
    return s.with_pos(s.pos * (1 + 0.1 * torch.randn(s.n_vertices, 1, generator=g, dtype=F64)))

MESHES = {"sphere": noisy_sphere(2), "batch": batch_meshes([noisy_sphere(1, 1), noisy_sphere(2, 2)])}

def outputs_and_grads(fn, layer, h, x, seed=3):
    h, x = h.clone().requires_grad_(), x.clone().requires_grad_()
    oh, ox = fn(h, x)
    g = torch.Generator().manual_seed(seed)
    wh, wx = torch.randn(oh.shape, generator=g, dtype=F64), torch.randn(ox.shape, generator=g, dtype=F64)
    params = [h, x] + list(layer.parameters())
    grads = torch.autograd.grad((oh * wh).sum() + (ox * wx).sum(), params, allow_unused=True)
    return [oh, ox] + [torch.zeros_like(p) if gr is None else gr for p, gr in zip(params, grads)]

CASES = [(EGNNLayer, {}), (EGNNLayer, {"aggr": "mean"}), (EGNNLayer, {"edge_attr": None}), (EGNNLayer, {"channels": 2}),
         (EMNNLayer, {}), (EMNNLayer, {"normals": "proper"}), (EMNNLayer, {"face_message": "face"}),
         (EMNNLayer, {"aggr": "mean", "face_message": "face"}), (EMNNLayer, {"channels": 2}),
         (EMNNLayer, {"channels": 2, "normals": "proper", "face_message": "face"}), (EMNNLayer, {"normals": None})]

@pytest.mark.parametrize("mesh_name", list(MESHES))
@pytest.mark.parametrize("cls,kw", CASES, ids=[f"{c.__name__}-{k}" for c, k in CASES])
def test_fast_matches_reference(cls, kw, mesh_name):
    mesh = MESHES[mesh_name]; g = torch.Generator().manual_seed(11)
    layer = cls(4, 6, 16, coord_gain=0.5, generator=g, **kw).double()
    h = torch.randn(mesh.n_vertices, 4, generator=g, dtype=F64)
    x = mesh.pos if kw.get("channels", 1) == 1 else torch.stack([mesh.pos, 0.5 * mesh.pos + 0.2], 2)
    fast = outputs_and_grads(lambda h, x: layer(h, x, mesh), layer, h, x)
    ref = outputs_and_grads(lambda h, x: layer_reference(layer, h, x, mesh), layer, h, x)
    tol = tolerance(F64, scale=100.0, n_terms=mesh.n_vertices)
    for a, b in zip(fast, ref):
        a, b = a.detach(), b.detach()
        assert float((a - b).abs().max()) <= tol * max(1.0, float(b.abs().max()))

def test_reference_negative_control():
    "A perturbed weight must show up: the comparison above can fail."
    mesh = MESHES["sphere"]; g = torch.Generator().manual_seed(0)
    a = EMNNLayer(4, 4, 16, coord_gain=0.5, generator=g).double(); b = EMNNLayer(4, 4, 16).double(); b.load_state_dict(a.state_dict())
    with torch.no_grad(): b.phi_f1.weight[3, 1] += 1e-4
    h = torch.randn(mesh.n_vertices, 4, generator=g, dtype=F64)
    with torch.no_grad(): assert float((a(h, mesh.pos, mesh)[0] - layer_reference(b, h, mesh.pos, mesh)[0]).abs().max()) > 1e-9
    with pytest.raises(TypeError, match="layer"): layer_reference(torch.nn.Linear(2, 2), h, mesh.pos, mesh)

def test_no_faces_and_no_edges():
    mesh = MESHES["sphere"]; g = torch.Generator().manual_seed(1)
    h = torch.randn(mesh.n_vertices, 4, generator=g, dtype=F64)
    nf = Mesh(mesh.pos, torch.zeros(0, 3, dtype=torch.long), edge_index=mesh.edge_index)
    empty = Mesh(mesh.pos, torch.zeros(0, 3, dtype=torch.long))
    for m in (nf, empty):
        for kw in ({}, {"face_message": "face"}):
            l = EMNNLayer(4, 4, 16, coord_gain=0.5, generator=g, **kw).double()
            fast, ref = l(h, mesh.pos, m), layer_reference(l, h, mesh.pos, m)
            assert torch.allclose(fast[0], ref[0], atol=1e-12) and torch.allclose(fast[1], ref[1], atol=1e-12)

@pytest.mark.parametrize("kw", [{}, {"face_message": "face"}, {"normals": None}])
def test_double_backward(kw):
    tiny = noisy_sphere(0); g = torch.Generator().manual_seed(2)
    l = EMNNLayer(2, 2, 4, coord_gain=0.5, generator=g, **kw).double()
    args = (torch.randn(tiny.n_vertices, 2, generator=g, dtype=F64).requires_grad_(), tiny.pos.clone().requires_grad_())
    assert torch.autograd.gradgradcheck(lambda h, x: l(h, x, tiny), args)

def test_mesh_caches():
    m = noisy_sphere(1)
    assert torch.equal(m.corners, m.faces.T.reshape(-1))
    assert torch.allclose(m.inv_degree(F64), 1 / m.degree)
    m2 = m.with_pos(m.pos * 2)
    assert m2.corners is m.corners                                  # connectivity caches survive new positions
    l = EMNNLayer(4, 4, 8, generator=torch.Generator().manual_seed(0)).double()
    h = torch.randn(m.n_vertices, 4, dtype=F64, requires_grad=True)
    l(h, m2.pos, m2)[0].sum().backward()                            # builds the incidence matrices on the shared cache
    fresh = Mesh(m2.pos, m2.faces)
    assert torch.allclose(l(h, m2.pos, m2)[0], l(h, fresh.pos, fresh)[0], atol=1e-13)
    assert torch.allclose(l(h, m2.pos * 3, m2.with_pos(m2.pos * 3))[0], l(h, fresh.pos * 3, Mesh(fresh.pos * 3, fresh.faces))[0], atol=1e-12)

def fps_naive(x, n, start):
    idx = [start]; d = ((x - x[start]) ** 2).sum(1)
    for _ in range(n - 1):
        i = int(d.argmax()); idx.append(i); d = torch.minimum(d, ((x - x[i]) ** 2).sum(1))
    return torch.tensor(idx)

@pytest.mark.parametrize("dtype", [torch.float32, F64])
def test_sampling_against_brute_force(dtype):
    g = torch.Generator().manual_seed(0)
    X = torch.randn(2, 700, 3, generator=g, dtype=dtype); Q = torch.randn(2, 90, 3, generator=g, dtype=dtype)
    d = torch.cdist(Q.double(), X.double())
    for chunk in (7, 512, 4096):
        assert torch.equal(knn(X, 5, Q, chunk=chunk), d.topk(5, largest=False).indices)
        idx, mask = ball_query(X, Q, 0.5, 8, chunk=chunk)
        dv, di = d.topk(8, largest=False)
        assert torch.equal(mask, dv <= 0.5) and torch.equal(idx[mask], di[mask])
        assert bool((idx[~mask] == di[..., :1].expand_as(di)[~mask]).all())        # padding repeats the nearest
    assert torch.equal(knn(X[0], 4), torch.cdist(X[0].double(), X[0].double()).topk(4, largest=False).indices)
    for b in range(2):
        assert torch.equal(fps(X, 40, start="first")[b], fps_naive(X[b], 40, 0))
        assert torch.equal(fps(X[b], 40, start=17), fps_naive(X[b], 40, 17))
    Xg = X[0].clone().requires_grad_()
    assert not knn(Xg, 3).requires_grad and not fps(Xg, 5).requires_grad

def test_time_interleaved_medians():
    calls = []
    out = time_interleaved({"a": lambda: calls.append("a"), "b": lambda: calls.append("b")}, "cpu", reps=3, warmup=1)
    assert calls == ["a", "b"] * 4                                   # warm-up round, then interleaved rounds
    assert set(out) == {"a", "b"} and out["a"]["reps"] == 3
    assert all(out[k][f] >= 0 for k in out for f in ("wall_seconds", "cpu_seconds", "user_seconds", "sys_seconds", "minor_faults"))
