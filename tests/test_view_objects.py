"""The object graph and its text twin: processes, threads, token slots, handles, and what
changed between two steps of the stories.

Assertions are on the DOT source (``graph.source``) and on the text table, never on a
picture; the one exception renders through ``dot -Tsvg`` to prove hostile names stay text.
Expected ids and names are read off the snapshots, not written in.
"""
from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from dot_lines import diff_marks, edge_line, edge_lines, node_line
from dot_lines import has_style as _has_style

import tokenlab as tl
from tokenlab.win32 import constants as C
from tokenlab.scenarios import duplicated_token, nested_impersonation
from tokenlab.teaching.trace import record
from tokenlab.teaching.snapshot import snapshot
from tokenlab.view import DIFF_STYLES, LEGEND, object_graph, object_table, svg
from tokenlab.view.objects import STYLES

ROOT = Path(__file__).resolve().parents[1]
needs_dot = pytest.mark.skipif(shutil.which("dot") is None, reason="Graphviz 'dot' binary not installed")
ALL_STYLES = {**STYLES, **DIFF_STYLES}


def has_style(line: str, key: str) -> bool:
    return _has_style(line, ALL_STYLES[key])


def marked(line: str) -> set[str]:
    return diff_marks(line, ALL_STYLES)


def text(line: str) -> str:
    """A DOT statement with its label's tags and line breaks undone."""
    line = re.sub(r"</?[BI]>", "", line)
    return re.sub(r"(?<=[|,])<BR/>", "", line).replace("<BR/>", " ")


def step_of(trace, name: str, nth: int = 0):
    """(snapshot before, step) for the ``nth`` call named ``name``."""
    steps = [s for s in trace.steps if s.name == name]
    step = steps[nth]
    return trace.snapshots()[step.index], step


def effective_token(snap, tid: int) -> int:
    thread = snap.thread(tid)
    process = next(p for p in snap.processes if thread in p.threads)
    return thread.token if thread.token is not None else process.token


# ------------------------------------------------------------------ structure

def test_processes_threads_slots_primary_tokens_and_handles_are_nodes():
    trace = duplicated_token()
    snap = trace.steps[-1].snapshot
    src = object_graph(snap).source
    assert len(snap.processes) == 2, "svc.exe and the COM server"
    for p in snap.processes:
        assert f"subgraph cluster_proc_{p.pid} {{" in src
        node_line(src, f"proc_{p.pid}")
        primary = edge_line(src, f"proc_{p.pid}", f"token_{p.token}")
        assert "primary token" in primary and has_style(primary, "edge_primary")
        for th in p.threads:
            node_line(src, f"thread_{th.tid}")
            node_line(src, f"slot_{th.tid}")
            edge_line(src, f"proc_{p.pid}", f"thread_{th.tid}")
            edge_line(src, f"thread_{th.tid}", f"slot_{th.tid}")
        for h in p.handles:
            node_line(src, f"handle_{p.pid}_{h.value}")
    for t in snap.tokens:
        line = text(node_line(src, f"token_{t.object_id}"))
        assert f"Token#{t.object_id}" in line and snap.name(t.user).replace("\\", "\\\\") in line
        assert f"integrity {t.integrity}" in line
    # The process cluster says image, pid and who it runs as.
    svc = snap.processes[0]
    # (The picture shows the image and a short user name; the tooltip says it all.)
    head = "\n".join(src[src.index(f"subgraph cluster_proc_{svc.pid}"):].splitlines()[1:4])
    assert svc.image in head and f"pid {svc.pid}" in head
    assert snap.name(snap.token(svc.token).user).replace("\\", "\\\\") in head


def test_every_handle_edge_carries_its_granted_access_names():
    trace = duplicated_token()
    snap = trace.steps[-1].snapshot
    src = object_graph(snap).source
    handles = [(p, h) for p in snap.processes for h in p.handles]
    assert len(handles) >= 3
    for p, h in handles:
        assert h.object_type == "Token"
        line = text(edge_line(src, f"handle_{p.pid}_{h.value}", f"token_{h.object_id}"))
        assert h.granted_names and h.granted_names in line, (h, line)
        assert f"0x{h.granted:08X}" in line and has_style(line, "edge_handle")
    # Masks longer than a node is wide are folded after a '|', not cut.
    dup_handle = next(h for _, h in handles if "|" in h.granted_names)
    raw = edge_line(src, f"handle_{snap.processes[0].pid}_{dup_handle.value}", f"token_{dup_handle.object_id}")
    # The picture names the rights without their type prefix; the tooltip has them in full.
    assert "label=<IMPERSONATE|QUERY>" in raw and 'tooltip="TOKEN_IMPERSONATE|TOKEN_QUERY' in raw


def test_handles_to_threads_and_events_point_at_their_nodes():
    trace = duplicated_token(worker_thread=True)
    pre, step = step_of(trace, "CreateThread")
    snap = step.snapshot
    svc = snap.processes[0]
    worker = next(t for t in svc.threads if t.tid != step.tid)
    h = next(h for h in svc.handles if h.object_type == "Thread")
    src = object_graph(snap, pre).source
    line = edge_line(src, f"handle_{svc.pid}_{h.value}", f"thread_{worker.tid}")
    assert h.granted_names in text(line) and marked(line) == {"added"}
    assert marked(node_line(src, f"thread_{worker.tid}")) == {"added"}
    assert "empty" in node_line(src, f"slot_{worker.tid}")

    m = tl.Machine()
    api = m.start_process("svc.exe", user="NETWORK SERVICE").main_thread.api
    ev = api.CreateEvent(None, True, False, "ready")
    snap = snapshot(m)
    e = snap.events[0]
    src = object_graph(snap).source
    assert "name: ready" in node_line(src, f"event_{e.object_id}")
    assert "not signalled" in node_line(src, f"event_{e.object_id}")
    line = edge_line(src, f"handle_{snap.processes[0].pid}_{ev}", f"event_{e.object_id}")
    assert snap.processes[0].handles[0].granted_names in text(line)


# ------------------------------------------------------------------ the effective token

def test_impersonating_fills_the_slot_and_moves_the_effective_edge():
    trace = duplicated_token()
    before, step = step_of(trace, "ImpersonateLoggedOnUser")
    after = step.snapshot
    tid = step.tid
    primary, alice = effective_token(before, tid), after.thread(tid).token
    assert alice is not None and after.name(after.token(alice).user) == "TOKENLAB\\alice"
    assert primary != alice

    src_before = object_graph(before).source
    assert has_style(edge_line(src_before, f"thread_{tid}", f"token_{primary}"), "edge_effective")
    slot = node_line(src_before, f"slot_{tid}")
    assert "empty" in slot and has_style(slot, "slot_empty")
    assert not edge_lines(src_before, f"slot_{tid}", f"token_{alice}")

    src = object_graph(after).source
    holds = edge_line(src, f"slot_{tid}", f"token_{alice}")
    assert "holds" in holds and has_style(holds, "edge_slot")
    effective = edge_line(src, f"thread_{tid}", f"token_{alice}")
    assert "effective" in effective and has_style(effective, "edge_effective")
    assert not edge_lines(src, f"thread_{tid}", f"token_{primary}"), "one effective token per thread"
    assert has_style(node_line(src, f"slot_{tid}"), "slot_filled")
    assert f"holds Token#{alice}" in node_line(src, f"slot_{tid}")
    assert "acts as TOKENLAB\\\\alice" in node_line(src, f"thread_{tid}")
    assert STYLES["edge_effective"]["penwidth"] > STYLES["edge_handle"].get("penwidth", "1")


def test_revert_to_self_empties_the_slot_and_the_effective_token_is_network_service_again():
    trace = nested_impersonation("revert")
    before, step = step_of(trace, "RevertToSelf")
    after = step.snapshot
    tid = step.tid
    bob = before.thread(tid).token
    assert before.name(before.token(bob).user) == "TOKENLAB\\bob"
    assert after.thread(tid).token is None
    primary = effective_token(after, tid)
    assert after.name(after.token(primary).user) == "NT AUTHORITY\\NETWORK SERVICE"

    src = object_graph(after, before).source
    assert "empty" in node_line(src, f"slot_{tid}")
    assert marked(node_line(src, f"slot_{tid}")) == {"changed"}
    # The slot's token and the old effective edge are drawn as ghosts; the new one is green.
    gone = edge_line(src, f"slot_{tid}", f"token_{bob}")
    assert marked(gone) == {"removed"} and "style=dashed" in gone
    assert marked(edge_line(src, f"thread_{tid}", f"token_{bob}")) == {"removed"}
    new = edge_line(src, f"thread_{tid}", f"token_{primary}")
    assert "effective" in new and marked(new) == {"added"}
    assert "acts as NT AUTHORITY\\\\NETWORK SERVICE" in node_line(src, f"thread_{tid}")
    assert node_line(src, f"token_{bob}"), "bob's token still has a handle: it stays"
    # It lost the slot's reference: only the handle keeps it alive now, and it says so.
    assert marked(node_line(src, f"token_{bob}")) == {"changed"}
    assert "held by: handle ×1" in text(node_line(src, f"token_{bob}"))

    table = object_table(after, before)
    assert re.search(rf"^- +-> Token#{bob}: holds$", table, re.M)
    assert re.search(rf"^\+ +-> Token#{primary}: effective$", table, re.M)
    assert re.search(r"^~ +token slot  empty$", table, re.M)
    assert re.search(rf"^ +was: token slot  holds Token#{bob}$", table, re.M)


def test_focus_marks_the_calling_thread_and_is_not_a_change():
    trace = duplicated_token(worker_thread=True)
    snap = trace.steps[-1].snapshot
    tids = [t.tid for t in snap.processes[0].threads]
    assert len(tids) == 2
    src = object_graph(snap, snap, focus_tid=tids[1]).source
    assert has_style(node_line(src, f"thread_{tids[1]}"), "focus")
    assert not has_style(node_line(src, f"thread_{tids[0]}"), "focus")
    assert not any(marked(ln) for ln in src.splitlines() if "legend_" not in ln), "same state: nothing changed"
    assert "peripheries" not in object_graph(snap).source


# ------------------------------------------------------------------ diffs

def test_duplicate_token_step_adds_a_token_a_handle_and_its_provenance():
    trace = duplicated_token()
    before, step = step_of(trace, "DuplicateToken")
    after = step.snapshot
    (new,) = {t.object_id for t in after.tokens} - {t.object_id for t in before.tokens}
    dup = after.token(new)
    (handle,) = set(after.processes[0].handles) - set(before.processes[0].handles)
    pid = after.processes[0].pid
    assert handle.value == int(step.result)

    src = object_graph(after, before, focus_tid=step.tid).source
    line = node_line(src, f"token_{new}")
    assert marked(line) == {"added"}
    assert f"duplicated from Token#{dup.duplicated_from}" in line and "from DuplicateToken" in line
    # The duplicate's own DACL names alice (the story's point), the original's NETWORK SERVICE.
    assert "its DACL allows TOKENLAB\\\\alice" in text(line)
    assert "NT AUTHORITY\\\\NETWORK SERVICE" in text(node_line(src, f"token_{dup.duplicated_from}"))
    assert marked(node_line(src, f"handle_{pid}_{handle.value}")) == {"added"}
    assert marked(edge_line(src, f"handle_{pid}_{handle.value}", f"token_{new}")) == {"added"}
    prov = edge_line(src, f"token_{new}", f"token_{dup.duplicated_from}")
    assert "duplicated from" in prov and marked(prov) == {"added"}
    # Everything else is as it was: no colour.
    for t in before.tokens:
        assert not marked(node_line(src, f"token_{t.object_id}"))
    for h in before.processes[0].handles:
        assert not marked(node_line(src, f"handle_{pid}_{h.value}"))

    table = object_table(after, before)
    assert re.search(rf"^\+ +Token#{new}  TOKENLAB\\alice", table, re.M)
    assert re.search(rf"^\+ +handle {handle.value}  Token$", table, re.M)
    assert re.search(rf"^\+ +-> Token#{new}: {re.escape(handle.granted_names)}", table, re.M)
    assert not re.search(r"^[-~]", table, re.M)


def test_impersonating_the_duplicate_changes_the_slot():
    trace = duplicated_token()
    before, step = step_of(trace, "ImpersonateLoggedOnUser", 1)
    after = step.snapshot
    tid = step.tid
    old, new = before.thread(tid).token, after.thread(tid).token
    assert old != new
    src = object_graph(after, before).source
    assert marked(node_line(src, f"slot_{tid}")) == {"changed"}
    assert marked(edge_line(src, f"slot_{tid}", f"token_{old}")) == {"removed"}
    assert marked(edge_line(src, f"slot_{tid}", f"token_{new}")) == {"added"}
    # Same user, so the thread's own label did not change.
    assert not marked(node_line(src, f"thread_{tid}"))


def test_closed_handle_is_drawn_as_a_ghost_in_its_table():
    trace = nested_impersonation("save_restore")
    before, step = step_of(trace, "CloseHandle")
    after = step.snapshot
    pid = after.processes[0].pid
    (closed,) = set(before.processes[0].handles) - set(after.processes[0].handles)
    src = object_graph(after, before).source
    ghost = node_line(src, f"handle_{pid}_{closed.value}")
    assert marked(ghost) == {"removed"}
    table_block = src[src.index(f"subgraph cluster_handles_{pid}"):].split("}")[0]
    assert f"handle_{pid}_{closed.value} [" in table_block, "the ghost stays in its handle table"
    assert marked(edge_line(src, f"handle_{pid}_{closed.value}", f"token_{closed.object_id}")) == {"removed"}
    assert re.search(rf"^- +handle {closed.value}  Token$", object_table(after, before), re.M)


def test_adjusting_privileges_changes_the_token_node():
    m = tl.Machine()
    api = m.start_process("svc.exe", user="NETWORK SERVICE").main_thread.api
    h = api.OpenProcessToken(api.GetCurrentProcess(), C.TOKEN_ALL_ACCESS)
    before = snapshot(m)
    api.AdjustTokenPrivileges(h, False, [("SeIncreaseQuotaPrivilege", C.SE_PRIVILEGE_ENABLED)])
    after = snapshot(m)
    tok = before.processes[0].token
    src = object_graph(after, before).source
    assert marked(node_line(src, f"token_{tok}")) == {"changed"}
    count = lambda s: sum(1 for _, a in s.token(tok).privileges if a & C.SE_PRIVILEGE_ENABLED)
    assert f"privileges enabled: {count(after)} of" in node_line(src, f"token_{tok}")
    assert count(after) == count(before) + 1
    assert re.search(rf"^~ +Token#{tok} ", object_table(after, before), re.M)


def test_legend_only_when_there_is_something_to_compare():
    trace = duplicated_token()
    snaps = trace.snapshots()
    assert "cluster_legend" not in object_graph(snaps[2]).source
    src = object_graph(snaps[2], snaps[1]).source
    # A one-line strip over the picture (the graph's label), not a cluster of nodes.
    assert "cluster_legend" not in src and "labelloc=t" in src
    strip = next(ln for ln in src.splitlines() if "since the previous snapshot" in ln)
    for state, (mark, words) in LEGEND.items():
        assert f'COLOR="{DIFF_STYLES[state]["color"]}"' in strip
        assert f"{mark} {words.split(':')[0]}" in strip
    assert object_table(snaps[2]).splitlines()[0].startswith("  svc.exe")
    head = object_table(snaps[2], snaps[1]).splitlines()[0]
    assert all(mark in head for mark, _ in LEGEND.values())


def test_diff_colours_are_distinct_and_removed_is_faded():
    fills = {DIFF_STYLES[s].get("fillcolor") for s in ("added", "changed", "removed")}
    assert len(fills) == 3
    assert "dashed" in DIFF_STYLES["removed"]["style"] and "dashed" in DIFF_STYLES["edge_removed"]["style"]


# ------------------------------------------------------------------ the text twin

def test_text_twin_says_what_the_graph_says():
    trace = duplicated_token()
    snap = trace.steps[-1].snapshot
    table = object_table(snap)
    lines = table.splitlines()
    assert all(ln == ln.rstrip() and ln[0] == " " for ln in lines), "no marks without a previous"
    for p in snap.processes:
        assert any(ln.strip() == f"Process {p.pid}  {p.image}" for ln in lines)
        assert f"-> Token#{p.token}: primary token" in table
        for th in p.threads:
            eff = effective_token(snap, th.tid)
            i = next(i for i, ln in enumerate(lines) if ln.strip().startswith(f"Thread {th.tid}  "))
            assert f"acts as {snap.name(snap.token(eff).user)}" in lines[i]
            assert lines[i + 1].strip() == f"-> Token#{eff}: effective"
        for h in p.handles:
            assert f"-> Token#{h.object_id}: {h.granted_names} (0x{h.granted:08X})" in table
    for t in snap.tokens:
        row = next(ln for ln in lines if ln.strip().startswith(f"Token#{t.object_id}  "))
        assert snap.name(t.user) in row and t.integrity in row
    # Wrapped label lines come out whole in the table.
    assert "its DACL allows TOKENLAB\\alice, NT AUTHORITY\\SYSTEM" in table


# ------------------------------------------------------------------ determinism

_BUILD = """
from tokenlab.scenarios import duplicated_token, nested_impersonation
from tokenlab.view import object_graph, object_table
for trace in (duplicated_token(), nested_impersonation("revert")):
    snaps = trace.snapshots()
    for prev, snap in zip([None] + snaps, snaps):
        print(object_graph(snap, prev, focus_tid=1004).source)
        print(object_table(snap, prev))
"""


def _build() -> str:
    out = []
    for trace in (duplicated_token(), nested_impersonation("revert")):
        snaps = trace.snapshots()
        for prev, snap in zip([None] + snaps, snaps):
            out += [object_graph(snap, prev, focus_tid=1004).source, object_table(snap, prev)]
    return "".join(s + "\n" for s in out)


def test_same_story_gives_byte_identical_dot_and_tables():
    first = _build()
    assert _build() == first
    env = {**os.environ, "PYTHONHASHSEED": "12345"}  # set and dict order must not leak out
    proc = subprocess.run([sys.executable, "-c", _BUILD], cwd=ROOT, env=env, capture_output=True,
                          text=True, timeout=120, check=True)
    assert proc.stdout == first
    assert " at 0x" not in first


# ------------------------------------------------------------------ escaping

HOSTILE_IMAGE = '<b>"x|{y} \\N\n\u202e.exe'
HOSTILE_IMAGE_SHOWN = '<b>"x|{y} \\N\\n\\u202e.exe'   # newline and RLO printed as escapes
HOSTILE_EVENT = "<script>alert(1)</script>"
HOSTILE_USER = '<i>bob"|{'


def hostile_snapshot():
    m = tl.Machine()
    m.add_user(HOSTILE_USER, password="pw")
    proc = m.start_process(HOSTILE_IMAGE, user="NETWORK SERVICE")
    api = proc.main_thread.api
    with record(m) as trace:
        api.CreateEvent(None, True, False, HOSTILE_EVENT)
        h = api.LogonUser(HOSTILE_USER, ".", "pw", C.LOGON32_LOGON_NETWORK, C.LOGON32_PROVIDER_DEFAULT)
        api.ImpersonateLoggedOnUser(h)
    return trace


def test_hostile_names_are_escaped_in_dot():
    trace = hostile_snapshot()
    snap, prev = trace.steps[-1].snapshot, trace.steps[-2].snapshot
    src = object_graph(snap, prev).source
    for raw in ("<script>", "<b>", "<i>", "\u202e"):
        assert raw not in src
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in src
    assert "&lt;b&gt;&quot;x|{y} \\\\N\\\\n\\\\u202e.exe" in src, "escapes shown, '\\' doubled for DOT"
    assert "TOKENLAB\\\\&lt;i&gt;bob&quot;|{" in src
    for ln in src.splitlines():
        if "label=" in ln:
            assert ln.count("label=") == 1  # a newline never splits a statement
    table = object_table(snap, prev)
    assert "\u202e" not in table and "\n.exe" not in table
    assert HOSTILE_IMAGE_SHOWN in table and HOSTILE_EVENT in table and f"TOKENLAB\\{HOSTILE_USER}" in table


@needs_dot
def test_hostile_names_render_as_literal_text_in_svg():
    trace = hostile_snapshot()
    g = object_graph(trace.steps[-1].snapshot, trace.steps[-2].snapshot, focus_tid=trace.steps[-1].tid)
    out = svg(g)
    root = ET.fromstring(out)  # well-formed XML, or this raises
    ns = "{http://www.w3.org/2000/svg}"
    assert not [el for el in root.iter() if el.tag in (f"{ns}script", "script", f"{ns}b", f"{ns}i")]
    drawn = "".join("".join(el.itertext()) for el in root.iter(f"{ns}text"))
    assert HOSTILE_EVENT in drawn
    assert HOSTILE_IMAGE_SHOWN in drawn
    assert HOSTILE_USER in drawn  # the short name in the picture; the full one on hover
    titles = "".join(el.get("{http://www.w3.org/1999/xlink}title", "") for el in root.iter())
    assert f"TOKENLAB\\{HOSTILE_USER}" in titles
    assert "\u202e" not in out


# ------------------------------------------------------------------ fit, stillness, scale

_SVG_W = re.compile(r'<svg width="(\d+)pt" height="(\d+)pt"')


def _node_boxes(out: str) -> dict[str, tuple[float, float, float, float]]:
    """Each node's shape bounding box in an SVG from Graphviz (title = node id)."""
    root = ET.fromstring(out)
    ns = "{http://www.w3.org/2000/svg}"
    boxes = {}
    for g in root.iter(f"{ns}g"):
        if g.get("class") != "node":
            continue
        title = g.find(f"{ns}title").text
        shape = next((el for el in g.iter() if el.tag in (f"{ns}path", f"{ns}polygon")), None)
        if shape is None:
            continue
        nums = [float(x) for x in re.findall(r"-?\d+(?:\.\d+)?", shape.get("d") or shape.get("points"))]
        xs, ys = nums[0::2], nums[1::2]
        boxes[title] = (round(min(xs), 1), round(min(ys), 1), round(max(xs), 1), round(max(ys), 1))
    return boxes


@pytest.mark.parametrize("make", [duplicated_token, lambda: nested_impersonation("revert"),
                                  lambda: duplicated_token(fixed=True)])
def test_a_pinned_trace_keeps_every_node_where_it_was(make):
    from tokenlab.view import trace_layout

    trace = make()
    pinned = trace_layout(trace)
    seen: dict[str, tuple] = {}
    sizes = set()
    prev = trace.initial
    for step in trace.steps:
        g = object_graph(step.snapshot, prev, focus_tid=step.tid, pinned=pinned)
        prev = step.snapshot
        assert g.engine == "neato" and g.source.startswith("// pinned layout")
        out = svg(g)
        sizes.add(_SVG_W.search(out).groups())
        for node, box in _node_boxes(out).items():
            assert seen.setdefault(node, box) == box, f"{node} moved at step {step.index}"
    assert len(sizes) == 1, "every step's picture has the same size"
    assert "token_8" in seen or len(seen) > 5


def test_object_graphs_of_the_stories_fit_a_900_px_column():
    # 900 px at 11 px for 10-pt text: Graphviz points are 4/3 px, so at most ~675 pt wide.
    for trace in (duplicated_token(), duplicated_token(fixed=True), nested_impersonation("revert")):
        prev = trace.initial
        for step in trace.steps:
            out = svg(object_graph(step.snapshot, prev, focus_tid=step.tid))
            prev = step.snapshot
            width = int(_SVG_W.search(out).group(1))
            assert width * 4 / 3 <= 900, f"{trace.title} step {step.index}: {width} pt wide"
            sizes = [float(x) for x in re.findall(r'font-size="([\d.]+)"', out)]
            assert min(sizes) >= 9, "no text smaller than 9 pt (12 px at actual size)"


def test_a_big_machine_is_drawn_as_a_summary():
    m = tl.Machine() if hasattr(tl, "Machine") else None
    if m is None:
        from tokenlab.kernel.machine import Machine
        m = Machine()
    for k in range(300):
        m.start_process(f"worker{k % 3}.exe", user="NETWORK SERVICE")
    snap = snapshot(m)
    g = object_graph(snap)
    assert "summary_processes" in g.source and "proc_" not in g.source
    out = svg(g)
    assert int(_SVG_W.search(out).group(1)) * 4 / 3 <= 900
    assert "300 processes" in out and "worker0.exe" in out
