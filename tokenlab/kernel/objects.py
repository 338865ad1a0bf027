"""The kernel-object header shared by every securable object: type, name, security
descriptor and reference count.

Objects are identities (mutable, compared by identity) with a stable ``object_id``
assigned by the machine that creates them. A reference is a handle or an internal
pointer (a process's primary token, a thread's token slot); an object dies when its last
reference goes.
"""
from __future__ import annotations

from typing import ClassVar

from ..security.descriptor import SecurityDescriptor
from ..security.rights import GenericMapping, StandardAccess


class KernelObject:
    """Base of tokens, processes, threads and events."""

    object_type: ClassVar[str] = "Object"
    mapping: ClassVar[GenericMapping] = GenericMapping("Object", 0x20000, 0x20000, 0x20000, 0x1F0000, StandardAccess)

    def __init__(self, *, name: str | None = None, security: SecurityDescriptor | None = None,
                 object_id: int | None = None):
        self.name = name
        self.security = security
        self.object_id = object_id
        self.refs: dict[str, int] = {}  # reason -> count ("handle", "primary token", "thread token")
        self.alive = True

    @property
    def ref_count(self) -> int:
        return sum(self.refs.values())

    def add_ref(self, reason: str) -> None:
        self.refs[reason] = self.refs.get(reason, 0) + 1

    def release(self, reason: str) -> bool:
        """Drop one reference; return True if the object died."""
        n = self.refs.get(reason, 0)
        if n <= 0:
            raise RuntimeError(f"release without reference ({reason}) on {self!r}")
        if n == 1:
            del self.refs[reason]
        else:
            self.refs[reason] = n - 1
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
