#!/usr/bin/env python3
"""Write README.md from nbs/index.ipynb offline (nbdev-readme needs Quarto, which cannot be installed here).

The H1 and the `>` summary open the file; markdown cells are copied; code cells that are not `#| hide`
become fenced python blocks (directive lines stripped) followed by their text outputs. Relative links to pages
(`ot/tsw.html`) become links into the published documentation (`[project.urls] Documentation`), so they work on
GitHub and PyPI too.
Usage: python tools/make_readme.py [--check]   (--check: exit 1 if README.md is out of date)
"""
import re, sys, tomllib
from pathlib import Path
import nbformat

ROOT = Path(__file__).resolve().parents[1]

def doc_url()->str:
    "The published documentation's base URL, from pyproject.toml."
    return tomllib.loads((ROOT/"pyproject.toml").read_text())["project"]["urls"]["Documentation"].rstrip("/") + "/"

def absolute_links(md:str, base:str)->str:
    "Point relative links to pages (`](ot/tsw.html#x)`) at `base`; absolute URLs and anchors stay as they are."
    return re.sub(r"\]\((?![a-z]+:|#|/)([^)\s]+\.html(?:#[^)\s]*)?)\)", lambda m: f"]({base}{m[1]})", md)

def render(nb)->str:
    parts = []
    for c in nb.cells:
        src = c.source.strip("\n")
        if c.cell_type == "markdown": parts.append(absolute_links(src, doc_url()))
        elif c.cell_type == "code":
            lines = src.splitlines()
            if any(l.strip() in ("#| hide", "#|hide") or l.strip().startswith(("#| hide", "#| exec_doc")) for l in lines): continue
            code = "\n".join(l for l in lines if not l.startswith("#|")).strip("\n")
            if code: parts.append(f"```python\n{code}\n```")
            for o in c.get("outputs", []):
                txt = o.get("text") or o.get("data", {}).get("text/plain")
                if txt: parts.append("```\n" + ("".join(txt) if isinstance(txt, list) else txt).rstrip("\n") + "\n```")
    return "<!-- generated from nbs/index.ipynb by tools/make_readme.py: do not edit -->\n\n" + "\n\n".join(parts) + "\n"

def main():
    text = render(nbformat.read(ROOT/"nbs/index.ipynb", as_version=4))
    readme = ROOT/"README.md"
    if "--check" in sys.argv:
        if not readme.exists() or readme.read_text() != text:
            sys.exit("README.md is out of date with nbs/index.ipynb: run python tools/make_readme.py")
        print("README.md matches nbs/index.ipynb"); return
    readme.write_text(text); print(f"wrote {readme}")

if __name__ == "__main__": main()
