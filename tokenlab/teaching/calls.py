"""A facade call as text: arguments and results with the names C's headers give them.

``format_call(Api.OpenThreadToken, "OpenThreadToken", (-2, 0xF01FF, True), {})`` gives
``OpenThreadToken(GetCurrentThread(), TOKEN_ALL_ACCESS, True)``: pseudo-handles, masks,
levels and constant families (LOGON32_*, *_SECURITY_INFORMATION …) by name.
"""
from __future__ import annotations

import enum
import functools
import inspect

from ..kernel.com import CLSID_Something, IID_IUnknown
from ..kernel.handles import PSEUDO_HANDLES
from ..security import rights
from ..security.descriptor import SecurityDescriptor
from ..security.rights import GenericMapping, mask_names
from ..security.sids import SID
from ..win32 import constants as C
from ..win32.structs import SECURITY_ATTRIBUTES

__all__ = ["format_arg", "format_call", "format_result"]


def _constant_names() -> dict[str, dict[int, str]]:
    """Which constant family names an int argument, by parameter name (C's headers)."""
    def family(prefix: str, *, exclude: tuple = ()) -> dict[int, str]:
        return {v: k for k, v in vars(C).items()
                if k.startswith(prefix) and isinstance(v, int) and not k.startswith(exclude)}

    info = {v: k for k, v in vars(C).items() if k.endswith("_SECURITY_INFORMATION") and isinstance(v, int)}
    return {
        "dwLogonType": family("LOGON32_LOGON_"),
        "dwLogonProvider": family("LOGON32_PROVIDER_"),
        "ObjectType": {v: k for k, v in vars(C).items() if k.startswith("SE_") and k.endswith(("_OBJECT", "_KEY", "_SERVICE", "_PRINTER", "_LMSHARE", "_OBJECT_TYPE"))},
        "SecurityInfo": info, "RequestedInformation": info, "SecurityInformation": info,
        "dwClsContext": family("CLSCTX_", exclude=("CLSCTX_ALL",)),
        "TokenInformationClass": dict(C.TOKEN_INFORMATION_CLASS_NAMES),
        "dwOptions": family("DUPLICATE_"),
        "Flags": family("DISABLE_MAX_PRIVILEGE") | family("SANDBOX_INERT"),
        "dwOpenMode": family("PIPE_ACCESS_"),
        "dwPipeMode": {0: "PIPE_TYPE_BYTE|PIPE_WAIT", C.PIPE_NOWAIT: "PIPE_NOWAIT",
                       C.PIPE_READMODE_MESSAGE: "PIPE_READMODE_MESSAGE", C.PIPE_TYPE_MESSAGE: "PIPE_TYPE_MESSAGE",
                       C.PIPE_REJECT_REMOTE_CLIENTS: "PIPE_REJECT_REMOTE_CLIENTS"},
        "dwCreationDisposition": {C.CREATE_NEW: "CREATE_NEW", C.CREATE_ALWAYS: "CREATE_ALWAYS",
                                  C.OPEN_EXISTING: "OPEN_EXISTING", C.OPEN_ALWAYS: "OPEN_ALWAYS",
                                  C.TRUNCATE_EXISTING: "TRUNCATE_EXISTING"},
        "dwShareMode": family("FILE_SHARE_"),
        "rclsid": {CLSID_Something: "CLSID_Something"},
        "riid": {IID_IUnknown: "IID_IUnknown"},
    }


_NAMES: dict[str, dict] | None = None


def _flag_text(value: int, table: dict[int, str]) -> str | None:
    if value in table:
        return table[value]
    parts, rest = [], value
    for v, n in sorted(table.items()):
        if v and v & (v - 1) == 0 and rest & v:
            parts.append(n)
            rest &= ~v
    return "|".join(parts) if parts and not rest else None


_SQOS_LEVELS = ("SECURITY_ANONYMOUS", "SECURITY_IDENTIFICATION", "SECURITY_IMPERSONATION", "SECURITY_DELEGATION")


_FILE_FLAGS = ((C.FILE_ATTRIBUTE_NORMAL, "FILE_ATTRIBUTE_NORMAL"),
               (C.FILE_FLAG_BACKUP_SEMANTICS, "FILE_FLAG_BACKUP_SEMANTICS"),
               (C.FILE_FLAG_DELETE_ON_CLOSE, "FILE_FLAG_DELETE_ON_CLOSE"), (C.FILE_FLAG_OVERLAPPED, "FILE_FLAG_OVERLAPPED"))


def _sqos_text(value: int) -> str:
    """CreateFile's flags: the SQOS level by name (a 2-bit field, not a flag), the file
    flags tokenlab reads by name, and the rest."""
    if not value & C.SECURITY_SQOS_PRESENT:
        parts, rest = [], value
        for bit, n in _FILE_FLAGS:
            if rest & bit:
                parts.append(n)
                rest &= ~bit
        return "|".join(parts + ([f"0x{rest:X}"] if rest else [])) or "0"
    parts = ["SECURITY_SQOS_PRESENT", _SQOS_LEVELS[(value >> 16) & 3]]
    rest = value & ~(C.SECURITY_SQOS_PRESENT | C.SECURITY_DELEGATION)
    for bit, n in ((C.SECURITY_CONTEXT_TRACKING, "SECURITY_CONTEXT_TRACKING"),
                   (C.SECURITY_EFFECTIVE_ONLY, "SECURITY_EFFECTIVE_ONLY")):
        if rest & bit:
            parts.append(n)
            rest &= ~bit
    return "|".join(parts) + (f"|0x{rest:X}" if rest else "")


def format_arg(name: str, value) -> str:
    """Readable text for one argument: pseudo-handles, masks, levels and the constant
    families of C's headers (LOGON32_*, SE_KERNEL_OBJECT, *_SECURITY_INFORMATION …) by name."""
    global _NAMES
    if _NAMES is None:
        _NAMES = _constant_names()
    table = _NAMES.get(name)
    if table is not None and isinstance(value, (int, str)) and not isinstance(value, bool):
        text = table.get(value) if isinstance(value, str) else _flag_text(int(value), table)
        if text is not None:
            return text
    if name == "dwFlagsAndAttributes" and isinstance(value, int) and not isinstance(value, bool):
        return _sqos_text(value)
    if isinstance(value, int) and not isinstance(value, bool) and value in PSEUDO_HANDLES and (
            "andle" in name or name in ("hToken", "Thread", "Token", "handle", "hObject", "ClientToken")):
        return PSEUDO_HANDLES[value][:-2] + "()"
    if isinstance(value, enum.IntFlag):
        names = mask_names(int(value), type(value))
        return "|".join(names) if names else "0"
    if isinstance(value, enum.IntEnum):
        return value.name
    if isinstance(value, SecurityDescriptor):
        return f"SecurityDescriptor.from_sddl({value.to_sddl()!r})"
    if isinstance(value, GenericMapping):
        return _mapping_name(value)
    if isinstance(value, SID):
        return repr(value)
    if isinstance(value, SECURITY_ATTRIBUTES):
        return f"SECURITY_ATTRIBUTES({format_arg('sd', value.lpSecurityDescriptor)}, {value.bInheritHandle})"
    return repr(value)


def _mapping_name(mapping: GenericMapping) -> str:
    """``FILE_MAPPING`` for the library's mappings; the dataclass repr for one a learner made."""
    for n, v in vars(rights).items():
        if n.endswith("_MAPPING") and v == mapping:
            return n
    return repr(mapping)


@functools.lru_cache(maxsize=None)
def parameters(fn) -> tuple[inspect.Parameter, ...]:
    """A facade function's parameters after ``self`` (asked once per function: every
    recorded call needs them)."""
    return tuple(inspect.signature(fn).parameters.values())[1:]


def format_call(fn, name: str, args: tuple, kwargs: dict) -> str:
    try:
        params = [p.name for p in parameters(fn)]
    except (TypeError, ValueError):  # pragma: no cover
        params = []
    parts = [format_arg(params[i] if i < len(params) else "", a) for i, a in enumerate(args)]
    parts += [f"{k}={format_arg(k, v)}" for k, v in kwargs.items()]
    return f"{name}({', '.join(parts)})"


def format_result(result) -> str:
    if isinstance(result, tuple):
        return "(" + ", ".join(format_result(r) for r in result) + ("," if len(result) == 1 else "") + ")"
    if isinstance(result, (enum.IntFlag, enum.IntEnum)):
        return format_arg("", result)
    return repr(result)
