"""SDDL: security descriptors as strings, read and printed the way Windows does.

``parse_sddl('O:BAG:SYD:PAI(A;OICI;FA;;;SY)')`` builds a :class:`SecurityDescriptor`;
``format_sddl(sd)`` prints one back exactly as ``ConvertSecurityDescriptorToString-
SecurityDescriptor`` would. The grammar is [MS-DTYP] 2.5.1 and the docs pages "Security
Descriptor String Format", "ACE Strings" and "SID Strings"; where they are silent, what
Windows accepts and prints is pinned by Wine's conformance tests, which run on real
Windows (dlls/advapi32/tests/security.c: test_ConvertStringSecurityDescriptor,
test_ConvertSecurityDescriptorToString, test_ConvertStringSidToSid).

Reading
  * sections ``O:`` ``G:`` ``D:`` ``S:`` in any order (Windows components themselves write
    ``S:(ML;;NW;;;LW)D:(...)``), each at most once;
  * section tags, ACE flags and ACL flags are upper case (``d:`` fails); ACE types, rights
    abbreviations and SID aliases may be any case (``(a;;ga;;;lg)``), as may the ``s-`` of
    a SID and the ``0x`` of a number (Samba's sddl tests, checked on Windows);
  * blanks may stand before a section, an ACE, each ACE field, between rights and after
    an alias trustee, nowhere else (``D:(D ;;GA;;;WD)``, ``D:(D;;GA ;;;WD)`` and
    ``D:(A;;GA;;;S-1-3-4 )`` fail on Windows);
  * rights mix abbreviations and numbers, OR-ed together (``GR0xFFFFFFFF`` is accepted);
    a number is read as C's ``wcstoul(s, &end, 0)`` reads it: optional sign, ``0x`` hex,
    octal after a leading ``0``, else decimal; too large saturates to 0xFFFFFFFF, and a
    minus negates modulo 2**32 (``-99`` is 0xffffff9d, ``-9876543210`` is 1);
  * a string SID ``S-R-I-S...``: each part decimal or ``0x`` hex; if the revision is
    written in hex, unprefixed later parts are hex too (``S-0x1-20-0-579`` is
    ``S-1-32-0-1401``); blanks may precede the revision and the authority; a
    subauthority above 32 bits saturates to 4294967295, an authority above 48 bits
    fails; in ``O:``/``G:`` the SID ends before the next section tag (``O:S-1-2-0x200D:``
    is ``S-1-2-512`` then ``D:``);
  * object ACEs (``OA``, ``OD``, ``OU``, ``OL``) carry an object-type and an inherited
    object-type GUID; an ``OA`` ACE with neither GUID is an ``A`` ACE (docs, "ACE
    Strings"); callback, alarm, resource-attribute and policy ACEs are valid SDDL that
    tokenlab does not model and raise :class:`SDDLNotModelledError` (an
    :class:`SDDLError`).

Printing
  * sections in the order O G D S; ACL flags in the order P AR AI (Windows' own output,
    e.g. audit event 4670 ``NewSd: D:PARAI(...)``);
  * a NULL DACL prints ``D:NO_ACCESS_CONTROL``, an empty one ``D:``, an absent one nothing;
  * ACE flags low bit first: OI CI NP IO ID CR SA FA (``OICINPIOIDSAFA`` in Wine's test);
  * object GUIDs in lower case (``(OA;;CR;1131f6aa-9c07-11d1-f79f-00c04fc2dcd2;;ED)``);
  * rights: a whole-mask name when the mask is exactly FA, FR, FW, FX, KA, KR, KW or KX;
    else one two-letter name per bit, low bit first (0xF0000000 prints ``GAGXGWGR``);
    else lower-case hex (``0x12019f``); a mandatory-label ACE names its bits NW NR NX.

Malformed text raises :class:`SDDLError` with the 0-based position and what was
expected; ``err.winerror`` is the code ConvertStringSecurityDescriptorToSecurityDescriptor
reports for it (87 outside sections, 1337 in an owner or group SID, 1336 in an ACL).

Why one file of ~500 lines: reading and printing share every table (aliases, rights and
flag names) and must stay exact inverses of each other; they are checked as a pair.
"""
from __future__ import annotations

import re
import uuid
from typing import NoReturn

from .acl import ACE, ACL, ACL_REVISION, ACL_REVISION_DS, NULL_ACL, OBJECT_ACE_TYPES, AceFlags, AceType, SDControl
from .errors import ErrorCode, SDDLError, SDDLNotModelledError
from .rights import FileAccess, KeyAccess, MandatoryLabelPolicy, STANDARD
from .sids import MAX_SUBAUTHORITIES, SID, WELL_KNOWN, alias_of

# SECURITY_INFORMATION bits (winnt.h): which parts of a descriptor to print.
OWNER_SECURITY_INFORMATION = 0x1
GROUP_SECURITY_INFORMATION = 0x2
DACL_SECURITY_INFORMATION = 0x4
SACL_SECURITY_INFORMATION = 0x8
LABEL_SECURITY_INFORMATION = 0x10  # only the mandatory label ACEs of the SACL
ALL_SECTIONS = OWNER_SECURITY_INFORMATION | GROUP_SECURITY_INFORMATION | DACL_SECURITY_INFORMATION | SACL_SECURITY_INFORMATION

# ------------------------------------------------------------------ data tables
# Each table is read by both the parser and the printer.

# ACE type strings (docs "ACE Strings"; sddl.h for TL and FL).
ACE_TYPES: dict[str, AceType] = {
    "A": AceType.ACCESS_ALLOWED_ACE_TYPE,
    "D": AceType.ACCESS_DENIED_ACE_TYPE,
    "AU": AceType.SYSTEM_AUDIT_ACE_TYPE,
    "ML": AceType.SYSTEM_MANDATORY_LABEL_ACE_TYPE,
    "OA": AceType.ACCESS_ALLOWED_OBJECT_ACE_TYPE,  # an "A" ACE when it names no GUID
    "OD": AceType.ACCESS_DENIED_OBJECT_ACE_TYPE,
    "OU": AceType.SYSTEM_AUDIT_OBJECT_ACE_TYPE,
    "OL": AceType.SYSTEM_ALARM_OBJECT_ACE_TYPE,
}
UNMODELLED_ACE_TYPES: dict[str, str] = {
    "AL": "SYSTEM_ALARM_ACE_TYPE",
    "XA": "ACCESS_ALLOWED_CALLBACK_ACE_TYPE",
    "XD": "ACCESS_DENIED_CALLBACK_ACE_TYPE",
    "XU": "SYSTEM_AUDIT_CALLBACK_ACE_TYPE",
    "ZA": "ACCESS_ALLOWED_CALLBACK_OBJECT_ACE_TYPE",
    "RA": "SYSTEM_RESOURCE_ATTRIBUTE_ACE_TYPE",
    "SP": "SYSTEM_SCOPED_POLICY_ID_ACE_TYPE",
    "TL": "SYSTEM_PROCESS_TRUST_LABEL_ACE_TYPE",
    "FL": "SYSTEM_ACCESS_FILTER_ACE_TYPE",
}

# ACE flag strings in the order Windows prints them (low bit first).
ACE_FLAGS: tuple[tuple[str, AceFlags], ...] = (
    ("OI", AceFlags.OBJECT_INHERIT_ACE),
    ("CI", AceFlags.CONTAINER_INHERIT_ACE),
    ("NP", AceFlags.NO_PROPAGATE_INHERIT_ACE),
    ("IO", AceFlags.INHERIT_ONLY_ACE),
    ("ID", AceFlags.INHERITED_ACE),
    ("CR", AceFlags.CRITICAL_ACE_FLAG),
    ("SA", AceFlags.SUCCESSFUL_ACCESS_ACE_FLAG),
    ("FA", AceFlags.FAILED_ACCESS_ACE_FLAG),
)
# TRUST_PROTECTED_FILTER_ACE_FLAG shares bit 0x40 with SA; read only, printed as SA.
ACE_FLAG_ALIASES: dict[str, int] = {"TP": 0x40}

# Rights abbreviations (docs "ACE Strings"), in the order Windows tries whole-mask names.
RIGHTS: tuple[tuple[str, int], ...] = (
    ("GA", STANDARD["GENERIC_ALL"]), ("GR", STANDARD["GENERIC_READ"]),
    ("GW", STANDARD["GENERIC_WRITE"]), ("GX", STANDARD["GENERIC_EXECUTE"]),
    ("RC", STANDARD["READ_CONTROL"]), ("SD", STANDARD["DELETE"]),
    ("WD", STANDARD["WRITE_DAC"]), ("WO", STANDARD["WRITE_OWNER"]),
    # Directory-service rights (ADS_RIGHT_*): the names Windows gives bits 0-8 of any mask.
    ("RP", 0x10), ("WP", 0x20), ("CC", 0x1), ("DC", 0x2), ("LC", 0x4),
    ("SW", 0x8), ("LO", 0x80), ("DT", 0x40), ("CR", 0x100),
    ("FA", FileAccess.FILE_ALL_ACCESS), ("FR", FileAccess.FILE_GENERIC_READ),
    ("FW", FileAccess.FILE_GENERIC_WRITE), ("FX", FileAccess.FILE_GENERIC_EXECUTE),
    ("KA", KeyAccess.KEY_ALL_ACCESS), ("KR", KeyAccess.KEY_READ),
    ("KW", KeyAccess.KEY_WRITE), ("KX", KeyAccess.KEY_READ),  # KEY_EXECUTE == KEY_READ
)
LABEL_RIGHTS: tuple[tuple[str, int], ...] = (
    ("NW", MandatoryLabelPolicy.SYSTEM_MANDATORY_LABEL_NO_WRITE_UP),
    ("NR", MandatoryLabelPolicy.SYSTEM_MANDATORY_LABEL_NO_READ_UP),
    ("NX", MandatoryLabelPolicy.SYSTEM_MANDATORY_LABEL_NO_EXECUTE_UP),
)

# ACL flags (docs "Security Descriptor String Format"): (DACL bit, SACL bit), print order.
ACL_FLAGS: tuple[tuple[str, SDControl, SDControl], ...] = (
    ("P", SDControl.SE_DACL_PROTECTED, SDControl.SE_SACL_PROTECTED),
    ("AR", SDControl.SE_DACL_AUTO_INHERIT_REQ, SDControl.SE_SACL_AUTO_INHERIT_REQ),
    ("AI", SDControl.SE_DACL_AUTO_INHERITED, SDControl.SE_SACL_AUTO_INHERITED),
)
NULL_ACL_STRING = "NO_ACCESS_CONTROL"

# Lookups derived from the tables.
_ACE_TYPE_STRING = {t: s for s, t in ACE_TYPES.items()}
_ACE_FLAG_BITS = {**{s: int(f) for s, f in ACE_FLAGS}, **ACE_FLAG_ALIASES}
_RIGHT_BITS = {s: int(m) for s, m in RIGHTS + LABEL_RIGHTS}
_WHOLE_MASK_NAMES = {int(m): s for s, m in reversed(RIGHTS) if int(m) & (int(m) - 1)}  # first wins
_BIT_NAMES = {int(m).bit_length() - 1: s for s, m in RIGHTS if not int(m) & (int(m) - 1)}
_LABEL_BIT_NAMES = {int(m).bit_length() - 1: s for s, m in LABEL_RIGHTS}
_ACL_FLAG_BITS = {name: (int(dacl_bit), int(sacl_bit)) for name, dacl_bit, sacl_bit in ACL_FLAGS}
_ALIASES = {w.alias: w.sid for w in WELL_KNOWN if w.alias}  # "DA" -> "-512" is domain-relative
_ALIAS_SIDS = {alias: SID(sid) for alias, sid in _ALIASES.items() if not sid.startswith("-")}
_SECTION_TAGS = ("O:", "G:", "D:", "S:")
# Every ACE-flags string as Windows prints it (low bit first, "OICIID" ...): a fixed table
# of 256 spellings, so the canonical form is one lookup; any other order is read bit by bit.
_PRINTED_FLAGS = {"".join(name for name, bit in ACE_FLAGS if i & bit): i for i in range(1, 256)}

# What ConvertStringSecurityDescriptorToSecurityDescriptor reports, by where the text is bad.
_BAD_SECTION = int(ErrorCode.ERROR_INVALID_PARAMETER)
_BAD_SID = int(ErrorCode.ERROR_INVALID_SID)  # in O: or G:
_BAD_ACL = int(ErrorCode.ERROR_INVALID_ACL)  # in D: or S: (Wine CSSD, Vista and later)

# Tokens.
_GUID_RE = re.compile(r"[0-9A-Fa-f]{8}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{12}")
_LETTERS_RE = re.compile(r"[A-Za-z]+")
# One rights token: a number as wcstoul(base 0) reads it, or a two-letter abbreviation.
_RIGHT_RE = re.compile(r"([+-]?)(?:0[xX]([0-9A-Fa-f]+)|0([0-7]*)|([1-9][0-9]*))|([A-Za-z]{2})")
_HEX_RE = re.compile(r"[0-9A-Fa-f]+")
_DEC_RE = re.compile(r"[0-9]+")
_CRT_SPACE = " \t\n\v\f\r"  # what wcstoul skips before a number
_LEADING_ZERO = re.compile(r"-0[0-9]")
_SIMPLE_TYPES = {s: t for s, t in ACE_TYPES.items() if t not in OBJECT_ACE_TYPES}
_ACL_FLAG_WORDS = re.compile("|".join([NULL_ACL_STRING, *_ACL_FLAG_BITS]))
_ACL_FLAGS_RE = re.compile(f"(?:{_ACL_FLAG_WORDS.pattern})*")
# The spelling Windows prints ("(A;OICI;FA;;;SY)") is read by this one regex and table
# lookups; anything else (blanks, octal, GUIDs, errors) goes to _Parser.any_ace.
_ACE_FAST = re.compile(r"\(([A-Z]{1,2});([A-Z]*);(0x[0-9a-f]{1,8}|[A-Z]*);;;([A-Z]{2}|S-1-[0-9]{1,14}(?:-[0-9]{1,10})+)\)")
# A string SID as Windows prints it, modulo leading zeros and range (see _canonical_sid).
_SID_FAST = re.compile(r"S-1-[0-9]{1,14}(?:-[0-9]{1,10})+")


_ACE_CACHE: dict[str, ACE] = {}
_ACE_CACHE_SIZE = 4096

# ------------------------------------------------------------------ reading

def parse_descriptor(text: str, domain: SID | None = None) -> tuple:
    """The parts of the descriptor an SDDL string describes: ``(owner, group, dacl, sacl,
    control)``, with ``NULL_ACL`` for a NULL ACL (``descriptor.parse_sddl`` builds the value)."""
    owner, group, dacl, sacl, control = _Parser(text, domain).descriptor()
    return owner, group, dacl, sacl, SDControl(control)


def _descriptor_parts(text: str, domain: SID | None) -> tuple:
    """``parse_descriptor`` with the control bits as a plain int (descriptor.parse_sddl's path)."""
    return _Parser(text, domain).descriptor()


def parse_ace(text: str, domain: SID | None = None) -> ACE:
    """One ACE string in parentheses: ``parse_ace('(A;OICI;FA;;;SY)')``."""
    if not isinstance(text, str):
        raise TypeError(f"parse_ace() expects str, got {type(text).__name__}")
    p = _Parser(text, domain, _BAD_ACL)
    if not text.startswith("("):
        p.fail("'(' to start an ACE")
    ace = p.ace()
    if p.pos != len(text):
        p.fail("the end of the ACE string")
    return ace


def parse_sid_string(text: str, domain: SID | None = None) -> SID:
    """``S-1-5-32-544`` or an alias (``BA``, ``wd``) as ConvertStringSidToSid reads it.

    Stricter than ``SID()``: at least one subauthority (``S-1-5`` fails on Windows), and
    hex is allowed in every part (``S-0x1-0XC-0x1a`` is ``S-1-12-26``).
    """
    if not isinstance(text, str):
        raise TypeError(f"parse_sid_string() expects str, got {type(text).__name__}")
    p = _Parser(text, domain, _BAD_SID)
    sid = p.sid()
    if p.pos != len(text):
        p.fail("the end of the SID string")
    return sid


class _Parser:
    """A cursor over the text; each method consumes one grammar element or fails."""

    __slots__ = ("text", "pos", "domain", "code")

    def __init__(self, text: str, domain: SID | None, code: int = _BAD_SECTION):
        if domain is not None and not isinstance(domain, SID):
            raise TypeError(f"domain must be SID or None, got {type(domain).__name__}")
        self.text, self.pos, self.domain, self.code = text, 0, domain, code

    def fail(self, expected: str, pos: int | None = None, cls: type[SDDLError] = SDDLError) -> NoReturn:
        err = cls(self.text, self.pos if pos is None else pos, expected)
        err.winerror = self.code  # what the Win32 converter would report
        raise err

    def blanks(self) -> None:
        text, pos = self.text, self.pos
        while text.startswith(" ", pos):
            pos += 1
        self.pos = pos

    def expect(self, char: str) -> None:
        if not self.text.startswith(char, self.pos):
            self.fail(repr(char))
        self.pos += 1

    def descriptor(self) -> tuple:
        text = self.text
        parts: dict[str, object] = {}
        control = 0
        self.blanks()
        while self.pos < len(text):
            tag = text[self.pos:self.pos + 2]
            self.code = _BAD_SECTION
            if tag not in _SECTION_TAGS:
                self.fail("a section tag O:, G:, D: or S:")
            if tag in parts:
                self.fail(f"no second {tag} section")
            self.pos += 2
            self.blanks()
            if tag in ("O:", "G:"):
                self.code = _BAD_SID
                # The SID ends where the next section's tag begins (O:S-1-2-0x200D: is
                # S-1-2-512 followed by D:), or at the end of the text.
                # Blanks before the next tag are skipped (Samba: "  O:AA G:WD " reads).
                colon = text.find(":", self.pos)
                end = len(text) if colon < 0 else colon - 1
                while end > self.pos and text[end - 1] == " ":
                    end -= 1
                # Fast path: the whole field is an alias or a SID as Windows prints it.
                field = text[self.pos:end]
                sid = _ALIAS_SIDS.get(field) if len(field) == 2 else (
                    _canonical_sid(field) if _SID_FAST.fullmatch(field) else None)
                if sid is None:
                    sid = self.sid(end)
                else:
                    self.pos = end
                parts[tag] = sid
                self.blanks()
            else:
                self.code = _BAD_ACL
                flags, parts[tag] = self.acl(dacl=tag == "D:")
                control |= flags
        return parts.get("O:"), parts.get("G:"), parts.get("D:"), parts.get("S:"), control

    def acl(self, dacl: bool) -> tuple[int, ACL | object]:
        """ACL flags, then ACEs, then blanks; returns the control bits and an ACL or NULL_ACL."""
        text, start = self.text, self.pos
        flags, null = 0, False
        m = None if text.startswith("(", start) else _ACL_FLAGS_RE.match(text, start)
        if m is not None and m.end() > start:
            for word in _ACL_FLAG_WORDS.findall(m.group()):
                if word == NULL_ACL_STRING:
                    null = True
                else:
                    flags |= _ACL_FLAG_BITS[word][0 if dacl else 1]
            self.pos = m.end()
            self.blanks()
        elif m is not None:
            self.blanks()
        aces, revision = [], ACL_REVISION
        append, fast_match, cache, domain, pos = aces.append, _ACE_FAST.match, _ACE_CACHE, self.domain, self.pos
        if null and text.startswith("(", pos):
            self.fail("no ACEs after NO_ACCESS_CONTROL (a NULL ACL has no entries)")
        while text.startswith("(", pos):
            # self.ace(), inlined: the canonical spelling goes straight to _canonical_ace.
            fast = fast_match(text, pos)
            if fast:
                key = fast.group()
                ace = cache.get(key)
                if ace is None:
                    ace = _canonical_ace(fast, domain)
                    # Only spellings whose meaning needs no domain reach the cache.
                    if ace is not None and (len(trustee := fast.group(4)) > 2 or trustee in _ALIAS_SIDS):
                        if len(cache) >= _ACE_CACHE_SIZE:
                            cache.clear()
                        cache[key] = ace
                if ace is not None:
                    append(ace)
                    pos = fast.end()
                    while text.startswith(" ", pos):
                        pos += 1
                    continue
            self.pos = pos
            ace = self.any_ace()
            pos = self.pos
            append(ace)
            if ace.type in OBJECT_ACE_TYPES:
                revision = ACL_REVISION_DS  # object ACEs need ACL_REVISION_DS
            while text.startswith(" ", pos):
                pos += 1
        self.pos = pos
        if self.pos < len(text) and text[self.pos:self.pos + 2] not in _SECTION_TAGS:
            self.fail("ACL flags (P, AR, AI), NO_ACCESS_CONTROL, '(' to start an ACE, or the next section")
        # AclSize: an ACE takes at most 8 bytes per character of its text (the worst is a
        # domain-relative alias: "(A;;;;;DU)" is 10 characters for up to 76 bytes), so an
        # ACL spelled in at most 8190 characters always fits in 16 bits (8 + 8 * 8190 < 65536).
        if 8 + 8 * (pos - start) > 0xFFFF and 8 + sum(a.size for a in aces) > 0xFFFF:
            self.fail("an ACL that fits in 65535 bytes (AclSize is 16 bits)", start)
        return flags, NULL_ACL if null else ACL._trusted(tuple(aces), revision)

    def ace(self) -> ACE:
        fast = _ACE_FAST.match(self.text, self.pos)
        if fast:
            # ACEs are immutable values and real descriptors repeat the same few, so a
            # canonical spelling is parsed once. Only spellings whose meaning needs no
            # domain reach the cache (without a domain _canonical_ace declines DU, LA ...
            key = fast.group()
            ace = _ACE_CACHE.get(key)
            if ace is None:
                ace = _canonical_ace(fast)
                if ace is not None:
                    if len(_ACE_CACHE) >= _ACE_CACHE_SIZE:
                        _ACE_CACHE.clear()
                    _ACE_CACHE[key] = ace
            if ace is not None:
                self.pos = fast.end()
                return ace
        return self.any_ace()

    def any_ace(self) -> ACE:
        """Every ACE spelling Windows accepts, and the precise error for the rest."""
        text = self.text
        self.pos += 1  # "("
        self.blanks()
        type_pos = self.pos
        m = _LETTERS_RE.match(text, type_pos)
        token = m.group().upper() if m else ""
        if token in ACE_TYPES:
            ace_type = ACE_TYPES[token]
        elif token in UNMODELLED_ACE_TYPES:
            self.fail(f"an ACE type tokenlab models (A, D, AU, ML, OA, OD, OU, OL); "
                      f"{token} ({UNMODELLED_ACE_TYPES[token]}) is valid SDDL but not modelled",
                      type_pos, SDDLNotModelledError)
        else:
            self.fail("an ACE type (A, D, AU, ML, OA, OD, OU, ...)")
        self.pos = m.end()
        self.expect(";")
        self.blanks()
        flags = 0
        while not text.startswith(";", self.pos):
            bit = _ACE_FLAG_BITS.get(text[self.pos:self.pos + 2])
            if bit is None:
                self.fail("an ACE flag (OI, CI, NP, IO, ID, SA, FA, CR, TP) or ';'")
            flags |= bit
            self.pos += 2
        self.pos += 1
        mask = self.rights()
        guids: list[uuid.UUID | None] = []
        guid_pos = None  # where the first object GUID stands, if any
        for _ in range(2):
            self.blanks()
            m = _GUID_RE.match(text, self.pos)
            if m:
                guid_pos, self.pos = self.pos if guid_pos is None else guid_pos, m.end()
            guids.append(uuid.UUID(m.group()) if m else None)
            if not text.startswith(";", self.pos):
                self.fail("a GUID (xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx) or ';'")
            self.pos += 1
        if ace_type == AceType.ACCESS_ALLOWED_OBJECT_ACE_TYPE and guid_pos is None:
            ace_type = AceType.ACCESS_ALLOWED_ACE_TYPE  # docs: "OA" without GUIDs is "A"
        elif guid_pos is not None and ace_type not in OBJECT_ACE_TYPES:
            self.fail(f"an empty GUID field ({token} ACEs carry no object GUID)", guid_pos)
        self.blanks()
        sid = self.sid(_ace_end(text, self.pos))
        self.blanks()
        self.expect(")")
        if ace_type in OBJECT_ACE_TYPES:
            return ACE._trusted(ace_type, flags, mask, sid, guids[0], guids[1])
        return ACE._trusted(ace_type, flags, mask, sid)

    def rights(self) -> int:
        """Abbreviations and numbers up to ';', OR-ed. Blanks may stand in front and between
        tokens, not last (``GA ;`` fails on Windows, ``RP LCLO  RC`` reads)."""
        text = self.text
        self.blanks()
        mask = 0
        while not text.startswith(";", self.pos):
            m = _RIGHT_RE.match(text, self.pos)
            if m is None:
                self.fail("a rights abbreviation (GA, GR, FA, KR, RC, ...), a number, or ';'")
            sign, hexa, octal, decimal, name = m.groups()
            if name is not None:
                value = _RIGHT_BITS.get(name) or _RIGHT_BITS.get(name.upper())
                if value is None:
                    self.fail(f"a rights abbreviation; {name!r} is not one")
            else:
                digits, base = (hexa, 16) if hexa else (octal, 8) if decimal is None else (decimal, 10)
                value = _strtoul_value(digits or "0", base, sign == "-")
            mask |= value
            self.pos = m.end()
            if text.startswith(" ", self.pos):
                blank = self.pos
                self.blanks()
                if text.startswith(";", self.pos):
                    self.fail("';' right after the rights (blanks may not end them)", blank)
        self.pos += 1
        return mask

    def sid(self, end: int | None = None) -> SID:
        """A string SID (``S-1-...``) or a two-letter alias, within ``text[pos:end]``."""
        text, start = self.text, self.pos
        if end is None:
            end = len(text)
        if text.startswith(("S-", "s-"), start):
            return self.numeric_sid(start, end)
        alias = text[start:start + 2]
        rid = _ALIASES.get(alias.upper()) if len(alias) == 2 else None
        if rid is None:
            self.fail("a SID: 'S-1-...' or a two-letter alias such as SY, BA, WD")
        self.pos = start + 2
        if not rid.startswith("-"):
            return _ALIAS_SIDS[alias.upper()]
        if self.domain is None:
            self.fail(f"a domain SID to resolve the domain-relative alias {alias.upper()!r} (pass domain=)", start)
        return self.domain.child(int(rid[1:]))

    def numeric_sid(self, start: int, end: int) -> SID:
        """``S-R-I-S1-S2...`` as ConvertStringSidToSid reads it (see the module docstring)."""
        text = self.text
        pos = start + 2
        while pos < end and text[pos] in _CRT_SPACE:
            pos += 1
        revision, pos, hex_mode = self.sid_part(pos, end, False, "a SID revision")
        if revision != 1:
            self.fail("SID revision 1 ('S-1-...')", start + 2)
        if not text.startswith("-", pos) or pos >= end:
            self.fail("'-' and an identifier authority", pos)
        pos += 1
        while pos < end and text[pos] in _CRT_SPACE:
            pos += 1
        authority, pos, _ = self.sid_part(pos, end, hex_mode, "an identifier authority")
        subs = []
        while pos < end and text[pos] == "-":
            value, pos, _ = self.sid_part(pos + 1, end, hex_mode, "a subauthority")
            subs.append(min(value, 0xFFFFFFFF))  # wcstoul saturates (Samba: checked on Windows)
        if not subs:
            self.fail("at least one subauthority ('-' and a number)", pos)
        if pos != end:
            self.fail("the end of the SID (no blank may follow a string SID)", pos)
        if len(subs) > MAX_SUBAUTHORITIES:
            self.fail(f"at most {MAX_SUBAUTHORITIES} subauthorities", start)
        if authority >= 1 << 48:
            self.fail("a 48-bit identifier authority", start)
        self.pos = pos
        return SID._trusted(authority, tuple(subs))

    def sid_part(self, pos: int, end: int, hex_mode: bool, what: str) -> tuple[int, int, bool]:
        """One number of a string SID: ``0x`` hex, else hex in hex mode, else decimal."""
        text = self.text
        prefixed = text.startswith(("0x", "0X"), pos) and pos + 2 < end
        m = (_HEX_RE if prefixed or hex_mode else _DEC_RE).match(text, pos + 2 if prefixed else pos, end)
        if m is None:
            self.fail(what, pos)
        return _number(m.group(), 16 if prefixed or hex_mode else 10), m.end(), prefixed


def _ace_end(text: str, pos: int) -> int:
    """Where the trustee SID of an ACE must end: at the ACE's ')' (or the text's end)."""
    close = text.find(")", pos)
    return len(text) if close < 0 else close


def _strtoul_value(digits: str, base: int, negative: bool) -> int:
    """What wcstoul returns for a run of digits: saturated at ULONG_MAX, then negated modulo
    2**32 for a minus (Samba's sddl tests, checked on Windows: -9876543210 reads as 1)."""
    value = min(_number(digits, base), 0xFFFFFFFF)
    return (-value) & 0xFFFFFFFF if negative else value


def _canonical_ace(m: re.Match, domain: SID | None = None) -> ACE | None:
    """The ACE _ACE_FAST matched, or None to let the full parser decide. A domain-relative
    alias (DU, LA ...) is resolved against ``domain``; such an ACE must not be cached."""
    type_, flags_text, rights_text, sid_text = m.groups()
    ace_type = _SIMPLE_TYPES.get(type_)
    if ace_type is None:
        return None
    if not flags_text:
        flags = 0
    else:
        flags = _PRINTED_FLAGS.get(flags_text)
        if flags is None:  # flags in another order, or not flags at all
            if len(flags_text) % 2:
                return None
            flags = 0
            bits = _ACE_FLAG_BITS
            for i in range(0, len(flags_text), 2):
                bit = bits.get(flags_text[i:i + 2])
                if bit is None:
                    return None
                flags |= bit
    if rights_text[:2] == "0x":
        mask = int(rights_text, 16)
    else:
        mask = _RIGHT_BITS.get(rights_text)  # one abbreviation (FA, GA, ...)
        if mask is None:
            if len(rights_text) % 2:
                return None
            mask = 0
            bits = _RIGHT_BITS
            for i in range(0, len(rights_text), 2):
                bit = bits.get(rights_text[i:i + 2])
                if bit is None:
                    return None
                mask |= bit
    sid = _ALIAS_SIDS.get(sid_text)
    if sid is None:
        if len(sid_text) == 2:
            rid = _ALIASES.get(sid_text)
            if rid is None or domain is None:
                return None  # an unknown alias, or a domain-relative one without a domain
            sid = domain.child(int(rid[1:]))  # rid is "-512": domain-relative
        else:
            sid = _canonical_sid(sid_text)
            if sid is None:
                return None
    return ACE._trusted(ace_type, flags, mask, sid)


def _canonical_sid(text: str) -> SID | None:
    """The SID a _SID_FAST spelling names, if that spelling is exactly the SID's own text
    (decimal, no leading zeros, in range); else None and the full parser decides."""
    parts = text.split("-")
    if len(parts) > MAX_SUBAUTHORITIES + 3:
        return None
    authority = int(parts[2])
    subs = tuple(map(int, parts[3:]))
    if authority >= 1 << 32 or "-0" in text and _LEADING_ZERO.search(text) or max(subs) > 0xFFFFFFFF:
        return None
    return SID._trusted(authority, subs, text)


def _number(digits: str, base: int) -> int:
    """``int(digits, base)``, capped: a run too long for 48 bits reads as 2**48 (out of range)."""
    if len(digits) > 16:
        digits = digits.lstrip("0") or "0"
        if len(digits) > 16:
            return 1 << 48
    return int(digits, base)


# ------------------------------------------------------------------ printing

def format_descriptor(sd, domain: SID | None = None, info: int = ALL_SECTIONS) -> str:
    """The SDDL string Windows prints for a descriptor (any value with owner, group, dacl,
    sacl, control, dacl_present and sacl_present); ``info`` picks sections."""
    out = []
    if info & OWNER_SECURITY_INFORMATION and sd.owner is not None:
        out.append("O:" + format_sid_string(sd.owner, domain))
    if info & GROUP_SECURITY_INFORMATION and sd.group is not None:
        out.append("G:" + format_sid_string(sd.group, domain))
    if info & DACL_SECURITY_INFORMATION and sd.dacl_present:
        out.append("D:" + _format_acl(sd.dacl, sd.control, 1, domain))
    if sd.sacl_present:
        if info & SACL_SECURITY_INFORMATION:
            out.append("S:" + _format_acl(sd.sacl, sd.control, 2, domain))
        elif info & LABEL_SECURITY_INFORMATION and sd.sacl is not None:
            labels = [a for a in sd.sacl if a.type == AceType.SYSTEM_MANDATORY_LABEL_ACE_TYPE]
            if labels:
                out.append("S:" + _format_acl(ACL(labels), sd.control, 2, domain))
    return "".join(out)


def _format_acl(acl: ACL | None, control: SDControl, which: int, domain: SID | None) -> str:
    flags = "".join(name for name, *bits in ACL_FLAGS if control & bits[which - 1])
    if acl is None:
        return flags + NULL_ACL_STRING
    return flags + "".join(format_ace(ace, domain) for ace in acl)


def format_ace(ace: ACE, domain: SID | None = None) -> str:
    """``(A;OICI;FA;;;SY)``: type, flags, rights, two empty GUID fields, trustee."""
    if not isinstance(ace, ACE):
        raise TypeError(f"format_ace() expects ACE, got {type(ace).__name__}")
    flags = "".join(name for name, bit in ACE_FLAGS if ace.flags & bit)
    rights = format_rights(ace.mask, label=ace.type == AceType.SYSTEM_MANDATORY_LABEL_ACE_TYPE)
    og = "" if ace.object_type is None else str(ace.object_type)
    iog = "" if ace.inherited_object_type is None else str(ace.inherited_object_type)
    return f"({_ACE_TYPE_STRING[ace.type]};{flags};{rights};{og};{iog};{format_sid_string(ace.sid, domain)})"


def format_rights(mask: int, label: bool = False) -> str:
    """Rights as Windows prints them: whole-mask name, else per-bit names, else hex."""
    if mask == 0:
        return ""
    if not label and mask in _WHOLE_MASK_NAMES:
        return _WHOLE_MASK_NAMES[mask]
    names = _LABEL_BIT_NAMES if label else _BIT_NAMES
    bits = [bit for bit in range(mask.bit_length()) if mask >> bit & 1]
    if all(bit in names for bit in bits):
        return "".join(names[bit] for bit in bits)
    return f"0x{mask:x}"


def format_sid_string(sid: SID, domain: SID | None = None) -> str:
    """The alias Windows prints for ``sid`` (domain-relative ones only for ``domain``), else S-1-..."""
    if not isinstance(sid, SID):
        raise TypeError(f"format_sid_string() expects SID, got {type(sid).__name__}")
    return alias_of(sid, domain) or sid.text


# ------------------------------------------------------------------ sizes

def security_descriptor_length(sd) -> int:
    """Bytes of the self-relative form Windows builds: header 20, SID 8+4n, ACL 8, ACE 8+SID."""
    def sid_len(sid: SID | None) -> int:
        return 0 if sid is None else 8 + 4 * len(sid.subauthorities)

    def acl_len(acl: ACL | None) -> int:
        return 0 if acl is None else acl.size

    return 20 + sid_len(sd.owner) + sid_len(sd.group) + acl_len(sd.dacl) + acl_len(sd.sacl)
