"""What every widget shares: escaping, small HTML pieces, the error area and its guard.

Everything that reaches a widget's HTML goes through :func:`text` (or :func:`pre`):
invisible and line-breaking characters become visible escapes first
(:func:`tokenlab.view.text.visible`), then ``html.escape`` makes markup plain text.
Account names, image names and event names are data a learner (or an attacker) chose.
"""
from __future__ import annotations

import functools
import html
import re
import traceback

import ipywidgets as w

from ..view import palette as pal
from ..view.text import visible
MONO = "font-family:SFMono-Regular,Menlo,Consolas,monospace;font-size:12px"


def text(value) -> str:
    """``value`` as HTML text: invisible characters shown as escapes, markup escaped."""
    return html.escape(visible(str(value)), quote=True)


def lines(value) -> str:
    """Like :func:`text`, but newlines stay line breaks (for ``<pre>`` blocks)."""
    return "\n".join(text(line) for line in str(value).split("\n"))


def label(value) -> str:
    """Text for a plain-text label (Dropdown options, Accordion and Tab titles): the
    frontend shows these as text, never as markup, so only invisible characters need care."""
    return visible(str(value))


def pre(value, style: str = "") -> str:
    # Long lines wrap at blanks only, never inside a name ("NT AUTHORITY\\SY|STEM"); a name
    # longer than the line scrolls in its own box.
    return (f'<pre style="{MONO};white-space:pre-wrap;word-break:normal;overflow-wrap:normal;overflow-x:auto;'
            f'margin:2px 0;{style}">'
            f"{lines(value)}</pre>")


def box(inner: str, colour: str = pal.GREY, fill: str = pal.GREY_100) -> str:
    return (f'<div style="border-left:4px solid {colour};background:{fill};padding:4px 8px;'
            f'margin:2px 0">{inner}</div>')


def note(message: str) -> str:
    """A quiet message: a state that is not an error (no calls, no checks...)."""
    return f'<div style="color:{pal.GREY};font-style:italic;padding:4px 0">{text(message)}</div>'


_SVG_SIZE = re.compile(r'<svg width="[^"]*" height="[^"]*"')


# A stepper's picture box (ScenarioPlayer, Compare): no taller than the screen under the
# stepper's buttons and text (1366x768 leaves about 480 px in JupyterLab), opened on what
# the step coloured.
GRAPH_WINDOW = {"max_height": "max(300px, calc(100vh - 290px))", "show_changed": True}


def svg_html(graph, fit: bool = False, *, max_height: str = "", show_changed: bool = False) -> str:
    """A view's graph rendered (through the cached :func:`tokenlab.view.svg`) for an HTML
    widget: at Graphviz's size in a box that scrolls both ways when the picture is larger
    (``max_height``, a CSS length, bounds the box's height), or with ``fit`` scaled to the
    box's width. The box is the scroll container: the widget around it never scrolls.

    ``show_changed`` (with ``max_height``): the box opens scrolled just enough to show what
    the picture colours as added or changed (CSS ``scroll-initial-target`` on a marker laid
    over those boxes, aligned by its end; a browser without it opens the box at the top,
    and the learner scrolls). Nothing is scrolled when they are already in view, so a
    picture that fits never moves."""
    from ..view import svg

    source = svg(graph)
    source = source[source.find("<svg"):]  # drop the XML prolog and doctype: this goes inside HTML
    if fit:
        source = _SVG_SIZE.sub('<svg width="100%" style="height:auto"', source, count=1)
    height = f";max-height:{max_height}" if max_height else ""
    marker = ""
    span = changed_span(source) if show_changed else None
    if span is not None:
        top, bottom = span
        # Aligned by its end: the box scrolls only as far as brings the marker's bottom into
        # view, so what is already in view stays put and what is below comes up with the
        # picture above it for context. A marker taller than the smallest box (300 px in
        # GRAPH_WINDOW) is cut to its top part, so the top of the change shows.
        box = _VIEWBOX.search(source)
        total_px = float(box.group(1)) * 4 / 3 if box else 0.0
        if total_px:
            bottom = min(bottom, top + 260 / total_px)
        marker = (f'<div class="tokenlab-changed-marker" style="position:absolute;left:0;width:1px;'
                  f'top:{100 * top:.2f}%;height:{100 * (bottom - top):.2f}%;scroll-margin:12px;'
                  f'scroll-snap-align:end;scroll-initial-target:nearest;pointer-events:none"></div>')
        source = f'<div style="position:relative;display:inline-block;max-width:100%">{source}{marker}</div>'
    return (f'<div class="tokenlab-graph" style="overflow:auto;max-width:100%;box-sizing:border-box{height}">'
            f"{source}</div>")


_VIEWBOX = re.compile(r'viewBox="[-\d.]+ [-\d.]+ [\d.]+ ([\d.]+)"')
_GRAPH_TRANSFORM = re.compile(r'class="graph" transform="scale\(([-\d.]+) ([-\d.]+)\) rotate\(0\) '
                              r'translate\(([-\d.]+) ([-\d.]+)\)"')
_NODE_START = re.compile(r'<g id="node\d+" class="node">')
_NEXT_GROUP = re.compile(r'<g id="(?:node|edge|clust)\d+"')
_SHAPE = re.compile(r'<(?:polygon|path|ellipse)\b[^>]*\bfill="([^"]+)"[^>]*?(?:points="([^"]*)"|d="([^"]*)"|cy="([^"]*)")')


def changed_span(source: str) -> tuple[float, float] | None:
    """(top, bottom) of the boxes a Graphviz SVG fills as added or changed, as fractions of
    the picture's height (0 at the top); None when nothing is coloured so."""
    from ..view import DIFF_STYLES

    fills = {DIFF_STYLES[s]["fillcolor"].lower() for s in ("added", "changed")}
    box, tr = _VIEWBOX.search(source), _GRAPH_TRANSFORM.search(source)
    if box is None or tr is None:
        return None
    height = float(box.group(1))
    sy, ty = float(tr.group(2)), float(tr.group(4))
    ys: list[float] = []
    for m in _NODE_START.finditer(source):
        end = _NEXT_GROUP.search(source, m.end())
        shape = _SHAPE.search(source, m.end(), end.start() if end else len(source))
        if shape is None or shape.group(1).lower() not in fills:
            continue
        coords = shape.group(2) or shape.group(3) or shape.group(4) or ""
        nums = [float(v) for v in re.findall(r"-?\d+(?:\.\d+)?", coords)]
        if shape.group(4):
            values = nums
        else:
            values = nums[1::2]  # x,y pairs: the y of each
        ys += [(v + ty) * sy for v in values]
    if not ys or height <= 0:
        return None
    return max(0.0, min(ys) / height), min(1.0, max(ys) / height)


def legend_strip(title: str = "what the call changed") -> str:
    """The diff colours as one line of HTML (the widgets' legend; pictures carry their own)."""
    from ..view import DIFF_STYLES, LEGEND

    cells = []
    for state, (mark, words) in LEGEND.items():
        st = DIFF_STYLES[state]
        border = "dashed" if "dashed" in st.get("style", "") else "solid"
        cells.append(f'<span style="border:2px {border} {st["color"]};background:{st.get("fillcolor", "white")};'
                     f'border-radius:4px;padding:0 6px;margin-left:6px;white-space:nowrap">'
                     f"{text(mark)} {text(words.split(':')[0])}</span>")
    return (f'<div class="tokenlab-legend" style="font-size:12px;line-height:1.2;color:{pal.GREY_700};margin:0">'
            f"{text(title)}:{''.join(cells)}</div>")


def static_mode() -> bool:
    """True while the static edition is built (tools/build_site.py sets TOKENLAB_STATIC=1):
    steppers then pre-render every step so the saved page steps without a kernel."""
    import os

    return os.environ.get("TOKENLAB_STATIC", "") == "1"


def fit_toggle(value: bool) -> w.Checkbox:
    return w.Checkbox(value=value, description="fit graphs to width", indent=False, layout=w.Layout(width="auto"))


def stale(inner: str, why: str) -> str:
    """A picture that no longer matches the input: dimmed, with the reason on top."""
    return (f'<div style="color:{pal.AMBER};font-weight:bold;padding:2px 0">stale: {text(why)}</div>'
            f'<div style="opacity:0.4">{inner}</div>')


_ADDRESS = re.compile(r" at 0x[0-9a-fA-F]+")


def error_html(exc: BaseException, where: str) -> str:
    """An unexpected exception as a red box: what failed, and the traceback to report."""
    tb = "".join(traceback.format_exception(type(exc), exc, exc.__traceback__))
    message = _ADDRESS.sub("", f"{type(exc).__name__}: {exc}")
    return (f'<div style="color:{pal.RED};background:{pal.RED_FILL};border:1px solid {pal.RED};padding:4px 8px">'
            f"<b>The widget hit an error</b> (while {text(where)}): {text(message)}"
            f"<details><summary>traceback</summary>{pre(_ADDRESS.sub('', tb))}</details></div>")


def error_area() -> w.HTML:
    """Where a widget shows an exception from one of its callbacks (empty when all is well)."""
    return w.HTML(value="", layout=w.Layout(width="100%"))


def guarded(method):
    """Run a widget callback so that no exception escapes to the kernel or kills the widget.

    The outermost guarded call clears ``self.error`` first; an exception is shown there
    instead of raised. Nested guarded calls keep the first error they hit.
    """
    @functools.wraps(method)
    def wrapper(self, *args, **kwargs):
        outermost = not getattr(self, "_guard_depth", 0)
        if outermost:
            self.error.value = ""
        self._guard_depth = getattr(self, "_guard_depth", 0) + 1
        try:
            return method(self, *args, **kwargs)
        except Exception as exc:  # noqa: BLE001 - the point is to catch everything
            if not self.error.value:
                self.error.value = error_html(exc, method.__name__.strip("_").replace("_", " "))
            return None
        finally:
            self._guard_depth -= 1
    return wrapper


def view(name: str):
    """A function of :mod:`tokenlab.view`, looked up when used: a missing one is an error
    shown inside the widget, not an import error, and a test can stand in for it."""
    from .. import view as views

    found = getattr(views, name, None)
    if found is None:
        raise NotImplementedError(f"tokenlab.view.{name} is not available in this version")
    return found


def nav_buttons() -> tuple[w.Button, w.Button, w.Button, w.Button]:
    """first / back / next / last."""
    layout = w.Layout(width="auto")
    return (w.Button(description="first", icon="fast-backward", tooltip="first call", layout=layout),
            w.Button(description="back", icon="step-backward", tooltip="previous call", layout=layout),
            w.Button(description="next", icon="step-forward", tooltip="next call", layout=layout),
            w.Button(description="last", icon="fast-forward", tooltip="last call", layout=layout))


class Stepper:
    """first / back / next / last moving one slider, for widgets that step through calls.

    A widget mixes this in, creates ``self.slider`` and the four buttons (:func:`nav_buttons`),
    calls :meth:`wire_nav`, and defines ``_show()``, which the slider's every move calls.
    """

    def wire_nav(self) -> None:
        self.first.on_click(self._on_first)
        self.back.on_click(self._on_back)
        self.next.on_click(self._on_next)
        self.last.on_click(self._on_last)
        self.slider.observe(self._on_slider, names="value")

    @guarded
    def _on_first(self, _button=None):
        self.slider.value = self.slider.min

    @guarded
    def _on_back(self, _button=None):
        self.slider.value = max(self.slider.value - 1, self.slider.min)

    @guarded
    def _on_next(self, _button=None):
        self.slider.value = min(self.slider.value + 1, self.slider.max)

    @guarded
    def _on_last(self, _button=None):
        self.slider.value = self.slider.max

    @guarded
    def _on_slider(self, _change=None):
        self._show()


def set_nav(slider: w.IntSlider, first, back, next_, last) -> None:
    """Buttons disabled where they would go nowhere."""
    at_start = slider.value <= slider.min or slider.disabled
    at_end = slider.value >= slider.max or slider.disabled
    first.disabled = back.disabled = at_start
    next_.disabled = last.disabled = at_end
