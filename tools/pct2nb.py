#!/usr/bin/env python3
"""Convert a py:percent script into a notebook (authoring aid; the notebook is the source of truth).

Cells start with `# %%` (code) or `# %% [markdown]` (markdown; each line's leading `# ` is stripped).
Usage: python tools/pct2nb.py SRC.py DEST.ipynb   — then run `nbdev-clean`.
"""
import sys, re, nbformat

def convert(src:str)->nbformat.NotebookNode:
    nb = nbformat.v4.new_notebook()
    nb.metadata = {"kernelspec": {"display_name": "python3", "language": "python", "name": "python3"}}
    chunks = re.split(r"^# %%(.*)$", src, flags=re.M)
    for i in range(1, len(chunks), 2):
        head, body = chunks[i], chunks[i+1].strip("\n")
        if "[markdown]" in head:
            lines = [re.sub(r"^# ?", "", l) for l in body.splitlines()]
            nb.cells.append(nbformat.v4.new_markdown_cell("\n".join(lines).strip("\n")))
        elif body.strip(): nb.cells.append(nbformat.v4.new_code_cell(body))
    return nb

if __name__ == "__main__":
    src, dest = sys.argv[1:3]
    nbformat.write(convert(open(src).read()), dest)
