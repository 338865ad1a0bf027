"""The repository's set-up files agree with each other.

binder/requirements.txt is the one environment definition, a lock with hashes (Binder
installs it, and so does `make setup`; tests/test_lock.py checks it against pyproject.toml),
it pins every package of pyproject.toml's `notebooks` extra,
and the README's Binder links are all built from pyproject's Repository URL.
"""

from __future__ import annotations

import os
import re
import tomllib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def _pyproject() -> dict:
    with open(ROOT / "pyproject.toml", "rb") as f:
        return tomllib.load(f)


def _readme() -> str:
    return (ROOT / "README.md").read_text(encoding="utf-8")


# --------------------------------------------------------------------------- parsing
# Prefer `packaging` (installed with jupyterlab); fall back to a small parser that
# understands the simple requirement strings this repository uses.

try:
    from packaging.requirements import Requirement as _PkgRequirement
    from packaging.utils import canonicalize_name
    from packaging.version import Version

    def parse_requirement(text: str):
        """-> (canonical name, extras set, list of (op, version)), or pytest failure."""
        req = _PkgRequirement(text)
        specs = [(s.operator, s.version) for s in req.specifier]
        return canonicalize_name(req.name), set(req.extras), specs

    def satisfies(version: str, text: str) -> bool:
        return _PkgRequirement(text).specifier.contains(Version(version), prereleases=True)

except ImportError:  # pragma: no cover - packaging is normally present
    _REQ_RE = re.compile(
        r"^\s*(?P<name>[A-Za-z0-9][A-Za-z0-9._-]*)\s*(?:\[(?P<extras>[^\]]*)\])?\s*(?P<spec>[^;]*)"
    )

    def canonicalize_name(name: str) -> str:
        return re.sub(r"[-_.]+", "-", name).lower()

    def parse_requirement(text: str):
        m = _REQ_RE.match(text)
        assert m, f"cannot parse requirement {text!r}"
        extras = {e.strip() for e in (m["extras"] or "").split(",") if e.strip()}
        specs = []
        for part in filter(None, (p.strip() for p in m["spec"].split(","))):
            op, ver = re.match(r"(==|!=|<=|>=|<|>|~=)\s*(\S+)", part).groups()
            specs.append((op, ver))
        return canonicalize_name(m["name"]), extras, specs

    def _vtuple(v: str) -> tuple[int, ...]:
        return tuple(int(x) for x in re.findall(r"\d+", v))

    def satisfies(version: str, text: str) -> bool:
        have = _vtuple(version)
        for op, ver in parse_requirement(text)[2]:
            want = _vtuple(ver)
            n = max(len(have), len(want))
            a, b = have + (0,) * (n - len(have)), want + (0,) * (n - len(want))
            ok = {
                "==": a == b, "!=": a != b, "<": a < b,
                "<=": a <= b, ">": a > b, ">=": a >= b,
                "~=": a >= b and a[: len(want) - 1] == b[: len(want) - 1],
            }[op]
            if not ok:
                return False
        return True


def _lock_pins() -> dict[str, str]:
    """{canonical name: version} of binder/requirements.txt, the lock (tools/lock.py)."""
    import importlib.util

    spec = importlib.util.spec_from_file_location("lock", ROOT / "tools" / "lock.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod.pins()


# --------------------------------------------------------------------------- (a)


def test_requirements_pin_every_notebooks_extra_package():
    extra = _pyproject()["project"]["optional-dependencies"]["notebooks"]
    pins = _lock_pins()
    assert extra, "the notebooks extra is empty"
    for text in extra:
        name, _extras, _specs = parse_requirement(text)
        assert name in pins, f"{name} (notebooks extra) is not in binder/requirements.txt"
        assert satisfies(pins[name], text), (
            f"binder/requirements.txt pins {name}=={pins[name]}, "
            f"which pyproject's notebooks extra ({text!r}) does not allow"
        )


def test_the_package_itself_is_installed_after_the_lock_by_binder_and_make():
    """The lock carries hashes, so it cannot name `-e .` (pip's hash-checking mode refuses an
    editable install); binder/postBuild and `make setup` install tokenlab after it, alone."""
    command = "pip install --no-deps --no-build-isolation -e ."
    assert command in (ROOT / "binder" / "postBuild").read_text(encoding="utf-8")
    assert command.replace("pip install", "$(PIP) install") in (ROOT / "Makefile").read_text(encoding="utf-8")


# --------------------------------------------------------------------------- (b)


def test_apt_txt_lists_graphviz():
    names = {
        line.split("#", 1)[0].strip()
        for line in (ROOT / "binder" / "apt.txt").read_text(encoding="utf-8").splitlines()
    }
    assert "graphviz" in names


# --------------------------------------------------------------------------- (c)

BINDER_LINK = re.compile(r"https?://mybinder\.org/v2/[^\s)\]\"'<>]+")


def _binder_prefix() -> str:
    url = _pyproject()["project"]["urls"]["Repository"]
    m = re.fullmatch(r"https://github\.com/([^/]+)/([^/]+?)(?:\.git)?/?", url)
    assert m, f"Repository URL is not a GitHub repository URL: {url!r}"
    owner, repo = m.groups()
    return f"https://mybinder.org/v2/gh/{owner}/{repo}/HEAD?urlpath=lab/tree/notebooks/"


def _readme_binder_links() -> list[str]:
    return BINDER_LINK.findall(_readme())


def test_readme_has_binder_links():
    assert _readme_binder_links(), "README.md has no Binder link"


@pytest.mark.parametrize(
    "link", _readme_binder_links() or ["<none>"], ids=lambda link: link.rsplit("/", 1)[-1]
)
def test_binder_link_built_from_repository_url_and_notebook_exists(link):
    prefix = _binder_prefix()
    assert link.startswith(prefix), (
        f"Binder link {link} is not built from pyproject's Repository URL; expected {prefix}<name>.ipynb"
    )
    name = link[len(prefix):]
    assert re.fullmatch(r"[^/?#]+\.ipynb", name), f"Binder link {link} does not name a notebook"
    assert (ROOT / "notebooks" / name).is_file(), f"Binder link {link}: notebooks/{name} does not exist"


def test_every_notebook_is_listed_in_readme():
    prefix = _binder_prefix()
    linked = {link[len(prefix):] for link in _readme_binder_links() if link.startswith(prefix)}
    notebooks = sorted(p.name for p in (ROOT / "notebooks").glob("*.ipynb"))
    missing = [n for n in notebooks if n not in linked]
    assert not missing, f"notebooks without a Binder link in README.md: {missing}"


# --------------------------------------------------------------------------- (d)


def test_readme_set_up_shows_make_lab_and_make_test():
    text = _readme()
    m = re.search(r"^##\s+Set up\s*$(.*?)(?=^##\s|\Z)", text, re.M | re.S)
    assert m, "README.md has no '## Set up' section"
    blocks = re.findall(r"```[^\n]*\n(.*?)```", m.group(1), re.S)
    commands = [
        line.strip()
        for block in blocks
        for line in block.splitlines()
        if line.strip() and not line.strip().startswith("#")
    ]
    assert commands == ["make lab", "make test"], commands


# --------------------------------------------------------------------------- (e)


def test_ci_run_calls_make_test():
    path = ROOT / ".ci" / "run"
    assert os.access(path, os.X_OK), ".ci/run is not executable"
    lines = [
        line.split("#", 1)[0].strip()
        for line in path.read_text(encoding="utf-8").splitlines()[1:]
    ]
    assert any(re.fullmatch(r"(exec\s+)?make\s+test", line) for line in lines), lines


# ------------------------------------------------------------------ notebook sources
def _build_tool():
    import importlib.util

    spec = importlib.util.spec_from_file_location("build_notebooks", ROOT / "tools" / "build_notebooks.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


NOTEBOOKS = sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_notebook_matches_its_source(path):
    """Every stored notebook was built from notebooks/src/<name>.py and not edited apart
    from it (rebuild with tools/build_notebooks.py)."""
    import json

    tool = _build_tool()
    src = ROOT / "notebooks" / "src" / (path.stem + ".py")
    assert src.exists(), f"{src.relative_to(ROOT)} is missing"
    want = tool.parse(src.read_text(encoding="utf-8"))
    nb = json.loads(path.read_text(encoding="utf-8"))
    got = [{"cell_type": c["cell_type"], "source": "".join(c["source"]),
            "tags": c.get("metadata", {}).get("tags", [])} for c in nb["cells"]]
    assert got == want
    code = [c for c in nb["cells"] if c["cell_type"] == "code"]
    assert all(c.get("execution_count") for c in code), "stored executed: every code cell has run"


def test_notebook_source_format_round_trips():
    tool = _build_tool()
    text = '# %% [markdown]\n# # Title\n#\n# prose\n\n# %%\nx = 1\n\n# %% tags=["raises-exception"]\n1 / 0\n'
    cells = tool.parse(text)
    assert [c["cell_type"] for c in cells] == ["markdown", "code", "code"]
    assert cells[0]["source"] == "# Title\n\nprose" and cells[2]["tags"] == ["raises-exception"]
    nb = {"cells": [{"cell_type": c["cell_type"], "source": c["source"],
                     "metadata": {"tags": c["tags"]} if c["tags"] else {}} for c in cells]}
    assert tool.parse(tool.export(nb)) == cells


def _course():
    import importlib.util

    spec = importlib.util.spec_from_file_location("course", ROOT / "tools" / "course.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def test_readme_notebook_table_is_generated_from_the_course_list():
    course = _course()
    readme = _readme()
    assert course.START in readme and course.END in readme
    table = readme.split(course.START, 1)[1].split(course.END, 1)[0].strip()
    assert table == course.readme_table(), "README's table is stale: run python tools/course.py --readme"


def test_course_list_is_exactly_the_notebooks():
    course = _course()
    listed = [name for name, _ in course.NOTEBOOKS]
    present = sorted(p.stem for p in (ROOT / "notebooks").glob("*.ipynb"))
    assert listed == present, "tools/course.py NOTEBOOKS must list every notebook, in order"
    assert all(text.strip() for _, text in course.NOTEBOOKS)


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_stored_notebook_holds_no_random_widget_ids(path):
    """Widget model ids are uuid4s in the kernel; the builder numbers them in a fixed walk,
    so a rebuild of an unchanged notebook stores the same text (DESIGN: determinism)."""
    text = path.read_text(encoding="utf-8")
    ids = set(re.findall(r'"model_id": "([0-9a-f]{32})"', text)) | set(re.findall(r"IPY_MODEL_([0-9a-f]{32})", text))
    assert all(int(i, 16) < 1 << 16 for i in ids), "random widget model ids: rebuild with tools/build_notebooks.py"


def test_binder_post_build_trusts_the_notebooks_and_make_lab_runs_it():
    """Stored graphs show on first open (on Binder and locally) only in trusted notebooks."""
    post = ROOT / "binder" / "postBuild"
    assert post.is_file() and os.access(post, os.X_OK)
    assert "jupyter trust notebooks/*.ipynb" in post.read_text(encoding="utf-8")
    assert "binder/postBuild" in (ROOT / "Makefile").read_text(encoding="utf-8")
