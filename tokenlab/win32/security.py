"""Facade calls about security descriptors and checks: Get/SetSecurityInfo (SE_KERNEL_OBJECT
and SE_FILE_OBJECT), Get/SetKernelObjectSecurity, AccessCheck, PrivilegeCheck,
CheckTokenMembership. ``read_access``, ``write_access`` and ``security_parts`` are shared
with GetFileSecurity/SetFileSecurity (``files.py``).
"""
from __future__ import annotations

from ..kernel import events as ev
from ..kernel import srm
from ..kernel import token as tokens
from ..security.access_check import access_check
from ..security.acl import ACL, NULL_ACL, AceType, SDControl
from ..security.descriptor import SecurityDescriptor
from ..security.errors import ErrorCode, WinError
from ..security.rights import ACCESS_SYSTEM_SECURITY, GenericMapping
from ..security.tokenattrs import PRIVILEGES, TokenType
from . import constants as C
from .base import ApiBase, _handle, _int, _mask, _sd, _sid, win32
from .structs import LUID_AND_ATTRIBUTES, PRIVILEGE_SET

# *_PROTECTED (winnt.h SE_DACL_AUTO_INHERITED 0x400, SE_DACL_PROTECTED 0x1000 …).
_DACL_CONTROL = SDControl.SE_DACL_PROTECTED | SDControl.SE_DACL_AUTO_INHERITED
_SACL_CONTROL = SDControl.SE_SACL_PROTECTED | SDControl.SE_SACL_AUTO_INHERITED
# The handles Get/SetSecurityInfo take per SE_OBJECT_TYPE; Get/SetKernelObjectSecurity take any.
_KERNEL_OBJECTS = ("Token", "Process", "Thread", "Event", "Mutant", "Semaphore")
_FILE_OBJECTS = ("File", "NamedPipe")  # named pipes are files of the named-pipe file system
_SE_OBJECT_KINDS = {C.SE_KERNEL_OBJECT: _KERNEL_OBJECTS, C.SE_FILE_OBJECT: _FILE_OBJECTS}


def read_access(info: int) -> int:
    """The access reading the parts ``info`` selects needs: READ_CONTROL, and
    ACCESS_SYSTEM_SECURITY for the SACL."""
    need = 0
    if info & (C.OWNER_SECURITY_INFORMATION | C.GROUP_SECURITY_INFORMATION | C.DACL_SECURITY_INFORMATION
               | C.LABEL_SECURITY_INFORMATION):
        need |= C.READ_CONTROL
    if info & C.SACL_SECURITY_INFORMATION:
        need |= ACCESS_SYSTEM_SECURITY
    return need


def write_access(info: int) -> int:
    """The access writing the parts ``info`` selects needs: WRITE_OWNER for owner, group and
    label, WRITE_DAC for the DACL, ACCESS_SYSTEM_SECURITY for the SACL."""
    need = 0
    if info & (C.OWNER_SECURITY_INFORMATION | C.GROUP_SECURITY_INFORMATION):
        need |= C.WRITE_OWNER
    if info & C.DACL_SECURITY_INFORMATION:
        need |= C.WRITE_DAC
    if info & C.SACL_SECURITY_INFORMATION:
        need |= ACCESS_SYSTEM_SECURITY
    if info & C.LABEL_SECURITY_INFORMATION:
        need |= C.WRITE_OWNER
    return need


def parts_to_set(sd: SecurityDescriptor, info: int) -> tuple:
    """(owner, group, dacl, sacl) a SECURITY_DESCRIPTOR argument gives for the parts
    ``info`` names; the descriptor must carry the owner or group it names, else
    ERROR_INVALID_SECURITY_DESCR (Wine test test_kernel_objects_security). An absent DACL
    sets a NULL one, as Windows does."""
    if (info & C.OWNER_SECURITY_INFORMATION and sd.owner is None) or (
            info & C.GROUP_SECURITY_INFORMATION and sd.group is None):
        raise WinError(ErrorCode.ERROR_INVALID_SECURITY_DESCR,
                       "The descriptor has no owner or group for the information asked to set.")
    dacl = (sd.dacl if sd.dacl is not None else NULL_ACL) if sd.dacl_present else NULL_ACL
    return sd.owner, sd.group, dacl, sd.sacl


def security_parts(sd: SecurityDescriptor | None, info: int) -> SecurityDescriptor:
    """The parts of ``sd`` that ``info`` selects, self-relative, as Windows returns them."""
    sd = sd or SecurityDescriptor()
    dacl = (sd.dacl if sd.dacl is not None else NULL_ACL) if sd.dacl_present else None
    sacl = None
    if info & C.SACL_SECURITY_INFORMATION and sd.sacl_present:
        sacl = sd.sacl if sd.sacl is not None else NULL_ACL
    elif info & C.LABEL_SECURITY_INFORMATION and sd.sacl is not None:
        # every label ACE, not just the first (Wine test test_GetSecurityInfo / labels)
        labels = [a for a in sd.sacl if a.type == AceType.SYSTEM_MANDATORY_LABEL_ACE_TYPE]
        sacl = ACL(labels) if labels else None
    keep = _DACL_CONTROL if info & C.DACL_SECURITY_INFORMATION else 0
    keep |= _SACL_CONTROL if info & (C.SACL_SECURITY_INFORMATION | C.LABEL_SECURITY_INFORMATION) else 0
    return SecurityDescriptor(
        sd.owner if info & C.OWNER_SECURITY_INFORMATION else None,
        sd.group if info & C.GROUP_SECURITY_INFORMATION else None,
        dacl if info & C.DACL_SECURITY_INFORMATION else None,
        sacl, (sd.control & keep) | SDControl.SE_SELF_RELATIVE)  # self-relative, as Windows returns it


class SecurityCalls(ApiBase):
    """Reading and writing descriptors; checking access, privileges and membership."""

    # ---------------------------------------------------------------- object security
    def _read_security(self, h, info: int, kinds=_KERNEL_OBJECTS + _FILE_OBJECTS):
        obj, _ = self._lookup(h, kinds, read_access(info))
        return security_parts(obj.security, info)

    @win32
    def GetSecurityInfo(self, handle, ObjectType, SecurityInfo) -> SecurityDescriptor:
        """Returns the descriptor holding just the parts ``SecurityInfo`` asks for (the
        C function's ppSecurityDescriptor; its other out-parameters are its fields)."""
        kinds = _SE_OBJECT_KINDS.get(_int(ObjectType, "ObjectType"))
        if kinds is None:
            raise WinError(ErrorCode.ERROR_INVALID_PARAMETER, "tokenlab models SE_KERNEL_OBJECT and SE_FILE_OBJECT only.")
        return self._read_security(_handle(handle, "handle"), _int(SecurityInfo, "SecurityInfo"), kinds)

    @win32
    def GetKernelObjectSecurity(self, Handle, RequestedInformation) -> SecurityDescriptor:
        return self._read_security(_handle(Handle, "Handle"), _int(RequestedInformation, "RequestedInformation"))

    def _write_security(self, h, info: int, owner, group, dacl, sacl, kinds=_KERNEL_OBJECTS + _FILE_OBJECTS):
        obj, _ = self._lookup(h, kinds, write_access(info))
        srm.set_security(self.machine, obj, info, self.thread.effective_token, owner, group, dacl, sacl)
        return True

    @win32
    def SetSecurityInfo(self, handle, ObjectType, SecurityInfo, psidOwner, psidGroup, pDacl, pSacl) -> bool:
        kinds = _SE_OBJECT_KINDS.get(_int(ObjectType, "ObjectType"))
        if kinds is None:
            raise WinError(ErrorCode.ERROR_INVALID_PARAMETER, "tokenlab models SE_KERNEL_OBJECT and SE_FILE_OBJECT only.")
        info = _int(SecurityInfo, "SecurityInfo")
        owner = None if psidOwner is None else _sid(psidOwner, "psidOwner")
        group = None if psidGroup is None else _sid(psidGroup, "psidGroup")
        for name, acl in (("pDacl", pDacl), ("pSacl", pSacl)):
            if acl is not None and not isinstance(acl, ACL):
                raise TypeError(f"{name} must be ACL or None, got {type(acl).__name__}")
        # SetSecurityInfo with a NULL pDacl and DACL_SECURITY_INFORMATION sets a NULL DACL.
        return self._write_security(_handle(handle, "handle"), info, owner, group,
                                    pDacl if pDacl is not None else NULL_ACL, pSacl, kinds)

    @win32
    def SetKernelObjectSecurity(self, Handle, SecurityInformation, SecurityDescriptor_) -> bool:
        info = _int(SecurityInformation, "SecurityInformation")
        owner, group, dacl, sacl = parts_to_set(_sd(SecurityDescriptor_, "SecurityDescriptor"), info)
        return self._write_security(_handle(Handle, "Handle"), info, owner, group, dacl, sacl)

    # ---------------------------------------------------------------- checks
    @win32
    def AccessCheck(self, pSecurityDescriptor, ClientToken, DesiredAccess, GenericMapping_):
        """Returns (GrantedAccess, AccessStatus). A denial is not a call failure: status is
        False and ``GetLastError()`` says why. The full explanation is in the trace's step
        when recording (``step.checks``), or from ``tl.access_check`` directly."""
        sd = _sd(pSecurityDescriptor, "pSecurityDescriptor")
        desired = _mask(DesiredAccess, "DesiredAccess")
        if not isinstance(GenericMapping_, GenericMapping):
            raise TypeError(f"GenericMapping must be GenericMapping, got {type(GenericMapping_).__name__}")
        token = self._token(ClientToken, C.TOKEN_QUERY, query=True)
        result = access_check(sd, token, desired, GenericMapping_)
        if result.is_call_failure:
            raise WinError(result.status)
        self.machine.report(ev.ACCESS_CHECKED, what="the descriptor passed to AccessCheck", checker=token.user,
                            sd=sd, result=result, why=ev.WHY_ACCESSCHECK)
        if not result.allowed:
            self._pending_error = result.status
            return GenericMapping_.rights(0), False
        return GenericMapping_.rights(int(result.granted)), True

    @win32
    def PrivilegeCheck(self, ClientToken, RequiredPrivileges) -> bool:
        if isinstance(RequiredPrivileges, PRIVILEGE_SET):
            names, control = RequiredPrivileges.Privilege, RequiredPrivileges.Control
        else:
            names, control = RequiredPrivileges, C.PRIVILEGE_SET_ALL_NECESSARY
        if isinstance(names, (str, bytes)) or not isinstance(names, (tuple, list)):
            raise TypeError("RequiredPrivileges must be PRIVILEGE_SET or a sequence of privilege names, "
                            f"got {type(names).__name__}")
        names = [p.name if isinstance(p, LUID_AND_ATTRIBUTES) else p for p in names]
        for n in names:
            if not isinstance(n, str):
                raise TypeError(f"a required privilege must be str or LUID_AND_ATTRIBUTES, got {type(n).__name__}")
            if n not in PRIVILEGES:
                raise WinError(ErrorCode.ERROR_NO_SUCH_PRIVILEGE, repr(n))
        token = self._token(ClientToken, C.TOKEN_QUERY, query=True)
        if token.token_type != TokenType.TokenImpersonation:
            raise WinError(ErrorCode.ERROR_NO_IMPERSONATION_TOKEN)
        if token.impersonation_level < C.SecurityIdentification:
            # Wine test test_PrivilegeCheck: an Anonymous-level token
            raise WinError(ErrorCode.ERROR_BAD_IMPERSONATION_LEVEL)
        held = [token.privilege_enabled(n) for n in names]
        return all(held) if control & C.PRIVILEGE_SET_ALL_NECESSARY else any(held)

    @win32
    def CheckTokenMembership(self, TokenHandle, SidToCheck) -> bool:
        """Is ``SidToCheck`` an *enabled* group (or the user) of the token? Deny-only and
        disabled groups do not count; a restricted token must also list it as restricting."""
        sid = _sid(SidToCheck, "SidToCheck")
        if TokenHandle is None:
            token = self.thread.effective_token
        else:
            token = self._token(TokenHandle, C.TOKEN_QUERY, query=True)
            if token.token_type != TokenType.TokenImpersonation:
                raise WinError(ErrorCode.ERROR_NO_IMPERSONATION_TOKEN)
        return tokens.is_member(token, sid)

