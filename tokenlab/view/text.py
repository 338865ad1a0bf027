"""Text for pictures, tables and widgets: escaping, folding, label lines, SID names.

One label line is ``(style, text)``; :class:`Style` names the styles. Everything drawn
that comes from outside (display names, SID names) goes through :func:`visible` (tables,
widgets) or :func:`html_text` (Graphviz HTML-like labels), because a name is data, never
markup: ``<script>``, quotes, braces, backslashes (which Graphviz expands as ``\\N``-style
escapes even in HTML labels), newlines and invisible bidirectional controls all render as
literal text.
"""
from __future__ import annotations

import html
import re
import unicodedata
from typing import Mapping

from ..security.acl import AceType
from ..security.sids import SID, alias_of, well_known_name

__all__ = ["Style", "MASK_WIDTH", "TEXT_WIDTH", "ACE_KIND", "visible", "html_text", "html_label", "wrap", "fold",
           "sid_tag", "short_name", "SidNamer", "FIT_SIZE"]


class Style:
    """The style of one label line: its font, and where a long line may fold inside a node.

    The text twins print every line unfolded.
    """

    PLAIN = ""
    BOLD = "b"
    ITALIC = "i"
    SENTENCE = "w"          # folds after a blank
    ITALIC_SENTENCE = "iw"  # italic, folds after a blank
    MASK = "m"              # an access mask: folds after '|' or a blank
    NAMES = "l"             # a list of names: folds after ', '
    SDDL = "s"              # folds after ')' or before 'O:', 'G:', 'D:', 'S:'
    NAMES_SHORT = "n"       # a list of names in a compact picture: folds after ', ', narrower
    MASK_SHORT = "k"        # an access mask in a compact picture: folds after '|', narrower
    SENTENCE_SHORT = "v"    # a sentence in a compact picture: folds after a blank, narrower
    ITALIC_SENTENCE_SHORT = "iv"


MASK_WIDTH = 34     # characters per line of a mask inside a node
TEXT_WIDTH = 46     # characters per line of a sentence inside a node
NARROW_WIDTH = 26   # characters per line in a compact picture (object graph)
# The largest a picture may be drawn, in inches (Graphviz ``size``): 9.3 in = 670 pt = 893 px,
# which fits a 900-px notebook column. A larger layout is scaled down to it, never up; every
# view lays its pictures out to need little or no scaling, so that 9-pt text stays >= 11 px.
FIT_SIZE = "9.3,1000"

# Short names for ACE types (the SDDL letters say the same: A, D, AU, ML).
ACE_KIND = {
    AceType.ACCESS_ALLOWED_ACE_TYPE: "allow",
    AceType.ACCESS_DENIED_ACE_TYPE: "deny",
    AceType.SYSTEM_AUDIT_ACE_TYPE: "audit",
    AceType.SYSTEM_MANDATORY_LABEL_ACE_TYPE: "label",
}


# ------------------------------------------------------------------ escaping

def visible(text: str) -> str:
    """``text`` with every invisible or line-breaking character shown as its escape.

    Control characters (newline included), format characters (bidirectional overrides,
    zero-width joiners) and lone surrogates would break a table, reorder what a learner
    reads, or make the SVG invalid XML; printed as ``\\n``, ``\\u202e`` they are just text.
    """
    if text.isprintable():  # fast path: no Cc/Cf/Cs/Zl/Zp character anywhere
        return text
    out = []
    for ch in text:
        if unicodedata.category(ch) in ("Cc", "Cf", "Cs", "Zl", "Zp"):
            code = ord(ch)
            out.append({"\n": "\\n", "\r": "\\r", "\t": "\\t"}.get(
                ch, f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}" if code < 0x10000 else f"\\U{code:08x}"))
        else:
            out.append(ch)
    return "".join(out)


def html_text(text: str) -> str:
    """Text made safe inside a Graphviz HTML-like label: entities for markup characters,
    ``\\\\`` for a backslash (Graphviz expands ``\\N``, ``\\G``... even there)."""
    return html.escape(visible(str(text)), quote=True).replace("\\", "\\\\")


def html_label(lines: list[tuple[str, str]]) -> str:
    """An HTML-like label from (font, text) lines, already folded; font :attr:`Style.PLAIN`,
    :attr:`Style.BOLD` or :attr:`Style.ITALIC`."""
    parts = []
    for style, text in lines:
        cell = html_text(text)
        if style:
            cell = f"<{style.upper()}>{cell}</{style.upper()}>"
        parts.append(cell)
    return "<" + "<BR/>".join(parts) + ">"


# ------------------------------------------------------------------ folding

BLANK_OR_BAR = re.compile(r"(?<=[ |])")


def wrap(text: str, width: int, breaks: re.Pattern = BLANK_OR_BAR) -> list[str]:
    """Greedy line breaks where ``breaks`` allows (by default after a blank or a '|', so
    'A|B|C' masks and sentences both fold); a piece longer than ``width`` keeps its own line
    rather than being cut, so a name is never split."""
    lines, current = [], ""
    for piece in breaks.split(visible(text)):
        if current and len(current.rstrip()) + len(piece.rstrip()) > width:
            lines.append(current.rstrip())
            current = ""
        current += piece
    lines.append(current.rstrip())
    return lines


# Style letter -> (where it may break, how wide a line is).
FOLDS = {Style.SENTENCE: (re.compile(r"(?<= )"), TEXT_WIDTH), Style.MASK: (BLANK_OR_BAR, MASK_WIDTH),
         Style.NAMES: (re.compile(r"(?<=, )"), TEXT_WIDTH),
         Style.SDDL: (re.compile(r"(?<=\))|(?=[OGDS]:)"), TEXT_WIDTH),
         Style.NAMES_SHORT: (re.compile(r"(?<=, )"), NARROW_WIDTH), Style.MASK_SHORT: (BLANK_OR_BAR, NARROW_WIDTH),
         Style.SENTENCE_SHORT: (re.compile(r"(?<= )"), NARROW_WIDTH)}


def fold(text: str, style: str) -> list[str]:
    """``text`` folded as ``style`` (one of the folding styles in :data:`FOLDS`) allows."""
    pattern, width = FOLDS[style]
    return wrap(text, width, pattern)


# ------------------------------------------------------------------ naming SIDs

_DOMAIN_PREFIX = re.compile(r"^[A-Za-z][A-Za-z0-9 _-]*\\(?=[^\\]+$)")


def short_name(name: str) -> str:
    """An account name without its domain (``TOKENLAB\\alice`` -> ``alice``,
    ``NT AUTHORITY\\SYSTEM`` -> ``SYSTEM``) for compact pictures; anything else (a SID
    string, a name that is not DOMAIN\\account) unchanged."""
    return _DOMAIN_PREFIX.sub("", name)


def sid_tag(sid: SID, domain: SID | None) -> str:
    """``S-1-5-32-544 (BA)``: the SID string with its SDDL alias, if it has one."""
    alias = alias_of(sid, domain)
    return f"{sid.text} ({alias})" if alias else sid.text


def _key(sid) -> str:
    """A SID (or SID string) as the canonical SID string; text that is no SID as itself."""
    try:
        return SID(sid).text if not isinstance(sid, SID) else sid.text
    except ValueError:
        return str(sid)


class SidNamer:
    """The one way the views and widgets name a SID: the ``names`` given (SID or SID string
    -> name), then ``machine``'s accounts, then well-known names (domain-relative ones in
    ``domain``, by default the machine's domain).

    ``namer(sid)`` is the name or else the SID string; :meth:`find` is the name or None;
    :meth:`tag` is the SID string with its SDDL alias.
    """

    def __init__(self, names: Mapping | None = None, *, machine=None, domain: SID | None = None):
        self.table: dict[str, str] = {_key(k): str(v) for k, v in (names or {}).items()}
        self.machine = machine
        self.domain = machine.domain_sid if domain is None and machine is not None else domain

    def find(self, sid: SID | str) -> str | None:
        key = _key(sid)
        if key in self.table:
            return self.table[key]
        try:
            s = sid if isinstance(sid, SID) else SID(sid)
        except ValueError:
            return None
        if self.machine is not None:
            return self.machine.sid_name(s)
        return well_known_name(s, self.domain)

    def __call__(self, sid: SID | str) -> str:
        name = self.find(sid)
        return name if name is not None else _key(sid)

    def tag(self, sid: SID | str) -> str:
        try:
            return sid_tag(sid if isinstance(sid, SID) else SID(sid), self.domain)
        except ValueError:
            return str(sid)
