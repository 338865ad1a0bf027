"""Access masks: Windows names and values, hex reprs, and the per-type generic mappings.

Values are winnt.h's. The Process and Thread mappings are the ones Wine's conformance
tests observe on real Windows (test_process_access, test_thread_security: a handle
duplicated with GENERIC_* gets the mapped rights, plus the "implied" limited-information
rights Windows adds for QUERY/SET_INFORMATION, which are not part of the mapping itself).
"""
from __future__ import annotations

import enum

import pytest

from tokenlab.security.rights import (
    EVENT_MAPPING, FILE_MAPPING, KEY_MAPPING, MAPPINGS, PROCESS_MAPPING, STANDARD, THREAD_MAPPING, TOKEN_MAPPING, EventAccess, FileAccess, KeyAccess, ProcessAccess, StandardAccess, ThreadAccess, TokenAccess, format_mask, mask_names,
)

GENERIC_READ, GENERIC_WRITE, GENERIC_EXECUTE, GENERIC_ALL = 0x80000000, 0x40000000, 0x20000000, 0x10000000
MAXIMUM_ALLOWED, ACCESS_SYSTEM_SECURITY = 0x02000000, 0x01000000


@pytest.mark.parametrize("cls, name, value", [
    (TokenAccess, "TOKEN_ASSIGN_PRIMARY", 0x1), (TokenAccess, "TOKEN_DUPLICATE", 0x2),
    (TokenAccess, "TOKEN_IMPERSONATE", 0x4), (TokenAccess, "TOKEN_QUERY", 0x8),
    (TokenAccess, "TOKEN_QUERY_SOURCE", 0x10), (TokenAccess, "TOKEN_ADJUST_PRIVILEGES", 0x20),
    (TokenAccess, "TOKEN_ADJUST_GROUPS", 0x40), (TokenAccess, "TOKEN_ADJUST_DEFAULT", 0x80),
    (TokenAccess, "TOKEN_ADJUST_SESSIONID", 0x100), (TokenAccess, "TOKEN_ALL_ACCESS", 0xF01FF),
    (TokenAccess, "TOKEN_READ", 0x20008), (TokenAccess, "TOKEN_WRITE", 0x200E0),
    (ProcessAccess, "PROCESS_TERMINATE", 0x1), (ProcessAccess, "PROCESS_VM_READ", 0x10),
    (ProcessAccess, "PROCESS_QUERY_INFORMATION", 0x400), (ProcessAccess, "PROCESS_QUERY_LIMITED_INFORMATION", 0x1000),
    (ProcessAccess, "PROCESS_ALL_ACCESS", 0x1FFFFF),
    (ThreadAccess, "THREAD_IMPERSONATE", 0x100), (ThreadAccess, "THREAD_DIRECT_IMPERSONATION", 0x200),
    (ThreadAccess, "THREAD_SET_THREAD_TOKEN", 0x80), (ThreadAccess, "THREAD_ALL_ACCESS", 0x1FFFFF),
    (EventAccess, "EVENT_MODIFY_STATE", 0x2), (EventAccess, "EVENT_ALL_ACCESS", 0x1F0003),
    (FileAccess, "FILE_GENERIC_READ", 0x120089), (FileAccess, "FILE_ALL_ACCESS", 0x1F01FF),
    (KeyAccess, "KEY_READ", 0x20019), (KeyAccess, "KEY_WRITE", 0x20006), (KeyAccess, "KEY_ALL_ACCESS", 0xF003F),
    (StandardAccess, "READ_CONTROL", 0x20000), (StandardAccess, "WRITE_DAC", 0x40000),
    (StandardAccess, "WRITE_OWNER", 0x80000), (StandardAccess, "ACCESS_SYSTEM_SECURITY", 0x1000000),
    (StandardAccess, "MAXIMUM_ALLOWED", 0x2000000), (StandardAccess, "GENERIC_READ", 0x80000000),
])
def test_member_values_are_winnt_h(cls, name, value):
    assert int(cls[name]) == value
    assert issubclass(cls, enum.IntFlag)


def test_every_mask_class_carries_standard_and_generic_bits():
    for cls in (TokenAccess, ProcessAccess, ThreadAccess, EventAccess, FileAccess, KeyAccess):
        for name, value in STANDARD.items():
            assert int(cls[name]) == value, (cls.__name__, name)


def test_hex_repr_and_names():
    assert repr(TokenAccess.TOKEN_QUERY | TokenAccess.TOKEN_DUPLICATE) == \
        "<TokenAccess.TOKEN_DUPLICATE|TOKEN_QUERY: 0x0000000A>"
    assert repr(TokenAccess(0)) == "<TokenAccess.0: 0x00000000>"
    assert str(TokenAccess.TOKEN_QUERY) == repr(TokenAccess.TOKEN_QUERY)  # never a bare int
    assert repr(ProcessAccess(0x1FFFFF)) == "<ProcessAccess.PROCESS_ALL_ACCESS: 0x001FFFFF>"
    assert TokenAccess(0xF01FF).names == ["TOKEN_ALL_ACCESS"]


def test_mask_names_prefer_exact_composite_then_bits_low_first():
    assert mask_names(0x20008, TokenAccess) == ["TOKEN_READ"]
    assert mask_names(0x2000A, TokenAccess) == ["TOKEN_DUPLICATE", "TOKEN_QUERY", "READ_CONTROL"]
    assert mask_names(0x000F0000, TokenAccess) == ["DELETE", "READ_CONTROL", "WRITE_DAC", "WRITE_OWNER"]
    assert mask_names(0x400000, TokenAccess) == ["0x400000"]      # a reserved bit stays visible
    assert mask_names(0, TokenAccess) == []


def test_format_mask():
    assert format_mask(0xA, TokenAccess) == "TOKEN_DUPLICATE|TOKEN_QUERY (0x0000000A)"
    assert format_mask(0, TokenAccess) == "0 (none)"
    assert format_mask(GENERIC_WRITE | 0x8, TokenAccess) == "TOKEN_QUERY|GENERIC_WRITE (0x40000008)"


# (mapping, GenericRead, GenericWrite, GenericExecute, GenericAll) with their sources.
EXPECTED = [
    (TOKEN_MAPPING, 0x20008, 0x200E0, 0x20000, 0xF01FF),        # winnt.h TOKEN_READ/WRITE/EXECUTE/ALL_ACCESS
    (PROCESS_MAPPING, 0x20410, 0x20BEA, 0x121001, 0x1FFFFF),    # Wine test_process_access (Vista+)
    (THREAD_MAPPING, 0x20048, 0x20437, 0x121800, 0x1FFFFF),     # Wine test_thread_security (Win8+)
    (EVENT_MAPPING, 0x20001, 0x20002, 0x120000, 0x1F0003),      # STANDARD_RIGHTS_* | EVENT_*, EVENT_ALL_ACCESS
    (FILE_MAPPING, 0x120089, 0x120116, 0x1200A0, 0x1F01FF),     # winnt.h FILE_GENERIC_*, FILE_ALL_ACCESS
    (KEY_MAPPING, 0x20019, 0x20006, 0x20019, 0xF003F),          # winnt.h KEY_READ/WRITE/EXECUTE/ALL_ACCESS
]


@pytest.mark.parametrize("mapping, gr, gw, ge, ga", EXPECTED, ids=[m[0].object_type for m in EXPECTED])
def test_generic_mappings(mapping, gr, gw, ge, ga):
    assert (mapping.generic_read, mapping.generic_write, mapping.generic_execute, mapping.generic_all) == \
        (gr, gw, ge, ga)
    assert mapping.map(GENERIC_READ) == gr
    assert mapping.map(GENERIC_WRITE) == gw
    assert mapping.map(GENERIC_EXECUTE) == ge
    assert mapping.map(GENERIC_ALL) == ga
    assert mapping.map(GENERIC_READ | GENERIC_WRITE | GENERIC_EXECUTE | GENERIC_ALL) == gr | gw | ge | ga
    # GenericAll covers every other generic mapping (a mapping whose ALL misses a bit is a typo).
    assert (gr | gw | ge) & ~ga == 0
    assert MAPPINGS[mapping.object_type] is mapping


def test_process_generic_execute_lets_low_integrity_terminate():
    # Windows Vista+ maps GENERIC_EXECUTE on a process to include PROCESS_TERMINATE
    # (Wine test_process_access; ReactOS PspProcessMapping; Wine server/process.c).
    assert PROCESS_MAPPING.map(GENERIC_EXECUTE) & int(ProcessAccess.PROCESS_TERMINATE)
    assert mask_names(PROCESS_MAPPING.generic_execute, ProcessAccess) == [
        "PROCESS_TERMINATE", "PROCESS_QUERY_LIMITED_INFORMATION", "READ_CONTROL", "SYNCHRONIZE"]


def test_map_keeps_non_generic_bits_and_clears_generic_ones():
    mapped = KEY_MAPPING.map(GENERIC_READ | MAXIMUM_ALLOWED | ACCESS_SYSTEM_SECURITY | 0x2)
    assert mapped == 0x20019 | MAXIMUM_ALLOWED | ACCESS_SYSTEM_SECURITY | 0x2
    assert mapped & 0xF0000000 == 0
    assert TOKEN_MAPPING.map(0) == 0
    assert TOKEN_MAPPING.format(TOKEN_MAPPING.map(GENERIC_READ)) == "TOKEN_READ (0x00020008)"


# ------------------------------------------------------------------ compact names
from tokenlab.security.rights import FileAccess, TokenAccess, compact_mask_names  # noqa: E402


def test_compact_names_use_the_types_composites_for_a_pipe_opened_read_write():
    # CreateFile(GENERIC_READ|GENERIC_WRITE) on a pipe maps to FILE_GENERIC_READ|FILE_GENERIC_WRITE
    # (winnt.h: 0x00120089 | 0x00120116 = 0x0012019F); nine bit names say the same.
    assert compact_mask_names(0x0012019F, FileAccess) == ["FILE_GENERIC_READ", "FILE_GENERIC_WRITE"]
    assert len(mask_names(0x0012019F, FileAccess)) == 9


def test_compact_names_say_exactly_the_mask():
    for mask, cls in ((0x0002000E, TokenAccess), (0x00160089, FileAccess), (0x000F01FF, TokenAccess),
                      (0x00000003, TokenAccess), (0x0012019F | 0x00040000, FileAccess)):
        names = compact_mask_names(mask, cls)
        total = 0
        for n in names:
            total |= int(cls.__members__[n]) if n in cls.__members__ else int(n, 16)
        assert total == mask, (hex(mask), names)
        assert len(names) <= len(mask_names(mask, cls))
        assert not any(n.startswith("STANDARD_RIGHTS") for n in names)


def test_compact_names_keep_short_lists_and_reject_what_is_not_a_mask():
    assert compact_mask_names(0x0000000A, TokenAccess) == mask_names(0x0000000A, TokenAccess)
    assert compact_mask_names(0, TokenAccess) == []
    with pytest.raises(ValueError):
        compact_mask_names(1 << 32, TokenAccess)
    with pytest.raises(TypeError):
        compact_mask_names("0x1", TokenAccess)
