"""Facade calls about tokens: opening, making (LogonUser, DuplicateToken(Ex),
CreateRestrictedToken), impersonating (ImpersonateLoggedOnUser, ImpersonateSelf,
SetThreadToken, RevertToSelf) and their information (Get/SetTokenInformation,
AdjustTokenPrivileges). Each is thin: the rules are in :mod:`tokenlab.kernel.token`,
:mod:`tokenlab.kernel.srm` and :mod:`tokenlab.kernel.lsa`.
"""
from __future__ import annotations

from ..kernel import events as ev
from ..kernel import srm
from ..kernel import token as tokens
from ..kernel.lsa import LOGON_PROVIDERS, LOGON_TYPE_NAMES

from ..security.acl import ACL
from ..security.errors import ErrorCode, NotModelledError, WinError
from ..security.rights import MAXIMUM_ALLOWED, TOKEN_MAPPING
from ..security.tokenattrs import (
    LUID, PRIVILEGE_BY_LUID, PRIVILEGES, GroupAttributes, SecurityImpersonationLevel, SidAndAttributes, TokenType,
)
from . import constants as C
from .base import ApiBase, _array, _bool, _handle, _int, _mask, _level, _sa, _sid, win32
from .lookup import _check_system
from .structs import LUID_AND_ATTRIBUTES, TOKEN_SOURCE, TOKEN_STATISTICS

_SETTABLE_NOT_MODELLED = frozenset({
    C.TokenSessionId, C.TokenSessionReference, C.TokenAuditPolicy, C.TokenOrigin, C.TokenUIAccess,
    C.TokenMandatoryPolicy, C.TokenVirtualizationAllowed, C.TokenVirtualizationEnabled,
})


# The control bits a returned descriptor keeps with its DACL or SACL: *_AUTO_INHERITED and


class TokenCalls(ApiBase):
    """Opening, making, impersonating and querying tokens."""

    # ---------------------------------------------------------------- opening tokens
    @win32
    def OpenProcessToken(self, ProcessHandle, DesiredAccess) -> int:
        desired = _mask(DesiredAccess, "DesiredAccess")
        proc, _ = self._lookup(_handle(ProcessHandle, "ProcessHandle"), ("Process",),
                               C.PROCESS_QUERY_LIMITED_INFORMATION)
        return self._new_handle(proc.token, self._open(proc.token, desired))

    @win32
    def OpenThreadToken(self, ThreadHandle, DesiredAccess, OpenAsSelf) -> int:
        """OpenAsSelf=TRUE checks access with the *process* token; FALSE with the calling
        thread's current token (docs: OpenThreadToken; Wine test test_token_attr). A client's
        context in the slot (named pipe, RPC, COM) is copied first (copy-on-open)."""
        desired = _mask(DesiredAccess, "DesiredAccess")
        as_self = _bool(OpenAsSelf, "OpenAsSelf")
        target = self._thread_arg(ThreadHandle, C.THREAD_QUERY_INFORMATION)
        token = target.token
        if token is None:
            raise WinError(ErrorCode.ERROR_NO_TOKEN, f"Thread {target.tid} is not impersonating.")
        if token.impersonation_level == SecurityImpersonationLevel.SecurityAnonymous:
            raise WinError(ErrorCode.ERROR_CANT_OPEN_ANONYMOUS)
        token = srm.thread_token_to_open(self.machine, target)  # a client's context: copy-on-open
        if as_self:
            granted, _ = srm.open_check(self.machine, token, self.process.token, desired, thread_token=False,
                                        why=ev.WHY_OPEN_AS_SELF)
        else:
            granted = self._open(token, desired, why=ev.WHY_OPEN_AS_THREAD)
        return self._new_handle(token, granted)

    # ---------------------------------------------------------------- making tokens
    @win32
    def LogonUser(self, lpszUsername, lpszDomain, lpszPassword, dwLogonType, dwLogonProvider) -> int:
        """Returns phToken. A network logon gives an *impersonation* token, every other type
        a primary token (docs: LogonUser). An administrator's interactive logon gives UAC's
        filtered token, linked to the elevated one (GetTokenInformation(TokenLinkedToken)). The new token's own descriptor comes from the
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
        if desired & C.ACCESS_SYSTEM_SECURITY and not self.thread.effective_token.privilege_enabled("SeSecurityPrivilege"):
            # as every other open that asks for it (docs "SACL Access Right")
            raise WinError(ErrorCode.ERROR_PRIVILEGE_NOT_HELD, "ACCESS_SYSTEM_SECURITY needs SeSecurityPrivilege.")
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
        desired = _mask(dwDesiredAccess, "dwDesiredAccess")
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
        descriptor); an impersonation token goes into the slot itself (docs: ImpersonateLoggedOnUser)."""
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
        t = self._lookup(_handle(TokenHandle, "TokenHandle"), ("Token",), need, query=True)[0]
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
        if cls == C.TokenIsAppContainer:
            return False  # AppContainers are not modelled: no token is one (docs TOKEN_INFORMATION_CLASS)
        if cls == C.TokenElevationType:
            # Full or Limited for the halves of UAC's split logon, Default otherwise (an
            # administrator's unsplit token is Default and still elevated: Wine test
            # test_admin_elevation).
            return self.machine.lsa.elevation_type(t)
        if cls == C.TokenLinkedToken:
            # TOKEN_LINKED_TOKEN.LinkedToken: a new handle (TOKEN_ALL_ACCESS) to a new token
            # made from the other half, or NULL for a token that is not split (Wine test
            # test_elevation).
            linked = self.machine.lsa.linked_token(self.thread.effective_token, t)
            return None if linked is None else self._new_handle(linked, C.TOKEN_ALL_ACCESS)
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
    def AdjustTokenGroups(self, TokenHandle, ResetToDefault, NewState):
        """Returns PreviousState (the groups that changed, as they were). NewState is a
        sequence of SidAndAttributes or (SID, attributes): SE_GROUP_ENABLED enables, its
        absence disables; ResetToDefault=TRUE ignores it and puts every group back to its
        default. Disabling a mandatory group fails with ERROR_CANT_DISABLE_MANDATORY and
        changes nothing; a SID the token lacks is skipped and GetLastError() says
        ERROR_NOT_ALL_ASSIGNED (docs: AdjustTokenGroups)."""
        reset = _bool(ResetToDefault, "ResetToDefault")
        changes = []
        if not reset:
            for item in _array(NewState, "NewState", "SidAndAttributes or (SID, attributes)"):
                if isinstance(item, SidAndAttributes):
                    sid, attrs = item.sid, int(item.attributes)
                elif isinstance(item, tuple) and len(item) == 2:
                    sid, attrs = _sid(item[0], "NewState[i] SID"), _int(item[1], "NewState[i] attributes")
                else:
                    raise TypeError("NewState items must be SidAndAttributes or (SID, attributes)")
                changes.append((sid, bool(attrs & GroupAttributes.SE_GROUP_ENABLED)))
        t = self._token(TokenHandle, C.TOKEN_ADJUST_GROUPS)
        previous, missing, on, off = tokens.adjust_groups(t, changes, reset, self.machine.new_luid)
        if on or off:
            self.machine.report(ev.GROUPS_ADJUSTED, enabled=tuple(on), disabled=tuple(off), missing=missing)
        self._pending_error = ErrorCode.ERROR_NOT_ALL_ASSIGNED if missing else ErrorCode.ERROR_SUCCESS
        return tuple(previous)

    @win32
    def ImpersonateAnonymousToken(self, ThreadHandle) -> bool:
        """The thread (THREAD_IMPERSONATE on its handle) impersonates the system's
        anonymous logon token, NT AUTHORITY\\ANONYMOUS LOGON (docs: ImpersonateAnonymousToken)."""
        target = self._thread_arg(ThreadHandle, C.THREAD_IMPERSONATE)
        srm.impersonate_anonymous(self.machine, target)
        return True

    # ---------------------------------------------------------------- account names
    @win32
    def LookupAccountSid(self, lpSystemName, Sid):
        """Returns (Name, ReferencedDomainName, peUse) — the account's name, its domain
        (TOKENLAB, BUILTIN, NT AUTHORITY, or "" for Everyone) and its SID_NAME_USE
        (SidTypeUser …); ERROR_NONE_MAPPED for a SID the machine cannot name (docs:
        LookupAccountSid). The C function's buffer sizes are dropped."""
        _check_system(lpSystemName)
        return self.machine.lsa.lookup_sid(_sid(Sid, "Sid"))

    @win32
    def LookupAccountName(self, lpSystemName, lpAccountName):
        """Returns (Sid, ReferencedDomainName, peUse) for ``alice``, ``TOKENLAB\\alice``,
        ``BUILTIN\\Administrators``, ``Everyone`` or a domain name; ERROR_NONE_MAPPED for a
        name the machine does not know (docs: LookupAccountName)."""
        _check_system(lpSystemName)
        if not isinstance(lpAccountName, str):
            raise TypeError(f"lpAccountName must be str, got {type(lpAccountName).__name__}")
        return self.machine.lsa.lookup_name(lpAccountName)

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
        # Unlike most calls it always sets the last error: ERROR_SUCCESS when every privilege
        # was assigned (docs AdjustTokenPrivileges, "Return value").
        self._pending_error = ErrorCode.ERROR_NOT_ALL_ASSIGNED if missing else ErrorCode.ERROR_SUCCESS
        return tuple(previous)

