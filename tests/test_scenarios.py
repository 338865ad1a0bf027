"""The course's two stories, call for call, and the ``impersonating`` helper.

Story 1: "How come a duplicated token doesn't behave identically to the original?";
story 2: "Why doesn't RevertToSelf undo the most recent SetThreadToken?" (The Old New
Thing). Each step's call name and outcome is asserted in order, then *why* the story
ends as it does, read from the recorded snapshots.
"""
from __future__ import annotations

import pytest

import tokenlab.win32.constants as C
from tokenlab import ComError, SecurityDescriptor, WinError
from tokenlab import scenarios
from tokenlab.kernel.machine import Machine
from tokenlab.scenarios import impersonating
from tokenlab.security.sids import BUILTIN_ADMINISTRATORS, LOCAL_SYSTEM, NETWORK_SERVICE, SID

ALICE = SID("S-1-5-21-1004336348-1177238915-682003330-1001")
BOB = SID("S-1-5-21-1004336348-1177238915-682003330-1002")
OK = "ok"


def outcomes(trace):
    """[(call name, "ok" or the error name), ...]"""
    return [(s.name, OK if s.ok else s.error.split(" ")[0]) for s in trace]


def token_sd(trace, step_index):
    """The descriptor of the token whose handle step ``step_index`` returned, as recorded."""
    step = trace[step_index]
    snap = step.snapshot
    handle = int(step.result)
    proc = next(p for p in snap.processes if p.image == step.image)
    oid = next(h.object_id for h in proc.handles if h.value == handle)
    return snap.token(oid).security  # snapshots hold descriptors as values


def slot_user(trace, tid=None):
    """The user of the token in a thread's slot after the last step (None if empty)."""
    snap = trace[-1].snapshot
    svc = next(p for p in snap.processes if p.image == "svc.exe")
    thread = svc.threads[0] if tid is None else snap.thread(tid)
    return None if thread.token is None else SID(snap.token(thread.token).user)


# ====================================================================== story 1
STORY1_PREFIX = [
    ("LogonUser", OK), ("ImpersonateLoggedOnUser", OK), ("CoCreateInstance", OK),
    ("GetCurrentThread", OK), ("OpenThreadToken", OK),
]


def test_duplicated_token_story_call_for_call():
    trace = scenarios.duplicated_token()
    assert outcomes(trace) == STORY1_PREFIX + [
        ("DuplicateToken", OK), ("ImpersonateLoggedOnUser", OK), ("CoCreateInstance", "E_ACCESSDENIED")]
    last = trace[-1]
    assert last.error_code == 0x80070005 == C.E_ACCESSDENIED
    assert last.error == "E_ACCESSDENIED (0x80070005)"
    assert any("OpenAsSelf=TRUE" in line for line in last.explanation)


def test_duplicated_token_story_why():
    # The original (made by the LSA for LogonUser) admits SYSTEM, the caller (NETWORK
    # SERVICE) and alice, Administrators read; the duplicate (made while impersonating
    # alice) got alice's defaults, which do not admit NETWORK SERVICE.
    trace = scenarios.duplicated_token()
    original, duplicate = token_sd(trace, 0), token_sd(trace, 5)
    assert [a.sid for a in original.dacl] == [LOCAL_SYSTEM, NETWORK_SERVICE, ALICE, BUILTIN_ADMINISTRATORS]
    assert duplicate.owner == ALICE
    assert [a.sid for a in duplicate.dacl] == [ALICE, LOCAL_SYSTEM]
    # The thread token at the failing call is that duplicate.
    snap = trace[-1].snapshot
    slot = snap.process(trace.machine.process("svc.exe").pid).threads[0].token
    assert snap.token(slot).duplicated_from is not None and snap.token(slot).origin == "DuplicateToken"


def test_duplicated_token_story_fixed():
    trace = scenarios.duplicated_token(fixed=True)
    assert outcomes(trace) == STORY1_PREFIX + [
        ("GetSecurityInfo", OK), ("DuplicateTokenEx", OK), ("ImpersonateLoggedOnUser", OK), ("CoCreateInstance", OK)]
    duplicate = token_sd(trace, 6)
    assert duplicate.owner == ALICE  # the explicit SD named no owner: still the creator's default
    # the original's DACL, copied
    assert [a.sid for a in duplicate.dacl] == [LOCAL_SYSTEM, NETWORK_SERVICE, ALICE, BUILTIN_ADMINISTRATORS]


def test_duplicated_token_story_worker_thread():
    trace = scenarios.duplicated_token(worker_thread=True)
    assert outcomes(trace) == STORY1_PREFIX + [
        ("CreateThread", OK), ("DuplicateToken", OK), ("ImpersonateLoggedOnUser", OK), ("CoCreateInstance", OK)]
    main, worker = trace.machine.process("svc.exe").threads
    main_tid, worker_tid = main.tid, worker.tid
    assert trace[5].tid == main_tid and trace[5].result == f"(12, {worker_tid})"
    assert trace[6].tid == worker_tid != main_tid  # the duplicate was made on the worker thread
    duplicate = token_sd(trace, 6)
    assert duplicate.owner == NETWORK_SERVICE
    assert [a.sid for a in duplicate.dacl] == [NETWORK_SERVICE, LOCAL_SYSTEM]
    assert slot_user(trace, worker_tid) is None  # the worker never impersonated


def test_duplicated_token_story_world_afterwards():
    trace = scenarios.duplicated_token()
    m = trace.machine
    assert [p.image for p in m.processes] == ["svc.exe", "something_server.exe"]
    assert slot_user(trace) == ALICE
    assert trace.snapshots()[0] == trace.initial and len(trace.snapshots()) == len(trace) + 1


# ====================================================================== story 1 over a named pipe
# How a service really gets its client's token (docs: ImpersonateNamedPipeClient; Wine
# pipe.c test_ImpersonateNamedPipeClient): alice's client.exe connects, writes; svc.exe
# reads, impersonates (a copy-on-open client context), then the post's calls.
PIPE_PREFIX = [("CreateNamedPipe", OK), ("CreateFile", OK), ("WriteFile", OK), ("ConnectNamedPipe", OK),
               ("ReadFile", OK), ("ImpersonateNamedPipeClient", OK), ("CoCreateInstance", OK),
               ("GetCurrentThread", OK), ("OpenThreadToken", OK)]


def test_duplicated_token_over_a_pipe_call_for_call():
    trace = scenarios.duplicated_token(via="pipe")
    assert outcomes(trace) == PIPE_PREFIX + [
        ("DuplicateToken", OK), ("ImpersonateLoggedOnUser", OK), ("CoCreateInstance", "E_ACCESSDENIED")]
    connect = next(s for s in trace if s.name == "ConnectNamedPipe")
    assert connect.result == "False" and "ERROR_PIPE_CONNECTED (535)" in connect.narration
    assert [s.image for s in trace][:3] == ["svc.exe", "client.exe", "client.exe"]


def test_duplicated_token_over_a_pipe_first_open_is_copy_on_open():
    trace = scenarios.duplicated_token(via="pipe")
    imp = next(s for s in trace if s.name == "ImpersonateNamedPipeClient")
    com = next(s for s in trace if s.name == "CoCreateInstance")
    svc_pid = trace.machine.process("svc.exe").pid
    context = imp.snapshot.token(imp.snapshot.process(svc_pid).threads[0].token)
    copy = com.snapshot.token(com.snapshot.process(svc_pid).threads[0].token)
    assert copy.object_id != context.object_id and copy.duplicated_from == context.object_id
    assert "copy-on-open" in com.narration and "without an access check" in com.narration
    # the copy's DACL: server user, client user, Administrators, SYSTEM (WDK docs; ReactOS
    # SepCreateImpersonationTokenDacl)
    assert [a.sid for a in copy.security.dacl] == [NETWORK_SERVICE, ALICE, BUILTIN_ADMINISTRATORS, LOCAL_SYSTEM]
    assert copy.security.label.sid == context.security.label.sid


def test_duplicated_token_over_a_pipe_fixed_and_worker_thread_work():
    fixed = scenarios.duplicated_token(via="pipe", fixed=True)
    assert outcomes(fixed)[-1] == ("CoCreateInstance", OK)
    worker = scenarios.duplicated_token(via="pipe", worker_thread=True)
    assert outcomes(worker)[-1] == ("CoCreateInstance", OK)


def test_nested_impersonation_over_a_pipe_save_restore_returns_the_copy():
    trace = scenarios.nested_impersonation("save_restore", via="pipe")
    assert trace.final_user == "TOKENLAB\\alice"
    save = next(s for s in trace if s.name == "OpenThreadToken")
    assert "copy-on-open" in save.narration  # the first save is the kernel's copy, now in the slot
    trace = scenarios.nested_impersonation("revert", via="pipe")
    assert trace.final_user == "NT AUTHORITY\\NETWORK SERVICE"


def test_scenarios_reject_unknown_via():
    with pytest.raises(ValueError, match="via"):
        scenarios.duplicated_token(via="rpc")


# ====================================================================== story 2
NESTED = {
    "revert": ([("LogonUser", OK), ("LogonUser", OK), ("ImpersonateLoggedOnUser", OK), ("SetThreadToken", OK),
                ("RevertToSelf", OK)], "NT AUTHORITY\\NETWORK SERVICE", None),
    "save_restore": ([("LogonUser", OK), ("LogonUser", OK), ("ImpersonateLoggedOnUser", OK),
                      ("GetCurrentThread", OK), ("OpenThreadToken", OK), ("SetThreadToken", OK),
                      ("SetThreadToken", OK), ("CloseHandle", OK)], "TOKENLAB\\alice", ALICE),
    "not_impersonating": ([("LogonUser", OK), ("LogonUser", OK), ("GetCurrentThread", OK),
                           ("OpenThreadToken", "ERROR_NO_TOKEN"), ("SetThreadToken", OK), ("SetThreadToken", OK)],
                          "NT AUTHORITY\\NETWORK SERVICE", None),
    "pseudo_handle": ([("LogonUser", OK), ("LogonUser", OK), ("ImpersonateLoggedOnUser", OK),
                       ("GetCurrentThreadToken", OK), ("SetThreadToken", OK), ("SetThreadToken", "ERROR_INVALID_HANDLE")],
                      "TOKENLAB\\bob", BOB),
}
TAIL = [("GetCurrentThreadEffectiveToken", OK), ("GetTokenInformation", OK)]


@pytest.mark.parametrize("pattern", NESTED)
def test_nested_impersonation_call_for_call(pattern):
    steps, final_user, in_slot = NESTED[pattern]
    trace = scenarios.nested_impersonation(pattern)
    assert outcomes(trace) == steps + TAIL
    assert trace.final_user == final_user
    assert slot_user(trace) == in_slot
    codes = {s.error_code for s in trace if not s.ok}
    assert codes == {"not_impersonating": {1008}, "pseudo_handle": {6}}.get(pattern, set())


def test_nested_impersonation_pseudo_handle_saved_nothing():
    trace = scenarios.nested_impersonation("pseudo_handle")
    failed = next(s for s in trace if not s.ok)
    assert failed.call == "SetThreadToken(None, GetCurrentThreadToken())"
    assert failed.snapshot == trace[failed.index - 1].snapshot  # the failed call changed nothing


def test_nested_impersonation_rejects_unknown_pattern():
    with pytest.raises(ValueError, match="pattern"):
        scenarios.nested_impersonation("stack")


# ====================================================================== impersonating()
def _world():
    m = Machine()
    m.add_user("alice", password="pw")
    m.add_user("bob", password="pw")
    api = m.start_process("svc.exe", user="NETWORK SERVICE").main_thread.api
    alice = api.LogonUser("alice", ".", "pw", C.LOGON32_LOGON_NETWORK, C.LOGON32_PROVIDER_DEFAULT)
    bob = api.LogonUser("bob", ".", "pw", C.LOGON32_LOGON_NETWORK, C.LOGON32_PROVIDER_DEFAULT)
    return m, api, alice, bob


def _user(api):
    return api.GetTokenInformation(api.GetCurrentThreadEffectiveToken(), C.TokenUser).sid


def test_impersonating_when_not_impersonating_restores_empty_slot():
    m, api, alice, bob = _world()
    n = len(api.process.handles)
    with impersonating(api, bob):
        assert _user(api) == BOB
    assert api.thread.token is None and _user(api) == NETWORK_SERVICE
    assert len(api.process.handles) == n


def test_impersonating_restores_previous_token_object():
    m, api, alice, bob = _world()
    api.ImpersonateLoggedOnUser(alice)
    before = api.thread.token
    n = len(api.process.handles)
    with impersonating(api, bob):
        assert _user(api) == BOB
    assert api.thread.token is before and _user(api) == ALICE
    assert len(api.process.handles) == n


@pytest.mark.parametrize("was_impersonating", [False, True])
def test_impersonating_restores_when_body_raises(was_impersonating):
    m, api, alice, bob = _world()
    if was_impersonating:
        api.ImpersonateLoggedOnUser(alice)
    before, n = api.thread.token, len(api.process.handles)
    with pytest.raises(WinError):
        with impersonating(api, bob):
            api.OpenEvent(C.SYNCHRONIZE, False, "no such event")
    assert api.thread.token is before and len(api.process.handles) == n


def test_impersonating_nests():
    m, api, alice, bob = _world()
    n = len(api.process.handles)
    with impersonating(api, alice):
        with impersonating(api, bob):
            assert _user(api) == BOB
        assert _user(api) == ALICE
    assert api.thread.token is None and len(api.process.handles) == n


def test_impersonating_cannot_save_a_token_the_process_may_not_open():
    # Saving uses OpenThreadToken(OpenAsSelf=TRUE): a thread token whose DACL does not admit
    # the process (story 1's duplicate) cannot be saved; entering fails and changes nothing.
    from tokenlab.teaching.snapshot import snapshot

    m, api, alice, bob = _world()
    api.ImpersonateLoggedOnUser(alice)
    dup = api.DuplicateToken(api.OpenThreadToken(api.GetCurrentThread(), C.TOKEN_DUPLICATE, True),
                             C.SecurityImpersonation)
    api.ImpersonateLoggedOnUser(dup)
    before = snapshot(m)
    with pytest.raises(WinError) as info:
        with impersonating(api, bob):
            pass  # pragma: no cover
    assert info.value.winerror == C.ERROR_ACCESS_DENIED
    assert snapshot(m) == before


def test_stories_only_raise_model_errors():
    # The stories catch the failures they expect; nothing else escapes.
    for fixed, worker in ((False, False), (True, False), (False, True)):
        try:
            scenarios.duplicated_token(fixed=fixed, worker_thread=worker)
        except (WinError, ComError) as e:  # pragma: no cover
            pytest.fail(f"story 1 raised {e}")
