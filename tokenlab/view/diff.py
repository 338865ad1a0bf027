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

from . import palette as pal
from .text import FOLDS, Style, fold, html_label, visible

__all__ = ["Box", "Arrow", "Scene", "Marked", "DIFF_STYLES", "LEGEND", "MARKS", "compare", "digraph", "label",
           "scene_table"]

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


@dataclass(frozen=True)
class Arrow:
    src: str
    dst: str
    key: str              # tells apart two arrows between the same boxes
    lines: Lines = ()
    styles: tuple[str, ...] = ()
    layout: bool = False  # only there to place boxes: never coloured, never in the text twin

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


def digraph(name: str, boxes: list[Marked], arrows: list[Marked], styles: Mapping[str, Mapping[str, str]], *,
            legend: str | None = None, extra: Mapping[str, tuple[str, ...]] | None = None) -> graphviz.Digraph:
    """The marked scene as a ``graphviz.Digraph``.

    ``styles`` holds the graph's own style keys plus ``graph``, ``node`` and ``edge``
    defaults; :data:`DIFF_STYLES` is laid over them. ``legend`` (the legend's title) adds
    the legend cluster; ``extra`` adds style keys to boxes by id after the diff colours
    (a highlight that is not a change, such as the thread making the current call).
    """
    table = {**styles, **DIFF_STYLES}
    extra = extra or {}
    g = graphviz.Digraph(name, graph_attr=styles["graph"], node_attr=styles["node"], edge_attr=styles["edge"])
    children: dict[str, list[Marked]] = {}
    for m in boxes:
        children.setdefault(m.item.parent, []).append(m)

    def emit(container: graphviz.Digraph, parent: str) -> None:
        for m in children.get(parent, ()):
            box = m.item
            attrs = _attrs((*box.styles, *((m.state,) if m.state else ()), *extra.get(box.id, ())), table)
            if box.cluster:
                rank = attrs.pop("rank", None)
                with container.subgraph(name=box.id) as c:
                    # A cluster without a label must say so, or it inherits its parent's.
                    c.attr(label=label(box.lines) if box.lines else "")
                    c.attr(**attrs)
                    if rank is None:
                        emit(c, box.id)
                    else:  # dot ignores rank on a cluster; an inner plain subgraph keeps it
                        with c.subgraph() as r:
                            r.attr(rank=rank)
                            emit(r, box.id)
            else:
                container.node(box.id, label=label(box.lines), **attrs)

    emit(g, "")
    for m in arrows:
        a = m.item
        attrs = _attrs((*a.styles, *((f"edge_{m.state}",) if m.state else ())), table)
        if a.lines:
            attrs["label"] = label(a.lines)
        g.edge(a.src, a.dst, **attrs)
    if legend is not None:
        with g.subgraph(name="cluster_legend") as c:
            c.attr(label=label(((Style.BOLD, legend),)), **DIFF_STYLES["legend_cluster"])
            for state, (_, text) in LEGEND.items():
                c.node(f"legend_{state}", label=label(((Style.PLAIN, text),)), **_attrs(("legend", state), table))
    return g


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
