"""The facade's plumbing: argument checks, the ``@win32`` calling convention, handle lookup.

Every facade call goes through :func:`win32`, which keeps the thread's last error as
Windows does and tells a recording trace that a call began and ended. :class:`ApiBase`
looks up a handle (or pseudo-handle) of the kinds a call takes, with the access it needs;
the calls themselves are in ``processes.py``, ``tokens.py`` and ``security.py``.
"""

import functools
from typing import Iterable
from ..kernel import srm
from ..kernel.handles import (
    CURRENT_PROCESS, CURRENT_PROCESS_TOKEN, CURRENT_THREAD, CURRENT_THREAD_TOKEN, PSEUDO_HANDLES,
)
from ..kernel.process import Thread
from ..kernel.token import Token
from ..security.descriptor import SecurityDescriptor
from ..security.rights import check_access_mask
from ..security.errors import ComError, ErrorCode, WinError
from ..security.rights import TokenAccess
from ..security.sids import SID
from ..security.tokenattrs import SecurityImpersonationLevel
from .structs import SECURITY_ATTRIBUTES


def _int(value, name: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise TypeError(f"{name} must be int, got {type(value).__name__}")
    return int(value)


def _mask(value, name: str) -> int:
    """An ACCESS_MASK argument: an int (else TypeError) that fits in 32 bits (else
    ERROR_INVALID_PARAMETER, where C would have truncated it)."""
    _int(value, name)
    try:
        return check_access_mask(value, name)
    except ValueError as e:
        raise WinError(ErrorCode.ERROR_INVALID_PARAMETER, str(e)) from None


def _bool(value, name: str) -> bool:
    if not isinstance(value, (bool, int)):
        raise TypeError(f"{name} must be bool, got {type(value).__name__}")
    return bool(value)


def _handle(value, name: str, optional: bool = False) -> int | None:
    if value is None and optional:
        return None
    if value is None:
        raise WinError(ErrorCode.ERROR_INVALID_HANDLE, f"{name} is NULL.")
    if isinstance(value, bool) or not isinstance(value, int):
        raise TypeError(f"{name} must be a handle (int), got {type(value).__name__}")
    return value


def _array(value, name: str, items: str) -> tuple:
    """A C array argument as a Python sequence; None (NULL) is an empty one."""
    if value is None:
        return ()
    if isinstance(value, (str, bytes)) or not isinstance(value, Iterable):
        raise TypeError(f"{name} must be a sequence of {items}, got {type(value).__name__}")
    return tuple(value)


def _sid(value, name: str) -> SID:
    if isinstance(value, SID):
        return value
    raise TypeError(f"{name} must be SID, got {type(value).__name__}")


def _sd(value, name: str) -> SecurityDescriptor:
    if isinstance(value, SecurityDescriptor):
        return value
    raise TypeError(f"{name} must be SecurityDescriptor, got {type(value).__name__}")


def _sa(value, name: str = "lpSecurityAttributes") -> tuple[SecurityDescriptor | None, bool]:
    if value is None:
        return None, False
    if not isinstance(value, SECURITY_ATTRIBUTES):
        raise TypeError(f"{name} must be SECURITY_ATTRIBUTES or None, got {type(value).__name__}")
    return value.lpSecurityDescriptor, value.bInheritHandle


def _level(value) -> SecurityImpersonationLevel:
    _int(value, "ImpersonationLevel")
    try:
        return SecurityImpersonationLevel(value)
    except ValueError:
        raise WinError(ErrorCode.ERROR_INVALID_PARAMETER, f"{value} is not a SECURITY_IMPERSONATION_LEVEL.") from None


# Information classes Windows lets SetTokenInformation change but tokenlab does not model
# (docs: SetTokenInformation, TOKEN_INFORMATION_CLASS): an explicit error, never a fake.
def win32(fn):
    """Mark a facade function: keep the last error like Windows and feed the trace."""
    name = fn.__name__

    @functools.wraps(fn)
    def call(self, *args, **kwargs):
        machine = self.thread.machine
        tracer = machine.tracer
        if tracer is not None:
            tracer.begin()
        try:
            result = fn(self, *args, **kwargs)
        except (WinError, ComError) as e:
            self.thread.last_error = getattr(e, "winerror", None) or getattr(e, "hresult", 0)
            if tracer is not None:
                tracer.record(self.thread, name, args, kwargs, error=e)
            raise
        # A success leaves the last error as it was, as Windows' functions do (Wine test
        # test_AccessCheck: "SetLastError(0xdeadbeef)" survives a successful AccessCheck),
        # unless the call sets one on success (ERROR_ALREADY_EXISTS, ERROR_NOT_ALL_ASSIGNED).
        if self._pending_error is not None:
            self.thread.last_error, self._pending_error = self._pending_error, None
        if tracer is not None:
            tracer.record(self.thread, name, args, kwargs, result=result)
        return result

    call.is_win32 = True
    return call


class ApiBase:
    """What every facade call needs: the calling thread, and its handles looked up with the access a call needs."""

    def __init__(self, thread: "Thread"):
        self.thread = thread
        self._pending_error: int | None = None  # a success that sets last error (e.g. ERROR_ALREADY_EXISTS)

    # ---------------------------------------------------------------- plumbing
    @property
    def machine(self):
        return self.thread.machine

    @property
    def process(self):
        return self.thread.process

    def _lookup(self, h: int, kinds: tuple[str, ...], required: int, *, query: bool = False):
        """(object, granted) for handle ``h`` of one of ``kinds``, needing ``required`` access.

        The token pseudo-handles (GetCurrentProcessToken, GetCurrentThreadToken,
        GetCurrentThreadEffectiveToken) work only where a token is *queried* (``query``:
        GetTokenInformation, AccessCheck, CheckTokenMembership, PrivilegeCheck) and carry
        TOKEN_QUERY|TOKEN_QUERY_SOURCE there; anywhere else Windows fails with
        ERROR_INVALID_HANDLE (docs: GetCurrentThreadEffectiveToken; Wine test
        test_create_process_token)."""
        thread, proc = self.thread, self.thread.process
        if h in PSEUDO_HANDLES:
            if h == CURRENT_PROCESS:
                obj, granted = proc, proc.mapping.generic_all
            elif h == CURRENT_THREAD:
                obj, granted = thread, thread.mapping.generic_all
            elif not query:
                raise WinError(ErrorCode.ERROR_INVALID_HANDLE,
                               f"{PSEUDO_HANDLES[h]} is a token pseudo-handle: it works only where a token is "
                               "queried (GetTokenInformation, AccessCheck, CheckTokenMembership, PrivilegeCheck).")
            else:
                if h == CURRENT_PROCESS_TOKEN:
                    obj = proc.token
                elif h == CURRENT_THREAD_TOKEN:
                    obj = thread.token
                    if obj is None:
                        raise WinError(ErrorCode.ERROR_NO_TOKEN, "GetCurrentThreadToken(): the thread is not impersonating.")
                else:
                    obj = thread.effective_token
                granted = int(TokenAccess.TOKEN_QUERY | TokenAccess.TOKEN_QUERY_SOURCE)
        else:
            entry = proc.handles.get(h)
            if entry is None:
                raise WinError(ErrorCode.ERROR_INVALID_HANDLE, f"{h} is not a handle in {proc.image}.")
            obj, granted = entry.obj, entry.granted
        if obj.object_type not in kinds:
            raise WinError(ErrorCode.ERROR_INVALID_HANDLE,
                           f"Handle {h} is a {obj.object_type} handle; this call needs a {' or '.join(kinds)} handle.")
        if required & ~granted:
            missing = obj.mapping.format(required & ~granted)
            if h in PSEUDO_HANDLES:
                raise WinError(ErrorCode.ERROR_ACCESS_DENIED,
                               f"{PSEUDO_HANDLES[h]} is a pseudo-handle that grants only "
                               f"{obj.mapping.format(granted)}; this call needs {missing}.")
            raise WinError(ErrorCode.ERROR_ACCESS_DENIED, f"Handle {h} was not opened with {missing}.")
        return obj, granted

    def _token(self, h, required: int, *, query: bool = False) -> Token:
        return self._lookup(_handle(h, "TokenHandle"), ("Token",), required, query=query)[0]

    def _thread_arg(self, h, required: int):
        return self._lookup(_handle(h, "ThreadHandle"), ("Thread",), required)[0]

    def _new_handle(self, obj, granted: int, inherit: bool = False) -> int:
        return self.process.handles.insert(obj, srm.implied_rights(obj, granted), inherit).value

    def _creator(self) -> Token:
        return self.thread.effective_token

    def _open(self, obj, desired: int, why: str | None = None) -> int:
        """The access an open of ``obj`` gets: checked against the calling thread's
        effective token (srm.open_check); raises WinError when refused."""
        return srm.open_as_thread(self.machine, self.thread, obj, desired, why)

