"""Reading DOT source in view tests: find a node's or an edge's one statement, check styles."""
from __future__ import annotations

import re


def node_line(source: str, node_id: str) -> str:
    """The one DOT statement that declares ``node_id``."""
    lines = [ln for ln in source.splitlines() if re.match(rf"\s*{re.escape(node_id)} \[", ln)]
    assert len(lines) == 1, f"expected one declaration of {node_id}, got {lines}"
    return lines[0]


def edge_lines(source: str, a: str, b: str) -> list[str]:
    return [ln for ln in source.splitlines() if re.match(rf"\s*{re.escape(a)} -> {re.escape(b)}\b", ln)]


def edge_line(source: str, a: str, b: str) -> str:
    lines = edge_lines(source, a, b)
    assert len(lines) == 1, f"expected one edge {a} -> {b}, got {lines}"
    return lines[0]


def has_style(line: str, style: dict[str, str]) -> bool:
    """Does the statement carry every attribute of ``style`` (a styles-table entry)?"""
    return all(f"{k}={v}" in line or f'{k}="{v}"' in line for k, v in style.items())


def diff_marks(line: str, styles: dict[str, dict[str, str]]) -> set[str]:
    """Which diff states' colours a DOT statement carries."""
    return {s for s in ("added", "changed", "removed")
            if has_style(line, styles[s]) or has_style(line, styles[f"edge_{s}"])}
