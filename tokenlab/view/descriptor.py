"""The descriptor graph and its text twin.

``descriptor_graph(sd)`` draws a security descriptor the way AccessCheck reads it:

    SD → owner, group, DACL, SACL → the ACEs in order → the SIDs they name

Given the :class:`~tokenlab.access_check.AccessCheckResult` of a check against ``sd``,
it also shows how the check went: each ACE coloured by what it did (granted, denied,
matched without effect, did not match, skipped as inherit-only, never reached), an edge
from every deciding ACE to the verdict labelled with the bits it granted or denied, the
owner's implied rights, the integrity and privilege checks, and the verdict itself.

``descriptor_table`` prints the same facts as fixed-width text, for reading, testing and
diffing. Both are pure functions of their arguments: same input, byte-identical output.

Everything drawn that comes from outside (display names, SID names) goes through
:func:`_html`, because a name is data, never markup: ``<script>``, quotes, braces,
backslashes (which Graphviz expands as ``\\N``-style escapes even in HTML labels),
newlines and invisible bidirectional controls all render as literal text.
"""
from __future__ import annotations

import html
import re
import unicodedata
from typing import Mapping

import graphviz

from ..security.acl import ACE, AceFlags, AceType, SDControl
from ..security.descriptor import SecurityDescriptor
from ..security.errors import ErrorCode
from ..security.rights import GenericMapping, MandatoryLabelPolicy, StandardAccess, format_mask, mask_names
from ..security.sids import SID, alias_of, well_known_name

__all__ = ["STYLES", "DACL_STATE_TEXT", "descriptor_graph", "descriptor_table"]

# ------------------------------------------------------------------ styles (data)

_GREEN, _GREEN_FILL = "#1e7e34", "#d4edda"
_RED, _RED_FILL = "#c82333", "#f8d7da"
_AMBER, _AMBER_FILL = "#9a6700", "#fff3cd"
_GREY, _GREY_FILL = "#6c757d", "#e9ecef"

STYLES: dict[str, dict[str, str]] = {
    "graph": {"rankdir": "LR", "ordering": "out", "nodesep": "0.2", "ranksep": "0.45",
              "fontname": "Helvetica"},
    "node": {"shape": "box", "style": "rounded,filled", "fillcolor": "white", "color": "#495057",
             "fontname": "Helvetica", "fontsize": "10", "margin": "0.1,0.05"},
    "edge": {"color": "#868e96", "fontname": "Helvetica", "fontsize": "9", "arrowsize": "0.7"},
    # The descriptor's parts.
    "sd": {"fillcolor": "#dee2e6", "penwidth": "1.5"},
    "owner": {"fillcolor": "#f1f3f5"},
    "group": {"fillcolor": "#f1f3f5"},
    "missing": {"style": "rounded,dashed", "fillcolor": "white", "fontcolor": _RED, "color": _RED},
    "acl": {"fillcolor": "#f1f3f5"},
    "dacl_absent": {"style": "rounded,filled,dashed", "fillcolor": _AMBER_FILL, "color": _AMBER,
                    "penwidth": "2"},
    "dacl_null": {"style": "rounded,filled,bold", "fillcolor": _AMBER_FILL, "color": _AMBER, "penwidth": "2"},
    "dacl_empty": {"style": "rounded,filled,bold", "fillcolor": _RED_FILL, "color": _RED, "penwidth": "2"},
    "sacl_absent": {"style": "rounded,dashed", "fillcolor": "white", "fontcolor": _GREY, "color": _GREY},
    "ace": {"fillcolor": "white"},
    "sid": {"shape": "ellipse", "style": "filled", "fillcolor": "#e7f1ff", "color": "#1c5fb0"},
    # What an ACE did in the check.
    "ace_granted": {"fillcolor": _GREEN_FILL, "color": _GREEN, "penwidth": "2"},
    "ace_denied": {"fillcolor": _RED_FILL, "color": _RED, "penwidth": "2"},
    "ace_no_effect": {"fillcolor": _AMBER_FILL, "color": _AMBER},
    "ace_not_matched": {"fillcolor": "white", "color": "#adb5bd"},
    "ace_skipped": {"style": "rounded,filled,dashed", "fillcolor": _GREY_FILL, "color": _GREY,
                    "fontcolor": _GREY},
    "ace_not_reached": {"style": "rounded,dotted", "fillcolor": "white", "color": _GREY,
                        "fontcolor": _GREY},
    # The check's own steps and its verdict.
    "owner_implied": {"fillcolor": _GREEN_FILL, "color": _GREEN, "penwidth": "2"},
    "check": {"shape": "note", "style": "filled", "fillcolor": "#f8f9fa", "color": "#495057"},
    "check_granted": {"fillcolor": _GREEN_FILL, "color": _GREEN},
    "check_stopped": {"fillcolor": _RED_FILL, "color": _RED, "penwidth": "2"},
    "check_skipped": {"fillcolor": _GREY_FILL, "color": _GREY, "fontcolor": _GREY},
    "verdict": {"shape": "box", "style": "filled,bold", "penwidth": "2"},
    "verdict_granted": {"fillcolor": _GREEN_FILL, "color": _GREEN},
    "verdict_denied": {"fillcolor": _RED_FILL, "color": _RED},
    "verdict_failed": {"fillcolor": _AMBER_FILL, "color": _RED},
    "edge_structure": {},
    "edge_sid": {"style": "dashed", "arrowhead": "none"},
    "edge_granted": {"color": _GREEN, "fontcolor": _GREEN, "penwidth": "2"},
    "edge_denied": {"color": _RED, "fontcolor": _RED, "penwidth": "2"},
    "edge_check": {"style": "dotted", "color": _GREY},
}

DACL_STATE_TEXT = {
    "absent": "no DACL: everyone gets full access",
    "null": "NULL DACL: everyone gets full access",
    "empty": "empty DACL: nobody gets access (owner still gets READ_CONTROL|WRITE_DAC)",
}
SACL_STATE_TEXT = {
    "absent": "no SACL: no integrity label, so the object counts as Medium",
    "null": "NULL SACL: no integrity label, so the object counts as Medium",
    "empty": "empty SACL: no integrity label, so the object counts as Medium",
}

# Short names for ACE types (the SDDL letters say the same: A, D, AU, ML).
_KIND = {
    AceType.ACCESS_ALLOWED_ACE_TYPE: "allow",
    AceType.ACCESS_DENIED_ACE_TYPE: "deny",
    AceType.SYSTEM_AUDIT_ACE_TYPE: "audit",
    AceType.SYSTEM_MANDATORY_LABEL_ACE_TYPE: "label",
}
# SDDL flag letters, low bit first, for the compact text table.
_FLAG_LETTERS = (("OI", 0x01), ("CI", 0x02), ("NP", 0x04), ("IO", 0x08),
                 ("ID", 0x10), ("CR", 0x20), ("SA", 0x40), ("FA", 0x80))
# Precedence when two passes (normal, restricted) leave different marks on one ACE.
_OUTCOME_ORDER = ("denied", "granted", "no_effect", "not_matched", "skipped", "not_reached")
_OUTCOME_TEXT = {
    "no_effect": "matched, but decides nothing",
    "not_matched": "does not apply to this token",
    "skipped": "skipped: inherit-only",
    "not_reached": "not reached",
}

_MASK_WIDTH = 34     # characters per line of a mask inside a node
_TEXT_WIDTH = 46     # characters per line of a sentence inside a node


# ------------------------------------------------------------------ escaping

def _visible(text: str) -> str:
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


def _html(text: str) -> str:
    """Text made safe inside a Graphviz HTML-like label: entities for markup characters,
    ``\\\\`` for a backslash (Graphviz expands ``\\N``, ``\\G``... even there)."""
    return html.escape(_visible(str(text)), quote=True).replace("\\", "\\\\")


def _label(lines: list[tuple[str, str]]) -> str:
    """An HTML-like label from (style, text) lines; style '' or 'b' (bold) or 'i'."""
    parts = []
    for style, text in lines:
        cell = _html(text)
        if style:
            cell = f"<{style.upper()}>{cell}</{style.upper()}>"
        parts.append(cell)
    return "<" + "<BR/>".join(parts) + ">"


_BLANK_OR_BAR = re.compile(r"(?<=[ |])")


def _wrap(text: str, width: int, breaks: re.Pattern = _BLANK_OR_BAR) -> list[str]:
    """Greedy line breaks where ``breaks`` allows (by default after a blank or a '|', so
    'A|B|C' masks and sentences both fold); a piece longer than ``width`` keeps its own line
    rather than being cut, so a name is never split."""
    lines, current = [], ""
    for piece in breaks.split(_visible(text)):
        if current and len(current.rstrip()) + len(piece.rstrip()) > width:
            lines.append(current.rstrip())
            current = ""
        current += piece
    lines.append(current.rstrip())
    return lines


def _wrap_mask(text: str) -> list[str]:
    return _wrap(text, _MASK_WIDTH)


def _wrap_text(text: str) -> list[str]:
    return _wrap(text, _TEXT_WIDTH)


# ------------------------------------------------------------------ naming

def _names(names: Mapping | None) -> dict[SID, str]:
    return {SID(k): str(v) for k, v in (names or {}).items()}


def _sid_name(sid: SID, domain: SID | None, names: dict[SID, str]) -> str | None:
    if sid in names:
        return names[sid]
    return well_known_name(sid, domain)


def _sid_tag(sid: SID, domain: SID | None) -> str:
    """``S-1-5-32-544 (BA)``: the SID string with its SDDL alias, if it has one."""
    alias = alias_of(sid, domain)
    return f"{sid.text} ({alias})" if alias else sid.text


def _sid_node_id(sid: SID) -> str:
    return "sid_" + sid.text.replace("-", "_")


def _bits(mask: int, cls) -> str:
    return "|".join(mask_names(mask, cls)) or "0"


def _flag_names(flags: int) -> str:
    return "|".join(f.name for f in AceFlags if flags & f)


def _flag_letters(flags: int) -> str:
    return "".join(s for s, bit in _FLAG_LETTERS if flags & bit)


def _control_names(control: int) -> str:
    return "|".join(c.name for c in SDControl if control & c) or "0"


def _ace_rights_class(ace: ACE, rights):
    return MandatoryLabelPolicy if ace.type == AceType.SYSTEM_MANDATORY_LABEL_ACE_TYPE else rights


def _rights_class(result, mapping: GenericMapping | None):
    if result is not None:
        return result.mapping.rights
    if mapping is not None:
        return mapping.rights
    return StandardAccess


def _acl_state_text(state: str, count: int, which: str) -> str:
    if state == "entries":
        return f"{count} ACE{'s' if count != 1 else ''}, read in order"
    return (DACL_STATE_TEXT if which == "DACL" else SACL_STATE_TEXT)[state]


# ------------------------------------------------------------------ reading a result

class _Reading:
    """What a result says about each part of the picture (empty when there is no result)."""

    def __init__(self, result, dacl_len: int):
        self.outcomes: dict[int, str] = {}                       # DACL index -> outcome
        self.effects: dict[int, list[tuple[str, int, int]]] = {}  # index -> [(pass, granted, denied)]
        self.owner_implied = 0
        self.integrity: list[str] = []
        self.integrity_skipped = True
        self.privileges: list[str] = []
        self.restricted = False
        self.stopped_by = ""      # "integrity" or "privilege" when a check ended it before the DACL
        self.reason = ""
        if result is None:
            return
        steps = result.steps
        seen: dict[int, list[str]] = {}
        for s in steps:
            if s.kind == "ace" and s.ace_index is not None:
                seen.setdefault(s.ace_index, []).append(_outcome(s))
                if s.granted or s.denied:
                    self.effects.setdefault(s.ace_index, []).append((s.pass_name or "normal", s.granted, s.denied))
            elif s.kind == "owner":
                self.owner_implied |= s.granted
            elif s.kind == "integrity":
                self.integrity.append(s.text)
                self.integrity_skipped = self.integrity_skipped and s.skipped
            elif s.kind == "privilege":
                self.privileges.append(s.text)
            elif s.kind == "restricted":
                self.restricted = True
        for i, outs in seen.items():
            self.outcomes[i] = min(outs, key=_OUTCOME_ORDER.index)
        if steps:
            for i in range(dacl_len):
                self.outcomes.setdefault(i, "not_reached")
        # The sentence that decided it: why it stopped, else how it ended.
        stops = [s.text for s in steps if s.kind == "stop" and not s.skipped]
        ends = [s.text for s in steps if s.kind == "result"]
        self.reason = stops[-1] if stops else ends[-1] if ends else ""
        if result.status == ErrorCode.ERROR_PRIVILEGE_NOT_HELD:
            self.stopped_by = "privilege"
            self.privileges.append(self.reason)
        elif result.status == ErrorCode.ERROR_ACCESS_DENIED and not seen:
            first_stop = next((k for k, s in enumerate(steps) if s.kind == "stop" and not s.skipped), None)
            if first_stop and steps[first_stop - 1].kind == "integrity" and not steps[first_stop - 1].skipped:
                self.stopped_by = "integrity"

    def effect_text(self, index: int, rights) -> str:
        """What ACE ``index`` did, per pass: 'grants X', 'denies X', or its outcome in words."""
        parts = []
        for pass_name, granted, denied in self.effects.get(index, ()):
            where = "restricted pass: " if pass_name == "restricted" else ""
            parts.append(f"{where}{'grants ' + _bits(granted, rights) if granted else 'denies ' + _bits(denied, rights)}")
        if parts:
            return "; ".join(parts)
        return _OUTCOME_TEXT.get(self.outcomes.get(index, ""), "")


def _outcome(step) -> str:
    if step.denied:
        return "denied"
    if step.granted:
        return "granted"
    if step.skipped:
        return "no_effect" if step.matched else "skipped"
    return "not_matched"


def _verdict_lines(result) -> tuple[str, list[str]]:
    """(style key, lines) for the verdict."""
    rights = result.mapping.rights
    status = ErrorCode(result.status)
    asked = f"asked for {format_mask(result.desired, rights)}"
    if status == ErrorCode.ERROR_SUCCESS:
        return "verdict_granted", [f"granted {format_mask(result.granted, rights)}", asked]
    if result.is_call_failure:
        return "verdict_failed", [f"AccessCheck failed: {status.name} ({int(status)})", asked]
    return "verdict_denied", [f"{status.name} ({int(status)})", asked]


# ------------------------------------------------------------------ the graph

def descriptor_graph(sd: SecurityDescriptor, result=None, *, domain: SID | None = None,
                     names: Mapping | None = None, mapping: GenericMapping | None = None) -> graphviz.Digraph:
    """The descriptor as a graph; with ``result`` (an AccessCheckResult for ``sd``), the check too.

    ``names`` maps SIDs (or SID strings) to display names for SIDs without a well-known
    name; ``domain`` resolves domain-relative aliases and names; ``mapping`` names the
    access bits when there is no result (a result brings its own mapping).
    """
    names_ = _names(names)
    rights = _rights_class(result, mapping)
    dacl = tuple(sd.dacl) if sd.dacl is not None else ()
    sacl = tuple(sd.sacl) if sd.sacl is not None else ()
    reading = _Reading(result, len(dacl))

    g = graphviz.Digraph("descriptor", graph_attr=STYLES["graph"], node_attr=STYLES["node"],
                         edge_attr=STYLES["edge"])
    sids: dict[SID, None] = {}   # SID nodes, in order of first use

    def node(node_id: str, lines: list[tuple[str, str]], *styles: str) -> None:
        attrs: dict[str, str] = {}
        for s in styles:
            attrs.update(STYLES[s])
        g.node(node_id, label=_label(lines), **attrs)

    def edge(a: str, b: str, style: str = "edge_structure", label: list[tuple[str, str]] | None = None) -> None:
        attrs = dict(STYLES[style])
        if label:
            attrs["label"] = _label(label)
        g.edge(a, b, **attrs)

    def sid_edge(a: str, sid: SID) -> None:
        sids.setdefault(sid)
        edge(a, _sid_node_id(sid), "edge_sid")

    # The descriptor and its four parts.
    node("sd", [("b", "Security descriptor"), ("", f"control: {_control_names(sd.control)}")], "sd")
    for part, sid, title in (("owner", sd.owner, "Owner"), ("group", sd.group, "Primary group")):
        if sid is None:
            node(part, [("b", f"no {title.lower()}"), ("", "AccessCheck rejects the descriptor")], "missing")
        elif part == "owner" and reading.owner_implied:
            node(part, [("b", title), ("", "implied rights:"),
                        *(("", ln) for ln in _wrap_mask(format_mask(reading.owner_implied, rights)))],
                 part, "owner_implied")
        else:
            node(part, [("b", title)], part)
        edge("sd", part)
        if sid is not None:
            sid_edge(part, sid)

    state = sd.dacl_state
    dacl_text = _acl_state_text(state, len(dacl), "DACL")
    node("dacl", [("b", ln) for ln in _wrap_text(f"DACL: {dacl_text}" if state == "entries" else dacl_text)]
         + ([("", "walked twice: user and groups,"), ("", "then the restricting SIDs")] if reading.restricted else []),
         "acl", *((f"dacl_{state}",) if state != "entries" else ()))
    edge("sd", "dacl")
    sacl_state = sd.sacl_state
    sacl_text = _acl_state_text(sacl_state, len(sacl), "SACL")
    node("sacl", [("b", ln) for ln in _wrap_text(f"SACL: {sacl_text}" if sacl_state == "entries" else sacl_text)],
         "acl", *(("sacl_absent",) if sacl_state != "entries" else ()))
    edge("sd", "sacl")

    # The ACEs, in order, each pointing at its SID.
    for which, aces in (("dacl", dacl), ("sacl", sacl)):
        for i, ace in enumerate(aces):
            ace_id = f"{which}_{i}"
            cls = _ace_rights_class(ace, rights)
            lines = [("b", f"{i}: {_KIND.get(ace.type, ace.type.name)}"), ("i", ace.type.name)]
            if ace.flags:
                lines += [("", ln) for ln in _wrap_mask("flags: " + _flag_names(ace.flags))]
            lines += [("", ln) for ln in _wrap_mask(format_mask(ace.mask, cls))]
            styles = ["ace"]
            if which == "dacl" and i in reading.outcomes:
                outcome = reading.outcomes[i]
                styles.append(f"ace_{outcome}")
                lines += [("i", ln) for part in reading.effect_text(i, cls).split("; ") for ln in _wrap_mask(part)]
            node(ace_id, lines, *styles)
            edge(which, ace_id)
            sid_edge(ace_id, ace.sid)

    for sid in sids:
        name = _sid_name(sid, domain, names_)
        node(_sid_node_id(sid), ([("b", name)] if name is not None else []) + [("", _sid_tag(sid, domain))], "sid")

    if result is None:
        return g

    # The check: integrity and privileges, then the verdict with every contribution.
    if reading.integrity:
        style = ("check_stopped" if reading.stopped_by == "integrity"
                 else "check_skipped" if reading.integrity_skipped else "check")
        node("integrity", [("b", "Mandatory integrity")]
             + [("", ln) for text in reading.integrity for ln in _wrap_text(text)], "check", style)
        edge("sacl", "integrity", "edge_check")
        edge("integrity", "verdict", "edge_check")
    if reading.privileges:
        style = "check_stopped" if reading.stopped_by == "privilege" else "check_granted"
        node("privileges", [("b", "Privileges")]
             + [("", ln) for text in reading.privileges for ln in _wrap_text(text)], "check", style)
        edge("privileges", "verdict", "edge_check")
    if reading.owner_implied:
        edge("owner", "verdict", "edge_granted",
             [("", "implied"), *(("", ln) for ln in _wrap_mask(_bits(reading.owner_implied, rights)))])
    for i, ace in enumerate(dacl):
        cls = _ace_rights_class(ace, rights)
        for pass_name, granted, denied in reading.effects.get(i, ()):
            where = [("i", "restricted pass")] if pass_name == "restricted" else []
            verb, mask, style = ("grants", granted, "edge_granted") if granted else ("denies", denied, "edge_denied")
            edge(f"dacl_{i}", "verdict", style, where + [("", ln) for ln in _wrap_mask(f"{verb} {_bits(mask, cls)}")])

    style, (head, asked) = _verdict_lines(result)
    lines = [("b", "AccessCheck")] + [("b", ln) for ln in _wrap_mask(head)]
    if result.granted != result.desired:  # a denial, or what MAXIMUM_ALLOWED came to
        lines += [("", ln) for ln in _wrap_mask(asked)]
    # The edges already say how ACEs granted it; otherwise say why it ended as it did.
    if reading.reason and not (result.allowed and reading.effects):
        lines += [("i", ln) for ln in _wrap_text(reading.reason)]
    node("verdict", lines, "verdict", style)
    return g


# ------------------------------------------------------------------ the text twin

def descriptor_table(sd: SecurityDescriptor, result=None, *, domain: SID | None = None,
                     names: Mapping | None = None, mapping: GenericMapping | None = None) -> str:
    """The descriptor graph as fixed-width text: parts, the ACE rows, and (with a result)
    what each ACE did, the checks before the DACL, and the verdict."""
    names_ = _names(names)
    rights = _rights_class(result, mapping)
    dacl = tuple(sd.dacl) if sd.dacl is not None else ()
    sacl = tuple(sd.sacl) if sd.sacl is not None else ()
    reading = _Reading(result, len(dacl))

    def who(sid: SID) -> tuple[str, str]:
        name = _sid_name(sid, domain, names_)
        return _sid_tag(sid, domain), _visible(name) if name is not None else ""

    out: list[tuple[str, str]] = [("control", _control_names(sd.control))]
    for title, sid in (("owner", sd.owner), ("group", sd.group)):
        text = "  ".join(who(sid)).rstrip() if sid is not None else f"no {title}: AccessCheck rejects the descriptor"
        if title == "owner" and reading.owner_implied:
            text += f"  [implied {_bits(reading.owner_implied, rights)}]"
        out.append((title, text))
    out.append(("DACL", _acl_state_text(sd.dacl_state, len(dacl), "DACL")
                + ("; walked twice (restricted token)" if reading.restricted else "")))
    lines = _block(out)
    lines += _ace_rows(dacl, rights, reading, who, with_result=result is not None)
    lines += _block([("SACL", _acl_state_text(sd.sacl_state, len(sacl), "SACL"))])
    lines += _ace_rows(sacl, rights, _Reading(None, 0), who, with_result=False)
    if result is not None:
        checks = [("integrity", t) for t in reading.integrity]
        checks += [("privileges", t) for t in reading.privileges]
        style, verdict = _verdict_lines(result)
        checks += [("verdict", verdict[0]), ("", verdict[1])]
        if reading.reason:
            checks.append(("", reading.reason))
        lines += _block(checks)
    return "\n".join(line.rstrip() for line in lines)


def _block(rows: list[tuple[str, str]]) -> list[str]:
    return [f"{title:<10} {_visible(text)}" for title, text in rows]


def _ace_rows(aces, rights, reading: _Reading, who, with_result: bool) -> list[str]:
    if not aces:
        return []
    header = ["#", "type", "flags", "mask", "SID", "name"] + (["effect"] if with_result else [])
    rows = []
    for i, ace in enumerate(aces):
        cls = _ace_rights_class(ace, rights)
        row = [str(i), _KIND.get(ace.type, ace.type.name), _flag_letters(ace.flags) or "-",
               format_mask(ace.mask, cls), *who(ace.sid)]
        if with_result:
            row.append(reading.effect_text(i, cls) or "-")
        rows.append(row)
    widths = [max(len(r[c]) for r in rows + [header]) for c in range(len(header))]

    def line(r):
        return ("  " + "  ".join(cell.ljust(w) for cell, w in zip(r, widths))).rstrip()

    return [line(header), line(["-" * w for w in widths])] + [line(r) for r in rows]
