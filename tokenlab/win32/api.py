"""The Win32 facade: ``thread.api.OpenThreadToken(...)`` with Windows' names and rules.

Each function is thin (STYLE.md 7): check argument types, look up the handles with the
rights they need, call the machine, return. Conventions (DESIGN.md):

* names, argument order and constants are Win32's (no A/W suffix); ``None`` is NULL;
* out-parameters are return values (a tuple in declaration order when there are several);
  length and count parameters that only size C buffers are dropped, as pywin32 does;
* a failure raises :class:`~tokenlab.errors.WinError` (``.winerror``) and changes nothing
  but the thread's last-error value, which ``GetLastError()`` reads as on Windows;
* handles are ints; pseudo-handles have Windows' values and are resolved when used.
"""
from __future__ import annotations

from .base import win32
from .clients import ClientCalls
from .files import FileCalls
from .processes import ProcessCalls
from .security import SecurityCalls
from .sync import SyncCalls
from .tokens import TokenCalls

__all__ = ["Api", "win32"]


class Api(ProcessCalls, SyncCalls, TokenCalls, SecurityCalls, ClientCalls, FileCalls):
    """The Win32 functions, with ``thread`` as the calling (current) thread.

    The calls live in files by subject (``processes.py``, ``sync.py``, ``tokens.py``,
    ``security.py``, ``clients.py``, ``files.py``); this class puts them on one object, ``thread.api``.
    """

    def __repr__(self) -> str:
        return f"<Win32 API of thread {self.thread.tid} in {self.process.image}>"
