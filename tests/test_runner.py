"The experiment runner: configuration keying, kill-and-resume with both executors, local = Ray, failing units."
import importlib, json, os, signal, subprocess, sys, textwrap, time
from pathlib import Path
import pytest
import torch
from symlearn.experiments import run_repro, ResultStore, UnitError, REGISTRY, unit_key

# A toy reproduction in its own module (so a subprocess can run it too). Every unit leaves a marker file in
# MARKS (test instrumentation only), so a test can see which units were computed; SLOW_FROM makes units slow.
TOY = '''
import os, time, torch
from pathlib import Path
from symlearn.experiments import Reproduction, register_reproduction, mean_std
MARKS = "{marks}"

def _units(cfg): return [dict(arm=a, seed=s) for a in cfg["arms"] for s in range(cfg["seeds"])]

def _run(cfg, unit, device):
    marks = Path(MARKS); marks.mkdir(exist_ok=True)
    (marks / f"{unit['arm']}-{unit['seed']}-{time.time_ns()}").touch()
    if unit["arm"] == "boom": raise RuntimeError("boom arm exploded")
    if unit["seed"] >= int(os.environ.get("SLOW_FROM", "1000")): time.sleep(60)
    g = torch.Generator().manual_seed(unit["seed"])
    return {"x": float(torch.randn(cfg["n"], generator=g).mean()), "global": float(torch.rand(()))}

def _summarise(cfg, results, out):
    return {a: mean_std([v["x"] for u, v in results if u["arm"] == a]) for a in cfg["arms"]}

register_reproduction(Reproduction("toy-runner", "toy", {"quick": dict(arms=["a", "b"], seeds=2, n=10),
                                                        "full": dict(arms=["a", "b"], seeds=3, n=100)},
                                   _units, _run, _summarise))
'''

@pytest.fixture
def toy(tmp_path, monkeypatch):
    (tmp_path / "toyrepro.py").write_text(TOY.replace("{marks}", str(tmp_path / "marks")))
    monkeypatch.syspath_prepend(str(tmp_path))
    sys.modules.pop("toyrepro", None)
    mod = importlib.import_module("toyrepro")
    yield mod
    REGISTRY["repro"].pop("toy-runner", None); sys.modules.pop("toyrepro", None)

def marks(tmp_path): return sorted("-".join(p.name.split("-")[:2]) for p in (tmp_path / "marks").glob("*"))

@pytest.fixture(scope="module")
def ray_local():
    ray = pytest.importorskip("ray", reason="Ray is not installed (pip install 'symlearn[ray]'); the Ray executor tests need it")
    try: ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False)
    except Exception as e:               # Ray's 30 s node-startup deadline can pass on a saturated machine: one retry
        if "timed out during startup" not in str(e): raise
        ray.shutdown(); ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False)
    yield ray
    ray.shutdown()

def _values(res, drop=("ms_per_step", "cpu_ms_per_step")):
    return [(u["unit"], {k: v for k, v in u["value"].items() if k not in drop}) for u in res["units"]]

# --- configuration keying -----------------------------------------------------------------------------------------

def test_quick_then_full_never_mix(toy, tmp_path):
    out = tmp_path / "out"
    q = run_repro("toy-runner", out, "quick", progress=False)
    rq = json.loads(q.read_text())
    f = run_repro("toy-runner", out, "full", progress=False)
    rf = json.loads(f.read_text())
    assert q.parent != f.parent and rq["config_hash"] != rf["config_hash"]
    assert rf["config"]["n"] == 100 and len(rf["units"]) == 6 and len(rq["units"]) == 4
    assert json.loads(q.read_text()) == rq                                 # the quick run's files are untouched
    assert len(ResultStore(q.parent / "units.jsonl")) == 4 and len(ResultStore(f.parent / "units.jsonl")) == 6
    a_quick = {json.dumps(u["unit"]): u["value"]["x"] for u in rq["units"]}
    a_full = {json.dumps(u["unit"]): u["value"]["x"] for u in rf["units"]}
    assert all(a_quick[k] != a_full[k] for k in a_quick)                  # n=10 vs n=100: different numbers, not reused
    assert json.loads((out / "toy-runner/results.json").read_text())["config_hash"] == rf["config_hash"]   # the latest
    assert json.loads((f.parent / "config.json").read_text())["config"] == rf["config"]

def test_sw_flow_quick_then_full_keeps_both(tmp_path):
    "The case of the issue: a full run after a quick one into the same folder computes its own units."
    q = json.loads(run_repro("sw-flow", tmp_path, "quick", seeds=1, progress=False).read_text())
    f = json.loads(run_repro("sw-flow", tmp_path, "full", seeds=1, overrides={"n": 50, "steps": 20, "eval_every": 10},
                             progress=False).read_text())
    assert q["config_hash"] != f["config_hash"] and f["config"]["n"] == 50 and f["config"]["steps"] == 20
    assert all(len(u["value"]["X"]) == 50 and u["value"]["steps"][-1] == 20 for u in f["units"])
    assert all(len(u["value"]["X"]) == 100 and u["value"]["steps"][-1] == 200 for u in q["units"])

def test_changed_hyperparameter_is_a_new_unit(toy, tmp_path):
    run_repro("toy-runner", tmp_path / "o", "quick", progress=False)
    n0 = len(marks(tmp_path))
    run_repro("toy-runner", tmp_path / "o", "quick", progress=False)              # same settings: nothing recomputed
    assert len(marks(tmp_path)) == n0
    p = run_repro("toy-runner", tmp_path / "o", "quick", overrides={"n": 11}, progress=False)
    assert len(marks(tmp_path)) == n0 + 4                                          # n changed: every unit is new
    assert len(list((tmp_path / "o/toy-runner").glob("*/units.jsonl"))) == 2
    with pytest.raises(ValueError, match="`overrides` must be keys"): run_repro("toy-runner", tmp_path / "o", overrides={"nn": 1})
    with pytest.raises(ValueError, match="`device` must be"): run_repro("toy-runner", tmp_path / "o", device="gpu")
    assert json.loads(p.read_text())["device"] == "cpu"

# --- failures and resumption --------------------------------------------------------------------------------------

def test_failing_unit_reported_with_key_and_finished_kept(toy, tmp_path):
    with pytest.raises(UnitError) as e:
        run_repro("toy-runner", tmp_path / "o", "quick", overrides={"arms": ["a", "boom"]}, progress=False)
    msg = str(e.value)
    assert '{"arm":"boom","seed":0}' in msg and '{"arm":"boom","seed":1}' in msg and "boom arm exploded" in msg
    assert len(e.value.failures) == 2
    store = ResultStore(next((tmp_path / "o/toy-runner").glob("*/units.jsonl")))
    assert len(store) == 2 and all('"arm":"a"' in k for k in store.records)
    assert not (tmp_path / "o/toy-runner/results.json").exists()                 # no summary from a partial run

def test_kill_and_resume_local(toy, tmp_path):
    "A real kill (SIGKILL) of a running `run_repro`: the rerun redoes nothing that had finished."
    out = tmp_path / "o"
    script = textwrap.dedent(f'''
        import sys; sys.path.insert(0, {str(tmp_path)!r})
        import toyrepro
        from symlearn.experiments import run_repro
        run_repro("toy-runner", {str(out)!r}, "full", progress=False)''')
    env = {**os.environ, "SLOW_FROM": "2"}
    proc = subprocess.Popen([sys.executable, "-c", script], env=env, start_new_session=True)
    try:
        t0 = time.time()
        while time.time() - t0 < 120:
            f = list(out.glob("toy-runner/*/units.jsonl"))
            if f and len(f[0].read_text().splitlines()) >= 2 and len(marks(tmp_path)) >= 3: break
            time.sleep(0.2)
        else: pytest.fail("the subprocess did not finish two units in time")
    finally: os.killpg(proc.pid, signal.SIGKILL); proc.wait()
    done_before = len(ResultStore(f[0]))
    assert done_before == 2 and len(marks(tmp_path)) == 3                         # the third unit was running when killed
    p = run_repro("toy-runner", out, "full", progress=False)
    m = marks(tmp_path)
    assert len(m) == 3 + 6 - done_before and m.count("a-0") == 1 and m.count("a-1") == 1   # finished units were not redone
    assert len(json.loads(p.read_text())["units"]) == 6

def test_kill_and_resume_ray(toy, tmp_path, ray_local):
    "With the Ray executor: units stream into the store as they finish; a failure or a cut line costs only those units."
    out = tmp_path / "o"
    with pytest.raises(UnitError, match='"arm":"boom"'):
        run_repro("toy-runner", out, "full", overrides={"arms": ["a", "boom"]}, executor="ray", progress=False)
    units = next(out.glob("toy-runner/*/units.jsonl"))
    assert len(ResultStore(units)) == 3                                           # every finished unit was stored
    lines = units.read_text().splitlines()                                        # a driver killed mid-write leaves a cut line
    units.write_text("\n".join(lines[:2]) + "\n" + lines[2][: len(lines[2]) // 2])
    before = marks(tmp_path)
    with pytest.raises(UnitError):                                                # rerun: the broken arm still fails ...
        run_repro("toy-runner", out, "full", overrides={"arms": ["a", "boom"]}, executor="ray", progress=False)
    new = marks(tmp_path)
    for m in before: new.remove(m)
    cut = json.loads(json.loads(lines[2])["key"].split("/", 2)[2])               # ... and only it and the cut unit are redone
    assert sorted(new) == sorted(["boom-0", "boom-1", "boom-2", f"a-{cut['seed']}"])
    assert len(ResultStore(units)) == 3

def test_ray_resumes_a_local_run_and_agrees(toy, tmp_path, ray_local):
    "Half a run locally, the rest on Ray, into the same store: nothing redone, and the numbers equal a local-only run."
    out = tmp_path / "o"
    run_repro("toy-runner", out, "quick", progress=False)
    units = next(out.glob("toy-runner/*/units.jsonl"))
    units.write_text("\n".join(units.read_text().splitlines()[:2]) + "\n")       # as if killed after two units
    n0 = len(marks(tmp_path))
    a = json.loads(run_repro("toy-runner", out, "quick", executor="ray", progress=False).read_text())
    assert len(marks(tmp_path)) == n0 + 2
    b = json.loads(run_repro("toy-runner", tmp_path / "local", "quick", progress=False).read_text())
    assert _values(a) == _values(b)                                              # incl. the runner-seeded global draws

def test_sw_flow_local_equals_ray(tmp_path, ray_local):
    "`symlearn repro sw-flow --quick --seeds 2`: the same numbers (all but timings) from both executors."
    torch_threads = torch.get_num_threads(); torch.set_num_threads(1)         # Ray tasks run with num_cpus=1 thread
    try: loc = json.loads(run_repro("sw-flow", tmp_path / "local", "quick", seeds=2, progress=False).read_text())
    finally: torch.set_num_threads(torch_threads)
    ray = json.loads(run_repro("sw-flow", tmp_path / "ray", "quick", seeds=2, executor="ray", progress=False).read_text())
    assert ray["executor"] == "ray" and loc["config_hash"] == ray["config_hash"] and len(ray["units"]) == 4
    assert _values(loc) == _values(ray)
    fin = lambda r: {m: v["per_seed_final_w2"] for m, v in r["summary"]["methods"].items()}
    assert fin(loc) == fin(ray)

def test_zoo_shards_local_equals_ray(tmp_path, ray_local):
    "`symlearn zoo` shards through the same executor: a Ray-made zoo equals the local one, and a rerun resumes."
    from symlearn.weightspace.zoo import make_cnn_zoo, QUICK_RANGES, load_zoo
    kw = dict(n=6, shard_size=2, ranges=QUICK_RANGES, device="cpu", display=False)
    torch_threads = torch.get_num_threads(); torch.set_num_threads(1)
    try: a = make_cnn_zoo(tmp_path / "local", "digits", **kw)
    finally: torch.set_num_threads(torch_threads)
    (tmp_path / "ray").mkdir()
    b = make_cnn_zoo(tmp_path / "ray", "digits", executor="ray", **kw)
    assert len(list((tmp_path / "ray").glob("shard_*.pt"))) == 3
    assert all(torch.equal(x, y) for x, y in zip(a.ws.weights + a.ws.biases, b.ws.weights + b.ws.biases))
    assert torch.equal(a.metrics["test_acc"], b.metrics["test_acc"])
    (tmp_path / "ray/shard_00001.pt").unlink()                                    # as if killed before this shard landed
    t = {p.name: p.stat().st_mtime_ns for p in (tmp_path / "ray").glob("shard_*.pt")}
    c = make_cnn_zoo(tmp_path / "ray", "digits", executor="ray", **kw)
    assert {p.name: p.stat().st_mtime_ns for p in (tmp_path / "ray").glob("shard_*.pt") if p.name in t} == t
    assert torch.equal(c.metrics["test_acc"], a.metrics["test_acc"])

def test_prepare_builds_shared_inputs_once(tmp_path):
    "`prepare(cfg, workdir)` runs on the driver before the units; `run_unit(cfg, unit, device, workdir)` reads what it built."
    from symlearn.experiments import Reproduction, register_reproduction
    calls = []
    def prepare(cfg, workdir):
        calls.append(workdir); (workdir / "shared.json").write_text(json.dumps({"offset": cfg["offset"]}))
    def run(cfg, unit, device, workdir): return {"y": unit["x"] + json.loads((workdir / "shared.json").read_text())["offset"]}
    register_reproduction(Reproduction("toy-prepare", "toy", {"quick": {"offset": 10, "xs": [1, 2, 3]}},
                                       lambda cfg: [{"x": x} for x in cfg["xs"]], run, lambda cfg, res, out: {"ys": [v["y"] for _, v in res]},
                                       prepare=prepare))
    try:
        r = json.loads(run_repro("toy-prepare", tmp_path, "quick", progress=False).read_text())
        assert r["summary"]["ys"] == [11, 12, 13] and len(calls) == 1 and calls[0] == tmp_path / "toy-prepare" / r["config_hash"]
    finally: REGISTRY["repro"].pop("toy-prepare", None)
