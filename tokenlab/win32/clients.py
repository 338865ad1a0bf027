"""Facade calls by which a server gets its client's token: named pipes and COM's server side.

CreateNamedPipe, ConnectNamedPipe, DisconnectNamedPipe, CreateFile (on ``\\\\.\\pipe\\``
names), WriteFile, ReadFile, ImpersonateNamedPipeClient, GetNamedPipeClientProcessId,
CoImpersonateClient and CoRevertToSelf. The rules are in :mod:`tokenlab.kernel.pipes`
(including tokenlab's convention for calls that would block) and
:mod:`tokenlab.kernel.com`.
"""
from __future__ import annotations

from ..kernel import files, pipes
from ..security.errors import ErrorCode, NotModelledError, WinError
from ..security.rights import FILE_MAPPING, STANDARD
from . import constants as C
from .base import ApiBase, _handle, _int, _mask, _sa, win32

# The access a server handle gets from CreateNamedPipe's open mode (docs: CreateNamedPipe).
_OPEN_MODE_ACCESS = (
    (C.PIPE_ACCESS_INBOUND, STANDARD["GENERIC_READ"]),
    (C.PIPE_ACCESS_OUTBOUND, STANDARD["GENERIC_WRITE"]),
    (C.WRITE_DAC, C.WRITE_DAC), (C.WRITE_OWNER, C.WRITE_OWNER),
    (C.ACCESS_SYSTEM_SECURITY, C.ACCESS_SYSTEM_SECURITY),
)


def _name(value, param: str) -> str:
    if not isinstance(value, str):
        raise TypeError(f"{param} must be str, got {type(value).__name__}")
    return value


def _bytes(value, param: str) -> bytes:
    if not isinstance(value, (bytes, bytearray)):
        raise TypeError(f"{param} must be bytes, got {type(value).__name__}")
    return bytes(value)


class ClientCalls(ApiBase):
    """Named pipes and COM's server side."""

    def _data_end(self, h, required: int):
        """The pipe end ReadFile/WriteFile moves bytes through; a file's data is not modelled."""
        entry = self.process.handles.get(h) if isinstance(h, int) else None
        if entry is not None and entry.obj.object_type == "File":
            raise NotModelledError("ReadFile/WriteFile on files are not modelled by tokenlab (file data is not); "
                                   "named pipes are")
        return self._pipe(h, required, "hFile")

    def _pipe(self, h, required: int, param: str = "hNamedPipe", *, server: bool | None = None):
        end, _ = self._lookup(_handle(h, param), ("NamedPipe",), required)
        if server is not None and end.server != server:
            raise WinError(ErrorCode.ERROR_INVALID_HANDLE,
                           f"Handle {h} is the {'server' if end.server else 'client'} end; this call needs the "
                           f"{'server' if server else 'client'} end.")
        return end

    # ---------------------------------------------------------------- named pipes
    @win32
    def CreateNamedPipe(self, lpName, dwOpenMode, dwPipeMode, nMaxInstances, nOutBufferSize, nInBufferSize,
                        nDefaultTimeOut, lpSecurityAttributes) -> int:
        """The server end of a new pipe instance. With no descriptor in
        ``lpSecurityAttributes`` the pipe gets the named-pipe default (SYSTEM,
        Administrators and its owner full control; Everyone and Anonymous read)."""
        name = _name(lpName, "lpName")
        open_mode, pipe_mode = _int(dwOpenMode, "dwOpenMode"), _int(dwPipeMode, "dwPipeMode")
        instances = _int(nMaxInstances, "nMaxInstances")
        for param, v in (("nOutBufferSize", nOutBufferSize), ("nInBufferSize", nInBufferSize),
                         ("nDefaultTimeOut", nDefaultTimeOut)):
            _int(v, param)
        sd, inherit = _sa(lpSecurityAttributes)
        if not name.lower().startswith(pipes.PIPE_PREFIX) or len(name) == len(pipes.PIPE_PREFIX):
            raise WinError(ErrorCode.ERROR_INVALID_NAME, f"{name!r} is not of the form \\\\.\\pipe\\name.")
        if not 1 <= instances <= C.PIPE_UNLIMITED_INSTANCES or not open_mode & C.PIPE_ACCESS_DUPLEX:
            raise WinError(ErrorCode.ERROR_INVALID_PARAMETER, "Bad nMaxInstances or dwOpenMode.")
        if pipe_mode & (C.PIPE_TYPE_MESSAGE | C.PIPE_READMODE_MESSAGE | C.PIPE_NOWAIT):
            raise NotModelledError("message-mode and PIPE_NOWAIT pipes are not modelled by tokenlab; byte-mode "
                                   "PIPE_WAIT pipes are")
        end = pipes.create(self.machine, self._creator(), name, open_mode, pipe_mode, instances, sd)
        access = STANDARD["SYNCHRONIZE"]
        for bit, right in _OPEN_MODE_ACCESS:
            if open_mode & bit:
                access |= right
        return self._new_handle(end, FILE_MAPPING.map(access), inherit)

    @win32
    def ConnectNamedPipe(self, hNamedPipe, lpOverlapped) -> bool:
        """Returns False with GetLastError() == ERROR_PIPE_CONNECTED when the client opened
        the pipe first — exactly what Windows returns, and what callers treat as success
        (see tokenlab.kernel.pipes for what tokenlab does where the call would block)."""
        if lpOverlapped is not None:
            raise NotModelledError("overlapped I/O is not modelled by tokenlab")
        end = self._pipe(hNamedPipe, 0, server=True)
        connected = pipes.connect_server(self.machine, end)
        if not connected:
            self._pending_error = ErrorCode.ERROR_PIPE_CONNECTED
        return connected

    @win32
    def DisconnectNamedPipe(self, hNamedPipe) -> bool:
        pipes.disconnect(self._pipe(hNamedPipe, 0, server=True))
        return True

    @win32
    def CreateFile(self, lpFileName, dwDesiredAccess, dwShareMode, lpSecurityAttributes, dwCreationDisposition,
                   dwFlagsAndAttributes, hTemplateFile) -> int:
        """A file on tokenlab's volume (``C:\\dir\\file.txt``, see tokenlab.kernel.files) or a
        client's end of a named pipe (``\\\\.\\pipe\\name``), checked against its
        descriptor with the calling thread's effective token. For a pipe,
        ``SECURITY_SQOS_PRESENT | SECURITY_IDENTIFICATION`` (… _ANONYMOUS, _IMPERSONATION,
        _DELEGATION) in ``dwFlagsAndAttributes`` sets how far the server may impersonate the
        client (default: Impersonation). CREATE_ALWAYS and OPEN_ALWAYS set the last error to
        ERROR_ALREADY_EXISTS when the file existed, else to 0 (docs CreateFile)."""
        name = _name(lpFileName, "lpFileName")
        desired = _mask(dwDesiredAccess, "dwDesiredAccess")
        _int(dwShareMode, "dwShareMode")
        sd, inherit = _sa(lpSecurityAttributes)
        disposition, flags = _int(dwCreationDisposition, "dwCreationDisposition"), _int(dwFlagsAndAttributes,
                                                                                        "dwFlagsAndAttributes")
        if hTemplateFile is not None:
            _handle(hTemplateFile, "hTemplateFile")
        if not name.lower().startswith(pipes.PIPE_PREFIX):
            node, granted, existed = files.create_file(self.machine, self.thread, name, desired, disposition, flags, sd)
            if disposition in (C.CREATE_ALWAYS, C.OPEN_ALWAYS):
                self._pending_error = ErrorCode.ERROR_ALREADY_EXISTS if existed else ErrorCode.ERROR_SUCCESS
            return self._new_handle(files.opened(self.machine, node), granted, inherit)
        if disposition != C.OPEN_EXISTING:
            raise WinError(ErrorCode.ERROR_INVALID_PARAMETER, "A named pipe is opened with OPEN_EXISTING.")
        end, granted = pipes.connect(self.machine, self.thread, name, desired, flags)
        return self._new_handle(end, granted, inherit)

    @win32
    def WriteFile(self, hFile, lpBuffer, nNumberOfBytesToWrite, lpOverlapped) -> int:
        """Returns lpNumberOfBytesWritten."""
        data = _bytes(lpBuffer, "lpBuffer")
        count = _int(nNumberOfBytesToWrite, "nNumberOfBytesToWrite")
        if lpOverlapped is not None:
            raise NotModelledError("overlapped I/O is not modelled by tokenlab")
        if not 0 <= count <= len(data):
            raise WinError(ErrorCode.ERROR_INVALID_PARAMETER, "nNumberOfBytesToWrite is larger than lpBuffer.")
        return pipes.write(self._data_end(hFile, C.FILE_WRITE_DATA), data[:count])

    @win32
    def ReadFile(self, hFile, nNumberOfBytesToRead, lpOverlapped) -> bytes:
        """Returns the bytes read (the C function's lpBuffer and lpNumberOfBytesRead)."""
        count = _int(nNumberOfBytesToRead, "nNumberOfBytesToRead")
        if lpOverlapped is not None:
            raise NotModelledError("overlapped I/O is not modelled by tokenlab")
        return pipes.read(self.machine, self._data_end(hFile, C.FILE_READ_DATA), count)

    @win32
    def ImpersonateNamedPipeClient(self, hNamedPipe) -> bool:
        """The client's context in the calling thread's slot, copy-on-open; fails with
        ERROR_CANNOT_IMPERSONATE until the server has read data from the pipe."""
        pipes.impersonate_client(self.machine, self.thread, self._pipe(hNamedPipe, 0, server=True))
        return True

    @win32
    def GetNamedPipeClientProcessId(self, Pipe) -> int:
        """Returns ClientProcessId."""
        end = self._pipe(Pipe, 0, "Pipe")
        if end.instance.client_pid is None:
            raise WinError(ErrorCode.ERROR_PIPE_NOT_CONNECTED, "No client has connected to this pipe.")
        return end.instance.client_pid

    # ---------------------------------------------------------------- COM, the server's side
    @win32
    def CoImpersonateClient(self) -> int:
        """In tokenlab's model of COM: a thread of a server process impersonates the caller
        of its last activation, at Identification level (COM's default), copy-on-open.
        Returns S_OK; outside a call, ComError RPC_E_CALL_COMPLETE."""
        return self.machine.com.impersonate_client(self.thread)

    @win32
    def CoRevertToSelf(self) -> int:
        """Ends the impersonation CoImpersonateClient started; returns S_OK."""
        self.thread.set_token(None)
        return 0
