"""The object graph and its text twin: who is who on the machine at one moment.

``object_graph(snap)`` draws a :class:`~tokenlab.trace.Snapshot`:

    process (cluster: image, pid, user) → its threads → each thread's token slot
    process → its primary token
    handle table → each handle → the object it opens, granted access on the edge
    thread ══effective══▶ the token it acts as: the slot's token if filled, else the primary

Tokens say who they are, what kind, their integrity, where they came from ("duplicated
from Token#4") and whom their own DACL lets open them, which is what decides whether
someone else (COM, say) can use them. Given the ``previous`` snapshot, what changed is
coloured (:mod:`tokenlab.view.diff`); ``focus_tid`` marks the thread that made the call.

``object_table`` prints the same scene as indented text, ``+``/``-``/``~`` marking changes.

Why one file of ~510 lines: the object graph, its text twin, the trace's shared layout and
the folding of untouched processes are built from one scene of boxes; they must agree
box for box.
"""
from __future__ import annotations

from functools import lru_cache

import graphviz

from ..security import rights
from ..security.descriptor import SecurityDescriptor
from ..security.sids import SID
from ..security.tokenattrs import GroupAttributes, PrivilegeAttributes
from . import palette as pal
from .text import FIT_SIZE
from .diff import Arrow, Box, Pinned, Scene, compare, digraph, label, pin, scene_table
from .text import SidNamer, Style, html_text, short_name

__all__ = ["STYLES", "MAX_PROCESSES", "object_graph", "object_table", "object_scene", "summary_graph", "trace_layout", "pairs_layout", "collapse", "story_pids"]

STYLES: dict[str, dict[str, str]] = {
    "graph": {"rankdir": "LR", "size": FIT_SIZE, "nodesep": "0.15", "ranksep": "0.35", "fontname": "Helvetica",
              "fontsize": "10"},
    "node": dict(pal.NODE),
    "edge": {**pal.EDGE, "fontsize": "10"},  # 10 pt: still >= 11 px if the picture is scaled to the column
    # Clusters.
    "process_cluster": {"style": "rounded,filled", "fillcolor": pal.GREY_100, "color": pal.GREY_500, "penwidth": "1"},
    "thread_cluster": {"style": "rounded,filled", "fillcolor": pal.SLATE_FILL, "color": pal.GREY_400, "penwidth": "1",
                       "rank": "same"},  # the slot right under its thread
    "handle_table": {"style": "rounded,filled", "fillcolor": pal.GREY_150, "color": pal.GREY_400, "penwidth": "1"},
    # Nodes.
    "process": {"fillcolor": pal.GREY_300},
    "process_folded": {"fillcolor": pal.GREY_100, "style": "rounded,filled,dashed", "color": pal.GREY_500},
    "thread": {"fillcolor": "white"},
    "slot_empty": {"style": "rounded,filled,dashed", "fillcolor": "white", "fontcolor": pal.GREY},
    "slot_filled": {"fillcolor": pal.BLUE_FILL, "color": pal.BLUE},
    "slot_copy_on_open": {"fillcolor": pal.BLUE_FILL, "color": pal.BLUE, "style": "rounded,filled,dashed", "penwidth": "2"},
    "handle": {"fillcolor": "white"},
    "token_primary": {"fillcolor": pal.BLUE_FILL, "color": pal.BLUE},
    "token_impersonation": {"fillcolor": pal.PURPLE_FILL, "color": pal.PURPLE},
    "token_identification": {"fillcolor": pal.ROSE_PALE, "color": pal.ROSE},
    "event": {"fillcolor": pal.GREY_150},
    "object": {"style": "rounded,filled,dotted", "fillcolor": "white", "fontcolor": pal.GREY},
    "focus": {"penwidth": "3", "color": pal.BLUE},
    # Edges.
    # Structure inside a process does not push things apart: the process stays one narrow column.
    "edge_structure": {"arrowhead": "none", "color": pal.GREY_500, "constraint": "false"},
    "edge_column": {"constraint": "true"},  # ...except that threads sit in a column right of their process
    "edge_loose": {"constraint": "false"},  # a handle to a process or thread
    # The processes' order, top to bottom (an invisible node and its ordered edges).
    "edge_order": {"style": "invis"},
    "order": {"style": "invis", "width": "0.01", "height": "0.01", "fixedsize": "true", "ordering": "out"},
    "edge_primary": {"color": pal.GREY_700, "fontcolor": pal.GREY_700},
    "edge_slot": {"color": pal.BLUE, "fontcolor": pal.BLUE},
    "edge_effective": {"style": "bold", "penwidth": "3", "color": pal.NAVY, "fontcolor": pal.NAVY,
                       "arrowsize": "1"},
    "edge_handle": {"color": pal.GREY_700, "fontcolor": pal.GREY_800},
    "edge_provenance": {"style": "dotted", "color": pal.PURPLE, "fontcolor": pal.PURPLE, "constraint": "false"},
}

# The rights each object type's handles name (what narrows a handle's label in the picture).
_RIGHTS = {name: m.rights for name, m in rights.MAPPINGS.items()}
_RIGHTS["NamedPipe"] = rights.FileAccess


def _compact_names(h) -> list[str]:
    """A handle's granted rights in as few names as say them (FILE_GENERIC_READ, not five bits)."""
    cls = _RIGHTS.get(h.object_type)
    if cls is None:
        return [r for r in (h.granted_names or (f"0x{h.granted:X}" if h.granted else "")).split("|") if r]
    return rights.compact_mask_names(h.granted, cls)


_LEGEND_TITLE = "since the previous snapshot"
_SE_PRIVILEGE_ENABLED = int(PrivilegeAttributes.SE_PRIVILEGE_ENABLED)
_SE_GROUP_USE_FOR_DENY_ONLY = int(GroupAttributes.SE_GROUP_USE_FOR_DENY_ONLY)


# ------------------------------------------------------------------ naming

def _domain(snap) -> SID | None:
    """The machine's domain SID (what SDDL aliases such as DU stand for); for a snapshot
    made without one, read off the first account SID (S-1-5-21-a-b-c-rid)."""
    if getattr(snap, "domain_sid", ""):
        return SID(snap.domain_sid)
    for sid, _ in snap.names:
        if sid.startswith("S-1-5-21-") and sid.count("-") == 7:
            return SID(sid).domain
    return None


@lru_cache(maxsize=512)
def _dacl_sids(sd: SecurityDescriptor | None) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """(allowed, denied) SID strings of a descriptor's DACL, in ACE order, each once."""
    if sd is None:
        return (), ()
    allowed: dict[str, None] = {}
    denied: dict[str, None] = {}
    for ace in sd.dacl or ():
        if ace.inherit_only:
            continue
        if ace.is_allow:
            allowed.setdefault(ace.sid.text)
        elif ace.is_deny:
            denied.setdefault(ace.sid.text)
    return tuple(allowed), tuple(denied)


def _namer(snap) -> SidNamer:
    """Names from the snapshot, then well-known names in the snapshot's domain."""
    return SidNamer(snap.name_map if hasattr(snap, "name_map") else dict(snap.names), domain=_domain(snap))


# ------------------------------------------------------------------ the scene

def _token_lines(t, name: SidNamer, tokens: dict) -> tuple[tuple[str, str], ...]:
    lines = [(Style.BOLD, f"Token#{t.object_id}"), (Style.PLAIN, name(t.user))]
    if t.token_type == "TokenPrimary":
        lines.append((Style.PLAIN, "primary token"))
    else:
        lines.append((Style.PLAIN, f"impersonation token, {t.level}"))
    lines.append((Style.PLAIN, f"integrity {t.integrity}"))
    if t.privileges:
        enabled = sum(1 for _, a in t.privileges if a & _SE_PRIVILEGE_ENABLED)
        lines.append((Style.PLAIN, f"privileges enabled: {enabled} of {len(t.privileges)}"))
    deny_only = sum(1 for _, a in t.groups if a & _SE_GROUP_USE_FOR_DENY_ONLY)
    if deny_only:
        lines.append((Style.PLAIN, f"deny-only groups: {deny_only}"))
    if t.restricted:
        lines.append((Style.PLAIN, "restricted: two-pass access check"))
    if t.origin:
        lines.append((Style.ITALIC_SENTENCE, f"from {t.origin}"))
    if t.duplicated_from is not None:
        gone = "" if t.duplicated_from in tokens else ", gone since"
        lines.append((Style.ITALIC, f"duplicated from Token#{t.duplicated_from}{gone}"))
    if t.refs:
        # What keeps the token alive: it dies with its last reference (handle or slot).
        held = ", ".join(f"{reason} \u00d7{count}" for reason, count in t.refs)
        lines.append((Style.ITALIC_SENTENCE, f"held by: {held}"))
    allowed, denied = _dacl_sids(t.security)
    if allowed:
        lines.append((Style.NAMES, "its DACL allows " + ", ".join(name(s) for s in allowed)))
    if denied:
        lines.append((Style.NAMES, "its DACL denies " + ", ".join(name(s) for s in denied)))
    return tuple(lines)


def short(name: str) -> str:
    """An account name without its domain: the picture's name; the full name is in the
    tooltip and the text twin (:func:`tokenlab.view.text.short_name`)."""
    return short_name(name)


_LEVEL = {"SecurityAnonymous": "Anonymous", "SecurityIdentification": "Identification",
          "SecurityImpersonation": "Impersonation", "SecurityDelegation": "Delegation"}


def _token_short(t, name: SidNamer) -> tuple[tuple[str, str], ...]:
    """The token in four lines or so: who, what kind, where from, and whom its DACL lets in."""
    lines = [(Style.BOLD, f"Token#{t.object_id} \u00b7 {short(name(t.user))}")]
    kind = "primary" if t.token_type == "TokenPrimary" else f"impersonation, {_LEVEL.get(t.level, t.level)}"
    lines.append((Style.PLAIN, kind))
    flags = [f"integrity {t.integrity}"]
    if t.restricted:
        flags.append("restricted")
    lines.append((Style.PLAIN, ", ".join(flags)))
    if t.duplicated_from is not None:
        lines.append((Style.ITALIC, f"copy of Token#{t.duplicated_from}"))
    allowed, denied = _dacl_sids(t.security)
    if allowed:
        lines.append((Style.NAMES_SHORT, "DACL: " + ", ".join(short(name(s)) for s in allowed)))
    if denied:
        lines.append((Style.NAMES_SHORT, "DACL denies: " + ", ".join(short(name(s)) for s in denied)))
    return tuple(lines)


def _token_style(t) -> str:
    if t.token_type == "TokenPrimary":
        return "token_primary"
    if t.level in ("SecurityIdentification", "SecurityAnonymous"):
        return "token_identification"
    return "token_impersonation"


def object_scene(snap, order: tuple[int, ...] = ()) -> Scene:
    """The snapshot as boxes and arrows with stable ids (see :mod:`tokenlab.view.diff`).
    ``order`` lists pids to draw first (top to bottom); the rest follow in pid order."""
    name = _namer(snap)
    tokens = {t.object_id: t for t in snap.tokens}
    target: dict[int, str] = {}              # object id -> node id, for handle targets
    for p in snap.processes:
        target[p.object_id] = f"proc_{p.pid}"
        for th in p.threads:
            target[th.object_id] = f"thread_{th.tid}"
    for oid in tokens:
        target[oid] = f"token_{oid}"
    for e in snap.events:
        target[e.object_id] = f"event_{e.object_id}"
    others = tuple(getattr(snap, "objects", ()))  # mutexes, semaphores, files, pipe ends
    for o in others:
        target[o.object_id] = f"object_{o.object_id}"

    boxes: list[Box] = []
    arrows: list[Arrow] = []
    missing: dict[str, Box] = {}             # objects a handle or slot names that the snapshot lacks

    def token_node(oid: int) -> str:
        node = f"token_{oid}"
        if oid not in tokens and node not in missing:
            missing[node] = Box(node, ((Style.BOLD, f"Token#{oid}"), (Style.ITALIC, "not in this snapshot")), ("object",))
        return node

    def user_of(oid: int) -> str:
        t = tokens.get(oid)
        return name(t.user) if t is not None else f"Token#{oid}"

    # Processes top to bottom: ``order`` first, the rest by pid. dot keeps clusters in the
    # order they are written, so they are written in this order.
    rank = {pid: k for k, pid in enumerate(order)}
    processes = sorted(snap.processes, key=lambda p: (rank.get(p.pid, len(rank)), p.pid))
    for p in processes:
        proc, cluster = f"proc_{p.pid}", f"cluster_proc_{p.pid}"
        boxes.append(Box(cluster, ((Style.BOLD, p.image), (Style.PLAIN, f"pid {p.pid}, runs as {user_of(p.token)}")),
                         ("process_cluster",), cluster=True,
                         short=((Style.BOLD, p.image), (Style.PLAIN, f"as {short(user_of(p.token))}"))))
        boxes.append(Box(proc, ((Style.BOLD, f"Process {p.pid}"), (Style.PLAIN, p.image)), ("process",), parent=cluster, depth=1,
                         short=((Style.BOLD, f"Process {p.pid}"),)))
        arrows.append(Arrow(proc, token_node(p.token), "primary", ((Style.PLAIN, "primary token"),), ("edge_primary",),
                            short=((Style.PLAIN, "primary"),)))
        for th in p.threads:
            thread, slot, tcluster = f"thread_{th.tid}", f"slot_{th.tid}", f"cluster_thread_{th.tid}"
            effective = th.token if th.token is not None else p.token
            how = "impersonating" if th.token is not None else "as its process"
            boxes.append(Box(tcluster, (), ("thread_cluster",), parent=cluster, cluster=True))
            boxes.append(Box(thread, ((Style.BOLD, f"Thread {th.tid}"), (Style.PLAIN, f"acts as {user_of(effective)}"), (Style.ITALIC, how)),
                             ("thread",), parent=tcluster, depth=1,
                             short=((Style.BOLD, f"Thread {th.tid}"), (Style.PLAIN, f"acts as {short(user_of(effective))}"))))
            if th.token is None:
                boxes.append(Box(slot, ((Style.BOLD, "token slot"), (Style.ITALIC, "empty")), ("slot_empty",),
                                 parent=tcluster, depth=2, short=((Style.PLAIN, "slot: empty"),)))
            else:
                copy_on_open = getattr(th, "copy_on_open", False)
                lines = [(Style.BOLD, "token slot"), (Style.PLAIN, f"holds Token#{th.token}")]
                compact = [(Style.PLAIN, f"slot: Token#{th.token}")]
                if copy_on_open:
                    # A client's context (pipe, RPC, COM): the first open copies it.
                    lines.append((Style.ITALIC, "client context, copy-on-open"))
                    compact.append((Style.ITALIC, "copy-on-open"))
                boxes.append(Box(slot, tuple(lines), ("slot_copy_on_open" if copy_on_open else "slot_filled",),
                                 parent=tcluster, depth=2, short=tuple(compact)))
            arrows.append(Arrow(proc, thread, "thread", (), ("edge_structure", "edge_column")))
            arrows.append(Arrow(thread, slot, "slot", (), ("edge_structure",)))
            if th.token is not None:
                arrows.append(Arrow(slot, token_node(th.token), "holds", ((Style.PLAIN, "holds"),), ("edge_slot",),
                                    short=()))
            arrows.append(Arrow(thread, token_node(effective), "effective", ((Style.BOLD, "effective"),),
                                ("edge_effective",)))
        if p.handles:
            table = f"cluster_handles_{p.pid}"
            boxes.append(Box(table, ((Style.BOLD, "handle table"),), ("handle_table",), parent=cluster, cluster=True, depth=1,
                             short=((Style.PLAIN, "handles"),)))
            for h in p.handles:
                handle = f"handle_{p.pid}_{h.value}"
                boxes.append(Box(handle, ((Style.BOLD, f"handle {h.value}"), (Style.ITALIC, h.object_type)), ("handle",),
                                 parent=table, depth=2, short=((Style.PLAIN, f"{h.value}: {h.object_type}"),)))
                dst = target.get(h.object_id)
                if dst is None:
                    dst = f"object_{h.object_id}"
                    missing.setdefault(dst, Box(dst, ((Style.BOLD, f"{h.object_type}#{h.object_id}"),
                                                      (Style.ITALIC, "no longer running" if h.object_type in
                                                       ("Process", "Thread") else "not drawn here")), ("object",)))
                granted = f"{h.granted_names or '0'} (0x{h.granted:08X})"
                prefix = h.object_type.upper() + "_"
                # The picture's label: as few names as say the mask, the type's prefix off
                # (never off a composite: FILE_GENERIC_READ is not GENERIC_READ).
                brief = "|".join(r[len(prefix):] if r.startswith(prefix) and "GENERIC" not in r else r
                                 for r in _compact_names(h)) or "0"

                # A handle to a process or thread must not push that process a column right.
                loose = ("edge_loose",) if dst.startswith(("proc_", "thread_")) else ()
                arrows.append(Arrow(handle, dst, "handle", ((Style.MASK, granted),), ("edge_handle", *loose),
                                    short=((Style.MASK_SHORT, brief),)))

    # The same order again: an invisible node left of the processes, its edges in that
    # order (ordering=out), keeps dot from reordering them.
    if len(snap.processes) > 1:
        boxes.append(Box("order", (), ("order",)))
        for p in processes:
            arrows.append(Arrow("order", f"proc_{p.pid}", "order", (), ("edge_order",), layout=True))
    for t in snap.tokens:
        boxes.append(Box(f"token_{t.object_id}", _token_lines(t, name, tokens), (_token_style(t),),
                         short=_token_short(t, name)))
        if t.duplicated_from is not None and t.duplicated_from in tokens:
            arrows.append(Arrow(f"token_{t.object_id}", f"token_{t.duplicated_from}", "duplicated_from",
                                ((Style.ITALIC, "duplicated from"),), ("edge_provenance",), short=()))
    for e in snap.events:
        boxes.append(Box(f"event_{e.object_id}", ((Style.BOLD, f"Event#{e.object_id}"),
                                                  (Style.PLAIN, f"name: {e.name}" if e.name is not None else "unnamed"),
                                                  (Style.ITALIC, "signalled" if e.signalled else "not signalled"))
                         + (((Style.ITALIC, "no security descriptor"),) if e.security is None else ()),
                         ("event",),
                         short=((Style.BOLD, f"Event#{e.object_id}" + (f" \u00b7 {e.name}" if e.name is not None else "")),
                                (Style.ITALIC, "signalled" if e.signalled else "not signalled"))))
    for o in others:
        boxes.append(Box(f"object_{o.object_id}", ((Style.BOLD, f"{o.object_type}#{o.object_id}"),
                                                    (Style.PLAIN, f"name: {o.name}" if o.name is not None else "unnamed"),
                                                    (Style.ITALIC, o.detail)), ("object",),
                         short=((Style.BOLD, f"{o.object_type}#{o.object_id}"), (Style.ITALIC, o.detail))))
    boxes.extend(missing.values())
    return Scene(tuple(boxes), tuple(arrows))


# ------------------------------------------------------------------ graph and table

def collapse(scene: Scene, snap, keep) -> Scene:
    """``scene`` with every process not in ``keep`` (pids) drawn as one summary box (its id
    stays ``proc_<pid>``), and the tokens, events and objects only those processes reached
    left out: the picture shows what the story touches, in full, and counts the rest."""
    if snap is None:
        return scene
    folded = [p for p in snap.processes if p.pid not in keep]
    if not folded:
        return scene
    parent = {b.id: b.parent for b in scene.boxes}

    def inside(box_id: str, cluster: str) -> bool:
        while box_id:
            if box_id == cluster:
                return True
            box_id = parent.get(box_id, "")
        return False

    gone: set[str] = set()
    summary: dict[str, Box] = {}
    for p in folded:
        cl = f"cluster_proc_{p.pid}"
        gone |= {b.id for b in scene.boxes if inside(b.id, cl)}
        summary[f"proc_{p.pid}"] = Box(
            f"proc_{p.pid}", ((Style.BOLD, f"{p.image} (pid {p.pid})"),
                              (Style.PLAIN, f"{len(p.threads)} thread{'s' * (len(p.threads) != 1)}, "
                                            f"{len(p.handles)} handle{'s' * (len(p.handles) != 1)}"),
                              (Style.ITALIC, "not in this story: folded")), ("process_folded",))
    redirect = {f"thread_{th.tid}": f"proc_{p.pid}" for p in folded for th in p.threads}
    kept_arrows = []
    for a in scene.arrows:
        if a.src in gone and a.src not in summary:
            continue
        dst = redirect.get(a.dst, a.dst)
        if dst in gone and dst not in summary:
            continue
        if dst == a.src:
            continue  # a folded process's own structure
        kept_arrows.append(a if dst == a.dst else Arrow(a.src, dst, a.key, a.lines, a.styles, a.layout, a.short))
    # Tokens, events and lost objects: kept while something kept points at them.
    reached = {a.dst for a in kept_arrows if not a.src.startswith("token_")}
    reached |= {a.dst for a in kept_arrows if a.src in reached and a.key == "duplicated_from"}
    loose = {b.id for b in scene.boxes if not b.parent and b.id.startswith(("token_", "event_", "object_"))}
    dropped = (gone - set(summary)) | (loose - reached)
    boxes = []
    for b in scene.boxes:
        if b.id in summary:
            boxes.append(summary[b.id])
        elif b.id not in dropped:
            boxes.append(b)
    # The summary box replaces the cluster where the cluster was (its proc node was inside it).
    boxes = [summary[f"proc_{b.id[len('cluster_proc_'):]}"] if b.id.startswith("cluster_proc_")
             and f"proc_{b.id[len('cluster_proc_'):]}" in summary else b for b in boxes]
    seen: set[str] = set()
    boxes = [b for b in boxes if not (b.id in seen or seen.add(b.id))]
    arrows = [a for a in kept_arrows if a.src not in dropped and a.dst not in dropped]
    return Scene(tuple(boxes), tuple(arrows))


def _scenes(snap, previous, keep):
    now = object_scene(snap)
    before = object_scene(previous) if previous is not None else None
    if keep is not None:
        now = collapse(now, snap, keep)
        before = collapse(before, previous, keep) if before is not None else None
    return compare(now, before)


def object_graph(snap, previous=None, *, focus_tid: int | None = None, legend: bool | str = True,
                 pinned: Pinned | None = None, was: bool = False, keep=None) -> graphviz.Digraph:
    """The snapshot as a graph; with ``previous``, what changed since it is coloured and a
    one-line legend says how (``legend=False`` leaves it to the caller; a string is the
    legend's title, e.g. when ``previous`` is another run's snapshot). ``focus_tid``
    draws a thick border round the thread that made the call.

    ``pinned`` (from :func:`trace_layout`) draws every box where the trace's shared layout
    put it, so stepping through a trace moves nothing. ``was`` writes into each changed box
    what its differing lines were (for comparing two runs). ``keep`` (pids) draws only those
    processes in full, the others folded into one box each (:func:`collapse`). A machine too big to draw box by box
    (more than :data:`MAX_PROCESSES` processes) is drawn as a summary: counts per image.
    """
    if len(snap.processes) > MAX_PROCESSES:
        return summary_graph(snap)
    boxes, arrows = _scenes(snap, previous, keep)
    extra = {f"thread_{focus_tid}": ("focus",)} if focus_tid is not None else None
    title = legend if isinstance(legend, str) else _LEGEND_TITLE
    return digraph("objects", boxes, arrows, STYLES,
                   legend=title if previous is not None and legend else None, extra=extra, pinned=pinned, was=was)


def pairs_layout(pairs, *, was: bool = False) -> Pinned | None:
    """:func:`trace_layout` for any series of (snapshot, compared-with) pairs, e.g. run B
    against run A at each aligned row of a comparison."""
    pairs = list(pairs)
    if not pairs or any(len(s.processes) > MAX_PROCESSES for pair in pairs for s in pair if s is not None):
        return None
    return pin([compare(object_scene(now), object_scene(before) if before is not None else None)
                for now, before in pairs], STYLES, name="objects", was=was)


def story_pids(trace) -> frozenset[int]:
    """The processes a trace's story is about: those that made a call, and those whose
    picture changes between any two of its snapshots (appearing, going, or changing)."""
    snaps = [trace.initial] + [s.snapshot for s in trace.steps]
    keep: set[int] = set()
    for step in trace.steps:
        keep |= {p.pid for p in step.snapshot.processes for th in p.threads if th.tid == step.tid}
    for before, now in zip(snaps, snaps[1:]):
        boxes, _ = compare(object_scene(now), object_scene(before))
        changed = {m.item.id for m in boxes if m.state}
        if not changed:
            continue
        parent = {m.item.id: m.item.parent for m in boxes}
        for box_id in changed:
            while parent.get(box_id):
                box_id = parent[box_id]
            if box_id.startswith("cluster_proc_"):
                keep.add(int(box_id[len("cluster_proc_"):]))
    return frozenset(keep)


def trace_layout(trace, keep=None) -> Pinned | None:
    """One layout for every picture of a trace (each step's snapshot against the one before
    it, and the initial state), so that a box sits at the same place at every step it
    appears in. None when the machine is drawn as a summary (nothing to pin)."""
    snaps = [trace.initial] + [s.snapshot for s in trace.steps]
    if any(len(s.processes) > MAX_PROCESSES for s in snaps):
        return None
    # The processes that make the most calls go on top: what a step changes is near the
    # player's buttons.
    calls: dict[int, int] = {}
    first: dict[int, int] = {}
    for step in trace.steps:
        pid = next((p.pid for p in step.snapshot.processes for th in p.threads if th.tid == step.tid), None)
        if pid is not None:
            calls[pid] = calls.get(pid, 0) + 1
            first.setdefault(pid, step.index)
    order = tuple(sorted(calls, key=lambda pid: (-calls[pid], first[pid], pid)))  # ties: who called first
    def scene(snap):
        sc = object_scene(snap, order)
        return collapse(sc, snap, keep) if keep is not None else sc

    scenes = [compare(scene(snaps[0]))]
    for before, now in zip(snaps, snaps[1:]):
        scenes.append(compare(scene(now), scene(before)))
    return pin(scenes, STYLES, name="objects")


# ------------------------------------------------------------------ big machines

MAX_PROCESSES = 12   # more than this, and object_graph draws the summary instead


def summary_graph(snap) -> graphviz.Digraph:
    """A machine too big to draw box by box: one row per image (how many processes,
    threads, handles, impersonating threads), then the tokens by kind and user."""
    name = _namer(snap)
    images: dict[str, list[int]] = {}
    for p in snap.processes:
        row = images.setdefault(p.image, [0, 0, 0, 0])
        row[0] += 1
        row[1] += len(p.threads)
        row[2] += len(p.handles)
        row[3] += sum(1 for th in p.threads if th.token is not None)
    kinds: dict[tuple[str, str], int] = {}
    for t in snap.tokens:
        kind = "primary" if t.token_type == "TokenPrimary" else "impersonation"
        key = (kind, short(name(t.user)))
        kinds[key] = kinds.get(key, 0) + 1

    def table(title: str, head: tuple[str, ...], rows: list[tuple]) -> str:
        out = [f'<TR><TD COLSPAN="{len(head)}" ALIGN="LEFT"><B>{html_text(title)}</B></TD></TR>',
               "<TR>" + "".join(f'<TD ALIGN="LEFT"><I>{html_text(h)}</I></TD>' for h in head) + "</TR>"]
        for r in rows:
            out.append("<TR>" + "".join(f'<TD ALIGN="LEFT">{html_text(str(v))}</TD>' for v in r) + "</TR>")
        return '<<TABLE BORDER="0" CELLBORDER="0" CELLSPACING="0" CELLPADDING="2">' + "".join(out) + "</TABLE>>"

    top = sorted(images.items(), key=lambda kv: (-kv[1][0], kv[0]))
    shown = top[:MAX_PROCESSES]
    rows = [(img, *counts) for img, counts in shown]
    if len(top) > len(shown):
        rest = [sum(c[k] for _, c in top[len(shown):]) for k in range(4)]
        rows.append((f"{len(top) - len(shown)} other images", *rest))
    g = graphviz.Digraph("objects", graph_attr={**STYLES["graph"], "rankdir": "TB"}, node_attr=STYLES["node"],
                         edge_attr=STYLES["edge"])
    g.node("summary_processes", label=table(
        f"{len(snap.processes)} processes (too many to draw one by one)",
        ("image", "processes", "threads", "handles", "impersonating"), rows), fillcolor=pal.GREY_100)
    krows = sorted(((k, u, n) for (k, u), n in kinds.items()), key=lambda r: (-r[2], r[0], r[1]))
    more = len(krows) - MAX_PROCESSES
    krows = krows[:MAX_PROCESSES] + ([(f"{more} other kinds", "", "")] if more > 0 else [])
    g.node("summary_tokens", label=table(f"{len(snap.tokens)} tokens", ("kind", "user", "count"), krows),
           fillcolor=pal.BLUE_FILL)
    g.node("summary_events", label=label(((Style.BOLD, f"{len(snap.events)} events"),)), fillcolor=pal.GREY_150)
    g.edge("summary_processes", "summary_tokens", label=label(((Style.PLAIN, "use"),)))
    return g


def object_table(snap, previous=None) -> str:
    """The object graph as indented text: processes, their threads, slots and handles, then
    the tokens and events; ``-> target: label`` rows are the arrows. With ``previous``,
    column one marks what was added (+), removed (-) or changed (~, then ``was:``)."""
    boxes, arrows = compare(object_scene(snap), object_scene(previous) if previous is not None else None)
    return scene_table(boxes, arrows, legend=_LEGEND_TITLE if previous is not None else None)
