"""Triton kernels of the selective scan vs the sequential reference: on CUDA when present, else on CPU through Triton's
interpreter (tiny sizes); the choice of method='auto' and its fallback, with the device and the kernel mocked on CPU."""
import math, os, warnings
import pytest
import torch

CUDA = torch.cuda.is_available()
if not CUDA: os.environ.setdefault("TRITON_INTERPRET", "1")   # before triton_kernels is imported
pytest.importorskip("triton")

from symlearn.ssm import scan as scan_mod
from symlearn.ssm.scan import selective_scan, Momentum, resolve_method
from test_ssm_scan import _fused_case, _run, _assert_agree, tol, F64, inputs

DEV = torch.device("cuda" if CUDA else "cpu")


def _on(leaves, dev):
    return {k: v.detach().to(dev).requires_grad_() for k, v in leaves.items()}


CASES = [("vanilla", F64, False), ("real", F64, True), ("complex", F64, False), ("complex", torch.float32, True),
         ("real", torch.float32, False), ("vanilla", torch.float32, True)]
SIZES = [dict(Bsz=2, L=9, D=3, N=3)] + ([dict(Bsz=3, L=300, D=40, N=16), dict(Bsz=1, L=1000, D=5, N=5)] if CUDA else [])

@pytest.mark.parametrize("size", SIZES, ids=lambda s: "x".join(map(str, s.values())))
@pytest.mark.parametrize("kind,dtype,zoh", CASES)
def test_triton_matches_sequential_values_and_every_gradient(kind, dtype, zoh, size):
    leaves = _fused_case(kind, dtype, seed=1, **size)
    ref = _run(_on(leaves, "cpu"), "sequential", zoh)
    out = _run(_on(leaves, DEV), "triton", zoh)
    assert set(out) == set(ref)
    assert all(v.device.type == DEV.type for v in out.values())
    _assert_agree({k: v.cpu() for k, v in out.items()}, ref, dtype, n_terms=size["L"])


def test_triton_checkpoint_boundaries_and_masks():
    "L a multiple of the checkpoint interval plus one; N = 5 pads to 8 lanes; D = 3 pads to 4."
    from symlearn.ssm.triton_kernels import triton_scan
    x, delta, A, B, C, D, z = inputs(Bsz=1, L=9, D=3, N=5, seed=4)
    beta = torch.tensor(0.6 + 0.3j, dtype=torch.complex128)
    y, hT, vT = triton_scan(*(t.to(DEV) for t in (x, delta, A, B, C, D, z, beta)), torch.tensor(0.5, dtype=F64, device=DEV), checkpoint=4)
    ref, (rh, rv) = selective_scan(x, delta, A, B, C, D, z, momentum=Momentum(beta, 0.5), method="sequential", return_state=True)
    for a, b in ((y, ref), (hT, rh), (vT, rv)): assert (a.cpu() - b).abs().max().item() <= tol(F64, max(1.0, b.abs().max().item()), 9)


def test_triton_int64_offsets(monkeypatch):
    "The int64-offset variant of both kernels (used past 2^31 elements) computes the same values and gradients."
    from symlearn.ssm import triton_kernels as tk
    leaves = _fused_case("complex", F64, Bsz=2, L=7, D=3, N=2, seed=2)
    ref = _run(_on(leaves, "cpu"), "sequential")
    monkeypatch.setattr(tk, "_I64_FROM", 0)
    out = _run(_on(leaves, DEV), "triton")
    _assert_agree({k: v.cpu() for k, v in out.items()}, ref, F64, n_terms=7)


@pytest.mark.parametrize("dtype", [torch.bfloat16, torch.float16])
def test_triton_half_inputs_computed_in_float32(dtype):
    "Half inputs run in float32 inside the kernel (tl.exp has no half variant) and come back in the input's dtype."
    x, delta, A, B, C, D, z = (t.to(dtype) for t in inputs(Bsz=1, L=6, D=2, N=3, seed=5))
    out = selective_scan(*(t.to(DEV) for t in (x, delta, A, B, C, D, z)), momentum=Momentum(0.6, 0.5), method="triton")
    ref = selective_scan(*(t.float() for t in (x, delta, A, B, C, D, z)), momentum=Momentum(0.6, 0.5), method="sequential")
    assert out.dtype == dtype
    assert (out.float().cpu() - ref).abs().max().item() <= 4 * torch.finfo(dtype).eps * max(1.0, ref.abs().max().item())


def test_triton_needs_cuda_or_interpreter(monkeypatch):
    from symlearn.ssm import triton_kernels as tk
    x, delta, A, B, C, D, z = inputs(L=4)
    monkeypatch.setenv("TRITON_INTERPRET", "0")
    if not CUDA:
        with pytest.raises(ValueError, match="`method`"): selective_scan(x, delta, A, B, C, method="triton")
    with pytest.raises(ValueError, match="`checkpoint`"): tk.triton_scan(*(t.to(DEV) for t in (x, delta, A, B, C)), checkpoint=0)
    monkeypatch.setattr(tk, "_INTERPRETED", False)           # kernels built for a GPU: CPU tensors are refused clearly
    with pytest.raises(ValueError, match="`x` must be a CUDA tensor"): tk.triton_scan(x, delta, A, B, C)


def test_triton_tensors_on_one_device():
    if not CUDA: pytest.skip("needs CUDA (CPU and CUDA tensors mixed)")
    from symlearn.ssm.triton_kernels import triton_scan
    x, delta, A, B, C, D, z = inputs(L=4)
    with pytest.raises(ValueError, match="`A` must be on x's device"): triton_scan(x.cuda(), delta.cuda(), A, B.cuda(), C.cuda())


def test_blocks_are_powers_of_two_within_grid_limits():
    import triton
    from symlearn.ssm.triton_kernels import _blocks, _warps
    for Bs, Dd, N, sm in [(1, 3, 5, 0), (8, 64, 16, 132), (1, 1024, 16, 132), (64, 4096, 16, 132), (1, 200_000, 1, 0),
                          (2, 7, 300, 80), (1, 1, 1, 132)]:
        BD, BN = _blocks(Bs, Dd, N, sm)
        assert BD & (BD - 1) == 0 and BN & (BN - 1) == 0 and BN >= N and BD >= 1
        assert triton.cdiv(Dd, BD) <= 65535 and 1 <= _warps(BD, BN) <= 4
        if sm and BD * BN > 32: assert Bs * triton.cdiv(Dd, BD) >= 4 * sm or BD == 1   # shrunk only while it adds programs
    assert _blocks(8, 64, 16, 0) == (64, 16) and _blocks(8, 64, 16, 132)[0] < 64    # GPU: smaller tiles, more programs
    assert _blocks(64, 4096, 16, 132) == (32, 16) and _blocks(64, 4096, 16, 132, 8) == (16, 16)   # GPU tile caps (registers)


# --- what method='auto' means, and its fallback (device type and kernel mocked: no GPU needed) ---

@pytest.fixture
def clean_failures(monkeypatch):
    monkeypatch.setattr(scan_mod, "_TRITON_FAILED", {})
    yield scan_mod._TRITON_FAILED


def test_auto_resolves_to_triton_on_cuda_when_importable(monkeypatch, clean_failures):
    avail = {"triton": True, "numba": True}
    monkeypatch.setattr(scan_mod, "_available", lambda m: avail[m])
    assert resolve_method("auto", "cuda") == "triton" and resolve_method("auto", torch.device("cuda", 1)) == "triton"
    assert resolve_method("auto", "cpu") == "numba" and resolve_method("auto", "mps") == "parallel"
    assert resolve_method("parallel", "cuda") == "parallel" and resolve_method("triton", "cuda") == "triton"
    avail["triton"] = False
    assert resolve_method("auto", "cuda") == "parallel"                  # triton not installed
    avail["triton"] = True
    clean_failures["cuda:1"] = "RuntimeError: boom"
    assert resolve_method("auto", "cuda:1") == "parallel" and resolve_method("auto", "cuda:0") == "triton"   # per device


def _force_auto_triton(monkeypatch):
    "Make 'auto' pick the Triton kernel for these CPU tensors, as it does for CUDA tensors."
    real = scan_mod.resolve_method
    monkeypatch.setattr(scan_mod, "resolve_method", lambda m, d: "triton" if m == "auto" else real(m, d))


def test_auto_falls_back_to_parallel_when_the_kernel_fails(monkeypatch, clean_failures):
    from symlearn.ssm import triton_kernels as tk
    x, delta, A, B, C, D, z = inputs(L=6)
    mom = Momentum(0.5 + 0.2j, 0.5)
    _force_auto_triton(monkeypatch)
    ref = selective_scan(x, delta, A, B, C, D, z, momentum=mom, method="parallel")
    calls = []
    def broken(*a, **k): calls.append(1); raise RuntimeError("PTX .version 8.7 does not support .target sm_50 (simulated)")
    monkeypatch.setattr(tk, "triton_scan", broken)
    with pytest.warns(RuntimeWarning, match=r"failed on cpu \(RuntimeError: PTX .version.*'parallel'"):
        out = selective_scan(x, delta, A, B, C, D, z, momentum=mom)
    torch.testing.assert_close(out, ref, rtol=0, atol=0)
    assert "cpu" in clean_failures
    monkeypatch.setattr(scan_mod, "resolve_method", lambda m, d: ("parallel" if "cpu" in clean_failures else "triton") if m == "auto" else m)
    with warnings.catch_warnings():
        warnings.filterwarnings("error", message=".*Triton selective-scan kernel failed")   # warned once: the second call is silent
        torch.testing.assert_close(selective_scan(x, delta, A, B, C, D, z, momentum=mom), ref, rtol=0, atol=0)
    assert len(calls) == 1
    with pytest.raises(RuntimeError, match="simulated"):                 # an explicit request lets the error through
        selective_scan(x, delta, A, B, C, D, z, momentum=mom, method="triton")
    with pytest.raises(ValueError, match="`delta`"):                     # bad input is still an error, not a fallback
        selective_scan(x, -delta, A, B, C, method="auto")


def test_backward_kernel_failure_falls_back_to_the_reference(monkeypatch, clean_failures):
    from symlearn.ssm import triton_kernels as tk
    leaves = _fused_case("complex", F64, Bsz=2, L=7, D=3, N=2, seed=3)
    ref = _run(_on(leaves, "cpu"), "sequential")
    class Broken:
        def __getitem__(self, grid):
            def launch(*a, **k): raise RuntimeError("out of resources: shared memory (simulated)")
            return launch
    monkeypatch.setattr(tk, "_tr_bwd", Broken())
    _force_auto_triton(monkeypatch)
    with pytest.warns(RuntimeWarning, match="out of resources"):
        out = _run(_on(leaves, DEV), "auto")
    _assert_agree({k: v.cpu() for k, v in out.items()}, ref, F64, n_terms=7)
    with pytest.raises(RuntimeError, match="simulated"): _run(_on(leaves, DEV), "triton")


@pytest.mark.skipif(not CUDA, reason="needs CUDA")
def test_auto_runs_triton_on_cuda_without_warning():
    x, delta, A, B, C, D, z = (t.cuda() for t in inputs(L=50, D=8, N=4))
    assert resolve_method("auto", x.device) == "triton"
    with warnings.catch_warnings():
        warnings.filterwarnings("error", message=".*Triton selective-scan kernel failed")   # the kernel ran, no fallback
        y = selective_scan(x, delta, A, B, C, D, z, momentum=Momentum(0.5 + 0.3j, 0.5))
    assert not scan_mod._TRITON_FAILED
    ref = selective_scan(*(t.cpu() for t in (x, delta, A, B, C, D, z)), momentum=Momentum(0.5 + 0.3j, 0.5), method="sequential")
    assert (y.cpu() - ref).abs().max().item() <= tol(F64, max(1.0, ref.abs().max().item()), 50)


def test_out_of_memory_is_not_a_fallback(monkeypatch, clean_failures):
    "Running out of memory is not an unsupported GPU: 'auto' lets it through (the parallel scan would need more memory)."
    from symlearn.ssm import triton_kernels as tk
    x, delta, A, B, C, D, z = inputs(L=6)
    _force_auto_triton(monkeypatch)
    def oom(*a, **k): raise torch.cuda.OutOfMemoryError("CUDA out of memory (simulated)")
    monkeypatch.setattr(tk, "triton_scan", oom)
    with pytest.raises(torch.cuda.OutOfMemoryError): selective_scan(x, delta, A, B, C, D, z)
    assert not clean_failures
