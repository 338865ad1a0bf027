"""Windows-run expectations for the kernel and facade, from Wine's tests that run on
Windows (dlls/advapi32/tests/security.c) and Microsoft's docs: the divergences issue 13
listed that live in the kernel or the facade."""
from __future__ import annotations

import pytest

import tokenlab.win32.constants as C
from tokenlab import ACE, ACL, NotModelledError, SecurityDescriptor, WinError
from tokenlab.kernel.machine import Machine
from tokenlab.security.rights import TOKEN_MAPPING
from tokenlab.security.sids import EVERYONE, HIGH_INTEGRITY, LOW_INTEGRITY, MEDIUM_INTEGRITY
from tokenlab.win32.structs import SECURITY_ATTRIBUTES


def world():
    m = Machine()
    m.add_user("alice", password="pw")
    m.add_user("admin", password="pw", groups=["Administrators"])
    return m, m.start_process("svc.exe", user="NETWORK SERVICE").main_thread.api


def logon(api, who="alice"):
    return api.LogonUser(who, ".", "pw", C.LOGON32_LOGON_NETWORK, C.LOGON32_PROVIDER_DEFAULT)


def test_successful_access_check_leaves_the_last_error():
    # source: Wine test test_AccessCheck (SetLastError(0xdeadbeef) survives a successful call)
    m, api = world()
    imp = logon(api)
    api.thread.last_error = 0xDEADBEEF
    sd = SecurityDescriptor.from_sddl("O:SYG:SYD:(A;;0xF01FF;;;WD)")
    granted, ok = api.AccessCheck(sd, imp, C.TOKEN_QUERY, TOKEN_MAPPING)
    assert ok and api.GetLastError() == 0xDEADBEEF


def test_privilege_check_with_an_anonymous_token_and_bad_input():
    # source: Wine test test_PrivilegeCheck (Anonymous level: ERROR_BAD_IMPERSONATION_LEVEL)
    m, api = world()
    anon = api.DuplicateToken(logon(api), C.SecurityAnonymous)
    with pytest.raises(WinError) as e:
        api.PrivilegeCheck(anon, ["SeChangeNotifyPrivilege"])
    assert e.value.winerror == C.ERROR_BAD_IMPERSONATION_LEVEL
    with pytest.raises(TypeError, match="sequence of privilege names"):
        api.PrivilegeCheck(logon(api), "SeChangeNotifyPrivilege")


def test_query_information_implies_limited_information():
    # source: docs "Process Security and Access Rights" (PROCESS_QUERY_INFORMATION is
    # automatically granted PROCESS_QUERY_LIMITED_INFORMATION); Wine test test_process_access
    m, api = world()
    h = api.OpenProcess(C.PROCESS_QUERY_INFORMATION, False, api.process.pid)
    assert api.process.handles.get(h).granted & C.PROCESS_QUERY_LIMITED_INFORMATION
    api.OpenProcessToken(h, C.TOKEN_QUERY)


def test_duplicate_token_ex_refuses_access_system_security_without_the_privilege_and_bad_masks():
    # source: docs "SACL Access Right" (ACCESS_SYSTEM_SECURITY needs SeSecurityPrivilege:
    # ERROR_PRIVILEGE_NOT_HELD), ACCESS_MASK is 32 bits
    m, api = world()
    h = logon(api)
    with pytest.raises(WinError) as e:
        api.DuplicateTokenEx(h, C.ACCESS_SYSTEM_SECURITY, None, C.SecurityImpersonation, C.TokenImpersonation)
    assert e.value.winerror == C.ERROR_PRIVILEGE_NOT_HELD
    with pytest.raises(WinError) as e:
        api.DuplicateTokenEx(h, -0x8000000000000000, None, C.SecurityImpersonation, C.TokenImpersonation)
    assert e.value.winerror == C.ERROR_INVALID_PARAMETER


def test_label_query_returns_every_label_and_setting_a_label_keeps_audit_aces():
    # source: Wine tests on labels (test_GetSecurityInfo, test_kernel_objects_security):
    # LABEL_SECURITY_INFORMATION reads and writes only the label ACEs
    m, api = world()
    audit = ACE(C.SYSTEM_AUDIT_ACE_TYPE, C.SUCCESSFUL_ACCESS_ACE_FLAG, C.GENERIC_ALL, EVERYONE)
    sd = SecurityDescriptor(dacl=ACL([ACE.allow(EVERYONE, C.GENERIC_ALL)]),
                            sacl=ACL([audit, ACE.label(MEDIUM_INTEGRITY, 1)]))
    ev = api.CreateEvent(SECURITY_ATTRIBUTES(sd), True, False, "labelled")
    api.SetKernelObjectSecurity(ev, C.LABEL_SECURITY_INFORMATION,
                                SecurityDescriptor(sacl=ACL([ACE.label(LOW_INTEGRITY, 1)])))
    sacl = api.process.handles.get(ev).obj.security.sacl
    assert [a.type for a in sacl] == [C.SYSTEM_AUDIT_ACE_TYPE, C.SYSTEM_MANDATORY_LABEL_ACE_TYPE]
    got = api.GetSecurityInfo(ev, C.SE_KERNEL_OBJECT, C.LABEL_SECURITY_INFORMATION)
    assert [a.sid for a in got.sacl] == [LOW_INTEGRITY]
    assert got.control & C.SE_SELF_RELATIVE
    # with no SACL before, setting no label leaves it present and empty
    plain = api.CreateEvent(None, True, False, "plain")
    api.SetKernelObjectSecurity(plain, C.LABEL_SECURITY_INFORMATION, SecurityDescriptor(sacl=ACL([])))
    after = api.process.handles.get(plain).obj.security
    assert after.sacl_present and len(after.sacl) == 0


def test_set_kernel_object_security_without_the_owner_it_names():
    # source: Wine test test_kernel_objects_security (ERROR_INVALID_SECURITY_DESCR)
    m, api = world()
    ev = api.CreateEvent(None, True, False, "e")
    with pytest.raises(WinError) as e:
        api.SetKernelObjectSecurity(ev, C.OWNER_SECURITY_INFORMATION, SecurityDescriptor())
    assert e.value.winerror == C.ERROR_INVALID_SECURITY_DESCR


def test_elevation_type_and_linked_token():
    # source: docs TOKEN_ELEVATION_TYPE; Wine tests test_elevation and test_admin_elevation: a token
    # that is not split is Default (an administrator's still elevated) and has no linked token (NULL)
    m, api = world()
    assert api.GetTokenInformation(logon(api), C.TokenElevationType) == C.TokenElevationTypeDefault
    admin = logon(api, "admin")  # a network logon: the full token, not split
    assert api.GetTokenInformation(admin, C.TokenElevationType) == C.TokenElevationTypeDefault
    assert api.GetTokenInformation(admin, C.TokenElevation) is True
    assert api.GetTokenInformation(admin, C.TokenIntegrityLevel).sid == HIGH_INTEGRITY
    assert api.GetTokenInformation(admin, C.TokenLinkedToken) is None


def test_a_dacl_set_later_has_its_generic_rights_mapped():
    # source: Wine test test_kernel_objects_security (a DACL [Allow GA] set with
    # SetKernelObjectSecurity then admits GENERIC_READ): the kernel maps generic rights
    # when a DACL is set, as when one is assigned
    m, api = world()
    e = api.CreateEvent(None, True, False, "e")
    api.SetKernelObjectSecurity(e, C.DACL_SECURITY_INFORMATION, SecurityDescriptor.from_sddl("D:(A;;GA;;;WD)"))
    assert api.process.handles.get(e).obj.security.dacl[0].mask == C.EVENT_ALL_ACCESS
    api.OpenEvent(C.GENERIC_READ, False, "e")


def test_widgets_refuse_the_wrong_types_by_name():
    pytest.importorskip("ipywidgets")
    from tokenlab.ui import AccessCheckExplorer, Compare, ScenarioPlayer
    with pytest.raises(TypeError, match="trace must be"):
        ScenarioPlayer(None)
    with pytest.raises(TypeError, match="token must be"):
        AccessCheckExplorer(token="x")
    with pytest.raises(TypeError, match="trace_a must be"):
        Compare(None, None)
