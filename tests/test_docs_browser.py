"""The offline docs preview renders like the published site: checked on the rendered HTML, then in headless Chromium.

Needs the rendered site (`nbdev-proc-nbs && python tools/docs_offline.py`, which `.ci/run` does before the tests).
Each page reports on `<body>` how it rendered once MathJax is done (see tools/docs_offline.py); Chromium loads the
page from a local server with no network, and the test reads that report from the DOM. A screenshot of the home page
and of each chapter's first page goes to `_site_offline/screenshots/` (the CI artefact). Without Chromium or a
rendered site the tests skip with the reason, except in CI (`CI` set), where they fail. With `SYMLEARN_DOCS_ALL=1`
every page is also typeset in Chromium and checked for maths errors and broken images (the CI docs job does this).
"""
import functools, os, re, shutil, subprocess, tempfile, threading
from http.server import ThreadingHTTPServer, SimpleHTTPRequestHandler
from pathlib import Path
import nbformat, pytest

ROOT = Path(__file__).resolve().parents[1]
NBS, SITE = ROOT/"nbs", Path(os.environ.get("SYMLEARN_SITE", ROOT/"_site_offline"))
SHOTS = SITE/"screenshots"
IN_CI = bool(os.environ.get("CI"))

def page_of(nb:Path)->str:
    "Site path of a notebook under nbs/: `ot/03_tsw.ipynb` -> `ot/tsw.html`."
    rel = nb.relative_to(NBS)
    return str(rel.parent/(re.sub(r"^\d+[a-z]?_", "", rel.stem) + ".html"))

def key_pages()->dict[str, Path]:
    "Screenshot name -> notebook: the home page, the bibliography, and the first page of every chapter folder."
    pages = {"index": NBS/"index.ipynb", "bibliography": NBS/"bibliography.ipynb"}
    for d in sorted(p for p in NBS.iterdir() if p.is_dir() and not p.name.startswith((".", "_"))):
        nbs = sorted(p for p in d.glob("*.ipynb") if not p.name.startswith(("_", ".")))
        if nbs: pages[d.name] = nbs[0]
    return {k: v for k, v in pages.items() if v.exists()}

PAGES = key_pages()

def unavailable(reason:str):
    "Skip locally with the reason; fail in CI."
    if IN_CI: pytest.fail(reason)
    pytest.skip(reason)

def chromium()->str|None:
    return next((shutil.which(c) for c in ("chromium", "chromium-browser", "google-chrome") if shutil.which(c)), None)

@pytest.fixture(scope="module")
def site_url():
    if not (SITE/"index.html").exists():
        unavailable(f"no rendered site in {SITE}: run `nbdev-proc-nbs && python tools/docs_offline.py` first")
    handler = functools.partial(type("Quiet", (SimpleHTTPRequestHandler,), {"log_message": lambda *a: None}), directory=str(SITE))
    srv = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    t = threading.Thread(target=srv.serve_forever, daemon=True); t.start()
    yield f"http://127.0.0.1:{srv.server_address[1]}"
    srv.shutdown(); srv.server_close()

def run_chromium(*args, url:str)->str:
    exe = chromium()
    if exe is None: unavailable("Chromium is not installed (Debian: apt-get install -y chromium)")
    with tempfile.TemporaryDirectory() as prof:
        cmd = [exe, "--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars", "--no-first-run",
               "--disable-background-networking", "--disable-component-update", "--disable-sync", "--mute-audio",
               f"--user-data-dir={prof}", "--window-size=1200,1400", "--virtual-time-budget=20000", *args, url]
        r = subprocess.run(cmd, capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, f"chromium failed on {url}: {r.stderr[-800:]}"
    return r.stdout

def body_report(dom:str)->dict:
    m = re.search(r"<body([^>]*)>", dom)
    assert m, "no <body> in the rendered DOM"
    return {k: v for k, v in re.findall(r'data-([\w-]+)="([^"]*)"', m[1])}

def has_math(nb:Path)->bool:
    "Whether the notebook's markdown holds TeX maths."
    return any(c.cell_type == "markdown" and re.search(r"\$[^$\s][^$]*\$|\$\$", c.source) for c in nbformat.read(nb, as_version=4).cells)

def has_image(nb:Path)->bool:
    "Whether the notebook has a saved image output or a markdown image."
    for c in nbformat.read(nb, as_version=4).cells:
        if c.cell_type == "code" and any(k.startswith("image/") for o in c.get("outputs", []) for k in o.get("data", {})): return True
        if c.cell_type == "markdown" and re.search(r"!\[[^\]]*\]\(|<img ", c.source): return True
    return False

# ---- static checks of every rendered page (no browser needed) -------------------------------------------------
def test_every_page_rendered_and_static_html_clean():
    if not (SITE/"index.html").exists(): unavailable(f"no rendered site in {SITE}: run `nbdev-proc-nbs && python tools/docs_offline.py` first")
    expected = {page_of(p) for p in NBS.rglob("*.ipynb")
                if not any(part.startswith((".", "_")) for part in p.relative_to(NBS).parts)}
    missing = sorted(e for e in expected if not (SITE/e).exists())
    assert not missing, f"pages not rendered: {missing}"
    problems = []
    for page in sorted(expected):
        h = (SITE/page).read_text()
        if re.search(r"\)\{target=|\{target=&quot;", h): problems.append(f"{page}: raw Quarto link attributes")
        if re.search(r"<p>:::", h): problems.append(f"{page}: raw Quarto fenced div")
        if re.search(r'class="jp-InputPrompt|class="jp-OutputPrompt', h): problems.append(f"{page}: In/Out prompts")
        for tag in re.findall(r'<(?:script|link)[^>]+(?:src|href)="(https?://[^"]+)"', h): problems.append(f"{page}: loads {tag}")
        if "mathjax/tex-chtml-full.js" not in h: problems.append(f"{page}: no local MathJax")
    assert not problems, "\n".join(problems[:30])
    assert (SITE/"mathjax"/"tex-chtml-full.js").exists()

# ---- the browser check ---------------------------------------------------------------------------------------------
@pytest.mark.parametrize("name", list(PAGES))
def test_page_in_chromium(name, site_url):
    nb = PAGES[name]
    url = f"{site_url}/{page_of(nb)}"
    rep = body_report(run_chromium("--dump-dom", url=url))
    assert rep.get("rendered") == "yes", f"{url}: the page's render report never ran (MathJax did not finish?)"
    assert rep["math-errors"] == "0", f"{url}: {rep['math-errors']} maths expressions failed to typeset"
    assert rep["math-raw"] == "0", f"{url}: {rep['math-raw']} text nodes still hold raw TeX"
    assert rep["images-broken"] == "0", f"{url}: {rep['images-broken']} of {rep['images']} images did not load"
    if has_math(nb): assert int(rep["math"]) > 0, f"{url}: the notebook has maths but none was typeset"
    if has_image(nb): assert int(rep["images"]) > 0, f"{url}: the notebook has images but the page shows none"
    SHOTS.mkdir(parents=True, exist_ok=True)
    shot = SHOTS/f"{name}.png"
    run_chromium(f"--screenshot={shot}", url=url)
    assert shot.exists() and shot.stat().st_size > 10_000, f"no usable screenshot for {url}"

ALL_PAGES = sorted({page_of(p) for p in NBS.rglob("*.ipynb")
                    if not any(part.startswith((".", "_")) for part in p.relative_to(NBS).parts)})

@pytest.mark.skipif(not os.environ.get("SYMLEARN_DOCS_ALL"), reason="every page in Chromium only with SYMLEARN_DOCS_ALL=1")
@pytest.mark.parametrize("page", ALL_PAGES)
def test_every_page_typesets(page, site_url):
    rep = body_report(run_chromium("--dump-dom", url=f"{site_url}/{page}"))
    assert rep.get("rendered") == "yes", f"{page}: the page's render report never ran"
    assert (rep["math-errors"], rep["math-raw"], rep["images-broken"]) == ("0", "0", "0"), f"{page}: {rep}"
