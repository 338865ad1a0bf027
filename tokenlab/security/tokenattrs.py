"""Token contents as values: LUIDs, token types and levels, group and privilege attributes.

These are the fields of an access token that ``access_check`` reads and Win32 returns
(``SID_AND_ATTRIBUTES``, ``LUID``, ``TOKEN_TYPE``, ``SECURITY_IMPERSONATION_LEVEL``); the
token object itself, with its identity and lifetime, is :class:`tokenlab.kernel.token.Token`.
Names and values are winnt.h's.
"""
from __future__ import annotations

import enum
from dataclasses import dataclass
from typing import Iterable, Mapping

from .rights import HexFlag
from .sids import SID


@dataclass(frozen=True, order=True)
class LUID:
    """A locally unique identifier; prints like Windows tools do: ``0x3e7``."""

    value: int

    def __post_init__(self):
        if isinstance(self.value, bool) or not isinstance(self.value, int):
            raise TypeError(f"LUID value must be int, got {type(self.value).__name__}")
        if not 0 <= self.value < 1 << 64:
            raise ValueError(f"LUID value must be a 64-bit unsigned int, got {self.value!r}")

    @property
    def high(self) -> int:
        return self.value >> 32

    @property
    def low(self) -> int:
        return self.value & 0xFFFFFFFF

    def __str__(self) -> str:
        return f"0x{self.value:x}"

    def __repr__(self) -> str:
        return f"LUID(0x{self.value:x})"


SYSTEM_LUID = LUID(0x3E7)
ANONYMOUS_LOGON_LUID = LUID(0x3E6)
LOCALSERVICE_LUID = LUID(0x3E5)
NETWORKSERVICE_LUID = LUID(0x3E4)


class TokenType(enum.IntEnum):
    TokenPrimary = 1
    TokenImpersonation = 2

    def __repr__(self) -> str:
        return self.name


class SecurityImpersonationLevel(enum.IntEnum):
    SecurityAnonymous = 0
    SecurityIdentification = 1
    SecurityImpersonation = 2
    SecurityDelegation = 3

    def __repr__(self) -> str:
        return self.name


class GroupAttributes(HexFlag):
    SE_GROUP_MANDATORY = 0x00000001
    SE_GROUP_ENABLED_BY_DEFAULT = 0x00000002
    SE_GROUP_ENABLED = 0x00000004
    SE_GROUP_OWNER = 0x00000008
    SE_GROUP_USE_FOR_DENY_ONLY = 0x00000010
    SE_GROUP_INTEGRITY = 0x00000020
    SE_GROUP_INTEGRITY_ENABLED = 0x00000040
    SE_GROUP_RESOURCE = 0x20000000
    SE_GROUP_LOGON_ID = 0xC0000000



# The attributes an ordinary enabled group carries in a logon token.
GROUP_DEFAULT = (GroupAttributes.SE_GROUP_MANDATORY | GroupAttributes.SE_GROUP_ENABLED_BY_DEFAULT
                 | GroupAttributes.SE_GROUP_ENABLED)


class PrivilegeAttributes(HexFlag):
    SE_PRIVILEGE_ENABLED_BY_DEFAULT = 0x00000001
    SE_PRIVILEGE_ENABLED = 0x00000002
    SE_PRIVILEGE_REMOVED = 0x00000004
    SE_PRIVILEGE_USED_FOR_ACCESS = 0x80000000



# Privilege names and their LUIDs on Windows (winnt.h SE_*_NAME; ntseapi.h SE_*_PRIVILEGE).
PRIVILEGES: dict[str, int] = {
    "SeCreateTokenPrivilege": 2,
    "SeAssignPrimaryTokenPrivilege": 3,
    "SeLockMemoryPrivilege": 4,
    "SeIncreaseQuotaPrivilege": 5,
    "SeMachineAccountPrivilege": 6,
    "SeTcbPrivilege": 7,
    "SeSecurityPrivilege": 8,
    "SeTakeOwnershipPrivilege": 9,
    "SeLoadDriverPrivilege": 10,
    "SeSystemProfilePrivilege": 11,
    "SeSystemtimePrivilege": 12,
    "SeProfileSingleProcessPrivilege": 13,
    "SeIncreaseBasePriorityPrivilege": 14,
    "SeCreatePagefilePrivilege": 15,
    "SeCreatePermanentPrivilege": 16,
    "SeBackupPrivilege": 17,
    "SeRestorePrivilege": 18,
    "SeShutdownPrivilege": 19,
    "SeDebugPrivilege": 20,
    "SeAuditPrivilege": 21,
    "SeSystemEnvironmentPrivilege": 22,
    "SeChangeNotifyPrivilege": 23,
    "SeRemoteShutdownPrivilege": 24,
    "SeUndockPrivilege": 25,
    "SeSyncAgentPrivilege": 26,
    "SeEnableDelegationPrivilege": 27,
    "SeManageVolumePrivilege": 28,
    "SeImpersonatePrivilege": 29,
    "SeCreateGlobalPrivilege": 30,
    "SeTrustedCredManAccessPrivilege": 31,
    "SeRelabelPrivilege": 32,
    "SeIncreaseWorkingSetPrivilege": 33,
    "SeTimeZonePrivilege": 34,
    "SeCreateSymbolicLinkPrivilege": 35,
    "SeDelegateSessionUserImpersonatePrivilege": 36,
}
PRIVILEGE_BY_LUID = {v: k for k, v in PRIVILEGES.items()}


class MandatoryPolicy(HexFlag):
    TOKEN_MANDATORY_POLICY_OFF = 0x0
    TOKEN_MANDATORY_POLICY_NO_WRITE_UP = 0x1
    TOKEN_MANDATORY_POLICY_NEW_PROCESS_MIN = 0x2
    TOKEN_MANDATORY_POLICY_VALID_MASK = 0x3


@dataclass(frozen=True)
class SidAndAttributes:
    """SID_AND_ATTRIBUTES: one group (or restricting SID) of a token."""

    sid: SID
    attributes: GroupAttributes = GROUP_DEFAULT

    def __post_init__(self):
        if isinstance(self.sid, str):
            object.__setattr__(self, "sid", SID(self.sid))
        elif not isinstance(self.sid, SID):
            raise TypeError(f"SidAndAttributes sid must be SID or str, got {type(self.sid).__name__}")
        attrs = self.attributes
        if isinstance(attrs, bool) or not isinstance(attrs, int):
            raise TypeError(f"SidAndAttributes attributes must be int, got {type(attrs).__name__}")
        if not 0 <= int(attrs) <= 0xFFFFFFFF:
            raise ValueError(f"SidAndAttributes attributes must fit in 32 bits, got {int(attrs):#x}")
        object.__setattr__(self, "attributes", GroupAttributes(int(attrs)))

    @property
    def enabled(self) -> bool:
        return bool(self.attributes & GroupAttributes.SE_GROUP_ENABLED)

    @property
    def deny_only(self) -> bool:
        return bool(self.attributes & GroupAttributes.SE_GROUP_USE_FOR_DENY_ONLY)

    def __repr__(self) -> str:
        return f"SidAndAttributes({self.sid!r}, 0x{int(self.attributes):08X})"


def groups_of(items: Iterable) -> tuple[SidAndAttributes, ...]:
    out = []
    for g in items:
        if isinstance(g, SidAndAttributes):
            out.append(g)
        elif isinstance(g, (SID, str)):
            out.append(SidAndAttributes(SID(g)))
        elif isinstance(g, tuple) and len(g) == 2:
            out.append(SidAndAttributes(g[0] if isinstance(g[0], SID) else SID(g[0]), g[1]))
        else:
            raise TypeError(f"group must be SID, str or (SID, attributes), got {type(g).__name__}")
    return tuple(out)


def privileges_of(privs) -> dict[str, PrivilegeAttributes]:
    if isinstance(privs, Mapping):
        items = privs.items()
    else:
        items = ((p, False) for p in privs)
    out: dict[str, PrivilegeAttributes] = {}
    for name, state in items:
        if name not in PRIVILEGES:
            raise ValueError(f"unknown privilege {name!r} (expected a name like 'SeImpersonatePrivilege')")
        if state is True:
            attrs = PrivilegeAttributes.SE_PRIVILEGE_ENABLED | PrivilegeAttributes.SE_PRIVILEGE_ENABLED_BY_DEFAULT
        elif state is False:
            attrs = PrivilegeAttributes(0)
        else:
            attrs = PrivilegeAttributes(int(state))
        out[name] = attrs
    return out


def counts_for(attributes: int, *, deny: bool) -> bool:
    """Does a token entry with these attributes match an ACE? An enabled entry matches
    allow and deny ACEs; a deny-only one only deny ACEs; a disabled one never (docs: "SID
    Attributes in an Access Token"; [MS-DTYP] 2.5.3.2). The token's user counts as enabled."""
    if attributes & GroupAttributes.SE_GROUP_USE_FOR_DENY_ONLY:
        return deny
    return bool(attributes & GroupAttributes.SE_GROUP_ENABLED)


def sid_counts(token, sid: SID, *, deny: bool = False) -> bool:
    """Does ``sid`` count in ``token`` (its user, or one of its groups) — for an allow ACE,
    or with ``deny`` for a deny ACE? The one spelling of this rule: ``access_check``,
    ``CheckTokenMembership`` and the owner rule all ask it."""
    if sid == token.user:
        return counts_for(int(token.user_attributes) | GroupAttributes.SE_GROUP_ENABLED, deny=deny)
    for g in token.groups:
        if g.sid == sid:
            return counts_for(int(g.attributes), deny=deny)
    return False
