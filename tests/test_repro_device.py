"""The attention and metanets reproductions run on the device they are given (weights initialised on the CPU and moved,
data batches moved, generators kept on the CPU) and record it; on CUDA they match the CPU run of the same seeds."""
import json, math
from pathlib import Path
import pytest
import torch
from symlearn.experiments import run_repro
import symlearn.attention.repro as AR
import symlearn.metanets.repro as MR

A = lambda *a: [[r, p, list(x)] for r, p, x in a]
# tiny configurations (seconds on one CPU core); the metanets ones also train a tiny zoo
TINY = {
    "token-dynamics-atlas": dict(B=2, T=4.0, h=0.5),
    "token-dynamics-training": dict(tasks=["pointer"], steps_pointer=4,
                                    arms_pointer=A(("free", "rope", ()), ("zero", "absolute", ("pe_logits", "qk_shift")))),
    "metanets-cnn-gen": dict(n_nets=20, zoo_steps=[2, 4], epochs=1, models=["Monomial", "STATNN"], activations=["relu"],
                             conditions=["augmented"], levels=[1, 100]),
    "metanets-inr-cls": dict(data=["mnist"], n_inrs=56, steps=4, epochs=1, models=["Monomial+norm", "NP+aug"]),
    "metanets-inr-edit": dict(n_inrs=56, steps=4, epochs=1, editors=["Monomial", "MLP"]),
}
NEEDS = {"metanets-cnn-gen": "digits", "metanets-inr-cls": "mnist", "metanets-inr-edit": "mnist"}

def _skip_without_data(name):
    from symlearn.weightspace.zoo import data_available
    if name in NEEDS and not data_available(NEEDS[name]): pytest.skip(f"{NEEDS[name]} is not in the offline cache")

def _run(name, out, device):
    r = json.loads(Path(run_repro(name, out, "quick", 1, overrides=TINY[name], device=device, progress=False)).read_text())
    return r["device"], [(u["unit"], u["value"]) for u in r["units"]]

@pytest.fixture(scope="module")
def out(tmp_path_factory):
    "One results folder for the module: the zoos (OUT/metanets-zoos) are made once and shared by the tests."
    return tmp_path_factory.mktemp("repro_device")

def _close(a, b, tol, path="value"):
    "Same structure, numbers within `tol` (absolute and relative), everything else equal."
    if isinstance(a, dict):
        assert a.keys() == b.keys(), path
        for k in a:
            if k != "s_per_epoch": _close(a[k], b[k], tol, f"{path}.{k}")
    elif isinstance(a, list):
        assert len(a) == len(b), path
        for i, (x, y) in enumerate(zip(a, b)): _close(x, y, tol, f"{path}[{i}]")
    elif isinstance(a, float) and isinstance(b, float):
        assert (math.isnan(a) and math.isnan(b)) or abs(a - b) <= tol * max(1.0, abs(a)), (path, a, b)
    else: assert a == b, (path, a, b)

@pytest.mark.parametrize("name", list(TINY))
def test_repro_runs_on_device(name, device, out):
    "Each reproduction runs on `device`, records it, and (on CUDA) gives the CPU run's values for the same seeds."
    _skip_without_data(name)
    dev, units = _run(name, out, device)
    assert dev == str(device) and units
    assert all("skipped" not in v for _, v in units)
    if device.type != "cpu":                         # same initialisation and draws; float32 training drifts slightly
        _, ref = _run(name, out, "cpu")
        assert [u for u, _ in ref] == [u for u, _ in units]
        _close([v for _, v in ref], [v for _, v in units], 0.05 if name != "token-dynamics-atlas" else 0.0)

@pytest.mark.skipif(torch.cuda.is_available(), reason="checks the path on a machine without CUDA")
@pytest.mark.parametrize("name", [n for n in TINY if n != "metanets-inr-cls"])     # inr-cls moves its data as inr-edit does
def test_cuda_no_longer_refused(name, out):
    "Asked for CUDA, a unit gets as far as moving its tensors (torch's own error here), instead of refusing the device."
    _skip_without_data(name)
    from symlearn.experiments import _repro, config_hash
    repro = _repro(name)
    cfg = json.loads(Path(run_repro(name, out, "quick", 1, overrides=TINY[name], progress=False)).read_text())["config"]
    unit = repro.units(cfg)[0]
    workdir = out / name / config_hash(name, cfg, "cpu")      # where the zoos were made
    args = (cfg, unit, torch.device("cuda")) + ((workdir,) if repro.prepare is not None else ())
    with pytest.raises((AssertionError, RuntimeError)) as e: repro.run_unit(*args)
    assert "CUDA" in str(e.value) and "must be 'cpu'" not in str(e.value)
