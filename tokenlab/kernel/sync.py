"""Named synchronisation objects: events, mutexes ("Mutant" objects) and semaphores.

One rule creates or opens any of them by name, :func:`create_or_open`, and one opens an
existing one, :func:`open_named`; CreateEvent, CreateEventEx, CreateMutex, CreateSemaphore
and their Open* twins all go through them:

* an *unnamed* object gets no security descriptor at all, even with one passed in: these
  types do not require security, and only a name makes the object manager assign one
  (*Windows Internals*, ch. 8, object manager; docs "Securable Objects");
* a *named* one gets a descriptor from its creator (:func:`tokenlab.kernel.srm.assign_security`);
* creating a name that exists opens the existing object instead — checked for the access
  the create call asks for (``*_ALL_ACCESS`` for CreateEvent, CreateMutex,
  CreateSemaphore) — and the call succeeds with ERROR_ALREADY_EXISTS (docs CreateEvent,
  CreateMutex, CreateSemaphore; Wine tests sync.c test_event, test_mutex, test_semaphore);
* a name held by an object of another type: ERROR_INVALID_HANDLE (docs CreateMutex:
  "If lpName matches the name of an existing event, semaphore, … the function fails and
  GetLastError returns ERROR_INVALID_HANDLE"; Wine test om.c: STATUS_OBJECT_TYPE_MISMATCH);
* opening a name nobody holds: ERROR_FILE_NOT_FOUND. Names are case-sensitive (Wine
  tests sync.c test_event, test_mutex, test_semaphore).

tokenlab runs one call at a time, so waiting is not modelled; a mutex records which thread
owns it and a semaphore its count, for views and for ReleaseMutex/ReleaseSemaphore.
"""
from __future__ import annotations

from ..security.errors import ErrorCode, WinError
from ..security.rights import MAXIMUM_ALLOWED, MUTANT_MAPPING, SEMAPHORE_MAPPING
from . import srm
from .objects import KernelObject


class Mutant(KernelObject):
    """A mutex: owned by at most one thread at a time, recursively (a count)."""

    object_type = "Mutant"
    mapping = MUTANT_MAPPING

    def __init__(self, owner_tid: int | None = None, **kw):
        super().__init__(**kw)
        self.owner_tid = owner_tid
        self.recursion = 1 if owner_tid is not None else 0


class Semaphore(KernelObject):
    """A semaphore: a count between 0 and its maximum."""

    object_type = "Semaphore"
    mapping = SEMAPHORE_MAPPING

    def __init__(self, count: int, maximum: int, **kw):
        super().__init__(**kw)
        self.count = count
        self.maximum = maximum


def create_or_open(machine, thread, cls: type[KernelObject], sd, name: str | None, access: int,
                   **state) -> tuple[KernelObject, int, bool]:
    """Create a new ``cls`` object (``cls(name=name, **state)``) — or open the one ``name``
    already names — for ``thread``: returns (object, access for the handle, existed).

    ``access`` is what the create call asks for; an existing object is opened for it with
    an access check (srm.open_check) and ``state`` is ignored (docs CreateMutex: "If the
    caller has limited access rights, the function will fail with ERROR_ACCESS_DENIED";
    bInitialOwner is ignored for an existing mutex); a new one gives its creator exactly
    that access, mapped. Everything is checked before anything is made, so a failed call
    changes nothing."""
    if name is not None:
        existing = machine.find_named(name)
        if existing is not None:
            if existing.object_type != cls.object_type:
                raise WinError(ErrorCode.ERROR_INVALID_HANDLE, f"{name!r} names a {existing.object_type}.")
            return existing, srm.open_as_thread(machine, thread, existing, access), True
    # Only a name makes the object manager give the object a descriptor (module docstring).
    security = srm.assign_security(machine, thread.effective_token, sd, cls.mapping) if name is not None else None
    obj = cls(name=name, security=security, **state)
    machine.register(obj)
    if name is not None:
        machine.namespace[name] = obj
    mapped = cls.mapping.map(access & ~MAXIMUM_ALLOWED)
    return obj, (cls.mapping.generic_all if access & MAXIMUM_ALLOWED else mapped), False


def open_named(machine, thread, object_type: str, name: str, desired: int) -> tuple[KernelObject, int]:
    """OpenEvent, OpenMutex, OpenSemaphore: (object, access granted). No object of that
    name: ERROR_FILE_NOT_FOUND; one of another type: ERROR_INVALID_HANDLE (Wine test om.c:
    NtOpenEvent on another type's name gives STATUS_OBJECT_TYPE_MISMATCH)."""
    obj = machine.find_named(name)
    if obj is None:
        raise WinError(ErrorCode.ERROR_FILE_NOT_FOUND, f"No {object_type.lower()} is named {name!r}.")
    if obj.object_type != object_type:
        raise WinError(ErrorCode.ERROR_INVALID_HANDLE, f"{name!r} names a {obj.object_type}, not a {object_type}.")
    return obj, srm.open_as_thread(machine, thread, obj, desired)


def check_semaphore_counts(initial: int, maximum: int) -> None:
    """CreateSemaphore's counts: the maximum above zero, the initial count between zero and
    the maximum, else ERROR_INVALID_PARAMETER (docs CreateSemaphore) — checked before the
    name is looked up."""
    if maximum <= 0 or not 0 <= initial <= maximum:
        raise WinError(ErrorCode.ERROR_INVALID_PARAMETER,
                       f"A semaphore needs 0 <= lInitialCount <= lMaximumCount and lMaximumCount > 0 "
                       f"(got {initial}, {maximum}).")


def release_mutant(mutant: Mutant, thread) -> None:
    """ReleaseMutex: only the owning thread may release, once per acquisition; the last
    release frees the mutex. Anyone else: ERROR_NOT_OWNER (docs ReleaseMutex; Wine test
    sync.c test_mutex)."""
    if mutant.owner_tid != thread.tid:
        raise WinError(ErrorCode.ERROR_NOT_OWNER, "The calling thread does not own this mutex.")
    mutant.recursion -= 1
    if mutant.recursion == 0:
        mutant.owner_tid = None


def release_semaphore(sem: Semaphore, count: int) -> int:
    """ReleaseSemaphore: adds ``count`` (> 0, else ERROR_INVALID_PARAMETER); going past the
    maximum changes nothing and fails with ERROR_TOO_MANY_POSTS (docs ReleaseSemaphore).
    Returns the previous count."""
    if count <= 0:
        raise WinError(ErrorCode.ERROR_INVALID_PARAMETER, "lReleaseCount must be greater than zero.")
    if sem.count + count > sem.maximum:
        raise WinError(ErrorCode.ERROR_TOO_MANY_POSTS, f"The count would pass the maximum ({sem.maximum}).")
    previous = sem.count
    sem.count = previous + count
    return previous
