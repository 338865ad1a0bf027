"""The course's two stories as ready-made, recorded worlds.

Both come from posts on Raymond Chen's blog *The Old New Thing*: "How come a duplicated
token doesn't behave identically to the original?" and "Why doesn't RevertToSelf undo the
most recent SetThreadToken?". Each function builds a fresh :class:`~tokenlab.Machine`,
runs the posts' calls (translated call for call) through the Win32 facade, and returns
the :class:`~tokenlab.trace.Trace`; ``trace.machine`` is the world afterwards.

The cast: ``svc.exe`` is a service running as NETWORK SERVICE; ``alice`` is its client;
``bob`` is the unrelated identity of the nested impersonation. How the service gets
alice's token is the ``via`` argument: ``"pipe"`` is how a service really gets a client's
token — alice's ``client.exe`` connects to the service's named pipe and writes a request,
the service reads it and calls ImpersonateNamedPipeClient (a copy-on-open client
context); ``"logon"`` is the shortcut of logging alice on with LogonUser(NETWORK), which
reproduces the posts on Windows too.
"""
from __future__ import annotations

import contextlib

from .win32 import constants as C
from .kernel.com import CLSID_Something, IID_IUnknown
from .security.descriptor import SecurityDescriptor
from .security.errors import ComError, ErrorCode, WinError
from .win32.api import Api
from .win32.structs import SECURITY_ATTRIBUTES
from .kernel.machine import Machine
from .teaching.trace import Trace, record


def _world(*users: str) -> tuple[Machine, Api]:
    m = Machine()
    for name in users:
        m.add_user(name, password="pw")
    svc = m.start_process("svc.exe", user="NETWORK SERVICE")
    return m, svc.main_thread.api


PIPE_NAME = "\\\\.\\pipe\\svc"
# The service's pipe: SYSTEM, Administrators and the service full control; any
# authenticated user may read and write (the named-pipe default would let them only read).
PIPE_SDDL = "D:(A;;GA;;;SY)(A;;GA;;;BA)(A;;GA;;;NS)(A;;GRGW;;;AU)"


def _via(m: Machine, api: Api, via: str) -> None:
    """Make alice the service thread's impersonated client, the way ``via`` says."""
    if via == "logon":
        client = api.LogonUser("alice", ".", "pw", C.LOGON32_LOGON_NETWORK, C.LOGON32_PROVIDER_DEFAULT)
        api.ImpersonateLoggedOnUser(client)
        return
    sd = SecurityDescriptor.from_sddl(PIPE_SDDL)
    pipe = api.CreateNamedPipe(PIPE_NAME, C.PIPE_ACCESS_DUPLEX, C.PIPE_TYPE_BYTE | C.PIPE_WAIT, 1, 512, 512, 0,
                               SECURITY_ATTRIBUTES(sd, False))
    alice = m.process("client.exe").main_thread.api
    end = alice.CreateFile(PIPE_NAME, C.GENERIC_READ | C.GENERIC_WRITE, 0, None, C.OPEN_EXISTING, 0, None)
    alice.WriteFile(end, b"hello", 5, None)
    api.ConnectNamedPipe(pipe, None)
    api.ReadFile(pipe, 5, None)
    api.ImpersonateNamedPipeClient(pipe)


VIAS = ("logon", "pipe")


def _check_via(via: str) -> None:
    if via not in VIAS:
        raise ValueError(f"via must be one of {VIAS}, got {via!r}")


def _attempt(call, *args):
    """Run a call the story expects might fail; the trace records the error."""
    try:
        return call(*args)
    except (WinError, ComError) as e:
        return e


def duplicated_token(fixed: bool = False, worker_thread: bool = False, via: str = "logon") -> Trace:
    """Story 1. The service impersonates alice; COM activation works. It duplicates the
    thread token and impersonates the duplicate; activation now fails with E_ACCESSDENIED,
    because the duplicate got a *new* descriptor from the effective token's default DACL
    (alice's, which does not admit NETWORK SERVICE) and COM opens the thread token as
    the process.

    ``fixed=True`` applies the posts' fix: copy the original's DACL with GetSecurityInfo
    and pass it to DuplicateTokenEx. ``worker_thread=True`` duplicates on a second thread
    that is *not* impersonating, so the default DACL is NETWORK SERVICE's and it works too.
    ``via="pipe"`` gets alice's token over a named pipe, as a service really does.
    """
    _check_via(via)
    title = ("duplicated token" + (" over a named pipe" if via == "pipe" else "") + (" (fixed)" if fixed else "")
             + (" (worker thread)" if worker_thread else ""))
    m, api = _world("alice")
    if via == "pipe":
        m.start_process("client.exe", user="alice")
    with record(m, title) as trace:
        _via(m, api, via)
        api.CoCreateInstance(CLSID_Something, None, C.CLSCTX_LOCAL_SERVER, IID_IUnknown)
        token = api.OpenThreadToken(api.GetCurrentThread(), C.TOKEN_ALL_ACCESS, True)
        if fixed:
            sd = api.GetSecurityInfo(token, C.SE_KERNEL_OBJECT, C.DACL_SECURITY_INFORMATION)
            dup = api.DuplicateTokenEx(token, C.MAXIMUM_ALLOWED, SECURITY_ATTRIBUTES(sd, True),
                                       C.SecurityImpersonation, C.TokenImpersonation)
        elif worker_thread:
            _, tid = api.CreateThread(None, 0, None, None, 0)
            dup = m.thread(tid).api.DuplicateToken(token, C.SecurityImpersonation)
        else:
            dup = api.DuplicateToken(token, C.SecurityImpersonation)
        api.ImpersonateLoggedOnUser(dup)
        _attempt(api.CoCreateInstance, CLSID_Something, None, C.CLSCTX_LOCAL_SERVER, IID_IUnknown)
    return trace


def _effective_user(api: Api) -> str:
    user = api.GetTokenInformation(api.GetCurrentThreadEffectiveToken(), C.TokenUser)
    return api.machine.sid_name(user.sid)


def nested_impersonation(pattern: str = "revert", via: str = "logon") -> Trace:
    """Story 2. The service impersonates alice (its client), then bob with SetThreadToken.

    ``pattern``:
      * ``"revert"`` — end the nested impersonation with RevertToSelf: the thread is now
        NETWORK SERVICE, not alice. The slot held one token; nothing was underneath.
      * ``"save_restore"`` — save the thread token (OpenThreadToken), SetThreadToken(bob),
        work, SetThreadToken(saved), CloseHandle(saved): alice again.
      * ``"not_impersonating"`` — the same pattern when the thread was *not* impersonating:
        OpenThreadToken fails with ERROR_NO_TOKEN, so restore with SetThreadToken(None, None).
      * ``"pseudo_handle"`` — the trap: "saving" GetCurrentThreadToken() saves nothing; the
        pseudo-handle names whatever token is current when used (and is query-only), so
        the restore fails and the thread stays bob.

    ``via="pipe"``: alice is a named-pipe client; the first save (OpenThreadToken) then
    returns the kernel's copy-on-open copy, which is also what the slot holds from then on,
    so save and restore still put alice back.
    """
    patterns = ("revert", "save_restore", "not_impersonating", "pseudo_handle")
    if pattern not in patterns:
        raise ValueError(f"pattern must be one of {patterns}, got {pattern!r}")
    _check_via(via)
    m, api = _world("alice", "bob")
    if via == "pipe":
        m.start_process("client.exe", user="alice")
    with record(m, f"nested impersonation ({pattern})" + (" over a named pipe" if via == "pipe" else "")) as trace:
        if via == "logon":
            client = api.LogonUser("alice", ".", "pw", C.LOGON32_LOGON_NETWORK, C.LOGON32_PROVIDER_DEFAULT)
        other = api.LogonUser("bob", ".", "pw", C.LOGON32_LOGON_NETWORK, C.LOGON32_PROVIDER_DEFAULT)
        if pattern != "not_impersonating":
            if via == "logon":
                api.ImpersonateLoggedOnUser(client)
            else:
                _via(m, api, via)
        if pattern == "revert":
            api.SetThreadToken(None, other)
            api.RevertToSelf()
        elif pattern in ("save_restore", "not_impersonating"):
            saved = _attempt(api.OpenThreadToken, api.GetCurrentThread(), C.TOKEN_IMPERSONATE, True)
            api.SetThreadToken(None, other)
            if isinstance(saved, WinError):
                api.SetThreadToken(None, None)
            else:
                api.SetThreadToken(None, saved)
                api.CloseHandle(saved)
        else:
            saved = api.GetCurrentThreadToken()
            api.SetThreadToken(None, other)
            _attempt(api.SetThreadToken, None, saved)
        api.GetTokenInformation(api.GetCurrentThreadEffectiveToken(), C.TokenUser)
    trace.final_user = _effective_user(api)
    return trace


@contextlib.contextmanager
def impersonating(api: Api, token: int):
    """``with impersonating(api, h): ...`` — impersonate ``h`` for the block, then put back
    exactly what the thread had before: its previous impersonation token, or none.

    It saves a *real* handle (OpenThreadToken with OpenAsSelf=TRUE, so the check does not
    depend on who the thread is impersonating), treats ERROR_NO_TOKEN as "was not
    impersonating", and closes the saved handle afterwards.
    """
    try:
        saved = api.OpenThreadToken(api.GetCurrentThread(), C.TOKEN_IMPERSONATE, True)
    except WinError as e:
        if e.winerror != ErrorCode.ERROR_NO_TOKEN:
            raise
        saved = None
    try:
        api.SetThreadToken(None, token)
        yield
    finally:
        api.SetThreadToken(None, saved)
        if saved is not None:
            api.CloseHandle(saved)
