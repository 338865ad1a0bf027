"""The course's two stories as ready-made, recorded worlds.

Both come from posts on Raymond Chen's blog *The Old New Thing*: "How come a duplicated
token doesn't behave identically to the original?" and "Why doesn't RevertToSelf undo the
most recent SetThreadToken?". Each function builds a fresh :class:`~tokenlab.Machine`,
runs the posts' calls (translated call for call) through the Win32 facade, and returns
the :class:`~tokenlab.trace.Trace`; ``trace.machine`` is the world afterwards.

The cast: ``svc.exe`` is a service running as NETWORK SERVICE; ``alice`` is its client,
logged on over the network; ``bob`` is the unrelated identity of the nested
impersonation.
"""
from __future__ import annotations

import contextlib

from .win32 import constants as C
from .kernel.com import CLSID_Something, IID_IUnknown
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


def _attempt(call, *args):
    """Run a call the story expects might fail; the trace records the error."""
    try:
        return call(*args)
    except (WinError, ComError) as e:
        return e


def duplicated_token(fixed: bool = False, worker_thread: bool = False) -> Trace:
    """Story 1. The service impersonates alice; COM activation works. It duplicates the
    thread token and impersonates the duplicate; activation now fails with E_ACCESSDENIED,
    because the duplicate got a *new* descriptor from the effective token's default DACL
    (alice's, which does not admit NETWORK SERVICE) and COM opens the thread token as
    the process.

    ``fixed=True`` applies the posts' fix: copy the original's DACL with GetSecurityInfo
    and pass it to DuplicateTokenEx. ``worker_thread=True`` duplicates on a second thread
    that is *not* impersonating, so the default DACL is NETWORK SERVICE's and it works too.
    """
    title = "duplicated token" + (" (fixed)" if fixed else "") + (" (worker thread)" if worker_thread else "")
    m, api = _world("alice")
    with record(m, title) as trace:
        client = api.LogonUser("alice", ".", "pw", C.LOGON32_LOGON_NETWORK, C.LOGON32_PROVIDER_DEFAULT)
        api.ImpersonateLoggedOnUser(client)
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


def nested_impersonation(pattern: str = "revert") -> Trace:
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
    """
    patterns = ("revert", "save_restore", "not_impersonating", "pseudo_handle")
    if pattern not in patterns:
        raise ValueError(f"pattern must be one of {patterns}, got {pattern!r}")
    m, api = _world("alice", "bob")
    with record(m, f"nested impersonation ({pattern})") as trace:
        client = api.LogonUser("alice", ".", "pw", C.LOGON32_LOGON_NETWORK, C.LOGON32_PROVIDER_DEFAULT)
        other = api.LogonUser("bob", ".", "pw", C.LOGON32_LOGON_NETWORK, C.LOGON32_PROVIDER_DEFAULT)
        if pattern != "not_impersonating":
            api.ImpersonateLoggedOnUser(client)
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
