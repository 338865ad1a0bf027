"""Views: pure functions from the model to ``graphviz.Digraph`` pictures and their text twins.

=========================  ==========================  ===========================================
What you see               tokenlab.view               example
=========================  ==========================  ===========================================
security descriptor graph  :func:`descriptor_graph`    ``descriptor_graph(sd, access_check(...))``
its text twin              :func:`descriptor_table`    ``print(descriptor_table(sd, result))``
the picture as SVG         :func:`svg`                 ``IPython.display.SVG(svg(graph))``
=========================  ==========================  ===========================================

This package is the presentation layer: it imports graphviz, the model never does.
Styles are data (``descriptor.STYLES``); node ids are stable names, so the same model
always gives byte-identical DOT source.
"""
from __future__ import annotations

from functools import lru_cache

import graphviz

from .descriptor import STYLES as DESCRIPTOR_STYLES
from .descriptor import descriptor_graph, descriptor_table

__all__ = ["descriptor_graph", "descriptor_table", "svg", "DESCRIPTOR_STYLES"]


def svg(graph: graphviz.Graph | graphviz.Digraph) -> str:
    """The graph rendered by Graphviz as SVG text; each distinct DOT source is rendered once."""
    return _render_svg(graph.source, graph.engine)


@lru_cache(maxsize=128)
def _render_svg(source: str, engine: str) -> str:
    return graphviz.Source(source, engine=engine).pipe(format="svg", encoding="utf-8")
