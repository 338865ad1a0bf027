"""One paragraph per recorded call: what it did, and which rule decided it.

The paragraph is assembled from the model, never written per scenario:

1. the outcome: the result, or the error with its message;
2. the rules that decided it, as the kernel reported them while the call ran
   (``tokenlab.kernel.events``: which token the slot may hold, where a new object's DACL
   came from, that the slot is one value), each put into words by :func:`sentence`, and
   the access checks it made, with their own narrative (which ACE granted or denied what);
3. what changed, read off the snapshots before and after (handles, the token slot,
   tokens made or destroyed, descriptors replaced).

Same calls → same words, so notebooks can check the text. This module is the only
place that turns what the kernel decided into sentences.

Why one file of ~420 lines: it is the one place that puts the kernel's decisions into words
(the sentences for every rule id, and the changes between two snapshots); splitting it
would give wording two homes.
"""
from __future__ import annotations

import re
from typing import Iterable

from ..kernel import events as ev
from ..kernel.handles import PSEUDO_HANDLES
from ..security.descriptor import SecurityDescriptor
from ..security.sids import SID, well_known_name
from ..security.tokenattrs import GroupAttributes, PrivilegeAttributes

__all__ = ["narrate", "changes", "name_sids", "sentence", "token_text", "why_text"]


# ---------------------------------------------------------------------- the kernel's reports
def token_text(ref, names: dict[str, str]) -> str:
    """``Token#4 (TOKENLAB\\alice, SecurityImpersonation)`` for a reported token."""
    return f"Token#{ref.object_id} ({names.get(ref.user.text, ref.user.text)}, {ref.kind})"


_WHY = {
    ev.WHY_THREAD_TOKEN: "the thread's impersonation token",
    ev.WHY_PROCESS_TOKEN: "the process token: the thread is not impersonating",
    ev.WHY_OPEN_AS_SELF: "OpenAsSelf=TRUE: checked as the process, not as the impersonated client",
    ev.WHY_OPEN_AS_THREAD: "OpenAsSelf=FALSE: checked as the calling thread, impersonation included",
    ev.WHY_COM_AS_SELF: "COM's token open, OpenAsSelf=TRUE: checked against the process token",
    ev.WHY_COM_AS_THREAD: "COM's token open, OpenAsSelf=FALSE: checked against the thread's own token",
    ev.WHY_COM_LAUNCH: "COM checks the caller's effective token",
    ev.WHY_ACCESSCHECK: "AccessCheck checks the client token it is given",
    ev.WHY_DUPLICATE_TARGET: ("DuplicateHandle checks the target process's token (and the calling thread's "
                              "impersonation token, if any), not the calling process's"),
}


def why_text(why: str) -> str:
    """Why an access check used the token it used, in words."""
    return _WHY[why]


def _impersonation_reason(r) -> str:
    reason = r["reason"]
    if reason == ev.IMP_LEVEL_NEEDS_NOTHING:
        return f"the token is only at {r['token_level']}, which needs no permission"
    if reason == ev.IMP_INTEGRITY_ABOVE:
        return f"the token's integrity ({r['token_integrity']}) is above the caller's ({r['caller_integrity']})"
    return {
        ev.IMP_PRIVILEGE: "the caller's process token holds SeImpersonatePrivilege (enabled)",
        ev.IMP_SAME_USER: "the token is for the caller's own user",
        ev.IMP_OWN_LOGON: "the token comes from a LogonUser call the caller's logon session made",
        ev.IMP_NOT_ALLOWED: ("the caller has no SeImpersonatePrivilege, the token is for another user, and "
                             "the caller did not log that user on"),
    }[reason]


def sentence(r, names: dict[str, str]) -> str:
    """One kernel report (``events.Report``) as the sentence a learner reads."""
    def name(sid) -> str:
        return names.get(sid.text, sid.text)

    def tok(ref) -> str:
        return token_text(ref, names)

    rule = r.rule
    if rule == ev.SLOT_EMPTIED:
        return (f"The slot is emptied. It held one token, {tok(r['old'])}, and nothing underneath it: the slot "
                f"is a single value, not a stack, so thread {r['tid']} now runs as its process again "
                f"({name(r['process_user'])}).")
    if rule == ev.SLOT_REPLACED:
        return (f"{tok(r['new'])} replaces {tok(r['old'])} in the slot; the thread keeps no record of the "
                "token it replaced.")
    if rule == ev.SLOT_ALREADY_EMPTY:
        return f"The slot was already empty: thread {r['tid']} runs as its process ({name(r['process_user'])})."
    if rule == ev.PIPE_CLIENT_CONTEXT:
        how = "the level its SECURITY_SQOS flags allow" if r["sqos"] else "the default without SECURITY_SQOS_PRESENT"
        if r["dynamic"]:
            return (f"The client connected to {r['path']} with dynamic context tracking ("
                    f"{'SECURITY_CONTEXT_TRACKING' if r['sqos'] else 'the default without SECURITY_SQOS_PRESENT'}) "
                    f"at {r['level']}: the kernel will copy the client's token as it is when the server "
                    "impersonates, not as it is now.")
        return (f"The kernel keeps the client's context for the server of {r['path']}: {tok(r['token'])}, a copy "
                f"of the client's token at {r['level']} ({how}), captured now (static tracking).")
    if rule == ev.PIPE_ALREADY_CONNECTED:
        return (f"A client had already opened {r['path']}, so ConnectNamedPipe returns FALSE with "
                "ERROR_PIPE_CONNECTED (535), which callers treat as success.")
    if rule == ev.PIPE_FIRST_READ:
        return (f"The server has now read from {r['path']}: from here on it may impersonate the client "
                "(ImpersonateNamedPipeClient fails with ERROR_CANNOT_IMPERSONATE before any read).")
    if rule == ev.PIPE_CONTEXT_CAPTURED:
        return (f"Dynamic tracking: the kernel copies the client's token as it is now, {tok(r['token'])}, "
                "for the server to impersonate.")
    if rule == ev.CLIENT_CONTEXT:
        return (f"The slot now holds the client's context, {tok(r['token'])}, marked copy-on-open: the first "
                f"time anything opens thread {r['tid']}'s token, the kernel will copy it first.")
    if rule == ev.COPY_ON_OPEN:
        allowed = ", ".join(name(sid) for sid in r["allowed"])
        return (f"Thread {r['tid']}'s slot held a client's context marked copy-on-open, {tok(r['original'])}: "
                f"this first open made a copy of it without an access check, {tok(r['copy'])}, gave the copy a "
                f"DACL made for the purpose (full access for {allowed}) and put the copy in the slot in its place; "
                "the open is checked against the copy's descriptor.")
    if rule == ev.NEW_OBJECT_DEFAULT_DACL:
        allowed = sorted({name(sid) for sid in r["allowed"]})
        return (f"The new {r['object_type']} object gets its own security descriptor; with no DACL given, its "
                f"DACL is the default DACL of the creating thread's effective token ({name(r['creator_user'])}), "
                f"which allows {', '.join(allowed) or 'nobody'}.")
    if rule == ev.NEW_OBJECT_INHERITED_DACL:
        allowed = ", ".join(name(sid) for sid in r["allowed"]) or "nobody"
        return (f"The new {r['object_type']} gets no DACL of its own: it inherits {r['aces']} ACE(s) from its "
                f"parent directory {r['parent']}'s inheritable ACEs (each flagged INHERITED_ACE, generic rights "
                f"and CREATOR OWNER mapped in the effective ones), which allow {allowed}; the creator's default "
                "DACL is not used.")
    if rule == ev.NEW_OBJECT_EXPLICIT_DACL:
        return f"The new {r['object_type']} object's DACL is the one passed in its SECURITY_ATTRIBUTES, not a default."
    if rule == ev.OPEN_BY_DEBUG_PRIVILEGE:
        return (f"SeDebugPrivilege (enabled in {name(r['user'])}'s token) opens any process or thread without "
                "reading its DACL.")
    if rule == ev.IMPERSONATION_ALLOWED:
        return f"The thread may impersonate at {r['level']}: {_impersonation_reason(r)}."
    if rule == ev.IMPERSONATION_DOWNGRADED:
        return f"The thread gets an Identification-level copy instead: {_impersonation_reason(r)}."
    if rule == ev.COM_TOKEN_OPEN:
        how = ("OpenAsSelf=TRUE: checked against the process token" if r["as_self"]
               else "OpenAsSelf=FALSE: checked against the thread's own token")
        return f"COM opens the thread token for TOKEN_QUERY|TOKEN_DUPLICATE|TOKEN_IMPERSONATE ({how})."
    if rule == ev.COM_TOKEN_OPENED:
        return "The thread token opened: COM can hand the caller's identity to the activator."
    if rule == ev.COM_LAUNCH_GRANTED:
        return f"{r['server']}'s launch permission grants {name(r['who'])} local launch and activation."
    if rule == ev.COM_SERVER_STARTED:
        return f"COM started {r['image']} as {r['run_as']}."
    if rule == ev.COM_FAILED:
        return r["message"]
    if rule == ev.PROCESS_CREATED:
        given = r["explicit"]
        dacls = ("the DACLs passed in its SECURITY_ATTRIBUTES" if len(given) == 2 else
                 f"the {given[0]} DACL passed in its SECURITY_ATTRIBUTES, the other the new token's default DACL"
                 if given else "the new token's default DACL")
        return (f"New process {r['image']} (pid {r['pid']}) runs with a primary token of its own, "
                f"{tok(r['token'])}: a new token object copied from the one it came from, with a default "
                f"descriptor of its own. The process and its first thread get descriptors of their own: {dacls}.")
    if rule == ev.PROCESS_TOKEN_ASSIGNABLE:
        why = {
            "own_logon_session": ("it belongs to the caller's own logon session (the caller's token, a duplicate "
                                  "or a restricted copy of it), so no privilege is needed"),
            "privilege": "it is another logon's token, which the caller may assign: it holds SeAssignPrimaryTokenPrivilege",
            "impersonate_privilege": "the caller holds SeImpersonatePrivilege, which CreateProcessWithTokenW requires",
        }[r["reason"]]
        return f"{tok(r['token'])} may become the new process's token: {why}."
    if rule == ev.LINKED_TOKEN:
        half = "full (elevated)" if r["elevated"] else "filtered (limited)"
        how = ("a primary token: the caller holds SeTcbPrivilege" if r["tcb"] else
               "an Identification-level token, to look at but not to run as: the caller has no SeTcbPrivilege")
        return (f"{tok(r['source'])} is half of UAC's split logon; its linked token is the {half} half, made anew "
                f"as {tok(r['linked'])} — {how}.")
    if rule == ev.GROUPS_ADJUSTED:
        on = ", ".join(name(s) for s in r["enabled"]) or "none"
        off = ", ".join(name(s) for s in r["disabled"]) or "none"
        return f"Groups enabled: {on}; disabled: {off}. Disabled groups no longer match allow or deny ACEs."
    if rule == ev.ANONYMOUS_IMPERSONATION:
        return (f"Thread {r['tid']} now impersonates the anonymous logon token, {tok(r['token'])}: no user, no "
                "privileges, and by default not even Everyone.")
    raise ValueError(f"no sentence for the kernel's report {rule!r}")


def _token_text(snap, object_id: int | None) -> str:
    if object_id is None:
        return "empty"
    t = snap.token(object_id)
    if t is None:
        return f"Token#{object_id}"
    kind = "primary" if t.token_type == "TokenPrimary" else t.level
    return f"Token#{object_id} ({snap.name(t.user)}, {kind})"


def _object_text(snap, object_id: int, object_type: str) -> str:
    if object_type == "Token":
        return _token_text(snap, object_id)
    p = snap.owner_of(object_id)
    if p is not None:
        if p.object_id == object_id:
            return f"process {p.image} (pid {p.pid})"
        for t in p.threads:
            if t.object_id == object_id:
                return f"thread {t.tid} of {p.image}"
    e = snap.event(object_id)
    if e is not None:
        return f"event {e.name!r}" if e.name is not None else f"Event#{object_id}"
    o = snap.object(object_id)
    if o is not None:
        kind = {"Mutant": "mutex", "Semaphore": "semaphore"}.get(o.object_type)
        if kind is None:
            kind = "directory" if o.detail == "directory" else "file"
        return f"{kind} {o.name!r}" if o.name is not None else f"{o.object_type}#{object_id}"
    return f"{object_type}#{object_id}"


def _flags(value: int, cls) -> str:
    return "|".join(f.name for f in cls if value & f and f.value & (f.value - 1) == 0) or "0"


def _token_changes(a, b, name, sddl) -> list[str]:
    """What differs between two states of one token, in words (descriptors as ``sddl`` writes them)."""
    out = []
    groups_a, groups_b = dict(a.groups), dict(b.groups)
    for sid in groups_b:
        if sid in groups_a and groups_a[sid] != groups_b[sid]:
            out.append(f"group {name(sid)} is now {_flags(groups_b[sid], GroupAttributes)}")
    privs_a, privs_b = dict(a.privileges), dict(b.privileges)
    on = PrivilegeAttributes.SE_PRIVILEGE_ENABLED
    for p in privs_a:
        if p not in privs_b:
            out.append(f"{p} removed")
        elif (privs_a[p] ^ privs_b[p]) & on:
            out.append(f"{p} {'enabled' if privs_b[p] & on else 'disabled'}")
    if a.default_dacl != b.default_dacl and _dacl(a.default_dacl, sddl) != _dacl(b.default_dacl, sddl):
        out.append(f"default DACL is now {_dacl(b.default_dacl, sddl) or 'none'}")
    if a.owner != b.owner:
        out.append(f"default owner is now {name(b.owner)}")
    if a.primary_group != b.primary_group:
        out.append(f"primary group is now {name(b.primary_group)}")
    if a.security != b.security and sddl(a.security) != sddl(b.security):
        out.append(f"its own security descriptor is now {sddl(b.security)}")
    return out


def _dacl(acl, sddl) -> str:
    return sddl(SecurityDescriptor(dacl=acl)) if acl is not None else ""


def changes(before, after) -> list[str]:
    """What changed between two snapshots, one sentence each, in a stable order.

    Only the processes, tokens and events whose states are not shared between the two
    snapshots are read (:meth:`Table.changed_keys`), so a call's sentences cost what it
    changed. Descriptors are written as SDDL with the snapshot's domain aliases."""
    out: list[str] = []
    sddl = after.sddl
    pids = before.process_table.changed_keys(after.process_table)
    for pid in pids:
        p = after.process(pid)
        if p is None:
            continue
        old = before.process(pid)
        if old is None:
            out.append(f"New process {p.image} (pid {pid}) runs as {after.name(after.token(p.token).user)} "
                       f"with primary token {_token_text(after, p.token)}.")
            continue
        threads_b = {t.tid: t for t in old.threads}
        for t in p.threads:
            ot = threads_b.get(t.tid)
            if ot is None:
                out.append(f"New thread {t.tid} in {p.image}; its token slot starts empty, because "
                           "impersonation belongs to a thread and is not inherited.")
            elif ot.token != t.token:
                runs = _token_text(after, t.token) if t.token is not None else \
                    f"its process's primary token, {_token_text(after, p.token)}"
                out.append(f"Thread {t.tid}'s token slot: {_token_text(before, ot.token)} → "
                           f"{_token_text(after, t.token)}. Its effective token is now {runs}.")
        if old.handles is not p.handles:
            handles_b = {h.value: h for h in old.handles}
            handles_a = {h.value: h for h in p.handles}
            for v, h in handles_a.items():
                oh = handles_b.get(v)
                if oh is None or oh.object_id != h.object_id:
                    out.append(f"Handle {v} in {p.image} now names {_object_text(after, h.object_id, h.object_type)} "
                               f"with {h.granted_names or '0'}.")
            for v, h in handles_b.items():
                if v not in handles_a or handles_a[v].object_id != h.object_id:
                    out.append(f"Handle {v} in {p.image} ({_object_text(before, h.object_id, h.object_type)}) is closed.")
    token_ids = before.token_table.changed_keys(after.token_table)
    for i in token_ids:
        t = after.token(i)
        if t is None:
            continue
        old = before.token(i)
        if old is None:
            source = f", copied from Token#{t.duplicated_from}" if t.duplicated_from is not None else ""
            out.append(f"{_token_text(after, i)} is new ({t.origin or 'made by the machine'}{source}).")
        else:
            diffs = _token_changes(old, t, after.name, sddl)
            if diffs:
                out.append(f"{_token_text(after, i)} changed: {'; '.join(diffs)}.")
    for i in token_ids:
        if after.token(i) is None:
            out.append(f"{_token_text(before, i)} lost its last reference and is gone.")
    event_ids = before.event_table.changed_keys(after.event_table)
    for i in event_ids:
        e = after.event(i)
        if e is None:
            continue
        old = before.event(i)
        if old is None:
            if e.security is None:
                out.append(f"New {_object_text(after, i, 'Event')}, unnamed, with no security descriptor: an "
                           "unnamed event gets none, and only a name would make the object manager assign one.")
            else:
                out.append(f"New {_object_text(after, i, 'Event')} with descriptor {sddl(e.security)}.")
        elif old.security != e.security and before.sddl(old.security) != sddl(e.security):
            out.append(f"{_object_text(after, i, 'Event')}'s descriptor is now {sddl(e.security)}.")
    for i in event_ids:
        if after.event(i) is None:
            out.append(f"{_object_text(before, i, 'Event')} lost its last reference and is gone.")
    object_ids = before.object_table.changed_keys(after.object_table)
    for i in object_ids:
        o, old = after.object(i), before.object(i)
        what = _object_text(after if o is not None else before, i, (o or old).object_type)
        what = what[0].upper() + what[1:]
        if o is None:
            out.append(f"{what} lost its last reference and is gone.")
        elif old is None:
            if o.security is None:
                out.append(f"New {what}, unnamed, with no security descriptor: an unnamed "
                           f"{o.object_type.lower()} gets none, and only a name would make the object manager "
                           "assign one.")
            elif o.object_type == "File" and o.name == "C:\\":
                out.append(f"The volume's root directory {o.name!r} has descriptor {sddl(o.security)}.")
            else:
                detail = "" if o.detail == "directory" else f" ({o.detail})"
                out.append(f"New {what}{detail} with descriptor {sddl(o.security)}.")
        else:
            if old.security != o.security and before.sddl(old.security) != sddl(o.security):
                out.append(f"{what}'s descriptor is now {sddl(o.security)}.")
            if old.detail != o.detail:
                out.append(f"{what} is now {o.detail} (was {old.detail}).")
    for pid in pids:
        p, old = after.process(pid), before.process(pid)
        if p is not None and old is not None and old.security != p.security \
                and before.sddl(old.security) != sddl(p.security):
            out.append(f"Process {p.image}'s descriptor is now {sddl(p.security)}.")
    return out


_BARE_DOMAIN_SID = re.compile(r"(?<![\w(-])(S-1-5-21(?:-\d+)+)(?![\w)-])")
_SID_REPR = re.compile(r"SID\('(S-1-[\d-]+)'\)")


def name_sids(text: str, names, *, sids: bool = True) -> str:
    """Give bare account SIDs (``S-1-5-21-…``) in a narrative their names; ``names`` is a
    dict or a function SID text → name (or None to leave it bare). Each named SID reads
    ``TOKENLAB\\alice (S-1-5-21-…)``; with ``sids=False``, the name alone."""
    lookup = names.get if isinstance(names, dict) else names

    def named(m):
        sid = m.group(1)
        name = lookup(sid)
        if not name or name == sid:
            return sid
        return f"{name} ({sid})" if sids else name

    return _BARE_DOMAIN_SID.sub(named, text)


# In a call's text an account SID stands bare inside SDDL, "(A;;GA;;;S-1-5-21-…)": the
# narratives' pattern leaves SIDs next to parentheses alone (they are already named there).
_ACCOUNT_SID = re.compile(r"(?<![\w-])S-1-5-21(?:-\d+)+")


def sids_by_name(text: str, names) -> str:
    """A call's or a result's text with its SIDs by name, for reading (it no longer runs):
    ``SID('S-1-5-20')`` becomes ``<NT AUTHORITY\\NETWORK SERVICE>``, and an account SID written
    bare (``S-1-5-21-…``, as in SDDL) ``<TOKENLAB\\alice>``. ``names`` is a dict or a function
    SID text → name (or None); a SID it cannot name stays as it is."""
    lookup = names.get if isinstance(names, dict) else names

    def named(m):
        name = lookup(m.group(1) if m.re is _SID_REPR else m.group(0))
        return f"<{name}>" if name else m.group(0)

    return _ACCOUNT_SID.sub(named, _SID_REPR.sub(named, text))


def _check_text(rec, names: dict[str, str]) -> str:
    return name_sids(f"Access check on {rec.what} as {rec.checker} ({rec.why}): {rec.narrative or rec.result}",
                     names)


def _result_text(name: str, result: str, names: dict[str, str]) -> str:
    try:
        value = int(result)
    except ValueError:
        value = None
    if value in PSEUDO_HANDLES and name.startswith("GetCurrent"):
        return (f"{name} returned {value}, a pseudo-handle: it is in no handle table and names whatever "
                "is current each time it is used.")
    sids = dict.fromkeys(_SID_REPR.findall(result))
    who = [f"{s} is {names.get(s) or well_known_name(SID(s)) or 'an unnamed SID'}" for s in sids]
    return f"{name} returned {result}." + "".join(f" {w}." for w in who)


# Calls whose TRUE/FALSE is an answer, not just "it worked".
_ANSWERS = frozenset({"CheckTokenMembership", "PrivilegeCheck"})


def narrate(name: str, tid: int, before, after, *, result: str | None = None, error=None,
            notes: Iterable[str] = (), checks: Iterable = (), explanation: Iterable[str] = (),
            before_checks: Iterable[str] = ()) -> str:
    """The paragraph for one call (see the module docstring). ``before_checks`` are the
    reports that explain the object the checks looked at (a copy-on-open copy)."""
    parts: list[str] = []
    names = after.name_map
    if error is not None:
        parts.append(f"{name} failed: {error}" + ("" if str(error).endswith(".") else "."))
    elif result not in (None, "None", "True") or name in _ANSWERS:
        parts.append(_result_text(name, result, names))
    else:
        parts.append(f"{name} succeeded.")
    checks = list(checks)
    steps = [s for s in explanation if s not in parts[0]]
    if checks and steps:
        # COM: its steps say what it did; the checks say which ACE decided.
        parts.append(steps[0])
        parts += before_checks
        parts += [_check_text(c, names) for c in checks]
        parts += [s for s in steps[1:] if s not in parts[0]]
    else:
        parts += steps
        parts += before_checks
        parts += [_check_text(c, names) for c in checks]
    parts += list(notes)
    diff = changes(before, after)
    parts += diff
    if not diff and error is None and not notes and not before_checks:
        parts.append("Nothing changed: the call only reads.")
    elif not diff and error is not None:
        parts.append("Nothing changed: a failed call leaves the machine as it was.")
    return " ".join(parts)
