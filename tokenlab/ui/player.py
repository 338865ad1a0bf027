"""ScenarioPlayer: step through a recorded trace, call by call."""
from __future__ import annotations

import re

import ipywidgets as w

from ..view import palette as pal
from . import _common as c


PRERENDER = 60  # steps whose pictures a player renders up front (in one Graphviz run)
GRAPH_WINDOW = c.GRAPH_WINDOW


class ScenarioPlayer(c.Stepper, w.VBox):
    """Step through the calls of a :class:`~tokenlab.trace.Trace`.

    Position ``i`` of the slider is ``trace.steps[i]`` (the numbers of ``trace.table()``):
    the call, what it returned, why, and the machine *after* it, with what the call changed
    coloured (the object graph is diffed against the state before the call, so position 0
    compares with ``trace.initial``).

    Public children (tests and notebooks drive these):

    ``first``, ``back``, ``next``, ``last``  Buttons; disabled where they would go nowhere
    ``slider``     IntSlider over the step indices
    ``position``   HTML: which call of how many, and on which thread
    ``call``       HTML: the call in Python and in C (``step.call``, ``step.c_call``)
    ``outcome``    HTML: the result, or the error in red
    ``narration``  HTML: why (``step.narration`` and COM's ``step.explanation`` lines)
    ``checks``     Accordion: one entry per access check the call made; opening one draws
                   its descriptor graph and the check's narrative (hidden when there are none)
    ``legend``     HTML: the diff colours, one line
    ``graph``      HTML: the object graph after the call, changes coloured (SVG); every step
                   is drawn on one layout of the whole trace, so nothing moves between steps.
                   Its box is at most a screen high under the buttons and opens scrolled to
                   what the call changed (:data:`GRAPH_WINDOW`)
    ``fit``        Checkbox: scale the graphs to the widget's width (default: actual size, scrolling)
    ``whole``      Checkbox: draw every process in full (by default a process the story never
                   touches is one folded box; hidden when there is none)
    ``pages``      Stack: in the static edition only (``TOKENLAB_STATIC=1``), every step
                   pre-rendered, its page linked to the slider in the browser (``jslink``),
                   so the saved page steps without a kernel; else None
    ``calls``      HTML: every call, the current one marked
    ``error``      HTML: an exception from a callback, if any (empty when all is well)

    ``step`` is the step shown; ``refresh()`` re-reads a trace that is still recording.
    """

    def __init__(self, trace, *, static: bool | None = None):
        if not (hasattr(trace, "steps") and hasattr(trace, "snapshots")):
            raise TypeError(f"trace must be a recorded tokenlab Trace (tl.record or tokenlab.scenarios), "
                            f"got {type(trace).__name__}")
        self.trace = trace
        self._pinned = None
        self._keep = None   # pids drawn in full; the rest folded (None: everything)
        self._layouts: dict = {}
        try:
            if trace.steps:
                keep = c.view("story_pids")(trace)
                if keep and any(p.pid not in keep for s in trace.steps for p in s.snapshot.processes):
                    self._keep = keep
                self._pinned = self._layout()
        except Exception:  # noqa: BLE001 - without a shared layout each step is laid out alone
            self._pinned = None
        if self._pinned is not None:
            # Every step's picture, rendered now in one Graphviz run: "next" then only swaps HTML.
            try:
                c.view("prerender")([self._graph_of(i) for i in range(min(len(trace.steps), PRERENDER))])
            except Exception:  # noqa: BLE001 - each step is then rendered when shown
                pass
        self.error = c.error_area()
        self.title = w.HTML(value=self._title_html())
        self.first, self.back, self.next, self.last = c.nav_buttons()
        n = len(trace.steps)
        self.slider = w.IntSlider(value=0, min=0, max=max(n - 1, 0), description="step",
                                  disabled=n == 0, continuous_update=True,
                                  layout=w.Layout(width="360px"))
        self.position = w.HTML()
        self.call = w.HTML()
        self.outcome = w.HTML()
        self.narration = w.HTML()
        self.checks = w.Accordion(children=(), layout=w.Layout(display="none"))
        self.legend = w.HTML(value=c.legend_strip())
        self.graph = w.HTML(layout=w.Layout(width="100%"))
        self.fit = c.fit_toggle(False)
        # Processes the story never touches are folded into one box each; this unfolds them.
        self.whole = w.Checkbox(value=False, description="whole machine", indent=False,
                                layout=w.Layout(width="auto", display="" if self._keep else "none"))
        self.calls = w.HTML()
        self.pages = None
        self.links: tuple = ()
        self._check_views: list[w.VBox] = []

        self.wire_nav()
        self.fit.observe(self._on_fit, names="value")
        self.whole.observe(self._on_fit, names="value")
        self.checks.observe(self._on_check_opened, names="selected_index")

        wrap = w.Layout(flex_flow="row wrap", align_items="center")
        controls = w.HBox([self.first, self.back, self.slider, self.next, self.last, self.fit, self.whole],
                          layout=wrap)
        # Python Tutor's order: the controls, what the call was and did, then the picture
        # right under them; the list of every call last.
        head = w.HBox([self.position, self.call, self.outcome],
                      layout=w.Layout(flex_flow="row wrap", align_items="baseline", margin="0"))
        live = [head, self.narration, self.legend, self.graph, self.checks, self.calls]
        if static if static is not None else c.static_mode():
            self.pages = self._static_pages()
            steps = w.BoundedIntText(value=0, min=0, max=max(n - 1, 0), description="step",
                                     layout=w.Layout(width="150px"))
            self.links = (w.jslink((self.slider, "value"), (steps, "value")),
                          w.jslink((self.slider, "value"), (self.pages, "selected_index")))
            note = w.HTML(value=c.note("Static page: move the slider, or the arrows of the step box, "
                                       "to step (no kernel needed)."))
            controls = w.HBox([self.slider, steps, note], layout=wrap)
            super().__init__(children=[self.title, controls, self.error, self.pages])
        else:
            super().__init__(children=[self.title, controls, self.error, *live])
        self._show()

    @c.guarded
    def refresh(self):
        """Read the trace again: a player made while still recording picks up the new calls."""
        n = len(self.trace.steps)
        self.title.value = self._title_html()
        self.slider.max = max(n - 1, 0)
        self.slider.disabled = n == 0
        self._show()

    # -- navigation (Stepper) and the fit toggle ---------------------------------------
    @c.guarded
    def _on_fit(self, _change=None):
        self._draw_graph()

    # -- what one position shows ----------------------------------------------------
    @property
    def step(self):
        """The step at the slider, or None for an empty trace."""
        steps = self.trace.steps
        return steps[self.slider.value] if steps else None

    def _title_html(self) -> str:
        n = len(self.trace.steps)
        title = self.trace.title or "recorded calls"
        return f"<b>{c.text(title)}</b> — {n} call{'s' if n != 1 else ''}"

    @c.guarded
    def _show(self):
        c.set_nav(self.slider, self.first, self.back, self.next, self.last)
        steps = self.trace.steps
        if not steps:
            self.position.value = c.note("This trace has no calls yet. Record some with "
                                         "`with tl.record(machine) as trace: ...`; the graph shows "
                                         "the machine as it was when recording started.")
            for area in (self.call, self.outcome, self.narration, self.calls):
                area.value = ""
            self._set_checks(None)
            self._draw_graph()
            return
        i = self.slider.value
        step = steps[i]
        self.position.value = self._position_html(i, step)
        self.call.value = self._call_html(step)
        self.outcome.value = self._outcome_html(step)
        self.narration.value = self._narration_html(step)
        self.calls.value = self._calls_html(i)
        self._set_checks(step)
        self._draw_graph()

    def _draw_graph(self):
        """The object graph after the step, coloured against the state before it. A
        recorded step never changes, so its picture is kept: a revisit only swaps HTML."""
        key = (self.slider.value if self.trace.steps else None, self.fit.value, self.whole.value)
        cache = self.__dict__.setdefault("_graph_html", {})
        if key in cache:
            self.graph.value = cache[key]
            return
        self.graph.value = cache[key] = c.svg_html(self._graph_of(self.slider.value if self.trace.steps else None),
                                                   self.fit.value, **GRAPH_WINDOW)

    def _graph_of(self, i):
        object_graph = c.view("object_graph")
        if i is None:
            return object_graph(self.trace.initial)
        step = self.trace.steps[i]
        previous = self.trace.steps[i - 1].snapshot if i > 0 else self.trace.initial
        # (``whole`` does not exist yet while __init__ pre-renders every step: folded then)
        whole = getattr(self, "whole", None)
        keep = None if whole is not None and whole.value else self._keep
        pinned = self._layout() if self._pinned is not None else None
        return object_graph(step.snapshot, previous=previous, focus_tid=step.tid, legend=False, pinned=pinned,
                            keep=keep)

    def _layout(self):
        """The trace's shared layout, folded or whole (each made once, when first needed)."""
        keep = None if getattr(self, "whole", None) is not None and self.whole.value else self._keep
        if keep not in self._layouts:
            self._layouts[keep] = c.view("trace_layout")(self.trace, keep=keep)
        return self._layouts[keep]

    def _static_pages(self) -> w.Stack:
        """Every step as a page of its own: the call, outcome, narration, picture, checks."""
        pages = []
        for i, step in enumerate(self.trace.steps):
            checks = w.Accordion(children=[
                w.VBox([w.HTML(value=self._check_summary(r)), w.HTML(value=self._check_graph(step, r)),
                        w.HTML(value=f'<p style="margin:4px 0">{c.text(r.narrative or str(r.result))}</p>')])
                for r in step.checks])
            checks.titles = tuple(c.label(self._check_title(k, r)) for k, r in enumerate(step.checks))
            if not step.checks:
                checks.layout.display = "none"
            pages.append(w.VBox([
                w.HBox([w.HTML(value=self._position_html(i, step)), w.HTML(value=self._call_html(step)),
                        w.HTML(value=self._outcome_html(step))],
                       layout=w.Layout(flex_flow="row wrap", align_items="baseline")),
                w.HTML(value=self._narration_html(step)), w.HTML(value=c.legend_strip()),
                w.HTML(value=c.svg_html(self._graph_of(i), **GRAPH_WINDOW)), checks,
                w.HTML(value=self._calls_html(i))]))
        return w.Stack(children=pages, selected_index=0 if pages else None)

    def _check_graph(self, step, record) -> str:
        names = dict(step.snapshot.names)
        domain = getattr(getattr(self.trace, "machine", None), "domain_sid", None)
        return c.svg_html(c.view("descriptor_graph")(record.sd, record.result, names=names, domain=domain))

    def _position_html(self, i: int, step) -> str:
        return (f'<span style="margin-right:8px"><b>trace.steps[{i}]</b>: call {i + 1} of {len(self.trace.steps)}, '
                f"{c.text(step.image)}, thread {step.tid}:</span>")

    @staticmethod
    def _call_html(step) -> str:
        # One line with the outcome; the C twin one click away: the picture stays close to the buttons.
        call = (f'<code style="{c.MONO};white-space:pre-wrap;word-break:normal;overflow-wrap:normal;font-weight:bold">'
                f"{c.text(step.call)}</code>")
        if step.c_call:
            return (f'<details style="display:inline-block;margin-right:8px"><summary style="cursor:pointer" '
                    f'title="the same call in C">{call}</summary>{c.pre(step.c_call)}</details>')
        return f'<span style="margin-right:8px">{call}</span>'

    @staticmethod
    def _outcome_html(step) -> str:
        style = "border-radius:4px;padding:1px 8px;white-space:nowrap"
        if step.ok:
            return (f'<span style="{style};background:{pal.GREEN_FILL};border:1px solid {pal.GREEN}">'
                    f"<b>returned</b> <code>{c.text(step.result)}</code></span>")
        return (f'<span style="{style};background:{pal.RED_FILL};border:1px solid {pal.RED};color:{pal.RED}">'
                f"<b>failed: {c.text(step.error)}</b></span>")

    @staticmethod
    def _narration_html(step) -> str:
        parts = []
        if step.narration:
            # The first sentences (a couple of lines) say what happened; the rest is folded.
            sentences = re.split(r"(?<=[.!?])\s+", step.narration.strip())
            shown, rest = sentences[:1], sentences[1:]
            while rest and len(" ".join(shown)) < 100:  # about two lines
                shown.append(rest.pop(0))
            more = (f' <details style="display:inline"><summary style="display:inline;cursor:pointer;color:{pal.BLUE}">'
                    f"more</summary>{c.text(' '.join(rest))}</details>") if rest else ""
            parts.append(f'<div style="margin:2px 0;line-height:1.35">{c.text(" ".join(shown))}{more}</div>')
        extra = [line for line in step.explanation if line not in step.narration]  # not said twice
        if extra:  # COM's step-by-step reasons: folded, so the picture stays in view
            items = "".join(f"<li>{c.text(line)}</li>" for line in extra)
            parts.append(f'<details><summary style="color:{pal.GREY};cursor:pointer">why, step by step '
                         f'({len(extra)})</summary><ol style="margin:4px 0">{items}</ol></details>')
        return "".join(parts)

    def _calls_html(self, current: int) -> str:
        rows = []
        for s in self.trace.steps:
            outcome = f"-> {s.result}" if s.ok else f"!! {s.error}"
            line = c.text(f"{s.index:>2}  [{s.image} t{s.tid}]  {s.call}  {outcome}")
            here = s.index == current
            style = "white-space:pre-wrap;padding:0 4px;"
            style += f"color:{pal.RED};" if not s.ok else ""
            style += f"background:{pal.BLUE_FILL};font-weight:bold;" if here else ""
            rows.append(f'<div style="{style}">{"▶ " if here else "  "}{line}</div>')
        return (f'<div style="{c.MONO}"><div style="color:{pal.GREY}">all calls, this one marked</div>'
                + "".join(rows) + "</div>")

    # -- the access checks a call made ------------------------------------------------
    def _set_checks(self, step):
        records = tuple(step.checks) if step is not None else ()
        self.checks.selected_index = None
        self._check_views = [w.VBox([w.HTML(value=self._check_summary(r)), w.HTML(), w.HTML()]) for r in records]
        self.checks.children = tuple(self._check_views)
        self.checks.titles = tuple(c.label(self._check_title(k, r)) for k, r in enumerate(records))
        self.checks.layout.display = "" if records else "none"

    @staticmethod
    def _check_title(k: int, record) -> str:
        verdict = "granted" if record.result.allowed else record.result.status.name
        return f"access check {k + 1}: {record.what} as {record.checker}: {verdict}"

    @staticmethod
    def _check_summary(record) -> str:
        why = f"<br><i>{c.text(record.why)}</i>" if record.why else ""
        return f"<b>{c.text(record.what)}</b> checked against the token of <b>{c.text(record.checker)}</b>{why}"

    @c.guarded
    def _on_check_opened(self, change=None):
        k = self.checks.selected_index
        step = self.step
        if k is None or step is None or k >= len(step.checks):
            return
        record = step.checks[k]
        _, graph, narrative = self._check_views[k].children
        if not graph.value:
            graph.value = self._check_graph(step, record)
            narrative.value = f'<p style="margin:4px 0">{c.text(record.narrative or str(record.result))}</p>'

    def __repr__(self) -> str:
        title = self.trace.title or "recorded calls"
        step = self.step
        if step is None:
            return f"ScenarioPlayer({title!r}: no calls)"
        outcome = f"-> {step.result}" if step.ok else f"!! {step.error}"
        return (f"ScenarioPlayer({title!r}: trace.steps[{step.index}] of {len(self.trace.steps)}: "
                f"{step.name} {outcome})")
