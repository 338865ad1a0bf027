"""Access tokens: who a thread is, as ``access_check`` and the kernel see it.

One class, :class:`Token`, holds a token's contents (user, groups with attributes,
privileges, owner, primary group, default DACL, type, impersonation level, integrity
level, restricting SIDs, ids). It is a kernel object: the simulated kernel gives it a
security descriptor and reference counts like any other object.
"""
from __future__ import annotations

from typing import Iterable, Mapping

from ..security.acl import ACL
from ..security.rights import TOKEN_MAPPING
from ..security.sids import INTEGRITY_NAMES, MEDIUM_INTEGRITY, SID, integrity_rid
from ..security.tokenattrs import (
    LUID, GroupAttributes, MandatoryPolicy, PrivilegeAttributes, SecurityImpersonationLevel, SidAndAttributes,
    TokenType, groups_of, privileges_of,
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


