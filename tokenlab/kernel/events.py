"""What the kernel's rules report while a call runs: a rule id and the values it decided on.

A rule calls ``machine.report(RULE, name=value, ...)``; while a trace records, the report
reaches it (``tracer.event``), and :mod:`tokenlab.teaching.narrate` turns it into the
sentence a learner reads. The kernel never writes those sentences, so wording changes
never touch a rule, and a rule's facts can be tested without parsing prose.

Values are plain: SIDs, ints, strings, :class:`TokenRef` for a token, security values.
"""
from __future__ import annotations

from dataclasses import dataclass

from ..security.sids import SID

# The token slot (process.Thread.set_token): one value, not a stack.
SLOT_EMPTIED = "slot.emptied"              # tid, old: TokenRef, process_user: SID
SLOT_REPLACED = "slot.replaced"            # new: TokenRef, old: TokenRef
SLOT_ALREADY_EMPTY = "slot.already_empty"  # tid, process_user: SID
CLIENT_CONTEXT = "slot.client_context"  # tid, token: TokenRef (a client's context, copy-on-open)
COPY_ON_OPEN = "slot.copy_on_open"  # tid, original: TokenRef, copy: TokenRef, allowed: tuple[SID]
# Named pipes (kernel.pipes).
PIPE_CLIENT_CONTEXT = "pipe.client_context"  # path, token: TokenRef | None, level: str, sqos: bool, dynamic: bool
PIPE_CONTEXT_CAPTURED = "pipe.context_captured"  # path, token: TokenRef (dynamic tracking, at impersonation)
PIPE_ALREADY_CONNECTED = "pipe.already_connected"  # path
PIPE_FIRST_READ = "pipe.first_read"  # path
# Security of new objects (srm.assign_security).
NEW_OBJECT_DEFAULT_DACL = "new_object.default_dacl"    # object_type, creator_user: SID, allowed: tuple[SID]
NEW_OBJECT_EXPLICIT_DACL = "new_object.explicit_dacl"  # object_type
NEW_OBJECT_INHERITED_DACL = "new_object.inherited_dacl"  # object_type, parent: str, container: bool,
#                                                          aces: int, allowed: tuple[SID] (srm.assign_child_security)
# Opens (srm.open_check).
OPEN_BY_DEBUG_PRIVILEGE = "open.debug_privilege"  # user: SID
ACCESS_CHECKED = "access.checked"  # what: str | TokenRef, checker: SID, sd, result, why: a WHY_* code
# Impersonation (srm.impersonate): may the caller impersonate at the token's level?
IMPERSONATION_ALLOWED = "impersonation.allowed"        # level: str, reason: an IMP_* code, values
IMPERSONATION_DOWNGRADED = "impersonation.downgraded"  # reason: an IMP_* code, values
# Processes (kernel.spawn): which token a new process got, and why the caller could assign it.
PROCESS_CREATED = "process.created"  # image, pid, token: TokenRef (its own), explicit: ("process"/"thread" DACLs given)
PROCESS_TOKEN_ASSIGNABLE = "process.token_assignable"  # reason: a spawn.ASSIGN_* code, token: TokenRef
# UAC's split token (lsa.linked_token): the other half of an administrator's logon.
LINKED_TOKEN = "token.linked"  # source: TokenRef, linked: TokenRef, elevated: bool, tcb: bool
# AdjustTokenGroups (token.adjust_groups).
GROUPS_ADJUSTED = "token.groups_adjusted"  # enabled: tuple[SID], disabled: tuple[SID], missing: bool
# ImpersonateAnonymousToken (lsa.anonymous_token).
ANONYMOUS_IMPERSONATION = "slot.anonymous"  # tid, token: TokenRef
# tokenlab's model of COM activation (com.ComRegistry.create_instance).
COM_TOKEN_OPEN = "com.token_open"          # as_self: bool
COM_TOKEN_OPENED = "com.token_opened"
COM_LAUNCH_GRANTED = "com.launch_granted"  # server: str, who: SID
COM_SERVER_STARTED = "com.server_started"  # image: str, run_as: str
COM_FAILED = "com.failed"                  # hresult: int, message: str

# Why a token was the one an access check used (ACCESS_CHECKED's ``why``).
WHY_THREAD_TOKEN = "thread_token"        # an open while impersonating
WHY_PROCESS_TOKEN = "process_token"      # an open while not impersonating
WHY_OPEN_AS_SELF = "open_as_self"        # OpenThreadToken(..., OpenAsSelf=TRUE)
WHY_OPEN_AS_THREAD = "open_as_thread"    # OpenThreadToken(..., OpenAsSelf=FALSE)
WHY_COM_AS_SELF = "com_as_self"          # COM's token open, as the process
WHY_COM_AS_THREAD = "com_as_thread"      # COM's token open, as the thread
WHY_COM_LAUNCH = "com_launch"            # COM's launch-permission check
WHY_ACCESSCHECK = "accesscheck"          # AccessCheck's client token
WHY_DUPLICATE_TARGET = "duplicate_target"  # DuplicateHandle: the target process's token

# Why impersonation was allowed or downgraded (srm.can_impersonate).
IMP_LEVEL_NEEDS_NOTHING = "level_needs_nothing"  # token_level: str
IMP_INTEGRITY_ABOVE = "integrity_above"          # token_integrity: str, caller_integrity: str
IMP_PRIVILEGE = "privilege"
IMP_SAME_USER = "same_user"
IMP_OWN_LOGON = "own_logon"
IMP_NOT_ALLOWED = "not_allowed"


@dataclass(frozen=True)
class TokenRef:
    """A token as a report names it: its object id, user and kind (primary or its level)."""

    object_id: int | None
    user: SID
    kind: str  # "primary" or a SECURITY_IMPERSONATION_LEVEL name

    @classmethod
    def of(cls, token) -> "TokenRef":
        kind = "primary" if token.token_type.name == "TokenPrimary" else token.impersonation_level.name
        return cls(token.object_id, token.user, kind)


@dataclass(frozen=True)
class Report:
    """One rule's decision: ``Report(SLOT_EMPTIED, {"tid": 1004, ...})``."""

    rule: str
    values: dict

    def __getitem__(self, key: str):
        return self.values[key]

    def sids(self):
        """Every SID the report mentions (a trace names them while the machine still knows them)."""
        for v in self.values.values():
            if isinstance(v, SID):
                yield v
            elif isinstance(v, TokenRef):
                yield v.user
            elif isinstance(v, tuple):
                yield from (x for x in v if isinstance(x, SID))
