"""One API shape per chapter: `from symlearn.<chapter> import ...` for the entry points the docs use, and lazy
chapters at `import symlearn` (nothing heavy imported until a chapter is touched)."""
import importlib, subprocess, sys
from pathlib import Path
import pytest

ROOT = Path(__file__).resolve().parents[1]

# (chapter, names the docs import from it)
CHAPTER_IMPORTS = [
    ("ot", ["db_tsw", "tsw", "sliced_wasserstein", "stsw", "gradient_flow"]),
    ("attention", ["attention_flow", "TinyTransformer"]),
    ("ssm", ["selective_scan"]),
    ("weightspace", ["WeightSpace"]),
    ("metanets", ["MonomialNFN"]),
    ("data", ["load_digits"]),
]
CHAPTERS = ["ot", "weightspace", "metanets", "attention", "ssm", "data", "moe", "geometric"]

def _run(code: str) -> str:
    "Run `code` in a fresh interpreter (so earlier imports in this process do not count) and return its stdout."
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT)
    assert r.returncode == 0, r.stderr
    return r.stdout.strip()

@pytest.mark.parametrize("chapter,names", CHAPTER_IMPORTS, ids=[c for c, _ in CHAPTER_IMPORTS])
def test_chapter_level_import(chapter, names):
    mod = importlib.import_module(f"symlearn.{chapter}")
    missing = [n for n in names if not hasattr(mod, n)]
    assert not missing, f"`from symlearn.{chapter} import {', '.join(missing)}` fails: add them to nbs/{chapter}/99_api.ipynb"
    for n in names: assert n in getattr(mod, "__all__", []), f"symlearn.{chapter}.__all__ lacks {n}"

@pytest.mark.parametrize("chapter", [c for c, _ in CHAPTER_IMPORTS])
def test_attribute_access_after_bare_import(chapter):
    "`import symlearn; symlearn.<chapter>` gives the chapter module, in a fresh interpreter."
    out = _run(f"import symlearn; m = symlearn.{chapter}; print(m.__name__)")
    assert out == f"symlearn.{chapter}"

def test_import_symlearn_is_light():
    "A bare `import symlearn` imports no chapter, no torch, no matplotlib."
    heavy = ["torch", "matplotlib", "scipy", "numpy"] + [f"symlearn.{c}" for c in CHAPTERS]
    out = _run(f"import sys, symlearn; print([m for m in {heavy!r} if m in sys.modules])")
    assert out == "[]", f"import symlearn pulled in {out}"

def test_every_chapter_is_reachable_or_clearly_absent():
    "Every chapter on disk loads through the package attribute; one not on disk raises a clear AttributeError."
    import symlearn
    for c in CHAPTERS:
        if (ROOT / "symlearn" / c).is_dir():
            assert getattr(symlearn, c).__name__ == f"symlearn.{c}"
            assert c in dir(symlearn)
        else:
            with pytest.raises(AttributeError, match=f"symlearn.{c}` is not part of this installation"): getattr(symlearn, c)

def test_unknown_attribute():
    import symlearn
    with pytest.raises(AttributeError, match="no attribute 'nope'"): symlearn.nope
    assert not hasattr(symlearn, "nope")

def test_version():
    import symlearn
    assert isinstance(symlearn.__version__, str) and symlearn.__version__.count(".") >= 2
