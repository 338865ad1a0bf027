"""Room 3, the Win32 facade: Windows' names, argument order and error codes over the kernel.

``from tokenlab.win32 import *`` brings in the constants of C's headers with their real
names and values, the structures calls take and return, the SDDL converters of sddl.h,
and COM's sample class, so a notebook cell reads like the C it teaches. The functions
that run as some thread live on ``thread.api`` (:class:`~tokenlab.win32.api.Api`).

Files: ``api.py`` (the thin handlers: check argument types, look up each handle with the
right it needs, call one kernel rule, return; they live in ``processes.py``, ``sync.py``,
``tokens.py``, ``security.py``, ``clients.py``, ``files.py``), ``structs.py`` (SECURITY_ATTRIBUTES,
TOKEN_STATISTICS …), ``constants.py`` (the headers' numbers), ``sddl.py`` (the
converters), ``acls.py`` (InitializeAcl, AddAccessAllowedAce … SetEntriesInAcl,
MapGenericMask: they return the new immutable value instead of filling a buffer) and
``lookup.py`` (LookupPrivilegeValue/Name). No Windows rule lives here: each is a function of ``tokenlab.kernel`` or
``tokenlab.security``.
"""
from __future__ import annotations

from ..kernel.com import CLSID_Something, IID_IUnknown
from ..kernel.process import Thread as _Thread
from ..security.rights import (
    COM_MAPPING, EVENT_MAPPING, FILE_MAPPING, KEY_MAPPING, MUTANT_MAPPING, PROCESS_MAPPING, SEMAPHORE_MAPPING,
    THREAD_MAPPING, TOKEN_MAPPING,
)
from ..security.rights import GenericMapping as GENERIC_MAPPING
from . import constants as _constants
from .api import Api
from .constants import *  # noqa: F401,F403  (constants with Windows' names and values)
from .constants import CONSTANTS as _CONSTANTS
from .sddl import (
    SDDL_REVISION, SDDL_REVISION_1, ConvertSecurityDescriptorToStringSecurityDescriptor,
    ConvertSidToStringSid, ConvertStringSecurityDescriptorToSecurityDescriptor, ConvertStringSidToSid,
)
from .structs import (
    LUID_AND_ATTRIBUTES, PRIVILEGE_SET, PROCESS_INFORMATION, SECURITY_ATTRIBUTES, STARTUPINFO, TOKEN_SOURCE,
    TOKEN_STATISTICS,
)
from . import acls as _acls, lookup as _lookup
from .acls import *  # noqa: F401,F403  (InitializeAcl, AddAccessAllowedAce ... SetEntriesInAcl)
from .lookup import LUID, LookupPrivilegeName, LookupPrivilegeValue

# A kernel thread hands out its facade through this factory: the kernel room cannot
# import the facade (it sits above it), so the facade registers itself here.
_Thread.api_factory = Api

__all__ = sorted({
    "SDDL_REVISION_1", "SDDL_REVISION",
    "ConvertStringSecurityDescriptorToSecurityDescriptor",
    "ConvertSecurityDescriptorToStringSecurityDescriptor",
    "ConvertStringSidToSid", "ConvertSidToStringSid",
    "CLSID_Something", "IID_IUnknown", "GENERIC_MAPPING",
    "LUID_AND_ATTRIBUTES", "PRIVILEGE_SET", "PROCESS_INFORMATION", "SECURITY_ATTRIBUTES", "STARTUPINFO",
    "TOKEN_SOURCE", "TOKEN_STATISTICS",
    "COM_MAPPING", "EVENT_MAPPING", "FILE_MAPPING", "KEY_MAPPING", "MUTANT_MAPPING", "PROCESS_MAPPING",
    "SEMAPHORE_MAPPING", "THREAD_MAPPING", "TOKEN_MAPPING",
    *_acls.__all__, *_lookup.__all__,
    *_CONSTANTS,
    *(n for n in vars(_constants) if n.isupper() and not n.startswith("_") and n != "CONSTANTS"),
    *(n for n in vars(_constants) if n.startswith(("Token", "SidType")) and isinstance(getattr(_constants, n), int)),
})
