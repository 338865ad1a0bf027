"""The widgets, driven in plain pytest: click, set values, read what they show.

Each widget is wiring: what it shows must be what the model decided (compared with a
direct call) and what the views drew (an ``<svg`` in the graph areas). Names are data:
hostile account and image names must reach the HTML as text. Random sequences of clicks
and values must never raise or fill the error area.
"""
from __future__ import annotations

import dataclasses
import html
import re
import subprocess
import sys
from difflib import SequenceMatcher
from pathlib import Path

import pytest

ipywidgets = pytest.importorskip("ipywidgets")
pytest.importorskip("graphviz")

from hypothesis import HealthCheck, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

import tokenlab as tl  # noqa: E402
from tokenlab import scenarios  # noqa: E402
from tokenlab.win32.constants import (  # noqa: E402
    LOGON32_LOGON_NETWORK, LOGON32_PROVIDER_DEFAULT, MAXIMUM_ALLOWED, TOKEN_ALL_ACCESS, SecurityImpersonation,
    TokenImpersonation,
)
from tokenlab.security.rights import FILE_MAPPING, TOKEN_MAPPING, TokenAccess  # noqa: E402
from tokenlab.security.tokenattrs import GroupAttributes  # noqa: E402
from tokenlab.ui import AccessCheckExplorer, Compare, Predict, ScenarioPlayer, TokenInspector  # noqa: E402
from tokenlab.view.compare import Row, align, compare_table  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
PATTERNS = ("revert", "save_restore", "not_impersonating", "pseudo_handle")
EVIL_USER = "<script>alert(1)</script>"
EVIL_IMAGE = 'ev"il\'\n\u202e<img src=x onerror=alert(2)>.exe'
SETTINGS = settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow],
                    derandomize=True)


def html_values(widget) -> list[str]:
    """The value of every HTML widget in the tree (what the browser renders as markup)."""
    out = []

    def walk(w):
        if isinstance(w, ipywidgets.HTML):
            out.append(w.value)
        for child in getattr(w, "children", ()):
            walk(child)

    walk(widget)
    return out


def text_of(fragment: str) -> str:
    """An HTML fragment's text: tags dropped, entities decoded."""
    return html.unescape(re.sub(r"<[^>]+>", "", fragment))


def escaped(text: str) -> str:
    return html.escape(text, quote=True)


def nav_state(w) -> tuple[bool, bool, bool, bool]:
    return (w.first.disabled, w.back.disabled, w.next.disabled, w.last.disabled)


# ====================================================================== ScenarioPlayer

def test_player_starts_at_the_first_call_and_ends_on_the_denial():
    trace = scenarios.duplicated_token()
    p = ScenarioPlayer(trace)
    assert p.slider.value == 0 and p.slider.max == len(trace.steps) - 1
    assert nav_state(p) == (True, True, False, False)
    assert "LogonUser(&#x27;alice&#x27;" in p.call.value
    assert escaped(trace.steps[0].c_call.splitlines()[0]) in p.call.value  # the C twin
    assert "returned" in p.outcome.value and "<svg" in p.graph.value
    assert p.error.value == ""

    p.last.click()
    assert p.slider.value == len(trace.steps) - 1
    assert nav_state(p) == (False, False, True, True)
    assert "E_ACCESSDENIED (0x80070005)" in p.outcome.value
    assert "#c82333" in p.outcome.value  # red
    assert "CoCreateInstance" in p.call.value
    assert trace.steps[-1].narration and escaped(trace.steps[-1].narration[:60]) in p.narration.value
    assert "<svg" in p.graph.value
    # The list of calls marks the current one, and only it.
    marked = [line for line in p.calls.value.split("</div>") if "▶ " in line]
    assert len(marked) == 1 and "CoCreateInstance" in marked[0] and "E_ACCESSDENIED" in marked[0]
    assert p.error.value == ""
    assert "E_ACCESSDENIED" in repr(p)


def test_player_buttons_step_one_call_at_a_time():
    trace = scenarios.duplicated_token()
    p = ScenarioPlayer(trace)
    seen = [p.slider.value]
    while not p.next.disabled:
        p.next.click()
        seen.append(p.slider.value)
        assert escaped(trace.steps[p.slider.value].call) in p.call.value
    assert seen == list(range(len(trace.steps)))
    p.back.click()
    assert p.slider.value == len(trace.steps) - 2 and nav_state(p) == (False, False, False, False)
    p.first.click()
    assert p.slider.value == 0 and nav_state(p) == (True, True, False, False)
    p.back.click()  # a disabled button's handler must not go below 0 either
    assert p.slider.value == 0
    p.slider.value = 3
    assert "GetCurrentThread()" in p.call.value and "trace.steps[3]" in p.position.value
    assert 'width="100%"' not in p.graph.value  # actual size, scrolling
    p.fit.value = True
    assert '<svg width="100%"' in p.graph.value and "GetCurrentThread()" in p.call.value


def test_player_offers_the_access_checks_of_a_call():
    trace = scenarios.duplicated_token()
    p = ScenarioPlayer(trace)
    if not trace.steps[-1].checks:
        pytest.skip("the model does not record CheckRecords yet")
    assert p.checks.layout.display == "none"  # LogonUser made no check
    p.last.click()
    assert p.checks.layout.display != "none"
    assert len(p.checks.children) == len(trace.steps[-1].checks)
    record = trace.steps[-1].checks[0]
    assert "ERROR_ACCESS_DENIED" in p.checks.titles[0]
    summary, graph, narrative = p.checks.children[0].children
    assert graph.value == ""  # drawn when opened
    p.checks.selected_index = 0
    assert "<svg" in graph.value
    assert escaped(record.narrative) in narrative.value and "Access denied." in narrative.value
    assert "TOKENLAB\\alice (S-1-5-21-" in narrative.value  # account SIDs named
    assert p.error.value == ""


def test_player_draws_a_check_from_a_step_it_is_given():
    """The accordion wiring, independent of which calls the model records checks for."""
    sd = tl.parse_sddl("O:BAG:BAD:(A;;SWRC;;;WD)")
    token = tl.Token("S-1-5-21-1-2-3-1001", ["S-1-1-0"])
    result = tl.access_check(sd, token, int(TokenAccess.TOKEN_DUPLICATE), TOKEN_MAPPING)
    record = tl.teaching.trace.CheckRecord("Token#9 (x)", "somebody", sd, result, "because <why>")
    trace = scenarios.duplicated_token()
    trace.steps[0] = dataclasses.replace(trace.steps[0], checks=(record,))
    p = ScenarioPlayer(trace)
    assert p.checks.layout.display != "none" and len(p.checks.children) == 1
    p.checks.selected_index = 0
    summary, graph, narrative = p.checks.children[0].children
    assert "because &lt;why&gt;" in summary.value
    assert "<svg" in graph.value and escaped(str(result)) in narrative.value
    p.next.click()
    assert p.checks.layout.display == "none" or len(p.checks.children) == len(trace.steps[1].checks)


@pytest.mark.parametrize("make", [
    pytest.param(lambda: scenarios.duplicated_token(), id="duplicated"),
    pytest.param(lambda: scenarios.duplicated_token(fixed=True), id="fixed"),
    pytest.param(lambda: scenarios.duplicated_token(worker_thread=True), id="worker"),
    *(pytest.param(lambda p=p: scenarios.nested_impersonation(p), id=p) for p in PATTERNS),
])
def test_player_walks_every_story(make):
    trace = make()
    p = ScenarioPlayer(trace)
    for i, step in enumerate(trace.steps):
        p.slider.value = i
        assert p.error.value == "", p.error.value
        assert escaped(step.call) in p.call.value
        assert ("returned" in p.outcome.value) == step.ok
        if not step.ok:
            assert escaped(step.error) in p.outcome.value
        assert "<svg" in p.graph.value
        assert p.next.disabled == (i == len(trace.steps) - 1)


def test_player_shows_nothing_for_missing_narration_and_c():
    trace = scenarios.nested_impersonation("revert")
    trace.steps[:] = [dataclasses.replace(s, narration="", c_call="", explanation=()) for s in trace.steps]
    p = ScenarioPlayer(trace)
    assert p.narration.value == ""
    assert "in C</summary>" not in p.call.value and "LogonUser(" in p.call.value
    assert p.error.value == ""


def test_player_empty_trace_says_so():
    m = tl.Machine()
    with tl.record(m, "nothing yet") as trace:
        pass
    p = ScenarioPlayer(trace)
    assert "no calls" in p.position.value
    assert nav_state(p) == (True, True, True, True) and p.slider.disabled
    for b in (p.first, p.back, p.next, p.last):
        b.click()
    assert p.error.value == ""
    assert "<svg" in p.graph.value  # the machine as it was
    assert repr(p) == "ScenarioPlayer('nothing yet': no calls)"


def test_player_records_a_learners_own_calls():
    m = tl.Machine()
    m.add_user("alice", password="pw")
    api = m.start_process("svc.exe", user="NETWORK SERVICE").main_thread.api
    with tl.record(m) as trace:
        p = ScenarioPlayer(trace)  # made early: refresh() picks up what came since
        assert "no calls" in p.position.value
        h = api.LogonUser("alice", ".", "pw", LOGON32_LOGON_NETWORK, LOGON32_PROVIDER_DEFAULT)
        api.ImpersonateLoggedOnUser(h)
        with pytest.raises(tl.WinError):
            api.CloseHandle(12345)
    p.refresh()
    assert not p.slider.disabled and p.slider.max == 2 and "3 calls" in p.title.value
    p.last.click()
    assert "CloseHandle(12345)" in p.call.value and "ERROR_INVALID_HANDLE" in p.outcome.value
    assert p.error.value == ""


# ====================================================================== AccessCheckExplorer

ALICE = tl.SID("S-1-5-21-1004336348-1177238915-682003330-1001")


def alice(*groups, **kw) -> tl.Token:
    return tl.Token(ALICE, ["S-1-1-0", "S-1-5-32-545", *groups], **kw)


def test_explorer_shows_the_models_check():
    tok = alice()
    e = AccessCheckExplorer(tok, "O:BAG:BAD:(A;;SWRC;;;WD)")
    e.rights.value = ("TOKEN_QUERY",)
    expected = tl.access_check(tl.parse_sddl("O:BAG:BAD:(A;;SWRC;;;WD)"), tok, 8, TOKEN_MAPPING, map_generic=True)
    assert (e.result.granted, e.result.status) == (expected.granted, expected.status)
    assert e.result.allowed and "TOKEN_QUERY" in e.verdict.value and "granted" in e.verdict.value
    assert escaped(str(expected)) in e.narrative.value
    assert "<svg" in e.graph.value and "verdict" in e.table.value
    assert e.feedback.value and "valid" in e.feedback.value
    assert e.error.value == ""

    e.rights.value = ("TOKEN_QUERY", "TOKEN_DUPLICATE")
    assert not e.result.allowed and "ERROR_ACCESS_DENIED" in e.verdict.value and "#c82333" in e.verdict.value


def test_explorer_rights_include_generic_and_maximum_allowed():
    e = AccessCheckExplorer(alice(), "O:BAG:BAD:(A;;SWRC;;;WD)")
    names = set(e.rights.options)
    assert {"TOKEN_QUERY", "GENERIC_READ", "GENERIC_ALL", "MAXIMUM_ALLOWED", "TOKEN_ALL_ACCESS"} <= names
    e.rights.value = ("MAXIMUM_ALLOWED",)
    assert e.result.granted == int(TokenAccess.TOKEN_QUERY | TokenAccess.READ_CONTROL)
    assert "TOKEN_READ" in e.verdict.value  # granted bits by name
    e.rights.value = ("GENERIC_READ",)
    assert e.result.allowed  # mapped to TOKEN_READ first
    e.map_generic.value = False
    assert e.result.status.name == "ERROR_GENERIC_NOT_MAPPED" and "ERROR_GENERIC_NOT_MAPPED" in e.verdict.value


def test_explorer_desired_zero_is_the_models_answer():
    e = AccessCheckExplorer(alice(), "O:BAG:BAD:(A;;SWRC;;;WD)")
    e.rights.value = ()
    direct = tl.access_check(tl.parse_sddl("O:BAG:BAD:(A;;SWRC;;;WD)"), alice(), 0, TOKEN_MAPPING)
    assert e.desired == 0
    assert (e.result.granted, e.result.status) == (direct.granted, direct.status)
    assert direct.status.name in e.verdict.value
    assert e.error.value == ""


def test_explorer_bad_sddl_names_the_position_and_keeps_a_stale_picture():
    e = AccessCheckExplorer(alice(), "O:BAG:BAD:(A;;SWRC;;;WD)")
    good_svg = e.graph.value
    e.sddl.value = "O:BAG:BAD:(A;;SWRC;;;BX)"
    assert e.stale
    with pytest.raises(tl.SDDLError) as info:
        tl.parse_sddl("O:BAG:BAD:(A;;SWRC;;;BX)")
    assert f"position {info.value.position}" in e.feedback.value
    # The caret sits under the offending column.
    block = re.search(r"<pre[^>]*>(.*?)</pre>", e.feedback.value, re.S).group(1)
    sddl_line, caret_line = text_of(block).splitlines()
    assert caret_line.index("^") == info.value.position == sddl_line.index("BX")
    assert "stale" in e.graph.value and "<svg" in e.graph.value and "opacity" in e.graph.value
    assert e.error.value == ""
    e.sddl.value = "O:BAG:BAD:(A;;SWRC;;;BU)"
    assert not e.stale and e.graph.value != good_svg and "stale" not in e.graph.value


def test_explorer_bad_sddl_before_any_good_one():
    e = AccessCheckExplorer(alice(), "D:(")
    assert e.stale and e.result is None and "position 3" in e.feedback.value
    assert "<svg" not in e.graph.value and e.error.value == ""
    assert "stale" in repr(e)


def test_explorer_switches_object_type():
    e = AccessCheckExplorer(alice(), "O:BAG:BAD:(A;;FR;;;WD)")
    e.object_type.value = "File"
    assert "FILE_READ_DATA" in e.rights.options and "TOKEN_QUERY" not in e.rights.options
    e.rights.value = ("FILE_READ_DATA",)
    assert e.result.mapping is FILE_MAPPING and e.result.allowed
    assert e.error.value == ""


def test_explorer_accepts_a_custom_mapping():
    custom = dataclasses.replace(TOKEN_MAPPING, generic_read=0x8)
    e = AccessCheckExplorer(alice(), "O:BAG:BAD:(A;;SW;;;WD)", custom)
    e.rights.value = ("GENERIC_READ",)
    assert e.result.allowed and e.result.mapping is custom and e.error.value == ""


def test_explorer_tokens_from_a_dict_a_machine_and_the_builder():
    trace = scenarios.duplicated_token()
    m = trace.machine
    e = AccessCheckExplorer(tokens={"alice": alice(), "admin": alice("S-1-5-32-544")}, machine=m)
    labels = [label for label, _ in e.token.options]
    assert labels[:2] == ["alice", "admin"]
    assert any("TOKENLAB\\alice" in label and "Token#" in label for label in labels)
    assert labels[-1].startswith("build")
    e.sddl.value = "O:BAG:BAD:(A;;SW;;;BA)"
    e.rights.value = ("TOKEN_QUERY",)
    assert not e.result.allowed
    e.token.value = e.token.options[1][1]
    assert e.result.allowed
    # A primary token: Win32 AccessCheck refuses it, the kernel's open check takes it.
    primary = next(v for label, v in e.token.options if "primary" in label)
    e.token.value = primary
    assert e.result.status.name == "ERROR_NO_IMPERSONATION_TOKEN"
    e.as_kernel.value = True
    assert e.result.status.name != "ERROR_NO_IMPERSONATION_TOKEN"
    # Build one from names.
    e.token.value = "__build__"
    assert e.user.value == "alice"
    e.groups.value = "Administrators, WD"
    assert e.result.allowed and e.builder_feedback.value == ""
    e.groups.value = "WD, nobody-here"
    assert "nobody-here" in e.builder_feedback.value and e.stale
    assert e.error.value == ""


def test_explorer_starts_on_the_token_passed_even_a_primary_one():
    m = scenarios.duplicated_token().machine
    primary = next(o for o in m.live_objects()
                   if o.object_type == "Token" and o.token_type == tl.TokenType.TokenPrimary)
    e = AccessCheckExplorer(primary, machine=m)
    assert e.current_token() is primary and e.result.status.name == "ERROR_NO_IMPERSONATION_TOKEN"
    f = AccessCheckExplorer(machine=m)
    assert f.current_token().token_type == tl.TokenType.TokenImpersonation and f.error.value == ""


def test_explorer_rejects_a_tokenstate_with_a_reason():
    snap = scenarios.duplicated_token().steps[-1].snapshot
    with pytest.raises(TypeError, match="TokenState"):
        AccessCheckExplorer(tokens={"x": snap.tokens[0]})


# ====================================================================== TokenInspector

def test_inspector_tabs_for_a_token():
    tok = alice(("S-1-5-32-544", GroupAttributes.SE_GROUP_USE_FOR_DENY_ONLY), ("S-1-5-11", 0),
                privileges={"SeChangeNotifyPrivilege": True, "SeShutdownPrivilege": False},
                default_dacl=tl.parse_sddl("D:(A;;GA;;;SY)").dacl)
    i = TokenInspector(tok)
    assert i.tabs.titles == ("overview", "groups", "privileges", "default DACL", "statistics")
    assert "<svg" in i.overview_graph.value and i.overview_table.value
    rows = i.groups.value.split("<tr")
    deny = next(r for r in rows if "S-1-5-32-544" in r)
    disabled = next(r for r in rows if "S-1-5-11" in r)
    enabled = next(r for r in rows if "S-1-1-0" in r)
    assert "deny-only" in deny and "#c82333" in deny and "SE_GROUP_USE_FOR_DENY_ONLY" in deny
    assert "disabled" in disabled and "italic" in disabled
    assert "enabled" in enabled and "italic" not in enabled
    privs = i.privileges.value.split("<tr")
    assert "enabled" in next(r for r in privs if "SeChangeNotifyPrivilege" in r)
    assert "disabled" in next(r for r in privs if "SeShutdownPrivilege" in r)
    assert "D:(A;;GA;;;SY)" in i.default_dacl.value and "<svg" in i.default_dacl_graph.value
    stats = text_of(i.statistics.value)
    for field in ("TokenId", "AuthenticationId", "ModifiedId", "TokenImpersonation", "SecurityImpersonation",
                  "Medium", "groups4", "deny-only groups1", "privileges2", "enabled privileges1"):
        assert field in stats, field
    assert i.error.value == ""


def test_inspector_for_a_machine_token_and_a_snapshot_state():
    trace = scenarios.duplicated_token()
    m = trace.machine
    tok = next(o for o in m.live_objects() if o.object_type == "Token" and o.user == ALICE)
    i = TokenInspector(tok, machine=m)
    assert "TOKENLAB\\alice" in i.title.value and "network logon" in i.statistics.value
    snap = trace.steps[-1].snapshot
    state = next(t for t in snap.tokens if t.duplicated_from is not None)
    j = TokenInspector(state, names=dict(snap.names))
    assert "TOKENLAB\\alice" in j.title.value and f"Token#{state.duplicated_from}" in j.statistics.value
    assert "<svg" in j.overview_graph.value and "<svg" in j.default_dacl_graph.value
    assert i.error.value == j.error.value == ""
    with pytest.raises(TypeError):
        TokenInspector("not a token")


def test_inspector_without_default_dacl_groups_or_privileges():
    i = TokenInspector(tl.Token("S-1-5-18"))
    assert "no default DACL" in i.default_dacl.value and i.default_dacl_graph.value == ""
    assert "no groups" in i.groups.value and "no privileges" in i.privileges.value
    assert i.error.value == ""


# ====================================================================== Compare: alignment and widget

def test_align_puts_the_fixed_runs_extra_call_against_a_gap():
    a, b = scenarios.duplicated_token(), scenarios.duplicated_token(fixed=True)
    rows = align(a, b)
    assert [(r.a, r.b) for r in rows] == [(0, 0), (1, 1), (2, 2), (3, 3), (4, 4), (None, 5), (5, 6), (6, 7), (7, 8)]
    assert [r.kind for r in rows] == ["same"] * 5 + ["b_only", "differs", "same", "differs"]
    assert b.steps[rows[5].b].name == "GetSecurityInfo"
    assert (a.steps[rows[6].a].name, b.steps[rows[6].b].name) == ("DuplicateToken", "DuplicateTokenEx")


def test_align_gaps_unrelated_calls_rather_than_pairing_them():
    """Story 2: the save/restore fix replaces RevertToSelf with SetThreadToken(saved) + CloseHandle."""
    a, b = scenarios.nested_impersonation("revert"), scenarios.nested_impersonation("save_restore")
    rows = align(a, b)
    kinds = {(a.steps[r.a].name if r.a is not None else None, b.steps[r.b].name if r.b is not None else None): r.kind
             for r in rows}
    assert kinds[("RevertToSelf", None)] == "a_only"
    assert kinds[(None, "OpenThreadToken")] == "b_only" and kinds[(None, "CloseHandle")] == "b_only"
    assert rows[-1].kind == "differs"  # same call, different user: NETWORK SERVICE vs alice
    assert len(rows) == 11


def test_compare_table_is_the_text_twin():
    a, b = scenarios.duplicated_token(), scenarios.duplicated_token(fixed=True)
    text = compare_table(a, b)
    assert text == compare_table(scenarios.duplicated_token(), scenarios.duplicated_token(fixed=True))
    lines = text.splitlines()
    assert lines[:2] == ["A: duplicated token", "B: duplicated token (fixed)"]
    gap = next(line for line in lines if "GetSecurityInfo" in line)
    assert re.match(r"\s+5\s+-\s+5\s+B only\s+B \[svc\.exe t\d+\] GetSecurityInfo", gap)
    i = next(k for k, line in enumerate(lines) if "E_ACCESSDENIED" in line)
    assert "differs" in lines[i] and lines[i + 1].strip().startswith("B [svc.exe") and "-> <COM object" in lines[i + 1]
    assert compare_table(a, a).count("same") == len(a.steps)
    empty = tl.Trace(tl.Machine())
    assert compare_table(empty, empty, titles=("x", "y")).endswith("(neither run made a call)")


def test_compare_table_names_sids_only_when_asked():
    a, b = scenarios.nested_impersonation("revert"), scenarios.nested_impersonation("save_restore")
    default = compare_table(a, b)
    assert default == compare_table(a, b, sids=True)
    assert "SID('S-1-5-21-1004336348-1177238915-682003330-1001')" in default
    named = compare_table(a, b, sids=False)
    assert not re.search(r"S-1-5-21-\d+-\d+-\d+-\d+", named)
    last = named.splitlines()[-2:]
    assert last[0].endswith("-> SidAndAttributes(<NT AUTHORITY\\NETWORK SERVICE>, 0x00000000)")
    assert last[1].endswith("-> SidAndAttributes(<TOKENLAB\\alice>, 0x00000000)")
    fixed = compare_table(scenarios.duplicated_token(), scenarios.duplicated_token(fixed=True), sids=False)
    assert ";;;<TOKENLAB\\alice>)" in fixed and not re.search(r"S-1-5-21-\d", fixed)
    assert [ln[:22] for ln in named.splitlines()] == [ln[:22] for ln in default.splitlines()]


class _Step:
    def __init__(self, name, k):
        self.name, self.image, self.tid, self.call = name, "p.exe", 1, f"{name}()"
        self.result, self.error, self.ok = str(k), None, True


class _Trace:
    def __init__(self, names):
        self.steps = [_Step(n, k) for k, n in enumerate(names)]
        self.title = ""


NAMES = ["OpenThreadToken", "DuplicateToken", "DuplicateTokenEx", "SetThreadToken", "RevertToSelf", "CloseHandle"]


@SETTINGS
@given(st.lists(st.sampled_from(NAMES), max_size=8), st.lists(st.sampled_from(NAMES), max_size=8))
def test_align_keeps_every_step_once_and_in_order(names_a, names_b):
    rows = align(_Trace(names_a), _Trace(names_b))
    assert [r.a for r in rows if r.a is not None] == list(range(len(names_a)))
    assert [r.b for r in rows if r.b is not None] == list(range(len(names_b)))
    assert all(r.a is not None or r.b is not None for r in rows)
    paired = [(names_a[r.a], names_b[r.b]) for r in rows if r.a is not None and r.b is not None]
    # Every name the two lists share in order (difflib's matching blocks) is paired, and
    # anything else paired is alike (DuplicateToken with DuplicateTokenEx).
    common = sum(b.size for b in SequenceMatcher(None, names_a, names_b, autojunk=False).get_matching_blocks())
    assert sum(a == b for a, b in paired) >= common
    assert all(SequenceMatcher(None, a, b).ratio() >= 0.6 for a, b in paired)
    same = align(_Trace(names_a), _Trace(names_a))
    assert all(r.a == r.b and r.kind == "same" for r in same) and len(same) == len(names_a)


def test_compare_widget_steps_both_runs_together():
    a, b = scenarios.duplicated_token(), scenarios.duplicated_token(fixed=True)
    cw = Compare(a, b)
    assert cw.rows == align(a, b) and all(isinstance(r, Row) for r in cw.rows)
    assert nav_state(cw) == (True, True, False, False)
    assert "<svg" in cw.a_graph.value and "<svg" in cw.b_graph.value
    cw.slider.value = 5  # the fixed run's GetSecurityInfo
    assert "made no call" in cw.a_call.value and "GetSecurityInfo" in cw.b_call.value
    assert "<svg" in cw.a_graph.value and "only B" in cw.position.value
    cw.next.click()
    assert "DuplicateToken(" in cw.a_call.value and "DuplicateTokenEx(" in cw.b_call.value
    assert "differ" in cw.position.value
    cw.last.click()
    assert nav_state(cw) == (False, False, True, True)
    assert "E_ACCESSDENIED" in cw.a_call.value and "returned" in cw.b_call.value
    marked = [row for row in cw.calls.value.split("<tr") if "▶" in row]
    assert len(marked) == 1 and "differs" in marked[0]
    assert cw.calls.value.count("differs") == 2 and cw.calls.value.count("B only") == 1
    assert cw.error.value == ""
    assert repr(cw) == "Compare('duplicated token' vs 'duplicated token (fixed)': row 8 of 0-8: differs)"


def test_compare_two_empty_runs():
    cw = Compare(tl.Trace(tl.Machine()), tl.Trace(tl.Machine()), titles=("left", "right"))
    assert "nothing to compare" in cw.position.value and nav_state(cw) == (True, True, True, True)
    cw.next.click()
    assert cw.error.value == "" and "<svg" in cw.a_graph.value


# ====================================================================== Predict

def test_predict_reveal_waits_for_a_choice_then_locks():
    calls = []

    def run():
        calls.append(1)
        return scenarios.duplicated_token().steps[-1].error.split()[0]

    p = Predict("What does the second CoCreateInstance return?", ["S_OK", "E_ACCESSDENIED"], run,
                explain="The duplicate has a new DACL.")
    assert p.choices.value is None and p.reveal.disabled and not p.revealed
    p.reveal.click()
    assert calls == [] and p.feedback.value == ""
    p.choices.value = "S_OK"
    assert not p.reveal.disabled
    p.reveal.click()
    assert calls == [1] and p.answer == "E_ACCESSDENIED" and p.correct is False
    assert "Not quite" in p.feedback.value and "E_ACCESSDENIED" in p.feedback.value
    assert "The duplicate has a new DACL." in p.feedback.value
    assert p.choices.disabled and p.reveal.disabled
    p.reveal.click()
    assert calls == [1]
    assert p.error.value == ""


def test_predict_right_answer_with_an_explanation_tuple():
    p = Predict("2 + 2?", ["3", "4"], lambda: ("4", "arithmetic <b>says</b> so"))
    p.choices.value = "4"
    p.reveal.click()
    assert p.correct and "Right." in p.feedback.value
    assert "arithmetic &lt;b&gt;says&lt;/b&gt; so" in p.feedback.value
    assert "answer '4', right" in repr(p)


def test_predict_shows_a_failing_reveal_in_the_widget():
    p = Predict("q?", ["a", "b"], lambda: 1 / 0)
    p.choices.value = "a"
    p.reveal.click()
    assert "ZeroDivisionError" in p.error.value and not p.revealed and not p.choices.disabled
    q = Predict("q?", ["a", "b"], lambda: "c")
    q.choices.value = "a"
    q.reveal.click()
    assert "not one of the choices" in q.error.value and not q.revealed
    with pytest.raises(ValueError):
        Predict("q?", ["a"], lambda: "a")


# ====================================================================== cross-cutting

def test_a_failing_view_is_shown_in_the_error_area(monkeypatch):
    import tokenlab.view as views

    p = ScenarioPlayer(scenarios.duplicated_token())

    def broken(*args, **kwargs):
        raise RuntimeError("the view broke")

    monkeypatch.setattr(views, "object_graph", broken, raising=False)
    p.slider.value = 2  # an observer: an exception here would propagate to the caller
    assert "RuntimeError: the view broke" in p.error.value and "traceback" in p.error.value
    assert escaped(p.trace.steps[2].call) in p.call.value  # the rest still updated
    monkeypatch.undo()
    p.next.click()
    assert p.error.value == ""


def hostile_world():
    m = tl.Machine()
    m.add_user(EVIL_USER, password="pw")
    api = m.start_process(EVIL_IMAGE, user="NETWORK SERVICE").main_thread.api
    with tl.record(m, EVIL_USER) as trace:
        h = api.LogonUser(EVIL_USER, ".", "pw", LOGON32_LOGON_NETWORK, LOGON32_PROVIDER_DEFAULT)
        api.ImpersonateLoggedOnUser(h)
        t = api.OpenThreadToken(api.GetCurrentThread(), TOKEN_ALL_ACCESS, True)
        dup = api.DuplicateTokenEx(t, MAXIMUM_ALLOWED, None, SecurityImpersonation, TokenImpersonation)
        api.SetThreadToken(None, dup)
    return m, trace


def assert_inert(widget):
    """No hostile name became markup, or an invisible character, in any HTML the widget shows."""
    values = html_values(widget)
    for v in values:
        assert "<script" not in v.lower(), v[:300]
        assert "<img" not in v.lower(), v[:300]
        assert "\u202e" not in v
        assert " at 0x" not in v
    return "\n".join(values)


def test_hostile_names_stay_text_everywhere():
    m, trace = hostile_world()
    p = ScenarioPlayer(trace)
    for i in range(len(trace.steps)):
        p.slider.value = i
        for k in range(len(p.checks.children)):
            p.checks.selected_index = k
        shown = assert_inert(p)
        assert p.error.value == ""
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in shown  # visible, as text
    assert "\\u202e" in shown and "\\n" in shown and "ev&quot;il&#x27;" in shown
    assert all("\u202e" not in t for t in p.checks.titles)

    e = AccessCheckExplorer(machine=m, sddl="O:BAG:BAD:(A;;SW;;;WD)")
    assert any("<script>" in label for label, _ in e.token.options)  # option labels are plain text
    assert e.user.value == EVIL_USER
    e.token.value = "__build__"
    assert e.result is not None and e.error.value == ""
    assert_inert(e)
    e.sddl.value = "O:BAG:BAD:(A;;SW;;;<script>)"
    assert e.stale and "&lt;script&gt;" in e.feedback.value and "<script" not in e.feedback.value

    tok = next(o for o in m.live_objects() if o.object_type == "Token" and "alert" in m.sid_name(o.user))
    i = TokenInspector(tok, machine=m)
    shown = assert_inert(i)
    assert "&lt;script&gt;" in shown and i.error.value == ""

    cw = Compare(trace, trace, titles=(EVIL_USER, EVIL_IMAGE))
    cw.last.click()
    assert_inert(cw)
    text = compare_table(trace, trace, titles=(EVIL_IMAGE, EVIL_USER))
    assert "\u202e" not in text and "\\u202e" in text
    assert len(text.splitlines()) == 4 + len(trace.steps)  # the image's newline did not split a row

    q = Predict(EVIL_USER, [EVIL_USER, EVIL_IMAGE], lambda: (EVIL_IMAGE, EVIL_USER), explain=EVIL_IMAGE)
    q.choices.value = EVIL_USER
    q.reveal.click()
    assert_inert(q)
    assert q.answer == EVIL_IMAGE and all("\u202e" not in label for label, _ in q.choices.options)


def test_widgets_are_deterministic_and_address_free():
    def build():
        a, b = scenarios.duplicated_token(), scenarios.duplicated_token(fixed=True)
        p = ScenarioPlayer(a)
        p.last.click()
        e = AccessCheckExplorer(machine=a.machine)
        i = TokenInspector(next(o for o in a.machine.live_objects() if o.object_type == "Token"), machine=a.machine)
        cw = Compare(a, b)
        cw.slider.value = 6
        q = Predict("q?", ["a", "b"], lambda: "a")
        return [p, e, i, cw, q]

    first, second = build(), build()
    for x, y in zip(first, second):
        assert repr(x) == repr(y) and " at 0x" not in repr(x)
        assert html_values(x) == html_values(y)
        assert not any(" at 0x" in v for v in html_values(x))


def test_tokenlab_and_its_views_do_not_import_ipywidgets():
    code = ("import sys, tokenlab, tokenlab.view, tokenlab.view.compare; "
            "print('ipywidgets' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "False"


# ====================================================================== random sequences

PLAYER_TRACES = {
    "duplicated": scenarios.duplicated_token,
    "fixed": lambda: scenarios.duplicated_token(fixed=True),
    **{p: (lambda p=p: scenarios.nested_impersonation(p)) for p in PATTERNS},
    "empty": lambda: tl.Trace(tl.Machine(), "empty"),
}
NAV = st.one_of(st.sampled_from(["first", "back", "next", "last"]), st.integers(-2, 12))


def drive_nav(w, action):
    if isinstance(action, str):
        getattr(w, action).click()
    elif w.slider.min <= action <= w.slider.max:
        w.slider.value = action


def assert_nav_consistent(w, n):
    assert 0 <= w.slider.value <= max(n - 1, 0)
    at_start, at_end = w.slider.value == 0 or n == 0, w.slider.value == n - 1 or n == 0
    assert nav_state(w) == (at_start, at_start, at_end, at_end)


@SETTINGS
@given(st.sampled_from(sorted(PLAYER_TRACES)),
       st.lists(st.one_of(NAV, st.just("fit"), st.integers(0, 3).map(lambda k: ("check", k))), max_size=10))
def test_random_player_sequences(name, actions):
    trace = PLAYER_TRACES[name]()
    p = ScenarioPlayer(trace)
    for action in actions:
        if isinstance(action, tuple):
            if action[1] < len(p.checks.children):
                p.checks.selected_index = action[1]
        elif action == "fit":
            p.fit.value = not p.fit.value
        else:
            drive_nav(p, action)
        assert p.error.value == "", p.error.value
        assert_nav_consistent(p, len(trace.steps))
        if trace.steps:
            assert escaped(trace.steps[p.slider.value].call) in p.call.value


@SETTINGS
@given(st.lists(NAV, max_size=10))
def test_random_compare_sequences(actions):
    cw = Compare(scenarios.duplicated_token(), scenarios.duplicated_token(fixed=True))
    for action in actions:
        drive_nav(cw, action)
        assert cw.error.value == ""
        assert_nav_consistent(cw, len(cw.rows))


SDDLS = ["O:BAG:BAD:(A;;SWRC;;;WD)", "O:BAG:BAD:(D;;SW;;;BU)(A;;GA;;;WD)", "D:NO_ACCESS_CONTROL", "D:", "O:BA",
         "O:BAG:BAD:(A;;SW;;;BX)", "D:(", "", "O:SYG:SYD:(A;;0x1f01ff;;;SY)(A;;RC;;;AU)S:(ML;;NW;;;HI)"]
RIGHTS = ["TOKEN_QUERY", "TOKEN_DUPLICATE", "READ_CONTROL", "GENERIC_READ", "GENERIC_ALL", "MAXIMUM_ALLOWED",
          "ACCESS_SYSTEM_SECURITY"]
EXPLORER_ACTIONS = st.one_of(
    st.tuples(st.just("sddl"), st.sampled_from(SDDLS)),
    st.tuples(st.just("rights"), st.lists(st.sampled_from(RIGHTS), max_size=3, unique=True).map(tuple)),
    st.tuples(st.just("token"), st.integers(0, 5)),
    st.tuples(st.just("map_generic"), st.booleans()),
    st.tuples(st.just("as_kernel"), st.booleans()),
    st.tuples(st.just("groups"), st.sampled_from(["WD", "WD, BA", "alice", "S-1-5-11", "??", ""])),
    st.tuples(st.just("object_type"), st.sampled_from(["Token", "File", "Event"])),
)
_EXPLORER_MACHINE = scenarios.duplicated_token().machine


@SETTINGS
@given(st.lists(EXPLORER_ACTIONS, max_size=8))
def test_random_explorer_sequences(actions):
    e = AccessCheckExplorer(alice(), SDDLS[0], machine=_EXPLORER_MACHINE)
    for what, value in actions:
        if what == "token":
            e.token.value = e.token.options[value % len(e.token.options)][1]
        elif what == "rights":
            e.rights.value = tuple(v for v in value if v in e.rights.options)
        else:
            getattr(e, what).value = value
        assert e.error.value == "", e.error.value
        try:
            sd = tl.parse_sddl(e.sddl.value.strip(), _EXPLORER_MACHINE.domain_sid)
        except ValueError:
            assert e.stale
            continue
        try:
            token = e.current_token()
        except (KeyError, ValueError):
            assert e.stale
            continue
        # Valid input: the widget shows exactly the model's answer.
        direct = tl.access_check(sd, token, e.desired, e.mapping, map_generic=e.map_generic.value,
                                 require_impersonation=not e.as_kernel.value)
        assert not e.stale
        assert (e.result.granted, e.result.status) == (direct.granted, direct.status)
        assert escaped(str(direct)) in e.narrative.value and "<svg" in e.graph.value


@SETTINGS
@given(st.lists(st.one_of(st.sampled_from(["reveal"]), st.sampled_from(["yes", "no", "maybe"])), max_size=6),
       st.sampled_from(["yes", "no", "boom"]))
def test_random_predict_sequences(actions, truth):
    def run():
        if truth == "boom":
            raise RuntimeError("model failed")
        return truth

    p = Predict("?", ["yes", "no", "maybe"], run)
    picked_before_reveal = None
    for action in actions:
        if action == "reveal":
            p.reveal.click()
        elif not p.choices.disabled:
            p.choices.value = action
            picked_before_reveal = action
        assert p.reveal.disabled == (p.choices.value is None or p.revealed)
        if truth == "boom":
            assert not p.revealed and ("RuntimeError" in p.error.value or p.error.value == "")
        else:
            assert p.error.value == ""
            if p.revealed:
                assert p.choices.disabled and p.correct == (picked_before_reveal == truth)


def test_player_keeps_every_node_still_and_shows_the_legend_as_a_strip():
    p = ScenarioPlayer(scenarios.duplicated_token())
    assert "tokenlab-legend" in p.legend.value and "cluster_legend" not in p.graph.value
    sizes = set()
    for _ in range(len(p.trace.steps)):
        sizes.add(re.search(r'<svg width="(\d+)pt" height="(\d+)pt"', p.graph.value).groups())
        p.next.click()
    assert len(sizes) == 1, "one layout for the whole trace: every step's picture has one size"
    assert p.children.index(p.graph) < p.children.index(p.calls)


def test_static_player_prerenders_every_step_in_a_linked_stack():
    import ipywidgets as w

    trace = scenarios.duplicated_token()
    p = ScenarioPlayer(trace, static=True)
    assert isinstance(p.pages, w.Stack) and len(p.pages.children) == len(trace.steps)
    assert p.pages in p.children and p.next not in p.children[1].children
    for i, page in enumerate(p.pages.children):
        def texts(box):
            for ch in box.children:
                yield from texts(ch) if isinstance(ch, w.Box) else ([ch.value] if isinstance(ch, w.HTML) else [])
        html = "".join(texts(page))
        assert f"trace.steps[{i}]" in html and "<svg" in html
    links = [m for m in p.links if m.source[0] is p.slider and m.target[0] is p.pages]
    assert links, "the slider drives the pages in the browser (jslink), no kernel needed"


def test_compare_highlights_what_differs_between_the_runs():
    from tokenlab.view import DIFF_STYLES

    cw = Compare(scenarios.duplicated_token(), scenarios.duplicated_token(fixed=True))
    k = next(k for k, r in enumerate(cw.rows) if r.kind == "differs")
    cw.slider.value = k
    assert "<svg" in cw.diff_graph.value and "<svg" in cw.a_graph.value and "<svg" in cw.b_graph.value
    g = cw._diff_graph(k)
    line = next(ln for ln in g.source.splitlines() if ln.strip().startswith("token_8 ["))
    assert DIFF_STYLES["changed"]["fillcolor"] in line, "the duplicate differs between the runs: highlighted"
    assert "was: DACL: alice, SYSTEM" in line
    assert "Token#8" in cw.differences.value and "was:" in cw.differences.value
    assert all(cw._diff_graph(k).engine == "neato" for k in range(len(cw.rows))), "one layout for every row"
    static = Compare(scenarios.duplicated_token(), scenarios.duplicated_token(fixed=True), static=True)
    assert len(static.pages.children) == len(static.rows) and static.links


# ------------------------------------------------------------------ the player's graph window
def test_changed_span_finds_the_coloured_box_in_the_svg():
    """A box drawn lower in the picture has a larger fraction; uncoloured pictures have none."""
    import graphviz

    from tokenlab.ui import _common as c
    from tokenlab.view import DIFF_STYLES, svg

    def span(fill_a, fill_b):
        g = graphviz.Digraph(graph_attr={"rankdir": "TB"}, node_attr={"shape": "box", "style": "filled"})
        g.node("a", fillcolor=fill_a)
        g.node("b", fillcolor=fill_b)
        g.edge("a", "b")
        s = svg(g)
        return c.changed_span(s[s.find("<svg"):])

    green, amber = DIFF_STYLES["added"]["fillcolor"], DIFF_STYLES["changed"]["fillcolor"]
    top, low = span(green, "white"), span("white", amber)
    assert top is not None and low is not None
    assert 0 <= top[0] < top[1] < low[0] < low[1] <= 1
    assert span("white", "white") is None


def test_player_graph_opens_on_what_the_call_changed():
    from tokenlab.scenarios import duplicated_token

    p = ScenarioPlayer(duplicated_token(via="pipe"))
    dup = next(s.index for s in p.trace.steps if s.name == "DuplicateToken")
    p.slider.value = dup
    html = p.graph.value
    assert "scroll-initial-target:nearest" in html and "max-height:max(300px" in html
    top = float(re.search(r"top:([\d.]+)%", html).group(1))
    assert 0 < top < 100
    quiet = next(s.index for s in p.trace.steps if s.name == "WriteFile")  # changes nothing drawn
    p.slider.value = quiet
    assert "scroll-initial-target" not in p.graph.value and "max-height:max(300px" in p.graph.value


def test_player_prerenders_every_step_when_it_is_made():
    """'next' only swaps HTML: each step's picture is in the SVG cache once the player exists
    (a player once asked for a checkbox made after the pre-render, which failed silently)."""
    from tokenlab import view
    from tokenlab.scenarios import duplicated_token

    view.clear_cache()
    p = ScenarioPlayer(duplicated_token(via="pipe"))
    for i in range(len(p.trace.steps)):
        g = p._graph_of(i)
        assert (g.source, g.engine) in view._cache, f"step {i} was not pre-rendered"
