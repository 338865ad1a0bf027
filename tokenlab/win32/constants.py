"""Win32 constants with their real names and values (winnt.h, winbase.h, objbase.h).

``from tokenlab.win32 import *`` brings these in, so code reads as it does in C.
"""
from __future__ import annotations

from ..security.acl import AceFlags, AceType, SDControl
from ..security.errors import ErrorCode, HResult
from ..security.rights import (
    ComAccess, EventAccess, FileAccess, KeyAccess, MandatoryLabelPolicy, MutantAccess, ProcessAccess,
    SemaphoreAccess, ThreadAccess, TokenAccess,
)
from ..security.tokenattrs import (
    GroupAttributes, MandatoryPolicy, PrivilegeAttributes, SecurityImpersonationLevel,
)
from ..security.tokenattrs import TokenType as _TokenKind

# Masks, levels, attributes and error codes: every member becomes a module constant.
_ENUMS = (TokenAccess, ProcessAccess, ThreadAccess, EventAccess, MutantAccess, SemaphoreAccess, FileAccess, KeyAccess, ComAccess,
          MandatoryLabelPolicy, AceType, AceFlags, SDControl, GroupAttributes, PrivilegeAttributes,
          MandatoryPolicy, SecurityImpersonationLevel, _TokenKind, ErrorCode, HResult)
CONSTANTS: dict[str, int] = {}
for _enum in _ENUMS:
    for _name, _member in _enum.__members__.items():
        CONSTANTS.setdefault(_name, _member)
globals().update(CONSTANTS)

# Security information bits (GetSecurityInfo, SetSecurityInfo, SDDL conversion); the
# first five live with the SDDL code that reads them.
from ..security.sddl import (  # noqa: E402,F401  (re-exported with Windows' names)
    DACL_SECURITY_INFORMATION, GROUP_SECURITY_INFORMATION, LABEL_SECURITY_INFORMATION,
    OWNER_SECURITY_INFORMATION, SACL_SECURITY_INFORMATION,
)

PROTECTED_DACL_SECURITY_INFORMATION = 0x80000000
PROTECTED_SACL_SECURITY_INFORMATION = 0x40000000
UNPROTECTED_DACL_SECURITY_INFORMATION = 0x20000000
UNPROTECTED_SACL_SECURITY_INFORMATION = 0x10000000

# SE_OBJECT_TYPE (AccCtrl.h)
SE_UNKNOWN_OBJECT_TYPE = 0
SE_FILE_OBJECT = 1
SE_SERVICE = 2
SE_PRINTER = 3
SE_REGISTRY_KEY = 4
SE_LMSHARE = 5
SE_KERNEL_OBJECT = 6
SE_WINDOW_OBJECT = 7

# LogonUser
from ..kernel.lsa import (  # noqa: E402,F401  (defined once, where the LSA reads them)
    LOGON32_LOGON_BATCH, LOGON32_LOGON_INTERACTIVE, LOGON32_LOGON_NETWORK, LOGON32_LOGON_NETWORK_CLEARTEXT,
    LOGON32_LOGON_NEW_CREDENTIALS, LOGON32_LOGON_SERVICE, LOGON32_LOGON_UNLOCK, LOGON32_PROVIDER_DEFAULT,
    LOGON32_PROVIDER_WINNT40, LOGON32_PROVIDER_WINNT50,
)

# TOKEN_INFORMATION_CLASS
TokenUser = 1
TokenGroups = 2
TokenPrivileges = 3
TokenOwner = 4
TokenPrimaryGroup = 5
TokenDefaultDacl = 6
TokenSource = 7
TokenType = 8  # as in C: the information class; token kinds are TokenPrimary/TokenImpersonation
TokenImpersonationLevel = 9
TokenStatistics = 10
TokenRestrictedSids = 11
TokenSessionId = 12
TokenGroupsAndPrivileges = 13
TokenSessionReference = 14
TokenSandBoxInert = 15
TokenAuditPolicy = 16
TokenOrigin = 17
TokenElevationType = 18
TokenLinkedToken = 19
TokenElevation = 20
TokenHasRestrictions = 21
TokenAccessInformation = 22
TokenVirtualizationAllowed = 23
TokenVirtualizationEnabled = 24
TokenIntegrityLevel = 25
TokenUIAccess = 26
TokenMandatoryPolicy = 27
TokenLogonSid = 28
TokenIsAppContainer = 29
TOKEN_INFORMATION_CLASS_NAMES = {v: k for k, v in list(globals().items())
                                 if k.startswith("Token") and k != "TokenType" and type(v) is int} | {8: "TokenType"}

# TOKEN_ELEVATION_TYPE
TokenElevationTypeDefault = 1
TokenElevationTypeFull = 2
TokenElevationTypeLimited = 3

# CreateRestrictedToken flags
DISABLE_MAX_PRIVILEGE = 0x1
SANDBOX_INERT = 0x2
LUA_TOKEN = 0x4
WRITE_RESTRICTED = 0x8

# DuplicateHandle options
DUPLICATE_CLOSE_SOURCE = 0x1
DUPLICATE_SAME_ACCESS = 0x2

# Named pipes and CreateFile (winbase.h, fileapi.h); SQOS bits live with the kernel's pipes.
PIPE_ACCESS_INBOUND = 0x1
PIPE_ACCESS_OUTBOUND = 0x2
PIPE_ACCESS_DUPLEX = 0x3
PIPE_WAIT = 0x0
PIPE_NOWAIT = 0x1
PIPE_READMODE_BYTE = 0x0
PIPE_READMODE_MESSAGE = 0x2
PIPE_TYPE_BYTE = 0x0
PIPE_TYPE_MESSAGE = 0x4
PIPE_REJECT_REMOTE_CLIENTS = 0x8
PIPE_UNLIMITED_INSTANCES = 255
FILE_FLAG_FIRST_PIPE_INSTANCE = 0x00080000
from ..kernel.files import (  # noqa: E402,F401  (defined once, where the kernel reads them)
    CREATE_ALWAYS, CREATE_NEW, FILE_FLAG_BACKUP_SEMANTICS, FILE_FLAG_DELETE_ON_CLOSE, FILE_FLAG_OVERLAPPED,
    OPEN_ALWAYS, OPEN_EXISTING, TRUNCATE_EXISTING,
)
FILE_ATTRIBUTE_DIRECTORY = 0x10
FILE_ATTRIBUTE_NORMAL = 0x80
FILE_SHARE_READ = 0x1
FILE_SHARE_WRITE = 0x2
FILE_SHARE_DELETE = 0x4
from ..kernel.pipes import (  # noqa: E402,F401  (defined once, where the kernel reads them)
    SECURITY_CONTEXT_TRACKING, SECURITY_EFFECTIVE_ONLY, SECURITY_SQOS_PRESENT,
)
SECURITY_ANONYMOUS = 0 << 16
SECURITY_IDENTIFICATION = 1 << 16
SECURITY_IMPERSONATION = 2 << 16
SECURITY_DELEGATION = 3 << 16

# CreateEventEx and CreateMutexEx flags (synchapi.h)
CREATE_EVENT_MANUAL_RESET = 0x1
CREATE_EVENT_INITIAL_SET = 0x2
CREATE_MUTEX_INITIAL_OWNER = 0x1
# CreateProcessWithTokenW's dwLogonFlags (winbase.h)
LOGON_WITH_PROFILE = 0x1
LOGON_NETCREDENTIALS_ONLY = 0x2

# SID_NAME_USE (winnt.h): what LookupAccountSid and LookupAccountName say a SID names
SidTypeUser = 1
SidTypeGroup = 2
SidTypeDomain = 3
SidTypeAlias = 4
SidTypeWellKnownGroup = 5
SidTypeDeletedAccount = 6
SidTypeInvalid = 7
SidTypeUnknown = 8
SidTypeComputer = 9
SidTypeLabel = 10
SidTypeLogonSession = 11

# PrivilegeCheck
PRIVILEGE_SET_ALL_NECESSARY = 1

# CoCreateInstance class contexts
CLSCTX_INPROC_SERVER = 0x1
CLSCTX_INPROC_HANDLER = 0x2
CLSCTX_LOCAL_SERVER = 0x4
CLSCTX_REMOTE_SERVER = 0x10
CLSCTX_ALL = CLSCTX_INPROC_SERVER | CLSCTX_INPROC_HANDLER | CLSCTX_LOCAL_SERVER | CLSCTX_REMOTE_SERVER

# Privilege names (winnt.h SE_*_NAME)
SE_IMPERSONATE_NAME = "SeImpersonatePrivilege"
SE_SECURITY_NAME = "SeSecurityPrivilege"
SE_TAKE_OWNERSHIP_NAME = "SeTakeOwnershipPrivilege"
SE_DEBUG_NAME = "SeDebugPrivilege"
SE_BACKUP_NAME = "SeBackupPrivilege"
SE_RESTORE_NAME = "SeRestorePrivilege"
SE_CHANGE_NOTIFY_NAME = "SeChangeNotifyPrivilege"
SE_TCB_NAME = "SeTcbPrivilege"
SE_ASSIGNPRIMARYTOKEN_NAME = "SeAssignPrimaryTokenPrivilege"
SE_CREATE_GLOBAL_NAME = "SeCreateGlobalPrivilege"
SE_SHUTDOWN_NAME = "SeShutdownPrivilege"

TRUE = True
FALSE = False
NULL = None
INFINITE = 0xFFFFFFFF
