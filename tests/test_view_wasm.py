"""In the browser (Pyodide: the live edition), svg() renders with Graphviz in WebAssembly.

The branch is taken on ``sys.platform == "emscripten"``; here it is simulated by standing in
for the WebAssembly renderer: the same DOT reaches it, through the same cache. The real
thing runs in tests/browser/test_lite.py.
"""
from __future__ import annotations

import graphviz

from tokenlab import view
from tokenlab.view import _wasm


def _graph():
    g = graphviz.Digraph("g")
    g.node("thread_1004", "Thread 1004")
    g.node("token_8", "Token#8")
    g.edge("thread_1004", "token_8")
    return g


def test_in_the_browser_svg_renders_the_same_dot_through_the_same_cache(monkeypatch):
    calls = []

    def fake_render(source, engine="dot"):
        calls.append((source, engine))
        return f'<svg width="1pt" height="1pt"><!-- {len(source)} --></svg>'

    monkeypatch.setattr(_wasm, "in_browser", lambda: True)
    monkeypatch.setattr(_wasm, "render", fake_render)
    view.clear_cache()
    try:
        graph = _graph()
        first = view.svg(graph)
        again = view.svg(_graph())          # a new graph object, byte-identical DOT: cached
        assert first == again and first.startswith("<svg")
        assert calls == [(graph.source, "dot")], "rendered once, from the graph's own DOT"
        assert view.svg_of_source(graph.source) == first and len(calls) == 1
    finally:
        view.clear_cache()


def test_outside_the_browser_svg_runs_dot():
    view.clear_cache()
    assert not _wasm.in_browser()
    text = view.svg(_graph())
    assert "<svg" in text and "thread_1004" in text
