"""Facade calls about named synchronisation objects: CreateEvent, CreateEventEx, OpenEvent,
CreateMutex, OpenMutex, ReleaseMutex, CreateSemaphore, OpenSemaphore, ReleaseSemaphore.

Creating and opening by name is one kernel rule for all three types,
:func:`tokenlab.kernel.sync.create_or_open` (and :func:`~tokenlab.kernel.sync.open_named`):
unnamed objects get no descriptor, named ones their creator's defaults; an existing name
is opened (with ERROR_ALREADY_EXISTS) or, held by another type, refused.
"""
from __future__ import annotations

from ..kernel import sync
from ..kernel.process import Event
from ..security.errors import ErrorCode, WinError
from . import constants as C
from .base import ApiBase, _bool, _handle, _int, _mask, _sa, win32


def _name(value, param: str, optional: bool) -> str | None:
    if value is None and optional:
        return None
    if not isinstance(value, str):
        raise TypeError(f"{param} must be str{' or None' if optional else ''}, got {type(value).__name__}")
    return value


class SyncCalls(ApiBase):
    """Events, mutexes and semaphores."""

    def _create(self, cls, attributes, name, access: int, **state) -> int:
        sd, inherit = _sa(attributes)
        obj, granted, existed = sync.create_or_open(self.machine, self.thread, cls, sd, name, access, **state)
        if existed:
            self._pending_error = ErrorCode.ERROR_ALREADY_EXISTS
        return self._new_handle(obj, granted, inherit)

    def _open_named(self, object_type: str, dwDesiredAccess, bInheritHandle, lpName) -> int:
        desired = _mask(dwDesiredAccess, "dwDesiredAccess")
        inherit = _bool(bInheritHandle, "bInheritHandle")
        name = _name(lpName, "lpName", optional=False)
        obj, granted = sync.open_named(self.machine, self.thread, object_type, name, desired)
        return self._new_handle(obj, granted, inherit)

    # ---------------------------------------------------------------- events
    @win32
    def CreateEvent(self, lpEventAttributes, bManualReset, bInitialState, lpName) -> int:
        manual, initial = _bool(bManualReset, "bManualReset"), _bool(bInitialState, "bInitialState")
        name = _name(lpName, "lpName", optional=True)
        return self._create(Event, lpEventAttributes, name, C.EVENT_ALL_ACCESS, manual_reset=manual, signalled=initial)

    @win32
    def CreateEventEx(self, lpEventAttributes, lpName, dwFlags, dwDesiredAccess) -> int:
        """CreateEvent with flags (CREATE_EVENT_MANUAL_RESET, CREATE_EVENT_INITIAL_SET) and
        the access the handle gets: exactly ``dwDesiredAccess`` (docs CreateEventEx)."""
        name = _name(lpName, "lpName", optional=True)
        flags = _int(dwFlags, "dwFlags")
        desired = _mask(dwDesiredAccess, "dwDesiredAccess")
        if flags & ~(C.CREATE_EVENT_MANUAL_RESET | C.CREATE_EVENT_INITIAL_SET):
            raise WinError(ErrorCode.ERROR_INVALID_PARAMETER, f"dwFlags {flags:#x} has bits CreateEventEx does not define.")
        return self._create(Event, lpEventAttributes, name, desired,
                            manual_reset=bool(flags & C.CREATE_EVENT_MANUAL_RESET),
                            signalled=bool(flags & C.CREATE_EVENT_INITIAL_SET))

    @win32
    def OpenEvent(self, dwDesiredAccess, bInheritHandle, lpName) -> int:
        return self._open_named("Event", dwDesiredAccess, bInheritHandle, lpName)

    # ---------------------------------------------------------------- mutexes
    @win32
    def CreateMutex(self, lpMutexAttributes, bInitialOwner, lpName) -> int:
        """A new mutex, owned by the calling thread when ``bInitialOwner`` (ignored when the
        name already exists: that mutex is opened instead, docs CreateMutex)."""
        owner = _bool(bInitialOwner, "bInitialOwner")
        name = _name(lpName, "lpName", optional=True)
        return self._create(sync.Mutant, lpMutexAttributes, name, C.MUTEX_ALL_ACCESS,
                            owner_tid=self.thread.tid if owner else None)

    @win32
    def OpenMutex(self, dwDesiredAccess, bInheritHandle, lpName) -> int:
        return self._open_named("Mutant", dwDesiredAccess, bInheritHandle, lpName)

    @win32
    def ReleaseMutex(self, hMutex) -> bool:
        """Needs no access right on the handle (Wine test sync.c test_mutex releases through
        handles opened with any single right); a thread that does not own the mutex gets
        ERROR_NOT_OWNER."""
        mutant, _ = self._lookup(_handle(hMutex, "hMutex"), ("Mutant",), 0)
        sync.release_mutant(mutant, self.thread)
        return True

    # ---------------------------------------------------------------- semaphores
    @win32
    def CreateSemaphore(self, lpSemaphoreAttributes, lInitialCount, lMaximumCount, lpName) -> int:
        initial, maximum = _int(lInitialCount, "lInitialCount"), _int(lMaximumCount, "lMaximumCount")
        name = _name(lpName, "lpName", optional=True)
        sync.check_semaphore_counts(initial, maximum)
        return self._create(sync.Semaphore, lpSemaphoreAttributes, name, C.SEMAPHORE_ALL_ACCESS,
                            count=initial, maximum=maximum)

    @win32
    def OpenSemaphore(self, dwDesiredAccess, bInheritHandle, lpName) -> int:
        return self._open_named("Semaphore", dwDesiredAccess, bInheritHandle, lpName)

    @win32
    def ReleaseSemaphore(self, hSemaphore, lReleaseCount) -> int:
        """Returns lpPreviousCount. Needs SEMAPHORE_MODIFY_STATE (docs ReleaseSemaphore)."""
        count = _int(lReleaseCount, "lReleaseCount")
        sem, _ = self._lookup(_handle(hSemaphore, "hSemaphore"), ("Semaphore",), C.SEMAPHORE_MODIFY_STATE)
        return sync.release_semaphore(sem, count)
