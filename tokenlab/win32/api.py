"""The Win32 facade: ``thread.api.OpenThreadToken(...)`` with Windows' names and rules.

Each function is thin (STYLE.md 7): check argument types, look up the handles with the
rights they need, call the machine, return. Conventions (DESIGN.md):

* names, argument order and constants are Win32's (no A/W suffix); ``None`` is NULL;
* out-parameters are return values (a tuple in declaration order when there are several);
  length and count parameters that only size C buffers are dropped, as pywin32 does;
* a failure raises :class:`~tokenlab.errors.WinError` (``.winerror``) and changes nothing
  but the thread's last-error value, which ``GetLastError()`` reads as on Windows;
* handles are ints; pseudo-handles have Windows' values and are resolved when used.
"""
from __future__ import annotations

import functools
from typing import Iterable

from ..kernel import events as ev
from ..kernel import srm
from ..kernel import token as tokens
from ..kernel.com import ComObject
from ..kernel.handles import (
    CURRENT_PROCESS, CURRENT_PROCESS_TOKEN, CURRENT_THREAD, CURRENT_THREAD_EFFECTIVE_TOKEN, CURRENT_THREAD_TOKEN,
    PSEUDO_HANDLES,
)
from ..kernel.lsa import LOGON_PROVIDERS, LOGON_TYPE_NAMES
from ..kernel.process import Thread
from ..kernel.token import Token
from ..security.access_check import access_check
from ..security.acl import ACL, NULL_ACL, SDControl
from ..security.descriptor import SecurityDescriptor
from ..security.errors import ComError, ErrorCode, NotModelledError, WinError
from ..security.rights import ACCESS_SYSTEM_SECURITY, MAXIMUM_ALLOWED, TOKEN_MAPPING, GenericMapping, TokenAccess
from ..security.sids import SID
from ..security.tokenattrs import (
    LUID, PRIVILEGE_BY_LUID, PRIVILEGES, GroupAttributes, PrivilegeAttributes, SecurityImpersonationLevel,
    SidAndAttributes, TokenType,
)
from . import constants as C
from .structs import LUID_AND_ATTRIBUTES, PRIVILEGE_SET, SECURITY_ATTRIBUTES, TOKEN_SOURCE, TOKEN_STATISTICS


def _int(value, name: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise TypeError(f"{name} must be int, got {type(value).__name__}")
    return int(value)


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


def _sa(value) -> tuple[SecurityDescriptor | None, bool]:
    if value is None:
        return None, False
    if not isinstance(value, SECURITY_ATTRIBUTES):
        raise TypeError(f"lpSecurityAttributes must be SECURITY_ATTRIBUTES or None, got {type(value).__name__}")
    return value.lpSecurityDescriptor, value.bInheritHandle


def _level(value) -> SecurityImpersonationLevel:
    _int(value, "ImpersonationLevel")
    try:
        return SecurityImpersonationLevel(value)
    except ValueError:
        raise WinError(ErrorCode.ERROR_INVALID_PARAMETER, f"{value} is not a SECURITY_IMPERSONATION_LEVEL.") from None


# Information classes Windows lets SetTokenInformation change but tokenlab does not model
# (docs: SetTokenInformation, TOKEN_INFORMATION_CLASS): an explicit error, never a fake.
_SETTABLE_NOT_MODELLED = frozenset({
    C.TokenSessionId, C.TokenSessionReference, C.TokenAuditPolicy, C.TokenOrigin, C.TokenUIAccess,
    C.TokenMandatoryPolicy, C.TokenVirtualizationAllowed, C.TokenVirtualizationEnabled,
})


# The control bits a returned descriptor keeps with its DACL or SACL: *_AUTO_INHERITED and
# *_PROTECTED (winnt.h SE_DACL_AUTO_INHERITED 0x400, SE_DACL_PROTECTED 0x1000 …).
_DACL_CONTROL = SDControl.SE_DACL_PROTECTED | SDControl.SE_DACL_AUTO_INHERITED
_SACL_CONTROL = SDControl.SE_SACL_PROTECTED | SDControl.SE_SACL_AUTO_INHERITED


def win32(fn):
    """Mark a facade function: keep the last error like Windows and feed the trace."""
    name = fn.__name__

    @functools.wraps(fn)
    def call(self: "Api", *args, **kwargs):
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
        if self._pending_error is not None:
            self.thread.last_error, self._pending_error = self._pending_error, None
        else:
            self.thread.last_error = 0
        if tracer is not None:
            tracer.record(self.thread, name, args, kwargs, result=result)
        return result

    call.is_win32 = True
    return call


class Api:
    """The Win32 functions, with ``thread`` as the calling (current) thread."""

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

    def _lookup(self, h: int, kinds: tuple[str, ...], required: int):
        """(object, granted) for handle ``h`` of one of ``kinds``, needing ``required`` access."""
        thread, proc = self.thread, self.thread.process
        if h in PSEUDO_HANDLES:
            if h == CURRENT_PROCESS:
                obj, granted = proc, proc.mapping.generic_all
            elif h == CURRENT_THREAD:
                obj, granted = thread, thread.mapping.generic_all
            else:
                # Token pseudo-handles carry only TOKEN_QUERY|TOKEN_QUERY_SOURCE (docs:
                # GetCurrentThreadToken), so anything but a query is refused for lack of access.
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

    def _token(self, h, required: int) -> Token:
        return self._lookup(_handle(h, "TokenHandle"), ("Token",), required)[0]

    def _thread_arg(self, h, required: int):
        return self._lookup(_handle(h, "ThreadHandle"), ("Thread",), required)[0]

    def _new_handle(self, obj, granted: int, inherit: bool = False) -> int:
        return self.process.handles.insert(obj, granted, inherit).value

    def _creator(self) -> Token:
        return self.thread.effective_token

    def _open(self, obj, desired: int, why: str | None = None) -> int:
        """The access an open of ``obj`` gets: checked against the calling thread's
        effective token (srm.open_check); raises WinError when refused."""
        granted, _ = srm.open_check(self.machine, obj, self.thread.effective_token, desired,
                                    thread_token=self.thread.token is not None, why=why)
        return granted

    # ---------------------------------------------------------------- pseudo-handles
    @win32
    def GetCurrentProcess(self) -> int:
        return CURRENT_PROCESS

    @win32
    def GetCurrentThread(self) -> int:
        return CURRENT_THREAD

    @win32
    def GetCurrentProcessToken(self) -> int:
        return CURRENT_PROCESS_TOKEN

    @win32
    def GetCurrentThreadToken(self) -> int:
        return CURRENT_THREAD_TOKEN

    @win32
    def GetCurrentThreadEffectiveToken(self) -> int:
        return CURRENT_THREAD_EFFECTIVE_TOKEN

    @win32
    def GetCurrentProcessId(self) -> int:
        return self.process.pid

    @win32
    def GetCurrentThreadId(self) -> int:
        return self.thread.tid

    def GetLastError(self) -> int:
        """The calling thread's last-error value (not traced: it changes nothing)."""
        return self.thread.last_error

    # ---------------------------------------------------------------- handles
    @win32
    def CloseHandle(self, hObject) -> bool:
        h = _handle(hObject, "hObject")
        if h in PSEUDO_HANDLES:
            return True  # closing a pseudo-handle does nothing (docs: GetCurrentProcess)
        if h not in self.process.handles:
            raise WinError(ErrorCode.ERROR_INVALID_HANDLE, f"{h} is not a handle in {self.process.image}.")
        self.process.handles.remove(h)
        return True

    @win32
    def DuplicateHandle(self, hSourceProcessHandle, hSourceHandle, hTargetProcessHandle,
                        dwDesiredAccess, bInheritHandle, dwOptions) -> int:
        """Returns the new handle (lpTargetHandle). Asking for more access than the source
        handle has triggers an access check against the object's descriptor."""
        desired = _int(dwDesiredAccess, "dwDesiredAccess")
        inherit = _bool(bInheritHandle, "bInheritHandle")
        options = _int(dwOptions, "dwOptions")
        src_proc, _ = self._lookup(_handle(hSourceProcessHandle, "hSourceProcessHandle"), ("Process",),
                                   C.PROCESS_DUP_HANDLE)
        dst_proc, _ = self._lookup(_handle(hTargetProcessHandle, "hTargetProcessHandle"), ("Process",),
                                   C.PROCESS_DUP_HANDLE)
        h = _handle(hSourceHandle, "hSourceHandle")
        if h in PSEUDO_HANDLES:
            if src_proc is not self.process:
                raise WinError(ErrorCode.ERROR_INVALID_HANDLE)
            obj, granted = self._lookup(h, ("Process", "Thread", "Token"), 0)
        else:
            entry = src_proc.handles.get(h)
            if entry is None:
                raise WinError(ErrorCode.ERROR_INVALID_HANDLE, f"{h} is not a handle in {src_proc.image}.")
            obj, granted = entry.obj, entry.granted
        if options & C.DUPLICATE_SAME_ACCESS:
            new_access = granted
        else:
            new_access = obj.mapping.map(desired & ~MAXIMUM_ALLOWED)
            if new_access & ~granted or desired & MAXIMUM_ALLOWED:
                new_access = self._open(obj, desired)
        value = dst_proc.handles.insert(obj, new_access, inherit).value
        if options & C.DUPLICATE_CLOSE_SOURCE and h not in PSEUDO_HANDLES:
            src_proc.handles.remove(h)
        return value

    # ---------------------------------------------------------------- opening tokens
    @win32
    def OpenProcessToken(self, ProcessHandle, DesiredAccess) -> int:
        desired = _int(DesiredAccess, "DesiredAccess")
        proc, _ = self._lookup(_handle(ProcessHandle, "ProcessHandle"), ("Process",),
                               C.PROCESS_QUERY_LIMITED_INFORMATION)
        return self._new_handle(proc.token, self._open(proc.token, desired))

    @win32
    def OpenThreadToken(self, ThreadHandle, DesiredAccess, OpenAsSelf) -> int:
        """OpenAsSelf=TRUE checks access with the *process* token; FALSE with the calling
        thread's current token (docs: OpenThreadToken; BEHAVIOR.md)."""
        desired = _int(DesiredAccess, "DesiredAccess")
        as_self = _bool(OpenAsSelf, "OpenAsSelf")
        target = self._thread_arg(ThreadHandle, C.THREAD_QUERY_INFORMATION)
        token = target.token
        if token is None:
            raise WinError(ErrorCode.ERROR_NO_TOKEN, f"Thread {target.tid} is not impersonating.")
        if token.impersonation_level == SecurityImpersonationLevel.SecurityAnonymous:
            raise WinError(ErrorCode.ERROR_CANT_OPEN_ANONYMOUS)
        if as_self:
            granted, _ = srm.open_check(self.machine, token, self.process.token, desired, thread_token=False,
                                        why=ev.WHY_OPEN_AS_SELF)
        else:
            granted = self._open(token, desired, why=ev.WHY_OPEN_AS_THREAD)
        return self._new_handle(token, granted)

    @win32
    def OpenProcess(self, dwDesiredAccess, bInheritHandle, dwProcessId) -> int:
        desired = _int(dwDesiredAccess, "dwDesiredAccess")
        inherit = _bool(bInheritHandle, "bInheritHandle")
        pid = _int(dwProcessId, "dwProcessId")
        proc = next((p for p in self.machine.processes if p.pid == pid and p.alive), None)
        if proc is None:
            raise WinError(ErrorCode.ERROR_INVALID_PARAMETER, f"No process has id {pid}.")
        return self._new_handle(proc, self._open(proc, desired), inherit)

    @win32
    def OpenThread(self, dwDesiredAccess, bInheritHandle, dwThreadId) -> int:
        desired = _int(dwDesiredAccess, "dwDesiredAccess")
        inherit = _bool(bInheritHandle, "bInheritHandle")
        tid = _int(dwThreadId, "dwThreadId")
        try:
            target = self.machine.thread(tid)
        except KeyError:
            raise WinError(ErrorCode.ERROR_INVALID_PARAMETER, f"No thread has id {tid}.") from None
        return self._new_handle(target, self._open(target, desired), inherit)

    # ---------------------------------------------------------------- making tokens
    @win32
    def LogonUser(self, lpszUsername, lpszDomain, lpszPassword, dwLogonType, dwLogonProvider) -> int:
        """Returns phToken. A network logon gives an *impersonation* token, every other type
        a primary token (docs: LogonUser). The new token's own descriptor comes from the
        caller's effective token, like any new object — a model choice (Windows' LSA gives
        the tokens it makes a descriptor of its own; see tokenlab.kernel.lsa)."""
        if not isinstance(lpszUsername, str):
            raise TypeError(f"lpszUsername must be str, got {type(lpszUsername).__name__}")
        if lpszDomain is not None and not isinstance(lpszDomain, str):
            raise TypeError(f"lpszDomain must be str or None, got {type(lpszDomain).__name__}")
        if lpszPassword is not None and not isinstance(lpszPassword, str):
            raise TypeError(f"lpszPassword must be str or None, got {type(lpszPassword).__name__}")
        logon_type = _int(dwLogonType, "dwLogonType")
        provider = _int(dwLogonProvider, "dwLogonProvider")
        if logon_type not in LOGON_TYPE_NAMES or provider not in LOGON_PROVIDERS:
            raise WinError(ErrorCode.ERROR_INVALID_PARAMETER, "Unsupported logon type or provider.")
        acct = self.machine.lsa.check_password(lpszUsername, lpszDomain, lpszPassword)
        token = self.machine.lsa.logon_user(self.thread, acct, logon_type)
        return self._new_handle(token, C.TOKEN_ALL_ACCESS)

    def _duplicate(self, h, desired: int, sa, level, token_type, origin: str, default_access=None) -> int:
        sd, inherit = _sa(sa)
        level = _level(level)
        _int(token_type, "TokenType")
        if token_type not in (1, 2):
            raise WinError(ErrorCode.ERROR_INVALID_PARAMETER, f"{token_type} is not a TOKEN_TYPE.")
        source, granted = self._lookup(_handle(h, "ExistingTokenHandle"), ("Token",), C.TOKEN_DUPLICATE)
        if default_access is not None:
            access = default_access
        elif desired == 0:
            access = granted  # same as the source handle (Wine test test_duplicate_token)
        elif desired & MAXIMUM_ALLOWED:
            access = C.TOKEN_ALL_ACCESS | (desired & ~MAXIMUM_ALLOWED & ~0xF0000000)
        else:
            access = TOKEN_MAPPING.map(desired)
        dup = srm.duplicate_token(self.machine, self._creator(), source, level, token_type, sd, origin)
        return self._new_handle(dup, access, inherit)

    @win32
    def DuplicateToken(self, ExistingTokenHandle, ImpersonationLevel) -> int:
        """An impersonation token with a *new, default* descriptor; the handle has
        TOKEN_QUERY|TOKEN_IMPERSONATE (Wine test test_duplicate_token)."""
        return self._duplicate(ExistingTokenHandle, 0, None, ImpersonationLevel, TokenType.TokenImpersonation,
                               "DuplicateToken", default_access=int(C.TOKEN_QUERY | C.TOKEN_IMPERSONATE))

    @win32
    def DuplicateTokenEx(self, hExistingToken, dwDesiredAccess, lpTokenAttributes, ImpersonationLevel,
                         TokenType) -> int:
        desired = _int(dwDesiredAccess, "dwDesiredAccess")
        return self._duplicate(hExistingToken, desired, lpTokenAttributes, ImpersonationLevel, TokenType,
                               "DuplicateTokenEx")

    @win32
    def CreateRestrictedToken(self, ExistingTokenHandle, Flags, SidsToDisable=(), PrivilegesToDelete=(),
                              SidsToRestrict=()) -> int:
        """Returns NewTokenHandle. Disabled SIDs become deny-only; restricting SIDs add the
        second access-check pass. (The count arguments of the C function are implied.)"""
        flags = _int(Flags, "Flags")
        if flags & (C.LUA_TOKEN | C.WRITE_RESTRICTED):
            raise NotModelledError("LUA_TOKEN and WRITE_RESTRICTED restricted tokens are not modelled by tokenlab")
        disable = [_sid(getattr(s, "sid", s), "SidsToDisable[i]")
                   for s in _array(SidsToDisable, "SidsToDisable", "SID or SidAndAttributes")]
        restrict = [_sid(getattr(s, "sid", s), "SidsToRestrict[i]")
                    for s in _array(SidsToRestrict, "SidsToRestrict", "SID or SidAndAttributes")]
        delete = []
        for p in _array(PrivilegesToDelete, "PrivilegesToDelete", "privilege names (str) or LUID_AND_ATTRIBUTES"):
            name = p.name if isinstance(p, LUID_AND_ATTRIBUTES) else p
            if not isinstance(name, str):
                raise TypeError(f"PrivilegesToDelete[i] must be str or LUID_AND_ATTRIBUTES, got {type(p).__name__}")
            if name not in PRIVILEGES:
                raise WinError(ErrorCode.ERROR_NO_SUCH_PRIVILEGE, f"{name!r}")
            delete.append(name)
        source, _ = self._lookup(_handle(ExistingTokenHandle, "ExistingTokenHandle"), ("Token",),
                                 C.TOKEN_DUPLICATE)
        new = srm.duplicate_token(self.machine, self._creator(), source, source.impersonation_level,
                                  source.token_type, None, "CreateRestrictedToken")
        tokens.restrict(new, disable, delete, restrict, max_privilege=bool(flags & C.DISABLE_MAX_PRIVILEGE))
        return self._new_handle(new, C.TOKEN_ALL_ACCESS)

    # ---------------------------------------------------------------- impersonation
    @win32
    def ImpersonateLoggedOnUser(self, hToken) -> bool:
        """A primary token is first duplicated to an impersonation token (with a default
        descriptor); an impersonation token goes into the slot itself (BEHAVIOR.md)."""
        h = _handle(hToken, "hToken")
        token, granted = self._lookup(h, ("Token",), C.TOKEN_QUERY)
        if token.token_type == TokenType.TokenPrimary:
            self._lookup(h, ("Token",), C.TOKEN_QUERY | C.TOKEN_DUPLICATE)
            token = srm.duplicate_token(self.machine, self._creator(), token,
                                        SecurityImpersonationLevel.SecurityImpersonation, TokenType.TokenImpersonation,
                                        None, "ImpersonateLoggedOnUser (copy of a primary token)")
        else:
            self._lookup(h, ("Token",), C.TOKEN_QUERY | C.TOKEN_IMPERSONATE)
        srm.impersonate(self.machine, self.thread, token)
        return True

    @win32
    def ImpersonateSelf(self, ImpersonationLevel) -> bool:
        level = _level(ImpersonationLevel)
        copy = srm.duplicate_token(self.machine, self._creator(), self.process.token, level,
                                   TokenType.TokenImpersonation, None, "ImpersonateSelf")
        srm.impersonate(self.machine, self.thread, copy)
        return True

    @win32
    def SetThreadToken(self, Thread, Token) -> bool:
        """``SetThreadToken(None, h)`` replaces the calling thread's token; ``Token=None``
        clears it. The slot holds one token: nothing is pushed or remembered."""
        target = self.thread if Thread is None else self._thread_arg(Thread, C.THREAD_SET_THREAD_TOKEN)
        if Token is None:
            target.set_token(None)
            return True
        srm.impersonate(self.machine, target, self._token(Token, C.TOKEN_IMPERSONATE))
        return True

    @win32
    def RevertToSelf(self) -> bool:
        """Clears the token slot: the thread runs as its process again. Not a pop."""
        self.thread.set_token(None)
        return True

    # ---------------------------------------------------------------- token information
    @win32
    def GetTokenInformation(self, TokenHandle, TokenInformationClass):
        cls = _int(TokenInformationClass, "TokenInformationClass")
        need = C.TOKEN_QUERY_SOURCE if cls == C.TokenSource else C.TOKEN_QUERY
        t = self._lookup(_handle(TokenHandle, "TokenHandle"), ("Token",), need)[0]
        integrity = SidAndAttributes(t.integrity_level, GroupAttributes.SE_GROUP_INTEGRITY
                                     | GroupAttributes.SE_GROUP_INTEGRITY_ENABLED)
        if cls == C.TokenUser:
            return SidAndAttributes(t.user, t.user_attributes)
        if cls == C.TokenGroups:
            return t.groups + (integrity,)
        if cls == C.TokenPrivileges:
            return tuple(LUID_AND_ATTRIBUTES(LUID(PRIVILEGES[n]), a) for n, a in t.privileges.items())
        if cls == C.TokenOwner:
            return t.owner
        if cls == C.TokenPrimaryGroup:
            return t.primary_group
        if cls == C.TokenDefaultDacl:
            return t.default_dacl
        if cls == C.TokenSource:
            return TOKEN_SOURCE(t.source, t.authentication_id)
        if cls == C.TokenType:
            return t.token_type
        if cls == C.TokenImpersonationLevel:
            if t.token_type == TokenType.TokenPrimary:
                raise WinError(ErrorCode.ERROR_INVALID_PARAMETER, "A primary token has no impersonation level.")
            return t.impersonation_level
        if cls == C.TokenStatistics:
            return TOKEN_STATISTICS(t.token_id, t.authentication_id, t.token_type, t.impersonation_level,
                                    len(t.groups) + 1, len(t.privileges), t.modified_id)
        if cls == C.TokenRestrictedSids:
            return t.restricted_sids
        if cls == C.TokenSessionId:
            return t.session_id
        if cls == C.TokenElevation:
            return bool(t.elevated)
        if cls == C.TokenHasRestrictions:
            return bool(t.restricted_sids) or any(g.deny_only for g in t.groups)
        if cls == C.TokenIntegrityLevel:
            return integrity
        if cls == C.TokenMandatoryPolicy:
            return t.mandatory_policy
        if cls == C.TokenLogonSid:
            if t.logon_sid is None:
                raise WinError(ErrorCode.ERROR_NOT_FOUND, "The token has no logon SID.")
            return (SidAndAttributes(t.logon_sid, GroupAttributes.SE_GROUP_LOGON_ID | 0x7),)
        raise WinError(ErrorCode.ERROR_INVALID_PARAMETER,
                       f"TokenInformationClass {cls} is not modelled by tokenlab.")

    @win32
    def SetTokenInformation(self, TokenHandle, TokenInformationClass, TokenInformation) -> bool:
        cls = _int(TokenInformationClass, "TokenInformationClass")
        if cls in _SETTABLE_NOT_MODELLED:
            raise NotModelledError(f"SetTokenInformation({C.TOKEN_INFORMATION_CLASS_NAMES.get(cls, cls)}) works on "
                                   "Windows but is not modelled by tokenlab")
        if cls not in (C.TokenOwner, C.TokenPrimaryGroup, C.TokenDefaultDacl, C.TokenIntegrityLevel):
            raise WinError(ErrorCode.ERROR_INVALID_PARAMETER,
                           f"SetTokenInformation cannot set information class {cls}.")
        if cls == C.TokenDefaultDacl:
            if TokenInformation is not None and not isinstance(TokenInformation, ACL):
                raise TypeError(f"TokenInformation must be ACL or None, got {type(TokenInformation).__name__}")
        elif cls == C.TokenIntegrityLevel and isinstance(TokenInformation, SidAndAttributes):
            sid = TokenInformation.sid  # TOKEN_MANDATORY_LABEL's one field
        else:
            sid = _sid(TokenInformation, "TokenInformation")
        t = self._token(TokenHandle, C.TOKEN_ADJUST_DEFAULT)
        if cls == C.TokenOwner:
            tokens.set_owner(t, sid, srm.may_own)
        elif cls == C.TokenPrimaryGroup:
            tokens.set_primary_group(t, sid)
        elif cls == C.TokenIntegrityLevel:
            tokens.set_integrity(t, sid, self.thread.effective_token)
        else:
            tokens.set_default_dacl(t, TokenInformation)
        t.modified_id = self.machine.new_luid()
        return True

    @win32
    def AdjustTokenPrivileges(self, TokenHandle, DisableAllPrivileges, NewState):
        """Returns PreviousState. Like Windows, it *succeeds* even when the token lacks one
        of the privileges; ``GetLastError()`` then says ERROR_NOT_ALL_ASSIGNED (1300)."""
        disable_all = _bool(DisableAllPrivileges, "DisableAllPrivileges")
        changes = []
        for item in _array(NewState, "NewState", "(privilege name, attributes) or LUID_AND_ATTRIBUTES"):
            if isinstance(item, LUID_AND_ATTRIBUTES):
                name, attrs = item.name, int(item.Attributes)
            elif isinstance(item, tuple) and len(item) == 2:
                name, attrs = item
                name = PRIVILEGE_BY_LUID.get(name.value, "") if isinstance(name, LUID) else name
                attrs = _int(attrs, "Attributes")
                if not isinstance(name, str):
                    raise TypeError(f"a NewState privilege must be str or LUID, got {type(name).__name__}")
            else:
                raise TypeError("NewState items must be (privilege name, attributes) or LUID_AND_ATTRIBUTES")
            if name not in PRIVILEGES:
                raise WinError(ErrorCode.ERROR_NO_SUCH_PRIVILEGE, repr(name))
            changes.append((name, attrs))
        t = self._token(TokenHandle, C.TOKEN_ADJUST_PRIVILEGES)
        changed, missing = tokens.adjust_privileges(t, changes, disable_all, self.machine.new_luid)
        previous = [LUID_AND_ATTRIBUTES(LUID(PRIVILEGES[name]), old) for name, old in changed]
        if missing:
            self._pending_error = ErrorCode.ERROR_NOT_ALL_ASSIGNED
        return tuple(previous)

    # ---------------------------------------------------------------- object security
    def _read_security(self, h, info: int):
        need = 0
        if info & (C.OWNER_SECURITY_INFORMATION | C.GROUP_SECURITY_INFORMATION | C.DACL_SECURITY_INFORMATION
                   | C.LABEL_SECURITY_INFORMATION):
            need |= C.READ_CONTROL
        if info & C.SACL_SECURITY_INFORMATION:
            need |= ACCESS_SYSTEM_SECURITY
        obj, _ = self._lookup(h, ("Token", "Process", "Thread", "Event"), need)
        sd = obj.security or SecurityDescriptor()
        dacl = (sd.dacl if sd.dacl is not None else NULL_ACL) if sd.dacl_present else None
        sacl = None
        if info & C.SACL_SECURITY_INFORMATION and sd.sacl_present:
            sacl = sd.sacl if sd.sacl is not None else NULL_ACL
        elif info & C.LABEL_SECURITY_INFORMATION and sd.label is not None:
            sacl = ACL([sd.label])
        keep = _DACL_CONTROL if info & C.DACL_SECURITY_INFORMATION else 0
        keep |= _SACL_CONTROL if info & (C.SACL_SECURITY_INFORMATION | C.LABEL_SECURITY_INFORMATION) else 0
        return SecurityDescriptor(
            sd.owner if info & C.OWNER_SECURITY_INFORMATION else None,
            sd.group if info & C.GROUP_SECURITY_INFORMATION else None,
            dacl if info & C.DACL_SECURITY_INFORMATION else None,
            sacl, sd.control & keep)

    @win32
    def GetSecurityInfo(self, handle, ObjectType, SecurityInfo) -> SecurityDescriptor:
        """Returns the descriptor holding just the parts ``SecurityInfo`` asks for (the
        C function's ppSecurityDescriptor; its other out-parameters are its fields)."""
        if _int(ObjectType, "ObjectType") != C.SE_KERNEL_OBJECT:
            raise WinError(ErrorCode.ERROR_INVALID_PARAMETER, "tokenlab models SE_KERNEL_OBJECT only.")
        return self._read_security(_handle(handle, "handle"), _int(SecurityInfo, "SecurityInfo"))

    @win32
    def GetKernelObjectSecurity(self, Handle, RequestedInformation) -> SecurityDescriptor:
        return self._read_security(_handle(Handle, "Handle"), _int(RequestedInformation, "RequestedInformation"))

    def _write_security(self, h, info: int, owner, group, dacl, sacl):
        need = 0
        if info & (C.OWNER_SECURITY_INFORMATION | C.GROUP_SECURITY_INFORMATION):
            need |= C.WRITE_OWNER
        if info & C.DACL_SECURITY_INFORMATION:
            need |= C.WRITE_DAC
        if info & C.SACL_SECURITY_INFORMATION:
            need |= ACCESS_SYSTEM_SECURITY
        if info & C.LABEL_SECURITY_INFORMATION:
            need |= C.WRITE_OWNER
        obj, _ = self._lookup(h, ("Token", "Process", "Thread", "Event"), need)
        srm.set_security(self.machine, obj, info, self.thread.effective_token, owner, group, dacl, sacl)
        return True

    @win32
    def SetSecurityInfo(self, handle, ObjectType, SecurityInfo, psidOwner, psidGroup, pDacl, pSacl) -> bool:
        if _int(ObjectType, "ObjectType") != C.SE_KERNEL_OBJECT:
            raise WinError(ErrorCode.ERROR_INVALID_PARAMETER, "tokenlab models SE_KERNEL_OBJECT only.")
        info = _int(SecurityInfo, "SecurityInfo")
        owner = None if psidOwner is None else _sid(psidOwner, "psidOwner")
        group = None if psidGroup is None else _sid(psidGroup, "psidGroup")
        for name, acl in (("pDacl", pDacl), ("pSacl", pSacl)):
            if acl is not None and not isinstance(acl, ACL):
                raise TypeError(f"{name} must be ACL or None, got {type(acl).__name__}")
        # SetSecurityInfo with a NULL pDacl and DACL_SECURITY_INFORMATION sets a NULL DACL.
        return self._write_security(_handle(handle, "handle"), info, owner, group,
                                    pDacl if pDacl is not None else NULL_ACL, pSacl)

    @win32
    def SetKernelObjectSecurity(self, Handle, SecurityInformation, SecurityDescriptor_) -> bool:
        info = _int(SecurityInformation, "SecurityInformation")
        sd = _sd(SecurityDescriptor_, "SecurityDescriptor")
        dacl = (sd.dacl if sd.dacl is not None else NULL_ACL) if sd.dacl_present else NULL_ACL
        return self._write_security(_handle(Handle, "Handle"), info, sd.owner, sd.group, dacl, sd.sacl)

    # ---------------------------------------------------------------- events and threads
    @win32
    def CreateEvent(self, lpEventAttributes, bManualReset, bInitialState, lpName) -> int:
        sd, inherit = _sa(lpEventAttributes)
        manual, initial = _bool(bManualReset, "bManualReset"), _bool(bInitialState, "bInitialState")
        if lpName is not None and not isinstance(lpName, str):
            raise TypeError(f"lpName must be str or None, got {type(lpName).__name__}")
        if lpName is not None:
            existing = self.machine.find_named(lpName)
            if existing is not None:
                if existing.object_type != "Event":
                    raise WinError(ErrorCode.ERROR_INVALID_HANDLE, f"{lpName!r} names a {existing.object_type}.")
                granted = self._open(existing, C.EVENT_ALL_ACCESS)
                self._pending_error = ErrorCode.ERROR_ALREADY_EXISTS
                return self._new_handle(existing, granted, inherit)
        ev = self.machine.create_event(self._creator(), sd, manual, initial, lpName)
        return self._new_handle(ev, C.EVENT_ALL_ACCESS, inherit)

    @win32
    def OpenEvent(self, dwDesiredAccess, bInheritHandle, lpName) -> int:
        desired = _int(dwDesiredAccess, "dwDesiredAccess")
        inherit = _bool(bInheritHandle, "bInheritHandle")
        if not isinstance(lpName, str):
            raise TypeError(f"lpName must be str, got {type(lpName).__name__}")
        ev = self.machine.find_named(lpName)
        if ev is None or ev.object_type != "Event":
            raise WinError(ErrorCode.ERROR_FILE_NOT_FOUND, f"No event is named {lpName!r}.")
        return self._new_handle(ev, self._open(ev, desired), inherit)

    @win32
    def CreateThread(self, lpThreadAttributes, dwStackSize, lpStartAddress, lpParameter, dwCreationFlags):
        """Returns (handle, thread id). The new thread starts with an empty token slot:
        impersonation is per thread and is not inherited."""
        sd, inherit = _sa(lpThreadAttributes)
        _int(dwStackSize, "dwStackSize")
        _int(dwCreationFlags, "dwCreationFlags")
        t = self.machine.new_thread(self.process, self._creator(), sd)
        return self._new_handle(t, C.THREAD_ALL_ACCESS, inherit), t.tid

    # ---------------------------------------------------------------- checks
    @win32
    def AccessCheck(self, pSecurityDescriptor, ClientToken, DesiredAccess, GenericMapping_):
        """Returns (GrantedAccess, AccessStatus). A denial is not a call failure: status is
        False and ``GetLastError()`` says why. The full explanation is in the trace's step
        when recording (``step.checks``), or from ``tl.access_check`` directly."""
        sd = _sd(pSecurityDescriptor, "pSecurityDescriptor")
        desired = _int(DesiredAccess, "DesiredAccess")
        if not isinstance(GenericMapping_, GenericMapping):
            raise TypeError(f"GenericMapping must be GenericMapping, got {type(GenericMapping_).__name__}")
        token = self._token(ClientToken, C.TOKEN_QUERY)
        result = access_check(sd, token, desired, GenericMapping_)
        if result.is_call_failure:
            raise WinError(result.status)
        self.machine.report(ev.ACCESS_CHECKED, what="the descriptor passed to AccessCheck", checker=token.user,
                            sd=sd, result=result, why=ev.WHY_ACCESSCHECK)
        if not result.allowed:
            self._pending_error = result.status
            return GenericMapping_.rights(0), False
        return GenericMapping_.rights(int(result.granted)), True

    @win32
    def PrivilegeCheck(self, ClientToken, RequiredPrivileges) -> bool:
        if isinstance(RequiredPrivileges, PRIVILEGE_SET):
            names, control = RequiredPrivileges.Privilege, RequiredPrivileges.Control
        else:
            names, control = RequiredPrivileges, C.PRIVILEGE_SET_ALL_NECESSARY
        names = [p.name if isinstance(p, LUID_AND_ATTRIBUTES) else p for p in names]
        for n in names:
            if n not in PRIVILEGES:
                raise WinError(ErrorCode.ERROR_NO_SUCH_PRIVILEGE, repr(n))
        token = self._token(ClientToken, C.TOKEN_QUERY)
        if token.token_type != TokenType.TokenImpersonation:
            raise WinError(ErrorCode.ERROR_NO_IMPERSONATION_TOKEN)
        held = [token.privilege_enabled(n) for n in names]
        return all(held) if control & C.PRIVILEGE_SET_ALL_NECESSARY else any(held)

    @win32
    def CheckTokenMembership(self, TokenHandle, SidToCheck) -> bool:
        """Is ``SidToCheck`` an *enabled* group (or the user) of the token? Deny-only and
        disabled groups do not count; a restricted token must also list it as restricting."""
        sid = _sid(SidToCheck, "SidToCheck")
        if TokenHandle is None:
            token = self.thread.effective_token
        else:
            token = self._token(TokenHandle, C.TOKEN_QUERY)
            if token.token_type != TokenType.TokenImpersonation:
                raise WinError(ErrorCode.ERROR_NO_IMPERSONATION_TOKEN)
        return tokens.is_member(token, sid)

    # ---------------------------------------------------------------- COM
    @win32
    def CoCreateInstance(self, rclsid, pUnkOuter, dwClsContext, riid) -> ComObject:
        """tokenlab's model of COM local-server activation (see tokenlab.com)."""
        return self.machine.com.create_instance(self.thread, rclsid, pUnkOuter, dwClsContext, riid)

    def __repr__(self) -> str:
        return f"<Win32 API of thread {self.thread.tid} in {self.process.image}>"
