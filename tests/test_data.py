"Data cache: parsers on tiny files in the real formats, the safety of conversions, and real data when cached."
import gzip, io, json, os, pickle, struct
from pathlib import Path
import numpy as np
import pytest
import torch
from symlearn.data import core as dc
from symlearn.data.core import available, restricted_load, load_npz, fetch_data, SOURCES
from symlearn.data.images import read_idx, load_idx_folder, load_fashion_mnist, load_mnist10k, load_digits, load_mnist
from symlearn.data.har import load_hapt, hapt_windows

def _idx(path, arr):
    arr = np.asarray(arr, np.uint8)
    head = struct.pack(">II", 2051 if arr.ndim == 3 else 2049, len(arr)) + (struct.pack(">II", *arr.shape[1:]) if arr.ndim == 3 else b"")
    with (gzip.open if str(path).endswith(".gz") else open)(path, "wb") as f: f.write(head + arr.tobytes())

def test_idx_folder_roundtrip(tmp_path):
    X = np.arange(3 * 28 * 28, dtype=np.uint64).reshape(3, 28, 28).astype(np.uint8)
    _idx(tmp_path / "train-images-idx3-ubyte.gz", X); _idx(tmp_path / "train-labels-idx1-ubyte.gz", [7, 8, 9])
    Xt, yt = load_fashion_mnist("train", path=tmp_path)
    assert Xt.shape == (3, 28, 28) and Xt.dtype == torch.uint8 and yt.tolist() == [7, 8, 9]
    assert torch.equal(Xt, torch.from_numpy(X))
    assert load_mnist("train", path=tmp_path)[0].shape == (3, 28, 28)   # full MNIST goes through the same reader

def test_idx_truncated_file_named(tmp_path):
    f = tmp_path / "x"; f.write_bytes(struct.pack(">IIII", 2051, 5, 28, 28) + b"\0" * 10)
    with pytest.raises(ValueError, match="x: header says"): read_idx(f)

def test_missing_data_says_how_to_fetch(empty_cache):
    for fn, name in [(load_fashion_mnist, "fashion-mnist"), (load_mnist10k, "mnist10k"), (load_digits, "digits"), (load_hapt, "hapt")]:
        with pytest.raises(FileNotFoundError, match=f"Run: symlearn fetch-data {name}"): fn()
    with pytest.raises(FileNotFoundError, match="not shipped by any package registry"): load_mnist()
    assert not available("fashion-mnist")

def test_unknown_source_named():
    with pytest.raises(ValueError, match="`name` must be a registered data source"): available("imagenet")
    with pytest.raises(ValueError, match="`names` must be source or group names"): dc.resolve(["imagenet"])
    assert set(dc.resolve(["core"])) >= {"fashion-mnist", "mnist10k", "digits", "hapt"}

class _Evil:
    def __reduce__(self): return (os.system, ("true",))

@pytest.mark.parametrize("obj", [_Evil(), {"f": print}, torch.nn.Linear(2, 2)])
def test_restricted_unpickler_refuses_code(obj):
    with pytest.raises(pickle.UnpicklingError, match="refusing to unpickle"):
        restricted_load(io.BytesIO(pickle.dumps(obj)))

def test_npz_never_unpickles(tmp_path):
    np.save(tmp_path / "o.npy", np.array([{"a": 1}], dtype=object), allow_pickle=True)
    np.savez(tmp_path / "o.npz", x=np.array([{"a": 1}], dtype=object))
    with pytest.raises(ValueError): load_npz(tmp_path / "o.npz")
    np.savez(tmp_path / "ok.npz", x=np.ones(2))
    with pytest.raises(ValueError, match="missing arrays \\['y'\\]"): load_npz(tmp_path / "ok.npz", ["x", "y"])

def test_fetch_hash_mismatch_is_an_error(tmp_path):
    f = tmp_path / "pkg.deb"; f.write_bytes(b"not the package")
    with pytest.raises(ValueError, match="pkg.deb: SHA-256 mismatch"): dc.check_sha256(f, "0" * 64)

def test_hapt_windows_grid():
    lab = np.r_[np.full(300, 5), np.full(100, 7), np.full(200, 1)].astype(np.int8)
    rec = {"signals": np.arange(600 * 6, dtype=np.float32).reshape(600, 6), "labels": lab,
           "rec_offsets": np.array([0, 600]), "rec_subject": np.array([2], np.int16)}
    X, y, s = hapt_windows(rec)
    assert X.shape == (4, 128, 6) and y.tolist() == [4, 4, 4, 0]   # grid starts 0,64,128 in the label-5 run; 448 in the label-1 run
    assert np.array_equal(X[1, 0], rec["signals"][64])
    with pytest.raises(ValueError, match="`overlap` must be in"): hapt_windows(rec, overlap=1.0)

# ---- real data: run when `symlearn fetch-data core` has filled the cache (CI does), skip with a reason otherwise
realdata = pytest.mark.realdata

@realdata
@pytest.mark.skipif(not available("fashion-mnist"), reason="Fashion-MNIST not cached: symlearn fetch-data fashion-mnist")
def test_fashion_mnist_real():
    Xtr, ytr = load_fashion_mnist("train"); Xte, yte = load_fashion_mnist("test")
    assert Xtr.shape == (60000, 28, 28) and Xte.shape == (10000, 28, 28)
    assert torch.bincount(ytr).tolist() == [6000] * 10
    assert abs(Xtr.float().mean().item() - 72.94) < 0.01
    assert dc.verify_source("fashion-mnist")

@realdata
@pytest.mark.skipif(not available("mnist10k"), reason="MNIST-10k not cached: symlearn fetch-data mnist10k")
def test_mnist10k_real():
    X, y = load_mnist10k("all")
    assert X.shape == (10000, 28, 28)
    assert torch.bincount(y).tolist() == [1001, 1127, 991, 1032, 980, 863, 1014, 1070, 944, 978]
    assert len(load_mnist10k("train")[1]) == 8000 and len(load_mnist10k("test")[1]) == 2000

@realdata
@pytest.mark.skipif(not available("digits"), reason="digits not cached: symlearn fetch-data digits")
def test_digits_real():
    X, y = load_digits()
    assert X.shape == (1797, 8, 8) and torch.bincount(y).tolist()[:3] == [178, 182, 177]

@realdata
@pytest.mark.skipif(not available("hapt"), reason="UCI HAPT not cached: symlearn fetch-data hapt")
def test_hapt_real():
    X, y, s = load_hapt("all")
    assert X.shape == (10017, 128, 6) and X.dtype == torch.float32
    assert torch.bincount(y).tolist() == [1660, 1468, 1317, 1736, 1926, 1910]
    assert len(torch.unique(s)) == 30
    assert [len(load_hapt(sp)[1]) for sp in ("train", "test")] == [7143, 2874]
    assert load_hapt("all", activities="all")[1].max().item() == 11

@realdata
@pytest.mark.skipif(not available("har-watch"), reason="seglearn watch data not cached: symlearn fetch-data har-watch")
def test_watch_real():
    from symlearn.data.har import load_watch
    recs, y, s = load_watch()
    assert len(recs) == 140 and all(r.shape[1] == 6 for r in recs)
    assert min(len(r) for r in recs) == 947 and max(len(r) for r in recs) == 2618
    assert torch.bincount(y).tolist() == [20] * 7 and len(torch.unique(s)) == 10

@realdata
@pytest.mark.skipif(not available("basicmotions"), reason="BasicMotions not cached: symlearn fetch-data basicmotions")
def test_basicmotions_real():
    from symlearn.data.har import load_uea
    for sp in ("train", "test"):
        X, y, cls = load_uea("BasicMotions", sp)
        assert X.shape == (40, 100, 6) and torch.bincount(y).tolist() == [10] * 4
    assert sorted(cls) == ["Badminton", "Running", "Standing", "Walking"]
