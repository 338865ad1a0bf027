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
:func:`~tokenlab.view.text.html_text`, because a name is data, never markup: ``<script>``, quotes, braces,
backslashes (which Graphviz expands as ``\\N``-style escapes even in HTML labels),
newlines and invisible bidirectional controls all render as literal text.

Why one file of ~420 lines: the graph and its text twin are built from one marked list of
boxes, and must say the same thing; they are kept side by side.
"""
from __future__ import annotations

from typing import Mapping

import graphviz

from ..security.acl import ACE, AceFlags, AceType, SDControl
from ..security.descriptor import SecurityDescriptor
from ..security.errors import ErrorCode
from ..security.rights import GenericMapping, MandatoryLabelPolicy, StandardAccess, format_mask, mask_names
from ..security.sids import SID
from . import palette as pal
from .text import FIT_SIZE
from .text import ACE_KIND, MASK_WIDTH, TEXT_WIDTH, SidNamer, Style, html_label, short_name, sid_tag, visible, wrap

__all__ = ["STYLES", "DACL_STATE_TEXT", "descriptor_graph", "descriptor_table"]

# ------------------------------------------------------------------ styles (data)

STYLES: dict[str, dict[str, str]] = {
    "graph": {"rankdir": "LR", "size": FIT_SIZE, "ordering": "out", "nodesep": "0.15", "ranksep": "0.3",
              "fontname": "Helvetica"},
    "node": dict(pal.NODE),
    "edge": {**pal.EDGE, "fontsize": "10"},  # 10 pt: still >= 11 px if the picture is scaled to the column
    # The descriptor's parts.
    "sd": {"fillcolor": pal.GREY_300, "penwidth": "1.5"},
    "owner": {"fillcolor": pal.GREY_150},
    "group": {"fillcolor": pal.GREY_150},
    "missing": {"style": "rounded,dashed", "fillcolor": "white", "fontcolor": pal.RED, "color": pal.RED},
    "acl": {"fillcolor": pal.GREY_150},
    "dacl_absent": {"style": "rounded,filled,dashed", "fillcolor": pal.AMBER_FILL, "color": pal.AMBER,
                    "penwidth": "2"},
    "dacl_null": {"style": "rounded,filled,bold", "fillcolor": pal.AMBER_FILL, "color": pal.AMBER, "penwidth": "2"},
    "dacl_empty": {"style": "rounded,filled,bold", "fillcolor": pal.RED_FILL, "color": pal.RED, "penwidth": "2"},
    "sacl_absent": {"style": "rounded,dashed", "fillcolor": "white", "fontcolor": pal.GREY, "color": pal.GREY},
    "ace": {"fillcolor": "white"},
    # (A rounded box, not an ellipse: an ellipse is half again as wide for the same text.)
    "sid": {"shape": "box", "style": "rounded,filled", "fillcolor": pal.BLUE_FILL, "color": pal.BLUE},
    # What an ACE did in the check.
    "ace_granted": {"fillcolor": pal.GREEN_FILL, "color": pal.GREEN, "penwidth": "2"},
    "ace_denied": {"fillcolor": pal.RED_FILL, "color": pal.RED, "penwidth": "2"},
    "ace_no_effect": {"fillcolor": pal.AMBER_FILL, "color": pal.AMBER},
    "ace_not_matched": {"fillcolor": "white", "color": pal.GREY_500},
    "ace_skipped": {"style": "rounded,filled,dashed", "fillcolor": pal.GREY_FILL, "color": pal.GREY,
                    "fontcolor": pal.GREY},
    "ace_not_reached": {"style": "rounded,dotted", "fillcolor": "white", "color": pal.GREY,
                        "fontcolor": pal.GREY},
    # The check's own steps and its verdict.
    "owner_implied": {"fillcolor": pal.GREEN_FILL, "color": pal.GREEN, "penwidth": "2"},
    "check": {"shape": "note", "style": "filled", "fillcolor": pal.GREY_100, "color": pal.GREY_700},
    "check_granted": {"fillcolor": pal.GREEN_FILL, "color": pal.GREEN},
    "check_stopped": {"fillcolor": pal.RED_FILL, "color": pal.RED, "penwidth": "2"},
    "check_skipped": {"fillcolor": pal.GREY_FILL, "color": pal.GREY, "fontcolor": pal.GREY},
    "verdict": {"shape": "box", "style": "filled,bold", "penwidth": "2"},
    "verdict_granted": {"fillcolor": pal.GREEN_FILL, "color": pal.GREEN},
    "verdict_denied": {"fillcolor": pal.RED_FILL, "color": pal.RED},
    "verdict_failed": {"fillcolor": pal.AMBER_FILL, "color": pal.RED},
    "edge_structure": {},
    "edge_part": {"constraint": "false"},
    "edge_sid": {"style": "dashed", "arrowhead": "none"},
    "edge_granted": {"color": pal.GREEN, "fontcolor": pal.GREEN, "penwidth": "2"},
    "edge_denied": {"color": pal.RED, "fontcolor": pal.RED, "penwidth": "2"},
    "edge_check": {"style": "dotted", "color": pal.GREY},
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


# ------------------------------------------------------------------ folding

# Narrower than the text module's defaults: the graph must fit a 900-px notebook column.
_MASK_FOLD = 24
_TEXT_FOLD = 30
_EDGE_FOLD = 18  # an edge label sits between two columns: narrowest


def _wrap_mask(text: str) -> list[str]:
    return wrap(text, _MASK_FOLD)


def _wrap_text(text: str) -> list[str]:
    return wrap(text, _TEXT_FOLD)


def _short_tag(tag: str) -> str:
    """A SID tag short enough for a node: a domain SID's sub-authorities elided
    (``S-1-5-21-…-1001 (DU)``); the full SID is in the node's tooltip and the text twin."""
    sid, _, alias = tag.partition(" ")
    parts = sid.split("-")
    if len(parts) > 6:
        sid = "-".join(parts[:4]) + "-\u2026-" + parts[-1]
    return f"{sid} {alias}".strip()


def _tip(*texts: str) -> str:
    from .diff import tooltip

    return tooltip(tuple((Style.PLAIN, t) for t in texts if t))


# ------------------------------------------------------------------ naming

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


def _read(sd: SecurityDescriptor, result, domain: SID | None, names: Mapping | None,
          mapping: GenericMapping | None):
    """What the graph and the table both start from: (namer, rights class, DACL, SACL, reading)."""
    dacl = tuple(sd.dacl) if sd.dacl is not None else ()
    sacl = tuple(sd.sacl) if sd.sacl is not None else ()
    return (SidNamer(names, domain=domain), _rights_class(result, mapping), dacl, sacl,
            _Reading(result, len(dacl)))


# ------------------------------------------------------------------ the graph

def descriptor_graph(sd: SecurityDescriptor, result=None, *, domain: SID | None = None,
                     names: Mapping | None = None, mapping: GenericMapping | None = None) -> graphviz.Digraph:
    """The descriptor as a graph; with ``result`` (an AccessCheckResult for ``sd``), the check too.

    ``names`` maps SIDs (or SID strings) to display names for SIDs without a well-known
    name; ``domain`` resolves domain-relative aliases and names; ``mapping`` names the
    access bits when there is no result (a result brings its own mapping).
    """
    namer, rights, dacl, sacl, reading = _read(sd, result, domain, names, mapping)

    g = graphviz.Digraph("descriptor", graph_attr=STYLES["graph"], node_attr=STYLES["node"],
                         edge_attr=STYLES["edge"])
    sids: dict[SID, None] = {}   # SID nodes, in order of first use

    def node(node_id: str, lines: list[tuple[str, str]], *styles: str, tooltip: str = "") -> None:
        attrs: dict[str, str] = {}
        for s in styles:
            attrs.update(STYLES[s])
        if tooltip:
            attrs["tooltip"] = tooltip
        g.node(node_id, label=html_label(lines), **attrs)

    def edge(a: str, b: str, style: str = "edge_structure", label: list[tuple[str, str]] | None = None) -> None:
        attrs = dict(STYLES[style])
        if label:
            attrs["label"] = html_label(label)
        g.edge(a, b, **attrs)

    def sid_edge(a: str, sid: SID) -> None:
        sids.setdefault(sid)
        edge(a, _sid_node_id(sid), "edge_sid")

    # The descriptor and its four parts.
    # The descriptor and its parts make one column (the edges between them do not push
    # the parts into a column of their own): the picture stays narrow.
    node("sd", [(Style.BOLD, "Security descriptor"),
                *((Style.PLAIN, ln) for ln in _wrap_mask(f"control: {_control_names(sd.control)}"))], "sd")
    for part, sid, title in (("owner", sd.owner, "Owner"), ("group", sd.group, "Primary group")):
        if sid is None:
            node(part, [(Style.BOLD, f"no {title.lower()}"), (Style.PLAIN, "AccessCheck rejects the descriptor")], "missing")
        elif part == "owner" and reading.owner_implied:
            node(part, [(Style.BOLD, title), (Style.PLAIN, "implied rights:"),
                        *((Style.PLAIN, ln) for ln in _wrap_mask(format_mask(reading.owner_implied, rights)))],
                 part, "owner_implied")
        else:
            node(part, [(Style.BOLD, title)], part)
        edge("sd", part, "edge_part")
        if sid is not None:
            sid_edge(part, sid)

    state = sd.dacl_state
    dacl_text = _acl_state_text(state, len(dacl), "DACL")
    node("dacl", [(Style.BOLD, ln) for ln in _wrap_text(f"DACL: {dacl_text}" if state == "entries" else dacl_text)]
         + ([(Style.PLAIN, "walked twice: user and groups,"), (Style.PLAIN, "then the restricting SIDs")] if reading.restricted else []),
         "acl", *((f"dacl_{state}",) if state != "entries" else ()))
    edge("sd", "dacl", "edge_part")
    sacl_state = sd.sacl_state
    sacl_text = _acl_state_text(sacl_state, len(sacl), "SACL")
    node("sacl", [(Style.BOLD, ln) for ln in _wrap_text(f"SACL: {sacl_text}" if sacl_state == "entries" else sacl_text)],
         "acl", *(("sacl_absent",) if sacl_state != "entries" else ()))
    edge("sd", "sacl", "edge_part")

    # The ACEs, in order, each pointing at its SID.
    for which, aces in (("dacl", dacl), ("sacl", sacl)):
        for i, ace in enumerate(aces):
            ace_id = f"{which}_{i}"
            cls = _ace_rights_class(ace, rights)
            # (The ACE type's full name is the tooltip: "allow" says it in the picture.)
            lines = [(Style.BOLD, f"{i}: {ACE_KIND.get(ace.type, ace.type.name)}")]
            if ace.flags:
                lines += [(Style.PLAIN, ln) for ln in _wrap_mask("flags: " + _flag_names(ace.flags))]
            lines += [(Style.PLAIN, ln) for ln in _wrap_mask(format_mask(ace.mask, cls))]
            styles = ["ace"]
            if which == "dacl" and i in reading.outcomes:
                outcome = reading.outcomes[i]
                styles.append(f"ace_{outcome}")
                lines += [(Style.ITALIC, ln) for part in reading.effect_text(i, cls).split("; ") for ln in _wrap_mask(part)]
            node(ace_id, lines, *styles, tooltip=_tip(ace.type.name))
            edge(which, ace_id)
            sid_edge(ace_id, ace.sid)

    for sid in sids:
        name = namer.find(sid)
        tag = sid_tag(sid, domain)
        brief = short_name(name) if name is not None else None
        node(_sid_node_id(sid), ([(Style.BOLD, brief)] if brief is not None else []) + [(Style.PLAIN, _short_tag(tag))],
             "sid", tooltip=_tip(name or "", tag))

    if result is None:
        return g

    # The check: integrity and privileges, then the verdict with every contribution.
    if reading.integrity:
        style = ("check_stopped" if reading.stopped_by == "integrity"
                 else "check_skipped" if reading.integrity_skipped else "check")
        node("integrity", [(Style.BOLD, "Mandatory integrity")]
             + [(Style.PLAIN, ln) for text in reading.integrity for ln in _wrap_text(text)], "check", style)
        edge("sacl", "integrity", "edge_check")
        edge("integrity", "verdict", "edge_check")
    if reading.privileges:
        style = "check_stopped" if reading.stopped_by == "privilege" else "check_granted"
        node("privileges", [(Style.BOLD, "Privileges")]
             + [(Style.PLAIN, ln) for text in reading.privileges for ln in _wrap_text(text)], "check", style)
        edge("privileges", "verdict", "edge_check")
    if reading.owner_implied:
        edge("owner", "verdict", "edge_granted",
             [(Style.PLAIN, "implied"), *((Style.PLAIN, ln) for ln in wrap(_bits(reading.owner_implied, rights), _EDGE_FOLD))])
    for i, ace in enumerate(dacl):
        cls = _ace_rights_class(ace, rights)
        for pass_name, granted, denied in reading.effects.get(i, ()):
            where = [(Style.ITALIC, "restricted pass")] if pass_name == "restricted" else []
            verb, mask, style = ("grants", granted, "edge_granted") if granted else ("denies", denied, "edge_denied")
            edge(f"dacl_{i}", "verdict", style, where + [(Style.PLAIN, ln) for ln in wrap(f"{verb} {_bits(mask, cls)}", _EDGE_FOLD)])

    style, (head, asked) = _verdict_lines(result)
    lines = [(Style.BOLD, "AccessCheck")] + [(Style.BOLD, ln) for ln in _wrap_mask(head)]
    if result.granted != result.desired:  # a denial, or what MAXIMUM_ALLOWED came to
        lines += [(Style.PLAIN, ln) for ln in _wrap_mask(asked)]
    # The edges already say how ACEs granted it; otherwise say why it ended as it did.
    if reading.reason and not (result.allowed and reading.effects):
        lines += [(Style.ITALIC, ln) for ln in _wrap_text(reading.reason)]
    node("verdict", lines, "verdict", style)
    return g


# ------------------------------------------------------------------ the text twin

def descriptor_table(sd: SecurityDescriptor, result=None, *, domain: SID | None = None,
                     names: Mapping | None = None, mapping: GenericMapping | None = None, sids: bool = True) -> str:
    """The descriptor graph as fixed-width text: parts, the ACE rows, and (with a result)
    what each ACE did, the checks before the DACL, and the verdict.

    With ``sids=False`` owner, group and ACEs are given by name alone (no SID column); a SID
    without a name is still shown, as its SID string."""
    namer, rights, dacl, sacl, reading = _read(sd, result, domain, names, mapping)

    def who(sid: SID) -> tuple[str, ...]:
        name = namer.find(sid)
        if not sids:
            return (visible(name) if name is not None else sid_tag(sid, domain),)
        return sid_tag(sid, domain), visible(name) if name is not None else ""

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
    return [f"{title:<10} {visible(text)}" for title, text in rows]


def _ace_rows(aces, rights, reading: _Reading, who, with_result: bool) -> list[str]:
    if not aces:
        return []
    header = (["#", "type", "flags", "mask"] + (["SID", "name"] if len(who(aces[0].sid)) == 2 else ["name"])
              + (["effect"] if with_result else []))
    rows = []
    for i, ace in enumerate(aces):
        cls = _ace_rights_class(ace, rights)
        row = [str(i), ACE_KIND.get(ace.type, ace.type.name), _flag_letters(ace.flags) or "-",
               format_mask(ace.mask, cls), *who(ace.sid)]
        if with_result:
            row.append(reading.effect_text(i, cls) or "-")
        rows.append(row)
    widths = [max(len(r[c]) for r in rows + [header]) for c in range(len(header))]

    def line(r):
        return ("  " + "  ".join(cell.ljust(w) for cell, w in zip(r, widths))).rstrip()

    return [line(header), line(["-" * w for w in widths])] + [line(r) for r in rows]
