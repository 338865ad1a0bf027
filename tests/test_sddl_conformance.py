"""SDDL conformance: what Windows accepts, what it prints back, and where it fails.

Each row cites its source:
  Wine CSSD  -- test_ConvertStringSecurityDescriptor, dlls/advapi32/tests/security.c
  Wine CSDS  -- test_ConvertSecurityDescriptorToString (same file; outputs seen on Windows)
  Wine POS   -- test_PrivateObjectSecurity (same file)
  Wine SID   -- test_ConvertStringSidToSid (same file)
  Samba ...  -- Samba's python/samba/tests/sddl.py (samba-team/samba): SDDL strings its
                authors ran through the Windows API (libcli/security/tests/windows/)
  docs ...   -- a Microsoft documentation page, by title
  MS-DTYP    -- [MS-DTYP] 2.5.1.1 "Syntax" (the ABNF)
  rule ...   -- a printing rule in tokenlab/sddl.py's docstring, applied to a docs string
Wine's tests run on real Windows, so their accepted/rejected strings and printed outputs
are Windows behaviour; Wine's own implementation is not used as a source.
"""
from __future__ import annotations

import pytest

from tokenlab.security.acl import ACE, ACL, NULL_ACL, AceFlags, AceType, SDControl
from tokenlab.security.descriptor import SecurityDescriptor
from tokenlab.security.errors import SDDLError, SDDLNotModelledError
from tokenlab.security.sddl import (
    ACE_FLAGS, DACL_SECURITY_INFORMATION, GROUP_SECURITY_INFORMATION, LABEL_SECURITY_INFORMATION, OWNER_SECURITY_INFORMATION, SACL_SECURITY_INFORMATION, format_ace, format_rights, parse_ace, security_descriptor_length,
)
from tokenlab.security.descriptor import format_sddl, parse_sddl
from tokenlab.security.sids import SID

DOMAIN = SID("S-1-5-21-397955417-626881126-188441444")  # docs "Security Descriptor String Format"
G = "S-1-5-21-93476-23408-4576"  # the group SID of Wine's tests

WINE_CSSD, WINE_CSDS, WINE_POS = "Wine CSSD", "Wine CSDS", "Wine POS"
SAMBA = "Samba sddl tests"  # python/samba/tests/sddl.py, strings checked on Windows
DOCS_FORMAT = "docs: Security Descriptor String Format"
DOCS_ACE = "docs: ACE Strings"
DOCS_DEVICE = "docs: SDDL for Device Objects (wdmsec.h)"
ORDER = "rule: rights per bit, low bit first (Wine CSDS GAGXGWGR, CCDCLCSWRPRC)"

# (SDDL as written, as Windows prints it back, source)
CANONICAL = [
    ("D:(A;;GA;;;WD)", "D:(A;;GA;;;WD)", WINE_CSSD),
    ("D:(D;;GA;;;WD)", "D:(D;;GA;;;WD)", WINE_CSSD),
    ("", "", WINE_CSSD),
    # blanks Windows skips (Wine CSSD "test ACE string with spaces")
    (" D:(D;;GA;;;WD)", "D:(D;;GA;;;WD)", WINE_CSSD),
    ("D: (D;;GA;;;WD)", "D:(D;;GA;;;WD)", WINE_CSSD),
    ("D:( D;;GA;;;WD)", "D:(D;;GA;;;WD)", WINE_CSSD),
    ("D:(D; ;GA;;;WD)", "D:(D;;GA;;;WD)", WINE_CSSD),
    ("D:(D;; GA;;;WD)", "D:(D;;GA;;;WD)", WINE_CSSD),
    ("D:(D;;GA; ;;WD)", "D:(D;;GA;;;WD)", WINE_CSSD),
    ("D:(D;;GA;; ;WD)", "D:(D;;GA;;;WD)", WINE_CSSD),
    ("D:(D;;GA;;; WD)", "D:(D;;GA;;;WD)", WINE_CSSD),
    ("D:(D;;GA;;;WD )", "D:(D;;GA;;;WD)", WINE_CSSD),
    # rights: abbreviations and numbers (Wine CSSD "test ACE string access rights")
    ("D:(A;;1;;;WD)", "D:(A;;CC;;;WD)", WINE_CSSD),
    ("D:(A;;020000000000;;;WD)", "D:(A;;GR;;;WD)", WINE_CSSD),
    ("D:(A;;0X40000000;;;WD)", "D:(A;;GW;;;WD)", WINE_CSSD),
    ("D:(A;;GRGWGX;;;WD)", "D:(A;;GXGWGR;;;WD)", WINE_CSSD),
    ("D:(A;;RCSDWDWO;;;WD)", "D:(A;;SDRCWDWO;;;WD)", WINE_CSSD),
    ("D:(A;;RPWPCCDCLCSWLODTCR;;;WD)", "D:(A;;CCDCLCSWRPWPDTLOCR;;;WD)", WINE_CSSD),
    ("D:(A;;FAFRFWFX;;;WD)", "D:(A;;FA;;;WD)", WINE_CSSD),
    ("D:(A;;KAKRKWKX;;;WD)", "D:(A;;KA;;;WD)", WINE_CSSD),
    ("D:(A;;0xFFFFFFFF;;;WD)", "D:(A;;0xffffffff;;;WD)", WINE_CSSD),
    ("S:(AU;;0xFFFFFFFF;;;WD)", "S:(AU;;0xffffffff;;;WD)", WINE_CSSD),
    ("S:(AU;;0xDeAdBeEf;;;WD)", "S:(AU;;0xdeadbeef;;;WD)", WINE_CSSD),
    ("S:(AU;;GR0xFFFFFFFF;;;WD)", "S:(AU;;0xffffffff;;;WD)", WINE_CSSD),
    ("S:(AU;;0xFFFFFFFFGR;;;WD)", "S:(AU;;0xffffffff;;;WD)", WINE_CSSD),
    ("S:(AU;;0xFFFFFGR;;;WD)", "S:(AU;;0x800fffff;;;WD)", WINE_CSSD),
    ("D:(D;;GA;;;S-1-0-0)", "D:(D;;GA;;;S-1-0-0)", WINE_CSSD),
    ("D:P(A;;GRGW;;;BA)(A;;GRGW;;;S-1-5-21-0-0-0-1000)S:(ML;;NWNR;;;S-1-16-12288)",
     "D:P(A;;GWGR;;;BA)(A;;GWGR;;;S-1-5-21-0-0-0-1000)S:(ML;;NWNR;;;HI)", WINE_CSSD),
    ("D:", "D:", WINE_CSSD + " (empty DACL)"),
    ("S:", "S:", WINE_CSSD + " (empty SACL)"),
    # printed by Windows (Wine CSDS, POS)
    ("O:S-1-2-0", "O:S-1-2-0", WINE_CSDS + " (LOCAL has no alias)"),
    ("O:SY", "O:SY", WINE_CSDS),
    (f"O:SYG:{G}D:", f"O:SYG:{G}D:", WINE_CSDS),
    (f"O:SYG:{G}D:S:", f"O:SYG:{G}D:S:", WINE_CSDS),
    (f"O:SYG:{G}D:(A;NP;GAGXGWGR;;;SU)(A;IOID;CCDC;;;SU)(D;OICI;0xffffffff;;;{G})",
     f"O:SYG:{G}D:(A;NP;GAGXGWGR;;;SU)(A;IOID;CCDC;;;SU)(D;OICI;0xffffffff;;;{G})", WINE_CSDS),
    (f"O:SYG:{G}D:NO_ACCESS_CONTROLS:(AU;OICINPIOIDSAFA;CCDCLCSWRPRC;;;SU)(AU;NPSA;0x12019f;;;SU)",
     f"O:SYG:{G}D:NO_ACCESS_CONTROLS:(AU;OICINPIOIDSAFA;CCDCLCSWRPRC;;;SU)(AU;NPSA;0x12019f;;;SU)",
     WINE_CSDS + " (Vista+)"),
    (f"O:SYG:{G}D:(A;NP;GAGXGWGR;;;SU)(A;IOID;CCDC;;;SU)(D;OICI;0xffffffff;;;{G})"
     "S:(AU;OICINPIOIDSAFA;CCDCLCSWRPRC;;;SU)(AU;NPSA;0x12019f;;;SU)",
     f"O:SYG:{G}D:(A;NP;GAGXGWGR;;;SU)(A;IOID;CCDC;;;SU)(D;OICI;0xffffffff;;;{G})"
     "S:(AU;OICINPIOIDSAFA;CCDCLCSWRPRC;;;SU)(AU;NPSA;0x12019f;;;SU)", WINE_POS),
    # docs examples
    ("O:AOG:DAD:(A;;RPWPCCDCLCSWRCWDWOGA;;;S-1-0-0)", "O:AOG:DAD:(A;;CCDCLCSWRPWPRCWDWOGA;;;S-1-0-0)",
     DOCS_FORMAT + ", String 1"),
    ("D:(A;;RPWPCCDCLCSWRCWDWOGA;;;S-1-1-0)", "D:(A;;CCDCLCSWRPWPRCWDWOGA;;;WD)", DOCS_ACE + " example"),
    ("D:(OA;;CCDC;;;AO)", "D:(A;;CCDC;;;AO)", DOCS_ACE + ": OA without GUIDs becomes A"),
    ("D:P", "D:P", DOCS_DEVICE + ": SDDL_DEVOBJ_KERNEL_ONLY"),
    ("D:P(A;;GA;;;SY)", "D:P(A;;GA;;;SY)", DOCS_DEVICE + ": SDDL_DEVOBJ_SYS_ALL"),
    ("D:P(A;;GA;;;SY)(A;;GA;;;BA)", "D:P(A;;GA;;;SY)(A;;GA;;;BA)", DOCS_DEVICE + ": SYS_ALL_ADM_ALL"),
    ("D:P(A;;GA;;;SY)(A;;GRGWGX;;;BA)(A;;GR;;;WD)", "D:P(A;;GA;;;SY)(A;;GXGWGR;;;BA)(A;;GR;;;WD)",
     DOCS_DEVICE + ": SYS_ALL_ADM_RWX_WORLD_R"),
    ("D:P(A;;GA;;;SY)(A;;GRGWGX;;;BA)(A;;GR;;;WD)(A;;GR;;;RC)",
     "D:P(A;;GA;;;SY)(A;;GXGWGR;;;BA)(A;;GR;;;WD)(A;;GR;;;RC)", DOCS_DEVICE + ": ..._WORLD_R_RES_R"),
    ("D:(A;;CCLCSWRPWPDTLOCRRC;;;SY)(A;;CCDCLCSWRPWPDTLOCRSDRCWDWO;;;BA)(A;;CCLCSWLOCRRC;;;SU)",
     "D:(A;;CCLCSWRPWPDTLOCRRC;;;SY)(A;;CCDCLCSWRPWPDTLOCRSDRCWDWO;;;BA)(A;;CCLCSWLOCRRC;;;SU)",
     "docs: New-Service, SecurityDescriptorSddl example (service default, sc sdshow order)"),
    ("D:(A;;CCLCSWRPWPDTLOCRRC;;;SY)(A;;CCDCLCSWRPWPDTLOCRSDRCWDWO;;;BA)(A;;CCLCSWLOCRRC;;;AU)"
     "(A;;CCLCSWRPWPDTLOCRRC;;;PU)",
     "D:(A;;CCLCSWRPWPDTLOCRRC;;;SY)(A;;CCDCLCSWRPWPDTLOCRSDRCWDWO;;;BA)(A;;CCLCSWLOCRRC;;;AU)"
     "(A;;CCLCSWRPWPDTLOCRRC;;;PU)", "docs: reset Windows Update components (sc sdset bits)"),
    # mandatory labels
    ("S:(ML;;NW;;;LW)", "S:(ML;;NW;;;LW)", DOCS_ACE + ": mandatory label rights"),
    ("S:(ML;;NRNWNX;;;ME)", "S:(ML;;NWNRNX;;;ME)", "rule: label bits NW NR NX, low bit first"),
    ("S:(ML;OICI;NW;;;S-1-16-12288)", "S:(ML;OICI;NW;;;HI)", DOCS_ACE + " + docs: SID Strings (HI)"),
    ("S:(ML;;NW;;;LW)D:(A;;0x12019f;;;WD)", "D:(A;;0x12019f;;;WD)S:(ML;;NW;;;LW)",
     "MS-DTYP: sections print O G D S (input in S-first order, as Windows components write it)"),
    # ACL flags: P, AR, AI, and NULL / empty ACLs
    ("D:PAI(A;OICI;FA;;;SY)", "D:PAI(A;OICI;FA;;;SY)", DOCS_FORMAT),
    ("D:AIARP(A;;FA;;;SY)", "D:PARAI(A;;FA;;;SY)", "Windows event 4670 NewSd prints D:PARAI"),
    ("D:ARAI(A;OICIID;FA;;;WD)", "D:ARAI(A;OICIID;FA;;;WD)", "Windows event 4670 NewSd"),
    ("S:PAI(AU;SAFA;FA;;;WD)", "S:PAI(AU;SAFA;FA;;;WD)", DOCS_FORMAT + ": sacl_flags"),
    ("D:NO_ACCESS_CONTROL", "D:NO_ACCESS_CONTROL", DOCS_FORMAT + " + " + WINE_CSDS),
    ("D:PNO_ACCESS_CONTROL", "D:PNO_ACCESS_CONTROL", DOCS_FORMAT),
    ("S:NO_ACCESS_CONTROL", "S:NO_ACCESS_CONTROL", DOCS_FORMAT + ": sacl_flags"),
    # SIDs and aliases
    ("O:baG:syD:(A;;GA;;;wd)", "O:BAG:SYD:(A;;GA;;;WD)", "Wine SID: aliases in any case ('wD')"),
    ("O:s-1-5-18", "O:SY", "Wine SID: 's-1-12-1' reads; docs: SID Strings (SY)"),
    ("O:S-0x1-0X5-0x20-0x220", "O:BA", "Wine SID: 'S-0x1-0XC-0x1a' reads"),
    ("O:S-1-0x000100000000-1", "O:S-1-0x000100000000-1", "MS-DTYP 2.4.2.1: hex authority >= 2**32"),
    ("O:LAG:DUD:(A;;GA;;;DA)(A;;GR;;;S-1-5-21-397955417-626881126-188441444-513)",
     "O:LAG:DUD:(A;;GA;;;DA)(A;;GR;;;DU)", "docs: SID Strings (domain-relative aliases)"),
    ("G:SYO:BA", "O:BAG:SY", "MS-DTYP: sections print O G D S"),
    # ACE flags and rights printing
    ("D:(A;IOCIOI;GA;;;SY)", "D:(A;OICIIO;GA;;;SY)", "rule: ACE flags low bit first (Wine CSDS OICINPIOIDSAFA)"),
    ("S:(AU;FASACRIDIONPCIOI;GA;;;WD)", "S:(AU;OICINPIOIDCRSAFA;GA;;;WD)", DOCS_ACE + " + sddl.h SDDL_CRITICAL"),
    ("S:(AU;TP;GA;;;WD)", "S:(AU;SA;GA;;;WD)", "sddl.h SDDL_TRUST_PROTECTED_FILTER (bit 0x40 = SA)"),
    ("D:(A;;0777;;;WD)", "D:(A;;CCDCLCSWRPWPDTLOCR;;;WD)", "MS-DTYP: octal rights; " + ORDER),
    ("D:(A;;;;;WD)", "D:(A;;;;;WD)", "MS-DTYP: ace-rights may be empty"),
    ("D:(A;;FR;;;WD)(A;;FW;;;WD)(A;;FX;;;WD)(A;;KR;;;WD)(A;;KW;;;WD)(A;;KX;;;WD)",
     "D:(A;;FR;;;WD)(A;;FW;;;WD)(A;;FX;;;WD)(A;;KR;;;WD)(A;;KW;;;WD)(A;;KR;;;WD)",
     DOCS_ACE + ": KEY_EXECUTE equals KEY_READ, printed KR"),
    ("D:(A;;FRFX;;;BU)", "D:(A;;0x1200a9;;;BU)", "rule: no whole name, unnamed bits -> hex (Get-Acl 0x1200a9)"),
    ("D:(A;;0x1F01FF;;;BA)", "D:(A;;FA;;;BA)", "rule: whole-mask name FA (Get-Acl prints FA)"),
    # Samba python/samba/tests/sddl.py: strings run through the Windows API (windows-sddl-tests.c)
    ("D:(A;;0x100000000;;;WD)", "D:(A;;0xffffffff;;;WD)", SAMBA + ": wcstoul saturates"),
    ("D:(A;;4294967296;;;WD)", "D:(A;;0xffffffff;;;WD)", SAMBA + ": wcstoul saturates"),
    ("D:(A;;100000000000000000000000;;;WD)", "D:(A;;0xffffffff;;;WD)", SAMBA + ": wcstoul saturates"),
    ("D:(A;;-99;;;WD)", "D:(A;;0xffffff9d;;;WD)", SAMBA + ": a minus negates modulo 2**32"),
    ("D:(A;;-0xffffff55;;;WD)", "D:(A;;CCDCSWWPLO;;;WD)", SAMBA + ": a minus negates modulo 2**32"),
    ("D:(A;;-9876543210;;;WD)", "D:(A;;CC;;;WD)", SAMBA + ": saturate, then negate"),
    ("D:(A;;123456789;;;WD)", "D:(A;;0x75bcd15;;;WD)", SAMBA + ": decimal to hex"),
    ("D:(A;;01234567;;;WD)", "D:(A;;0x53977;;;WD)", SAMBA + ": octal to hex"),
    ("D:(A;;0xe00f0000;;;WD)", "D:(A;;SDRCWDWOGXGWGR;;;WD)", SAMBA + ": numbers to flags"),
    ("D:(a;;GA;;;WD)", "D:(A;;GA;;;WD)", SAMBA + ": ACE type in any case"),
    ("D:(A;;ga;;;WD)", "D:(A;;GA;;;WD)", SAMBA + ": rights in any case"),
    ("D:AI(A;CI;RP LCLO  RC;;;AU)", "D:AI(A;CI;LCRPLORC;;;AU)", SAMBA + ": spaces between rights"),
    ("D:PPPPPPPPPPPP(A;;GA;;;SY)", "D:P(A;;GA;;;SY)", SAMBA + ": repeated ACL flags"),
    ("D:(A;;GA;;;S-1-5-4294967296)", "D:(A;;GA;;;S-1-5-4294967295)", SAMBA + ": subauthority saturates"),
    ("D:(A;;GA;;;S-1-3-0x100000000-3-4)", "D:(A;;GA;;;S-1-3-4294967295-3-4)", SAMBA + ": hex subauthority saturates"),
    ("D:(A;;GA;;;S-1-5-21-0x1-0x2-0x3-513)", "D:(A;;GA;;;S-1-5-21-1-2-3-513)", SAMBA + ": hex subauthorities"),
    ("D:(A;;CC;;;S-0x1-0-0-579)", "D:(A;;CC;;;S-1-0-0-1401)", SAMBA + ": S-0x1- makes the rest hex"),
    ("O:S-0x1-20-0-579", "O:S-1-32-0-1401", SAMBA + ": S-0x1- makes the rest hex"),
    ("O:S-1-2-0x200D:", "O:S-1-2-512D:", SAMBA + ": the owner SID ends before D:"),
    ("O:S-1-2-0x2D:(A;;GA;;;WD)", "O:S-1-2-2D:(A;;GA;;;WD)", SAMBA + ": the owner SID ends before D:"),
    ("O:S- 1- 2-3", "O:S-1-2-3", SAMBA + ": blanks before revision and authority"),
    ("  O:AA G:WD ", "O:AAG:WD", SAMBA + ": blanks around sections"),
    ("D:(A;;GA;; ;S-1-3-4)", "D:(A;;GA;;;OW)", SAMBA + ": blank in an empty GUID field"),
    ("D:(OA;;CR;1131f6aa-9c07-11d1-f79f-00c04fc2dcd2;;ED)", "D:(OA;;CR;1131f6aa-9c07-11d1-f79f-00c04fc2dcd2;;ED)",
     SAMBA + ": object ACE, GUIDs printed in lower case"),
    ("D:(OA;CIIO;RP;037088f8-0ae1-11d2-b422-00a0c968f939;4828CC14-1437-45bc-9B07-AD6F015E5F28;RU)",
     "D:(OA;CIIO;RP;037088f8-0ae1-11d2-b422-00a0c968f939;4828cc14-1437-45bc-9b07-ad6f015e5f28;RU)",
     SAMBA + ": both GUIDs"),
    ("S:AI(OU;CIIDSA;WP;f30e3bbe-9ff0-11d1-b603-0000f80367c1;bf967aa5-0de6-11d0-a285-00aa003049e2;WD)",
     "S:AI(OU;CIIDSA;WP;f30e3bbe-9ff0-11d1-b603-0000f80367c1;bf967aa5-0de6-11d0-a285-00aa003049e2;WD)",
     SAMBA + ": object audit ACE"),
    ("O:DAG:DAD:(A;;RPWPCCDCLCRCWOWDSDSW;;;SY)(OA;;CCDC;bf967aba-0de6-11d0-a285-00aa003049e2;;AO)",
     "O:DAG:DAD:(A;;KA;;;SY)(OA;;CCDC;bf967aba-0de6-11d0-a285-00aa003049e2;;AO)",
     DOCS_FORMAT + ", String 2"),
    ("D:(OD;;CR;00299570-246d-11d0-a768-00aa006e0529;;WD)", "D:(OD;;CR;00299570-246d-11d0-a768-00aa006e0529;;WD)",
     DOCS_ACE + ": Reset password GUID"),
]

# (malformed SDDL, 0-based position of the problem, Win32 error, source)
MALFORMED = [
    ("ERROR:(D;;GA;;;WD)", 0, 87, WINE_CSSD),
    ("D:(D ;;GA;;;WD)", 4, 1336, WINE_CSSD + " (Vista+: ERROR_INVALID_ACL)"),
    ("D:(D;;GA ;;;WD)", 8, 1336, WINE_CSSD),
    ("D:(A;;ROB;;;WD)", 6, 1336, WINE_CSSD),
    ("D:(D;;GA;;;WDANDSUCH)", 13, 1336, WINE_CSSD),
    ("D:(D;;GA;;;Nonexistent account)", 13, 1336, WINE_CSSD),
    ("D:(A;;GA;;;XX)", 11, 1336, "docs: SID Strings (unknown alias)"),
    ("D:(A;;GA;;;WD", 13, 1336, "MS-DTYP: ace ends with ')' (truncated)"),
    ("D:(A;;GA", 8, 1336, "MS-DTYP: ace has six fields (truncated)"),
    ("D:(A;;0xZZ;;;WD)", 7, 1336, "MS-DTYP: hex digits after 0x"),
    ("d:(a;;ga;;;wd)", 0, 87, "Samba sddl tests (checked on Windows): section tags are upper case"),
    ("D:(A;;GA;;;S-1-3-4 )", 18, 1336, SAMBA + ": no blank after a string SID"),
    ("D:(A;;RP ;;;LG)", 8, 1336, SAMBA + ": blanks may not end the rights"),
    ("D:(A;;GA;;;S-1-0x1313131313131-513)", 11, 1336, SAMBA + ": a 48-bit authority"),
    ("D:(A;;0x 75bcd15;;;LG)", 7, 1336, SAMBA + ": no blank inside a number"),
    ("D:AI(A;CI;RP LC\tLORC;;;AU)", 15, 1336, SAMBA + ": only spaces between rights"),
    ("O:S-0x1-", 8, 1337, SAMBA + ": incomplete SID"),
    ("D:(A;XX;GA;;;WD)", 5, 1336, DOCS_ACE + ": ace_flags"),
    ("D:(A;O;GA;;;WD)", 5, 1336, DOCS_ACE + ": ace_flags are two letters"),
    ("D:(A;OI ;GA;;;WD)", 7, 1336, WINE_CSSD + " (blank after a token, like 'GA ;')"),
    ("D:(\tA;;GA;;;WD)", 3, 1336, WINE_CSSD + " (only spaces are skipped)"),
    ("D:(Q;;GA;;;WD)", 3, 1336, DOCS_ACE + ": ace_type"),
    ("D:Q(A;;GA;;;WD)", 2, 1336, DOCS_FORMAT + ": dacl_flags P, AR, AI"),
    ("D:(A;;GA;;;WD)X", 14, 1336, "MS-DTYP: aces = *ace"),
    ("D(A;;GA;;;WD)", 0, 87, "MS-DTYP: dacl-string = \"D:\" ..."),
    ("O:", 2, 1337, "MS-DTYP: owner-string = \"O:\" sid-string"),
    ("O:S-1-5", 7, 1337, "Wine SID: 'S-1-5' fails with ERROR_INVALID_SID"),
    ("O:S-2-5-18", 4, 1337, "MS-DTYP 2.4.2.1: revision 1"),
    ("O:S-1-5" + "-1" * 16, 2, 1337, "MS-DTYP 2.4.2.1: at most 15 subauthorities"),
    ("O:BAO:SY", 4, 87, "MS-DTYP: each section once"),
    ("O:DA", 2, 1337, "docs: SID Strings (DA is domain-relative; no domain given to parse_sddl)"),
    ("D:NO_ACCESS_CONTROL(A;;GA;;;WD)", 19, 1336, DOCS_FORMAT + ": a NULL ACL has no ACEs"),
    ("D:(A;;GA;bf967aba-0de6-11d0-a285-00aa003049e2;;WD)", 9, 1336, DOCS_ACE + ": object_guid is for object ACEs"),
    ("D:(OA;;CC;not-a-guid;;AO)", 10, 1336, DOCS_ACE + ": GUIDs in UuidToString form"),
    ("S:(ML;;NW;;;LW", 14, 1336, "MS-DTYP: ace ends with ')' (truncated)"),
]

# (valid SDDL that tokenlab does not model, position of the ACE type, source)
NOT_MODELLED = [
    ("S:(AL;SA;GA;;;WD)", 3, DOCS_ACE + ": SDDL_ALARM"),
    ("D:(XA;;FA;;;WD;(Member_of {SID(BA)}))", 3, "docs: SDDL for Conditional ACEs"),
    ("D:(XD;;FA;;;WD;(Member_of {SID(BG)}))", 3, "docs: SDDL for Conditional ACEs"),
    ("S:(XU;SA;FA;;;WD;(Member_of {SID(BA)}))", 3, DOCS_ACE + ": SDDL_CALLBACK_AUDIT"),
    ("D:(ZA;;CR;;;WD;(Member_of {SID(BA)}))", 3, DOCS_ACE + ": SDDL_CALLBACK_OBJECT_ACCESS_ALLOWED"),
    ('S:(RA;CI;;;;S-1-1-0;("Secrecy",TU,0,3))', 3, DOCS_ACE + ": resource attribute example"),
    ("S:(SP;;;;;S-1-17-1)", 3, "MS-DTYP: central-policy-ace"),
    ("S:(TL;;0x200;;;S-1-19-512-8192)", 3, "sddl.h SDDL_PROCESS_TRUST_LABEL"),
]


def _id(row):
    return repr(row[0])[:40]


@pytest.mark.parametrize("text, canonical, source", CANONICAL, ids=[_id(r) for r in CANONICAL])
def test_windows_reads_and_prints(text, canonical, source):
    sd = parse_sddl(text, DOMAIN)
    assert format_sddl(sd, DOMAIN) == canonical, source
    assert parse_sddl(canonical, DOMAIN) == sd, "the printed form means the same descriptor"


@pytest.mark.parametrize("text, position, winerror, source", MALFORMED, ids=[_id(r) for r in MALFORMED])
def test_malformed_sddl_names_the_position(text, position, winerror, source):
    with pytest.raises(SDDLError) as info:
        parse_sddl(text)
    err = info.value
    assert not isinstance(err, SDDLNotModelledError), source
    assert (err.position, err.winerror) == (position, winerror), f"{source}: {err}"
    assert f"position {position}" in str(err) and err.expected in str(err)


@pytest.mark.parametrize("text, position, source", NOT_MODELLED, ids=[_id(r) for r in NOT_MODELLED])
def test_valid_but_not_modelled_ace_types_say_so(text, position, source):
    with pytest.raises(SDDLNotModelledError, match="not modelled") as info:
        parse_sddl(text, DOMAIN)
    assert info.value.position == position, source


def test_the_table_is_big_enough():
    assert len(CANONICAL) + len(MALFORMED) + len(NOT_MODELLED) >= 60


# ---------------------------------------------------------------- values behind the strings

@pytest.mark.parametrize("rights, mask", [  # Wine CSSD ace_Mask column, and winnt.h values
    ("GA", 0x10000000), ("GR", 0x80000000), ("GW", 0x40000000), ("GX", 0x20000000),
    ("RC", 0x00020000), ("SD", 0x00010000), ("WD", 0x00040000), ("WO", 0x00080000),
    ("RP", 0x10), ("WP", 0x20), ("CC", 0x1), ("DC", 0x2), ("LC", 0x4), ("SW", 0x8),
    ("LO", 0x80), ("DT", 0x40), ("CR", 0x100),
    ("FA", 0x001F01FF), ("FR", 0x00120089), ("FW", 0x00120116), ("FX", 0x001200A0),
    ("KA", 0x000F003F), ("KR", 0x00020019), ("KW", 0x00020006), ("KX", 0x00020019),
    ("NW", 0x1), ("NR", 0x2), ("NX", 0x4),
    ("1", 1), ("020000000000", 0x80000000), ("0X40000000", 0x40000000),
    ("GRGWGX", 0xE0000000), ("RCSDWDWO", 0x000F0000), ("RPWPCCDCLCSWRCWDWOGA", 0x100E003F),
    ("0xFFFFFGR", 0x800FFFFF), ("0", 0), ("4294967295", 0xFFFFFFFF), ("037777777777", 0xFFFFFFFF),
])
def test_every_rights_abbreviation_and_number_form(rights, mask):
    assert parse_sddl(f"D:(A;;{rights};;;WD)").dacl[0].mask == mask


def test_docs_string_1_in_full():
    # docs "Security Descriptor String Format", String 1 and its dump.
    sd = parse_sddl("O:AOG:DAD:(A;;RPWPCCDCLCSWRCWDWOGA;;;S-1-0-0)", DOMAIN)
    assert sd.owner == SID("S-1-5-32-548")
    assert sd.group == SID("S-1-5-21-397955417-626881126-188441444-512")
    assert sd.control == SDControl.SE_DACL_PRESENT
    assert sd.dacl == ACL([ACE.allow("S-1-0-0", 0x100E003F)])
    assert security_descriptor_length(sd) == 20 + 16 + 28 + 0x1C  # DACL Size: 0x001c


def test_docs_string_2_minus_its_object_aces():
    # docs "Security Descriptor String Format", String 2: ACE masks 0x000f003f, 0x00020014,
    # SACL flags 0xc0 and mask 0x000d002b.
    sd = parse_sddl("O:DAG:DAD:(A;;RPWPCCDCLCRCWOWDSDSW;;;SY)(A;;RPWPCCDCLCRCWOWDSDSW;;;DA)"
                    "(A;;RPLCRC;;;AU)S:(AU;SAFA;WDWOSDWPCCDCSW;;;WD)", DOMAIN)
    assert [a.mask for a in sd.dacl] == [0x000F003F, 0x000F003F, 0x00020014]
    assert (sd.sacl[0].flags, sd.sacl[0].mask) == (0xC0, 0x000D002B)
    assert sd.control == SDControl.SE_DACL_PRESENT | SDControl.SE_SACL_PRESENT


def test_dacl_states_null_empty_absent():
    assert parse_sddl("D:NO_ACCESS_CONTROL").dacl_state == "null"
    assert parse_sddl("D:").dacl_state == "empty"
    assert parse_sddl("O:SY").dacl_state == "absent"
    assert parse_sddl("S:NO_ACCESS_CONTROL").sacl_state == "null"


def test_acl_flags_go_to_the_acl_they_follow():
    sd = parse_sddl("D:PAR(A;;GA;;;WD)S:AI")
    assert sd.control == (SDControl.SE_DACL_PRESENT | SDControl.SE_SACL_PRESENT | SDControl.SE_DACL_PROTECTED
                          | SDControl.SE_DACL_AUTO_INHERIT_REQ | SDControl.SE_SACL_AUTO_INHERITED)


def test_sizes_match_windows():
    # Wine CSSD: "D:" and "S:" are SECURITY_DESCRIPTOR_RELATIVE (20) + ACL (8).
    assert security_descriptor_length(parse_sddl("D:")) == 28
    assert security_descriptor_length(parse_sddl("S:")) == 28
    assert security_descriptor_length(parse_sddl("")) == 20
    assert security_descriptor_length(parse_sddl("D:NO_ACCESS_CONTROL")) == 20


# ---------------------------------------------------------------- choosing what to print

SD_FULL = parse_sddl(f"O:SYG:{G}D:P(A;;GA;;;SY)S:AI(AU;SA;GA;;;WD)(ML;;NW;;;LW)")


@pytest.mark.parametrize("info, expected", [
    (OWNER_SECURITY_INFORMATION, "O:SY"),
    (GROUP_SECURITY_INFORMATION, f"G:{G}"),  # Wine CSDS
    (DACL_SECURITY_INFORMATION, "D:P(A;;GA;;;SY)"),
    (SACL_SECURITY_INFORMATION, "S:AI(AU;SA;GA;;;WD)(ML;;NW;;;LW)"),
    (LABEL_SECURITY_INFORMATION, "S:AI(ML;;NW;;;LW)"),
    (OWNER_SECURITY_INFORMATION | DACL_SECURITY_INFORMATION, "O:SYD:P(A;;GA;;;SY)"),
    (0, ""),
])
def test_security_information_selects_sections(info, expected):
    assert format_sddl(SD_FULL, info=info) == expected


def test_label_information_without_labels_prints_no_sacl():
    assert format_sddl(parse_sddl("S:(AU;SA;GA;;;WD)"), info=LABEL_SECURITY_INFORMATION) == ""


def test_absent_owner_and_dacl_print_nothing():
    assert format_sddl(SecurityDescriptor()) == ""  # Wine CSDS: a fresh descriptor prints ""
    assert format_sddl(SecurityDescriptor(dacl=NULL_ACL)) == "D:NO_ACCESS_CONTROL"
    assert format_sddl(SecurityDescriptor(dacl=ACL(), control=SDControl.SE_DACL_PROTECTED)) == "D:P"


@pytest.mark.parametrize("mask, label, text", [
    (0, False, ""), (0xF0000000, False, "GAGXGWGR"), (3, False, "CCDC"),  # Wine CSDS
    (0x2001F, False, "CCDCLCSWRPRC"), (0x12019F, False, "0x12019f"),     # Wine CSDS (KEY_READ|KEY_WRITE ...)
    (0x1F01FF, False, "FA"), (0x20019, False, "KR"), (0xF003F, False, "KA"),
    (1, True, "NW"), (7, True, "NWNRNX"), (0x10, True, "0x10"), (1, False, "CC"),
])
def test_rights_printing_rule(mask, label, text):
    assert format_rights(mask, label=label) == text


def test_single_aces_both_ways():
    ace = ACE(AceType.ACCESS_DENIED_ACE_TYPE, AceFlags(0x03), 0xFFFFFFFF, SID(G))
    assert format_ace(ace) == f"(D;OICI;0xffffffff;;;{G})"
    assert parse_ace(format_ace(ace)) == ace
    assert [name for name, _ in ACE_FLAGS] == ["OI", "CI", "NP", "IO", "ID", "CR", "SA", "FA"]
    with pytest.raises(SDDLError) as info:
        parse_ace("(A;;GA;;;WD)(")
    assert info.value.position == 12


def test_types_are_checked():
    with pytest.raises(TypeError, match="expects str"):
        parse_sddl(None)
    with pytest.raises(TypeError, match="expects SecurityDescriptor"):
        format_sddl("D:")
    with pytest.raises(TypeError, match="domain must be SID"):
        parse_sddl("O:DA", domain="S-1-5-21-1-2-3")


@pytest.mark.parametrize("ace", ["(A;;;;;DU)", "(A;;GA;;;S-1-5-21-1-2-3-4-5-6-7-8-9-10-11-12-13-14)",
                                 "( A;;GA;;;DU)"])
def test_acl_size_limit_is_checked_on_every_path(ace):
    """AclSize is 16 bits: the largest ACL that fits reads, one more ACE fails with
    ERROR_INVALID_ACL at the ACL's start (fast path, numeric SIDs and the full parser)."""
    domain = SID("S-1-5-21-1-2-3-4-5-6-7-8-9-10-11-12-13")
    size = parse_sddl("D:" + ace, domain).dacl.size - 8
    fits = (0xFFFF - 8) // size
    assert parse_sddl("D:" + ace * fits, domain).dacl.size == 8 + fits * size
    with pytest.raises(SDDLError) as info:
        parse_sddl("D:" + ace * (fits + 1), domain)
    assert info.value.position == 2 and info.value.winerror == 1336
