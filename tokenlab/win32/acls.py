"""The ACL and security-descriptor building calls of securitybaseapi.h and aclapi.h.

Module-level functions: they need no thread or machine. Facade conventions as in
``sddl.py``: Windows' names and argument order, ``None`` is NULL, a failure raises
:class:`~tokenlab.security.errors.WinError` with the Windows error code, a wrong Python
type raises ``TypeError`` naming the parameter.

**The Python shape.** In C these calls fill or change a buffer the caller owns
(``InitializeAcl(pAcl, ...)``, ``AddAccessAllowedAce(pAcl, ...)``). tokenlab's ACL and
SecurityDescriptor are immutable values, so Python cannot change the caller's buffer:
each call *returns the new value* and the caller rebinds it, the way pywin32's PyACL
is used but functionally::

    acl = InitializeAcl(256, ACL_REVISION)                       # BOOL InitializeAcl(pAcl, 256, ACL_REVISION)
    acl = AddAccessAllowedAce(acl, ACL_REVISION, KEY_READ, everyone)
    sd = InitializeSecurityDescriptor(SECURITY_DESCRIPTOR_REVISION)
    sd = SetSecurityDescriptorDacl(sd, TRUE, acl, FALSE)

``nAclLength`` is modelled: the returned :class:`AclBuffer` remembers it, and adding an
ACE that does not fit fails with ERROR_ALLOTTED_SPACE_EXCEEDED, as on Windows.
Error codes come from Wine's Windows-run tests (dlls/advapi32/tests/security.c:
test_AddAce, test_AddMandatoryAce, test_AccessCheck, test_SetEntriesInAclW,
test_lookupPrivilegeName, test_lookupPrivilegeValue) and the functions' docs pages.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from ..security.acl import (
    ACE, ACL, ACL_REVISION, ACL_REVISION3, ACL_REVISION_DS, MAX_ACL_REVISION, MIN_ACL_REVISION, NULL_ACL, AceFlags, AceType,
    SDControl,
)
from ..security.descriptor import SecurityDescriptor
from ..security.errors import ErrorCode, WinError
from ..security.rights import GenericMapping, check_access_mask
from ..security.sids import SID

__all__ = [
    "ACL_REVISION", "ACL_REVISION3", "ACL_REVISION_DS", "MIN_ACL_REVISION", "MAX_ACL_REVISION", "TRUSTEE_BAD_FORM",
    "SET_AUDIT_SUCCESS", "SET_AUDIT_FAILURE", "SUB_OBJECTS_ONLY_INHERIT", "SUB_CONTAINERS_ONLY_INHERIT", "SECURITY_DESCRIPTOR_REVISION", "SECURITY_DESCRIPTOR_MIN_LENGTH",
    "AclBuffer", "InitializeAcl", "AddAccessAllowedAce", "AddAccessAllowedAceEx", "AddAccessDeniedAce",
    "AddAccessDeniedAceEx", "AddMandatoryAce", "GetAce", "InitializeSecurityDescriptor",
    "SetSecurityDescriptorDacl", "SetSecurityDescriptorSacl", "SetSecurityDescriptorOwner",
    "SetSecurityDescriptorGroup", "MapGenericMask", "TRUSTEE", "EXPLICIT_ACCESS", "SetEntriesInAcl",
    "NOT_USED_ACCESS", "GRANT_ACCESS", "SET_ACCESS", "DENY_ACCESS", "REVOKE_ACCESS",
    "TRUSTEE_IS_SID", "TRUSTEE_IS_NAME", "TRUSTEE_IS_UNKNOWN", "TRUSTEE_IS_USER", "TRUSTEE_IS_GROUP",
    "TRUSTEE_IS_WELL_KNOWN_GROUP", "NO_MULTIPLE_TRUSTEE", "NO_INHERITANCE", "SUB_CONTAINERS_AND_OBJECTS_INHERIT",
    "VALID_INHERIT_FLAGS",
]

SECURITY_DESCRIPTOR_REVISION = 1
SECURITY_DESCRIPTOR_MIN_LENGTH = 20  # sizeof(SECURITY_DESCRIPTOR) on x86; 40 on x64
_ACL_HEADER = 8
VALID_INHERIT_FLAGS = 0x1F
_LABEL_POLICY_BITS = 0x7  # SYSTEM_MANDATORY_LABEL_NO_WRITE_UP | NO_READ_UP | NO_EXECUTE_UP

# ACCESS_MODE (AccCtrl.h)
NOT_USED_ACCESS, GRANT_ACCESS, SET_ACCESS, DENY_ACCESS, REVOKE_ACCESS = 0, 1, 2, 3, 4
SET_AUDIT_SUCCESS, SET_AUDIT_FAILURE = 5, 6
# TRUSTEE_FORM / TRUSTEE_TYPE / MULTIPLE_TRUSTEE_OPERATION
TRUSTEE_IS_SID, TRUSTEE_IS_NAME, TRUSTEE_BAD_FORM = 0, 1, 2
TRUSTEE_IS_UNKNOWN, TRUSTEE_IS_USER, TRUSTEE_IS_GROUP, TRUSTEE_IS_DOMAIN, TRUSTEE_IS_ALIAS = 0, 1, 2, 3, 4
TRUSTEE_IS_WELL_KNOWN_GROUP = 5
NO_MULTIPLE_TRUSTEE = 0
# grfInheritance
NO_INHERITANCE = 0x0
SUB_OBJECTS_ONLY_INHERIT, SUB_CONTAINERS_ONLY_INHERIT, SUB_CONTAINERS_AND_OBJECTS_INHERIT = 0x1, 0x2, 0x3


def _check_type(value, expected, what: str, *, nullable: bool = False) -> None:
    if value is None and nullable:
        return
    allows_bool = expected is bool or isinstance(expected, tuple) and bool in expected
    if isinstance(value, bool) and not allows_bool or not isinstance(value, expected):
        names = expected.__name__ if isinstance(expected, type) else " or ".join(t.__name__ for t in expected)
        raise TypeError(f"{what} must be {names}{' or None' if nullable else ''}, got {type(value).__name__}")


def _mask(value, what: str) -> int:
    try:
        return check_access_mask(value, what)
    except ValueError as err:
        raise WinError(ErrorCode.ERROR_INVALID_PARAMETER, str(err)) from None


@dataclass(frozen=True, eq=False)
class AclBuffer(ACL):
    """An ACL with the buffer length InitializeAcl was given (``nAclLength``).

    It is an :class:`~tokenlab.security.acl.ACL` (use it wherever one is taken); the
    ``length`` only decides whether another ACE fits (ERROR_ALLOTTED_SPACE_EXCEEDED).
    """

    length: int = field(default=0)

    def __init__(self, aces=(), revision: int = ACL_REVISION, length: int = 0):
        super().__init__(aces, revision)
        object.__setattr__(self, "length", length)

    def __eq__(self, other):  # compares as the ACL it holds
        return isinstance(other, ACL) and (self.aces, self.revision) == (other.aces, other.revision)

    __hash__ = ACL.__hash__

    def __repr__(self) -> str:
        return f"AclBuffer({list(self.aces)!r}, revision={self.revision}, length={self.length})"


def InitializeAcl(nAclLength: int, dwAclRevision: int) -> AclBuffer:
    """A new empty ACL in a buffer of ``nAclLength`` bytes (returned; C fills ``pAcl``).

    ``dwAclRevision`` must be ACL_REVISION (2) or ACL_REVISION_DS (4), else
    ERROR_INVALID_PARAMETER; a length below sizeof(ACL) (8) or above 65535 is
    ERROR_INSUFFICIENT_BUFFER / ERROR_INVALID_PARAMETER (docs: InitializeAcl).
    """
    _check_type(nAclLength, int, "nAclLength")
    _check_type(dwAclRevision, int, "dwAclRevision")
    if dwAclRevision not in (ACL_REVISION, ACL_REVISION_DS):
        raise WinError(ErrorCode.ERROR_INVALID_PARAMETER, f"dwAclRevision must be ACL_REVISION or ACL_REVISION_DS, "
                       f"not {dwAclRevision}.")
    if nAclLength < _ACL_HEADER:
        raise WinError(ErrorCode.ERROR_INSUFFICIENT_BUFFER, f"nAclLength {nAclLength} is below sizeof(ACL) (8).")
    if nAclLength > 0xFFFF:
        raise WinError(ErrorCode.ERROR_INVALID_PARAMETER, f"nAclLength {nAclLength} exceeds 65535 (AclSize is 16 bits).")
    return AclBuffer((), dwAclRevision, nAclLength & ~3)


def _add(pAcl, dwAceRevision, ace_type, AceFlags_, AccessMask, pSid, what: str) -> AclBuffer:
    _check_type(pAcl, ACL, "pAcl")
    _check_type(dwAceRevision, int, "dwAceRevision")
    _check_type(AceFlags_, int, "AceFlags")
    _check_type(pSid, SID, "pSid")
    mask = _mask(AccessMask, f"{what} AccessMask")
    # Wine test_AddAce: any revision up to MAX_ACL_REVISION is accepted and raises the
    # ACL's revision; above it is ERROR_INVALID_PARAMETER (docs: ERROR_REVISION_MISMATCH
    # would be what a real mismatch reports; tokenlab reports what Wine's test saw).
    if dwAceRevision > MAX_ACL_REVISION or pAcl.revision > MAX_ACL_REVISION:
        raise WinError(ErrorCode.ERROR_INVALID_PARAMETER, f"dwAceRevision {dwAceRevision} is above ACL_REVISION_DS.")
    if AceFlags_ & ~(VALID_INHERIT_FLAGS | AceFlags.SUCCESSFUL_ACCESS_ACE_FLAG | AceFlags.FAILED_ACCESS_ACE_FLAG
                     | AceFlags.CRITICAL_ACE_FLAG) or AceFlags_ < 0:
        raise WinError(ErrorCode.ERROR_INVALID_FLAGS, f"AceFlags {AceFlags_:#x} has bits no ACE flag uses.")
    ace = ACE(ace_type, AceFlags_, mask, pSid)
    length = getattr(pAcl, "length", 0) or pAcl.size + ace.size
    if pAcl.size + ace.size > length:
        raise WinError(ErrorCode.ERROR_ALLOTTED_SPACE_EXCEEDED, f"The ACE ({ace.size} bytes) does not fit: the ACL holds "
                       f"{pAcl.size} of its {length} bytes.")
    revision = max(pAcl.revision, dwAceRevision, MIN_ACL_REVISION)
    return AclBuffer(pAcl.aces + (ace,), revision, length)


def AddAccessAllowedAce(pAcl: ACL, dwAceRevision: int, AccessMask: int, pSid: SID) -> AclBuffer:
    """Append an access-allowed ACE; returns the new ACL (Python cannot change ``pAcl``)."""
    return _add(pAcl, dwAceRevision, AceType.ACCESS_ALLOWED_ACE_TYPE, 0, AccessMask, pSid, "AddAccessAllowedAce")


def AddAccessAllowedAceEx(pAcl: ACL, dwAceRevision: int, AceFlags: int, AccessMask: int, pSid: SID) -> AclBuffer:
    """Append an access-allowed ACE with inheritance flags; returns the new ACL."""
    return _add(pAcl, dwAceRevision, AceType.ACCESS_ALLOWED_ACE_TYPE, AceFlags, AccessMask, pSid,
                "AddAccessAllowedAceEx")


def AddAccessDeniedAce(pAcl: ACL, dwAceRevision: int, AccessMask: int, pSid: SID) -> AclBuffer:
    """Append an access-denied ACE; returns the new ACL."""
    return _add(pAcl, dwAceRevision, AceType.ACCESS_DENIED_ACE_TYPE, 0, AccessMask, pSid, "AddAccessDeniedAce")


def AddAccessDeniedAceEx(pAcl: ACL, dwAceRevision: int, AceFlags: int, AccessMask: int, pSid: SID) -> AclBuffer:
    """Append an access-denied ACE with inheritance flags; returns the new ACL."""
    return _add(pAcl, dwAceRevision, AceType.ACCESS_DENIED_ACE_TYPE, AceFlags, AccessMask, pSid,
                "AddAccessDeniedAceEx")


def AddMandatoryAce(pAcl: ACL, dwAceRevision: int, AceFlags: int, MandatoryPolicy: int, pLabelSid: SID) -> AclBuffer:
    """Append a SYSTEM_MANDATORY_LABEL ACE; returns the new ACL.

    A policy with bits other than NO_WRITE_UP|NO_READ_UP|NO_EXECUTE_UP is
    ERROR_INVALID_PARAMETER (Wine test_AddMandatoryAce: policy 0x1234). A label SID that is
    not a mandatory-label SID (``S-1-16-<level>``) is ERROR_INVALID_PARAMETER too
    (tokenlab's rule, so a label always names a level; Wine's test does not cover it).
    """
    _check_type(MandatoryPolicy, int, "MandatoryPolicy")
    _check_type(pLabelSid, SID, "pLabelSid")
    if MandatoryPolicy & ~_LABEL_POLICY_BITS or MandatoryPolicy < 0:
        raise WinError(ErrorCode.ERROR_INVALID_PARAMETER,
                       f"MandatoryPolicy {MandatoryPolicy:#x} has bits outside SYSTEM_MANDATORY_LABEL_VALID_MASK (0x7).")
    if not pLabelSid.is_integrity_level:
        raise WinError(ErrorCode.ERROR_INVALID_PARAMETER, f"{pLabelSid} is not a mandatory label SID (S-1-16-<level>).")
    return _add(pAcl, dwAceRevision, AceType.SYSTEM_MANDATORY_LABEL_ACE_TYPE, AceFlags, MandatoryPolicy, pLabelSid,
                "AddMandatoryAce")


def GetAce(pAcl: ACL, dwAceIndex: int) -> ACE:
    """The ACE at ``dwAceIndex``; past the end → ERROR_INVALID_PARAMETER (Wine test_AddMandatoryAce)."""
    _check_type(pAcl, ACL, "pAcl")
    _check_type(dwAceIndex, int, "dwAceIndex")
    if not 0 <= dwAceIndex < len(pAcl):
        raise WinError(ErrorCode.ERROR_INVALID_PARAMETER, f"The ACL has {len(pAcl)} ACEs; index {dwAceIndex} is past them.")
    return pAcl[dwAceIndex]


# ---------------------------------------------------------------- security descriptors

def InitializeSecurityDescriptor(dwRevision: int) -> SecurityDescriptor:
    """A new absolute descriptor: no owner, group, DACL or SACL (returned; C fills a buffer).

    ``dwRevision`` must be SECURITY_DESCRIPTOR_REVISION (1), else ERROR_UNKNOWN_REVISION.
    """
    _check_type(dwRevision, int, "dwRevision")
    if dwRevision != SECURITY_DESCRIPTOR_REVISION:
        raise WinError(ErrorCode.ERROR_UNKNOWN_REVISION, f"dwRevision must be SECURITY_DESCRIPTOR_REVISION, not {dwRevision}.")
    return SecurityDescriptor()


def _check_sd(pSecurityDescriptor) -> None:
    _check_type(pSecurityDescriptor, SecurityDescriptor, "pSecurityDescriptor")
    if pSecurityDescriptor.control & SDControl.SE_SELF_RELATIVE:
        # docs: the Set* calls take an absolute descriptor; a self-relative one fails.
        raise WinError(ErrorCode.ERROR_INVALID_SECURITY_DESCR, "pSecurityDescriptor is self-relative; "
                       "these calls change an absolute descriptor (MakeAbsoluteSD first).")


def _set_acl(sd, present, acl, defaulted, which: str) -> SecurityDescriptor:
    _check_sd(sd)
    _check_type(present, (bool, int), f"b{which}Present")
    _check_type(acl, ACL, f"p{which}", nullable=True)
    _check_type(defaulted, (bool, int), f"b{which}Defaulted")
    bit = SDControl.SE_DACL_DEFAULTED if which == "Dacl" else SDControl.SE_SACL_DEFAULTED
    control = (sd.control & ~bit) | (bit if present and defaulted else 0)
    value = (acl if acl is not None else NULL_ACL) if present else None
    return sd.replace(**{which.lower(): value}, control=control)


def SetSecurityDescriptorDacl(pSecurityDescriptor: SecurityDescriptor, bDaclPresent: bool, pDacl: ACL | None,
                              bDaclDefaulted: bool) -> SecurityDescriptor:
    """Set the DACL; returns the new descriptor. ``bDaclPresent`` FALSE removes it (absent
    DACL: everyone gets everything); TRUE with ``pDacl`` None is a NULL DACL (the same
    grant, but present); TRUE with an ACL sets it (an empty one grants nothing)."""
    return _set_acl(pSecurityDescriptor, bDaclPresent, pDacl, bDaclDefaulted, "Dacl")


def SetSecurityDescriptorSacl(pSecurityDescriptor: SecurityDescriptor, bSaclPresent: bool, pSacl: ACL | None,
                              bSaclDefaulted: bool) -> SecurityDescriptor:
    """Set the SACL; returns the new descriptor (present/NULL/absent as for the DACL)."""
    return _set_acl(pSecurityDescriptor, bSaclPresent, pSacl, bSaclDefaulted, "Sacl")


def _set_sid(sd, sid, defaulted, which: str, bit: SDControl) -> SecurityDescriptor:
    _check_sd(sd)
    _check_type(sid, SID, f"p{which}", nullable=True)
    _check_type(defaulted, (bool, int), f"b{which}Defaulted")
    control = (sd.control & ~bit) | (bit if defaulted else 0)
    return sd.replace(**{which.lower(): sid}, control=control)


def SetSecurityDescriptorOwner(pSecurityDescriptor: SecurityDescriptor, pOwner: SID | None,
                               bOwnerDefaulted: bool) -> SecurityDescriptor:
    """Set (or with None clear) the owner; returns the new descriptor."""
    return _set_sid(pSecurityDescriptor, pOwner, bOwnerDefaulted, "Owner", SDControl.SE_OWNER_DEFAULTED)


def SetSecurityDescriptorGroup(pSecurityDescriptor: SecurityDescriptor, pGroup: SID | None,
                               bGroupDefaulted: bool) -> SecurityDescriptor:
    """Set (or with None clear) the primary group; returns the new descriptor."""
    return _set_sid(pSecurityDescriptor, pGroup, bGroupDefaulted, "Group", SDControl.SE_GROUP_DEFAULTED)


def MapGenericMask(AccessMask: int, GenericMapping_: GenericMapping) -> int:
    """The mask with GENERIC_* bits replaced by the mapping's rights (returned; C changes
    ``*AccessMask`` in place). Other bits, MAXIMUM_ALLOWED and ACCESS_SYSTEM_SECURITY
    included, are kept (docs: MapGenericMask)."""
    _check_type(GenericMapping_, GenericMapping, "GenericMapping")
    return GenericMapping_.map(_mask(AccessMask, "AccessMask"))


# ---------------------------------------------------------------- SetEntriesInAcl

@dataclass(frozen=True)
class TRUSTEE:
    """TRUSTEE (AccCtrl.h): who an EXPLICIT_ACCESS entry is about. tokenlab models
    ``TrusteeForm`` TRUSTEE_IS_SID (``ptstrName`` is a SID) and TRUSTEE_IS_NAME with a
    SDDL alias or ``S-1-...`` string (account names need a machine's LSA)."""

    ptstrName: SID | str
    TrusteeForm: int = TRUSTEE_IS_SID
    TrusteeType: int = TRUSTEE_IS_UNKNOWN
    MultipleTrusteeOperation: int = NO_MULTIPLE_TRUSTEE
    pMultipleTrustee: None = None

    def __post_init__(self):
        _check_type(self.ptstrName, (SID, str), "TRUSTEE.ptstrName")
        for name in ("TrusteeForm", "TrusteeType", "MultipleTrusteeOperation"):
            _check_type(getattr(self, name), int, f"TRUSTEE.{name}")


@dataclass(frozen=True)
class EXPLICIT_ACCESS:
    """EXPLICIT_ACCESS (AccCtrl.h): one change SetEntriesInAcl makes."""

    grfAccessPermissions: int
    grfAccessMode: int
    grfInheritance: int
    Trustee: TRUSTEE

    def __post_init__(self):
        for name in ("grfAccessPermissions", "grfAccessMode", "grfInheritance"):
            _check_type(getattr(self, name), int, f"EXPLICIT_ACCESS.{name}")
        _check_type(self.Trustee, TRUSTEE, "EXPLICIT_ACCESS.Trustee")


def _trustee_sid(trustee: TRUSTEE) -> SID:
    if trustee.MultipleTrusteeOperation != NO_MULTIPLE_TRUSTEE or trustee.pMultipleTrustee is not None:
        raise WinError(ErrorCode.ERROR_INVALID_PARAMETER, "Multiple trustees are not supported (docs: TRUSTEE).")
    if trustee.TrusteeForm == TRUSTEE_IS_SID:
        if not isinstance(trustee.ptstrName, SID):
            raise WinError(ErrorCode.ERROR_INVALID_PARAMETER, "TRUSTEE_IS_SID needs a SID in ptstrName.")
        return trustee.ptstrName
    if trustee.TrusteeForm == TRUSTEE_IS_NAME:
        from .sddl import ConvertStringSidToSid  # the aliases and S-1-... forms
        name = trustee.ptstrName if isinstance(trustee.ptstrName, str) else trustee.ptstrName.text
        if name.upper() == "CURRENT_USER":
            raise WinError(ErrorCode.ERROR_INVALID_PARAMETER, "CURRENT_USER needs a thread; pass the user's SID.")
        try:
            return ConvertStringSidToSid(name)
        except WinError:
            raise WinError(ErrorCode.ERROR_NONE_MAPPED, f"No SID for the name {name!r} (tokenlab maps SDDL aliases "
                           "and S-1-... strings; account names need LookupAccountName on a machine).") from None
    raise WinError(ErrorCode.ERROR_INVALID_PARAMETER, f"TrusteeForm {trustee.TrusteeForm} is not modelled.")


def _inherit_flags(grfInheritance: int) -> int:
    if grfInheritance & ~VALID_INHERIT_FLAGS:
        raise WinError(ErrorCode.ERROR_INVALID_PARAMETER, f"grfInheritance {grfInheritance:#x} has unknown bits.")
    return grfInheritance


def SetEntriesInAcl(cCountOfExplicitEntries: int, pListOfExplicitEntries, OldAcl: ACL | None) -> ACL:
    """A new ACL: ``OldAcl`` merged with the entries (returned, as ``*NewAcl`` is in C);
    failures raise WinError with the code C returns (it does not set the last error).

    Per entry (docs: SetEntriesInAcl, ACCESS_MODE): GRANT_ACCESS adds an allow ACE and
    keeps the trustee's existing rights; SET_ACCESS drops the trustee's explicit allow and
    deny ACEs and adds an allow ACE; DENY_ACCESS adds a deny ACE; REVOKE_ACCESS drops the
    trustee's explicit ACEs; NOT_USED_ACCESS does nothing. The result is in canonical
    order (docs: "Order of ACEs in a DACL"): explicit deny, explicit allow, then the
    inherited ACEs in their old order. An empty list with no OldAcl gives an empty ACL
    (Wine test_SetEntriesInAclW: count 0 → ERROR_SUCCESS and a new ACL).
    """
    _check_type(cCountOfExplicitEntries, int, "cCountOfExplicitEntries")
    _check_type(OldAcl, ACL, "OldAcl", nullable=True)
    entries = list(pListOfExplicitEntries or ())
    if cCountOfExplicitEntries and pListOfExplicitEntries is None:
        raise WinError(ErrorCode.ERROR_INVALID_PARAMETER, "pListOfExplicitEntries is NULL.")
    if cCountOfExplicitEntries > len(entries):
        raise WinError(ErrorCode.ERROR_INVALID_PARAMETER,
                       f"cCountOfExplicitEntries is {cCountOfExplicitEntries}; the list has {len(entries)}.")
    entries = entries[:max(cCountOfExplicitEntries, 0)]
    for i, e in enumerate(entries):
        _check_type(e, EXPLICIT_ACCESS, f"pListOfExplicitEntries[{i}]")
    old = list(OldAcl.aces) if OldAcl is not None else []
    revision = OldAcl.revision if OldAcl is not None else ACL_REVISION
    explicit = [a for a in old if not a.flags & AceFlags.INHERITED_ACE]
    inherited = [a for a in old if a.flags & AceFlags.INHERITED_ACE]
    for e in entries:
        mode = e.grfAccessMode
        if mode == NOT_USED_ACCESS:
            continue
        sid = _trustee_sid(e.Trustee)
        mask = _mask(e.grfAccessPermissions, "grfAccessPermissions")
        flags = _inherit_flags(e.grfInheritance)
        if mode in (SET_ACCESS, REVOKE_ACCESS):
            explicit = [a for a in explicit if not (a.sid == sid and (a.is_allow or a.is_deny))]
        if mode == GRANT_ACCESS:
            explicit.append(ACE(AceType.ACCESS_ALLOWED_ACE_TYPE, flags, mask, sid))
        elif mode == SET_ACCESS:
            explicit.append(ACE(AceType.ACCESS_ALLOWED_ACE_TYPE, flags, mask, sid))
        elif mode == DENY_ACCESS:
            explicit.append(ACE(AceType.ACCESS_DENIED_ACE_TYPE, flags, mask, sid))
        elif mode == REVOKE_ACCESS:
            pass
        else:
            raise WinError(ErrorCode.ERROR_INVALID_PARAMETER, f"grfAccessMode {mode} is not modelled "
                           "(audit modes build SACLs).")
    denies = [a for a in explicit if a.type in (AceType.ACCESS_DENIED_ACE_TYPE, AceType.ACCESS_DENIED_OBJECT_ACE_TYPE)]
    others = [a for a in explicit if a not in denies]
    return ACL(_merge_same(denies) + _merge_same(others) + inherited, revision)


def _merge_same(aces: list[ACE]) -> list[ACE]:
    """One ACE per (type, flags, trustee): a GRANT_ACCESS for a trustee that already has an
    allow ACE with the same flags ORs the rights into it (docs: GRANT_ACCESS "combined")."""
    out: list[ACE] = []
    index: dict[tuple, int] = {}
    for a in aces:
        key = (a.type, int(a.flags), a.sid, a.object_type, a.inherited_object_type)
        if key in index:
            prev = out[index[key]]
            out[index[key]] = ACE(prev.type, prev.flags, prev.mask | a.mask, prev.sid,
                                  prev.object_type, prev.inherited_object_type)
        else:
            index[key] = len(out)
            out.append(a)
    return out
