"""tokenlab: see why a Windows token was denied, by simulating the security model.

A small, deterministic model of Windows access control — SIDs, access masks, ACEs,
security descriptors and SDDL, the AccessCheck algorithm, tokens, processes, threads,
handles, impersonation and COM local-server activation — with a facade that speaks
Win32 (``tokenlab.win32``), so what you type here reads the same on a real machine.

Glossary (Windows term → tokenlab name → example):

=========================  ===============================  ==========================================
Windows                    tokenlab                         example
=========================  ===============================  ==========================================
SID                        ``tl.SID``                       ``tl.SID("S-1-5-32-544")`` (BUILTIN\\Administrators)
access mask                ``tokenlab.rights.*Access``      ``TOKEN_QUERY | TOKEN_DUPLICATE``
ACE / ACL                  ``tl.ACE`` / ``tl.ACL``          ``tl.ACE.allow("S-1-1-0", 0x1)``
security descriptor        ``tl.SecurityDescriptor``        ``tl.SecurityDescriptor.from_sddl("O:BAD:(A;;GA;;;WD)")``
SDDL                       ``tl.parse_sddl``/``format_sddl``  ``tl.format_sddl(sd)``
AccessCheck                ``tl.access_check``              ``tl.access_check(sd, token, 0x8, TOKEN_MAPPING)``
access token               ``tl.Token``                     ``api.OpenThreadToken(...)`` returns a handle to one
machine, process, thread   ``tl.Machine``, ``.start_process``  ``m.start_process("svc.exe", user="NETWORK SERVICE")``
Win32 call                 ``thread.api.<Name>``            ``api.RevertToSelf()``
GetLastError / error code  ``tl.WinError.winerror``         ``ERROR_NO_TOKEN`` (1008)
=========================  ===============================  ==========================================

``import tokenlab`` never imports graphviz or ipywidgets: the views (``tokenlab.view``)
and widgets (``tokenlab.ui``) are separate layers.
"""
from .security.errors import ComError, ErrorCode, HResult, NotModelledError, SDDLError, WinError
from .security.sids import SID
from .security.rights import (
    COM_MAPPING, EVENT_MAPPING, FILE_MAPPING, KEY_MAPPING, MAPPINGS, PROCESS_MAPPING, THREAD_MAPPING, TOKEN_MAPPING,
    ComAccess, EventAccess, FileAccess, GenericMapping, KeyAccess, ProcessAccess, StandardAccess, ThreadAccess,
    TokenAccess, format_mask, mask_names,
)
from .security.acl import ACE, ACL, NULL_ACL, AceFlags, AceType, SDControl
from .security.descriptor import SecurityDescriptor, format_sddl, parse_sddl
from .security.tokenattrs import (
    LUID, GroupAttributes, PrivilegeAttributes, SecurityImpersonationLevel, SidAndAttributes, TokenType,
)
from .security.access_check import AccessCheckResult, access_check, map_generic
from .kernel.machine import Machine
from .kernel.token import Token
from .win32.api import Api
from .win32.structs import SECURITY_ATTRIBUTES
from .teaching.snapshot import Snapshot, snapshot
from .teaching.trace import Trace, record
from .scenarios import impersonating

__version__ = "0.1.0"

__all__ = [
    "ACE", "ACL", "AccessCheckResult", "AceFlags", "AceType", "Api", "COM_MAPPING", "ComAccess", "ComError",
    "EVENT_MAPPING", "ErrorCode", "EventAccess", "FILE_MAPPING", "FileAccess", "GenericMapping", "GroupAttributes",
    "HResult", "KEY_MAPPING", "KeyAccess", "LUID", "MAPPINGS", "Machine", "NULL_ACL", "NotModelledError",
    "PROCESS_MAPPING", "PrivilegeAttributes", "ProcessAccess", "SDControl", "SDDLError", "SECURITY_ATTRIBUTES",
    "SID", "SecurityDescriptor", "SecurityImpersonationLevel", "SidAndAttributes", "Snapshot", "StandardAccess",
    "THREAD_MAPPING", "TOKEN_MAPPING", "ThreadAccess", "Token", "TokenAccess", "TokenType", "Trace", "WinError",
    "access_check", "map_generic", "format_mask", "format_sddl", "impersonating", "mask_names", "parse_sddl", "record", "snapshot",
]
