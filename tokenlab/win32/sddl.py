"""sddl.h's converters: SDDL text and string SIDs to and from values.

Module-level functions: they need no thread or machine. Conventions as in the rest of the
facade: ``None`` is NULL, out-parameters are return values, a failure raises
:class:`~tokenlab.security.errors.WinError` with the Windows error code, and a wrong
Python type raises ``TypeError`` naming the type expected.
"""
from __future__ import annotations

from ..kernel.lsa import DEFAULT_DOMAIN_SID
from ..security.acl import SDControl
from ..security.descriptor import SecurityDescriptor as _SecurityDescriptor  # parameters below are named SecurityDescriptor
from ..security.errors import ErrorCode, SDDLError, SDDLNotModelledError, WinError
from ..security.sddl import parse_sid_string, security_descriptor_length
from ..security.descriptor import format_sddl, parse_sddl
from ..security.sids import SID

# =====================================================================================
# SDDL and string-SID conversion (sddl.h)
#
# Module-level functions: they need no thread or machine. Domain-relative aliases (DA,
# DU, LA, RS ...) resolve against the keyword-only ``domain`` (tokenlab's addition),
# which defaults to the default machine's domain (tl.Machine() uses the same SID), both
# when reading and when printing, as Windows resolves them against its own domain.
# ``domain=None`` is a machine that cannot resolve them: reading one fails.
# NotModelledError passes through untouched: Windows would succeed, tokenlab says why not.
# =====================================================================================

SDDL_REVISION_1 = 1
SDDL_REVISION = SDDL_REVISION_1


def _check_type(value, expected: type, what: str, *, nullable: bool = False) -> None:
    if value is None and nullable:
        return
    if isinstance(value, bool) or not isinstance(value, expected):
        raise TypeError(f"{what} must be {expected.__name__}{' or None' if nullable else ''}, "
                        f"got {type(value).__name__}")


def _sddl_failure(err: SDDLError) -> WinError:
    code = getattr(err, "winerror", ErrorCode.ERROR_INVALID_PARAMETER)
    return WinError(code, f"At position {err.position}: expected {err.expected}.")


def ConvertStringSecurityDescriptorToSecurityDescriptor(StringSecurityDescriptor: str | None,
                                                        StringSDRevision: int, *,
                                                        domain: SID | None = DEFAULT_DOMAIN_SID):
    """Parse SDDL; returns ``(SecurityDescriptor, SecurityDescriptorSize)``.

    The descriptor is self-relative (SE_SELF_RELATIVE set), as Windows returns it; the size
    is that of its binary form. NULL → ERROR_INVALID_PARAMETER, a revision other than
    SDDL_REVISION_1 → ERROR_UNKNOWN_REVISION (Wine test test_ConvertStringSecurityDescriptor).
    """
    _check_type(StringSecurityDescriptor, str, "StringSecurityDescriptor", nullable=True)
    _check_type(StringSDRevision, int, "StringSDRevision")
    if StringSecurityDescriptor is None:
        raise WinError(ErrorCode.ERROR_INVALID_PARAMETER, "StringSecurityDescriptor is NULL.")
    if StringSDRevision != SDDL_REVISION_1:
        raise WinError(ErrorCode.ERROR_UNKNOWN_REVISION, f"StringSDRevision must be SDDL_REVISION_1, not {StringSDRevision}.")
    try:
        sd = parse_sddl(StringSecurityDescriptor, domain)
    except SDDLNotModelledError:
        raise
    except SDDLError as err:
        raise _sddl_failure(err) from None
    sd = sd.replace(control=sd.control | SDControl.SE_SELF_RELATIVE)
    return sd, security_descriptor_length(sd)


def ConvertSecurityDescriptorToStringSecurityDescriptor(SecurityDescriptor: _SecurityDescriptor | None,
                                                        RequestedStringSDRevision: int,
                                                        SecurityInformation: int, *,
                                                        domain: SID | None = DEFAULT_DOMAIN_SID):
    """Print SDDL; returns ``(StringSecurityDescriptor, StringSecurityDescriptorLen)``.

    The length counts characters including the terminating NUL, as Windows reports it.
    """
    _check_type(SecurityDescriptor, _SecurityDescriptor, "SecurityDescriptor", nullable=True)
    _check_type(RequestedStringSDRevision, int, "RequestedStringSDRevision")
    _check_type(SecurityInformation, int, "SecurityInformation")
    if SecurityDescriptor is None:
        raise WinError(ErrorCode.ERROR_INVALID_PARAMETER, "SecurityDescriptor is NULL.")
    if RequestedStringSDRevision != SDDL_REVISION_1:
        raise WinError(ErrorCode.ERROR_UNKNOWN_REVISION,
                       f"RequestedStringSDRevision must be SDDL_REVISION_1, not {RequestedStringSDRevision}.")
    text = format_sddl(SecurityDescriptor, domain, SecurityInformation)
    return text, len(text) + 1


def ConvertStringSidToSid(StringSid: str | None, *, domain: SID | None = DEFAULT_DOMAIN_SID) -> SID:
    """``S-1-5-32-544`` or an alias (``BA``) to a SID; bad text → ERROR_INVALID_SID (1337)."""
    _check_type(StringSid, str, "StringSid", nullable=True)
    if StringSid is None:
        raise WinError(ErrorCode.ERROR_INVALID_PARAMETER, "StringSid is NULL.")
    try:
        return parse_sid_string(StringSid, domain)
    except SDDLError as err:
        raise WinError(ErrorCode.ERROR_INVALID_SID, f"At position {err.position}: expected {err.expected}.") from None


def ConvertSidToStringSid(Sid: SID | None) -> str:
    """A SID's ``S-1-...`` form (never an alias, unlike SDDL)."""
    _check_type(Sid, SID, "Sid", nullable=True)
    if Sid is None:
        raise WinError(ErrorCode.ERROR_INVALID_SID, "Sid is NULL.")
    return Sid.text
