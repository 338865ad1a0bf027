"""winbase.h's privilege look-ups: a privilege's name to its LUID and back.

Module-level functions (no thread or machine needed: privilege LUIDs are the same on
every Windows machine, ntseapi.h SE_*_PRIVILEGE). Facade conventions as in ``sddl.py``:
out-parameters are return values (the ``cchName`` buffer-size dance of
LookupPrivilegeName is dropped, as pywin32 does), failures raise
:class:`~tokenlab.security.errors.WinError`. Behaviour from Wine's Windows-run tests
test_lookupPrivilegeName and test_lookupPrivilegeValue (dlls/advapi32/tests/security.c):
names are matched case-insensitively, an unknown name or LUID is
ERROR_NO_SUCH_PRIVILEGE, and a remote system tokenlab cannot reach is
RPC_S_SERVER_UNAVAILABLE.
"""
from __future__ import annotations

from ..security.errors import ErrorCode, WinError
from ..security.tokenattrs import LUID, PRIVILEGE_BY_LUID, PRIVILEGES

__all__ = ["LUID", "LookupPrivilegeValue", "LookupPrivilegeName"]

_BY_FOLDED_NAME = {name.lower(): value for name, value in PRIVILEGES.items()}


def _check_system(lpSystemName) -> None:
    if lpSystemName is not None and not isinstance(lpSystemName, str):
        raise TypeError(f"lpSystemName must be str or None, got {type(lpSystemName).__name__}")
    if lpSystemName:  # None or "" is the local system
        raise WinError(ErrorCode.RPC_S_SERVER_UNAVAILABLE,
                       f"tokenlab has no remote system {lpSystemName!r}; pass None for the local one.")


def LookupPrivilegeValue(lpSystemName: str | None, lpName: str | None) -> LUID:
    """The LUID of a privilege name (``"SeDebugPrivilege"`` → ``LUID(0x14)``), any case."""
    if lpName is not None and not isinstance(lpName, str):
        raise TypeError(f"lpName must be str or None, got {type(lpName).__name__}")
    _check_system(lpSystemName)
    value = _BY_FOLDED_NAME.get(lpName.lower()) if lpName is not None else None
    if value is None:
        raise WinError(ErrorCode.ERROR_NO_SUCH_PRIVILEGE, f"No privilege is named {lpName!r}.")
    return LUID(value)


def LookupPrivilegeName(lpSystemName: str | None, lpLuid: LUID | int) -> str:
    """The name of the privilege with that LUID (``LUID(2)`` → ``"SeCreateTokenPrivilege"``)."""
    if isinstance(lpLuid, bool) or not isinstance(lpLuid, (LUID, int)):
        raise TypeError(f"lpLuid must be LUID or int, got {type(lpLuid).__name__}")
    _check_system(lpSystemName)
    value = lpLuid.value if isinstance(lpLuid, LUID) else lpLuid
    name = PRIVILEGE_BY_LUID.get(value)
    if name is None:
        raise WinError(ErrorCode.ERROR_NO_SUCH_PRIVILEGE, f"No privilege has the LUID {value:#x}.")
    return name
