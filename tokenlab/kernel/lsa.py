"""The Local Security Authority: accounts, logon sessions, and the tokens logons make.

Everything about *who* can be on the machine lives here (tokenlab's model of the LSA and
the SAM): local accounts and groups with deterministic SIDs (RIDs 1001, 1002 … in call
order), the built-in and service identities, LogonUser's credential check, a logon
session per logon, and the token each kind of logon gives — its groups, privileges,
default DACL, type, source and session — and that token's own descriptor.

Sources: docs "LogonUser", "Well-known SIDs", "Privilege Constants"; what ``whoami /all``
shows for each kind of account. Model simplifications (said where a learner meets them):

* UAC's split token: an administrator's *interactive* logon gives a filtered token
  (Medium, Administrators deny-only, the privileges of an ordinary user) linked to the
  full elevated one, each in a logon session of its own (:meth:`Lsa.logon`,
  :meth:`Lsa.linked_token`); other logon types, and the built-in Administrator
  (RID 500), get the full token alone. ``Machine.start_process`` gives an administrator
  the full token unless asked for the split (``uac=True``): "Run as administrator".
* A LogonUser token's own descriptor is the one Windows' LSA gives it (see
  :meth:`Lsa.logon_token_descriptor`); its owner and group (Administrators, SYSTEM) are
  tokenlab's choice.

Why one file of ~550 lines: it is the LSA, every account and logon rule of the machine
(built-in accounts, logon tokens, UAC's split token, lookups, the logon token's
descriptor); each rule is one method.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from ..security.acl import ACE, ACL, SDControl
from ..security.rights import STANDARD, TOKEN_MAPPING
from ..security.sids import (
    AUTHENTICATED_USERS, BATCH, BUILTIN_ADMINISTRATORS, BUILTIN_USERS, CONSOLE_LOGON, EVERYONE,
    HIGH_INTEGRITY, INTERACTIVE, LOCAL, LOCAL_ACCOUNT, LOCAL_ACCOUNT_AND_ADMIN, LOCAL_SERVICE,
    LOCAL_SYSTEM, MEDIUM_INTEGRITY, NETWORK, NETWORK_SERVICE, NTLM_AUTHENTICATION, SERVICE, SID,
    SYSTEM_INTEGRITY, THIS_ORGANIZATION, ANONYMOUS, UNTRUSTED_INTEGRITY, logon_sid, well_known_name,
)
from ..security.descriptor import SecurityDescriptor
from ..security.errors import ErrorCode, WinError
from ..security.tokenattrs import (
    ANONYMOUS_LOGON_LUID, GROUP_DEFAULT, LOCALSERVICE_LUID, LUID, NETWORKSERVICE_LUID, PRIVILEGES, SYSTEM_LUID, GroupAttributes,
    MandatoryPolicy, PrivilegeAttributes, SecurityImpersonationLevel, SidAndAttributes, TokenType,
)
from . import events as ev
from . import srm
from . import token as tokens
from .token import Token

# The machine's own domain SID: the example account domain from Microsoft's docs, so
# alice is S-1-5-21-1004336348-1177238915-682003330-1001 on every run.
DEFAULT_DOMAIN_SID = SID("S-1-5-21-1004336348-1177238915-682003330")

# LogonUser's logon types and providers (winbase.h): the one definition; tokenlab.win32
# exports them by name. UNLOCK and NEW_CREDENTIALS are not modelled (LOGON_TYPE_NAMES).
LOGON32_LOGON_INTERACTIVE = 2
LOGON32_LOGON_NETWORK = 3
LOGON32_LOGON_BATCH = 4
LOGON32_LOGON_SERVICE = 5
LOGON32_LOGON_UNLOCK = 7
LOGON32_LOGON_NETWORK_CLEARTEXT = 8
LOGON32_LOGON_NEW_CREDENTIALS = 9
LOGON32_PROVIDER_DEFAULT = 0
LOGON32_PROVIDER_WINNT40 = 2
LOGON32_PROVIDER_WINNT50 = 3
LOGON_TYPE_NAMES = {LOGON32_LOGON_INTERACTIVE: "interactive", LOGON32_LOGON_NETWORK: "network",
                    LOGON32_LOGON_BATCH: "batch", LOGON32_LOGON_SERVICE: "service",
                    LOGON32_LOGON_NETWORK_CLEARTEXT: "network cleartext"}
# SID_NAME_USE (winnt.h), what LookupAccountSid and LookupAccountName say a SID names.
SID_TYPE_USER = 1
SID_TYPE_GROUP = 2
SID_TYPE_DOMAIN = 3
SID_TYPE_ALIAS = 4
SID_TYPE_WELL_KNOWN_GROUP = 5
SID_TYPE_LABEL = 10
SID_TYPE_LOGON_SESSION = 11
BUILTIN_DOMAIN = SID("S-1-5-32")

LOGON_PROVIDERS = frozenset({LOGON32_PROVIDER_DEFAULT, LOGON32_PROVIDER_WINNT40, LOGON32_PROVIDER_WINNT50})


_E = PrivilegeAttributes.SE_PRIVILEGE_ENABLED | PrivilegeAttributes.SE_PRIVILEGE_ENABLED_BY_DEFAULT
_D = PrivilegeAttributes(0)
# What `whoami /priv` shows for each kind of account (enabled or not).
USER_PRIVILEGES = {"SeShutdownPrivilege": _D, "SeChangeNotifyPrivilege": _E, "SeUndockPrivilege": _D,
                   "SeIncreaseWorkingSetPrivilege": _D, "SeTimeZonePrivilege": _D}
ADMIN_PRIVILEGES = {
    "SeIncreaseQuotaPrivilege": _D, "SeSecurityPrivilege": _D, "SeTakeOwnershipPrivilege": _D,
    "SeLoadDriverPrivilege": _D, "SeSystemProfilePrivilege": _D, "SeSystemtimePrivilege": _D,
    "SeProfileSingleProcessPrivilege": _D, "SeIncreaseBasePriorityPrivilege": _D,
    "SeCreatePagefilePrivilege": _D, "SeBackupPrivilege": _D, "SeRestorePrivilege": _D,
    "SeShutdownPrivilege": _D, "SeDebugPrivilege": _D, "SeSystemEnvironmentPrivilege": _D,
    "SeChangeNotifyPrivilege": _E, "SeRemoteShutdownPrivilege": _D, "SeUndockPrivilege": _D,
    "SeManageVolumePrivilege": _D, "SeImpersonatePrivilege": _E, "SeCreateGlobalPrivilege": _E,
    "SeIncreaseWorkingSetPrivilege": _D, "SeTimeZonePrivilege": _D, "SeCreateSymbolicLinkPrivilege": _D,
    "SeDelegateSessionUserImpersonatePrivilege": _D,
}
SERVICE_PRIVILEGES = {
    "SeAssignPrimaryTokenPrivilege": _D, "SeIncreaseQuotaPrivilege": _D, "SeAuditPrivilege": _E,
    "SeChangeNotifyPrivilege": _E, "SeImpersonatePrivilege": _E, "SeCreateGlobalPrivilege": _E,
    "SeIncreaseWorkingSetPrivilege": _D, "SeTimeZonePrivilege": _D,
}
_SYSTEM_ENABLED = {"SeTcbPrivilege", "SeChangeNotifyPrivilege", "SeImpersonatePrivilege",
                   "SeCreateGlobalPrivilege", "SeAuditPrivilege", "SeCreatePermanentPrivilege",
                   "SeDebugPrivilege", "SeLockMemoryPrivilege", "SeIncreaseBasePriorityPrivilege",
                   "SeCreatePagefilePrivilege", "SeProfileSingleProcessPrivilege"}
SYSTEM_PRIVILEGES = {p: (_E if p in _SYSTEM_ENABLED else _D) for p in PRIVILEGES}

_MANDATORY = GROUP_DEFAULT
_OWNER_GROUP = GROUP_DEFAULT | GroupAttributes.SE_GROUP_OWNER
_LOGON_ID = GROUP_DEFAULT | GroupAttributes.SE_GROUP_LOGON_ID


@dataclass
class Account:
    """A local account, group or built-in identity the machine knows by name."""

    name: str
    sid: SID
    kind: str  # "user", "group", "builtin", "well-known", "service"
    authority: str  # the part before the backslash: TOKENLAB, BUILTIN, NT AUTHORITY …
    password: str | None = None
    groups: list[SID] = field(default_factory=list)  # local groups a user belongs to
    privileges: dict[str, PrivilegeAttributes] = field(default_factory=dict)

    @property
    def full_name(self) -> str:
        return f"{self.authority}\\{self.name}" if self.authority else self.name


@dataclass
class LogonSession:
    """A logon session (its LUID is every token's AuthenticationId)."""

    luid: LUID
    user: SID
    logon_type: str
    logon_sid: SID | None
    created_by: LUID | None  # the logon session of the caller of LogonUser, if any
    elevation_type: int = 1  # TOKEN_ELEVATION_TYPE of its tokens: Default 1, Full 2, Limited 3
    linked: Token | None = None  # UAC: the other half's token as the LSA made it (not registered)


class Lsa:
    """The machine's accounts and logon sessions (``machine.lsa``)."""

    def __init__(self, machine, name: str, domain_sid: SID):
        self.machine = machine
        self.name = name
        self.domain_sid = domain_sid
        self.accounts: dict[str, Account] = {}
        self.logon_sessions: dict[LUID, LogonSession] = {}
        self._anonymous: Token | None = None  # the anonymous logon token, made when first asked for
        self._next_rid = 1000
        self._builtin_accounts()

    def _add_account(self, acct: Account) -> Account:
        key = acct.name.lower()
        if key in self.accounts:
            raise ValueError(f"an account named {acct.name!r} already exists")
        self.accounts[key] = acct
        return acct

    def _builtin_accounts(self) -> None:
        for sid in (LOCAL_SYSTEM, LOCAL_SERVICE, NETWORK_SERVICE):
            authority, name = well_known_name(sid).split("\\")
            self._add_account(Account(name, sid, "service", authority))
        for sid in (EVERYONE, AUTHENTICATED_USERS, INTERACTIVE, NETWORK, SERVICE, BATCH, LOCAL, CONSOLE_LOGON):
            full = well_known_name(sid)
            authority, _, name = full.rpartition("\\")
            self._add_account(Account(name, sid, "well-known", authority))
        for rid in (544, 545, 546, 547, 551, 555):
            sid = SID.from_parts(5, 32, rid)
            self._add_account(Account(well_known_name(sid).split("\\")[1], sid, "builtin", "BUILTIN"))
        self._add_account(Account("None", self.domain_sid.child(513), "group", self.name))
        self._add_account(Account("Administrator", self.domain_sid.child(500), "user", self.name,
                                  groups=[BUILTIN_ADMINISTRATORS, BUILTIN_USERS]))
        self._add_account(Account("Guest", self.domain_sid.child(501), "user", self.name,
                                  groups=[SID("S-1-5-32-546")]))

    def add_user(self, name: str, password: str | None = None, groups=(), privileges=()) -> SID:
        """Create a local user (RIDs 1001, 1002 … in call order) and return its SID.

        ``groups``: local or BUILTIN group names or SIDs ("Administrators"); every user is
        also in BUILTIN\\Users. ``privileges``: extra privilege names the account holds
        (present but disabled), or a mapping name → True to have it enabled by default.
        """
        if not isinstance(name, str) or not name or "\\" in name:
            raise ValueError(f"user name must be a non-empty string without '\\': {name!r}")
        if name.lower() in self.accounts:
            raise ValueError(f"an account named {name!r} already exists")
        group_sids = [self._group_sid(g) for g in groups]
        if BUILTIN_USERS not in group_sids:
            group_sids.append(BUILTIN_USERS)
        privs = {}
        items = privileges.items() if isinstance(privileges, dict) else ((p, False) for p in privileges)
        for p, enabled in items:
            if p not in PRIVILEGES:
                raise ValueError(f"unknown privilege {p!r}")
            privs[p] = _E if enabled else _D
        self._next_rid += 1
        sid = self.domain_sid.child(self._next_rid)
        self._add_account(Account(name, sid, "user", self.name, password, group_sids, privs))
        return sid

    def add_group(self, name: str, members=()) -> SID:
        """Create a local group and add ``members`` (user names or SIDs) to it."""
        if name.lower() in self.accounts:
            raise ValueError(f"an account named {name!r} already exists")
        users = [self.account(m) for m in members]
        for u in users:
            if u.kind != "user":
                raise ValueError(f"{u.name!r} is not a user")
        self._next_rid += 1
        sid = self.domain_sid.child(self._next_rid)
        self._add_account(Account(name, sid, "group", self.name))
        for u in users:
            u.groups.append(sid)
        return sid

    def _group_sid(self, g) -> SID:
        acct = self.account(g)
        if acct.kind not in ("group", "builtin"):
            raise ValueError(f"{acct.name!r} is not a group")
        return acct.sid

    def account(self, who) -> Account:
        """Find an account by name (``alice``, ``TOKENLAB\\alice``, ``NETWORK SERVICE``) or SID."""
        if isinstance(who, SID):
            for a in self.accounts.values():
                if a.sid == who:
                    return a
            raise KeyError(f"no account with SID {who}")
        if not isinstance(who, str):
            raise TypeError(f"expected an account name (str) or SID, got {type(who).__name__}")
        key = who.lower()
        if "\\" in key:
            authority, _, key = key.rpartition("\\")
            if authority in (".", self.name.lower()):
                authority = None
            acct = self.accounts.get(key)
            if acct is None or (authority and acct.authority.lower() != authority):
                raise KeyError(f"no account named {who!r}")
            return acct
        if key.startswith("s-1-"):
            return self.account(SID(who))
        if key not in self.accounts:
            raise KeyError(f"no account named {who!r}")
        return self.accounts[key]

    def sid_name(self, sid: SID) -> str:
        """A readable name for a SID: account name, well-known name, or the SID string."""
        for a in self.accounts.values():
            if a.sid == sid:
                return a.full_name
        return well_known_name(sid, self.domain_sid) or sid.text

    # ------------------------------------------------------------------ logon
    def _session(self, user: SID, logon_type: str, with_logon_sid: bool, created_by: LUID | None,
                 luid: LUID | None = None) -> LogonSession:
        luid = luid or self.machine.new_luid()
        lsid = logon_sid(0, luid.value) if with_logon_sid else None
        s = LogonSession(luid, user, logon_type, lsid, created_by)
        self.logon_sessions[luid] = s
        return s

    def check_password(self, name: str, domain: str | None, password) -> Account:
        """LogonUser's credential check: ERROR_LOGON_FAILURE for any mismatch."""
        try:
            acct = self.account(name if not domain or domain == "." else f"{domain}\\{name}")
        except (KeyError, ValueError):
            raise WinError(ErrorCode.ERROR_LOGON_FAILURE) from None
        if acct.kind != "user" or acct.password is None or acct.password != password:
            raise WinError(ErrorCode.ERROR_LOGON_FAILURE)
        return acct

    def logon(self, acct: Account, logon_type: int, *, created_by: LUID | None = None, primary: bool = False,
              source: str | None = None, session_id: int | None = None, split: bool | None = None) -> Token:
        """The token a logon of ``logon_type`` gives ``acct`` (not yet registered), in a new
        logon session. A network logon gives an impersonation token (docs: LogonUser,
        phToken) unless ``primary``; ``source`` and ``session_id`` default to what Winlogon's
        interactive logon gives ("User32", session 1) and "Advapi", session 0 otherwise.

        UAC's split token (``split``; by default for an administrator's interactive logon,
        except the built-in Administrator, RID 500, which runs without Admin Approval Mode
        by default): the logon makes two tokens in two logon sessions that share one
        logon SID — the full elevated token (TokenElevationTypeFull) and a filtered one
        (TokenElevationTypeLimited: Medium, Administrators deny-only, an ordinary user's
        privileges) — and returns the filtered one; each is linked to the other (docs "How
        User Account Control works", TOKEN_ELEVATION_TYPE; Wine test test_elevation). Other
        logon types give the full token alone (Default): an administrator's batch or
        service logon is not filtered (*Windows Security Internals*, ch. 4). Simplified:
        Windows' UAC remote restrictions also filter a local administrator's network logon
        that comes from *another* machine (docs "User Account Control and remote
        restrictions"); tokenlab has no other machine, and its network logons are not
        filtered."""
        kind = LOGON_TYPE_NAMES[logon_type]
        interactive = logon_type == LOGON32_LOGON_INTERACTIVE
        if split is None:
            split = interactive and acct.sid.rid != 500
        split = bool(split) and BUILTIN_ADMINISTRATORS in acct.groups
        source = source or ("User32" if interactive else "Advapi")
        session_id = session_id if session_id is not None else (1 if interactive else 0)
        session = self._session(acct.sid, kind, logon_type != LOGON32_LOGON_NETWORK, created_by)
        full = self._user_token(acct, session, logon_type, primary, source, session_id)
        if not split:
            return full
        limited = self._session(acct.sid, kind, False, created_by)
        limited.logon_sid = session.logon_sid  # one logon SID: both halves use the same desktop
        filtered = self._filtered(full, limited)
        session.elevation_type, limited.elevation_type = 2, 3  # TokenElevationTypeFull, TokenElevationTypeLimited
        session.linked = tokens.copy_of(filtered, filtered.impersonation_level, filtered.token_type,
                                        token_id=filtered.token_id)
        limited.linked = tokens.copy_of(full, full.impersonation_level, full.token_type, token_id=full.token_id)
        return filtered

    def _filtered(self, full: Token, session: LogonSession) -> Token:
        """UAC's filtered twin of an administrator's ``full`` token, in ``session``:
        BUILTIN\\Administrators and "Local account and member of Administrators group" become
        deny-only, only an ordinary user's privileges stay, the integrity is Medium, and
        the user (no longer Administrators, which it may not own with) is the default owner
        (docs "How User Account Control works"; what ``whoami /all`` shows in a
        non-elevated prompt)."""
        deny = (BUILTIN_ADMINISTRATORS, LOCAL_ACCOUNT_AND_ADMIN)
        groups = [SidAndAttributes(g.sid, GroupAttributes.SE_GROUP_USE_FOR_DENY_ONLY) if g.sid in deny else g
                  for g in full.groups]
        privileges = {n: a for n, a in full.privileges.items() if n in USER_PRIVILEGES}
        dacl = ACL([ACE.allow(full.user, STANDARD["GENERIC_ALL"]) if a.sid == full.owner else a
                    for a in (full.default_dacl or ())])
        return Token(
            full.user, groups, privileges, owner=full.user, primary_group=full.primary_group, default_dacl=dacl,
            token_type=full.token_type, impersonation_level=full.impersonation_level,
            integrity_level=MEDIUM_INTEGRITY, mandatory_policy=full.mandatory_policy,
            token_id=self.machine.new_luid(), authentication_id=session.luid, modified_id=self.machine.new_luid(),
            source=full.source, session_id=full.session_id, elevated=False,
        )

    def elevation_type(self, token: Token) -> int:
        """TOKEN_ELEVATION_TYPE: Full or Limited for the halves of a split logon (and every
        copy of them: they share its logon session), Default for any other token (docs
        TOKEN_ELEVATION_TYPE; Wine test test_elevation: duplicates and restricted copies
        keep it)."""
        session = self.logon_sessions.get(token.authentication_id)
        return session.elevation_type if session is not None else 1

    def linked_token(self, caller: Token, token: Token) -> Token | None:
        """GetTokenInformation(TokenLinkedToken): a *new* token made from the other half of
        ``token``'s split logon as the LSA keeps it — so changes made to either half
        (privileges, default DACL) are not carried over — each query a new token with a
        TokenId of its own (Wine test test_elevation). Without SeTcbPrivilege enabled in
        the caller's effective token it is an Identification-level impersonation token,
        usable to look at but not to run as; with it, a primary token (how the UAC
        service starts an elevated process) (*Windows Security Internals*, ch. 4; Wine
        test test_elevation). None (a NULL handle) for a token that is not split."""
        session = self.logon_sessions.get(token.authentication_id)
        if session is None or session.linked is None:
            return None
        tcb = caller.privilege_enabled("SeTcbPrivilege")
        level = SecurityImpersonationLevel.SecurityImpersonation if tcb else SecurityImpersonationLevel.SecurityIdentification
        kind = TokenType.TokenPrimary if tcb else TokenType.TokenImpersonation
        twin = session.linked
        new = tokens.copy_of(twin, level, kind, token_id=self.machine.new_luid())
        new.security = srm.assign_security(self.machine, caller, None, TOKEN_MAPPING,
                                           token_integrity=new.integrity_level, quiet=True)
        self.machine.register(new)
        new.origin = f"TokenLinkedToken of Token#{token.object_id}"
        self.machine.report(ev.LINKED_TOKEN, source=ev.TokenRef.of(token), linked=ev.TokenRef.of(new),
                            elevated=bool(new.elevated), tcb=tcb)
        return new

    def anonymous_token(self) -> Token:
        """The system's anonymous logon token, which ImpersonateAnonymousToken puts in a
        thread's slot: NT AUTHORITY\\ANONYMOUS LOGON in the anonymous logon session
        (0x3e6), an impersonation token at Impersonation level, with no privileges and —
        by default — no Everyone group ("Network access: Let Everyone permissions apply
        to anonymous users" is disabled by default, docs). One token per machine, made
        when first asked for. Its integrity (Untrusted) and its own descriptor (SYSTEM
        and ANONYMOUS LOGON full access) are tokenlab's model."""
        tok = self._anonymous
        if tok is not None and tok.alive and tok.object_id in self.machine.objects:
            return tok
        session = self.logon_sessions.get(ANONYMOUS_LOGON_LUID) or self._session(
            ANONYMOUS, "anonymous", False, None, ANONYMOUS_LOGON_LUID)
        dacl = ACL([ACE.allow(LOCAL_SYSTEM, STANDARD["GENERIC_ALL"]), ACE.allow(ANONYMOUS, STANDARD["GENERIC_ALL"])])
        tok = Token(ANONYMOUS, [], {}, owner=ANONYMOUS, primary_group=ANONYMOUS, default_dacl=dacl,
                    token_type=TokenType.TokenImpersonation,
                    impersonation_level=SecurityImpersonationLevel.SecurityImpersonation,
                    integrity_level=UNTRUSTED_INTEGRITY,
                    mandatory_policy=MandatoryPolicy.TOKEN_MANDATORY_POLICY_VALID_MASK,
                    token_id=self.machine.new_luid(), authentication_id=session.luid,
                    modified_id=self.machine.new_luid(), source="*SYSTEM*")
        tok.security = srm.assign_security(self.machine, tok, None, TOKEN_MAPPING,
                                           token_integrity=tok.integrity_level, quiet=True)
        self.machine.register(tok)
        tok.origin = "the anonymous logon token"
        self._anonymous = tok
        return tok

    # ------------------------------------------------------------------ LookupAccountSid / LookupAccountName
    def lookup_sid(self, sid: SID) -> tuple[str, str, int]:
        """LookupAccountSid: (name, referenced domain, SID_NAME_USE) for ``sid``, from this
        machine's accounts, its own and the BUILTIN domain, and the well-known SIDs;
        ERROR_NONE_MAPPED for any other (docs: LookupAccountSid, SID_NAME_USE)."""
        for a in self.accounts.values():
            if a.sid == sid:
                return a.name, a.authority, _sid_use(a)
        if sid == self.domain_sid:
            return self.name, self.name, SID_TYPE_DOMAIN
        if sid == BUILTIN_DOMAIN:
            return "BUILTIN", "BUILTIN", SID_TYPE_DOMAIN
        full = well_known_name(sid, self.domain_sid)
        if full is None:
            if sid.text.startswith("S-1-5-5-"):  # a logon SID
                return f"LogonSessionId_{'_'.join(map(str, sid.subauthorities[1:]))}", "NT AUTHORITY", SID_TYPE_LOGON_SESSION
            raise WinError(ErrorCode.ERROR_NONE_MAPPED, f"No account has the SID {sid}.")
        authority, _, name = full.rpartition("\\")
        use = SID_TYPE_LABEL if sid.text.startswith("S-1-16-") else SID_TYPE_WELL_KNOWN_GROUP
        return name, authority, use

    def lookup_name(self, name: str) -> tuple[SID, str, int]:
        """LookupAccountName: (SID, referenced domain, SID_NAME_USE) for an account name
        (``alice``, ``TOKENLAB\\alice``, ``BUILTIN\\Administrators``, ``Everyone``) or a domain
        name (``TOKENLAB``, ``BUILTIN``); ERROR_NONE_MAPPED when nothing has that name
        (docs: LookupAccountName)."""
        key = name.lower()
        if key == self.name.lower():
            return self.domain_sid, self.name, SID_TYPE_DOMAIN
        if key == "builtin":
            return BUILTIN_DOMAIN, "BUILTIN", SID_TYPE_DOMAIN
        try:
            acct = self.account(name) if not key.startswith("s-1-") else None
        except (KeyError, ValueError):
            acct = None
        if acct is None:
            raise WinError(ErrorCode.ERROR_NONE_MAPPED, f"No account is named {name!r}.")
        return acct.sid, acct.authority, _sid_use(acct)

    def logon_user(self, caller, acct: Account, logon_type: int) -> Token:
        """LogonUser's token, registered: a new logon session that the caller's logon session
        made (the SeImpersonatePrivilege rule looks at this), in the caller's session, with
        source "Advapi", and the descriptor the LSA gives it (:meth:`logon_token_descriptor`)."""
        machine = self.machine
        proc_token = caller.process.token
        token = self.logon(acct, logon_type, created_by=proc_token.authentication_id, source="Advapi",
                           session_id=proc_token.session_id)
        token.security = self.logon_token_descriptor(proc_token, token)
        machine.register(token)
        token.origin = f"LogonUser({acct.name}, {LOGON_TYPE_NAMES[logon_type]})"
        return token

    def logon_token_descriptor(self, caller: Token, token: Token) -> SecurityDescriptor:
        """The descriptor the LSA gives a token it makes for LogonUser: full access
        (TOKEN_ALL_ACCESS) for SYSTEM, for the user and the owner of the process that called
        LogonUser, and for the logged-on user; TOKEN_READ for Administrators. When the caller
        is SYSTEM, the LSA's own default DACL (SYSTEM full, Administrators read and execute).
        So a service that logs a user on can open the token, and so can that user. (Windows'
        LSA as observed with NtObjectManager's Format-NtSecurityDescriptor on a LogonUser
        token; ReactOS's LSA leaves the caller out, which Windows does not.) Owner and
        group are the LSA's (Administrators, SYSTEM) — tokenlab's model; the token is
        labelled at its own integrity level like every token."""
        if caller.user == LOCAL_SYSTEM:
            aces = [ACE.allow(LOCAL_SYSTEM, STANDARD["GENERIC_ALL"]),
                    ACE.allow(BUILTIN_ADMINISTRATORS, STANDARD["GENERIC_READ"] | STANDARD["GENERIC_EXECUTE"])]
        else:
            full = dict.fromkeys([LOCAL_SYSTEM, caller.user, caller.owner, token.user])
            aces = [ACE.allow(sid, STANDARD["GENERIC_ALL"]) for sid in full]
            aces.append(ACE.allow(BUILTIN_ADMINISTRATORS, STANDARD["GENERIC_READ"]))
        dacl = srm.map_acl(ACL(aces), TOKEN_MAPPING)
        label = ACL([ACE.label(token.integrity_level, 0x1)])  # SYSTEM_MANDATORY_LABEL_NO_WRITE_UP
        return SecurityDescriptor(BUILTIN_ADMINISTRATORS, LOCAL_SYSTEM, dacl, label,
                                  SDControl.SE_SACL_AUTO_INHERITED)  # as every token's (Wine test test_token_label)

    def _user_token(self, acct: Account, session: LogonSession, logon_type: int, primary: bool, source: str,
                    session_id: int) -> Token:
        admin = BUILTIN_ADMINISTRATORS in acct.groups
        groups: list[SidAndAttributes] = [SidAndAttributes(self.domain_sid.child(513), _MANDATORY),
                                          SidAndAttributes(EVERYONE, _MANDATORY)]
        for g in acct.groups:
            groups.append(SidAndAttributes(g, _OWNER_GROUP if g == BUILTIN_ADMINISTRATORS else _MANDATORY))
        type_group = {LOGON32_LOGON_INTERACTIVE: INTERACTIVE, LOGON32_LOGON_NETWORK: NETWORK,
                      LOGON32_LOGON_NETWORK_CLEARTEXT: NETWORK, LOGON32_LOGON_BATCH: BATCH,
                      LOGON32_LOGON_SERVICE: SERVICE}[logon_type]
        groups.append(SidAndAttributes(type_group, _MANDATORY))
        if logon_type == LOGON32_LOGON_INTERACTIVE:
            groups.append(SidAndAttributes(CONSOLE_LOGON, _MANDATORY))
        groups += [SidAndAttributes(AUTHENTICATED_USERS, _MANDATORY),
                   SidAndAttributes(THIS_ORGANIZATION, _MANDATORY),
                   SidAndAttributes(LOCAL_ACCOUNT, _MANDATORY)]
        if admin:
            groups.append(SidAndAttributes(LOCAL_ACCOUNT_AND_ADMIN, _MANDATORY))
        if session.logon_sid is not None:
            groups.append(SidAndAttributes(session.logon_sid, _LOGON_ID))
        if logon_type in (LOGON32_LOGON_NETWORK, LOGON32_LOGON_NETWORK_CLEARTEXT):
            groups.append(SidAndAttributes(NTLM_AUTHENTICATION, _MANDATORY))
        else:
            groups.append(SidAndAttributes(LOCAL, _MANDATORY))
        privileges = dict(ADMIN_PRIVILEGES if admin else USER_PRIVILEGES)
        privileges.update(acct.privileges)
        owner = BUILTIN_ADMINISTRATORS if admin else acct.sid
        dacl = [ACE.allow(owner, STANDARD["GENERIC_ALL"]), ACE.allow(LOCAL_SYSTEM, STANDARD["GENERIC_ALL"])]
        if session.logon_sid is not None:
            dacl.append(ACE.allow(session.logon_sid, STANDARD["GENERIC_READ"] | STANDARD["GENERIC_EXECUTE"]))
        network = logon_type in (LOGON32_LOGON_NETWORK, LOGON32_LOGON_NETWORK_CLEARTEXT) and not primary
        return Token(
            acct.sid, groups, privileges, owner=owner, primary_group=self.domain_sid.child(513),
            default_dacl=ACL(dacl),
            token_type=TokenType.TokenImpersonation if network else TokenType.TokenPrimary,
            impersonation_level=SecurityImpersonationLevel.SecurityImpersonation,
            integrity_level=HIGH_INTEGRITY if admin else MEDIUM_INTEGRITY,
            mandatory_policy=MandatoryPolicy.TOKEN_MANDATORY_POLICY_VALID_MASK,
            token_id=self.machine.new_luid(), authentication_id=session.luid, modified_id=self.machine.new_luid(),
            source=source, session_id=session_id, elevated=admin,
        )

    def service_token(self, sid: SID) -> Token:
        luid = {LOCAL_SYSTEM: SYSTEM_LUID, LOCAL_SERVICE: LOCALSERVICE_LUID, NETWORK_SERVICE: NETWORKSERVICE_LUID}[sid]
        session = self.logon_sessions.get(luid) or self._session(sid, "service", False, None, luid)
        if sid == LOCAL_SYSTEM:
            groups = [SidAndAttributes(BUILTIN_ADMINISTRATORS, _OWNER_GROUP),
                      SidAndAttributes(EVERYONE, _MANDATORY), SidAndAttributes(AUTHENTICATED_USERS, _MANDATORY)]
            privileges = dict(SYSTEM_PRIVILEGES)
            owner = BUILTIN_ADMINISTRATORS
            dacl = ACL([ACE.allow(LOCAL_SYSTEM, STANDARD["GENERIC_ALL"]),
                        ACE.allow(BUILTIN_ADMINISTRATORS, STANDARD["GENERIC_READ"] | STANDARD["GENERIC_EXECUTE"])])
        else:
            groups = [SidAndAttributes(EVERYONE, _MANDATORY), SidAndAttributes(BUILTIN_USERS, _MANDATORY),
                      SidAndAttributes(SERVICE, _MANDATORY), SidAndAttributes(CONSOLE_LOGON, _MANDATORY),
                      SidAndAttributes(AUTHENTICATED_USERS, _MANDATORY),
                      SidAndAttributes(THIS_ORGANIZATION, _MANDATORY), SidAndAttributes(LOCAL, _MANDATORY)]
            privileges = dict(SERVICE_PRIVILEGES)
            owner = sid
            dacl = ACL([ACE.allow(sid, STANDARD["GENERIC_ALL"]), ACE.allow(LOCAL_SYSTEM, STANDARD["GENERIC_ALL"])])
        return Token(
            sid, groups, privileges, owner=owner, primary_group=sid, default_dacl=dacl,
            token_type=TokenType.TokenPrimary, integrity_level=SYSTEM_INTEGRITY,
            mandatory_policy=MandatoryPolicy.TOKEN_MANDATORY_POLICY_VALID_MASK,
            token_id=self.machine.new_luid(), authentication_id=session.luid, modified_id=self.machine.new_luid(),
            source="*SYSTEM*",
        )



def _sid_use(acct: Account) -> int:
    """The SID_NAME_USE of an account: users are SidTypeUser; the domain's "None" group
    (RID 513) SidTypeGroup; local and BUILTIN groups are aliases (SidTypeAlias); Everyone,
    SYSTEM and the other NT AUTHORITY identities SidTypeWellKnownGroup (docs SID_NAME_USE;
    Wine test test_LookupAccountSid)."""
    if acct.kind == "user":
        return SID_TYPE_USER
    if acct.kind == "group":
        return SID_TYPE_GROUP if acct.sid.rid == 513 else SID_TYPE_ALIAS
    if acct.kind == "builtin":
        return SID_TYPE_ALIAS
    return SID_TYPE_WELL_KNOWN_GROUP
