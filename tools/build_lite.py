#!/usr/bin/env python3
"""The live edition: a JupyterLite site in which every notebook runs in the browser (Pyodide).

    .venv/bin/python tools/build_lite.py [--out lite]

What goes into ``<out>/`` (served as static files; nothing is loaded from anywhere else):

* JupyterLab as a static app (``jupyterlite-core``) with the Pyodide kernel
  (``jupyterlite-pyodide-kernel``) and the ipywidgets lab extension (``jupyterlab_widgets``),
  their wheels taken from the lock (binder/requirements.txt: versions and hashes);
* Pyodide itself, from the npm registry's ``pyodide`` package (pinned, integrity checked), in
  ``static/pyodide/``, with a ``pyodide-lock.json`` of our own: the npm package carries the
  interpreter and the standard library but no packages, so the lock lists only wheels this
  site serves: tokenlab, ipywidgets, graphviz (the Python package), IPython and every other
  pure-Python dependency, at the versions and hashes of binder/requirements.txt (pip checks
  them on download), plus the kernel's own wheels (pyodide-kernel, piplite and the ipykernel
  and widgetsnbextension stand-ins shipped inside jupyterlite-pyodide-kernel). All of them
  are loaded when the kernel starts;
* Graphviz compiled to WebAssembly (npm ``@viz-js/viz``, pinned, integrity checked), as the
  small wheel ``tokenlab-graphviz-wasm`` built here: in Pyodide, ``tokenlab.view.svg()``
  renders through it (``tokenlab/view/_wasm.py``), the same DOT and the same cache as with
  the ``dot`` program;
* the course's notebooks, as stored in ``notebooks/``.

Downloads are cached in ``.cache/`` (npm tarballs after their integrity check, wheels after
pip's hash check), so a rebuild needs no network.
"""
from __future__ import annotations

import base64
import csv
import hashlib
import io
import json
import re
import shutil
import subprocess
import sys
import time
import zipfile
from pathlib import Path

import npm_cache  # tools/npm_cache.py, beside this script

ROOT = Path(__file__).resolve().parents[1]
CACHE = ROOT / ".cache"
LOCK = ROOT / "binder" / "requirements.txt"
NOTEBOOKS = ROOT / "notebooks"
BUILD = ROOT / "build" / "lite-src"   # the JupyterLite "lite_dir" assembled for each build

# npm packages: (name, version, tarball, integrity) — bump all four together.
PYODIDE = ("pyodide", "314.0.6", "https://registry.npmjs.org/pyodide/-/pyodide-314.0.6.tgz",
           "sha512-BKDTJyIqFxC4BExLqeRS3f5xvXZIjOt8C3zGLN/Cc7tFxSwvKVhVkchQQ2AGLOtR4YrVOIFxbV8poyDOOmWwxQ==")
VIZ = ("@viz-js/viz", "3.31.0", "https://registry.npmjs.org/@viz-js/viz/-/viz-3.31.0.tgz",
       "sha512-r7zlQdRvcwvIpjHGgs+KNWHeE/P5/Dq7k8ZAKaMCbZqomxCBJV78gVuQYaHzFVca+kB0mX0fMW9UFevCOBG50A==")
# The Pyodide files the site needs (the npm package also has type definitions, a console
# page and source maps).
PYODIDE_FILES = ["pyodide.mjs", "pyodide.js", "pyodide.asm.mjs", "pyodide.asm.wasm",
                 "python_stdlib.zip", "package.json"]

# What the kernel imports, beyond the standard library: the roots of the wheel set (their
# dependencies are followed through the wheels' metadata).
ROOTS = ["tokenlab", "tokenlab-graphviz-wasm", "ipywidgets", "graphviz", "ipython", "comm", "jedi",
         "micropip", "pyodide-kernel", "piplite", "ipykernel"]
# Wheels jupyterlite-pyodide-kernel ships for the browser (ipykernel and widgetsnbextension
# are stand-ins for the CPython packages of those names).
KERNEL_WHEELS = ["pyodide-kernel", "piplite", "ipykernel", "widgetsnbextension"]
# Lab extensions of the site, as wheels from the lock.
LAB_EXTENSIONS = ["jupyterlite-pyodide-kernel", "jupyterlab-widgets"]

# Pyodide's platform, for the environment markers of the wheels' requirements.
def pyodide_environment(python: str) -> dict[str, str]:
    return {"implementation_name": "cpython", "implementation_version": python,
            "os_name": "posix", "platform_machine": "wasm32", "platform_release": "",
            "platform_system": "Emscripten", "platform_version": "",
            "python_full_version": python, "platform_python_implementation": "CPython",
            "python_version": ".".join(python.split(".")[:2]), "sys_platform": "emscripten", "extra": ""}


# The Python version of the Pyodide above (set from its pyodide-lock.json by build()).
PYTHON_IN_BROWSER = ["3.14"]


def canonical(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def log(msg: str) -> None:
    print(f"build_lite: {msg}", flush=True)


# ------------------------------------------------------------------ npm packages

def npm_package(spec: tuple[str, str, str, str]) -> Path:
    """The package/ folder of an npm tarball, downloaded and verified once, cached."""
    return npm_cache.npm_package(*spec, cache=CACHE, log=log)


# ------------------------------------------------------------------ wheels from the lock

def lock_pins() -> dict[str, tuple[str, list[str]]]:
    """{canonical name: (version, [sha256 hashes])} from binder/requirements.txt."""
    pins: dict[str, tuple[str, list[str]]] = {}
    current = None
    for line in LOCK.read_text(encoding="utf-8").splitlines():
        m = re.match(r"^([A-Za-z0-9][A-Za-z0-9._-]*)==([^\s;\\]+)", line)
        if m:
            current = canonical(m.group(1))
            pins[current] = (m.group(2), [])
        for h in re.findall(r"--hash=sha256:([0-9a-f]{64})", line):
            if current:
                pins[current][1].append(h)
    return pins


def fetch_wheels(names: list[str], pins) -> dict[str, Path]:
    """The pure-Python wheels of ``names`` at the lock's versions, hash-checked by pip."""
    dest = CACHE / "lite-wheels"
    dest.mkdir(parents=True, exist_ok=True)
    found: dict[str, Path] = {}
    missing = []
    for name in names:
        if name not in pins:
            raise SystemExit(f"{name}: needed in the browser but not in binder/requirements.txt; "
                             "add it to pyproject.toml's lite extra and run make lock")
        version = pins[name][0]
        have = [p for p in dest.glob("*.whl") if _wheel_name(p) == (name, version)]
        if have:
            found[name] = have[0]
        else:
            missing.append(name)
    if missing:
        reqs = CACHE / "lite-wheels.txt"
        reqs.write_text("".join(f"{n}=={pins[n][0]} " + " ".join(f"--hash=sha256:{h}" for h in pins[n][1]) + "\n"
                                for n in missing), encoding="utf-8")
        log(f"downloading {len(missing)} wheels (hash-checked): {' '.join(missing)}")
        subprocess.run([sys.executable, "-m", "pip", "download", "--disable-pip-version-check", "--quiet",
                        "--no-deps", "--require-hashes", "--only-binary=:all:", "--platform", "any",
                        "--implementation", "py", "--abi", "none", "--python-version", PYTHON_IN_BROWSER[0],
                        "-r", str(reqs), "-d", str(dest)], check=True)
        for name in missing:
            have = [p for p in dest.glob("*.whl") if _wheel_name(p) == (name, pins[name][0])]
            if not have:
                raise SystemExit(f"{name}=={pins[name][0]}: no pure-Python wheel (py3-none-any) on the index")
            found[name] = have[0]
    return found


def _wheel_name(path: Path) -> tuple[str, str]:
    name, version = path.name.split("-")[:2]
    return canonical(name), version


def wheel_metadata(path: Path) -> tuple[str, str, list[str], list[str]]:
    """(name, version, Requires-Dist lines, top-level import names) of a wheel."""
    with zipfile.ZipFile(path) as z:
        meta_name = next(n for n in z.namelist() if n.endswith(".dist-info/METADATA") and n.count("/") == 1)
        meta = z.read(meta_name).decode("utf-8")
        tops = set()
        for n in z.namelist():
            first = n.split("/")[0]
            if first.endswith((".dist-info", ".data")):
                continue
            if "/" in n:
                tops.add(first)
            elif n.endswith(".py"):
                tops.add(n[:-3])
    name = re.search(r"^Name: (.+)$", meta, re.M).group(1).strip()
    version = re.search(r"^Version: (.+)$", meta, re.M).group(1).strip()
    requires = [m.strip() for m in re.findall(r"^Requires-Dist: (.+)$", meta, re.M)]
    return name, version, requires, sorted(tops)


# ------------------------------------------------------------------ wheels built here

def build_tokenlab_wheel(out: Path) -> Path:
    out.mkdir(parents=True, exist_ok=True)
    for old in out.glob("tokenlab-*.whl"):
        old.unlink()
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--disable-pip-version-check", "--quiet", "--no-deps",
                    "--no-build-isolation", "-w", str(out), str(ROOT)], check=True)
    # pip leaves build/lib behind; this build's wheel is all we need
    return next(out.glob("tokenlab-*.whl"))


def build_viz_wheel(out: Path) -> Path:
    """``tokenlab-graphviz-wasm``: @viz-js/viz's browser bundle (Graphviz in WebAssembly, one
    classic script that defines ``Viz``) as package data, for tokenlab/view/_wasm.py."""
    viz = npm_package(VIZ)
    version = VIZ[1]
    script = (viz / "dist" / "viz-global.js").read_bytes()
    pkg = "tokenlab_graphviz_wasm"
    dist = f"tokenlab_graphviz_wasm-{version}"
    files = {
        f"{pkg}/__init__.py": (f'"""Graphviz compiled to WebAssembly: @viz-js/viz {version} from the npm registry '
                               f'(MIT; Graphviz under EPL).\n\ntokenlab.view renders DOT with it under Pyodide."""\n'
                               f'VIZ_VERSION = "{version}"\nSCRIPT = "viz-global.js"\n').encode(),
        f"{pkg}/viz-global.js": script,
        f"{dist}.dist-info/METADATA": (f"Metadata-Version: 2.1\nName: tokenlab-graphviz-wasm\nVersion: {version}\n"
                                       "Summary: Graphviz (WebAssembly, @viz-js/viz) for tokenlab in Pyodide\n"
                                       "License: MIT\n").encode(),
        f"{dist}.dist-info/WHEEL": b"Wheel-Version: 1.0\nGenerator: tokenlab build_lite\nRoot-Is-Purelib: true\nTag: py3-none-any\n",
    }
    record = io.StringIO()
    writer = csv.writer(record, lineterminator="\n")
    for name, data in files.items():
        digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()
        writer.writerow([name, f"sha256={digest}", len(data)])
    writer.writerow([f"{dist}.dist-info/RECORD", "", ""])
    files[f"{dist}.dist-info/RECORD"] = record.getvalue().encode()
    out.mkdir(parents=True, exist_ok=True)
    path = out / f"{dist}-py3-none-any.whl"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        for name, data in files.items():
            info = zipfile.ZipInfo(name, date_time=(1980, 1, 1, 0, 0, 0))
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            z.writestr(info, data)
    return path


def kernel_wheels(kernel_extension_wheel: Path, out: Path) -> dict[str, Path]:
    """The browser wheels inside jupyterlite-pyodide-kernel's lab extension (static/pypi)."""
    out.mkdir(parents=True, exist_ok=True)
    found: dict[str, Path] = {}
    with zipfile.ZipFile(kernel_extension_wheel) as z:
        for n in z.namelist():
            if "/static/pypi/" in n and n.endswith(".whl"):
                path = out / n.rsplit("/", 1)[1]
                path.write_bytes(z.read(n))
                name, version = _wheel_name(path)
                if name == "widgetsnbextension" and not version.startswith("4."):
                    continue  # the ipywidgets 7 stand-in
                found[name] = path
    missing = set(KERNEL_WHEELS) - set(found)
    if missing:
        raise SystemExit(f"{kernel_extension_wheel.name} no longer ships {sorted(missing)}")
    return found


# ------------------------------------------------------------------ the Pyodide lock

def resolve(roots: list[str], available: dict[str, Path], pins, python: str) -> dict[str, Path]:
    """Follow the requirements of ``roots`` (as Pyodide sees them) through wheel metadata,
    level by level, fetching each level's new dependencies from the lock at once; then check
    every requirement is met by what was chosen. {name: wheel}."""
    from packaging.requirements import Requirement

    env = pyodide_environment(python)
    wheels = dict(available)
    chosen: dict[str, Path] = {}
    frontier = sorted({canonical(r) for r in roots})
    while frontier:
        need = [n for n in frontier if n not in wheels]
        if need:
            wheels.update(fetch_wheels(need, pins))
        following = set()
        for name in frontier:
            chosen[name] = wheels[name]
            for spec in wheel_metadata(wheels[name])[2]:
                req = Requirement(spec)
                if not req.marker or req.marker.evaluate(env):
                    following.add(canonical(req.name))
        frontier = sorted(following - set(chosen))
    for name, path in chosen.items():
        for spec in wheel_metadata(path)[2]:
            req = Requirement(spec)
            if req.marker and not req.marker.evaluate(env):
                continue
            have = chosen[canonical(req.name)]
            if not req.specifier.contains(_wheel_name(have)[1], prereleases=True):
                raise SystemExit(f"{name} needs {spec}, the site has {have.name}")
    return chosen


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def pyodide_lock(npm_lock: dict, wheels: dict[str, Path], python: str) -> dict:
    """A pyodide-lock.json listing exactly the wheels this site serves."""
    from packaging.requirements import Requirement

    env = pyodide_environment(python)
    packages = {}
    for name, path in sorted(wheels.items()):
        _, version, requires, tops = wheel_metadata(path)
        depends = sorted({canonical(Requirement(r).name) for r in requires
                          if not Requirement(r).marker or Requirement(r).marker.evaluate(env)})
        packages[name] = {
            "name": name, "version": version, "file_name": path.name, "install_dir": "site",
            "sha256": sha256(path), "package_type": "package", "imports": tops,
            "depends": depends, "unvendored_tests": False,
        }
    return {"info": npm_lock["info"], "packages": packages}


# ------------------------------------------------------------------ the site

def site_config(packages: list[str]) -> dict:
    return {
        "jupyter-config-data": {
            "appName": "tokenlab — live",
            # window.jupyterapp: what tests/browser/test_lite.py drives (as in the Lab tests)
            "exposeAppInBrowser": "true",
            "litePluginSettings": {
                "@jupyterlite/pyodide-kernel-extension:kernel": {
                    # every wheel of static/pyodide/pyodide-lock.json, loaded as the kernel starts
                    "loadPyodideOptions": {"packages": packages},
                    # nothing from a package index: the site has all there is
                    "disablePyPIFallback": True,
                },
            },
        },
    }


SETTINGS_OVERRIDES = {
    # no news feed or update check: the site works offline
    "@jupyterlab/apputils-extension:notification": {"fetchNews": "false", "checkForUpdates": False},
    # lay out every cell, on screen or not (graphs and widgets below the fold are drawn too)
    "@jupyterlab/notebook-extension:tracker": {"windowingMode": "none"},
}


def build(out: Path) -> dict:
    start = time.perf_counter()
    pins = lock_pins()
    python = json.loads((npm_package(PYODIDE) / "pyodide-lock.json").read_text())["info"]["python"]
    PYTHON_IN_BROWSER[0] = ".".join(python.split(".")[:2])
    pyodide_dir = npm_package(PYODIDE)
    npm_package(VIZ)

    work = CACHE / "lite-built"
    shutil.rmtree(work, ignore_errors=True)
    ext_wheels = fetch_wheels([canonical(n) for n in LAB_EXTENSIONS], pins)
    available = kernel_wheels(ext_wheels["jupyterlite-pyodide-kernel"], work)
    available["tokenlab"] = build_tokenlab_wheel(work)
    available["tokenlab-graphviz-wasm"] = build_viz_wheel(work)
    wheels = resolve(ROOTS, available, pins, python)

    # the lite_dir: Pyodide (with our lock and wheels), the notebooks, the configuration
    shutil.rmtree(BUILD, ignore_errors=True)
    static = BUILD / "static" / "pyodide"
    static.mkdir(parents=True)
    for f in PYODIDE_FILES:
        shutil.copy2(pyodide_dir / f, static / f)
    for path in wheels.values():
        shutil.copy2(path, static / path.name)
    npm_lock = json.loads((pyodide_dir / "pyodide-lock.json").read_text(encoding="utf-8"))
    lock = pyodide_lock(npm_lock, wheels, python)
    (static / "pyodide-lock.json").write_text(json.dumps(lock, indent=1, sort_keys=True), encoding="utf-8")
    files = BUILD / "files"
    files.mkdir()
    for nb in sorted(NOTEBOOKS.glob("[0-9][0-9]_*.ipynb")):
        shutil.copy2(nb, files / nb.name)
    (BUILD / "jupyter-lite.json").write_text(json.dumps(site_config(sorted(lock["packages"])), indent=1),
                                             encoding="utf-8")
    (BUILD / "overrides.json").write_text(json.dumps(SETTINGS_OVERRIDES, indent=1), encoding="utf-8")
    (BUILD / "jupyter_lite_config.json").write_text(json.dumps({
        "LiteBuildConfig": {
            "apps": ["lab", "notebooks", "tree"],
            "contents": ["files"],
            "federated_extensions": [str(ext_wheels[canonical(n)]) for n in LAB_EXTENSIONS],
            "ignore_sys_prefix": True,
            "no_sourcemaps": True,
            "no_unused_shared_packages": True,
            "output_dir": str(out),
            "cache_dir": str(CACHE / "jupyterlite"),
        },
    }, indent=1), encoding="utf-8")

    shutil.rmtree(out, ignore_errors=True)
    jupyter = Path(sys.executable).with_name("jupyter")
    log("jupyter lite build")
    subprocess.run([str(jupyter), "lite", "build", "--lite-dir", str(BUILD), "--output-dir", str(out)],
                   cwd=BUILD, check=True)
    # the build's bookkeeping is no part of the site
    for junk in out.glob(".jupyterlite.doit.db*"):
        junk.unlink()
    (out / ".nojekyll").write_text("")  # GitHub Pages: publish every file as it is
    size = sum(p.stat().st_size for p in out.rglob("*") if p.is_file())
    took = time.perf_counter() - start
    summary = {"seconds": round(took, 1), "bytes": size, "files": sum(1 for p in out.rglob("*") if p.is_file()),
               "wheels": {n: p.name for n, p in sorted(wheels.items())}, "pyodide": PYODIDE[1], "viz": VIZ[1]}
    (out / "tokenlab-lite.json").write_text(json.dumps(summary, indent=1), encoding="utf-8")
    log(f"{out}: {summary['files']} files, {size / 2**20:.1f} MiB, Pyodide {PYODIDE[1]} (Python {python}), "
        f"{len(wheels)} wheels, built in {took:.0f} s")
    return summary


def main(argv: list[str]) -> int:
    out = ROOT / "lite"
    args = iter(argv)
    for a in args:
        if a == "--out":
            out = Path(next(args)).resolve()
        else:
            print(__doc__)
            return 2
    build(out)
    print(f"live edition in {out}/ — serve it with: python -m http.server -d {out.relative_to(ROOT) if out.is_relative_to(ROOT) else out} 8000")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
