"""Per-process handle tables.

A handle is a small integer (4, 8, 12 …) naming an object *and the access granted when it
was opened*. The access check happens once, at open time; later calls only compare the
handle's granted mask with the right they need. That is why a handle opened while
impersonating keeps working after ``RevertToSelf``.

Values are deterministic: the lowest free multiple of 4, like Windows' handle table
reusing freed entries.
"""
from __future__ import annotations

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
    """One process's handles: value → :class:`Handle`."""

    def __init__(self):
        self._entries: dict[int, Handle] = {}

    def insert(self, obj: KernelObject, granted: int, inherit: bool = False) -> Handle:
        value = 4
        while value in self._entries:
            value += 4
        h = Handle(value, obj, int(granted), bool(inherit))
        self._entries[value] = h
        obj.add_ref("handle")
        return h

    def get(self, value: int) -> Handle | None:
        return self._entries.get(value)

    def remove(self, value: int) -> Handle:
        h = self._entries.pop(value)
        h.obj.release("handle")
        return h

    def __iter__(self):
        return iter(sorted(self._entries.values(), key=lambda h: h.value))

    def __len__(self) -> int:
        return len(self._entries)

    def __contains__(self, value) -> bool:
        return value in self._entries
