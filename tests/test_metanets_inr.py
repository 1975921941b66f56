"Metanetworks on SIREN INRs: function-preserving transforms, editors that commute with perm × sign, image edits (float64)."
import pytest
import torch
from symlearn.weightspace.groups import WeightSpace, sample_monomial
from symlearn.weightspace.zoo import siren_spec, render
from symlearn.metanets.inr import (sign_perm, render_grad, FlatMLP, dilate, contrast, WeightEditor, build_editor,
                                   edit_commutation_error, EDITORS, layer_scales, scale_layers)
from symlearn.metanets.models import EquivariantNFN, QuasiMonomialNFN, MonomialNFN, invariance_error
from symlearn.core import tolerance
from symlearn.equivariance import check_equivariance

F64 = torch.float64
RT = tolerance(F64, n_terms=1000)          # check_equivariance's float64 default

def render_tol(img):
    "Round-off bound for two renderings of SIRENs (ω0 = 10 multiplies the first layer's round-off)."
    return 10 * tolerance(F64, scale=1 + img.abs().max().item(), n_terms=100)


def rand_siren(B, hidden=(6, 5), seed=0):
    spec, g = siren_spec(hidden, omega0=10.0), torch.Generator().manual_seed(seed)
    return WeightSpace([torch.randn(B, *spec.weight_shape(i), generator=g, dtype=torch.float64) for i in range(spec.num_layers)],
                       [torch.randn(B, spec.widths[i + 1], generator=g, dtype=torch.float64) for i in range(spec.num_layers)], spec=spec)


def test_sign_perm_preserves_images_and_scaling_does_not():
    ws, gen = rand_siren(5), torch.Generator().manual_seed(3)
    ref = render_grad(ws, (9, 9))
    for _ in range(10):
        t = sign_perm(ws, gen)
        assert ws.max_diff(t) > 1e-3                                            # the weights did change
        assert (render_grad(t, (9, 9)) - ref).abs().max() <= render_tol(ref)
    r = check_equivariance(lambda w: render_grad(w, (9, 9)), ws, lambda gg: sample_monomial(ws, "sign", generator=gg),
                           lambda g, a: (g.act(a[0]),), generator=gen, rtol=render_tol(ref) / ref.abs().max().item())
    assert r, r
    torch.testing.assert_close(render_grad(ws, (9, 9)), render(ws, (9, 9)), rtol=0, atol=0)         # the same computation
    scaled = sample_monomial(ws, "pos", (0.5, 2.0), generator=gen).act(ws, allow_nonsymmetric=True)
    assert (render_grad(scaled, (9, 9)) - render_grad(ws, (9, 9))).abs().max() > 1e-3   # negative control
    with pytest.raises(ValueError, match="odd activation"): sign_perm(WeightSpace(ws.weights, ws.biases, activation="relu"))


@pytest.mark.parametrize("name", EDITORS)
def test_editor_commutes_with_the_group_it_is_built_for(name):
    torch.manual_seed(0)
    ws, gen = rand_siren(4), torch.Generator().manual_seed(1)
    E = build_editor(name, ws, channels=(4, 3), hidden=32, scale_init=1.0).double()
    err = {k: max(edit_commutation_error(E, ws, sample_monomial(ws, k, generator=gen)) for _ in range(20)) for k in ("perm", "sign")}
    holds = {"Monomial": {"perm", "sign"}, "NP": {"perm"}, "HNP": {"perm"}, "MLP": set()}[name]
    for k, v in err.items():
        if k in holds: assert v <= RT, (name, k, v)
        else: assert v > 1e-3, (name, k, v)                                     # negative controls must fail
    g = sample_monomial(ws, "sign", generator=gen)
    d = (render_grad(E(g.act(ws)), (7, 7)) - render_grad(E(ws), (7, 7))).abs().max().item()
    assert (d <= render_tol(render_grad(E(ws), (7, 7)))) == (name == "Monomial"), (name, d)                      # same edited image for a transformed input


def test_editor_starts_near_identity_and_learns():
    torch.manual_seed(0)
    ws = rand_siren(3)
    E = build_editor("Monomial", ws, channels=(4,), scale_init=0.0).double()
    assert E(ws).max_diff(ws) == 0
    target = torch.rand(3, 6, 6, dtype=torch.float64)
    opt = torch.optim.Adam(E.parameters(), lr=1e-2)
    loss0 = None
    for _ in range(30):
        loss = (render_grad(E(ws), (6, 6)) - target).pow(2).mean()
        loss0 = loss0 if loss0 is not None else loss.item()
        opt.zero_grad(); loss.backward(); opt.step()
    assert loss.item() < loss0


def test_dilate_matches_scipy():
    ndi = pytest.importorskip("scipy.ndimage")
    x = torch.rand(4, 11, 9, dtype=torch.float64)
    for k in (1, 2, 3, 4, 5):
        ref = torch.from_numpy(ndi.grey_dilation(x.numpy(), size=(1, k, k), mode="nearest"))
        assert torch.equal(dilate(x, k), ref)


def test_edit_bad_input():
    x = torch.rand(2, 5, 5)
    with pytest.raises(ValueError, match="size"): dilate(x, 0)
    with pytest.raises(ValueError, match="images"): dilate(x[0])
    with pytest.raises(ValueError, match="factor"): contrast(x, -1.0)
    assert contrast(x, 1.0).equal(x)
    with pytest.raises(ValueError, match="name"): build_editor("GNN", rand_siren(1))
    E = build_editor("Monomial", rand_siren(1)).double()
    with pytest.raises(ValueError, match="widths"): E(rand_siren(1, hidden=(6, 6)))


def test_flat_mlp_is_not_invariant():
    torch.manual_seed(0)
    ws = rand_siren(4)
    m = FlatMLP.for_space(ws, hidden=16, out_features=3).double()
    assert m(ws).shape == (4, 3)
    assert (m(sign_perm(ws, torch.Generator().manual_seed(0))) - m(ws)).abs().max() > 1e-3


def test_quasi_on_sin_nets_needs_opt_in_and_is_only_approximately_invariant():
    torch.manual_seed(0)
    ws, gen = rand_siren(4), torch.Generator().manual_seed(2)
    with pytest.raises(ValueError, match="nonsymmetric"): QuasiMonomialNFN.for_space(ws, channels=(3, 3, 2))
    q = QuasiMonomialNFN.for_space(ws, channels=(3, 3, 2), eps_init=0.3, nonsymmetric=True).double()
    m = MonomialNFN.for_space(ws, channels=(3, 3, 2)).double()
    g = sample_monomial(ws, "sign", generator=gen)
    assert invariance_error(m, ws, g) <= RT and invariance_error(q, ws, g) > 1e-8


def test_layer_normalisation_commutes_with_the_action():
    ws, gen = rand_siren(6), torch.Generator().manual_seed(4)
    sc = layer_scales(ws)
    wn = scale_layers(ws, sc)
    assert all(abs(t.pow(2).mean().item() - 1) <= tolerance(F64, n_terms=t.numel()) for t in wn.weights + wn.biases)
    for kind in ("perm", "sign", "pos"):
        g = sample_monomial(ws, kind, (0.1, 10.0) if kind == "pos" else None, generator=gen)
        assert g.act(wn, allow_nonsymmetric=True).max_diff(scale_layers(g.act(ws, allow_nonsymmetric=True), sc)) <= \
               tolerance(F64, scale=100 * wn.flatten().abs().max().item(), n_terms=4)   # scale ratios ≤ 100; a few roundings
    g = sample_monomial(ws, "sign", generator=gen)
    assert torch.allclose(torch.cat(layer_scales(g.act(ws))), torch.cat(sc), rtol=tolerance(F64, n_terms=100), atol=0)   # constants ignore sign × perm
    g = sample_monomial(ws, "pos", (0.1, 10.0), generator=gen)
    assert not torch.allclose(torch.cat(layer_scales(g.act(ws, allow_nonsymmetric=True))), torch.cat(sc), rtol=1e-3)  # but not scalings
    with pytest.raises(ValueError, match="scales"): scale_layers(ws, (sc[0][:1], sc[1]))
