"The command line, as a user runs it: one real console-script call, the rest through `symlearn.cli.main`."
import json, subprocess
import pytest
from symlearn.cli import main

def test_console_script_installed():
    r = subprocess.run(["symlearn", "repro", "--list"], capture_output=True, text=True)
    assert r.returncode == 0 and "sw-flow" in r.stdout

def test_help_lists_commands(capsys):
    assert main(["--help"]) == 0
    out = capsys.readouterr().out
    assert all(c in out for c in ("repro", "bench", "fetch-data"))

def test_unknown_names_are_errors(capsys):
    assert main(["repro", "nope"]) == 2
    assert "`name` must be one of" in capsys.readouterr().err
    assert main(["bench", "nope"]) == 2
    assert "`name` must be one of" in capsys.readouterr().err
    assert main(["frobnicate"]) == 2
    assert "unknown command 'frobnicate'" in capsys.readouterr().err

def test_fetch_data_list_and_unknown(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("SYMLEARN_DATA", str(tmp_path))
    assert main(["fetch-data", "--list"]) == 0
    out = capsys.readouterr().out
    assert "hapt" in out and str(tmp_path) in out
    assert main(["fetch-data", "imagenet"]) == 2
    assert "`names` must be source or group names" in capsys.readouterr().err

def test_repro_writes_json_and_png(tmp_path, capsys):
    assert main(["repro", "sw-flow", "--quick", "--seeds", "1", "--out", str(tmp_path)]) == 0
    res = json.loads((tmp_path / "sw-flow/results.json").read_text())
    assert res["quick"] and res["seeds"] == 1 and set(res["plots"]) == {"w2_curves.png", "particles.png"}
    for m in res["summary"]["methods"].values():
        assert m["final_w2"]["mean"] < m["initial_w2"]["mean"]
    # a rerun resumes: every unit is already in the configuration's units.jsonl, so nothing is recomputed or appended
    units_file = tmp_path / "sw-flow" / res["config_hash"] / "units.jsonl"
    units = units_file.read_text()
    assert main(["repro", "sw-flow", "--quick", "--seeds", "1", "--out", str(tmp_path)]) == 0
    assert units_file.read_text() == units
