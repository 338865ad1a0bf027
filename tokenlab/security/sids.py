"""Security identifiers (SIDs): parse, print, compare, and the well-known table.

``SID('S-1-5-32-544')`` parses the string form ([MS-DTYP] 2.4.2.1), round-trips through
``repr`` and compares by value. SDDL's two-letter aliases and the well-known account
names come from one data table, :data:`WELL_KNOWN`, read by both the SDDL parser and
formatter. Domain-relative aliases (``DA``, ``DU``, ``LA`` ...) need a domain SID; a
machine supplies its own.
"""
from __future__ import annotations

import re
from typing import NamedTuple

MAX_SUBAUTHORITIES = 15  # SID_MAX_SUB_AUTHORITIES


class SID:
    """A security identifier; ``SID('S-1-5-18')`` or ``SID.from_parts(5, 18)``.

    Immutable and hashable; compares and sorts by value (authority, then subauthorities).
    """

    __slots__ = ("text", "_parts")

    def __init__(self, text: "str | SID"):
        if isinstance(text, SID):
            parts = text._parts
        elif isinstance(text, str):
            parts = _parse_sid_text(text)
        else:
            raise TypeError(f"SID() expects str (the text parameter, 'S-1-...'), got {type(text).__name__}")
        object.__setattr__(self, "_parts", parts)
        object.__setattr__(self, "text", _format(*parts))

    @classmethod
    def _trusted(cls, authority: int, subauthorities: tuple[int, ...], text: str | None = None) -> "SID":
        """A SID from parts already range-checked (the SDDL parser's path); ``text`` is
        its canonical string when the caller already has it."""
        sid = object.__new__(cls)
        object.__setattr__(sid, "_parts", (authority, subauthorities))
        if text is None:
            auth = str(authority) if authority < 1 << 32 else f"0x{authority:012X}"
            text = "S-1-" + auth + "".join(["-" + str(x) for x in subauthorities])
        object.__setattr__(sid, "text", text)
        return sid

    def __setattr__(self, name, value):
        raise AttributeError("SID is immutable")

    def __eq__(self, other):
        return self._parts == other._parts if isinstance(other, SID) else NotImplemented

    def __hash__(self):
        return hash(self._parts)

    def __lt__(self, other):
        return self._parts < other._parts if isinstance(other, SID) else NotImplemented

    def __reduce__(self):
        return (SID, (self.text,))

    @classmethod
    def from_parts(cls, authority: int, *subauthorities: int) -> "SID":
        for name, value in (("authority", authority), *(("subauthorities", s) for s in subauthorities)):
            if isinstance(value, bool) or not isinstance(value, int):
                raise TypeError(f"SID.from_parts() {name} must be int, got {type(value).__name__}")
        return cls(_format(authority, tuple(subauthorities)))

    @property
    def revision(self) -> int:
        return 1

    @property
    def authority(self) -> int:
        return self._parts[0]

    @property
    def subauthorities(self) -> tuple[int, ...]:
        return self._parts[1]

    @property
    def rid(self) -> int | None:
        """The last subauthority (the relative id), or None for a SID with none."""
        return self._parts[1][-1] if self._parts[1] else None

    @property
    def domain(self) -> "SID | None":
        """The SID without its RID (``S-1-5-21-a-b-c-1001`` → ``S-1-5-21-a-b-c``)."""
        if not self._parts[1]:
            return None
        return SID.from_parts(self._parts[0], *self._parts[1][:-1])

    def child(self, rid: int) -> "SID":
        """This SID with ``rid`` appended (a domain SID's account)."""
        if isinstance(rid, bool) or not isinstance(rid, int):
            raise TypeError(f"SID.child() rid must be int, got {type(rid).__name__}")
        authority, subs = self._parts
        if len(subs) < MAX_SUBAUTHORITIES and 0 <= rid <= 0xFFFFFFFF:  # self is valid: so is the child
            return SID._trusted(authority, subs + (rid,), f"{self.text}-{rid}")
        return SID.from_parts(authority, *subs, rid)

    @property
    def name(self) -> str | None:
        """The well-known account name (``BUILTIN\\Administrators``), if this SID has one."""
        return well_known_name(self)

    @property
    def alias(self) -> str | None:
        """The SDDL alias of a domain-independent well-known SID (``BA``), if any."""
        entry = _BY_SID.get(self.text)
        return entry.alias if entry else None

    @property
    def is_integrity_level(self) -> bool:
        return self._parts[0] == 16 and len(self._parts[1]) == 1

    @property
    def is_logon_sid(self) -> bool:
        s = self._parts[1]
        return self._parts[0] == 5 and len(s) == 3 and s[0] == 5

    def __str__(self) -> str:
        return self.text

    def __repr__(self) -> str:
        return f"SID({self.text!r})"


_SID_RE = re.compile(r"[sS]-1-(0[xX][0-9a-fA-F]{1,12}|\d{1,15})((?:-\d{1,10})*)\Z")


def _parse_sid_text(text: str) -> tuple[int, tuple[int, ...]]:
    m = _SID_RE.match(text)
    if not m:
        if not text[:2].upper() == "S-":
            raise ValueError(f"SID string must start with 'S-': {text!r}")
        if not text[:4].upper() == "S-1-":
            raise ValueError(f"SID revision must be 1: {text!r}")
        raise ValueError(
            f"SID string must be S-1-<authority>[-<subauthority>...] with decimal numbers: {text!r}"
        )
    auth_text, rest = m.group(1), m.group(2)
    authority = int(auth_text, 16) if auth_text[:2].lower() == "0x" else int(auth_text)
    if authority >= 1 << 48:
        raise ValueError(f"SID identifier authority {authority} exceeds 48 bits: {text!r}")
    subs = tuple(int(p) for p in rest.split("-")[1:])
    if len(subs) > MAX_SUBAUTHORITIES:
        raise ValueError(f"SID has {len(subs)} subauthorities, at most {MAX_SUBAUTHORITIES} allowed: {text!r}")
    for s in subs:
        if s > 0xFFFFFFFF:
            raise ValueError(f"SID subauthority {s} exceeds 32 bits: {text!r}")
    return authority, subs


def _format(authority: int, subs: tuple[int, ...]) -> str:
    if not (0 <= authority < 1 << 48):
        raise ValueError(f"SID identifier authority out of range: {authority}")
    if len(subs) > MAX_SUBAUTHORITIES:
        raise ValueError(f"SID has {len(subs)} subauthorities, at most {MAX_SUBAUTHORITIES} allowed")
    for s in subs:
        if not (0 <= s <= 0xFFFFFFFF):
            raise ValueError(f"SID subauthority out of range: {s}")
    # ConvertSidToStringSid prints authorities of 2**32 and above in hex.
    auth = str(authority) if authority < 1 << 32 else f"0x{authority:012X}"
    return "S-1-" + auth + "".join(f"-{s}" for s in subs)


class WellKnown(NamedTuple):
    alias: str | None  # SDDL two-letter alias
    sid: str  # string SID, or "-<rid>" for domain-relative
    name: str  # account name as LookupAccountSid prints it


# One table: SDDL aliases (docs: "SID Strings") and well-known names (docs: "Well-known
# SIDs"). Rows with a sid starting "-" are relative to a domain SID.
WELL_KNOWN: tuple[WellKnown, ...] = (
    WellKnown("AA", "S-1-5-32-579", "BUILTIN\\Access Control Assistance Operators"),
    WellKnown("AC", "S-1-15-2-1", "APPLICATION PACKAGE AUTHORITY\\ALL APPLICATION PACKAGES"),
    WellKnown("AN", "S-1-5-7", "NT AUTHORITY\\ANONYMOUS LOGON"),
    WellKnown("AO", "S-1-5-32-548", "BUILTIN\\Account Operators"),
    WellKnown("AS", "S-1-18-1", "Authentication authority asserted identity"),
    WellKnown("AU", "S-1-5-11", "NT AUTHORITY\\Authenticated Users"),
    WellKnown("BA", "S-1-5-32-544", "BUILTIN\\Administrators"),
    WellKnown("BG", "S-1-5-32-546", "BUILTIN\\Guests"),
    WellKnown("BO", "S-1-5-32-551", "BUILTIN\\Backup Operators"),
    WellKnown("BU", "S-1-5-32-545", "BUILTIN\\Users"),
    WellKnown("CD", "S-1-5-32-574", "BUILTIN\\Certificate Service DCOM Access"),
    WellKnown("CG", "S-1-3-1", "CREATOR GROUP"),
    WellKnown("CO", "S-1-3-0", "CREATOR OWNER"),
    WellKnown("CY", "S-1-5-32-569", "BUILTIN\\Cryptographic Operators"),
    WellKnown("ED", "S-1-5-9", "NT AUTHORITY\\ENTERPRISE DOMAIN CONTROLLERS"),
    WellKnown("ER", "S-1-5-32-573", "BUILTIN\\Event Log Readers"),
    WellKnown("ES", "S-1-5-32-576", "BUILTIN\\RDS Endpoint Servers"),
    WellKnown("HA", "S-1-5-32-578", "BUILTIN\\Hyper-V Administrators"),
    WellKnown("HI", "S-1-16-12288", "Mandatory Label\\High Mandatory Level"),
    WellKnown("IS", "S-1-5-32-568", "BUILTIN\\IIS_IUSRS"),
    WellKnown("IU", "S-1-5-4", "NT AUTHORITY\\INTERACTIVE"),
    WellKnown("LS", "S-1-5-19", "NT AUTHORITY\\LOCAL SERVICE"),
    WellKnown("LU", "S-1-5-32-559", "BUILTIN\\Performance Log Users"),
    WellKnown("LW", "S-1-16-4096", "Mandatory Label\\Low Mandatory Level"),
    WellKnown("ME", "S-1-16-8192", "Mandatory Label\\Medium Mandatory Level"),
    WellKnown("MS", "S-1-5-32-577", "BUILTIN\\RDS Management Servers"),
    WellKnown("MP", "S-1-16-8448", "Mandatory Label\\Medium Plus Mandatory Level"),
    WellKnown("MU", "S-1-5-32-558", "BUILTIN\\Performance Monitor Users"),
    WellKnown("NO", "S-1-5-32-556", "BUILTIN\\Network Configuration Operators"),
    WellKnown("NS", "S-1-5-20", "NT AUTHORITY\\NETWORK SERVICE"),
    WellKnown("NU", "S-1-5-2", "NT AUTHORITY\\NETWORK"),
    WellKnown("OW", "S-1-3-4", "OWNER RIGHTS"),
    WellKnown("PO", "S-1-5-32-550", "BUILTIN\\Print Operators"),
    WellKnown("PS", "S-1-5-10", "NT AUTHORITY\\SELF"),
    WellKnown("PU", "S-1-5-32-547", "BUILTIN\\Power Users"),
    WellKnown("RA", "S-1-5-32-575", "BUILTIN\\RDS Remote Access Servers"),
    WellKnown("RC", "S-1-5-12", "NT AUTHORITY\\RESTRICTED"),
    WellKnown("RD", "S-1-5-32-555", "BUILTIN\\Remote Desktop Users"),
    WellKnown("RE", "S-1-5-32-552", "BUILTIN\\Replicator"),
    WellKnown("RM", "S-1-5-32-580", "BUILTIN\\Remote Management Users"),
    WellKnown("RU", "S-1-5-32-554", "BUILTIN\\Pre-Windows 2000 Compatible Access"),
    WellKnown("SI", "S-1-16-16384", "Mandatory Label\\System Mandatory Level"),
    WellKnown("SO", "S-1-5-32-549", "BUILTIN\\Server Operators"),
    WellKnown("SS", "S-1-18-2", "Service asserted identity"),
    WellKnown("SU", "S-1-5-6", "NT AUTHORITY\\SERVICE"),
    WellKnown("SY", "S-1-5-18", "NT AUTHORITY\\SYSTEM"),
    WellKnown("UD", "S-1-5-84-0-0-0-0-0", "NT AUTHORITY\\USER MODE DRIVERS"),
    WellKnown("WD", "S-1-1-0", "Everyone"),
    WellKnown("WR", "S-1-5-33", "NT AUTHORITY\\WRITE RESTRICTED"),
    # Domain-relative (resolved against a domain SID).
    WellKnown("RO", "-498", "Enterprise Read-only Domain Controllers"),
    WellKnown("LA", "-500", "Administrator"),
    WellKnown("LG", "-501", "Guest"),
    WellKnown("DA", "-512", "Domain Admins"),
    WellKnown("DU", "-513", "Domain Users"),
    WellKnown("DG", "-514", "Domain Guests"),
    WellKnown("DC", "-515", "Domain Computers"),
    WellKnown("DD", "-516", "Domain Controllers"),
    WellKnown("CA", "-517", "Cert Publishers"),
    WellKnown("SA", "-518", "Schema Admins"),
    WellKnown("EA", "-519", "Enterprise Admins"),
    WellKnown("PA", "-520", "Group Policy Creator Owners"),
    WellKnown("CN", "-522", "Cloneable Domain Controllers"),
    WellKnown("AP", "-525", "Protected Users"),
    WellKnown("KA", "-526", "Key Admins"),
    WellKnown("EK", "-527", "Enterprise Key Admins"),
    WellKnown("RS", "-553", "RAS and IAS Servers"),
    # Well-known SIDs without an SDDL alias.
    WellKnown(None, "S-1-0-0", "NULL SID"),
    WellKnown(None, "S-1-2-0", "LOCAL"),
    WellKnown(None, "S-1-2-1", "CONSOLE LOGON"),
    WellKnown(None, "S-1-3-2", "CREATOR OWNER SERVER"),
    WellKnown(None, "S-1-3-3", "CREATOR GROUP SERVER"),
    WellKnown(None, "S-1-5-1", "NT AUTHORITY\\DIALUP"),
    WellKnown(None, "S-1-5-3", "NT AUTHORITY\\BATCH"),
    WellKnown(None, "S-1-5-8", "NT AUTHORITY\\PROXY"),
    WellKnown(None, "S-1-5-13", "NT AUTHORITY\\TERMINAL SERVER USER"),
    WellKnown(None, "S-1-5-14", "NT AUTHORITY\\REMOTE INTERACTIVE LOGON"),
    WellKnown(None, "S-1-5-15", "NT AUTHORITY\\This Organization"),
    WellKnown(None, "S-1-5-17", "NT AUTHORITY\\IUSR"),
    WellKnown(None, "S-1-5-32", "BUILTIN"),
    WellKnown(None, "S-1-5-64-10", "NT AUTHORITY\\NTLM Authentication"),
    WellKnown(None, "S-1-5-80-0", "NT SERVICE\\ALL SERVICES"),
    WellKnown(None, "S-1-5-113", "NT AUTHORITY\\Local account"),
    WellKnown(None, "S-1-5-114", "NT AUTHORITY\\Local account and member of Administrators group"),
    WellKnown(None, "S-1-16-0", "Mandatory Label\\Untrusted Mandatory Level"),
    WellKnown(None, "S-1-16-20480", "Mandatory Label\\Protected Process Mandatory Level"),
)

_BY_SID = {w.sid: w for w in WELL_KNOWN if not w.sid.startswith("-")}
_BY_ALIAS = {w.alias: w for w in WELL_KNOWN if w.alias}
_BY_RID = {int(w.sid[1:]): w for w in WELL_KNOWN if w.sid.startswith("-")}

DOMAIN_RELATIVE_ALIASES = frozenset(w.alias for w in _BY_RID.values())


def sid_from_alias(alias: str, domain: SID | None = None) -> SID:
    """``sid_from_alias('ba') == SID('S-1-5-32-544')``; domain-relative aliases need ``domain``."""
    if not isinstance(alias, str):
        raise TypeError(f"sid_from_alias() alias must be str, got {type(alias).__name__}")
    if domain is not None and not isinstance(domain, SID):
        raise TypeError(f"sid_from_alias() domain must be SID or None, got {type(domain).__name__}")
    entry = _BY_ALIAS.get(alias.upper())
    if entry is None:
        raise ValueError(f"unknown SDDL SID alias {alias!r}")
    if entry.sid.startswith("-"):
        if domain is None:
            raise ValueError(f"SDDL alias {alias.upper()!r} is relative to a domain and no domain SID was given")
        return domain.child(int(entry.sid[1:]))
    return SID(entry.sid)


def alias_of(sid: SID, domain: SID | None = None) -> str | None:
    """The SDDL alias Windows prints for ``sid`` (domain-relative ones only for ``domain``)."""
    entry = _BY_SID.get(sid.text)
    if entry is not None:
        return entry.alias
    if domain is not None and sid.domain == domain:
        e = _BY_RID.get(sid.rid)  # type: ignore[arg-type]
        return e.alias if e else None
    return None


def well_known_name(sid: SID, domain: SID | None = None) -> str | None:
    entry = _BY_SID.get(sid.text)
    if entry is not None:
        return entry.name
    if sid.is_logon_sid:
        return f"NT AUTHORITY\\LogonSessionId_{sid.subauthorities[1]}_{sid.subauthorities[2]}"
    if domain is not None and sid.domain == domain:
        e = _BY_RID.get(sid.rid)  # type: ignore[arg-type]
        return e.name if e else None
    return None


def logon_sid(high: int, low: int) -> SID:
    """The logon SID ``S-1-5-5-X-Y`` of a logon session."""
    return SID.from_parts(5, 5, high, low)


# Names code reaches for often.
EVERYONE = SID("S-1-1-0")
CREATOR_OWNER = SID("S-1-3-0")
CREATOR_GROUP = SID("S-1-3-1")
OWNER_RIGHTS = SID("S-1-3-4")
NETWORK = SID("S-1-5-2")
BATCH = SID("S-1-5-3")
INTERACTIVE = SID("S-1-5-4")
SERVICE = SID("S-1-5-6")
ANONYMOUS = SID("S-1-5-7")
PRINCIPAL_SELF = SID("S-1-5-10")
AUTHENTICATED_USERS = SID("S-1-5-11")
RESTRICTED = SID("S-1-5-12")
THIS_ORGANIZATION = SID("S-1-5-15")
LOCAL_SYSTEM = SID("S-1-5-18")
LOCAL_SERVICE = SID("S-1-5-19")
NETWORK_SERVICE = SID("S-1-5-20")
WRITE_RESTRICTED = SID("S-1-5-33")
BUILTIN_ADMINISTRATORS = SID("S-1-5-32-544")
BUILTIN_USERS = SID("S-1-5-32-545")
BUILTIN_GUESTS = SID("S-1-5-32-546")
LOCAL = SID("S-1-2-0")
CONSOLE_LOGON = SID("S-1-2-1")
NTLM_AUTHENTICATION = SID("S-1-5-64-10")
LOCAL_ACCOUNT = SID("S-1-5-113")
LOCAL_ACCOUNT_AND_ADMIN = SID("S-1-5-114")

UNTRUSTED_INTEGRITY = SID("S-1-16-0")
LOW_INTEGRITY = SID("S-1-16-4096")
MEDIUM_INTEGRITY = SID("S-1-16-8192")
MEDIUM_PLUS_INTEGRITY = SID("S-1-16-8448")
HIGH_INTEGRITY = SID("S-1-16-12288")
SYSTEM_INTEGRITY = SID("S-1-16-16384")
PROTECTED_PROCESS_INTEGRITY = SID("S-1-16-20480")

INTEGRITY_NAMES = {
    0: "Untrusted", 4096: "Low", 8192: "Medium", 8448: "Medium Plus",
    12288: "High", 16384: "System", 20480: "Protected Process",
}


def integrity_rid(sid: SID) -> int:
    """The integrity level a label SID stands for (``S-1-16-8192`` → 8192)."""
    if not sid.is_integrity_level:
        raise ValueError(f"{sid} is not a mandatory label SID (S-1-16-<level>)")
    return sid.subauthorities[0]
