"""ACEs, ACLs and security descriptors as immutable values.

A :class:`SecurityDescriptor` has an owner, a group, a DACL and a SACL. The DACL has
three distinct states that Windows treats differently ([MS-DTYP] 2.4.6; docs "Null DACLs
and Empty DACLs"):

* **absent**  — ``SE_DACL_PRESENT`` not set: no DACL at all (``sd.dacl is None``);
* **NULL**    — ``SE_DACL_PRESENT`` set but no ACL (``sd.dacl is None``): grants everyone
  everything; build it with ``dacl=NULL_ACL``;
* **empty**   — an ACL with no ACEs: grants nothing (except the owner's implied rights).

``sd.dacl_state`` names the state. Modelled ACE types: allow, deny, audit, mandatory
label, and the four object ACEs (allow, deny, audit, alarm; [MS-DTYP] 2.4.4.3-2.4.4.11),
which carry an ``object_type`` and an ``inherited_object_type`` GUID (``uuid.UUID`` or
None; ``ACE_OBJECT_TYPE_PRESENT`` and ``ACE_INHERITED_OBJECT_TYPE_PRESENT`` follow from
them). Other types are rejected with :class:`~tokenlab.errors.NotModelledError`.

Every constructor checks its arguments and names the parameter it rejects.
"""
from __future__ import annotations

import enum
import uuid
from dataclasses import dataclass
from typing import Iterable

from .errors import NotModelledError
from .rights import HexFlag, check_access_mask
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


OBJECT_ACE_TYPES = frozenset({
    AceType.ACCESS_ALLOWED_OBJECT_ACE_TYPE,
    AceType.ACCESS_DENIED_OBJECT_ACE_TYPE,
    AceType.SYSTEM_AUDIT_OBJECT_ACE_TYPE,
    AceType.SYSTEM_ALARM_OBJECT_ACE_TYPE,
})
MODELLED_ACE_TYPES = frozenset({
    AceType.ACCESS_ALLOWED_ACE_TYPE,
    AceType.ACCESS_DENIED_ACE_TYPE,
    AceType.SYSTEM_AUDIT_ACE_TYPE,
    AceType.SYSTEM_MANDATORY_LABEL_ACE_TYPE,
}) | OBJECT_ACE_TYPES

# ACCESS_*_OBJECT_ACE Flags (winnt.h): which GUIDs the ACE carries.
ACE_OBJECT_TYPE_PRESENT = 0x1
ACE_INHERITED_OBJECT_TYPE_PRESENT = 0x2


class AceFlags(HexFlag):
    OBJECT_INHERIT_ACE = 0x01
    CONTAINER_INHERIT_ACE = 0x02
    NO_PROPAGATE_INHERIT_ACE = 0x04
    INHERIT_ONLY_ACE = 0x08
    INHERITED_ACE = 0x10
    CRITICAL_ACE_FLAG = 0x20
    SUCCESSFUL_ACCESS_ACE_FLAG = 0x40
    FAILED_ACCESS_ACE_FLAG = 0x80


_ACE_FLAGS = tuple(AceFlags(i) for i in range(256))  # ACE flags are one byte: one member each
_new, _setattr = object.__new__, object.__setattr__  # the trusted constructors' fast path


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
    """One access control entry: type, flags, access mask and trustee SID; object ACEs also
    name the object type and inherited object type they apply to (GUIDs, or None)."""

    type: AceType
    flags: AceFlags
    mask: int
    sid: SID
    object_type: uuid.UUID | None = None
    inherited_object_type: uuid.UUID | None = None

    def __post_init__(self):
        if isinstance(self.type, bool) or not isinstance(self.type, int):
            raise TypeError(f"ACE type must be AceType or int, got {type(self.type).__name__}")
        try:
            t = AceType(self.type)
        except ValueError:
            raise ValueError(f"ACE type: unknown ACE type {self.type!r}") from None
        if t not in MODELLED_ACE_TYPES:
            raise NotModelledError(f"{t.name} ACEs are not modelled by tokenlab")
        if isinstance(self.flags, bool) or not isinstance(self.flags, int):
            raise TypeError(f"ACE flags must be AceFlags or int, got {type(self.flags).__name__}")
        if not 0 <= int(self.flags) <= 0xFF:
            raise ValueError(f"ACE flags out of 8-bit range: {self.flags}")
        mask = check_access_mask(self.mask, "ACE mask")
        if not isinstance(self.sid, SID):
            raise TypeError(f"ACE sid must be SID, got {type(self.sid).__name__}")
        for name in ("object_type", "inherited_object_type"):
            guid = getattr(self, name)
            if guid is None:
                continue
            if not isinstance(guid, uuid.UUID):
                raise TypeError(f"ACE {name} must be uuid.UUID or None, got {type(guid).__name__}")
            if t not in OBJECT_ACE_TYPES:
                raise ValueError(f"ACE {name}: only object ACEs carry GUIDs, not {t.name}")
        object.__setattr__(self, "type", t)
        object.__setattr__(self, "flags", _ACE_FLAGS[int(self.flags)])
        object.__setattr__(self, "mask", mask)

    @classmethod
    def _trusted(cls, type_: AceType, flags: int, mask: int, sid: SID,
                 object_type: uuid.UUID | None = None, inherited_object_type: uuid.UUID | None = None) -> "ACE":
        """An ACE from parts already checked (the SDDL parser's path): no validation.

        The instance dict is set in one step instead of six frozen-dataclass setattrs."""
        ace = _new(cls)
        _setattr(ace, "__dict__", {"type": type_, "flags": _ACE_FLAGS[flags], "mask": mask, "sid": sid,
                                   "object_type": object_type, "inherited_object_type": inherited_object_type})
        return ace

    @property
    def is_object_ace(self) -> bool:
        return self.type in OBJECT_ACE_TYPES

    @property
    def object_flags(self) -> int:
        """The object ACE's Flags field: ACE_OBJECT_TYPE_PRESENT | ACE_INHERITED_OBJECT_TYPE_PRESENT."""
        return ((ACE_OBJECT_TYPE_PRESENT if self.object_type is not None else 0)
                | (ACE_INHERITED_OBJECT_TYPE_PRESENT if self.inherited_object_type is not None else 0))

    @property
    def size(self) -> int:
        """AceSize in bytes: header 4, mask 4, (object flags 4, 16 per GUID), SID 8+4n."""
        n = 8 + 8 + 4 * len(self.sid.subauthorities)
        if self.type in OBJECT_ACE_TYPES:
            n += 4 + 16 * ((self.object_type is not None) + (self.inherited_object_type is not None))
        return n

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
        guids = "".join(f", {n}={getattr(self, n)!r}" for n in ("object_type", "inherited_object_type")
                        if getattr(self, n) is not None)
        return f"ACE({self.type!r}, {self.flags!r}, 0x{self.mask:08X}, {self.sid!r}{guids})"


ACL_REVISION = 2
ACL_REVISION3 = 3
ACL_REVISION_DS = 4
MIN_ACL_REVISION, MAX_ACL_REVISION = ACL_REVISION, ACL_REVISION_DS


@dataclass(frozen=True)
class ACL:
    """An ordered list of ACEs. ``ACL([ACE.allow('S-1-1-0', 0x1)])``."""

    aces: tuple[ACE, ...] = ()
    revision: int = ACL_REVISION

    def __init__(self, aces: Iterable[ACE] = (), revision: int = ACL_REVISION):
        if isinstance(aces, (str, bytes)) or not hasattr(aces, "__iter__"):
            raise TypeError(f"ACL aces must be an iterable of ACE, got {type(aces).__name__}")
        aces = tuple(aces)
        for a in aces:
            if not isinstance(a, ACE):
                raise TypeError(f"ACL aces must be ACE values, got {type(a).__name__}")
        if isinstance(revision, bool) or not isinstance(revision, int):
            raise TypeError(f"ACL revision must be int, got {type(revision).__name__}")
        if not MIN_ACL_REVISION <= revision <= MAX_ACL_REVISION:
            raise ValueError(f"ACL revision must be ACL_REVISION (2), 3 or ACL_REVISION_DS (4), not {revision}")
        object.__setattr__(self, "aces", aces)
        object.__setattr__(self, "revision", revision)

    @classmethod
    def _trusted(cls, aces: tuple, revision: int = ACL_REVISION) -> "ACL":
        acl = _new(cls)
        _setattr(acl, "__dict__", {"aces": aces, "revision": revision})
        return acl

    @property
    def size(self) -> int:
        """AclSize of the smallest buffer that holds it: header 8 plus every AceSize."""
        return 8 + sum(a.size for a in self.aces)

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
