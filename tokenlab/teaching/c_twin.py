"""The C twin of a facade call: the same call as a learner would write it on Windows.

``c_call(...)`` turns a recorded call into C text, e.g.::

    HANDLE h8;
    OpenThreadToken(GetCurrentThread(), TOKEN_ALL_ACCESS, TRUE, &h8);

Out-parameters come back as declared variables (a handle value ``8`` becomes ``h8``, so
a later call that passes ``8`` reads ``h8``); the buffer and count arguments the Python
facade drops reappear; a failure ends with the error ``GetLastError()`` (or the HRESULT)
would give. The text is for reading and copying into a real program, not compiling as is:
descriptors, SIDs and ACLs are named variables with their SDDL in a comment.

The text is a :class:`CTwin`, a ``str`` that also keeps the recorded call (``.call``), so
``c_program.program(trace)`` can write the whole scenario as one compilable program from
the same ``C_SIGNATURES`` table. A few twins are written as C++ (``CPP_ONLY``), as the
posts write them: ``CoCreateInstance(CLSID_Something, …, IID_IUnknown, …)`` passes GUIDs
by reference, which only C++ spells that way.
"""
from __future__ import annotations

import enum
import inspect
from dataclasses import dataclass

from ..security.acl import ACL
from ..security.descriptor import SecurityDescriptor
from ..security.errors import ComError, WinError
from ..kernel.handles import PSEUDO_HANDLES
from ..security.rights import GenericMapping
from ..security.sids import SID
from .calls import format_arg, parameters

__all__ = ["CPP_ONLY", "CTwin", "RecordedCall", "c_call", "c_expr", "C_SIGNATURES"]

# facade name -> (returns, C name, C arguments). "{0}" is the facade's first argument as C,
# "{hToken}" the facade parameter of that name (facade names are Win32's; a named template
# cannot shift silently when a facade drops a parameter: c_program reports what is left),
# "{#0}" puts it in a "// name: value" line before the call instead (a structure the C
# code fills in), "{out}" is the handle the call returns (declared before the call),
# "{out1}" the second value of a tuple result. Everything else is literal C.
C_SIGNATURES: dict[str, tuple[str, str, str]] = {
    "GetCurrentProcess": ("HANDLE", "GetCurrentProcess", ""),
    "GetCurrentThread": ("HANDLE", "GetCurrentThread", ""),
    "GetCurrentProcessToken": ("HANDLE", "GetCurrentProcessToken", ""),
    "GetCurrentThreadToken": ("HANDLE", "GetCurrentThreadToken", ""),
    "GetCurrentThreadEffectiveToken": ("HANDLE", "GetCurrentThreadEffectiveToken", ""),
    "GetCurrentProcessId": ("DWORD", "GetCurrentProcessId", ""),
    "GetCurrentThreadId": ("DWORD", "GetCurrentThreadId", ""),
    "CloseHandle": ("BOOL", "CloseHandle", "{0}"),
    "DuplicateHandle": ("BOOL", "DuplicateHandle", "{0}, {1}, {2}, &{out}, {3}, {4}, {5}"),
    "OpenProcessToken": ("BOOL", "OpenProcessToken", "{0}, {1}, &{out}"),
    "OpenThreadToken": ("BOOL", "OpenThreadToken", "{0}, {1}, {2}, &{out}"),
    "OpenProcess": ("HANDLE", "OpenProcess", "{0}, {1}, {2}"),
    "OpenThread": ("HANDLE", "OpenThread", "{0}, {1}, {2}"),
    "LogonUser": ("BOOL", "LogonUserW", "{0}, {1}, {2}, {3}, {4}, &{out}"),
    "DuplicateToken": ("BOOL", "DuplicateToken", "{0}, {1}, &{out}"),
    "DuplicateTokenEx": ("BOOL", "DuplicateTokenEx", "{0}, {1}, {2}, {3}, {4}, &{out}"),
    "CreateRestrictedToken": ("BOOL", "CreateRestrictedToken",
                              "{0}, {1}, {n2}, {2}, {n3}, {3}, {n4}, {4}, &{out}"),
    "ImpersonateLoggedOnUser": ("BOOL", "ImpersonateLoggedOnUser", "{0}"),
    "ImpersonateSelf": ("BOOL", "ImpersonateSelf", "{0}"),
    "SetThreadToken": ("BOOL", "SetThreadToken", "{&0}, {1}"),
    "RevertToSelf": ("BOOL", "RevertToSelf", ""),
    "GetTokenInformation": ("BOOL", "GetTokenInformation", "{0}, {1}, buffer, sizeof buffer, &cbReturned"),
    "SetTokenInformation": ("BOOL", "SetTokenInformation", "{0}, {1}, &info{#2}, sizeof info"),
    "AdjustTokenPrivileges": ("BOOL", "AdjustTokenPrivileges",
                              "{0}, {1}, &newState{#2}, sizeof previous, &previous, &cbPrevious"),
    "GetSecurityInfo": ("DWORD", "GetSecurityInfo", "{0}, {1}, {2}, NULL, NULL, &pDacl, NULL, &pSD"),
    "GetKernelObjectSecurity": ("BOOL", "GetKernelObjectSecurity", "{0}, {1}, pSD, cbSD, &cbNeeded"),
    "SetSecurityInfo": ("DWORD", "SetSecurityInfo", "{0}, {1}, {2}, {3}, {4}, {5}, {6}"),
    "SetKernelObjectSecurity": ("BOOL", "SetKernelObjectSecurity", "{0}, {1}, {2}"),
    "CreateEvent": ("HANDLE", "CreateEventW", "{0}, {1}, {2}, {3}"),
    "OpenEvent": ("HANDLE", "OpenEventW", "{0}, {1}, {2}"),
    "CreateEventEx": ("HANDLE", "CreateEventExW", "{0}, {1}, {2}, {3}"),
    "CreateMutex": ("HANDLE", "CreateMutexW", "{0}, {1}, {2}"),
    "OpenMutex": ("HANDLE", "OpenMutexW", "{0}, {1}, {2}"),
    "ReleaseMutex": ("BOOL", "ReleaseMutex", "{0}"),
    "CreateSemaphore": ("HANDLE", "CreateSemaphoreW", "{0}, {1}, {2}, {3}"),
    "OpenSemaphore": ("HANDLE", "OpenSemaphoreW", "{0}, {1}, {2}"),
    "ReleaseSemaphore": ("BOOL", "ReleaseSemaphore", "{0}, {1}, &previousCount"),
    "CreateThread": ("HANDLE", "CreateThread", "{0}, {1}, ThreadProc, {3}, {4}, &{out1}"),
    "AccessCheck": ("BOOL", "AccessCheck",
                    "{0}, {1}, {2}, &mapping, &privileges, &cbPrivileges, &granted, &status"),
    "PrivilegeCheck": ("BOOL", "PrivilegeCheck", "{0}, &requiredPrivileges{#1}, &result"),
    "CheckTokenMembership": ("BOOL", "CheckTokenMembership", "{0}, {1}, &isMember"),
    "CoCreateInstance": ("HRESULT", "CoCreateInstance", "{0}, {1}, {2}, {3}, (void **)&punk"),
    "CoImpersonateClient": ("HRESULT", "CoImpersonateClient", ""),
    "CoRevertToSelf": ("HRESULT", "CoRevertToSelf", ""),
    "CreateNamedPipe": ("HANDLE", "CreateNamedPipeW", "{0}, {1}, {2}, {3}, {4}, {5}, {6}, {7}"),
    "ConnectNamedPipe": ("BOOL", "ConnectNamedPipe", "{0}, {1}"),
    "DisconnectNamedPipe": ("BOOL", "DisconnectNamedPipe", "{0}"),
    "CreateFile": ("HANDLE", "CreateFileW", "{0}, {1}, {2}, {3}, {4}, {5}, {6}"),
    "WriteFile": ("BOOL", "WriteFile", "{0}, {1}, {2}, &cbWritten, {3}"),
    "ReadFile": ("BOOL", "ReadFile", "{0}, readBuffer, {1}, &cbRead, {2}"),
    "ImpersonateNamedPipeClient": ("BOOL", "ImpersonateNamedPipeClient", "{0}"),
    "GetNamedPipeClientProcessId": ("BOOL", "GetNamedPipeClientProcessId", "{0}, &clientPid"),
    "CreateDirectory": ("BOOL", "CreateDirectoryW", "{0}, {1}"),
    "GetFileSecurity": ("BOOL", "GetFileSecurityW", "{0}, {1}, pSD, cbSD, &cbNeeded"),
    "SetFileSecurity": ("BOOL", "SetFileSecurityW", "{0}, {1}, {2}"),
    "CreateProcess": ("BOOL", "CreateProcessW", "{0}, {1}, {2}, {3}, {4}, {5}, {6}, {7}, &si, &pi"),
    "CreateProcessAsUser": ("BOOL", "CreateProcessAsUserW", "{0}, {1}, {2}, {3}, {4}, {5}, {6}, {7}, {8}, &si, &pi"),
    "CreateProcessWithTokenW": ("BOOL", "CreateProcessWithTokenW", "{0}, {1}, {2}, {3}, {4}, {5}, {6}, &si, &pi"),
    "AdjustTokenGroups": ("BOOL", "AdjustTokenGroups",
                          "{0}, {1}, &newGroups{#2}, sizeof previousGroups, (PTOKEN_GROUPS)&previousGroups, "
                          "&cbPreviousGroups"),
    "ImpersonateAnonymousToken": ("BOOL", "ImpersonateAnonymousToken", "{0}"),
    "LookupAccountSid": ("BOOL", "LookupAccountSidW",
                         "{0}, {1}, accountName, &cchAccountName, domainName, &cchDomainName, &sidUse"),
    "LookupAccountName": ("BOOL", "LookupAccountNameW",
                          "{0}, {1}, sidBuffer, &cbSid, domainName, &cchDomainName, &sidUse"),
}

# Twins that are C++ (REFCLSID/REFIID as references); a program using one is compiled as C++.
CPP_ONLY = frozenset({"CoCreateInstance"})


@dataclass(frozen=True)
class RecordedCall:
    """A facade call as it was recorded: what ``c_call`` was given."""

    fn: object
    name: str
    args: tuple
    kwargs: dict
    result: object = None
    error: object = None


class CTwin(str):
    """The C text of one call (a ``str``), with the recorded call it was made from."""

    call: RecordedCall | None = None

    def __new__(cls, text: str, call: RecordedCall | None = None):
        self = super().__new__(cls, text)
        self.call = call
        return self

    def __reduce__(self):
        return (CTwin, (str(self), self.call))


def _c_string(text: str) -> str:
    out = []
    for ch in text:
        if ch in '\\"':
            out.append("\\" + ch)
        elif 0x20 <= ord(ch) < 0x7F:
            out.append(ch)
        else:  # newlines, controls, bidi overrides and non-ASCII: escapes, never raw
            out.append(f"\\x{ord(ch):04x}" if ord(ch) < 0x10000 else f"\\U{ord(ch):08x}")
    return 'L"' + "".join(out) + '"'


def c_expr(param: str, value, pre: list[str]) -> str:
    """One argument as C; declarations it needs go to ``pre``."""
    if value is None:
        return "NULL"
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, SecurityDescriptor):
        pre.append(f"// pSD points to {value.to_sddl()}")
        return "pSD"
    if type(value).__name__ == "SECURITY_ATTRIBUTES":
        sd = c_expr("sd", value.lpSecurityDescriptor, pre)
        pre.append(f"SECURITY_ATTRIBUTES sa = {{ sizeof sa, {sd}, {'TRUE' if value.bInheritHandle else 'FALSE'} }};")
        return "&sa"
    if isinstance(value, SID):
        return f"pSid /* {value.text} */"
    if isinstance(value, ACL):
        return f"pAcl /* {SecurityDescriptor(dacl=value).to_sddl()} */"
    if isinstance(value, GenericMapping):
        return "&mapping"
    if isinstance(value, (bytes, bytearray)):
        return _c_string(bytes(value).decode("latin-1"))[1:]  # a narrow "..." literal
    if isinstance(value, str) and param == "lpCommandLine":
        # CreateProcessW may write to its command line: a buffer, never a literal (docs: CreateProcess)
        pre.append(f"WCHAR commandLine[] = {_c_string(value)};  // CreateProcessW may write to it")
        return "commandLine"
    if isinstance(value, str):
        text = format_arg(param, value)
        return text if text != repr(value) else _c_string(value)
    if isinstance(value, int) and not isinstance(value, enum.Enum):
        text = format_arg(param, value)
        if text.endswith("()") or text != repr(value):
            return text  # a pseudo-handle call or a constant's name
        if _is_handle(param) and value not in PSEUDO_HANDLES:
            return f"h{value}"
        return str(value)
    if isinstance(value, enum.Enum):
        return format_arg(param, value)
    if isinstance(value, (tuple, list)):
        if not value:
            return "NULL"
        items = ", ".join(getattr(v, "text", None) or str(getattr(v, "sid", v)) for v in value)
        pre.append(f"SID_AND_ATTRIBUTES {param}[{len(value)}];  // {items}")
        return param
    return f"/* {value!r} */"


def _is_handle(param: str) -> bool:
    return "andle" in param or (param[:1] == "h" and param[1:2].isupper()) or param in (
        "hToken", "Token", "Thread", "hObject", "ClientToken", "hExistingToken", "ExistingTokenHandle", "Pipe")


def _result_var(value, pre: list[str]) -> str:
    name = f"h{value}" if isinstance(value, int) and not isinstance(value, bool) else "hNew"
    pre.append(f"HANDLE {name};")
    return name


def c_call(fn, name: str, args: tuple, kwargs: dict, result=None, error=None) -> str:
    """The call as C (see the module docstring); "" for a function without a C twin."""
    sig = C_SIGNATURES.get(name)
    if sig is None:
        return ""
    return CTwin(_c_text(fn, name, args, kwargs, result, error, sig),
                 RecordedCall(fn, name, tuple(args), dict(kwargs), result, error))


def _c_text(fn, name, args, kwargs, result, error, sig) -> str:
    returns, c_name, template = sig
    params = parameters(fn)
    pre: list[str] = []
    fields: dict[str, str] = {}
    for i, param in enumerate(params):
        p = param.name
        if i < len(args):
            v = args[i]
        else:
            v = kwargs.get(p, None if param.default is inspect.Parameter.empty else param.default)
        fields[str(i)] = fields[p] = c_expr(p, v, pre)
        fields[f"&{i}"] = "NULL" if v is None else f"&{fields[str(i)]}"
        fields[f"#{i}"] = ""
        if f"{{#{i}}}" in template:
            pre.append(f"// {p}: {_comment(fields[str(i)])}")
        fields[f"n{i}"] = str(len(v)) if isinstance(v, (tuple, list)) else "0"
    if "{out}" in template:
        if name == "DuplicateHandle":  # the new handle belongs to the target process
            fields["out"] = "hTarget"
            pre.append("HANDLE hTarget;" + (f"  // = {result} in the target process" if error is None else ""))
        else:
            fields["out"] = _result_var(result if error is None else None, pre)
    if "{out1}" in template:
        tid = result[1] if error is None and isinstance(result, tuple) else None
        fields["out1"] = f"tid{tid}" if tid is not None else "tid"
        pre.append(f"DWORD {fields['out1']};")
    call = f"{c_name}({_fill(template, fields)})"
    if returns == "HANDLE" and not call.startswith("GetCurrent"):
        handle = result[0] if isinstance(result, tuple) else result
        call = f"HANDLE {('h' + str(handle)) if error is None else 'h'} = {call};"
    elif returns == "HRESULT":
        if "punk" in template:
            pre.append("IUnknown *punk = NULL;")
        call = f"HRESULT hr = {call};"
    elif returns == "DWORD" and name.endswith("SecurityInfo"):
        if name == "GetSecurityInfo":
            pre += ["PACL pDacl = NULL;", "PSECURITY_DESCRIPTOR pSD = NULL;  // LocalFree(pSD) when done"]
        call = f"DWORD err = {call};"
    else:
        call += ";"
    if isinstance(error, ComError):
        call += f"  // hr == {error.name} (0x{error.hresult:08X})"
    elif isinstance(error, WinError):
        got = "err ==" if returns == "DWORD" and name.endswith("SecurityInfo") else "fails: GetLastError() =="
        call += f"  // {got} {error.name} ({error.winerror})"
    lines = list(dict.fromkeys(p for p in pre if p))  # each declaration once, in order
    return "\n".join(lines + [call])


def _comment(text: str) -> str:
    """``text`` for a // comment: an inner /* … */ would end nothing there, but reads oddly."""
    return text.replace("/* ", "").replace(" */", "").replace("/*", "").replace("*/", "")


def _fill(template: str, fields: dict[str, str]) -> str:
    out, i = [], 0
    while i < len(template):
        if template[i] == "{":
            j = template.index("}", i)
            key = template[i + 1:j]
            out.append(fields.get(key, "{" + key + "}") if not key.startswith(" ") else template[i:j + 1])
            i = j + 1
        else:
            out.append(template[i])
            i += 1
    return "".join(out)
