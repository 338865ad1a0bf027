"""Processes and tokens: the Win32 calls learners type next (issue 13), checked against
Windows' behaviour as Microsoft's docs state it and as Wine's conformance tests — which run
on real Windows — assert it (``dlls/advapi32/tests/security.c``, test function named in
each test). Sources are cited per test; tokenlab's simplifications are in docs/model.md.
"""
from __future__ import annotations

import contextlib

import pytest

import tokenlab as tl
import tokenlab.win32.constants as C
from tokenlab import ACE, ACL, NotModelledError, SecurityDescriptor, WinError
from tokenlab.kernel.machine import Machine
from tokenlab.security.sids import (
    ANONYMOUS, BUILTIN_ADMINISTRATORS, EVERYONE, HIGH_INTEGRITY, LOCAL, LOCAL_SYSTEM, MEDIUM_INTEGRITY, SID,
)
from tokenlab.security.tokenattrs import GroupAttributes, SidAndAttributes
from tokenlab.teaching.snapshot import snapshot
from tokenlab.win32.structs import PROCESS_INFORMATION, SECURITY_ATTRIBUTES, STARTUPINFO

SELF, THREAD = -1, -2
ALICE = SID("S-1-5-21-1004336348-1177238915-682003330-1001")


def world():
    m = Machine()
    m.add_user("alice", password="pw")
    m.add_user("bob", password="pw")
    m.add_user("root", password="pw", groups=["Administrators"])
    return m


def api_of(m, image, user, **kw):
    return m.start_process(image, user=user, **kw).main_thread.api


@contextlib.contextmanager
def fails(code):
    with pytest.raises(WinError) as info:
        yield info
    assert info.value.winerror == code, f"expected {code}, got {info.value}"


def token_of(api, h):
    return api.process.handles.get(h).obj


def granted(api, h):
    return api.process.handles.get(h).granted


def enabled(api, h, sid):
    return any(g.sid == sid and g.attributes & C.SE_GROUP_ENABLED for g in api.GetTokenInformation(h, C.TokenGroups))


def stats(api, h):
    return api.GetTokenInformation(h, C.TokenStatistics)


# ================================================================ Machine.start_process
def test_start_process_bad_input_names_the_parameter():
    # source: model (the set-up helper refuses what no account or image can be, before any id is taken)
    m = world()
    before = snapshot(m)
    with pytest.raises(ValueError, match="user"):
        m.start_process("x.exe", user="nobody")
    with pytest.raises(ValueError, match="user.*group"):
        m.start_process("x.exe", user="Administrators")
    with pytest.raises(TypeError, match="image"):
        m.start_process(None, user="alice")
    with pytest.raises(TypeError, match="user"):
        m.start_process("x.exe", user=42)
    assert snapshot(m) == before
    assert m.start_process("x.exe", user="alice").pid == 1000  # no id was spent


def test_start_process_administrator_is_elevated_unless_uac():
    # source: docs "How User Account Control works"; Wine test test_admin_elevation (Default and elevated)
    m = world()
    full = api_of(m, "admin.exe", "root")
    h = full.OpenProcessToken(SELF, C.TOKEN_QUERY)
    assert full.GetTokenInformation(h, C.TokenElevationType) == C.TokenElevationTypeDefault
    assert full.GetTokenInformation(h, C.TokenElevation) is True
    limited = api_of(m, "explorer.exe", "root", uac=True)
    h = limited.OpenProcessToken(SELF, C.TOKEN_QUERY)
    assert limited.GetTokenInformation(h, C.TokenElevationType) == C.TokenElevationTypeLimited
    assert limited.GetTokenInformation(h, C.TokenIntegrityLevel).sid == MEDIUM_INTEGRITY


# ================================================================ CreateProcess
def test_create_process_copies_the_primary_token_not_the_impersonation_token():
    # source: docs CreateProcess remarks ("the new process uses the token for the calling process, not the
    # impersonation token"); Wine test test_token_security_descriptor (the child's token has a new DACL)
    m = world()
    api = api_of(m, "svc.exe", "NETWORK SERVICE")
    mine = api.OpenProcessToken(SELF, C.TOKEN_ALL_ACCESS)
    api.SetKernelObjectSecurity(mine, C.DACL_SECURITY_INFORMATION,
                                SecurityDescriptor(dacl=ACL([ACE.allow(SID("S-1-5-6"), C.GENERIC_ALL)])))
    alice = api.LogonUser("alice", ".", "pw", C.LOGON32_LOGON_NETWORK, 0)
    api.ImpersonateLoggedOnUser(alice)
    pi = api.CreateProcess(None, '"C:\\Windows\\notepad.exe" readme.txt', None, None, False, 0, None, None)
    assert isinstance(pi, PROCESS_INFORMATION)
    hp, ht, pid, tid = pi
    child = m.process(pid)
    assert child.image == "notepad.exe" and child.main_thread.tid == tid
    assert child.token.user == api.process.token.user  # NETWORK SERVICE, not alice
    assert child.token is not api.process.token
    assert child.token.token_id != api.process.token.token_id
    assert child.token.authentication_id == api.process.token.authentication_id
    assert not any(a.sid == SID("S-1-5-6") for a in child.token.security.dacl)  # not the parent token's DACL
    assert granted(api, hp) & C.PROCESS_ALL_ACCESS == C.PROCESS_ALL_ACCESS
    assert granted(api, ht) & C.THREAD_ALL_ACCESS == C.THREAD_ALL_ACCESS
    assert child.main_thread.token is None  # impersonation is per thread: the new thread has none


def test_create_process_checks_its_arguments_and_changes_nothing_when_it_fails():
    # source: docs CreateProcess (lpApplicationName or lpCommandLine); model (wrong Python types: TypeError)
    m = world()
    api = api_of(m, "app.exe", "alice")
    before = snapshot(m)
    with fails(C.ERROR_INVALID_PARAMETER):
        api.CreateProcess(None, None, None, None, False, 0, None, None)
    with pytest.raises(TypeError, match="lpCommandLine"):
        api.CreateProcess(None, 5, None, None, False, 0, None, None)
    with pytest.raises(TypeError, match="lpProcessAttributes"):
        api.CreateProcess("a.exe", None, "sa", None, False, 0, None, None)
    with pytest.raises(TypeError, match="lpStartupInfo"):
        api.CreateProcess("a.exe", None, None, None, False, 0, None, None, {})
    with pytest.raises(NotModelledError, match="bInheritHandles"):
        api.CreateProcess("a.exe", None, None, None, True, 0, None, None)
    with fails(C.ERROR_INVALID_OWNER):  # an owner alice may not name
        api.CreateProcess("a.exe", None, SECURITY_ATTRIBUTES(SecurityDescriptor(owner=LOCAL_SYSTEM)), None,
                          False, 0, None, None)
    assert snapshot(m) == before
    hp, ht, pid, _ = api.CreateProcess("a.exe", None, None, None, False, 0, None, None, STARTUPINFO())
    assert m.process(pid).image == "a.exe"


# ================================================================ CreateProcessAsUser
def _event_for_local(api, name):
    """Wine test test_create_process_token's event: EVENT_MODIFY_STATE to LOCAL only."""
    sd = SecurityDescriptor(dacl=ACL([ACE.allow(LOCAL, C.EVENT_MODIFY_STATE)]))
    return api.CreateEvent(SECURITY_ATTRIBUTES(sd), True, True, name)


def test_create_process_as_user_token_rights_and_kinds():
    # source: Wine test test_create_process_token (run on Windows 7+), docs CreateProcessAsUser
    m = world()
    api = api_of(m, "app.exe", "alice")
    _event_for_local(api, "test_event")

    def child_may_signal(pi):
        child = m.process(pi.dwProcessId).main_thread.api
        try:
            child.CloseHandle(child.OpenEvent(C.EVENT_MODIFY_STATE, False, "test_event"))
            return True
        except WinError as e:
            assert e.winerror == C.ERROR_ACCESS_DENIED
            return False

    assert child_may_signal(api.CreateProcessAsUser(None, None, "child", None, None, False, 0, None, None))
    with fails(C.ERROR_INVALID_HANDLE):
        api.CreateProcessAsUser(api.GetCurrentProcessToken(), None, "child", None, None, False, 0, None, None)
    h = api.OpenProcessToken(SELF, C.TOKEN_QUERY | C.TOKEN_ASSIGN_PRIMARY)
    assert child_may_signal(api.CreateProcessAsUser(h, None, "child", None, None, False, 0, None, None))
    for access in (C.TOKEN_QUERY, C.TOKEN_ASSIGN_PRIMARY):
        with fails(C.ERROR_ACCESS_DENIED):
            api.CreateProcessAsUser(api.OpenProcessToken(SELF, access), None, "child", None, None, False, 0,
                                    None, None)
    token = api.OpenProcessToken(SELF, C.TOKEN_QUERY | C.TOKEN_ASSIGN_PRIMARY | C.TOKEN_DUPLICATE)
    imp = api.DuplicateTokenEx(token, C.TOKEN_QUERY | C.TOKEN_ASSIGN_PRIMARY, None, C.SecurityImpersonation,
                               C.TokenImpersonation)
    assert child_may_signal(api.CreateProcessAsUser(imp, None, "child", None, None, False, 0, None, None))
    restricted = api.CreateRestrictedToken(token, 0, [LOCAL], (), ())
    assert not child_may_signal(api.CreateProcessAsUser(restricted, None, "child", None, None, False, 0,
                                                        None, None))


def test_create_process_as_user_identification_token_is_bad_level():
    # source: docs "Impersonation Levels"; Wine test test_duplicate_token (below Impersonation cannot be primary)
    m = world()
    api = api_of(m, "app.exe", "alice")
    token = api.OpenProcessToken(SELF, C.TOKEN_ALL_ACCESS)
    ident = api.DuplicateTokenEx(token, C.TOKEN_ALL_ACCESS, None, C.SecurityIdentification, C.TokenImpersonation)
    before = snapshot(m)
    with fails(C.ERROR_BAD_IMPERSONATION_LEVEL):
        api.CreateProcessAsUser(ident, "x.exe", None, None, None, False, 0, None, None)
    assert snapshot(m) == before


def test_create_process_as_user_with_another_logon_needs_assign_primary_privilege():
    # source: docs CreateProcessAsUser ("may require the SE_ASSIGNPRIMARYTOKEN_NAME privilege if the token is
    # not assignable"), "Processes in the Client Security Context" (services hold it)
    m = world()
    api = api_of(m, "app.exe", "alice")
    bob = api.LogonUser("bob", ".", "pw", C.LOGON32_LOGON_INTERACTIVE, 0)
    before = snapshot(m)
    with fails(C.ERROR_PRIVILEGE_NOT_HELD):
        api.CreateProcessAsUser(bob, "bob.exe", None, None, None, False, 0, None, None)
    assert snapshot(m) == before and api.GetLastError() == C.ERROR_PRIVILEGE_NOT_HELD
    system = api_of(m, "services.exe", "SYSTEM")  # holds SeAssignPrimaryTokenPrivilege (not enabled)
    h = system.LogonUser("bob", ".", "pw", C.LOGON32_LOGON_INTERACTIVE, 0)
    pi = system.CreateProcessAsUser(h, "bob.exe", None, None, None, False, 0, None, None)
    child = m.process(pi.dwProcessId)
    assert child.token.user == m.account("bob").sid and child.token is not token_of(system, h)
    # its descriptors come from bob's token: bob can open it, and the caller keeps full handles
    bob_api = api_of(m, "b.exe", "bob")
    bob_api.OpenProcess(C.PROCESS_ALL_ACCESS, False, pi.dwProcessId)


def test_create_process_with_token_needs_se_impersonate():
    # source: docs CreateProcessWithTokenW ("must have the SE_IMPERSONATE_NAME privilege")
    m = world()
    alice = api_of(m, "app.exe", "alice")
    h = alice.OpenProcessToken(SELF, C.TOKEN_QUERY | C.TOKEN_DUPLICATE | C.TOKEN_ASSIGN_PRIMARY)
    with fails(C.ERROR_PRIVILEGE_NOT_HELD):
        alice.CreateProcessWithTokenW(h, 0, "x.exe", None, 0, None, None)
    svc = api_of(m, "svc.exe", "NETWORK SERVICE")
    bob = svc.LogonUser("bob", ".", "pw", C.LOGON32_LOGON_INTERACTIVE, 0)
    with fails(C.ERROR_ACCESS_DENIED):
        svc.CreateProcessWithTokenW(svc.DuplicateHandle(SELF, bob, SELF, C.TOKEN_QUERY, False, 0), 0, "x.exe",
                                    None, 0, None, None)
    hp, ht, pid, tid = svc.CreateProcessWithTokenW(bob, C.LOGON_WITH_PROFILE, None, "bob.exe /x", 0, None, None)
    assert m.process(pid).token.user == m.account("bob").sid and m.process(pid).image == "bob.exe"


# ================================================================ DuplicateHandle
def test_duplicate_handle_checks_the_target_and_thread_tokens():
    # source: Wine test test_duplicate_handle_access and test_duplicate_handle_access_child (run on Windows):
    # "DuplicateHandle() validates access against the calling thread's token and the target process's
    # token. It does *not* validate access against the calling process's token"
    m = world()
    api = api_of(m, "parent.exe", "alice")
    token = api.OpenProcessToken(SELF, C.TOKEN_DUPLICATE | C.TOKEN_QUERY | C.TOKEN_ASSIGN_PRIMARY)
    sd = SecurityDescriptor(dacl=ACL([ACE.allow(EVERYONE, C.SYNCHRONIZE), ACE.allow(LOCAL, C.EVENT_MODIFY_STATE)]))
    restricted = api.CreateRestrictedToken(token, 0, [LOCAL], (), ())
    impersonation = api.DuplicateTokenEx(restricted, C.TOKEN_IMPERSONATE, None, C.SecurityImpersonation,
                                         C.TokenImpersonation)
    all_event = api.CreateEvent(SECURITY_ATTRIBUTES(sd), True, True, "test_dup")
    sync_event = api.OpenEvent(C.SYNCHRONIZE, False, "test_dup")
    api.CloseHandle(api.DuplicateHandle(SELF, sync_event, SELF, C.EVENT_MODIFY_STATE, False, 0))

    api.SetThreadToken(None, impersonation)
    with fails(C.ERROR_ACCESS_DENIED):
        api.OpenEvent(C.EVENT_MODIFY_STATE, False, "test_dup")
    api.CloseHandle(api.DuplicateHandle(SELF, all_event, SELF, C.EVENT_MODIFY_STATE, False, 0))
    with fails(C.ERROR_ACCESS_DENIED):
        api.DuplicateHandle(SELF, sync_event, SELF, C.EVENT_MODIFY_STATE, False, 0)
    api.RevertToSelf()

    pi = api.CreateProcessAsUser(restricted, None, "child duplicate", None, None, False, 0, None, None)
    api.DuplicateHandle(SELF, all_event, pi.hProcess, C.EVENT_MODIFY_STATE, False, 0)
    before = snapshot(m)
    with fails(C.ERROR_ACCESS_DENIED):  # the target is the restricted child
        api.DuplicateHandle(SELF, sync_event, pi.hProcess, C.EVENT_MODIFY_STATE, False, 0)
    assert snapshot(m) == before

    child = m.process(pi.dwProcessId).main_thread.api
    parent = child.OpenProcess(C.PROCESS_DUP_HANDLE, False, api.process.pid)
    with fails(C.ERROR_ACCESS_DENIED):
        child.OpenEvent(C.EVENT_MODIFY_STATE, False, "test_dup")
    child.DuplicateHandle(parent, sync_event, parent, C.EVENT_MODIFY_STATE, False, 0)  # the parent's token decides
    with fails(C.ERROR_ACCESS_DENIED):
        child.DuplicateHandle(parent, sync_event, SELF, C.EVENT_MODIFY_STATE, False, 0)
    mine = child.DuplicateHandle(parent, impersonation, SELF, 0, False, C.DUPLICATE_SAME_ACCESS)
    child.SetThreadToken(None, mine)
    for target in (parent, SELF):
        with fails(C.ERROR_ACCESS_DENIED):
            child.DuplicateHandle(parent, sync_event, target, C.EVENT_MODIFY_STATE, False, 0)
    child.RevertToSelf()


def test_duplicate_close_source_closes_on_failure_but_not_on_bad_source():
    # source: docs DuplicateHandle (DUPLICATE_CLOSE_SOURCE "regardless of any error status")
    m = world()
    api = api_of(m, "app.exe", "alice")
    ev = api.CreateEvent(SECURITY_ATTRIBUTES(SecurityDescriptor(dacl=ACL([]))), True, False, "locked")
    sync = api.DuplicateHandle(SELF, ev, SELF, C.SYNCHRONIZE, False, 0)
    with fails(C.ERROR_INVALID_HANDLE):  # a bad target process handle: the source is still closed
        api.DuplicateHandle(SELF, sync, 0x400, C.SYNCHRONIZE, False, C.DUPLICATE_CLOSE_SOURCE)
    assert sync not in api.process.handles
    with fails(C.ERROR_INVALID_HANDLE):  # no such source handle: nothing to close
        api.DuplicateHandle(SELF, sync, SELF, 0, False, C.DUPLICATE_CLOSE_SOURCE | C.DUPLICATE_SAME_ACCESS)


# ================================================================ CreateRestrictedToken
def test_create_restricted_token_ignores_privileges_the_token_lacks():
    # source: Wine test test_CreateRestrictedToken (deleting a privilege the token lacks succeeds);
    # docs CreateRestrictedToken; an unknown name is ERROR_NO_SUCH_PRIVILEGE (LookupPrivilegeValue)
    m = world()
    api = api_of(m, "app.exe", "alice")
    h = api.OpenProcessToken(SELF, C.TOKEN_ALL_ACCESS)
    r = api.CreateRestrictedToken(h, 0, (), ["SeDebugPrivilege", "SeShutdownPrivilege"], ())
    names = {p.name for p in api.GetTokenInformation(r, C.TokenPrivileges)}
    assert "SeShutdownPrivilege" not in names and "SeChangeNotifyPrivilege" in names
    before = snapshot(m)
    with fails(C.ERROR_NO_SUCH_PRIVILEGE):
        api.CreateRestrictedToken(h, 0, (), ["SeBogusPrivilege"], ())
    assert snapshot(m) == before


# ================================================================ UAC's split token
def test_interactive_administrator_logon_is_split():
    # source: docs "How User Account Control works", TOKEN_ELEVATION_TYPE; Wine test test_elevation
    m = world()
    api = api_of(m, "svc.exe", "NETWORK SERVICE")
    h = api.LogonUser("root", ".", "pw", C.LOGON32_LOGON_INTERACTIVE, 0)
    assert api.GetTokenInformation(h, C.TokenElevationType) == C.TokenElevationTypeLimited
    assert api.GetTokenInformation(h, C.TokenElevation) is False
    assert api.GetTokenInformation(h, C.TokenIntegrityLevel).sid == MEDIUM_INTEGRITY
    groups = {g.sid: g.attributes for g in api.GetTokenInformation(h, C.TokenGroups)}
    assert groups[BUILTIN_ADMINISTRATORS] == GroupAttributes.SE_GROUP_USE_FOR_DENY_ONLY
    assert {p.name for p in api.GetTokenInformation(h, C.TokenPrivileges)} == {
        "SeShutdownPrivilege", "SeChangeNotifyPrivilege", "SeUndockPrivilege", "SeIncreaseWorkingSetPrivilege",
        "SeTimeZonePrivilege"}
    assert api.GetTokenInformation(h, C.TokenOwner) == m.account("root").sid
    assert api.CheckTokenMembership(api.DuplicateToken(h, C.SecurityIdentification), BUILTIN_ADMINISTRATORS) is False

    linked = api.GetTokenInformation(h, C.TokenLinkedToken)
    assert granted(api, linked) == C.TOKEN_ALL_ACCESS
    assert api.GetTokenInformation(linked, C.TokenElevationType) == C.TokenElevationTypeFull
    assert api.GetTokenInformation(linked, C.TokenElevation) is True
    assert api.GetTokenInformation(linked, C.TokenType) == C.TokenImpersonation
    assert api.GetTokenInformation(linked, C.TokenImpersonationLevel) == C.SecurityIdentification
    assert api.GetTokenInformation(linked, C.TokenIntegrityLevel).sid == HIGH_INTEGRITY
    assert api.CheckTokenMembership(linked, BUILTIN_ADMINISTRATORS) is True
    # the two halves are separate logons that share one logon SID
    assert stats(api, h).AuthenticationId != stats(api, linked).AuthenticationId
    assert api.GetTokenInformation(h, C.TokenLogonSid) == api.GetTokenInformation(linked, C.TokenLogonSid)
    # each query makes a new token; the linked token's linked token is a new limited one
    again = api.GetTokenInformation(h, C.TokenLinkedToken)
    assert stats(api, again).TokenId != stats(api, linked).TokenId
    back = api.GetTokenInformation(linked, C.TokenLinkedToken)
    assert api.GetTokenInformation(back, C.TokenElevationType) == C.TokenElevationTypeLimited
    assert stats(api, back).TokenId != stats(api, h).TokenId
    with fails(C.ERROR_INVALID_PARAMETER):
        api.SetTokenInformation(h, C.TokenElevationType, C.TokenElevationTypeFull)


def test_linked_token_is_made_from_the_logon_not_from_changes():
    # source: Wine test test_elevation ("Linked tokens do not preserve privilege modifications", "... default
    # DACL modifications"; duplicates and restricted copies keep the elevation type and the link)
    m = world()
    api = api_of(m, "svc.exe", "NETWORK SERVICE")
    h = api.LogonUser("root", ".", "pw", C.LOGON32_LOGON_INTERACTIVE, 0)
    full = token_of(api, api.GetTokenInformation(h, C.TokenLinkedToken))
    full.privileges.clear()
    full.default_dacl = ACL([])
    fresh = token_of(api, api.GetTokenInformation(h, C.TokenLinkedToken))
    assert "SeDebugPrivilege" in fresh.privileges and len(fresh.default_dacl) > 0
    dup = api.DuplicateTokenEx(h, C.TOKEN_ALL_ACCESS, None, C.SecurityAnonymous, C.TokenPrimary)
    restricted = api.CreateRestrictedToken(h, 0, (), (), ())
    for t in (dup, restricted):
        assert api.GetTokenInformation(t, C.TokenElevationType) == C.TokenElevationTypeLimited
        assert api.GetTokenInformation(t, C.TokenLinkedToken) is not None


def test_linked_token_is_primary_for_a_tcb_caller():
    # source: WSI ch. 4 (with SeTcbPrivilege the linked token is a primary token, as UAC's service uses it);
    # jborean93/PSAccessToken Get-TokenLinkedToken ("SeTcbPrivilege ... otherwise only an Identification token")
    m = world()
    system = api_of(m, "winlogon.exe", "SYSTEM")
    h = system.LogonUser("root", ".", "pw", C.LOGON32_LOGON_INTERACTIVE, 0)
    linked = system.GetTokenInformation(h, C.TokenLinkedToken)
    assert system.GetTokenInformation(linked, C.TokenType) == C.TokenPrimary
    pi = system.CreateProcessAsUser(linked, "elevated.exe", None, None, None, False, 0, None, None)
    assert m.process(pi.dwProcessId).token.integrity_level == HIGH_INTEGRITY


@pytest.mark.parametrize("kind", [C.LOGON32_LOGON_NETWORK, C.LOGON32_LOGON_BATCH, C.LOGON32_LOGON_SERVICE])
def test_other_administrator_logons_are_not_split(kind):
    # source: WSI ch. 4 (only interactive logons are filtered); Wine tests test_elevation and test_admin_elevation
    # (a token that is not split is Default, has no linked token, and an administrator's is elevated)
    m = world()
    api = api_of(m, "svc.exe", "NETWORK SERVICE")
    h = api.LogonUser("root", ".", "pw", kind, 0)
    assert api.GetTokenInformation(h, C.TokenElevationType) == C.TokenElevationTypeDefault
    assert api.GetTokenInformation(h, C.TokenElevation) is True
    assert api.GetTokenInformation(h, C.TokenLinkedToken) is None


def test_builtin_administrator_is_not_split():
    # source: docs "User Account Control: Admin Approval Mode for the Built-in Administrator account"
    # (disabled by default: RID 500 runs with the full token)
    m = world()
    m.account("Administrator").password = "pw"
    api = api_of(m, "svc.exe", "NETWORK SERVICE")
    h = api.LogonUser("Administrator", ".", "pw", C.LOGON32_LOGON_INTERACTIVE, 0)
    assert api.GetTokenInformation(h, C.TokenElevationType) == C.TokenElevationTypeDefault
    assert api.GetTokenInformation(h, C.TokenIntegrityLevel).sid == HIGH_INTEGRITY


# ================================================================ AdjustTokenGroups
STAFF = SID("S-1-5-21-1004336348-1177238915-682003330-2000")


def staff_world():
    m = world()
    optional = GroupAttributes.SE_GROUP_ENABLED | GroupAttributes.SE_GROUP_ENABLED_BY_DEFAULT
    token = tl.Token(ALICE, [(STAFF, optional), SidAndAttributes(EVERYONE)], ["SeChangeNotifyPrivilege"],
                     token_type=C.TokenPrimary)
    api = m.start_process("app.exe", token=token).main_thread.api
    return m, api, api.OpenProcessToken(SELF, C.TOKEN_QUERY | C.TOKEN_ADJUST_GROUPS | C.TOKEN_DUPLICATE)


def test_adjust_token_groups_disables_enables_and_resets():
    # source: docs AdjustTokenGroups (PreviousState, ResetToDefault, SE_GROUP_ENABLED, TOKEN_ADJUST_GROUPS)
    m, api, h = staff_world()
    previous = api.AdjustTokenGroups(h, False, [(STAFF, 0)])
    assert [g.sid for g in previous] == [STAFF] and previous[0].attributes & C.SE_GROUP_ENABLED
    assert api.GetLastError() == C.ERROR_SUCCESS
    assert not enabled(api, h, STAFF)
    assert api.AdjustTokenGroups(h, False, [SidAndAttributes(STAFF, GroupAttributes.SE_GROUP_ENABLED)])
    assert enabled(api, h, STAFF)
    api.AdjustTokenGroups(h, False, [(STAFF, 0)])
    api.AdjustTokenGroups(h, True, None)
    assert enabled(api, h, STAFF)
    assert api.AdjustTokenGroups(h, False, [(BUILTIN_ADMINISTRATORS, 0)]) == ()
    assert api.GetLastError() == C.ERROR_NOT_ALL_ASSIGNED


def test_adjust_token_groups_refusals_change_nothing():
    # source: docs AdjustTokenGroups ("You cannot disable groups with the SE_GROUP_MANDATORY attribute":
    # ERROR_CANT_DISABLE_MANDATORY); ntstatus STATUS_CANT_ENABLE_DENY_ONLY; TOKEN_ADJUST_GROUPS needed
    m, api, h = staff_world()
    denied = api.CreateRestrictedToken(h, 0, [STAFF], (), ())
    query_only = api.DuplicateHandle(SELF, h, SELF, C.TOKEN_QUERY, False, 0)
    before = snapshot(m)
    with fails(C.ERROR_CANT_DISABLE_MANDATORY):
        api.AdjustTokenGroups(h, False, [(STAFF, 0), (EVERYONE, 0)])
    with fails(C.ERROR_CANT_ENABLE_DENY_ONLY):
        api.AdjustTokenGroups(denied, False, [(STAFF, C.SE_GROUP_ENABLED)])
    with fails(C.ERROR_ACCESS_DENIED):
        api.AdjustTokenGroups(query_only, False, [(STAFF, 0)])
    with fails(C.ERROR_INVALID_HANDLE):
        api.AdjustTokenGroups(api.GetCurrentProcessToken(), False, [(STAFF, 0)])
    with pytest.raises(TypeError, match="NewState"):
        api.AdjustTokenGroups(h, False, ["S-1-1-0"])
    assert enabled(api, h, STAFF)
    assert snapshot(m) == before


# ================================================================ ImpersonateAnonymousToken
def test_impersonate_anonymous_token():
    # source: docs ImpersonateAnonymousToken (THREAD_IMPERSONATE); docs "Network access: Let Everyone
    # permissions apply to anonymous users" (disabled by default: no Everyone in the anonymous token)
    m = world()
    api = api_of(m, "app.exe", "alice")
    assert api.ImpersonateAnonymousToken(THREAD) is True
    assert api.thread.token.user == ANONYMOUS
    assert api.GetTokenInformation(api.GetCurrentThreadToken(), C.TokenUser).sid == ANONYMOUS
    assert api.CheckTokenMembership(api.GetCurrentThreadEffectiveToken(), EVERYONE) is False
    h = api.OpenThreadToken(THREAD, C.TOKEN_QUERY, False)  # an Impersonation-level token opens
    assert api.GetTokenInformation(h, C.TokenImpersonationLevel) == C.SecurityImpersonation
    api.RevertToSelf()
    assert api.thread.token is None
    weak = api.OpenThread(C.THREAD_QUERY_INFORMATION, False, api.thread.tid)
    before = snapshot(m)
    with fails(C.ERROR_ACCESS_DENIED):
        api.ImpersonateAnonymousToken(weak)
    assert snapshot(m) == before


# ================================================================ LookupAccountSid / LookupAccountName
@pytest.mark.parametrize("sid,expected", [
    (ALICE, ("alice", "TOKENLAB", C.SidTypeUser)),
    (BUILTIN_ADMINISTRATORS, ("Administrators", "BUILTIN", C.SidTypeAlias)),
    (LOCAL_SYSTEM, ("SYSTEM", "NT AUTHORITY", C.SidTypeWellKnownGroup)),
    (EVERYONE, ("Everyone", "", C.SidTypeWellKnownGroup)),
    (SID("S-1-5-21-1004336348-1177238915-682003330"), ("TOKENLAB", "TOKENLAB", C.SidTypeDomain)),
    (SID("S-1-5-21-1004336348-1177238915-682003330-513"), ("None", "TOKENLAB", C.SidTypeGroup)),
    (HIGH_INTEGRITY, ("High Mandatory Level", "Mandatory Label", C.SidTypeLabel)),
])
def test_lookup_account_sid(sid, expected):
    # source: docs LookupAccountSid, SID_NAME_USE; Wine test test_LookupAccountSid (well-known SIDs' names and uses)
    m = world()
    api = api_of(m, "app.exe", "alice")
    assert api.LookupAccountSid(None, sid) == expected


def test_lookup_account_name_and_failures():
    # source: docs LookupAccountName, LookupAccountSid (ERROR_NONE_MAPPED); Wine test test_LookupAccountName
    m = world()
    api = api_of(m, "app.exe", "alice")
    assert api.LookupAccountName(None, "alice") == (ALICE, "TOKENLAB", C.SidTypeUser)
    assert api.LookupAccountName(None, "TOKENLAB\\alice") == (ALICE, "TOKENLAB", C.SidTypeUser)
    assert api.LookupAccountName("", "BUILTIN\\Administrators") == (BUILTIN_ADMINISTRATORS, "BUILTIN",
                                                                     C.SidTypeAlias)
    assert api.LookupAccountName(None, "TOKENLAB")[2] == C.SidTypeDomain
    assert api.LookupAccountName(None, "Everyone") == (EVERYONE, "", C.SidTypeWellKnownGroup)
    with fails(C.ERROR_NONE_MAPPED):
        api.LookupAccountName(None, "nobody")
    with fails(C.ERROR_NONE_MAPPED):
        api.LookupAccountSid(None, SID("S-1-5-21-1-2-3-4"))
    with fails(C.RPC_S_SERVER_UNAVAILABLE):
        api.LookupAccountSid("\\\\elsewhere", ALICE)
    with pytest.raises(TypeError, match="Sid"):
        api.LookupAccountSid(None, "S-1-1-0")
    with pytest.raises(TypeError, match="lpAccountName"):
        api.LookupAccountName(None, None)


# ================================================================ SetLastError
def test_set_last_error_round_trips_and_survives_a_success():
    # source: docs SetLastError, GetLastError; Wine tests' SetLastError(0xdeadbeef) pattern
    m = world()
    api = api_of(m, "app.exe", "alice")
    api.SetLastError(0xDEADBEEF)
    assert api.GetLastError() == 0xDEADBEEF
    api.GetCurrentProcessId()
    assert api.GetLastError() == 0xDEADBEEF
    with pytest.raises(TypeError, match="dwErrCode"):
        api.SetLastError("5")


# ================================================================ narration and C twins
def test_new_calls_are_narrated_and_compile_as_c(tmp_path):
    # source: model (every facade call has a C twin; every rule report has a sentence)
    from tokenlab.teaching.c_program import program
    m = world()
    system = api_of(m, "services.exe", "SYSTEM")
    with tl.record(m, "new calls") as trace:
        h = system.LogonUser("root", ".", "pw", C.LOGON32_LOGON_INTERACTIVE, 0)
        linked = system.GetTokenInformation(h, C.TokenLinkedToken)
        pi = system.CreateProcessAsUser(linked, None, "elevated.exe /x", None, None, False, 0, None, None)
        system.CloseHandle(pi.hThread)
        system.CreateProcess(None, "child.exe", None, None, False, 0, None, None)
        system.CreateProcessWithTokenW(h, 0, "x.exe", None, 0, None, None)
        system.AdjustTokenGroups(h, True, None)
        system.AdjustTokenGroups(h, False, [(EVERYONE, C.SE_GROUP_ENABLED)])
        system.ImpersonateAnonymousToken(THREAD)
        system.RevertToSelf()
        system.LookupAccountSid(None, ALICE)
        system.LookupAccountName(None, "alice")
    text = " ".join(s.narration for s in trace.steps)
    assert "its linked token is the full (elevated) half" in text and "a primary token" in text
    assert "runs with a primary token of its own" in text
    assert "anonymous logon token" in text
    create = next(s for s in trace.steps if s.name == "CreateProcess")
    assert "WCHAR commandLine[] = L\"child.exe\";" in create.c_call
    prog = program(trace)
    assert "= pi.hProcess;" in prog.source and "(PTOKEN_GROUPS)&" in prog.source
    assert "((TOKEN_LINKED_TOKEN *)buffer)->LinkedToken;" in prog.source
    assert "its first thread get descriptors of their own: the new token's default DACL" in text
    import importlib.util
    from pathlib import Path
    spec = importlib.util.spec_from_file_location("check_c", Path(__file__).parent.parent / "tools" / "check_c.py")
    check_c = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(check_c)
    if check_c.compiler_missing():
        pytest.skip("mingw-w64 not installed")
    path = tmp_path / prog.filename
    path.write_text(prog.source)
    r = check_c.compile_one(path, prog.language, syntax_only=True)
    assert r.returncode == 0, r.stderr
