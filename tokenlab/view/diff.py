"""Pictures as plain data, so two of them can be compared and what changed coloured.

The object graph and the token graph first describe what they draw as a :class:`Scene`:

* :class:`Box` — a node or a cluster, with a stable id (``thread_1004``, ``token_8``,
  ``cluster_proc_1000``), its label lines and its style keys;
* :class:`Arrow` — an edge, identified by (source, target, key), with label and style keys.

:func:`compare` matches two scenes by id: a box or arrow only in the new scene is
*added*, one only in the old scene is *removed* (and is still drawn, as a ghost, so the
learner sees what went), one in both with other lines or styles is *changed*. Then
:func:`digraph` writes DOT and :func:`scene_table` writes the text twin from the same
marked scene, so the picture and the table cannot disagree: ``+`` added, ``-`` removed,
``~`` changed (followed by what it was).

Everything is ordered by the scenes' own order, never by a set or a dict of ids, so the
same scenes always give byte-identical output.
"""
from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from typing import Iterable, Mapping

import graphviz

from . import _wasm

from . import palette as pal
from .text import FOLDS, Style, fold, html_label, html_text, visible

__all__ = ["Box", "Arrow", "Scene", "Marked", "Pinned", "PINNED_COMMENT", "DIFF_STYLES", "LEGEND", "MARKS", "compare",
           "digraph", "label", "pin", "scene_table", "tooltip"]

# One label line: (style, text), the style a :class:`~tokenlab.view.text.Style`: its font,
# and where a long line may fold inside a node. The text twin prints every line unfolded.
Lines = tuple[tuple[str, str], ...]

# What changed, as styles laid over a box's or an arrow's own styles (so they win).
DIFF_STYLES: dict[str, dict[str, str]] = {
    "added": {"fillcolor": pal.GREEN_FILL, "color": pal.GREEN, "penwidth": "2.5"},
    "changed": {"fillcolor": pal.AMBER_FILL, "color": pal.AMBER, "penwidth": "2.5"},
    "removed": {"style": "rounded,dashed", "fillcolor": "white", "color": pal.RED, "fontcolor": pal.GREY_550,
                "penwidth": "1.5"},
    "edge_added": {"color": pal.GREEN, "fontcolor": pal.GREEN, "penwidth": "2"},
    "edge_changed": {"color": pal.AMBER, "fontcolor": pal.AMBER, "penwidth": "2"},
    "edge_removed": {"style": "dashed", "color": pal.RED, "fontcolor": pal.GREY_550, "penwidth": "1"},
    "legend": {"shape": "box", "style": "rounded,filled", "fillcolor": "white", "fontsize": "9"},
    "legend_cluster": {"style": "rounded", "color": pal.GREY_400, "fontsize": "9"},
}

# state -> (mark in the text twin, what the colour means)
LEGEND: dict[str, tuple[str, str]] = {
    "added": ("+", "added: new here"),
    "changed": ("~", "changed: same thing, new details"),
    "removed": ("-", "removed: was there, now gone (drawn faded)"),
}
MARKS = {"": " ", **{state: mark for state, (mark, _) in LEGEND.items()}}


@dataclass(frozen=True)
class Box:
    """A node, or a cluster (``cluster=True``; its id must start with ``cluster_``)."""

    id: str
    lines: Lines
    styles: tuple[str, ...] = ()
    parent: str = ""      # the cluster it sits in; "" for the top level
    cluster: bool = False
    depth: int = 0        # indentation in the text twin
    short: Lines | None = None  # what the picture shows, when shorter than ``lines``
                                # (which then become its tooltip; the text twin prints ``lines``)


@dataclass(frozen=True)
class Arrow:
    src: str
    dst: str
    key: str              # tells apart two arrows between the same boxes
    lines: Lines = ()
    styles: tuple[str, ...] = ()
    layout: bool = False  # only there to place boxes: never coloured, never in the text twin
    short: Lines | None = None  # the picture's label when shorter than ``lines`` (see Box)

    @property
    def id(self) -> tuple[str, str, str]:
        return (self.src, self.dst, self.key)


@dataclass(frozen=True)
class Scene:
    boxes: tuple[Box, ...]
    arrows: tuple[Arrow, ...]


@dataclass(frozen=True)
class Marked:
    """A box or arrow as drawn now, its diff state ('' when unchanged or when there is
    nothing to compare with), and, when changed, what it was."""

    item: Box | Arrow
    state: str = ""
    was: Box | Arrow | None = None


def _merge(now: Iterable, before: Iterable | None) -> list[Marked]:
    """``now`` in order, each marked against ``before``; what only ``before`` had is put
    back right after the item that preceded it there, so a ghost stays near its siblings."""
    now = list(now)
    if before is None:
        return [Marked(x) for x in now]
    before = list(before)
    old = {x.id: x for x in before}
    new_ids = {x.id for x in now}
    ghosts_after: dict[object, list] = {}   # id of a surviving item (None: the start) -> ghosts
    anchor = None
    for x in before:
        if x.id in new_ids:
            anchor = x.id
        else:
            ghosts_after.setdefault(anchor, []).append(x)
    out = [Marked(g, "removed") for g in ghosts_after.get(None, ())]
    for x in now:
        prev = old.get(x.id)
        if prev is None:
            out.append(Marked(x, "added"))
        elif (prev.lines, prev.styles) != (x.lines, x.styles):
            out.append(Marked(x, "changed", prev))
        else:
            out.append(Marked(x))
        out.extend(Marked(g, "removed") for g in ghosts_after.get(x.id, ()))
    return out


def compare(now: Scene, before: Scene | None = None) -> tuple[list[Marked], list[Marked]]:
    """The boxes and the arrows of ``now`` marked against ``before`` (unmarked without it)."""
    before_arrows = None if before is None else [a for a in before.arrows if not a.layout]
    arrows = _merge([a for a in now.arrows if not a.layout], before_arrows)
    return (_merge(now.boxes, before.boxes if before is not None else None),
            arrows + [Marked(a) for a in now.arrows if a.layout])


# ------------------------------------------------------------------ DOT

@lru_cache(maxsize=4096)
def label(lines: Lines) -> str:
    """An HTML-like label from :data:`Lines`, folded, then escaped by :func:`~tokenlab.view.text.html_label`."""
    out: list[tuple[str, str]] = []
    for style, text in lines:
        font = Style.BOLD if Style.BOLD in style else Style.ITALIC if Style.ITALIC in style else Style.PLAIN
        mode = next((ch for ch in style if ch in FOLDS), None)
        if mode is None:
            out.append((font, text))
        else:
            out += [(font, ln) for ln in fold(text, mode)]
    return html_label(out)


def _attrs(styles: Iterable[str], table: Mapping[str, Mapping[str, str]]) -> dict[str, str]:
    attrs: dict[str, str] = {}
    for s in styles:
        attrs.update(table[s])
    return attrs


def tooltip(lines: Lines) -> str:
    """The full lines of a box whose picture shows a shorter label, as a DOT tooltip
    (hover text): every line unfolded, escaped as text."""
    return "\\n".join(html_text(t).replace('"', "&quot;") for _, t in lines if t)


@dataclass(frozen=True)
class Pinned:
    """Where every box of a series of pictures sits, laid out once for all of them.

    ``nodes``: id -> (x, y, width, height), points for the centre, inches for the size;
    ``clusters``: id -> (bb, lp) as Graphviz writes them; ``edges``: arrow id -> (pos, lp);
    ``bb``: the whole drawing. A picture drawn with it (:func:`digraph` with ``pinned``)
    is rendered by ``neato -n2``: nothing is laid out again, so nothing moves.
    """

    nodes: Mapping[str, tuple[float, float, float, float]]
    clusters: Mapping[str, tuple[str, str]]
    edges: Mapping[tuple[str, str, str], tuple[str, str]]
    bb: tuple[float, float]

    def covers(self, boxes: list[Marked]) -> bool:
        return all((m.item.id in self.clusters) if m.item.cluster else (m.item.id in self.nodes) for m in boxes)


PINNED_COMMENT = "pinned layout: render with neato -n2"
_PIN_MARGIN = 24  # points


def shown(m: Marked, was: bool = False) -> Lines:
    """What the picture writes in a box or on an arrow: its short label if it has one; with
    ``was``, a changed one also says what each of its differing lines was."""
    item = m.item
    lines = item.short if item.short is not None else item.lines
    if was and m.state == "changed" and m.was is not None:
        old = m.was.short if m.was.short is not None else m.was.lines
        gone = [t for _, t in old if t and t not in {x for _, x in lines}]
        lines = (*lines, *((Style.ITALIC_SENTENCE, f"was: {t}") for t in gone))
    return lines


def _widest(versions: list[Lines]) -> Lines:
    """One label at least as large as each version: per line, the longest text seen."""
    out: list[tuple[str, str]] = []
    for k in range(max(len(v) for v in versions)):
        here = [v[k] for v in versions if len(v) > k]
        style = next((s for s, _ in here if Style.BOLD in s), here[0][0])
        out.append((style, max((t for _, t in here), key=len)))
    return tuple(out)


def pin(scenes: list[tuple[list[Marked], list[Marked]]], styles: Mapping[str, Mapping[str, str]],
        *, name: str = "union", was: bool = False) -> Pinned:
    """Lay out the union of several marked scenes once (``dot``), so that each can then be
    drawn with the same positions. A box gets room for the largest label it ever has."""
    import json

    boxes: dict[str, Box] = {}
    versions: dict[str, list[Lines]] = {}
    arrows: dict[tuple[str, str, str], Arrow] = {}
    arrow_versions: dict[tuple[str, str, str], list[Lines]] = {}
    for bs, as_ in scenes:
        for m in bs:
            b = m.item
            boxes.setdefault(b.id, b)
            versions.setdefault(b.id, []).append(shown(m, was))
        for m in as_:
            a = m.item
            arrows.setdefault(a.id, a)
            arrow_versions.setdefault(a.id, []).append(shown(m, was))
    ub = [Marked(Box(b.id, _widest(versions[b.id]) if versions[b.id][0] or len(versions[b.id]) > 1 else (),
                     b.styles, b.parent, b.cluster, b.depth)) for b in boxes.values()]
    ua = [Marked(Arrow(a.src, a.dst, a.key, _widest(arrow_versions[a.id]) if any(arrow_versions[a.id]) else (),
                       a.styles, a.layout)) for a in arrows.values()]
    g = digraph(name, ub, ua, styles, _ids=True)
    if _wasm.in_browser():  # no dot binary in Pyodide: the same layout by Graphviz in WebAssembly
        data = json.loads(_wasm.render(g.source, "dot", fmt="json0"))
    else:
        data = json.loads(graphviz.Source(g.source, engine="dot").pipe(format="json0", encoding="utf-8"))
    nodes, clusters, edges = {}, {}, {}
    for o in data.get("objects", ()):
        if "nodes" in o or o["name"].startswith("cluster"):
            if "bb" in o:
                clusters[o["name"]] = (o["bb"], o.get("lp", ""))
        elif "pos" in o:
            x, y = (float(v) for v in o["pos"].split(","))
            nodes[o["name"]] = (x, y, float(o["width"]), float(o["height"]))
    for e in data.get("edges", ()):
        key = tuple(e.get("comment", "").split("\t"))
        if len(key) == 3 and "pos" in e:
            edges[key] = (e["pos"], e.get("lp", ""))
    _, _, w, h = (float(v) for v in data["bb"].split(","))
    return Pinned(nodes, clusters, edges, (w, h))


def digraph(name: str, boxes: list[Marked], arrows: list[Marked], styles: Mapping[str, Mapping[str, str]], *,
            legend: str | None = None, extra: Mapping[str, tuple[str, ...]] | None = None,
            pinned: Pinned | None = None, was: bool = False, _ids: bool = False) -> graphviz.Digraph:
    """The marked scene as a ``graphviz.Digraph``.

    ``styles`` holds the graph's own style keys plus ``graph``, ``node`` and ``edge``
    defaults; :data:`DIFF_STYLES` is laid over them. ``legend`` (the legend's title) adds
    the legend cluster; ``extra`` adds style keys to boxes by id after the diff colours
    (a highlight that is not a change, such as the thread making the current call).
    A box with a ``short`` label shows it, its full ``lines`` on hover (tooltip).

    ``pinned`` (from :func:`pin`) places every box where the shared layout put it; the
    graph then carries :data:`PINNED_COMMENT` and is rendered with ``neato -n2`` (by
    :func:`tokenlab.view.svg`). A box the layout does not know makes it fall back to ``dot``.
    ``was`` adds to each changed box and arrow what its differing lines were.
    """
    table = {**styles, **DIFF_STYLES}
    extra = extra or {}
    if pinned is not None and not pinned.covers(boxes):
        pinned = None
    graph_attr = dict(styles["graph"])
    if pinned is not None:
        graph_attr["bb"] = f"0,0,{pinned.bb[0]:g},{pinned.bb[1]:g}"
        legend = None  # no room was laid out for it: the widget shows its own legend strip
    g = graphviz.Digraph(name, graph_attr=graph_attr, node_attr=styles["node"], edge_attr=styles["edge"],
                         engine="neato" if pinned is not None else "dot",
                         comment=PINNED_COMMENT if pinned is not None else None)
    children: dict[str, list[Marked]] = {}
    for m in boxes:
        children.setdefault(m.item.parent, []).append(m)

    def emit(container: graphviz.Digraph, parent: str) -> None:
        for m in children.get(parent, ()):
            box = m.item
            attrs = _attrs((*box.styles, *((m.state,) if m.state else ()), *extra.get(box.id, ())), table)
            text = shown(m, was)
            if box.cluster:
                rank = attrs.pop("rank", None)
                with container.subgraph(name=box.id) as c:
                    # A cluster without a label must say so, or it inherits its parent's.
                    c.attr(label=label(text) if text else "")
                    c.attr(**attrs)
                    if box.short is not None and box.lines:
                        c.attr(tooltip=tooltip(box.lines))
                    if pinned is not None:
                        bb, lp = pinned.clusters[box.id]
                        c.attr(bb=bb, **({"lp": lp} if lp else {}))
                    if rank is None:
                        emit(c, box.id)
                    else:  # dot ignores rank on a cluster; an inner plain subgraph keeps it
                        with c.subgraph() as r:
                            r.attr(rank=rank)
                            emit(r, box.id)
            else:
                if box.short is not None:
                    attrs["tooltip"] = tooltip(box.lines)
                if pinned is not None:
                    x, y, wd, ht = pinned.nodes[box.id]
                    attrs.update(pos=f"{x:g},{y:g}!", width=f"{wd:g}", height=f"{ht:g}", fixedsize="true")
                container.node(box.id, label=label(text), **attrs)

    emit(g, "")
    if pinned is not None:
        # Two invisible corners: the drawing keeps its size whatever is absent. A margin
        # over the layout's own box, because neato -n2 fits each cluster round what it
        # holds and its label again, which can reach a little past dot's box.
        w, h = pinned.bb
        for corner, (x, y) in (("pin_ll", (-_PIN_MARGIN, -_PIN_MARGIN)), ("pin_ur", (w + _PIN_MARGIN, h + _PIN_MARGIN))):
            g.node(corner, label="", pos=f"{x:g},{y:g}!", width="0.01", height="0.01", fixedsize="true",
                   style="invis")
    for m in arrows:
        a = m.item
        attrs = _attrs((*a.styles, *((f"edge_{m.state}",) if m.state else ())), table)
        text = shown(m, was)
        if text:
            attrs["label"] = label(text)
        if a.short is not None and a.lines:
            attrs["tooltip"] = attrs["labeltooltip"] = tooltip(a.lines)
        if _ids:
            attrs["comment"] = "\t".join(a.id)
        if pinned is not None:
            pos, lp = pinned.edges.get(a.id, ("", ""))
            if pos:
                attrs["pos"] = pos
            if lp and text:
                attrs["lp"] = lp
        g.edge(a.src, a.dst, **attrs)
    if legend is not None:
        g.attr(label=legend_strip(legend), labelloc="t", labeljust="l")
    return g


def legend_strip(title: str) -> str:
    """The legend as one line over the picture (a graph label, not a cluster): the title,
    then one swatch per state in its own colours."""
    cells = [f'<TD ALIGN="LEFT"><B>{html_text(title)}:</B></TD>']
    for state, (mark, text) in LEGEND.items():
        st = DIFF_STYLES[state]
        colour = st["color"]
        fill = st.get("fillcolor", "white")
        dashed = ' STYLE="DASHED"' if "dashed" in st.get("style", "") else ""
        cells.append(f'<TD BORDER="2" COLOR="{colour}" BGCOLOR="{fill}"{dashed} CELLPADDING="2">'
                     f"{html_text(mark)} {html_text(text.split(':')[0])}</TD>")
    return '<<TABLE BORDER="0" CELLSPACING="4" CELLPADDING="1"><TR>' + "".join(cells) + "</TR></TABLE>>"


# ------------------------------------------------------------------ text twin

def _text(lines: Lines) -> str:
    return "  ".join(visible(t) for _, t in lines if t)


def scene_table(boxes: list[Marked], arrows: list[Marked], *, legend: str | None = None) -> str:
    """The marked scene as text: one row per labelled box, indented by its depth, each
    followed by its labelled arrows (``-> target: label``). Column one is the diff mark;
    a changed row is followed by ``was: ...``. Unlabelled boxes and arrows (pure
    structure, such as a thread's own cluster) are left out: the indentation says it."""
    titles = {}
    for m in boxes:
        if m.item.lines and m.item.id not in titles:
            titles[m.item.id] = visible(m.item.lines[0][1])
    out_arrows: dict[str, list[Marked]] = {}
    for m in arrows:
        if m.item.lines and not m.item.layout:
            out_arrows.setdefault(m.item.src, []).append(m)
    rows: list[str] = []
    if legend is not None:
        rows.append(f"{legend}: " + ", ".join(f"{mark} {text.split(':')[0]}" for mark, text in LEGEND.values()))

    def row(m: Marked, depth: int, text: str, was: str | None) -> None:
        rows.append(f"{MARKS[m.state]} {'  ' * depth}{text}".rstrip())
        if m.state == "changed" and was is not None:
            rows.append(f"  {'  ' * depth}  was: {was}".rstrip())

    def arrow_text(a: Arrow) -> str:
        return f"-> {titles.get(a.dst, a.dst)}: {_text(a.lines)}"

    for m in boxes:
        box = m.item
        if not box.lines:
            continue
        row(m, box.depth, _text(box.lines), _text(m.was.lines) if m.was is not None else None)
        for am in out_arrows.get(box.id, ()):
            row(am, box.depth + 1, arrow_text(am.item), arrow_text(am.was) if am.was is not None else None)
    return "\n".join(rows)
