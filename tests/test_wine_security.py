"""Wine's Windows-run tests (dlls/advapi32/tests/security.c), ported one ``ok(...)`` at a time.

Wine's conformance tests run on real Windows, so what they expect is Windows' behaviour;
``todo_wine`` expectations are kept (they are Windows' behaviour, Wine's shortfall) and
``broken(...)`` alternatives (old Windows versions) are dropped. Each test names the Wine
test function it comes from. What tokenlab deliberately does not model is a strict xfail
that says what Windows does.
"""
from __future__ import annotations

import uuid

import pytest

import tokenlab as tl
from tokenlab.kernel.lsa import DEFAULT_DOMAIN_SID
from tokenlab.security.access_check import access_check
from tokenlab.security.acl import ACE, ACL, AceType
from tokenlab.security.rights import KEY_MAPPING, check_access_mask, format_mask
from tokenlab.win32 import *  # noqa: F403

EVERYONE = tl.SID("S-1-1-0")
ADMINS = tl.SID("S-1-5-32-544")
USERS = tl.SID("S-1-5-32-545")
LOW = tl.SID("S-1-16-4096")
MEDIUM = tl.SID("S-1-16-8192")
G = "S-1-5-21-93476-23408-4576"


def _fails(code, call, *args, **kw):
    with pytest.raises(tl.WinError) as info:
        call(*args, **kw)
    assert info.value.winerror == code, str(info.value)
    return info.value


# ------------------------------------------------------------ test_ConvertStringSidToSid

@pytest.mark.parametrize("alias, text", [
    ("WD", "S-1-1-0"), ("wD", "S-1-1-0"), ("CO", "S-1-3-0"), ("CG", "S-1-3-1"), ("OW", "S-1-3-4"),
    ("NU", "S-1-5-2"), ("IU", "S-1-5-4"), ("SU", "S-1-5-6"), ("AN", "S-1-5-7"), ("ED", "S-1-5-9"),
    ("PS", "S-1-5-10"), ("AU", "S-1-5-11"), ("RC", "S-1-5-12"), ("SY", "S-1-5-18"), ("LS", "S-1-5-19"),
    ("NS", "S-1-5-20"), ("BO", "S-1-5-32-551"), ("BA", "S-1-5-32-544"), ("BU", "S-1-5-32-545"),
    ("BG", "S-1-5-32-546"), ("PU", "S-1-5-32-547"), ("AO", "S-1-5-32-548"), ("SO", "S-1-5-32-549"),
    ("PO", "S-1-5-32-550"), ("RE", "S-1-5-32-552"), ("RU", "S-1-5-32-554"), ("RD", "S-1-5-32-555"),
    ("NO", "S-1-5-32-556"), ("AC", "S-1-15-2-1"), ("s-1-12-1", "S-1-12-1"), ("S-0x1-0XC-0x1a", "S-1-12-26"),
])
def test_ConvertStringSidToSid_table(alias, text):  # Wine test_ConvertStringSidToSid str_to_sid_tests
    assert ConvertSidToStringSid(ConvertStringSidToSid(alias)) == text


@pytest.mark.parametrize("alias, rid", [("LA", 500), ("LG", 501), ("CA", 517), ("DA", 512), ("DC", 515),
                                        ("DD", 516), ("DG", 514), ("DU", 513), ("EA", 519), ("PA", 520),
                                        ("RS", 553), ("SA", 518)])
def test_ConvertStringSidToSid_domain_aliases(alias, rid):  # Wine test_ConvertStringSidToSid: S-1-5-21-*-*-*-500
    sid = ConvertStringSidToSid(alias)
    assert sid == DEFAULT_DOMAIN_SID.child(rid) and sid.text.startswith("S-1-5-21-")


@pytest.mark.parametrize("text", ["S-1-5", "WDandmorecharacters", "WD)"])
def test_ConvertStringSidToSid_failures(text):  # Wine test_ConvertStringSidToSid
    _fails(ERROR_INVALID_SID, ConvertStringSidToSid, text)


def test_ConvertStringSidToSid_null_and_parts():  # Wine test_ConvertStringSidToSid
    _fails(ERROR_INVALID_PARAMETER, ConvertStringSidToSid, None)
    sid = ConvertStringSidToSid("S-1-5-21-93476-23408-4576")
    assert len(sid.subauthorities) == 4 and sid.subauthorities[0] == 21 and sid.subauthorities[3] == 4576


@pytest.mark.parametrize("authority, text", [(0x334455 * 256 + 0x66, "S-1-860116326-1"), (0x01020304, "S-1-16909060-1"),
                                             (0x010203, "S-1-66051-1"), (0x0102, "S-1-258-1"), (2, "S-1-2-1"),
                                             (12, "S-1-12-1")])
def test_ConvertSidToStringSid_refs(authority, text):  # Wine test_ConvertStringSidToSid refs[]
    assert ConvertSidToStringSid(tl.SID.from_parts(authority, 1)) == text
    assert ConvertStringSidToSid(text).authority == authority


# ------------------------------------------------------------ test_ConvertStringSecurityDescriptor

CSSD_OK = ["D:(A;;GA;;;WD)", "D:(D;;GA;;;WD)", " D:(D;;GA;;;WD)", "D: (D;;GA;;;WD)", "D:( D;;GA;;;WD)",
           "D:(D; ;GA;;;WD)", "D:(D;; GA;;;WD)", "D:(D;;GA; ;;WD)", "D:(D;;GA;; ;WD)", "D:(D;;GA;;; WD)",
           "D:(D;;GA;;;WD )", "D:(A;;RPWPCCDCLCSWLODTCR;;;WD)", "D:(A;;FAFRFWFX;;;WD)", "D:(A;;KAKRKWKX;;;WD)",
           "D:(A;;0xFFFFFFFF;;;WD)", "S:(AU;;0xFFFFFFFF;;;WD)", "S:(AU;;0xDeAdBeEf;;;WD)", "S:(AU;;GR0xFFFFFFFF;;;WD)",
           "S:(AU;;0xFFFFFFFFGR;;;WD)", "S:(AU;;0xFFFFFGR;;;WD)", "", "D:(D;;GA;;;S-1-0-0)",
           "D:P(A;;GRGW;;;BA)(A;;GRGW;;;S-1-5-21-0-0-0-1000)S:(ML;;NWNR;;;S-1-16-12288)"]


@pytest.mark.parametrize("text", CSSD_OK)
def test_ConvertStringSecurityDescriptor_accepts(text):  # Wine test_ConvertStringSecurityDescriptor cssd[]
    ConvertStringSecurityDescriptorToSecurityDescriptor(text, SDDL_REVISION_1)


@pytest.mark.parametrize("text, mask", [("D:(A;;GA;;;WD)", GENERIC_ALL), ("D:(A;;1;;;WD)", 1),
                                        ("D:(A;;020000000000;;;WD)", GENERIC_READ), ("D:(A;;0X40000000;;;WD)", GENERIC_WRITE),
                                        ("D:(A;;GRGWGX;;;WD)", GENERIC_READ | GENERIC_WRITE | GENERIC_EXECUTE),
                                        ("D:(A;;RCSDWDWO;;;WD)", READ_CONTROL | DELETE | WRITE_DAC | WRITE_OWNER)])
def test_ConvertStringSecurityDescriptor_masks(text, mask):  # Wine cssd[] ace_Mask column
    sd, _ = ConvertStringSecurityDescriptorToSecurityDescriptor(text, SDDL_REVISION_1)
    assert sd.dacl.revision == ACL_REVISION and sd.dacl[0].mask == mask


@pytest.mark.parametrize("text, code", [("D:(A;;GA;;;WD)", None), ("ERROR:(D;;GA;;;WD)", ERROR_INVALID_PARAMETER),
                                        ("D:(D ;;GA;;;WD)", ERROR_INVALID_ACL), ("D:(D;;GA ;;;WD)", ERROR_INVALID_ACL),
                                        ("D:(A;;ROB;;;WD)", ERROR_INVALID_ACL), ("D:(D;;GA;;;WDANDSUCH)", ERROR_INVALID_ACL),
                                        ("D:(D;;GA;;;Nonexistent account)", ERROR_INVALID_ACL)])
def test_ConvertStringSecurityDescriptor_failures(text, code):  # Wine cssd[] GLE column (Vista+)
    if code is None:  # revision 0xdeadbeef
        _fails(ERROR_UNKNOWN_REVISION, ConvertStringSecurityDescriptorToSecurityDescriptor, text, 0xdeadbeef)
    else:
        _fails(code, ConvertStringSecurityDescriptorToSecurityDescriptor, text, SDDL_REVISION_1)


def test_ConvertStringSecurityDescriptor_null_and_empty_acls():  # Wine test_ConvertStringSecurityDescriptor
    _fails(ERROR_INVALID_PARAMETER, ConvertStringSecurityDescriptorToSecurityDescriptor, None, 0xdeadbeef)
    for text in ("D:", "S:"):
        sd, size = ConvertStringSecurityDescriptorToSecurityDescriptor(text, SDDL_REVISION_1)
        acl = sd.dacl if text == "D:" else sd.sacl
        assert size == 20 + 8 and acl.size == 8 and len(acl) == 0 and acl.revision == ACL_REVISION


# ------------------------------------------------------------ test_ConvertSecurityDescriptorToString

def test_ConvertSecurityDescriptorToString_step_by_step():  # Wine test_ConvertSecurityDescriptorToString
    info = OWNER_SECURITY_INFORMATION | GROUP_SECURITY_INFORMATION | DACL_SECURITY_INFORMATION | SACL_SECURITY_INFORMATION
    conv = lambda sd: ConvertSecurityDescriptorToStringSecurityDescriptor(sd, SDDL_REVISION_1, info)[0]  # noqa: E731
    desc = InitializeSecurityDescriptor(SECURITY_DESCRIPTOR_REVISION)
    assert conv(desc) == ""
    desc = SetSecurityDescriptorOwner(desc, tl.SID("S-1-2-0"), FALSE)
    assert conv(desc) == "O:S-1-2-0"
    desc = SetSecurityDescriptorOwner(desc, tl.SID("S-1-2-0"), TRUE)
    assert conv(desc) == "O:S-1-2-0"
    desc = SetSecurityDescriptorOwner(desc, tl.SID("S-1-5-18"), TRUE)
    assert conv(desc) == "O:SY"
    psid = ConvertStringSidToSid(G)
    desc = SetSecurityDescriptorGroup(desc, psid, TRUE)
    assert conv(desc) == f"O:SYG:{G}"
    assert ConvertSecurityDescriptorToStringSecurityDescriptor(desc, 1, GROUP_SECURITY_INFORMATION)[0] == f"G:{G}"
    pacl = InitializeAcl(8192, ACL_REVISION)
    desc = SetSecurityDescriptorDacl(desc, TRUE, pacl, TRUE)
    assert conv(desc) == f"O:SYG:{G}D:"
    desc = SetSecurityDescriptorDacl(desc, TRUE, pacl, FALSE)
    assert conv(desc) == f"O:SYG:{G}D:"
    psid2 = ConvertStringSidToSid("S-1-5-6")
    pacl = AddAccessAllowedAceEx(pacl, ACL_REVISION, NO_PROPAGATE_INHERIT_ACE, 0xF0000000, psid2)
    desc = SetSecurityDescriptorDacl(desc, TRUE, pacl, FALSE)
    assert conv(desc) == f"O:SYG:{G}D:(A;NP;GAGXGWGR;;;SU)"
    pacl = AddAccessAllowedAceEx(pacl, ACL_REVISION, INHERIT_ONLY_ACE | INHERITED_ACE, 3, psid2)
    desc = SetSecurityDescriptorDacl(desc, TRUE, pacl, FALSE)
    assert conv(desc) == f"O:SYG:{G}D:(A;NP;GAGXGWGR;;;SU)(A;IOID;CCDC;;;SU)"
    pacl = AddAccessDeniedAceEx(pacl, ACL_REVISION, OBJECT_INHERIT_ACE | CONTAINER_INHERIT_ACE, 0xFFFFFFFF, psid)
    desc = SetSecurityDescriptorDacl(desc, TRUE, pacl, FALSE)
    assert conv(desc) == f"O:SYG:{G}D:(A;NP;GAGXGWGR;;;SU)(A;IOID;CCDC;;;SU)(D;OICI;0xffffffff;;;{G})"
    desc = SetSecurityDescriptorSacl(desc, TRUE, InitializeAcl(8192, ACL_REVISION), FALSE)
    assert conv(desc).endswith("D:(A;NP;GAGXGWGR;;;SU)(A;IOID;CCDC;;;SU)" f"(D;OICI;0xffffffff;;;{G})S:")
    desc = SetSecurityDescriptorDacl(desc, TRUE, None, FALSE)  # Vista+: D:NO_ACCESS_CONTROL
    assert conv(desc) == f"O:SYG:{G}D:NO_ACCESS_CONTROLS:"


# ------------------------------------------------------------ test_AccessCheck

def _token(level=SecurityImpersonation, groups=((ADMINS, 0x7), (USERS, 0x7), (EVERYONE, 0x7))):
    return tl.Token(user=tl.SID("S-1-5-21-1-2-3-1001"), groups=list(groups), token_type=TokenImpersonation,
                    impersonation_level=level)


def _check(sd, token, desired):
    r = access_check(sd, token, desired, KEY_MAPPING)
    return r.status, int(r.granted)


def test_AccessCheck_as_wine_runs_it():  # Wine test_AccessCheck (the parts on descriptors and tokens)
    try:
        token = _token()
    except TypeError as err:
        pytest.skip(f"tl.Token signature: {err}")
    acl = InitializeAcl(256, ACL_REVISION)
    sd = SetSecurityDescriptorDacl(InitializeSecurityDescriptor(SECURITY_DESCRIPTOR_REVISION), TRUE, acl, FALSE)
    assert _check(sd, token, KEY_QUERY_VALUE)[0] == ERROR_INVALID_SECURITY_DESCR  # SD without owner/group
    sd = SetSecurityDescriptorOwner(sd, ADMINS, FALSE)
    sd = SetSecurityDescriptorGroup(sd, USERS, TRUE)
    assert _check(sd, token, GENERIC_READ)[0] == ERROR_GENERIC_NOT_MAPPED
    sd = SetSecurityDescriptorDacl(sd, FALSE, None, FALSE)  # no DACL present
    assert _check(sd, token, KEY_READ) == (ERROR_SUCCESS, KEY_READ)
    sd = SetSecurityDescriptorDacl(sd, TRUE, None, FALSE)  # NULL DACL
    assert _check(sd, token, KEY_READ) == (ERROR_SUCCESS, KEY_READ)
    assert _check(sd, token, MAXIMUM_ALLOWED) == (ERROR_SUCCESS, KEY_ALL_ACCESS)
    sd = SetSecurityDescriptorDacl(sd, TRUE, acl, FALSE)  # blank DACL
    assert _check(sd, token, KEY_READ) == (ERROR_ACCESS_DENIED, 0)
    acl = AddAccessAllowedAce(acl, ACL_REVISION, KEY_READ, EVERYONE)
    acl = AddAccessDeniedAce(acl, ACL_REVISION, KEY_SET_VALUE, ADMINS)
    sd = SetSecurityDescriptorDacl(sd, TRUE, acl, FALSE)
    assert _check(sd, token, KEY_READ) == (ERROR_SUCCESS, KEY_READ)
    assert _check(sd, token, MAXIMUM_ALLOWED)[0] == ERROR_SUCCESS
    assert _check(sd, token, KEY_WRITE) == (ERROR_ACCESS_DENIED, 0)  # Access denied by SD
    assert _check(sd, token, ACCESS_SYSTEM_SECURITY)[0] == ERROR_PRIVILEGE_NOT_HELD
    acl = AddAccessAllowedAceEx(InitializeAcl(256, ACL_REVISION), ACL_REVISION, INHERIT_ONLY_ACE, KEY_READ, EVERYONE)
    sd = SetSecurityDescriptorDacl(sd, TRUE, acl, FALSE)
    assert _check(sd, token, KEY_READ) == (ERROR_ACCESS_DENIED, 0)  # test INHERIT_ONLY_ACE
    assert _check(sd, _token(SecurityAnonymous), MAXIMUM_ALLOWED)[0] == ERROR_BAD_IMPERSONATION_LEVEL


@pytest.mark.xfail(strict=True, reason="not modelled: Windows' AccessCheck fills a PRIVILEGE_SET buffer and fails "
                   "with ERROR_INSUFFICIENT_BUFFER / ERROR_NOACCESS for a short or NULL one (Wine test_AccessCheck); "
                   "tokenlab returns the privileges used as a tuple")
def test_AccessCheck_privilege_set_buffer_sizes():
    r = access_check(tl.SecurityDescriptor.from_sddl("O:BAG:BUD:"), _token(), KEY_READ, KEY_MAPPING)
    assert r.status == ERROR_INSUFFICIENT_BUFFER


def test_AccessCheck_object_aces_without_an_object_type_list():  # [MS-DTYP] 2.5.3.2
    guid = "bf967aba-0de6-11d0-a285-00aa003049e2"
    allow = tl.SecurityDescriptor.from_sddl(f"O:SYG:SYD:(OA;;KR;{guid};;WD)")
    deny = tl.SecurityDescriptor.from_sddl(f"O:SYG:SYD:(OD;;KR;{guid};;WD)(A;;KR;;;WD)")
    assert _check(allow, _token(), KEY_READ) == (ERROR_ACCESS_DENIED, 0)
    assert _check(deny, _token(), KEY_READ) == (ERROR_ACCESS_DENIED, 0)
    assert deny.dacl[0].object_type == uuid.UUID(guid) and deny.dacl.revision == ACL_REVISION_DS


def test_AccessCheck_label_with_a_non_integrity_sid_does_not_crash():  # issue 13: S:(ML;;NW;;;WD)
    sd = tl.SecurityDescriptor.from_sddl("O:SYG:SYD:(A;;KR;;;WD)S:(ML;;NW;;;WD)")
    assert sd.label is None  # names no integrity level: the object counts as unlabelled
    assert _check(sd, _token(), KEY_READ) == (ERROR_SUCCESS, KEY_READ)


def test_AccessCheck_rejects_sddl_text_with_a_TypeError():
    with pytest.raises(TypeError, match="SDDL text"):
        access_check("O:SYG:SYD:", _token(), KEY_READ, KEY_MAPPING)


# ------------------------------------------------------------ test_AddAce, test_AddMandatoryAce, GetAce

def test_AddAce_revisions():  # Wine test_AddAce (with AddAccessAllowedAce: same revision rules)
    acl = InitializeAcl(1024, ACL_REVISION)
    for revision, expected in ((1, 2), (2, 2), (3, 3), (4, 4), (1, 4), (2, 4)):
        acl = AddAccessAllowedAce(acl, revision, 1, EVERYONE)
        assert acl.revision == expected
    _fails(ERROR_INVALID_PARAMETER, AddAccessAllowedAce, acl, MAX_ACL_REVISION + 1, 1, EVERYONE)


def test_AddMandatoryAce():  # Wine test_AddMandatoryAce
    acl = InitializeAcl(256, ACL_REVISION)
    _fails(ERROR_INVALID_PARAMETER, AddMandatoryAce, acl, ACL_REVISION, 0, 0x1234, LOW)
    acl = AddMandatoryAce(acl, ACL_REVISION, 0, SYSTEM_MANDATORY_LABEL_NO_WRITE_UP, LOW)
    ace = GetAce(acl, 0)
    assert (ace.type, ace.flags, ace.mask, ace.sid) == (SYSTEM_MANDATORY_LABEL_ACE_TYPE, 0,
                                                       SYSTEM_MANDATORY_LABEL_NO_WRITE_UP, LOW)
    _fails(ERROR_INVALID_PARAMETER, GetAce, acl, 1)
    acl = AddMandatoryAce(acl, ACL_REVISION, 0, SYSTEM_MANDATORY_LABEL_NO_EXECUTE_UP, MEDIUM)
    assert [a.sid for a in acl] == [LOW, MEDIUM]
    _fails(ERROR_INVALID_PARAMETER, GetAce, acl, 2)
    acl3 = AddMandatoryAce(InitializeAcl(256, ACL_REVISION), ACL_REVISION3, 0, SYSTEM_MANDATORY_LABEL_NO_EXECUTE_UP, MEDIUM)
    assert acl3.revision == ACL_REVISION3
    _fails(ERROR_INVALID_PARAMETER, AddMandatoryAce, acl, ACL_REVISION, 0, SYSTEM_MANDATORY_LABEL_NO_WRITE_UP, EVERYONE)


def test_InitializeAcl_and_allotted_space():  # docs: InitializeAcl, AddAccessAllowedAce
    _fails(ERROR_INVALID_PARAMETER, InitializeAcl, 256, 3)
    _fails(ERROR_INSUFFICIENT_BUFFER, InitializeAcl, 4, ACL_REVISION)
    acl = InitializeAcl(8 + 20, ACL_REVISION)  # room for one ACE naming a one-part SID
    acl = AddAccessAllowedAce(acl, ACL_REVISION, 1, EVERYONE)
    _fails(ERROR_ALLOTTED_SPACE_EXCEEDED, AddAccessAllowedAce, acl, ACL_REVISION, 1, EVERYONE)


def test_masks_out_of_range_are_refused():  # issue 13: no "0x-8000000000000000"
    _fails(ERROR_INVALID_PARAMETER, AddAccessAllowedAce, InitializeAcl(64, 2), 2, -0x8000000000000000, EVERYONE)
    with pytest.raises(ValueError, match="granted"):
        check_access_mask(-0x8000000000000000, "granted")
    with pytest.raises(ValueError):
        format_mask(-1)
    with pytest.raises(TypeError, match="ACE mask"):
        ACE(AceType.ACCESS_ALLOWED_ACE_TYPE, 0, "1", EVERYONE)


# ------------------------------------------------------------ test_SetEntriesInAclW

def test_SetEntriesInAcl():  # Wine test_SetEntriesInAclW (the SID and well-known-name cases)
    assert len(SetEntriesInAcl(0, None, None)) == 0
    old = InitializeAcl(256, ACL_REVISION)
    ea = EXPLICIT_ACCESS(KEY_WRITE, SET_ACCESS, NO_INHERITANCE, TRUSTEE(EVERYONE, TRUSTEE_IS_SID, TRUSTEE_IS_WELL_KNOWN_GROUP))
    new = SetEntriesInAcl(1, [ea], old)
    assert [(a.type, a.mask, a.sid) for a in new] == [(ACCESS_ALLOWED_ACE_TYPE, KEY_WRITE, EVERYONE)]
    ea = EXPLICIT_ACCESS(KEY_WRITE, SET_ACCESS, NO_INHERITANCE, TRUSTEE("WD", TRUSTEE_IS_NAME))
    assert SetEntriesInAcl(1, [ea], old)[0].sid == EVERYONE
    ea = EXPLICIT_ACCESS(KEY_WRITE, SET_ACCESS, NO_INHERITANCE, TRUSTEE(EVERYONE, TRUSTEE_BAD_FORM))
    _fails(ERROR_INVALID_PARAMETER, SetEntriesInAcl, 1, [ea], old)
    ea = EXPLICIT_ACCESS(KEY_WRITE, GRANT_ACCESS, SUB_CONTAINERS_AND_OBJECTS_INHERIT, TRUSTEE(USERS))
    new = SetEntriesInAcl(1, [ea], old)
    assert new[0].flags == OBJECT_INHERIT_ACE | CONTAINER_INHERIT_ACE
    ea = EXPLICIT_ACCESS(KEY_WRITE, REVOKE_ACCESS, NO_INHERITANCE, TRUSTEE(USERS))
    assert len(SetEntriesInAcl(1, [ea], new)) == 0


@pytest.mark.xfail(strict=True, reason="not modelled: Windows maps account names such as 'Everyone' and "
                   "'CURRENT_USER' in TRUSTEE_IS_NAME through the LSA (Wine test_SetEntriesInAclW); module-level "
                   "SetEntriesInAcl has no machine, so it maps SDDL aliases and S-1-... strings only")
def test_SetEntriesInAcl_account_names():
    ea = EXPLICIT_ACCESS(KEY_WRITE, SET_ACCESS, NO_INHERITANCE, TRUSTEE("Everyone", TRUSTEE_IS_NAME))
    assert SetEntriesInAcl(1, [ea], None)[0].sid == EVERYONE


def test_SetEntriesInAcl_canonical_order():  # docs: SetEntriesInAcl, "Order of ACEs in a DACL"
    inherited = tl.SecurityDescriptor.from_sddl("D:(A;ID;KR;;;BU)").dacl
    entries = [EXPLICIT_ACCESS(KEY_READ, GRANT_ACCESS, 0, TRUSTEE(USERS)),
               EXPLICIT_ACCESS(KEY_SET_VALUE, DENY_ACCESS, 0, TRUSTEE(EVERYONE))]
    new = SetEntriesInAcl(2, entries, inherited)
    assert [a.type for a in new] == [ACCESS_DENIED_ACE_TYPE, ACCESS_ALLOWED_ACE_TYPE, ACCESS_ALLOWED_ACE_TYPE]
    assert new[2].flags & INHERITED_ACE


# ------------------------------------------------------------ lookups and MapGenericMask

def test_lookupPrivilegeName():  # Wine test_lookupPrivilegeName
    assert LookupPrivilegeName(None, LUID(2)) == "SeCreateTokenPrivilege"
    for i in range(2, 31):
        assert LookupPrivilegeName(None, i)
    _fails(ERROR_NO_SUCH_PRIVILEGE, LookupPrivilegeName, None, 0xDEADBEEF)
    _fails(RPC_S_SERVER_UNAVAILABLE, LookupPrivilegeName, "b0gu5.Nam3", 2)


def test_lookupPrivilegeValue():  # Wine test_lookupPrivilegeValue
    _fails(RPC_S_SERVER_UNAVAILABLE, LookupPrivilegeValue, "b0gu5.Nam3", "SeCreateTokenPrivilege")
    _fails(ERROR_NO_SUCH_PRIVILEGE, LookupPrivilegeValue, None, None)
    _fails(ERROR_NO_SUCH_PRIVILEGE, LookupPrivilegeValue, None, "SeBogusPrivilege")
    assert LookupPrivilegeValue(None, "sEcREATEtOKENpRIVILEGE") == LUID(2)
    for name, low in (("SeImpersonatePrivilege", 29), ("SeCreateGlobalPrivilege", 30), ("SeDebugPrivilege", 20)):
        assert LookupPrivilegeValue(None, name).low == low


def test_MapGenericMask():  # docs: MapGenericMask
    assert MapGenericMask(GENERIC_READ | MAXIMUM_ALLOWED, KEY_MAPPING) == KEY_READ | MAXIMUM_ALLOWED


# ------------------------------------------------------------ constructors name the parameter

@pytest.mark.parametrize("call, exc, match", [
    (lambda: tl.SID(5), TypeError, "text"),
    (lambda: ACE(AceType.ACCESS_ALLOWED_ACE_TYPE, 0, 1, "S-1-1-0"), TypeError, "ACE sid"),
    (lambda: ACE(AceType.ACCESS_ALLOWED_ACE_TYPE, 0, 1 << 32, EVERYONE), ValueError, "ACE mask"),
    (lambda: ACE(AceType.ACCESS_ALLOWED_ACE_TYPE, 0, 1, EVERYONE, object_type="x"), TypeError, "object_type"),
    (lambda: ACL("abc"), TypeError, "ACL aces"),
    (lambda: ACL([], revision=9), ValueError, "ACL revision"),
    (lambda: tl.SecurityDescriptor(owner="S-1-1-0"), TypeError, "owner"),
    (lambda: tl.SecurityDescriptor(control="x"), TypeError, "control"),
    (lambda: tl.SidAndAttributes(5), TypeError, "sid"),
    (lambda: tl.SidAndAttributes(EVERYONE, "x"), TypeError, "attributes"),
    (lambda: tl.GenericMapping("Key", -1, 0, 0, 0), ValueError, "generic_read"),
    (lambda: tl.LUID("1"), TypeError, "LUID value"),
])
def test_constructors_name_the_bad_parameter(call, exc, match):
    with pytest.raises(exc, match=match):
        call()
