"""The security reference monitor: new objects' descriptors, opens, and impersonation.

Each rule is one function that every caller uses (the facade, COM, the machine):

* :func:`assign_security` — a new object's descriptor: what an explicit descriptor gives,
  the rest from the creator's *effective token at that moment* (docs: "DACL for a New
  Object", "Owner of a New Object"; Wine test test_token_security_descriptor).
* :func:`may_own` — who may be named owner.
* :func:`open_check` — the one access check at open time (a handle keeps what it got).
* :func:`set_security` — replacing parts of an object's descriptor.
* :func:`check_slot_token`, :func:`can_impersonate`, :func:`impersonate` — the thread's
  one token slot and tokenlab's model of the SeImpersonatePrivilege rule.
* :func:`inherit_acl`, :func:`assign_child_security` — what a new file or directory
  inherits from its parent directory (docs "ACE Inheritance Rules"; [MS-DTYP] 2.5.3.4).

Model simplifications (said here and in the notebooks):

* Impersonating at Impersonation level or above needs one of: an enabled
  SeImpersonatePrivilege in the caller's *process* token, a token for the caller's own user,
  or a token from a logon the caller's own logon session made (LogonUser); and the
  token's integrity must not exceed the caller's. Otherwise the thread gets an
  Identification-level copy instead — the call still succeeds, as on Windows. This is the
  widely reported behaviour (docs: "Client Impersonation", ImpersonateLoggedOnUser remarks);
  tokenlab does not model every condition of the kernel's check.
* New objects get a mandatory label only when their creator runs below Medium integrity
  (objects without a label count as Medium).

Why one file of ~450 lines: these are the security reference monitor's rules, which call
each other (a duplicate's descriptor, impersonation's downgraded copy, copy-on-open's
DACL, inheritance for children); kept together, each still has one function.
"""
from __future__ import annotations

import dataclasses

from ..security.access_check import access_check
from ..security.acl import ACE, ACL, AceFlags, AceType, SDControl
from ..security.descriptor import SecurityDescriptor
from ..security.errors import ErrorCode, WinError
from ..security.rights import GENERIC_BITS, MAXIMUM_ALLOWED, STANDARD, TOKEN_MAPPING, GenericMapping
from ..security.sids import (
    BUILTIN_ADMINISTRATORS, CREATOR_GROUP, CREATOR_OWNER, LOCAL_SYSTEM, MEDIUM_INTEGRITY, RESTRICTED, SID, integrity_rid,
)
from ..security.tokenattrs import GroupAttributes, SecurityImpersonationLevel, TokenType
from . import events as ev
from . import token as tokens
from .token import Token

# SECURITY_INFORMATION bits (winnt.h) set_security reads; tokenlab.win32 exports them by name.
OWNER_SECURITY_INFORMATION = 0x1
GROUP_SECURITY_INFORMATION = 0x2
DACL_SECURITY_INFORMATION = 0x4
SACL_SECURITY_INFORMATION = 0x8
LABEL_SECURITY_INFORMATION = 0x10

# Control bits an explicit descriptor passes on to the new object.
_INHERITED_CONTROL = (SDControl.SE_DACL_PROTECTED | SDControl.SE_DACL_AUTO_INHERITED
                      | SDControl.SE_SACL_PROTECTED | SDControl.SE_SACL_AUTO_INHERITED)
_NO_WRITE_UP = 0x1  # SYSTEM_MANDATORY_LABEL_NO_WRITE_UP
GENERIC_ALL = STANDARD["GENERIC_ALL"]


# ---------------------------------------------------------------------- new objects
def assign_security(machine, creator: Token, explicit: SecurityDescriptor | None,
                    mapping: GenericMapping, *, token_integrity: SID | None = None,
                    quiet: bool = False) -> SecurityDescriptor:
    """The descriptor of a new object created with ``creator`` as the effective token.

    What ``explicit`` gives is used as given (ACE flags included); what it leaves out
    comes from the creator's defaults: owner = default owner, group = primary group,
    DACL = default DACL (docs: "DACL for a New Object", "Owner of a New Object"). The DACL
    reads back present and not defaulted (Wine test test_token_security_descriptor).
    Generic rights in the DACL's effective ACEs are mapped to the object type's specific
    rights, as the kernel does when it assigns a new object's descriptor (*Windows Security
    Internals*, ch. 6); inherit-only ACEs keep theirs for the children they are for.

    A *token* (``token_integrity`` given) is labelled at its own integrity level,
    NO_WRITE_UP; a label in an explicit descriptor is ignored, so a duplicate keeps its
    source's level (Wine tests test_token_label, test_token_security_descriptor).
    ``quiet``: the caller reports the descriptor's origin itself.
    """
    is_token = mapping is TOKEN_MAPPING
    control = SDControl(0)
    owner = group = dacl = sacl = None
    if explicit is not None:
        owner, group = explicit.owner, explicit.group
        if owner is not None:
            check_owner(machine, creator, owner)
        control |= explicit.control & _INHERITED_CONTROL
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
    kind = mapping.object_type.lower()
    if not control & SDControl.SE_DACL_PRESENT and creator.default_dacl is not None:
        dacl = creator.default_dacl
        control |= SDControl.SE_DACL_PRESENT
        allowed = tuple(a.sid for a in dacl if a.type == AceType.ACCESS_ALLOWED_ACE_TYPE)
        if not quiet:
            machine.report(ev.NEW_OBJECT_DEFAULT_DACL, object_type=kind, creator_user=creator.user, allowed=allowed)
    elif control & SDControl.SE_DACL_PRESENT and not quiet:
        machine.report(ev.NEW_OBJECT_EXPLICIT_DACL, object_type=kind)
    if dacl is not None:
        dacl = map_acl(dacl, mapping)
    if is_token and token_integrity is not None:
        sacl = ACL([*(sacl or ()), ACE.label(token_integrity, _NO_WRITE_UP)])
        # a token's SACL reads back auto-inherited (Wine test test_token_label, on Windows)
        control |= SDControl.SE_SACL_PRESENT | SDControl.SE_SACL_AUTO_INHERITED
    elif not is_token and sacl is None and integrity_rid(creator.integrity_level) < integrity_rid(MEDIUM_INTEGRITY):
        sacl = ACL([ACE.label(creator.integrity_level, _NO_WRITE_UP)])
        control |= SDControl.SE_SACL_PRESENT
    return SecurityDescriptor(owner, group, dacl, sacl, control)


def map_acl(acl: ACL, mapping: GenericMapping) -> ACL:
    """Generic rights in effective ACEs mapped to the type's specific rights; inherit-only
    ACEs keep theirs (they are for the children)."""
    return ACL([a if a.inherit_only or not a.mask & GENERIC_BITS
                else dataclasses.replace(a, mask=mapping.map(a.mask)) for a in acl], acl.revision)


def may_own(token: Token, sid: SID, *, restore_privilege: bool = True) -> bool:
    """May ``token`` name ``sid`` as an owner? Its user, or a group it holds with
    SE_GROUP_OWNER (not deny-only) — the rule for a token's default owner (docs:
    SetTokenInformation, TokenOwner) — and, for an object's owner, anything at all with
    SeRestorePrivilege enabled (docs: "Owner of a New Object"; pass
    ``restore_privilege=False`` for the token's default owner, which the privilege does not widen)."""
    if sid == token.user:
        return True
    if restore_privilege and token.privilege_enabled("SeRestorePrivilege"):
        return True
    return any(g.sid == sid and g.attributes & GroupAttributes.SE_GROUP_OWNER and not g.deny_only
               for g in token.groups)


def check_owner(machine, token: Token, owner: SID) -> None:
    """:func:`may_own` for an object's owner, as a call fails: ERROR_INVALID_OWNER."""
    if not may_own(token, owner):
        raise WinError(ErrorCode.ERROR_INVALID_OWNER, f"{machine.sid_name(owner)} cannot own objects this token creates.")


# ---------------------------------------------------------------------- opens
def open_check(machine, obj, token: Token, desired: int, *, thread_token: bool = True, why: str | None = None):
    """The access check done when a handle is opened: returns (granted mask, result).

    ``thread_token`` says ``token`` is a thread's impersonation token (an
    Identification- or Anonymous-level one cannot open objects:
    ERROR_BAD_IMPERSONATION_LEVEL). ``why`` is an ``events.WHY_*`` code saying why that
    token was the one checked. Raises WinError when access is denied; the error's
    ``access_check`` attribute holds the result that said no.
    """
    impersonating = thread_token and token.token_type == TokenType.TokenImpersonation
    if why is None:
        why = ev.WHY_THREAD_TOKEN if impersonating else ev.WHY_PROCESS_TOKEN
    if impersonating and token.impersonation_level < SecurityImpersonationLevel.SecurityImpersonation:
        raise WinError(ErrorCode.ERROR_BAD_IMPERSONATION_LEVEL,
                       "The thread impersonates at Identification level or below, so it cannot open objects.")
    desired = int(desired)
    mapped = obj.mapping.map(desired & ~MAXIMUM_ALLOWED) | (desired & MAXIMUM_ALLOWED)
    if obj.object_type in ("Process", "Thread") and token.privilege_enabled("SeDebugPrivilege"):
        # SeDebugPrivilege opens any process or thread (docs: "Changing Privileges in a Token").
        granted = obj.mapping.generic_all if mapped & MAXIMUM_ALLOWED else mapped
        granted |= mapped & ~MAXIMUM_ALLOWED
        machine.report(ev.OPEN_BY_DEBUG_PRIVILEGE, user=token.user)
        return implied_rights(obj, granted), None
    if obj.security is None:
        # An object without a descriptor (an unnamed event) is not checked at all
        # (*Windows Security Internals*, ch. 6).
        return (obj.mapping.generic_all if mapped & MAXIMUM_ALLOWED else 0) | (mapped & ~MAXIMUM_ALLOWED), None
    result = access_check(obj.security, token, mapped, obj.mapping, require_impersonation=False)
    what = ev.TokenRef.of(obj) if obj.object_type == "Token" else obj.label
    machine.report(ev.ACCESS_CHECKED, what=what, checker=token.user, sd=obj.security, result=result, why=why)
    if not result.allowed:
        err = WinError(result.status, f"Opening {obj.label} for {obj.mapping.format(mapped)} was refused.")
        err.access_check = result
        raise err
    return implied_rights(obj, int(result.granted)), result


def open_as_thread(machine, thread, obj, desired: int, why: str | None = None) -> int:
    """The access an open of ``obj`` by ``thread`` gets: :func:`open_check` with the
    thread's effective token (its impersonation token, else its process's)."""
    granted, _ = open_check(machine, obj, thread.effective_token, desired,
                            thread_token=thread.token is not None, why=why)
    return granted


def duplicate_access(machine, thread, obj, desired: int, target) -> int:
    """The access a DuplicateHandle that asks for more than the source handle has gets:
    checked against the *target* process's primary token and, when the calling thread
    impersonates, against its thread token too — both must grant — but never against the
    calling process's own token ("DuplicateHandle() validates access against the calling
    thread's token and the target process's token", Wine test
    test_duplicate_handle_access and its child, run on Windows)."""
    granted, _ = open_check(machine, obj, target.token, desired, thread_token=False, why=ev.WHY_DUPLICATE_TARGET)
    if thread.token is not None:
        mine, _ = open_check(machine, obj, thread.token, desired, thread_token=True, why=ev.WHY_THREAD_TOKEN)
        granted &= mine
    return granted


def impersonate_anonymous(machine, thread) -> Token:
    """ImpersonateAnonymousToken: the system's anonymous logon token goes in ``thread``'s
    slot, replacing what was there; no privilege is needed (docs:
    ImpersonateAnonymousToken). The token is the LSA's (``Lsa.anonymous_token``)."""
    token = machine.lsa.anonymous_token()
    machine.report(ev.ANONYMOUS_IMPERSONATION, tid=thread.tid, token=ev.TokenRef.of(token))
    thread.set_token(token)
    return token


# Vista's "limited" rights come with the full ones (docs "Process Security and Access
# Rights": a handle with PROCESS_QUERY_INFORMATION is automatically granted
# PROCESS_QUERY_LIMITED_INFORMATION; "Thread Security and Access Rights" likewise).
_IMPLIED = {
    "Process": ((0x0400, 0x1000), (0x0200, 0x2000)),  # QUERY_INFORMATION, SET_INFORMATION -> LIMITED
    "Thread": ((0x0040, 0x0800), (0x0020, 0x0400)),   # QUERY_INFORMATION, SET_INFORMATION -> LIMITED
}


def implied_rights(obj, granted: int) -> int:
    """``granted`` with the rights Windows adds to it on a handle to ``obj``."""
    for full, limited in _IMPLIED.get(obj.object_type, ()):
        if granted & full:
            granted |= limited
    return granted


def set_security(machine, obj, info: int, setter: Token, owner=None, group=None, dacl=None, sacl=None) -> None:
    """Replace the parts of ``obj``'s descriptor that ``info`` (SECURITY_INFORMATION bits) selects."""
    sd = obj.security or SecurityDescriptor()
    changes = {}
    if info & OWNER_SECURITY_INFORMATION:
        if owner is None:
            raise WinError(ErrorCode.ERROR_INVALID_PARAMETER)
        check_owner(machine, setter, owner)
        changes["owner"] = owner
    if info & GROUP_SECURITY_INFORMATION:
        if group is None:
            raise WinError(ErrorCode.ERROR_INVALID_PARAMETER)
        changes["group"] = group
    control = sd.control
    if info & DACL_SECURITY_INFORMATION:
        control = (control | SDControl.SE_DACL_PRESENT) & ~SDControl.SE_DACL_DEFAULTED
        # generic rights are mapped when a DACL is set, as when one is assigned (Wine test
        # test_kernel_objects_security: [Allow GA] then GENERIC_READ opens)
        changes["dacl"] = map_acl(dacl, obj.mapping) if isinstance(dacl, ACL) else dacl
    if info & SACL_SECURITY_INFORMATION:
        control |= SDControl.SE_SACL_PRESENT
        changes["sacl"] = sacl
    elif info & LABEL_SECURITY_INFORMATION and obj.object_type != "Token":
        # Only the label ACEs are replaced; audit ACEs stay (a WRITE_OWNER handle cannot
        # delete them), and with no SACL before, the SACL is present afterwards, empty if
        # no label was given (Wine tests on labels in test_kernel_objects_security/GetSecurityInfo).
        labels = [a for a in (sacl or ()) if a.type == AceType.SYSTEM_MANDATORY_LABEL_ACE_TYPE]
        kept = [a for a in (sd.sacl or ()) if a.type != AceType.SYSTEM_MANDATORY_LABEL_ACE_TYPE]
        control |= SDControl.SE_SACL_PRESENT
        changes["sacl"] = ACL(kept + labels)
    # Setting a token's label succeeds and changes nothing: a token is labelled at its own
    # integrity level (Wine test test_token_label).
    obj.security = SecurityDescriptor(
        changes.get("owner", sd.owner), changes.get("group", sd.group),
        changes.get("dacl", sd.dacl), changes.get("sacl", sd.sacl), control)


# ---------------------------------------------------------------------- new tokens
def duplicate_token(machine, creator: Token, source: Token, level, token_type, explicit: SecurityDescriptor | None,
                    origin: str) -> Token:
    """A new token object with ``source``'s contents (NtDuplicateToken) and a descriptor of
    its own from :func:`assign_security` — never the source's (Wine test
    test_token_security_descriptor). Validates first, so a refused duplication changes nothing."""
    level, token_type = tokens.check_duplicate(source, level, token_type)
    security = assign_security(machine, creator, explicit, TOKEN_MAPPING, token_integrity=source.integrity_level)
    dup = tokens.copy_of(source, level, token_type, token_id=machine.new_luid())
    dup.security = security
    machine.register(dup)
    dup.origin = origin
    dup.duplicated_from = source.object_id
    return dup


# ---------------------------------------------------------------------- impersonation
def check_slot_token(token: Token) -> None:
    """Only an impersonation token can sit in a thread's slot: ERROR_BAD_TOKEN_TYPE
    (ReactOS PsAssignImpersonationToken)."""
    if token.token_type != TokenType.TokenImpersonation:
        raise WinError(ErrorCode.ERROR_BAD_TOKEN_TYPE, "A primary token cannot be a thread token.")


def can_impersonate(machine, caller, token: Token) -> tuple[bool, str, dict]:
    """tokenlab's model of the SeImpersonatePrivilege rule (see the module docstring).

    Returns (allowed, an ``events.IMP_*`` reason code, the values the reason names)."""
    level = token.impersonation_level
    if level < SecurityImpersonationLevel.SecurityImpersonation:
        return True, ev.IMP_LEVEL_NEEDS_NOTHING, {"token_level": level.name}
    me = caller.token
    if integrity_rid(token.integrity_level) > integrity_rid(me.integrity_level):
        return False, ev.IMP_INTEGRITY_ABOVE, {"token_integrity": token.integrity_name,
                                               "caller_integrity": me.integrity_name}
    if me.privilege_enabled("SeImpersonatePrivilege"):
        return True, ev.IMP_PRIVILEGE, {}
    if token.user == me.user:
        return True, ev.IMP_SAME_USER, {}
    session = machine.lsa.logon_sessions.get(token.authentication_id)
    if session is not None and session.created_by == me.authentication_id:
        return True, ev.IMP_OWN_LOGON, {}
    return False, ev.IMP_NOT_ALLOWED, {}


def impersonate(machine, thread, token: Token, *, copy_on_open: bool = False) -> Token:
    """Put ``token`` in ``thread``'s slot, or an Identification-level copy of it when the
    caller may not impersonate at its level. Returns the token now in the slot.

    ``copy_on_open`` marks a client's context put there by ImpersonateNamedPipeClient,
    RpcImpersonateClient or CoImpersonateClient (see :func:`thread_token_to_open`).
    SeImpersonatePrivilege is checked on every impersonation, a restore with
    SetThreadToken included (docs: ImpersonateLoggedOnUser remarks)."""
    check_slot_token(token)
    ok, reason, values = can_impersonate(machine, thread.process, token)
    if not ok:
        token = duplicate_token(machine, thread.effective_token, token, SecurityImpersonationLevel.SecurityIdentification,
                                TokenType.TokenImpersonation, None, "downgraded copy (impersonation not allowed)")
        machine.report(ev.IMPERSONATION_DOWNGRADED, reason=reason, **values)
    else:
        machine.report(ev.IMPERSONATION_ALLOWED, level=token.impersonation_level.name, reason=reason, **values)
    if copy_on_open:
        machine.report(ev.CLIENT_CONTEXT, tid=thread.tid, token=ev.TokenRef.of(token))
    thread.set_token(token, copy_on_open=copy_on_open)
    return token


def thread_token_to_open(machine, thread) -> Token:
    """The token an open of ``thread``'s token reaches: the slot's token, after copy-on-open.

    A client's context put in the slot by a named pipe, RPC or COM is *copy-on-open*: the
    first open makes a copy of it without an access check, gives the copy a DACL made for
    the purpose — the server process's user, the client's user, Administrators and SYSTEM,
    each full access (plus RESTRICTED when the server's token is restricted) — and puts the
    copy in the slot in place of the original; that open, and every later one, is checked
    against the copy's descriptor as usual (WDK docs: PsImpersonateClient "CopyOnOpen",
    SeCreateClientSecurity; ReactOS NtOpenThreadTokenEx and SepCreateImpersonationTokenDacl).
    So the server can open it as itself, and so can the client.
    """
    token = thread.token
    if token is None or not thread.copy_on_open:
        return token
    server = thread.process.token
    allowed = [server.user, token.user, BUILTIN_ADMINISTRATORS, LOCAL_SYSTEM]
    if server.restricted_sids:
        allowed.append(RESTRICTED)
    dacl = ACL([ACE.allow(sid, GENERIC_ALL) for sid in dict.fromkeys(allowed)])
    copy = tokens.copy_of(token, token.impersonation_level, TokenType.TokenImpersonation, token_id=machine.new_luid())
    copy.security = assign_security(machine, thread.effective_token, SecurityDescriptor(dacl=dacl), TOKEN_MAPPING,
                                    token_integrity=token.integrity_level, quiet=True)
    machine.register(copy)
    copy.origin = "copy-on-open copy of the client's token"
    copy.duplicated_from = token.object_id
    machine.report(ev.COPY_ON_OPEN, tid=thread.tid, original=ev.TokenRef.of(token), copy=ev.TokenRef.of(copy),
                   allowed=tuple(dict.fromkeys(allowed)))
    thread.set_token(copy, copy_on_open=False, quiet=True)
    return copy


# ---------------------------------------------------------------------- inheritance (files, directories)
_OI, _CI = AceFlags.OBJECT_INHERIT_ACE, AceFlags.CONTAINER_INHERIT_ACE
_NP, _IO, _ID = AceFlags.NO_PROPAGATE_INHERIT_ACE, AceFlags.INHERIT_ONLY_ACE, AceFlags.INHERITED_ACE
_AUDIT_FLAGS = AceFlags.SUCCESSFUL_ACCESS_ACE_FLAG | AceFlags.FAILED_ACCESS_ACE_FLAG


def inherit_acl(parent: ACL, container: bool, owner: SID, group: SID, mapping: GenericMapping) -> ACL:
    """The ACEs a new child inherits from its parent's ``parent`` ACL, in the parent's order.

    The rules of docs "ACE Inheritance Rules" and [MS-DTYP] 2.5.3.4.2
    (ComputeInheritedACLFromParent), every inherited ACE flagged INHERITED_ACE:

    * a non-container child (a file) gets each OBJECT_INHERIT ACE as an *effective* ACE:
      no inheritance flags;
    * a container child (a directory) gets each CONTAINER_INHERIT ACE as an effective ACE
      that keeps OI/CI (inheritable further) — unless NO_PROPAGATE_INHERIT is set, which
      stops propagation here (effective only); INHERIT_ONLY is cleared;
    * a container gets an OBJECT_INHERIT-only ACE as an *inherit-only* ACE (for the files
      it will hold), unless NO_PROPAGATE_INHERIT is set (then nothing);
    * in an effective ACE, generic rights are mapped to the type's specific rights and
      CREATOR OWNER / CREATOR GROUP become the new object's owner / group; an inherit-only
      ACE keeps them for the next generation. So an ACE that is both effective on a container
      and inheritable, and holds generic rights or a CREATOR SID, is inherited as *two* ACEs:
      an effective-only one with the generic information mapped, and an inherit-only one
      with it unchanged (docs "ACE Inheritance Rules").
    """
    out: list[ACE] = []

    def effective(ace: ACE, flags) -> ACE:
        sid = owner if ace.sid == CREATOR_OWNER else group if ace.sid == CREATOR_GROUP else ace.sid
        return dataclasses.replace(ace, flags=flags, sid=sid, mask=mapping.map(ace.mask))

    for ace in parent:
        f = ace.flags
        audit = f & _AUDIT_FLAGS
        if not container:
            if f & _OI:
                out.append(effective(ace, _ID | audit))
        elif f & _CI:
            if f & _NP:
                out.append(effective(ace, _ID | audit))
            elif ace.sid in (CREATOR_OWNER, CREATOR_GROUP) or ace.mask & GENERIC_BITS:
                out.append(effective(ace, _ID | audit))
                out.append(dataclasses.replace(ace, flags=(f & (_OI | _CI)) | _IO | _ID | audit))
            else:
                out.append(dataclasses.replace(ace, flags=(f & (_OI | _CI)) | _ID | audit))
        elif f & _OI and not f & _NP:
            out.append(dataclasses.replace(ace, flags=_OI | _IO | _ID | audit))
    return ACL(out, parent.revision)


def assign_child_security(machine, creator: Token, explicit: SecurityDescriptor | None,
                          parent: SecurityDescriptor | None, container: bool, mapping: GenericMapping,
                          parent_name: str = "") -> SecurityDescriptor:
    """The descriptor of a new object created in a container (a file or directory).

    A DACL given explicitly is used as given, with nothing inherited (Wine test
    test_CreateDirectoryA: "When a security descriptor is set, then inheritance doesn't take
    effect"). Without one, the DACL is what the parent's DACL passes on
    (:func:`inherit_acl`), the owner and group as for any new object; the new DACL is
    marked SE_DACL_AUTO_INHERITED when the parent's is. When the parent passes nothing
    on (no inheritable ACEs for this kind of child), the creator's default DACL applies, as
    for any object (docs "DACL for a New Object"). SACLs are not inherited in tokenlab.
    """
    if (explicit is not None and explicit.dacl_present) or parent is None or parent.dacl is None:
        return assign_security(machine, creator, explicit, mapping)
    base = explicit or SecurityDescriptor()
    owner = base.owner if base.owner is not None else creator.owner
    group = base.group if base.group is not None else creator.primary_group
    dacl = inherit_acl(parent.dacl, container, owner, group, mapping)
    if not len(dacl):
        return assign_security(machine, creator, explicit, mapping)
    control = base.control | (parent.control & SDControl.SE_DACL_AUTO_INHERITED)
    sd = assign_security(machine, creator, base.replace(dacl=dacl, control=control), mapping, quiet=True)
    allowed = tuple(dict.fromkeys(a.sid for a in dacl if a.type == AceType.ACCESS_ALLOWED_ACE_TYPE
                                  and not a.inherit_only))
    machine.report(ev.NEW_OBJECT_INHERITED_DACL, object_type="directory" if container else "file",
                   parent=parent_name, container=container, aces=len(dacl), allowed=allowed)
    return sd
