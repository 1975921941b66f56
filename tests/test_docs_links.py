"""Links between pages resolve: every relative link in a notebook's markdown points at a page the docs render.

A link `[text](../ot/tsw.html#anchor)` from `nbs/x/NN_y.ipynb` must name a notebook that renders to that page
(`nbs/ot/NN_tsw.ipynb`), and an anchor into the bibliography must exist there. Links into a chapter folder that is
not in this checkout (a chapter not yet merged) are reported by name in the skip reason, not failed.
"""
import functools, re
from pathlib import Path
import nbformat, pytest

ROOT = Path(__file__).resolve().parents[1]
NBS = ROOT/"nbs"
LINK = re.compile(r"\]\((?![a-z][a-z0-9+.-]*:|#|/)([^)\s]+?)(#[^)\s]*)?\)")

def notebooks()->list[Path]:
    return sorted(p for p in NBS.rglob("*.ipynb") if not any(s.startswith((".", "_")) for s in p.relative_to(NBS).parts))

@functools.cache
def pages()->dict[str, Path]:
    "Site path -> notebook."
    return {str(p.relative_to(NBS).parent/(re.sub(r"^\d+[a-z]?_", "", p.stem) + ".html")): p for p in notebooks()}

def anchors(nb:Path)->set[str]:
    text = "\n".join(c.source for c in nbformat.read(nb, as_version=4).cells if c.cell_type == "markdown")
    return set(re.findall(r'<a id="([^"]+)"', text))

@pytest.mark.parametrize("nb", notebooks(), ids=lambda p: str(p.relative_to(NBS)))
def test_relative_links_resolve(nb):
    site, absent, broken = pages(), set(), []
    here = nb.relative_to(NBS).parent
    for i, c in enumerate(nbformat.read(nb, as_version=4).cells):
        if c.cell_type != "markdown": continue
        for target, anchor in LINK.findall(re.sub(r"`[^`]*`", "", c.source)):
            if not target.endswith(".html"): continue          # files (data, images) are not checked here
            norm = Path(*[p for p in (here/target).parts])
            parts = []
            for part in norm.parts:
                if part == "..": parts = parts[:-1]
                elif part != ".": parts.append(part)
            page = "/".join(parts)
            if page not in site:
                if len(parts) > 1 and not (NBS/parts[0]).is_dir(): absent.add(parts[0]); continue
                broken.append(f"cell {i}: {target}{anchor} -> no notebook renders to {page}")
            elif anchor and page == "bibliography.html" and anchor[1:] not in anchors(site[page]):
                broken.append(f"cell {i}: {target}{anchor} -> no such entry in the bibliography")
    assert not broken, "\n".join(broken)
    if absent: pytest.skip(f"links into chapters not in this checkout: {sorted(absent)}")
