"""The descriptor graph and its text twin: structure, colours, DACL states, determinism, escaping.

Assertions are on the DOT source (``graph.source``) and on the text table, never on a
picture; the one exception renders through ``dot -Tsvg`` to prove hostile names stay text.
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
from dot_lines import edge_line, node_line


def unfolded(line: str) -> str:
    """A DOT statement with its labels' line breaks undone (the picture folds long lines
    to fit a notebook column: after a '|' or at a blank)."""
    line = re.sub(r"</?[BI]>", "", line)
    return line.replace("|<BR/>", "|").replace("<BR/>", " ")
from dot_lines import has_style as _has_style

from tokenlab import SID, Token
from tokenlab.security.access_check import access_check
from tokenlab.security.rights import FILE_MAPPING, FileAccess
from tokenlab.security.descriptor import parse_sddl
from tokenlab.view import descriptor_graph, descriptor_table, svg
from tokenlab.view.descriptor import DACL_STATE_TEXT, STYLES

ROOT = Path(__file__).resolve().parents[1]
needs_dot = pytest.mark.skipif(shutil.which("dot") is None, reason="Graphviz 'dot' binary not installed")

ALICE = SID("S-1-5-21-1-2-3-1001")
READ = int(FileAccess.FILE_READ_DATA)
WRITE = int(FileAccess.FILE_WRITE_DATA)
READ_CONTROL = int(FileAccess.READ_CONTROL)
WRITE_DAC = int(FileAccess.WRITE_DAC)
MAXIMUM_ALLOWED = 0x02000000

# Deny Guests write; allow Users everything; an inherit-only ACE; allow Everyone read.
FILE_SDDL = "O:BAG:SYD:(D;;FW;;;BG)(A;;FA;;;BU)(A;OICIIO;GA;;;CO)(A;;FR;;;WD)"


def has_style(line: str, key: str) -> bool:
    return _has_style(line, STYLES[key])


def alice(*groups, **kw) -> Token:
    return Token(ALICE, ["S-1-1-0", "S-1-5-32-545", *groups], **kw)


def text(line: str) -> str:
    """A DOT statement with its label's bold/italic tags and line breaks undone (masks break
    after '|', sentences at a blank)."""
    line = re.sub(r"</?[BI]>", "", line)
    return re.sub(r"(?<=\|)<BR/>", "", line).replace("<BR/>", " ")


# ------------------------------------------------------------------ structure

def test_descriptor_parts_aces_and_sids_are_nodes_with_stable_ids():
    src = descriptor_graph(parse_sddl(FILE_SDDL)).source
    for part in ("sd", "owner", "group", "dacl", "sacl", "dacl_0", "dacl_1", "dacl_2", "dacl_3"):
        node_line(src, part)
    for a, b in [("sd", "owner"), ("sd", "group"), ("sd", "dacl"), ("sd", "sacl"),
                 ("owner", "sid_S_1_5_32_544"), ("group", "sid_S_1_5_18"),
                 ("dacl_0", "sid_S_1_5_32_546"), ("dacl_1", "sid_S_1_5_32_545"),
                 ("dacl_2", "sid_S_1_3_0"), ("dacl_3", "sid_S_1_1_0")]:
        edge_line(src, a, b)
    assert "S-1-5-32-546 (BG)" in node_line(src, "sid_S_1_5_32_546")
    assert "BUILTIN\\\\Guests" in node_line(src, "sid_S_1_5_32_546")  # '\' doubled for DOT
    assert "verdict" not in src, "no result, no verdict"


def test_aces_are_drawn_in_dacl_order():
    src = descriptor_graph(parse_sddl(FILE_SDDL)).source
    order = re.findall(r"^\s*dacl -> (dacl_\d+)", src, re.M)
    assert order == ["dacl_0", "dacl_1", "dacl_2", "dacl_3"]
    assert "ordering=out" in src


def test_ace_node_shows_index_type_flags_and_mask_names():
    sd = parse_sddl(FILE_SDDL)
    line = node_line(descriptor_graph(sd, mapping=FILE_MAPPING).source, "dacl_2")
    for text in ("2: allow", "ACCESS_ALLOWED_ACE_TYPE", "OBJECT_INHERIT_ACE", "INHERIT_ONLY_ACE",
                 "GENERIC_ALL (0x10000000)"):
        assert text in line
    r = access_check(sd, alice(), READ, FILE_MAPPING)
    assert "FILE_ALL_ACCESS (0x001F01FF)" in unfolded(node_line(descriptor_graph(sd, r).source, "dacl_1"))


def test_sid_nodes_are_shared_and_names_override():
    sd = parse_sddl(f"O:{ALICE}G:SYD:(A;;FA;;;{ALICE})(A;;FR;;;WD)")
    src = descriptor_graph(sd, names={ALICE.text: "alice"}).source
    assert src.count(f"\tsid_{ALICE.text.replace('-', '_')} [") == 1
    edge_line(src, "owner", "sid_S_1_5_21_1_2_3_1001")
    edge_line(src, "dacl_0", "sid_S_1_5_21_1_2_3_1001")
    assert "<B>alice</B>" in node_line(src, "sid_S_1_5_21_1_2_3_1001")


def test_sacl_label_ace_uses_label_policy_names():
    sd = parse_sddl("O:BAG:SYD:(A;;FA;;;WD)S:(ML;;NWNR;;;HI)")
    src = descriptor_graph(sd).source
    line = node_line(src, "sacl_0")
    assert "SYSTEM_MANDATORY_LABEL_NO_WRITE_UP" in line and "0: label" in line
    edge_line(src, "sacl_0", "sid_S_1_16_12288")
    assert "High Mandatory Level" in node_line(src, "sid_S_1_16_12288")


# ------------------------------------------------------------------ the check drawn

def test_deny_before_allow_colours_the_deny_red_and_labels_its_edge():
    sd = parse_sddl(f"O:BAG:SYD:(D;;FW;;;{ALICE})(A;;FA;;;BU)")
    r = access_check(sd, alice(), READ | WRITE, FILE_MAPPING)
    assert not r.allowed
    src = descriptor_graph(sd, r).source
    assert has_style(node_line(src, "dacl_0"), "ace_denied")
    assert has_style(node_line(src, "dacl_1"), "ace_not_reached")
    edge = edge_line(src, "dacl_0", "verdict")
    assert "denies FILE_WRITE_DATA" in unfolded(edge) and has_style(edge, "edge_denied")
    verdict = node_line(src, "verdict")
    assert "ERROR_ACCESS_DENIED (5)" in verdict and has_style(verdict, "verdict_denied")


def test_allow_before_deny_colours_the_allow_green_and_labels_its_edge():
    sd = parse_sddl(f"O:BAG:SYD:(A;;FA;;;BU)(D;;FW;;;{ALICE})")
    r = access_check(sd, alice(), READ | WRITE, FILE_MAPPING)
    assert r.allowed
    src = descriptor_graph(sd, r).source
    assert has_style(node_line(src, "dacl_0"), "ace_granted")
    edge = edge_line(src, "dacl_0", "verdict")
    assert "grants FILE_READ_DATA|FILE_WRITE_DATA" in text(edge) and has_style(edge, "edge_granted")
    assert has_style(node_line(src, "dacl_1"), "ace_not_reached")
    verdict = node_line(src, "verdict")
    assert "granted FILE_READ_DATA|FILE_WRITE_DATA (0x00000003)" in text(verdict)
    assert has_style(verdict, "verdict_granted")
    assert STYLES["ace_granted"]["fillcolor"] != STYLES["ace_denied"]["fillcolor"]


def test_matched_without_effect_not_matched_and_inherit_only_have_their_own_look():
    sd = parse_sddl("O:BAG:SYD:(A;OICIIO;GA;;;CO)(D;;FW;;;BG)(A;;FR;;;BU)(A;;FA;;;WD)")
    r = access_check(sd, alice(), MAXIMUM_ALLOWED, FILE_MAPPING)
    src = descriptor_graph(sd, r).source
    assert has_style(node_line(src, "dacl_0"), "ace_skipped")
    assert "skipped: inherit-only" in node_line(src, "dacl_0")
    assert has_style(node_line(src, "dacl_1"), "ace_not_matched")
    assert has_style(node_line(src, "dacl_2"), "ace_granted")
    assert has_style(node_line(src, "dacl_3"), "ace_granted")
    assert "dacl_1 -> verdict" not in src and "dacl_0 -> verdict" not in src
    # Everyone's ACE adds what Users' did not: only the new bits label its edge.
    assert "FILE_WRITE_DATA" in edge_line(src, "dacl_3", "verdict")
    assert "FILE_READ_DATA" not in edge_line(src, "dacl_3", "verdict")

    sd2 = parse_sddl("O:BAG:SYD:(A;;FA;;;BU)(A;;FR;;;WD)")
    src2 = descriptor_graph(sd2, access_check(sd2, alice(), READ, FILE_MAPPING)).source
    assert has_style(node_line(src2, "dacl_1"), "ace_not_reached")
    src3 = descriptor_graph(sd2, access_check(sd2, alice(), MAXIMUM_ALLOWED, FILE_MAPPING)).source
    assert has_style(node_line(src3, "dacl_1"), "ace_no_effect")


def test_owner_implied_rights_are_marked():
    sd = parse_sddl(f"O:{ALICE}G:SYD:(A;;FR;;;WD)")
    r = access_check(sd, alice(), READ | READ_CONTROL | WRITE_DAC, FILE_MAPPING)
    assert r.allowed
    src = descriptor_graph(sd, r).source
    assert has_style(node_line(src, "owner"), "owner_implied")
    edge = edge_line(src, "owner", "verdict")
    assert "READ_CONTROL|WRITE_DAC" in unfolded(edge) and has_style(edge, "edge_granted")


def test_integrity_and_privilege_steps_are_drawn():
    sd = parse_sddl("O:BAG:SYD:(A;;FA;;;WD)S:(ML;;NW;;;HI)")
    r = access_check(sd, alice(), WRITE, FILE_MAPPING)
    src = descriptor_graph(sd, r).source
    assert has_style(node_line(src, "integrity"), "check_stopped")
    edge_line(src, "integrity", "verdict")
    assert has_style(node_line(src, "dacl_0"), "ace_not_reached")

    sd = parse_sddl("O:BAG:SYD:(A;;FA;;;WD)")
    r = access_check(sd, alice(privileges={"SeSecurityPrivilege": True}), 0x01000000 | READ, FILE_MAPPING)
    assert r.allowed
    src = descriptor_graph(sd, r).source
    assert "SeSecurityPrivilege" in node_line(src, "privileges")
    assert has_style(node_line(src, "privileges"), "check_granted")

    r = access_check(sd, alice(), 0x01000000, FILE_MAPPING)
    src = descriptor_graph(sd, r).source
    assert has_style(node_line(src, "privileges"), "check_stopped")
    assert "ERROR_PRIVILEGE_NOT_HELD (1314)" in unfolded(node_line(src, "verdict"))


def test_verdict_names_a_call_failure():
    sd = parse_sddl("G:SYD:(A;;FA;;;WD)")
    r = access_check(sd, alice(), READ, FILE_MAPPING)
    src = descriptor_graph(sd, r).source
    assert "AccessCheck failed: ERROR_INVALID_SECURITY_DESCR (1338)" in text(node_line(src, "verdict"))
    assert has_style(node_line(src, "verdict"), "verdict_failed")
    assert has_style(node_line(src, "owner"), "missing")


def test_restricted_pass_is_labelled():
    sd = parse_sddl("O:BAG:SYD:(A;;FA;;;WD)")
    r = access_check(sd, alice(restricted_sids=["S-1-1-0"]), READ, FILE_MAPPING)
    src = descriptor_graph(sd, r).source
    assert "walked twice" in node_line(src, "dacl")
    assert any("restricted pass" in ln for ln in src.splitlines() if "dacl_0 -> verdict" in ln)


# ------------------------------------------------------------------ the three DACL states

STATES = {"absent": "O:BAG:SY", "null": "O:BAG:SYD:NO_ACCESS_CONTROL", "empty": "O:BAG:SYD:"}


@pytest.mark.parametrize("state", STATES)
def test_each_dacl_state_says_what_it_means(state):
    sd = parse_sddl(STATES[state])
    assert sd.dacl_state == state
    line = node_line(descriptor_graph(sd).source, "dacl")
    assert DACL_STATE_TEXT[state].split(" (")[0] in unfolded(line)
    assert has_style(line, f"dacl_{state}")
    assert DACL_STATE_TEXT[state] in descriptor_table(sd)


def test_dacl_states_look_different_and_decide_differently():
    lines = {s: node_line(descriptor_graph(parse_sddl(t)).source, "dacl") for s, t in STATES.items()}
    assert len({re.sub(r"label=<.*?> ", "", ln) for ln in lines.values()}) == 3, lines
    verdicts = {}
    for s, t in STATES.items():
        sd = parse_sddl(t)
        verdicts[s] = node_line(descriptor_graph(sd, access_check(sd, alice(), READ, FILE_MAPPING)).source,
                                "verdict")
    assert "granted FILE_READ_DATA" in verdicts["absent"]
    assert "granted FILE_READ_DATA" in verdicts["null"]
    assert "ERROR_ACCESS_DENIED" in verdicts["empty"]
    # Empty DACL: the owner still gets READ_CONTROL|WRITE_DAC.
    sd = parse_sddl(f"O:{ALICE}G:SYD:")
    r = access_check(sd, alice(), READ_CONTROL | WRITE_DAC, FILE_MAPPING)
    assert r.allowed
    assert "owner -> verdict" in descriptor_graph(sd, r).source


# ------------------------------------------------------------------ determinism

_BUILD = f"""
from tokenlab import SID, Token
from tokenlab.security.access_check import access_check
from tokenlab.security.rights import FILE_MAPPING
from tokenlab.security.descriptor import parse_sddl
from tokenlab.view import descriptor_graph, descriptor_table
sd = parse_sddl({FILE_SDDL + 'S:(ML;;NW;;;ME)'!r})
tok = Token(SID({ALICE.text!r}), ["S-1-1-0", "S-1-5-32-545", ("S-1-5-32-546", 0x10)],
            restricted_sids=["S-1-1-0", "S-1-5-32-545"])
r = access_check(sd, tok, 0x02000000, FILE_MAPPING)
print(descriptor_graph(sd, r, names={{SID({ALICE.text!r}): "alice"}}).source)
print(descriptor_table(sd, r, names={{SID({ALICE.text!r}): "alice"}}))
"""


def test_same_input_gives_byte_identical_dot_and_table():
    def build():
        sd = parse_sddl(FILE_SDDL + "S:(ML;;NW;;;ME)")
        tok = Token(ALICE, ["S-1-1-0", "S-1-5-32-545", ("S-1-5-32-546", 0x10)],
                    restricted_sids=["S-1-1-0", "S-1-5-32-545"])
        r = access_check(sd, tok, MAXIMUM_ALLOWED, FILE_MAPPING)
        return (descriptor_graph(sd, r, names={ALICE: "alice"}).source + "\n"
                + descriptor_table(sd, r, names={ALICE: "alice"}) + "\n")

    first = build()
    assert build() == first
    outputs = set()
    for seed in ("0", "1", "12345"):  # set and dict order must not leak into the output
        env = {**os.environ, "PYTHONHASHSEED": seed}
        proc = subprocess.run([sys.executable, "-c", _BUILD], cwd=ROOT, env=env,
                              capture_output=True, text=True, timeout=120, check=True)
        outputs.add(proc.stdout)
    assert outputs == {first}
    assert " at 0x" not in first


# ------------------------------------------------------------------ escaping

HOSTILE = '<script>alert("x")</script> {a|b} \\N C:\\Users\\ new\nline \u202egnp.exe & \'q\' שלום'
HOSTILE_VISIBLE = HOSTILE.replace("\n", "\\n").replace("\u202e", "\\u202e")


def hostile_graph():
    sd = parse_sddl(f"O:{ALICE}G:SYD:(A;;FA;;;{ALICE})")
    r = access_check(sd, alice(), READ, FILE_MAPPING)
    return sd, r, descriptor_graph(sd, r, names={ALICE: HOSTILE})


def test_hostile_names_are_escaped_in_dot():
    _, _, g = hostile_graph()
    line = node_line(g.source, "sid_S_1_5_21_1_2_3_1001")
    assert "<script>" not in g.source and "</script>" not in g.source
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;" in line
    assert "\\\\N C:\\\\Users\\\\" in line, "backslashes must be doubled (Graphviz expands \\N)"
    assert "\n" not in line and "\u202e" not in line
    assert "new\\\\nline" in line and "\\\\u202egnp.exe" in line
    assert "&amp; &#x27;q&#x27; שלום" in line


@needs_dot
def test_hostile_names_render_as_literal_text_in_svg():
    _, _, g = hostile_graph()
    text = svg(g)
    root = ET.fromstring(text)  # well-formed XML, or this raises
    ns = "{http://www.w3.org/2000/svg}"
    assert not [el for el in root.iter() if el.tag in (f"{ns}script", "script")]
    drawn = "".join("".join(el.itertext()) for el in root.iter(f"{ns}text"))
    assert HOSTILE_VISIBLE in drawn
    assert "&lt;script&gt;" in text and "<script" not in text


@needs_dot
def test_svg_is_cached_by_source():
    _, _, g1 = hostile_graph()
    _, _, g2 = hostile_graph()
    assert g1 is not g2 and g1.source == g2.source
    assert svg(g1) is svg(g2)
    assert svg(g1).lstrip().startswith("<?xml")


def test_hostile_names_stay_on_one_line_in_the_text_twin():
    sd, r, _ = hostile_graph()
    table = descriptor_table(sd, r, names={ALICE: HOSTILE})
    plain = descriptor_table(sd, r, names={ALICE: "alice"})
    assert len(table.splitlines()) == len(plain.splitlines())
    assert HOSTILE_VISIBLE in table
    assert "\u202e" not in table


# ------------------------------------------------------------------ the text twin

def test_text_twin_lists_parts_aces_effects_and_verdict():
    sd = parse_sddl(FILE_SDDL)
    tok = alice(("S-1-5-32-546", 0x10))  # Guests, deny-only
    r = access_check(sd, tok, READ | WRITE, FILE_MAPPING)
    table = descriptor_table(sd, r)
    lines = table.splitlines()
    assert lines[0] == "control    SE_DACL_PRESENT"
    assert lines[1] == "owner      S-1-5-32-544 (BA)  BUILTIN\\Administrators"
    assert lines[3] == "DACL       4 ACEs, read in order"
    header = lines[4].split()
    assert header == ["#", "type", "flags", "mask", "SID", "name", "effect"]
    row0 = lines[6]
    assert row0.split()[:2] == ["0", "deny"]
    assert "FILE_GENERIC_WRITE (0x00120116)" in row0 and row0.endswith("denies FILE_WRITE_DATA")
    assert "OICIIO" in lines[8] and lines[8].endswith("not reached")
    assert "verdict    ERROR_ACCESS_DENIED (5)" in lines
    assert all(ln == ln.rstrip() for ln in lines)
    # Columns line up: every ACE row puts its mask where the header says.
    col = lines[4].index("mask")
    assert all(ln[col:].startswith(("FILE_", "GENERIC_", "-")) for ln in lines[5:10])


def test_text_twin_by_name_alone_only_when_asked():
    sd = parse_sddl(f"O:{ALICE.text}G:BAD:(A;;FA;;;{ALICE.text})(A;;FR;;;WD)(A;;FR;;;S-1-5-21-1-2-3-1002)")
    r = access_check(sd, alice(), READ, FILE_MAPPING)
    default = descriptor_table(sd, r, names={ALICE: "TOKENLAB\\alice"})
    assert default == descriptor_table(sd, r, names={ALICE: "TOKENLAB\\alice"}, sids=True)
    assert "owner      S-1-5-21-1-2-3-1001  TOKENLAB\\alice" in default.splitlines()
    assert default.splitlines()[4].split() == ["#", "type", "flags", "mask", "SID", "name", "effect"]
    named = descriptor_table(sd, r, names={ALICE: "TOKENLAB\\alice"}, sids=False)
    lines = named.splitlines()
    assert ALICE.text not in named
    assert lines[1] == "owner      TOKENLAB\\alice" and lines[2] == "group      BUILTIN\\Administrators"
    assert lines[4].split() == ["#", "type", "flags", "mask", "name", "effect"]
    assert re.match(r"  0  allow  -  +FILE_ALL_ACCESS \(0x001F01FF\) +TOKENLAB\\alice +grants", lines[6])
    assert "  Everyone  " in lines[7]
    # A SID with no name has only its SID string to show.
    assert "S-1-5-21-1-2-3-1002" in lines[8]
    # Same rows, same verdict.
    assert len(lines) == len(default.splitlines()) and lines[-3:] == default.splitlines()[-3:]


def test_text_twin_without_a_result_has_no_effect_column():
    table = descriptor_table(parse_sddl(FILE_SDDL), mapping=FILE_MAPPING)
    assert "effect" not in table and "verdict" not in table
    assert "FILE_ALL_ACCESS (0x001F01FF)" in table
