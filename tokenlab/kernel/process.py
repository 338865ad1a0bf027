"""Processes, threads and events: the simulated kernel's other objects.

A process owns a primary token (an internal reference), a handle table and threads. A
thread owns one **token slot**: empty, or one impersonation token. The slot is a single
value, not a stack (docs: SetThreadToken, RevertToSelf).
"""
from __future__ import annotations

from ..security.rights import EVENT_MAPPING, PROCESS_MAPPING, THREAD_MAPPING
from . import events
from .handles import HandleTable
from .objects import KernelObject
from .token import Token


class Process(KernelObject):
    object_type = "Process"
    mapping = PROCESS_MAPPING

    def __init__(self, machine: "tokenlab.kernel.machine.Machine", pid: int, image: str, token: Token, **kw):
        super().__init__(name=image, **kw)
        self.machine = machine
        self.pid = pid
        self.image = image
        self.token = token  # primary token (internal reference)
        token.add_ref("primary token")
        self.handles = HandleTable(self)
        self.threads: list[Thread] = []

    @property
    def main_thread(self) -> "Thread":
        return self.threads[0]

    @property
    def label(self) -> str:
        return f"{self.image} (pid {self.pid})"

    def __repr__(self) -> str:
        return f"<Process {self.image} pid={self.pid} user={self.token.user.name or self.token.user}>"


class Thread(KernelObject):
    object_type = "Thread"
    mapping = THREAD_MAPPING

    def __init__(self, process: Process, tid: int, **kw):
        super().__init__(**kw)
        self.process = process
        self.tid = tid
        self.token: Token | None = None  # the one token slot
        self.copy_on_open = False  # the slot holds a client's context, copied when first opened
        self.last_error = 0
        self._api = None

    @property
    def machine(self) -> "tokenlab.kernel.machine.Machine":
        return self.process.machine

    @property
    def effective_token(self) -> Token:
        """The impersonation token if the thread has one, else the process's primary token."""
        return self.token if self.token is not None else self.process.token

    @property
    def impersonating(self) -> bool:
        return self.token is not None

    def set_token(self, token: Token | None, *, copy_on_open: bool = False, quiet: bool = False) -> None:
        """Fill or clear the slot (the only place the slot changes). The slot holds one
        token: what it held before is released, not remembered. ``copy_on_open`` marks a
        client's context (kernel.srm.thread_token_to_open); ``quiet`` is for a rule that
        reports the change itself."""
        old = self.token
        m = self.machine
        if quiet:
            pass
        elif old is not None and old is not token:
            if token is None:
                m.report(events.SLOT_EMPTIED, tid=self.tid, old=events.TokenRef.of(old),
                         process_user=self.process.token.user)
            else:
                m.report(events.SLOT_REPLACED, new=events.TokenRef.of(token), old=events.TokenRef.of(old))
        elif old is None and token is None:
            m.report(events.SLOT_ALREADY_EMPTY, tid=self.tid, process_user=self.process.token.user)
        if token is not None:
            token.add_ref("thread token")
        self.token = token
        self.copy_on_open = bool(copy_on_open and token is not None)
        if old is not None:
            old.release("thread token")

    # The facade's class, registered by tokenlab.win32 (the kernel cannot import the room
    # above it); ``import tokenlab`` always loads it.
    api_factory = None

    @property
    def api(self):
        """The Win32 facade (:class:`tokenlab.win32.api.Api`) with this thread as the current thread."""
        if self._api is None:
            if Thread.api_factory is None:
                raise RuntimeError("the Win32 facade is not loaded: import tokenlab.win32 first")
            self._api = Thread.api_factory(self)
        return self._api

    @property
    def label(self) -> str:
        return f"thread {self.tid}"

    def __repr__(self) -> str:
        slot = "empty" if self.token is None else repr(self.token)
        return f"<Thread tid={self.tid} of {self.process.image} token slot: {slot}>"


class Event(KernelObject):
    """An event: the plain "any object" for lessons about new-object security."""

    object_type = "Event"
    mapping = EVENT_MAPPING

    def __init__(self, manual_reset: bool, signalled: bool, **kw):
        super().__init__(**kw)
        self.manual_reset = bool(manual_reset)
        self.signalled = bool(signalled)
