"""Snapshots made from what changed equal snapshots made from scratch.

``snapshot(machine)`` revisits only the objects the machine says changed since its previous
snapshot and shares everything else with it; ``full_snapshot(machine)`` walks every object.
Over the course's stories and random facade-call sequences (the worlds and calls of
``test_kernel_properties``), after every call the two must be equal, and so must the
narration made from shared snapshots and from fresh ones. Plus the handle table's values
(lowest free multiple of 4, freed values reused lowest first) and the snapshot tables.
"""
from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, note, settings
from hypothesis import strategies as st

import tokenlab.teaching.trace as trace_module
import tokenlab.win32.constants as C
from tokenlab import Machine, scenarios
from tokenlab.kernel.handles import HandleTable
from tokenlab.teaching.narrate import changes
from tokenlab.teaching.snapshot import Table, full_snapshot, snapshot
from tokenlab.teaching.trace import record

from test_kernel_properties import CALLS, WEIGHTED, World, check_invariants  # noqa: E402 (tests/ is on sys.path)


def same(snap, machine) -> None:
    """``snap`` (made incrementally) equals a fresh snapshot of ``machine``, field by field."""
    full = full_snapshot(machine)
    assert snap.processes == full.processes
    assert snap.tokens == full.tokens
    assert snap.events == full.events
    assert snap.names == full.names
    assert snap == full
    for p in full.processes:
        assert snap.process(p.pid) is not None and snap.owner_of(p.object_id).pid == p.pid
        for t in p.threads:
            assert snap.thread(t.tid) == t and snap.owner_of(t.object_id).pid == p.pid
    for t in full.tokens:
        assert snap.token(t.object_id) == t


def checked(monkeypatch):
    """Make every snapshot a trace takes compare itself with a fresh one."""
    made = []

    def snapshot_and_check(machine):
        snap = snapshot(machine)
        same(snap, machine)
        made.append(snap)
        return snap

    monkeypatch.setattr(trace_module, "snapshot", snapshot_and_check)
    return made


STORIES = [
    lambda: scenarios.duplicated_token(),
    lambda: scenarios.duplicated_token(fixed=True),
    lambda: scenarios.duplicated_token(worker_thread=True),
] + [lambda p=p: scenarios.nested_impersonation(p)
     for p in ("revert", "save_restore", "not_impersonating", "pseudo_handle")]


@pytest.mark.parametrize("story", range(len(STORIES)))
def test_stories_snapshot_incrementally(monkeypatch, story):
    made = checked(monkeypatch)
    trace = STORIES[story]()
    assert len(made) == len(trace.steps) + 1
    snaps = trace.snapshots()
    for before, after, step in zip(snaps, snaps[1:], trace.steps):
        # Narration from shared snapshots reads only what changed; from equal but unshared
        # ones it reads everything. The sentences must be the same.
        assert changes(before, after) == changes(_copy(before), _copy(after)), step.call


def _copy(snap):
    """An equal snapshot that shares no table with ``snap``."""
    return type(snap)(Table.of((p.pid, p) for p in snap.processes), Table.of((t.object_id, t) for t in snap.tokens),
                      Table.of((e.object_id, e) for e in snap.events), snap.name_table, snap.domain_sid,
                      snap._by_object, snap._by_tid)


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(st.data())
def test_random_calls_snapshot_incrementally(data):
    w = World()
    m = w.machine
    n = data.draw(st.integers(6, 20), label="calls")
    with record(m) as trace:
        same(trace.initial, m)
        for _ in range(n):
            thread = w.threads[data.draw(st.sampled_from([0, 0, 0, 1, 1, 2, 3]), label="thread")]
            name = data.draw(st.sampled_from(WEIGHTED), label="call")
            args = CALLS[name](data.draw, w, thread)
            note(f"t{thread.tid} {name}{args!r}")
            steps = len(trace)
            try:
                w.remember(getattr(thread.api, name)(*args))
            except Exception:  # noqa: BLE001 - test_kernel_properties checks which ones escape
                pass
            if len(trace) > steps:
                step = trace[-1]
                same(step.snapshot, m)
                before = trace[-2].snapshot if len(trace) > 1 else trace.initial
                assert changes(before, step.snapshot) == changes(_copy(before), _copy(step.snapshot))
            if data.draw(st.integers(0, 4)) == 0:
                check_invariants(m)  # reaps through Machine.live_objects, behind the snapshots' back
            same(snapshot(m), m)


def test_machine_changes_outside_calls_are_seen():
    m = Machine()
    m.add_user("alice", password="pw")
    app = m.start_process("app.exe", user="alice")
    first = snapshot(m)
    same(first, m)
    m.add_user("bob", password="pw")  # a new account can name a SID: the names are rebuilt
    m.start_process("bob.exe", user="bob")
    same(snapshot(m), m)
    api = app.main_thread.api
    h = api.OpenProcessToken(-1, C.TOKEN_ADJUST_PRIVILEGES | C.TOKEN_QUERY)
    before = snapshot(m)
    api.AdjustTokenPrivileges(h, True, None)  # privileges change in place
    after = snapshot(m)
    same(after, m)
    assert after != before and after.processes == before.processes
    assert snapshot(m) is after  # nothing changed: the same snapshot


def test_unchanged_states_are_shared():
    m = Machine()
    m.add_user("alice", password="pw")
    app = m.start_process("app.exe", user="alice")
    others = [m.start_process(f"p{i}.exe", user="NETWORK SERVICE") for i in range(200)]
    before = snapshot(m)
    app.main_thread.api.OpenProcessToken(-1, C.TOKEN_QUERY)
    after = snapshot(m)
    assert after.process_table.changed_keys(before.process_table) == [app.pid]
    assert after.token_table.changed_keys(before.token_table) == [app.token.object_id]
    assert all(before.process(p.pid) is after.process(p.pid) for p in others)
    assert after.name_table is before.name_table


# ---------------------------------------------------------------------- handle tables
class _Obj:
    def __init__(self):
        self.refs = 0

    def add_ref(self, reason):
        self.refs += 1

    def release(self, reason):
        self.refs -= 1


def test_handle_values_are_the_lowest_free_multiple_of_four():
    table, obj = HandleTable(), _Obj()
    assert [table.insert(obj, 1).value for _ in range(6)] == [4, 8, 12, 16, 20, 24]
    for v in (16, 8, 24):
        table.remove(v)
    assert [h.value for h in table] == [4, 12, 20]
    assert [table.insert(obj, 1).value for _ in range(4)] == [8, 16, 24, 28]
    assert [h.value for h in table] == [4, 8, 12, 16, 20, 24, 28]
    assert obj.refs == 7 and len(table) == 7


def test_handle_table_iteration_is_a_stable_copy():
    table, obj = HandleTable(), _Obj()
    for _ in range(5):
        table.insert(obj, 1)
    version = table.version
    assert table.handles() is table.handles()  # unchanged: no new sort, no new tuple
    for h in table:  # closing while walking is safe
        table.remove(h.value)
    assert len(table) == 0 and table.version == version + 5


@settings(max_examples=200, deadline=None)
@given(st.lists(st.tuples(st.booleans(), st.integers(0, 40)), max_size=80))
def test_handle_table_matches_a_linear_scan(ops):
    table, obj, model = HandleTable(), _Obj(), set()
    for insert, pick in ops:
        if insert or not model:
            value = 4
            while value in model:
                value += 4
            assert table.insert(obj, 1).value == value
            model.add(value)
        else:
            value = sorted(model)[pick % len(model)]
            table.remove(value)
            model.discard(value)
        assert [h.value for h in table] == sorted(model)


# ---------------------------------------------------------------------- tables
def test_table_updates_share_untouched_buckets():
    a = Table.of((k, str(k)) for k in range(0, 1000, 3))
    b = a.updated({300: "x", 1001: "new"})
    c = b.updated({1001: "new"})
    assert a.get(300) == "300" and b.get(300) == "x" and b.get(1001) == "new" and 1001 not in a
    assert b.changed_keys(a) == [300, 1001]
    assert sum(x is y for x, y in zip(a._top, b._top)) == len(a._top) - 2
    assert [k for k, _ in b.items()] == sorted(set(range(0, 1000, 3)) | {1001})
    assert b == Table.of(b.items()) and b != a and c == b
    d = b.updated({k: _gone() for k in range(0, 1000, 3)})
    assert list(d.items()) == [(1001, "new")] and len(d) == 1
    assert Table.of([(5, 1), (3, 2)]).values() == (2, 1)


def _gone():
    from tokenlab.teaching.snapshot import _GONE

    return _GONE
