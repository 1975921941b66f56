"""The docs refer only to what a reader has: no internal specs, plans or notes, no remarks on the machine or session
a number was measured in (that belongs in a results file's environment record, rendered by code).

Checks the markdown of every notebook for phrases that point at material outside the repository or at the
circumstances of writing. Code, code comments and outputs are not checked.
"""
import re
from pathlib import Path
import nbformat, pytest

ROOT = Path(__file__).resolve().parents[1]
NBS = ROOT/"nbs"
PHRASES = {
    "an internal spec": r"\b(?:our|chapter's)\s+spec\b|\bthe spec's\b|\bof the spec\b|\bspec\s*§|\(spec\b|\bspec \(§",
    "an internal plan": r"\bthe plan\b|\bspec's plan\b|\bsmall-scale plan\b",
    "developer notes": r"\bdeveloper notes?\b|\bshared/[\w./]+",
    "the machine's load": r"\bload average\b|\bheavily shared\b|\b(?:busy|shared|loaded) 2-core\b",
    "a session or a lent machine": r"\bthis session\b|\blent\b|\bborrowed (?:GPU|machine)\b",
}
PATTERN = re.compile("|".join(f"(?P<g{i}>{p})" for i, p in enumerate(PHRASES.values())), re.I)

def notebooks()->list[Path]:
    return sorted(p for p in NBS.rglob("*.ipynb") if not any(s.startswith((".", "_")) for s in p.relative_to(NBS).parts))

def findings(path:Path)->list[str]:
    out, names = [], list(PHRASES)
    for i, c in enumerate(nbformat.read(path, as_version=4).cells):
        if c.cell_type != "markdown": continue
        text = re.sub(r"`(?![^`]*shared/)[^`]*`", "", c.source)   # code spans are names, except paths into shared/
        for m in PATTERN.finditer(text):
            kind = names[int(next(k for k, v in m.groupdict().items() if v)[1:])]
            out.append(f"cell {i}: {kind}: …{text[max(0, m.start() - 50):m.end() + 30].strip()}…".replace("\n", " "))
    return out

@pytest.mark.parametrize("path", notebooks(), ids=lambda p: str(p.relative_to(NBS)))
def test_no_reference_a_reader_does_not_have(path):
    found = findings(path)
    assert not found, f"{path.relative_to(ROOT)}:\n" + "\n".join(found[:15])

@pytest.mark.parametrize("text,bad", [("as in our spec (§4)", True), ("the spec's plan for a CPU", True),
    ("see `shared/data.md`", True), ("The spec is inferred from the shapes", False), ("see shared/data.md", True), ("load average 9–14", True), ("measured in this session", True),
    ("The NetSpec `spec` is inferred", False), ("spectral norm", False), ("a planar tree", False), ("on a lent H100", True)])
def test_phrases(text, bad):
    assert bool(PATTERN.search(re.sub(r"`(?![^`]*shared/)[^`]*`", "", text))) is bad
