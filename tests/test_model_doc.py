"""docs/model.md lists every rule tokenlab models and every simplification it makes.

The simplifications named in the kernel's and facade's docstrings (bullets under "Model
simplifications", sentences saying "model choice") must be mentioned there: each must
share at least one of its API/identifier words (CamelCase, UPPER_CASE, "UAC") with the doc,
or, when it names none, most of its long words.
"""
from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
DOC = ROOT / "docs" / "model.md"


def _docstrings(path: Path):
    tree = ast.parse(path.read_text())
    for node in ast.walk(tree):
        if isinstance(node, (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)):
            doc = ast.get_docstring(node)
            if doc:
                yield doc


def model_choices() -> list[tuple[str, str]]:
    """(file, text) for each simplification or model choice a docstring names."""
    out = []
    for path in sorted((ROOT / "tokenlab" / "kernel").glob("*.py")) + sorted((ROOT / "tokenlab" / "win32").glob("*.py")):
        for doc in _docstrings(path):
            if "Model simplification" in doc:
                part = doc.split("Model simplification", 1)[1]
                for bullet in re.split(r"\n\s*\* ", part)[1:]:
                    out.append((path.name, bullet.split("\n\n")[0]))
            for sentence in re.split(r"(?<=[.;])\s", doc):
                if "model choice" in sentence:
                    out.append((path.name, sentence))
    return out


def _identifiers(text: str) -> set[str]:
    return set(re.findall(r"\b(?:[A-Z][a-z]+[A-Z]\w*|[A-Z][A-Z0-9_]{2,})\b", text))


def test_model_doc_exists_and_cites():
    text = DOC.read_text()
    for area in ("SIDs and SDDL", "Access check", "New-object security", "Tokens", "Thread tokens",
                 "named pipes", "COM activation", "Simplifications", "Not modelled"):
        assert area in text, f"docs/model.md has no section on {area}"
    assert "BEHAVIOR.md" not in text


@pytest.mark.parametrize("where,choice", model_choices(), ids=lambda v: v if len(v) < 30 else v[:30])
def test_every_model_choice_is_in_the_doc(where, choice):
    text = DOC.read_text()
    words = _identifiers(choice)
    if words:
        assert any(w in text for w in words), f"docs/model.md does not mention {where}'s model choice: {choice!r}"
    else:  # no API name in it: most of its long words must be there
        long = {w.lower() for w in re.findall(r"[A-Za-z]{6,}", choice)}
        found = {w for w in long if w in text.lower()}
        assert len(found) * 4 >= len(long) * 3, f"docs/model.md does not mention {where}'s model choice: {choice!r}"


def test_model_choices_are_found():
    assert len(model_choices()) >= 4  # lsa (2), srm (2), tokens.LogonUser …


def test_nothing_learner_facing_points_to_the_internal_rule_list():
    files = [ROOT / "README.md", *sorted((ROOT / "tokenlab").rglob("*.py")),
             *sorted((ROOT / "notebooks" / "src").rglob("*"))]
    offenders = [str(p.relative_to(ROOT)) for p in files
                 if p.is_file() and any(note in p.read_text(errors="replace")
                                        for note in ("BEHAVIOR.md", "say so where a learner meets it"))]
    assert not offenders, "these files mention BEHAVIOR.md; cite docs/model.md or the primary source: " + ", ".join(offenders)
