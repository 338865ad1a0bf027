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

from functools import lru_cache

import graphviz

from . import _wasm

from .descriptor import STYLES as DESCRIPTOR_STYLES
from .descriptor import descriptor_graph, descriptor_table
from .compare import align, compare_table
from .diff import DIFF_STYLES, LEGEND, MARKS
from .objects import STYLES as OBJECT_STYLES
from .objects import object_graph, object_table
from .tokens import STYLES as TOKEN_STYLES
from .tokens import group_state, privilege_state, token_graph, token_table

__all__ = ["descriptor_graph", "descriptor_table", "object_graph", "object_table", "token_graph",
           "token_table", "svg", "svg_of_source", "clear_cache", "DESCRIPTOR_STYLES", "OBJECT_STYLES", "TOKEN_STYLES", "DIFF_STYLES",
           "LEGEND", "MARKS", "align", "compare_table", "group_state", "privilege_state"]


def svg(graph: graphviz.Graph | graphviz.Digraph) -> str:
    """The graph rendered by Graphviz as SVG text; each distinct DOT source is rendered once."""
    return _render_svg(graph.source, graph.engine)


def svg_of_source(source: str, engine: str = "dot") -> str:
    """:func:`svg` for DOT text you already have (same cache)."""
    return _render_svg(source, engine)


def clear_cache() -> None:
    """Forget every rendered picture (benchmarks measure a cold start with it)."""
    _render_svg.cache_clear()


@lru_cache(maxsize=128)
def _render_svg(source: str, engine: str) -> str:
    if _wasm.in_browser():
        return _wasm.render(source, engine)
    return graphviz.Source(source, engine=engine).pipe(format="svg", encoding="utf-8")


if _wasm.in_browser():
    _wasm.start()  # Graphviz in WebAssembly: loaded once, as the view is imported
