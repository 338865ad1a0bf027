"""Same calls, same world: ids, snapshots, trace tables and reprs never vary between runs.

Notebooks are checked by comparing the text their cells print (DESIGN.md, "Determinism"),
so nothing printed may depend on a previous machine, memory addresses, hash seeds,
clocks or random numbers.
"""
from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import tokenlab.win32.constants as C
from tokenlab import ComError, SecurityDescriptor, WinError
from tokenlab import scenarios
from tokenlab.kernel.com import CLSID_Something, IID_IUnknown
from tokenlab.win32.structs import SECURITY_ATTRIBUTES
from tokenlab.kernel.machine import Machine
from tokenlab.teaching.trace import record
from tokenlab.teaching.snapshot import snapshot

ROOT = Path(__file__).resolve().parents[1]


def script(m: Machine) -> tuple:
    """A mixed workload, failures included; returns (trace, results of the calls)."""
    results = []
    svc = m.start_process("svc.exe", user="NETWORK SERVICE")
    app = m.start_process("app.exe", user="alice")
    api = svc.main_thread.api

    def call(fn, *args):
        try:
            r = fn(*args)
        except (WinError, ComError) as e:
            r = e
        results.append(r)
        return r

    with record(m, "determinism") as trace:
        alice = call(api.LogonUser, "alice", ".", "pw", C.LOGON32_LOGON_NETWORK, C.LOGON32_PROVIDER_DEFAULT)
        bob = call(api.LogonUser, "bob", ".", "pw", C.LOGON32_LOGON_INTERACTIVE, C.LOGON32_PROVIDER_DEFAULT)
        call(api.LogonUser, "bob", ".", "nope", C.LOGON32_LOGON_NETWORK, C.LOGON32_PROVIDER_DEFAULT)
        call(api.ImpersonateLoggedOnUser, alice)
        call(api.CoCreateInstance, CLSID_Something, None, C.CLSCTX_LOCAL_SERVER, IID_IUnknown)
        tok = call(api.OpenThreadToken, api.GetCurrentThread(), C.TOKEN_ALL_ACCESS, True)
        call(api.CreateEvent, None, True, False, "made-as-alice")
        sd = call(api.GetSecurityInfo, tok, C.SE_KERNEL_OBJECT, C.DACL_SECURITY_INFORMATION)
        call(api.DuplicateTokenEx, tok, C.MAXIMUM_ALLOWED, SECURITY_ATTRIBUTES(sd, True), C.SecurityImpersonation,
             C.TokenImpersonation)
        dup = call(api.DuplicateToken, tok, C.SecurityIdentification)
        call(api.ImpersonateLoggedOnUser, dup)
        call(api.CoCreateInstance, CLSID_Something, None, C.CLSCTX_LOCAL_SERVER, IID_IUnknown)
        call(api.RevertToSelf)
        call(api.ImpersonateLoggedOnUser, bob)  # a primary token: copied
        call(api.GetTokenInformation, api.GetCurrentThreadEffectiveToken(), C.TokenStatistics)
        call(api.GetTokenInformation, api.GetCurrentThreadEffectiveToken(), C.TokenGroups)
        call(api.SetThreadToken, None, api.GetCurrentThreadToken())
        call(api.CreateRestrictedToken, alice, 0, [m.account("Everyone").sid], ["SeChangeNotifyPrivilege"], ())
        call(api.CreateThread, None, 0, None, None, 0)
        call(api.CloseHandle, dup)
        call(api.CloseHandle, dup)
        call(api.AdjustTokenPrivileges, alice, False, [("SeShutdownPrivilege", C.SE_PRIVILEGE_ENABLED)])
        a2 = app.main_thread.api
        own = call(a2.LogonUser, "bob", ".", "pw", C.LOGON32_LOGON_NETWORK, C.LOGON32_PROVIDER_DEFAULT)
        call(a2.ImpersonateLoggedOnUser, own)
        call(a2.OpenProcessToken, a2.GetCurrentProcess(), C.TOKEN_QUERY)
        call(a2.CreateEvent, SECURITY_ATTRIBUTES(SecurityDescriptor.from_sddl("D:(A;;GA;;;WD)")), False, False, None)
    return trace, results


def transcript(m: Machine | None = None) -> str:
    """Everything a notebook could print about the scripted world, as one text."""
    m = m or _machine()
    trace, results = script(m)
    lines = [trace.table(), repr(trace)]
    lines += [repr(r) if not isinstance(r, Exception) else str(r) for r in results]
    lines += [repr(s) for s in trace.snapshots()]
    lines += [repr(a.sid) for a in sorted(m.accounts.values(), key=lambda a: a.name)]
    lines += [repr(o) for o in m.live_objects()]
    lines += [repr(h) for p in m.processes for h in p.handles]
    lines += [repr(t) for p in m.processes for t in p.threads]
    lines += [repr(m), repr(m.logon_sessions)]
    return "\n".join(lines)


def _machine() -> Machine:
    m = Machine()
    m.add_user("alice", password="pw")
    m.add_user("bob", password="pw")
    m.add_user("root", password="pw", groups=["Administrators"])
    return m


# ---------------------------------------------------------------------- tests
def test_same_script_twice_gives_identical_worlds():
    m1, m2 = _machine(), _machine()
    t1, r1 = script(m1)
    t2, r2 = script(m2)
    assert t1.snapshots() == t2.snapshots()
    assert t1.table() == t2.table()
    assert [(s.call, s.result, s.error, s.explanation) for s in t1] == [(s.call, s.result, s.error, s.explanation)
                                                                       for s in t2]
    assert [repr(r) for r in r1] == [repr(r) for r in r2]
    assert [repr(o) for o in m1.live_objects()] == [repr(o) for o in m2.live_objects()]
    assert [repr(h) for p in m1.processes for h in p.handles] == [repr(h) for p in m2.processes for h in p.handles]
    assert snapshot(m1) == snapshot(m2)


def test_transcript_is_identical_text():
    assert transcript() == transcript()


def test_sids_are_the_documented_ones():
    m = Machine()
    assert repr(m.add_user("alice", password="pw")) == "SID('S-1-5-21-1004336348-1177238915-682003330-1001')"
    assert str(m.add_user("bob")) == "S-1-5-21-1004336348-1177238915-682003330-1002"
    assert str(m.account("Administrator").sid) == "S-1-5-21-1004336348-1177238915-682003330-500"
    assert str(m.account("NETWORK SERVICE").sid) == "S-1-5-20"


def test_earlier_machines_do_not_shift_ids():
    fresh = transcript()
    noise = _machine()
    script(noise)
    for _ in range(3):
        scenarios.duplicated_token()
    assert transcript() == fresh


def test_interleaved_machines_do_not_disturb_each_other():
    m1, m2 = _machine(), _machine()
    s1 = m1.start_process("svc.exe")
    s2 = m2.start_process("svc.exe")
    for m, api in ((m1, s1.main_thread.api), (m2, s2.main_thread.api)):
        api.ImpersonateLoggedOnUser(api.LogonUser("alice", ".", "pw", 3, 0))
    for api in (s1.main_thread.api, s2.main_thread.api):
        api.DuplicateToken(api.OpenThreadToken(-2, C.TOKEN_DUPLICATE, True), C.SecurityImpersonation)
    assert snapshot(m1) == snapshot(m2)


def test_stories_are_deterministic():
    for make in (scenarios.duplicated_token, lambda: scenarios.duplicated_token(fixed=True),
                 lambda: scenarios.nested_impersonation("pseudo_handle")):
        a, b = make(), make()
        assert a.table() == b.table() and a.snapshots() == b.snapshots()


def test_no_memory_address_reaches_the_text():
    text = transcript()
    assert not re.search(r" at 0x[0-9a-f]{6,}", text), "a default object repr leaked into the output"
    assert "object at" not in text


def test_transcript_independent_of_hash_seed():
    """Set and dict ordering must not depend on PYTHONHASHSEED (checked in fresh interpreters)."""
    code = ("import sys; sys.path.insert(0, 'tests'); import test_determinism as T; "
            "sys.stdout.write(T.transcript())")
    outs = []
    for seed in ("1", "12345"):
        env = dict(os.environ, PYTHONHASHSEED=seed, PYTHONPATH=str(ROOT))
        proc = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True,
                              timeout=120)
        assert proc.returncode == 0, proc.stderr
        outs.append(proc.stdout)
    assert outs[0] == outs[1]
    assert outs[0] == transcript()
