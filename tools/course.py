"""The course's table of contents, in one place: README, the static site and tests read it.

``NOTEBOOKS`` lists every notebook with its one-line description, in course order.
``binder_url(name)`` builds a notebook's Binder link from the one repository URL setting,
``[project.urls] Repository`` in pyproject.toml; ``lite_url(name)`` its link in the live
edition (``make lite``, JupyterLite) from where that is published, ``[project.urls] Live``.

    python tools/course.py --readme    # rewrite the notebook table in README.md
"""
from __future__ import annotations

import re
import sys
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

NOTEBOOKS: list[tuple[str, str]] = [
    ("00_start_here", "What tokenlab is, how the course and its widgets work, and how to run the same calls on Windows"),
    ("01_security_descriptors", "SIDs, ACEs, SDDL, absent/NULL/empty DACLs and the access-check walk, explained step by step"),
    ("02_tokens", "Anatomy of a token, primary vs impersonation, the effective token, handles, pseudo-handles, OpenAsSelf"),
    ("03_new_object_security", "Where a new object's security descriptor comes from"),
    ("04_duplicated_token", "Story 1: a service impersonates a copy of its client's token and asks COM again, call by call"),
    ("05_nested_impersonation", "Story 2: a service impersonates its client, then someone else, then calls RevertToSelf; what each call does to the thread"),
    ("06_impersonation_levels", "Anonymous, Identification, Impersonation, Delegation; SeImpersonatePrivilege and who may impersonate at which level"),
    ("07_integrity_and_restricted_tokens", "Mandatory labels and no-write-up, deny-only groups, restricting SIDs and the two-pass check"),
    ("08_sandbox", "A playground for your own machines and calls, and a bank of prediction exercises"),
]

START, END = "<!-- notebooks:start -->", "<!-- notebooks:end -->"


def repository() -> tuple[str, str]:
    """(owner, name) of the GitHub repository in pyproject.toml."""
    url = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]["urls"]["Repository"]
    m = re.fullmatch(r"https://github\.com/([^/]+)/([^/]+?)(?:\.git)?/?", url)
    if not m:
        raise ValueError(f"[project.urls] Repository is not a GitHub URL: {url!r}")
    return m.group(1), m.group(2)


def binder_url(name: str) -> str:
    owner, repo = repository()
    return f"https://mybinder.org/v2/gh/{owner}/{repo}/HEAD?urlpath=lab/tree/notebooks/{name}.ipynb"


def live_site() -> str:
    """Where the live edition (the lite/ folder) is published, ending in '/'."""
    url = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]["urls"]["Live"]
    return url if url.endswith("/") else url + "/"


def lite_url(name: str) -> str:
    """The notebook opened in JupyterLab in the live edition: runs in the browser, no server."""
    return f"{live_site()}lab/index.html?path={name}.ipynb"


def readme_table() -> str:
    rows = ["| Notebook | What it teaches | Run it | In your browser |", "| --- | --- | --- | --- |"]
    for name, text in NOTEBOOKS:
        rows.append(f"| [{name}](notebooks/{name}.ipynb) | {text} | "
                    f"[![Binder](https://mybinder.org/badge_logo.svg)]({binder_url(name)}) | "
                    f"[live]({lite_url(name)}) |")
    return "\n".join(rows)


def write_readme() -> bool:
    """Put the current table between the README's markers; True if README changed."""
    path = ROOT / "README.md"
    text = path.read_text(encoding="utf-8")
    if START not in text or END not in text:
        raise SystemExit(f"README.md lacks the {START} … {END} markers")
    head, rest = text.split(START, 1)
    _, tail = rest.split(END, 1)
    new = f"{head}{START}\n{readme_table()}\n{END}{tail}"
    if new != text:
        path.write_text(new, encoding="utf-8")
    return new != text


if __name__ == "__main__":
    if sys.argv[1:] == ["--readme"]:
        print("README.md updated" if write_readme() else "README.md already up to date")
    else:
        print(__doc__)
