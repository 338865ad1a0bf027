"""The Win32 converters of sddl.h, with Windows' return values and error codes.

Sources: Wine's conformance tests in dlls/advapi32/tests/security.c, which run on Windows
(test_ConvertStringSecurityDescriptor, test_ConvertSecurityDescriptorToString,
test_PrivateObjectSecurity, test_ConvertStringSidToSid), and the docs pages of the four
functions.
"""
from __future__ import annotations

import pytest

import tokenlab.win32 as win32
from tokenlab.security.acl import ACE, ACL, NULL_ACL, SDControl
from tokenlab.security.descriptor import SecurityDescriptor
from tokenlab.security.errors import ErrorCode, SDDLNotModelledError, WinError
from tokenlab.security.sids import SID
from tokenlab.win32 import (
    DACL_SECURITY_INFORMATION, ERROR_INVALID_ACL, ERROR_INVALID_PARAMETER, ERROR_INVALID_SID,
    ERROR_UNKNOWN_REVISION, GROUP_SECURITY_INFORMATION, OWNER_SECURITY_INFORMATION,
    SACL_SECURITY_INFORMATION, SDDL_REVISION_1, ConvertSecurityDescriptorToStringSecurityDescriptor,
    ConvertSidToStringSid, ConvertStringSecurityDescriptorToSecurityDescriptor, ConvertStringSidToSid,
)

ALL = OWNER_SECURITY_INFORMATION | GROUP_SECURITY_INFORMATION | DACL_SECURITY_INFORMATION | SACL_SECURITY_INFORMATION
G = "S-1-5-21-93476-23408-4576"
POS_SDDL = (f"O:SYG:{G}D:(A;NP;GAGXGWGR;;;SU)(A;IOID;CCDC;;;SU)(D;OICI;0xffffffff;;;{G})"
            "S:(AU;OICINPIOIDSAFA;CCDCLCSWRPRC;;;SU)(AU;NPSA;0x12019f;;;SU)")


def _fails(code, fn, *args, **kw) -> WinError:
    with pytest.raises(WinError) as info:
        fn(*args, **kw)
    assert info.value.winerror == code, str(info.value)
    return info.value


# ---------------------------------------------------------------- string -> descriptor

def test_string_to_descriptor_returns_a_self_relative_descriptor_and_its_size():
    sd, size = ConvertStringSecurityDescriptorToSecurityDescriptor(POS_SDDL, SDDL_REVISION_1)
    assert isinstance(sd, SecurityDescriptor)
    assert sd.control == 0x8014  # Wine POS: SE_SELF_RELATIVE | SE_SACL_PRESENT | SE_DACL_PRESENT
    assert sd.owner == SID("S-1-5-18") and sd.group == SID(G)
    assert [a.mask for a in sd.dacl] == [0xF0000000, 0x3, 0xFFFFFFFF]
    # 20 header + SY 12 + group 24 + DACL (8 + 20 + 20 + 32) + SACL (8 + 20 + 20)
    assert size == 20 + 12 + 24 + 80 + 48


@pytest.mark.parametrize("text, size", [("D:", 28), ("S:", 28), ("", 20)])  # Wine CSSD
def test_sizes_of_empty_acls(text, size):
    assert ConvertStringSecurityDescriptorToSecurityDescriptor(text, SDDL_REVISION_1)[1] == size


def test_bad_revision_is_ERROR_UNKNOWN_REVISION():  # Wine CSSD: revision 0xdeadbeef
    _fails(ERROR_UNKNOWN_REVISION, ConvertStringSecurityDescriptorToSecurityDescriptor, "D:(A;;GA;;;WD)", 0xDEADBEEF)


def test_null_string_is_ERROR_INVALID_PARAMETER_before_the_revision_is_looked_at():  # Wine CSSD (W)
    _fails(ERROR_INVALID_PARAMETER, ConvertStringSecurityDescriptorToSecurityDescriptor, None, 0xDEADBEEF)


@pytest.mark.parametrize("text, code, position", [  # Wine CSSD
    ("ERROR:(D;;GA;;;WD)", ERROR_INVALID_PARAMETER, 0),
    ("D:(A;;ROB;;;WD)", ERROR_INVALID_ACL, 6),
    ("D:(D ;;GA;;;WD)", ERROR_INVALID_ACL, 4),
    ("D:(D;;GA ;;;WD)", ERROR_INVALID_ACL, 8),
    ("D:(D;;GA;;;WDANDSUCH)", ERROR_INVALID_ACL, 13),
    ("O:S-1-5", ERROR_INVALID_SID, 7),
])
def test_malformed_sddl_fails_with_windows_code_and_says_where(text, code, position):
    err = _fails(code, ConvertStringSecurityDescriptorToSecurityDescriptor, text, SDDL_REVISION_1)
    assert f"position {position}" in str(err)
    assert err.name == ErrorCode(code).name and str(err).startswith(f"{err.name} ({code}):")


def test_not_modelled_ace_types_are_said_not_faked():
    with pytest.raises(SDDLNotModelledError):
        ConvertStringSecurityDescriptorToSecurityDescriptor("D:(XA;;FA;;;WD;(Member_of {SID(BA)}))", 1)


def test_domain_relative_aliases_need_the_domain():
    domain = SID("S-1-5-21-1-2-3")
    sd, _ = ConvertStringSecurityDescriptorToSecurityDescriptor("O:DA", 1, domain=domain)
    assert sd.owner == domain.child(512)
    _fails(ERROR_INVALID_SID, ConvertStringSecurityDescriptorToSecurityDescriptor, "O:DA", 1, domain=None)


def test_domain_relative_aliases_use_the_default_machines_domain_both_ways():
    # Wine test_ConvertStringSidToSid: LA and LG convert on Windows (S-1-5-21-*-*-*-500/501);
    # Windows resolves them against its own domain, tokenlab against tl.Machine()'s.
    from tokenlab.kernel.lsa import DEFAULT_DOMAIN_SID
    for alias, rid in (("LA", 500), ("LG", 501), ("DA", 512), ("DU", 513), ("RS", 553)):
        assert ConvertStringSidToSid(alias) == DEFAULT_DOMAIN_SID.child(rid)
        sd, _ = ConvertStringSecurityDescriptorToSecurityDescriptor(f"O:{alias}D:(A;;GA;;;{alias})", 1)
        assert ConvertSecurityDescriptorToStringSecurityDescriptor(sd, 1, ALL)[0] == f"O:{alias}D:(A;;GA;;;{alias})"
        assert ConvertSidToStringSid(sd.owner) == f"{DEFAULT_DOMAIN_SID.text}-{rid}"


# ---------------------------------------------------------------- descriptor -> string

def test_descriptor_to_string_and_length_with_nul():
    sd, _ = ConvertStringSecurityDescriptorToSecurityDescriptor(POS_SDDL, SDDL_REVISION_1)
    text, length = ConvertSecurityDescriptorToStringSecurityDescriptor(sd, SDDL_REVISION_1, ALL)
    assert text == POS_SDDL and length == len(POS_SDDL) + 1
    assert ConvertSecurityDescriptorToStringSecurityDescriptor(sd, 1, GROUP_SECURITY_INFORMATION) == (
        f"G:{G}", len(f"G:{G}") + 1)  # Wine POS


def test_descriptor_to_string_builds_up_like_wines_test():  # Wine CSDS, step by step
    convert = ConvertSecurityDescriptorToStringSecurityDescriptor
    sd = SecurityDescriptor()
    assert convert(sd, 1, ALL) == ("", 1)
    sd = sd.replace(owner=SID("S-1-2-0"))
    assert convert(sd, 1, ALL)[0] == "O:S-1-2-0"
    sd = sd.replace(owner=SID("S-1-5-18"), group=SID(G))
    assert convert(sd, 1, ALL)[0] == f"O:SYG:{G}"
    sd = sd.replace(dacl=ACL())
    assert convert(sd, 1, ALL)[0] == f"O:SYG:{G}D:"
    sd = sd.replace(dacl=sd.dacl.with_ace(ACE.allow("S-1-5-6", 0xF0000000, flags=0x04)))
    assert convert(sd, 1, ALL)[0] == f"O:SYG:{G}D:(A;NP;GAGXGWGR;;;SU)"
    sd = sd.replace(dacl=NULL_ACL, sacl=ACL([ACE(2, 0xDF, 0x2001F, SID("S-1-5-6"))]))
    assert convert(sd, 1, ALL)[0] == f"O:SYG:{G}D:NO_ACCESS_CONTROLS:(AU;OICINPIOIDSAFA;CCDCLCSWRPRC;;;SU)"


def test_descriptor_to_string_failures():
    convert = ConvertSecurityDescriptorToStringSecurityDescriptor
    _fails(ERROR_UNKNOWN_REVISION, convert, SecurityDescriptor(), 2, ALL)
    _fails(ERROR_INVALID_PARAMETER, convert, None, 1, ALL)


def test_self_relative_bit_is_not_printed():
    sd = SecurityDescriptor(dacl=ACL(), control=SDControl.SE_SELF_RELATIVE | SDControl.SE_DACL_PROTECTED)
    assert ConvertSecurityDescriptorToStringSecurityDescriptor(sd, 1, ALL)[0] == "D:P"


# ---------------------------------------------------------------- string SIDs

@pytest.mark.parametrize("text, expected", [  # Wine SID
    ("S-1-5-21-93476-23408-4576", "S-1-5-21-93476-23408-4576"),
    ("WD", "S-1-1-0"), ("wD", "S-1-1-0"), ("s-1-12-1", "S-1-12-1"), ("S-0x1-0XC-0x1a", "S-1-12-26"),
    ("BA", "S-1-5-32-544"), ("SY", "S-1-5-18"),
])
def test_string_sid_to_sid(text, expected):
    assert ConvertStringSidToSid(text) == SID(expected)


@pytest.mark.parametrize("text", ["S-1-5", "WDandmorecharacters", "WD)", "", "S-1-5-18 "])  # Wine SID
def test_bad_string_sid_is_ERROR_INVALID_SID(text):
    _fails(ERROR_INVALID_SID, ConvertStringSidToSid, text)


def test_null_string_sid_is_ERROR_INVALID_PARAMETER():  # Wine SID
    _fails(ERROR_INVALID_PARAMETER, ConvertStringSidToSid, None)


@pytest.mark.parametrize("text", ["S-1-860116326-1", "S-1-5-32-544", "S-1-0x000100000000-1"])
def test_sid_to_string_is_numeric_never_an_alias(text):
    assert ConvertSidToStringSid(SID(text)) == text
    _fails(ERROR_INVALID_SID, ConvertSidToStringSid, None)


# ---------------------------------------------------------------- Python types and names

@pytest.mark.parametrize("call, expected", [
    (lambda: ConvertStringSecurityDescriptorToSecurityDescriptor(b"D:", 1), "StringSecurityDescriptor must be str"),
    (lambda: ConvertStringSecurityDescriptorToSecurityDescriptor("D:", "1"), "StringSDRevision must be int"),
    (lambda: ConvertStringSecurityDescriptorToSecurityDescriptor("D:", True), "StringSDRevision must be int"),
    (lambda: ConvertSecurityDescriptorToStringSecurityDescriptor("D:", 1, ALL), "SecurityDescriptor must be"),
    (lambda: ConvertSecurityDescriptorToStringSecurityDescriptor(SecurityDescriptor(), 1, None),
     "SecurityInformation must be int"),
    (lambda: ConvertStringSidToSid(18), "StringSid must be str"),
    (lambda: ConvertSidToStringSid("S-1-5-18"), "Sid must be SID"),
])
def test_wrong_python_types_are_TypeErrors_naming_the_type(call, expected):
    with pytest.raises(TypeError, match=expected):
        call()


def test_star_import_brings_the_win32_names():
    names: dict = {}
    exec("from tokenlab.win32 import *", names)
    for name in ("ConvertStringSecurityDescriptorToSecurityDescriptor", "ConvertSidToStringSid",
                 "SDDL_REVISION_1", "LABEL_SECURITY_INFORMATION", "ERROR_ACCESS_DENIED", "ERROR_UNKNOWN_REVISION"):
        assert name in names
    assert names["SDDL_REVISION_1"] == 1 and names["LABEL_SECURITY_INFORMATION"] == 0x10
    assert not any(name.startswith("_") for name in win32.__all__)


def test_every_error_code_is_a_module_constant():
    for code in ErrorCode:
        assert getattr(win32, code.name) is code
    assert win32.ERROR_ACCESS_DENIED == 5 and win32.ERROR_UNKNOWN_REVISION == 1305
