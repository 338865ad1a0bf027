"""The JupyterLab server test_notebooks_in_browser.py drives, and where things are.

The server is started on a free loopback port with a random token, serving a fresh
temporary copy of ``notebooks/``, with its own config, data, runtime, settings and
workspaces directories, and with every feature that would reach for the network turned
off. It is stopped by its own process id whatever happens (fixture finaliser, ``atexit``,
and ``PR_SET_PDEATHSIG`` should this pytest process die without cleaning up), and every
kernel it started is shut down with it.

Environment overrides (for development; ``make test`` needs none):
``TOKENLAB_BROWSER_NOTEBOOKS``  directory holding the ``NN_*.ipynb`` to test (default ``notebooks/``)
``TOKENLAB_CHROMIUM``           the Chromium executable (default ``/usr/bin/chromium``)
"""
from __future__ import annotations

import atexit
import ctypes
import json
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path


REPO = Path(__file__).resolve().parents[2]
NOTEBOOKS = Path(os.environ.get("TOKENLAB_BROWSER_NOTEBOOKS") or REPO / "notebooks")
ARTIFACTS = REPO / "artifacts"
SCREENSHOTS = ARTIFACTS / "screenshots"
CHROMIUM = os.environ.get("TOKENLAB_CHROMIUM") or "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
    # Nothing may wait on the network: every host name except the loopback address fails
    # to resolve at once (the page only ever talks to 127.0.0.1).
    "--host-resolver-rules=MAP * ~NOTFOUND , EXCLUDE 127.0.0.1",
]

# The Lab's user settings (a fresh settings directory holds only these).
SETTINGS = {
    # No news or update prompts: no network, and no toast over the screenshots.
    "@jupyterlab/apputils-extension/notification": {"fetchNews": "false", "checkForUpdates": False},
    # Lay out every cell, on screen or not. The default ("contentVisibility") skips the layout
    # of off-screen cells, so their widgets and SVGs would measure 0x0 until scrolled to.
    "@jupyterlab/notebook-extension/tracker": {"windowingMode": "none"},
}

SERVER_START_TIMEOUT = 120.0   # seconds until GET /api/status answers
SERVER_STOP_TIMEOUT = 20.0     # seconds for a clean shutdown before SIGKILL


def notebook_paths() -> list[Path]:
    """Every course notebook there is now (collected when the tests are collected)."""
    return sorted(NOTEBOOKS.glob("[0-9][0-9]_*.ipynb"))


# ------------------------------------------------------------------ the Lab server

def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _die_with_parent() -> None:  # runs in the child between fork and exec
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(1, signal.SIGTERM, 0, 0, 0)  # PR_SET_PDEATHSIG
    except Exception:  # noqa: BLE001 - best effort; not fatal anywhere
        pass


TMP_PREFIX = "tokenlab-browser-"


def _remove_stale_temp_dirs() -> None:
    """Temporary directories of runs that were killed (named after their pytest's pid, which
    is gone): a killed run cannot clean up after itself."""
    import psutil

    for d in Path(tempfile.gettempdir()).glob(f"{TMP_PREFIX}*-*"):
        pid = d.name[len(TMP_PREFIX):].split("-", 1)[0]
        if pid.isdigit() and not psutil.pid_exists(int(pid)):
            shutil.rmtree(d, ignore_errors=True)


_NO_PROXY = urllib.request.build_opener(urllib.request.ProxyHandler({}))

PR_SET_CHILD_SUBREAPER = 36
# Processes that may end up orphaned under us while we are a subreaper: Chromium's helpers
# (its zygote's children outlive the browser by a moment), and kernels whose server died.
_ADOPTABLE = ("chromium", "chrome", "chrome_crashpad", "python", "ipykernel")


def set_subreaper(on: bool) -> bool:
    """Make this process the reaper of its orphaned descendants (Linux), so that nothing we
    started ends as a zombie waiting on an init that may never reap it. True if it worked."""
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        return libc.prctl(PR_SET_CHILD_SUBREAPER, 1 if on else 0, 0, 0, 0) == 0
    except Exception:  # noqa: BLE001 - not Linux: nothing to do
        return False


def reap_adopted(keep: set[int] = frozenset(), timeout: float = 10) -> list[str]:
    """Wait for (and reap) the orphans this process adopted as a subreaper; kill those still
    running after ``timeout``. Only Chromium and kernel processes, never a pid in ``keep``.
    Returns what had to be killed."""
    import psutil

    adopted = []
    for child in psutil.Process().children():
        try:
            if child.pid not in keep and child.name().startswith(_ADOPTABLE):
                adopted.append(child)
        except psutil.Error:
            pass
    _gone, alive = psutil.wait_procs(adopted, timeout=timeout)  # waitpid: reaps our children
    killed = []
    for p in alive:
        try:
            killed.append(f"{p.pid} {p.name()}")
            p.kill()
        except psutil.Error:
            pass
    psutil.wait_procs(alive, timeout=5)
    return killed


class LabServer:
    """A ``jupyter lab`` process of our own; :meth:`stop` is idempotent."""

    def __init__(self, notebooks: Path):
        _remove_stale_temp_dirs()
        self.tmp = Path(tempfile.mkdtemp(prefix=f"{TMP_PREFIX}{os.getpid()}-"))
        self.root = self.tmp / "notebooks"
        shutil.copytree(notebooks, self.root, ignore=shutil.ignore_patterns(".ipynb_checkpoints"))
        self.token = secrets.token_hex(24)
        self.proc: subprocess.Popen | None = None
        self.port = 0
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        self.log_path = ARTIFACTS / "jupyter-lab.log"
        self._kernels: dict[int, object] = {}  # pid -> psutil.Process, every kernel seen
        self._stopped = False
        for path, value in SETTINGS.items():
            target = self.tmp / "settings" / f"{path}.jupyterlab-settings"
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(json.dumps(value))

    # -- start ---------------------------------------------------------------------
    def _command(self) -> list[str]:
        return [
            sys.executable, "-m", "jupyterlab",
            "--no-browser", "--ip", "127.0.0.1", "--port", str(self.port),
            "--ServerApp.port_retries=0", "--allow-root",
            f"--IdentityProvider.token={self.token}",
            f"--ServerApp.root_dir={self.root}",
            f"--LabApp.workspaces_dir={self.tmp / 'workspaces'}",
            f"--LabApp.user_settings_dir={self.tmp / 'settings'}",
            "--expose-app-in-browser",
            # no network: no news feed, no update check, no PyPI extension manager
            "--LabApp.news_url=None",
            "--LabApp.check_for_updates_class=jupyterlab.handlers.announcements.NeverCheckForUpdate",
            "--LabApp.extension_manager=readonly",
            "--ServerApp.disable_check_xsrf=True",
        ]

    def _env(self) -> dict[str, str]:
        env = dict(os.environ)
        for var, sub in (("JUPYTER_CONFIG_DIR", "config"), ("JUPYTER_DATA_DIR", "data"),
                         ("JUPYTER_RUNTIME_DIR", "runtime"), ("IPYTHONDIR", "ipython")):
            env[var] = str(self.tmp / sub)
        env["JUPYTER_PREFER_ENV_PATH"] = "1"  # the venv's kernelspec and extensions first
        env.pop("JUPYTER_TOKEN", None)
        env.pop("JUPYTER_PATH", None)
        env.pop("JUPYTER_CONFIG_PATH", None)
        env["PYTHONUNBUFFERED"] = "1"
        return env

    def start(self) -> None:
        atexit.register(self.stop)
        failures = []
        for attempt in range(3):  # another process may take the free port first
            self.port = _free_port()
            log = open(self.log_path, "ab" if attempt else "wb")
            log.write(f"\n===== {time.strftime('%H:%M:%S')} starting on port {self.port}\n".encode())
            log.flush()
            self.proc = subprocess.Popen(self._command(), cwd=self.tmp, env=self._env(),
                                         stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT,
                                         start_new_session=True, preexec_fn=_die_with_parent)
            log.close()
            why = self._wait_ready()
            if why is None:
                return
            failures.append(why)
            self._kill_process_group()
            if "already in use" not in self.log_tail():
                break
        raise RuntimeError("JupyterLab did not start: " + "; ".join(failures)
                           + f"\n--- {self.log_path} (tail) ---\n{self.log_tail()}")

    def _wait_ready(self) -> str | None:
        """None once GET /api/status answers, else why not."""
        deadline = time.monotonic() + SERVER_START_TIMEOUT
        last = "no answer yet"
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                return f"jupyter lab exited with code {self.proc.returncode}"
            try:
                with _NO_PROXY.open(self.url("api/status"), timeout=5) as r:
                    status = json.loads(r.read())
                if r.status == 200 and "started" in status:
                    return None
            except (urllib.error.URLError, OSError, ValueError) as exc:
                last = repr(exc)
            time.sleep(0.2)  # a polling interval, not a wait for readiness
        return f"GET /api/status did not answer within {SERVER_START_TIMEOUT:.0f} s (last: {last})"

    # -- use -------------------------------------------------------------------------
    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}/"

    def url(self, path: str) -> str:
        sep = "&" if "?" in path else "?"
        return f"{self.base}{path}{sep}token={self.token}"

    def api(self, method: str, path: str, timeout: float = 30):
        req = urllib.request.Request(self.base + path, method=method,
                                     headers={"Authorization": f"token {self.token}"})
        with _NO_PROXY.open(req, timeout=timeout) as r:
            body = r.read()
        return json.loads(body) if body else None

    def log_tail(self, n: int = 60) -> str:
        try:
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-n:])
        except OSError:
            return ""

    def _note_kernels(self) -> None:
        """Remember every kernel process of the server, to make sure they all end."""
        import psutil

        if self.proc is None or self.proc.poll() is not None:
            return
        try:
            for child in psutil.Process(self.proc.pid).children(recursive=True):
                self._kernels.setdefault(child.pid, child)
        except psutil.Error:
            pass

    def shutdown_kernels(self) -> None:
        """Shut down every session and kernel (after each notebook), through the REST API."""
        self._note_kernels()
        try:
            for session in self.api("GET", "api/sessions"):
                self.api("DELETE", f"api/sessions/{session['id']}")
            for kernel in self.api("GET", "api/kernels"):
                self.api("DELETE", f"api/kernels/{kernel['id']}")
        except (urllib.error.URLError, OSError, ValueError):
            pass  # stop() ends them anyway
        self._reap_kernels(timeout=10)

    def _reap_kernels(self, timeout: float) -> list[int]:
        """Wait for the kernels seen so far to end; kill those that do not. The pids killed."""
        import psutil

        alive = [p for p in self._kernels.values() if _running(p)]
        _gone, alive = psutil.wait_procs(alive, timeout=timeout)
        killed = []
        for p in alive:
            try:
                p.kill()  # psutil checks it is still the same process (pid reuse)
                killed.append(p.pid)
            except psutil.Error:
                pass
        psutil.wait_procs(alive, timeout=5)
        self._kernels = {pid: p for pid, p in self._kernels.items() if _running(p)}
        return killed

    # -- stop ------------------------------------------------------------------------
    def _kill_process_group(self) -> None:
        """SIGTERM, then SIGKILL, to the server's own process group (start_new_session made
        it the leader). Only while the leader is not yet reaped: until we reap it, its pid (and
        so the group id) cannot belong to anyone else."""
        proc = self.proc
        if proc is None:
            return
        if proc.poll() is None:
            for sig, wait in ((signal.SIGTERM, SERVER_STOP_TIMEOUT), (signal.SIGKILL, 10)):
                try:
                    os.killpg(proc.pid, sig)
                except ProcessLookupError:
                    break
                try:
                    proc.wait(timeout=wait)
                    break
                except subprocess.TimeoutExpired:
                    continue
        try:
            proc.wait(timeout=10)  # reaped: no zombie
        except subprocess.TimeoutExpired:
            pass

    def stop(self) -> None:
        if self._stopped:
            return
        self._stopped = True
        try:
            self._note_kernels()
            if self.proc is not None and self.proc.poll() is None:
                # SIGTERM to the server itself first: it shuts its kernels down cleanly.
                self.proc.send_signal(signal.SIGTERM)
                try:
                    self.proc.wait(timeout=SERVER_STOP_TIMEOUT)
                except subprocess.TimeoutExpired:
                    pass
            self._kill_process_group()
            self._reap_kernels(timeout=5)
        finally:
            shutil.rmtree(self.tmp, ignore_errors=True)


def _running(p) -> bool:
    import psutil

    try:
        return p.is_running() and p.status() != psutil.STATUS_ZOMBIE
    except psutil.Error:
        return False
