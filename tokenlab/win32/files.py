"""Facade calls about files and directories on tokenlab's volume: CreateDirectory,
GetFileSecurity, SetFileSecurity (CreateFile is in ``clients.py``, with named pipes).

The rules are in :mod:`tokenlab.kernel.files` (paths, creation) and
:func:`tokenlab.kernel.srm.assign_child_security` (what a new file or directory inherits).
"""
from __future__ import annotations

from ..kernel import files, srm
from ..security.descriptor import SecurityDescriptor
from .base import ApiBase, _int, _sa, _sd, win32
from .security import parts_to_set, read_access, security_parts, write_access


def _path(value, param: str) -> str:
    if not isinstance(value, str):
        raise TypeError(f"{param} must be str, got {type(value).__name__}")
    return value


class FileCalls(ApiBase):
    """Directories and file descriptors by name."""

    @win32
    def CreateDirectory(self, lpPathName, lpSecurityAttributes) -> bool:
        """A new directory. Without a DACL in ``lpSecurityAttributes`` it inherits from its
        parent directory (docs "ACE Inheritance Rules"); the parent must grant the caller
        FILE_ADD_SUBDIRECTORY."""
        path = _path(lpPathName, "lpPathName")
        sd, _ = _sa(lpSecurityAttributes)
        files.create_directory(self.machine, self.thread, path, sd)
        return True

    @win32
    def GetFileSecurity(self, lpFileName, RequestedInformation) -> SecurityDescriptor:
        """Returns the parts of the file's (or directory's) descriptor ``RequestedInformation``
        asks for; reading needs READ_CONTROL (ACCESS_SYSTEM_SECURITY for the SACL), checked
        with the calling thread's effective token (docs GetFileSecurity)."""
        path = _path(lpFileName, "lpFileName")
        info = _int(RequestedInformation, "RequestedInformation")
        node = files.find(self.machine, path)
        self._open(node, read_access(info))
        return security_parts(node.security, info)

    @win32
    def SetFileSecurity(self, lpFileName, SecurityInformation, pSecurityDescriptor) -> bool:
        """Replaces the parts ``SecurityInformation`` names (WRITE_DAC for the DACL,
        WRITE_OWNER for owner and group …). Nothing is re-inherited or propagated to
        children (Wine test test_GetNamedSecurityInfoA: "NtSetSecurityObject doesn't inherit
        DACL entries")."""
        path = _path(lpFileName, "lpFileName")
        info = _int(SecurityInformation, "SecurityInformation")
        owner, group, dacl, sacl = parts_to_set(_sd(pSecurityDescriptor, "pSecurityDescriptor"), info)
        node = files.find(self.machine, path)
        self._open(node, write_access(info))
        srm.set_security(self.machine, node, info, self.thread.effective_token, owner, group, dacl, sacl)
        return True
