"""Making processes: the one rule that starts a process from a primary token, and the
rules of the three Win32 ways to ask for one.

* :func:`start` — a new process (and its first thread) running with a primary token.
  ``Machine.start_process`` (set-up: a logon, the service control manager) and the
  facade's CreateProcess, CreateProcessAsUser and CreateProcessWithTokenW all end here.
* :func:`process_token` — the new process's *own* primary token: a new token object
  copied from the one it comes from, with a default descriptor of its own.
* :func:`create_process` — CreateProcess: a copy of the caller's **primary** token,
  never its impersonation token (docs: CreateProcess remarks).
* :func:`create_process_as_user` — CreateProcessAsUser: a primary token or (Windows 7 and
  later) an impersonation token; SeAssignPrimaryTokenPrivilege unless the token is
  assignable without it (docs: CreateProcessAsUser, "Restricted Tokens"; Wine test
  test_create_process_token).
* :func:`create_process_with_token` — CreateProcessWithTokenW: SeImpersonatePrivilege
  (docs: CreateProcessWithTokenW).

Model simplifications (docs/model.md, Simplifications):

* "Assignable without SeAssignPrimaryTokenPrivilege": Windows' kernel accepts a token
  that is a *child* of the caller's primary token (made from it by CreateRestrictedToken
  or a filter) or a *sibling* of it (a copy from the same parent in the same logon
  session) (*Windows Security Internals*, ch. 4, on assigning a process's token). tokenlab
  reads both as "a token of the caller's own logon session": its duplicates and
  restricted copies, and the token itself (Wine test test_create_process_token: the
  caller's own token, a duplicate of it and a restricted copy all start a process
  without the privilege). advapi32 enables the privilege itself when it is held
  (ReactOS advapi32 CreateProcessAsUser), so holding it is enough.
* SeIncreaseQuotaPrivilege, which the docs say the caller "typically" needs, is not
  checked: an ordinary user, who does not hold it, starts a process with its own token
  (Wine test test_create_process_token).
* Nothing runs: the image name is a label (lpApplicationName, else the command line's
  first word); files, environments, startup information and creation flags are
  accepted and not modelled.
"""
from __future__ import annotations

from ..security.descriptor import SecurityDescriptor
from ..security.errors import ErrorCode, WinError
from ..security.rights import TOKEN_MAPPING
from ..security.tokenattrs import SecurityImpersonationLevel, TokenType
from . import events as ev
from . import srm
from . import token as tokens
from .process import Process
from .token import Token

ASSIGN_OWN_LOGON = "own_logon_session"  # events.PROCESS_TOKEN_ASSIGNABLE reasons
ASSIGN_PRIVILEGE = "privilege"
ASSIGN_IMPERSONATE_PRIVILEGE = "impersonate_privilege"


def check_descriptors(machine, token: Token, *sds: SecurityDescriptor | None) -> None:
    """Refuse, before anything is made, an explicit owner the new token may not name."""
    for sd in sds:
        if sd is not None and sd.owner is not None:
            srm.check_owner(machine, token, sd.owner)


def start(machine, image: str, token: Token, process_sd: SecurityDescriptor | None = None,
          thread_sd: SecurityDescriptor | None = None) -> Process:
    """A new process running ``image`` with the primary ``token`` (already registered), and
    its first thread. Their descriptors come from ``process_sd``/``thread_sd``, else from
    the new token's defaults (docs: CreateProcessAsUser, lpProcessAttributes: "the default
    security descriptor is that of the user referenced in the hToken parameter"; for
    CreateProcess the caller's primary token, whose copy the new token is). The caller
    checks ``check_descriptors`` first, so this cannot fail half-way."""
    if token.token_type != TokenType.TokenPrimary:
        raise WinError(ErrorCode.ERROR_BAD_TOKEN_TYPE, "a process needs a primary token")
    proc = Process(machine, machine._client_id(), image, token)
    machine.register(proc)
    proc.security = srm.assign_security(machine, token, process_sd, proc.mapping, quiet=True)
    proc.add_ref("running")
    machine.processes.append(proc)
    machine._quiet += 1  # the report below says where both descriptors came from
    try:
        machine.new_thread(proc, token, thread_sd)
    finally:
        machine._quiet -= 1
    machine.report(ev.PROCESS_CREATED, image=image, pid=proc.pid, token=ev.TokenRef.of(token),
                   explicit=tuple(kind for kind, sd in (("process", process_sd), ("thread", thread_sd))
                                  if sd is not None and sd.dacl_present))
    return proc


def process_token(machine, source: Token, origin: str) -> Token:
    """The new process's own primary token: a new token object with ``source``'s
    contents (a primary token, or an impersonation token at Impersonation level or
    above), its own TokenId, and a default descriptor from its own defaults — never
    ``source``'s descriptor (Wine test test_token_security_descriptor: a child's token
    does not inherit the DACL set on its parent's token; ReactOS advapi32
    CreateProcessAsUser duplicates the token before assigning it)."""
    tokens.check_duplicate(source, SecurityImpersonationLevel.SecurityImpersonation, TokenType.TokenPrimary)
    new = tokens.copy_of(source, SecurityImpersonationLevel.SecurityImpersonation, TokenType.TokenPrimary,
                         token_id=machine.new_luid())
    new.security = srm.assign_security(machine, new, None, TOKEN_MAPPING, token_integrity=new.integrity_level,
                                       quiet=True)
    machine.register(new)
    new.origin = origin
    new.duplicated_from = source.object_id
    return new


def create_process(machine, thread, image: str, process_sd, thread_sd) -> Process:
    """CreateProcess: the new process runs with a copy of the calling *process's* primary
    token — "if the calling process is impersonating another user, the new process uses
    the token for the calling process, not the impersonation token" (docs: CreateProcess
    remarks)."""
    source = thread.process.token
    check_descriptors(machine, source, process_sd, thread_sd)
    token = process_token(machine, source, f"CreateProcess({image})")
    return start(machine, image, token, process_sd, thread_sd)


def assignable(caller: Token, token: Token) -> bool:
    """tokenlab's reading of the kernel's child-or-sibling test: a token of the caller's
    own logon session (see the module docstring)."""
    return token.authentication_id == caller.authentication_id


def create_process_as_user(machine, thread, token: Token, image: str, process_sd, thread_sd) -> Process:
    """CreateProcessAsUser with ``token`` (its handle already checked for
    TOKEN_QUERY|TOKEN_ASSIGN_PRIMARY). A primary token or, from Windows 7 on, an
    impersonation token at Impersonation level or above (Wine test
    test_create_process_token); SeAssignPrimaryTokenPrivilege in the caller's effective
    token unless the token is assignable without it (docs: CreateProcessAsUser, "may
    require the SE_ASSIGNPRIMARYTOKEN_NAME privilege if the token is not assignable";
    "Restricted Tokens": not needed for a restricted version of the caller's primary token)."""
    tokens.check_duplicate(token, SecurityImpersonationLevel.SecurityImpersonation, TokenType.TokenPrimary)
    if assignable(thread.process.token, token):
        reason = ASSIGN_OWN_LOGON
    elif thread.effective_token.has_privilege("SeAssignPrimaryTokenPrivilege"):
        reason = ASSIGN_PRIVILEGE
    else:
        raise WinError(ErrorCode.ERROR_PRIVILEGE_NOT_HELD,
                       "The token is not one of the caller's own logon session, so assigning it needs "
                       "SeAssignPrimaryTokenPrivilege, which the caller does not hold.")
    check_descriptors(machine, token, process_sd, thread_sd)
    machine.report(ev.PROCESS_TOKEN_ASSIGNABLE, reason=reason, token=ev.TokenRef.of(token))
    new = process_token(machine, token, f"CreateProcessAsUser({image})")
    return start(machine, image, new, process_sd, thread_sd)


def create_process_with_token(machine, thread, token: Token, image: str) -> Process:
    """CreateProcessWithTokenW: "the process that calls CreateProcessWithTokenW must have
    the SE_IMPERSONATE_NAME privilege" (docs: CreateProcessWithTokenW) — enabled in its
    effective token, as the secondary logon service checks it. The new process's
    descriptors come from the new token's defaults (the call takes no SECURITY_ATTRIBUTES)."""
    tokens.check_duplicate(token, SecurityImpersonationLevel.SecurityImpersonation, TokenType.TokenPrimary)
    if not thread.effective_token.privilege_enabled("SeImpersonatePrivilege"):
        raise WinError(ErrorCode.ERROR_PRIVILEGE_NOT_HELD,
                       "CreateProcessWithTokenW needs SeImpersonatePrivilege, enabled in the caller's token.")
    machine.report(ev.PROCESS_TOKEN_ASSIGNABLE, reason=ASSIGN_IMPERSONATE_PRIVILEGE, token=ev.TokenRef.of(token))
    new = process_token(machine, token, f"CreateProcessWithTokenW({image})")
    return start(machine, image, new)
