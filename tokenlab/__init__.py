"""tokenlab: see why a Windows token was denied, by simulating the security model.

(Package docstring with the glossary is completed when the public surface is assembled.)
"""
from .errors import ComError, ErrorCode, HResult, NotModelledError, SDDLError, WinError
from .sids import SID
from .rights import GenericMapping
from .acl import ACE, ACL, NULL_ACL, AceFlags, AceType, SDControl, SecurityDescriptor
from .token import LUID, SecurityImpersonationLevel, SidAndAttributes, Token, TokenType
