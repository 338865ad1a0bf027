"""Record facade calls as steps, so a learner can step through them and diff them.

>>> with record(machine) as trace:
...     api.RevertToSelf()
>>> trace.steps[0].call          # 'RevertToSelf()'
>>> trace.steps[0].snapshot      # the machine after the call (plain, comparable data)

While a trace records, the facade tells it when a call begins and ends, and the kernel
hands it the events its rules report (``Machine.report``); the trace keeps them with the
step and asks ``narrate`` for the paragraph a learner reads.
"""
from __future__ import annotations

import contextlib
from dataclasses import dataclass, field

from ..security.descriptor import SecurityDescriptor
from ..security.errors import ComError, WinError
from ..security.sids import SID
from ..win32.api import Api
from .c_twin import c_call
from .calls import format_call, format_result
from ..kernel import events as ev
from .narrate import name_sids, narrate, sentence, sids_by_name, token_text, why_text
from .snapshot import Snapshot, snapshot


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
    narrative_by_name: str = ""  # the same with accounts by name alone ("TOKENLAB\\alice")


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

    def text(self, *, sids: bool = True) -> str:
        """``DuplicateToken(8, SecurityImpersonation)  -> 12`` (``!! error`` when it failed);
        with ``sids=False`` its SIDs by name (:func:`~tokenlab.teaching.narrate.sids_by_name`),
        for reading."""
        line = f"{self.call}  {f'-> {self.result}' if self.ok else f'!! {self.error}'}"
        return line if sids else sids_by_name(line, self.snapshot.name_map)


class Trace:
    """The recorded steps of one machine, plus the state before the first step."""

    def __init__(self, machine, title: str = ""):
        self.machine = machine
        self.title = title
        self.initial = snapshot(machine)
        self.steps: list[Step] = []
        self._reports: list = []
        self._names: dict[str, str] = {}

    # The facade and the kernel report here while a call runs.
    def begin(self) -> None:
        """A facade call starts: forget what the previous one reported."""
        self._reports, self._names = [], {}

    def event(self, report) -> None:
        """A kernel rule reports what it decided (``tokenlab.kernel.events``). Its SIDs are
        named now, while the machine still knows every account and token they belong to."""
        self._reports.append(report)
        for sid in report.sids():
            if sid.text not in self._names:
                self._names[sid.text] = self.machine.sid_name(sid)

    def _check_record(self, report) -> CheckRecord:
        names = self._names
        what = report["what"]
        if not isinstance(what, str):
            what = token_text(what, names)

        def lookup(sid):
            return names.get(sid) or self.machine.sid_name(SID(sid))

        text = str(report["result"])
        return CheckRecord(what, names[report["checker"].text], report["sd"], report["result"],
                           why_text(report["why"]), name_sids(text, lookup), name_sids(text, lookup, sids=False))

    def record(self, thread, name: str, args: tuple, kwargs: dict, result=None, error=None) -> None:
        fn = getattr(Api, name)
        checks, explanation, notes, early = [], [], [], []
        for report in self._reports:
            if report.rule == ev.ACCESS_CHECKED:
                checks.append(self._check_record(report))
            elif report.rule == ev.COPY_ON_OPEN:
                early.append(sentence(report, self._names))
            elif report.rule.startswith("com."):
                explanation.append(sentence(report, self._names))
            else:
                text = sentence(report, self._names)
                if text not in notes:
                    notes.append(text)
        explanation = tuple(explanation)
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
        checks, notes = tuple(checks), tuple(notes)
        self.begin()
        story = narrate(name, thread.tid, before, after, result=res, error=error, notes=notes,
                        checks=checks, explanation=explanation, before_checks=tuple(early))
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

    def table(self, *, sids: bool = True) -> str:
        """One line per call: index, thread, call, outcome. With ``sids=False`` the calls and
        results name their SIDs (:meth:`Step.text`): for reading."""
        return "\n".join(f"{s.index:>2}  [{s.image} t{s.tid}]  {s.text(sids=sids)}" for s in self.steps)

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
