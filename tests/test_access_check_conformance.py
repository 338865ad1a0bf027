"""AccessCheck conformance: one row per documented behaviour, each with its source.

Sources: [MS-DTYP] 2.5.3.2 "Access Check Algorithm Pseudocode"; Microsoft docs pages by
title; Wine's dlls/advapi32/tests/security.c test functions (they run against real
Windows); Forshaw, *Windows Security Internals*, ch. 7 (listing numbers).
"""
from __future__ import annotations

from dataclasses import dataclass, field

import pytest

from tokenlab.security.rights import MAXIMUM_ALLOWED
from tokenlab.security.access_check import access_check, map_generic
from tokenlab.security.acl import ACE, ACL, NULL_ACL
from tokenlab.security.descriptor import SecurityDescriptor
from tokenlab.security.errors import ErrorCode
from tokenlab.security.rights import (
    FILE_MAPPING, KEY_MAPPING, PROCESS_MAPPING, TOKEN_MAPPING, FileAccess, KeyAccess, ProcessAccess, TokenAccess,
)
from tokenlab.security.sids import SID
from tokenlab.security.tokenattrs import SecurityImpersonationLevel as Level
from tokenlab.kernel.token import Token
from tokenlab.security.tokenattrs import TokenType

OK, DENIED, NOPRIV = ErrorCode.ERROR_SUCCESS, ErrorCode.ERROR_ACCESS_DENIED, ErrorCode.ERROR_PRIVILEGE_NOT_HELD

ALICE = "S-1-5-21-1111-2222-3333-1001"
BOB = "S-1-5-21-1111-2222-3333-1002"
WD, AU, BU, BA, SY = "S-1-1-0", "S-1-5-11", "S-1-5-32-545", "S-1-5-32-544", "S-1-5-18"
OW, CO, PS, RC_SID = "S-1-3-4", "S-1-3-0", "S-1-5-10", "S-1-5-12"
LOW, MEDIUM, HIGH = "S-1-16-4096", "S-1-16-8192", "S-1-16-12288"
ENABLED, DENY_ONLY, DISABLED = 0x7, 0x10, 0x0

T = TokenAccess
Q, D, IMP, QS = int(T.TOKEN_QUERY), int(T.TOKEN_DUPLICATE), int(T.TOKEN_IMPERSONATE), int(T.TOKEN_QUERY_SOURCE)
ADJ_DEFAULT = int(T.TOKEN_ADJUST_DEFAULT)
READ_CONTROL, WRITE_DAC, WRITE_OWNER, DELETE = 0x20000, 0x40000, 0x80000, 0x10000
ASS, GENERIC_READ, GENERIC_ALL = 0x01000000, 0x80000000, 0x10000000
KEY_READ, KEY_WRITE, KEY_SET_VALUE = int(KeyAccess.KEY_READ), int(KeyAccess.KEY_WRITE), int(KeyAccess.KEY_SET_VALUE)
KEY_ALL = int(KeyAccess.KEY_ALL_ACCESS)
NW, NR, NX = 0x1, 0x2, 0x4

DTYP = "MS-DTYP 2.5.3.2"
DACL_DOC = 'docs "How DACLs Control Access to an Object"'
SIDATTR_DOC = 'docs "SID Attributes in an Access Token"'
MIC_DOC = 'docs "Mandatory Integrity Control"'
RESTRICTED_DOC = 'docs "Restricted Tokens"'
WINE_AC = "Wine test_AccessCheck"
FORSHAW = "Windows Security Internals ch. 7"


def tok(*groups, user=ALICE, privileges=(), user_attributes=0, **kw) -> Token:
    """Alice with Everyone, Authenticated Users and Users enabled, plus ``groups``."""
    base = [(WD, ENABLED), (AU, ENABLED), (BU, ENABLED)]
    return Token(user, groups=base + list(groups), privileges=privileges,
                 user_attributes=user_attributes, **kw)


def sd(*aces, owner=SY, group=SY, dacl="entries", label=None) -> SecurityDescriptor:
    """A descriptor owned by SYSTEM; ``dacl`` is 'entries' (the given ACEs), 'absent' or 'null'."""
    d = {"entries": ACL(aces), "absent": None, "null": NULL_ACL}[dacl]
    sacl = ACL([ACE.label(label[0], label[1])]) if label else None
    return SecurityDescriptor(owner=SID(owner) if owner else None, group=SID(group) if group else None,
                              dacl=d, sacl=sacl)


@dataclass
class Case:
    id: str
    source: str
    sd: SecurityDescriptor
    token: Token
    desired: int
    granted: int
    status: ErrorCode
    mapping: object = TOKEN_MAPPING
    kwargs: dict = field(default_factory=dict)
    deciding: dict | None = None        # expected result.deciding_aces()
    says: tuple[str, ...] = ()          # phrases str(result) must contain


EVERYONE_Q = ACE.allow(WD, Q)
WINE_DACL = (ACE.allow(WD, KEY_READ), ACE.deny(BA, KEY_SET_VALUE))

CASES = [
    # -- 1. the call itself -----------------------------------------------------------
    Case("primary-token", WINE_AC, sd(EVERYONE_Q), tok(token_type=TokenType.TokenPrimary), Q, 0,
         ErrorCode.ERROR_NO_IMPERSONATION_TOKEN, says=("primary token",)),
    Case("anonymous-level", WINE_AC, sd(EVERYONE_Q), tok(impersonation_level=Level.SecurityAnonymous),
         MAXIMUM_ALLOWED, 0, ErrorCode.ERROR_BAD_IMPERSONATION_LEVEL),
    Case("identification-level-works", "BEHAVIOR.md (Wine test_AccessCheck)", sd(EVERYONE_Q),
         tok(impersonation_level=Level.SecurityIdentification), Q, Q, OK),
    Case("sd-without-owner", WINE_AC, sd(EVERYONE_Q, owner=None), tok(), Q, 0,
         ErrorCode.ERROR_INVALID_SECURITY_DESCR),
    Case("sd-without-group", WINE_AC, sd(EVERYONE_Q, group=None), tok(), Q, 0,
         ErrorCode.ERROR_INVALID_SECURITY_DESCR),
    Case("generic-not-mapped", WINE_AC, sd(*WINE_DACL), tok(), GENERIC_READ, 0,
         ErrorCode.ERROR_GENERIC_NOT_MAPPED, KEY_MAPPING, says=("MapGenericMask",)),
    Case("map-generic-keyword", 'docs "MapGenericMask function"', sd(*WINE_DACL), tok(), GENERIC_READ,
         KEY_READ, OK, KEY_MAPPING, {"map_generic": True}),
    Case("desired-zero-denied", "BEHAVIOR.md; ReactOS SepAccessCheck (no access, none previously granted)",
         sd(dacl="null"), tok(), 0, 0, DENIED, says=("asks for nothing",)),
    # -- 2. DACL states ---------------------------------------------------------------
    Case("no-dacl-grants", WINE_AC + " (sd with no dacl present)", sd(dacl="absent"), tok(), KEY_READ,
         KEY_READ, OK, KEY_MAPPING),
    Case("null-dacl-grants", WINE_AC + " (sd with NULL dacl)", sd(dacl="null"), tok(), KEY_READ, KEY_READ, OK,
         KEY_MAPPING, says=("NULL DACL",)),
    Case("null-dacl-max-is-generic-all", WINE_AC + '; docs "SeAccessCheck function"', sd(dacl="null"), tok(),
         MAXIMUM_ALLOWED, KEY_ALL, OK, KEY_MAPPING),
    Case("empty-dacl-denies", WINE_AC + " (sd with blank dacl)", sd(), tok(), KEY_READ, 0, DENIED, KEY_MAPPING),
    Case("empty-dacl-owner-implied", DTYP + " (empty DACL: only the owner's implied access)", sd(owner=ALICE),
         tok(), READ_CONTROL | WRITE_DAC, READ_CONTROL | WRITE_DAC, OK, says=("own the object",)),
    Case("empty-dacl-owner-max", DTYP, sd(owner=ALICE), tok(), MAXIMUM_ALLOWED, READ_CONTROL | WRITE_DAC, OK),
    Case("wine-dacl-read", WINE_AC + " (sd with dacl)", sd(*WINE_DACL), tok((BA, ENABLED)), KEY_READ, KEY_READ,
         OK, KEY_MAPPING, deciding={0: "granted"}),
    Case("wine-dacl-write-denied", WINE_AC + " (Access denied by SD)", sd(*WINE_DACL), tok((BA, ENABLED)),
         KEY_WRITE, 0, DENIED, KEY_MAPPING, deciding={0: "granted", 1: "denied"}, says=("Stopped at ACE 1",)),
    # -- 3. order and the per-bit walk --------------------------------------------------
    Case("deny-before-allow", DACL_DOC, sd(ACE.deny(ALICE, Q), ACE.allow(WD, Q)), tok(), Q, 0, DENIED,
         deciding={0: "denied"}),
    Case("allow-before-deny-wins", DACL_DOC + " (order matters)", sd(ACE.allow(WD, Q), ACE.deny(ALICE, Q)),
         tok(), Q, Q, OK, deciding={0: "granted"}),
    Case("bits-from-several-aces", DACL_DOC, sd(ACE.allow(WD, Q), ACE.allow(BU, D)), tok(), Q | D, Q | D, OK,
         deciding={0: "granted", 1: "granted"}),
    Case("all-or-nothing", DTYP, sd(ACE.allow(WD, Q)), tok(), Q | D, 0, DENIED, says=("No ACE granted TOKEN_DUPLICATE",)),
    Case("deny-of-unrequested-bit-ignored", DTYP, sd(ACE.deny(WD, D), ACE.allow(WD, Q)), tok(), Q, Q, OK),
    Case("partial-grant-then-deny", DTYP, sd(ACE.allow(WD, Q), ACE.deny(WD, Q | D), ACE.allow(WD, D)), tok(),
         Q | D, 0, DENIED, deciding={0: "granted", 1: "denied"}),
    Case("max-deny-then-allow", DTYP + " (MAXIMUM_ALLOWED mode)", sd(ACE.deny(WD, D), ACE.allow(WD, Q | D)),
         tok(), MAXIMUM_ALLOWED, Q, OK),
    Case("max-allow-then-deny-keeps-bit", "ReactOS SepAnalyzeAcesFromDacl; BEHAVIOR.md (Wine differs)",
         sd(ACE.allow(WD, Q | D), ACE.deny(WD, D)), tok(), MAXIMUM_ALLOWED, Q | D, OK),
    Case("max-with-explicit-bit-missing", DTYP + ' ; docs "AccessCheck function"', sd(ACE.allow(WD, Q)), tok(),
         MAXIMUM_ALLOWED | D, 0, DENIED),
    Case("max-with-explicit-bit-granted", DTYP, sd(ACE.allow(WD, Q | D)), tok(), MAXIMUM_ALLOWED | D, Q | D, OK),
    Case("max-nothing-granted", DTYP, sd(ACE.allow(BOB, Q)), tok(), MAXIMUM_ALLOWED, 0, DENIED),
    # -- 4. SID matching ----------------------------------------------------------------
    Case("deny-only-ignores-allow", SIDATTR_DOC + " (SE_GROUP_USE_FOR_DENY_ONLY)", sd(ACE.allow(BA, Q)),
         tok((BA, DENY_ONLY)), Q, 0, DENIED, says=("is a group in the token but deny-only",)),
    Case("deny-only-matches-deny", SIDATTR_DOC, sd(ACE.deny(BA, Q), ACE.allow(WD, Q)), tok((BA, DENY_ONLY)),
         Q, 0, DENIED, deciding={0: "denied"}, says=("deny-only: it matches deny ACEs only",)),
    Case("disabled-group-ignores-allow", SIDATTR_DOC + " (SE_GROUP_ENABLED)", sd(ACE.allow(BA, Q)),
         tok((BA, DISABLED)), Q, 0, DENIED),
    Case("disabled-group-ignores-deny", SIDATTR_DOC, sd(ACE.deny(BA, Q), ACE.allow(WD, Q)), tok((BA, DISABLED)),
         Q, Q, OK, deciding={1: "granted"}),
    Case("deny-only-user", 'docs "CreateRestrictedToken function" (SidsToDisable)', sd(ACE.allow(ALICE, Q)),
         tok(user_attributes=DENY_ONLY), Q, 0, DENIED),
    Case("inherit-only-allow-skipped", WINE_AC + " (INHERIT_ONLY_ACE)", sd(ACE.allow(WD, KEY_READ, 0x08)), tok(),
         KEY_READ, 0, DENIED, KEY_MAPPING),
    Case("inherit-only-deny-skipped", DTYP, sd(ACE.deny(WD, Q, 0x0B), ACE.allow(WD, Q)), tok(), Q, Q, OK,
         deciding={1: "granted"}),
    Case("creator-owner-matches-nobody", 'docs "Well-known SIDs" (CREATOR OWNER placeholder)',
         sd(ACE.allow(CO, Q), owner=ALICE), tok(), Q, 0, DENIED, says=("inheritance placeholder",)),
    Case("principal-self-without-principal", 'docs "AccessCheckByType function" (PrincipalSelfSid)',
         sd(ACE.allow(PS, Q)), tok(), Q, 0, DENIED, says=("only AccessCheckByType supplies",)),
    Case("generic-bits-in-ace-not-mapped", 'Stack Overflow "Why is AccessCheck not applying GenericMapping to the DACL"',
         sd(ACE.allow(WD, GENERIC_ALL)), tok(), Q, 0, DENIED, says=("which AccessCheck does not map",)),
    # -- 5. owner --------------------------------------------------------------------------
    Case("owner-implied-read-control", DTYP, sd(ACE.allow(BOB, Q), owner=ALICE), tok(), READ_CONTROL,
         READ_CONTROL, OK),
    Case("owner-implied-beats-deny", DTYP + " (owner rights precede the DACL walk)",
         sd(ACE.deny(ALICE, WRITE_DAC), owner=ALICE), tok(), WRITE_DAC, WRITE_DAC, OK),
    Case("owner-implied-not-write-owner", DTYP, sd(owner=ALICE), tok(), WRITE_OWNER, 0, DENIED),
    Case("owner-via-enabled-group", DTYP + " (SidInToken)", sd(owner=BA), tok((BA, ENABLED)), WRITE_DAC,
         WRITE_DAC, OK),
    Case("owner-group-deny-only", SIDATTR_DOC, sd(owner=BA), tok((BA, DENY_ONLY)), WRITE_DAC, 0, DENIED),
    Case("owner-rights-replaces-implied", 'docs "Well-known SIDs" (OWNER RIGHTS); ' + FORSHAW + " listing 7-14",
         sd(ACE.allow(OW, READ_CONTROL), owner=ALICE), tok(), READ_CONTROL | WRITE_DAC, 0, DENIED),
    Case("owner-rights-grants-to-owner", FORSHAW + " (Get-AceSid)", sd(ACE.allow(OW, READ_CONTROL | Q), owner=ALICE),
         tok(), Q | READ_CONTROL, Q | READ_CONTROL, OK, deciding={0: "granted"}, says=("OWNER RIGHTS",)),
    Case("owner-rights-max", FORSHAW, sd(ACE.allow(OW, READ_CONTROL), ACE.allow(WD, Q), owner=ALICE), tok(),
         MAXIMUM_ALLOWED, READ_CONTROL | Q, OK),
    Case("owner-rights-not-for-others", FORSHAW, sd(ACE.allow(OW, Q), owner=BOB), tok(), Q, 0, DENIED),
    Case("owner-rights-inherit-only-ignored", 'docs "Well-known SIDs" (OWNER RIGHTS)',
         sd(ACE.allow(OW, READ_CONTROL, 0x0B), owner=ALICE), tok(), WRITE_DAC, WRITE_DAC, OK),
    # -- 6. privileges -----------------------------------------------------------------------
    Case("sacl-access-without-privilege", WINE_AC + " (ERROR_PRIVILEGE_NOT_HELD)", sd(*WINE_DACL), tok(), ASS, 0,
         NOPRIV, KEY_MAPPING, says=("not in the token",)),
    Case("sacl-access-with-privilege", WINE_AC + " (PrivilegeCount == 1)", sd(*WINE_DACL),
         tok(privileges={"SeSecurityPrivilege": True}), ASS, ASS, OK, KEY_MAPPING),
    Case("sacl-access-privilege-disabled", WINE_AC, sd(*WINE_DACL), tok(privileges={"SeSecurityPrivilege": False}),
         ASS, 0, NOPRIV, KEY_MAPPING, says=("present but not enabled",)),
    Case("sacl-access-not-from-ace", FORSHAW + " listing 7-13", sd(ACE.allow(WD, ASS | Q)), tok(), ASS | Q, 0, NOPRIV),
    Case("take-ownership", 'docs "SeAccessCheck function"', sd(), tok(privileges={"SeTakeOwnershipPrivilege": True}),
         WRITE_OWNER, WRITE_OWNER, OK),
    Case("take-ownership-beats-deny", DTYP, sd(ACE.deny(WD, WRITE_OWNER)),
         tok(privileges={"SeTakeOwnershipPrivilege": True}), WRITE_OWNER, WRITE_OWNER, OK),
    Case("take-ownership-disabled", DTYP, sd(), tok(privileges={"SeTakeOwnershipPrivilege": False}), WRITE_OWNER, 0,
         DENIED),
    Case("max-does-no-privilege-check", 'docs "SeAccessCheck function" (privileges only when named)',
         sd(ACE.allow(WD, Q)), tok(privileges={"SeTakeOwnershipPrivilege": True}), MAXIMUM_ALLOWED, Q, OK),
    # -- 7. mandatory integrity --------------------------------------------------------------
    Case("unlabelled-low-cannot-write", MIC_DOC + " (unlabelled = Medium)", sd(ACE.allow(WD, KEY_ALL)),
         tok(integrity_level=LOW), KEY_SET_VALUE, 0, DENIED, KEY_MAPPING, says=("counts as Medium",)),
    Case("unlabelled-low-can-read", MIC_DOC, sd(ACE.allow(WD, KEY_ALL)), tok(integrity_level=LOW), KEY_READ,
         KEY_READ, OK, KEY_MAPPING),
    Case("null-dacl-still-no-write-up", MIC_DOC + " (before the DACL)", sd(dacl="null"), tok(integrity_level=LOW),
         KEY_SET_VALUE, 0, DENIED, KEY_MAPPING),
    Case("no-read-up", MIC_DOC + " (SYSTEM_MANDATORY_LABEL_NO_READ_UP)",
         sd(ACE.allow(WD, int(T.TOKEN_ALL_ACCESS)), label=(MEDIUM, NW | NR)), tok(integrity_level=LOW), Q, 0, DENIED),
    Case("no-read-up-allows-execute", MIC_DOC + "; Wine test_process_access (GENERIC_EXECUTE)",
         sd(ACE.allow(WD, int(ProcessAccess.PROCESS_ALL_ACCESS)), label=(MEDIUM, NW | NR)),
         tok(integrity_level=LOW), 0x1000 | 0x100000, 0x1000 | 0x100000, OK, PROCESS_MAPPING),
    Case("no-execute-up", MIC_DOC + " (SYSTEM_MANDATORY_LABEL_NO_EXECUTE_UP)",
         sd(ACE.allow(WD, int(FileAccess.FILE_ALL_ACCESS)), label=(MEDIUM, NW | NX)), tok(integrity_level=LOW),
         int(FileAccess.FILE_EXECUTE), 0, DENIED, FILE_MAPPING),
    Case("max-clipped-by-integrity", FORSHAW + " listing 7-11", sd(ACE.allow(WD, int(T.TOKEN_ALL_ACCESS))),
         tok(integrity_level=LOW), MAXIMUM_ALLOWED, TOKEN_MAPPING.generic_read | TOKEN_MAPPING.generic_execute, OK),
    Case("read-control-denied-when-all-up-policies", FORSHAW + " (policy mask from the generic mapping)",
         sd(ACE.allow(WD, int(T.TOKEN_ALL_ACCESS)), label=(MEDIUM, NW | NR | NX)), tok(integrity_level=LOW),
         READ_CONTROL, 0, DENIED),
    Case("token-policy-off", 'docs "TOKEN_MANDATORY_POLICY structure"', sd(ACE.allow(WD, KEY_ALL)),
         tok(integrity_level=LOW, mandatory_policy=0), KEY_SET_VALUE, KEY_SET_VALUE, OK, KEY_MAPPING),
    Case("medium-vs-high-label", MIC_DOC, sd(ACE.allow(WD, ADJ_DEFAULT | Q), label=(HIGH, NW)), tok(),
         ADJ_DEFAULT, 0, DENIED),
    Case("high-vs-medium-label", MIC_DOC, sd(ACE.allow(WD, ADJ_DEFAULT), label=(MEDIUM, NW | NR | NX)),
         tok(integrity_level=HIGH), ADJ_DEFAULT, ADJ_DEFAULT, OK),
    Case("relabel-privilege-write-owner", FORSHAW + " listing 7-10", sd(ACE.allow(WD, WRITE_OWNER)),
         tok(integrity_level=LOW, privileges={"SeRelabelPrivilege": True}), WRITE_OWNER, WRITE_OWNER, OK),
    # -- 8. restricted tokens ------------------------------------------------------------------
    Case("restricted-both-grant", RESTRICTED_DOC, sd(ACE.allow(WD, Q), ACE.allow(RC_SID, Q)),
         tok(restricted_sids=[RC_SID]), Q, Q, OK),
    Case("restricted-sid-missing", RESTRICTED_DOC, sd(ACE.allow(WD, Q)), tok(restricted_sids=[RC_SID]), Q, 0, DENIED,
         says=("restricted pass",)),
    Case("restricted-only-restricting-sid", RESTRICTED_DOC + " (normal pass uses the token's SIDs)",
         sd(ACE.allow(RC_SID, Q)), tok(restricted_sids=[RC_SID]), Q, 0, DENIED),
    Case("restricted-max-intersection", RESTRICTED_DOC, sd(ACE.allow(WD, Q | D), ACE.allow(RC_SID, Q | IMP)),
         tok(restricted_sids=[RC_SID]), MAXIMUM_ALLOWED, Q, OK),
    Case("restricted-deny-in-second-pass", RESTRICTED_DOC, sd(ACE.deny(RC_SID, Q), ACE.allow(WD, Q)),
         tok(restricted_sids=[RC_SID, WD]), Q, 0, DENIED),
    Case("restricted-owner-not-restricting", FORSHAW + " listing 7-19", sd(owner=ALICE),
         tok(restricted_sids=[RC_SID]), READ_CONTROL, 0, DENIED, says=("no restricting SID does",)),
    Case("restricted-owner-is-restricting", FORSHAW + " listing 7-19", sd(owner=ALICE),
         tok(restricted_sids=[ALICE]), READ_CONTROL, READ_CONTROL, OK),
    Case("privilege-not-rechecked-in-restricted-pass", FORSHAW + " (privileges precede both passes)",
         sd(ACE.allow(WD, Q), ACE.allow(RC_SID, Q)),
         tok(restricted_sids=[RC_SID], privileges={"SeTakeOwnershipPrivilege": True}), WRITE_OWNER | Q,
         WRITE_OWNER | Q, OK),
]


def test_enough_cases_and_unique_ids():
    assert len(CASES) >= 40
    assert len({c.id for c in CASES}) == len(CASES)
    assert all(c.source for c in CASES)


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_access_check(case: Case):
    result = access_check(case.sd, case.token, case.desired, case.mapping, **case.kwargs)
    assert (result.status, int(result.granted)) == (case.status, case.granted), (
        f"[{case.source}] expected {case.status.name} {case.mapping.format(case.granted)}, got "
        f"{result.status.name} {case.mapping.format(result.granted)}\n{result}\n{result.table()}")
    assert isinstance(result.granted, case.mapping.rights)
    if case.deciding is not None:
        assert result.deciding_aces() == case.deciding, result.table()
    for phrase in case.says:
        assert phrase in str(result), str(result)
    # The fast path decides the same, without an explanation.
    fast = access_check(case.sd, case.token, case.desired, case.mapping, explain=False, **case.kwargs)
    assert (fast.status, int(fast.granted), fast.steps) == (result.status, int(result.granted), ())


# -- the explanation itself ----------------------------------------------------------------

def test_steps_shape_and_order():
    r = access_check(sd(ACE.allow(BA, Q), ACE.deny(BA, D), ACE.allow(WD, Q | D)), tok((BA, DENY_ONLY)), Q | D,
                     TOKEN_MAPPING)
    kinds = [s.kind for s in r.steps]
    assert kinds[0] == "request" and kinds[-1] == "result"
    assert kinds.count("ace") == 2  # the walk stops at the deny
    ace0, ace1 = [s for s in r.steps if s.kind == "ace"]
    assert (ace0.ace_index, ace0.pass_name, ace0.sid, ace0.matched) == (0, "normal", SID(BA), False)
    assert "deny-only: it matches deny ACEs only" in ace0.reason
    assert (ace1.matched, ace1.denied, ace1.granted) == (True, D, 0)
    assert r.is_call_failure is False and r.allowed is False


def test_skipped_flags_inherit_only_and_decided_bits():
    r = access_check(sd(ACE.allow(WD, Q, 0x08), ACE.deny(WD, D), ACE.allow(WD, Q)), tok(), MAXIMUM_ALLOWED,
                     TOKEN_MAPPING)
    io, deny, allow = [s for s in r.steps if s.kind == "ace"]
    assert io.skipped and "inherit-only" in io.text
    assert deny.denied == D and not deny.skipped
    assert allow.granted == Q
    r2 = access_check(sd(ACE.allow(WD, Q), ACE.allow(WD, Q)), tok(), MAXIMUM_ALLOWED, TOKEN_MAPPING)
    second = [s for s in r2.steps if s.kind == "ace"][1]
    assert second.matched and second.skipped and not second.granted


def test_table_is_fixed_width_and_names_masks():
    r = access_check(sd(*WINE_DACL), tok((BA, ENABLED)), KEY_WRITE, KEY_MAPPING)
    lines = r.table().splitlines()
    assert lines[0].split() == ["pass", "#", "type", "SID", "mask", "match", "effect"]
    assert "S-1-1-0 (WD)" in lines[2] and "KEY_READ" in lines[2]
    assert "S-1-5-32-544 (BA)" in lines[3] and "DENIED KEY_SET_VALUE" in lines[3]
    assert len(lines) == 4


def test_narrative_for_a_learner():
    r = access_check(sd(ACE.allow(WD, Q), ACE.deny(ALICE, D)), tok(), Q | D, TOKEN_MAPPING)
    text = str(r)
    assert text.startswith("Access denied. You asked for TOKEN_DUPLICATE|TOKEN_QUERY (0x0000000A)")
    assert "ACE 0 (allow S-1-1-0 (WD) TOKEN_QUERY)" in text and "grants TOKEN_QUERY" in text
    assert "Stopped at ACE 1" in text


def test_restricted_pass_steps_are_labelled():
    r = access_check(sd(ACE.allow(WD, Q), ACE.allow(RC_SID, Q)), tok(restricted_sids=[RC_SID]), Q, TOKEN_MAPPING)
    assert [s.kind for s in r.steps].count("restricted") == 1
    assert r.deciding_aces("normal") == {0: "granted"}
    assert r.deciding_aces("restricted") == {1: "granted"}


def test_call_failure_flag_and_privileges_used():
    r = access_check(sd(EVERYONE_Q), tok(token_type=TokenType.TokenPrimary), Q, TOKEN_MAPPING)
    assert r.is_call_failure and not r.allowed
    r = access_check(sd(EVERYONE_Q), tok(token_type=TokenType.TokenPrimary), Q, TOKEN_MAPPING,
                     require_impersonation=False)
    assert r.allowed and int(r.granted) == Q
    r = access_check(sd(), tok(privileges={"SeSecurityPrivilege": True, "SeTakeOwnershipPrivilege": True}),
                     ASS | WRITE_OWNER, TOKEN_MAPPING)
    assert r.privileges_used == ("SeSecurityPrivilege", "SeTakeOwnershipPrivilege")
    assert not access_check(sd(), tok(privileges={"SeSecurityPrivilege": True}), ASS | Q, TOKEN_MAPPING).privileges_used


def test_map_generic_helper():
    assert map_generic(GENERIC_READ, TOKEN_MAPPING) == int(T.TOKEN_READ)
    assert map_generic(GENERIC_READ | MAXIMUM_ALLOWED, KEY_MAPPING) == KEY_READ | MAXIMUM_ALLOWED
    assert isinstance(map_generic(GENERIC_ALL, PROCESS_MAPPING), ProcessAccess)


def test_deterministic_output():
    a = access_check(sd(*WINE_DACL), tok((BA, ENABLED)), MAXIMUM_ALLOWED, KEY_MAPPING)
    b = access_check(sd(*WINE_DACL), tok((BA, ENABLED)), MAXIMUM_ALLOWED, KEY_MAPPING)
    assert (str(a), a.table(), a.steps, repr(a)) == (str(b), b.table(), b.steps, repr(b))
    assert "0x" not in repr(a).split("granted=")[0]


def test_token_changes_are_seen():
    t = tok((BA, ENABLED))
    d = sd(ACE.allow(BA, Q))
    assert access_check(d, t, Q, TOKEN_MAPPING).allowed
    t.groups = tuple(g for g in t.groups if g.sid != SID(BA))   # like AdjustTokenGroups
    assert not access_check(d, t, Q, TOKEN_MAPPING).allowed
