"""Layering: the rooms of tokenlab import only downward, and nothing imports in a circle.

Rooms, lowest first (a room may import its own modules and any room below it)::

    security ← kernel ← win32 ← teaching ← scenarios ← view ← ui

``tokenlab/__init__.py`` (the root) re-exports the entry surface and is exempt from the
order, but no module inside a room may import the root package itself (``import tokenlab``,
``from .. import Machine``): that would make every room depend on every room.

The checker reads source with :mod:`ast`, so it sees every import, wherever it stands: at
top level, inside functions and classes, under ``if TYPE_CHECKING:``, inside ``try``.
Relative imports are resolved to absolute module names; ``from pkg import name`` counts
as importing ``pkg.name`` when that is a module of the tree, else ``pkg``. For cycles,
importing ``a.b.c`` from outside package ``a.b`` also runs ``a.b/__init__`` (and ``a``'s),
so it adds an edge to each such package; from inside the package it does not (the package
is already importing). The root package is left out of those edges: every module is inside it.

Also: `import tokenlab`, and importing any module of the model (everything under
tokenlab/ except tokenlab/view and tokenlab/ui), must not import graphviz or ipywidgets.
Each such check runs in a fresh interpreter so nothing this test process imported can hide
a leak.
"""

from __future__ import annotations

import ast
import json
import pkgutil
import subprocess
import sys
import textwrap
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PACKAGE_DIR = ROOT / "tokenlab"
PACKAGE = "tokenlab"
PRESENTATION = {"tokenlab.view", "tokenlab.ui"}
FORBIDDEN = ("graphviz", "ipywidgets")

ROOMS = ("security", "kernel", "win32", "teaching", "scenarios", "view", "ui")  # lowest first
ROOT_ROOM = "root"


# ------------------------------------------------------------------ reading the tree

@dataclass(frozen=True)
class Source:
    """One module of the tree: its dotted name, the path to print, its text, and whether
    it is a package's ``__init__`` (which changes what ``from . import`` means)."""

    module: str
    path: str
    text: str
    is_package: bool = False


@dataclass(frozen=True)
class Import:
    """One import statement's effect: ``module`` (in ``path`` at ``line``) imports ``target``."""

    module: str
    path: str
    line: int
    target: str
    how: str = ""  # "" for a direct import; "runs package X's __init__" for the implied edges

    @property
    def where(self) -> str:
        return f"{self.path}:{self.line}"


def tree_sources(package_dir: Path = PACKAGE_DIR) -> list[Source]:
    """Every .py file under ``package_dir`` as a :class:`Source`, in path order."""
    out = []
    for path in sorted(package_dir.rglob("*.py")):
        rel = path.relative_to(package_dir.parent)
        parts = list(rel.with_suffix("").parts)
        is_package = parts[-1] == "__init__"
        if is_package:
            parts.pop()
        out.append(Source(".".join(parts), rel.as_posix(), path.read_text(encoding="utf-8"), is_package))
    return out


def room_of(module: str) -> str | None:
    """``tokenlab.kernel.process`` -> ``kernel``; ``tokenlab`` -> ``root``; None outside any room."""
    if module == PACKAGE:
        return ROOT_ROOM
    parts = module.split(".")
    if parts[0] != PACKAGE or len(parts) < 2:
        return None
    return parts[1] if parts[1] in ROOMS else None


def _resolve_base(src: Source, level: int, name: str | None) -> str | None:
    """The absolute package a relative ``from`` names, or None if it climbs out of the tree."""
    package = src.module.split(".") if src.is_package else src.module.split(".")[:-1]
    if level - 1 > len(package) - 1:
        return None
    base = package[: len(package) - (level - 1)]
    return ".".join(base + ([name] if name else []))


def imports_of(src: Source, modules: set[str]) -> tuple[list[Import], list[str]]:
    """Every import of a tokenlab module in ``src`` (each with its line), and problems found
    while reading (a relative import that climbs out of the tree, a syntax error)."""
    try:
        tree = ast.parse(src.text, filename=src.path)
    except SyntaxError as e:
        return [], [f"{src.path}:{e.lineno}: does not parse: {e.msg}"]
    found: list[Import] = []
    problems: list[str] = []

    def add(node: ast.AST, target: str) -> None:
        if target == PACKAGE or target.startswith(PACKAGE + "."):
            found.append(Import(src.module, src.path, node.lineno, target))

    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                add(node, alias.name)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = _resolve_base(src, node.level, node.module)
                if base is None:
                    problems.append(f"{src.path}:{node.lineno}: relative import climbs out of {PACKAGE}")
                    continue
            else:
                base = node.module or ""
            for alias in node.names:
                sub = f"{base}.{alias.name}"
                # `from pkg import name` imports the submodule pkg.name when there is one.
                add(node, sub if alias.name != "*" and sub in modules else base)
        elif (isinstance(node, ast.Call) and node.args and isinstance(node.args[0], ast.Constant)
              and isinstance(node.args[0].value, str)
              and ((isinstance(node.func, ast.Attribute) and node.func.attr == "import_module")
                   or (isinstance(node.func, ast.Name) and node.func.id in ("import_module", "__import__")))):
            add(node, node.args[0].value)  # importlib.import_module("tokenlab.x") is an import too
    # One entry per (line, target): `from .rights import A, B` is one import of .rights.
    unique = {(i.line, i.target): i for i in found}
    return [unique[k] for k in sorted(unique)], problems


# ------------------------------------------------------------------ the two rules

def _rank(room: str) -> int:
    return ROOMS.index(room)


def order_violations(sources: list[Source]) -> list[str]:
    """One message per import against the room order, per import of the root package from
    inside a room, and per module that belongs to no room (and per unreadable import)."""
    modules = {s.module for s in sources}
    out: list[str] = []
    for src in sources:
        room = room_of(src.module)
        if room is None:
            out.append(f"{src.path}: module {src.module} belongs to no room (rooms: {', '.join(ROOMS)})")
            continue
        found, problems = imports_of(src, modules)
        out += problems
        if room == ROOT_ROOM:
            continue
        for imp in found:
            target_room = room_of(imp.target)
            if target_room == ROOT_ROOM:
                out.append(f"{imp.where}: imports the root package {PACKAGE} from room {room} "
                           f"(import the module that defines the name instead)")
            elif target_room is None:
                out.append(f"{imp.where}: imports {imp.target}, which belongs to no room")
            elif _rank(target_room) > _rank(room):
                out.append(f"{imp.where}: imports {imp.target} (room {target_room}), above {room}")
    return out


def import_edges(sources: list[Source]) -> list[Import]:
    """The module graph's edges: each import, plus the package ``__init__`` runs it implies."""
    modules = {s.module for s in sources}
    edges: list[Import] = []
    for src in sources:
        for imp in imports_of(src, modules)[0]:
            edges.append(imp)
            parts = imp.target.split(".")
            for n in range(2, len(parts)):  # tokenlab itself (n == 1) contains every module
                package = ".".join(parts[:n])
                inside = src.module == package or src.module.startswith(package + ".")
                if package in modules and not inside:
                    edges.append(Import(imp.module, imp.path, imp.line, package,
                                        f"runs package {package}'s __init__"))
    return edges


def _strongly_connected(nodes: list[str], succ: dict[str, list[str]]) -> list[list[str]]:
    """Tarjan's algorithm (iterative), components in discovery order."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    on_stack: set[str] = set()
    stack: list[str] = []
    components: list[list[str]] = []
    counter = 0
    for start in nodes:
        if start in index:
            continue
        work = [(start, iter(succ.get(start, ())))]
        index[start] = low[start] = counter
        counter += 1
        stack.append(start)
        on_stack.add(start)
        while work:
            node, children = work[-1]
            for child in children:
                if child not in index:
                    index[child] = low[child] = counter
                    counter += 1
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(succ.get(child, ()))))
                    break
                if child in on_stack:
                    low[node] = min(low[node], index[child])
            else:
                work.pop()
                if work:
                    parent = work[-1][0]
                    low[parent] = min(low[parent], low[node])
                if low[node] == index[node]:
                    component = []
                    while True:
                        member = stack.pop()
                        on_stack.discard(member)
                        component.append(member)
                        if member == node:
                            break
                    components.append(sorted(component))
    return components


def _cycle_through(first: str, members: set[str], succ: dict[str, list[str]]) -> list[str]:
    """A shortest cycle from ``first`` back to itself inside one component (BFS)."""
    parent: dict[str, str] = {}
    queue = [first]
    for node in queue:
        for child in succ.get(node, ()):
            if child not in members:
                continue
            if child == first:
                path = [node]
                while path[-1] != first:
                    path.append(parent[path[-1]])
                return [first, *reversed(path[:-1]), first] if node != first else [first, first]
            if child not in parent:
                parent[child] = node
                queue.append(child)
    return [first]


def cycles(sources: list[Source]) -> list[str]:
    """One message per import cycle (strongly connected component): a shortest cycle through
    its first module, each step with the file:line that makes it, then the other members."""
    edges = import_edges(sources)
    first_edge: dict[tuple[str, str], Import] = {}
    succ: dict[str, list[str]] = {}
    for e in edges:
        if (e.module, e.target) not in first_edge:
            first_edge[(e.module, e.target)] = e
            succ.setdefault(e.module, []).append(e.target)
    nodes = sorted({s.module for s in sources} | {e.target for e in edges})
    out = []
    for component in _strongly_connected(nodes, succ):
        if len(component) == 1 and (component[0], component[0]) not in first_edge:
            continue
        members = set(component)
        cycle = _cycle_through(component[0], members, succ)
        steps = []
        for a, b in zip(cycle, cycle[1:]):
            e = first_edge[(a, b)]
            steps.append(f"  {e.where}: {a} imports {b}" + (f" ({e.how})" if e.how else ""))
        rest = sorted(members - set(cycle))
        out.append(f"import cycle among {len(component)} module(s): " + " -> ".join(cycle) + "\n"
                   + "\n".join(steps) + (f"\n  (also in this cycle: {', '.join(rest)})" if rest else ""))
    return out


# ------------------------------------------------------------------ the tree itself

def test_imports_follow_the_room_order():
    problems = order_violations(tree_sources())
    assert not problems, "imports against the room order " + " ← ".join(ROOMS) + ":\n" + "\n".join(problems)


def test_no_import_cycles():
    found = cycles(tree_sources())
    assert not found, "\n".join(found)


def test_every_room_has_modules():
    """The checker would pass vacuously on a tree it failed to read."""
    rooms = {room_of(s.module) for s in tree_sources()}
    assert rooms == {*ROOMS, ROOT_ROOM}, rooms


# ------------------------------------------------------------------ the checker on small trees

def _tree(files: dict[str, str]) -> list[Source]:
    """Sources from {"tokenlab/kernel/x.py": code}; packages are named by __init__.py paths."""
    out = []
    for path, text in files.items():
        parts = path[:-3].split("/")
        is_package = parts[-1] == "__init__"
        if is_package:
            parts.pop()
        out.append(Source(".".join(parts), path, textwrap.dedent(text), is_package))
    return out


_BASE = {
    "tokenlab/__init__.py": "from .kernel.machine import Machine\n",
    "tokenlab/security/__init__.py": "",
    "tokenlab/security/sids.py": "",
    "tokenlab/kernel/__init__.py": "",
    "tokenlab/kernel/machine.py": "from ..security.sids import SID\n",
    "tokenlab/kernel/process.py": "",
    "tokenlab/win32/__init__.py": "",
    "tokenlab/win32/api.py": "from ..kernel import machine\n",
    "tokenlab/teaching/__init__.py": "",
    "tokenlab/teaching/trace.py": "",
    "tokenlab/scenarios.py": "",
    "tokenlab/view/__init__.py": "from .descriptor import graph\n",
    "tokenlab/view/descriptor.py": "",
    "tokenlab/ui/__init__.py": "",
    "tokenlab/ui/_common.py": "from .. import view\nfrom ..view import descriptor\n",
}


def test_checker_passes_a_clean_tree():
    sources = _tree(_BASE)
    assert order_violations(sources) == []
    assert cycles(sources) == []


def test_checker_finds_an_upward_import_inside_a_function():
    sources = _tree({**_BASE, "tokenlab/kernel/process.py": """\
        def start():
            x = 1
            from ..win32.api import Api
            return Api
        """})
    assert order_violations(sources) == [
        "tokenlab/kernel/process.py:3: imports tokenlab.win32.api (room win32), above kernel"]


def test_checker_finds_an_upward_import_under_type_checking_and_try():
    sources = _tree({**_BASE, "tokenlab/security/sids.py": """\
        from typing import TYPE_CHECKING
        if TYPE_CHECKING:
            from tokenlab.kernel.machine import Machine
        try:
            import tokenlab.teaching.trace as trace
        except ImportError:
            pass
        """})
    assert order_violations(sources) == [
        "tokenlab/security/sids.py:3: imports tokenlab.kernel.machine (room kernel), above security",
        "tokenlab/security/sids.py:5: imports tokenlab.teaching.trace (room teaching), above security"]


def test_checker_resolves_from_dot_import_to_a_module_or_the_package():
    sources = _tree({**_BASE, "tokenlab/teaching/trace.py": """\
        from .. import scenarios
        from .. import Machine
        import tokenlab
        from ..view import descriptor
        """})
    assert order_violations(sources) == [
        "tokenlab/teaching/trace.py:1: imports tokenlab.scenarios (room scenarios), above teaching",
        "tokenlab/teaching/trace.py:2: imports the root package tokenlab from room teaching "
        "(import the module that defines the name instead)",
        "tokenlab/teaching/trace.py:3: imports the root package tokenlab from room teaching "
        "(import the module that defines the name instead)",
        "tokenlab/teaching/trace.py:4: imports tokenlab.view.descriptor (room view), above teaching"]


def test_checker_finds_a_module_outside_every_room():
    sources = _tree({**_BASE, "tokenlab/extras.py": ""})
    assert order_violations(sources) == [
        "tokenlab/extras.py: module tokenlab.extras belongs to no room "
        "(rooms: security, kernel, win32, teaching, scenarios, view, ui)"]


def test_checker_finds_a_two_cycle_inside_a_room():
    sources = _tree({**_BASE,
                     "tokenlab/kernel/machine.py": "from .process import Process\n",
                     "tokenlab/kernel/process.py": "def f():\n    from . import machine\n"})
    assert order_violations(sources) == []
    assert cycles(sources) == [
        "import cycle among 2 module(s): tokenlab.kernel.machine -> tokenlab.kernel.process -> tokenlab.kernel.machine\n"
        "  tokenlab/kernel/machine.py:1: tokenlab.kernel.machine imports tokenlab.kernel.process\n"
        "  tokenlab/kernel/process.py:2: tokenlab.kernel.process imports tokenlab.kernel.machine"]


def test_checker_counts_a_package_init_in_a_cycle():
    # kernel/__init__ imports the machine; the machine imports the win32 facade (upward),
    # whose import of kernel.process runs kernel/__init__: a cycle through the package.
    sources = _tree({**_BASE,
                     "tokenlab/kernel/__init__.py": "from .machine import Machine\n",
                     "tokenlab/kernel/machine.py": "import tokenlab.win32.api\n",
                     "tokenlab/win32/api.py": "from ..kernel.process import start\n"})
    assert cycles(sources) == [
        "import cycle among 3 module(s): tokenlab.kernel -> tokenlab.kernel.machine -> tokenlab.win32.api "
        "-> tokenlab.kernel\n"
        "  tokenlab/kernel/__init__.py:1: tokenlab.kernel imports tokenlab.kernel.machine\n"
        "  tokenlab/kernel/machine.py:1: tokenlab.kernel.machine imports tokenlab.win32.api\n"
        "  tokenlab/win32/api.py:1: tokenlab.win32.api imports tokenlab.kernel (runs package tokenlab.kernel's __init__)"]


# ------------------------------------------------------------------ no presentation in the model

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
