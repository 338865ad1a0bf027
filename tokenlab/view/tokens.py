"""The token graph and its text twin: what is inside one token, and where it came from.

``token_graph(token)`` draws a token's parts the way ``GetTokenInformation`` returns them:

    token (type, impersonation level, integrity) → user, owner, primary group
                                                 → groups (enabled, disabled, deny-only)
                                                 → restricting SIDs, privileges
                                                 → default DACL → its ACEs
                                                 → its own DACL (who may open it) → its ACEs
                                                 → origin (logon session, ids), the token it was duplicated from

Deny-only and disabled groups, and disabled privileges, look different and say so in
words. Given ``previous`` (the same token earlier, or the token it was duplicated from),
what differs is coloured and ``token_table`` marks it ``+``/``-``/``~``.
"""
from __future__ import annotations

import re
from dataclasses import replace
from typing import Mapping

import graphviz

from ..security.rights import StandardAccess, TokenAccess, format_mask
from ..security.sids import SID
from ..security.tokenattrs import GroupAttributes, PrivilegeAttributes
from ..teaching.snapshot import TokenState, token_state
from . import palette as pal
from .text import FIT_SIZE
from .diff import Arrow, Box, Scene, compare, digraph, scene_table
from .text import ACE_KIND, SidNamer, Style

__all__ = ["STYLES", "token_graph", "token_table", "token_scene", "group_state", "privilege_state"]

_ROWS = 16  # members of a cluster per column, before the grid adds a column (one column keeps it narrow)

STYLES: dict[str, dict[str, str]] = {
    "graph": {"rankdir": "LR", "size": FIT_SIZE, "nodesep": "0.15", "ranksep": "0.3", "fontname": "Helvetica",
              "fontsize": "10", "compound": "true"},
    "node": {**pal.NODE, "margin": "0.1,0.04"},
    "edge": {**pal.EDGE, "color": pal.GREY_500, "arrowsize": "0.6"},
    "token_primary": {"fillcolor": pal.BLUE_FILL, "color": pal.BLUE, "penwidth": "2"},
    "token_impersonation": {"fillcolor": pal.PURPLE_FILL, "color": pal.PURPLE, "penwidth": "2"},
    "token_identification": {"fillcolor": pal.ROSE_PALE, "color": pal.ROSE, "penwidth": "2"},
    "part": {"fillcolor": pal.GREY_150},
    "part_cluster": {"style": "rounded,filled", "fillcolor": pal.GREY_100, "color": pal.GREY_400, "penwidth": "1"},
    "group_enabled": {"fillcolor": pal.BLUE_FILL, "color": pal.BLUE},
    "group_disabled": {"style": "rounded,filled,dotted", "fillcolor": "white", "color": pal.GREY, "fontcolor": pal.GREY},
    "group_deny_only": {"style": "rounded,filled,dashed", "fillcolor": pal.ROSE_FILL, "color": pal.ROSE,
                        "fontcolor": pal.ROSE},
    "restricting_sid": {"fillcolor": pal.OCHRE_FILL, "color": pal.OCHRE},
    "privilege_enabled": {"fillcolor": pal.BLUE_FILL, "color": pal.BLUE},
    "privilege_disabled": {"style": "rounded,filled,dotted", "fillcolor": "white", "color": pal.GREY, "fontcolor": pal.GREY},
    "privilege_removed": {"style": "rounded,filled,dashed", "fillcolor": "white", "color": pal.GREY, "fontcolor": pal.GREY},
    "acl": {"fillcolor": pal.GREY_150},
    "ace_allow": {"fillcolor": "white", "color": pal.GREEN},
    "ace_deny": {"fillcolor": "white", "color": pal.RED},
    "ace_other": {"fillcolor": "white"},
    "origin": {"shape": "note", "style": "filled", "fillcolor": pal.GREY_100},
    "source_token": {"fillcolor": pal.PURPLE_FILL, "color": pal.PURPLE, "style": "rounded,filled,dashed"},
    "edge_structure": {"arrowhead": "none"},
    "edge_layout": {"style": "invis"},
    "lhead_groups": {"lhead": "cluster_groups"},
    "lhead_restricted": {"lhead": "cluster_restricted"},
    "lhead_privileges": {"lhead": "cluster_privileges"},
    "edge_provenance": {"style": "dotted", "color": pal.PURPLE, "fontcolor": pal.PURPLE},
}


# ------------------------------------------------------------------ decoding attributes

def group_state(attributes: int) -> tuple[str, str]:
    """(style key, words) for a group's SE_GROUP_* attributes: deny-only beats enabled."""
    a = GroupAttributes(attributes)
    if a & GroupAttributes.SE_GROUP_INTEGRITY:
        # TokenGroups lists the integrity label too; it drives the mandatory integrity
        # check, not the DACL walk, so "enabled" or "disabled" would mislead.
        state = "enabled" if a & GroupAttributes.SE_GROUP_INTEGRITY_ENABLED else "not enforced"
        return "group_enabled", f"integrity label ({state}): used by the mandatory integrity check (0x{int(attributes):08X})"
    if a & GroupAttributes.SE_GROUP_USE_FOR_DENY_ONLY:
        key, words = "group_deny_only", ["deny-only: matches deny ACEs only"]
    elif a & GroupAttributes.SE_GROUP_ENABLED:
        key, words = "group_enabled", ["enabled"]
    else:
        key, words = "group_disabled", ["disabled: ignored by access checks"]
    if a & GroupAttributes.SE_GROUP_LOGON_ID == GroupAttributes.SE_GROUP_LOGON_ID:
        words.append("logon SID")
    if a & GroupAttributes.SE_GROUP_OWNER:
        words.append("may own new objects")
    if a & GroupAttributes.SE_GROUP_RESOURCE:
        words.append("resource")
    return key, f"{', '.join(words)} (0x{int(attributes):08X})"


def privilege_state(attributes: int) -> tuple[str, str]:
    """(style key, words) for a privilege's SE_PRIVILEGE_* attributes."""
    a = PrivilegeAttributes(attributes)
    by_default = bool(a & PrivilegeAttributes.SE_PRIVILEGE_ENABLED_BY_DEFAULT)
    if a & PrivilegeAttributes.SE_PRIVILEGE_REMOVED:
        return "privilege_removed", "removed"
    if a & PrivilegeAttributes.SE_PRIVILEGE_ENABLED:
        return "privilege_enabled", "enabled" + ("" if by_default else " (disabled by default)")
    return "privilege_disabled", "disabled" + (" (enabled by default)" if by_default else "")


# ------------------------------------------------------------------ naming

def _id(text: str) -> str:
    """A DOT-safe node id fragment: S-1-5-32-545 -> S_1_5_32_545."""
    return re.sub(r"\W", "_", text)


def _guess_domain(state: TokenState) -> SID | None:
    for sid in (state.user, state.owner, state.primary_group):
        if sid.startswith("S-1-5-21-") and sid.count("-") == 7:
            return SID(sid).domain
    return None


def _namer(state: TokenState, machine=None, names: Mapping | None = None, snapshot=None) -> SidNamer:
    """SID string -> display name: ``names``, then the snapshot's, then the machine's
    accounts, then well-known names, else the SID string itself."""
    if machine is not None:
        domain = machine.domain_sid
    elif snapshot is not None and getattr(snapshot, "domain_sid", ""):
        domain = SID(snapshot.domain_sid)
    else:
        domain = _guess_domain(state)
    table: dict[str, str] = dict(snapshot.names) if snapshot is not None else {}
    table.update({str(k): str(v) for k, v in (names or {}).items()})
    return SidNamer(table, machine=machine, domain=domain)


# ------------------------------------------------------------------ the scene

def _state(token, machine) -> TokenState:
    return token if isinstance(token, TokenState) else token_state(token, machine)


def _title(state: TokenState) -> str:
    return f"Token#{state.object_id}" if state.object_id else "Token"


_DOMAIN_IN_TEXT = re.compile(r"\b[A-Z][A-Z0-9_-]*(?: [A-Z][A-Z0-9_-]*)*\\(?=[^\\\s])")
_LONG_SID = re.compile(r"\bS-1-5-21(?:-\d+){3}-(\d+)\b")


def _brief(lines) -> tuple:
    """The picture's version of a box's lines: names without their domain, domain SIDs
    elided to their RID, SDDL left to the tooltip (the box's ACEs are drawn beside it)."""
    out = []
    for style, text in lines:
        if style == Style.SDDL:
            continue
        text = _LONG_SID.sub(lambda m: f"S-1-5-21-\u2026-{m.group(1)}", _DOMAIN_IN_TEXT.sub("", text))
        style = {Style.SENTENCE: Style.SENTENCE_SHORT, Style.ITALIC_SENTENCE: Style.ITALIC_SENTENCE_SHORT,
                 Style.MASK: Style.MASK_SHORT}.get(style, style)
        out.append((style, text))
    return tuple(out)


def token_scene(state: TokenState, name: SidNamer, source: TokenState | None = None, *, sids: bool = True) -> Scene:
    """One token as boxes and arrows with stable ids: ``token``, ``user``, ``owner``,
    ``primary_group``, ``group_<SID>``, ``restricted_<SID>``, ``privilege_<name>``,
    ``default_dacl`` and ``default_dacl_<i>``, ``security`` and ``security_<i>``,
    ``origin``, ``token_<id>`` (the token it was duplicated from).

    With ``sids=False`` SIDs are named only: no SID string beside a name, and no SDDL (the
    ACEs are listed by name under each DACL)."""
    boxes: list[Box] = []
    arrows: list[Arrow] = []

    def tag(sid) -> list:
        """The SID string line beside a name (none with ``sids=False``, unless it has no name)."""
        return [(Style.PLAIN, name.tag(sid))] if sids or name.find(sid) is None else []

    def part(node: str, lines, styles=("part",), parent: str = "", depth: int = 1, src: str = "token",
             key: str = "part", arrow_lines=(), arrow_style: str = "edge_structure") -> None:
        boxes.append(Box(node, tuple(lines), styles, parent=parent, depth=depth))
        arrows.append(Arrow(src, node, key, tuple(arrow_lines), (arrow_style,)))

    def cluster(which: str, title: str, members: list[tuple[str, list, str]]) -> None:
        """A cluster of small boxes laid out as a grid of columns (at most _ROWS high), with
        one arrow from the token to the cluster rather than one per member."""
        node = f"cluster_{which}"
        boxes.append(Box(node, ((Style.BOLD, title),), ("part_cluster",), cluster=True, depth=1))
        for member, lines, style in members:
            boxes.append(Box(member, tuple(lines), (style,), parent=node, depth=2))
        ids = [m[0] for m in members]
        arrows.append(Arrow("token", ids[0], which, (), ("edge_structure", f"lhead_{which}"), layout=True))
        rows = -(-len(ids) // -(-len(ids) // _ROWS))  # columns as few as fit, then rows as even as can be
        arrows.extend(Arrow(a, b, "grid", (), ("edge_layout",), layout=True) for a, b in zip(ids, ids[rows:]))

    # The token itself.
    head = [(Style.BOLD, _title(state)), (Style.PLAIN, name(state.user))]
    if state.token_type == "TokenPrimary":
        head.append((Style.PLAIN, "primary token"))
        style = "token_primary"
    else:
        head.append((Style.SENTENCE, f"impersonation token, {state.level}"))
        style = ("token_identification" if state.level in ("SecurityIdentification", "SecurityAnonymous")
                 else "token_impersonation")
    head.append((Style.SENTENCE, f"integrity {state.integrity}"
                 + (f" ({state.integrity_sid})" if state.integrity_sid and sids else "")))
    if state.restricted:
        head.append((Style.ITALIC, "restricted: two-pass access check"))
    boxes.append(Box("token", tuple(head), (style,)))

    # Who it is.
    for node, title, sid in (("user", "user", state.user), ("owner", "owner of new objects", state.owner),
                             ("primary_group", "primary group", state.primary_group)):
        lines, styles = [(Style.BOLD, title), (Style.PLAIN, name(sid)), *tag(sid)], ("part",)
        # CreateRestrictedToken can make the user itself deny-only (when the snapshot says so).
        if node == "user" and getattr(state, "user_attributes", 0) & GroupAttributes.SE_GROUP_USE_FOR_DENY_ONLY:
            key, words = group_state(state.user_attributes)
            lines, styles = lines + [(Style.ITALIC, words)], ("part", key)
        part(node, lines, styles)

    if state.groups:
        cluster("groups", f"groups ({len(state.groups)})",
                [(f"group_{_id(sid)}", [(Style.BOLD, name(sid)), *tag(sid), (Style.ITALIC, group_state(attrs)[1])],
                  group_state(attrs)[0]) for sid, attrs in state.groups])
    if state.restricted_sids:
        cluster("restricted", "restricting SIDs: the second access check",
                [(f"restricted_{_id(sid)}", [(Style.BOLD, name(sid)), *tag(sid)], "restricting_sid")
                 for sid in state.restricted_sids])
    if state.privileges:
        cluster("privileges", f"privileges ({len(state.privileges)})",
                [(f"privilege_{_id(priv)}", [(Style.BOLD, priv), (Style.ITALIC, privilege_state(attrs)[1])],
                  privilege_state(attrs)[0]) for priv, attrs in state.privileges])

    # The two DACLs: the one it gives away, and the one that guards it.
    for node, title, why, sddl, acl, rights in (
            ("default_dacl", "default DACL", "given to objects it creates without a DACL of their own",
             state.default_dacl_sddl, state.default_dacl, StandardAccess),
            ("security", "its security descriptor", "its DACL says who may open this token", state.security_sddl,
             state.security.dacl if state.security is not None else None, TokenAccess)):
        if not sddl:
            part(node, [(Style.BOLD, title), (Style.ITALIC, "none")], ("acl",))
            continue
        part(node, [(Style.BOLD, title), (Style.ITALIC_SENTENCE, why), *([(Style.SDDL, sddl)] if sids else [])], ("acl",))
        for i, ace in enumerate(acl or ()):
            kind = ACE_KIND.get(ace.type, ace.type.name)
            style = {"allow": "ace_allow", "deny": "ace_deny"}.get(kind, "ace_other")
            part(f"{node}_{i}", [(Style.BOLD, f"{i}: {kind} {name(ace.sid.text)}"),
                                 (Style.MASK, format_mask(ace.mask, rights))], (style,), depth=2, src=node, key="ace")

    # Where it came from.
    origin = [(Style.BOLD, "origin")]
    if state.origin:
        origin.append((Style.SENTENCE, state.origin))
    if state.logon_session:
        origin.append((Style.SENTENCE, state.logon_session))
    origin += [(Style.PLAIN, f"AuthenticationId {state.authentication_id}"), (Style.PLAIN, f"TokenId {state.token_id}"),
               (Style.PLAIN, f"ModifiedId {state.modified_id}")]
    part("origin", origin, ("origin",))
    if state.duplicated_from is not None:
        lines = [(Style.BOLD, f"Token#{state.duplicated_from}")]
        if source is not None and source.object_id == state.duplicated_from:
            lines.append((Style.PLAIN, name(source.user)))
        part(f"token_{state.duplicated_from}", lines, ("source_token",), key="duplicated_from",
             arrow_lines=[(Style.ITALIC, "duplicated from")], arrow_style="edge_provenance")
    boxes = [b if (short := _brief(b.lines)) == b.lines else replace(b, short=short) for b in boxes]
    if state.duplicated_from is not None:
        # The provenance arrow's label would widen the gap next to the token: the source box
        # says it instead (the text twin keeps the arrow's words).
        src_id = f"token_{state.duplicated_from}"
        boxes = [replace(b, short=((Style.ITALIC, "duplicated from"), *_brief(b.lines))) if b.id == src_id else b
                 for b in boxes]
        arrows = [replace(a, short=()) if a.key == "duplicated_from" else a for a in arrows]
    return Scene(tuple(boxes), tuple(arrows))


def _scenes(token, previous, machine, names, snapshot, sids=True):
    state = _state(token, machine)
    before = _state(previous, machine) if previous is not None else None
    name = _namer(state, machine, names, snapshot)

    def source(s: TokenState) -> TokenState | None:
        """The token ``s`` was duplicated from, if at hand."""
        if s.duplicated_from is None:
            return None
        if before is not None and before.object_id == s.duplicated_from:
            return before
        return snapshot.token(s.duplicated_from) if snapshot is not None else None

    now = token_scene(state, name, source(state), sids=sids)
    then = token_scene(before, name, source(before), sids=sids) if before is not None else None
    legend = None
    if before is not None:
        legend = (f"compared with {_title(before)}" if before.object_id != state.object_id
                  else "compared with before")
    return compare(now, then), legend


# ------------------------------------------------------------------ graph and table

def token_graph(token, previous=None, *, machine=None, names: Mapping | None = None,
                snapshot=None) -> graphviz.Digraph:
    """One token (a :class:`~tokenlab.Token` or a :class:`~tokenlab.trace.TokenState`) as a
    graph. ``previous`` (either kind) colours what differs from it. SIDs are named from
    ``names`` (SID string -> name), then ``snapshot.names``, then ``machine``'s accounts,
    then well-known names."""
    (boxes, arrows), legend = _scenes(token, previous, machine, names, snapshot)
    return digraph("token", boxes, arrows, STYLES, legend=legend)


def token_table(token, previous=None, *, machine=None, names: Mapping | None = None, snapshot=None,
                sids: bool = True) -> str:
    """The token graph as indented text; with ``previous``, ``+``/``-``/``~`` mark differences.
    With ``sids=False`` every SID that has a name is given by name alone, and the DACLs by
    their ACEs without SDDL."""
    (boxes, arrows), legend = _scenes(token, previous, machine, names, snapshot, sids)
    return scene_table(boxes, arrows, legend=legend)
