#!/usr/bin/env python3
"""Render every processed notebook to HTML offline (Quarto cannot be installed offline).

Run `nbdev-proc-nbs` first (it writes `_proc/`). Each `_proc/**/*.ipynb` is converted with nbconvert's
HTMLExporter into `_site_offline/`, after the fixes nbconvert needs: non-standard keys dropped, the raw
frontmatter cell turned back into a title, `show_doc` inputs hidden, `#|` directive lines stripped.
Exits non-zero, naming the notebook, if any conversion fails.

Usage: python tools/docs_offline.py [--src _proc] [--out _site_offline] [--mathjax DIR]
  --mathjax DIR  copy a local MathJax 2 tree (e.g. from Debian libjs-mathjax: usr/share/javascript/mathjax)
                 next to the pages so maths renders with no network.
"""
import argparse, copy, re, shutil, sys
from pathlib import Path
import nbformat, yaml
from nbconvert import HTMLExporter
from traitlets.config import Config

STD_NB, STD_CELL = {"cells", "metadata", "nbformat", "nbformat_minor"}, {"cell_type", "source", "metadata", "outputs", "execution_count", "id", "attachments"}

def clean(nb):
    nb = copy.deepcopy(nb)
    for k in list(nb): 
        if k not in STD_NB: del nb[k]
    cells = []
    for c in nb.cells:
        for k in list(c):
            if k not in STD_CELL: del c[k]
        c.metadata.pop("execution", None)   # nbdev's timing metadata is not valid nbformat
        if c.cell_type == "raw":   # the frontmatter nbdev made from the H1 and the > summary
            body = c.source.strip().strip("-").strip()
            try: m = yaml.safe_load(body) or {}
            except yaml.YAMLError: m = {}
            if isinstance(m, dict) and "title" in m:
                src = f"# {m['title']}" + (f"\n\n> {' '.join(str(m['description']).split())}" if m.get("description") else "")
                c = nbformat.v4.new_markdown_cell(src)
            else: continue
        if c.cell_type == "code":
            if re.search(r"^#\|\s*echo:\s*false", c.source, flags=re.M):
                c.metadata.setdefault("tags", []).append("remove_input")
            c.source = "\n".join(l for l in c.source.splitlines() if not l.startswith("#|"))
        cells.append(c)
    nb.cells = cells
    return nb

def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--src", default="_proc"); ap.add_argument("--out", default="_site_offline"); ap.add_argument("--mathjax")
    a = ap.parse_args()
    src, out = Path(a.src), Path(a.out)
    nbs = sorted(p for p in src.rglob("*.ipynb") if not any(part.startswith((".", "_")) for part in p.relative_to(src).parts))
    if not nbs: sys.exit(f"no notebooks under {src}: run nbdev-proc-nbs first")
    c = Config(); c.TagRemovePreprocessor.remove_input_tags = {"remove_input"}; c.TagRemovePreprocessor.enabled = True
    ex = HTMLExporter(config=c, template_name="lab")
    if a.mathjax:
        shutil.copytree(a.mathjax, out/"mathjax", dirs_exist_ok=True)
    failed = []
    for p in nbs:
        rel = p.relative_to(src).with_suffix(".html")
        html_name = re.sub(r"^\d+[a-z]?_", "", rel.name)
        dest = out/rel.parent/html_name; dest.parent.mkdir(parents=True, exist_ok=True)
        if a.mathjax: ex.mathjax_url = "../" * len(rel.parent.parts) + "mathjax/MathJax.js?config=TeX-AMS_CHTML"
        try:
            nb = clean(nbformat.read(p, as_version=4))
            body, _ = ex.from_notebook_node(nb)
            dest.write_text(body)
        except Exception as e:
            failed.append(f"{p}: {type(e).__name__}: {e}")
    print(f"rendered {len(nbs) - len(failed)}/{len(nbs)} notebooks to {out}")
    if failed: print("\n".join(failed), file=sys.stderr); sys.exit(1)

if __name__ == "__main__": main()
