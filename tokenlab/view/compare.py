"""Two recorded runs side by side: which steps correspond, and what differs.

Two runs of one story make mostly the same calls: ``duplicated_token()`` and
``duplicated_token(fixed=True)`` differ by one extra ``GetSecurityInfo`` and by
``DuplicateToken`` becoming ``DuplicateTokenEx``. :func:`align` pairs their steps the way
``diff`` pairs lines (``difflib.SequenceMatcher`` on the call names); inside a block that
changed, a call pairs with the most similar name (``DuplicateToken`` ↔ ``DuplicateTokenEx``)
and a call with no counterpart faces a gap. :func:`compare_table` is the text twin of the
side-by-side widget (``tokenlab.ui.Compare``).

Every row has a kind:

=========  ==============================================================
``same``     both runs made this call, on the same thread, with the same outcome
``differs``  both made a corresponding call; its text, thread or outcome differs
``a_only``   only run A made this call (run B has a gap here)
``b_only``   only run B made this call
=========  ==============================================================
"""
from __future__ import annotations

from dataclasses import dataclass
from difflib import SequenceMatcher

from .text import visible

__all__ = ["Row", "align", "compare_table", "KIND_TEXT"]

KIND_TEXT = {"same": "same", "differs": "differs", "a_only": "A only", "b_only": "B only"}

# Two names this similar (SequenceMatcher.ratio) pair up inside a changed block.
_SIMILAR = 0.6


@dataclass(frozen=True)
class Row:
    """One aligned position: a step index in each run (None for a gap) and how they compare."""

    a: int | None
    b: int | None
    kind: str  # "same", "differs", "a_only", "b_only"


def _key(step) -> tuple:
    """What must agree for two corresponding steps to count as the same."""
    return (step.image, step.tid, step.call, step.result, step.error)


def _kind(step_a, step_b) -> str:
    if step_a is None:
        return "b_only"
    if step_b is None:
        return "a_only"
    return "same" if _key(step_a) == _key(step_b) else "differs"


def _pair_block(names_a: list[str], names_b: list[str]) -> list[tuple[int | None, int | None]]:
    """Order-preserving pairs inside a changed block: the most total name similarity,
    counting only pairs at least ``_SIMILAR`` alike; everything else faces a gap."""
    n, m = len(names_a), len(names_b)
    sim = [[SequenceMatcher(None, a, b).ratio() for b in names_b] for a in names_a]
    best = [[0.0] * (m + 1) for _ in range(n + 1)]
    for i in range(n - 1, -1, -1):
        for j in range(m - 1, -1, -1):
            pair = best[i + 1][j + 1] + sim[i][j] if sim[i][j] >= _SIMILAR else -1.0
            best[i][j] = max(pair, best[i + 1][j], best[i][j + 1])
    out: list[tuple[int | None, int | None]] = []
    i = j = 0
    while i < n and j < m:
        if sim[i][j] >= _SIMILAR and best[i][j] == best[i + 1][j + 1] + sim[i][j]:
            out.append((i, j))
            i, j = i + 1, j + 1
        elif best[i][j] == best[i + 1][j]:
            out.append((i, None))
            i += 1
        else:
            out.append((None, j))
            j += 1
    out += [(k, None) for k in range(i, n)] + [(None, k) for k in range(j, m)]
    return out


def align(trace_a, trace_b) -> list[Row]:
    """The two traces' steps, paired: one :class:`Row` per position of the side-by-side view."""
    steps_a, steps_b = list(trace_a.steps), list(trace_b.steps)
    names_a, names_b = [s.name for s in steps_a], [s.name for s in steps_b]
    pairs: list[tuple[int | None, int | None]] = []
    matcher = SequenceMatcher(None, names_a, names_b, autojunk=False)
    for op, i1, i2, j1, j2 in matcher.get_opcodes():
        if op == "equal":
            pairs += list(zip(range(i1, i2), range(j1, j2)))
        else:  # replace, delete, insert: pair what is alike, gap the rest
            pairs += [(None if i is None else i1 + i, None if j is None else j1 + j)
                      for i, j in _pair_block(names_a[i1:i2], names_b[j1:j2])]
    return [Row(i, j, _kind(steps_a[i] if i is not None else None, steps_b[j] if j is not None else None))
            for i, j in pairs]


def step_text(step, *, sids: bool = True) -> str:
    """``[svc.exe t1004] DuplicateToken(8, SecurityImpersonation)  -> 12``, one line; with
    ``sids=False`` its SIDs by name (``<TOKENLAB\\alice>``, :meth:`~tokenlab.teaching.trace.Step.text`)."""
    return visible(f"[{step.image} t{step.tid}] {step.text(sids=sids)}")


def compare_table(trace_a, trace_b, *, titles: tuple[str, str] | None = None, sids: bool = True) -> str:
    """The aligned runs as text: one line per row; rows that differ show both runs' calls.

    ``row`` counts positions, ``A``/``B`` are each run's step index (``-`` for a gap). With
    ``sids=False`` the calls and results give SIDs by name, for reading (they no longer run).
    """
    title_a, title_b = titles or (trace_a.title or "run A", trace_b.title or "run B")
    rows = align(trace_a, trace_b)
    lines = [f"A: {visible(title_a)}", f"B: {visible(title_b)}", ""]
    if not rows:
        return "\n".join(lines + ["(neither run made a call)"])
    lines.append("row   A   B  what     call")
    for k, row in enumerate(rows):
        head = (f"{k:>3}  {'-' if row.a is None else row.a:>2}  {'-' if row.b is None else row.b:>2}"
                f"  {KIND_TEXT[row.kind]:<7}")
        if row.kind == "same":
            lines.append(f"{head}  {step_text(trace_a.steps[row.a], sids=sids)}")
            continue
        sides = [("A", trace_a, row.a), ("B", trace_b, row.b)]
        present = [(name, t.steps[i]) for name, t, i in sides if i is not None]
        for n, (name, step) in enumerate(present):
            lines.append(f"{head if n == 0 else ' ' * len(head)}  {name} {step_text(step, sids=sids)}")
    return "\n".join(lines)
