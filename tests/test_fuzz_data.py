"Fuzzing the data chapter's public functions that run without network or cache: valid input gives finite output, invalid input a ValueError/TypeError naming the argument."
import gzip, math, tempfile
from pathlib import Path
import numpy as np
import pytest
import torch
from hypothesis import given, strategies as st
import symlearn.data as D
from _fuzz import run_case, Bad, NAN_T, LONG_T, NDIM_T, EMPTY_T, POSINT_BAD, FLAG_BAD, GEN_BAD, DTYPE_BAD, sizes, dtype, gen, randn

TMP = Path(tempfile.mkdtemp(prefix="symlearn-fuzz-data-"))
CSV = TMP / "pts.csv"; CSV.write_text("name,latitude,longitude\na,10,20\nb,-45.5,181\nc,90,-180\nd,x,3\n")
DIGITS = TMP / "digits.csv.gz"
with gzip.open(DIGITS, "wt") as f:
    for i in range(5): f.write(",".join(str((i + j) % 17) for j in range(64)) + f",{i}\n")
TXT = TMP / "t.txt"; TXT.write_text("In the beginning\nwas the word\nand the word was with it\n" * 5)
PNG = TMP / "im.png"
from PIL import Image
Image.fromarray((np.arange(5 * 7 * 3) % 255).astype(np.uint8).reshape(5, 7, 3)).save(PNG)
NPZ = TMP / "a.npz"; np.savez(NPZ, x=np.arange(3), y=np.ones(2))

import io, pickle, struct, zipfile
IDX = TMP / "idx"; IDX.mkdir()
for stem, arr in (("train-images-idx3-ubyte", np.arange(3 * 4 * 5, dtype=np.uint8).reshape(3, 4, 5)), ("train-labels-idx1-ubyte", np.array([1, 2, 3], np.uint8))):
    hdr = struct.pack(">II", 2051 if arr.ndim == 3 else 2049, arr.shape[0]) + (struct.pack(">II", *arr.shape[1:]) if arr.ndim == 3 else b"")
    (IDX / stem).write_bytes(hdr + arr.tobytes())
ZIP = TMP / "a.zip"
with zipfile.ZipFile(ZIP, "w") as z: z.writestr("pkg/data/x.txt", "hello"); z.writestr("pkg/other.txt", "x")
BROWN = TMP / "brown"; BROWN.mkdir()
(BROWN / "ca01.txt").write_text("The jury said\nit was fine\n"); (BROWN / "cr02.txt").write_text("A joke\n")
PKL = pickle.dumps({"a": np.arange(4.0), "b": [1, 2]})
MESHES = TMP / "meshes"; MESHES.mkdir()
(MESHES / "cow.off").write_text("OFF\n4 4 0\n0 0 0\n1 0 0\n0 1 0\n0 0 1\n3 0 2 1\n3 0 1 3\n3 0 3 2\n3 1 2 3\n")

def b_latlon(draw):
    n = sizes(draw, 1, 5)
    ll = np.c_[np.array([draw(st.floats(-90, 90)) for _ in range(n)]), np.array([draw(st.floats(-180, 360)) for _ in range(n)])]
    return D.latlon_to_unit, dict(latlon=ll, dtype=dtype(draw))
def b_readcsv(draw): return D.read_latlon_csv, dict(path=CSV, lat_col=draw(st.sampled_from([None, "latitude"])), lon_col=None)
def b_sphere(draw): return D.load_sphere_points, dict(name="volcanoes", path=CSV, dtype=draw(st.sampled_from([None, torch.float32, torch.float64])))
def b_split(draw):
    y = np.array([draw(st.integers(0, 3)) for _ in range(sizes(draw, 1, 30))])
    return D.stratified_split, dict(y=y, test_frac=draw(st.floats(0, 1)), seed=draw(st.integers(0, 100)))
def b_digits(draw): return D.load_digits, dict(path=DIGITS, dtype=draw(st.sampled_from([None, torch.float64])))
def b_windows(draw):
    lab = np.array([draw(st.integers(0, 3)) for _ in range(sizes(draw, 0, 40))], dtype=np.int64)
    return D.window_starts, dict(labels=lab, window=sizes(draw, 1, 6), step=sizes(draw, 1, 4), keep={1, 2})
def b_hapt(draw):
    T = sizes(draw, 10, 60); offs = np.array([0, T // 2, T])
    rec = dict(signals=np.random.default_rng(draw(st.integers(0, 99))).normal(size=(T, 6)).astype(np.float32),
               labels=np.array([draw(st.integers(1, 12)) for _ in range(T)]) * 0 + draw(st.integers(1, 12)), rec_offsets=offs, rec_subject=np.array([1, 2]))
    return D.hapt_windows, dict(rec=rec, window=sizes(draw, 2, 8), overlap=draw(st.sampled_from([0.0, 0.5, 0.9])), activities=draw(st.sampled_from(["basic", "all"])))
def b_read_image(draw): return D.read_image, dict(path=PNG, max_size=draw(st.sampled_from([None, 1, 3, 100])), dtype=draw(st.sampled_from([None, torch.float64])))
def b_load_photo(draw): return D.load_photo, dict(name="astronaut", path=PNG, max_size=draw(st.sampled_from([None, 4])), dtype=None)
def b_pixels(draw):
    im = torch.rand(3, sizes(draw, 1, 4), sizes(draw, 1, 4), generator=gen(draw), dtype=dtype(draw))
    return D.image_pixels, dict(img=im, n=draw(st.sampled_from([None, 1, im.shape[1] * im.shape[2]])), generator=gen(draw))
TEXT = st.text(alphabet="ab c\nxyz/NN", min_size=1, max_size=30)
def b_vocab(draw): return D.char_vocab, dict(text=draw(TEXT))
def b_encode(draw):
    t = draw(TEXT); return D.encode_chars, dict(text=t, vocab=D.char_vocab(t + "q"))
def b_decode(draw):
    v = D.char_vocab(draw(TEXT)); return D.decode_chars, dict(ids=torch.randint(0, len(v), (sizes(draw, 0, 6),), generator=gen(draw)), vocab=v)
def b_untag(draw): return D.untag_brown, dict(text=draw(TEXT))
def b_strip(draw): return D.strip_verse_numbers, dict(text=draw(TEXT))
def b_load_text(draw): return D.load_text, dict(name="brown", path=TXT)
def b_text_split(draw): return D.text_split, dict(name="brown", path=TXT, valid_frac=draw(st.sampled_from([0.1, 0.5, 0.9])))
def b_corpus(draw): return D.load_char_corpus, dict(name="brown", path=TXT, valid_frac=draw(st.sampled_from([0.1, 0.5])))
def b_npz(draw): return D.load_npz, dict(path=NPZ, keys=draw(st.sampled_from([(), ("x",), ("x", "y")])))
def b_sha(draw): return D.sha256, dict(path=draw(st.sampled_from([NPZ, TXT])))
def b_resolve(draw): return D.resolve, dict(names=draw(st.sampled_from([["core"], ["digits"], ["all"], ["digits", "brown"]])))
def b_available(draw): return D.available, dict(name=draw(st.sampled_from(["digits", "brown", "volcanoes"])))
def b_names(draw): return D.photo_names, dict()
# loaders that need the cache: only invalid arguments are fuzzed (a valid call reads or reports the missing cache)
def b_fashion(draw): return D.load_fashion_mnist, dict(split="train", path=None)
def b_mnist10k(draw): return D.load_mnist10k, dict(split="train")
def b_hapt_load(draw): return D.load_hapt, dict(split="train", window=128, overlap=0.5, activities="basic")
def b_uea(draw): return D.load_uea, dict(name="BasicMotions", split="train")

def b_data_dir(draw): return D.data_dir, dict()
def b_missing(draw): return D.missing, dict(name=draw(st.sampled_from(["digits", "brown", "nope"])), what="X", path_hint="")
def b_checksha(draw):
    f = draw(st.sampled_from([NPZ, TXT])); return D.check_sha256, dict(path=f, expected=D.sha256(f))
def b_extract(draw): return D.extract_member, dict(archive=ZIP, member_suffix="data/x.txt", dest=TMP / f"out{draw(st.integers(0, 3))}.txt")
def b_manifest(draw): return D.read_manifest, dict(root=TMP)
def b_verify(draw): return D.verify_source, dict(name=draw(st.sampled_from(["digits", "brown"])), root=TMP)
def b_read_idx(draw): return D.read_idx, dict(path=IDX / draw(st.sampled_from(["train-images-idx3-ubyte", "train-labels-idx1-ubyte"])))
def b_idx_folder(draw): return D.load_idx_folder, dict(folder=IDX, split="train")
def b_mnist(draw): return D.load_mnist, dict(split="train", path=IDX)
def b_brown(draw): return D.brown_documents, dict(path=BROWN)
def b_brown_s(draw): return D.brown_sentences, dict(path=BROWN)
def b_rload(draw): return D.restricted_load, dict(f=io.BytesIO(PKL))

def b_list_meshes(draw): return D.list_real_meshes, dict(cached=draw(st.booleans()))
def b_mesh_path(draw): return D.real_mesh_path, dict(name="cow", path=draw(st.sampled_from([MESHES, str(MESHES), MESHES / "cow.off"])))
def b_load_mesh(draw):
    return D.load_real_mesh, dict(name="cow", path=MESHES, normalize=draw(st.booleans()), process=draw(st.booleans()), dtype=dtype(draw))
def b_load_meshes(draw):      # whatever of the small meshes is cached (nothing without the cache)
    return D.load_real_meshes, dict(names=draw(st.sampled_from([None, ["ant"], ["pig", "sphere"]])), max_vertices=draw(st.integers(3, 600)),
                                    normalize=draw(st.booleans()), dtype=dtype(draw))

CASES = {
    "latlon_to_unit": (b_latlon, dict(latlon=[[[95.0, 0.0]], [[0.0, 400.0]], [[math.nan, 0.0]], [[1, 2, 3]], [], "x", [["a", "b"]]], dtype=DTYPE_BAD)),
    "read_latlon_csv": (b_readcsv, dict(lat_col=["nope", 3])),
    "load_sphere_points": (b_sphere, dict(name=["quakes", 3], dtype=DTYPE_BAD, lat_col=["nope"])),
    "stratified_split": (b_split, dict(y=[np.zeros(4), np.zeros((2, 2), int), np.zeros(0, int), "y"], test_frac=[-0.1, 1.5, math.nan, "x"], seed=[-1, 1.5, "s"])),
    "load_digits": (b_digits, dict(dtype=DTYPE_BAD)),
    "window_starts": (b_windows, dict(labels=[np.zeros((2, 2), int), np.zeros(3), "l"], window=POSINT_BAD, step=POSINT_BAD, keep=[3, "ab"])),
    "hapt_windows": (b_hapt, dict(rec=[{}, "rec", None], window=[1, 0, 2.5, "8"], overlap=[1.0, -0.1, math.nan], activities=["some", 1])),
    "read_image": (b_read_image, dict(max_size=[0, -1, 2.5, "3"], dtype=DTYPE_BAD)),
    "load_photo": (b_load_photo, dict(name=["lena", 3], max_size=[0, 2.5], dtype=DTYPE_BAD)),
    "image_pixels": (b_pixels, dict(img=[NAN_T, LONG_T, Bad(lambda i: i[:2], "2 channels"), Bad(lambda i: i[0], "2-D"), "img"], n=[0, -1, 10**6, 2.5], generator=GEN_BAD)),
    "char_vocab": (b_vocab, dict(text=[3, None, b"ab"])),
    "encode_chars": (b_encode, dict(text=[3, None, "\u2603"], vocab=["", 3, None])),
    "decode_chars": (b_decode, dict(ids=[torch.tensor([1000]), torch.tensor([-1]), Bad(lambda i: i.double(), "float"), "ids"], vocab=["", 3])),
    "untag_brown": (b_untag, dict(text=[3, None, b"a/NN"])),
    "strip_verse_numbers": (b_strip, dict(text=[3, None])),
    "load_text": (b_load_text, dict(name=["bogus", 3])),
    "text_split": (b_text_split, dict(name=["bogus", 3], valid_frac=[0.0, 1.0, -1.0, math.nan, "x"])),
    "load_char_corpus": (b_corpus, dict(valid_frac=[0.0, 1.0, math.nan])),
    "load_npz": (b_npz, dict(keys=[("z",)])),
    "sha256": (b_sha, dict()),
    "resolve": (b_resolve, dict(names=["core", 3, ["bogus"], [3]])),
    "available": (b_available, dict(name=["bogus", 3, None])),
    "photo_names": (b_names, dict()),
    "data_dir": (b_data_dir, dict()),
    "missing": (b_missing, dict()),
    "check_sha256": (b_checksha, dict(expected=["0" * 64])),
    "extract_member": (b_extract, dict()),
    "read_manifest": (b_manifest, dict()),
    "verify_source": (b_verify, dict()),
    "read_idx": (b_read_idx, dict()),
    "load_idx_folder": (b_idx_folder, dict(split=["bogus", 3])),
    "load_mnist": (b_mnist, dict(split=["bogus", None])),
    "brown_documents": (b_brown, dict()),
    "brown_sentences": (b_brown_s, dict()),
    "restricted_load": (b_rload, dict()),
    "load_fashion_mnist": (b_fashion, dict(split=["bogus", 3, None])),
    "load_mnist10k": (b_mnist10k, dict(split=["bogus", None])),
    "load_hapt": (b_hapt_load, dict(split=["bogus"], window=[1, 0, "x"], overlap=[1.0, math.nan], activities=["some"])),
    "list_real_meshes": (b_list_meshes, dict(cached=FLAG_BAD)),
    "real_mesh_path": (b_mesh_path, dict(name=["horse", 3, None], path=[3, 1.5, ["x"]])),
    "load_real_mesh": (b_load_mesh, dict(name=["horse", 3], path=[3], normalize=FLAG_BAD, dtype=DTYPE_BAD)),
    "load_real_meshes": (b_load_meshes, dict(names=["cow", 3, ["horse"]], max_vertices=[2, 2.5, "3", True], normalize=FLAG_BAD, dtype=DTYPE_BAD)),
    "load_uea": (b_uea, dict(name=[3, None, "", "../x"], split=["dev"])),
}
VALID_NEEDS_CACHE = {"load_fashion_mnist", "load_mnist10k", "load_hapt", "load_uea"}
NOT_FUZZED = {  # constants, classes, and functions that download packages or need package files/archives or the pretrained models
    "SOURCES", "MANIFEST", "Source", "source", "Stub", "RestrictedUnpickler", "FASHION_CLASSES", "HAPT_CHANNELS", "HAPT_ACTIVITIES",
    "UCI_HAR_TEST_SUBJECTS", "UCI_HAR_SIGNALS", "WATCH_EXERCISES", "SPHERE_SETS", "SKIMAGE_PHOTOS", "OPENCV_PHOTOS", "SMOLLM2_FILE",
    "BROWN_GENRES", "TEXTS", "REAL_MESHES", "apt_download", "npm_pack", "pip_download",
    "fetch_data", "convert_hapt_pickle",
    "read_hapt_rawdata", "load_uci_har", "convert_watch_npy", "load_watch", "read_uea_arff", "xlsx_to_csv", "load_minilm",
    "minilm_tokenizer", "smollm2_path", "load_smollm2"}

@pytest.mark.parametrize("name", sorted(CASES))
@given(data=st.data())
def test_fuzz_data(name, data, tmp_path_factory):
    build, spoil = CASES[name]
    if name in VALID_NEEDS_CACHE:          # an empty cache: valid calls must report it, never fail elsewhere
        import os
        os.environ["SYMLEARN_DATA"] = str(TMP / "empty-cache")
        try:
            fn, kw = build(data.draw)
            name_ = data.draw(st.sampled_from([None] + sorted(spoil)), label="spoiled argument")
            if name_ is None:
                with pytest.raises(FileNotFoundError, match="symlearn fetch-data"): fn(**kw)
            else:
                kw[name_] = data.draw(st.sampled_from(spoil[name_]), label=f"bad {name_}")
                from _badinput import refused
                refused(lambda: fn(**kw), name_)
        finally: os.environ.pop("SYMLEARN_DATA", None)
        return
    run_case(data, build, spoil)

def test_every_public_data_function_is_fuzzed():
    missing = [n for n in D.__all__ if n not in CASES and n not in NOT_FUZZED]
    assert not missing, missing

def test_missing_files_raise_file_not_found():
    "A path that does not exist is a FileNotFoundError naming the file (not a ValueError)."
    for fn, kw in [(D.read_latlon_csv, dict(path=TMP / "absent.csv")), (D.load_digits, dict(path=TMP / "absent.csv")),
                   (D.read_image, dict(path=TMP / "absent.png")), (D.load_text, dict(path=TMP / "absent.txt")),
                   (D.sha256, dict(path=TMP / "absent"))]:
        with pytest.raises(FileNotFoundError, match="absent"): fn(**kw)
