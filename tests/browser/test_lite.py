"""The live edition (``make lite``): notebook 04 runs in the browser, in Pyodide, with no server.

The built site (``lite/``, or ``$TOKENLAB_LITE``) is served as plain static files from a
loopback port by a thread of this process — nothing runs Python but the browser. Headless
Chromium opens ``04_duplicated_token`` (as stored in ``notebooks/``) in JupyterLite's
JupyterLab, clears its outputs and runs all cells in the Pyodide kernel (tests/browser/lab.js,
the helpers of the JupyterLab test), then checks:

- no error output, every widget rendered, every SVG output shown, every widget graph an SVG
  (tokenlab.view renders the DOT with Graphviz in WebAssembly there);
- the ScenarioPlayer steps on "next" and its graph changes;
- the access-check narration, and every other output nbval checks, matches the stored
  notebook's (made by CPython with the real ``dot``);
- nothing was requested from anywhere but the site.

Every wait is on a page signal (the app, the kernel's status, execution counts, the DOM);
the Pyodide kernel's start (download and load of the interpreter and every wheel) has its
own generous timeout.
"""
from __future__ import annotations

import http.server
import json
import os
import re
import threading
import time
import warnings
from functools import partial
from pathlib import Path

import pytest

from labserver import CHROMIUM, CHROMIUM_ARGS, NOTEBOOKS, SCREENSHOTS, reap_adopted, set_subreaper
from test_notebooks_in_browser import LAB_JS, PageFailure, _check_outputs, _diagnose, _screenshot, _step_all, _wait

pytestmark = [pytest.mark.browser, pytest.mark.slow]

REPO = Path(__file__).resolve().parents[2]
SITE = Path(os.environ.get("TOKENLAB_LITE") or REPO / "lite")
NAME = "04_duplicated_token"
T_BOOT = 240_000   # ms: the app, then Pyodide and every wheel loaded in the kernel's worker
T_RUN = 240_000    # ms: all cells (Pyodide is slower than CPython)


class _Handler(http.server.SimpleHTTPRequestHandler):
    extensions_map = {**http.server.SimpleHTTPRequestHandler.extensions_map,
                      ".mjs": "text/javascript", ".js": "text/javascript", ".wasm": "application/wasm",
                      ".json": "application/json", ".whl": "application/octet-stream"}

    def log_message(self, *args):  # quiet
        pass


class _NoLog:
    """The static server has no log: what _diagnose asks of a server."""

    def log_tail(self, n: int = 30) -> str:
        return "(static site: no server log)"


@pytest.fixture(scope="module")
def site_url():
    if not (SITE / "jupyter-lite.json").is_file():
        pytest.fail(f"{SITE} holds no JupyterLite site: run make lite first")
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), partial(_Handler, directory=str(SITE)))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(10)


def _stored_checked_outputs(path: Path) -> dict[int, str]:
    """{cell index: stream text} of the cells nbval checks (# NBVAL_CHECK_OUTPUT)."""
    nb = json.loads(path.read_text(encoding="utf-8"))
    found = {}
    for i, cell in enumerate(nb["cells"]):
        if cell["cell_type"] == "code" and "NBVAL_CHECK_OUTPUT" in "".join(cell["source"]):
            found[i] = "".join("".join(o["text"]) if isinstance(o["text"], list) else o["text"]
                               for o in cell.get("outputs", []) if o.get("output_type") == "stream")
    return found


def _sanitize(text: str) -> str:
    return re.sub(r"at 0x[0-9a-fA-F]+", "at 0xADDR", text)


def test_notebook_04_runs_live_in_pyodide(site_url):
    from playwright.sync_api import sync_playwright

    if not os.access(CHROMIUM, os.X_OK):
        pytest.fail(f"{CHROMIUM} not found: make test installs chromium (tools/apt-test.txt)")
    stored = _stored_checked_outputs(NOTEBOOKS / f"{NAME}.ipynb")
    assert stored, "notebook 04 has no checked outputs"
    outside: list[str] = []
    console: list[str] = []
    timings = {}
    subreaper = set_subreaper(True)
    pw = sync_playwright().start()
    try:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, timeout=120_000)
        context = browser.new_context(viewport={"width": 1280, "height": 900}, device_scale_factor=1)
        context.set_default_timeout(T_BOOT)
        page = context.new_page()
        page.on("request", lambda r: None if r.url.startswith((site_url, "data:", "blob:"))
                else outside.append(r.url))
        page.on("console", lambda m: console.append(f"console.{m.type}: {m.text[:300]}")
                if m.type == "error" else None)
        page.on("pageerror", lambda exc: console.append(f"pageerror: {exc}"))
        log = _NoLog()
        try:
            t0 = time.perf_counter()
            page.goto(f"{site_url}lab/index.html?path={NAME}.ipynb", wait_until="domcontentloaded")
            page.wait_for_function("() => !!(window.jupyterapp && window.jupyterapp.shell)", polling=100)
            page.evaluate(LAB_JS)
            try:
                page.evaluate("([path, ms]) => window.__tl.open(path, ms)", [f"{NAME}.ipynb", T_BOOT])
            except Exception as exc:
                raise PageFailure(f"opening {NAME}: {exc}\n" + _diagnose(page, log)) from None
            _wait(page, "kernelIdle", "the Pyodide kernel to start (idle)", T_BOOT, lab=log)
            timings["boot"] = time.perf_counter() - t0
            t1 = time.perf_counter()
            try:
                page.evaluate("ms => window.__tl.runAll(ms)", T_RUN)
            except Exception as exc:
                raise PageFailure(f"running all cells: {exc}\n" + _diagnose(page, log)) from None
            _wait(page, "runFinished", "every code cell to run", T_RUN, lab=log)
            _wait(page, "rendered", "widget views and SVG images to render", 60_000, lab=log)
            timings["run"] = time.perf_counter() - t1

            report = page.evaluate("() => window.__tl.report()")
            problems = _check_outputs(report, f"lite {NAME}")
            step_problems, players_stepped = _step_all(page, log, f"lite {NAME}")
            problems += step_problems
            if not players_stepped:
                problems.append("no ScenarioPlayer's graph changed on 'next'")

            live = {}
            for i in page.evaluate("() => window.__tl.panel.content.widgets.map((c, i) => i)"):
                if i in stored:
                    live[i] = page.evaluate("""i => {
                        const c = window.__tl.panel.content.widgets[i];
                        const outs = c.model.outputs; let text = '';
                        for (let k = 0; k < outs.length; k++) {
                          const o = outs.get(k).toJSON();
                          if (o.output_type === 'stream') text += Array.isArray(o.text) ? o.text.join('') : o.text;
                        }
                        return text; }""", i)
            for i, want in stored.items():
                if _sanitize(live.get(i, "")) != _sanitize(want):
                    problems.append(f"cell {i}: output differs from the stored notebook\n--- stored\n{want[:1500]}"
                                    f"\n--- live\n{live.get(i, '')[:1500]}")
            narration = [i for i, text in stored.items() if "Access" in text and "ACE" in text]
            assert narration, "notebook 04 stores no access-check narration to compare"

            svgs = sum(len(c["svgs"]) for c in report["cells"])
            graphs = sum(len(c["graphs"]) for c in report["cells"])
            if not svgs or not graphs:
                problems.append(f"expected SVG outputs and widget graphs, found {svgs} and {graphs}")
            print(f"lite {NAME}: Pyodide kernel ready in {timings['boot']:.0f} s, all cells in "
                  f"{timings['run']:.0f} s; {len(report['cells'])} code cells, {svgs} SVG outputs, "
                  f"{graphs} widget graphs, {len(stored)} checked outputs compared, "
                  f"{players_stepped} ScenarioPlayer(s) stepped")
            if problems:
                if console:
                    problems.append("browser console errors:\n  " + "\n  ".join(console[:20]))
                pytest.fail("\n".join(problems), pytrace=False)
        finally:
            try:
                _screenshot(page, f"lite-{NAME}")
            finally:
                context.close()
                browser.close()
    finally:
        pw.stop()
        if subreaper:
            killed = reap_adopted()
            set_subreaper(False)
            if killed:
                warnings.warn(f"had to kill leftover processes: {killed}", stacklevel=1)
    assert not outside, f"the site asked for something off itself: {sorted(set(outside))[:10]}"
