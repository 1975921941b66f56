"`symlearn bench ssm`: the code paths a GPU run takes (Triton vs parallel vs loop, bandwidth, ratios), exercised on CPU at tiny sizes."
import math, os
import pytest
import torch

from symlearn.ssm.bench import scan_timings, scan_ratios, scan_bytes, peak_memory


def test_scan_bytes_counts_each_tensor_once():
    B, L, D, N = 2, 10, 3, 4
    fwd = scan_bytes(B, L, D, N, backward=False)
    assert fwd == 4 * (B * L * (2 * D + 2 * N) + B * L * D + 2 * D * N + D)
    assert scan_bytes(B, L, D, N, backward=True) == fwd + 4 * (B * L * (3 * D + 2 * N) + B * L * D)
    assert scan_bytes(B, L, D, N, False, z=True) == fwd + 4 * B * L * D


def test_ratios_include_triton_against_parallel_loop_and_peak():
    rows = [dict(L=L, path=p, kind="momentum", threads=None, fwd_s=s / 2, fwdbwd_s=s, **({"fwdbwd_frac_peak": 0.5} if p == "triton" else {}))
            for L in (64, 128) for p, s in (("loop", 8.0 * L), ("parallel", 2.0 * L), ("triton", 1.0 * L))]
    rows += [dict(L=L, path=p, kind="momentum", threads=1, peak_bytes=b) for L in (64, 128) for p, b in (("parallel", 100.0), ("triton", 10.0), ("loop", 50.0))]
    q = scan_ratios(rows, (64, 128))
    assert q["speedup_vs_parallel[triton,momentum,L=128,threads=None]"] == pytest.approx(2.0)
    assert q["speedup_vs_loop[triton,momentum,L=64,threads=None]"] == pytest.approx(8.0)
    assert q["memory_triton_over_parallel[L=64]"] == pytest.approx(0.1) and q["memory_triton_over_loop[L=128]"] == pytest.approx(0.2)
    assert q["bandwidth_frac_peak[triton,momentum,L=64]"] == 0.5
    assert q["slope[triton,momentum,threads=None]"] == pytest.approx(1.0)


def test_cuda_plan_runs_on_cpu_and_records_failures(monkeypatch):
    "The CUDA plan's paths at tiny sizes on CPU: a path that cannot run is recorded as an error row, the others still run."
    if not torch.cuda.is_available():
        monkeypatch.setenv("TRITON_INTERPRET", "0")             # CPU tensors: 'triton' refuses (as an unsupported GPU would fail)
    r = scan_timings(lengths=(8, 16), plan={"loop": ("momentum",), "triton": ("momentum",), "parallel": ("momentum", "complex")},
                     threads=(1,), memory=False, repeats=1, Bsz=1, D=4, N=2, loop_max_L=8)
    paths = {(row["L"], row["path"]) for row in r["rows"]}
    assert (16, "loop") not in paths and (8, "loop") in paths and (16, "parallel") in paths
    tri = [row for row in r["rows"] if row["path"] == "triton"]
    if not torch.cuda.is_available(): assert tri and all("error" in row and "fwdbwd_s" not in row for row in tri)
    assert "speedup_vs_loop[parallel,momentum,L=8,threads=1]" in r["ratios"]


@pytest.mark.skipif(not os.path.exists("/proc/self/clear_refs"), reason="peak RSS needs Linux")
def test_peak_memory_takes_the_shape():
    small = peak_memory("parallel", "momentum", 64, torch.device("cpu"), Bsz=1, D=4, N=2)
    big = peak_memory("parallel", "momentum", 64, torch.device("cpu"), Bsz=8, D=64, N=16)
    assert small is not None and big > small


def test_bandwidth_fields_from_bytes_and_time():
    "Achieved bandwidth = scan_bytes / time, as a fraction of the peak given (the datasheet figure when known, else the copy)."
    bw = {"name": "test", "datasheet_GBps": None, "copy_GBps": 2.0}
    r = scan_timings(lengths=(8,), plan={"parallel": ("momentum",)}, threads=(1,), memory=False, repeats=1, Bsz=1, D=4, N=2,
                     device="cpu", bandwidth=bw)
    row = r["rows"][0]
    assert row["fwdbwd_GBps"] == pytest.approx(scan_bytes(1, 8, 4, 2, True) / row["fwdbwd_s"] / 1e9)
    assert row["fwd_frac_peak"] == pytest.approx(row["fwd_GBps"] / 2.0) and r["bandwidth"] == bw
