"Real meshes: loader on tiny OFF/PLY files, missing-cache messages, the fetch skipping cleanly without apt-get, and the cached meshes when present."
import math
import pytest
import torch
from symlearn.core import tolerance
from symlearn.data import core as dc
from symlearn.data.core import available, fetch_data, resolve, read_manifest
from symlearn.data.meshes import REAL_MESHES, list_real_meshes, real_mesh_path, load_real_mesh, load_real_meshes
from symlearn.geometric.mesh import face_area, signed_volume, vertex_area

TETRA = "OFF\n4 4 0\n0 0 0\n1 0 0\n0 1 0\n0 0 1\n3 0 2 1\n3 0 1 3\n3 0 3 2\n3 1 2 3\n"

def test_groups_and_sources():
    assert set(resolve(["meshes"])) == {"cgal-meshes", "pyvista-meshes"}
    assert {"cgal-meshes", "pyvista-meshes"} <= set(resolve(["core"]))
    for s in ("cgal-meshes", "pyvista-meshes"):
        assert "==" in dc.SOURCES[s].package and dc.SOURCES[s].files
    assert set(list_real_meshes()) == set(REAL_MESHES) and {"cow", "homer", "bunny", "armadillo", "ant", "airplane"} <= set(REAL_MESHES)

def test_missing_cache_says_how_to_fetch(empty_cache):
    with pytest.raises(FileNotFoundError, match="Run: symlearn fetch-data cgal-meshes"): load_real_mesh("cow")
    with pytest.raises(FileNotFoundError, match="Run: symlearn fetch-data pyvista-meshes"): real_mesh_path("ant")
    assert list_real_meshes(cached=True) == [] and load_real_meshes() == {} and not available("cgal-meshes")

def test_path_reads_folder_or_file(tmp_path):
    (tmp_path / "cow.off").write_text(TETRA)
    m = load_real_mesh("cow", path=tmp_path)
    assert (m.n_vertices, m.n_faces) == (4, 4) and m.pos.dtype == torch.float64
    assert signed_volume(m).item() > 0                                    # outward winding kept as in the file
    m32 = load_real_mesh("cow", path=tmp_path / "cow.off", dtype=torch.float32, normalize=True)
    assert m32.pos.dtype == torch.float32
    assert abs(m32.pos.norm(dim=1).max().item() - 1) <= tolerance(torch.float32, n_terms=8)
    with pytest.raises(FileNotFoundError, match="`path` must be a folder holding homer.off"): load_real_mesh("homer", path=tmp_path)

@pytest.mark.parametrize("call,err,msg", [
    (lambda: load_real_mesh("teapot"), ValueError, "`name` must be one of"),
    (lambda: load_real_mesh(3), (ValueError, TypeError), "`name`"),
    (lambda: load_real_mesh("cow", normalize="true"), (ValueError, TypeError), "`normalize`"),
    (lambda: load_real_mesh("cow", path=1.5), TypeError, "`path` must be a folder or file path"),
    (lambda: load_real_meshes("cow"), TypeError, "`names` must be a list"),
    (lambda: load_real_meshes(["cow", "teapot"]), ValueError, "`names` must be one of"),
    (lambda: load_real_meshes(max_vertices=-1), ValueError, "`max_vertices`"),
    (lambda: list_real_meshes(cached="no"), (ValueError, TypeError), "`cached`"),
])
def test_bad_input_named(call, err, msg):
    with pytest.raises(err, match=msg): call()

def test_fetch_without_apt_get_fails_cleanly(empty_cache, monkeypatch):
    real_which = dc.shutil.which
    monkeypatch.setattr(dc.shutil, "which", lambda c: None if c == "apt-get" else real_which(c))
    st = fetch_data(["cgal-meshes"], log=lambda *_: None)
    assert "`apt-get` is not installed" in st["cgal-meshes"]
    assert not (empty_cache / "meshes" / "cgal").exists() and read_manifest(empty_cache) == []   # nothing half-written
    assert not list((empty_cache).glob(".fetch-*"))

# ---- real data: run when `symlearn fetch-data core` (or `meshes`) has filled the cache, skip with a reason otherwise
@pytest.mark.realdata
@pytest.mark.skipif(not (available("cgal-meshes") and available("pyvista-meshes")), reason="real meshes not cached: symlearn fetch-data meshes")
def test_real_meshes():
    assert dc.verify_source("cgal-meshes") and dc.verify_source("pyvista-meshes")
    for n, (_, _, nv, nf, _) in REAL_MESHES.items():
        m = load_real_mesh(n)                                             # checks the recorded counts itself
        assert (m.n_vertices, m.n_faces) == (nv, nf) and torch.isfinite(m.pos).all()
    for n in ("cow", "homer", "camel", "elephant", "ant"):                # closed and wound outward
        assert signed_volume(load_real_mesh(n)).item() > 0
    s = load_real_mesh("sphere", normalize=True)                          # a polyhedral sphere: area just under 4π
    area = face_area(s.pos, s.faces).sum().item()
    assert 0.95 * 4 * math.pi < area < 4 * math.pi
    small = load_real_meshes(max_vertices=3000, dtype=torch.float32)
    assert set(small) == {n for n, r in REAL_MESHES.items() if r[2] <= 3000} and all(m.pos.dtype == torch.float32 for m in small.values())
    assert (vertex_area(small["cow"]) > 0).all()
