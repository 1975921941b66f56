"Model zoos: batched trainers against one-network references, resumable storage, corrupt files, CLI."
import json
import pytest
from symlearn.core import tolerance
import torch
from torch import nn

from symlearn.weightspace.groups import WeightSpace, Sine
from symlearn.weightspace.zoo import (CNNZooRanges, cnn_spec, draw_cnn, net_seed, net_generator, batch_schedule, train_batched,
                                      train_one_reference, cnn_zoo_shard, fit_sirens, siren_init, siren_spec, pixel_grid,
                                      render, psnr, make_cnn_zoo, make_inr_zoo, load_zoo, zoo_command, data_available, zoo_data,
                                      accuracy)

F64 = torch.float64


@pytest.fixture(scope="module")
def toy():
    g = torch.Generator().manual_seed(0)
    return {"train_x": torch.rand(120, 1, 8, 8, generator=g), "train_y": torch.randint(0, 10, (120,), generator=g),
            "test_x": torch.rand(40, 1, 8, 8, generator=g), "test_y": torch.randint(0, 10, (40,), generator=g)}


def train_tol(ws, n_terms):
    "Round-off bound for two ways of training the same networks: n_terms roundings on weights of size max|θ|, amplified ×1e3 by the optimiser's feedback."
    return 1e3 * tolerance(ws.dtype, scale=ws.flatten().abs().max().item(), n_terms=n_terms)


@pytest.mark.parametrize("act", ["relu", "tanh"])
def test_batched_cnn_trainer_equals_alone(act, toy):
    "Each network trained alone (nn.Module + torch.optim.SGD, same seed) equals the batched zoo trainer (float64)."
    spec = cnn_spec(act)
    X = toy["train_x"].double(); y = toy["train_y"]
    r = CNNZooRanges(steps=(5, 25), label_noise=(0.1, 0.5), data_frac=(0.3, 0.9))
    draws = [draw_cnn(spec, r, y, 10, F64, generator=net_generator(3, k)) for k in range(6)]
    ws0 = WeightSpace([torch.stack([d.weights[i] for d in draws]) for i in range(3)],
                      [torch.stack([d.biases[i] for d in draws]) for i in range(3)], spec=spec)
    sched = batch_schedule(25, X.shape[0], 16, generator=torch.Generator().manual_seed(3))
    hp = lambda k, dt=F64: torch.tensor([d.hparams[k] for d in draws], dtype=dt)
    assert len(set(hp("steps", torch.int64).tolist())) > 1          # budgets differ: masking is exercised
    wsT = train_batched(ws0, X, torch.stack([d.labels for d in draws]), torch.stack([d.keep for d in draws]),
                        hp("lr"), hp("steps", torch.int64), sched)
    alone = [train_one_reference(ws0.to_module(k), X, d.labels, d.keep, d.hparams["lr"], d.hparams["steps"], sched)
             for k, d in enumerate(draws)]
    diff = wsT.max_diff(WeightSpace.from_modules(alone))
    assert diff <= train_tol(wsT, 25 * 16 * 72), diff                 # ≤ 25 steps × 16 samples × 72-term conv sums
    assert wsT.max_diff(ws0) > 1e-3                                  # it did train
    # accuracy agrees with the modules' own forward pass
    acc = accuracy(wsT, toy["test_x"].double(), toy["test_y"])
    ref = torch.stack([(m(toy["test_x"].double()).argmax(-1) == toy["test_y"]).double().mean() for m in alone])
    assert torch.allclose(acc.double(), ref)


def test_network_independent_of_shard(toy):
    r = CNNZooRanges(steps=(5, 15))
    a = cnn_zoo_shard([0, 1, 2, 3], toy, ranges=r, dtype=F64)
    b = cnn_zoo_shard([2], toy, ranges=r, dtype=F64)
    for key in a:
        if key.startswith(("weights", "biases")): assert (a[key][2] - b[key][0]).abs().max() <= tolerance(F64, scale=a[key].abs().max().item(), n_terms=15 * 32 * 72)
    assert a["hparams.lr"][2] == b["hparams.lr"][0]


def test_hparams_spread_and_ranges(toy):
    r = CNNZooRanges()
    y = toy["train_y"]
    hps = [draw_cnn(cnn_spec(), r, y, 10, generator=net_generator(0, k)).hparams for k in range(200)]
    lr = torch.tensor([h["lr"] for h in hps]); st = torch.tensor([h["steps"] for h in hps])
    assert lr.min() >= 0.02 and lr.max() <= 1.0 and lr.max() / lr.min() > 10
    assert st.min() >= 50 and st.max() <= 800 and st.double().std() > 100
    d = draw_cnn(cnn_spec(), CNNZooRanges(label_noise=(0.5, 0.5), data_frac=(0.5, 0.5)), y, 10, generator=net_generator(0, 0))
    assert 0.3 < d.keep.double().mean() < 0.7 and 0.2 < (d.labels != y).double().mean() < 0.7


def test_fit_sirens_equals_alone():
    imgs = torch.rand(3, 5, 7, dtype=F64)
    for init in ("shared", "random"):
        ws, p = fit_sirens(imgs, steps=25, init=init, seed=4, dtype=F64, hidden=(8, 8))
        spec = siren_spec((8, 8))
        alone = []
        for k in range(3):
            w0, b0 = siren_init(spec, F64, generator=net_generator(4, k if init == "random" else -1))
            net = nn.Sequential(nn.Linear(2, 8), Sine(10.), nn.Linear(8, 8), Sine(1.), nn.Linear(8, 1)).double()
            with torch.no_grad():
                for m, w, b in zip([net[0], net[2], net[4]], w0, b0): m.weight.copy_(w); m.bias.copy_(b)
            opt = torch.optim.Adam(net.parameters(), lr=1e-3); x = pixel_grid(5, 7, F64)
            for _ in range(25):
                opt.zero_grad(); (net(x)[:, 0] - imgs[k].flatten()).pow(2).mean().backward(); opt.step()
            alone.append(net)
        assert ws.max_diff(WeightSpace.from_modules(alone)) <= train_tol(ws, 25 * 35 * 8)
        rec = torch.stack([m(pixel_grid(5, 7, F64))[:, 0].reshape(5, 7) for m in alone]).detach()
        assert (render(ws, (5, 7)) - rec).abs().max() <= 10 * tolerance(F64, scale=1 + rec.abs().max().item(), n_terms=2 + 8 + 8 + 3)   # ω0 = 10
        assert torch.allclose(p, psnr(rec, imgs), rtol=tolerance(F64, n_terms=10**6), atol=0)   # log10 of a ratio of O(eps) perturbed MSEs
    # shared init: identical starting points; random: different
    w_sh, _ = fit_sirens(imgs, steps=0, init="shared", dtype=F64)
    w_rd, _ = fit_sirens(imgs, steps=0, init="random", dtype=F64)
    assert w_sh[0].max_diff(w_sh[1]) == 0 and w_rd[0].max_diff(w_rd[1]) > 0.01


def test_fit_sirens_learns():
    imgs = torch.rand(4, 8, 8)
    _, p0 = fit_sirens(imgs, steps=0); _, p1 = fit_sirens(imgs, steps=150, lr=5e-3)
    assert (p1 > p0 + 3).all()


def test_fit_sirens_bad_input():
    with pytest.raises(ValueError, match="`images`"): fit_sirens(torch.rand(2, 8))
    with pytest.raises(ValueError, match="`images`"): fit_sirens(torch.rand(2, 4, 4) * 3)
    with pytest.raises(ValueError, match="`init`"): fit_sirens(torch.rand(2, 4, 4), init="zeros")
    ws, _ = fit_sirens(torch.randint(0, 256, (2, 4, 4), dtype=torch.uint8), steps=1)   # uint8 is converted
    assert ws.batch_size == 2


def _simulate_interrupt(fn):
    try: fn()
    except KeyboardInterrupt: return
    raise AssertionError("expected the simulated interrupt")

def test_resume_after_interrupt(tmp_path, toy):
    r = CNNZooRanges(steps=(5, 15))
    ref = make_cnn_zoo(tmp_path/"ref", toy, n=7, shard_size=2, ranges=r, display=False)
    out = tmp_path/"zoo"
    _simulate_interrupt(lambda: make_cnn_zoo(out, toy, n=7, shard_size=2, ranges=r, display=False, _stop_after=2))
    done = {f.name: f.stat().st_mtime_ns for f in out.glob("shard_*.pt")}
    assert sorted(done) == ["shard_00000.pt", "shard_00001.pt"]
    with pytest.raises(ValueError, match="incomplete"): load_zoo(out)
    assert len(load_zoo(out, allow_partial=True)) == 4
    (out/"shard_00002.pt.tmp").write_bytes(b"half-written")        # a crash mid-write leaves only a .tmp
    z = make_cnn_zoo(out, toy, n=7, shard_size=2, ranges=r, display=False)
    assert {f.name: f.stat().st_mtime_ns for f in out.glob("shard_*.pt") if f.name in done} == done   # not redone
    assert z.ws.max_diff(ref.ws) == 0 and torch.equal(z.metrics["test_acc"], ref.metrics["test_acc"])
    assert z.ids.tolist() == list(range(7)) and len(z) == 7
    for k in ("lr", "steps", "init_scale", "data_frac", "label_noise"): assert torch.equal(z.hparams[k], ref.hparams[k])


def test_inr_zoo_resume(tmp_path):
    imgs = torch.rand(5, 6, 6)
    ref = make_inr_zoo(tmp_path/"ref", imgs, steps=10, shard_size=2, init="random", display=False)
    _simulate_interrupt(lambda: make_inr_zoo(tmp_path/"z", imgs, steps=10, shard_size=2, init="random", display=False, _stop_after=1))
    z = make_inr_zoo(tmp_path/"z", imgs, steps=10, shard_size=2, init="random", display=False)
    assert z.ws.max_diff(ref.ws) == 0 and torch.equal(z.metrics["psnr"], ref.metrics["psnr"])


def test_zoo_files_load_weights_only_and_bad_files(tmp_path, toy):
    z = make_cnn_zoo(tmp_path/"z", toy, n=2, shard_size=2, ranges=CNNZooRanges(steps=(2, 3)), display=False)
    d = torch.load(tmp_path/"z"/"shard_00000.pt", weights_only=True)
    assert all(isinstance(v, torch.Tensor) for v in d.values())
    with pytest.raises(ValueError, match="another configuration"):
        make_cnn_zoo(tmp_path/"z", toy, n=2, shard_size=2, activation="tanh", ranges=CNNZooRanges(steps=(2, 3)), display=False)
    # corrupt shard
    (tmp_path/"z"/"shard_00000.pt").write_bytes(b"\x00garbage")
    with pytest.raises(ValueError, match="not a readable zoo shard"): load_zoo(tmp_path/"z")
    # foreign shard: a pickle with code is refused by weights_only
    class Evil:
        def __reduce__(self): return (print, ("pwned",))
    torch.save({"ids": Evil()}, tmp_path/"z"/"shard_00000.pt")
    with pytest.raises(ValueError, match="not a readable zoo shard"): load_zoo(tmp_path/"z")
    torch.save([1, 2], tmp_path/"z"/"shard_00000.pt")
    with pytest.raises(ValueError, match="not a zoo shard"): load_zoo(tmp_path/"z")
    # foreign / corrupt manifest, no manifest
    (tmp_path/"z"/"manifest.json").write_text(json.dumps({"format": "other"}))
    with pytest.raises(ValueError, match="not a symlearn zoo manifest"): load_zoo(tmp_path/"z")
    (tmp_path/"z"/"manifest.json").write_text("{not json")
    with pytest.raises(ValueError, match="corrupt manifest"): load_zoo(tmp_path/"z")
    with pytest.raises(FileNotFoundError, match="no manifest.json"): load_zoo(tmp_path)


def test_cli_bad_args():
    with pytest.raises(SystemExit): zoo_command(["mlp"])
    with pytest.raises(SystemExit): zoo_command(["cnn", "--act", "gelu"])


@pytest.mark.realdata
def test_cli_quick_inr_on_digits(tmp_path, capsys):
    if not data_available("digits"): pytest.skip("digits not in the offline cache (symlearn fetch-data digits)")
    assert zoo_command(["inr", "--quick", "--n", "8", "--steps", "30", "--out", str(tmp_path/"inr")]) == 0
    assert "PSNR" in capsys.readouterr().out
    z = load_zoo(tmp_path/"inr")
    assert len(z) == 8 and z.config["data"] == "digits"
    d = zoo_data("digits")
    assert torch.allclose(psnr(render(z.ws, (8, 8)), d["train_x"][:8, 0]), z.metrics["psnr"].float(), atol=1e-4)
    assert torch.equal(z.labels, d["train_y"][:8])          # the INR zoo keeps each image's class


def test_inr_zoo_keeps_labels(tmp_path):
    imgs, lab = torch.rand(5, 6, 6), torch.tensor([3, 1, 4, 1, 5])
    z = make_inr_zoo(tmp_path/"l", imgs, labels=lab, steps=2, shard_size=2, display=False)
    assert torch.equal(z.labels, lab) and z.labels.dtype == torch.int64
    # zoo tensors are plain data: no autograd leaves or graphs (a metanetwork trained on them must backprop only into itself)
    assert not any(t.requires_grad or t.grad_fn is not None for t in z.ws.weights + z.ws.biases)
    ws, _ = fit_sirens(imgs, steps=2)
    assert not any(t.requires_grad for t in ws.weights + ws.biases)
    assert torch.equal(make_inr_zoo(tmp_path/"u", imgs, steps=2, display=False).labels, torch.full((5,), -1))
    with pytest.raises(ValueError, match="labels"): make_inr_zoo(tmp_path/"v", imgs, labels=lab[:3], steps=2, display=False)
    with pytest.raises(ValueError, match="labels"): make_inr_zoo(tmp_path/"w", "digits", labels=lab, steps=2, display=False)


@pytest.mark.realdata
def test_cnn_zoo_on_digits_metadata(tmp_path):
    if not data_available("digits"): pytest.skip("digits not in the offline cache (symlearn fetch-data digits)")
    z = make_cnn_zoo(tmp_path/"z", "digits", n=4, shard_size=4, ranges=CNNZooRanges(steps=(20, 40)), display=False)
    d = zoo_data("digits")
    mean, std = z.config["input_norm"]
    assert abs(mean - d["train_x"].double().mean().item()) < 1e-12 and std > 0
    x = ((d["test_x"] - mean) / std).float()
    # stored test accuracy equals a recomputed forward pass through the nn.Modules
    for k, m in enumerate(z.ws.to_modules()):
        with torch.no_grad(): acc = (m(x).argmax(-1) == d["test_y"]).float().mean()
        assert abs(acc.item() - z.metrics["test_acc"][k].item()) <= 1e-6


_CHILD = r'''
import sys, torch
torch.set_num_threads(1)
from symlearn.weightspace.zoo import make_cnn_zoo, CNNZooRanges
g = torch.Generator().manual_seed(0)
toy = {"train_x": torch.rand(120, 1, 8, 8, generator=g), "train_y": torch.randint(0, 10, (120,), generator=g),
       "test_x": torch.rand(40, 1, 8, 8, generator=g), "test_y": torch.randint(0, 10, (40,), generator=g)}
make_cnn_zoo(sys.argv[1], toy, n=int(sys.argv[2]), shard_size=2, ranges=CNNZooRanges(steps=(10, 40)), display=False)
'''

def test_resume_after_sigkill(tmp_path, toy):
    "A real crash: SIGKILL the generating process after its first shard, rerun, get the uninterrupted zoo."
    import subprocess, sys, time, signal, os
    n, out = 8, tmp_path/"zoo"
    p = subprocess.Popen([sys.executable, "-c", _CHILD, str(out), str(n)])
    t0 = time.time()
    while not (out/"shard_00000.pt").exists() and p.poll() is None and time.time() - t0 < 300: time.sleep(0.05)
    if p.poll() is None: os.kill(p.pid, signal.SIGKILL)
    p.wait()
    first = {f.name: f.stat().st_mtime_ns for f in out.glob("shard_*.pt")}
    assert "shard_00000.pt" in first
    z = make_cnn_zoo(out, toy, n=n, shard_size=2, ranges=CNNZooRanges(steps=(10, 40)), display=False)
    assert {k: v for k, v in ((f.name, f.stat().st_mtime_ns) for f in out.glob("shard_*.pt")) if k in first} == first
    ref = make_cnn_zoo(tmp_path/"ref", toy, n=n, shard_size=2, ranges=CNNZooRanges(steps=(10, 40)), display=False)
    assert z.ws.max_diff(ref.ws) == 0 and torch.equal(z.metrics["test_acc"], ref.metrics["test_acc"])


def test_cli_skips_missing_data(capsys, tmp_path):
    for name in ("mnist", "fashion"):
        if data_available(name): continue
        assert zoo_command(["cnn", "--data", name, "--out", str(tmp_path/name)]) == 1
        assert "not in the offline cache" in capsys.readouterr().out


@pytest.mark.realdata
@pytest.mark.parametrize("name", ["digits", "mnist", "fashion"])
def test_zoo_data_all_classes(name):
    if not data_available(name): pytest.skip(f"{name} not in the offline cache")
    d = zoo_data(name)
    for split in ("train", "test"):
        x, y = d[f"{split}_x"], d[f"{split}_y"]
        assert x.ndim == 4 and x.shape[1] == 1 and x.dtype == torch.float32 and 0 <= x.min() and x.max() <= 1
        assert torch.bincount(y, minlength=10).min() > 0.05 * len(y)      # every class present, roughly balanced
