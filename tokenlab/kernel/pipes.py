"""Named pipes: how a service really gets its client's token.

A server creates an instance of a named pipe (``CreateNamedPipe``); a client process opens
it by name (``CreateFile(r"\\\\.\\pipe\\name", ...)``), which is checked against the pipe's
descriptor with the client's effective token; they exchange bytes (``WriteFile``,
``ReadFile``); the server impersonates the client (``ImpersonateNamedPipeClient``).

The rules, each once:

* :func:`pipe_descriptor` — the pipe's own descriptor: an explicit one as given, else the
  named-pipe default: full control for SYSTEM, Administrators and the creator owner,
  read for Everyone and Anonymous (docs: CreateNamedPipe, lpSecurityAttributes).
* :func:`connect` — the client's open, and the *client context* the kernel keeps for the
  server: a copy of the client's effective token at the level the client allows with
  security quality of service (``SECURITY_SQOS_PRESENT | SECURITY_IDENTIFICATION`` …;
  without SQOS, Impersonation), captured at connect time with static tracking, or when
  the server impersonates with dynamic tracking — the default without SQOS (docs:
  CreateFile "Named pipes", "Impersonation Levels"; Wine pipe.c test_impersonation).
* :func:`impersonate_client` — fails with ERROR_CANNOT_IMPERSONATE until the server has
  read data from the pipe (Wine test pipe.c, test_ImpersonateNamedPipeClient); otherwise
  puts the client's context in the thread's slot, *copy-on-open*
  (:func:`tokenlab.kernel.srm.thread_token_to_open`), through the same
  SeImpersonatePrivilege rule as every impersonation.

Blocking calls cannot block in a sequential simulation. tokenlab's convention: a client
may open the pipe as soon as the server created it (as on Windows), so the server's
``ConnectNamedPipe`` then finds it connected and, as Windows does, returns FALSE with
ERROR_PIPE_CONNECTED — which callers treat as success. Where the real call would wait
for ever (``ConnectNamedPipe`` before any client, ``ReadFile`` of an empty pipe), tokenlab
fails the way a PIPE_NOWAIT pipe reports it: ERROR_PIPE_LISTENING (536) and ERROR_NO_DATA
(232). SECURITY_EFFECTIVE_ONLY and message-mode reads are not modelled and raise
NotModelledError.
"""
from __future__ import annotations

from ..security.acl import ACE, ACL
from ..security.descriptor import SecurityDescriptor
from ..security.errors import ErrorCode, NotModelledError, WinError
from ..security.rights import FILE_MAPPING, STANDARD, TOKEN_MAPPING
from ..security.sids import ANONYMOUS, BUILTIN_ADMINISTRATORS, CREATOR_OWNER, EVERYONE, LOCAL_SYSTEM
from ..security.tokenattrs import SecurityImpersonationLevel, TokenType
from . import events as ev
from . import srm
from . import token as tokens
from .objects import KernelObject

PIPE_PREFIX = "\\\\.\\pipe\\"

# Security quality of service in CreateFile's dwFlagsAndAttributes (winbase.h).
SECURITY_SQOS_PRESENT = 0x00100000
SECURITY_CONTEXT_TRACKING = 0x00040000
SECURITY_EFFECTIVE_ONLY = 0x00080000
_SQOS_LEVEL_SHIFT = 16


class PipeEnd(KernelObject):
    """One end of a named pipe instance: the server's (``server=True``) or the client's.

    Both are file objects of the named-pipe file system; tokenlab gives them the type
    name "NamedPipe" and file access rights (FILE_MAPPING)."""

    object_type = "NamedPipe"
    mapping = FILE_MAPPING

    def __init__(self, instance: "PipeInstance", server: bool, **kw):
        super().__init__(name=instance.path, **kw)
        self.instance = instance
        self.server = server

    @property
    def label(self) -> str:
        return f"{'server' if self.server else 'client'} end of {self.instance.path}"


class PipeInstance:
    """One instance of a named pipe: its two ends, the bytes in flight each way, and the
    client's context once a client connected."""

    def __init__(self, path: str, server_end_factory, open_mode: int, pipe_mode: int, max_instances: int):
        self.path = path
        self.open_mode = open_mode
        self.pipe_mode = pipe_mode
        self.max_instances = max_instances
        self.server_end: PipeEnd = server_end_factory(self)
        self.client_end: PipeEnd | None = None
        self.to_server = bytearray()
        self.to_client = bytearray()
        self.server_has_read = False
        self.client_pid: int | None = None
        self.client_context = None   # the client's token as the server may impersonate it
        self.client_level = None     # the SQOS level the client allowed
        self.dynamic = False         # dynamic context tracking: captured at each impersonation
        self.client_thread = None    # the client's thread (dynamic tracking reads its token)
        self.disconnected = False


def pipe_descriptor(machine, creator, explicit: SecurityDescriptor | None) -> SecurityDescriptor:
    """A new pipe's descriptor: ``explicit`` completed from the creator's defaults like any
    object, or — with none given — the named-pipe default DACL (docs: CreateNamedPipe):
    SYSTEM, Administrators and the creator owner full control; Everyone and Anonymous read."""
    if explicit is None:
        full, read = STANDARD["GENERIC_ALL"], STANDARD["GENERIC_READ"]
        explicit = SecurityDescriptor(dacl=ACL([
            ACE.allow(LOCAL_SYSTEM, full), ACE.allow(BUILTIN_ADMINISTRATORS, full), ACE.allow(CREATOR_OWNER, full),
            ACE.allow(EVERYONE, read), ACE.allow(ANONYMOUS, read)]))
        sd = srm.assign_security(machine, creator, explicit, FILE_MAPPING)
        # CREATOR OWNER stands for the owner when a descriptor is assigned.
        dacl = ACL([ACE(a.type, a.flags, a.mask, sd.owner) if a.sid == CREATOR_OWNER else a for a in sd.dacl])
        return sd.replace(dacl=dacl)
    return srm.assign_security(machine, creator, explicit, FILE_MAPPING)


def create(machine, creator, path: str, open_mode: int, pipe_mode: int, max_instances: int,
           explicit: SecurityDescriptor | None) -> PipeEnd:
    """CreateNamedPipe: a new instance (the first one names the pipe and gets its descriptor;
    later instances share it, up to ``max_instances``: else ERROR_PIPE_BUSY)."""
    instances = machine.pipes.setdefault(path, [])
    live = [i for i in instances if i.server_end.alive and i.server_end.refs]
    if live and len(live) >= live[0].max_instances:
        raise WinError(ErrorCode.ERROR_PIPE_BUSY, f"{path} already has {len(live)} instance(s), its maximum.")
    security = live[0].server_end.security if live else pipe_descriptor(machine, creator, explicit)
    inst = PipeInstance(path, lambda i: PipeEnd(i, True, security=security), open_mode, pipe_mode, max_instances)
    machine.register(inst.server_end)
    instances[:] = live + [inst]
    return inst.server_end


def sqos(flags: int) -> tuple[SecurityImpersonationLevel, bool]:
    """The security quality of service a client's CreateFile asks for: (level, dynamic).

    With SECURITY_SQOS_PRESENT: the level from its two bits, dynamic tracking only with
    SECURITY_CONTEXT_TRACKING. Without it: Impersonation level and *dynamic* tracking —
    the server sees the client's token as it is when the server impersonates, not as it
    was at connect (docs CreateFile, "Security Quality of Service"; Wine pipe.c
    test_impersonation, run on Windows: no_sqos, no_sqos_revert). SECURITY_EFFECTIVE_ONLY
    is not modelled."""
    if not flags & SECURITY_SQOS_PRESENT:
        return SecurityImpersonationLevel.SecurityImpersonation, True
    if flags & SECURITY_EFFECTIVE_ONLY:
        raise NotModelledError("SECURITY_EFFECTIVE_ONLY is not modelled by tokenlab; Windows would drop the "
                               "client's disabled groups and privileges from the server's view")
    return SecurityImpersonationLevel((flags >> _SQOS_LEVEL_SHIFT) & 0x3), bool(flags & SECURITY_CONTEXT_TRACKING)


def _capture(machine, inst: "PipeInstance", client) -> None:
    """The client's context as the server will impersonate it: a copy of ``client`` (the
    client thread's effective token) at the SQOS level (SeCreateClientSecurity copies a
    primary token, or an impersonation token above the level asked)."""
    level = inst.client_level
    if client.token_type == TokenType.TokenImpersonation:
        level = min(level, client.impersonation_level)
    context = tokens.copy_of(client, level, TokenType.TokenImpersonation, token_id=machine.new_luid())
    context.security = srm.assign_security(machine, client, None, TOKEN_MAPPING,
                                           token_integrity=client.integrity_level, quiet=True)
    machine.register(context)
    context.origin = f"client context of {inst.path} ({'dynamic' if inst.dynamic else 'static'}, {level.name})"
    context.duplicated_from = client.object_id
    context.add_ref("pipe client context")
    release_context(inst)
    inst.client_context = context


def connect(machine, thread, path: str, desired: int, flags: int) -> tuple[PipeEnd, int]:
    """A client thread opens ``path``: (the client end, the access granted).

    No such pipe: ERROR_FILE_NOT_FOUND; no free instance: ERROR_PIPE_BUSY; the pipe's
    descriptor refuses the client's effective token: ERROR_ACCESS_DENIED. On success the
    kernel keeps the client's context for the server: with static tracking a copy of the
    client's effective token at the SQOS level, captured now; with dynamic tracking (the
    default without SQOS) it is captured when the server impersonates."""
    level, dynamic = sqos(flags)
    instances = [i for i in machine.pipes.get(path, ()) if i.server_end.alive and i.server_end.refs]
    if not instances:
        raise WinError(ErrorCode.ERROR_FILE_NOT_FOUND, f"No pipe is named {path}.")
    free = next((i for i in instances if i.client_end is None and not i.disconnected), None)
    if free is None:
        raise WinError(ErrorCode.ERROR_PIPE_BUSY, f"Every instance of {path} is connected.")
    granted = srm.open_as_thread(machine, thread, free.server_end, desired)
    free.client_level, free.dynamic, free.client_thread = level, dynamic, thread
    if not dynamic:
        _capture(machine, free, thread.effective_token)
    end = PipeEnd(free, False, security=free.server_end.security)
    machine.register(end)
    free.client_end, free.client_pid = end, thread.process.pid
    machine.report(ev.PIPE_CLIENT_CONTEXT, path=path, level=level.name, dynamic=dynamic,
                   sqos=bool(flags & SECURITY_SQOS_PRESENT),
                   token=None if dynamic else ev.TokenRef.of(free.client_context))
    return end, granted


def write(end: PipeEnd, data: bytes) -> int:
    """WriteFile on one end: the bytes go to the other end. A server whose client has not
    connected, or either end after a disconnect: ERROR_PIPE_NOT_CONNECTED; the other end
    closed: ERROR_NO_DATA (docs: WriteFile, named pipes)."""
    inst = end.instance
    if inst.disconnected or (end.server and inst.client_end is None):
        raise WinError(ErrorCode.ERROR_PIPE_NOT_CONNECTED, f"{inst.path} has no client connected.")
    other = inst.client_end if end.server else inst.server_end
    if other is None or not other.alive or not other.refs:
        raise WinError(ErrorCode.ERROR_NO_DATA, "The other end of the pipe is closed.")
    (inst.to_client if end.server else inst.to_server).extend(data)
    return len(data)


def read(machine, end: PipeEnd, count: int) -> bytes:
    """ReadFile on one end: up to ``count`` bytes the other end wrote. Nothing to read and
    the other end closed: ERROR_BROKEN_PIPE; nothing to read yet: a blocking read would
    wait for ever, so tokenlab fails as a PIPE_NOWAIT pipe does, ERROR_NO_DATA."""
    inst = end.instance
    if inst.disconnected or (end.server and inst.client_end is None):
        raise WinError(ErrorCode.ERROR_PIPE_NOT_CONNECTED, f"{inst.path} has no client connected.")
    queue = inst.to_server if end.server else inst.to_client
    other = inst.client_end if end.server else inst.server_end
    if not queue:
        if other is None or not other.alive or not other.refs:
            raise WinError(ErrorCode.ERROR_BROKEN_PIPE, "The other end of the pipe is closed and nothing is left to read.")
        raise WinError(ErrorCode.ERROR_NO_DATA, "Nothing has been written yet: a blocking ReadFile would wait for "
                                                "ever in tokenlab's sequential simulation.")
    data = bytes(queue[:count])
    del queue[:count]
    if end.server and data and not inst.server_has_read:
        inst.server_has_read = True
        machine.report(ev.PIPE_FIRST_READ, path=inst.path)
    return data


def connect_server(machine, end: PipeEnd) -> bool:
    """ConnectNamedPipe: a client that connected first makes it return FALSE with
    ERROR_PIPE_CONNECTED (callers treat that as success); with no client yet it would wait
    for ever: ERROR_PIPE_LISTENING, as a PIPE_NOWAIT pipe says (docs: ConnectNamedPipe)."""
    inst = end.instance
    if inst.client_end is not None and not inst.disconnected:
        machine.report(ev.PIPE_ALREADY_CONNECTED, path=inst.path)
        return False
    raise WinError(ErrorCode.ERROR_PIPE_LISTENING, "No client has opened the pipe: a blocking ConnectNamedPipe "
                                                   "would wait for ever in tokenlab's sequential simulation.")


def disconnect(end: PipeEnd) -> None:
    """DisconnectNamedPipe: the client's end stops working (ERROR_PIPE_NOT_CONNECTED), the
    bytes in flight are dropped, and the client's context is released."""
    inst = end.instance
    if inst.client_end is None:
        raise WinError(ErrorCode.ERROR_PIPE_NOT_CONNECTED, f"{inst.path} has no client connected.")
    inst.disconnected = True
    inst.to_server.clear()
    inst.to_client.clear()
    release_context(inst)


def end_closed(end: PipeEnd) -> None:
    """A handle to ``end`` was closed: when the server's end is gone, so is the instance
    and the client's context it kept."""
    if end.server and (not end.alive or not end.refs):
        release_context(end.instance)


def release_context(inst: PipeInstance) -> None:
    if inst.client_context is not None:
        inst.client_context.release("pipe client context")
        inst.client_context = None


def impersonate_client(machine, thread, end: PipeEnd):
    """ImpersonateNamedPipeClient: the client's context in the slot, copy-on-open."""
    inst = end.instance
    if inst.client_end is None or inst.disconnected or not inst.server_has_read:
        raise WinError(ErrorCode.ERROR_CANNOT_IMPERSONATE, "The server has not read any data from this pipe yet.")
    if inst.dynamic:
        client = inst.client_thread
        if not client.alive:
            raise WinError(ErrorCode.ERROR_CANNOT_IMPERSONATE, "The client's thread is gone.")
        _capture(machine, inst, client.effective_token)
        machine.report(ev.PIPE_CONTEXT_CAPTURED, path=inst.path, token=ev.TokenRef.of(inst.client_context))
    return srm.impersonate(machine, thread, inst.client_context, copy_on_open=True)
