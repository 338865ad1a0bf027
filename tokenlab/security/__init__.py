"""Room 1, security values: what Windows' access control is made of, as plain values.

SIDs (``sids``), access masks and generic mappings (``rights``), ACEs and ACLs (``acl``),
security descriptors (``descriptor``) and their SDDL text (``sddl``), the contents of a
token (``tokenattrs``), the AccessCheck algorithm that returns its own explanation
(``access_check``) and Windows' error codes (``errors``). Nothing here has identity or
state: every value is frozen, compares by value and prints as it parses. The rules come
from [MS-DTYP] (2.4 for the structures, 2.5.1 for SDDL, 2.5.3.2 for the access check) and
Wine's Windows-run tests; each module names its sources.

This room imports nothing else of tokenlab; every other room builds on it.
"""
from .access_check import AccessCheckResult, Decision, access_check, map_generic
from .acl import ACE, ACL, NULL_ACL, AceFlags, AceType, SDControl
from .descriptor import SecurityDescriptor, format_sddl, parse_sddl
from .errors import ComError, ErrorCode, HResult, NotModelledError, SDDLError, WinError
from .sids import SID

__all__ = ["ACE", "ACL", "AccessCheckResult", "AceFlags", "AceType", "ComError", "Decision", "ErrorCode", "HResult",
           "NULL_ACL", "NotModelledError", "SDControl", "SDDLError", "SID", "SecurityDescriptor", "WinError",
           "access_check", "format_sddl", "map_generic", "parse_sddl"]
