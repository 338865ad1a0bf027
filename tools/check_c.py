#!/usr/bin/env python3
"""Check it on Windows' headers: every scenario's C twin as one program, compiled with mingw-w64.

    python tools/check_c.py [--out artifacts/c] [--syntax-only] [--jobs N]

Every public function of ``tokenlab/scenarios.py`` that returns a Trace is run in each of
its variants (found by introspection: each bool parameter True on its own, each value of a
``Literal[...]`` parameter, each value a str parameter's ValueError lists), written by
``tokenlab.teaching.c_program.program`` to ``artifacts/c/<name>.c`` (``.cpp`` when it uses
COM the C++ way) and built with ``x86_64-w64-mingw32-gcc``/``-g++`` against the real
Windows headers and import libraries. A wrong name, arity, type or constant is a compile
(or link) error, and this script exits non-zero. Warnings are printed, not fatal.

Without the compiler it says so and exits 0, unless CI=true (then 1): ``make test``
installs it (tools/apt-test.txt).
"""
from __future__ import annotations

import argparse
import ast
import concurrent.futures
import inspect
import os
import re
import shutil
import subprocess
import sys
import time
import typing
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

COMPILERS = {"c": "x86_64-w64-mingw32-gcc", "c++": "x86_64-w64-mingw32-g++"}


def _choices(fn, param: inspect.Parameter) -> list:
    """The values worth trying for one parameter besides its default."""
    hints = typing.get_type_hints(fn)
    hint = hints.get(param.name)
    if typing.get_origin(hint) is typing.Literal:
        return [v for v in typing.get_args(hint) if v != param.default]
    if isinstance(param.default, bool):
        return [not param.default]
    if isinstance(param.default, str):
        # the scenario lists its choices when given one it does not know
        try:
            fn(**{param.name: "\0not-a-choice"})
        except ValueError as e:
            m = re.search(r"one of (\(.*?\)|\[.*?\])", str(e))
            if m:
                return [v for v in ast.literal_eval(m.group(1)) if v != param.default]
    return []


def scenario_functions() -> list:
    """The public functions of tokenlab.scenarios that return a Trace."""
    from tokenlab import scenarios
    fns = []
    for name, fn in vars(scenarios).items():
        if name.startswith("_") or not inspect.isfunction(fn) or fn.__module__ != scenarios.__name__:
            continue
        if inspect.signature(fn).return_annotation in ("Trace", scenarios.Trace):
            fns.append(fn)
    return fns


def scenario_calls() -> list[tuple[str, object, dict]]:
    """(label, function, kwargs) for each scenario variant: defaults, then one change at a time."""
    out = []
    for fn in scenario_functions():
        out.append((fn.__name__ + "()", fn, {}))
        for param in inspect.signature(fn).parameters.values():
            if param.default is inspect.Parameter.empty:
                continue
            for value in _choices(fn, param):
                out.append((f"{fn.__name__}({param.name}={value!r})", fn, {param.name: value}))
    return out


def programs():
    """(label, CProgram) for every scenario variant."""
    from tokenlab.teaching.c_program import program
    seen, out = set(), []
    for label, fn, kwargs in scenario_calls():
        prog = program(fn(**kwargs))
        if prog.filename in seen:  # two variants with one title: keep both, told apart
            prog = program(fn(**kwargs), name=f"{prog.name}_{len(seen)}")
        seen.add(prog.filename)
        out.append((label, prog))
    return out


def compiler_missing() -> list[str]:
    return [c for c in COMPILERS.values() if shutil.which(c) is None]


def compile_one(path: Path, language: str, syntax_only: bool) -> subprocess.CompletedProcess:
    from tokenlab.teaching.c_program import LIBRARIES
    cmd = [COMPILERS[language], "-Wall", "-Wno-unused-variable", "-Wno-unused-but-set-variable"]
    cmd += ["-fsyntax-only", str(path)] if syntax_only else [str(path), "-o", str(path.with_suffix(".exe")), *LIBRARIES]
    return subprocess.run(cmd, capture_output=True, text=True)


def write_and_compile(out: Path, syntax_only: bool = False, jobs: int = 2) -> list[tuple[str, Path, object]]:
    """Write every program to ``out``; compile them; (label, path, CompletedProcess) each."""
    out.mkdir(parents=True, exist_ok=True)
    items = []
    for label, prog in programs():
        path = out / prog.filename
        path.write_text(prog.source)
        items.append((label, path, prog.language))
    with concurrent.futures.ThreadPoolExecutor(max_workers=jobs) as pool:
        done = list(pool.map(lambda it: compile_one(it[1], it[2], syntax_only), items))
    return [(label, path, r) for (label, path, _), r in zip(items, done)]


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", default=str(ROOT / "artifacts" / "c"))
    ap.add_argument("--syntax-only", action="store_true", help="-fsyntax-only: no .exe, no link")
    ap.add_argument("--jobs", type=int, default=os.cpu_count() or 2)
    args = ap.parse_args(argv)
    missing = compiler_missing()
    if missing:
        in_ci = os.environ.get("CI", "").lower() == "true"
        print(f"check-c: {' and '.join(missing)} not found (make system-deps-test installs them)"
              + ("; CI=true, so this fails" if in_ci else "; skipped"), file=sys.stderr)
        return 1 if in_ci else 0
    start = time.monotonic()
    results = write_and_compile(Path(args.out), args.syntax_only, args.jobs)
    failed = 0
    for label, path, r in results:
        status = "ok" if r.returncode == 0 else "FAILED"
        print(f"check-c: {status:6} {path.relative_to(ROOT) if path.is_relative_to(ROOT) else path}  <- {label}")
        if r.stderr.strip():
            print(r.stderr.rstrip())
        failed += r.returncode != 0
    print(f"check-c: {len(results) - failed} of {len(results)} scenario program(s) built "
          f"({'syntax only' if args.syntax_only else 'compiled and linked'}) in {time.monotonic() - start:.1f} s")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
