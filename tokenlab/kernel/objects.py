"""The kernel-object header shared by every securable object: type, name, security
descriptor and reference count.

Objects are identities (mutable, compared by identity) with a stable ``object_id``
assigned by the machine that creates them. A reference is a handle or an internal
pointer (a process's primary token, a thread's token slot); an object dies when its last
reference goes.

Change tracking: a machine *watches* the objects it registers (:meth:`KernelObject.watch`):
setting any attribute, a reference change, or :meth:`KernelObject.touch` (for changes made in
place, e.g. a handle table) puts the object in the machine's ``touched`` set. Whoever reads
the machine (``tokenlab.teaching.snapshot``) takes that set and revisits only those objects.
"""
from __future__ import annotations

from typing import ClassVar

from ..security.descriptor import SecurityDescriptor
from ..security.rights import GenericMapping, StandardAccess


class KernelObject:
    """Base of tokens, processes, threads and events."""

    object_type: ClassVar[str] = "Object"
    mapping: ClassVar[GenericMapping] = GenericMapping("Object", 0x20000, 0x20000, 0x20000, 0x1F0000, StandardAccess)

    _touched: set | None = None  # the watching machine's set of changed objects

    def __init__(self, *, name: str | None = None, security: SecurityDescriptor | None = None,
                 object_id: int | None = None):
        self.name = name
        self.security = security
        self.object_id = object_id
        self.refs: dict[str, int] = {}  # reason -> count ("handle", "primary token", "thread token")
        self.alive = True

    def __setattr__(self, name: str, value) -> None:
        object.__setattr__(self, name, value)
        touched = self._touched
        if touched is not None:
            touched.add(self)

    def watch(self, touched: set) -> None:
        """Report every later change of this object into ``touched`` (and count it changed now)."""
        object.__setattr__(self, "_touched", touched)
        touched.add(self)

    def touch(self) -> None:
        """Say the object changed in a way no attribute assignment shows (an in-place change)."""
        touched = self._touched
        if touched is not None:
            touched.add(self)

    @property
    def ref_count(self) -> int:
        return sum(self.refs.values())

    def add_ref(self, reason: str) -> None:
        self.refs[reason] = self.refs.get(reason, 0) + 1
        self.touch()

    def release(self, reason: str) -> bool:
        """Drop one reference; return True if the object died."""
        n = self.refs.get(reason, 0)
        if n <= 0:
            raise RuntimeError(f"release without reference ({reason}) on {self!r}")
        if n == 1:
            del self.refs[reason]
        else:
            self.refs[reason] = n - 1
        self.touch()
        if not self.refs:
            self.alive = False
            return True
        return False

    @property
    def label(self) -> str:
        """A short stable name for views: ``Token#3`` or the object's name."""
        ident = f"#{self.object_id}" if self.object_id is not None else ""
        return f"{self.object_type}{ident}" + (f" {self.name!r}" if self.name else "")

    def __repr__(self) -> str:
        return f"<{self.label}>"


def take_touched(machine) -> list[KernelObject]:
    """The objects ``machine`` watched change since the last call, and forget them.

    Among them, an object with no reference left is reaped by :func:`reap`, so a reader that follows
    changes never walks the whole machine. Every object that can need reaping is here: it
    was touched when it was registered or when it lost a reference.
    """
    touched = machine.touched
    if not touched:
        return []
    objs = list(touched)
    touched.clear()
    reap(machine, objs)
    return objs


def reap(machine, candidates) -> int:
    """Forget each of ``candidates`` that has no reference left (one made and never
    referenced, too): out of ``machine.objects`` and the namespace. Returns how many went."""
    objects, namespace = machine.objects, machine.namespace
    gone = 0
    for obj in candidates:
        if (not obj.alive or not obj.refs) and objects.get(obj.object_id) is obj:
            del objects[obj.object_id]
            object.__setattr__(obj, "alive", False)
            if obj.name is not None and namespace.get(obj.name) is obj:
                del namespace[obj.name]
            gone += 1
    return gone
