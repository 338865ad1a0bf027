"""Client tokens as Windows makes them: named pipes, copy-on-open, the LSA's logon-token
descriptor, token labels, unnamed objects, COM's server side.

Each test names its source: Microsoft's docs, Wine's Windows-run tests
(dlls/advapi32/tests/security.c, dlls/kernel32/tests/pipe.c), WDK docs, or ReactOS where
it follows Windows.
"""
from __future__ import annotations

import contextlib

import pytest

import tokenlab.win32.constants as C
from tokenlab import ACE, ACL, ComError, SecurityDescriptor, WinError
from tokenlab.kernel.com import CLSID_Something, IID_IUnknown
from tokenlab.kernel.machine import Machine
from tokenlab.security.sids import (
    ANONYMOUS, BUILTIN_ADMINISTRATORS, EVERYONE, HIGH_INTEGRITY, LOCAL_SYSTEM, MEDIUM_INTEGRITY, NETWORK_SERVICE, SID,
)
from tokenlab.teaching.snapshot import snapshot
from tokenlab.win32.structs import SECURITY_ATTRIBUTES

ALICE = SID("S-1-5-21-1004336348-1177238915-682003330-1001")
PIPE = "\\\\.\\pipe\\demo"
THREAD = -2
RW = C.GENERIC_READ | C.GENERIC_WRITE
OPEN_TO_USERS = SECURITY_ATTRIBUTES(SecurityDescriptor.from_sddl("D:(A;;GA;;;SY)(A;;GA;;;NS)(A;;GRGW;;;AU)"))


@contextlib.contextmanager
def fails(code):
    with pytest.raises((WinError, ComError)) as info:
        yield info
    got = getattr(info.value, "winerror", None) or getattr(info.value, "hresult", None)
    assert got == code, f"expected {code}, got {info.value}"


def world(server_user="NETWORK SERVICE"):
    m = Machine()
    m.add_user("alice", password="pw")
    m.add_user("admin", password="pw", groups=["Administrators"])
    svc = m.start_process("svc.exe", user=server_user).main_thread.api
    client = m.start_process("client.exe", user="alice").main_thread.api
    return m, svc, client


def connected(svc, client, flags=0, *, read=True, sa=OPEN_TO_USERS):
    pipe = svc.CreateNamedPipe(PIPE, C.PIPE_ACCESS_DUPLEX, C.PIPE_TYPE_BYTE | C.PIPE_WAIT, 1, 512, 512, 0, sa)
    end = client.CreateFile(PIPE, RW, 0, None, C.OPEN_EXISTING, flags, None)
    client.WriteFile(end, b"hi", 2, None)
    if read:
        assert svc.ReadFile(pipe, 2, None) == b"hi"
    return pipe, end


def obj(api, h):
    return api.process.handles.get(h).obj


# ============================================================== the LSA's descriptor
def test_logon_token_descriptor_admits_the_caller_and_the_user():
    # source: Windows' LSA as observed (NtObjectManager Format-NtSecurityDescriptor on a
    # LogonUser token): TOKEN_ALL_ACCESS for SYSTEM, the calling process's user and the
    # logged-on user; TOKEN_READ for Administrators
    m, svc, _ = world()
    h = svc.LogonUser("alice", ".", "pw", C.LOGON32_LOGON_NETWORK, C.LOGON32_PROVIDER_DEFAULT)
    dacl = obj(svc, h).security.dacl
    assert [(a.sid, a.mask) for a in dacl] == [
        (LOCAL_SYSTEM, C.TOKEN_ALL_ACCESS), (NETWORK_SERVICE, C.TOKEN_ALL_ACCESS), (ALICE, C.TOKEN_ALL_ACCESS),
        (BUILTIN_ADMINISTRATORS, C.TOKEN_READ)]
    svc.ImpersonateLoggedOnUser(h)
    svc.OpenThreadToken(THREAD, C.TOKEN_ALL_ACCESS, True)   # as NETWORK SERVICE
    svc.OpenThreadToken(THREAD, C.TOKEN_ALL_ACCESS, False)  # as alice


def test_logon_token_descriptor_of_a_system_caller_is_the_lsas_default():
    # source: the same observation: a SYSTEM caller gets the LSA's own default DACL
    m, svc, _ = world("SYSTEM")
    h = svc.LogonUser("alice", ".", "pw", C.LOGON32_LOGON_NETWORK, C.LOGON32_PROVIDER_DEFAULT)
    assert [a.sid for a in obj(svc, h).security.dacl] == [LOCAL_SYSTEM, BUILTIN_ADMINISTRATORS]


# ============================================================== token labels
def test_tokens_are_labelled_at_their_own_level_and_duplicates_keep_it():
    # source: Wine tests test_token_label, test_token_security_descriptor
    m, svc, _ = world()
    h = svc.LogonUser("admin", ".", "pw", C.LOGON32_LOGON_NETWORK, C.LOGON32_PROVIDER_DEFAULT)
    assert obj(svc, h).security.label.sid == HIGH_INTEGRITY
    low = SecurityDescriptor(dacl=ACL([ACE.allow(EVERYONE, C.GENERIC_ALL)]), sacl=ACL([ACE.label(MEDIUM_INTEGRITY, 1)]))
    dup = svc.DuplicateTokenEx(h, C.MAXIMUM_ALLOWED, SECURITY_ATTRIBUTES(low), C.SecurityImpersonation,
                               C.TokenImpersonation)
    assert obj(svc, dup).security.label.sid == HIGH_INTEGRITY
    plain = svc.DuplicateTokenEx(h, C.MAXIMUM_ALLOWED, None, C.SecurityImpersonation, C.TokenImpersonation)
    sd = svc.GetSecurityInfo(plain, C.SE_KERNEL_OBJECT, C.DACL_SECURITY_INFORMATION | C.LABEL_SECURITY_INFORMATION)
    assert sd.label.sid == HIGH_INTEGRITY
    # a duplicate's DACL reads back present and not defaulted
    assert sd.dacl_present and not sd.control & C.SE_DACL_DEFAULTED


def test_setting_a_label_on_a_token_succeeds_and_changes_nothing():
    # source: Wine test test_token_label (SetKernelObjectSecurity(LABEL) on a token succeeds;
    # the token keeps its level)
    m, svc, _ = world()
    h = svc.LogonUser("alice", ".", "pw", C.LOGON32_LOGON_NETWORK, C.LOGON32_PROVIDER_DEFAULT)
    before = obj(svc, h).security
    svc.SetKernelObjectSecurity(h, C.LABEL_SECURITY_INFORMATION,
                                SecurityDescriptor(sacl=ACL([ACE.label(SID("S-1-16-4096"), 1)])))
    assert obj(svc, h).security.label == before.label


def test_medium_server_cannot_duplicate_a_high_clients_token():
    # source: BEHAVIOR of mandatory integrity on token opens (Wine test test_token_label;
    # docs "Mandatory Integrity Control": NO_WRITE_UP; TOKEN_DUPLICATE is not read or execute)
    m = Machine()
    m.add_user("alice", password="pw")
    m.add_user("admin", password="pw", groups=["Administrators"])
    server = m.start_process("medium.exe", user="alice").main_thread.api
    admin = m.start_process("admin.exe", user="admin").main_thread.api
    pipe, _ = connected(server, admin, sa=SECURITY_ATTRIBUTES(SecurityDescriptor.from_sddl("D:(A;;GA;;;WD)")))
    server.ImpersonateNamedPipeClient(pipe)
    # alice has no SeImpersonatePrivilege, and the token is High: an Identification copy
    assert server.thread.token.impersonation_level == C.SecurityIdentification


def test_integrity_guards_token_opens_even_where_the_dacl_allows():
    # source: docs "Mandatory Integrity Control" (NO_WRITE_UP on every token's label)
    m, svc, _ = world()
    h = svc.LogonUser("admin", ".", "pw", C.LOGON32_LOGON_NETWORK, C.LOGON32_PROVIDER_DEFAULT)
    everyone = SECURITY_ATTRIBUTES(SecurityDescriptor(dacl=ACL([ACE.allow(EVERYONE, C.GENERIC_ALL)])))
    high = svc.DuplicateTokenEx(h, C.MAXIMUM_ALLOWED, everyone, C.SecurityImpersonation, C.TokenImpersonation)
    token = obj(svc, high)
    medium = m.start_process("app.exe", user="alice").main_thread
    from tokenlab.kernel import srm
    with fails(C.ERROR_ACCESS_DENIED):
        srm.open_check(m, token, medium.process.token, C.TOKEN_DUPLICATE, thread_token=False)
    granted, _ = srm.open_check(m, token, medium.process.token, C.TOKEN_QUERY, thread_token=False)
    assert granted == C.TOKEN_QUERY


# ============================================================== unnamed objects
def test_unnamed_events_have_no_descriptor_named_ones_do():
    # source: Windows Internals (object manager: no security for unnamed objects of types
    # that do not require it); docs "Securable Objects"
    m, svc, _ = world()
    unnamed = svc.CreateEvent(SECURITY_ATTRIBUTES(SecurityDescriptor(dacl=ACL([]))), True, False, None)
    assert obj(svc, unnamed).security is None
    sd = svc.GetSecurityInfo(unnamed, C.SE_KERNEL_OBJECT, C.OWNER_SECURITY_INFORMATION | C.DACL_SECURITY_INFORMATION)
    assert sd.owner is None and not sd.dacl_present
    more = svc.DuplicateHandle(-1, svc.DuplicateHandle(-1, unnamed, -1, C.SYNCHRONIZE, False, 0), -1,
                               C.EVENT_MODIFY_STATE, False, 0)  # nothing to check against
    assert svc.process.handles.get(more).granted == C.EVENT_MODIFY_STATE
    named = svc.CreateEvent(None, True, False, "Named")
    assert obj(svc, named).security.owner == NETWORK_SERVICE


# ============================================================== named pipes
def test_pipe_default_descriptor_lets_users_read_only():
    # source: docs CreateNamedPipe (the default DACL: full control to LocalSystem,
    # administrators and the creator owner; read to Everyone and anonymous)
    m, svc, client = world()
    pipe = svc.CreateNamedPipe(PIPE, C.PIPE_ACCESS_DUPLEX, 0, 1, 512, 512, 0, None)
    dacl = obj(svc, pipe).security.dacl
    assert [a.sid for a in dacl] == [LOCAL_SYSTEM, BUILTIN_ADMINISTRATORS, NETWORK_SERVICE, EVERYONE, ANONYMOUS]
    before = snapshot(m)
    with fails(C.ERROR_ACCESS_DENIED):
        client.CreateFile(PIPE, RW, 0, None, C.OPEN_EXISTING, 0, None)
    assert snapshot(m) == before and client.GetLastError() == C.ERROR_ACCESS_DENIED
    client.CreateFile(PIPE, C.GENERIC_READ, 0, None, C.OPEN_EXISTING, 0, None)


def test_pipe_names_busy_and_missing():
    # source: docs CreateFile / CreateNamedPipe (ERROR_FILE_NOT_FOUND, ERROR_PIPE_BUSY)
    m, svc, client = world()
    with fails(C.ERROR_FILE_NOT_FOUND):
        client.CreateFile(PIPE, RW, 0, None, C.OPEN_EXISTING, 0, None)
    connected(svc, client)
    with fails(C.ERROR_PIPE_BUSY):
        client.CreateFile(PIPE, RW, 0, None, C.OPEN_EXISTING, 0, None)
    with fails(C.ERROR_PIPE_BUSY):  # nMaxInstances was 1
        svc.CreateNamedPipe(PIPE, C.PIPE_ACCESS_DUPLEX, 0, 1, 512, 512, 0, None)
    with fails(C.ERROR_INVALID_NAME):
        svc.CreateNamedPipe("demo", C.PIPE_ACCESS_DUPLEX, 0, 1, 512, 512, 0, None)


def test_connect_read_and_close_follow_windows_or_tokenlabs_convention():
    # source: docs ConnectNamedPipe (ERROR_PIPE_CONNECTED when the client came first),
    # ReadFile/WriteFile on pipes (ERROR_BROKEN_PIPE, ERROR_PIPE_NOT_CONNECTED); tokenlab's
    # convention for calls that would block (ERROR_PIPE_LISTENING, ERROR_NO_DATA)
    m, svc, client = world()
    pipe = svc.CreateNamedPipe(PIPE, C.PIPE_ACCESS_DUPLEX, 0, 1, 512, 512, 0, OPEN_TO_USERS)
    with fails(C.ERROR_PIPE_LISTENING):
        svc.ConnectNamedPipe(pipe, None)
    end = client.CreateFile(PIPE, RW, 0, None, C.OPEN_EXISTING, 0, None)
    assert svc.ConnectNamedPipe(pipe, None) is False and svc.GetLastError() == C.ERROR_PIPE_CONNECTED
    with fails(C.ERROR_NO_DATA):
        svc.ReadFile(pipe, 10, None)
    assert client.WriteFile(end, b"hello", 5, None) == 5
    assert svc.ReadFile(pipe, 3, None) == b"hel" and svc.ReadFile(pipe, 10, None) == b"lo"
    assert svc.WriteFile(pipe, b"ok", 2, None) == 2 and client.ReadFile(end, 2, None) == b"ok"
    assert svc.GetNamedPipeClientProcessId(pipe) == client.process.pid
    client.CloseHandle(end)
    with fails(C.ERROR_BROKEN_PIPE):
        svc.ReadFile(pipe, 1, None)


def test_disconnect_stops_the_client():
    # source: docs DisconnectNamedPipe
    m, svc, client = world()
    pipe, end = connected(svc, client)
    svc.DisconnectNamedPipe(pipe)
    with fails(C.ERROR_PIPE_NOT_CONNECTED):
        client.WriteFile(end, b"x", 1, None)
    with fails(C.ERROR_CANNOT_IMPERSONATE):
        svc.ImpersonateNamedPipeClient(pipe)


def test_impersonate_before_reading_is_refused():
    # source: Wine pipe.c test_ImpersonateNamedPipeClient; docs (ERROR_CANNOT_IMPERSONATE)
    m, svc, client = world()
    pipe, _ = connected(svc, client, read=False)
    before = snapshot(m)
    with fails(C.ERROR_CANNOT_IMPERSONATE):
        svc.ImpersonateNamedPipeClient(pipe)
    assert snapshot(m) == before
    svc.ReadFile(pipe, 2, None)
    svc.ImpersonateNamedPipeClient(pipe)
    assert svc.thread.token.user == ALICE


@pytest.mark.parametrize("flags, level", [
    (0, C.SecurityImpersonation),
    (C.SECURITY_SQOS_PRESENT | C.SECURITY_ANONYMOUS, C.SecurityAnonymous),
    (C.SECURITY_SQOS_PRESENT | C.SECURITY_IDENTIFICATION, C.SecurityIdentification),
    (C.SECURITY_SQOS_PRESENT | C.SECURITY_IMPERSONATION, C.SecurityImpersonation),
    (C.SECURITY_SQOS_PRESENT | C.SECURITY_DELEGATION, C.SecurityDelegation),
])
def test_the_client_chooses_the_level_with_sqos(flags, level):
    # source: docs CreateFile (SECURITY_SQOS_PRESENT; without it, SecurityImpersonation),
    # "Impersonation Levels"; Wine pipe.c (test_impersonation: anonymous and identification)
    m, svc, client = world()
    svc.CreateEvent(SECURITY_ATTRIBUTES(SecurityDescriptor.from_sddl("D:(A;;GA;;;WD)")), True, False, "x")
    pipe, _ = connected(svc, client, flags)
    svc.ImpersonateNamedPipeClient(pipe)
    assert svc.thread.token.impersonation_level == level
    if level == C.SecurityAnonymous:
        with fails(C.ERROR_CANT_OPEN_ANONYMOUS):
            svc.OpenThreadToken(THREAD, C.TOKEN_QUERY, True)
        return
    svc.OpenThreadToken(THREAD, C.TOKEN_QUERY, True)
    if level == C.SecurityIdentification:
        with fails(C.ERROR_BAD_IMPERSONATION_LEVEL):  # identify, but not act as
            svc.OpenEvent(C.SYNCHRONIZE, False, "x")
    else:
        svc.OpenEvent(C.SYNCHRONIZE, False, "x")


def test_copy_on_open_copies_once_without_a_check_and_swaps_the_slot():
    # source: WDK docs PsImpersonateClient (CopyOnOpen), SeCreateClientSecurity; ReactOS
    # NtOpenThreadTokenEx + SepCreateImpersonationTokenDacl (server user, client user,
    # Administrators, SYSTEM)
    m, svc, client = world()
    pipe, _ = connected(svc, client)
    svc.ImpersonateNamedPipeClient(pipe)
    context = svc.thread.token
    assert svc.thread.copy_on_open
    h1 = svc.OpenThreadToken(THREAD, C.TOKEN_QUERY, True)
    copy = svc.thread.token
    assert copy is not context and copy is obj(svc, h1) and copy.duplicated_from == context.object_id
    assert not svc.thread.copy_on_open
    assert [a.sid for a in copy.security.dacl] == [NETWORK_SERVICE, ALICE, BUILTIN_ADMINISTRATORS, LOCAL_SYSTEM]
    h2 = svc.OpenThreadToken(THREAD, C.TOKEN_QUERY, False)  # alice herself may open it too
    assert obj(svc, h2) is copy  # no second copy
    # the server holds SeImpersonatePrivilege: a save/restore keeps alice
    svc.SetThreadToken(None, None)
    with fails(C.ERROR_ACCESS_DENIED):  # h1 was opened for TOKEN_QUERY only
        svc.SetThreadToken(None, h1)
    saved = svc.DuplicateHandle(-1, h1, -1, C.TOKEN_IMPERSONATE | C.TOKEN_QUERY, False, 0)
    svc.SetThreadToken(None, saved)
    assert svc.thread.token is copy


def test_impersonation_without_the_privilege_gets_identification_even_on_restore():
    # source: docs ImpersonateLoggedOnUser remarks (SeImpersonatePrivilege), checked on
    # every impersonation, SetThreadToken included
    m = Machine()
    m.add_user("alice", password="pw")
    m.add_user("bob", password="pw")
    server = m.start_process("app.exe", user="bob").main_thread.api  # no SeImpersonatePrivilege
    client = m.start_process("client.exe", user="alice").main_thread.api
    pipe, _ = connected(server, client, sa=SECURITY_ATTRIBUTES(SecurityDescriptor.from_sddl("D:(A;;GA;;;WD)")))
    server.ImpersonateNamedPipeClient(pipe)
    assert server.thread.token.impersonation_level == C.SecurityIdentification


def test_failed_pipe_calls_change_nothing():
    # DESIGN: a call that fails changes nothing (no handle, no token, no thread state)
    m, svc, client = world()
    pipe, end = connected(svc, client, read=False)
    attempts = [
        lambda: svc.ImpersonateNamedPipeClient(pipe),
        lambda: svc.ImpersonateNamedPipeClient(end + 400),
        lambda: client.ImpersonateNamedPipeClient(end),  # the client's end
        lambda: client.CreateFile(PIPE, RW, 0, None, C.OPEN_EXISTING, 0, None),
        lambda: client.CreateFile("\\\\.\\pipe\\nope", RW, 0, None, C.OPEN_EXISTING, 0, None),
        lambda: client.ReadFile(end, 1, None),
        lambda: svc.DisconnectNamedPipe(end + 400),
        lambda: svc.CreateNamedPipe(PIPE, C.PIPE_ACCESS_DUPLEX, 0, 1, 512, 512, 0, None),
        lambda: client.WriteFile(end, b"x", 5, None),
    ]
    for attempt in attempts:
        before = snapshot(m)
        with pytest.raises(WinError) as info:
            attempt()
        assert snapshot(m) == before, info.value
        assert info.value.winerror in (client.GetLastError(), svc.GetLastError())


def test_pipe_calls_check_python_types():
    m, svc, client = world()
    with pytest.raises(TypeError, match="lpName must be str"):
        svc.CreateNamedPipe(None, C.PIPE_ACCESS_DUPLEX, 0, 1, 512, 512, 0, None)
    pipe, end = connected(svc, client)
    with pytest.raises(TypeError, match="lpBuffer must be bytes"):
        client.WriteFile(end, "text", 4, None)


def test_relative_paths_and_effective_only_are_explicitly_not_modelled():
    from tokenlab import NotModelledError
    m, svc, client = world()
    with pytest.raises(NotModelledError):
        client.CreateFile("x.txt", RW, 0, None, C.OPEN_EXISTING, 0, None)
    with fails(C.ERROR_FILE_NOT_FOUND):  # files on C:\ are modelled (tests/test_wine_objects.py)
        client.CreateFile("C:\\x.txt", RW, 0, None, C.OPEN_EXISTING, 0, None)
    svc.CreateNamedPipe(PIPE, C.PIPE_ACCESS_DUPLEX, 0, 1, 512, 512, 0, OPEN_TO_USERS)
    with pytest.raises(NotModelledError):
        client.CreateFile(PIPE, RW, 0, None, C.OPEN_EXISTING,
                          C.SECURITY_SQOS_PRESENT | C.SECURITY_EFFECTIVE_ONLY | C.SECURITY_IMPERSONATION, None)


def test_without_sqos_tracking_is_dynamic_with_sqos_static():
    # source: docs "Security Quality of Service" and CreateFile; Wine pipe.c test_impersonation
    # (no_sqos: the server sees the client's later change; static_context: it does not)
    m, svc, client = world()
    for flags, sees_change in ((0, True), (C.SECURITY_SQOS_PRESENT | C.SECURITY_IMPERSONATION, False),
                               (C.SECURITY_SQOS_PRESENT | C.SECURITY_IMPERSONATION | C.SECURITY_CONTEXT_TRACKING,
                                True)):
        m, svc, client = world()
        pipe, _ = connected(svc, client, flags)
        # the client disables its privileges after connecting
        tok = client.OpenProcessToken(-1, C.TOKEN_ADJUST_PRIVILEGES | C.TOKEN_QUERY)
        client.AdjustTokenPrivileges(tok, True, None)
        svc.ImpersonateNamedPipeClient(pipe)
        enabled = svc.thread.token.privilege_enabled("SeChangeNotifyPrivilege")
        assert enabled is (not sees_change), flags


# ============================================================== COM, the server's side
def test_co_impersonate_client_in_the_server_gets_an_identification_copy_on_open_context():
    # source: docs CoImpersonateClient, CoInitializeSecurity (default RPC_C_IMP_LEVEL_IDENTIFY);
    # model: tokenlab's model of COM
    m, svc, client = world()
    with fails(C.RPC_E_CALL_COMPLETE):
        svc.CoImpersonateClient()
    client.CoCreateInstance(CLSID_Something, None, C.CLSCTX_LOCAL_SERVER, IID_IUnknown)
    server = m.process("something_server.exe").main_thread
    assert server.api.CoImpersonateClient() == C.S_OK
    assert server.token.user == ALICE and server.token.impersonation_level == C.SecurityIdentification
    assert server.copy_on_open
    assert server.api.CoRevertToSelf() == 0 and server.token is None
