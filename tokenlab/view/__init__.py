"""Views: pure functions from the model to ``graphviz.Digraph`` pictures and their text twins.

==============================  ========================  ===============================================
What you see                    tokenlab.view             example
==============================  ========================  ===============================================
security descriptor graph       :func:`descriptor_graph`  ``descriptor_graph(sd, access_check(...))``
its text twin                   :func:`descriptor_table`  ``print(descriptor_table(sd, result))``
processes, threads, token slot  :func:`object_graph`      ``object_graph(snap, previous, focus_tid=1004)``
its text twin                   :func:`object_table`      ``print(object_table(snap, previous))``
a token's contents and origin   :func:`token_graph`       ``token_graph(tok, original, machine=m)``
its text twin                   :func:`token_table`       ``print(token_table(tok, machine=m))``
two runs side by side           :func:`compare_table`     ``print(compare_table(trace_a, trace_b))``
what changed (colours, marks)   :data:`LEGEND`            green ``+`` added, amber ``~`` changed, faded ``-`` removed
the picture as SVG              :func:`svg`               ``IPython.display.SVG(svg(graph))``
==============================  ========================  ===============================================

This package is the presentation layer: it imports graphviz, the model never does.
Styles are data (``descriptor.STYLES``, ``objects.STYLES``, ``tokens.STYLES``,
``diff.DIFF_STYLES``); node ids are stable names (``thread_1004``, ``slot_1004``,
``token_8``, ``handle_1000_12``), so the same model always gives byte-identical DOT source,
and two moments of it can be compared id by id (:mod:`tokenlab.view.diff`).

:func:`svg` runs Graphviz's ``dot`` program; in the browser (the live edition, Pyodide, where
there is no program to run) it renders the same DOT with Graphviz compiled to WebAssembly
(:mod:`tokenlab.view._wasm`), behind the same cache, so notebooks do not change.
"""
from __future__ import annotations

import subprocess
from collections import OrderedDict

import graphviz

from . import _wasm

from .descriptor import STYLES as DESCRIPTOR_STYLES
from .descriptor import descriptor_graph, descriptor_table
from .compare import align, compare_table
from .diff import DIFF_STYLES, LEGEND, MARKS, PINNED_COMMENT, Pinned
from .objects import STYLES as OBJECT_STYLES
from .objects import object_graph, object_table, pairs_layout, story_pids, summary_graph, trace_layout
from .tokens import STYLES as TOKEN_STYLES
from .tokens import group_state, privilege_state, token_graph, token_table

__all__ = ["descriptor_graph", "descriptor_table", "object_graph", "object_table", "token_graph",
           "token_table", "trace_layout", "pairs_layout", "story_pids", "prerender", "summary_graph", "Pinned", "svg", "svg_of_source", "clear_cache", "DESCRIPTOR_STYLES", "OBJECT_STYLES", "TOKEN_STYLES", "DIFF_STYLES",
           "LEGEND", "MARKS", "align", "compare_table", "group_state", "privilege_state"]


def svg(graph: graphviz.Graph | graphviz.Digraph) -> str:
    """The graph rendered by Graphviz as SVG text; each distinct DOT source is rendered once."""
    return _render_svg(graph.source, graph.engine)


def svg_of_source(source: str, engine: str = "dot") -> str:
    """:func:`svg` for DOT text you already have (same cache)."""
    return _render_svg(source, engine)


def prerender(graphs) -> None:
    """Render many graphs in one Graphviz run per engine and keep them in the cache, so that
    :func:`svg` of each later answers at once (a player renders all its steps this way:
    one process start instead of one per step)."""
    global _cache_chars
    if _wasm.in_browser():  # one render at a time in the browser
        for g in graphs:
            _render_svg(g.source, g.engine)
        return
    todo: dict[tuple[str, int | None], list[str]] = {}
    for g in graphs:
        source, engine = g.source, g.engine
        if (source, engine) in _cache:
            continue
        no_op = 2 if engine == "neato" and source.startswith(f"// {PINNED_COMMENT}") else None
        todo.setdefault((engine, no_op), [])
        if source not in todo[(engine, no_op)]:
            todo[(engine, no_op)].append(source)
    for (engine, no_op), sources in todo.items():
        # subprocess.run, not graphviz's pipe: Graphviz writes each graph's SVG while it is
        # still being fed the next, so input and output must flow at once (communicate does).
        cmd = [engine, *(["-n2"] if no_op else []), "-Tsvg"]
        done = subprocess.run(cmd, input="\n".join(sources).encode("utf-8"), capture_output=True, check=False)
        if done.returncode != 0:
            continue  # leave them to svg(), which reports the error
        out = done.stdout.decode("utf-8")
        parts = ["<?xml" + p for p in out.split("<?xml")[1:]]
        if len(parts) != len(sources):  # cannot tell which is which: leave them to svg()
            continue
        for source, svg_text in zip(sources, parts):
            _cache[(source, engine)] = svg_text
            _cache_chars += len(svg_text) + len(source)
    while _cache and (len(_cache) > CACHE_ENTRIES or _cache_chars > CACHE_CHARS):
        (old_source, _), old = _cache.popitem(last=False)
        _cache_chars -= len(old) + len(old_source)


def clear_cache() -> None:
    """Forget every rendered picture (benchmarks measure a cold start with it)."""
    global _cache_chars
    _cache.clear()
    _cache_chars = 0


# The cache holds at most this many pictures and this many characters of SVG (a big
# machine's summary is small, but a player of many steps keeps one picture per step).
CACHE_ENTRIES = 256
CACHE_CHARS = 32_000_000
_cache: "OrderedDict[tuple[str, str], str]" = OrderedDict()
_cache_chars = 0


def _render_svg(source: str, engine: str) -> str:
    global _cache_chars
    key = (source, engine)
    hit = _cache.get(key)
    if hit is not None:
        _cache.move_to_end(key)
        return hit
    # A pinned picture (tokenlab.view.diff.pin) has its positions: neato -n2 only draws it.
    no_op = 2 if engine == "neato" and source.startswith(f"// {PINNED_COMMENT}") else None
    if _wasm.in_browser():  # no dot binary in Pyodide: Graphviz in WebAssembly, same DOT
        out = _wasm.render(source, engine)
    else:
        out = graphviz.Source(source, engine=engine).pipe(format="svg", encoding="utf-8", neato_no_op=no_op)
    _cache[key] = out
    _cache_chars += len(out) + len(source)
    while _cache and (len(_cache) > CACHE_ENTRIES or _cache_chars > CACHE_CHARS):
        (old_source, _), old = _cache.popitem(last=False)
        _cache_chars -= len(old) + len(old_source)
    return out


if _wasm.in_browser():
    _wasm.start()  # Graphviz in WebAssembly: loaded once, as the view is imported
