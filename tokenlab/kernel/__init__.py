"""Room 2, the kernel: the simulated machine and every rule that decides what a call does.

Files, one concept each: ``objects`` (the object header: descriptor, references),
``handles`` (per-process handle tables), ``token`` (the token object and its rules:
duplication, restriction, privileges, settable information), ``process`` (processes,
threads and the one token slot), ``spawn`` (starting a process from a primary token:
CreateProcess, CreateProcessAsUser, CreateProcessWithTokenW), ``lsa`` (accounts, logon
sessions, the tokens logons make and their descriptors), ``srm`` (new-object security,
inheritance, opens, impersonation — the security reference monitor), ``sync`` (events,
mutexes and semaphores by name), ``files`` (the ``C:\\`` volume: files and directories),
``pipes`` (named pipes), ``com`` (tokenlab's model of COM activation), ``events``
(what rules report while a call runs) and ``machine`` (the hub that owns them all).

Rules come from Microsoft's docs, [MS-DTYP], Wine's Windows-run tests and *Windows Security
Internals*; each function names its source, and ``docs/model.md`` lists them. The kernel
reports what its rules decided as structured events (rule id and values); it never writes
a learner's sentence (``tokenlab.teaching.narrate`` does). It imports only
``tokenlab.security``.
"""
from .machine import Machine
from .process import Event, Process, Thread
from .token import Token

__all__ = ["Event", "Machine", "Process", "Thread", "Token"]
