"""How fast tokenlab reads SDDL, next to the winacl package, on strings Windows really uses.

    python benchmarks/sddl.py           # about two seconds per parser
    python benchmarks/sddl.py --quick   # a fraction of a second (make test runs this)

Prints parses per second for tokenlab and for winacl (``SECURITY_DESCRIPTOR.from_sddl``)
in the same process on the same corpus, and their ratio. Without winacl it prints
tokenlab's rate and says winacl is missing; it exits 0 either way.
"""
from __future__ import annotations

import argparse
import re
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tokenlab.security import sddl  # noqa: E402
from tokenlab.security.sddl import parse_ace, parse_sid_string
from tokenlab.security.descriptor import parse_sddl  # noqa: E402
from tokenlab.security.sids import SID  # noqa: E402

DOMAIN = SID("S-1-5-21-1004336348-1177238915-682003330")

USER = DOMAIN.text + "-1001"
TRUSTED_INSTALLER = "S-1-5-80-956008885-3418522649-1831038044-1853292631-2271478464"

# Service, file, registry, device, pipe, COM and token descriptors as Windows shows them
# (sc sdshow, Get-Acl ... | % Sddl, wdmsec.h, docs examples) or as programs write them.
CORPUS = [
    # services (sc sdshow; PowerShell New-Service docs; Windows Update reset steps)
    "D:(A;;CCLCSWRPWPDTLOCRRC;;;SY)(A;;CCDCLCSWRPWPDTLOCRSDRCWDWO;;;BA)(A;;CCLCSWLOCRRC;;;IU)"
    "(A;;CCLCSWLOCRRC;;;SU)S:(AU;FA;CCDCLCSWRPWPDTLOCRSDRCWDWO;;;WD)",
    "D:(A;;CCLCSWRPWPDTLOCRRC;;;SY)(A;;CCDCLCSWRPWPDTLOCRSDRCWDWO;;;BA)(A;;CCLCSWLOCRRC;;;SU)",
    "D:(A;;CCLCSWRPWPDTLOCRRC;;;SY)(A;;CCDCLCSWRPWPDTLOCRSDRCWDWO;;;BA)(A;;CCLCSWLOCRRC;;;AU)"
    "(A;;CCLCSWRPWPDTLOCRRC;;;PU)",
    "D:(A;;CCLCSWRPWPDTLOCRRC;;;SY)(A;;CCDCLCSWRPWPDTLOCRSDRCWDWO;;;BA)(A;;CCLCSWLOCRRC;;;IU)"
    "(A;;CCLCSWLOCRRC;;;SU)(A;;RP;;;AU)",
    "D:(A;;CCLCSWRPWPDTLOCRRC;;;SY)(A;;CCDCLCSWRPWPDTLOCRSDRCWDWO;;;BA)(A;;CCLCSWLOCRRC;;;IU)"
    "(A;;CCLCSWLOCRRC;;;SU)(A;;CR;;;AU)(A;;CCLCSWRPWPDTLOCRRC;;;PU)",
    # files and folders (Get-Acl)
    "O:BAG:SYD:PAI(A;OICIIO;GA;;;CO)(A;OICIIO;GA;;;SY)(A;;FA;;;SY)(A;OICIIO;GA;;;BA)(A;;FA;;;BA)"
    "(A;OICIIO;GXGR;;;BU)(A;;0x1200a9;;;BU)",
    f"O:{USER}G:{USER[:-5]}-513D:AI(A;ID;FA;;;SY)(A;ID;FA;;;BA)(A;ID;FA;;;{USER})",
    f"O:{TRUSTED_INSTALLER}G:{TRUSTED_INSTALLER}D:PAI(A;;FA;;;{TRUSTED_INSTALLER})"
    f"(A;CIIO;GA;;;{TRUSTED_INSTALLER})(A;;0x1301bf;;;SY)(A;OICIIO;GA;;;SY)(A;;0x1301bf;;;BA)"
    "(A;OICIIO;GA;;;BA)(A;;0x1200a9;;;BU)(A;OICIIO;GXGR;;;BU)(A;OICIIO;GA;;;CO)(A;;0x1200a9;;;AC)"
    "(A;OICIIO;GXGR;;;AC)",
    "O:SYG:SYD:AI(A;OICIID;FA;;;SY)(A;OICIID;FA;;;BA)(A;OICIID;0x1200a9;;;BU)(A;ID;0x1301bf;;;AU)"
    "(A;OICIIOID;SDGXGWGR;;;AU)",
    "O:BAG:SYD:(A;OICI;FA;;;BA)(A;OICI;FA;;;SY)S:(ML;OICI;NW;;;LW)",
    f"D:PAI(A;OICI;FA;;;SY)(A;OICI;FA;;;BA)(A;OICI;FA;;;{USER})",
    "O:BAG:SYD:(A;;FA;;;BA)(A;;FA;;;SY)(A;;FRFX;;;AU)",
    "D:AI(A;ID;FA;;;SY)(A;ID;0x1301bf;;;AU)(A;ID;0x1200a9;;;BU)",
    "O:BAG:SYD:(A;;0x1301bf;;;WD)",
    # registry keys
    "O:BAG:SYD:PAI(A;CIIO;KA;;;CO)(A;CI;KA;;;SY)(A;CI;KA;;;BA)(A;CI;KR;;;BU)(A;CI;KR;;;AC)",
    "O:BAG:SYD:AI(A;ID;KR;;;BU)(A;CIIOID;GR;;;BU)(A;ID;KA;;;BA)(A;CIIOID;GA;;;BA)(A;ID;KA;;;SY)"
    "(A;CIIOID;GA;;;SY)(A;CIIOID;GA;;;CO)",
    "O:SYD:AI(A;;KR;;;AU)(A;CIIO;GR;;;AU)(A;;KR;;;S-1-15-3-9)(A;CIIO;GR;;;S-1-15-3-9)(A;;KA;;;LS)"
    "(A;CIIO;GA;;;LS)",
    "D:PAI(A;CI;KA;;;BA)(A;CI;KA;;;SY)(A;CI;KR;;;BU)",
    # device objects (wdmsec.h, docs "SDDL for Device Objects")
    "D:P",
    "D:P(A;;GA;;;SY)",
    "D:P(A;;GA;;;SY)(A;;GA;;;BA)",
    "D:P(A;;GA;;;SY)(A;;GRGWGX;;;BA)(A;;GR;;;WD)",
    "D:P(A;;GA;;;SY)(A;;GRGWGX;;;BA)(A;;GR;;;WD)(A;;GR;;;RC)",
    "D:P(A;;GA;;;SY)(A;;GRGWGX;;;BA)(A;;GRGW;;;WD)(A;;GR;;;RC)",
    "D:P(A;;GA;;;SY)(A;;GRGWGX;;;BA)(A;;GRGWGX;;;WD)(A;;GRGWGX;;;RC)",
    # named pipes and IPC objects
    "S:(ML;;NW;;;LW)D:(A;;0x12019f;;;WD)",
    "O:SYD:P(A;;GA;;;SY)(A;;GA;;;BA)S:(ML;;NWNRNX;;;HI)",
    "D:(A;;GA;;;OW)(A;;GA;;;BA)S:(ML;;NWNRNX;;;HI)",
    f"O:{USER}G:{USER}D:P(A;;FA;;;{USER})(A;;FA;;;SY)S:(ML;;NRNWNX;;;ME)",
    "S:(ML;;NW;;;LW)D:(A;;GA;;;WD)(A;;GA;;;AC)",
    # COM launch and access permissions (COM rights are bits 0-4: CC DC LC SW RP)
    "O:BAG:BAD:(A;;CCDCLCSWRP;;;SY)(A;;CCDCLCSWRP;;;BA)(A;;CCDCLCSWRP;;;IU)(A;;CCDCSWRP;;;AC)",
    "O:BAG:BAD:(A;;CCDC;;;PS)(A;;CCDC;;;SY)(A;;CCDC;;;BA)(A;;CCDC;;;AC)",
    "O:BAG:BAD:(A;;CCDCSW;;;WD)(A;;CCDCLCSWRP;;;BA)(A;;CCDCLCSWRP;;;S-1-5-32-562)",
    # tokens and processes (default DACLs, process objects), event-log channels
    f"D:(A;;GA;;;{USER})(A;;GA;;;SY)(A;;GXGR;;;S-1-5-5-0-123456)",
    f"O:BAG:{USER[:-5]}-513D:(A;;0x1fffff;;;BA)(A;;0x1fffff;;;SY)(A;;0x121411;;;S-1-5-5-0-654321)",
    "D:(A;;GA;;;NS)(A;;GA;;;SY)(A;;GXGR;;;OW)",
    "O:BAG:SYD:(A;;0xf0007;;;SY)(A;;0x7;;;BA)(A;;0x7;;;SO)(A;;0x3;;;IU)(A;;0x3;;;SU)(A;;0x3;;;S-1-5-3)"
    "(A;;0x3;;;S-1-5-33)(A;;0x1;;;S-1-5-32-573)",
]


def _rate(parse, corpus: list[str], seconds: float) -> float:
    """Parses per second over whole passes of the corpus, for at least ``seconds``."""
    done, start = 0, time.perf_counter()
    while True:
        for text in corpus:
            parse(text)
        done += len(corpus)
        elapsed = time.perf_counter() - start
        if elapsed >= seconds:
            return done / elapsed


_ACE = re.compile(r"\(([A-Z]+);([A-Z]*);([^;]*);;;([^)]*)\)")


def winacl_spelling(text: str, aliases: set[str]) -> str:
    """The same descriptor in the subset winacl reads: one hex number per mask (winacl takes
    a single abbreviation or hex) and numeric SIDs for aliases missing from its table."""
    def ace(m: re.Match) -> str:
        kind, flags, _, sid = m.groups()
        mask = parse_ace(m.group(), DOMAIN).mask
        if len(sid) == 2 and sid not in aliases:
            sid = parse_sid_string(sid, DOMAIN).text
        return f"({kind};{flags};0x{mask:x};;;{sid})"
    return _ACE.sub(ace, text)


def main(argv: list[str] | None = None) -> int:
    args = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    args.add_argument("--quick", action="store_true", help="a fraction of a second (for make test)")
    seconds = 0.1 if args.parse_args(argv).quick else 2.0

    print(f"corpus: {len(CORPUS)} SDDL strings as Windows prints them")
    ours = _rate(lambda t: parse_sddl(t, DOMAIN), CORPUS, seconds)
    print(f"  tokenlab parse_sddl: {ours:>9,.0f} parses/s")
    try:
        from winacl.dtyp.security_descriptor import SECURITY_DESCRIPTOR
        from winacl.dtyp.sid import sddl_name_val_map
    except ImportError:
        print("  winacl: missing (pip install winacl to compare)")
        return 0

    def theirs(text: str):
        return SECURITY_DESCRIPTOR.from_sddl(text, domain_sid=DOMAIN.text)

    def reads(text: str) -> bool:
        try:
            theirs(text)
        except Exception:  # winacl raises bare Exception, ValueError, IndexError ...
            return False
        return True

    print(f"  winacl reads {sum(map(reads, CORPUS))} of them (one abbreviation per mask at most)")
    spelled = [t for t in (winacl_spelling(t, set(sddl_name_val_map)) for t in CORPUS) if reads(t)]
    ours = _rate(lambda t: parse_sddl(t, DOMAIN), spelled, seconds)
    rate = _rate(theirs, spelled, seconds)
    print(f"the same descriptors spelled with hex masks, {len(spelled)} strings both read:")
    print(f"  tokenlab parse_sddl:                      {ours:>9,.0f} parses/s")
    print(f"  winacl SECURITY_DESCRIPTOR.from_sddl:     {rate:>9,.0f} parses/s")
    print(f"  ratio tokenlab/winacl: {ours / rate:.2f}  (repeated ACEs come from tokenlab's parsed-ACE cache)")

    # Honest lower bound: every parse starts with an empty ACE cache.
    def cold(text: str):
        sddl._ACE_CACHE.clear()
        return parse_sddl(text, DOMAIN)

    cold_rate = _rate(cold, spelled, seconds)
    print(f"  tokenlab, ACE cache emptied before every parse: {cold_rate:>9,.0f} parses/s "
          f"(ratio {cold_rate / rate:.2f})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
