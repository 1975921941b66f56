"Docs builds (nbdev-proc-nbs) re-run every non-exported cell that contains an import, so such cells must hold imports only."
import ast, json, re
from pathlib import Path
import pytest
from nbdev.config import get_config

NBS = Path(get_config().nbs_path)
NOTEBOOKS = sorted(p for p in NBS.rglob("*.ipynb") if not any(part.startswith((".", "_")) for part in p.relative_to(NBS).parts))

def mixed_cells(nb:Path)->list:
    "Indices of non-exported code cells that import something (at any depth) and also do something else."
    out = []
    for i, c in enumerate(json.loads(nb.read_text())["cells"]):
        if c["cell_type"] != "code": continue
        s = "".join(c["source"])
        if re.search(r"^#\|\s*(export|exports|exporti|exec_doc)\b", s, re.M) or re.search(r"^#\|\s*eval:\s*false", s, re.M): continue
        try: tree = ast.parse("\n".join(l for l in s.splitlines() if not l.lstrip().startswith(("%", "!"))))
        except SyntaxError: continue
        if any(isinstance(n, (ast.Import, ast.ImportFrom)) for n in ast.walk(tree)) and \
           any(not isinstance(n, (ast.Import, ast.ImportFrom)) for n in tree.body): out.append(i)
    return out

def test_detector_catches_a_mixed_cell(tmp_path):
    nb = {"cells": [{"cell_type": "code", "source": ["if True:\n", "    import math\n", "x = 1"]},
                    {"cell_type": "code", "source": ["import math"]}]}
    (tmp_path / "a.ipynb").write_text(json.dumps(nb))
    assert mixed_cells(tmp_path / "a.ipynb") == [0]

@pytest.mark.parametrize("nb", NOTEBOOKS, ids=[str(p.relative_to(NBS)) for p in NOTEBOOKS])
def test_imports_in_their_own_cells(nb):
    assert not mixed_cells(nb), f"{nb.relative_to(NBS)}: cells {mixed_cells(nb)} mix imports with other code; move the imports into their own cell"
