"""Properties of access_check that must hold for every descriptor and token (hypothesis).

Each states a consequence of [MS-DTYP] 2.5.3.2 / BEHAVIOR.md that a table of examples
could miss: monotonicity of a trailing allow ACE, NULL DACL semantics, MAXIMUM_ALLOWED
covering every grantable request, restriction only removing access, and determinism
(including the explain=False fast path deciding exactly like the explained one).
"""
from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from tokenlab.security.rights import MAXIMUM_ALLOWED
from tokenlab.security.access_check import access_check
from tokenlab.security.acl import ACE, ACL, NULL_ACL
from tokenlab.security.descriptor import SecurityDescriptor
from tokenlab.security.rights import TOKEN_MAPPING
from tokenlab.security.sids import SID
from tokenlab.kernel.token import Token

FAST = settings(max_examples=200, deadline=None)

ALICE = "S-1-5-21-1111-2222-3333-1001"
POOL = [ALICE, "S-1-5-21-1111-2222-3333-1002", "S-1-1-0", "S-1-5-11", "S-1-5-32-544", "S-1-5-32-545",
        "S-1-5-12", "S-1-3-4", "S-1-3-0", "S-1-5-18"]
GROUPS = POOL[1:7] + ["S-1-5-18"]
LEVELS = ["S-1-16-4096", "S-1-16-8192", "S-1-16-12288"]
TOKEN_BITS = [1 << i for i in range(9)] + [0x10000, 0x20000, 0x40000, 0x80000]
ALL_TOKEN_RIGHTS = 0xF01FF

masks = st.lists(st.sampled_from(TOKEN_BITS), min_size=1, max_size=5).map(lambda bits: sum(set(bits)))
aces = st.builds(
    lambda allow, sid, mask, io: (ACE.allow if allow else ACE.deny)(sid, mask, 0x08 if io else 0),
    st.booleans(), st.sampled_from(POOL), masks, st.sampled_from([False, False, False, True]))  # 1 in 4 inherit-only
attrs = st.sampled_from([0x7, 0x7, 0x10, 0x0])


@st.composite
def tokens(draw, privileges=True, restricted=True, level=None):
    groups = draw(st.lists(st.tuples(st.sampled_from(GROUPS), attrs), max_size=6, unique_by=lambda g: g[0]))
    rsids = draw(st.lists(st.sampled_from(POOL), max_size=3, unique=True)) if restricted else []
    privs = draw(st.dictionaries(st.sampled_from(["SeSecurityPrivilege", "SeTakeOwnershipPrivilege"]),
                                 st.booleans(), max_size=2)) if privileges else {}
    return Token(ALICE, groups=groups, privileges=privs, restricted_sids=rsids,
                 user_attributes=draw(st.sampled_from([0, 0, 0, 0x10])),
                 integrity_level=level or draw(st.sampled_from(LEVELS)))


@st.composite
def descriptors(draw, dacl=None):
    label = draw(st.one_of(st.none(), st.tuples(st.sampled_from(LEVELS), st.integers(0, 7))))
    sacl = ACL([ACE.label(label[0], label[1])]) if label else None
    if dacl is None:
        dacl = ACL(draw(st.lists(aces, max_size=8)))
    return SecurityDescriptor(owner=SID(draw(st.sampled_from(POOL[:6]))), group=SID("S-1-5-18"),
                              dacl=dacl, sacl=sacl)


requests = st.one_of(masks, masks.map(lambda m: m | 0x01000000), st.just(MAXIMUM_ALLOWED),
                     masks.map(lambda m: m | MAXIMUM_ALLOWED))


def check(sd, token, desired, **kw):
    return access_check(sd, token, desired, TOKEN_MAPPING, **kw)


# Every SID but OWNER RIGHTS: an OWNER RIGHTS ACE, even an allow one at the end, *replaces*
# the owner's implied READ_CONTROL|WRITE_DAC (docs: "SID Strings"/OWNER RIGHTS; [MS-DTYP]
# 2.5.3.2), so adding one can legitimately remove access -- see the next test.
NOT_OWNER_RIGHTS = [s for s in POOL if s != "S-1-3-4"]


@FAST
@given(descriptors(), tokens(), masks, st.sampled_from(NOT_OWNER_RIGHTS), masks)
def test_trailing_allow_ace_never_removes_access(sd, token, desired, sid, extra):
    before = check(sd, token, desired)
    after = check(sd.replace(dacl=sd.dacl.with_ace(ACE.allow(sid, extra))), token, desired)
    if before.allowed:
        assert after.allowed and after.granted == before.granted, f"{before}\n---\n{after}"


def test_trailing_owner_rights_ace_can_remove_implied_rights():
    # The counter-example hypothesis found for the property above with OWNER RIGHTS included.
    sd = SecurityDescriptor(owner=SID(ALICE), group=SID("S-1-5-18"), dacl=ACL())
    token = Token(ALICE)
    assert check(sd, token, 0x20000).allowed  # READ_CONTROL implied for the owner
    with_ace = sd.replace(dacl=sd.dacl.with_ace(ACE.allow("S-1-3-4", 0x1)))
    assert not check(with_ace, token, 0x20000).allowed


@FAST
@given(descriptors(dacl=NULL_ACL), tokens(privileges=False), masks)
def test_null_dacl_grants_every_request_integrity_permits(sd, token, desired):
    label = sd.label
    object_rid = label.sid.subauthorities[0] if label else 8192
    if token.integrity_rid < object_rid:
        return  # mandatory integrity is checked before the DACL, NULL or not
    r = check(sd, token, desired)
    assert r.allowed and int(r.granted) == desired, str(r)
    assert int(check(sd, token, MAXIMUM_ALLOWED).granted) == TOKEN_MAPPING.generic_all


@FAST
@given(descriptors(), tokens(), masks)
def test_maximum_allowed_covers_every_granted_request(sd, token, desired):
    normal = check(sd, token, desired)
    if not normal.allowed:
        return
    named = check(sd, token, MAXIMUM_ALLOWED | desired)   # privileges apply only to named bits
    assert named.allowed and int(named.granted) & desired == desired, f"{normal}\n---\n{named}"
    if not token.privileges:
        plain = check(sd, token, MAXIMUM_ALLOWED)
        assert plain.allowed and int(plain.granted) & desired == desired, f"{normal}\n---\n{plain}"
        assert int(plain.granted) & ~ALL_TOKEN_RIGHTS == 0


@FAST
@given(descriptors(), tokens(restricted=False), st.lists(st.sampled_from(POOL), min_size=1, max_size=3, unique=True))
def test_restricting_sids_only_remove_access(sd, token, rsids):
    free = check(sd, token, MAXIMUM_ALLOWED)
    restricted = Token(token.user, token.groups, token.privileges, restricted_sids=rsids,
                       user_attributes=token.user_attributes, integrity_level=token.integrity_level)
    limited = check(sd, restricted, MAXIMUM_ALLOWED)
    assert int(limited.granted) & ~int(free.granted) == 0
    if limited.allowed:
        assert free.allowed


@FAST
@given(descriptors(), tokens(), requests)
def test_deterministic_and_fast_path_agrees(sd, token, desired):
    a, b = check(sd, token, desired), check(sd, token, desired)
    assert (a.status, a.granted, a.steps, str(a), a.table()) == (b.status, b.granted, b.steps, str(b), b.table())
    fast = check(sd, token, desired, explain=False)
    assert (fast.status, int(fast.granted), fast.privileges_used) == (a.status, int(a.granted), a.privileges_used)
    assert a.steps[0].kind == "request" and a.steps[-1].kind == "result"
    if not a.allowed:
        assert int(a.granted) == 0
