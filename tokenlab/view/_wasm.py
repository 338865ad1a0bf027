"""Graphviz without the ``dot`` program: DOT rendered in the browser, when tokenlab runs in Pyodide.

The live edition (``make lite``) runs the kernel in Pyodide, in a web worker, where there is
no ``dot`` to run. There :func:`tokenlab.view.svg` hands the same DOT source to Graphviz
compiled to WebAssembly — @viz-js/viz, whose browser bundle the site serves inside the
``tokenlab-graphviz-wasm`` wheel (built by tools/build_lite.py from the npm registry's
package). Its SVG has the same structure as ``dot -Tsvg``'s (the Graphviz versions differ,
so coordinates may too); the DOT, and the cache in front of it, are the same.

Loading Graphviz is asynchronous (the WebAssembly module is compiled by the browser), while
``svg()`` is not. So it starts when :mod:`tokenlab.view` is imported, and where the runtime
can wait for a promise synchronously (JavaScript Promise Integration, in current Chromium)
the import waits for it: every later render is then synchronous. Elsewhere the first render
waits the same way if it can, or asks to run the cell again once the load has finished.
"""
from __future__ import annotations

_viz = None        # the Viz instance (a JS object) once loaded
_loading = None    # the JS promise of it, while loading
_error = None      # why loading failed, if it did


def in_browser() -> bool:
    import sys

    return sys.platform == "emscripten"


def _script() -> str:
    from importlib.resources import files

    import tokenlab_graphviz_wasm as pkg  # the site's wheel (tools/build_lite.py)

    return files(pkg).joinpath(pkg.SCRIPT).read_text(encoding="utf-8")


def _wait(promise):
    """The promise's value, waited for synchronously; None where the runtime cannot."""
    try:
        from pyodide.ffi import can_run_sync, run_sync
    except ImportError:  # an older Pyodide
        return None
    try:
        if not can_run_sync():
            return None
        return run_sync(promise)
    except Exception:  # noqa: BLE001 - stack switching unavailable here: fall back
        return None


def start() -> None:
    """Begin loading Graphviz (once); wait for it where the runtime allows."""
    global _loading, _viz, _error
    if _viz is not None or _loading is not None:
        return
    import js
    from pyodide.ffi import create_once_callable

    if not hasattr(js, "Viz"):
        js.eval(_script())  # the UMD bundle defines globalThis.Viz
    _loading = js.Viz.instance()

    def loaded(instance):
        global _viz
        _viz = instance

    def failed(err):
        global _error
        _error = str(err)

    _loading.then(create_once_callable(loaded), create_once_callable(failed))
    instance = _wait(_loading)
    if instance is not None:
        _viz = instance


def render(source: str, engine: str = "dot", fmt: str = "svg") -> str:
    """SVG text (or another Graphviz output format, e.g. ``json0`` for a layout) for a DOT
    source, by Graphviz in WebAssembly."""
    start()
    if _viz is None and _loading is not None:
        instance = _wait(_loading)
        if instance is not None:
            globals()["_viz"] = instance
    if _viz is None:
        if _error:
            raise RuntimeError(f"Graphviz (WebAssembly) failed to load: {_error}")
        raise RuntimeError("Graphviz (WebAssembly) is still loading in this browser; "
                           "run the cell again in a moment")
    from pyodide.ffi import to_js
    import js

    options = to_js({"format": fmt, "engine": engine}, dict_converter=js.Object.fromEntries)
    return str(_viz.renderString(source, options))
