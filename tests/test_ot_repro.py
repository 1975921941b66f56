"Pieces of the colour-transfer, volcano and generator reproductions: recolouring against a brute-force reference, generator training determinism, registration."
import pytest
import torch
from symlearn.core import make_generator
from symlearn.experiments import discover
from symlearn.ot.repro_colour import recolour, colour_methods
from symlearn.ot.repro_generator import mlp_generator, train_generator, generator_losses
from symlearn.ot.flow import w2_exact

def test_registered():
    assert {"colour-transfer", "sw-generator", "stsw-volcano"} <= set(discover()["repro"])

@pytest.mark.parametrize("chunk", [1, 7, 10_000])
def test_recolour_matches_bruteforce(chunk):
    g = make_generator(0)
    img = torch.rand(3, 9, 11, generator=g, dtype=torch.float64)
    A = torch.rand(6, 3, generator=g, dtype=torch.float64); M = torch.rand(6, 3, generator=g, dtype=torch.float64)
    out = recolour(img, A, M, chunk=chunk)
    P = img.reshape(3, -1).T
    ref = torch.stack([M[min(range(6), key=lambda j: float(((p - A[j]) ** 2).sum()))] for p in P])   # slow readable reference
    assert torch.equal(out.reshape(3, -1).T, ref)

def test_recolour_identity_and_bad_input():
    img = torch.rand(3, 4, 5, generator=make_generator(1))
    P = img.reshape(3, -1).T
    assert torch.equal(recolour(img, P, P), img)
    with pytest.raises(ValueError, match="moved"): recolour(img, P, P[:3])
    with pytest.raises(ValueError, match="img"): recolour(img[0], P, P)

def test_losses_decrease_on_a_colour_flow():
    g = make_generator(2)
    X = torch.rand(100, 3, generator=g) * 0.5; Y = 0.5 + torch.rand(100, 3, generator=g) * 0.5
    for name, f in colour_methods().items():
        Z = X.clone().requires_grad_(True); opt = torch.optim.Adam([Z], lr=0.03)
        w0 = w2_exact(Z.detach(), Y)
        for _ in range(40):
            opt.zero_grad(); f(Z, Y, generator=g).backward(); opt.step()
        assert w2_exact(Z.detach(), Y) < 0.5 * w0, name

def test_generator_training_is_deterministic_and_learns():
    X = torch.rand(300, 6, generator=make_generator(3)) * 0.2 + 0.05   # far from the initial outputs (~0.5)
    for name, f in generator_losses(lines=8).items():
        ev = lambda G: w2_exact(G(torch.randn(100, 4, generator=make_generator(9))), X[:100])
        r1 = train_generator(X, f, steps=40, seed=5, eval_fn=ev, eval_every=40, batch=32, lr=1e-2, latent=4)
        r2 = train_generator(X, f, steps=40, seed=5, batch=32, lr=1e-2, latent=4)
        for p, q in zip(r1["G"].parameters(), r2["G"].parameters()): assert torch.equal(p, q), name
        assert r1["w2"][-1] < 0.7 * r1["w2"][0], name
    assert mlp_generator(3, (5,), 7)(torch.zeros(2, 3)).shape == (2, 7)
