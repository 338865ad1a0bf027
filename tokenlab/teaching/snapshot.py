"""The machine at one moment, as plain values a view can draw and a test can compare.

A :class:`Snapshot` is made of frozen dataclasses holding strings, ints, tuples and
security values: two snapshots of the same state compare equal, on any machine, in any run.
"""
from __future__ import annotations

from dataclasses import dataclass

from ..security.descriptor import SecurityDescriptor, format_sddl
from ..security.rights import mask_names
from ..security.sids import SID


@dataclass(frozen=True)
class TokenState:
    object_id: int
    user: str
    token_type: str
    level: str
    integrity: str
    owner: str
    primary_group: str
    groups: tuple[tuple[str, int], ...]
    privileges: tuple[tuple[str, int], ...]
    restricted_sids: tuple[str, ...]
    default_dacl: str
    token_id: str
    authentication_id: str
    modified_id: str
    security: str
    refs: tuple[tuple[str, int], ...]
    origin: str
    duplicated_from: int | None
    logon_session: str = ""   # e.g. "network logon of TOKENLAB\\alice (0x10003)"
    restricted: bool = False  # has restricting SIDs (two-pass access check)
    integrity_sid: str = ""
    user_attributes: int = 0  # SE_GROUP_USE_FOR_DENY_ONLY when a restricted token disabled the user


@dataclass(frozen=True)
class HandleState:
    value: int
    object_id: int
    object_type: str
    granted: int
    granted_names: str


@dataclass(frozen=True)
class ThreadState:
    object_id: int
    tid: int
    token: int | None  # object id of the token in the slot
    security: str


@dataclass(frozen=True)
class ProcessState:
    object_id: int
    pid: int
    image: str
    token: int  # object id of the primary token
    threads: tuple[ThreadState, ...]
    handles: tuple[HandleState, ...]
    security: str


@dataclass(frozen=True)
class EventState:
    object_id: int
    name: str | None
    signalled: bool
    security: str
    refs: tuple[tuple[str, int], ...]


@dataclass(frozen=True)
class Snapshot:
    """The machine's processes, threads, handles, tokens and events at one moment."""

    processes: tuple[ProcessState, ...]
    tokens: tuple[TokenState, ...]
    events: tuple[EventState, ...]
    names: tuple[tuple[str, str], ...] = ()  # SID text -> account name, for every SID in a token or descriptor
    domain_sid: str = ""                      # the machine's domain: what DU, DA … stand for in SDDL

    def name(self, sid: str) -> str:
        """The account name for a SID string seen in this snapshot, else the SID string."""
        return dict(self.names).get(sid, sid)

    def token(self, object_id: int) -> TokenState | None:
        return next((t for t in self.tokens if t.object_id == object_id), None)

    def process(self, pid: int) -> ProcessState | None:
        return next((p for p in self.processes if p.pid == pid), None)

    def thread(self, tid: int) -> ThreadState | None:
        return next((t for p in self.processes for t in p.threads if t.tid == tid), None)


def _sddl(sd: SecurityDescriptor | None, domain: SID) -> str:
    if sd is None:
        return ""
    return format_sddl(sd, domain=domain)


def snapshot(machine) -> Snapshot:
    """The machine's state as plain, comparable data."""
    dom = machine.domain_sid
    live = machine.live_objects()
    procs = []
    for p in machine.processes:
        if not p.alive:
            continue
        threads = tuple(ThreadState(t.object_id, t.tid, t.token.object_id if t.token else None,
                                    _sddl(t.security, dom)) for t in p.threads if t.alive)
        handles = tuple(HandleState(h.value, h.obj.object_id, h.obj.object_type, h.granted,
                                    "|".join(mask_names(h.granted, h.obj.mapping.rights)))
                        for h in p.handles)
        procs.append(ProcessState(p.object_id, p.pid, p.image, p.token.object_id, threads, handles,
                                  _sddl(p.security, dom)))
    tokens, events = [], []
    for obj in sorted(live, key=lambda o: o.object_id):
        if obj.object_type == "Token":
            tokens.append(token_state(obj, machine))
        elif obj.object_type == "Event":
            events.append(EventState(obj.object_id, obj.name, obj.signalled, _sddl(obj.security, dom),
                                     tuple(sorted(obj.refs.items()))))
    sids = {sid for t in tokens for sid in _token_sids(t)}
    for obj in live:
        sids.update(_descriptor_sids(obj.security))
        if obj.object_type == "Token":
            sids.update(_descriptor_sids(SecurityDescriptor(dacl=obj.default_dacl)))
    names = tuple((sid, machine.sid_name(SID(sid))) for sid in sorted(sids) if sid)
    return Snapshot(tuple(procs), tuple(tokens), tuple(events), names, dom.text)


def _descriptor_sids(sd):
    if sd is None:
        return
    for sid in (sd.owner, sd.group):
        if sid is not None:
            yield sid.text
    for acl in (sd.dacl, sd.sacl):
        for ace in acl or ():
            yield ace.sid.text


def _token_sids(t: TokenState):
    yield t.user
    yield t.owner
    yield t.primary_group
    yield t.integrity_sid
    yield from (g for g, _ in t.groups)
    yield from t.restricted_sids


def token_state(t, machine=None) -> TokenState:
    """One token as plain data (what views draw). Without a machine, SIDs in SDDL use no
    domain aliases and there is no logon session to name."""
    dom = machine.domain_sid if machine is not None else None
    session = ""
    if machine is not None:
        s = machine.logon_sessions.get(t.authentication_id)
        if s is not None:
            session = f"{s.logon_type} logon of {machine.sid_name(s.user)} ({s.luid})"
    return TokenState(
        t.object_id if t.object_id is not None else 0, t.user.text, t.token_type.name, t.impersonation_level.name,
        t.integrity_name, t.owner.text, t.primary_group.text, tuple((g.sid.text, int(g.attributes)) for g in t.groups),
        tuple((n, int(a)) for n, a in t.privileges.items()), tuple(r.sid.text for r in t.restricted_sids),
        _dacl_sddl(t.default_dacl, dom), str(t.token_id), str(t.authentication_id), str(t.modified_id),
        _sddl(t.security, dom), tuple(sorted(t.refs.items())), getattr(t, "origin", ""),
        getattr(t, "duplicated_from", None), session, bool(t.restricted_sids), t.integrity_level.text,
        int(t.user_attributes))


def _dacl_sddl(acl, domain: SID) -> str:
    if acl is None:
        return ""
    return _sddl(SecurityDescriptor(dacl=acl), domain)


