#!/usr/bin/env bash
# One GPU check for the fused selective scan (Triton) and Db-TSW's launch count, sized to finish in about 8 minutes.
#
#   1. the Triton kernels on CUDA against the sequential reference (values and every gradient, float32 and float64),
#      method='auto' picking them without a warning, and the CUDA parity tests of the scan and of tree-sliced OT;
#   2. `symlearn bench ssm --device cuda`: Triton vs the parallel scan vs the loop, achieved bandwidth against the
#      device's peak, CUDA peak memory;
#   3. `symlearn bench tsw --device cuda --quick`: Db-TSW (eager and compile=True) vs POT's SW at n = 10^3, with the
#      ops / host syncs / CUDA kernels one call dispatches.
#
# The GPU machine has no network: it uses its own python3 (torch + triton preinstalled) and installs nothing from an
# index. The two pure-dependency packages it lacks (fastcore for the CLI, POT for the OT baseline) travel as wheels:
#   on this machine, once:   bash tools/gpu_check.sh --fetch-wheels          (fills .whl/, which git ignores)
#   on the GPU (device tool): run(command="bash tools/gpu_check.sh", carry=[".whl"], timeout_s=600)
# Everything lands in $OUT (ssm.json, tsw.json, tests.log, bench.log, env.txt, summary.txt); without $OUT, in ./gpu_out.
set -uo pipefail
cd "$(dirname "$0")/.."

if [ "${1:-}" = "--fetch-wheels" ]; then
    python3 -m pip download -q --no-deps --only-binary=:all: --python-version 3.12 --implementation cp \
        --platform manylinux_2_28_x86_64 --platform manylinux_2_27_x86_64 --platform manylinux_2_17_x86_64 \
        --platform manylinux2014_x86_64 -d .whl "POT==0.9.7.post1" "fastcore==2.2.41"
    ls -la .whl; exit $?
fi

OUT=${OUT:-gpu_out}; mkdir -p "$OUT"
export PYTHONUNBUFFERED=1 OMP_NUM_THREADS=4
if ls .whl/*.whl >/dev/null 2>&1; then
    python3 -m pip install -q --no-index --no-deps --no-compile --no-cache-dir --upgrade --target /tmp/site .whl/*.whl \
        && export PYTHONPATH=/tmp/site
fi
export PYTHONPATH=$PWD${PYTHONPATH:+:$PYTHONPATH}        # the repository itself, no install step

{ date -u; nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv 2>&1
  python3 -c "import sys, torch, triton; print(sys.version.split()[0], 'torch', torch.__version__, 'cuda', torch.version.cuda, 'triton', triton.__version__, torch.cuda.get_device_name(0))"
  python3 -c "import ot, fastcore; print('POT', ot.__version__, 'fastcore', fastcore.__version__)"
} > "$OUT/env.txt" 2>&1
cat "$OUT/env.txt"

status=0
echo "== 1. tests on CUDA"
timeout 120 python3 -m pytest -q -rs -p no:cacheprovider tests/test_ssm_triton.py tests/test_ssm_bench.py \
    "tests/test_gpu.py::test_selective_scan_gpu" "tests/test_gpu.py::test_tree_sliced_gpu" > "$OUT/tests.log" 2>&1 || status=1
timeout 100 python3 -m pytest -q -rs -p no:cacheprovider tests/test_ot_tsw.py \
    -k "compiled or compile_flag or traces or syncs or rechecked or slow_definition" >> "$OUT/tests.log" 2>&1 || status=1
tail -n 25 "$OUT/tests.log"

echo "== 2. symlearn bench ssm --device cuda"
timeout 160 python3 -c "import sys; from symlearn.cli import main; sys.exit(main(sys.argv[1:]))" \
    bench ssm --device cuda --out "$OUT" > "$OUT/bench.log" 2>&1 || status=1
echo "== 3. symlearn bench tsw --device cuda --quick"
timeout 200 python3 -c "import sys; from symlearn.cli import main; sys.exit(main(sys.argv[1:]))" \
    bench tsw --device cuda --quick --out "$OUT" >> "$OUT/bench.log" 2>&1 || status=1
grep -E "^ratio|error|Error" "$OUT/bench.log" | head -n 60

python3 - "$OUT" > "$OUT/summary.txt" 2>&1 <<'EOF'
import json, sys
from pathlib import Path
out = Path(sys.argv[1])
def load(n):
    p = out / f"{n}.json"
    return json.loads(p.read_text()) if p.exists() else None
ssm, tsw = load("ssm"), load("tsw")
if ssm:
    q = ssm["ratios"]; print("ssm shape", ssm.get("shape"), "bandwidth", ssm.get("bandwidth"))
    for k in sorted(q):
        if "L=4096" in k and any(s in k for s in ("speedup_vs_parallel", "bandwidth_frac", "memory_triton", "speedup_vs_loop[triton")):
            print(f"{k:60s} {q[k]:.3g}")
    for r in ssm["rows"]:
        if "error" in r: print("ERROR", r)
    print("targets: Triton fwd+bwd >= 5x parallel at L=4096; >= 50% of peak bandwidth; peak memory <= 1/5 of parallel")
if tsw:
    for r in tsw["rows"]:
        if r["case"].startswith("Db-TSW"):
            print(r["case"], {k: (round(v, 3) if isinstance(v, float) else v) for k, v in r.items()
                              if k.startswith(("ratio", "db_tsw_", "sw_pot_")) and not k.endswith("_MiB")})
    print("target: Db-TSW <= 1.0x POT SW at n=1e3, d=3, equal lines")
EOF
cat "$OUT/summary.txt"
exit $status
