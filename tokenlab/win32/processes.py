"""Facade calls about processes, threads, handles and COM: pseudo-handles,
CloseHandle, DuplicateHandle, OpenProcess, OpenThread, CreateThread and CoCreateInstance
(tokenlab's model of COM, :mod:`tokenlab.kernel.com`). Events, mutexes and semaphores
are in ``sync.py``.
"""
from __future__ import annotations

from ..kernel import pipes
from ..kernel.com import ComObject
from ..kernel.handles import (
    CURRENT_PROCESS, CURRENT_PROCESS_TOKEN, CURRENT_THREAD, CURRENT_THREAD_EFFECTIVE_TOKEN, CURRENT_THREAD_TOKEN,
    PSEUDO_HANDLES,
)
from ..security.errors import ErrorCode, WinError
from ..security.rights import MAXIMUM_ALLOWED
from . import constants as C
from .base import ApiBase, _bool, _handle, _int, _mask, _sa, win32


class ProcessCalls(ApiBase):
    """Processes, threads, handles and COM."""

    # ---------------------------------------------------------------- pseudo-handles
    @win32
    def GetCurrentProcess(self) -> int:
        return CURRENT_PROCESS

    @win32
    def GetCurrentThread(self) -> int:
        return CURRENT_THREAD

    @win32
    def GetCurrentProcessToken(self) -> int:
        return CURRENT_PROCESS_TOKEN

    @win32
    def GetCurrentThreadToken(self) -> int:
        return CURRENT_THREAD_TOKEN

    @win32
    def GetCurrentThreadEffectiveToken(self) -> int:
        return CURRENT_THREAD_EFFECTIVE_TOKEN

    @win32
    def GetCurrentProcessId(self) -> int:
        return self.process.pid

    @win32
    def GetCurrentThreadId(self) -> int:
        return self.thread.tid

    def GetLastError(self) -> int:
        """The calling thread's last-error value (not traced: it changes nothing)."""
        return self.thread.last_error

    # ---------------------------------------------------------------- handles
    @win32
    def CloseHandle(self, hObject) -> bool:
        h = _handle(hObject, "hObject")
        if h in (CURRENT_PROCESS, CURRENT_THREAD):
            return True  # closing one does nothing (docs: GetCurrentProcess, GetCurrentThread)
        if h in PSEUDO_HANDLES:
            self._lookup(h, ("Token",), 0)  # a token pseudo-handle: ERROR_INVALID_HANDLE
        if h not in self.process.handles:
            raise WinError(ErrorCode.ERROR_INVALID_HANDLE, f"{h} is not a handle in {self.process.image}.")
        obj = self.process.handles.remove(h).obj
        if obj.object_type == "NamedPipe":
            pipes.end_closed(obj)
        return True

    @win32
    def DuplicateHandle(self, hSourceProcessHandle, hSourceHandle, hTargetProcessHandle,
                        dwDesiredAccess, bInheritHandle, dwOptions) -> int:
        """Returns the new handle (lpTargetHandle). Asking for more access than the source
        handle has triggers an access check against the object's descriptor."""
        desired = _mask(dwDesiredAccess, "dwDesiredAccess")
        inherit = _bool(bInheritHandle, "bInheritHandle")
        options = _int(dwOptions, "dwOptions")
        src_proc, _ = self._lookup(_handle(hSourceProcessHandle, "hSourceProcessHandle"), ("Process",),
                                   C.PROCESS_DUP_HANDLE)
        dst_proc, _ = self._lookup(_handle(hTargetProcessHandle, "hTargetProcessHandle"), ("Process",),
                                   C.PROCESS_DUP_HANDLE)
        h = _handle(hSourceHandle, "hSourceHandle")
        if h in PSEUDO_HANDLES:
            if src_proc is not self.process:
                raise WinError(ErrorCode.ERROR_INVALID_HANDLE)
            obj, granted = self._lookup(h, ("Process", "Thread", "Token"), 0)
        else:
            entry = src_proc.handles.get(h)
            if entry is None:
                raise WinError(ErrorCode.ERROR_INVALID_HANDLE, f"{h} is not a handle in {src_proc.image}.")
            obj, granted = entry.obj, entry.granted
        if options & C.DUPLICATE_SAME_ACCESS:
            new_access = granted
        else:
            new_access = obj.mapping.map(desired & ~MAXIMUM_ALLOWED)
            if new_access & ~granted or desired & MAXIMUM_ALLOWED:
                new_access = self._open(obj, desired)
        value = dst_proc.handles.insert(obj, new_access, inherit).value
        if options & C.DUPLICATE_CLOSE_SOURCE and h not in PSEUDO_HANDLES:
            src_proc.handles.remove(h)
        return value

    @win32
    def OpenProcess(self, dwDesiredAccess, bInheritHandle, dwProcessId) -> int:
        desired = _mask(dwDesiredAccess, "dwDesiredAccess")
        inherit = _bool(bInheritHandle, "bInheritHandle")
        pid = _int(dwProcessId, "dwProcessId")
        proc = next((p for p in self.machine.processes if p.pid == pid and p.alive), None)
        if proc is None:
            raise WinError(ErrorCode.ERROR_INVALID_PARAMETER, f"No process has id {pid}.")
        return self._new_handle(proc, self._open(proc, desired), inherit)

    @win32
    def OpenThread(self, dwDesiredAccess, bInheritHandle, dwThreadId) -> int:
        desired = _mask(dwDesiredAccess, "dwDesiredAccess")
        inherit = _bool(bInheritHandle, "bInheritHandle")
        tid = _int(dwThreadId, "dwThreadId")
        try:
            target = self.machine.thread(tid)
        except KeyError:
            raise WinError(ErrorCode.ERROR_INVALID_PARAMETER, f"No thread has id {tid}.") from None
        return self._new_handle(target, self._open(target, desired), inherit)

    # ---------------------------------------------------------------- threads (events: sync.py)
    @win32
    def CreateThread(self, lpThreadAttributes, dwStackSize, lpStartAddress, lpParameter, dwCreationFlags):
        """Returns (handle, thread id). The new thread starts with an empty token slot:
        impersonation is per thread and is not inherited."""
        sd, inherit = _sa(lpThreadAttributes)
        _int(dwStackSize, "dwStackSize")
        _int(dwCreationFlags, "dwCreationFlags")
        t = self.machine.new_thread(self.process, self._creator(), sd)
        return self._new_handle(t, C.THREAD_ALL_ACCESS, inherit), t.tid

    # ---------------------------------------------------------------- COM
    @win32
    def CoCreateInstance(self, rclsid, pUnkOuter, dwClsContext, riid) -> ComObject:
        """tokenlab's model of COM local-server activation (see tokenlab.com)."""
        return self.machine.com.create_instance(self.thread, rclsid, pUnkOuter, dwClsContext, riid)

