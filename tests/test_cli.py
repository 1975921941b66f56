"The console script, as a user runs it."
import json, os, subprocess, sys
from pathlib import Path
import pytest

def sh(*args, **kw):
    return subprocess.run(["symlearn", *args], capture_output=True, text=True, **kw)

def test_help_lists_commands():
    r = sh("--help")
    assert r.returncode == 0 and "repro" in r.stdout and "fetch-data" in r.stdout and "bench" in r.stdout

def test_repro_list_and_unknown():
    r = sh("repro", "--list")
    assert r.returncode == 0 and "sw-flow" in r.stdout
    r = sh("repro", "nope")
    assert r.returncode == 2 and "`name` must be one of" in r.stderr

def test_fetch_data_list_and_unknown(tmp_path):
    env = {**os.environ, "SYMLEARN_DATA": str(tmp_path)}
    r = sh("fetch-data", "--list", env=env)
    assert r.returncode == 0 and "hapt" in r.stdout and str(tmp_path) in r.stdout
    r = sh("fetch-data", "imagenet", env=env)
    assert r.returncode == 2 and "`names` must be source or group names" in r.stderr

def test_repro_writes_json_and_png(tmp_path):
    r = sh("repro", "sw-flow", "--quick", "--seeds", "1", "--out", str(tmp_path))
    assert r.returncode == 0, r.stderr
    res = json.loads((tmp_path / "sw-flow/results.json").read_text())
    assert res["quick"] and res["seeds"] == 1 and set(res["plots"]) == {"w2_curves.png", "particles.png"}
    for m in res["summary"]["methods"].values():
        assert m["final_w2"]["mean"] < m["initial_w2"]["mean"]
    # a rerun resumes: every unit is already in units.jsonl, so nothing is recomputed
    n = len((tmp_path / "sw-flow/units.jsonl").read_text().splitlines())
    assert sh("repro", "sw-flow", "--quick", "--seeds", "1", "--out", str(tmp_path)).returncode == 0
    assert len((tmp_path / "sw-flow/units.jsonl").read_text().splitlines()) == n
