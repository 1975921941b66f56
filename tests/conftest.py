"Shared pytest fixtures. Chapter-specific fixtures live in the chapter's own test files."
import os
import pytest
import torch

os.environ.setdefault("PYTEST_RUNNING", "1")

DEVICES = ["cpu"] + (["cuda"] if torch.cuda.is_available() else [])

@pytest.fixture(params=DEVICES)
def device(request):
    "Every device available: CPU always, CUDA when present."
    return torch.device(request.param)

@pytest.fixture(params=[torch.float64, torch.float32], ids=["f64", "f32"])
def dtype(request):
    "Both float dtypes."
    return request.param

@pytest.fixture
def empty_cache(tmp_path, monkeypatch):
    "An empty data cache (`SYMLEARN_DATA` pointed at a fresh folder): loaders must say how to fetch."
    monkeypatch.setenv("SYMLEARN_DATA", str(tmp_path / "cache"))
    return tmp_path / "cache"

@pytest.fixture
def gen():
    "A seeded CPU generator."
    return torch.Generator().manual_seed(0)

@pytest.fixture(autouse=True, scope="session")
def one_thread():
    "Tests use small tensors: one OpenMP thread avoids oversubscription on shared 2-core machines (pytest -n 2)."
    n = torch.get_num_threads(); torch.set_num_threads(1)
    yield
    torch.set_num_threads(n)

# Hypothesis: one deterministic profile for CI (same examples on every run and machine; failures print a reproduction blob).
# `HYPOTHESIS_PROFILE=dev` gives random exploration locally.
from hypothesis import settings, HealthCheck
settings.register_profile("ci", derandomize=True, deadline=None, max_examples=200, print_blob=True,
                          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
settings.register_profile("dev", deadline=None, max_examples=200, print_blob=True)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))
