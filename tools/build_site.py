#!/usr/bin/env python3
"""The static edition: every notebook executed afresh and written as a self-contained HTML page.

    .venv/bin/python tools/build_site.py [--out site] [--no-execute] [names...]

* Each notebook runs top to bottom in a fresh kernel with its widget state stored, then
  nbconvert's JupyterLab template (``tools/site_template/tokenlab``) writes
  ``<out>/<name>.html``; ``<out>/index.html`` lists the course (``tools/course.py``).
* Graphs are inline SVG. Widgets render from the saved state with the
  ``@jupyter-widgets/html-manager`` bundle, fetched once from the npm registry (pinned
  version, integrity checked), cached in ``.cache/`` and copied to ``<out>/_static/``:
  nothing is loaded from a CDN, so the pages work offline and without a kernel.
* ``--no-execute`` converts the stored notebooks as they are (faster; for quick looks).
"""
from __future__ import annotations

import html
import json
import shutil
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tools"))

import build_notebooks  # noqa: E402
import npm_cache  # noqa: E402  (tools/npm_cache.py)
import course  # noqa: E402

HTML_MANAGER = "@jupyter-widgets/html-manager"
HTML_MANAGER_VERSION = "1.0.15"  # the html-manager of ipywidgets 8.1.x
HTML_MANAGER_TARBALL = f"https://registry.npmjs.org/{HTML_MANAGER}/-/html-manager-{HTML_MANAGER_VERSION}.tgz"
HTML_MANAGER_INTEGRITY = ("sha512-5thBIV6ymNgmPVOHvzx+gGy8ZSKmSazhtGw4/c4xJDVzRhG9PTeQsRjF3FUTopvFi//SABeNz1yp47bCrJ3CQA==")
CACHE = ROOT / ".cache"
STATIC = "_static/html-manager"
TEMPLATE_DIR = ROOT / "tools" / "site_template"


def html_manager_dist() -> Path:
    """The html-manager's dist/ folder, downloaded and verified once (tools/npm_cache.py)."""
    package = npm_cache.npm_package(HTML_MANAGER, HTML_MANAGER_VERSION, HTML_MANAGER_TARBALL,
                                    HTML_MANAGER_INTEGRITY, CACHE, log=lambda msg: None)
    return package / "dist"


def execute(nb, folder: Path) -> float:
    """Run the notebook in a fresh kernel with TOKENLAB_STATIC=1: the steppers then save
    every step (tokenlab.ui's static mode), so the page steps without a kernel."""
    import os

    from nbclient import NotebookClient

    os.environ["TOKENLAB_STATIC"] = "1"  # inherited by the kernel this starts

    client = NotebookClient(nb, timeout=180, kernel_name="python3", store_widget_state=True,
                            resources={"metadata": {"path": str(folder)}})
    start = time.perf_counter()
    client.execute()
    return time.perf_counter() - start


def export(nb, name: str, prev: str | None, nxt: str | None) -> str:
    from nbconvert import HTMLExporter

    exporter = HTMLExporter(template_name="tokenlab", extra_template_basedirs=[str(TEMPLATE_DIR)],
                            widget_renderer_url=f"{STATIC}/embed.js")
    body, _ = exporter.from_notebook_node(nb, resources={
        "metadata": {"name": name}, "tokenlab_prev": prev, "tokenlab_next": nxt,
        "tokenlab_binder": course.binder_url(name)})
    return body


def index_page(pages: list[tuple[str, str]]) -> str:
    items = "\n".join(
        f'  <li><a href="{html.escape(name)}.html">{html.escape(name)}</a> — {html.escape(text)}</li>'
        for name, text in pages)
    return f"""<!DOCTYPE html>
<html lang="en">
<head><meta charset="utf-8"><title>tokenlab — the course</title>
<style>body {{ font-family: system-ui, sans-serif; max-width: 52em; margin: 2em auto; line-height: 1.5; }}
li {{ margin: 0.4em 0; }}</style></head>
<body>
<h1>tokenlab — the course</h1>
<p>Windows access tokens, security descriptors and impersonation, simulated. These pages are the
static edition: every notebook as it ran, with its graphs and widgets saved. To change things
and run them, open the notebooks in JupyterLab (<code>make lab</code>) or on Binder.</p>
<ol start="0">
{items}
</ol>
</body>
</html>
"""


def build(out: Path, names: list[str] = (), run: bool = True, folder: Path = ROOT / "notebooks") -> list[Path]:
    """Write the site for the notebooks in ``folder`` (all, or those whose names start
    with one of ``names``) to ``out``; returns the pages written."""
    import nbformat

    out.mkdir(parents=True, exist_ok=True)
    shutil.copytree(html_manager_dist(), out / STATIC, dirs_exist_ok=True)
    known = dict(course.NOTEBOOKS)
    available = [n for n, _ in course.NOTEBOOKS if (folder / f"{n}.ipynb").is_file()]
    extra = sorted(p.stem for p in folder.glob("[0-9][0-9]_*.ipynb") if p.stem not in known)
    order = available + extra
    chosen = [n for n in order if not names or any(n.startswith(a) for a in names)]
    written = []
    for name in chosen:
        nb = nbformat.read(str(folder / f"{name}.ipynb"), as_version=4)
        took = execute(nb, folder) if run else 0.0
        nb = build_notebooks.stable_widget_ids(build_notebooks.coalesce_streams(nb))
        i = order.index(name)
        page = export(nb, name, order[i - 1] if i > 0 else None, order[i + 1] if i + 1 < len(order) else None)
        path = out / f"{name}.html"
        path.write_text(page, encoding="utf-8")
        written.append(path)
        print(f"{path.relative_to(ROOT) if path.is_relative_to(ROOT) else path}: "
              f"{len(page) // 1024} KiB" + (f", executed in {took:.1f} s" if run else ""))
    (out / "index.html").write_text(index_page([(n, known.get(n, "")) for n in order]), encoding="utf-8")
    return written


def main(argv: list[str]) -> int:
    out, run, names = ROOT / "site", True, []
    args = iter(argv)
    for a in args:
        if a == "--out":
            out = Path(next(args)).resolve()
        elif a == "--no-execute":
            run = False
        else:
            names.append(a)
    build(out, names, run)
    print(f"static edition in {out}/index.html")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
