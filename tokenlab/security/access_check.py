"""AccessCheck: may this token have this access to an object with this security descriptor?

================================  ==========================  =====================================
Windows term                      tokenlab                    example
================================  ==========================  =====================================
AccessCheck / SeAccessCheck       :func:`access_check`        ``access_check(sd, tok, 0x8, TOKEN_MAPPING)``
MapGenericMask                    :func:`map_generic`         ``map_generic(GENERIC_READ, TOKEN_MAPPING)``
GrantedAccess, AccessStatus       :class:`AccessCheckResult`  ``result.granted``, ``result.status``
(why it was decided)              :class:`Decision`           ``result.steps``, ``result.table()``
MAXIMUM_ALLOWED                   ``MAXIMUM_ALLOWED``         ``0x02000000``
================================  ==========================  =====================================

The check follows [MS-DTYP] 2.5.3.2 and the staged kernel check that *Windows Security
Internals* (Forshaw), chapter 7, reconstructs, in this order:

1. the call itself: an impersonation token that is not Anonymous (1309, 1346), a
   descriptor with owner and group (1338), no generic bits left (1360);
2. desired access 0 is denied;
3. mandatory integrity: a subject below the object's level gets at most the generic
   read/write/execute rights the label's policy leaves open (unlabelled = Medium,
   NO_WRITE_UP); a request outside that is denied before the DACL is read;
4. privileges: ACCESS_SYSTEM_SECURITY only from SeSecurityPrivilege (else 1314),
   WRITE_OWNER also from SeTakeOwnershipPrivilege (or SeRelabelPrivilege);
5. the owner is implicitly granted READ_CONTROL|WRITE_DAC, unless an OWNER RIGHTS ACE
   says otherwise (and, for a restricted token, only if a restricting SID is the owner);
6. an absent or NULL DACL grants everything, an empty one nothing more;
7. the DACL walk, ACE by ACE, in order: the first ACE that mentions a bit decides it;
8. for a restricted token, the same walk with the restricting SIDs; both must grant;
9. the result: all-or-nothing, or for MAXIMUM_ALLOWED the most that can be granted.

Model notes (say so to learners): ACE masks are used as stored; AccessCheck does not
map generic bits inside ACEs (they match no mapped request). Plain AccessCheck has no
object-type list, so an object-allow ACE grants nothing and an object-deny ACE denies
like a deny ACE ([MS-DTYP] 2.5.3.2, "Access Denied Object ACE"). Callback
ACEs, process trust labels, access filters, central access policies, AppContainer
capabilities and write-restricted tokens are not modelled. PRINCIPAL_SELF has no
principal to stand for in plain AccessCheck, so it is compared literally.

``access_check`` returns its own explanation: ``result.steps`` are the decisions in
order, ``str(result)`` a short narrative, ``result.table()`` the ACE walk.

Why one file of ~600 lines: the nine steps and the sentences that explain them are one
algorithm read top to bottom, as the chapter it follows; splitting the walk from its
explanation would separate each decision from the words that justify it.
"""
from __future__ import annotations

import weakref
from dataclasses import dataclass
from functools import lru_cache

from .acl import ACE, AceType
from .descriptor import SecurityDescriptor
from .errors import ErrorCode
from .rights import (
    ACCESS_SYSTEM_SECURITY, GENERIC_BITS, MAXIMUM_ALLOWED, STANDARD, GenericMapping, check_access_mask, mask_names,
)
from .tokenattrs import counts_for
from .sids import (
    CREATOR_GROUP, CREATOR_OWNER, INTEGRITY_NAMES, MEDIUM_INTEGRITY, OWNER_RIGHTS, PRINCIPAL_SELF, SID, integrity_rid,
)

__all__ = ["AccessCheckResult", "Decision", "access_check", "map_generic", "MAXIMUM_ALLOWED"]

READ_CONTROL = STANDARD["READ_CONTROL"]
WRITE_DAC = STANDARD["WRITE_DAC"]
WRITE_OWNER = STANDARD["WRITE_OWNER"]
OWNER_IMPLIED = READ_CONTROL | WRITE_DAC
# SIDs the walk treats specially, compared as text (the walk works on SID text).
_OWNER_RIGHTS, _SELF = OWNER_RIGHTS.text, PRINCIPAL_SELF.text
_PLACEHOLDERS = frozenset({CREATOR_OWNER.text, CREATOR_GROUP.text})
# Bits an ACE can hand out under MAXIMUM_ALLOWED: never ACCESS_SYSTEM_SECURITY (privilege
# only), MAXIMUM_ALLOWED itself, or unmapped generic bits.
_GRANTABLE = 0xFFFFFFFF & ~(ACCESS_SYSTEM_SECURITY | MAXIMUM_ALLOWED | GENERIC_BITS)

# Token fields read by value, so this module sits below tokenlab.token (DESIGN.md layers).
_TOKEN_IMPERSONATION = 2          # TokenImpersonation
_SECURITY_IDENTIFICATION = 1      # SecurityIdentification
_SE_GROUP_ENABLED = 0x4
_SE_GROUP_USE_FOR_DENY_ONLY = 0x10
_POLICY_NO_WRITE_UP = 0x1         # TOKEN_MANDATORY_POLICY_NO_WRITE_UP
_NO_WRITE_UP, _NO_READ_UP, _NO_EXECUTE_UP = 0x1, 0x2, 0x4   # SYSTEM_MANDATORY_LABEL_*

STEP_KINDS = ("request", "integrity", "privilege", "owner", "dacl", "ace", "restricted", "stop", "result")


@dataclass(frozen=True)
class Decision:
    """One decision of the check. ``kind`` is one of :data:`STEP_KINDS`; ``text`` is one
    sentence for a learner. ACE steps also say which ACE, in which pass, whether its SID
    matched and why, and which bits it granted or denied (``skipped`` when it could not
    decide anything: inherit-only, not an access ACE, or all its bits already decided)."""

    kind: str
    text: str
    ace_index: int | None = None
    pass_name: str | None = None
    sid: SID | None = None
    matched: bool | None = None
    reason: str = ""
    granted: int = 0
    denied: int = 0
    skipped: bool = False
    ace: ACE | None = None


@dataclass(frozen=True)
class AccessCheckResult:
    """What AccessCheck returns (GrantedAccess, AccessStatus) plus how it got there."""

    granted: int
    status: ErrorCode
    desired: int
    mapping: GenericMapping
    privileges_used: tuple[str, ...] = ()
    steps: tuple[Decision, ...] = ()

    @property
    def allowed(self) -> bool:
        return self.status == ErrorCode.ERROR_SUCCESS

    @property
    def is_call_failure(self) -> bool:
        """True when AccessCheck itself fails (returns FALSE), as opposed to a denial."""
        return self.status not in (ErrorCode.ERROR_SUCCESS, ErrorCode.ERROR_ACCESS_DENIED,
                                   ErrorCode.ERROR_PRIVILEGE_NOT_HELD)

    def deciding_aces(self, pass_name: str = "normal") -> dict[int, str]:
        """``{ace_index: 'granted' | 'denied'}`` for the ACEs that decided bits in that pass."""
        out = {}
        for s in self.steps:
            if s.kind == "ace" and s.pass_name == pass_name and (s.granted or s.denied):
                out[s.ace_index] = "denied" if s.denied else "granted"
        return out

    def table(self) -> str:
        """The ACE walk as a fixed-width text table (the descriptor graph's text twin)."""
        header = ("pass", "#", "type", "SID", "mask", "match", "effect")
        rows = []
        for s in self.steps:
            if s.kind != "ace":
                continue
            ace = s.ace
            kind = {AceType.ACCESS_ALLOWED_ACE_TYPE: "allow", AceType.ACCESS_DENIED_ACE_TYPE: "deny",
                    AceType.ACCESS_ALLOWED_OBJECT_ACE_TYPE: "object allow",
                    AceType.ACCESS_DENIED_OBJECT_ACE_TYPE: "object deny"}.get(
                ace.type, ace.type.name.replace("_ACE_TYPE", "").lower())
            if ace.inherit_only:
                kind += " (IO)"
            rows.append((s.pass_name, str(s.ace_index), kind, _sid_short(ace.sid),
                         _bits(ace.mask, self.mapping.rights), "yes" if s.matched else "no", _effect(s, self.mapping)))
        if not rows:
            return "(no ACE was evaluated)"
        widths = [max(len(r[i]) for r in rows + [header]) for i in range(len(header))]
        line = lambda r: "  ".join(c.ljust(w) for c, w in zip(r, widths)).rstrip()  # noqa: E731
        return "\n".join([line(header), line(tuple("-" * w for w in widths))] + [line(r) for r in rows])

    def __str__(self) -> str:
        verdict = {ErrorCode.ERROR_SUCCESS: "Access granted.", ErrorCode.ERROR_ACCESS_DENIED: "Access denied.",
                   ErrorCode.ERROR_PRIVILEGE_NOT_HELD: "Access denied: a privilege is missing."}.get(
            self.status, f"AccessCheck failed with {self.status.name} ({int(self.status)}).")
        parts, misses = [verdict], 0
        for s in self.steps:
            # The narrative keeps what decided something; table() and steps have the rest.
            # When access is refused it also names ACEs that mention a requested right but did
            # not apply (the learner's "why didn't that ACE count?"), at most three of them.
            if s.kind == "ace" and not (s.granted or s.denied):
                if (self.allowed or s.matched is None or misses >= 3
                        or not (s.ace.mask & (self.desired | GENERIC_BITS))):
                    continue
                misses += 1
            elif s.kind == "dacl" or s.skipped:
                continue
            parts.append(s.text)
        return " ".join(parts)

    def __repr__(self) -> str:
        return (f"AccessCheckResult(granted={self.mapping.format(self.granted)}, status={self.status.name}, "
                f"desired={self.mapping.format(self.desired)})")


def map_generic(desired: int, mapping: GenericMapping) -> int:
    """MapGenericMask: GENERIC_* bits become the type's specific rights; MAXIMUM_ALLOWED and
    ACCESS_SYSTEM_SECURITY are kept. ``map_generic(GENERIC_READ, TOKEN_MAPPING)`` → TOKEN_READ."""
    return mapping.rights(mapping.map(desired))


def access_check(sd: SecurityDescriptor, token, desired: int, mapping: GenericMapping, *,
                 map_generic: bool = False, require_impersonation: bool = True,
                 explain: bool = True) -> AccessCheckResult:
    """Decide whether ``token`` gets ``desired`` access to an object protected by ``sd``.

    Like Win32 ``AccessCheck``, ``desired`` must already be mapped (generic bits give
    ERROR_GENERIC_NOT_MAPPED); pass ``map_generic=True`` to map it with ``mapping`` first.
    ``require_impersonation=False`` is the kernel's check when a handle is opened
    (SeAccessCheck), which accepts a primary token. ``explain=False`` skips building the
    explanation (``steps`` is empty) and returns the same ``granted`` and ``status``.
    """
    if sd is not None and not isinstance(sd, SecurityDescriptor):
        hint = (" (SDDL text: parse it first, e.g. SecurityDescriptor.from_sddl(text))"
                if isinstance(sd, str) else "")
        raise TypeError(f"access_check() sd must be SecurityDescriptor or None, got {type(sd).__name__}{hint}")
    if not isinstance(mapping, GenericMapping):
        raise TypeError(f"access_check() mapping must be GenericMapping, got {type(mapping).__name__}")
    for attr in ("token_type", "impersonation_level", "user", "groups", "mandatory_policy", "privilege_enabled"):
        if not hasattr(token, attr):
            raise TypeError(f"access_check() token must be a Token (it has no {attr}), got {type(token).__name__}")
    desired = check_access_mask(desired, "access_check() desired")
    ex = _Explainer(mapping) if explain else None

    # Step 1. The call itself: token kind, descriptor shape, mapped request.
    if map_generic:
        desired = mapping.map(desired)
    if ex:
        ex.add("request", f"You asked for {ex.fmt(desired)} on {'an' if mapping.object_type[:1] in 'AEIOU' else 'a'} {mapping.object_type} object.")
    if require_impersonation and int(token.token_type) != _TOKEN_IMPERSONATION:
        return _fail(ErrorCode.ERROR_NO_IMPERSONATION_TOKEN, desired, mapping, ex,
                     "AccessCheck needs an impersonation token; this is a primary token (duplicate it first).")
    if require_impersonation and int(token.impersonation_level) < _SECURITY_IDENTIFICATION:
        return _fail(ErrorCode.ERROR_BAD_IMPERSONATION_LEVEL, desired, mapping, ex,
                     "An Anonymous-level token cannot be used for an access check.")
    if sd is None or sd.owner is None or sd.group is None:
        return _fail(ErrorCode.ERROR_INVALID_SECURITY_DESCR, desired, mapping, ex,
                     "The security descriptor has no owner or no group, so AccessCheck rejects it.")
    if desired & GENERIC_BITS:
        return _fail(ErrorCode.ERROR_GENERIC_NOT_MAPPED, desired, mapping, ex,
                     f"The request still holds {ex.fmt(desired & GENERIC_BITS) if ex else 'generic bits'}; "
                     "map it with MapGenericMask (map_generic) first.")

    # Step 2. Nothing asked for: nothing granted.
    if desired == 0:
        return _finish(ErrorCode.ERROR_ACCESS_DENIED, 0, desired, mapping, (), ex,
                       "Desired access 0 asks for nothing, and AccessCheck denies it.")
    max_allowed = bool(desired & MAXIMUM_ALLOWED)
    wanted = desired & ~MAXIMUM_ALLOWED        # the bits named explicitly
    index = _token_index(token)

    # Step 3. Mandatory integrity, before anything can grant.
    ceiling = 0xFFFFFFFF
    if token.mandatory_policy & _POLICY_NO_WRITE_UP:
        label = sd.label
        level, policy = (label.sid, label.mask) if label is not None else (MEDIUM_INTEGRITY, _NO_WRITE_UP)
        subject_rid, object_rid = integrity_rid(token.integrity_level), integrity_rid(level)
        if subject_rid < object_rid:
            ceiling = ((0 if policy & _NO_READ_UP else mapping.generic_read)
                       | (0 if policy & _NO_WRITE_UP else mapping.generic_write)
                       | (0 if policy & _NO_EXECUTE_UP else mapping.generic_execute))
            if token.privilege_enabled("SeRelabelPrivilege"):
                ceiling |= WRITE_OWNER
            if ex:
                unlabelled = "" if label else " (it has no label, so it counts as Medium with NO_WRITE_UP)"
                ex.add("integrity", f"Your token is {_level(subject_rid)} integrity and the object is "
                       f"{_level(object_rid)}{unlabelled}; under {_policy(policy)} a lower level may get "
                       f"at most {ex.fmt(ceiling)}.")
            if wanted & ~ceiling:
                return _finish(ErrorCode.ERROR_ACCESS_DENIED, 0, desired, mapping, (), ex,
                               f"Stopped by mandatory integrity: {ex.fmt(wanted & ~ceiling) if ex else ''} "
                               "is beyond what a lower integrity level may get, whatever the DACL says.")
        elif ex:
            ex.add("integrity", f"Your token is {_level(subject_rid)} integrity, not below the object's "
                   f"{_level(object_rid)}, so mandatory integrity restricts nothing.", skipped=True)
    elif ex:
        ex.add("integrity", "The token's mandatory policy is off (no TOKEN_MANDATORY_POLICY_NO_WRITE_UP), "
               "so integrity levels are not compared.", skipped=True)

    # Step 4. Privileges grant what they alone can, and only when named explicitly.
    remaining, pre, used = wanted, 0, []
    if remaining & ACCESS_SYSTEM_SECURITY:
        if token.privilege_enabled("SeSecurityPrivilege"):
            pre, remaining = pre | ACCESS_SYSTEM_SECURITY, remaining & ~ACCESS_SYSTEM_SECURITY
            used.append("SeSecurityPrivilege")
            if ex:
                ex.add("privilege", "ACCESS_SYSTEM_SECURITY is granted by your enabled SeSecurityPrivilege.")
        else:
            why = ("present but not enabled" if "SeSecurityPrivilege" in token.privileges
                   else "not in the token")
            return _finish(ErrorCode.ERROR_PRIVILEGE_NOT_HELD, 0, desired, mapping, (), ex,
                           f"ACCESS_SYSTEM_SECURITY needs an enabled SeSecurityPrivilege, which is {why}; "
                           "no ACE can grant it.")
    if remaining & WRITE_OWNER:
        for priv in ("SeTakeOwnershipPrivilege", "SeRelabelPrivilege"):
            if token.privilege_enabled(priv):
                pre, remaining = pre | WRITE_OWNER, remaining & ~WRITE_OWNER
                used.append(priv)
                if ex:
                    ex.add("privilege", f"WRITE_OWNER is granted by your enabled {priv}.")
                break

    # Step 5. The owner's implied READ_CONTROL|WRITE_DAC (unless OWNER RIGHTS overrides).
    state = sd.dacl_state
    entries, owner_ace = _compile(sd.dacl) if state in ("empty", "entries") else ((), False)
    owner_text = sd.owner.text
    is_owner = owner_text in index.normal.allow and (index.restricted is None
                                                     or owner_text in index.restricted.allow)
    if is_owner and not owner_ace:
        implied = OWNER_IMPLIED if max_allowed else remaining & OWNER_IMPLIED
        pre, remaining = pre | implied, remaining & ~OWNER_IMPLIED
        if ex:
            ex.add("owner", f"You own the object ({_sid_long(sd.owner)}), so you are implicitly granted "
                   f"{ex.fmt(OWNER_IMPLIED)}.", granted=implied, skipped=not implied)
    elif ex:
        if owner_text not in index.normal.allow:
            ex.add("owner", f"You are not the owner ({_sid_long(sd.owner)}), so no rights are implied.",
                   skipped=True)
        elif not is_owner:
            ex.add("owner", f"You own the object, but no restricting SID does, so a restricted token "
                   f"gets no implied owner rights.")
        else:
            ex.add("owner", "You own the object, but the DACL has an OWNER RIGHTS (S-1-3-4) ACE, "
                   "so its rights replace the implied READ_CONTROL|WRITE_DAC.")
    if not max_allowed and not remaining:
        return _finish(ErrorCode.ERROR_SUCCESS, wanted, desired, mapping, used, ex,
                       "Everything you asked for is already granted, so the DACL is not consulted.")

    # Step 6. DACL state: absent or NULL grants everything; empty grants nothing more.
    if state in ("absent", "null"):
        granted = wanted if not max_allowed else (mapping.generic_all | pre | wanted) & ceiling
        return _finish(ErrorCode.ERROR_SUCCESS, granted, desired, mapping, used, ex,
                       f"The object has {'no DACL' if state == 'absent' else 'a NULL DACL'}, which grants "
                       f"everyone everything{' (GenericAll for MAXIMUM_ALLOWED)' if max_allowed else ''}.")
    if ex:
        ex.add("dacl", "The DACL is empty: no ACE can grant anything." if state == "empty"
               else f"Walking the DACL's {len(entries)} ACEs in order; the first ACE that mentions a bit decides it.")

    # Step 7. The ordered DACL walk with the user and groups.
    walk = _walk_max if max_allowed else _walk
    outcome = walk(entries, index.normal, sd.owner, pre if max_allowed else remaining, ex)
    if not max_allowed and outcome is not None:
        return _finish(ErrorCode.ERROR_ACCESS_DENIED, 0, desired, mapping, (), ex, outcome)

    # Step 8. A restricted token: the same walk with the restricting SIDs; both must grant.
    if index.restricted is not None:
        if ex:
            ex.add("restricted", "This is a restricted token, so the DACL is walked again with only its "
                   "restricting SIDs; access needs both passes.")
        second = walk(entries, index.restricted, sd.owner, pre if max_allowed else remaining, ex)
        if not max_allowed and second is not None:
            return _finish(ErrorCode.ERROR_ACCESS_DENIED, 0, desired, mapping, (), ex, second)
        if max_allowed:
            outcome &= second

    # Step 9. The result: all-or-nothing for a normal request; the maximum, clipped by
    # integrity, for MAXIMUM_ALLOWED (which still needs every explicitly named bit).
    if not max_allowed:
        return _finish(ErrorCode.ERROR_SUCCESS, wanted, desired, mapping, used, ex,
                       "Every requested right was granted.")
    granted = outcome & ceiling
    if ex and outcome & ~ceiling:
        ex.add("integrity", f"Mandatory integrity removes {ex.fmt(outcome & ~ceiling)} from the maximum.")
    if wanted & ~granted:
        return _finish(ErrorCode.ERROR_ACCESS_DENIED, 0, desired, mapping, (), ex,
                       f"MAXIMUM_ALLOWED came with {ex.fmt(wanted) if ex else ''}, but "
                       f"{ex.fmt(wanted & ~granted) if ex else ''} was not granted.")
    if not granted:
        return _finish(ErrorCode.ERROR_ACCESS_DENIED, 0, desired, mapping, (), ex,
                       "No ACE granted anything, so MAXIMUM_ALLOWED is denied.")
    return _finish(ErrorCode.ERROR_SUCCESS, granted, desired, mapping, used, ex,
                   "MAXIMUM_ALLOWED returns everything the checks above let through.")


# -- the DACL walks --------------------------------------------------------------------

_ALLOW, _DENY, _SKIP = 0, 1, 2


def _walk(entries, p, owner, remaining, ex):
    """A normal request: returns None when every remaining bit is granted, else the reason."""
    allow, deny, last = p.allow, p.deny, len(entries) - 1
    where = " in the restricted pass" if p.name == "restricted" else ""
    for entry in entries:
        i, code, sid, mask, _, _ = entry
        if code == _SKIP:
            if ex:
                ex.ace(entry, p, None, 0, 0, owner)
            continue
        if sid == _OWNER_RIGHTS:  # OWNER RIGHTS stands for the object's owner
            sid = owner.text
        if code == _ALLOW:
            matched = sid in allow
            hit = mask & remaining if matched else 0
            if ex:
                ex.ace(entry, p, matched, hit, 0, owner)
            if hit:
                remaining &= ~mask
                if not remaining:
                    if ex and i < last:
                        ex.add("stop", f"All requested rights are granted after ACE {i}{where}; "
                               f"ACEs {i + 1}-{last} are not needed.", pass_name=p.name, skipped=True)
                    return None
        else:
            matched = sid in deny
            hit = mask & remaining if matched else 0
            if ex:
                ex.ace(entry, p, matched, 0, hit, owner)
            if hit:
                return (f"Stopped at ACE {i}{where}: a deny for a requested right not yet granted "
                        "denies the whole request.")
    return f"No ACE granted {ex.fmt(remaining) if ex else ''}{where}, so the request is denied."


def _walk_max(entries, p, owner, allowed, ex):
    """MAXIMUM_ALLOWED: every ACE is read; a bit keeps the verdict of the first ACE that
    mentions it (a later deny does not take back an earlier allow, nor the reverse)."""
    allow, deny, denied = p.allow, p.deny, 0
    for entry in entries:
        _, code, sid, mask, _, _ = entry
        if code == _SKIP:
            if ex:
                ex.ace(entry, p, None, 0, 0, owner)
            continue
        if sid == _OWNER_RIGHTS:
            sid = owner.text
        fresh = mask & _GRANTABLE & ~(allowed | denied)
        if code == _ALLOW:
            hit = fresh if sid in allow else 0
            allowed |= hit
            if ex:
                ex.ace(entry, p, sid in allow, hit, 0, owner)
        else:
            hit = fresh if sid in deny else 0
            denied |= hit
            if ex:
                ex.ace(entry, p, sid in deny, 0, hit, owner)
    return allowed


# How the walk reads each ACE type. Object-allow is absent: with no object-type list it
# grants nothing; object-deny denies like a deny ACE.
_ACCESS_CODES = {AceType.ACCESS_ALLOWED_ACE_TYPE: _ALLOW, AceType.ACCESS_DENIED_ACE_TYPE: _DENY,
                 AceType.ACCESS_DENIED_OBJECT_ACE_TYPE: _DENY}

# ACLs are immutable values, so each is flattened once into plain ints and strings.
_COMPILED: dict[int, tuple] = {}


def _compile(dacl):
    """``(entries, has_owner_rights_ace)``; an entry is (index, code, SID text, mask, ACE,
    memo), the memo keeping the ACE's explanation heading per rights class."""
    key = id(dacl)
    hit = _COMPILED.get(key)
    if hit is not None and hit[0]() is dacl:
        return hit[1]
    entries, owner_rights = [], False
    for i, ace in enumerate(dacl.aces):
        t = ace.type
        if ace.inherit_only or t not in _ACCESS_CODES:
            code = _SKIP
        else:
            code = _ACCESS_CODES[t]
            owner_rights = owner_rights or ace.sid.text == _OWNER_RIGHTS
        entries.append((i, code, ace.sid.text, ace.mask, ace, {}))
    compiled = (tuple(entries), owner_rights)
    try:
        _COMPILED[key] = (weakref.ref(dacl, lambda _r, k=key: _COMPILED.pop(k, None)), compiled)
    except TypeError:
        pass
    return compiled


# -- the token as the walk sees it -----------------------------------------------------

class _Pass:
    """One pass's view of the token: the SIDs that match allow ACEs and deny ACEs (as SID
    text), why each SID matches or not, and a memo of the reasons already phrased."""

    __slots__ = ("name", "allow", "deny", "why", "where", "memo")

    def __init__(self, name, entries, where):
        allow, deny, why = set(), set(), {}
        for sid, attrs, role in entries:
            text = sid.text
            if text in why:
                continue  # the first entry for a SID is the one the kernel finds
            if counts_for(attrs, deny=False):
                allow.add(text)
            if counts_for(attrs, deny=True):
                deny.add(text)
            if attrs & _SE_GROUP_USE_FOR_DENY_ONLY:
                why[text] = f"is {role} but deny-only: it matches deny ACEs only"
            elif attrs & _SE_GROUP_ENABLED:
                why[text] = f"is {role}" + (", enabled" if role.startswith("a group") else "")
            else:
                why[text] = f"is {role} but disabled: disabled groups never match"
        self.name, self.allow, self.deny, self.why, self.where = name, frozenset(allow), frozenset(deny), why, where
        self.memo: dict = {}


class _TokenIndex:
    """The token as the walks see it (built once per token contents)."""

    __slots__ = ("key", "normal", "restricted")

    def __init__(self, token, key):
        self.key = key
        self.normal = _Pass("normal", [(token.user, int(token.user_attributes) | _SE_GROUP_ENABLED,
                                        "the token's user")]
                            + [(g.sid, int(g.attributes), "a group in the token") for g in token.groups],
                            "in the token")
        self.restricted = _Pass("restricted", [(g.sid, int(g.attributes), "a restricting SID")
                                               for g in token.restricted_sids],
                                "among the restricting SIDs") if token.restricted_sids else None


_INDEX_CACHE: "weakref.WeakKeyDictionary" = weakref.WeakKeyDictionary()


def _token_index(token) -> _TokenIndex:
    # Tokens are mutable identities; the cache is valid while these fields are the same objects.
    key = (token.user, int(token.user_attributes), token.groups, token.restricted_sids)
    try:
        cached = _INDEX_CACHE.get(token)
    except TypeError:  # an unhashable stand-in token
        cached = None
    if cached is not None and cached.key[2] is key[2] and cached.key[3] is key[3] and cached.key[:2] == key[:2]:
        return cached
    index = _TokenIndex(token, key)
    try:
        _INDEX_CACHE[token] = index
    except TypeError:
        pass
    return index


# -- explanation -----------------------------------------------------------------------

class _Explainer:
    """Collects steps; every learner-facing sentence is built here or at the call site."""

    def __init__(self, mapping: GenericMapping):
        self.mapping = mapping
        self.steps: list[Decision] = []

    def fmt(self, mask: int) -> str:
        return _fmt(int(mask), self.mapping.rights)

    def add(self, kind: str, text: str, *, granted: int = 0, pass_name: str | None = None,
            skipped: bool = False) -> None:
        self.steps.append(Decision(kind, text, pass_name=pass_name, granted=granted, skipped=skipped))

    def ace(self, entry, p: _Pass, matched, granted, denied, owner) -> None:
        i, ace, memo = entry[0], entry[4], entry[5]
        rights = self.mapping.rights
        head = memo.get(rights)
        if head is None:
            kind = ("allow" if ace.is_allow else "deny" if ace.is_deny else "object deny"
                    if ace.type == AceType.ACCESS_DENIED_OBJECT_ACE_TYPE else ace.type.name)
            head = memo[rights] = f"ACE {i} ({kind} {_sid_short(ace.sid)} {_bits(ace.mask, rights)})"
        if matched is None:
            reason = ("it is inherit-only: it applies to children, not to this object" if ace.inherit_only
                      else "it is an object-allow ACE, which grants only for an object-type list "
                      "(AccessCheckByType); plain AccessCheck has none"
                      if ace.type == AceType.ACCESS_ALLOWED_OBJECT_ACE_TYPE
                      else "it is not an access-allowed or access-denied ACE")
            self.steps.append(Decision("ace", f"{head} is skipped: {reason}.", i, p.name, ace.sid, False,
                                   reason, 0, 0, True, ace))
            return
        key = (entry[2], owner.text, matched)
        reason = p.memo.get(key)
        if reason is None:
            reason = p.memo[key] = _match_reason(ace.sid, matched, p, owner)
        if granted:
            effect = f"grants {_fmt(granted, rights)}"
        elif denied:
            effect = f"denies {_fmt(denied, rights)}"
        elif matched:
            effect = "decides nothing: its bits are already decided or not requested"
        else:
            effect = "does not apply"
        text = f"{head}: {reason}; it {effect}."
        if ace.mask & GENERIC_BITS:
            text += (f" Its mask holds {_fmt(ace.mask & GENERIC_BITS)}, which AccessCheck does not map, "
                     "so those bits match no request.")
        self.steps.append(Decision("ace", text, i, p.name, ace.sid, matched, reason, granted, denied,
                               matched and not (granted or denied), ace))


def _match_reason(sid: SID, matched: bool, p: _Pass, owner: SID) -> str:
    text = sid.text
    if text == _OWNER_RIGHTS:
        return (f"OWNER RIGHTS (S-1-3-4) stands for the owner, {_sid_long(owner)}, who "
                + ("is you" if matched else f"does not match ({p.why.get(owner.text, 'not ' + p.where)})"))
    why = p.why.get(text)
    if why is not None:
        return f"{_sid_long(sid)} {why}"
    if text in _PLACEHOLDERS:
        return (f"{_sid_long(sid)} is an inheritance placeholder, replaced when a new object inherits "
                "the ACE; in an effective ACE it matches nobody")
    if text == _SELF:
        return ("PRINCIPAL SELF (S-1-5-10) stands for the object's own account, which only "
                "AccessCheckByType supplies; plain AccessCheck has none, so it matches nobody here")
    return f"{_sid_long(sid)} is not {p.where}"


def _effect(s: Decision, mapping: GenericMapping) -> str:
    if s.granted:
        return "granted " + _bits(s.granted, mapping.rights)
    if s.denied:
        return "DENIED " + _bits(s.denied, mapping.rights)
    if s.matched is False and not s.skipped:
        return "-"
    return "skipped" if not s.matched else "no effect"


@lru_cache(maxsize=8192)
def _bits(mask: int, cls=None) -> str:
    names = mask_names(mask, cls) if cls is not None else mask_names(mask)
    return "|".join(names) if names else "0"


@lru_cache(maxsize=8192)
def _fmt(mask: int, cls=None) -> str:
    return f"{_bits(mask, cls)} (0x{mask:08X})" if mask else "nothing"


@lru_cache(maxsize=4096)
def _sid_short(sid: SID) -> str:
    tag = sid.alias or sid.name
    return f"{sid.text} ({tag})" if tag else sid.text


@lru_cache(maxsize=4096)
def _sid_long(sid: SID) -> str:
    name = sid.name
    return f"{name} ({sid.text})" if name else sid.text


def _level(rid: int) -> str:
    return INTEGRITY_NAMES.get(rid, f"level {rid}")


def _policy(policy: int) -> str:
    names = [n for bit, n in ((_NO_WRITE_UP, "NO_WRITE_UP"), (_NO_READ_UP, "NO_READ_UP"),
                              (_NO_EXECUTE_UP, "NO_EXECUTE_UP")) if policy & bit]
    return "|".join(names) if names else "a policy with no NO_*_UP bits"


def _fail(code, desired, mapping, ex, text) -> AccessCheckResult:
    return _finish(code, 0, desired, mapping, (), ex, text)


def _finish(status, granted, desired, mapping, used, ex, text) -> AccessCheckResult:
    steps = ()
    if ex:
        if status == ErrorCode.ERROR_SUCCESS:
            ex.add("result", f"{text} Granted: {ex.fmt(granted)}.")
        else:
            ex.add("stop", text)
            ex.add("result", f"Result: {status.name}; nothing is granted.")
        steps = tuple(ex.steps)
    rights = mapping.rights
    return AccessCheckResult(rights(granted), ErrorCode(status), rights(desired), mapping,
                             tuple(used) if status == ErrorCode.ERROR_SUCCESS else (), steps)
