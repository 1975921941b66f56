"""Every page shows its outputs: saved outputs are present where a reader looks for them, and none is an error.

A code cell whose last statement is a display expression must have a saved output: a name, attribute, subscript,
literal, comparison or arithmetic, `show_doc(...)`/`display(...)`, or a method call (`zoo.max_diff(ref)`) other than
the usual in-place or None-returning ones (`.backward()`, `.append(...)`, `plt.show()`, ...; end a line with `;` to
mark any other call whose result is not meant to be shown). Plain function calls are not judged (`test_eq(...)`,
`plot_flows(...)`: whether they return a value cannot be seen from the source). No saved
output may be an error or a traceback. Reproduction and benchmark pages (9x, 98) must show at least one figure.
Cells that are not run in tests keep no outputs and are exempt: `#| slow`, `#| eval: false`, `#| notest`, and
`#| hide` cells (not shown on the page). Save outputs with `nbdev-test PATH --save && nbdev-clean`.
"""
import ast, re
from pathlib import Path
import nbformat, pytest

ROOT = Path(__file__).resolve().parents[1]
NBS = ROOT/"nbs"
EXEMPT = re.compile(r"^#\|\s*(slow|eval:\s*false|notest|hide)\b", re.M)
DISPLAY = (ast.Name, ast.Attribute, ast.Subscript, ast.Tuple, ast.List, ast.Dict, ast.Set, ast.Compare, ast.BinOp,
           ast.UnaryOp, ast.BoolOp, ast.JoinedStr, ast.ListComp, ast.DictComp, ast.SetComp)

def notebooks()->list[Path]:
    "Every notebook the docs render (nbs/, recursively, without `_`/`.` folders and files)."
    return sorted(p for p in NBS.rglob("*.ipynb") if not any(s.startswith((".", "_")) for s in p.relative_to(NBS).parts))

def skipped(nb)->bool:
    "Notebooks with `skip_exec: true` in their frontmatter are not run, so they keep no outputs."
    return any(c.cell_type in ("raw", "markdown") and re.search(r"^skip_exec:\s*true", c.source, re.M) for c in nb.cells[:3])

DISPLAY_CALLS = {"show_doc", "display"}
NONE_METHODS = {"append", "extend", "insert", "update", "add", "remove", "clear", "sort", "reverse", "backward", "step",
                "zero_grad", "show", "savefig", "close", "tight_layout", "legend", "colorbar", "set_title", "set_xlabel",
                "set_ylabel", "set_xlim", "set_ylim", "set_xscale", "set_yscale", "set_aspect", "grid", "axis",
                "suptitle", "xlabel", "ylabel", "title", "xlim", "ylim", "xticks", "yticks", "set_xticks", "set_yticks",
                "mkdir", "unlink", "rmdir", "rmtree", "dump", "seed", "manual_seed_all", "set_default_dtype",
                "set_num_threads", "use_deterministic_algorithms", "filterwarnings", "simplefilter", "register_buffer",
                "add_module", "eval", "train", "requires_grad_", "write", "flush", "join", "start", "shutdown",
                "setdefault", "pop", "put", "wait", "subplots_adjust", "axhline", "axvline", "annotate", "text"}

def _displays(v)->bool:
    if isinstance(v, DISPLAY): return True
    if not isinstance(v, ast.Call): return False
    f = v.func
    if isinstance(f, ast.Name): return f.id in DISPLAY_CALLS
    return isinstance(f, ast.Attribute) and f.attr not in NONE_METHODS and not f.attr.startswith(("set_", "test_"))

def ends_in_display(src:str)->bool:
    "Whether Jupyter would display the value of the cell's last statement."
    code = "\n".join(l for l in src.splitlines() if not l.lstrip().startswith(("#|", "%", "!")))
    if code.rstrip().endswith(";"): return False            # a trailing semicolon suppresses the display
    try: tree = ast.parse(code)
    except SyntaxError: return False
    return bool(tree.body) and isinstance(tree.body[-1], ast.Expr) and _displays(tree.body[-1].value)

def error_of(o)->str|None:
    "A short description when a saved output is an error or a traceback."
    if o.get("output_type") == "error": return f"error output {o.get('ename')}: {o.get('evalue', '')[:120]}"
    text = o.get("text") or o.get("data", {}).get("text/plain") or ""
    text = "".join(text) if isinstance(text, list) else text
    if "Traceback (most recent call last)" in text: return "a traceback in the saved output"
    return None

def problems(path:Path)->list[str]:
    nb = nbformat.read(path, as_version=4)
    if skipped(nb): return []
    out = []
    for i, c in enumerate(nb.cells):
        if c.cell_type != "code": continue
        for o in c.get("outputs", []):
            if (e := error_of(o)): out.append(f"cell {i}: {e}")
        if EXEMPT.search(c.source): continue
        if ends_in_display(c.source) and not c.get("outputs"):
            last = c.source.strip().splitlines()[-1][:70]
            out.append(f"cell {i}: ends in a display expression (`{last}`) but has no saved output")
    return out

@pytest.mark.parametrize("path", notebooks(), ids=lambda p: str(p.relative_to(NBS)))
def test_saved_outputs(path):
    found = problems(path)
    assert not found, f"{path.relative_to(ROOT)}: run `nbdev-test {path.relative_to(ROOT)} --save && nbdev-clean`\n" + "\n".join(found)

REPRO_BENCH = [p for p in notebooks() if re.match(r"9[0-8]_", p.name)]

@pytest.mark.parametrize("path", REPRO_BENCH, ids=lambda p: str(p.relative_to(NBS)))
def test_repro_and_bench_pages_show_a_figure(path):
    nb = nbformat.read(path, as_version=4)
    images = sum(1 for c in nb.cells if c.cell_type == "code" for o in c.get("outputs", []) if any(k.startswith("image/") for k in o.get("data", {})))
    assert images > 0, f"{path.relative_to(ROOT)} shows no figure: render its results' plots in a cell and save outputs"

@pytest.mark.parametrize("src,expect", [("x", True), ("a.b[0]", True), ("f(x)", False), ("x;", False), ("x = 1", False),
    ("#| hide\nx", True), ("(a, b)", True), ("test_eq(a, b)", False), ("print(x)", False), ("a == b", True), ("", False),
    ("show_doc(f)", True), ("zoo.max_diff(ref)", True), ("loss.backward()", False), ("plt.show()", False),
    ("ax.set_title('x')", False), ("fig.savefig(p);", False), ("if a:\n    x", False)])
def test_ends_in_display(src, expect):
    assert ends_in_display(src) is expect
