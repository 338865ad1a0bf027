"""Compare: two recorded runs side by side, step-aligned, one slider for both."""
from __future__ import annotations

import ipywidgets as w

from ..view.compare import KIND_TEXT, align
from ..view import palette as pal
from . import _common as c

_ROW_STYLE = {
    "same": "",
    "differs": f"background:{pal.AMBER_FILL};",
    "a_only": f"background:{pal.BLUE_FILL};",
    "b_only": f"background:{pal.BLUE_FILL};",
}


class Compare(c.Stepper, w.VBox):
    """Two traces of one story, aligned (:func:`tokenlab.view.compare.align`) and stepped together.

    ``Compare(trace_a, trace_b, *, titles=None, static=None)``. Each slider position is one
    aligned row: both runs' calls when both made one, a gap on the side that did not. The
    picture is one graph at full width: run B's machine at this row, coloured where it
    *differs from run A's* at the same row (amber: same object, other details, such as the
    duplicate's DACL; green: only in B; faded: only in A). Every row is drawn on one shared
    layout, so nothing moves. ``differences`` lists the same in words; each run's own
    picture (changes since its previous call) is one click away.

    Public children:

    ``first``, ``back``, ``next``, ``last``, ``slider``   shared navigation over the rows
    ``position``   HTML: which row, and how the two runs compare there
    ``a_call``, ``b_call``    HTML: each run's call and outcome at this row (or the gap)
    ``diff_graph`` HTML: B's object graph with what differs from A coloured (SVG)
    ``differences``  HTML: what differs between the runs at this row, as text
    ``a_graph``, ``b_graph``  HTML: each run's own object graph (SVG), in the ``runs`` Accordion
    ``fit``        Checkbox: scale the graphs to the width (default off: actual size, legible)
    ``calls``      HTML: every row, both runs, differences marked, the current row marked
    ``pages``      Stack: static edition only, every row pre-rendered and jslinked to the slider
    ``error``      HTML: an exception from a callback, if any

    ``rows`` is the alignment (a list of :class:`tokenlab.view.compare.Row`).
    """

    def __init__(self, trace_a, trace_b, *, titles: tuple[str, str] | None = None, static: bool | None = None):
        for name, t in (("trace_a", trace_a), ("trace_b", trace_b)):
            if not (hasattr(t, "steps") and hasattr(t, "snapshots")):
                raise TypeError(f"{name} must be a recorded tokenlab Trace, got {type(t).__name__}")
        self.traces = (trace_a, trace_b)
        self.titles = tuple(titles) if titles else (trace_a.title or "run A", trace_b.title or "run B")
        if len(self.titles) != 2:
            raise ValueError(f"titles must be two strings, got {titles!r}")
        self.rows = align(trace_a, trace_b)
        self.error = c.error_area()
        self.first, self.back, self.next, self.last = c.nav_buttons()
        n = len(self.rows)
        self.slider = w.IntSlider(value=0, min=0, max=max(n - 1, 0), description="row", disabled=n == 0,
                                  layout=w.Layout(width="360px"))
        self.position = w.HTML()
        self.a_call, self.b_call = w.HTML(), w.HTML()
        self.legend = w.HTML(value=c.legend_strip("B compared with A at this row"))
        self.diff_graph = w.HTML(layout=w.Layout(width="100%"))
        self.differences = w.HTML()
        self.a_graph = w.HTML(layout=w.Layout(width="100%"))
        self.b_graph = w.HTML(layout=w.Layout(width="100%"))
        self.fit = c.fit_toggle(False)
        self.calls = w.HTML()
        self.pages = None
        self.links: tuple = ()
        self._pinned = None
        try:
            self._pinned = c.view("pairs_layout")((self._pair(k) for k in range(n)), was=True) if n else None
        except Exception:  # noqa: BLE001 - without a shared layout each row is laid out alone
            self._pinned = None

        self.wire_nav()
        self.fit.observe(self._on_slider, names="value")

        half = w.Layout(width="50%", overflow="hidden")
        heads = [w.HTML(f"<b>A: {c.text(self.titles[0])}</b>"), w.HTML(f"<b>B: {c.text(self.titles[1])}</b>")]
        sides = w.HBox([w.VBox([heads[0], self.a_call], layout=half), w.VBox([heads[1], self.b_call], layout=half)])
        self.runs = w.Accordion(children=[w.VBox([self.a_graph]), w.VBox([self.b_graph])])
        self.runs.titles = (c.label(f"run A on its own: {self.titles[0]}"), c.label(f"run B on its own: {self.titles[1]}"))
        wrap = w.Layout(flex_flow="row wrap", align_items="center")
        controls = w.HBox([self.first, self.back, self.slider, self.next, self.last, self.fit], layout=wrap)
        live = [self.position, sides, self.legend, self.diff_graph, self.differences, self.runs, self.calls]
        if static if static is not None else c.static_mode():
            self.pages = w.Stack(children=[self._static_page(k) for k in range(n)], selected_index=0 if n else None)
            box = w.BoundedIntText(value=0, min=0, max=max(n - 1, 0), description="row", layout=w.Layout(width="150px"))
            self.links = (w.jslink((self.slider, "value"), (box, "value")),
                          w.jslink((self.slider, "value"), (self.pages, "selected_index")))
            note = w.HTML(value=c.note("Static page: move the slider, or the arrows of the row box, to step."))
            super().__init__(children=[w.HBox([self.slider, box, note], layout=wrap), self.error, self.pages])
        else:
            super().__init__(children=[controls, self.error, *live])
        self._show()

    @property
    def row(self):
        """The aligned row at the slider, or None when neither run made a call."""
        return self.rows[self.slider.value] if self.rows else None

    def _snap(self, k: int, side: int):
        """Run ``side``'s machine as it stands at row ``k`` (after its call there, or after
        its last call before a gap)."""
        trace = self.traces[side]
        for row in reversed(self.rows[:k + 1]):
            index = row.a if side == 0 else row.b
            if index is not None:
                return trace.steps[index].snapshot
        return trace.initial

    def _pair(self, k: int):
        return (self._snap(k, 1), self._snap(k, 0))

    def _diff_graph(self, k: int):
        object_graph = c.view("object_graph")
        b, a = self._pair(k)
        row = self.rows[k]
        tid = self.traces[1].steps[row.b].tid if row.b is not None else None
        return object_graph(b, previous=a, focus_tid=tid, legend=False, pinned=self._pinned, was=True)

    def _differences_html(self, k: int) -> str:
        b, a = self._pair(k)
        table = c.view("object_table")(b, a)
        marked = []
        for line in table.splitlines()[1:]:
            if line[:1] in "+-~" or line.strip().startswith("was:"):
                marked.append(line)
        if not marked:
            return c.note("The two machines are the same at this row.")
        return (f'<div style="color:{pal.GREY}">what differs (B, then <i>was:</i> A)</div>'
                + c.pre("\n".join(x.strip() for x in marked)))

    def _position_html(self, k: int) -> str:
        row = self.rows[k]
        return (f"<b>row {k}</b> (rows 0–{len(self.rows) - 1}, as in compare_table): "
                + {"same": "both runs made the same call, with the same outcome",
                   "differs": "the runs differ here",
                   "a_only": "only A made this call",
                   "b_only": "only B made this call"}[row.kind])

    def _static_page(self, k: int) -> w.VBox:
        row = self.rows[k]
        half = w.Layout(width="50%", overflow="hidden")
        sides = w.HBox([w.VBox([w.HTML(f"<b>A: {c.text(self.titles[0])}</b>"),
                                w.HTML(self._side_html(self.traces[0], row.a, row.kind, "A"))], layout=half),
                        w.VBox([w.HTML(f"<b>B: {c.text(self.titles[1])}</b>"),
                                w.HTML(self._side_html(self.traces[1], row.b, row.kind, "B"))], layout=half)])
        return w.VBox([w.HTML(self._position_html(k)), sides, w.HTML(c.legend_strip("B compared with A at this row")),
                       w.HTML(c.svg_html(self._diff_graph(k), **c.GRAPH_WINDOW)), w.HTML(self._differences_html(k)),
                       w.HTML(self._calls_html(k))])

    @c.guarded
    def _show(self):
        c.set_nav(self.slider, self.first, self.back, self.next, self.last)
        if not self.rows:
            self.position.value = c.note("Neither run made a call: there is nothing to compare yet.")
            self.a_call.value = self.b_call.value = self.calls.value = self.differences.value = ""
            object_graph = c.view("object_graph")
            self.a_graph.value = c.svg_html(object_graph(self.traces[0].initial), self.fit.value)
            self.b_graph.value = c.svg_html(object_graph(self.traces[1].initial), self.fit.value)
            self.diff_graph.value = c.svg_html(object_graph(self.traces[1].initial, previous=self.traces[0].initial,
                                                            legend=False), self.fit.value)
            return
        k = self.slider.value
        row = self.rows[k]
        self.position.value = self._position_html(k)
        sides = ((self.traces[0], row.a, self.a_call, self.a_graph), (self.traces[1], row.b, self.b_call, self.b_graph))
        for side, (trace, index, call, graph) in enumerate(sides):
            call.value = self._side_html(trace, index, row.kind, "AB"[side])
            graph.value = c.svg_html(self._graph(trace, index, k, side), self.fit.value)
        self.diff_graph.value = c.svg_html(self._diff_graph(k), self.fit.value, **c.GRAPH_WINDOW)
        self.differences.value = self._differences_html(k)
        self.calls.value = self._calls_html(k)

    def _graph(self, trace, index, k: int, side: int):
        object_graph = c.view("object_graph")
        if index is None:
            # A gap: this run's machine as it stood after its last call before this row.
            earlier = [r.a if side == 0 else r.b for r in self.rows[:k]]
            earlier = [i for i in earlier if i is not None]
            snap = trace.steps[earlier[-1]].snapshot if earlier else trace.initial
            return object_graph(snap)
        step = trace.steps[index]
        previous = trace.steps[index - 1].snapshot if index > 0 else trace.initial
        return object_graph(step.snapshot, previous=previous, focus_tid=step.tid)

    @staticmethod
    def _side_html(trace, index, kind: str, name: str) -> str:
        if index is None:
            return c.box(f"<i>— run {name} made no call here —</i>", pal.GREY, pal.GREY_150)
        step = trace.steps[index]
        colour = {"same": pal.GREY, "differs": pal.AMBER}.get(kind, pal.BLUE)
        outcome = (f"<b>returned</b> <code>{c.text(step.result)}</code>" if step.ok
                   else f'<b style="color:{pal.RED}">failed: {c.text(step.error)}</b>')
        return c.box(f'<div style="color:{pal.GREY}">trace.steps[{index}] in {c.text(step.image)} '
                     f"on thread {step.tid}</div>{c.pre(step.call)}{outcome}", colour,
                     pal.AMBER_FILL if kind == "differs" else pal.GREY_100)

    def _calls_html(self, current: int) -> str:
        a, b = self.traces
        rows = []
        for k, row in enumerate(self.rows):
            cells = []
            for trace, index in ((a, row.a), (b, row.b)):
                if index is None:
                    cells.append(f'<td style="color:{pal.GREY};padding:1px 6px">—</td>')
                    continue
                s = trace.steps[index]
                outcome = f"-> {s.result}" if s.ok else f"!! {s.error}"
                colour = f"color:{pal.RED};" if not s.ok else ""
                cells.append(f'<td style="{colour}padding:1px 6px;white-space:pre-wrap;word-break:normal;overflow-wrap:normal">'
                             f"{c.text(f'{index:>2} {s.call}  {outcome}')}</td>")
            here = k == current
            style = _ROW_STYLE[row.kind] + (f"outline:2px solid {pal.BLUE};font-weight:bold;" if here else "")
            mark = ("▶ " if here else "") + KIND_TEXT[row.kind]
            rows.append(f'<tr style="{style}"><td style="padding:1px 6px;white-space:nowrap">{c.text(mark)}</td>'
                        + "".join(cells) + "</tr>")
        head = (f'<tr><th></th><th style="text-align:left">A: {c.text(self.titles[0])}</th>'
                f'<th style="text-align:left">B: {c.text(self.titles[1])}</th></tr>')
        return (f'<table style="{c.MONO};border-collapse:collapse;width:100%;table-layout:fixed">'
                f'<col style="width:90px"><col><col>{head}{"".join(rows)}</table>')

    def __repr__(self) -> str:
        row = self.row
        where = ("no calls" if row is None
                 else f"row {self.slider.value} of 0-{len(self.rows) - 1}: {KIND_TEXT[row.kind]}")
        return f"Compare({self.titles[0]!r} vs {self.titles[1]!r}: {where})"
