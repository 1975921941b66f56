"Sphere point sets: lat/lon embedding, CSV reading with varied column names, xlsx conversion, the cached volcano list."
import numpy as np
import pytest
import torch
from symlearn.core import tolerance
from symlearn.data.core import available
from symlearn.data.sphere import latlon_to_unit, read_latlon_csv, load_sphere_points, xlsx_to_csv

def test_embedding_known_points_and_geodesics():
    X = latlon_to_unit([[0, 0], [0, 90], [90, 0], [45, 45]])
    assert torch.allclose(X[:3], torch.eye(3, dtype=torch.float64)[[0, 1, 2]], rtol=0, atol=tolerance(X, n_terms=4))
    assert torch.allclose(X.norm(dim=-1), torch.ones(4, dtype=torch.float64), rtol=0, atol=tolerance(X, n_terms=4))
    # great-circle angle between two points equals the spherical law of cosines
    rng = np.random.default_rng(0); ll = np.c_[rng.uniform(-90, 90, 50), rng.uniform(-180, 180, 50)]
    U = latlon_to_unit(ll); p, l = np.deg2rad(ll[:, 0]), np.deg2rad(ll[:, 1])
    cos = np.sin(p[0]) * np.sin(p) + np.cos(p[0]) * np.cos(p) * np.cos(l - l[0])
    assert np.allclose((U @ U[0]).numpy(), cos, rtol=0, atol=tolerance(U, n_terms=3 * 4))

def test_longitude_conventions_agree():
    assert torch.allclose(latlon_to_unit([[-20, 181.5]]), latlon_to_unit([[-20, -178.5]]), rtol=0, atol=tolerance(torch.float64, n_terms=4))

@pytest.mark.parametrize("bad,msg", [([[95, 0]], "latitudes"), ([[0, 400]], "longitudes"), ([[np.nan, 0]], "finite"), ([[1, 2, 3]], "shape")])
def test_embedding_rejects_bad_input(bad, msg):
    with pytest.raises(ValueError, match=msg): latlon_to_unit(bad)

@pytest.mark.parametrize("header", ["lat,lon", "Latitude,Longitude", '"latitude","longitude"', "LAT,long", "lat,lng"])
def test_csv_columns_found_by_name(tmp_path, header):
    f = tmp_path / "p.csv"; a, b = header.split(",")
    f.write_text(f"id,{b},{a}\n1,10,20\n2,-30,-40\n")          # longitude column first: found by name, not position
    ll, dropped = read_latlon_csv(f)
    assert ll.tolist() == [[20, 10], [-40, -30]] and dropped == 0

def test_csv_drops_incomplete_rows_and_names_the_file(tmp_path):
    f = tmp_path / "cat.csv"; f.write_text("lat,lon\n1,2\n,3\nx,4\n5\n")
    ll, dropped = read_latlon_csv(f); assert ll.tolist() == [[1, 2]] and dropped == 3
    f.write_text("a,b\n1,2\n")
    with pytest.raises(ValueError, match="cat.csv: no latitude column"): read_latlon_csv(f)
    f.write_text("lat,lon\n,\n")
    with pytest.raises(ValueError, match="cat.csv: no row"): read_latlon_csv(f)
    with pytest.raises(FileNotFoundError): load_sphere_points(path=tmp_path / "absent.csv")

def test_missing_cache_says_how_to_fetch(empty_cache):
    with pytest.raises(FileNotFoundError, match="symlearn fetch-data volcanoes"): load_sphere_points()
    with pytest.raises(ValueError, match="name"): load_sphere_points("fires")

def test_xlsx_conversion(tmp_path):
    openpyxl = pytest.importorskip("openpyxl")
    wb = openpyxl.Workbook(); ws = wb.active
    for r in (["volcano_name", "latitude", "longitude", "elevation_m"], ["A", 1.5, -2.0, None], ["B", -3.0, 4.25, 100]): ws.append(r)
    wb.save(tmp_path / "v.xlsx")
    assert xlsx_to_csv(tmp_path / "v.xlsx", tmp_path / "v.csv") == 2
    X = load_sphere_points(path=tmp_path / "v.csv", dtype=torch.float32)
    assert X.dtype == torch.float32 and torch.allclose(X.double(), latlon_to_unit([[1.5, -2.0], [-3.0, 4.25]]), atol=1e-7)

@pytest.mark.realdata
@pytest.mark.skipif(not available("volcanoes"), reason="run: symlearn fetch-data volcanoes")
def test_volcanoes_real():
    V = load_sphere_points("volcanoes")
    assert V.shape == (1250, 3) and V.dtype == torch.float32         # the library's default float dtype
    assert torch.allclose(V.norm(dim=-1), torch.ones(len(V)), rtol=0, atol=tolerance(V, n_terms=4))
    assert load_sphere_points("volcanoes", dtype=torch.float64).dtype == torch.float64
    lat = torch.rad2deg(torch.asin(V[:, 2]))
    assert (lat > 0).float().mean() > 0.5           # most Holocene volcanoes are in the northern hemisphere
