"""Facade calls about processes, threads, handles and COM: pseudo-handles,
CloseHandle, DuplicateHandle, OpenProcess, OpenThread, CreateThread and CoCreateInstance
(tokenlab's model of COM, :mod:`tokenlab.kernel.com`). Events, mutexes and semaphores
are in ``sync.py``.
"""
from __future__ import annotations

from ..kernel import pipes, spawn, srm
from ..kernel.com import ComObject
from ..kernel.handles import (
    CURRENT_PROCESS, CURRENT_PROCESS_TOKEN, CURRENT_THREAD, CURRENT_THREAD_EFFECTIVE_TOKEN, CURRENT_THREAD_TOKEN,
    PSEUDO_HANDLES,
)
from ..security.errors import ErrorCode, NotModelledError, WinError
from ..security.rights import MAXIMUM_ALLOWED
from . import constants as C
from .base import ApiBase, _bool, _handle, _int, _mask, _sa, win32
from .structs import PROCESS_INFORMATION, STARTUPINFO


def _image(lpApplicationName, lpCommandLine) -> str:
    """The new process's image name: lpApplicationName's file name, else the command
    line's first word (quoted or not), as CreateProcess reads them (docs: CreateProcess)."""
    for param, value in (("lpApplicationName", lpApplicationName), ("lpCommandLine", lpCommandLine)):
        if value is not None and not isinstance(value, str):
            raise TypeError(f"{param} must be str or None, got {type(value).__name__}")
    if lpApplicationName:
        path = lpApplicationName
    elif lpCommandLine and lpCommandLine.strip():
        line = lpCommandLine.strip()
        path = line[1:].split('"', 1)[0] if line.startswith('"') else line.split()[0]
    else:
        raise WinError(ErrorCode.ERROR_INVALID_PARAMETER, "lpApplicationName and lpCommandLine are both empty.")
    return path.replace("/", "\\").rsplit("\\", 1)[-1] or path


def _process_args(app, cmd, psa, tsa, inherit_handles, flags, env, cwd, startup):
    """Check CreateProcess*'s common arguments; returns (image, process SA, thread SA)."""
    image = _image(app, cmd)
    process_sa, thread_sa = _sa(psa, "lpProcessAttributes"), _sa(tsa, "lpThreadAttributes")
    if _bool(inherit_handles, "bInheritHandles"):
        raise NotModelledError("bInheritHandles=TRUE: handle inheritance into a new process is not modelled by "
                               "tokenlab; on Windows the child gets a copy of each inheritable handle")
    _int(flags, "dwCreationFlags")
    if env is not None:
        raise NotModelledError("lpEnvironment: environment blocks are not modelled by tokenlab (pass None)")
    if cwd is not None and not isinstance(cwd, str):
        raise TypeError(f"lpCurrentDirectory must be str or None, got {type(cwd).__name__}")
    if startup is not None and not isinstance(startup, STARTUPINFO):
        raise TypeError(f"lpStartupInfo must be STARTUPINFO or None, got {type(startup).__name__}")
    return image, process_sa, thread_sa


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

    def SetLastError(self, dwErrCode) -> None:
        """Sets the calling thread's last-error value, as C code does before a call to see
        whether it changes it (``SetLastError(0xdeadbeef)`` in Wine's tests). Not traced,
        like GetLastError."""
        code = _int(dwErrCode, "dwErrCode")
        if not 0 <= code <= 0xFFFFFFFF:
            raise ValueError(f"dwErrCode must fit in a DWORD, got {code}")
        self.thread.last_error = code

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
        handle has triggers an access check against the object's descriptor — with the
        *target* process's token and the calling thread's impersonation token, never the
        calling process's (srm.duplicate_access). With DUPLICATE_CLOSE_SOURCE the source
        handle is closed even when the call fails (docs: DuplicateHandle)."""
        desired = _mask(dwDesiredAccess, "dwDesiredAccess")
        inherit = _bool(bInheritHandle, "bInheritHandle")
        options = _int(dwOptions, "dwOptions")
        h = _handle(hSourceHandle, "hSourceHandle")
        _handle(hTargetProcessHandle, "hTargetProcessHandle")
        src_proc, _ = self._lookup(_handle(hSourceProcessHandle, "hSourceProcessHandle"), ("Process",),
                                   C.PROCESS_DUP_HANDLE)
        if h in PSEUDO_HANDLES:
            if src_proc is not self.process:
                raise WinError(ErrorCode.ERROR_INVALID_HANDLE)
            obj, granted = self._lookup(h, ("Process", "Thread", "Token"), 0)
        else:
            entry = src_proc.handles.get(h)
            if entry is None:
                raise WinError(ErrorCode.ERROR_INVALID_HANDLE, f"{h} is not a handle in {src_proc.image}.")
            obj, granted = entry.obj, entry.granted
        close_source = bool(options & C.DUPLICATE_CLOSE_SOURCE) and h not in PSEUDO_HANDLES
        try:
            dst_proc, _ = self._lookup(hTargetProcessHandle, ("Process",), C.PROCESS_DUP_HANDLE)
            if options & C.DUPLICATE_SAME_ACCESS:
                new_access = granted
            else:
                new_access = obj.mapping.map(desired & ~MAXIMUM_ALLOWED)
                if new_access & ~granted or desired & MAXIMUM_ALLOWED:
                    new_access = srm.duplicate_access(self.machine, self.thread, obj, desired, dst_proc)
        except WinError:
            if close_source:  # "regardless of any error status" (docs: DuplicateHandle, dwOptions)
                src_proc.handles.remove(h)
            raise
        value = dst_proc.handles.insert(obj, srm.implied_rights(obj, new_access), inherit).value
        if close_source:
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

    # ---------------------------------------------------------------- processes
    def _process_info(self, proc, process_sa_inherit: bool = False, thread_sa_inherit: bool = False):
        thread = proc.main_thread
        return PROCESS_INFORMATION(self._new_handle(proc, C.PROCESS_ALL_ACCESS, process_sa_inherit),
                                   self._new_handle(thread, C.THREAD_ALL_ACCESS, thread_sa_inherit),
                                   proc.pid, thread.tid)

    @win32
    def CreateProcess(self, lpApplicationName, lpCommandLine, lpProcessAttributes, lpThreadAttributes,
                      bInheritHandles, dwCreationFlags, lpEnvironment, lpCurrentDirectory, lpStartupInfo=None):
        """Returns PROCESS_INFORMATION (hProcess, hThread, dwProcessId, dwThreadId), both
        handles with full access. The new process runs with a *copy* of the calling
        process's primary token — not the thread's impersonation token (kernel.spawn)."""
        image, (psd, pin), (tsd, tin) = _process_args(lpApplicationName, lpCommandLine, lpProcessAttributes,
                                                     lpThreadAttributes, bInheritHandles, dwCreationFlags,
                                                     lpEnvironment, lpCurrentDirectory, lpStartupInfo)
        proc = spawn.create_process(self.machine, self.thread, image, psd, tsd)
        return self._process_info(proc, pin, tin)

    @win32
    def CreateProcessAsUser(self, hToken, lpApplicationName, lpCommandLine, lpProcessAttributes,
                            lpThreadAttributes, bInheritHandles, dwCreationFlags, lpEnvironment,
                            lpCurrentDirectory, lpStartupInfo=None):
        """CreateProcess with the user of ``hToken`` (NULL: the caller's own, as
        CreateProcess). The handle needs TOKEN_QUERY|TOKEN_ASSIGN_PRIMARY (the docs list
        TOKEN_DUPLICATE too; Windows 7 and later do without it: Wine test
        test_create_process_token); the caller needs SeAssignPrimaryTokenPrivilege unless
        the token is one of its own logon session (kernel.spawn)."""
        image, (psd, pin), (tsd, tin) = _process_args(lpApplicationName, lpCommandLine, lpProcessAttributes,
                                                     lpThreadAttributes, bInheritHandles, dwCreationFlags,
                                                     lpEnvironment, lpCurrentDirectory, lpStartupInfo)
        if hToken is None:
            proc = spawn.create_process(self.machine, self.thread, image, psd, tsd)
        else:
            token = self._token(hToken, C.TOKEN_QUERY | C.TOKEN_ASSIGN_PRIMARY)
            proc = spawn.create_process_as_user(self.machine, self.thread, token, image, psd, tsd)
        return self._process_info(proc, pin, tin)

    @win32
    def CreateProcessWithTokenW(self, hToken, dwLogonFlags, lpApplicationName, lpCommandLine, dwCreationFlags,
                                lpEnvironment, lpCurrentDirectory, lpStartupInfo=None):
        """CreateProcess as the user of ``hToken`` (TOKEN_QUERY|TOKEN_DUPLICATE|
        TOKEN_ASSIGN_PRIMARY) through the secondary logon service: the caller needs
        SeImpersonatePrivilege (docs: CreateProcessWithTokenW). dwLogonFlags
        (LOGON_WITH_PROFILE, LOGON_NETCREDENTIALS_ONLY) is accepted: profiles and network
        credentials are not modelled."""
        flags = _int(dwLogonFlags, "dwLogonFlags")
        if flags & ~(C.LOGON_WITH_PROFILE | C.LOGON_NETCREDENTIALS_ONLY):
            raise WinError(ErrorCode.ERROR_INVALID_PARAMETER, f"dwLogonFlags 0x{flags:X} has unknown bits.")
        image, _, _ = _process_args(lpApplicationName, lpCommandLine, None, None, False, dwCreationFlags,
                                    lpEnvironment, lpCurrentDirectory, lpStartupInfo)
        token = self._token(hToken, C.TOKEN_QUERY | C.TOKEN_DUPLICATE | C.TOKEN_ASSIGN_PRIMARY)
        proc = spawn.create_process_with_token(self.machine, self.thread, token, image)
        return self._process_info(proc)

    # ---------------------------------------------------------------- COM
    @win32
    def CoCreateInstance(self, rclsid, pUnkOuter, dwClsContext, riid) -> ComObject:
        """tokenlab's model of COM local-server activation (see tokenlab.com)."""
        return self.machine.com.create_instance(self.thread, rclsid, pUnkOuter, dwClsContext, riid)

