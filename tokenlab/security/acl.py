"""ACEs, ACLs and security descriptors as immutable values.

A :class:`SecurityDescriptor` has an owner, a group, a DACL and a SACL. The DACL has
three distinct states that Windows treats differently ([MS-DTYP] 2.4.6; docs "Null DACLs
and Empty DACLs"):

* **absent**  — ``SE_DACL_PRESENT`` not set: no DACL at all (``sd.dacl is None``);
* **NULL**    — ``SE_DACL_PRESENT`` set but no ACL (``sd.dacl is None``): grants everyone
  everything; build it with ``dacl=NULL_ACL``;
* **empty**   — an ACL with no ACEs: grants nothing (except the owner's implied rights).

``sd.dacl_state`` names the state. ACE types outside allow/deny/audit/mandatory label are
rejected with :class:`~tokenlab.errors.NotModelledError`.
"""
from __future__ import annotations

import enum
from dataclasses import dataclass
from typing import Iterable

from .errors import NotModelledError
from .rights import HexFlag
from .sids import SID


class AceType(enum.IntEnum):
    ACCESS_ALLOWED_ACE_TYPE = 0x0
    ACCESS_DENIED_ACE_TYPE = 0x1
    SYSTEM_AUDIT_ACE_TYPE = 0x2
    SYSTEM_ALARM_ACE_TYPE = 0x3
    ACCESS_ALLOWED_COMPOUND_ACE_TYPE = 0x4
    ACCESS_ALLOWED_OBJECT_ACE_TYPE = 0x5
    ACCESS_DENIED_OBJECT_ACE_TYPE = 0x6
    SYSTEM_AUDIT_OBJECT_ACE_TYPE = 0x7
    SYSTEM_ALARM_OBJECT_ACE_TYPE = 0x8
    ACCESS_ALLOWED_CALLBACK_ACE_TYPE = 0x9
    ACCESS_DENIED_CALLBACK_ACE_TYPE = 0xA
    ACCESS_ALLOWED_CALLBACK_OBJECT_ACE_TYPE = 0xB
    ACCESS_DENIED_CALLBACK_OBJECT_ACE_TYPE = 0xC
    SYSTEM_AUDIT_CALLBACK_ACE_TYPE = 0xD
    SYSTEM_ALARM_CALLBACK_ACE_TYPE = 0xE
    SYSTEM_AUDIT_CALLBACK_OBJECT_ACE_TYPE = 0xF
    SYSTEM_ALARM_CALLBACK_OBJECT_ACE_TYPE = 0x10
    SYSTEM_MANDATORY_LABEL_ACE_TYPE = 0x11
    SYSTEM_RESOURCE_ATTRIBUTE_ACE_TYPE = 0x12
    SYSTEM_SCOPED_POLICY_ID_ACE_TYPE = 0x13

    def __repr__(self) -> str:
        return f"AceType.{self.name}"


MODELLED_ACE_TYPES = frozenset({
    AceType.ACCESS_ALLOWED_ACE_TYPE,
    AceType.ACCESS_DENIED_ACE_TYPE,
    AceType.SYSTEM_AUDIT_ACE_TYPE,
    AceType.SYSTEM_MANDATORY_LABEL_ACE_TYPE,
})


class AceFlags(HexFlag):
    OBJECT_INHERIT_ACE = 0x01
    CONTAINER_INHERIT_ACE = 0x02
    NO_PROPAGATE_INHERIT_ACE = 0x04
    INHERIT_ONLY_ACE = 0x08
    INHERITED_ACE = 0x10
    CRITICAL_ACE_FLAG = 0x20
    SUCCESSFUL_ACCESS_ACE_FLAG = 0x40
    FAILED_ACCESS_ACE_FLAG = 0x80



class SDControl(HexFlag):
    """SECURITY_DESCRIPTOR_CONTROL bits."""

    SE_OWNER_DEFAULTED = 0x0001
    SE_GROUP_DEFAULTED = 0x0002
    SE_DACL_PRESENT = 0x0004
    SE_DACL_DEFAULTED = 0x0008
    SE_SACL_PRESENT = 0x0010
    SE_SACL_DEFAULTED = 0x0020
    SE_DACL_AUTO_INHERIT_REQ = 0x0100
    SE_SACL_AUTO_INHERIT_REQ = 0x0200
    SE_DACL_AUTO_INHERITED = 0x0400
    SE_SACL_AUTO_INHERITED = 0x0800
    SE_DACL_PROTECTED = 0x1000
    SE_SACL_PROTECTED = 0x2000
    SE_RM_CONTROL_VALID = 0x4000
    SE_SELF_RELATIVE = 0x8000



@dataclass(frozen=True)
class ACE:
    """One access control entry: type, flags, access mask and trustee SID."""

    type: AceType
    flags: AceFlags
    mask: int
    sid: SID

    def __post_init__(self):
        if not isinstance(self.sid, SID):
            raise TypeError(f"ACE sid must be SID, got {type(self.sid).__name__}")
        if isinstance(self.mask, bool) or not isinstance(self.mask, int):
            raise TypeError(f"ACE mask must be int, got {type(self.mask).__name__}")
        if not 0 <= int(self.mask) <= 0xFFFFFFFF:
            raise ValueError(f"ACE mask out of 32-bit range: {self.mask}")
        try:
            t = AceType(self.type)
        except ValueError:
            raise ValueError(f"unknown ACE type {self.type!r}") from None
        if t not in MODELLED_ACE_TYPES:
            raise NotModelledError(f"{t.name} ACEs are not modelled by tokenlab")
        if not 0 <= int(self.flags) <= 0xFF:
            raise ValueError(f"ACE flags out of 8-bit range: {self.flags}")
        object.__setattr__(self, "type", t)
        object.__setattr__(self, "flags", AceFlags(int(self.flags)))
        object.__setattr__(self, "mask", int(self.mask))

    @classmethod
    def allow(cls, sid: SID | str, mask: int, flags: int = 0) -> "ACE":
        return cls(AceType.ACCESS_ALLOWED_ACE_TYPE, AceFlags(flags), int(mask), SID(sid))

    @classmethod
    def deny(cls, sid: SID | str, mask: int, flags: int = 0) -> "ACE":
        return cls(AceType.ACCESS_DENIED_ACE_TYPE, AceFlags(flags), int(mask), SID(sid))

    @classmethod
    def label(cls, level: SID | str, policy: int = 0x1, flags: int = 0) -> "ACE":
        """A mandatory label ACE: ``level`` is an integrity SID (``S-1-16-…``), ``policy``
        the SYSTEM_MANDATORY_LABEL_NO_*_UP bits."""
        return cls(AceType.SYSTEM_MANDATORY_LABEL_ACE_TYPE, AceFlags(flags), int(policy), SID(level))

    @property
    def inherit_only(self) -> bool:
        return bool(self.flags & AceFlags.INHERIT_ONLY_ACE)

    @property
    def is_allow(self) -> bool:
        return self.type == AceType.ACCESS_ALLOWED_ACE_TYPE

    @property
    def is_deny(self) -> bool:
        return self.type == AceType.ACCESS_DENIED_ACE_TYPE

    def __repr__(self) -> str:
        kind = {AceType.ACCESS_ALLOWED_ACE_TYPE: "allow", AceType.ACCESS_DENIED_ACE_TYPE: "deny",
                AceType.SYSTEM_MANDATORY_LABEL_ACE_TYPE: "label"}.get(self.type)
        flags = f", flags=0x{int(self.flags):02X}" if self.flags else ""
        if kind:
            return f"ACE.{kind}({self.sid.text!r}, 0x{self.mask:08X}{flags})"
        return f"ACE({self.type!r}, {self.flags!r}, 0x{self.mask:08X}, {self.sid!r})"


ACL_REVISION = 2
ACL_REVISION_DS = 4


@dataclass(frozen=True)
class ACL:
    """An ordered list of ACEs. ``ACL([ACE.allow('S-1-1-0', 0x1)])``."""

    aces: tuple[ACE, ...] = ()
    revision: int = ACL_REVISION

    def __init__(self, aces: Iterable[ACE] = (), revision: int = ACL_REVISION):
        aces = tuple(aces)
        for a in aces:
            if not isinstance(a, ACE):
                raise TypeError(f"ACL entries must be ACE, got {type(a).__name__}")
        object.__setattr__(self, "aces", aces)
        object.__setattr__(self, "revision", revision)

    def __len__(self) -> int:
        return len(self.aces)

    def __iter__(self):
        return iter(self.aces)

    def __getitem__(self, i):
        return self.aces[i]

    def __bool__(self) -> bool:
        # An empty ACL is still an ACL (an *empty DACL* grants nothing); never falsy.
        return True

    def with_ace(self, ace: ACE, index: int | None = None) -> "ACL":
        aces = list(self.aces)
        aces.insert(len(aces) if index is None else index, ace)
        return ACL(aces, self.revision)

    def __repr__(self) -> str:
        return f"ACL({list(self.aces)!r})"


class _NullAcl:
    """Sentinel for a NULL DACL/SACL: present but with no ACL."""

    _instance = None

    def __new__(cls):
        if cls._instance is None:
            cls._instance = super().__new__(cls)
        return cls._instance

    def __repr__(self) -> str:
        return "NULL_ACL"

    def __reduce__(self):
        return (_NullAcl, ())


NULL_ACL = _NullAcl()
