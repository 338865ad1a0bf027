"""The token graph and its text twin: a token's identity, groups, privileges, DACLs and
provenance, and what differs from another token.

Assertions are on the DOT source and on the text table; one test renders through
``dot -Tsvg`` to prove hostile names stay text. Expected names and ids come from the
model, not from constants written here.
"""
from __future__ import annotations

import re
import shutil
import xml.etree.ElementTree as ET

import pytest
from dot_lines import diff_marks, edge_line, node_line
from dot_lines import has_style as _has_style

import tokenlab as tl
from tokenlab import SID, GroupAttributes, PrivilegeAttributes, SidAndAttributes, Token
from tokenlab.win32 import constants as C
from tokenlab.security.acl import ACE, ACL
from tokenlab.scenarios import duplicated_token
from tokenlab.teaching.snapshot import TokenState, token_state
from tokenlab.view import DIFF_STYLES, svg, token_graph, token_table
from tokenlab.view.tokens import STYLES, group_state, privilege_state

needs_dot = pytest.mark.skipif(shutil.which("dot") is None, reason="Graphviz 'dot' binary not installed")
ALL_STYLES = {**STYLES, **DIFF_STYLES}

G = GroupAttributes
ENABLED = G.SE_GROUP_MANDATORY | G.SE_GROUP_ENABLED_BY_DEFAULT | G.SE_GROUP_ENABLED
DISABLED = G(0)
DENY_ONLY = G.SE_GROUP_USE_FOR_DENY_ONLY
ALICE = SID("S-1-5-21-1-2-3-1001")
EVERYONE, USERS, GUESTS = SID("S-1-1-0"), SID("S-1-5-32-545"), SID("S-1-5-32-546")


def has_style(line: str, key: str) -> bool:
    return _has_style(line, ALL_STYLES[key])


def marked(line: str) -> set[str]:
    return diff_marks(line, ALL_STYLES)


def node_id(sid: SID, prefix: str = "group") -> str:
    return f"{prefix}_{sid.text.replace('-', '_')}"


def text(line: str) -> str:
    line = re.sub(r"</?[BI]>", "", line)
    return re.sub(r"(?<=[|)])<BR/>", "", line).replace("<BR/>", " ")


def hand_token(**kw) -> Token:
    groups = [SidAndAttributes(EVERYONE, ENABLED), SidAndAttributes(USERS, DISABLED),
              SidAndAttributes(GUESTS, DENY_ONLY)]
    return Token(ALICE, groups, privileges={"SeChangeNotifyPrivilege": True, "SeShutdownPrivilege": False},
                 default_dacl=ACL([ACE.allow(ALICE, 0x10000000), ACE.deny(GUESTS, 0x40000000)]), **kw)


def story():
    """(snapshot after DuplicateToken, the duplicate's state, the original's state)."""
    trace = duplicated_token()
    step = next(s for s in trace.steps if s.name == "DuplicateToken")
    snap = step.snapshot
    (new,) = {t.object_id for t in snap.tokens} - {t.object_id for t in trace.snapshots()[step.index].tokens}
    dup = snap.token(new)
    return snap, dup, snap.token(dup.duplicated_from)


# ------------------------------------------------------------------ decoding attributes

@pytest.mark.parametrize("attrs, key, word", [
    (ENABLED, "group_enabled", "enabled"),
    (G.SE_GROUP_MANDATORY, "group_disabled", "disabled"),
    (G.SE_GROUP_MANDATORY | G.SE_GROUP_USE_FOR_DENY_ONLY, "group_deny_only", "deny-only"),
    # Deny-only wins even if a stray ENABLED bit is set: the group still only matches deny ACEs.
    (ENABLED | G.SE_GROUP_USE_FOR_DENY_ONLY, "group_deny_only", "deny-only"),
    (ENABLED | G.SE_GROUP_LOGON_ID, "group_enabled", "logon SID"),
    (ENABLED | G.SE_GROUP_OWNER, "group_enabled", "may own new objects"),
])
def test_group_attributes_decode(attrs, key, word):
    got_key, words = group_state(int(attrs))
    assert got_key == key and word in words and f"0x{int(attrs):08X}" in words


@pytest.mark.parametrize("attrs, key, words", [
    (PrivilegeAttributes.SE_PRIVILEGE_ENABLED | PrivilegeAttributes.SE_PRIVILEGE_ENABLED_BY_DEFAULT,
     "privilege_enabled", "enabled"),
    (PrivilegeAttributes.SE_PRIVILEGE_ENABLED, "privilege_enabled", "enabled (disabled by default)"),
    (PrivilegeAttributes(0), "privilege_disabled", "disabled"),
    (PrivilegeAttributes.SE_PRIVILEGE_ENABLED_BY_DEFAULT, "privilege_disabled", "disabled (enabled by default)"),
    (PrivilegeAttributes.SE_PRIVILEGE_REMOVED, "privilege_removed", "removed"),
])
def test_privilege_attributes_decode(attrs, key, words):
    assert privilege_state(int(attrs)) == (key, words)


# ------------------------------------------------------------------ contents

def test_groups_enabled_disabled_and_deny_only_look_and_read_differently():
    tok = hand_token()
    src = token_graph(tok).source
    lines = {sid: node_line(src, node_id(sid)) for sid in (EVERYONE, USERS, GUESTS)}
    assert has_style(lines[EVERYONE], "group_enabled") and "enabled" in lines[EVERYONE]
    assert has_style(lines[USERS], "group_disabled") and "disabled" in lines[USERS]
    assert has_style(lines[GUESTS], "group_deny_only") and "deny-only" in lines[GUESTS]
    assert "dashed" in STYLES["group_deny_only"]["style"] and "dotted" in STYLES["group_disabled"]["style"]
    assert len({STYLES[k]["fillcolor"] for k in ("group_enabled", "group_disabled", "group_deny_only")}) == 3
    assert "BUILTIN\\\\Guests" in lines[GUESTS] and "S-1-5-32-546 (BG)" in lines[GUESTS]
    assert "subgraph cluster_groups" in src and "groups (3)" in src

    table = token_table(tok)
    for sid, word in ((EVERYONE, "enabled"), (USERS, "disabled"), (GUESTS, "deny-only")):
        row = next(ln for ln in table.splitlines() if sid.text in ln and "group" not in ln.split()[0])
        assert word in row, row


def test_privileges_enabled_and_disabled_look_and_read_differently():
    src = token_graph(hand_token()).source
    on = node_line(src, "privilege_SeChangeNotifyPrivilege")
    off = node_line(src, "privilege_SeShutdownPrivilege")
    assert has_style(on, "privilege_enabled") and "<I>enabled</I>" in on
    assert has_style(off, "privilege_disabled") and "<I>disabled</I>" in off
    table = token_table(hand_token())
    assert re.search(r"^ +SeChangeNotifyPrivilege  enabled$", table, re.M)
    assert re.search(r"^ +SeShutdownPrivilege  disabled$", table, re.M)


def test_identity_type_level_integrity_and_default_dacl():
    tok = hand_token(token_type=tl.TokenType.TokenImpersonation,
                     impersonation_level=tl.SecurityImpersonationLevel.SecurityIdentification)
    src = token_graph(tok, names={ALICE.text: "alice"}).source
    head = node_line(src, "token")
    assert "impersonation token, SecurityIdentification" in head and has_style(head, "token_identification")
    assert f"integrity {tok.integrity_name}" in head
    for part, sid in (("user", tok.user), ("owner", tok.owner), ("primary_group", tok.primary_group)):
        assert sid.text in node_line(src, part) and "alice" in node_line(src, part)
        edge_line(src, "token", part)
    dacl = text(node_line(src, "default_dacl"))
    assert f"D:(A;;GA;;;{ALICE.text})(D;;GW;;;BG)" in dacl
    ace0, ace1 = node_line(src, "default_dacl_0"), node_line(src, "default_dacl_1")
    assert "0: allow alice" in ace0 and "GENERIC_ALL (0x10000000)" in ace0 and has_style(ace0, "ace_allow")
    assert "1: deny BUILTIN\\\\Guests" in ace1 and has_style(ace1, "ace_deny")
    edge_line(src, "default_dacl", "default_dacl_1")
    assert "primary token" in node_line(token_graph(hand_token(token_type=tl.TokenType.TokenPrimary)).source, "token")


def test_restricting_sids_get_their_own_cluster():
    src = token_graph(hand_token(restricted_sids=[EVERYONE])).source
    assert "subgraph cluster_restricted" in src
    node_line(src, node_id(EVERYONE, "restricted"))
    assert "restricted: two-pass access check" in node_line(src, "token")
    assert "cluster_restricted" not in token_graph(hand_token()).source


def test_provenance_origin_logon_session_and_source_token():
    snap, dup, orig = story()
    src = token_graph(dup, snapshot=snap).source
    edge = edge_line(src, "token", f"token_{orig.object_id}")
    assert "duplicated from" in edge and has_style(edge, "edge_provenance")
    source = node_line(src, f"token_{orig.object_id}")
    assert f"Token#{orig.object_id}" in source and "TOKENLAB\\\\alice" in source
    origin = text(node_line(src, "origin"))
    assert dup.origin in origin and dup.logon_session.replace("\\", "\\\\") in origin
    assert f"AuthenticationId {dup.authentication_id}" in origin and f"TokenId {dup.token_id}" in origin
    # The token's own descriptor: who may open it, with names.
    assert "who may open this token" in text(node_line(src, "security"))
    assert "TOKENLAB\\\\alice" in node_line(src, "security_0") and "TOKEN_ALL_ACCESS" in node_line(src, "security_0")
    assert "duplicated from" not in token_graph(orig, snapshot=snap).source


def test_live_token_and_its_state_draw_the_same():
    m = tl.Machine()
    m.add_user("alice", password="pw")
    proc = m.start_process("svc.exe", user="NETWORK SERVICE")
    api = proc.main_thread.api
    h = api.LogonUser("alice", ".", "pw", C.LOGON32_LOGON_NETWORK, C.LOGON32_PROVIDER_DEFAULT)
    tok = proc.handles.get(h).obj
    state = token_state(tok, m)
    assert isinstance(state, TokenState)
    assert token_graph(tok, machine=m).source == token_graph(state, machine=m).source
    assert token_table(tok, machine=m) == token_table(state, machine=m)
    src = token_graph(tok, machine=m).source
    assert f"Token#{tok.object_id}" in node_line(src, "token")
    assert m.sid_name(tok.user).replace("\\", "\\\\") in node_line(src, "user")
    assert "network logon of TOKENLAB\\\\alice" in text(node_line(src, "origin"))
    # Names given explicitly win over the machine's.
    assert "ALICE!" in node_line(token_graph(tok, machine=m, names={tok.user.text: "ALICE!"}).source, "user")


# ------------------------------------------------------------------ differences

def test_duplicate_compared_with_its_original_shows_the_new_descriptor():
    snap, dup, orig = story()
    src = token_graph(dup, orig, snapshot=snap).source
    assert "labelloc=t" in src and "compared with Token#" in src
    assert marked(node_line(src, "token")) == {"changed"}
    assert marked(node_line(src, "security")) == {"changed"}
    # The first ACE of the token's own DACL: NETWORK SERVICE before, alice now (story 1).
    ace = node_line(src, "security_0")
    assert marked(ace) == {"changed"} and "TOKENLAB\\\\alice" in ace
    assert marked(node_line(src, "origin")) == {"changed"}
    assert marked(node_line(src, f"token_{orig.object_id}")) == {"added"}
    # Same user, groups, privileges and default DACL: no colour.
    for nid in ("user", "owner", "primary_group", "default_dacl", "default_dacl_0"):
        assert not marked(node_line(src, nid)), nid
    for sid, _ in dup.groups:
        assert not marked(node_line(src, node_id(SID(sid))))

    table = token_table(dup, orig, snapshot=snap)
    assert table.splitlines()[0].startswith(f"compared with Token#{orig.object_id}")
    assert re.search(r"^~ +0: allow TOKENLAB\\alice  TOKEN_ALL_ACCESS", table, re.M)
    assert re.search(r"^ +was: 0: allow NT AUTHORITY\\SYSTEM  TOKEN_ALL_ACCESS", table, re.M)
    assert "cluster_legend" not in token_graph(dup, snapshot=snap).source


def test_token_table_by_name_alone_only_when_asked():
    snap, dup, orig = story()
    alice_sid = dup.user
    default = token_table(dup, orig, snapshot=snap)
    assert default == token_table(dup, orig, snapshot=snap, sids=True)
    assert f"    user  TOKENLAB\\alice  {alice_sid}" in default.splitlines()
    assert re.search(r"^~   its security descriptor  its DACL says who may open this token  O:", default, re.M)
    named = token_table(dup, orig, snapshot=snap, sids=False)
    assert not re.search(r"S-1-5-21-\d+-\d+-\d+-\d+", named)
    assert not re.search(r"\bS-1-\d", named)  # every SID in this token has a name
    lines = named.splitlines()
    assert "    user  TOKENLAB\\alice" in lines and "      Everyone  enabled (0x00000007)" in lines
    # No SDDL: the ACEs under each DACL say it by name, and still carry the differences.
    assert "    its security descriptor  its DACL says who may open this token" in lines
    assert re.search(r"^~ +0: allow TOKENLAB\\alice  TOKEN_ALL_ACCESS", named, re.M)
    # A SID without a name keeps its SID string.
    bare = token_table(hand_token(), sids=False)
    assert f"user  {ALICE.text}" in bare


def test_restricted_token_compared_with_its_source():
    m = tl.Machine()
    m.add_user("alice", password="pw")
    proc = m.start_process("app.exe", user="alice")
    api = proc.main_thread.api
    h = api.OpenProcessToken(api.GetCurrentProcess(), C.TOKEN_ALL_ACCESS)
    r = api.CreateRestrictedToken(h, 0, [USERS], [], [EVERYONE])
    new, old = proc.handles.get(r).obj, proc.token
    src = token_graph(new, old, machine=m).source
    users = node_line(src, node_id(USERS))
    assert marked(users) == {"changed"} and "deny-only" in users
    assert marked(node_line(src, node_id(EVERYONE))) == set()
    assert "subgraph cluster_restricted" in src
    assert marked(node_line(src, node_id(EVERYONE, "restricted"))) == {"added"}
    table = token_table(new, old, machine=m)
    assert re.search(r"^~ +BUILTIN\\Users  S-1-5-32-545 \(BU\)  deny-only", table, re.M)
    assert re.search(r"^ +was: BUILTIN\\Users  S-1-5-32-545 \(BU\)  enabled", table, re.M)
    assert re.search(r"^\+ +restricting SIDs", table, re.M)


def test_same_token_later_marks_only_what_changed():
    m = tl.Machine()
    api = m.start_process("svc.exe", user="NETWORK SERVICE").main_thread.api
    h = api.OpenProcessToken(api.GetCurrentProcess(), C.TOKEN_ALL_ACCESS)
    tok = m.processes[0].token
    before = token_state(tok, m)
    api.AdjustTokenPrivileges(h, False, [("SeIncreaseQuotaPrivilege", C.SE_PRIVILEGE_ENABLED)])
    after = token_state(tok, m)
    src = token_graph(after, before, machine=m).source
    assert "compared with before" in src
    priv = node_line(src, "privilege_SeIncreaseQuotaPrivilege")
    assert marked(priv) == {"changed"} and "<I>enabled (disabled by default)</I>" in priv
    assert has_style(node_line(token_graph(after).source, "privilege_SeIncreaseQuotaPrivilege"), "privilege_enabled")
    assert marked(node_line(src, "origin")) == {"changed"}, "ModifiedId moved on"
    others = [ln for ln in src.splitlines() if " [" in ln and "legend_" not in ln
              and not ln.lstrip().startswith(("privilege_SeIncreaseQuota", "origin"))]
    assert not [ln for ln in others if marked(ln)]
    # A duplicate seen at two steps where only its reference counts changed: nothing to colour.
    trace = duplicated_token()
    snaps = trace.snapshots()
    dup = next(t for t in snaps[-1].tokens if t.duplicated_from is not None)
    earlier = next(s for s in snaps if s.token(dup.object_id) is not None)
    assert earlier.token(dup.object_id).refs != dup.refs
    table = token_table(dup, earlier.token(dup.object_id), snapshot=snaps[-1])
    assert not re.search(r"^[-+~]", table, re.M)


def test_removed_privilege_is_a_ghost():
    before = hand_token()
    after = Token(ALICE, before.groups, privileges={"SeChangeNotifyPrivilege": True},
                  default_dacl=before.default_dacl)
    src = token_graph(after, before).source
    gone = node_line(src, "privilege_SeShutdownPrivilege")
    assert marked(gone) == {"removed"} and "dashed" in gone
    assert "subgraph cluster_privileges" in src.split("privilege_SeShutdownPrivilege")[0]
    assert re.search(r"^- +SeShutdownPrivilege  disabled$", token_table(after, before), re.M)
    assert "privileges (1)" in src


def test_same_token_gives_byte_identical_output():
    snap, dup, orig = story()
    assert token_graph(dup, orig, snapshot=snap).source == token_graph(dup, orig, snapshot=snap).source
    assert token_table(dup, orig, snapshot=snap) == token_table(dup, orig, snapshot=snap)
    assert story()[1] == dup
    assert token_graph(story()[1], snapshot=story()[0]).source == token_graph(dup, snapshot=snap).source


# ------------------------------------------------------------------ escaping

HOSTILE = '<i>bob"|{'


def hostile_token():
    m = tl.Machine()
    m.add_user(HOSTILE, password="pw")
    api = m.start_process("svc.exe", user="NETWORK SERVICE").main_thread.api
    h = api.LogonUser(HOSTILE, ".", "pw", C.LOGON32_LOGON_NETWORK, C.LOGON32_PROVIDER_DEFAULT)
    return m, m.processes[0].handles.get(h).obj


def test_hostile_user_names_are_escaped():
    m, tok = hostile_token()
    names = {EVERYONE.text: "<script>alert(1)</script>\n\u202e{x}\\N"}
    src = token_graph(tok, machine=m, names=names).source
    assert "<i>" not in src and "<script>" not in src and "\u202e" not in src
    assert "TOKENLAB\\\\&lt;i&gt;bob&quot;|{" in node_line(src, "user")
    assert "&lt;script&gt;alert(1)&lt;/script&gt;\\\\n\\\\u202e{x}\\\\N" in node_line(src, node_id(EVERYONE))
    table = token_table(tok, machine=m, names=names)
    assert f"TOKENLAB\\{HOSTILE}" in table and "<script>alert(1)</script>\\n\\u202e{x}\\N" in table
    assert len(table.splitlines()) == len(token_table(tok, machine=m).splitlines())


@needs_dot
def test_hostile_user_names_render_as_text_in_svg():
    m, tok = hostile_token()
    root = ET.fromstring(svg(token_graph(tok, machine=m)))
    ns = "{http://www.w3.org/2000/svg}"
    assert not [el for el in root.iter() if el.tag in (f"{ns}i", "i")]
    drawn = [("".join(el.itertext())) for el in root.iter(f"{ns}text")]
    assert HOSTILE in drawn  # the short name in the picture, the full one on hover
    titles = "".join(el.get("{http://www.w3.org/1999/xlink}title", "") for el in root.iter())
    assert f"TOKENLAB\\{HOSTILE}" in titles
