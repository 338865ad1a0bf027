"""Per-process handle tables.

A handle is a small integer (4, 8, 12 …) naming an object *and the access granted when it
was opened*. The access check happens once, at open time; later calls only compare the
handle's granted mask with the right they need. That is why a handle opened while
impersonating keeps working after ``RevertToSelf``.

Values are deterministic: the lowest free multiple of 4, like Windows' handle table
reusing freed entries. Insertion is O(1) amortised (a heap of freed values below a
high-water mark), and iterating a table that did not change since it was last iterated
costs no sort.
"""
from __future__ import annotations

import heapq
from dataclasses import dataclass

from .objects import KernelObject

# Pseudo-handles (docs: GetCurrentProcess, GetCurrentThread, GetCurrentProcessToken,
# GetCurrentThreadToken, GetCurrentThreadEffectiveToken). They name "whatever is current
# when used" and live in no table.
CURRENT_PROCESS = -1
CURRENT_THREAD = -2
CURRENT_PROCESS_TOKEN = -4
CURRENT_THREAD_TOKEN = -5
CURRENT_THREAD_EFFECTIVE_TOKEN = -6
PSEUDO_HANDLES = {
    CURRENT_PROCESS: "GetCurrentProcess()",
    CURRENT_THREAD: "GetCurrentThread()",
    CURRENT_PROCESS_TOKEN: "GetCurrentProcessToken()",
    CURRENT_THREAD_TOKEN: "GetCurrentThreadToken()",
    CURRENT_THREAD_EFFECTIVE_TOKEN: "GetCurrentThreadEffectiveToken()",
}


@dataclass
class Handle:
    value: int
    obj: KernelObject
    granted: int
    inherit: bool = False


class HandleTable:
    """One process's handles: value → :class:`Handle`.

    ``owner`` (the process) is told of every insert and remove (:meth:`KernelObject.touch`);
    ``version`` counts them, so a reader can keep what it built from an unchanged table.
    """

    def __init__(self, owner: KernelObject | None = None):
        self._entries: dict[int, Handle] = {}  # in value order whenever _ordered
        self._free: list[int] = []             # heap of freed values below _next
        self._next = 4                         # the lowest value never used
        self._ordered = True
        self._view: tuple[Handle, ...] | None = ()  # the handles in value order, until a change
        self.owner = owner
        self.version = 0

    def _changed(self) -> None:
        self.version += 1
        self._view = None
        if self.owner is not None:
            self.owner.touch()

    def insert(self, obj: KernelObject, granted: int, inherit: bool = False) -> Handle:
        if self._free:
            value = heapq.heappop(self._free)
            if self._entries and value < next(reversed(self._entries)):
                self._ordered = False  # a reused value lands after higher ones in the dict
        else:
            value = self._next
            self._next += 4
        h = Handle(value, obj, int(granted), bool(inherit))
        self._entries[value] = h
        obj.add_ref("handle")
        self._changed()
        return h

    def get(self, value: int) -> Handle | None:
        return self._entries.get(value)

    def remove(self, value: int) -> Handle:
        h = self._entries.pop(value)
        heapq.heappush(self._free, value)
        h.obj.release("handle")
        self._changed()
        return h

    def __iter__(self):
        return iter(self.handles())

    def handles(self) -> tuple[Handle, ...]:
        """The handles in value order (kept until the table changes: a copy, safe to close
        handles while walking it)."""
        if self._view is None:
            if not self._ordered:
                self._entries = dict(sorted(self._entries.items()))
                self._ordered = True
            self._view = tuple(self._entries.values())
        return self._view

    def __len__(self) -> int:
        return len(self._entries)

    def __contains__(self, value) -> bool:
        return value in self._entries
