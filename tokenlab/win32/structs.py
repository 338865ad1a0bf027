"""The structures Win32 calls take and return, as frozen values with C's field names.

``SECURITY_ATTRIBUTES(sd, True)`` is what ``CreateEvent``, ``DuplicateTokenEx`` and
``CreateThread`` take; ``TOKEN_STATISTICS``, ``TOKEN_SOURCE`` and ``LUID_AND_ATTRIBUTES``
are what ``GetTokenInformation`` and ``AdjustTokenPrivileges`` return; ``PRIVILEGE_SET``
is what ``PrivilegeCheck`` takes (winnt.h, minwinbase.h).
"""
from __future__ import annotations

from dataclasses import dataclass

from ..security.descriptor import SecurityDescriptor
from ..security.tokenattrs import LUID, PRIVILEGE_BY_LUID, PrivilegeAttributes, SecurityImpersonationLevel
from .constants import PRIVILEGE_SET_ALL_NECESSARY

__all__ = ["SECURITY_ATTRIBUTES", "LUID_AND_ATTRIBUTES", "TOKEN_STATISTICS", "TOKEN_SOURCE", "PRIVILEGE_SET",
           "PROCESS_INFORMATION", "STARTUPINFO"]


@dataclass(frozen=True)
class SECURITY_ATTRIBUTES:
    """``SECURITY_ATTRIBUTES(sd, True)``: an explicit descriptor for a new object, and
    whether its handle is inheritable (nLength is implied)."""

    lpSecurityDescriptor: SecurityDescriptor | None = None
    bInheritHandle: bool = False

    def __post_init__(self):
        if self.lpSecurityDescriptor is not None and not isinstance(self.lpSecurityDescriptor, SecurityDescriptor):
            raise TypeError("SECURITY_ATTRIBUTES.lpSecurityDescriptor must be SecurityDescriptor or None, "
                            f"got {type(self.lpSecurityDescriptor).__name__}")


@dataclass(frozen=True)
class LUID_AND_ATTRIBUTES:
    Luid: LUID
    Attributes: PrivilegeAttributes

    @property
    def name(self) -> str:
        return PRIVILEGE_BY_LUID.get(self.Luid.value, str(self.Luid))

    def __repr__(self) -> str:
        return f"LUID_AND_ATTRIBUTES({self.name}, 0x{int(self.Attributes):08X})"


@dataclass(frozen=True)
class TOKEN_STATISTICS:
    TokenId: LUID
    AuthenticationId: LUID
    TokenType: TokenType
    ImpersonationLevel: SecurityImpersonationLevel
    GroupCount: int
    PrivilegeCount: int
    ModifiedId: LUID


@dataclass(frozen=True)
class TOKEN_SOURCE:
    SourceName: str
    SourceIdentifier: LUID


@dataclass(frozen=True)
class PRIVILEGE_SET:
    """``PRIVILEGE_SET(["SeSecurityPrivilege"], PRIVILEGE_SET_ALL_NECESSARY)``."""

    Privilege: tuple
    Control: int = PRIVILEGE_SET_ALL_NECESSARY


@dataclass(frozen=True)
class PROCESS_INFORMATION:
    """What CreateProcess, CreateProcessAsUser and CreateProcessWithTokenW return
    (processthreadsapi.h): the new process's and first thread's handles, both with full
    access, and their ids. Unpacks like the tuple it is:
    ``hProcess, hThread, pid, tid = api.CreateProcess(...)``."""

    hProcess: int
    hThread: int
    dwProcessId: int
    dwThreadId: int

    def __iter__(self):
        return iter((self.hProcess, self.hThread, self.dwProcessId, self.dwThreadId))

    def __getitem__(self, i):
        return tuple(self)[i]

    def __len__(self) -> int:
        return 4


@dataclass(frozen=True)
class STARTUPINFO:
    """CreateProcess's lpStartupInfo (cb is implied). tokenlab starts no windows: the
    fields are accepted and not modelled; None stands for a zeroed one."""

    lpDesktop: str | None = None
    lpTitle: str | None = None
