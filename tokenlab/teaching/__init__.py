"""Room 4, teaching: what a learner reads about a run, made from what the kernel did.

``snapshot`` turns the machine into plain immutable values (shared between moments, so
recording a call costs what it changed); ``trace`` records facade calls as steps;
``narrate`` is the only place that writes sentences, from the kernel's events and the
difference of two snapshots; ``c_twin`` writes each call as C; ``calls`` formats a
call's arguments and result with Windows' constant names. Nothing here decides a rule.
"""
from .snapshot import Snapshot, snapshot
from .trace import Trace, record

__all__ = ["Snapshot", "Trace", "record", "snapshot"]
