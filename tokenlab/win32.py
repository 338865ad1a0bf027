"""The Win32 facade: Windows' names, argument order and error codes, over tokenlab's model.

``from tokenlab.win32 import *`` brings in the functions and constants listed in
``__all__``, so a notebook cell reads like the C it teaches. Conventions (DESIGN.md):
``None`` is NULL, out-parameters are return values, a failure raises
:class:`~tokenlab.errors.WinError` with the Windows error code, and a wrong Python type
raises ``TypeError`` naming the type expected.
"""
from __future__ import annotations

from .acl import SDControl
from .acl import SecurityDescriptor as _SecurityDescriptor  # parameters below are named SecurityDescriptor
from .errors import ErrorCode, SDDLError, SDDLNotModelledError, WinError
from .sddl import (
    DACL_SECURITY_INFORMATION, GROUP_SECURITY_INFORMATION, LABEL_SECURITY_INFORMATION,
    OWNER_SECURITY_INFORMATION, SACL_SECURITY_INFORMATION, format_sddl, parse_sddl,
    parse_sid_string, security_descriptor_length,
)
from .sids import SID

# =====================================================================================
# SDDL and string-SID conversion (sddl.h)
#
# Module-level functions: they need no thread or machine. Domain-relative aliases (DA,
# DU, LA ...) resolve only against the keyword-only ``domain`` (tokenlab's addition); a
# caller without one behaves like a machine that cannot resolve them, which fails.
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
                                                        domain: SID | None = None):
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
                                                        domain: SID | None = None):
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


def ConvertStringSidToSid(StringSid: str | None, *, domain: SID | None = None) -> SID:
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


# =====================================================================================
# Everything else: the constants of C's headers, the structures the facade takes and
# returns, and COM's sample class. The functions themselves live on ``thread.api``
# (tokenlab.facade.Api), because each one runs as some thread.
# =====================================================================================
from .constants import *  # noqa: E402,F401,F403  (constants with Windows' names and values)
from .constants import CONSTANTS as _CONSTANTS  # noqa: E402
from . import constants as _constants  # noqa: E402
from .com import CLSID_Something, IID_IUnknown  # noqa: E402
from .facade import LUID_AND_ATTRIBUTES, PRIVILEGE_SET, SECURITY_ATTRIBUTES, TOKEN_SOURCE, TOKEN_STATISTICS  # noqa: E402
from .rights import (  # noqa: E402
    COM_MAPPING, EVENT_MAPPING, FILE_MAPPING, KEY_MAPPING, PROCESS_MAPPING, THREAD_MAPPING, TOKEN_MAPPING,
    GenericMapping as GENERIC_MAPPING,
)

__all__ = sorted({
    "SDDL_REVISION_1", "SDDL_REVISION",
    "ConvertStringSecurityDescriptorToSecurityDescriptor",
    "ConvertSecurityDescriptorToStringSecurityDescriptor",
    "ConvertStringSidToSid", "ConvertSidToStringSid",
    "CLSID_Something", "IID_IUnknown", "GENERIC_MAPPING",
    "LUID_AND_ATTRIBUTES", "PRIVILEGE_SET", "SECURITY_ATTRIBUTES", "TOKEN_SOURCE", "TOKEN_STATISTICS",
    "COM_MAPPING", "EVENT_MAPPING", "FILE_MAPPING", "KEY_MAPPING", "PROCESS_MAPPING", "THREAD_MAPPING",
    "TOKEN_MAPPING",
    *_CONSTANTS,
    *(n for n in vars(_constants) if n.isupper() and not n.startswith("_") and n != "CONSTANTS"),
    *(n for n in vars(_constants) if n.startswith("Token") and isinstance(getattr(_constants, n), int)),
})
