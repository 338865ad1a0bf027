"""Access masks as ``enum.IntFlag`` classes with Windows' names and values, and generic mappings.

Member names are the exact Windows identifiers (winnt.h), so a repr can be searched in
Microsoft's documentation. Every class carries the standard and generic bits too, so
``TokenAccess.TOKEN_ALL_ACCESS`` decomposes into names. Reprs are hex:
``<TokenAccess.TOKEN_QUERY|TOKEN_DUPLICATE: 0x0000000A>``.

Never rely on ``str()`` of an IntFlag (a bare int on Python 3.11+); use :func:`mask_names`.
"""
from __future__ import annotations

import enum
from dataclasses import dataclass


class HexFlag(enum.IntFlag):
    """Base of the flag sets (ACE flags, SD control, group and privilege attributes): a repr
    with member names and a hex value as wide as the set's largest bit,
    ``<AceFlags.OBJECT_INHERIT_ACE|CONTAINER_INHERIT_ACE: 0x03>``."""

    def __repr__(self) -> str:
        top = max(int(m) for m in type(self))
        width = max(2, (top.bit_length() + 3) // 4)
        return f"<{type(self).__name__}.{self.name or 0}: 0x{int(self):0{width}X}>"

    __str__ = __repr__


class AccessMask(enum.IntFlag):
    """Base of every access-mask class: hex repr and readable names."""

    def __repr__(self) -> str:
        return f"<{type(self).__name__}.{'|'.join(mask_names(self, type(self))) or '0'}: 0x{int(self):08X}>"

    __str__ = __repr__

    @property
    def names(self) -> list[str]:
        return mask_names(int(self), type(self))


# Standard and generic rights (winnt.h), shared by every object type.
STANDARD = {
    "DELETE": 0x00010000,
    "READ_CONTROL": 0x00020000,
    "WRITE_DAC": 0x00040000,
    "WRITE_OWNER": 0x00080000,
    "SYNCHRONIZE": 0x00100000,
    "ACCESS_SYSTEM_SECURITY": 0x01000000,
    "MAXIMUM_ALLOWED": 0x02000000,
    "GENERIC_ALL": 0x10000000,
    "GENERIC_EXECUTE": 0x20000000,
    "GENERIC_WRITE": 0x40000000,
    "GENERIC_READ": 0x80000000,
}
# The two bits every caller tests by name: one definition each.
ACCESS_SYSTEM_SECURITY = STANDARD["ACCESS_SYSTEM_SECURITY"]
MAXIMUM_ALLOWED = STANDARD["MAXIMUM_ALLOWED"]
STANDARD_ALIASES = {
    "STANDARD_RIGHTS_READ": 0x00020000,     # READ_CONTROL, as winnt.h defines all three
    "STANDARD_RIGHTS_WRITE": 0x00020000,
    "STANDARD_RIGHTS_EXECUTE": 0x00020000,
    "STANDARD_RIGHTS_REQUIRED": 0x000F0000,
    "STANDARD_RIGHTS_ALL": 0x001F0000,
}


def _mask_class(name: str, specific: dict[str, int], composites: dict[str, int] | None = None):
    members = list(specific.items()) + list(STANDARD.items()) + list(STANDARD_ALIASES.items())
    members += list((composites or {}).items())
    cls = AccessMask(name, members, module=__name__, qualname=name)
    return cls


StandardAccess = _mask_class("StandardAccess", {})

TokenAccess = _mask_class(
    "TokenAccess",
    {
        "TOKEN_ASSIGN_PRIMARY": 0x0001,
        "TOKEN_DUPLICATE": 0x0002,
        "TOKEN_IMPERSONATE": 0x0004,
        "TOKEN_QUERY": 0x0008,
        "TOKEN_QUERY_SOURCE": 0x0010,
        "TOKEN_ADJUST_PRIVILEGES": 0x0020,
        "TOKEN_ADJUST_GROUPS": 0x0040,
        "TOKEN_ADJUST_DEFAULT": 0x0080,
        "TOKEN_ADJUST_SESSIONID": 0x0100,
    },
    {
        "TOKEN_ALL_ACCESS": 0x000F01FF,
        "TOKEN_READ": 0x00020008,
        "TOKEN_WRITE": 0x000200E0,
    },
)

ProcessAccess = _mask_class(
    "ProcessAccess",
    {
        "PROCESS_TERMINATE": 0x0001,
        "PROCESS_CREATE_THREAD": 0x0002,
        "PROCESS_SET_SESSIONID": 0x0004,
        "PROCESS_VM_OPERATION": 0x0008,
        "PROCESS_VM_READ": 0x0010,
        "PROCESS_VM_WRITE": 0x0020,
        "PROCESS_DUP_HANDLE": 0x0040,
        "PROCESS_CREATE_PROCESS": 0x0080,
        "PROCESS_SET_QUOTA": 0x0100,
        "PROCESS_SET_INFORMATION": 0x0200,
        "PROCESS_QUERY_INFORMATION": 0x0400,
        "PROCESS_SUSPEND_RESUME": 0x0800,
        "PROCESS_QUERY_LIMITED_INFORMATION": 0x1000,
        "PROCESS_SET_LIMITED_INFORMATION": 0x2000,
    },
    {"PROCESS_ALL_ACCESS": 0x001FFFFF},
)

ThreadAccess = _mask_class(
    "ThreadAccess",
    {
        "THREAD_TERMINATE": 0x0001,
        "THREAD_SUSPEND_RESUME": 0x0002,
        "THREAD_ALERT": 0x0004,
        "THREAD_GET_CONTEXT": 0x0008,
        "THREAD_SET_CONTEXT": 0x0010,
        "THREAD_SET_INFORMATION": 0x0020,
        "THREAD_QUERY_INFORMATION": 0x0040,
        "THREAD_SET_THREAD_TOKEN": 0x0080,
        "THREAD_IMPERSONATE": 0x0100,
        "THREAD_DIRECT_IMPERSONATION": 0x0200,
        "THREAD_SET_LIMITED_INFORMATION": 0x0400,
        "THREAD_QUERY_LIMITED_INFORMATION": 0x0800,
        "THREAD_RESUME": 0x1000,
    },
    {"THREAD_ALL_ACCESS": 0x001FFFFF},
)

EventAccess = _mask_class(
    "EventAccess",
    {"EVENT_QUERY_STATE": 0x0001, "EVENT_MODIFY_STATE": 0x0002},
    {"EVENT_ALL_ACCESS": 0x001F0003},
)

# Mutexes are "Mutant" objects to the kernel (winnt.h MUTANT_*; synchapi.h defines
# MUTEX_MODIFY_STATE as MUTANT_QUERY_STATE and MUTEX_ALL_ACCESS as MUTANT_ALL_ACCESS).
MutantAccess = _mask_class(
    "MutantAccess",
    {"MUTANT_QUERY_STATE": 0x0001, "MUTEX_MODIFY_STATE": 0x0001},
    {"MUTANT_ALL_ACCESS": 0x001F0001, "MUTEX_ALL_ACCESS": 0x001F0001},
)

# winnt.h SEMAPHORE_MODIFY_STATE, SEMAPHORE_ALL_ACCESS (= STANDARD_RIGHTS_REQUIRED|SYNCHRONIZE|0x3);
# bit 0 is SEMAPHORE_QUERY_STATE (Wine's security.c test defines it, 0x0001).
SemaphoreAccess = _mask_class(
    "SemaphoreAccess",
    {"SEMAPHORE_QUERY_STATE": 0x0001, "SEMAPHORE_MODIFY_STATE": 0x0002},
    {"SEMAPHORE_ALL_ACCESS": 0x001F0003},
)

FileAccess = _mask_class(
    "FileAccess",
    {
        "FILE_READ_DATA": 0x0001,
        "FILE_WRITE_DATA": 0x0002,
        "FILE_APPEND_DATA": 0x0004,
        "FILE_READ_EA": 0x0008,
        "FILE_WRITE_EA": 0x0010,
        "FILE_EXECUTE": 0x0020,
        "FILE_DELETE_CHILD": 0x0040,
        "FILE_READ_ATTRIBUTES": 0x0080,
        "FILE_WRITE_ATTRIBUTES": 0x0100,
        # The same bits under their directory names (winnt.h).
        "FILE_LIST_DIRECTORY": 0x0001,
        "FILE_ADD_FILE": 0x0002,
        "FILE_ADD_SUBDIRECTORY": 0x0004,
        "FILE_TRAVERSE": 0x0020,
    },
    {
        "FILE_ALL_ACCESS": 0x001F01FF,
        "FILE_GENERIC_READ": 0x00120089,
        "FILE_GENERIC_WRITE": 0x00120116,
        "FILE_GENERIC_EXECUTE": 0x001200A0,
    },
)

KeyAccess = _mask_class(
    "KeyAccess",
    {
        "KEY_QUERY_VALUE": 0x0001,
        "KEY_SET_VALUE": 0x0002,
        "KEY_CREATE_SUB_KEY": 0x0004,
        "KEY_ENUMERATE_SUB_KEYS": 0x0008,
        "KEY_NOTIFY": 0x0010,
        "KEY_CREATE_LINK": 0x0020,
        "KEY_WOW64_64KEY": 0x0100,
        "KEY_WOW64_32KEY": 0x0200,
    },
    {
        "KEY_ALL_ACCESS": 0x000F003F,
        "KEY_READ": 0x00020019,
        "KEY_WRITE": 0x00020006,
    },
)

# COM launch/activation permissions (objidl.h COM_RIGHTS_*).
ComAccess = _mask_class(
    "ComAccess",
    {
        "COM_RIGHTS_EXECUTE": 0x0001,
        "COM_RIGHTS_EXECUTE_LOCAL": 0x0002,
        "COM_RIGHTS_EXECUTE_REMOTE": 0x0004,
        "COM_RIGHTS_ACTIVATE_LOCAL": 0x0008,
        "COM_RIGHTS_ACTIVATE_REMOTE": 0x0010,
    },
)

# Mandatory label ACE mask (winnt.h SYSTEM_MANDATORY_LABEL_*).
MandatoryLabelPolicy = _mask_class(
    "MandatoryLabelPolicy",
    {
        "SYSTEM_MANDATORY_LABEL_NO_WRITE_UP": 0x1,
        "SYSTEM_MANDATORY_LABEL_NO_READ_UP": 0x2,
        "SYSTEM_MANDATORY_LABEL_NO_EXECUTE_UP": 0x4,
    },
)

GENERIC_BITS = 0xF0000000
SPECIFIC_RIGHTS_ALL = 0x0000FFFF
ACCESS_MASK_MAX = 0xFFFFFFFF  # ACCESS_MASK is a DWORD


def check_access_mask(value, name: str = "mask") -> int:
    """``value`` as an ACCESS_MASK (a 32-bit unsigned int), or an error naming ``name``.

    A bool or non-int is a ``TypeError``; a negative value or one above 0xFFFFFFFF is a
    ``ValueError`` (C would truncate it silently; tokenlab says so instead). The facade
    maps the ValueError to ERROR_INVALID_PARAMETER. Returns a plain ``int``.
    """
    if isinstance(value, bool) or not isinstance(value, int):
        raise TypeError(f"{name} must be an int access mask, got {type(value).__name__}")
    value = int(value)
    if not 0 <= value <= ACCESS_MASK_MAX:
        raise ValueError(f"{name} must fit in 32 bits (0 to 0xFFFFFFFF), got {value:#x}"
                         if value >= 0 else f"{name} must fit in 32 bits (0 to 0xFFFFFFFF), got -{-value:#x}")
    return value


def mask_names(mask: int, cls: type[enum.IntFlag] = StandardAccess) -> list[str]:
    """Names for ``mask``: an exact composite (``TOKEN_ALL_ACCESS``) if one exists, else one
    name per bit, low bits first; leftover unnamed bits as hex."""
    mask = check_access_mask(mask, "mask")
    if mask == 0:
        return []
    for name, member in cls.__members__.items():
        if int(member) == mask and not name.startswith("STANDARD_RIGHTS"):
            return [name]
    names, rest = [], mask
    # A multi-bit flag that is not a composite of named bits (SE_GROUP_LOGON_ID is
    # 0xC0000000, two bits no other member names) is named when all its bits are set.
    wide = []
    for name, member in cls.__members__.items():
        v = int(member)
        if v & (v - 1) and mask & v == v and not any(
                int(m) & v == int(m) and int(m) & (int(m) - 1) == 0 and int(m) for m in cls.__members__.values()):
            wide.append(name)
            rest &= ~v
    for bit in range(32):
        b = 1 << bit
        if mask & b:
            try:
                m = cls(b)
                n = m.name if m.name and "|" not in m.name else None
            except ValueError:
                n = None
            if n is not None and cls.__members__.get(n) is not None and int(cls.__members__[n]) == b:
                names.append(n)
                rest &= ~b
    names += wide
    if rest:
        names.append(f"0x{rest:X}")
    return names


def compact_mask_names(mask: int, cls: type[enum.IntFlag] = StandardAccess) -> list[str]:
    """As few names as say ``mask`` exactly: the type's composites that lie wholly inside it
    (``FILE_GENERIC_READ``, ``TOKEN_READ``; not the ``STANDARD_RIGHTS_*`` aliases), widest
    first, then :func:`mask_names` for the bits they leave. A pipe opened for
    GENERIC_READ|GENERIC_WRITE holds 0x0012019F: nine bit names, or
    ``FILE_GENERIC_READ|FILE_GENERIC_WRITE``. The bit names when they are no longer."""
    mask = check_access_mask(mask, "mask")
    plain = mask_names(mask, cls)
    if len(plain) <= 2:
        return plain
    composites = sorted(((n, int(m)) for n, m in cls.__members__.items()
                         if int(m) & (int(m) - 1) and int(m) & mask == int(m)
                         and not n.startswith("STANDARD_RIGHTS") and n not in STANDARD),
                        key=lambda nm: (-bin(nm[1]).count("1"), nm[0]))
    chosen, covered = [], 0
    for n, v in composites:
        if v & ~covered:
            chosen.append(n)
            covered |= v
    rest = mask & ~covered
    names = sorted(chosen, key=lambda n: int(cls.__members__[n])) + (mask_names(rest, cls) if rest else [])
    return names if len(names) < len(plain) else plain


def format_mask(mask: int, cls: type[enum.IntFlag] = StandardAccess) -> str:
    """``'TOKEN_QUERY|TOKEN_DUPLICATE (0x0000000A)'``; ``'0 (none)'`` for zero.

    A value outside 32 bits is not an access mask: ValueError (never ``0x-8000...``)."""
    mask = check_access_mask(mask, "mask")
    if not mask:
        return "0 (none)"
    return f"{'|'.join(mask_names(mask, cls))} (0x{mask:08X})"


@dataclass(frozen=True)
class GenericMapping:
    """GENERIC_MAPPING: which specific rights each generic right stands for."""

    object_type: str
    generic_read: int
    generic_write: int
    generic_execute: int
    generic_all: int
    rights: type = StandardAccess  # the IntFlag class naming this type's bits

    def __post_init__(self):
        if not isinstance(self.object_type, str):
            raise TypeError(f"GenericMapping object_type must be str, got {type(self.object_type).__name__}")
        for name in ("generic_read", "generic_write", "generic_execute", "generic_all"):
            object.__setattr__(self, name, check_access_mask(getattr(self, name), f"GenericMapping {name}"))
        if not (isinstance(self.rights, type) and issubclass(self.rights, enum.IntFlag)):
            raise TypeError(f"GenericMapping rights must be an IntFlag class, got {self.rights!r}")

    def map(self, mask: int) -> int:
        """MapGenericMask: replace generic bits with the specific rights they stand for."""
        mask = check_access_mask(mask, "mask")
        if mask & STANDARD["GENERIC_READ"]:
            mask |= self.generic_read
        if mask & STANDARD["GENERIC_WRITE"]:
            mask |= self.generic_write
        if mask & STANDARD["GENERIC_EXECUTE"]:
            mask |= self.generic_execute
        if mask & STANDARD["GENERIC_ALL"]:
            mask |= self.generic_all
        return mask & ~GENERIC_BITS

    def names(self, mask: int) -> list[str]:
        return mask_names(mask, self.rights)

    def format(self, mask: int) -> str:
        return format_mask(mask, self.rights)


# Windows' generic mappings per object type (as the object manager reports them; e.g.
# NtObjectManager's Get-NtType, and winnt.h's *_READ/*_WRITE/*_EXECUTE/*_ALL_ACCESS).
TOKEN_MAPPING = GenericMapping("Token", 0x00020008, 0x000200E0, 0x00020000, 0x000F01FF, TokenAccess)
PROCESS_MAPPING = GenericMapping("Process", 0x00020410, 0x00020BEA, 0x00121001, 0x001FFFFF, ProcessAccess)
THREAD_MAPPING = GenericMapping("Thread", 0x00020048, 0x00020437, 0x00121800, 0x001FFFFF, ThreadAccess)
EVENT_MAPPING = GenericMapping("Event", 0x00020001, 0x00020002, 0x00120000, 0x001F0003, EventAccess)
MUTANT_MAPPING = GenericMapping("Mutant", 0x00020001, 0x00020000, 0x00120000, 0x001F0001, MutantAccess)
SEMAPHORE_MAPPING = GenericMapping("Semaphore", 0x00020001, 0x00020002, 0x00120000, 0x001F0003, SemaphoreAccess)
FILE_MAPPING = GenericMapping("File", 0x00120089, 0x00120116, 0x001200A0, 0x001F01FF, FileAccess)
KEY_MAPPING = GenericMapping("Key", 0x00020019, 0x00020006, 0x00020019, 0x000F003F, KeyAccess)
# Model: COM checks launch/activation SDs with every generic right meaning all COM rights.
COM_MAPPING = GenericMapping("COM", 0x1F, 0x1F, 0x1F, 0x1F, ComAccess)

MAPPINGS = {m.object_type: m for m in (
    TOKEN_MAPPING, PROCESS_MAPPING, THREAD_MAPPING, EVENT_MAPPING, MUTANT_MAPPING, SEMAPHORE_MAPPING,
    FILE_MAPPING, KEY_MAPPING, COM_MAPPING)}
