"""The simulated machine: accounts, logon sessions, processes, and the kernel's rules.

``Machine()`` is deterministic: the same calls give the same SIDs, LUIDs, object ids,
process and thread ids on every run. It holds the rules the Win32 facade relies on, each
from BEHAVIOR.md:

* **security for new objects** (:meth:`Machine.assign_security`): an explicit
  descriptor is used as given; whatever it leaves out (owner, group, DACL) comes from the
  creator's *effective token at that moment* — the thread's impersonation token if it has
  one, else the process's primary token (docs: "DACL for a New Object", "Owner of a New
  Object"). Tokens are objects too, so a duplicated token gets a *new* descriptor.
* **opening objects** (:meth:`Machine.open_check`): one access check at open time
  against the object's descriptor, with the caller's effective token.
* **impersonation** (:meth:`Machine.impersonate`): the one token slot, and tokenlab's model
  of the SeImpersonatePrivilege rule (below).

Model simplifications (said here and in the notebooks):

* An administrator's logon gives one elevated (High integrity) token; UAC's filtered
  "split" token is not modelled.
* Impersonating at Impersonation level or above needs one of: an enabled
  SeImpersonatePrivilege in the caller's *process* token, a token for the caller's own user,
  or a token from a logon the caller's own logon session made (LogonUser); and the
  token's integrity must not exceed the caller's. Otherwise the thread gets an
  Identification-level copy instead — the call still succeeds, as on Windows. This is the
  widely reported behaviour (docs: "Client Impersonation", ImpersonateLoggedOnUser remarks);
  tokenlab does not model every condition of the kernel's check.
* New objects get a mandatory label only when their creator runs below Medium integrity
  (objects without a label count as Medium).
* A LogonUser token's *own* descriptor follows the general new-object rule (from the
  caller's effective token). On Windows the LSA creates that token and gives it a
  protective descriptor of its own (the ReactOS LSA, which follows Windows: SYSTEM full
  control, Administrators read, the user full control). tokenlab's choice makes the
  stories' client token behave like the one a service gets by impersonating a client over
  RPC or a named pipe, which the kernel copies with a default descriptor from the
  service's side. Lessons that depend on it say "in tokenlab's model".
"""
from __future__ import annotations

from dataclasses import dataclass, field

from ..security.access_check import access_check
from ..security.acl import ACE, ACL, AceType, SDControl
from ..security.descriptor import SecurityDescriptor
from ..security.errors import ErrorCode, WinError
from .com import ComRegistry
from .objects import KernelObject
from .process import Event, Process, Thread
from ..security.rights import GENERIC_BITS, MAXIMUM_ALLOWED, STANDARD, TOKEN_MAPPING, GenericMapping
from ..security.sids import (
    AUTHENTICATED_USERS, BATCH, BUILTIN_ADMINISTRATORS, BUILTIN_USERS, CONSOLE_LOGON, EVERYONE, HIGH_INTEGRITY, INTERACTIVE, LOCAL, LOCAL_ACCOUNT, LOCAL_ACCOUNT_AND_ADMIN, LOCAL_SERVICE, LOCAL_SYSTEM, MEDIUM_INTEGRITY, NETWORK, NETWORK_SERVICE, NTLM_AUTHENTICATION, SERVICE, SID, SYSTEM_INTEGRITY, THIS_ORGANIZATION, integrity_rid, logon_sid, well_known_name,
)
from ..security.tokenattrs import (
    GROUP_DEFAULT, LOCALSERVICE_LUID, LUID, NETWORKSERVICE_LUID, PRIVILEGES, SYSTEM_LUID, GroupAttributes, MandatoryPolicy, PrivilegeAttributes, SecurityImpersonationLevel, SidAndAttributes, TokenType,
)
from .token import Token

# The machine's own domain SID: the example account domain from Microsoft's docs, so
# alice is S-1-5-21-1004336348-1177238915-682003330-1001 on every run.
DEFAULT_DOMAIN_SID = SID("S-1-5-21-1004336348-1177238915-682003330")

LOGON32_LOGON_INTERACTIVE = 2
LOGON32_LOGON_NETWORK = 3
LOGON32_LOGON_BATCH = 4
LOGON32_LOGON_SERVICE = 5
LOGON32_LOGON_NETWORK_CLEARTEXT = 8
LOGON_TYPE_NAMES = {2: "interactive", 3: "network", 4: "batch", 5: "service", 8: "network cleartext"}


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


class Machine:
    """A deterministic simulated Windows machine.

    >>> m = Machine()
    >>> alice = m.add_user("alice", password="pw")
    >>> svc = m.start_process("svc.exe", user="NETWORK SERVICE")
    >>> api = svc.main_thread.api
    """

    def __init__(self, name: str = "TOKENLAB", domain_sid: SID | str = DEFAULT_DOMAIN_SID):
        self.name = name
        self.domain_sid = SID(domain_sid)
        self.accounts: dict[str, Account] = {}
        self.logon_sessions: dict[LUID, LogonSession] = {}
        self.processes: list[Process] = []
        self.objects: dict[int, KernelObject] = {}
        self.touched: set[KernelObject] = set()  # objects changed since a reader last took this set
        self.namespace: dict[str, KernelObject] = {}  # named objects (events)
        self._next_object_id = 1
        self._next_luid = 0x10000
        self._next_client_id = 1000  # pids and tids share one counter, multiples of 4
        self._next_rid = 1000
        self.tracer = None  # a trace.Trace while recording
        self._quiet = 0     # > 0 while the machine starts a process on its own
        self._builtin_accounts()
        self.com = ComRegistry(self)

    # ------------------------------------------------------------------ ids
    def _object_id(self) -> int:
        n = self._next_object_id
        self._next_object_id += 1
        return n

    def new_luid(self) -> LUID:
        n = self._next_luid
        self._next_luid += 1
        return LUID(n)

    def _client_id(self) -> int:
        n = self._next_client_id
        self._next_client_id += 4
        return n

    def register(self, obj: KernelObject) -> KernelObject:
        obj.object_id = self._object_id()
        self.objects[obj.object_id] = obj
        obj.watch(self.touched)
        return obj

    # ------------------------------------------------------------------ narration
    def note(self, text: str) -> None:
        """Say which rule just decided something (kept only while a trace records, and
        not while the machine itself starts a process: that is set-up, not the call)."""
        if self.tracer is not None and not self._quiet:
            self.tracer.note(text)

    def describe(self, token: Token) -> str:
        """``Token#4 (TOKENLAB\\alice, SecurityImpersonation)``: a token as narration names it."""
        kind = "primary" if token.token_type == TokenType.TokenPrimary else token.impersonation_level.name
        return f"Token#{token.object_id} ({self.sid_name(token.user)}, {kind})"

    def live_objects(self) -> list[KernelObject]:
        # An object with no reference left is gone (one made and never referenced, too).
        dead = [k for k, o in self.objects.items() if not o.alive or not o.refs]
        for k in dead:
            obj = self.objects.pop(k)
            obj.alive = False
            if obj.name is not None and self.namespace.get(obj.name) is obj:
                del self.namespace[obj.name]
        return list(self.objects.values())

    # ------------------------------------------------------------------ accounts
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
        luid = luid or self.new_luid()
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

    def logon(self, acct: Account, logon_type: int, created_by: LUID | None = None) -> Token:
        """Build the token a logon of ``logon_type`` gives ``acct`` (not yet registered)."""
        kind = LOGON_TYPE_NAMES[logon_type]
        session = self._session(acct.sid, kind, logon_type != LOGON32_LOGON_NETWORK, created_by)
        token = self._user_token(acct, session, logon_type)
        return token

    def _user_token(self, acct: Account, session: LogonSession, logon_type: int) -> Token:
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
        # LogonUser(NETWORK) returns an impersonation token (docs: LogonUser, phToken).
        network = logon_type in (LOGON32_LOGON_NETWORK, LOGON32_LOGON_NETWORK_CLEARTEXT)
        return Token(
            acct.sid, groups, privileges, owner=owner, primary_group=self.domain_sid.child(513),
            default_dacl=ACL(dacl),
            token_type=TokenType.TokenImpersonation if network else TokenType.TokenPrimary,
            impersonation_level=SecurityImpersonationLevel.SecurityImpersonation,
            integrity_level=HIGH_INTEGRITY if admin else MEDIUM_INTEGRITY,
            mandatory_policy=MandatoryPolicy.TOKEN_MANDATORY_POLICY_VALID_MASK,
            token_id=self.new_luid(), authentication_id=session.luid, modified_id=self.new_luid(),
            source="User32" if logon_type == LOGON32_LOGON_INTERACTIVE else "Advapi",
            session_id=1 if logon_type == LOGON32_LOGON_INTERACTIVE else 0, elevated=admin,
        )

    def _service_token(self, sid: SID) -> Token:
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
            token_id=self.new_luid(), authentication_id=session.luid, modified_id=self.new_luid(),
            source="*SYSTEM*",
        )

    # ------------------------------------------------------------------ processes
    def start_process(self, image: str, user="NETWORK SERVICE", *, token: Token | None = None,
                      logon_type: int = LOGON32_LOGON_INTERACTIVE) -> Process:
        """Start a process running as ``user`` (an account name or SID) with one thread.

        The machine itself starts it (like the service control manager or a logon would),
        so no password is checked. Its primary token is a fresh logon token (services:
        their well-known token); pass ``token=`` to use a primary token you built.
        """
        self._quiet += 1
        try:
            return self._start_process(image, user, token, logon_type)
        finally:
            self._quiet -= 1

    def _start_process(self, image: str, user, token: Token | None, logon_type: int) -> Process:
        if token is None:
            acct = self.account(user)
            if acct.kind == "service":
                token = self._service_token(acct.sid)
            elif acct.kind == "user":
                token = self.logon(acct, logon_type)
                token.token_type = TokenType.TokenPrimary
            else:
                raise ValueError(f"{acct.name!r} is a group; processes run as users")
            self.register(token)
            token.origin = f"logon of {acct.full_name}"
            # The machine made this token for the process: its descriptor comes from itself.
            token.security = self.assign_security(token, None, TOKEN_MAPPING)
        elif token.token_type != TokenType.TokenPrimary:
            raise WinError(ErrorCode.ERROR_BAD_TOKEN_TYPE, "a process needs a primary token")
        elif token.object_id is None:
            self.register(token)
            token.security = self.assign_security(token, None, TOKEN_MAPPING)
        proc = Process(self, self._client_id(), image, token)
        self.register(proc)
        # CreateProcess gives the process and its first thread descriptors from the new
        # primary token's defaults.
        proc.security = self.assign_security(token, None, proc.mapping)
        proc.add_ref("running")
        self.processes.append(proc)
        self.new_thread(proc, token)
        return proc

    def new_thread(self, proc: Process, creator: Token, sd: SecurityDescriptor | None = None) -> Thread:
        security = self.assign_security(creator, sd, Thread.mapping)  # may refuse: before any id is taken
        t = Thread(proc, self._client_id(), security=security)
        self.register(t)
        t.add_ref("running")
        proc.threads.append(t)
        return t

    def process(self, pid_or_image) -> Process:
        for p in self.processes:
            if p.pid == pid_or_image or p.image == pid_or_image:
                return p
        raise KeyError(f"no process {pid_or_image!r}")

    def thread(self, tid: int) -> Thread:
        for p in self.processes:
            for t in p.threads:
                if t.tid == tid:
                    return t
        raise KeyError(f"no thread {tid!r}")

    # ------------------------------------------------------------------ object security
    def assign_security(self, creator: Token, explicit: SecurityDescriptor | None,
                        mapping: GenericMapping) -> SecurityDescriptor:
        """The descriptor of a new object created with ``creator`` as the effective token.

        What ``explicit`` gives is used as given (ACE flags included); what it leaves out
        comes from the creator's defaults: owner = default owner, group = primary group,
        DACL = default DACL. A label in an explicit descriptor of a *token* is ignored: the
        token keeps its source's integrity (Wine test test_token_label). Generic rights in
        the DACL's effective ACEs are mapped to the object type's specific rights, as the
        kernel does when it assigns a new object's descriptor (*Windows Security
        Internals*, ch. 6); inherit-only ACEs keep theirs for the children they are for.
        """
        is_token = mapping is TOKEN_MAPPING
        control = SDControl(0)
        owner = group = dacl = sacl = None
        if explicit is not None:
            owner, group = explicit.owner, explicit.group
            if owner is not None:
                self.check_owner(creator, owner)
            keep = (SDControl.SE_DACL_PROTECTED | SDControl.SE_DACL_AUTO_INHERITED
                    | SDControl.SE_SACL_PROTECTED | SDControl.SE_SACL_AUTO_INHERITED)
            control |= explicit.control & keep
            if explicit.dacl_present:
                dacl = explicit.dacl
                control |= SDControl.SE_DACL_PRESENT
            if explicit.sacl_present:
                aces = [a for a in (explicit.sacl or ()) if not (
                    is_token and a.type == AceType.SYSTEM_MANDATORY_LABEL_ACE_TYPE)]
                if aces or explicit.sacl is None:
                    sacl = ACL(aces) if explicit.sacl is not None else None
                    control |= SDControl.SE_SACL_PRESENT
        if owner is None:
            owner = creator.owner
            control |= SDControl.SE_OWNER_DEFAULTED
        if group is None:
            group = creator.primary_group
            control |= SDControl.SE_GROUP_DEFAULTED
        if not control & SDControl.SE_DACL_PRESENT and creator.default_dacl is not None:
            dacl = creator.default_dacl
            control |= SDControl.SE_DACL_PRESENT | SDControl.SE_DACL_DEFAULTED
            allowed = sorted({self.sid_name(a.sid) for a in dacl if a.type == AceType.ACCESS_ALLOWED_ACE_TYPE})
            self.note(f"The new {mapping.object_type.lower()} object gets its own security descriptor; with no "
                      f"DACL given, its DACL is the default DACL of the creating thread's effective token "
                      f"({self.sid_name(creator.user)}), which allows {', '.join(allowed) or 'nobody'}.")
        elif control & SDControl.SE_DACL_PRESENT:
            self.note(f"The new {mapping.object_type.lower()} object's DACL is the one passed in its "
                      "SECURITY_ATTRIBUTES, not a default.")
        if dacl is not None:
            dacl = ACL([a if a.inherit_only or not a.mask & GENERIC_BITS
                        else ACE(a.type, a.flags, mapping.map(a.mask), a.sid) for a in dacl], dacl.revision)
        if (not is_token and sacl is None and integrity_rid(creator.integrity_level) < integrity_rid(MEDIUM_INTEGRITY)):
            sacl = ACL([ACE.label(creator.integrity_level, 0x1)])
            control |= SDControl.SE_SACL_PRESENT
        return SecurityDescriptor(owner, group, dacl, sacl, control)

    def check_owner(self, token: Token, owner: SID) -> None:
        """An owner a token may assign: its user, a group with SE_GROUP_OWNER, or anything
        with SeRestorePrivilege enabled (docs: "Owner of a New Object"); else ERROR_INVALID_OWNER."""
        if owner == token.user or token.privilege_enabled("SeRestorePrivilege"):
            return
        for g in token.groups:
            if g.sid == owner and g.attributes & GroupAttributes.SE_GROUP_OWNER and not g.deny_only:
                return
        raise WinError(ErrorCode.ERROR_INVALID_OWNER, f"{self.sid_name(owner)} cannot own objects this token creates.")

    def open_check(self, obj: KernelObject, token: Token, desired: int, *, thread_token: bool = True,
                   why: str = ""):
        """The access check done when a handle is opened: returns (granted mask, result).

        ``thread_token`` says ``token`` is a thread's impersonation token (an
        Identification- or Anonymous-level one cannot open objects:
        ERROR_BAD_IMPERSONATION_LEVEL). ``why`` says why that token was the one checked
        (for narration). Raises WinError when access is denied; the error's
        ``access_check`` attribute holds the result that said no.
        """
        why = why or ("the thread's impersonation token" if thread_token and token.token_type == TokenType.TokenImpersonation
                      else "the process token: the thread is not impersonating")
        if (thread_token and token.token_type == TokenType.TokenImpersonation
                and token.impersonation_level < SecurityImpersonationLevel.SecurityImpersonation):
            raise WinError(ErrorCode.ERROR_BAD_IMPERSONATION_LEVEL,
                           "The thread impersonates at Identification level or below, so it cannot open objects.")
        desired = int(desired)
        mapped = obj.mapping.map(desired & ~MAXIMUM_ALLOWED) | (desired & MAXIMUM_ALLOWED)
        if obj.object_type in ("Process", "Thread") and token.privilege_enabled("SeDebugPrivilege"):
            # SeDebugPrivilege opens any process or thread (docs: "Changing Privileges in a Token").
            granted = obj.mapping.generic_all if mapped & MAXIMUM_ALLOWED else mapped
            granted |= mapped & ~MAXIMUM_ALLOWED
            self.note(f"SeDebugPrivilege (enabled in {self.sid_name(token.user)}'s token) opens any "
                      f"process or thread without reading its DACL.")
            return granted, None
        result = access_check(obj.security, token, mapped, obj.mapping, require_impersonation=False)
        if self.tracer is not None:
            self.tracer.note_check(obj, token, result, why)
        if not result.allowed:
            err = WinError(result.status, f"Opening {obj.label} for {obj.mapping.format(mapped)} was refused.")
            err.access_check = result
            raise err
        return int(result.granted), result

    def set_security(self, obj: KernelObject, info: int, setter: Token, owner=None, group=None,
                     dacl=None, sacl=None, *, dacl_null: bool = False) -> None:
        """Replace the parts of ``obj``'s descriptor that ``info`` selects."""
        sd = obj.security or SecurityDescriptor()
        changes = {}
        if info & 1:
            if owner is None:
                raise WinError(ErrorCode.ERROR_INVALID_PARAMETER)
            self.check_owner(setter, owner)
            changes["owner"] = owner
        if info & 2:
            if group is None:
                raise WinError(ErrorCode.ERROR_INVALID_PARAMETER)
            changes["group"] = group
        control = sd.control
        if info & 4:
            control = (control | SDControl.SE_DACL_PRESENT) & ~SDControl.SE_DACL_DEFAULTED
            changes["dacl"] = dacl
        if info & (8 | 0x10):
            control |= SDControl.SE_SACL_PRESENT
            changes["sacl"] = sacl
        changes["control"] = control
        new = SecurityDescriptor(
            changes.get("owner", sd.owner), changes.get("group", sd.group),
            changes.get("dacl", sd.dacl), changes.get("sacl", sd.sacl), control)
        obj.security = new

    # ------------------------------------------------------------------ tokens
    def duplicate_token(self, creator: Token, source: Token, level, token_type,
                        explicit: SecurityDescriptor | None, origin: str) -> Token:
        """A new token object with ``source``'s contents (NtDuplicateToken).

        Validates first, then allocates, so a refused duplication changes nothing.
        """
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
        security = self.assign_security(creator, explicit, TOKEN_MAPPING)
        dup = Token(
            source.user, source.groups, dict(source.privileges), owner=source.owner,
            primary_group=source.primary_group, default_dacl=source.default_dacl, token_type=token_type,
            impersonation_level=level if token_type == TokenType.TokenImpersonation
            else SecurityImpersonationLevel.SecurityImpersonation,
            integrity_level=source.integrity_level, mandatory_policy=source.mandatory_policy,
            restricted_sids=source.restricted_sids, user_attributes=source.user_attributes,
            token_id=self.new_luid(), authentication_id=source.authentication_id,
            modified_id=source.modified_id, source=source.source, session_id=source.session_id,
            elevated=source.elevated, security=security,
        )
        self.register(dup)
        dup.origin = origin
        dup.duplicated_from = source.object_id
        return dup

    def can_impersonate(self, caller: Process, token: Token) -> tuple[bool, str]:
        """tokenlab's model of the SeImpersonatePrivilege rule (see module docstring)."""
        level = token.impersonation_level
        if level < SecurityImpersonationLevel.SecurityImpersonation:
            return True, f"the token is only at {level.name}, which needs no permission"
        me = caller.token
        if integrity_rid(token.integrity_level) > integrity_rid(me.integrity_level):
            return False, (f"the token's integrity ({token.integrity_name}) is above the caller's "
                           f"({me.integrity_name})")
        if me.privilege_enabled("SeImpersonatePrivilege"):
            return True, "the caller's process token holds SeImpersonatePrivilege (enabled)"
        if token.user == me.user:
            return True, "the token is for the caller's own user"
        session = self.logon_sessions.get(token.authentication_id)
        if session is not None and session.created_by == me.authentication_id:
            return True, "the token comes from a LogonUser call the caller's logon session made"
        return False, ("the caller has no SeImpersonatePrivilege, the token is for another user, and "
                       "the caller did not log that user on")

    def impersonate(self, thread: Thread, token: Token) -> tuple[Token, str]:
        """Put ``token`` in ``thread``'s slot, or an Identification-level copy of it when the
        caller may not impersonate at its level. Returns (token in slot, why)."""
        if token.token_type != TokenType.TokenImpersonation:
            raise WinError(ErrorCode.ERROR_BAD_TOKEN_TYPE, "Only an impersonation token can be a thread token.")
        ok, why = self.can_impersonate(thread.process, token)
        if not ok:
            token = self.duplicate_token(thread.effective_token, token,
                                         SecurityImpersonationLevel.SecurityIdentification,
                                         TokenType.TokenImpersonation, None,
                                         "downgraded copy (impersonation not allowed)")
            why = f"downgraded to SecurityIdentification: {why}"
            self.note(f"The thread gets an Identification-level copy instead: {why.split(': ', 1)[1]}.")
        else:
            self.note(f"The thread may impersonate at {token.impersonation_level.name}: {why}.")
        thread.set_token(token)
        return token, why

    def create_event(self, creator: Token, sd: SecurityDescriptor | None, manual_reset: bool,
                     initial: bool, name: str | None) -> Event:
        ev = Event(manual_reset, initial, name=name)
        ev.security = self.assign_security(creator, sd, ev.mapping)
        self.register(ev)
        if name is not None:
            self.namespace[name] = ev
        return ev

    def find_named(self, name: str) -> KernelObject | None:
        obj = self.namespace.get(name)
        return obj if obj is not None and obj.alive else None

    def __repr__(self) -> str:
        return f"<Machine {self.name} with {len(self.processes)} process(es)>"
