"""The model does not depend on the presentation layers.

`import tokenlab`, and importing any module of the model (everything under tokenlab/
except tokenlab/view and tokenlab/ui), must not import graphviz or ipywidgets. Each
check runs in a fresh interpreter so nothing this test process imported can hide a leak.
"""

from __future__ import annotations

import json
import pkgutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PACKAGE_DIR = ROOT / "tokenlab"
PRESENTATION = {"tokenlab.view", "tokenlab.ui"}
FORBIDDEN = ("graphviz", "ipywidgets")

# Imports each named module in turn; after each import, records which forbidden
# top-level modules have appeared (the first module after which one appears is the
# culprit). Prints one JSON object: {"module": [leaked...] or "error: ..."}.
_PROBE = r"""
import importlib, json, sys, traceback
forbidden = {forbidden!r}
result = {{}}
for name in {modules!r}:
    try:
        importlib.import_module(name)
    except BaseException as e:
        result[name] = "error: " + "".join(traceback.format_exception_only(type(e), e)).strip()
        continue
    result[name] = sorted(m for m in forbidden if m in sys.modules)
print(json.dumps(result))
"""


def _probe(modules: list[str]) -> dict:
    code = _PROBE.format(forbidden=FORBIDDEN, modules=modules)
    proc = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=120
    )
    assert proc.returncode == 0, f"probe failed:\n{proc.stdout}\n{proc.stderr}"
    return json.loads(proc.stdout.strip().splitlines()[-1])


def _model_modules() -> list[str]:
    """Every module and package under tokenlab/, minus the view and ui subtrees.

    Walks the directory with pkgutil without importing anything (pkgutil.walk_packages
    would import tokenlab.view to look inside it, which is exactly what must not leak).
    """
    found = []

    def walk(path: Path, prefix: str) -> None:
        for info in pkgutil.iter_modules([str(path)], prefix):
            if info.name in PRESENTATION:
                continue
            found.append(info.name)
            if info.ispkg:
                walk(path / info.name.rsplit(".", 1)[-1], info.name + ".")

    walk(PACKAGE_DIR, "tokenlab.")
    return sorted(found)


def test_import_tokenlab_does_not_import_graphviz_or_ipywidgets():
    result = _probe(["tokenlab"])
    assert result["tokenlab"] == [], f"import tokenlab imported: {result['tokenlab']}"


def test_model_modules_do_not_import_graphviz_or_ipywidgets():
    assert (PACKAGE_DIR / "__init__.py").is_file(), "tokenlab/__init__.py is missing"
    modules = _model_modules()
    result = _probe(["tokenlab", *modules])
    errors = {m: r for m, r in result.items() if isinstance(r, str)}
    assert not errors, f"model modules failed to import: {errors}"
    leaks = {m: r for m, r in result.items() if r}
    assert not leaks, (
        "model modules imported presentation packages (the first module listed is the one that did): "
        f"{leaks}"
    )
