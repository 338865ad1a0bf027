"""The static edition (``make html``): pages hold the graphs and the widget state, load
nothing from the network, and render their widgets in a real browser without a kernel."""
from __future__ import annotations

import json
import re
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "tools"))

import build_site  # noqa: E402
from labserver import CHROMIUM, CHROMIUM_ARGS, reap_adopted, set_subreaper  # noqa: E402

NOTEBOOKS = sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))
VIEW = "application/vnd.jupyter.widget-view+json"
STATE = "application/vnd.jupyter.widget-state+json"


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    """The site built exactly as ``make html`` builds it (every notebook executed)."""
    out = tmp_path_factory.mktemp("site")
    pages = build_site.build(out)
    return out, {p.stem: p for p in pages}


def _stored_views(name: str) -> int:
    nb = json.loads((ROOT / "notebooks" / f"{name}.ipynb").read_text(encoding="utf-8"))
    return sum(1 for c in nb["cells"] for o in c.get("outputs", ()) if VIEW in o.get("data", {}))


def _has_graph(name: str) -> bool:
    nb = json.loads((ROOT / "notebooks" / f"{name}.ipynb").read_text(encoding="utf-8"))
    return any("image/svg+xml" in o.get("data", {}) or "<svg" in json.dumps(o.get("data", {}))
               for c in nb["cells"] for o in c.get("outputs", ()))


def test_index_lists_every_page(site):
    out, pages = site
    index = (out / "index.html").read_text(encoding="utf-8")
    assert set(pages) == {p.stem for p in NOTEBOOKS}
    for name in pages:
        assert f'href="{name}.html"' in index


@pytest.mark.parametrize("name", [p.stem for p in NOTEBOOKS])
def test_page_holds_graphs_and_widget_state(site, name):
    out, pages = site
    page = pages[name].read_text(encoding="utf-8")
    if _has_graph(name):
        assert "data:image/svg+xml" in page or "<svg" in page, "the graphs are inline SVG"
    views = page.count(f'<script type="{VIEW}">')
    assert views == _stored_views(name), "one saved widget view per widget output"
    if views:
        state = re.search(rf'<script type="{re.escape(STATE)}">(.*?)</script>', page, re.S)
        assert state, "the widget state is stored in the page"
        models = json.loads(state.group(1))["state"]
        for view_id in re.findall(r'"model_id": "([0-9a-f]+)"', page):
            assert view_id in models, f"widget model {view_id} has no saved state"
    # Offline: nothing from a CDN, the widget renderer ships next to the page.
    assert not re.search(r"(unpkg\.com|cdnjs\.cloudflare\.com|cdn\.jsdelivr\.net)", page)
    assert (out / build_site.STATIC / "embed.js").is_file()


def test_a_page_renders_its_widgets_without_a_kernel(site):
    playwright = pytest.importorskip("playwright.sync_api")
    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} is missing: make test installs chromium (tools/apt-test.txt)")
    out, pages = site
    with_widgets = [n for n in pages if pages[n].read_text(encoding="utf-8").count(f'<script type="{VIEW}">')]
    assert with_widgets, "no page has widgets to render"
    name = next((n for n in with_widgets if n.startswith("04")), with_widgets[0])
    expected = pages[name].read_text(encoding="utf-8").count(f'<script type="{VIEW}">')
    failed: list[str] = []
    subreaper = set_subreaper(True)  # Chromium's helpers outlive it by a moment: reap them
    with playwright.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            page = browser.new_page()
            page.on("requestfailed", lambda r: failed.append(r.url))
            page.goto(pages[name].as_uri())
            # html-manager replaces each view's <script> with a rendered widget.
            page.wait_for_function(
                "n => document.querySelectorAll('.jupyter-widgets .widget-vbox, .jupyter-widgets.widget-vbox, "
                ".jupyter-widgets > .widget-vbox').length >= n || document.body.innerText.includes('Error displaying widget')",
                arg=expected, timeout=60_000)
            text = page.inner_text("body")
            assert "Error displaying widget" not in text
            assert "Loading widget" not in text
            # Steppers step with their slider (jslinked to the saved pages); no button that
            # would need a kernel ("next" that does nothing) is shown.
            assert page.locator(".widget-slider").count() > 0
            nexts = [b for b in page.locator(".widget-button").all() if b.inner_text().strip() == "next"]
            assert not [b for b in nexts if b.is_visible()], "a 'next' button on a page without a kernel"
            shots = ROOT / "artifacts" / "screenshots"
            shots.mkdir(parents=True, exist_ok=True)
            page.screenshot(path=str(shots / f"static-{name}.png"), full_page=True)
        finally:
            browser.close()
            if subreaper:
                reap_adopted()
                set_subreaper(False)
    assert not failed, f"requests failed (the page must be self-contained): {failed}"


def _visible_text(page) -> str:
    return page.inner_text("body")


def test_a_static_player_steps_through_story_1_without_a_kernel(site):
    """The first ScenarioPlayer of 04 (story 1): every step, driven only by the page."""
    playwright = pytest.importorskip("playwright.sync_api")
    out, pages = site
    name = next(n for n in pages if n.startswith("04"))
    trace_len = len(__import__("tokenlab.scenarios", fromlist=["x"]).duplicated_token().steps)
    subreaper = set_subreaper(True)
    with playwright.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport={"width": 1366, "height": 768})
            page.goto(pages[name].as_uri())
            page.wait_for_function("() => document.querySelectorAll('input[type=number]').length > 0"
                                   " || document.body.innerText.includes('Error displaying widget')", timeout=60_000)
            assert "Error displaying widget" not in _visible_text(page)
            # The first player's step box (a BoundedIntText jslinked to its slider and pages).
            box = page.locator("input[type=number]").first
            stack = box.locator("xpath=ancestor::div[contains(@class,'widget-vbox')][1]")
            shots = ROOT / "artifacts" / "screenshots"
            shots.mkdir(parents=True, exist_ok=True)
            for i in range(trace_len):
                box.fill(str(i))
                box.press("Enter")
                page.wait_for_function("([el, i]) => el.innerText.includes(`trace.steps[${i}]`)",
                                       arg=[stack.element_handle(), i], timeout=10_000)
                shown = stack.inner_text()
                assert f"trace.steps[{i}]" in shown and f"trace.steps[{i + 1}]" not in shown
                assert stack.locator("svg").count() >= 1
                if i in (4, 5, 6):
                    stack.scroll_into_view_if_needed()
                    page.screenshot(path=str(shots / f"static-story1-step{i}.png"))
        finally:
            browser.close()
            if subreaper:
                reap_adopted()
                set_subreaper(False)
