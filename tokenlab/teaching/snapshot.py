"""The machine at one moment, as plain values a view can draw and a test can compare.

A :class:`Snapshot` is made of frozen dataclasses holding strings, ints, tuples and
security values (descriptors are :class:`SecurityDescriptor` values, not SDDL text): two
snapshots of the same state compare equal, on any machine, in any run.

Snapshots share structure. Processes, tokens and events sit in :class:`Table` values
(immutable maps in key order, cut into buckets); the snapshot after a call copies only
the buckets holding what the call changed and shares the rest, and every state the call
did not change is the *same object* in both snapshots. The machine says which objects
changed (``Machine.touched``, see :mod:`tokenlab.kernel.objects`), so ``snapshot(machine)``
costs what changed since the previous snapshot, not the machine's size.
:func:`full_snapshot` builds one from scratch (tests check the two agree).

Why one file of ~600 lines: the state records, the shared :class:`Table`, the incremental
builder and the from-scratch walk must agree field for field; kept together, a field
added to one is seen missing from the others in the same reading.
"""
from __future__ import annotations

import weakref
from dataclasses import dataclass, field

from ..kernel.objects import take_touched
from ..security.acl import ACL
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
    default_dacl: ACL | None
    token_id: str
    authentication_id: str
    modified_id: str
    security: SecurityDescriptor | None
    refs: tuple[tuple[str, int], ...]
    origin: str
    duplicated_from: int | None
    logon_session: str = ""   # e.g. "network logon of TOKENLAB\\alice (0x10003)"
    restricted: bool = False  # has restricting SIDs (two-pass access check)
    integrity_sid: str = ""
    user_attributes: int = 0  # SE_GROUP_USE_FOR_DENY_ONLY when a restricted token disabled the user
    domain_sid: str = ""      # the machine's domain (what DU, DA … stand for in SDDL); "" without one

    @property
    def domain(self) -> SID | None:
        return SID(self.domain_sid) if self.domain_sid else None

    @property
    def security_sddl(self) -> str:
        """Its own descriptor as SDDL ("" when it has none)."""
        return sddl_text(self.security, self.domain)

    @property
    def default_dacl_sddl(self) -> str:
        """Its default DACL as SDDL, ``D:…`` ("" when it has none)."""
        return dacl_sddl(self.default_dacl, self.domain)


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
    security: SecurityDescriptor | None
    copy_on_open: bool = False  # the slot holds a client's context, copied when first opened


@dataclass(frozen=True)
class ProcessState:
    object_id: int
    pid: int
    image: str
    token: int  # object id of the primary token
    threads: tuple[ThreadState, ...]
    handles: tuple[HandleState, ...]
    security: SecurityDescriptor | None


@dataclass(frozen=True)
class EventState:
    object_id: int
    name: str | None
    signalled: bool
    security: SecurityDescriptor | None
    refs: tuple[tuple[str, int], ...]


@dataclass(frozen=True)
class ObjectState:
    """A mutex ("Mutant"), semaphore, file or directory: the other objects lessons name.
    ``detail`` says its state in words ("owned by thread 1004", "count 1 of 3",
    "directory")."""

    object_id: int
    object_type: str
    name: str | None
    detail: str
    security: SecurityDescriptor | None
    refs: tuple[tuple[str, int], ...]


OBJECT_TYPES = ("Mutant", "Semaphore", "File", "NamedPipe")  # what the object table holds


def sddl_text(sd: SecurityDescriptor | None, domain: SID | None) -> str:
    """A descriptor as SDDL, "" for none (what snapshots used to store)."""
    if sd is None:
        return ""
    return format_sddl(sd, domain=domain)


def dacl_sddl(acl: ACL | None, domain: SID | None) -> str:
    """A default DACL as SDDL (``D:…``), "" for none."""
    if acl is None:
        return ""
    return format_sddl(SecurityDescriptor(dacl=acl), domain=domain)


# ---------------------------------------------------------------------- tables
_SHIFT = 6  # 64 keys per bucket
_GONE = object()


class Table:
    """An immutable map ``int → value`` iterated in key order.

    Keys are grouped in buckets of 64 consecutive keys; :meth:`updated` copies the
    buckets it changes and the (short) tuple of buckets, and shares every other bucket
    with the table it came from.
    """

    __slots__ = ("_top", "_len", "_values", "_base", "_delta", "__weakref__")

    def __init__(self, top: tuple = (), length: int = 0, base: "Table | None" = None, delta=frozenset()):
        self._top = top      # bucket number → dict key → value (in key order), or None
        self._len = length
        self._values = None  # the values as one tuple, made when first asked for
        # The table this one was made from (weakly: a chain of snapshots must not keep every
        # table alive) and the keys changed since: comparing the two costs the change.
        self._base = weakref.ref(base) if base is not None else None
        self._delta = delta

    @classmethod
    def of(cls, items) -> "Table":
        return EMPTY.updated(dict(items))

    def updated(self, changes: dict) -> "Table":
        """A table with ``changes`` (key → value, or ``_GONE`` to drop the key) applied."""
        if not changes:
            return self
        top = list(self._top)
        length = self._len
        by_bucket: dict[int, list] = {}
        for key, value in changes.items():
            by_bucket.setdefault(key >> _SHIFT, []).append((key, value))
        for i, items in by_bucket.items():
            if i >= len(top):
                top.extend([None] * (i + 1 - len(top)))
            old = top[i]
            bucket = dict(old) if old else {}
            last = next(reversed(bucket)) if bucket else None
            ordered = True
            for key, value in items:
                if value is _GONE:
                    if key in bucket:
                        del bucket[key]
                        length -= 1
                else:
                    if key not in bucket:
                        length += 1
                        if last is not None and key < last:
                            ordered = False
                        last = key if last is None or key > last else last
                    bucket[key] = value
            if not ordered:
                bucket = dict(sorted(bucket.items()))
            top[i] = bucket or None
        while top and top[-1] is None:
            top.pop()
        return Table(tuple(top), length, self, frozenset(changes))

    def get(self, key, default=None):
        i = key >> _SHIFT
        top = self._top
        if 0 <= i < len(top):
            bucket = top[i]
            if bucket is not None:
                return bucket.get(key, default)
        return default

    def __contains__(self, key) -> bool:
        return self.get(key, _GONE) is not _GONE

    def __len__(self) -> int:
        return self._len

    def values(self) -> tuple:
        if self._values is None:
            self._values = tuple(v for b in self._top if b for v in b.values())
        return self._values

    def keys(self):
        return (k for b in self._top if b for k in b)

    def items(self):
        return ((k, v) for b in self._top if b for k, v in b.items())

    def __iter__(self):
        return iter(self.values())

    def changed_keys(self, other: "Table") -> list:
        """The keys, in order, whose value in ``other`` is not the very same object as in
        this table (added, removed or replaced): costs the change when one table was made
        from the other, else the buckets that differ."""
        for old, new in ((self, other), (other, self)):
            if new._base is not None and new._base() is old:  # one was made from the other
                return [k for k in sorted(new._delta) if self.get(k, _GONE) is not other.get(k, _GONE)]
        out = []
        a, b = self._top, other._top
        for i in range(max(len(a), len(b))):
            x = a[i] if i < len(a) else None
            y = b[i] if i < len(b) else None
            if x is y:
                continue
            x, y = x or {}, y or {}
            keys = set(x)
            keys.update(y)
            out += [k for k in sorted(keys) if x.get(k, _GONE) is not y.get(k, _GONE)]
        return out

    def __eq__(self, other) -> bool:
        if not isinstance(other, Table):
            return NotImplemented
        if self._len != other._len or len(self._top) != len(other._top):
            return False
        # Buckets keep key order, so equal contents mean equal iteration.
        return all(x is y or x == y for x, y in zip(self._top, other._top))

    def __hash__(self) -> int:
        return hash(self.values())

    def __repr__(self) -> str:
        return f"Table({dict(self.items())!r})"


EMPTY = Table()


class Names:
    """SID text → account name, sorted by SID text; shared by every snapshot while the set
    of SIDs the machine's objects name stays the same."""

    __slots__ = ("pairs", "map")

    def __init__(self, pairs=()):
        self.pairs: tuple[tuple[str, str], ...] = tuple(pairs)
        self.map: dict[str, str] = dict(self.pairs)

    def __eq__(self, other) -> bool:
        if not isinstance(other, Names):
            return NotImplemented
        return self is other or self.pairs == other.pairs

    def __hash__(self) -> int:
        return hash(self.pairs)

    def __repr__(self) -> str:
        return f"Names({self.pairs!r})"


@dataclass(frozen=True)
class Snapshot:
    """The machine's processes, threads, handles, tokens, events and other objects at one moment.

    ``processes`` (by pid), ``tokens``, ``events`` and ``objects`` (mutexes, semaphores,
    files; by object id) are tuples; ``names``
    maps every SID text in a token or descriptor to its account name; ``domain_sid`` is the
    machine's domain (what DU, DA … stand for in SDDL). Lookups by id are O(1).
    """

    process_table: Table = EMPTY   # pid → ProcessState
    token_table: Table = EMPTY     # object id → TokenState
    event_table: Table = EMPTY     # object id → EventState
    name_table: Names = field(default_factory=Names)
    domain_sid: str = ""
    _by_object: Table = field(default=EMPTY, compare=False, repr=False)  # process/thread object id → pid
    _by_tid: Table = field(default=EMPTY, compare=False, repr=False)     # tid → pid
    object_table: Table = EMPTY    # object id → ObjectState (mutexes, semaphores, files)

    @property
    def processes(self) -> tuple[ProcessState, ...]:
        return self.process_table.values()

    @property
    def tokens(self) -> tuple[TokenState, ...]:
        return self.token_table.values()

    @property
    def events(self) -> tuple[EventState, ...]:
        return self.event_table.values()

    @property
    def names(self) -> tuple[tuple[str, str], ...]:
        """(SID text, account name) for every SID in a token or descriptor, by SID text."""
        return self.name_table.pairs

    @property
    def name_map(self) -> dict[str, str]:
        """``names`` as a dict (shared: do not change it)."""
        return self.name_table.map

    @property
    def domain(self) -> SID | None:
        return SID(self.domain_sid) if self.domain_sid else None

    def sddl(self, sd: SecurityDescriptor | None) -> str:
        """A descriptor of this snapshot as SDDL with the machine's domain aliases ("" for none)."""
        return sddl_text(sd, self.domain)

    def name(self, sid: str) -> str:
        """The account name for a SID string seen in this snapshot, else the SID string."""
        return self.name_table.map.get(sid, sid)

    def token(self, object_id: int) -> TokenState | None:
        return self.token_table.get(object_id)

    def process(self, pid: int) -> ProcessState | None:
        return self.process_table.get(pid)

    def event(self, object_id: int) -> EventState | None:
        return self.event_table.get(object_id)

    @property
    def objects(self) -> tuple[ObjectState, ...]:
        return self.object_table.values()

    def object(self, object_id: int) -> ObjectState | None:
        return self.object_table.get(object_id)

    def thread(self, tid: int) -> ThreadState | None:
        p = self.process_table.get(self._by_tid.get(tid, -1))
        return next((t for t in p.threads if t.tid == tid), None) if p is not None else None

    def owner_of(self, object_id: int) -> ProcessState | None:
        """The process that is, or holds the thread that is, object ``object_id``."""
        return self.process_table.get(self._by_object.get(object_id, -1))


# ---------------------------------------------------------------------- states
_MASK_NAMES: dict = {}


def _granted_names(granted: int, rights) -> str:
    key = (granted, rights)
    text = _MASK_NAMES.get(key)
    if text is None:
        text = _MASK_NAMES[key] = "|".join(mask_names(granted, rights))
    return text


def _handle_states(p) -> tuple[HandleState, ...]:
    return tuple(HandleState(h.value, h.obj.object_id, h.obj.object_type, h.granted,
                             _granted_names(h.granted, h.obj.mapping.rights)) for h in p.handles)


def _thread_state(t) -> ThreadState:
    return ThreadState(t.object_id, t.tid, t.token.object_id if t.token else None, t.security,
                       copy_on_open=t.copy_on_open)


def _process_state(p, handles) -> ProcessState:
    threads = tuple(_thread_state(t) for t in p.threads if t.alive)
    return ProcessState(p.object_id, p.pid, p.image, p.token.object_id, threads, handles, p.security)


def _event_state(e) -> EventState:
    return EventState(e.object_id, e.name, e.signalled, e.security, tuple(sorted(e.refs.items())))


def _object_state(o) -> ObjectState:
    if o.object_type == "Mutant":
        detail = f"owned by thread {o.owner_tid}" if o.owner_tid is not None else "not owned"
    elif o.object_type == "Semaphore":
        detail = f"count {o.count} of {o.maximum}"
    elif o.object_type == "NamedPipe":
        detail = "server end" if o.server else "client end"
    else:
        detail = "directory" if o.directory else f"file, {len(o.data)} byte(s)"
    return ObjectState(o.object_id, o.object_type, o.name, detail, o.security, tuple(sorted(o.refs.items())))


def token_state(t, machine=None) -> TokenState:
    """One token as plain data (what views draw). Without a machine, SIDs in SDDL use no
    domain aliases and there is no logon session to name."""
    session = ""
    if machine is not None:
        s = machine.logon_sessions.get(t.authentication_id)
        if s is not None:
            session = f"{s.logon_type} logon of {machine.sid_name(s.user)} ({s.luid})"
    return TokenState(
        object_id=t.object_id if t.object_id is not None else 0, user=t.user.text,
        token_type=t.token_type.name, level=t.impersonation_level.name, integrity=t.integrity_name,
        owner=t.owner.text, primary_group=t.primary_group.text,
        groups=tuple((g.sid.text, int(g.attributes)) for g in t.groups),
        privileges=tuple((n, int(a)) for n, a in t.privileges.items()),
        restricted_sids=tuple(r.sid.text for r in t.restricted_sids), default_dacl=t.default_dacl,
        token_id=str(t.token_id), authentication_id=str(t.authentication_id), modified_id=str(t.modified_id),
        security=t.security, refs=tuple(sorted(t.refs.items())), origin=t.origin,
        duplicated_from=t.duplicated_from, logon_session=session, restricted=bool(t.restricted_sids),
        integrity_sid=t.integrity_level.text, user_attributes=int(t.user_attributes),
        domain_sid=machine.domain_sid.text if machine is not None else "")


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


_SIDS_OF: dict[int, tuple] = {}  # id(descriptor or ACL) → (it, its SIDs): descriptors are shared values


def _sids_of(value) -> frozenset:
    """The SIDs a descriptor (or a default DACL) names, remembered per value."""
    if value is None:
        return frozenset()
    hit = _SIDS_OF.get(id(value))
    if hit is not None and hit[0] is value:
        return hit[1]
    if len(_SIDS_OF) > 4096:
        _SIDS_OF.clear()
    sd = value if isinstance(value, SecurityDescriptor) else SecurityDescriptor(dacl=value)
    sids = frozenset(_descriptor_sids(sd))
    _SIDS_OF[id(value)] = (value, sids)
    return sids


def _object_sids(obj, state) -> frozenset:
    """The SIDs one live object puts in ``names``: its descriptor's, and a token's own."""
    sids = _sids_of(obj.security)
    if state is not None:  # a token
        sids = sids.union(_token_sids(state), _sids_of(obj.default_dacl))
    return sids - {""} if "" in sids else sids


def _indexes(procs) -> tuple[Table, Table]:
    by_object, by_tid = {}, {}
    for p in procs:
        by_object[p.object_id] = p.pid
        for t in p.threads:
            by_object[t.object_id] = p.pid
            by_tid[t.tid] = p.pid
    return Table.of(by_object), Table.of(by_tid)


# ---------------------------------------------------------------------- building
def full_snapshot(machine) -> Snapshot:
    """The machine's state built from scratch: walks every object (what :func:`snapshot`
    must always equal)."""
    live = machine.live_objects()
    procs = [_process_state(p, _handle_states(p)) for p in machine.processes if p.alive]
    tokens, events, others, sids = {}, {}, {}, set()
    for obj in sorted(live, key=lambda o: o.object_id):
        state = None
        if obj.object_type == "Token":
            state = tokens[obj.object_id] = token_state(obj, machine)
        elif obj.object_type == "Event":
            events[obj.object_id] = _event_state(obj)
        elif obj.object_type in OBJECT_TYPES:
            others[obj.object_id] = _object_state(obj)
        sids |= _object_sids(obj, state)
    names = Names((sid, machine.sid_name(SID(sid))) for sid in sorted(sids))
    by_object, by_tid = _indexes(procs)
    return Snapshot(Table.of((p.pid, p) for p in procs), Table.of(tokens), Table.of(events), names,
                    machine.domain_sid.text, by_object, by_tid, object_table=Table.of(others))


class _Builder:
    """One machine's latest snapshot and what it was made from, updated from the objects
    the machine says changed."""

    def __init__(self):
        self.snap: Snapshot | None = None
        self.key = None
        self.handles: dict[int, tuple[int, tuple]] = {}  # process object id → (table version, states)
        self.threads: dict[int, tuple[int, ...]] = {}    # process object id → object ids of its threads
        self.contrib: dict[int, frozenset] = {}          # object id → SIDs it names
        self.counts: dict[str, int] = {}                 # SID text → objects naming it
        self.sid_names: dict[str, str] = {}

    def rebuild(self, machine) -> Snapshot:
        self.__init__()
        self.key = (len(machine.accounts), machine.domain_sid.text)
        machine.live_objects()  # reap everything once
        take_touched(machine)
        everything = list(machine.objects.values())
        everything += [p for p in machine.processes if machine.objects.get(p.object_id) is not p]
        self.snap = Snapshot(domain_sid=machine.domain_sid.text)
        return self.apply(machine, everything)

    def update(self, machine) -> Snapshot:
        if self.snap is None or self.key != (len(machine.accounts), machine.domain_sid.text):
            return self.rebuild(machine)  # an account added can rename a SID: start again
        touched = take_touched(machine)
        return self.apply(machine, touched) if touched else self.snap

    def apply(self, machine, touched) -> Snapshot:
        snap = self.snap
        objects = machine.objects
        procs, tokens, events, others = {}, {}, {}, {}
        names_changed = False
        for obj in touched:
            live = objects.get(obj.object_id) is obj
            kind = obj.object_type
            state = None
            if kind == "Thread":
                procs[obj.process.object_id] = obj.process
            elif kind == "Process":
                procs[obj.object_id] = obj
            elif kind == "Token":
                if live:
                    state = token_state(obj, machine)
                    old = snap.token_table.get(obj.object_id)
                    if old != state:
                        tokens[obj.object_id] = state
                    else:
                        state = old
                elif obj.object_id in snap.token_table:
                    tokens[obj.object_id] = _GONE
            elif kind == "Event":
                if live:
                    ev = _event_state(obj)
                    if snap.event_table.get(obj.object_id) != ev:
                        events[obj.object_id] = ev
                elif obj.object_id in snap.event_table:
                    events[obj.object_id] = _GONE
            elif kind in OBJECT_TYPES:
                if live:
                    other = _object_state(obj)
                    if snap.object_table.get(obj.object_id) != other:
                        others[obj.object_id] = other
                elif obj.object_id in snap.object_table:
                    others[obj.object_id] = _GONE
            sids = _object_sids(obj, state) if live else frozenset()
            old_sids = self.contrib.get(obj.object_id, frozenset())
            if sids != old_sids:
                names_changed |= self._count(old_sids, sids)
                if sids:
                    self.contrib[obj.object_id] = sids
                else:
                    self.contrib.pop(obj.object_id, None)
        proc_changes, by_object, by_tid = {}, {}, {}
        for p in procs.values():
            old = snap.process_table.get(p.pid)
            if p.alive:
                version = p.handles.version
                cached = self.handles.get(p.object_id)
                if cached is None or cached[0] != version:
                    cached = self.handles[p.object_id] = (version, _handle_states(p))
                state = _process_state(p, cached[1])
                if old is not None and old == state:
                    continue
                proc_changes[p.pid] = state
            elif old is not None:
                proc_changes[p.pid] = _GONE
                self.handles.pop(p.object_id, None)
            else:
                continue
            old_threads = old.threads if old is not None else ()
            new_threads = state.threads if p.alive else ()
            for t in old_threads:
                by_object[t.object_id] = _GONE
                by_tid[t.tid] = _GONE
            by_object[p.object_id] = p.pid if p.alive else _GONE
            for t in new_threads:
                by_object[t.object_id] = p.pid
                by_tid[t.tid] = p.pid
        if not (proc_changes or tokens or events or others or names_changed):
            return snap
        names = snap.name_table
        if names_changed:
            names = Names((sid, self._name(machine, sid)) for sid in sorted(self.counts))
        self.snap = Snapshot(snap.process_table.updated(proc_changes), snap.token_table.updated(tokens),
                             snap.event_table.updated(events), names, snap.domain_sid,
                             snap._by_object.updated(by_object), snap._by_tid.updated(by_tid),
                             object_table=snap.object_table.updated(others))
        return self.snap

    def _count(self, old: frozenset, new: frozenset) -> bool:
        """Move one object's SIDs from ``old`` to ``new``; True if the set of SIDs changed."""
        changed = False
        counts = self.counts
        for sid in old - new:
            n = counts[sid] - 1
            if n:
                counts[sid] = n
            else:
                del counts[sid]
                changed = True
        for sid in new - old:
            n = counts.get(sid, 0)
            counts[sid] = n + 1
            changed |= not n
        return changed

    def _name(self, machine, sid: str) -> str:
        name = self.sid_names.get(sid)
        if name is None:
            name = self.sid_names[sid] = machine.sid_name(SID(sid))
        return name


_BUILDERS: "weakref.WeakKeyDictionary" = weakref.WeakKeyDictionary()


def snapshot(machine) -> Snapshot:
    """The machine's state as plain, comparable data (equal to :func:`full_snapshot`, but
    costing only what changed since this machine's previous snapshot)."""
    builder = _BUILDERS.get(machine)
    if builder is None:
        builder = _BUILDERS[machine] = _Builder()
    return builder.update(machine)
