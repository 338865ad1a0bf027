"""Windows-run expectations for named synchronisation objects and files, from Wine's tests
that run on Windows (dlls/kernel32/tests/sync.c, dlls/ntdll/tests/om.c,
dlls/advapi32/tests/security.c) and Microsoft's docs (issue 13, the objects side)."""
from __future__ import annotations

import pytest

import tokenlab as tl
import tokenlab.win32.constants as C
from tokenlab import ACE, ACL, SecurityDescriptor, WinError
from tokenlab.kernel.machine import Machine
from tokenlab.teaching.snapshot import full_snapshot, snapshot
from tokenlab.win32.structs import SECURITY_ATTRIBUTES


def world(user="alice"):
    m = Machine()
    m.add_user("alice", password="pw")
    m.add_user("bob", password="pw")
    m.add_user("admin", password="pw", groups=["Administrators"])
    return m, m.start_process("app.exe", user=user).main_thread.api


def fails(code, fn, *args):
    with pytest.raises(WinError) as e:
        fn(*args)
    assert e.value.winerror == code
    return e.value


# ---------------------------------------------------------------------- mutexes
def test_mutex_names_open_and_access_bits_as_windows_reports_them():
    # source: Wine test sync.c test_mutex (runs on Windows)
    m, api = world()
    api.thread.last_error = 0xDEADBEEF
    fails(C.ERROR_FILE_NOT_FOUND, api.OpenMutex, 0, False, "WineTestMutex")
    created = api.CreateMutex(None, False, "WineTestMutex")
    fails(C.ERROR_ACCESS_DENIED, api.OpenMutex, 0, False, "WineTestMutex")  # no access asked: denied
    api.CloseHandle(api.OpenMutex(C.GENERIC_EXECUTE, False, "WineTestMutex"))
    api.CloseHandle(api.OpenMutex(C.GENERIC_READ | C.GENERIC_WRITE, False, "WineTestMutex"))
    failed = 0
    for i in range(32):
        try:
            api.CloseHandle(api.OpenMutex(1 << i, False, "WineTestMutex"))
        except WinError as e:
            want = C.ERROR_PRIVILEGE_NOT_HELD if 1 << i == C.ACCESS_SYSTEM_SECURITY else C.ERROR_ACCESS_DENIED
            assert e.winerror == want
            failed |= 1 << i
    assert failed == 0x0DE0FFFE  # what Windows refuses, bit for bit
    # not the owner: ERROR_NOT_OWNER
    fails(C.ERROR_NOT_OWNER, api.ReleaseMutex, created)
    # names are case-sensitive
    fails(C.ERROR_FILE_NOT_FOUND, api.OpenMutex, C.READ_CONTROL, False, "WINETESTMUTEX")
    again = api.CreateMutex(None, False, "WineTestMutex")
    assert api.GetLastError() == C.ERROR_ALREADY_EXISTS and again != created
    api.thread.last_error = 0xDEADBEEF
    other = api.CreateMutex(None, False, "WINETESTMUTEX")
    assert api.GetLastError() == 0xDEADBEEF  # a new object: no ERROR_ALREADY_EXISTS
    assert api.process.handles.get(other).obj is not api.process.handles.get(created).obj


def test_release_mutex_needs_no_access_right_and_only_the_owner_releases():
    # source: Wine test sync.c test_mutex (ReleaseMutex through a handle opened with any one
    # right succeeds for the owner); docs ReleaseMutex
    m, api = world()
    h = api.CreateMutex(None, True, "owned")
    weak = api.OpenMutex(C.SYNCHRONIZE, False, "owned")
    assert api.ReleaseMutex(weak) is True
    fails(C.ERROR_NOT_OWNER, api.ReleaseMutex, h)  # released once already
    other = api.CreateThread(None, 0, None, None, 0)[1]
    api2 = m.thread(other).api
    h2 = api2.CreateMutex(None, True, "theirs")
    fails(C.ERROR_NOT_OWNER, api.ReleaseMutex, api.DuplicateHandle(-1, h2, -1, 0, False, C.DUPLICATE_SAME_ACCESS))


def test_create_mutex_on_an_existing_name_ignores_initial_owner_and_checks_access():
    # docs CreateMutex: an existing name opens that mutex (MUTEX_ALL_ACCESS asked), bInitialOwner
    # is ignored, ERROR_ALREADY_EXISTS; with limited rights the call fails with ERROR_ACCESS_DENIED
    m, alice = world()
    bob = m.start_process("b.exe", user="bob").main_thread.api
    h = alice.CreateMutex(None, False, "shared")
    mutant = alice.process.handles.get(h).obj
    # alice's default DACL grants bob nothing: his create is an open, and it is refused
    fails(C.ERROR_ACCESS_DENIED, bob.CreateMutex, None, True, "shared")
    assert mutant.owner_tid is None and len(bob.process.handles) == 0
    again = alice.CreateMutex(None, True, "shared")
    assert alice.GetLastError() == C.ERROR_ALREADY_EXISTS
    assert mutant.owner_tid is None  # bInitialOwner ignored for an existing mutex
    assert alice.process.handles.get(again).granted == C.MUTEX_ALL_ACCESS == 0x1F0001


# ---------------------------------------------------------------------- names across types
@pytest.mark.parametrize("make", [
    lambda api, n: api.CreateEvent(None, False, False, n),
    lambda api, n: api.CreateEventEx(None, n, 0, C.EVENT_ALL_ACCESS),
    lambda api, n: api.CreateMutex(None, False, n),
    lambda api, n: api.CreateSemaphore(None, 0, 1, n),
], ids=["event", "event-ex", "mutex", "semaphore"])
def test_a_name_held_by_another_type_is_invalid_handle(make):
    # docs CreateMutex/CreateSemaphore/CreateEvent: "If lpName matches the name of an existing
    # event, semaphore, waitable timer, job, or file-mapping object, the function fails and
    # GetLastError returns ERROR_INVALID_HANDLE"; Wine test om.c (STATUS_OBJECT_TYPE_MISMATCH)
    m, api = world()
    api.CreateEvent(None, False, False, "ev")
    api.CreateMutex(None, False, "mx")
    api.CreateSemaphore(None, 0, 1, "sem")
    before = len(api.process.handles)
    kinds = {"ev": "Event", "mx": "Mutant", "sem": "Semaphore"}
    for name, kind in kinds.items():
        try:
            make(api, name)
        except WinError as e:
            assert e.winerror == C.ERROR_INVALID_HANDLE
        else:
            assert api.GetLastError() == C.ERROR_ALREADY_EXISTS  # the same type: opened
    assert len(api.process.handles) == before + 1
    for opener, kind in ((api.OpenEvent, "Event"), (api.OpenMutex, "Mutant"), (api.OpenSemaphore, "Semaphore")):
        for name, held in kinds.items():
            if held != kind:
                fails(C.ERROR_INVALID_HANDLE, opener, C.SYNCHRONIZE, False, name)


# ---------------------------------------------------------------------- semaphores
def test_semaphore_names_counts_and_release():
    # source: Wine test sync.c test_semaphore; docs CreateSemaphore, ReleaseSemaphore
    m, api = world()
    api.thread.last_error = 0
    h = api.CreateSemaphore(None, 0, 1, "sync.c: Test Semaphore")
    assert api.GetLastError() == 0
    h2 = api.CreateSemaphore(None, 0, 1, "sync.c: Test Semaphore")
    assert api.GetLastError() == C.ERROR_ALREADY_EXISTS
    api.CloseHandle(h2)
    api.CloseHandle(api.OpenSemaphore(C.SEMAPHORE_ALL_ACCESS, False, "sync.c: Test Semaphore"))
    fails(C.ERROR_FILE_NOT_FOUND, api.OpenSemaphore, C.SEMAPHORE_ALL_ACCESS, False, "sync.c: TEST SEMAPHORE")
    for initial, maximum in ((0, 0), (2, 1), (-1, 1)):
        fails(C.ERROR_INVALID_PARAMETER, api.CreateSemaphore, None, initial, maximum, None)
    assert api.ReleaseSemaphore(h, 1) == 0
    fails(C.ERROR_TOO_MANY_POSTS, api.ReleaseSemaphore, h, 1)
    fails(C.ERROR_INVALID_PARAMETER, api.ReleaseSemaphore, h, 0)
    query = api.OpenSemaphore(C.SEMAPHORE_QUERY_STATE, False, "sync.c: Test Semaphore")
    fails(C.ERROR_ACCESS_DENIED, api.ReleaseSemaphore, query, 1)  # needs SEMAPHORE_MODIFY_STATE
    assert api.process.handles.get(h).obj.count == 1


def test_rights_match_the_headers():
    # winnt.h / synchapi.h (mingw-w64): MUTANT_ALL_ACCESS, MUTEX_ALL_ACCESS, SEMAPHORE_ALL_ACCESS …
    assert (C.MUTANT_QUERY_STATE, C.MUTEX_MODIFY_STATE, C.MUTANT_ALL_ACCESS, C.MUTEX_ALL_ACCESS) == (1, 1, 0x1F0001,
                                                                                                    0x1F0001)
    assert (C.SEMAPHORE_MODIFY_STATE, C.SEMAPHORE_ALL_ACCESS) == (2, 0x1F0003)
    assert (C.CREATE_EVENT_MANUAL_RESET, C.CREATE_EVENT_INITIAL_SET, C.CREATE_MUTEX_INITIAL_OWNER) == (1, 2, 1)
    assert tl.win32.MUTANT_MAPPING.map(C.GENERIC_ALL) == 0x1F0001
    assert tl.win32.SEMAPHORE_MAPPING.map(C.GENERIC_WRITE) == 0x20002


# ---------------------------------------------------------------------- security of the three types
def test_unnamed_objects_have_no_descriptor_named_ones_the_creators_defaults():
    # Windows Internals ch. 8 / docs "Securable Objects": only a name makes the object manager
    # assign a descriptor to these types (as for events)
    m, api = world()
    sd = SecurityDescriptor(dacl=ACL([]))
    sa = SECURITY_ATTRIBUTES(lpSecurityDescriptor=sd)
    for h in (api.CreateMutex(sa, False, None), api.CreateSemaphore(sa, 0, 1, None),
              api.CreateEventEx(sa, None, 0, C.EVENT_ALL_ACCESS)):
        assert api.process.handles.get(h).obj.security is None
    token = api.process.token
    for h in (api.CreateMutex(None, False, "m"), api.CreateSemaphore(None, 0, 1, "s")):
        obj = api.process.handles.get(h).obj
        assert obj.security.owner == token.owner and obj.security.dacl is not None
        assert [a.sid for a in obj.security.dacl] == [a.sid for a in token.default_dacl]
    # an explicit (empty) DACL on a named mutex: even its creator cannot open it again
    api.CreateMutex(sa, False, "locked")
    fails(C.ERROR_ACCESS_DENIED, api.OpenMutex, C.SYNCHRONIZE, False, "locked")
    # GetSecurityInfo works on them (SE_KERNEL_OBJECT)
    h = api.OpenMutex(C.READ_CONTROL, False, "m")
    got = api.GetSecurityInfo(h, C.SE_KERNEL_OBJECT, C.DACL_SECURITY_INFORMATION)
    assert got.dacl is not None


def test_create_event_ex_gives_exactly_the_access_asked_and_reads_its_flags():
    # docs CreateEventEx: dwDesiredAccess is "the access mask for the event object";
    # CREATE_EVENT_MANUAL_RESET 1, CREATE_EVENT_INITIAL_SET 2 (synchapi.h)
    m, api = world()
    h = api.CreateEventEx(None, "ex", C.CREATE_EVENT_MANUAL_RESET | C.CREATE_EVENT_INITIAL_SET, C.SYNCHRONIZE)
    entry = api.process.handles.get(h)
    assert entry.granted == C.SYNCHRONIZE
    assert entry.obj.manual_reset and entry.obj.signalled
    h2 = api.CreateEventEx(None, "ex", 0, C.EVENT_MODIFY_STATE)
    assert api.GetLastError() == C.ERROR_ALREADY_EXISTS
    assert api.process.handles.get(h2).granted == C.EVENT_MODIFY_STATE
    h3 = api.CreateEventEx(None, None, 0, C.GENERIC_ALL)
    assert api.process.handles.get(h3).granted == C.EVENT_ALL_ACCESS  # generic rights mapped
    fails(C.ERROR_INVALID_PARAMETER, api.CreateEventEx, None, None, 4, C.EVENT_ALL_ACCESS)
    with pytest.raises(TypeError, match="dwFlags"):
        api.CreateEventEx(None, None, "1", C.EVENT_ALL_ACCESS)
    with pytest.raises(TypeError, match="lpName"):
        api.CreateMutex(None, False, b"bytes")


def test_failed_creates_change_nothing():
    m, api = world()
    api.CreateEvent(None, False, False, "taken")
    objects, handles = dict(m.objects), len(api.process.handles)
    fails(C.ERROR_INVALID_HANDLE, api.CreateMutex, None, True, "taken")
    fails(C.ERROR_INVALID_PARAMETER, api.CreateSemaphore, None, 5, 1, "new")
    assert dict(m.objects) == objects and len(api.process.handles) == handles
    assert m.find_named("new") is None


def test_snapshots_show_mutexes_and_semaphores_in_handle_tables():
    m, api = world()
    before = snapshot(m)
    api.CreateMutex(None, True, "m")
    api.CreateSemaphore(None, 1, 3, None)
    after = snapshot(m)
    assert after == full_snapshot(m) and after != before
    kinds = [h.object_type for h in after.process(api.process.pid).handles]
    assert "Mutant" in kinds and "Semaphore" in kinds
