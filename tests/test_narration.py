"""Each recorded call's narration (why, from the model) and its C twin.

The narration is assembled from what the machine's rules reported while the call ran and
from the snapshots around it, so these tests change the world and expect the words to
follow: they fail if a rule stops reporting or reports the wrong token.
"""
from __future__ import annotations

import re

import pytest

import tokenlab as tl
from tokenlab.win32 import constants as C
from tokenlab.kernel.com import CLSID_Something, IID_IUnknown
from tokenlab.teaching.c_twin import C_SIGNATURES
from tokenlab.win32.api import Api
from tokenlab.scenarios import duplicated_token, nested_impersonation
from tokenlab.teaching.narrate import sids_by_name
from tokenlab.teaching.narrate import name_sids
from tokenlab.teaching.trace import CheckRecord

ALICE = "TOKENLAB\\alice"


def step(trace, name, nth=-1):
    return [s for s in trace.steps if s.name == name][nth]


def world(*users):
    m = tl.Machine()
    for u in users:
        m.add_user(u, password="pw")
    svc = m.start_process("svc.exe", user="NETWORK SERVICE")
    return m, svc.main_thread.api


# ------------------------------------------------------------------ story 1
def test_duplicate_gets_its_dacl_from_the_impersonated_users_default_dacl():
    s = step(duplicated_token(), "DuplicateToken")
    assert f"default DACL of the creating thread's effective token ({ALICE})" in s.narration
    assert f"which allows NT AUTHORITY\\SYSTEM, {ALICE}." in s.narration
    assert "is new (DuplicateToken, copied from Token#4)" in s.narration


def test_worker_thread_duplicate_gets_network_service_default_dacl():
    s = step(duplicated_token(worker_thread=True), "DuplicateToken")
    assert "effective token (NT AUTHORITY\\NETWORK SERVICE)" in s.narration
    assert "allows NT AUTHORITY\\NETWORK SERVICE, NT AUTHORITY\\SYSTEM" in s.narration


def test_fixed_duplicate_says_its_dacl_was_passed_in():
    s = step(duplicated_token(fixed=True), "DuplicateTokenEx")
    assert "DACL is the one passed in its SECURITY_ATTRIBUTES" in s.narration
    assert "default DACL" not in s.narration


def test_denied_activation_keeps_the_check_that_said_no():
    s = step(duplicated_token(), "CoCreateInstance")
    assert s.error == "E_ACCESSDENIED (0x80070005)"
    (rec,) = s.checks  # the token open failed, so the launch check never ran
    assert isinstance(rec, CheckRecord)
    assert not rec.result.allowed
    assert rec.checker == "NT AUTHORITY\\NETWORK SERVICE"
    assert rec.what == f"Token#8 ({ALICE}, SecurityImpersonation)"
    assert rec.sd.dacl[0].sid.text.endswith("-1001")  # alice's default DACL, not NETWORK SERVICE
    assert "OpenAsSelf=TRUE" in rec.why
    assert f"{ALICE} (S-1-5-21-1004336348-1177238915-682003330-1001) is not in the token" in s.narration
    assert s.narration.startswith("CoCreateInstance failed: E_ACCESSDENIED")
    assert s.narration.endswith("Nothing changed: a failed call leaves the machine as it was.")


def test_first_activation_records_both_checks():
    s = step(duplicated_token(), "CoCreateInstance", 0)
    assert [r.result.allowed for r in s.checks] == [True, True]
    assert s.checks[1].what == "Something's launch permission"
    assert s.checks[1].checker == ALICE
    # The machine starting the COM server is set-up, not the call's rules.
    assert "The new process object" not in s.narration
    assert "New process something_server.exe" in s.narration


def test_flipping_open_as_self_changes_the_narrated_check():
    m, api = world("alice")
    m.com.open_as_self = False
    with tl.record(m) as tr:
        h = api.LogonUser("alice", ".", "pw", C.LOGON32_LOGON_NETWORK, C.LOGON32_PROVIDER_DEFAULT)
        api.ImpersonateLoggedOnUser(h)
        api.ImpersonateLoggedOnUser(api.DuplicateToken(h, C.SecurityImpersonation))  # alice's default DACL
        api.CoCreateInstance(CLSID_Something, None, C.CLSCTX_LOCAL_SERVER, IID_IUnknown)
    s = tr.steps[-1]
    assert s.ok
    assert s.checks[0].checker == ALICE and "OpenAsSelf=FALSE" in s.checks[0].why


# ------------------------------------------------------------------ story 2
def test_revert_to_self_narrates_the_single_slot():
    s = step(nested_impersonation("revert"), "RevertToSelf")
    assert "not a stack" in s.narration
    assert "runs as its process again (NT AUTHORITY\\NETWORK SERVICE)" in s.narration
    assert "Token#5 (TOKENLAB\\bob, SecurityImpersonation) → empty" in s.narration


def test_set_thread_token_says_the_old_token_is_replaced_not_pushed():
    s = step(nested_impersonation("revert"), "SetThreadToken")
    assert "replaces Token#4 (TOKENLAB\\alice, SecurityImpersonation) in the slot" in s.narration


def test_pseudo_handle_narration_and_failed_restore():
    tr = nested_impersonation("pseudo_handle")
    assert "a pseudo-handle" in step(tr, "GetCurrentThreadToken").narration
    fail = step(tr, "SetThreadToken")
    assert fail.error == "ERROR_INVALID_HANDLE (6)"
    assert "GetCurrentThreadToken() is a token pseudo-handle: it works only where a token is queried" in fail.narration


def test_reads_say_nothing_changed_and_name_sids():
    s = nested_impersonation("revert").steps[-1]
    assert s.name == "GetTokenInformation"
    assert "S-1-5-20 is NT AUTHORITY\\NETWORK SERVICE." in s.narration
    assert s.narration.endswith("Nothing changed: the call only reads.")


def test_impersonation_downgrade_is_narrated():
    """A process without SeImpersonatePrivilege impersonating another user's token gets an
    Identification-level copy (tokenlab's model of the rule, machine.py docstring)."""
    m = tl.Machine()
    m.add_user("alice", password="pw")
    m.add_user("carol", password="pw")
    app = m.start_process("app.exe", user="carol")
    other = m.start_process("svc.exe", user="NETWORK SERVICE").main_thread.api
    h = other.LogonUser("alice", ".", "pw", C.LOGON32_LOGON_NETWORK, C.LOGON32_PROVIDER_DEFAULT)
    api = app.main_thread.api
    # Hand carol's process a handle to alice's token, as a broker would.
    theirs = m.process("svc.exe").handles.get(h).obj
    mine = app.handles.insert(theirs, C.TOKEN_ALL_ACCESS).value
    with tl.record(m) as tr:
        api.ImpersonateLoggedOnUser(mine)
    assert "Identification-level copy instead" in tr.steps[0].narration
    assert "SecurityIdentification" in tr.steps[0].narration


def test_narration_is_deterministic():
    a = [s.narration for s in duplicated_token().steps]
    b = [s.narration for s in duplicated_token().steps]
    assert a == b and all(a)
    assert not any(re.search(r" at 0x[0-9a-f]+", n) for n in a), "no addresses in narration"


def test_notes_are_dropped_when_not_recording():
    m, api = world("alice")
    api.RevertToSelf()  # a note with no tracer must not fail or be kept anywhere
    assert m.tracer is None


# ------------------------------------------------------------------ the C twin
def test_c_twin_of_the_story_calls():
    tr = duplicated_token(fixed=True)
    assert step(tr, "LogonUser").c_call == (
        "HANDLE h4;\nLogonUserW(L\"alice\", L\".\", L\"pw\", LOGON32_LOGON_NETWORK, LOGON32_PROVIDER_DEFAULT, &h4);")
    assert step(tr, "OpenThreadToken").c_call == (
        "HANDLE h8;\nOpenThreadToken(GetCurrentThread(), TOKEN_ALL_ACCESS, TRUE, &h8);")
    dup = step(tr, "DuplicateTokenEx").c_call.splitlines()
    assert dup[1] == "SECURITY_ATTRIBUTES sa = { sizeof sa, pSD, TRUE };"
    assert dup[-1] == "DuplicateTokenEx(h8, MAXIMUM_ALLOWED, &sa, SecurityImpersonation, TokenImpersonation, &h12);"
    assert step(tr, "ImpersonateLoggedOnUser").c_call == "ImpersonateLoggedOnUser(h12);"
    assert step(tr, "GetSecurityInfo").c_call.endswith(
        "DWORD err = GetSecurityInfo(h8, SE_KERNEL_OBJECT, DACL_SECURITY_INFORMATION, NULL, NULL, &pDacl, NULL, &pSD);")


def test_c_twin_names_the_failure():
    assert step(duplicated_token(), "CoCreateInstance").c_call.endswith(
        "(void **)&punk);  // hr == E_ACCESSDENIED (0x80070005)")
    tr = nested_impersonation("not_impersonating")
    assert step(tr, "OpenThreadToken").c_call.endswith("// fails: GetLastError() == ERROR_NO_TOKEN (1008)")
    assert step(tr, "SetThreadToken", 0).c_call == "SetThreadToken(NULL, h8);"


def test_c_twin_escapes_strings():
    m, api = world()
    with tl.record(m) as tr:
        api.CreateEvent(None, True, False, 'a"b\\c\n\u202e<x>')
    assert tr.steps[0].c_call == 'HANDLE h4 = CreateEventW(NULL, TRUE, FALSE, L"a\\"b\\\\c\\x000a\\x202e<x>");'


# Parameter counts of the C functions, from their Microsoft Learn reference pages.
C_ARITY = {
    "LogonUserW": 6, "OpenThreadToken": 4, "OpenProcessToken": 3, "DuplicateToken": 3, "DuplicateTokenEx": 6,
    "CreateRestrictedToken": 9, "DuplicateHandle": 7, "GetTokenInformation": 5, "SetTokenInformation": 4,
    "AdjustTokenPrivileges": 6, "GetSecurityInfo": 8, "SetSecurityInfo": 7, "GetKernelObjectSecurity": 5,
    "SetKernelObjectSecurity": 3, "CreateEventW": 4, "OpenEventW": 3, "CreateThread": 6, "AccessCheck": 8,
    "PrivilegeCheck": 3, "CheckTokenMembership": 3, "CoCreateInstance": 5, "SetThreadToken": 2,
    "CreateNamedPipeW": 8, "ConnectNamedPipe": 2, "DisconnectNamedPipe": 1, "CreateFileW": 7, "WriteFile": 5,
    "ReadFile": 5, "ImpersonateNamedPipeClient": 1, "GetNamedPipeClientProcessId": 2, "CoImpersonateClient": 0,
    "CoRevertToSelf": 0,
    "ImpersonateLoggedOnUser": 1, "ImpersonateSelf": 1, "RevertToSelf": 0, "CloseHandle": 1,
    "OpenProcess": 3, "OpenThread": 3,
    "CreateEventExW": 4, "CreateMutexW": 3, "OpenMutexW": 3, "ReleaseMutex": 1, "CreateSemaphoreW": 4,
    "OpenSemaphoreW": 3, "ReleaseSemaphore": 3, "CreateDirectoryW": 2, "GetFileSecurityW": 5, "SetFileSecurityW": 3,
    "CreateProcessW": 10, "CreateProcessAsUserW": 11, "CreateProcessWithTokenW": 9, "AdjustTokenGroups": 6,
    "ImpersonateAnonymousToken": 1, "LookupAccountSidW": 7, "LookupAccountNameW": 7,
}


def test_every_traced_facade_function_has_a_c_twin():
    traced = {n for n in dir(Api) if getattr(getattr(Api, n), "is_win32", False)}
    assert traced == set(C_SIGNATURES)


@pytest.mark.parametrize("c_name,arity", sorted(C_ARITY.items()))
def test_c_twin_has_the_documented_parameter_count(c_name, arity):
    (template,) = [t for _, n, t in C_SIGNATURES.values() if n == c_name]
    no_comments = re.sub(r"/\*.*?\*/", "", template)
    assert (no_comments.count(",") + 1 if no_comments.strip() else 0) == arity


def test_check_records_name_account_sids():
    (rec,) = step(duplicated_token(), "CoCreateInstance").checks
    assert f"{ALICE} (S-1-5-21-1004336348-1177238915-682003330-1001) is not in the token" in rec.narrative
    assert rec.narrative.startswith("Access denied.")


ACCOUNT_SID = re.compile(r"S-1-5-21-\d+-\d+-\d+-\d+")


def test_check_records_also_name_accounts_alone():
    (rec,) = step(duplicated_token(), "CoCreateInstance").checks
    assert not ACCOUNT_SID.search(rec.narrative_by_name)
    assert f"ACE 0 (allow {ALICE} TOKEN_ALL_ACCESS): {ALICE} is not in the token" in rec.narrative_by_name
    # Only the account SIDs go: the rest of the narrative is the narrative.
    assert rec.narrative_by_name == rec.narrative.replace(" (S-1-5-21-1004336348-1177238915-682003330-1001)", "")


def test_name_sids_gives_the_name_alone_only_when_asked():
    text = "S-1-5-21-1-2-3-1001 is not in the token; S-1-5-21-1-2-3-1002 neither"
    names = {"S-1-5-21-1-2-3-1001": ALICE}
    assert name_sids(text, names) == f"{ALICE} (S-1-5-21-1-2-3-1001) is not in the token; S-1-5-21-1-2-3-1002 neither"
    assert name_sids(text, names, sids=False) == f"{ALICE} is not in the token; S-1-5-21-1-2-3-1002 neither"


def test_trace_table_names_sids_only_when_asked():
    trace = nested_impersonation("save_restore")
    default, named = trace.table(), trace.table(sids=False)
    assert "-> SidAndAttributes(SID('S-1-5-21-1004336348-1177238915-682003330-1001'), 0x00000000)" in default
    assert default == trace.table(sids=True)
    assert not ACCOUNT_SID.search(named)
    assert named.splitlines()[-1].endswith("-> SidAndAttributes(<TOKENLAB\\alice>, 0x00000000)")
    # Everything but the SIDs is the same table.
    assert [ln.split("->")[0] for ln in named.splitlines()] == [ln.split("->")[0] for ln in default.splitlines()]
    revert = nested_impersonation("revert").table(sids=False)
    assert revert.endswith("-> SidAndAttributes(<NT AUTHORITY\\NETWORK SERVICE>, 0x00000000)")


def test_sids_by_name_names_sid_reprs_and_bare_account_sids_in_sddl():
    names = {"S-1-5-21-1-2-3-1001": ALICE, "S-1-5-20": "NT AUTHORITY\\NETWORK SERVICE"}
    sddl = "SecurityDescriptor.from_sddl('O:S-1-5-21-1-2-3-1001G:DUD:(A;;GA;;;S-1-5-21-1-2-3-1001)(A;;GA;;;S-1-5-21-1-2-3-1002)')"
    assert sids_by_name(sddl, names) == (f"SecurityDescriptor.from_sddl('O:<{ALICE}>G:DUD:(A;;GA;;;<{ALICE}>)"
                                         "(A;;GA;;;S-1-5-21-1-2-3-1002)')")
    assert sids_by_name("(SID('S-1-5-20'), SID('S-1-5-18'))", names) == "(<NT AUTHORITY\\NETWORK SERVICE>, SID('S-1-5-18'))"
    assert sids_by_name("no SID here", names) == "no SID here"


def test_c_twin_declares_structures_and_arrays_without_nested_comments():
    m, api = world("alice")
    with tl.record(m) as tr:
        h = api.LogonUser("alice", ".", "pw", C.LOGON32_LOGON_NETWORK, C.LOGON32_PROVIDER_DEFAULT)
        api.SetTokenInformation(h, C.TokenDefaultDacl, tl.ACL([tl.ACE.allow(tl.SID("S-1-5-18"), C.GENERIC_ALL)]))
        api.CreateRestrictedToken(h, 0, [tl.SID("S-1-5-32-545")], [], [])
        api.DuplicateHandle(api.GetCurrentProcess(), h, api.GetCurrentProcess(), 0, False, C.DUPLICATE_SAME_ACCESS)
    for s in tr.steps:
        for line in s.c_call.splitlines():
            body = line.split("//", 1)[0]
            assert body.count("/*") == body.count("*/") <= 1, line
            assert "/*" not in line.split("//", 1)[1] if "//" in line else True, line
    set_info = step(tr, "SetTokenInformation").c_call.splitlines()
    assert set_info[0].startswith("// TokenInformation: pAcl D:(A;;GA;;;SY)")
    assert set_info[1] == "SetTokenInformation(h4, TokenDefaultDacl, &info, sizeof info);"
    restricted = step(tr, "CreateRestrictedToken").c_call.splitlines()
    assert restricted[0] == "SID_AND_ATTRIBUTES SidsToDisable[1];  // S-1-5-32-545"
    assert ", 1, SidsToDisable, 0, NULL, 0, NULL, &h" in restricted[-1]
    dup = step(tr, "DuplicateHandle").c_call.splitlines()
    assert dup[0] == "HANDLE hTarget;  // = 12 in the target process"
    assert "&hTarget" in dup[-1]


def test_access_check_steps_keep_their_check_and_name_the_mapping():
    m, api = world("alice")
    h = api.LogonUser("alice", ".", "pw", C.LOGON32_LOGON_NETWORK, C.LOGON32_PROVIDER_DEFAULT)
    sd = tl.SecurityDescriptor.from_sddl("O:SYG:SYD:(A;;0x1;;;WD)")
    with tl.record(m) as tr:
        granted, ok = api.AccessCheck(sd, h, C.EVENT_MODIFY_STATE, tl.EVENT_MAPPING)
        api.CheckTokenMembership(h, tl.SID("S-1-5-32-544"))
    s = tr.steps[0]
    assert not ok and s.call.endswith(", EVENT_MAPPING)")
    assert s.result == "(0, False)"
    (rec,) = s.checks
    assert rec.what == "the descriptor passed to AccessCheck" and not rec.result.allowed
    assert "Access denied." in s.narration
    assert tr.steps[1].narration.startswith("CheckTokenMembership returned False.")


def test_set_token_integrity_lowers_freely_and_raises_only_with_tcb():
    m, api = world("alice")
    h = api.LogonUser("alice", ".", "pw", C.LOGON32_LOGON_NETWORK, C.LOGON32_PROVIDER_DEFAULT)
    api.SetTokenInformation(h, C.TokenIntegrityLevel, tl.SID("S-1-16-4096"))
    assert api.GetTokenInformation(h, C.TokenIntegrityLevel).sid == tl.SID("S-1-16-4096")
    with pytest.raises(tl.WinError) as e:  # NETWORK SERVICE holds no SeTcbPrivilege
        api.SetTokenInformation(h, C.TokenIntegrityLevel, tl.SID("S-1-16-12288"))
    assert e.value.winerror == tl.ErrorCode.ERROR_PRIVILEGE_NOT_HELD
    assert api.GetTokenInformation(h, C.TokenIntegrityLevel).sid == tl.SID("S-1-16-4096")
    with pytest.raises(tl.NotModelledError):
        api.SetTokenInformation(h, C.TokenMandatoryPolicy, 0)
