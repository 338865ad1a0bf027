"""SIDs: the string form, values, the well-known table and SDDL aliases.

Sources: [MS-DTYP] 2.4.2.1 "SID String Format Syntax"; docs "SID Strings" (the SDDL
aliases) and "Well-known SIDs"; Wine's test_ConvertStringSidToSid in
dlls/advapi32/tests/security.c, which runs on Windows.
"""
from __future__ import annotations

import pickle

import pytest

from tokenlab.security.errors import SDDLError
from tokenlab.security.sddl import format_sid_string, parse_sid_string
from tokenlab.security.sids import (
    DOMAIN_RELATIVE_ALIASES, SID, WELL_KNOWN, alias_of, integrity_rid, logon_sid, sid_from_alias, well_known_name,
)

DOMAIN = SID("S-1-5-21-397955417-626881126-188441444")  # docs, "Security Descriptor String Format"
ALIASED = [w for w in WELL_KNOWN if w.alias and not w.sid.startswith("-")]
RELATIVE = [w for w in WELL_KNOWN if w.alias and w.sid.startswith("-")]


# ---------------------------------------------------------------- the value

@pytest.mark.parametrize("text", ["S-1-5-18", "S-1-5-32-544", "S-1-0-0", "S-1-16-12288",
                                  "S-1-5-21-93476-23408-4576", "S-1-15-2-1", "S-1-5-5-0-123456"])
def test_string_round_trips_through_str_repr_and_pickle(text):
    sid = SID(text)
    assert str(sid) == text
    assert eval(repr(sid), {"SID": SID}) == sid
    assert pickle.loads(pickle.dumps(sid)) == sid


def test_equality_and_hash_are_by_value():
    assert SID("S-1-5-18") == SID("s-1-5-18") == SID.from_parts(5, 18)
    assert hash(SID("S-1-5-18")) == hash(SID.from_parts(5, 18))
    assert SID("S-1-5-18") != SID("S-1-5-19")
    assert SID("S-1-5-18") != "S-1-5-18"  # a SID is not its string
    assert len({SID("S-1-1-0"), SID("S-1-1-0"), SID("S-1-5-7")}) == 2


def test_order_is_authority_then_subauthorities():
    sids = [SID("S-1-5-32-544"), SID("S-1-1-0"), SID("S-1-5-18"), SID("S-1-5-2"), SID("S-1-5-18-1")]
    assert [s.text for s in sorted(sids)] == ["S-1-1-0", "S-1-5-2", "S-1-5-18", "S-1-5-18-1", "S-1-5-32-544"]


def test_parts_domain_and_rid():
    sid = SID("S-1-5-21-1-2-3-1001")
    assert (sid.revision, sid.authority, sid.subauthorities, sid.rid) == (1, 5, (21, 1, 2, 3, 1001), 1001)
    assert sid.domain == SID("S-1-5-21-1-2-3")
    assert sid.domain.child(512) == SID("S-1-5-21-1-2-3-512")


def test_immutable():
    with pytest.raises(AttributeError):
        SID("S-1-5-18").text = "S-1-5-19"


def test_large_authority_prints_in_hex():
    # [MS-DTYP] 2.4.2.1: an authority of 2**32 or more is "0x" and 12 hex digits; below, decimal.
    assert SID.from_parts(0x100000000, 1).text == "S-1-0x000100000000-1"
    assert SID("S-1-0x0000000F4240-1").text == "S-1-1000000-1"


@pytest.mark.parametrize("authority, text", [  # Wine test_ConvertStringSidToSid (refs[])
    (0x33445566, "S-1-860116326-1"), (0x01020304, "S-1-16909060-1"), (0x010203, "S-1-66051-1"),
    (0x0102, "S-1-258-1"), (2, "S-1-2-1"), (12, "S-1-12-1"),
])
def test_authorities_print_like_ConvertSidToStringSid(authority, text):
    assert SID.from_parts(authority, 1).text == text


@pytest.mark.parametrize("text, message", [
    ("X-1-5-18", "must start with 'S-'"),
    ("S-2-5-18", "revision must be 1"),
    ("S-1-5-x", "S-1-<authority>"),
    ("S-1-5-18 ", "S-1-<authority>"),
    ("S-1-281474976710656-1", "exceeds 48 bits"),
    ("S-1-5-4294967296", "exceeds 32 bits"),
    ("S-1-5" + "-1" * 16, "at most 15"),
])
def test_bad_text_raises_a_helpful_ValueError(text, message):
    with pytest.raises(ValueError, match=message) as info:
        SID(text)
    assert repr(text) in str(info.value)  # the message quotes what was given


def test_non_string_is_a_TypeError():
    with pytest.raises(TypeError, match="expects str"):
        SID(544)


# ---------------------------------------------------------------- the table and aliases

def test_table_has_no_duplicate_aliases_or_sids():
    aliases = [w.alias for w in WELL_KNOWN if w.alias]
    sids = [w.sid for w in WELL_KNOWN if not w.sid.startswith("-")]
    assert len(aliases) == len(set(aliases))
    assert len(sids) == len(set(sids))
    assert all(len(a) == 2 and a.isupper() for a in aliases)


@pytest.mark.parametrize("entry", ALIASED, ids=lambda w: w.alias)
def test_every_alias_resolves_and_prints_back(entry):
    sid = SID(entry.sid)
    assert sid_from_alias(entry.alias) == sid
    assert sid_from_alias(entry.alias.lower()) == sid  # Wine test: "wD" is Everyone
    assert parse_sid_string(entry.alias) == sid
    assert alias_of(sid) == entry.alias == sid.alias
    assert format_sid_string(sid) == entry.alias
    assert well_known_name(sid) == entry.name


@pytest.mark.parametrize("entry", RELATIVE, ids=lambda w: w.alias)
def test_every_domain_relative_alias_needs_and_uses_the_domain(entry):
    rid = int(entry.sid[1:])
    sid = DOMAIN.child(rid)
    assert entry.alias in DOMAIN_RELATIVE_ALIASES
    assert sid_from_alias(entry.alias, DOMAIN) == sid
    assert parse_sid_string(entry.alias, DOMAIN) == sid
    assert alias_of(sid, DOMAIN) == entry.alias
    assert format_sid_string(sid, DOMAIN) == entry.alias
    # Another domain, or none, prints the number: the alias means "this domain's".
    assert format_sid_string(sid) == sid.text
    assert format_sid_string(sid, SID("S-1-5-21-1-2-3")) == sid.text
    with pytest.raises(ValueError, match="relative to a domain"):
        sid_from_alias(entry.alias)
    with pytest.raises(SDDLError, match="domain SID"):
        parse_sid_string(entry.alias)


def test_unknown_alias():
    with pytest.raises(ValueError, match="unknown SDDL SID alias 'XX'"):
        sid_from_alias("XX")
    with pytest.raises(SDDLError) as info:
        parse_sid_string("XX")
    assert info.value.position == 0


def test_names_for_well_known_sids_logon_sids_and_labels():
    assert SID("S-1-5-32-544").name == "BUILTIN\\Administrators"
    assert SID("S-1-2-0").name == "LOCAL" and SID("S-1-2-0").alias is None  # no SDDL alias
    assert logon_sid(0, 123456) == SID("S-1-5-5-0-123456")
    assert well_known_name(logon_sid(0, 123456)) == "NT AUTHORITY\\LogonSessionId_0_123456"
    assert integrity_rid(SID("S-1-16-8192")) == 8192
    with pytest.raises(ValueError, match="not a mandatory label"):
        integrity_rid(SID("S-1-5-18"))


# ---------------------------------------------------------------- ConvertStringSidToSid's reading

@pytest.mark.parametrize("text, expected", [  # Wine test_ConvertStringSidToSid
    ("S-1-5-21-93476-23408-4576", "S-1-5-21-93476-23408-4576"),
    ("s-1-12-1", "S-1-12-1"),
    ("S-0x1-0XC-0x1a", "S-1-12-26"),  # hex in every part
    ("wD", "S-1-1-0"),
])
def test_parse_sid_string_reads_what_Windows_reads(text, expected):
    assert parse_sid_string(text) == SID(expected)


@pytest.mark.parametrize("text, position", [  # Wine test_ConvertStringSidToSid: ERROR_INVALID_SID
    ("S-1-5", 5),  # no subauthority (SID() itself accepts S-1-5: a valid binary SID)
    ("WDandmorecharacters", 2),
    ("WD)", 2),
    ("S-2-5-18", 2),
    ("", 0),
])
def test_parse_sid_string_rejects_what_Windows_rejects(text, position):
    with pytest.raises(SDDLError) as info:
        parse_sid_string(text)
    assert info.value.position == position


def test_parse_sid_string_types():
    with pytest.raises(TypeError):
        parse_sid_string(b"S-1-5-18")
    with pytest.raises(TypeError):
        format_sid_string("S-1-5-18")
