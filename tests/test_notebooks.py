"Bridge: run every notebook (as nbdev-test does) so pytest reports one test per notebook."
import os
from pathlib import Path
import pytest
import torch
from nbdev.config import get_config
from nbdev.doclinks import nbglob
from nbdev.test import test_nb as run_nb

cfg = get_config()
NBS = sorted(nbglob(as_path=True))

def test_notebooks_found():
    "Guard against 'No files were eligible for testing' passing silently."
    assert len(NBS) >= 8, NBS

@pytest.mark.parametrize("nb", NBS, ids=[str(Path(p).relative_to(cfg.nbs_path)) for p in NBS])
def test_notebook(nb):
    torch.set_default_dtype(torch.float32)   # a notebook must not inherit another's process-global default dtype
    from symlearn.experiments import REGISTRY, discover
    discover()                                           # the library's own registrations, before the notebook's
    saved = {k: dict(v) for k, v in REGISTRY.items()}   # a notebook re-registers its reproductions with functions defined in
    try: _run(nb)                                        # its own namespace; later tests in this process must see the library's
    finally:
        for k, v in saved.items(): REGISTRY[k].clear(); REGISTRY[k].update(v)

def _run(nb):
    flags = os.environ.get("NBDEV_FLAGS", "").split()
    ok, t = run_nb(nb, skip_flags=cfg.tst_flags.split(), force_flags=flags, basepath=cfg.config_path, do_print=False)
    assert ok, f"{nb} failed (run: nbdev-test {nb} --verbose)"
