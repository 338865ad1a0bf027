"""README's first taste runs as printed, and ends the way notebook 04 explains."""
from __future__ import annotations

import re
from pathlib import Path

import pytest

import tokenlab as tl

ROOT = Path(__file__).resolve().parents[1]


def test_first_taste_runs_and_the_duplicate_is_refused():
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    code = re.search(r"## A first taste\n\n```python\n(.*?)```", text, re.S).group(1)
    with pytest.raises(tl.ComError) as info:
        exec(compile(code, "README.md", "exec"), {})
    assert info.value.hresult == 0x80070005  # E_ACCESSDENIED: the second activation


def test_readme_points_to_the_model_list():
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    assert "docs/model.md" in text and (ROOT / "docs" / "model.md").is_file()
