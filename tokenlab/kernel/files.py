"""Files and directories on one in-memory volume, ``C:\\`` (``machine.volume``).

A file or directory is a kernel object of type "File" with file access rights
(FILE_MAPPING) and its own descriptor, living on the volume until deleted (tokenlab
models no deletion), so closing its last handle does not end it. The root takes an
object id only when first opened, so machines that never use the volume keep their ids. The rules, each once:

* :func:`resolve` — a path: ``C:\\dir\\file.txt`` (``/`` works as ``\\``), case-insensitive
  as NTFS is by default; a missing directory on the way is ERROR_PATH_NOT_FOUND, a bad
  character ERROR_INVALID_NAME (docs "Naming Files, Paths, and Namespaces"); relative
  paths, other drives, ``\\\\?\\`` and UNC names are not modelled;
* :func:`create_file` — CreateFile's five creation dispositions (docs CreateFile,
  dwCreationDisposition), the access check against an existing file's descriptor, and,
  for a new file, FILE_ADD_FILE on its directory (docs "File Security and Access Rights");
* :func:`create_directory` — CreateDirectory: FILE_ADD_SUBDIRECTORY on the parent,
  ERROR_ALREADY_EXISTS, ERROR_PATH_NOT_FOUND (docs CreateDirectory);
* a new file's or directory's descriptor: :func:`tokenlab.kernel.srm.assign_child_security`
  (inheritance from the parent directory).

Model simplifications (said in the notebooks where a lesson depends on one):

* The root directory's descriptor is tokenlab's model, after the shape of Windows' own
  ``C:\\`` DACL (``icacls C:\\``): owner and group SYSTEM; SYSTEM and Administrators full
  control of the root, its subfolders and files; Users read and execute everywhere and
  "create folders" (FILE_ADD_SUBDIRECTORY) on folders; CREATOR OWNER full control,
  inherit-only, so whoever creates a folder has full control of it. So a user can make a
  folder in ``C:\\`` but not a file. Windows' real root is owned by TrustedInstaller and
  carries more ACEs (Authenticated Users), which differ between versions.
* Sharing modes are accepted and not enforced; file data, times, attributes, deletion,
  FILE_FLAG_DELETE_ON_CLOSE and overlapped I/O are not modelled (the last two raise
  NotModelledError).
"""
from __future__ import annotations

from ..security.acl import ACE, ACL, AceFlags, SDControl
from ..security.descriptor import SecurityDescriptor
from ..security.errors import ErrorCode, NotModelledError, WinError
from ..security.rights import FILE_MAPPING, MAXIMUM_ALLOWED, STANDARD, FileAccess
from ..security.sids import BUILTIN_ADMINISTRATORS, BUILTIN_USERS, CREATOR_OWNER, LOCAL_SYSTEM
from . import srm
from .objects import KernelObject

# CreateFile's dwCreationDisposition (fileapi.h) and the flags tokenlab reads (winbase.h).
CREATE_NEW, CREATE_ALWAYS, OPEN_EXISTING, OPEN_ALWAYS, TRUNCATE_EXISTING = 1, 2, 3, 4, 5
FILE_FLAG_BACKUP_SEMANTICS = 0x02000000
FILE_FLAG_DELETE_ON_CLOSE = 0x04000000
FILE_FLAG_OVERLAPPED = 0x40000000
ROOT = "C:\\"
_BAD_CHARS = set('<>:"|?*') | {chr(i) for i in range(32)}
_OI, _CI, _IO = AceFlags.OBJECT_INHERIT_ACE, AceFlags.CONTAINER_INHERIT_ACE, AceFlags.INHERIT_ONLY_ACE


class FileNode(KernelObject):
    """A file or a directory (``directory=True``) on the volume."""

    object_type = "File"
    mapping = FILE_MAPPING

    def __init__(self, path: str, parent: "FileNode | None", directory: bool, **kw):
        super().__init__(name=path, **kw)
        self.parent = parent
        self.directory = directory
        self.children: dict[str, FileNode] = {}  # lower-case name -> node
        self.data = bytearray()
        self.add_ref("volume")  # lives on the volume, not by its handles

    @property
    def path(self) -> str:
        return self.name


def root_descriptor() -> SecurityDescriptor:
    """tokenlab's model of ``C:\\``'s descriptor (module docstring):
    ``O:SYG:SYD:PAI(A;OICI;FA;;;SY)(A;OICI;FA;;;BA)(A;OICI;0x1200a9;;;BU)(A;CI;0x4;;;BU)(A;OICIIO;GA;;;CO)``."""
    read_execute = FileAccess.FILE_GENERIC_READ | FileAccess.FILE_GENERIC_EXECUTE
    dacl = ACL([
        ACE.allow(LOCAL_SYSTEM, FileAccess.FILE_ALL_ACCESS, _OI | _CI),
        ACE.allow(BUILTIN_ADMINISTRATORS, FileAccess.FILE_ALL_ACCESS, _OI | _CI),
        ACE.allow(BUILTIN_USERS, read_execute, _OI | _CI),
        ACE.allow(BUILTIN_USERS, FileAccess.FILE_ADD_SUBDIRECTORY, _CI),
        ACE.allow(CREATOR_OWNER, STANDARD["GENERIC_ALL"], _OI | _CI | _IO),
    ])
    return SecurityDescriptor(LOCAL_SYSTEM, LOCAL_SYSTEM, dacl, None,
                              SDControl.SE_DACL_PROTECTED | SDControl.SE_DACL_AUTO_INHERITED)


class Volume:
    """The machine's one volume: a tree of :class:`FileNode` under ``C:\\``."""

    def __init__(self, machine):
        self.machine = machine
        self.root = FileNode(ROOT, None, True, security=root_descriptor())


def _parts(path: str) -> list[str]:
    p = path.replace("/", "\\")
    if p.startswith("\\\\"):
        raise NotModelledError(f"{path!r}: UNC and \\\\?\\ paths are not modelled by tokenlab; use C:\\...")
    if len(p) < 3 or p[1] != ":" or p[2] != "\\":
        raise NotModelledError(f"{path!r}: relative paths are not modelled by tokenlab; use a full path C:\\...")
    if p[0].upper() != "C":
        raise WinError(ErrorCode.ERROR_PATH_NOT_FOUND, f"tokenlab's machine has one volume, C:\\ (not {p[:2]}).")
    parts: list[str] = []
    for part in p[3:].split("\\"):
        if part in ("", "."):
            continue
        if part == "..":
            if parts:
                parts.pop()
            continue
        if set(part) & _BAD_CHARS:
            raise WinError(ErrorCode.ERROR_INVALID_NAME, f"{part!r} has a character file names cannot hold.")
        parts.append(part)
    return parts


def resolve(machine, path: str) -> tuple[FileNode | None, FileNode, str]:
    """(the node ``path`` names or None, its directory, its last name). The root is its own
    directory. A directory on the way that is missing, or is a file: ERROR_PATH_NOT_FOUND."""
    parts = _parts(path)
    node = machine.volume.root
    if not parts:
        return node, node, ""
    for part in parts[:-1]:
        node = node.children.get(part.lower())
        if node is None or not node.directory:
            raise WinError(ErrorCode.ERROR_PATH_NOT_FOUND, f"No directory {part!r} on the way to {path!r}.")
    return node.children.get(parts[-1].lower()), node, parts[-1]


def find(machine, path: str) -> FileNode:
    """The file or directory ``path`` names: ERROR_FILE_NOT_FOUND when there is none."""
    node, _, _ = resolve(machine, path)
    if node is None:
        raise WinError(ErrorCode.ERROR_FILE_NOT_FOUND, f"No file or directory {path!r}.")
    return node


def _new_node(machine, thread, directory: FileNode, leaf: str, explicit, container: bool) -> FileNode:
    """A new file or directory in ``directory``: the parent must grant FILE_ADD_FILE (or
    FILE_ADD_SUBDIRECTORY) to the caller's effective token; its descriptor is inherited."""
    need = FileAccess.FILE_ADD_SUBDIRECTORY if container else FileAccess.FILE_ADD_FILE
    srm.open_as_thread(machine, thread, directory, int(need))
    security = srm.assign_child_security(machine, thread.effective_token, explicit, directory.security, container,
                                         FILE_MAPPING, directory.path)
    path = directory.path.rstrip("\\") + "\\" + leaf
    node = FileNode(path, directory, container, security=security)
    machine.register(node)
    directory.children[leaf.lower()] = node
    directory.touch()
    return node


def create_file(machine, thread, path: str, desired: int, disposition: int, flags: int,
                explicit: SecurityDescriptor | None) -> tuple[FileNode, int, bool]:
    """CreateFile on the volume: (the file, the access granted, whether it existed).

    Dispositions (docs CreateFile): CREATE_NEW fails on an existing file
    (ERROR_FILE_EXISTS); CREATE_ALWAYS and OPEN_ALWAYS open an existing one (the caller
    reports ERROR_ALREADY_EXISTS) — CREATE_ALWAYS emptying it — or create it; OPEN_EXISTING
    and TRUNCATE_EXISTING fail on a missing one (ERROR_FILE_NOT_FOUND), and
    TRUNCATE_EXISTING needs write access asked (else ERROR_INVALID_PARAMETER). An existing
    file is checked against its descriptor for ``desired``; a new one gives its creator
    ``desired`` and is checked against its directory for FILE_ADD_FILE. A directory opens
    only with FILE_FLAG_BACKUP_SEMANTICS and OPEN_EXISTING or OPEN_ALWAYS (else
    ERROR_ACCESS_DENIED). Everything is checked before anything changes."""
    if flags & FILE_FLAG_OVERLAPPED:
        raise NotModelledError("overlapped I/O is not modelled by tokenlab")
    if flags & FILE_FLAG_DELETE_ON_CLOSE:
        raise NotModelledError("FILE_FLAG_DELETE_ON_CLOSE is not modelled by tokenlab (files are never deleted)")
    if not CREATE_NEW <= disposition <= TRUNCATE_EXISTING:
        raise WinError(ErrorCode.ERROR_INVALID_PARAMETER, f"{disposition} is not a creation disposition.")
    mapped = FILE_MAPPING.map(desired & ~MAXIMUM_ALLOWED)
    if disposition == TRUNCATE_EXISTING and not mapped & FileAccess.FILE_WRITE_DATA:
        raise WinError(ErrorCode.ERROR_INVALID_PARAMETER, "TRUNCATE_EXISTING needs GENERIC_WRITE in dwDesiredAccess.")
    node, directory, leaf = resolve(machine, path)
    if node is not None:
        if disposition == CREATE_NEW:
            raise WinError(ErrorCode.ERROR_FILE_EXISTS, f"{node.path} already exists (CREATE_NEW).")
        if node.directory and (not flags & FILE_FLAG_BACKUP_SEMANTICS or disposition not in (OPEN_EXISTING,
                                                                                            OPEN_ALWAYS)):
            raise WinError(ErrorCode.ERROR_ACCESS_DENIED, f"{node.path} is a directory: CreateFile opens one only with "
                                                          "FILE_FLAG_BACKUP_SEMANTICS and OPEN_EXISTING/OPEN_ALWAYS.")
        granted = srm.open_as_thread(machine, thread, node, desired)
        if disposition in (CREATE_ALWAYS, TRUNCATE_EXISTING) and node.data:
            node.data = bytearray()
        return node, granted, True
    if disposition in (OPEN_EXISTING, TRUNCATE_EXISTING):
        raise WinError(ErrorCode.ERROR_FILE_NOT_FOUND, f"No file {path!r}.")
    node = _new_node(machine, thread, directory, leaf, explicit, container=False)
    return node, (FILE_MAPPING.generic_all if desired & MAXIMUM_ALLOWED else mapped), False


def create_directory(machine, thread, path: str, explicit: SecurityDescriptor | None) -> FileNode:
    """CreateDirectory: a new directory (docs CreateDirectory: ERROR_ALREADY_EXISTS,
    ERROR_PATH_NOT_FOUND), its descriptor inherited from its parent unless a DACL is given."""
    node, directory, leaf = resolve(machine, path)
    if node is not None:
        raise WinError(ErrorCode.ERROR_ALREADY_EXISTS, f"{node.path} already exists.")
    return _new_node(machine, thread, directory, leaf, explicit, container=True)


def opened(machine, node: FileNode) -> FileNode:
    """A node about to get a handle. Files and directories are registered with the machine
    when they are made; the root only when first opened, so a machine that never touches
    the volume numbers its objects as before."""
    if node.object_id is None:
        machine.register(node)
    return node
