"""tokenlab's model of COM local-server activation.

``CoCreateInstance(clsid, None, CLSCTX_LOCAL_SERVER, iid)`` here does what matters for the
token stories:

1. If the calling thread is impersonating, open its token with
   ``TOKEN_QUERY|TOKEN_DUPLICATE|TOKEN_IMPERSONATE`` and **OpenAsSelf=TRUE** — the access
   check runs against the *process* token, as system code conventionally does — to hand
   the caller's identity to the activator. A denial surfaces as ``E_ACCESSDENIED``.
   ``ComRegistry.open_as_self`` lets a learner flip this to see why the outcome depends on it.
2. Check the server's launch/activation permission descriptor against the caller's
   effective identity (``COM_RIGHTS_EXECUTE|COM_RIGHTS_EXECUTE_LOCAL|COM_RIGHTS_ACTIVATE_LOCAL``).
3. Start the server process (once) as its configured identity and return an interface.

Real COM does much more — the RPCSS service, apartments, AppIDs, and cloaking, which
decides whose identity outgoing calls carry — and none of it is modelled here; lessons
that rest on this model say "in tokenlab's model of COM".
"""
from __future__ import annotations

from dataclasses import dataclass, field


from ..security.access_check import access_check
from ..security.acl import ACE, ACL
from ..security.descriptor import SecurityDescriptor
from ..security.errors import ComError, HResult, WinError
from ..security.rights import COM_MAPPING, TOKEN_MAPPING, ComAccess, TokenAccess
from ..security.tokenattrs import SecurityImpersonationLevel, TokenType
from ..security.sids import AUTHENTICATED_USERS, BUILTIN_ADMINISTRATORS, LOCAL_SYSTEM
from . import events as ev
from . import srm
from . import token as tokens


CLSID_Something = "{7D5B7A8E-2F43-4C3B-9C1D-5E0A6B1F2C3D}"  # the posts' sample server
IID_IUnknown = "{00000000-0000-0000-C000-000000000046}"

CLSCTX_LOCAL_SERVER = 0x4
LAUNCH_RIGHTS = int(ComAccess.COM_RIGHTS_EXECUTE | ComAccess.COM_RIGHTS_EXECUTE_LOCAL
                    | ComAccess.COM_RIGHTS_ACTIVATE_LOCAL)
TOKEN_OPEN_RIGHTS = int(TokenAccess.TOKEN_QUERY | TokenAccess.TOKEN_DUPLICATE | TokenAccess.TOKEN_IMPERSONATE)


def hresult_from_win32(code: int) -> int:
    """HRESULT_FROM_WIN32: 5 → 0x80070005 (E_ACCESSDENIED)."""
    return 0x80070000 | (code & 0xFFFF) if code > 0 else code


def default_launch_permission() -> SecurityDescriptor:
    """SYSTEM, Administrators and Authenticated Users may launch and activate locally."""
    return SecurityDescriptor(
        owner=BUILTIN_ADMINISTRATORS, group=BUILTIN_ADMINISTRATORS,
        dacl=ACL([ACE.allow(LOCAL_SYSTEM, LAUNCH_RIGHTS), ACE.allow(BUILTIN_ADMINISTRATORS, LAUNCH_RIGHTS),
                  ACE.allow(AUTHENTICATED_USERS, LAUNCH_RIGHTS)]))


class ComObject:
    """What ``CoCreateInstance`` hands back: an interface pointer to a local server's object."""

    def __init__(self, server, iid: str, server_process):
        self.server = server
        self.iid = iid
        self.server_process = server_process

    def __repr__(self) -> str:
        return f"<COM object {self.server.name} {self.iid} in {self.server_process.image}>"


@dataclass
class ComServer:
    """A registered local server: who may launch it, and who it runs as."""

    clsid: str
    name: str
    image: str
    run_as: str = "LOCAL SERVICE"
    launch_permission: SecurityDescriptor = field(default_factory=default_launch_permission)
    interfaces: tuple[str, ...] = (IID_IUnknown,)


@dataclass
class Activation:
    """What the last CoCreateInstance decided (its steps are reported as events)."""

    clsid: str
    token_check: object = None  # AccessCheckResult of opening the thread token, if any
    launch_check: object = None  # AccessCheckResult of the launch permission check
    hresult: int = 0


class ComRegistry:
    """The machine's class registrations (``machine.com``)."""

    def __init__(self, machine: "tokenlab.kernel.machine.Machine"):
        self.machine = machine
        self.servers: dict[str, ComServer] = {}
        self.running: dict[str, object] = {}
        self.open_as_self = True
        self.last_activation: Activation | None = None
        self.callers: dict[int, object] = {}  # server pid -> the caller's token of its last activation
        self.register(ComServer(CLSID_Something, "Something", "something_server.exe"))

    def register(self, server: ComServer) -> ComServer:
        self.servers[server.clsid.upper()] = server
        return server

    def create_instance(self, thread, rclsid, outer, ctx, riid):
        """CoCreateInstance as ``thread`` (the steps in the module docstring)."""
        for name, v in (("rclsid", rclsid), ("riid", riid)):
            if not isinstance(v, str):
                raise TypeError(f"{name} must be a GUID string, got {type(v).__name__}")
        if isinstance(ctx, bool) or not isinstance(ctx, int):
            raise TypeError(f"dwClsContext must be int, got {type(ctx).__name__}")
        act = Activation(rclsid)
        self.last_activation = act
        machine = self.machine

        def fail(hr: int, why: str):
            act.hresult = hr
            machine.report(ev.COM_FAILED, hresult=hr, message=why)
            raise ComError(hr, why)

        if outer is not None:
            fail(HResult.CLASS_E_NOAGGREGATION, "This class cannot be aggregated.")
        server = self.servers.get(rclsid.upper())
        if server is None or not ctx & CLSCTX_LOCAL_SERVER:
            fail(HResult.REGDB_E_CLASSNOTREG, f"{rclsid} is not registered as a local server.")
        if riid.upper() not in (i.upper() for i in server.interfaces):
            fail(HResult.E_NOINTERFACE, f"{server.name} does not implement {riid}.")
        if thread.token is not None:
            if thread.token.impersonation_level > SecurityImpersonationLevel.SecurityAnonymous:
                srm.thread_token_to_open(machine, thread)  # a client's context: copy-on-open
            as_self = self.open_as_self
            checker = thread.process.token if as_self else thread.token
            machine.report(ev.COM_TOKEN_OPEN, as_self=as_self)
            try:
                _, act.token_check = srm.open_check(machine, thread.token, checker, TOKEN_OPEN_RIGHTS,
                                                    thread_token=not as_self,
                                                    why=ev.WHY_COM_AS_SELF if as_self else ev.WHY_COM_AS_THREAD)
            except WinError as e:
                act.token_check = getattr(e, "access_check", None)
                fail(hresult_from_win32(e.winerror),
                     f"Opening the thread token failed with {e.name}, so activation fails: the token's "
                     f"own descriptor does not let {machine.sid_name(checker.user)} open it.")
            machine.report(ev.COM_TOKEN_OPENED)
        identity = thread.effective_token
        result = access_check(server.launch_permission, identity, LAUNCH_RIGHTS, COM_MAPPING,
                              require_impersonation=False)
        act.launch_check = result
        machine.report(ev.ACCESS_CHECKED, what=f"{server.name}'s launch permission", checker=identity.user,
                       sd=server.launch_permission, result=result, why=ev.WHY_COM_LAUNCH)
        if not result.allowed:
            fail(HResult.E_ACCESSDENIED, f"{server.name}'s launch permission does not grant "
                                         f"{machine.sid_name(identity.user)} local launch.")
        machine.report(ev.COM_LAUNCH_GRANTED, server=server.name, who=identity.user)
        proc = self.running.get(server.clsid.upper())
        if proc is None:
            proc = machine.start_process(server.image, user=server.run_as)
            self.running[server.clsid.upper()] = proc
            machine.report(ev.COM_SERVER_STARTED, image=server.image, run_as=server.run_as)
        self.callers[proc.pid] = identity
        act.hresult = HResult.S_OK
        return ComObject(server, riid, proc)

    def impersonate_client(self, thread) -> int:
        """CoImpersonateClient in a thread of a server process: the caller of its last
        activation, in the slot, copy-on-open (like every client context), at
        Identification level — COM's default impersonation level when the client set
        none with CoInitializeSecurity (docs: "Impersonation Levels", CoInitializeSecurity).
        The context is captured when the server asks for it (tokenlab's model). Outside
        a call: RPC_E_CALL_COMPLETE (docs: CoGetCallContext)."""
        caller = self.callers.get(thread.process.pid)
        if caller is None:
            raise ComError(HResult.RPC_E_CALL_COMPLETE,
                           f"{thread.process.image} is serving no COM call whose client it could impersonate.")
        machine = self.machine
        level = min(SecurityImpersonationLevel.SecurityIdentification, caller.impersonation_level
                    if caller.token_type == TokenType.TokenImpersonation else SecurityImpersonationLevel.SecurityIdentification)
        context = tokens.copy_of(caller, level, TokenType.TokenImpersonation, token_id=machine.new_luid())
        context.security = srm.assign_security(machine, caller, None, TOKEN_MAPPING,
                                               token_integrity=caller.integrity_level)
        machine.register(context)
        context.origin = "COM call context (the client of the last activation)"
        context.duplicated_from = caller.object_id
        srm.impersonate(machine, thread, context, copy_on_open=True)
        return HResult.S_OK
