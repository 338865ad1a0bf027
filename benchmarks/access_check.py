"""Access checks per second on a 100-ACE DACL: tokenlab vs winacl, same run, same inputs.

    python benchmarks/access_check.py           # about 1 s per contender
    python benchmarks/access_check.py --quick   # well under a second (make test)

winacl has no AccessCheck of a token against a descriptor; its closest function is
``winacl.functions.rights_calc.EvaluateSidAgainstDescriptor(sd, sid, access, sid_groups)``,
a simplified walk of [MS-DTYP] 2.5.3.2 over a list of SID strings. It has no notion of
deny-only or disabled groups, integrity, privileges, OWNER RIGHTS or restricted tokens,
and its normal mode reports granted=0 even on success, so it is timed doing less than
tokenlab and the answers are compared only where both model the same thing. The
descriptor is built once for each library (parsing is not timed).

Exit status: 0 when tokenlab's answers are right (also when winacl is not installed);
1 when tokenlab computes a wrong answer. The speed target (>= 3x winacl) is reported.
"""
from __future__ import annotations

import random
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tokenlab.security.rights import MAXIMUM_ALLOWED
from tokenlab.security.access_check import access_check  # noqa: E402
from tokenlab.security.acl import ACE, ACL
from tokenlab.security.descriptor import SecurityDescriptor  # noqa: E402
from tokenlab.security.rights import TOKEN_MAPPING  # noqa: E402
from tokenlab.security.sids import SID  # noqa: E402
from tokenlab.kernel.token import Token  # noqa: E402

DOMAIN = "S-1-5-21-1111-2222-3333"
USER = f"{DOMAIN}-1001"
ENABLED, DENY_ONLY, DISABLED = 0x7, 0x10, 0x0
# A realistic interactive-logon token: 15 groups, one deny-only (a filtered admin), one disabled.
TOKEN_GROUPS = [
    ("S-1-1-0", ENABLED), ("S-1-5-11", ENABLED), ("S-1-5-32-545", ENABLED), ("S-1-5-4", ENABLED),
    ("S-1-2-0", ENABLED), ("S-1-2-1", ENABLED), ("S-1-5-5-0-123456", 0xC0000007), ("S-1-5-15", ENABLED),
    ("S-1-5-64-10", ENABLED), ("S-1-5-113", ENABLED), (f"{DOMAIN}-513", ENABLED), (f"{DOMAIN}-2001", ENABLED),
    (f"{DOMAIN}-2002", ENABLED), ("S-1-5-32-544", DENY_ONLY), (f"{DOMAIN}-2003", DISABLED),
]
OTHER_SIDS = [f"{DOMAIN}-{rid}" for rid in range(3000, 3020)] + ["S-1-5-18", "S-1-5-19", "S-1-5-20", "S-1-5-32-551"]
RIGHTS = [1 << i for i in range(9)] + [0x10000, 0x20000, 0x40000, 0x80000]
Q, ADJUST_DEFAULT, ADJUST_SESSIONID = 0x8, 0x80, 0x100


def build_dacl(seed: int = 7) -> list[ACE]:
    """100 ACEs: mostly allows for other principals, denies for SIDs the token lacks (or holds
    deny-only), and the grants the request needs spread out, the last one at ACE 97."""
    rng = random.Random(seed)
    aces = []
    for i in range(100):
        mask = sum(rng.sample(RIGHTS, rng.randint(1, 4))) & ~(ADJUST_DEFAULT | ADJUST_SESSIONID)
        if i == 20:
            aces.append(ACE.allow("S-1-5-32-545", Q))                      # Users: TOKEN_QUERY
        elif i == 97:
            aces.append(ACE.allow(f"{DOMAIN}-2002", ADJUST_DEFAULT))       # a group: TOKEN_ADJUST_DEFAULT
        elif i % 5 == 3:
            aces.append(ACE.deny(rng.choice(OTHER_SIDS), mask | ADJUST_DEFAULT))
        elif i == 60:
            aces.append(ACE.deny("S-1-5-32-544", ADJUST_SESSIONID))        # deny-only admin: denied bit
        else:
            aces.append(ACE.allow(rng.choice(OTHER_SIDS), mask))
    return aces


def tokenlab_inputs():
    aces = build_dacl()
    sd = SecurityDescriptor(owner=SID("S-1-5-18"), group=SID("S-1-5-18"), dacl=ACL(aces))
    token = Token(USER, groups=TOKEN_GROUPS)
    return aces, sd, token


def rate(fn, seconds: float) -> tuple[float, int]:
    n, start = 0, time.perf_counter()
    deadline = start + seconds
    while True:
        for _ in range(20):
            fn()
        n += 20
        now = time.perf_counter()
        if now >= deadline:
            return n / (now - start), n


def main(argv: list[str]) -> int:
    quick = "--quick" in argv
    seconds = 0.05 if quick else 1.0
    aces, sd, token = tokenlab_inputs()
    request = Q | ADJUST_DEFAULT

    # Correctness first: the request walks to ACE 97; MAXIMUM_ALLOWED sees every ACE.
    r = access_check(sd, token, request, TOKEN_MAPPING)
    m = access_check(sd, token, MAXIMUM_ALLOWED, TOKEN_MAPPING)
    ok = (r.allowed and int(r.granted) == request and r.deciding_aces() == {20: "granted", 97: "granted"}
          and m.allowed and int(m.granted) & request == request and not int(m.granted) & ADJUST_SESSIONID
          and access_check(sd, token, request, TOKEN_MAPPING, explain=False).granted == r.granted)
    print(f"DACL: {len(aces)} ACEs; token: {len(TOKEN_GROUPS)} groups (1 deny-only, 1 disabled)")
    print(f"tokenlab answer: {r.status.name} {TOKEN_MAPPING.format(r.granted)}; "
          f"MAXIMUM_ALLOWED -> {TOKEN_MAPPING.format(m.granted)}  [{'correct' if ok else 'WRONG'}]")
    if not ok:
        print(r, r.table(), sep="\n")
        return 1

    explained, n1 = rate(lambda: access_check(sd, token, request, TOKEN_MAPPING), seconds)
    fast, n2 = rate(lambda: access_check(sd, token, request, TOKEN_MAPPING, explain=False), seconds)
    maxed, n3 = rate(lambda: access_check(sd, token, MAXIMUM_ALLOWED, TOKEN_MAPPING), seconds)
    print(f"tokenlab access_check, explained:       {explained:10,.0f} checks/s  ({n1} runs)")
    print(f"tokenlab access_check, explain=False:   {fast:10,.0f} checks/s  ({n2} runs)")
    print(f"tokenlab MAXIMUM_ALLOWED, explained:    {maxed:10,.0f} checks/s  ({n3} runs)")

    try:
        from winacl.dtyp.security_descriptor import SECURITY_DESCRIPTOR
        from winacl.functions.rights_calc import EvaluateSidAgainstDescriptor
    except ImportError:
        print("winacl is not installed (pip install winacl); comparison skipped.")
        return 0

    sddl = "O:SYG:SYD:" + "".join(
        f"({'A' if a.is_allow else 'D'};;0x{a.mask:x};;;{a.sid.text})" for a in aces)
    wsd = SECURITY_DESCRIPTOR.from_sddl(sddl)
    # winacl cannot express deny-only or disabled groups: give it the SIDs that match allow ACEs.
    sids = [USER] + [s for s, attrs in TOKEN_GROUPS if attrs & 0x4 and not attrs & DENY_ONLY]
    w_ok, _ = EvaluateSidAgainstDescriptor(wsd, USER, request, sids)
    w_max_ok, w_max = EvaluateSidAgainstDescriptor(wsd, USER, MAXIMUM_ALLOWED, sids)
    print(f"winacl answer: {'granted' if w_ok else 'denied'} (its normal mode reports no mask); "
          f"MAXIMUM_ALLOWED -> 0x{w_max:08X}"
          + ("" if w_ok == r.allowed else "  [differs from tokenlab]"))
    winacl_rate, n4 = rate(lambda: EvaluateSidAgainstDescriptor(wsd, USER, request, sids), seconds)
    winacl_max, n5 = rate(lambda: EvaluateSidAgainstDescriptor(wsd, USER, MAXIMUM_ALLOWED, sids), seconds)
    print(f"winacl EvaluateSidAgainstDescriptor:    {winacl_rate:10,.0f} checks/s  ({n4} runs)")
    print(f"winacl, MAXIMUM_ALLOWED:                {winacl_max:10,.0f} checks/s  ({n5} runs)")
    ratio = explained / winacl_rate
    print(f"ratio tokenlab (explained) / winacl: {ratio:.1f}x; explain=False: {fast / winacl_rate:.1f}x; "
          f"MAXIMUM_ALLOWED: {maxed / winacl_max:.1f}x  "
          f"(target >= 3x: {'met' if ratio >= 3 else 'NOT met'})")
    print("note: winacl does less per check (no deny-only/disabled groups, integrity, privileges, "
          "OWNER RIGHTS, restricted pass, or explanation).")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
