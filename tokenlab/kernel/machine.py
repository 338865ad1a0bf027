"""The simulated machine: the hub that owns accounts, processes, objects and the rules' rooms.

``Machine()`` is deterministic: the same calls give the same SIDs, LUIDs, object ids,
process and thread ids on every run. The rules live beside it, one function each:
accounts and logons in :mod:`~tokenlab.kernel.lsa` (``machine.lsa``), new-object security,
opens and impersonation in :mod:`~tokenlab.kernel.srm`, processes in :mod:`~tokenlab.kernel.spawn`, token contents in
:mod:`~tokenlab.kernel.token`, the slot in :mod:`~tokenlab.kernel.process`, COM in
:mod:`~tokenlab.kernel.com` (``machine.com``). The machine hands out ids, keeps the object
table and the namespace of named objects, starts processes and threads, and passes what
the rules report to a recording trace (:meth:`Machine.report`).

Model simplifications (said in the notebooks where a lesson depends on one): see
:mod:`tokenlab.kernel.lsa` (UAC's split token only for interactive logons; a LogonUser
token's own descriptor) and :mod:`tokenlab.kernel.srm` (the SeImpersonatePrivilege rule;
labels on new objects only below Medium integrity).
"""
from __future__ import annotations

from ..security.descriptor import SecurityDescriptor
from ..security.errors import ErrorCode, WinError
from ..security.rights import TOKEN_MAPPING
from ..security.sids import SID
from ..security.tokenattrs import LUID, TokenType
from . import events, spawn, srm
from .com import ComRegistry
from .files import Volume
from .lsa import DEFAULT_DOMAIN_SID, LOGON32_LOGON_INTERACTIVE, Account, Lsa

from .objects import KernelObject, reap as reap_objects
from .process import Process, Thread
from .token import Token

__all__ = ["Machine", "DEFAULT_DOMAIN_SID"]


class Machine:
    """A deterministic simulated Windows machine.

    >>> m = Machine()
    >>> alice = m.add_user("alice", password="pw")
    >>> svc = m.start_process("svc.exe", user="NETWORK SERVICE")
    >>> api = svc.main_thread.api
    """

    def __init__(self, name: str = "TOKENLAB", domain_sid: SID | str = DEFAULT_DOMAIN_SID):
        if not isinstance(name, str) or not name:
            raise TypeError(f"name must be a non-empty str, got {name!r}")
        self.name = name
        self.domain_sid = SID(domain_sid)
        self.processes: list[Process] = []
        self.objects: dict[int, KernelObject] = {}
        self.touched: set[KernelObject] = set()  # objects changed since a reader last took this set
        self.namespace: dict[str, KernelObject] = {}  # named objects (events)
        self.pipes: dict[str, list] = {}  # named pipes: path -> instances (kernel.pipes)
        self.volume = Volume(self)  # the one volume, C:\ (kernel.files)
        self._next_object_id = 1
        self._next_luid = 0x10000
        self._next_client_id = 1000  # pids and tids share one counter, multiples of 4
        self.tracer = None  # a teaching.trace.Trace while recording
        self._quiet = 0     # > 0 while the machine starts a process on its own
        self.lsa = Lsa(self, name, self.domain_sid)
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

    # ------------------------------------------------------------------ reports
    def report(self, rule: str, **values) -> None:
        """A rule says what it decided (``events.*``). Kept only while a trace records, and
        not while the machine itself starts a process: that is set-up, not the call."""
        if self.tracer is not None and not self._quiet:
            self.tracer.event(events.Report(rule, values))

    def describe(self, token: Token) -> str:
        """``Token#4 (TOKENLAB\\alice, SecurityImpersonation)``: a token's label with its user's name."""
        kind = "primary" if token.token_type == TokenType.TokenPrimary else token.impersonation_level.name
        return f"Token#{token.object_id} ({self.sid_name(token.user)}, {kind})"

    # ------------------------------------------------------------------ object table
    def reap(self) -> int:
        """Forget every object with no reference left (one made and never referenced,
        too), and unname it; returns how many went."""
        return reap_objects(self, list(self.objects.values()))

    def live_objects(self) -> list[KernelObject]:
        """Every object something still refers to, by object id (reaps the rest first)."""
        self.reap()
        return list(self.objects.values())

    # ------------------------------------------------------------------ accounts (machine.lsa)
    @property
    def accounts(self) -> dict[str, Account]:
        return self.lsa.accounts

    @property
    def logon_sessions(self):
        return self.lsa.logon_sessions

    def add_user(self, name: str, password: str | None = None, groups=(), privileges=()) -> SID:
        """Create a local user (RIDs 1001, 1002 … in call order) and return its SID (see Lsa.add_user)."""
        return self.lsa.add_user(name, password, groups, privileges)

    def add_group(self, name: str, members=()) -> SID:
        """Create a local group and add ``members`` (user names or SIDs) to it."""
        return self.lsa.add_group(name, members)

    def account(self, who) -> Account:
        """Find an account by name (``alice``, ``TOKENLAB\\alice``, ``NETWORK SERVICE``) or SID."""
        return self.lsa.account(who)

    def sid_name(self, sid: SID) -> str:
        """A readable name for a SID: account name, well-known name, or the SID string."""
        return self.lsa.sid_name(sid)

    # ------------------------------------------------------------------ processes
    def start_process(self, image: str, user="NETWORK SERVICE", *, token: Token | None = None,
                      logon_type: int = LOGON32_LOGON_INTERACTIVE, uac: bool = False) -> Process:
        """Start a process running as ``user`` (an account name or SID) with one thread.

        The machine itself starts it (like the service control manager or a logon would),
        so no password is checked. Its primary token is a fresh logon token (services:
        their well-known token); pass ``token=`` to use a primary token you built.
        An administrator's process gets the full (elevated) token, as "Run as
        administrator" or a machine without UAC gives; ``uac=True`` gives it the filtered
        token of UAC's split logon instead (see ``Lsa.logon``).
        """
        if not isinstance(image, str) or not image:
            raise TypeError(f"image must be a non-empty str, got {image!r}")
        if token is not None and not isinstance(token, Token):
            raise TypeError(f"token must be Token or None, got {type(token).__name__}")
        if token is None:
            if not isinstance(user, (str, SID)):
                raise TypeError(f"user must be an account name (str) or SID, got {type(user).__name__}")
            try:
                acct = self.account(user)
            except KeyError:
                raise ValueError(f"user: this machine has no account {user!s}") from None
            if acct.kind not in ("service", "user"):
                raise ValueError(f"user: {acct.name!r} is a group; processes run as users")
        self._quiet += 1
        try:
            return self._start_process(image, user, token, logon_type, uac)
        finally:
            self._quiet -= 1

    def _start_process(self, image: str, user, token: Token | None, logon_type: int, uac: bool = False) -> Process:
        if token is None:
            acct = self.account(user)
            if acct.kind == "service":
                token = self.lsa.service_token(acct.sid)
            else:
                token = self.lsa.logon(acct, logon_type, primary=True, split=uac)
            self.register(token)
            token.origin = f"logon of {acct.full_name}"
            # The machine made this token for the process: its descriptor comes from itself.
            token.security = srm.assign_security(self, token, None, TOKEN_MAPPING,
                                                 token_integrity=token.integrity_level)
        elif token.token_type != TokenType.TokenPrimary:
            raise WinError(ErrorCode.ERROR_BAD_TOKEN_TYPE, "a process needs a primary token")
        elif token.object_id is None:
            self.register(token)
            token.security = srm.assign_security(self, token, None, TOKEN_MAPPING,
                                                 token_integrity=token.integrity_level)
        # CreateProcess gives the process and its first thread descriptors from the new
        # primary token's defaults (kernel.spawn, the one rule for every way to start one).
        return spawn.start(self, image, token)

    def new_thread(self, proc: Process, creator: Token, sd: SecurityDescriptor | None = None) -> Thread:
        security = srm.assign_security(self, creator, sd, Thread.mapping)  # may refuse: before any id is taken
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

    def find_named(self, name: str) -> KernelObject | None:
        obj = self.namespace.get(name)
        return obj if obj is not None and obj.alive else None

    def __repr__(self) -> str:
        return f"<Machine {self.name} with {len(self.processes)} process(es)>"
