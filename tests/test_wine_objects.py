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


# ====================================================================== files and directories
from tokenlab.kernel import srm  # noqa: E402
from tokenlab.security.acl import AceFlags  # noqa: E402
from tokenlab.security.rights import FILE_MAPPING  # noqa: E402
from tokenlab.security.sids import BUILTIN_ADMINISTRATORS, CREATOR_GROUP, CREATOR_OWNER, EVERYONE  # noqa: E402

OI, CI, NP, IO, ID = (AceFlags.OBJECT_INHERIT_ACE, AceFlags.CONTAINER_INHERIT_ACE, AceFlags.NO_PROPAGATE_INHERIT_ACE,
                      AceFlags.INHERIT_ONLY_ACE, AceFlags.INHERITED_ACE)
OD = C.OWNER_SECURITY_INFORMATION | C.DACL_SECURITY_INFORMATION


def user_sid(api):
    return api.process.token.user


def test_create_directory_inheritance_as_wine_checks_it_on_windows():
    # source: Wine test security.c test_CreateDirectoryA + test_inherited_dacl (run on Windows)
    m, api = world()
    me = user_sid(api)
    dacl = ACL([ACE.allow(me, C.GENERIC_ALL, OI | CI), ACE.allow(BUILTIN_ADMINISTRATORS, C.GENERIC_ALL, OI | CI)])
    sa = SECURITY_ATTRIBUTES(lpSecurityDescriptor=SecurityDescriptor(dacl=dacl), bInheritHandle=True)
    assert api.CreateDirectory("C:\\Please Remove Me", sa) is True
    got = api.GetFileSecurity("C:\\Please Remove Me", OD)
    assert got.owner == me
    # the directory's own ACEs: as given, flags kept, GENERIC_ALL mapped to 0x1f01ff
    assert [(a.sid, int(a.flags), a.mask) for a in got.dacl] == [(me, OI | CI, 0x1F01FF),
                                                                  (BUILTIN_ADMINISTRATORS, OI | CI, 0x1F01FF)]
    # a file created in it without a descriptor inherits both: INHERITED_ACE, 0x1f01ff
    h = api.CreateFile("C:\\Please Remove Me/tmpfile", C.GENERIC_WRITE, C.FILE_SHARE_READ, None, C.CREATE_NEW, 0, None)
    got = api.GetFileSecurity("C:\\Please Remove Me\\tmpfile", OD)
    assert [(a.sid, int(a.flags), a.mask) for a in got.dacl] == [(me, ID, 0x1F01FF), (BUILTIN_ADMINISTRATORS, ID, 0x1F01FF)]
    api.CloseHandle(h)
    # "When a security descriptor is set, then inheritance doesn't take effect": an explicit
    # empty DACL stays empty (read through the handle, SE_FILE_OBJECT)
    empty = SECURITY_ATTRIBUTES(lpSecurityDescriptor=SecurityDescriptor(dacl=ACL([])), bInheritHandle=True)
    h = api.CreateFile("C:\\Please Remove Me\\tmpfile2", C.GENERIC_WRITE, C.FILE_SHARE_READ, empty, C.CREATE_NEW, 0,
                       None)
    got = api.GetSecurityInfo(h, C.SE_FILE_OBJECT, OD)
    assert got.dacl is not None and len(got.dacl) == 0
    assert api.GetFileSecurity("C:\\Please Remove Me\\tmpfile2", OD).dacl == ACL([])  # the owner may still read it
    fails(C.ERROR_INVALID_PARAMETER, api.GetSecurityInfo, h, C.SE_REGISTRY_KEY, OD)
    fails(C.ERROR_INVALID_HANDLE, api.GetSecurityInfo, h, C.SE_KERNEL_OBJECT, OD)  # a file is SE_FILE_OBJECT


def test_inheritance_rules_table():
    # docs "ACE Inheritance Rules" (the table, and generic rights / CREATOR OWNER); [MS-DTYP] 2.5.3.4.2
    owner, group = tl.SID("S-1-5-21-1-2-3-1001"), tl.SID("S-1-5-21-1-2-3-513")
    fa = 0x1F01FF
    parent = ACL([
        ACE.allow(EVERYONE, fa, OI),              # OI only
        ACE.allow(EVERYONE, 0x1, CI),             # CI only
        ACE.allow(EVERYONE, 0x2, OI | CI),        # both
        ACE.allow(EVERYONE, 0x4, OI | CI | NP),   # both, no propagation
        ACE.allow(EVERYONE, 0x8, OI | NP),        # OI only, no propagation
        ACE.allow(EVERYONE, 0x10, 0),             # not inheritable
        ACE.allow(CREATOR_OWNER, C.GENERIC_ALL, OI | CI | IO),
        ACE.allow(CREATOR_GROUP, C.GENERIC_READ, CI),
    ])
    as_file = srm.inherit_acl(parent, False, owner, group, FILE_MAPPING)
    assert [(a.sid, int(a.flags), a.mask) for a in as_file] == [
        (EVERYONE, ID, fa), (EVERYONE, ID, 0x2), (EVERYONE, ID, 0x4), (EVERYONE, ID, 0x8),
        (owner, ID, fa),  # CREATOR OWNER becomes the owner, GENERIC_ALL is mapped, IO cleared
    ]
    as_dir = srm.inherit_acl(parent, True, owner, group, FILE_MAPPING)
    assert [(a.sid, int(a.flags), a.mask) for a in as_dir] == [
        (EVERYONE, OI | IO | ID, fa),      # OI only: inherit-only on a container
        (EVERYONE, CI | ID, 0x1),          # CI only: effective and inheritable
        (EVERYONE, OI | CI | ID, 0x2),
        (EVERYONE, ID, 0x4),               # NP: effective, propagation stops
        # OI|NP: nothing for a container
        (owner, ID, fa),                   # effective copy, generic information mapped
        (CREATOR_OWNER, OI | CI | IO | ID, C.GENERIC_ALL),  # inherit-only copy, unchanged
        (group, ID, FILE_MAPPING.map(C.GENERIC_READ)),
        (CREATOR_GROUP, CI | IO | ID, C.GENERIC_READ),
    ]


def test_root_model_users_make_folders_not_files_and_own_what_they_make():
    # model: tokenlab's C:\ (kernel/files.py); docs "File Security and Access Rights"
    # (FILE_ADD_FILE, FILE_ADD_SUBDIRECTORY on the directory); docs "ACE Inheritance Rules"
    m, api = world()
    me = user_sid(api)
    root = api.GetFileSecurity("C:\\", OD | C.GROUP_SECURITY_INFORMATION)
    assert root.to_sddl() == ("O:SYG:SYD:PAI(A;OICI;FA;;;SY)(A;OICI;FA;;;BA)(A;OICI;0x1200a9;;;BU)(A;CI;LC;;;BU)"
                              "(A;OICIIO;GA;;;CO)")
    fails(C.ERROR_ACCESS_DENIED, api.CreateFile, "C:\\x.txt", C.GENERIC_WRITE, 0, None, C.CREATE_NEW, 0, None)
    assert m.volume.root.children == {}  # a refused create changes nothing
    api.CreateDirectory("C:\\Work", None)
    work = api.GetFileSecurity("C:\\work", OD)  # names are case-insensitive
    assert work.owner == me
    assert work.control & tl.SDControl.SE_DACL_AUTO_INHERITED
    text = work.to_sddl(m.domain_sid)
    assert text.endswith("(A;OICIID;0x1200a9;;;BU)(A;CIID;LC;;;BU)(A;ID;FA;;;" + me.text + ")(A;OICIIOID;GA;;;CO)")
    api.CloseHandle(api.CreateFile("C:\\Work\\notes.txt", C.GENERIC_WRITE, 0, None, C.CREATE_NEW, 0, None))
    notes = api.GetFileSecurity("C:\\Work\\notes.txt", C.DACL_SECURITY_INFORMATION)
    assert notes.to_sddl(m.domain_sid) == ("D:AI(A;ID;FA;;;SY)(A;ID;FA;;;BA)(A;ID;0x1200a9;;;BU)(A;ID;FA;;;"
                                           + me.text + ")")
    # bob (a user) reads alice's file but cannot write it, nor add files to her folder
    bob = m.start_process("b.exe", user="bob").main_thread.api
    bob.CloseHandle(bob.CreateFile("C:\\Work\\notes.txt", C.GENERIC_READ, 0, None, C.OPEN_EXISTING, 0, None))
    fails(C.ERROR_ACCESS_DENIED, bob.CreateFile, "C:\\Work\\notes.txt", C.GENERIC_WRITE, 0, None, C.OPEN_EXISTING, 0,
          None)
    fails(C.ERROR_ACCESS_DENIED, bob.CreateFile, "C:\\Work\\bob.txt", C.GENERIC_WRITE, 0, None, C.CREATE_NEW, 0, None)
    bob.CreateDirectory("C:\\Work\\bobs", None)  # Users may create folders (CI, inherited)


def test_no_propagate_stops_after_one_generation_and_no_inheritable_aces_means_the_default_dacl():
    # docs "ACE Inheritance Rules" (NO_PROPAGATE_INHERIT_ACE); docs "DACL for a New Object"
    m, api = world()
    me = user_sid(api)
    dacl = ACL([ACE.allow(me, 0x1F01FF, OI | CI | NP), ACE.allow(EVERYONE, C.FILE_GENERIC_READ, OI | CI | NP)])
    api.CreateDirectory("C:\\np", SECURITY_ATTRIBUTES(lpSecurityDescriptor=SecurityDescriptor(dacl=dacl)))
    api.CreateDirectory("C:\\np\\child", None)
    child = api.GetFileSecurity("C:\\np\\child", C.DACL_SECURITY_INFORMATION)
    assert [(a.sid, int(a.flags)) for a in child.dacl] == [(me, ID), (EVERYONE, ID)]
    assert not child.control & tl.SDControl.SE_DACL_AUTO_INHERITED  # the parent's DACL is not auto-inherited
    # the child passes nothing on: a grandchild gets its creator's default DACL
    api.CreateDirectory("C:\\np\\child\\grandchild", None)
    grand = api.GetFileSecurity("C:\\np\\child\\grandchild", C.DACL_SECURITY_INFORMATION)
    assert grand.dacl == srm.map_acl(api.process.token.default_dacl, FILE_MAPPING)  # generic rights mapped
    assert not any(a.flags & ID for a in grand.dacl)


def test_creation_dispositions():
    # docs CreateFile (dwCreationDisposition: ERROR_FILE_EXISTS, ERROR_ALREADY_EXISTS, last error 0);
    # winfsp's winfstest 05_CreateFile_Truncation.t (checked against NTFS: TRUNCATE_EXISTING with
    # GENERIC_READ is ERROR_INVALID_PARAMETER)
    m, api = world()
    api.CreateDirectory("C:\\d", None)
    path = "C:\\d\\f.txt"
    fails(C.ERROR_FILE_NOT_FOUND, api.CreateFile, path, C.GENERIC_READ, 0, None, C.OPEN_EXISTING, 0, None)
    fails(C.ERROR_FILE_NOT_FOUND, api.CreateFile, path, C.GENERIC_WRITE, 0, None, C.TRUNCATE_EXISTING, 0, None)
    fails(C.ERROR_PATH_NOT_FOUND, api.CreateFile, "C:\\nowhere\\f.txt", C.GENERIC_WRITE, 0, None, C.CREATE_NEW, 0, None)
    api.thread.last_error = 0xDEADBEEF
    h = api.CreateFile(path, C.GENERIC_WRITE, 0, None, C.CREATE_ALWAYS, 0, None)
    assert api.GetLastError() == 0
    node = api.process.handles.get(h).obj
    node.data = bytearray(b"42")
    assert api.process.handles.get(h).granted == C.FILE_GENERIC_WRITE
    fails(C.ERROR_FILE_EXISTS, api.CreateFile, path, C.GENERIC_WRITE, 0, None, C.CREATE_NEW, 0, None)
    api.CreateFile(path, C.GENERIC_WRITE, 0, None, C.OPEN_ALWAYS, 0, None)
    assert api.GetLastError() == C.ERROR_ALREADY_EXISTS and node.data == b"42"
    api.CreateFile(path, C.GENERIC_WRITE, 0, None, C.OPEN_EXISTING, 0, None)
    assert node.data == b"42"
    fails(C.ERROR_INVALID_PARAMETER, api.CreateFile, path, C.GENERIC_READ, 0, None, C.TRUNCATE_EXISTING, 0, None)
    api.CreateFile(path, C.GENERIC_WRITE, 0, None, C.TRUNCATE_EXISTING, 0, None)
    assert node.data == b""
    node.data = bytearray(b"42")
    api.CreateFile(path, C.GENERIC_WRITE, 0, None, C.CREATE_ALWAYS, 0, None)
    assert api.GetLastError() == C.ERROR_ALREADY_EXISTS and node.data == b""
    api.CreateFile("C:\\d\\g.txt", C.GENERIC_READ, 0, None, C.OPEN_ALWAYS, 0, None)
    assert api.GetLastError() == 0
    for bad in (0, 6):
        fails(C.ERROR_INVALID_PARAMETER, api.CreateFile, path, C.GENERIC_READ, 0, None, bad, 0, None)
    # directories: only with FILE_FLAG_BACKUP_SEMANTICS (docs CreateFile, "Directories")
    fails(C.ERROR_ACCESS_DENIED, api.CreateFile, "C:\\d", C.GENERIC_READ, 0, None, C.OPEN_EXISTING, 0, None)
    hd = api.CreateFile("C:\\d", C.GENERIC_READ, 0, None, C.OPEN_EXISTING, C.FILE_FLAG_BACKUP_SEMANTICS, None)
    assert api.process.handles.get(hd).obj.directory
    fails(C.ERROR_ALREADY_EXISTS, api.CreateDirectory, "C:\\d", None)
    fails(C.ERROR_PATH_NOT_FOUND, api.CreateDirectory, "C:\\no\\such", None)
    fails(C.ERROR_PATH_NOT_FOUND, api.CreateDirectory, "C:\\d\\f.txt\\sub", None)  # a file on the way
    fails(C.ERROR_INVALID_NAME, api.CreateFile, "C:\\d\\a?b", C.GENERIC_READ, 0, None, C.CREATE_NEW, 0, None)
    fails(C.ERROR_PATH_NOT_FOUND, api.CreateFile, "D:\\x", C.GENERIC_READ, 0, None, C.CREATE_NEW, 0, None)
    with pytest.raises(tl.NotModelledError):
        api.CreateFile("relative.txt", C.GENERIC_READ, 0, None, C.CREATE_NEW, 0, None)
    with pytest.raises(tl.NotModelledError):
        api.CreateFile(path, C.GENERIC_READ, 0, None, C.OPEN_EXISTING, C.FILE_FLAG_DELETE_ON_CLOSE, None)
    with pytest.raises(TypeError, match="lpPathName"):
        api.CreateDirectory(b"C:\\x", None)
    with pytest.raises(TypeError, match="RequestedInformation"):
        api.GetFileSecurity(path, "all")


def test_opening_an_existing_file_ignores_the_descriptor_passed():
    # docs CreateFile (CREATE_ALWAYS: "If the specified file exists ... does not set the security
    # descriptor that the SECURITY_ATTRIBUTES structure specifies")
    m, api = world()
    api.CreateDirectory("C:\\d", None)
    api.CreateFile("C:\\d\\f", C.GENERIC_WRITE, 0, None, C.CREATE_NEW, 0, None)
    before = api.GetFileSecurity("C:\\d\\f", OD)
    empty = SECURITY_ATTRIBUTES(lpSecurityDescriptor=SecurityDescriptor(dacl=ACL([])))
    for disposition in (C.CREATE_ALWAYS, C.OPEN_ALWAYS, C.OPEN_EXISTING):
        api.CreateFile("C:\\d\\f", C.GENERIC_WRITE, 0, empty, disposition, C.FILE_ATTRIBUTE_NORMAL, None)
    assert api.GetFileSecurity("C:\\d\\f", OD) == before
    with tl.record(m) as tr:
        api.CreateFile("C:\\d", C.GENERIC_READ, 0, None, C.OPEN_EXISTING, C.FILE_FLAG_BACKUP_SEMANTICS, None)
    assert "OPEN_EXISTING, FILE_FLAG_BACKUP_SEMANTICS, NULL);" in tr.steps[0].c_call


def test_set_file_security_needs_write_dac_and_does_not_propagate():
    # docs SetFileSecurity (WRITE_DAC for the DACL; WRITE_OWNER for the owner); Wine test
    # test_GetNamedSecurityInfoA ("NtSetSecurityObject doesn't inherit DACL entries")
    m, api = world()
    me = user_sid(api)
    api.CreateDirectory("C:\\s", None)
    api.CloseHandle(api.CreateFile("C:\\s\\f", C.GENERIC_WRITE, 0, None, C.CREATE_NEW, 0, None))
    new = SecurityDescriptor(dacl=ACL([ACE.allow(me, 0x1F01FF, OI | CI), ACE.allow(EVERYONE, C.FILE_GENERIC_READ,
                                                                                    OI | CI)]))
    assert api.SetFileSecurity("C:\\s", C.DACL_SECURITY_INFORMATION, new) is True
    assert api.GetFileSecurity("C:\\s", C.DACL_SECURITY_INFORMATION).dacl == new.dacl
    assert not any(a.sid == EVERYONE for a in api.GetFileSecurity("C:\\s\\f", C.DACL_SECURITY_INFORMATION).dacl)
    bob = m.start_process("b.exe", user="bob").main_thread.api
    fails(C.ERROR_ACCESS_DENIED, bob.SetFileSecurity, "C:\\s", C.DACL_SECURITY_INFORMATION, new)
    fails(C.ERROR_PRIVILEGE_NOT_HELD, bob.GetFileSecurity, "C:\\s\\f", C.SACL_SECURITY_INFORMATION)
    fails(C.ERROR_INVALID_SECURITY_DESCR, api.SetFileSecurity, "C:\\s", C.OWNER_SECURITY_INFORMATION, new)
    fails(C.ERROR_FILE_NOT_FOUND, api.GetFileSecurity, "C:\\s\\missing", C.DACL_SECURITY_INFORMATION)
    # a new file there now inherits Everyone's read
    api.CloseHandle(api.CreateFile("C:\\s\\g", C.GENERIC_WRITE, 0, None, C.CREATE_NEW, 0, None))
    g = api.GetFileSecurity("C:\\s\\g", C.DACL_SECURITY_INFORMATION).dacl
    assert [(a.sid, int(a.flags)) for a in g] == [(me, ID), (EVERYONE, ID)]


def test_file_creation_is_narrated_and_has_c_twins():
    m, api = world()
    with tl.record(m) as tr:
        api.CreateDirectory("C:\\Work", None)
        api.CreateFile("C:\\Work\\a.txt", C.GENERIC_WRITE, 0, None, C.CREATE_NEW, 0, None)
        api.GetFileSecurity("C:\\Work\\a.txt", C.DACL_SECURITY_INFORMATION)
        api.CreateMutex(None, True, "m")
    steps = {s.name: s for s in tr.steps}
    assert "inherits 6 ACE(s) from its parent directory C:\\'s inheritable ACEs" in steps["CreateDirectory"].narration
    assert "The new file gets no DACL of its own: it inherits 4 ACE(s)" in steps["CreateFile"].narration
    assert steps["CreateDirectory"].c_call == 'CreateDirectoryW(L"C:\\\\Work", NULL);'
    assert steps["CreateMutex"].c_call == 'HANDLE h8 = CreateMutexW(NULL, TRUE, L"m");'


def test_the_root_takes_no_object_id_until_opened_and_snapshots_agree():
    m, api = world()
    before = set(m.objects)
    api.CreateDirectory("C:\\ids", None)
    new = set(m.objects) - before
    assert len(new) == 1 and m.objects[new.pop()].name == "C:\\ids"  # the root stays unnumbered
    h = api.CreateFile("C:\\ids\\x", C.GENERIC_WRITE, 0, None, C.CREATE_NEW, 0, None)
    api.CloseHandle(h)
    assert m.reap() == 0  # a file lives on the volume after its last handle closes
    snap = snapshot(m)
    assert snap == full_snapshot(m)
    assert [(o.object_type, o.name, o.detail) for o in snap.objects] == [("File", "C:\\ids", "directory"),
                                                                         ("File", "C:\\ids\\x", "file, 0 byte(s)")]


def test_snapshots_and_narration_follow_mutex_and_semaphore_state():
    m, api = world()
    with tl.record(m) as tr:
        h = api.CreateMutex(None, True, "m")
        api.ReleaseMutex(h)
        s = api.CreateSemaphore(None, 0, 2, None)
        api.ReleaseSemaphore(s, 2)
        api.CloseHandle(h)
    steps = tr.steps
    assert "New Mutex 'm' (owned by thread" in steps[0].narration
    assert "Mutex 'm' is now not owned (was owned by thread" in steps[1].narration
    assert "unnamed semaphore gets none" in steps[2].narration
    assert "is now count 2 of 2 (was count 0 of 2)" in steps[3].narration
    assert "Mutex 'm' lost its last reference and is gone." in steps[4].narration
    assert snapshot(m) == full_snapshot(m)


def test_c_twins_of_the_new_calls_compile_with_mingw(tmp_path):
    import shutil
    import subprocess

    from tokenlab.teaching.c_program import program
    if shutil.which("x86_64-w64-mingw32-gcc") is None:
        pytest.skip("mingw-w64 is not installed")
    m, api = world()
    with tl.record(m, title="objects calls") as tr:
        h = api.CreateMutex(None, True, "m")
        api.OpenMutex(C.SYNCHRONIZE, False, "m")
        api.ReleaseMutex(h)
        s = api.CreateSemaphore(None, 0, 2, "s")
        api.OpenSemaphore(C.SEMAPHORE_MODIFY_STATE, False, "s")
        api.ReleaseSemaphore(s, 1)
        api.CreateEventEx(None, "e", C.CREATE_EVENT_MANUAL_RESET, C.EVENT_ALL_ACCESS)
        api.CreateDirectory("C:\\tokenlab-demo", None)
        f = api.CreateFile("C:\\tokenlab-demo\\a.txt", C.GENERIC_WRITE, 0, None, C.CREATE_ALWAYS, 0, None)
        sd = api.GetFileSecurity("C:\\tokenlab-demo\\a.txt", C.DACL_SECURITY_INFORMATION)
        api.SetFileSecurity("C:\\tokenlab-demo\\a.txt", C.DACL_SECURITY_INFORMATION, sd)
        api.GetSecurityInfo(f, C.SE_FILE_OBJECT, C.DACL_SECURITY_INFORMATION)
    prog = program(tr)
    path = tmp_path / prog.filename
    path.write_text(prog.source)
    done = subprocess.run(["x86_64-w64-mingw32-gcc", "-Wall", "-Wno-unused-variable", "-Wno-unused-but-set-variable",
                           "-fsyntax-only", str(path)], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr


def test_reading_and_writing_file_data_is_explicitly_not_modelled():
    m, api = world()
    api.CreateDirectory("C:\\d", None)
    h = api.CreateFile("C:\\d\\f", C.GENERIC_WRITE | C.GENERIC_READ, 0, None, C.CREATE_NEW, 0, None)
    with pytest.raises(tl.NotModelledError):
        api.WriteFile(h, b"x", 1, None)
    with pytest.raises(tl.NotModelledError):
        api.ReadFile(h, 1, None)
