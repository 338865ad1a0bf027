"""Security descriptors as values: owner, group, DACL, SACL and control bits.

``SecurityDescriptor`` is SECURITY_DESCRIPTOR ([MS-DTYP] 2.4.6) as a frozen value; it reads
and prints SDDL through :mod:`tokenlab.security.sddl`, which knows the grammar but not this
class (so the two modules do not import each other).
"""
from __future__ import annotations

from dataclasses import dataclass, field, replace

from . import sddl
from .acl import ACE, ACL, NULL_ACL, AceType, SDControl
from .sids import SID

__all__ = ["SecurityDescriptor", "parse_sddl", "format_sddl"]

_new, _setattr = object.__new__, object.__setattr__
_CONTROL: dict[int, SDControl] = {}  # SDControl members by value (at most 2**16 flag values)


@dataclass(frozen=True)
class SecurityDescriptor:
    """SECURITY_DESCRIPTOR as a value.

    ``dacl=None`` with no ``SE_DACL_PRESENT`` is an absent DACL; ``dacl=NULL_ACL`` makes
    a NULL DACL (stored as ``dacl=None`` with ``SE_DACL_PRESENT``); an ``ACL`` sets
    ``SE_DACL_PRESENT`` automatically. The same holds for the SACL.
    """

    owner: SID | None = None
    group: SID | None = None
    dacl: ACL | None = None
    sacl: ACL | None = None
    control: SDControl = field(default=SDControl(0))

    def __post_init__(self):
        if isinstance(self.control, bool) or not isinstance(self.control, int):
            raise TypeError(f"SecurityDescriptor control must be SDControl or int, got {type(self.control).__name__}")
        if not 0 <= int(self.control) <= 0xFFFF:
            raise ValueError(f"SecurityDescriptor control must fit in 16 bits, got {int(self.control):#x}")
        control = SDControl(int(self.control))
        for attr, present in (("dacl", SDControl.SE_DACL_PRESENT), ("sacl", SDControl.SE_SACL_PRESENT)):
            value = getattr(self, attr)
            if value is NULL_ACL:
                object.__setattr__(self, attr, None)
                control |= present
            elif isinstance(value, ACL):
                control |= present
            elif value is not None:
                raise TypeError(f"SecurityDescriptor {attr} must be ACL, NULL_ACL or None, got {type(value).__name__}")
        for attr in ("owner", "group"):
            v = getattr(self, attr)
            if v is not None and not isinstance(v, SID):
                raise TypeError(f"SecurityDescriptor {attr} must be SID or None, got {type(v).__name__}")
        object.__setattr__(self, "control", control)

    @classmethod
    def _trusted(cls, owner: SID | None, group: SID | None, dacl, sacl, control: int) -> "SecurityDescriptor":
        """What ``cls(owner, group, dacl, sacl, control)`` builds, from parts the SDDL parser
        already checked (SIDs or None, ACL/NULL_ACL/None, a 16-bit int): no validation."""
        if dacl is not None:
            control |= 0x0004  # SE_DACL_PRESENT
            if dacl is NULL_ACL:
                dacl = None
        if sacl is not None:
            control |= 0x0010  # SE_SACL_PRESENT
            if sacl is NULL_ACL:
                sacl = None
        flags = _CONTROL.get(control)
        if flags is None:
            flags = _CONTROL[control] = SDControl(control)
        sd = _new(cls)
        _setattr(sd, "__dict__", {"owner": owner, "group": group, "dacl": dacl, "sacl": sacl, "control": flags})
        return sd

    @property
    def dacl_present(self) -> bool:
        return bool(self.control & SDControl.SE_DACL_PRESENT)

    @property
    def sacl_present(self) -> bool:
        return bool(self.control & SDControl.SE_SACL_PRESENT)

    @property
    def dacl_state(self) -> str:
        """'absent', 'null', 'empty' or 'entries'."""
        return _acl_state(self.dacl_present, self.dacl)

    @property
    def sacl_state(self) -> str:
        return _acl_state(self.sacl_present, self.sacl)

    @property
    def label(self) -> "ACE | None":
        """The first mandatory label ACE in the SACL (the one Windows enforces), if any.

        A label ACE whose SID is not a mandatory-label SID (``S-1-16-<level>``, e.g. the
        ``S:(ML;;NW;;;WD)`` SDDL accepts) names no integrity level; tokenlab skips it, so
        the object counts as unlabelled (Medium, NO_WRITE_UP) instead of failing the
        access check. Windows' own tests do not pin this case; it is tokenlab's rule."""
        if self.sacl is None:
            return None
        for ace in self.sacl:
            if (ace.type == AceType.SYSTEM_MANDATORY_LABEL_ACE_TYPE and not ace.inherit_only
                    and ace.sid.is_integrity_level):
                return ace
        return None

    def replace(self, **changes) -> "SecurityDescriptor":
        """A copy with some fields changed (``dacl=NULL_ACL`` and ``dacl=None`` work as in
        the constructor; ``None`` clears SE_DACL_PRESENT)."""
        control = SDControl(int(changes.pop("control", self.control)))
        if "dacl" in changes and changes["dacl"] is None:
            control &= ~SDControl.SE_DACL_PRESENT
        if "sacl" in changes and changes["sacl"] is None:
            control &= ~SDControl.SE_SACL_PRESENT
        return replace(self, control=control, **changes)

    def __repr__(self) -> str:
        try:
            return f"SecurityDescriptor.from_sddl({sddl.format_descriptor(self)!r})"
        except Exception:  # pragma: no cover - repr must never fail
            return (f"SecurityDescriptor(owner={self.owner!r}, group={self.group!r}, "
                    f"dacl={self.dacl!r}, sacl={self.sacl!r}, control={self.control!r})")

    @classmethod
    def from_sddl(cls, text: str, domain: SID | None = None) -> "SecurityDescriptor":
        return parse_sddl(text, domain=domain)

    def to_sddl(self, domain: SID | None = None) -> str:
        return format_sddl(self, domain=domain)


def _acl_state(present: bool, acl: ACL | None) -> str:
    if not present:
        return "absent"
    if acl is None:
        return "null"
    return "empty" if len(acl) == 0 else "entries"


def parse_sddl(text: str, domain: SID | None = None) -> SecurityDescriptor:
    """The security descriptor an SDDL string describes; ``domain`` resolves DA, DU, LA ...

    A bad string raises :class:`~tokenlab.security.errors.SDDLError` naming the position.
    """
    if not isinstance(text, str):
        raise TypeError(f"parse_sddl() expects str, got {type(text).__name__}")
    return SecurityDescriptor._trusted(*sddl._descriptor_parts(text, domain))


def format_sddl(sd: SecurityDescriptor, domain: SID | None = None, info: int = sddl.ALL_SECTIONS) -> str:
    """The SDDL string Windows prints for ``sd``; ``info`` picks sections (*_SECURITY_INFORMATION)."""
    if not isinstance(sd, SecurityDescriptor):
        raise TypeError(f"format_sddl() expects SecurityDescriptor, got {type(sd).__name__}")
    return sddl.format_descriptor(sd, domain, info)
