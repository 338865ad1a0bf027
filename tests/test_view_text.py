"""view/text.py and view/palette.py: the one SID namer, the named label styles, the one
palette, and no private helper shared across modules of the presentation layers."""
from __future__ import annotations

import ast
import re
from pathlib import Path

from tokenlab import Machine
from tokenlab.security.sids import SID
from tokenlab.view import palette
from tokenlab.view.diff import label
from tokenlab.view.text import SidNamer, Style, fold, sid_tag, visible

ROOT = Path(__file__).resolve().parents[1]
PRESENTATION = sorted((ROOT / "tokenlab" / "view").glob("*.py")) + sorted((ROOT / "tokenlab" / "ui").glob("*.py"))


def test_namer_prefers_given_names_then_well_known_then_the_sid():
    namer = SidNamer({"S-1-5-21-1-2-3-1001": "TOKENLAB\\alice", SID("S-1-1-0"): "Everybody"})
    assert namer("S-1-5-21-1-2-3-1001") == "TOKENLAB\\alice"
    assert namer(SID("S-1-5-21-1-2-3-1001")) == "TOKENLAB\\alice"
    assert namer("s-1-1-0") == "Everybody"          # keys and lookups are canonical SID strings
    assert namer("S-1-5-32-544") == "BUILTIN\\Administrators"
    assert namer("S-1-5-21-9-9-9-4242") == "S-1-5-21-9-9-9-4242"
    assert namer.find("S-1-5-21-9-9-9-4242") is None
    assert namer("not a SID") == "not a SID"
    assert namer.find("not a SID") is None


def test_namer_asks_the_machine_and_uses_its_domain():
    m = Machine()
    alice = m.add_user("alice")
    namer = SidNamer({"S-1-5-18": "the system"}, machine=m)
    assert namer.domain == m.domain_sid
    assert namer(alice) == m.sid_name(alice) != alice.text
    assert namer("S-1-5-18") == "the system"
    assert namer("S-1-5-19") == m.sid_name(SID("S-1-5-19"))


def test_namer_tag_is_the_sid_with_its_alias():
    assert SidNamer().tag("S-1-5-32-544") == sid_tag(SID("S-1-5-32-544"), None) == "S-1-5-32-544 (BA)"
    assert SidNamer().tag("junk") == "junk"


def test_styles_keep_their_letters():
    # The letters are what scenes store and compare; renaming them would change every diff.
    assert (Style.PLAIN, Style.BOLD, Style.ITALIC, Style.SENTENCE, Style.ITALIC_SENTENCE, Style.MASK, Style.NAMES,
            Style.SDDL) == ("", "b", "i", "w", "iw", "m", "l", "s")
    assert fold("A|B|C", Style.MASK) == ["A|B|C"]
    assert label(((Style.BOLD, "x"), (Style.ITALIC_SENTENCE, "y"))) == "<<B>x</B><BR/><I>y</I>>"
    assert visible("a\u202eb\n") == "a\\u202eb\\n"


def test_colours_are_named_only_in_the_palette():
    hex_colour = re.compile(r"#[0-9a-fA-F]{6}\b")
    found = [f"{p.relative_to(ROOT)}:{n}" for p in PRESENTATION if p.name != "palette.py"
             for n, line in enumerate(p.read_text().splitlines(), 1) if hex_colour.search(line)]
    assert not found, f"colours spelled out outside tokenlab/view/palette.py: {found}"
    values = [v for k, v in vars(palette).items() if k.isupper() and isinstance(v, str)]
    assert all(hex_colour.fullmatch(v) for v in values)


def test_no_private_name_is_imported_across_modules():
    # A private module of the same package (ui/_common.py) is fine; a private name is not.
    found = []
    for path in PRESENTATION:
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.ImportFrom):
                found += [f"{path.relative_to(ROOT)}:{node.lineno}: {a.name}" for a in node.names
                          if a.name.startswith("_") and not (path.parent / f"{a.name}.py").exists()]
    assert not found, found
