"Photos: decoding to [3,H,W] in [0,1], resizing, pixel sampling, and the cached images."
import numpy as np
import pytest
import torch
from symlearn.core import make_generator
from symlearn.data.core import available, SOURCES
from symlearn.data.photos import read_image, load_photo, image_pixels, photo_names

PIL = pytest.importorskip("PIL.Image")

def test_png_and_jpeg_roundtrip(tmp_path):
    rng = np.random.default_rng(0); a = rng.integers(0, 256, (7, 9, 3), dtype=np.uint8)
    PIL.fromarray(a).save(tmp_path / "a.png")
    im = read_image(tmp_path / "a.png")
    assert im.shape == (3, 7, 9) and im.dtype == torch.float32
    assert torch.equal((im * 255).round().to(torch.uint8).permute(1, 2, 0), torch.from_numpy(a))   # lossless PNG: exact
    PIL.fromarray(np.full((8, 8, 3), 200, np.uint8)).save(tmp_path / "b.jpg", quality=95)
    assert torch.allclose(read_image(tmp_path / "b.jpg"), torch.full((3, 8, 8), 200 / 255), atol=2 / 255)

def test_rgba_and_resize(tmp_path):
    a = np.zeros((40, 100, 4), np.uint8); a[..., 1] = 255; a[..., 3] = 7
    PIL.fromarray(a, "RGBA").save(tmp_path / "c.png")
    im = read_image(tmp_path / "c.png", max_size=25, dtype=torch.float64)
    assert im.shape == (3, 10, 25) and im.dtype == torch.float64 and torch.all(im[1] == 1) and torch.all(im[0] == 0)
    assert read_image(tmp_path / "c.png", max_size=1000).shape == (3, 40, 100)     # never upscaled
    assert load_photo(path=tmp_path / "c.png").shape == (3, 40, 100)

def test_pixel_sampling():
    im = torch.rand(3, 6, 5, generator=make_generator(0), dtype=torch.float64)
    allp = image_pixels(im); assert allp.shape == (30, 3) and torch.equal(allp[7], im[:, 1, 2])
    P = image_pixels(im, 12, make_generator(3))
    assert torch.equal(P, image_pixels(im, 12, make_generator(3))) and not torch.equal(P, image_pixels(im, 12, make_generator(4)))
    rows = {tuple(r) for r in allp.tolist()}; assert all(tuple(r) in rows for r in P.tolist())
    assert len({tuple(r) for r in P.tolist()}) == 12
    with pytest.raises(ValueError, match="n"): image_pixels(im, 31)
    with pytest.raises(ValueError, match="img"): image_pixels(im[None])

def test_sources_and_missing(empty_cache):
    assert SOURCES["photos"].groups == ("core",) and SOURCES["opencv-samples"].groups == ("images",)
    assert photo_names()["starry_night"] == "opencv-samples"
    with pytest.raises(FileNotFoundError, match="fetch-data opencv-samples"): load_photo("starry_night")
    with pytest.raises(FileNotFoundError, match="fetch-data photos"): load_photo("coffee")
    with pytest.raises(ValueError, match="name"): load_photo("lena")

@pytest.mark.realdata
@pytest.mark.skipif(not available("photos"), reason="run: symlearn fetch-data photos")
def test_skimage_photos_real():
    shapes = {"astronaut": (512, 512), "chelsea": (300, 451), "coffee": (400, 600), "rocket": (427, 640)}
    for k, hw in shapes.items():
        im = load_photo(k); assert im.shape == (3, *hw) and 0 <= im.min() and im.max() <= 1 and im.std() > 0.1

@pytest.mark.realdata
@pytest.mark.skipif(not available("opencv-samples"), reason="run: symlearn fetch-data opencv-samples (group images)")
def test_starry_night_real():
    im = load_photo("starry_night"); assert im.shape == (3, 600, 752)
    assert im[2].mean() > im[0].mean()               # a blue painting
