"""Windows error codes and the exceptions tokenlab raises.

Win32 failures raise :class:`WinError`, an ``OSError`` whose ``.winerror`` is the
Windows error code, the way ``ctypes.WinError`` does. COM failures raise
:class:`ComError` with ``.hresult``. Malformed SDDL raises :class:`SDDLError` (a
``ValueError``) naming the character position.
"""
from __future__ import annotations

import enum


class ErrorCode(enum.IntEnum):
    """Win32 error codes used by tokenlab (winerror.h names and values)."""

    ERROR_SUCCESS = 0
    ERROR_ACCESS_DENIED = 5
    ERROR_INVALID_HANDLE = 6
    ERROR_NOT_ENOUGH_MEMORY = 8
    ERROR_INVALID_PARAMETER = 87
    ERROR_INSUFFICIENT_BUFFER = 122
    ERROR_INVALID_NAME = 123
    ERROR_ALREADY_EXISTS = 183
    ERROR_NOT_ALL_ASSIGNED = 1300
    ERROR_CANT_ENABLE_DENY_ONLY = 629
    ERROR_CANT_DISABLE_MANDATORY = 1310
    ERROR_NO_SUCH_LOGON_SESSION = 1312
    ERROR_UNKNOWN_REVISION = 1305
    ERROR_INVALID_OWNER = 1307
    ERROR_INVALID_PRIMARY_GROUP = 1308
    ERROR_NO_IMPERSONATION_TOKEN = 1309
    ERROR_NO_SUCH_PRIVILEGE = 1313
    ERROR_PRIVILEGE_NOT_HELD = 1314
    ERROR_NO_SUCH_USER = 1317
    ERROR_LOGON_FAILURE = 1326
    ERROR_INVALID_ACL = 1336
    ERROR_INVALID_SID = 1337
    ERROR_INVALID_SECURITY_DESCR = 1338
    ERROR_BAD_IMPERSONATION_LEVEL = 1346
    ERROR_CANT_OPEN_ANONYMOUS = 1347
    ERROR_BAD_TOKEN_TYPE = 1349
    ERROR_NONE_MAPPED = 1332
    ERROR_GENERIC_NOT_MAPPED = 1360
    ERROR_CANNOT_IMPERSONATE = 1368
    ERROR_FILE_NOT_FOUND = 2
    ERROR_NO_TOKEN = 1008
    ERROR_NOT_FOUND = 1168
    ERROR_BROKEN_PIPE = 109
    ERROR_PIPE_BUSY = 231
    ERROR_NO_DATA = 232
    ERROR_PIPE_NOT_CONNECTED = 233
    ERROR_PIPE_CONNECTED = 535
    ERROR_PIPE_LISTENING = 536
    ERROR_INVALID_FLAGS = 1004
    ERROR_REVISION_MISMATCH = 1306
    ERROR_ALLOTTED_SPACE_EXCEEDED = 1344
    ERROR_PATH_NOT_FOUND = 3
    ERROR_FILE_EXISTS = 80
    ERROR_NOT_OWNER = 288
    ERROR_TOO_MANY_POSTS = 298
    RPC_S_SERVER_UNAVAILABLE = 1722


class HResult(enum.IntEnum):
    """COM HRESULTs used by tokenlab (unsigned 32-bit values)."""

    S_OK = 0
    E_NOINTERFACE = 0x80004002
    E_POINTER = 0x80004003
    E_FAIL = 0x80004005
    E_ACCESSDENIED = 0x80070005
    E_INVALIDARG = 0x80070057
    REGDB_E_CLASSNOTREG = 0x80040154
    CO_E_NOTINITIALIZED = 0x800401F0
    CLASS_E_NOAGGREGATION = 0x80040110
    RPC_E_CALL_COMPLETE = 0x80010117


_MESSAGES = {
    ErrorCode.ERROR_SUCCESS: "The operation completed successfully.",
    ErrorCode.ERROR_ACCESS_DENIED: "Access is denied.",
    ErrorCode.ERROR_INVALID_HANDLE: "The handle is invalid.",
    ErrorCode.ERROR_INVALID_PARAMETER: "The parameter is incorrect.",
    ErrorCode.ERROR_INSUFFICIENT_BUFFER: "The data area passed to a system call is too small.",
    ErrorCode.ERROR_NO_TOKEN: "An attempt was made to reference a token that does not exist.",
    ErrorCode.ERROR_NO_IMPERSONATION_TOKEN: "An attempt has been made to operate on an impersonation token by a thread that is not currently impersonating a client.",
    ErrorCode.ERROR_PRIVILEGE_NOT_HELD: "A required privilege is not held by the client.",
    ErrorCode.ERROR_LOGON_FAILURE: "The user name or password is incorrect.",
    ErrorCode.ERROR_INVALID_SECURITY_DESCR: "The security descriptor structure is invalid.",
    ErrorCode.ERROR_BAD_IMPERSONATION_LEVEL: "Either a required impersonation level was not provided, or the provided impersonation level is invalid.",
    ErrorCode.ERROR_CANT_OPEN_ANONYMOUS: "Cannot open an anonymous level security token.",
    ErrorCode.ERROR_BAD_TOKEN_TYPE: "The type of the token is inappropriate for its attempted use.",
    ErrorCode.ERROR_GENERIC_NOT_MAPPED: "Generic access types were contained in an access mask which should already be mapped to nongeneric types.",
    ErrorCode.ERROR_CANNOT_IMPERSONATE: "Unable to impersonate using a named pipe until data has been read from that pipe.",
    ErrorCode.ERROR_INVALID_SID: "The security ID structure is invalid.",
    ErrorCode.ERROR_INVALID_ACL: "The access control list (ACL) structure is invalid.",
    ErrorCode.ERROR_INVALID_OWNER: "This security ID may not be assigned as the owner of this object.",
    ErrorCode.ERROR_INVALID_PRIMARY_GROUP: "This security ID may not be assigned as the primary group of an object.",
    ErrorCode.ERROR_NOT_ALL_ASSIGNED: "Not all privileges or groups referenced are assigned to the caller.",
    ErrorCode.ERROR_UNKNOWN_REVISION: "The revision level is unknown.",
    ErrorCode.ERROR_CANT_ENABLE_DENY_ONLY: "A group marked use for deny only cannot be enabled.",
    ErrorCode.ERROR_CANT_DISABLE_MANDATORY: "The group may not be disabled.",
    ErrorCode.ERROR_NO_SUCH_LOGON_SESSION: "A specified logon session does not exist. It may already have been terminated.",
    ErrorCode.ERROR_NO_SUCH_PRIVILEGE: "A specified privilege does not exist.",
    ErrorCode.ERROR_NO_SUCH_USER: "The specified account does not exist.",
    ErrorCode.ERROR_NONE_MAPPED: "No mapping between account names and security IDs was done.",
    ErrorCode.ERROR_FILE_NOT_FOUND: "The system cannot find the file specified.",
    ErrorCode.ERROR_ALREADY_EXISTS: "Cannot create a file when that file already exists.",
    ErrorCode.ERROR_INVALID_NAME: "The filename, directory name, or volume label syntax is incorrect.",
    ErrorCode.ERROR_NOT_FOUND: "Element not found.",
    ErrorCode.ERROR_BROKEN_PIPE: "The pipe has been ended.",
    ErrorCode.ERROR_PIPE_BUSY: "All pipe instances are busy.",
    ErrorCode.ERROR_NO_DATA: "The pipe is being closed.",
    ErrorCode.ERROR_PIPE_NOT_CONNECTED: "No process is on the other end of the pipe.",
    ErrorCode.ERROR_PIPE_CONNECTED: "There is a process on other end of the pipe.",
    ErrorCode.ERROR_PIPE_LISTENING: "Waiting for a process to open the other end of the pipe.",
    ErrorCode.ERROR_NOT_ENOUGH_MEMORY: "Not enough memory resources are available to process this command.",
    ErrorCode.ERROR_INVALID_FLAGS: "Invalid flags.",
    ErrorCode.ERROR_REVISION_MISMATCH: "Indicates two revision levels are incompatible.",
    ErrorCode.ERROR_ALLOTTED_SPACE_EXCEEDED: "No more memory is available for security information updates.",
    ErrorCode.ERROR_PATH_NOT_FOUND: "The system cannot find the path specified.",
    ErrorCode.ERROR_FILE_EXISTS: "The file exists.",
    ErrorCode.ERROR_NOT_OWNER: "Attempt to release mutex not owned by caller.",
    ErrorCode.ERROR_TOO_MANY_POSTS: "Too many posts were made to a semaphore.",
    ErrorCode.RPC_S_SERVER_UNAVAILABLE: "The RPC server is unavailable.",
}


def error_name(code: int) -> str:
    """``error_name(5) == 'ERROR_ACCESS_DENIED'``; unknown codes print as a number."""
    try:
        return ErrorCode(code).name
    except ValueError:
        return f"error {code}"


class WinError(OSError):
    """A Win32 failure: ``.winerror`` is the Windows error code.

    ``str(e)`` reads ``ERROR_NO_TOKEN (1008): An attempt was made ...`` so a learner can
    search Microsoft's documentation with what they see.
    """

    def __init__(self, code: int, detail: str | None = None):
        code = int(code)
        text = _MESSAGES.get(code, "")  # type: ignore[call-overload]
        if detail:
            text = f"{text} {detail}".strip()
        super().__init__(None, f"{error_name(code)} ({code}): {text}".rstrip(": "))
        self.winerror = code
        self.errno = code
        self.detail = detail

    @property
    def name(self) -> str:
        return error_name(self.winerror)

    def __str__(self) -> str:
        return self.strerror or ""

    def __reduce__(self):
        return (type(self), (self.winerror, self.detail))


def hresult_name(hr: int) -> str:
    try:
        return HResult(hr).name
    except ValueError:
        return f"0x{hr & 0xFFFFFFFF:08X}"


class ComError(Exception):
    """A COM failure: ``.hresult`` is the HRESULT (unsigned), e.g. ``E_ACCESSDENIED``."""

    def __init__(self, hresult: int, detail: str | None = None):
        self.hresult = int(hresult) & 0xFFFFFFFF
        self.detail = detail
        msg = f"{hresult_name(self.hresult)} (0x{self.hresult:08X})"
        if detail:
            msg += f": {detail}"
        super().__init__(msg)

    @property
    def name(self) -> str:
        return hresult_name(self.hresult)

    def __reduce__(self):
        return (type(self), (self.hresult, self.detail))


class SDDLError(ValueError):
    """Malformed SDDL: ``.position`` is the 0-based character index, ``.expected`` what was wanted."""

    def __init__(self, text: str, position: int, expected: str):
        self.text = text
        self.position = position
        self.expected = expected
        near = text[position:position + 12]
        super().__init__(
            f"bad SDDL at position {position}: expected {expected}"
            + (f", found {near!r}" if near else ", found end of string")
        )

    def __reduce__(self):
        return (type(self), (self.text, self.position, self.expected))


class NotModelledError(ValueError):
    """A real Windows feature tokenlab deliberately does not simulate (said, never faked)."""


class SDDLNotModelledError(SDDLError, NotModelledError):
    """Valid SDDL naming something tokenlab does not model (object or conditional ACEs)."""
