"""Make a finished run small enough to commit: `python tools/trim_results.py nbs/results/NAME [--keep KEY ...]`.

Drops the bulky per-unit arrays (point clouds, image grids: any unit value that is a list of lists) from
`results.json` in place and records which fields went under `trimmed`; scalars, per-step curves, the summary,
the config, the environment and the plots stay. PNG plots are re-encoded with a 256-colour palette (about a third of
the size; pass `--png-colors 0` to keep them as they are). Run after `symlearn repro NAME --out DIR --report`."""
import argparse, json
from pathlib import Path

def _bulky(v): return isinstance(v, list) and len(v) > 0 and isinstance(v[0], list)

def shrink_png(path:Path, colors:int=256):
    "Re-encode a PNG with an adaptive palette of `colors` colours, in place, if that makes it smaller."
    from PIL import Image
    im = Image.open(path); dpi = im.info.get("dpi")
    q = im.convert("RGB").quantize(colors=colors, method=Image.Quantize.MEDIANCUT)
    tmp = path.with_suffix(".tmp.png"); q.save(tmp, optimize=True, **({"dpi": dpi} if dpi else {}))
    if tmp.stat().st_size < path.stat().st_size: tmp.replace(path)
    else: tmp.unlink()

def trim(folder:Path, keep=(), png_colors:int=256):
    p = Path(folder)/"results.json"; r = json.loads(p.read_text()); before = p.stat().st_size
    dropped = set()
    for u in r.get("units", []):
        val = u.get("value")
        if isinstance(val, dict):
            for k in [k for k, v in val.items() if _bulky(v) and k not in keep]: del val[k]; dropped.add(k)
    if dropped:
        r["trimmed"] = {"dropped_unit_fields": sorted(set(r.get("trimmed", {}).get("dropped_unit_fields", [])) | dropped),
                        "why": "bulky per-unit arrays (point clouds, image grids) are not committed; the plots show them"}
    if dropped: p.write_text(json.dumps(r, indent=1))
    print(f"{p}: {before/1e3:.0f} kB -> {p.stat().st_size/1e3:.0f} kB; dropped {sorted(dropped)}")
    for png in sorted(Path(folder).glob("*.png")) if png_colors else []:
        b = png.stat().st_size; shrink_png(png, png_colors); print(f"{png}: {b/1e3:.0f} kB -> {png.stat().st_size/1e3:.0f} kB")

if __name__ == "__main__":
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("folders", nargs="+"); ap.add_argument("--keep", nargs="*", default=[], help="unit fields to keep")
    ap.add_argument("--png-colors", type=int, default=256, help="palette size for the PNGs (0: leave them)")
    a = ap.parse_args()
    for f in a.folders: trim(Path(f), a.keep, a.png_colors)
