"""Binder's install, replayed: repo2docker's base environment, then our binder/ files.

repo2docker (2026.4.0, Python buildpack) builds a conda base environment and then runs, in
it, ``pip install -r binder/requirements.txt`` and ``binder/postBuild``. This test does the
same in a throwaway venv and asserts that pip's resolver reports no conflict and that
``pip check`` finds nothing broken.

The base environment, reconstructed (it cannot be fetched here): repo2docker's
``buildpacks/conda/environment.py-3.13.yml`` asks conda-forge for python 3.13, nodejs, pip,
``ipywidgets==8.*``, ``jupyter-offlinenotebook==0.3.*``, ``jupyter-resource-usage==1.*``,
``jupyter_server==2.*``, ``jupyterhub-singleuser==5.*``, ``jupyterlab==4.*`` and
``notebook==7.*``; its frozen lock of that release holds ``notebook`` 7.4.7 (which requires
``jupyterlab<4.5``), so the versions below are that generation's: they are installed from
the package index as the Python packages of the same names and versions (conda-forge's
``jupyterhub-singleuser`` is the ``jupyterhub`` package). What matters for the conflict — a
base package whose requirement excludes what the lock installs — is kept.

Run by ``make check-binder`` (it downloads the base and the lock into a fresh venv, the
lock with ``--no-cache-dir`` as repo2docker does: 75-110 s here), not by ``make test``, whose
tests/test_lock.py checks the lock offline.
"""
from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]

BASE = [
    "notebook==7.4.7",
    "jupyterlab==4.4.10",
    "jupyter-server==2.17.0",
    "jupyterhub==5.4.2",
    "jupyter-resource-usage==1.1.1",
    "jupyter-offlinenotebook==0.3.1",
    "ipywidgets==8.1.7",
]

pytestmark = pytest.mark.slow


def _run(cmd, **kw) -> subprocess.CompletedProcess:
    env = dict(os.environ, PIP_DISABLE_PIP_VERSION_CHECK="1", PYTHONNOUSERSITE="1")
    env.pop("VIRTUAL_ENV", None)
    return subprocess.run(cmd, capture_output=True, text=True, env=env, **kw)


def test_binder_install_over_its_base_has_no_conflict(tmp_path):
    python = subprocess.run([str(ROOT / "tools" / "find-python.sh")], capture_output=True, text=True,
                            check=True).stdout.strip()
    venv = tmp_path / "base"
    start = time.perf_counter()
    assert _run([python, "-m", "venv", str(venv)]).returncode == 0
    vpy = str(venv / "bin" / "python")
    # 1. the base environment (the conda step of repo2docker, as pip packages)
    uv = Path(sys.executable).with_name("uv")
    if uv.is_file():
        base = _run([str(uv), "pip", "install", "--python", vpy, *BASE])
    else:
        base = _run([vpy, "-m", "pip", "install", *BASE])
    assert base.returncode == 0, base.stdout[-3000:] + base.stderr[-3000:]
    # 2. exactly what repo2docker runs next
    install = _run([vpy, "-m", "pip", "install", "--no-cache-dir", "-r", "binder/requirements.txt"], cwd=ROOT)
    output = install.stdout + install.stderr
    assert install.returncode == 0, output[-5000:]
    assert "dependency conflicts" not in output and "incompatible" not in output, output[-5000:]
    # 3. binder/postBuild's install of tokenlab itself
    post = _run([vpy, "-m", "pip", "install", "--no-deps", "--no-build-isolation", "-e", "."], cwd=ROOT)
    assert post.returncode == 0, post.stdout[-3000:] + post.stderr[-3000:]
    # 4. nothing broken, and the course imports
    check = _run([vpy, "-m", "pip", "check"])
    assert check.returncode == 0, check.stdout + check.stderr
    imports = _run([vpy, "-c", "import tokenlab, tokenlab.view, tokenlab.ui, notebook, jupyterlab; "
                               "print(jupyterlab.__version__)"], cwd=tmp_path)
    assert imports.returncode == 0, imports.stderr
    print(f"replayed Binder's install in {time.perf_counter() - start:.0f} s: {check.stdout.strip()}; "
          f"jupyterlab {imports.stdout.strip()}")
