"""Every scenario's C twin is one whole program that compiles against Windows' headers.

The programs come from ``tokenlab.teaching.c_program`` and the scenario variants from
``tools/check_c.py`` (by introspection of ``tokenlab/scenarios.py``, so a new scenario is
checked without editing this file). Compiling needs mingw-w64 (``make test`` installs it):
without it the compile test is skipped, except under CI=true, where it fails.
"""
from __future__ import annotations

import importlib.util
import os
import shutil
from pathlib import Path

import pytest

import tokenlab as tl
from tokenlab.teaching.c_program import NoCTwin, program
from tokenlab.teaching.c_twin import C_SIGNATURES
from tokenlab.win32 import constants as C
from tokenlab.win32.api import Api

ROOT = Path(__file__).resolve().parent.parent
_spec = importlib.util.spec_from_file_location("check_c", ROOT / "tools" / "check_c.py")
check_c = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(check_c)

SCENARIOS = check_c.scenario_calls()


def test_scenarios_are_found_by_introspection():
    labels = [label for label, _, _ in SCENARIOS]
    assert "duplicated_token()" in labels and "duplicated_token(fixed=True)" in labels
    assert "nested_impersonation(pattern='pseudo_handle')" in labels


def test_every_recorded_facade_call_has_a_c_signature():
    missing = sorted(n for n in dir(Api) if getattr(getattr(Api, n), "is_win32", False) and n not in C_SIGNATURES)
    assert not missing, ("facade call(s) with no C twin: " + ", ".join(missing)
                         + " — add them to C_SIGNATURES in tokenlab/teaching/c_twin.py")


@pytest.mark.parametrize("label,fn,kwargs", SCENARIOS, ids=[s[0] for s in SCENARIOS])
def test_scenario_is_one_program(label, fn, kwargs):
    trace = fn(**kwargs)
    prog = program(trace)  # raises NoCTwin, naming the call, if a step has no C twin
    src = prog.source
    assert "#include <windows.h>" in src and ("int main(void)" in src or "int main(int argc" in src)
    checked = [s.index for s in trace.steps if not s.name.startswith("GetCurrent")]
    at = [src.index(f"({i}, \"") for i in checked]  # outcome(i, "Name", ...) of each call
    if len({s.tid for s in trace.steps}) == 1:
        assert at == sorted(at), "the calls in the trace's order"
    for s in trace.steps:
        if s.error:
            assert f"/* {s.index}. tokenlab: fails with {s.error} */" in src
    assert prog.language == ("c++" if any(s.name == "CoCreateInstance" for s in trace.steps) else "c")


def test_a_call_without_a_c_twin_is_named():
    m = tl.Machine()
    svc = m.start_process("svc.exe", user="NETWORK SERVICE")
    with tl.record(m) as trace:
        svc.main_thread.api.RevertToSelf()
    trace.steps[0] = trace.steps[0].__class__(**{**trace.steps[0].__dict__, "name": "FrobnicateToken",
                                                 "c_call": ""})
    with pytest.raises(NoCTwin, match="FrobnicateToken has no C twin.*C_SIGNATURES"):
        program(trace)


def test_interleaved_threads_pass_the_turn(tmp_path):
    m = tl.Machine()
    api = m.start_process("svc.exe", user="NETWORK SERVICE").main_thread.api
    with tl.record(m, "ping pong") as trace:
        _, tid = api.CreateThread(None, 0, None, None, 0)
        m.thread(tid).api.ImpersonateSelf(C.SecurityImpersonation)
        api.RevertToSelf()
        m.thread(tid).api.RevertToSelf()
    prog = program(trace)
    # four runs of calls: three hand-overs, each a SetEvent and the one wait it ends
    assert prog.source.count("SetEvent(turn") == 3 and prog.source.count("WaitForSingleObject(turn") == 3
    _compilers_or_skip()
    path = tmp_path / prog.filename
    path.write_text(prog.source)
    r = check_c.compile_one(path, prog.language, syntax_only=True)
    assert r.returncode == 0, r.stderr


def _compilers_or_skip():
    missing = check_c.compiler_missing()
    if missing:
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(f"{', '.join(missing)} missing under CI=true: tools/apt-test.txt installs them")
        pytest.skip(f"{', '.join(missing)} not installed (make system-deps-test)")


def test_every_scenario_program_compiles_with_mingw(tmp_path):
    """-fsyntax-only against the real headers: a wrong name, arity, type or constant fails.
    (``make check-c`` also links them, into artifacts/c/.)"""
    _compilers_or_skip()
    failures = [f"{label} ({path.name}):\n{r.stderr}"
                for label, path, r in check_c.write_and_compile(tmp_path, syntax_only=True)
                if r.returncode != 0]
    assert not failures, "\n\n".join(failures)
