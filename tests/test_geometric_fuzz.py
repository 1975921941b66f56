"Geometric chapter: hypothesis fuzzing of the public functions — valid inputs give finite results of the right shape, anything else a ValueError/TypeError (never another exception, never a silent result)."
import math
import pytest
import torch
from hypothesis import given, strategies as st
from _fuzz import FUZZ, finite, clear_or_finite

from symlearn.geometric.mesh import (Mesh, fps, knn, ball_query, random_orthogonal, face_normals, normalize_mesh, permute_mesh,
                                     mirror_mesh, icosphere)
from symlearn.geometric.groups import rotation_group, check_group, residual_angle
from symlearn.geometric.layers import EMNNLayer

F64 = torch.float64

def junk():
    "Arbitrary values: numbers (incl. nan/inf), strings, None, bools, lists, tensors of random shapes and dtypes."
    tensors = st.builds(lambda shape, dt, fill: torch.full(shape, fill).to(dt),
                        st.lists(st.integers(0, 5), min_size=0, max_size=3).map(tuple),
                        st.sampled_from([torch.float64, torch.float32, torch.int64, torch.bool]),
                        st.sampled_from([0.0, 1.0, -3.0, float("nan"), float("inf"), 2.5]))
    return st.one_of(st.none(), st.booleans(), st.integers(-5, 50), st.floats(allow_nan=True, allow_infinity=True),
                     st.text(max_size=4), st.lists(st.integers(0, 3), max_size=4), tensors)

@FUZZ
@given(pos=junk(), faces=junk())
def test_mesh_junk(pos, faces):
    m = clear_or_finite(Mesh, pos, faces)
    assert m is None or finite(m)

@FUZZ
@given(n=st.integers(4, 30), nf=st.integers(0, 20), seed=st.integers(0, 10**6), lo=st.integers(-2, 0), hi=st.integers(0, 3))
def test_mesh_random_faces(n, nf, seed, lo, hi):
    g = torch.Generator().manual_seed(seed)
    pos = torch.randn(n, 3, generator=g, dtype=F64)
    faces = torch.randint(lo, n + hi, (nf, 3), generator=g)
    m = clear_or_finite(Mesh, pos, faces)
    valid = bool(((faces >= 0) & (faces < n)).all()) and bool(((faces[:, 0] != faces[:, 1]) & (faces[:, 1] != faces[:, 2]) & (faces[:, 0] != faces[:, 2])).all())
    assert (m is not None) == valid
    if m is not None:
        for mode in ("raw", "unit", "proper"): assert finite(m.face_normals(mode))
        assert finite(normalize_mesh(m).pos) if nf else True

@FUZZ
@given(x=junk(), n=junk())
def test_fps_junk(x, n):
    assert finite(clear_or_finite(fps, x, n))

@FUZZ
@given(N=st.integers(1, 40), n=st.integers(-2, 45), k=st.integers(-1, 45), seed=st.integers(0, 10**6), r=st.floats(-1, 3))
def test_sampling_valid_and_invalid(N, n, k, seed, r):
    X = torch.randn(N, 3, generator=torch.Generator().manual_seed(seed), dtype=F64)
    i = clear_or_finite(fps, X, n)
    assert (i is None) == (not 1 <= n <= N)
    if i is not None: assert len(set(i.tolist())) == n
    j = clear_or_finite(knn, X, k)
    assert (j is None) == (not 1 <= k <= N)
    b = clear_or_finite(ball_query, X, X[:3], r, max(k, 1))
    assert (b is None) == (not r > 0)

@FUZZ
@given(det=junk(), gen=st.one_of(st.none(), st.integers(0, 5)))
def test_random_orthogonal_junk(det, gen):
    Q = clear_or_finite(random_orthogonal, det, torch.Generator().manual_seed(gen) if gen is not None else None)
    if Q is not None:
        assert (Q @ Q.T - torch.eye(3, dtype=F64)).abs().max() < 1e-12 and abs(torch.linalg.det(Q).item() - det) < 1e-12

@FUZZ
@given(name=st.one_of(st.text(max_size=4), st.sampled_from(["C1", "C4", "C12", "D2", "D5", "T", "O", "Ico", "Oh", "C0", "D0", "c4", "I"]), junk()))
def test_rotation_group_junk(name):
    G = clear_or_finite(rotation_group, name)
    if G is not None: assert check_group(G) is not None

@FUZZ
@given(idx=st.lists(st.integers(0, 23), min_size=1, max_size=24, unique=True), noise=st.sampled_from([0.0, 1e-3, float("nan")]))
def test_check_group_subsets(idx, noise):
    G = rotation_group("O")[sorted(idx)] + noise
    out = clear_or_finite(check_group, G)
    if out is not None: assert noise == 0.0 and 24 % len(idx) == 0          # Lagrange: a subgroup's order divides 24

@FUZZ
@given(R=junk(), G=st.one_of(st.sampled_from(["O", "T", "C4"]), junk()))
def test_residual_angle_junk(R, G):
    a = clear_or_finite(residual_angle, R, G)
    assert a is None or finite(a)

S = icosphere(1)
@FUZZ
@given(mode=junk(), perm_seed=st.integers(0, 100), flip=junk(), by=junk())
def test_mesh_utilities_junk(mode, perm_seed, flip, by):
    assert finite(clear_or_finite(face_normals, S.pos, S.faces, mode))
    assert finite(clear_or_finite(mirror_mesh, S, flip))
    assert finite(clear_or_finite(normalize_mesh, S, by))
    p = torch.randperm(S.n_vertices, generator=torch.Generator().manual_seed(perm_seed))
    if perm_seed % 3 == 0: p[0] = p[1]
    assert (clear_or_finite(permute_mesh, S, p) is None) == (perm_seed % 3 == 0)

LAYER = EMNNLayer(2, 2, 4).double()
@FUZZ
@given(h=junk(), x=junk(), normals=junk())
def test_layer_junk(h, x, normals):
    out = clear_or_finite(LAYER, h, x, S)
    assert out is None or finite(out)
    assert clear_or_finite(EMNNLayer, 2, 2, 4, normals=normals) is None or normals in ("raw", "proper", None)
