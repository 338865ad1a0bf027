"""Access tokens: who a thread is, and the rules that change a token's contents.

:class:`Token` holds a token's contents (user, groups with attributes, privileges, owner,
primary group, default DACL, type, impersonation level, integrity level, restricting
SIDs, ids). It is a kernel object: the kernel gives it a security descriptor and
reference counts like any other object.

The functions below are the token rules, one each, for every caller (Wine keeps these
beside the token too, in ``server/token.c``): what may be duplicated (:func:`check_duplicate`)
and the copy (:func:`copy_of`), restriction (:func:`restrict`), privileges
(:func:`adjust_privileges`), the settable defaults (:func:`set_owner`,
:func:`set_primary_group`, :func:`set_default_dacl`, :func:`set_integrity`) and
membership (:func:`is_member`). Making a *new token object* (which needs a descriptor)
is :func:`tokenlab.kernel.srm.duplicate_token`.
"""
from __future__ import annotations

from typing import Iterable, Mapping

from ..security.acl import ACL
from ..security.errors import ErrorCode, WinError
from ..security.rights import TOKEN_MAPPING
from ..security.sids import INTEGRITY_NAMES, MEDIUM_INTEGRITY, SID, integrity_rid
from ..security.tokenattrs import (
    LUID, GroupAttributes, MandatoryPolicy, PrivilegeAttributes, SecurityImpersonationLevel, SidAndAttributes, TokenType, groups_of, privileges_of, sid_counts,
)
from .objects import KernelObject


class _Privileges(dict):
    """A token's privileges (name → attributes); a change made in place (``AdjustTokenPrivileges``)
    touches the token, like an assignment would (see :mod:`tokenlab.kernel.objects`)."""

    __slots__ = ("_token",)

    def __init__(self, token: "Token", items):
        super().__init__(items)
        self._token = token

    def _touch(self):
        self._token.touch()

    def __setitem__(self, key, value):
        super().__setitem__(key, value)
        self._touch()

    def __delitem__(self, key):
        super().__delitem__(key)
        self._touch()

    def pop(self, *args):
        value = super().pop(*args)
        self._touch()
        return value

    def popitem(self):
        item = super().popitem()
        self._touch()
        return item

    def setdefault(self, key, default=None):
        value = super().setdefault(key, default)
        self._touch()
        return value

    def update(self, *args, **kwargs):
        super().update(*args, **kwargs)
        self._touch()

    def clear(self):
        super().clear()
        self._touch()

    def __ior__(self, other):
        super().update(other)
        self._touch()
        return self

    def __reduce__(self):
        return dict, (dict(self),)


class Token(KernelObject):
    """An access token.

    ``Token(user=SID(...), groups=[...], privileges={"SeImpersonatePrivilege": True})``;
    ``privileges`` maps a privilege name to True (enabled), False (present but disabled),
    or its ``PrivilegeAttributes``. Built by hand for ``access_check`` lessons, or by a
    simulated machine's logon.
    """

    object_type = "Token"
    mapping = TOKEN_MAPPING

    def __init__(
        self,
        user: SID | str,
        groups: Iterable = (),
        privileges: Mapping[str, object] | Iterable[str] = (),
        *,
        owner: SID | str | None = None,
        primary_group: SID | str | None = None,
        default_dacl: ACL | None = None,
        token_type: TokenType = TokenType.TokenImpersonation,
        impersonation_level: SecurityImpersonationLevel = SecurityImpersonationLevel.SecurityImpersonation,
        integrity_level: SID | str = MEDIUM_INTEGRITY,
        mandatory_policy: int = MandatoryPolicy.TOKEN_MANDATORY_POLICY_NO_WRITE_UP,
        restricted_sids: Iterable = (),
        user_attributes: int = 0,
        token_id: LUID | None = None,
        authentication_id: LUID | None = None,
        modified_id: LUID | None = None,
        source: str = "tokenlab",
        session_id: int = 0,
        elevated: bool = False,
        name: str | None = None,
        security=None,
        object_id: int | None = None,
    ):
        super().__init__(name=name, security=security, object_id=object_id)
        self.user = SID(user)
        self.user_attributes = GroupAttributes(int(user_attributes))
        self.groups: tuple[SidAndAttributes, ...] = groups_of(groups)
        self.privileges: dict[str, PrivilegeAttributes] = privileges_of(privileges)
        self.owner = SID(owner) if owner is not None else self.user
        self.primary_group = SID(primary_group) if primary_group is not None else self.user
        if default_dacl is not None and not isinstance(default_dacl, ACL):
            raise TypeError(f"default_dacl must be ACL or None, got {type(default_dacl).__name__}")
        self.default_dacl = default_dacl
        self.token_type = TokenType(token_type)
        self.impersonation_level = SecurityImpersonationLevel(impersonation_level)
        self.integrity_level = SID(integrity_level)
        integrity_rid(self.integrity_level)  # validates
        self.mandatory_policy = MandatoryPolicy(int(mandatory_policy))
        self.restricted_sids: tuple[SidAndAttributes, ...] = groups_of(restricted_sids)
        self.token_id = token_id or LUID(0)
        self.authentication_id = authentication_id or LUID(0)
        self.modified_id = modified_id or LUID(0)
        self.source = source
        self.session_id = session_id
        self.elevated = elevated
        self.origin = ""                          # what made it, for views: "LogonUser(alice, network)"
        self.duplicated_from: int | None = None   # the object id of the token it was copied from

    @property
    def privileges(self) -> dict[str, PrivilegeAttributes]:
        return self._privileges

    @privileges.setter
    def privileges(self, value) -> None:
        object.__setattr__(self, "_privileges", _Privileges(self, value))  # (the assignment touches)

    # -- queries -------------------------------------------------------------------
    @property
    def is_restricted(self) -> bool:
        return bool(self.restricted_sids)

    @property
    def integrity_rid(self) -> int:
        return integrity_rid(self.integrity_level)

    @property
    def integrity_name(self) -> str:
        return INTEGRITY_NAMES.get(self.integrity_rid, str(self.integrity_rid))

    def privilege_enabled(self, name: str) -> bool:
        attrs = self.privileges.get(name)
        return bool(attrs is not None and attrs & PrivilegeAttributes.SE_PRIVILEGE_ENABLED)

    def has_privilege(self, name: str) -> bool:
        return name in self.privileges

    def entries(self) -> tuple[SidAndAttributes, ...]:
        """The user (as an entry with its attributes) followed by the groups."""
        return (SidAndAttributes(self.user, self.user_attributes),) + self.groups

    def find(self, sid: SID) -> SidAndAttributes | None:
        """The token's entry (user or group) for ``sid``, or None."""
        for entry in self.entries():
            if entry.sid == sid:
                return entry
        return None

    @property
    def logon_sid(self) -> SID | None:
        for g in self.groups:
            if g.attributes & GroupAttributes.SE_GROUP_LOGON_ID == GroupAttributes.SE_GROUP_LOGON_ID:
                return g.sid
        return None

    def __repr__(self) -> str:
        kind = "primary" if self.token_type == TokenType.TokenPrimary else self.impersonation_level.name
        ident = f"#{self.object_id}" if self.object_id is not None else ""
        return f"<Token{ident} {self.user.name or self.user.text} {kind} {self.integrity_name}>"


# ---------------------------------------------------------------------- duplication
def check_duplicate(source: Token, level, token_type) -> tuple[SecurityImpersonationLevel, TokenType]:
    """May ``source`` be duplicated at ``level`` as ``token_type``? An impersonation token
    cannot be raised above its level, and below Impersonation it cannot become primary:
    ERROR_BAD_IMPERSONATION_LEVEL (Wine test test_duplicate_token). A primary source has
    no ceiling."""
    level = SecurityImpersonationLevel(level)
    token_type = TokenType(token_type)
    if source.token_type == TokenType.TokenImpersonation:
        if level > source.impersonation_level:
            raise WinError(ErrorCode.ERROR_BAD_IMPERSONATION_LEVEL,
                           f"The source token is at {source.impersonation_level.name}; a duplicate cannot be raised to {level.name}.")
        if (token_type == TokenType.TokenPrimary
                and source.impersonation_level < SecurityImpersonationLevel.SecurityImpersonation):
            raise WinError(ErrorCode.ERROR_BAD_IMPERSONATION_LEVEL,
                           "An Identification- or Anonymous-level token cannot become a primary token.")
    return level, token_type


def copy_of(source: Token, level: SecurityImpersonationLevel, token_type: TokenType, *, token_id: LUID) -> Token:
    """A token with ``source``'s contents, its own id, and the type and level asked for
    (a primary token's level reads as Impersonation)."""
    return Token(
        source.user, source.groups, dict(source.privileges), owner=source.owner,
        primary_group=source.primary_group, default_dacl=source.default_dacl, token_type=token_type,
        impersonation_level=level if token_type == TokenType.TokenImpersonation
        else SecurityImpersonationLevel.SecurityImpersonation,
        integrity_level=source.integrity_level, mandatory_policy=source.mandatory_policy,
        restricted_sids=source.restricted_sids, user_attributes=source.user_attributes,
        token_id=token_id, authentication_id=source.authentication_id,
        modified_id=source.modified_id, source=source.source, session_id=source.session_id,
        elevated=source.elevated,
    )


# ---------------------------------------------------------------------- restriction
_DENY_ONLY = GroupAttributes.SE_GROUP_USE_FOR_DENY_ONLY
_ENABLED = GroupAttributes.SE_GROUP_ENABLED | GroupAttributes.SE_GROUP_ENABLED_BY_DEFAULT


def restrict(token: Token, disable: list[SID], delete: list[str], restrict_to: list[SID], *,
             max_privilege: bool) -> None:
    """CreateRestrictedToken's changes to a fresh copy: disabled SIDs become deny-only,
    privileges are deleted (all but SeChangeNotifyPrivilege with DISABLE_MAX_PRIVILEGE),
    restricting SIDs add the second access-check pass; restricting an already restricted
    token intersects the two lists (docs: CreateRestrictedToken)."""
    token.groups = tuple(SidAndAttributes(g.sid, (g.attributes & ~_ENABLED) | _DENY_ONLY) if g.sid in disable else g
                         for g in token.groups)
    if token.user in disable:
        token.user_attributes |= _DENY_ONLY
    keep = {"SeChangeNotifyPrivilege"} if max_privilege else None
    token.privileges = {n: a for n, a in token.privileges.items()
                        if n not in delete and (keep is None or n in keep)}
    if restrict_to:
        entries = [SidAndAttributes(s, GroupAttributes.SE_GROUP_MANDATORY | _ENABLED) for s in restrict_to]
        if token.restricted_sids:
            have = {e.sid for e in token.restricted_sids}
            entries = [e for e in entries if e.sid in have]
        token.restricted_sids = tuple(entries)


# ---------------------------------------------------------------------- privileges
def adjust_privileges(token: Token, changes: list[tuple[str, int]], disable_all: bool,
                      new_luid) -> tuple[list[tuple[str, PrivilegeAttributes]], bool]:
    """AdjustTokenPrivileges: enable, disable or remove each named privilege the token
    holds. Returns (previous state of what changed, whether some privilege was missing) —
    a missing one is not a failure on Windows: the call succeeds and GetLastError() says
    ERROR_NOT_ALL_ASSIGNED (docs: AdjustTokenPrivileges). ``new_luid`` gives the token a
    new ModifiedId when anything changed."""
    on = PrivilegeAttributes.SE_PRIVILEGE_ENABLED
    if disable_all:
        changes = [(n, 0) for n in token.privileges]
    previous, missing = [], False
    for name, attrs in changes:
        if name not in token.privileges:
            missing = True
            continue
        old = token.privileges[name]
        if attrs & PrivilegeAttributes.SE_PRIVILEGE_REMOVED:
            del token.privileges[name]
        else:
            token.privileges[name] = (old & ~on) | (on if attrs & on else 0)
        if old != token.privileges.get(name):
            previous.append((name, old))
    if previous:
        token.modified_id = new_luid()
    return previous, missing


# ---------------------------------------------------------------------- settable defaults
def set_owner(token: Token, sid: SID, may_own) -> None:
    """TokenOwner: the user or a group the token holds with SE_GROUP_OWNER, else
    ERROR_INVALID_OWNER (docs: SetTokenInformation). ``may_own`` is srm's owner rule."""
    if not may_own(token, sid, restore_privilege=False):
        raise WinError(ErrorCode.ERROR_INVALID_OWNER)
    token.owner = sid


def set_primary_group(token: Token, sid: SID) -> None:
    """TokenPrimaryGroup: the user or one of the token's groups, else ERROR_INVALID_PRIMARY_GROUP."""
    if token.find(sid) is None:
        raise WinError(ErrorCode.ERROR_INVALID_PRIMARY_GROUP)
    token.primary_group = sid


def set_default_dacl(token: Token, dacl: ACL | None) -> None:
    """TokenDefaultDacl: any ACL, or none."""
    token.default_dacl = dacl


def set_integrity(token: Token, sid: SID, caller: Token) -> None:
    """TokenIntegrityLevel: lowering is free; raising needs SeTcbPrivilege enabled in the
    caller's token (*Windows Security Internals*, ch. 4). A SID that is no integrity level
    is ERROR_INVALID_PARAMETER."""
    try:
        new = integrity_rid(sid)
    except ValueError:
        raise WinError(ErrorCode.ERROR_INVALID_PARAMETER, f"{sid} is not an integrity level SID.") from None
    if new > token.integrity_rid and not caller.privilege_enabled("SeTcbPrivilege"):
        raise WinError(ErrorCode.ERROR_PRIVILEGE_NOT_HELD, "Raising a token's integrity level needs SeTcbPrivilege.")
    token.integrity_level = sid


# ---------------------------------------------------------------------- membership
def is_member(token: Token, sid: SID) -> bool:
    """CheckTokenMembership: does ``sid`` count for an allow ACE in ``token`` (its user or
    an enabled, not deny-only group) — and, in a restricted token, is it also among the
    restricting SIDs? (docs: CheckTokenMembership)."""
    member = sid_counts(token, sid)
    if member and token.restricted_sids:
        member = any(r.sid == sid for r in token.restricted_sids)
    return member


# ---------------------------------------------------------------------- groups
def adjust_groups(token: Token, changes: list[tuple[SID, bool]], reset: bool,
                  new_luid) -> tuple[list[SidAndAttributes], bool, list[SID], list[SID]]:
    """AdjustTokenGroups: enable or disable each named group the token holds, or with
    ``reset`` put every group back to its SE_GROUP_ENABLED_BY_DEFAULT state (docs:
    AdjustTokenGroups). Validates everything first, so a refused call changes nothing:
    disabling a mandatory group is ERROR_CANT_DISABLE_MANDATORY, enabling a deny-only one
    ERROR_CANT_ENABLE_DENY_ONLY (the kernel's STATUS_CANT_ENABLE_DENY_ONLY). A SID the
    token does not hold is skipped, and the call still succeeds with ERROR_NOT_ALL_ASSIGNED,
    as for privileges. The user, the logon SID's mandatory bit and integrity are not
    groups it can change.

    Returns (previous state of the groups that changed, whether some SID was missing,
    the SIDs enabled, the SIDs disabled); ``new_luid`` gives the token a new ModifiedId
    when anything changed."""
    enabled_bit = GroupAttributes.SE_GROUP_ENABLED
    by_sid = {g.sid: g for g in token.groups}
    if reset:
        wanted = {g.sid: bool(g.attributes & GroupAttributes.SE_GROUP_ENABLED_BY_DEFAULT) for g in token.groups
                  if not g.deny_only}
        missing = False
    else:
        wanted, missing = {}, False
        for sid, enable in changes:
            g = by_sid.get(sid)
            if g is None:
                missing = True
                continue
            if not enable and g.attributes & GroupAttributes.SE_GROUP_MANDATORY:
                raise WinError(ErrorCode.ERROR_CANT_DISABLE_MANDATORY,
                               f"{sid} is a mandatory group: it cannot be disabled.")
            if enable and g.deny_only:
                raise WinError(ErrorCode.ERROR_CANT_ENABLE_DENY_ONLY, f"{sid} is deny-only: it cannot be enabled.")
            wanted[sid] = bool(enable)
    previous, now_on, now_off, groups = [], [], [], []
    for g in token.groups:
        want = wanted.get(g.sid)
        if want is None or bool(g.attributes & enabled_bit) == want:
            groups.append(g)
            continue
        previous.append(g)
        (now_on if want else now_off).append(g.sid)
        groups.append(SidAndAttributes(g.sid, (g.attributes | enabled_bit) if want else (g.attributes & ~enabled_bit)))
    if previous:
        token.groups = tuple(groups)
        token.modified_id = new_luid()
    return previous, missing, now_on, now_off
