"""Random facade-call sequences: the kernel's invariants hold whatever a learner types.

Each example builds a small world (svc.exe as NETWORK SERVICE with a second thread,
alice's app.exe without SeImpersonatePrivilege, and a SYSTEM broker whose
SeDebugPrivilege lets handles cross between processes), then runs a generated sequence of Win32
calls on random threads with random arguments: live, closed, pseudo and made-up handles,
every impersonation level and token type, interesting and arbitrary access masks, and a
menu of security descriptors. After every call:

* a failed call (WinError/ComError, and TypeError/ValueError too) left
  ``trace.snapshot(machine)`` unchanged and consumed no id, set GetLastError() to its
  code, and was recorded;
* only WinError, ComError, TypeError and ValueError (NotModelledError is one) escape;
* reference counts are positive and equal the handles and slots that hold each object;
* no handle or slot points at a dead object, and a token slot holds only an
  impersonation token.
"""
from __future__ import annotations

from hypothesis import HealthCheck, given, note, settings
from hypothesis import strategies as st

import tokenlab.win32.constants as C
from tokenlab import ACE, ACL, NULL_ACL, ComError, SecurityDescriptor, WinError
from tokenlab.security.acl import AceFlags
from tokenlab.kernel.com import CLSID_Something, IID_IUnknown
from tokenlab.win32.structs import LUID_AND_ATTRIBUTES, SECURITY_ATTRIBUTES
from tokenlab.kernel.machine import Machine
from tokenlab.security.rights import EVENT_MAPPING, TOKEN_MAPPING
from tokenlab.security.sids import (
    BUILTIN_ADMINISTRATORS, BUILTIN_USERS, EVERYONE, LOCAL_SYSTEM, LOW_INTEGRITY, NETWORK, NETWORK_SERVICE, SID,
)
from tokenlab.security.tokenattrs import LUID, PRIVILEGES, TokenType
from tokenlab.teaching.trace import record
from tokenlab.teaching.snapshot import snapshot

ALICE = SID("S-1-5-21-1004336348-1177238915-682003330-1001")
BOB = SID("S-1-5-21-1004336348-1177238915-682003330-1002")
SIDS = [ALICE, BOB, NETWORK_SERVICE, LOCAL_SYSTEM, EVERYONE, NETWORK, BUILTIN_USERS, BUILTIN_ADMINISTRATORS]

MASKS = [0, C.TOKEN_QUERY, C.TOKEN_QUERY | C.TOKEN_DUPLICATE, C.TOKEN_IMPERSONATE, C.TOKEN_QUERY | C.TOKEN_IMPERSONATE,
         C.TOKEN_ALL_ACCESS, C.TOKEN_ADJUST_PRIVILEGES, C.TOKEN_ADJUST_DEFAULT, C.MAXIMUM_ALLOWED, C.GENERIC_READ,
         C.GENERIC_ALL, C.READ_CONTROL, C.WRITE_DAC, C.WRITE_OWNER, C.SYNCHRONIZE, C.EVENT_ALL_ACCESS,
         C.EVENT_MODIFY_STATE, C.ACCESS_SYSTEM_SECURITY, C.PROCESS_DUP_HANDLE, C.PROCESS_QUERY_LIMITED_INFORMATION,
         C.THREAD_ALL_ACCESS, C.THREAD_SET_THREAD_TOKEN | C.THREAD_QUERY_INFORMATION]
ACLS = [ACL([]), ACL([ACE.allow(EVERYONE, C.GENERIC_ALL)]), ACL([ACE.allow(ALICE, 0x1F01FF)]),
        ACL([ACE.allow(NETWORK_SERVICE, C.TOKEN_ALL_ACCESS), ACE.allow(LOCAL_SYSTEM, C.GENERIC_ALL)]),
        ACL([ACE.deny(EVERYONE, C.WRITE_DAC), ACE.allow(EVERYONE, C.GENERIC_READ | C.TOKEN_IMPERSONATE)]),
        ACL([ACE.allow(BOB, C.GENERIC_READ, AceFlags.OBJECT_INHERIT_ACE | AceFlags.INHERIT_ONLY_ACE),
             ACE.allow(ALICE, C.READ_CONTROL, AceFlags.CONTAINER_INHERIT_ACE)])]
LABELS = [ACL([ACE.label(LOW_INTEGRITY, 0x1)]), ACL([])]
SDS = ([None, SecurityDescriptor(), SecurityDescriptor(dacl=NULL_ACL),
        SecurityDescriptor(owner=ALICE, group=ALICE, dacl=ACLS[1]),  # owner NS may not assign
        SecurityDescriptor(owner=NETWORK_SERVICE, group=NETWORK_SERVICE, dacl=ACLS[4], sacl=LABELS[0]),
        SecurityDescriptor(owner=NETWORK_SERVICE, group=NETWORK_SERVICE, dacl=ACLS[2])]
       + [SecurityDescriptor(dacl=a) for a in ACLS])
PRIVS = ["SeImpersonatePrivilege", "SeShutdownPrivilege", "SeChangeNotifyPrivilege", "SeDebugPrivilege",
         "SeSecurityPrivilege", "SeBogusPrivilege"]
CLSIDS = [CLSID_Something, CLSID_Something.lower(), "{00000000-0000-0000-0000-000000000001}"]
PSEUDO = [-1, -2, -4, -5, -6]


class World:
    """The machine, the threads calls run on, and every handle value ever returned."""

    def __init__(self):
        m = self.machine = Machine()
        for name in ("alice", "bob"):
            m.add_user(name, password="pw")
        m.add_user("root", password="pw", groups=["Administrators"])
        svc = m.start_process("svc.exe", user="NETWORK SERVICE")
        app = m.start_process("app.exe", user="alice")
        broker = m.start_process("broker.exe", user="SYSTEM")  # SeDebugPrivilege: opens the others
        api = svc.main_thread.api
        _, tid = api.CreateThread(None, 0, None, None, 0)
        self.threads = [svc.main_thread, m.thread(tid), app.main_thread, broker.main_thread]
        # Some tokens to start from: the client's network logons, and the process tokens.
        for who in ("alice", "bob"):
            api.LogonUser(who, ".", "pw", C.LOGON32_LOGON_NETWORK, C.LOGON32_PROVIDER_DEFAULT)
        api.OpenProcessToken(-1, C.TOKEN_ALL_ACCESS)
        app.main_thread.api.LogonUser("bob", ".", "pw", C.LOGON32_LOGON_NETWORK, C.LOGON32_PROVIDER_DEFAULT)
        app.main_thread.api.OpenProcessToken(-1, C.TOKEN_QUERY | C.TOKEN_DUPLICATE)
        self.handles: list[int] = sorted({h.value for p in (svc, app) for h in p.handles})

    def remember(self, result):
        values = result if isinstance(result, tuple) else (result,)
        for v in values[:1]:
            if isinstance(v, int) and not isinstance(v, bool) and v > 0 and v not in self.handles:
                self.handles.append(v)


# ---------------------------------------------------------------------- argument strategies
def handle(draw, w: World, thread, kind: str = "Token"):
    """Mostly a live handle of the calling process to a ``kind`` object; else any handle
    value seen (other processes', closed ones), a pseudo-handle, a made-up value, or a
    wrong Python type."""
    pick = draw(st.integers(0, 99))
    own = [h.value for h in thread.process.handles if h.obj.object_type == kind]
    own += {"Process": [-1], "Thread": [-2]}.get(kind, [])
    if pick < 55 and own:
        return draw(st.sampled_from(own))
    if pick < 70:
        return draw(st.sampled_from(w.handles))
    if pick < 90:
        return draw(st.sampled_from(PSEUDO))
    if pick < 97:
        return draw(st.sampled_from([0, 3, 0x400, 0xFFFFFFFC, None]))
    return draw(st.sampled_from(["4", 4.0, True]))


def mask(draw):
    return draw(st.one_of(st.sampled_from(MASKS), st.sampled_from(MASKS), st.integers(0, 0xFFFFFFFF)))


def level(draw):
    return draw(st.sampled_from([0, 1, 2, 3] * 4 + [7, -1]))


def sa(draw):
    sd = draw(st.sampled_from(SDS))
    return draw(st.sampled_from([None, SECURITY_ATTRIBUTES(sd, draw(st.booleans()))]))


def privilege_items(draw):
    names = draw(st.lists(st.sampled_from(PRIVS), max_size=3))
    attrs = st.sampled_from([0, C.SE_PRIVILEGE_ENABLED, C.SE_PRIVILEGE_REMOVED])
    items = []
    for n in names:
        if draw(st.booleans()) and n != "SeBogusPrivilege":
            items.append(LUID_AND_ATTRIBUTES(LUID(PRIVILEGES[n]), draw(attrs)))
        else:
            items.append((n, draw(attrs)))
    return draw(st.sampled_from([items] * 4 + [None, 5]))


def often(draw, good: list, bad: list):
    """One of ``good`` most of the time, one of ``bad`` now and then."""
    return draw(st.sampled_from(good)) if draw(st.integers(0, 9)) else draw(st.sampled_from(bad))


# One entry per facade function: (draw, world, calling thread) -> argument tuple.
CALLS = {
    "LogonUser": lambda d, w, t: (often(d, ["alice", "bob", "root"], ["nobody", "Everyone", 5]), ".",
                                  often(d, ["pw"], ["wrong", None]), often(d, [2, 3, 3, 3, 4, 5, 8], [99, 7]),
                                  often(d, [0], [3, 1])),
    "OpenProcessToken": lambda d, w, t: (handle(d, w, t, "Process"), mask(d)),
    "OpenThreadToken": lambda d, w, t: (handle(d, w, t, "Thread"), mask(d), d(st.booleans())),
    "OpenProcess": lambda d, w, t: (mask(d), False, often(d, [p.pid for p in w.machine.processes], [1, 4])),
    "OpenThread": lambda d, w, t: (mask(d), False, often(d, [t.tid for p in w.machine.processes for t in p.threads],
                                                         [1, 4])),
    "DuplicateToken": lambda d, w, t: (handle(d, w, t), level(d)),
    "DuplicateTokenEx": lambda d, w, t: (handle(d, w, t), mask(d), sa(d), level(d), often(d, [1, 2, 2], [0, 3])),
    "ImpersonateLoggedOnUser": lambda d, w, t: (handle(d, w, t),),
    "ImpersonateSelf": lambda d, w, t: (level(d),),
    "SetThreadToken": lambda d, w, t: (often(d, [None, None, -2], [handle(d, w, t, "Thread")]),
                                       often(d, [handle(d, w, t)], [None])),
    "RevertToSelf": lambda d, w, t: (),
    "CloseHandle": lambda d, w, t: (handle(d, w, t, d(st.sampled_from(["Token", "Event", "Thread", "Process"]))),),
    "DuplicateHandle": lambda d, w, t: (
        often(d, [-1], [handle(d, w, t, "Process")]),
        handle(d, w, t, d(st.sampled_from(["Token", "Event", "Thread", "Process"]))),
        often(d, [-1], [handle(d, w, t, "Process")]), mask(d), d(st.booleans()), d(st.sampled_from([0, 1, 2, 3]))),
    "CreateEvent": lambda d, w, t: (sa(d), d(st.booleans()), d(st.booleans()), d(st.sampled_from([None, "e1", "e2"]))),
    "OpenEvent": lambda d, w, t: (mask(d), d(st.booleans()), often(d, ["e1", "e2"], ["none"])),
    "GetTokenInformation": lambda d, w, t: (handle(d, w, t), often(d, list(range(1, 13)) + [20, 21, 25, 27, 28],
                                                                   [0, 13, 19, 30])),
    "SetTokenInformation": lambda d, w, t: (
        handle(d, w, t), d(st.sampled_from([C.TokenOwner, C.TokenPrimaryGroup, C.TokenDefaultDacl, C.TokenUser])),
        d(st.sampled_from(SIDS + ACLS + [None]))),
    "AdjustTokenPrivileges": lambda d, w, t: (handle(d, w, t), d(st.booleans()), privilege_items(d)),
    "GetSecurityInfo": lambda d, w, t: (
        handle(d, w, t, d(st.sampled_from(["Token", "Event", "Thread", "Process"]))), often(d, [6], [1]),
        d(st.integers(0, 0x1F))),
    "SetSecurityInfo": lambda d, w, t: (
        handle(d, w, t, d(st.sampled_from(["Token", "Event", "Thread", "Process"]))), often(d, [6], [1]),
        d(st.integers(0, 0x1F)), d(st.sampled_from([None] + SIDS)), d(st.sampled_from([None] + SIDS)),
        d(st.sampled_from([None] + ACLS)), d(st.sampled_from([None] + LABELS))),
    "AccessCheck": lambda d, w, t: (
        d(st.sampled_from([sd for sd in SDS if sd is not None])), handle(d, w, t), mask(d),
        d(st.sampled_from([EVENT_MAPPING, TOKEN_MAPPING]))),
    "CheckTokenMembership": lambda d, w, t: (often(d, [handle(d, w, t)], [None]), d(st.sampled_from(SIDS))),
    "CreateThread": lambda d, w, t: (sa(d), 0, None, None, 0),
    "CreateRestrictedToken": lambda d, w, t: (
        handle(d, w, t), often(d, [0, 0, C.DISABLE_MAX_PRIVILEGE, C.SANDBOX_INERT], [C.LUA_TOKEN]),
        d(st.lists(st.sampled_from(SIDS), max_size=3)), d(st.lists(st.sampled_from(PRIVS[:-1]), max_size=2)),
        d(st.lists(st.sampled_from(SIDS), max_size=2))),
    "CoCreateInstance": lambda d, w, t: (
        often(d, CLSIDS[:2], CLSIDS[2:]), often(d, [None], [object()]),
        often(d, [C.CLSCTX_LOCAL_SERVER, C.CLSCTX_ALL], [C.CLSCTX_INPROC_SERVER]),
        often(d, [IID_IUnknown], ["{11111111-0000-0000-0000-000000000000}"])),
}
# Calls that make or swap tokens come up more often.
WEIGHTED = list(CALLS) + ["LogonUser", "DuplicateTokenEx", "ImpersonateLoggedOnUser", "SetThreadToken",
                          "OpenThreadToken", "CloseHandle", "CoCreateInstance", "DuplicateHandle", "OpenProcess"]


# ---------------------------------------------------------------------- invariants
def check_invariants(m: Machine) -> None:
    live = {o.object_id: o for o in m.live_objects()}
    holders: dict[int, dict[str, int]] = {}
    for p in m.processes:
        assert p.token.alive and p.token.object_id in live and p.token.token_type == TokenType.TokenPrimary
        holders.setdefault(p.token.object_id, {}).setdefault("primary token", 0)
        holders[p.token.object_id]["primary token"] += 1
        for h in p.handles:
            assert h.obj.alive and live.get(h.obj.object_id) is h.obj, f"handle {h.value} of {p.image} is dangling"
            holders.setdefault(h.obj.object_id, {}).setdefault("handle", 0)
            holders[h.obj.object_id]["handle"] += 1
        for t in p.threads:
            if t.token is not None:
                assert t.token.token_type == TokenType.TokenImpersonation, f"{t} holds a primary token"
                assert t.token.alive and live.get(t.token.object_id) is t.token
                holders.setdefault(t.token.object_id, {}).setdefault("thread token", 0)
                holders[t.token.object_id]["thread token"] += 1
    for oid, obj in live.items():
        assert obj.refs and all(n > 0 for n in obj.refs.values()), f"{obj} has refs {obj.refs}"
        counted = {k: v for k, v in obj.refs.items() if k in ("handle", "thread token", "primary token")}
        assert counted == holders.get(oid, {}), f"{obj}: refs {obj.refs} but held by {holders.get(oid)}"


def counters(m: Machine) -> tuple:
    """What the next new object, LUID, pid/tid and logon session would be: a failed call
    must not consume them either, or re-running a cell after an error shifts every id."""
    return (m._next_object_id, m._next_luid, m._next_client_id, tuple(m.logon_sessions))


def run_call(w: World, trace, thread, name: str, args: tuple) -> None:
    m = w.machine
    api = thread.api
    before, ids = snapshot(m), counters(m)
    steps = len(trace)
    try:
        result = getattr(api, name)(*args)
    except (WinError, ComError) as e:
        code = e.winerror if isinstance(e, WinError) else e.hresult
        if name == "DuplicateHandle" and args[5] & 1 and snapshot(m) != before:
            # the one documented exception: DUPLICATE_CLOSE_SOURCE closes the source handle
            # "regardless of any error status" (docs DuplicateHandle) — and changes nothing else
            src = thread.process if args[0] == -1 else thread.process.handles.get(args[0]).obj
            assert args[1] not in src.handles, f"failed {name}{args!r} ({e}) changed more than the source handle"
            assert counters(m) == ids and api.GetLastError() == code
            before = snapshot(m)
        assert snapshot(m) == before, f"failed {name}{args!r} ({e}) changed the machine"
        assert counters(m) == ids, f"failed {name}{args!r} ({e}) consumed ids"
        assert api.GetLastError() == code
        assert len(trace) == steps + 1 and trace[-1].error_code == code and trace[-1].snapshot == before
    except (TypeError, ValueError) as e:
        assert snapshot(m) == before, f"{name}{args!r} raised {type(e).__name__} after changing the machine"
        assert counters(m) == ids, f"{name}{args!r} raised {type(e).__name__} after consuming ids"
    else:
        w.remember(result)
        assert len(trace) == steps + 1 and trace[-1].ok
    check_invariants(m)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(st.data())
def test_random_call_sequences_keep_kernel_invariants(data):
    w = World()
    n = data.draw(st.integers(8, 22), label="calls")
    with record(w.machine) as trace:
        for _ in range(n):
            thread = w.threads[data.draw(st.sampled_from([0, 0, 0, 1, 1, 2, 3]), label="thread")]
            name = data.draw(st.sampled_from(WEIGHTED), label="call")
            if name == "SetThreadToken" and data.draw(st.integers(0, 9)) == 0:
                w.machine.com.open_as_self = not w.machine.com.open_as_self  # the learner's switch
            args = CALLS[name](data.draw, w, thread)
            note(f"t{thread.tid} {name}{args!r}")
            run_call(w, trace, thread, name, args)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.sampled_from(["alice", "bob"]), min_size=1, max_size=6), st.data())
def test_slot_is_one_token_not_a_stack(users, data):
    """Any run of SetThreadToken calls then one RevertToSelf leaves the thread as its process."""
    w = World()
    api = w.threads[0].api
    tokens = {u: api.LogonUser(u, ".", "pw", C.LOGON32_LOGON_NETWORK, 0) for u in ("alice", "bob")}
    for u in users:
        if data.draw(st.booleans()):
            api.SetThreadToken(None, tokens[u])
        else:
            api.ImpersonateLoggedOnUser(tokens[u])
        assert api.thread.token.user == (ALICE if u == "alice" else BOB)
    api.RevertToSelf()
    assert api.thread.token is None
    assert api.GetTokenInformation(api.GetCurrentThreadEffectiveToken(), C.TokenUser).sid == NETWORK_SERVICE
    check_invariants(w.machine)
