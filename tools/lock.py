#!/usr/bin/env python3
"""The lock: binder/requirements.txt, every package pinned with its hashes, from pyproject.toml.

    .venv/bin/python tools/lock.py           # regenerate it (make lock; needs the package index)
    .venv/bin/python tools/lock.py --check   # does it still match pyproject.toml? (offline)

Inputs: every extra of pyproject.toml (notebooks, test, bench, lite, lock) and
``binder/repo2docker-base.in`` (what Binder's base image brings, so that installing the lock
over it leaves no conflict). ``uv pip compile --universal --generate-hashes`` resolves them for
the Python of ``binder/runtime.txt`` and every platform, so one file serves Binder, ``make
setup`` and CI alike. The lock's first line records a digest of those inputs: ``--check`` (and
tests/test_lock.py) fails when pyproject.toml or the base list changed and the lock was not
regenerated, or when a pin no longer satisfies what pyproject.toml asks for.

The lock does not name tokenlab itself: an editable install cannot carry a hash, and pip's
hash-checking mode (on as soon as one line has a hash) refuses anything without one. So
tokenlab is installed after it, with ``pip install --no-deps --no-build-isolation -e .``
(binder/postBuild, ``make setup``), its build backend (setuptools) coming from the lock.
"""
from __future__ import annotations

import hashlib
import json
import re
import subprocess
import sys
import time
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
LOCK = ROOT / "binder" / "requirements.txt"
BASE = ROOT / "binder" / "repo2docker-base.in"
RUNTIME = ROOT / "binder" / "runtime.txt"
DIGEST_PREFIX = "# inputs-sha256: "


def python_version() -> str:
    """'3.13' from binder/runtime.txt ('python-3.13')."""
    text = RUNTIME.read_text(encoding="utf-8").strip()
    m = re.fullmatch(r"python-(\d+\.\d+)(?:\.\d+)?", text)
    if not m:
        raise SystemExit(f"{RUNTIME}: expected 'python-X.Y', found {text!r}")
    return m.group(1)


def project() -> dict:
    return tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]


def inputs_digest() -> str:
    """What the lock is made from: the project's requirements, the base list, the Python."""
    p = project()
    material = {
        "requires-python": p.get("requires-python"),
        "dependencies": p.get("dependencies", []),
        "optional-dependencies": p.get("optional-dependencies", {}),
        "base": [line.split("#", 1)[0].strip() for line in BASE.read_text(encoding="utf-8").splitlines()
                 if line.split("#", 1)[0].strip()],
        "python": python_version(),
    }
    return hashlib.sha256(json.dumps(material, sort_keys=True).encode()).hexdigest()


def pins(text: str | None = None) -> dict[str, str]:
    """{canonical name: version} of every ``name==version`` line of the lock."""
    text = LOCK.read_text(encoding="utf-8") if text is None else text
    found = {}
    for line in text.splitlines():
        m = re.match(r"^([A-Za-z0-9][A-Za-z0-9._-]*)==([^\s;\\]+)", line)
        if m:
            found[re.sub(r"[-_.]+", "-", m.group(1)).lower()] = m.group(2)
    return found


def problems() -> list[str]:
    """Why the lock and pyproject.toml disagree (empty: they agree)."""
    from packaging.markers import default_environment
    from packaging.requirements import Requirement
    from packaging.utils import canonicalize_name

    if not LOCK.is_file():
        return [f"{LOCK.relative_to(ROOT)} is missing: run make lock"]
    text = LOCK.read_text(encoding="utf-8")
    found = []
    first = text.splitlines()[0] if text else ""
    if first != DIGEST_PREFIX + inputs_digest():
        found.append("pyproject.toml, binder/repo2docker-base.in or binder/runtime.txt changed since the "
                     "lock was written: run make lock")
    locked = pins(text)
    env = default_environment() | {"python_version": python_version(),
                                   "python_full_version": python_version() + ".0"}
    p = project()
    wanted = list(p.get("dependencies", []))
    for extra in p.get("optional-dependencies", {}).values():
        wanted += extra
    wanted += [line.split("#", 1)[0].strip() for line in BASE.read_text(encoding="utf-8").splitlines()
               if line.split("#", 1)[0].strip()]
    for spec in wanted:
        req = Requirement(spec)
        name = canonicalize_name(req.name)
        if name == "tokenlab" or (req.marker and not req.marker.evaluate(env)):
            continue
        if name not in locked:
            found.append(f"{spec}: not in the lock")
        elif not req.specifier.contains(locked[name], prereleases=True):
            found.append(f"{spec}: the lock pins {name}=={locked[name]}")
    if "tokenlab" in locked or re.search(r"^-e ", text, re.M):
        found.append("the lock names tokenlab itself; it is installed after it (-e . cannot carry a hash)")
    if not re.search(r"--hash=sha256:", text):
        found.append("the lock has no hashes")
    return found


def uv() -> list[str]:
    exe = Path(sys.executable).with_name("uv")
    if exe.is_file():
        return [str(exe)]
    return [sys.executable, "-m", "uv"]


def write() -> None:
    start = time.perf_counter()
    cmd = uv() + [
        "pip", "compile", "pyproject.toml", str(BASE.relative_to(ROOT)), "--all-extras",
        "--universal", "--python-version", python_version(), "--generate-hashes",
        "--no-emit-package", "tokenlab", "--custom-compile-command", "make lock",
        "--quiet", "--output-file", str(LOCK.with_suffix(".tmp")),
    ]
    subprocess.run(cmd, cwd=ROOT, check=True)
    tmp = LOCK.with_suffix(".tmp")
    out = tmp.read_text(encoding="utf-8")
    tmp.unlink()
    header = (f"{DIGEST_PREFIX}{inputs_digest()}\n"
              "# The one environment definition, fully pinned with hashes: Binder installs it\n"
              "# (then binder/postBuild installs tokenlab itself), and so do `make setup` and CI.\n"
              "# Do not edit: change pyproject.toml or binder/repo2docker-base.in, then `make lock`.\n")
    LOCK.write_text(header + out, encoding="utf-8")
    print(f"{LOCK.relative_to(ROOT)}: {len(pins())} packages pinned with hashes for Python "
          f"{python_version()}, in {time.perf_counter() - start:.1f} s")


def main(argv: list[str]) -> int:
    if argv == ["--check"]:
        found = problems()
        for p in found:
            print(f"lock: {p}", file=sys.stderr)
        if not found:
            print(f"{LOCK.relative_to(ROOT)} matches pyproject.toml ({len(pins())} pins)")
        return 1 if found else 0
    if argv:
        print(__doc__)
        return 2
    write()
    found = problems()
    for p in found:
        print(f"lock: {p}", file=sys.stderr)
    return 1 if found else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
