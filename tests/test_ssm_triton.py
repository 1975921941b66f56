"Triton kernels of the selective scan vs the sequential reference, on CPU through Triton's interpreter (tiny sizes)."
import math, os
import pytest
import torch

if not torch.cuda.is_available(): os.environ.setdefault("TRITON_INTERPRET", "1")   # before triton_kernels is imported
pytest.importorskip("triton")

from symlearn.ssm.scan import selective_scan, Momentum
from test_ssm_scan import _fused_case, _run, _assert_agree, tol, F64, inputs


@pytest.mark.parametrize("kind,dtype,zoh", [("vanilla", F64, False), ("real", F64, True), ("complex", F64, False),
                                            ("complex", torch.float32, True), ("real", torch.float32, False)])
def test_triton_matches_sequential_values_and_every_gradient(kind, dtype, zoh):
    leaves = _fused_case(kind, dtype, Bsz=2, L=9, D=3, N=3, seed=1)
    ref = _run(leaves, "sequential", zoh)
    out = _run(leaves, "triton", zoh)
    assert set(out) == set(ref)
    _assert_agree(out, ref, dtype, n_terms=9)


def test_triton_checkpoint_boundaries_and_masks():
    "L a multiple of the checkpoint interval plus one; N = 5 pads to 8 lanes; D = 3 pads to 4."
    from symlearn.ssm.triton_kernels import triton_scan
    x, delta, A, B, C, D, z = inputs(Bsz=1, L=9, D=3, N=5, seed=4)
    beta = torch.tensor(0.6 + 0.3j, dtype=torch.complex128)
    y, hT, vT = triton_scan(x, delta, A, B, C, D, z, beta, torch.tensor(0.5, dtype=F64), checkpoint=4)
    ref, (rh, rv) = selective_scan(x, delta, A, B, C, D, z, momentum=Momentum(beta, 0.5), method="sequential", return_state=True)
    for a, b in ((y, ref), (hT, rh), (vT, rv)): assert (a - b).abs().max().item() <= tol(F64, max(1.0, b.abs().max().item()), 9)


def test_triton_needs_cuda_or_interpreter(monkeypatch):
    x, delta, A, B, C, D, z = inputs(L=4)
    monkeypatch.setenv("TRITON_INTERPRET", "0")
    if not torch.cuda.is_available():
        with pytest.raises(ValueError, match="`method`"): selective_scan(x, delta, A, B, C, method="triton")
