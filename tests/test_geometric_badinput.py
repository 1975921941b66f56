"Geometric chapter, spec §7.2: every bad input raises ValueError/TypeError naming the argument."
import pytest
import torch
from symlearn.geometric.mesh import (Mesh, icosphere, fps, knn, ball_query, random_orthogonal, load_mesh, mirror_mesh, permute_mesh,
                                     normalize_mesh, face_normals, batch_meshes, transform_mesh)
from symlearn.geometric.layers import EGNNLayer, EMNNLayer, EMNN, MeshHierarchy
from symlearn.geometric.groups import rotation_group, check_group, GroupAveraged, GPointNet, FramePointNet, residual_angle, ReynoldsPointConv
from symlearn.geometric.data import synth_star, chiral_pairs, articulated_man, sample_points

F64 = torch.float64
S = icosphere(1)
POS, FACES = S.pos, S.faces

def raises(exc, match, f, *a, **k):
    with pytest.raises(exc, match=match): f(*a, **k)

@pytest.mark.parametrize("pos,exc,match", [
    (torch.zeros(42, 2, dtype=F64), ValueError, "`pos`"), (torch.zeros(42, dtype=F64), ValueError, "`pos`"),
    (torch.zeros(42, 3, dtype=torch.long), TypeError, "`pos`"), ([[0.0, 0, 0]], TypeError, "`pos`"),
    (torch.full((42, 3), float("nan"), dtype=F64), ValueError, "`pos`"), (torch.zeros(0, 3, dtype=F64), ValueError, "`pos`")])
def test_bad_pos(pos, exc, match):
    raises(exc, match, Mesh, pos, FACES)

def test_bad_faces():
    raises(ValueError, "`faces`.*shape", Mesh, POS, FACES[:, :2])
    raises(TypeError, "`faces`", Mesh, POS, FACES.double())
    f = FACES.clone(); f[7, 1] = 42
    raises(ValueError, r"face 7 is", Mesh, POS, f)
    f = FACES.clone(); f[3, 2] = -1; f[9, 0] = 100
    raises(ValueError, r"face 3 is", Mesh, POS, f)                  # the FIRST bad face
    f = FACES.clone(); f[5, 2] = f[5, 0]
    raises(ValueError, r"distinct vertices.*face 5", Mesh, POS, f)

def test_bad_batch():
    raises(ValueError, "`batch`", Mesh, POS, FACES, torch.zeros(10, dtype=torch.long))
    b = torch.zeros(42, dtype=torch.long); b[20:] = 1
    raises(ValueError, "span two meshes", Mesh, POS, FACES, b)
    raises(TypeError, "`batch`", Mesh, POS, FACES, b.double())
    raises(TypeError, "`meshes`", batch_meshes, [S, "x"])

def test_bad_options():
    raises(ValueError, "`normals`.*'raw', 'proper', None", EMNNLayer, 4, 4, normals="unit")
    raises(ValueError, "`face_message`", EMNNLayer, 4, 4, face_message="edge")
    raises(ValueError, "`aggr`", EGNNLayer, 4, 4, aggr="max")
    raises(ValueError, "`head`", EMNN, 1, 3, head="segment")
    raises(ValueError, "`layer`", EMNN, 1, 3, layer="gcn")
    raises(ValueError, "`mode`", GroupAveraged, torch.nn.Identity(), "O", mode="avg")
    raises(ValueError, "`name`.*'Ico'", rotation_group, "I2")
    raises(TypeError, "`name`", rotation_group, 24)
    raises(ValueError, "`frames`", FramePointNet, 3, frames=6)
    raises(ValueError, "`backbone`", GPointNet, 3, backbone="dgcnn")
    raises(TypeError, "`norm`", ReynoldsPointConv, 1, 4, norm="yes")
    raises(ValueError, "`features`", GPointNet, 3, features="normals")
    raises(TypeError, "`weight_dims`", ReynoldsPointConv, 1, 4, weight_dims=(16,))
    raises(ValueError, "`weight_dims\\[1\\]`", ReynoldsPointConv, 1, 4, weight_dims=(8, 0))
    raises(ValueError, "`mode`", face_normals, POS, FACES, "outward")
    raises(TypeError, "`strict`", EMNNLayer, 4, 4, strict="yes")
    raises(TypeError, "`hierarchy`", EMNN, 1, 3, hierarchy="true")
    raises(TypeError, "`flip_winding`", mirror_mesh, S, "False")
    raises(ValueError, "`in_dim`", EGNNLayer, 0, 4)
    raises(TypeError, "`hidden`", EGNNLayer, 4, 4, hidden=3.5)
    raises(TypeError, "`generator`", EGNNLayer, 4, 4, generator=0)

def test_zero_area_strict():
    pos = torch.tensor([[0.0, 0, 0], [1, 0, 0], [2, 0, 0], [0, 1, 0]], dtype=F64)
    faces = torch.tensor([[0, 1, 2], [0, 1, 3]])
    n = face_normals(pos, faces, "proper"); assert torch.isfinite(n).all() and n[0].abs().max() == 0
    raises(ValueError, "face 0", face_normals, pos, faces, "proper", strict=True)
    l = EMNNLayer(2, 2, 8, normals="proper", strict=True).double()
    raises(ValueError, "face 0", l, torch.zeros(4, 2, dtype=F64), pos, Mesh(pos, faces))

def test_layer_inputs():
    l = EMNNLayer(4, 4, 8).double(); h = torch.zeros(42, 4, dtype=F64)
    raises(ValueError, "`h`", l, torch.zeros(40, 4, dtype=F64), POS, S)
    raises(ValueError, "`x`", l, h, POS[:, :2], S)
    raises(ValueError, "`x`.*channel", l, h, torch.stack([POS, POS], 2), S)
    raises(ValueError, "`x`.*channel", EMNNLayer(4, 4, 8, channels=2).double(), h, POS, S)
    raises(TypeError, "`h`.*dtype", l, h.float(), POS.float(), S)
    raises(ValueError, "`h`", l, h * float("inf"), POS, S)
    raises(TypeError, "`mesh`", l, h, POS, "mesh")
    raises(ValueError, "`h`", MeshHierarchy(4).double(), torch.zeros(42, 5, dtype=F64), POS)

def test_groups_bad():
    G = rotation_group("O")
    raises(ValueError, "orthogonal", check_group, G * 1.1)
    raises(ValueError, "shape", check_group, torch.zeros(4, 2, 2, dtype=F64))
    raises(ValueError, "not closed", check_group, G[:20])
    raises(ValueError, "identity", check_group, G[1:2])
    raises(ValueError, "`atol`", check_group, G, atol=float("nan"))
    raises(TypeError, "`group`", GroupAveraged, torch.nn.Identity(), 24)
    raises(ValueError, "`R`", residual_angle, torch.zeros(3, 3, 2, dtype=F64), "O")
    ge = GroupAveraged(lambda X: X.sum(1), "C4", "equivariant")
    raises(ValueError, "`module`", ge, torch.randn(5, 3, dtype=F64))

def test_sampling_bad():
    X = torch.randn(10, 3, dtype=F64)
    raises(ValueError, "`n`", fps, X, 11); raises(ValueError, "`n`", fps, X, 0)
    raises(ValueError, "`k`", knn, X, 11)
    raises(ValueError, "`radius`", ball_query, X, X, -1.0, 4)
    raises(ValueError, "`max_k`", ball_query, X, X, 1.0, 0)
    raises(ValueError, "`x`", fps, torch.randn(10, 2, dtype=F64), 3)
    raises(ValueError, "`start`", fps, X, 3, start="random")
    raises(TypeError, "`x`", knn, X.long(), 3)

def test_utilities_bad(tmp_path):
    raises(ValueError, "`det`", random_orthogonal, 0)
    raises(TypeError, "`generator`", random_orthogonal, 1, 5)
    raises(TypeError, "`dtype`", random_orthogonal, 1, None, torch.int64)
    raises(ValueError, "`perm`", permute_mesh, S, torch.zeros(42, dtype=torch.long))
    raises(ValueError, "`by`", normalize_mesh, S, "area")
    raises(ValueError, "`R`", transform_mesh, S, torch.eye(2, dtype=F64))
    with pytest.raises(FileNotFoundError, match="path="): load_mesh(tmp_path / "none.off")
    (tmp_path / "x.xyz").write_text("0 0 0\n")
    raises(ValueError, "`path`", load_mesh, tmp_path / "x.xyz")
    raises(TypeError, "`path`", load_mesh, 3)
    (tmp_path / "bad.off").write_text("COFF\n1 0 0\n0 0 0\n")
    raises(ValueError, "`path`", load_mesh, tmp_path / "bad.off")

def test_data_bad():
    raises(ValueError, "`n_classes`", synth_star, 1)
    raises(TypeError, "`n_train`", synth_star, 4, 2.5)
    raises(ValueError, "`noise`", synth_star, 4, noise=-0.1)
    raises(TypeError, "`flip_winding`", chiral_pairs, 2, flip_winding=1)
    raises(ValueError, "`max_angle`", articulated_man, max_angle=400)
    raises(ValueError, "`template`", articulated_man, 2, 1, 1, subdiv=1, template="asymmetric")
    raises(ValueError, "`n`", sample_points, S, 0)
    raises(TypeError, "`mesh`", sample_points, POS, 10)
