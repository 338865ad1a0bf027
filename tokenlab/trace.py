"""Record facade calls as snapshots, so a learner can step through them and diff them.

>>> with record(machine) as trace:
...     api.RevertToSelf()
>>> trace.steps[0].call          # 'RevertToSelf()'
>>> trace.steps[0].snapshot      # the machine after the call (plain, comparable data)

A :class:`Snapshot` is made of frozen dataclasses holding strings, ints and tuples only:
two snapshots of the same state compare equal, on any machine, in any run.
"""
from __future__ import annotations

import contextlib
import enum
import inspect
from dataclasses import dataclass, field

from .acl import SecurityDescriptor
from .errors import ComError, WinError
from .handles import PSEUDO_HANDLES
from .rights import GenericMapping, mask_names
from .sids import SID


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
    from .sddl import format_sddl

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


# ---------------------------------------------------------------------- recording
@dataclass(frozen=True)
class CheckRecord:
    """One access check a call made, kept so a view can draw it (descriptor graph + result)."""

    what: str            # the object checked, e.g. "Token#4 (TOKENLAB\\alice)"
    checker: str         # whose token was checked, e.g. "NT AUTHORITY\\NETWORK SERVICE"
    sd: SecurityDescriptor
    result: object       # AccessCheckResult
    why: str = ""        # which rule chose that token, e.g. "OpenAsSelf=TRUE: the process token"
    narrative: str = ""  # str(result) with account SIDs named ("TOKENLAB\\alice (S-1-5-21-…)")


@dataclass(frozen=True)
class Step:
    """One recorded facade call."""

    index: int
    tid: int
    image: str
    name: str
    call: str  # Python text of the call, pseudo-handles and masks by name
    args: tuple
    result: str | None
    error: str | None  # e.g. "ERROR_ACCESS_DENIED (5)" or "E_ACCESSDENIED (0x80070005)"
    error_code: int | None
    snapshot: Snapshot = field(compare=False, repr=False)
    explanation: tuple[str, ...] = ()
    narration: str = ""  # one paragraph: what the call did and which rule decided it
    c_call: str = ""     # the same call as C, to run on a real Windows machine
    checks: tuple = field(default=(), compare=False, repr=False)  # CheckRecords of access checks it made

    @property
    def ok(self) -> bool:
        return self.error is None


def _constant_names() -> dict[str, dict[int, str]]:
    """Which constant family names an int argument, by parameter name (C's headers)."""
    from . import constants as C
    from .com import CLSID_Something, IID_IUnknown

    def family(prefix: str, *, exclude: tuple = ()) -> dict[int, str]:
        return {v: k for k, v in vars(C).items()
                if k.startswith(prefix) and isinstance(v, int) and not k.startswith(exclude)}

    info = {v: k for k, v in vars(C).items() if k.endswith("_SECURITY_INFORMATION") and isinstance(v, int)}
    return {
        "dwLogonType": family("LOGON32_LOGON_"),
        "dwLogonProvider": family("LOGON32_PROVIDER_"),
        "ObjectType": {v: k for k, v in vars(C).items() if k.startswith("SE_") and k.endswith(("_OBJECT", "_KEY", "_SERVICE", "_PRINTER", "_LMSHARE", "_OBJECT_TYPE"))},
        "SecurityInfo": info, "RequestedInformation": info, "SecurityInformation": info,
        "dwClsContext": family("CLSCTX_", exclude=("CLSCTX_ALL",)),
        "TokenInformationClass": dict(C.TOKEN_INFORMATION_CLASS_NAMES),
        "dwOptions": family("DUPLICATE_"),
        "Flags": family("DISABLE_MAX_PRIVILEGE") | family("SANDBOX_INERT"),
        "rclsid": {CLSID_Something: "CLSID_Something"},
        "riid": {IID_IUnknown: "IID_IUnknown"},
    }


_NAMES: dict[str, dict] | None = None


def _flag_text(value: int, table: dict[int, str]) -> str | None:
    if value in table:
        return table[value]
    parts, rest = [], value
    for v, n in sorted(table.items()):
        if v and v & (v - 1) == 0 and rest & v:
            parts.append(n)
            rest &= ~v
    return "|".join(parts) if parts and not rest else None


def format_arg(name: str, value) -> str:
    """Readable text for one argument: pseudo-handles, masks, levels and the constant
    families of C's headers (LOGON32_*, SE_KERNEL_OBJECT, *_SECURITY_INFORMATION …) by name."""
    global _NAMES
    if _NAMES is None:
        _NAMES = _constant_names()
    table = _NAMES.get(name)
    if table is not None and isinstance(value, (int, str)) and not isinstance(value, bool):
        text = table.get(value) if isinstance(value, str) else _flag_text(int(value), table)
        if text is not None:
            return text
    if isinstance(value, int) and not isinstance(value, bool) and value in PSEUDO_HANDLES and (
            "andle" in name or name in ("hToken", "Thread", "Token", "handle", "hObject", "ClientToken")):
        return PSEUDO_HANDLES[value][:-2] + "()"
    if isinstance(value, enum.IntFlag):
        names = mask_names(int(value), type(value))
        return "|".join(names) if names else "0"
    if isinstance(value, enum.IntEnum):
        return value.name
    if isinstance(value, SecurityDescriptor):
        return f"SecurityDescriptor.from_sddl({value.to_sddl()!r})"
    if isinstance(value, GenericMapping):
        return _mapping_name(value)
    if isinstance(value, SID):
        return repr(value)
    if type(value).__name__ == "SECURITY_ATTRIBUTES":
        return f"SECURITY_ATTRIBUTES({format_arg('sd', value.lpSecurityDescriptor)}, {value.bInheritHandle})"
    return repr(value)


def _mapping_name(mapping: GenericMapping) -> str:
    """``FILE_MAPPING`` for the library's mappings; the dataclass repr for one a learner made."""
    from . import rights

    for n, v in vars(rights).items():
        if n.endswith("_MAPPING") and v == mapping:
            return n
    return repr(mapping)


def format_call(fn, name: str, args: tuple, kwargs: dict) -> str:
    try:
        params = list(inspect.signature(fn).parameters)[1:]
    except (TypeError, ValueError):  # pragma: no cover
        params = []
    parts = [format_arg(params[i] if i < len(params) else "", a) for i, a in enumerate(args)]
    parts += [f"{k}={format_arg(k, v)}" for k, v in kwargs.items()]
    return f"{name}({', '.join(parts)})"


def format_result(result) -> str:
    if isinstance(result, tuple):
        return "(" + ", ".join(format_result(r) for r in result) + ("," if len(result) == 1 else "") + ")"
    if isinstance(result, (enum.IntFlag, enum.IntEnum)):
        return format_arg("", result)
    return repr(result)


class Trace:
    """The recorded steps of one machine, plus the state before the first step."""

    def __init__(self, machine, title: str = ""):
        self.machine = machine
        self.title = title
        self.initial = snapshot(machine)
        self.steps: list[Step] = []
        self._notes: list[str] = []
        self._checks: list[CheckRecord] = []

    # The machine's rules report here while a call runs (Machine.note, open_check).
    def begin(self) -> None:
        """A facade call starts: forget what the previous one noted."""
        self._notes, self._checks = [], []

    def note(self, text: str) -> None:
        if text not in self._notes:
            self._notes.append(text)

    def note_check(self, obj, token, result, why: str = "", *, sd=None) -> None:
        """Keep an access check the call made: ``obj`` is the object (or a label for it)."""
        m = self.machine
        if isinstance(obj, str):
            what = obj
        else:
            what = obj.label
            if getattr(obj, "object_type", "") == "Token":
                what = m.describe(obj)
            sd = obj.security if sd is None else sd
        from .narrate import name_sids

        narrative = name_sids(str(result), lambda sid: m.sid_name(SID(sid)))
        self._checks.append(CheckRecord(what, m.sid_name(token.user), sd, result, why, narrative))

    def record(self, thread, name: str, args: tuple, kwargs: dict, result=None, error=None) -> None:
        from .facade import Api

        from .ctwin import c_call
        from .narrate import narrate

        fn = getattr(Api, name)
        explanation = ()
        if name == "CoCreateInstance" and self.machine.com.last_activation is not None:
            explanation = tuple(self.machine.com.last_activation.steps)
        before = self.steps[-1].snapshot if self.steps else self.initial
        after = snapshot(self.machine)
        if error is not None:
            if isinstance(error, WinError):
                err, code = f"{error.name} ({error.winerror})", error.winerror
            elif isinstance(error, ComError):
                err, code = f"{error.name} (0x{error.hresult:08X})", error.hresult
            else:  # pragma: no cover
                err, code = type(error).__name__, None
            res = None
        else:
            err, code, res = None, None, format_result(result)
        checks, notes = tuple(self._checks), tuple(self._notes)
        self.begin()
        story = narrate(name, thread.tid, before, after, result=res, error=error, notes=notes,
                        checks=checks, explanation=explanation)
        c_text = c_call(fn, name, args, kwargs, result, error)
        self.steps.append(Step(len(self.steps), thread.tid, thread.process.image, name,
                               format_call(fn, name, args, kwargs), tuple(args), res, err, code,
                               after, explanation, story, c_text, checks))

    def snapshots(self) -> list[Snapshot]:
        """The state before the first step, then after each step."""
        return [self.initial] + [s.snapshot for s in self.steps]

    def __len__(self) -> int:
        return len(self.steps)

    def __getitem__(self, i) -> Step:
        return self.steps[i]

    def __iter__(self):
        return iter(self.steps)

    def table(self) -> str:
        """One line per call: index, thread, call, outcome."""
        lines = []
        for s in self.steps:
            outcome = f"-> {s.result}" if s.ok else f"!! {s.error}"
            lines.append(f"{s.index:>2}  [{s.image} t{s.tid}]  {s.call}  {outcome}")
        return "\n".join(lines)

    def __repr__(self) -> str:
        return f"<Trace {self.title!r}: {len(self.steps)} call(s)>"


@contextlib.contextmanager
def record(machine, title: str = ""):
    """Record every facade call on ``machine`` inside the ``with`` block."""
    if machine.tracer is not None:
        raise RuntimeError("this machine is already recording")
    trace = Trace(machine, title)
    machine.tracer = trace
    try:
        yield trace
    finally:
        machine.tracer = None
