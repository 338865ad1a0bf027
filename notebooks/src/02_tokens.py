# %% [markdown]
# # 02 · Tokens: what is inside, and who holds them
#
# An **access token** is the kernel object that says who a process or thread is: a user, the
# groups that user belongs to, the privileges it holds, and a few defaults for the objects it
# creates. Notebook 01 fed tokens to `AccessCheck` by hand. Here we get them the way a program
# does — from a logon, from a process, from a thread — and look at the things around them that
# decide what a program can do with one: the thread's token slot, handles, pseudo-handles and
# the `OpenAsSelf` flag.
#
# By the end you will be able to:
#
# * read a token's parts with `GetTokenInformation`, and in the `TokenInspector` widget;
# * tell a **primary** token from an **impersonation** token, and name the four
#   **impersonation levels**;
# * say which token a thread acts as at any moment (its **effective token**);
# * explain why a handle, not the token, decides what a call may do with an object, and what
#   `DuplicateToken`'s handle can and cannot do;
# * use the **pseudo-handles** and know their limits;
# * choose `OpenAsSelf` in `OpenThreadToken` knowingly, and recognise `ERROR_NO_TOKEN`.
#
# | Windows term | tokenlab name | example |
# | --- | --- | --- |
# | access token | `tl.Token` (reached through a handle) | `h = api.LogonUser("alice", ".", "pw", ...)` |
# | `GetTokenInformation` | `api.GetTokenInformation` | `api.GetTokenInformation(h, TokenUser)` |
# | `TOKEN_INFORMATION_CLASS` | constants from `tokenlab.win32` | `TokenGroups`, `TokenStatistics` |
# | `SID_AND_ATTRIBUTES` | `tl.SidAndAttributes` | `.sid`, `.attributes` |
# | `TOKEN_TYPE` | `tl.TokenType` | `TokenPrimary`, `TokenImpersonation` |
# | `SECURITY_IMPERSONATION_LEVEL` | `tl.SecurityImpersonationLevel` | `SecurityIdentification` |
# | `LUID` | `tl.LUID` | `LUID(0x10003)` (a TokenId) |
# | the thread's token (one slot) | `thread.token` | `None` when not impersonating |
# | effective token | `thread.effective_token` | the slot's token, else the process's |
# | handle, granted access | `proc.handles.get(h)` | `.obj`, `.granted` |
# | pseudo-handle | negative `int` | `api.GetCurrentThreadToken()` is `-5` |
# | `OpenThreadToken(..., OpenAsSelf, ...)` | `api.OpenThreadToken` | `api.OpenThreadToken(me, TOKEN_QUERY, True)` |
#
# **How to use this notebook:** run the cells from top to bottom (Shift+Enter). The widgets
# (the token inspector and the prediction boxes) need a live kernel. When a cell asks you to
# predict, pick your answer and press Reveal *before* reading on; the same experiments in plain
# code are in *Answers*, at the end.

# %%
import tokenlab as tl
from tokenlab.win32 import *
from tokenlab.view import group_state, object_graph, object_table, privilege_state, svg, token_graph, token_table
from tokenlab.ui import Predict, TokenInspector
from IPython.display import SVG, display

# %% [markdown]
# ## 1 · A world, and a token from a logon
#
# The cast of this notebook: a service, `svc.exe`, running as NETWORK SERVICE, and a user,
# alice. One way a service gets a token for a user is to log the user on with a password (more
# often it impersonates a client that connected over RPC or a named pipe): `LogonUser` checks
# the password and returns a **handle** to a brand-new token for alice. (`me` is the
# pseudo-handle for "the calling thread"; we will need it later.)
#
# `new_world()` builds this world; the prediction widgets below call it again, so that each
# reveal runs on a fresh machine whatever you did in between.

# %%
# NBVAL_CHECK_OUTPUT
def new_world():
    """A fresh machine: alice has an account and svc.exe runs as NETWORK SERVICE."""
    machine = tl.Machine()
    machine.add_user("alice", password="pw")
    service = machine.start_process("svc.exe", user="NETWORK SERVICE")
    return machine, service, service.main_thread.api


m, svc, api = new_world()
me = api.GetCurrentThread()
h_alice = api.LogonUser("alice", ".", "pw", LOGON32_LOGON_INTERACTIVE, LOGON32_PROVIDER_DEFAULT)
print("LogonUser returned handle", h_alice)

# %% [markdown]
# ## 2 · Anatomy of a token, with GetTokenInformation
#
# A program never sees a token's memory. It asks `GetTokenInformation(handle, class)` for one
# part at a time; the *class* says which part. Each call needs the handle to carry
# `TOKEN_QUERY` (`TokenSource` needs `TOKEN_QUERY_SOURCE`).
#
# **The user** is the account the token speaks for. The attributes of the user entry are
# normally 0.

# %%
# NBVAL_CHECK_OUTPUT
user = api.GetTokenInformation(h_alice, TokenUser)
print(repr(user))
print("name:", m.sid_name(user.sid))

# %% [markdown]
# **The groups.** Every group the user is in, and a few the logon adds: *INTERACTIVE* (it was an
# interactive logon), *Authenticated Users*, a **logon SID** unique to this logon session
# (`S-1-5-5-0-…`), and last the token's **integrity level** as a mandatory label SID. Each
# group carries attribute bits (`SE_GROUP_*`): *enabled* groups count in access checks,
# *deny-only* ones only match deny ACEs (notebook 01), *mandatory* ones cannot be disabled.
# The label entry is different: it is not a group to match ACEs against but the input to the
# mandatory integrity check (notebook 07).
#
# These are the groups of this logon in tokenlab's model; a real token lists similar ones, the
# exact set depending on the Windows version, the logon type and domain membership. The group
# `TOKENLAB\None` (RID 513) is a group called "None", not Python's `None`: it is what Windows
# calls the "Domain Users" group of a machine that is not in a domain.

# %%
# NBVAL_CHECK_OUTPUT
groups = api.GetTokenInformation(h_alice, TokenGroups)
for g in groups:
    if g.attributes & tl.GroupAttributes.SE_GROUP_INTEGRITY:
        words = f"integrity label (0x{int(g.attributes):08X})"
    else:
        words = group_state(g.attributes)[1]
    print(f"{m.sid_name(g.sid):<39} {words:<32} {g.sid}")

# %% [markdown]
# **The privileges.** A privilege is a right to do something system-wide (shut down, change the
# time zone, impersonate …), unlike an ACE, which is about one object. A token holds a fixed
# list; each is *enabled* or *disabled*, and a program enables one with `AdjustTokenPrivileges`
# just before it needs it. A standard user's list is short.

# %%
# NBVAL_CHECK_OUTPUT
for p in api.GetTokenInformation(h_alice, TokenPrivileges):
    print(f"{p.name:<32} {privilege_state(p.Attributes)[1]}")

# %% [markdown]
# **Defaults for new objects.** When a thread acting as this token creates an object without a
# descriptor of its own, the token supplies the owner, the primary group and the **default
# DACL** (notebook 03 is about exactly this).

# %%
# NBVAL_CHECK_OUTPUT
print("owner:        ", m.sid_name(api.GetTokenInformation(h_alice, TokenOwner)))
print("primary group:", m.sid_name(api.GetTokenInformation(h_alice, TokenPrimaryGroup)))
default_dacl = api.GetTokenInformation(h_alice, TokenDefaultDacl)
for i, ace in enumerate(default_dacl):
    print(f"default DACL ACE {i}: allow {m.sid_name(ace.sid):<38} {tl.format_mask(ace.mask, tl.StandardAccess)}")

# %% [markdown]
# **Kind and identity.** `TokenType` says primary or impersonation (section 3). `TokenStatistics`
# holds its ids, as LUIDs: **TokenId** names this token object; **AuthenticationId** names the
# *logon session* it belongs to (every token from this logon shares it); **ModifiedId** changes
# whenever the token's contents do. (Its `ImpersonationLevel` field only means something for an
# impersonation token, so it is left out here.)

# %%
# NBVAL_CHECK_OUTPUT
print("TokenType:          ", repr(api.GetTokenInformation(h_alice, TokenType)))
stats = api.GetTokenInformation(h_alice, TokenStatistics)
for field in ("TokenId", "AuthenticationId", "ModifiedId", "GroupCount", "PrivilegeCount"):
    print(f"TokenStatistics.{field + ':':<17} {getattr(stats, field)}")
print("TokenIntegrityLevel:", m.sid_name(api.GetTokenInformation(h_alice, TokenIntegrityLevel).sid))

# %% [markdown]
# ### The same token, all at once
#
# tokenlab can reach *behind* the handle to the token object itself — something a real program
# cannot do — and show everything in one place. The `TokenInspector` widget has a tab per part;
# `token_table` is its text twin, and `token_graph` the picture.
#
# Two DACLs appear, and they are easy to confuse. The **default DACL** is what the token *gives
# away* to objects it creates. **Its security descriptor** is what *guards the token itself*:
# who may open it. A `LogonUser` token is made by the LSA, which gives it its own descriptor
# (as tokenlab models it, following what Windows shows): full control to SYSTEM, to the user of
# the process that called `LogonUser` (here NETWORK SERVICE) and to the logged-on user (alice),
# read access to Administrators. So both the service and alice may open it. Other tokens — a
# duplicate, say — get theirs by the general rule for new objects (notebook 03).

# %%
alice_token = svc.handles.get(h_alice).obj
TokenInspector(alice_token, machine=m)

# %%
# NBVAL_CHECK_OUTPUT
print(token_table(alice_token, machine=m))

# %%
SVG(svg(token_graph(alice_token, machine=m)))

# %% [markdown]
# ## 3 · Primary and impersonation tokens
#
# There are two kinds of token, with the same contents but different jobs:
#
# * a **primary token** belongs to a *process*: every thread of the process acts as it unless it
#   says otherwise. `CreateProcessAsUser` is normally given one (since Windows 7 it also
#   accepts an impersonation token opened with `TOKEN_QUERY|TOKEN_ASSIGN_PRIMARY`; tokenlab
#   does not model `CreateProcessAsUser` yet).
# * an **impersonation token** goes into a *thread's* token slot, so that one thread acts as
#   someone else for a while — a server acting as its client.
#
# `LogonUser` returns a primary token for most logon types, but an impersonation token for a
# network logon (`LOGON32_LOGON_NETWORK`), the kind a server makes for a remote client.
# `DuplicateTokenEx` converts one kind into the other.
#
# Look at the ids: the two logons are two logon sessions (two AuthenticationIds), while the
# duplicate is a new token object (new TokenId) in the same session as its source.

# %%
# NBVAL_CHECK_OUTPUT
h_client = api.LogonUser("alice", ".", "pw", LOGON32_LOGON_NETWORK, LOGON32_PROVIDER_DEFAULT)
h_as_primary = api.DuplicateTokenEx(h_client, TOKEN_ALL_ACCESS, None, SecurityImpersonation, TokenPrimary)
for label, h in (("interactive logon", h_alice), ("network logon", h_client), ("DuplicateTokenEx(..., TokenPrimary)", h_as_primary)):
    st = api.GetTokenInformation(h, TokenStatistics)
    print(f"handle {h:>2}  {label:<36} {api.GetTokenInformation(h, TokenType)!r:<19} "
          f"TokenId {st.TokenId}  AuthenticationId {st.AuthenticationId}")
print("impersonation level of the network logon's token:", repr(api.GetTokenInformation(h_client, TokenImpersonationLevel)))

# %% [markdown]
# The kind matters where a token is used. A thread's slot only takes impersonation tokens, so
# `SetThreadToken` refuses a primary one. Asking a primary token for its impersonation level is
# refused too: it has none.

# %%
# NBVAL_CHECK_OUTPUT
for call, args in ((api.SetThreadToken, (None, h_alice)), (api.GetTokenInformation, (h_alice, TokenImpersonationLevel))):
    try:
        call(*args)
    except tl.WinError as err:
        print(f"{call.__name__}: {err.name} ({err.winerror})")

# %% [markdown]
# `ImpersonateLoggedOnUser` is more forgiving: given a primary token, it makes an impersonation
# copy and puts the *copy* in the slot. Given an impersonation token, it puts that very token in.

# %%
# NBVAL_CHECK_OUTPUT
thread = svc.main_thread
for h in (h_alice, h_client):
    api.ImpersonateLoggedOnUser(h)
    behind = svc.handles.get(h).obj
    print(f"ImpersonateLoggedOnUser({h}): handle {h} names {m.describe(behind)}")
    print(f"    the slot now holds {m.describe(thread.token)}"
          + (" (the same object)" if thread.token is behind else " (a new copy)"))
    api.RevertToSelf()

# %% [markdown]
# ## 4 · Impersonation levels, briefly
#
# An impersonation token also carries a **level**: how far the client allows the server to act
# as it. Notebook 06 goes deep; here is the map.
#
# | level | value | a server holding it can … |
# | --- | --- | --- |
# | `SecurityAnonymous` | 0 | not even learn who the client is |
# | `SecurityIdentification` | 1 | read the token (user, groups) and run `AccessCheck` with it, but not open objects as the client |
# | `SecurityImpersonation` | 2 | act as the client on this machine |
# | `SecurityDelegation` | 3 | act as the client on other machines too |
#
# A duplicate of an impersonation token may go down a level but never up (a primary token has no
# ceiling); going up fails with `ERROR_BAD_IMPERSONATION_LEVEL`. And a thread impersonating at
# Identification level fails to open objects as its client, with the same error — even its own
# thread token, unless it opens it *as itself* (`OpenAsSelf=TRUE`, section 8):

# %%
# NBVAL_CHECK_OUTPUT
h_ident = api.DuplicateTokenEx(h_client, TOKEN_ALL_ACCESS, None, SecurityIdentification, TokenImpersonation)
print("duplicate level:", repr(api.GetTokenInformation(h_ident, TokenImpersonationLevel)))
try:
    api.DuplicateTokenEx(h_ident, TOKEN_ALL_ACCESS, None, SecurityImpersonation, TokenImpersonation)
except tl.WinError as err:
    print("raise it back to SecurityImpersonation:", err.name)
api.SetThreadToken(None, h_ident)
try:
    api.OpenProcessToken(api.GetCurrentProcess(), TOKEN_QUERY)
except tl.WinError as err:
    print("open an object while identifying:       ", err.name)
for as_self in (False, True):
    try:
        api.OpenThreadToken(me, TOKEN_QUERY, as_self)
        outcome = "ok"
    except tl.WinError as err:
        outcome = err.name
    print(f"{'OpenThreadToken, OpenAsSelf=' + str(as_self).upper() + ':':<40} {outcome}")
api.RevertToSelf()

# %% [markdown]
# Which level a thread really gets is decided when it starts impersonating. Windows hands out
# full impersonation only under conditions — the caller holds `SeImpersonatePrivilege`, or the
# token is its own identity, or it logged the user on itself — and otherwise quietly gives an
# Identification-level token instead. tokenlab **models** this rule with those documented
# conditions, not every detail of the kernel's check. Our service holds the privilege, as
# services do.

# %% [markdown]
# ## 5 · The effective token: thread slot or process token
#
# Each thread has one **token slot**. While it is empty, the thread acts as its process's
# primary token. While it holds an impersonation token, the thread acts as *that*. Whichever
# applies is the thread's **effective token**: the one access checks and new objects use.
# `GetCurrentThreadEffectiveToken()` names it.

# %%
# NBVAL_CHECK_OUTPUT
def acting_as():
    return m.sid_name(api.GetTokenInformation(api.GetCurrentThreadEffectiveToken(), TokenUser).sid)


def show_slot():
    slot = m.describe(thread.token) if thread.token is not None else "empty"
    print(f"slot: {slot:<48} effective: {m.describe(thread.effective_token):<48} acting as: {acting_as()}")


show_slot()
before = tl.snapshot(m)
api.ImpersonateLoggedOnUser(h_client)
show_slot()

# %% [markdown]
# The object graph shows it as a thick arrow from the thread to its effective token. Its text
# twin, compared with the moment before `ImpersonateLoggedOnUser` (`~` changed, `+` added,
# `-` removed):

# %%
# NBVAL_CHECK_OUTPUT
after = tl.snapshot(m)
print(object_table(after, before))

# %%
SVG(svg(object_graph(after, before, focus_tid=thread.tid)))

# %% [markdown]
# ## 6 · Handles carry access
#
# A **handle** is a small number that indexes the handle table of the process that opened it.
# Each entry names one object **and the access that was granted when it was opened**. The
# access check against the object's DACL happens once, at open time; every later call only
# compares the right it needs with the handle's granted mask. (That is also why a handle
# opened while impersonating keeps working after `RevertToSelf`.)
#
# Here is svc.exe's table so far:

# %%
# NBVAL_CHECK_OUTPUT
def handle_table(proc):
    for entry in proc.handles:
        obj = entry.obj
        who = m.sid_name(obj.user) if obj.object_type == "Token" else obj.label
        print(f"handle {entry.value:>2} -> {obj.object_type} #{obj.object_id} ({who}): "
              f"{tl.format_mask(entry.granted, tl.TokenAccess)}")


handle_table(svc)

# %% [markdown]
# Functions that *make* an object return a handle with the access they promise, whatever the new
# object's DACL says. `DuplicateToken` is the short form of `DuplicateTokenEx`, and its handle
# comes with just `TOKEN_QUERY | TOKEN_IMPERSONATE`: enough to look at the copy and to
# impersonate it, nothing more.
#
# The thread is impersonating alice now. We open its token (with `OpenAsSelf=TRUE`, section 8)
# and duplicate it:

# %%
# NBVAL_CHECK_OUTPUT
h_thread_token = api.OpenThreadToken(me, TOKEN_ALL_ACCESS, True)
h_dup = api.DuplicateToken(h_thread_token, SecurityImpersonation)
print("DuplicateToken returned handle", h_dup, "with", tl.format_mask(svc.handles.get(h_dup).granted, tl.TokenAccess))

# %% [markdown]
# ### Predict: what can DuplicateToken's handle do?
#
# On a fresh machine, the service (not impersonating) calls `DuplicateToken` on alice's network
# token. The copy's DACL comes from the service's defaults, so it lets NETWORK SERVICE do
# anything to the copy. Now the service wants a *primary* token from the copy, and calls
# `DuplicateTokenEx` on the handle `DuplicateToken` returned. What happens?

# %%
def duplicate_the_duplicate():
    """DuplicateTokenEx on the handle DuplicateToken returned; also what the DACL would allow."""
    world, service, wapi = new_world()
    client = wapi.LogonUser("alice", ".", "pw", LOGON32_LOGON_NETWORK, LOGON32_PROVIDER_DEFAULT)
    dup = wapi.DuplicateToken(client, SecurityImpersonation)
    copy = service.handles.get(dup)
    dacl_says = tl.access_check(copy.obj.security, service.token, TOKEN_DUPLICATE, tl.TOKEN_MAPPING,
                                require_impersonation=False)
    try:
        wapi.DuplicateTokenEx(dup, TOKEN_ALL_ACCESS, None, SecurityImpersonation, TokenPrimary)
        outcome = "it works"
    except tl.WinError as err:
        outcome = err.name
    return outcome, copy.granted, dacl_says


def duplicate_answer():
    outcome, granted, dacl_says = duplicate_the_duplicate()
    return outcome, (f"The handle carries only {tl.format_mask(granted, tl.TokenAccess)}; "
                     f"the copy's DACL {'would grant' if dacl_says.allowed else 'refuses'} TOKEN_DUPLICATE, "
                     "but the call never asks the DACL: it checks the handle.")


Predict("DuplicateTokenEx(dup, TOKEN_ALL_ACCESS, NULL, SecurityImpersonation, TokenPrimary), where dup came from DuplicateToken:",
        ["it works", "ERROR_ACCESS_DENIED", "ERROR_BAD_TOKEN_TYPE"], duplicate_answer,
        explain="A DACL is consulted only when a handle is opened; for a brand-new object, not even then. "
                "If you need more access, ask for it up front, with "
                "DuplicateTokenEx(h, TOKEN_ALL_ACCESS, ...) or MAXIMUM_ALLOWED, rather than DuplicateToken. "
                "Answers, at the end of this notebook, runs it in plain code (A1).")

# %% [markdown]
# *Pick an answer and press Reveal before you read on.*

# %% [markdown]
# ## 7 · Pseudo-handles
#
# Some "handles" are not in any table. `GetCurrentProcess()` and friends return fixed negative
# numbers that the kernel reads as "whatever is current *when this is used*":
#
# | function | value | names |
# | --- | --- | --- |
# | `GetCurrentProcess()` | -1 | the calling process |
# | `GetCurrentThread()` | -2 | the calling thread |
# | `GetCurrentProcessToken()` | -4 | the process's primary token |
# | `GetCurrentThreadToken()` | -5 | the thread's impersonation token (there must be one) |
# | `GetCurrentThreadEffectiveToken()` | -6 | the thread token if any, else the process token |
#
# The three token pseudo-handles (Windows 8 and later) are **query-only**: they work where a
# token is queried (`GetTokenInformation`, `AccessCheck`, `CheckTokenMembership`,
# `PrivilegeCheck`) and nowhere else. Duplicating, impersonating or adjusting through one fails
# with `ERROR_INVALID_HANDLE` (6) — not an access check, the handle itself is refused. The
# thread is still impersonating alice:

# %%
# NBVAL_CHECK_OUTPUT
print("pseudo-handle values:", api.GetCurrentProcess(), api.GetCurrentThread(), api.GetCurrentProcessToken(),
      api.GetCurrentThreadToken(), api.GetCurrentThreadEffectiveToken())
print("TokenUser via GetCurrentThreadToken():", m.sid_name(api.GetTokenInformation(api.GetCurrentThreadToken(), TokenUser).sid))
for call, args in ((api.DuplicateToken, (api.GetCurrentThreadToken(), SecurityImpersonation)),
                   (api.SetThreadToken, (None, api.GetCurrentThreadToken()))):
    try:
        call(*args)
    except tl.WinError as err:
        print(f"{call.__name__} via GetCurrentThreadToken(): {err}")

# %% [markdown]
# Because a pseudo-handle is resolved each time it is used, keeping one in a variable keeps
# nothing: `saved = GetCurrentThreadToken()` names whatever token the thread has *later*, not the
# one it had then. Notebook 05 shows where that bites.
#
# ### Predict: GetCurrentThreadToken() when the thread is not impersonating
#
# On a fresh machine the service has not impersonated anyone. It calls
# `GetTokenInformation(GetCurrentThreadToken(), TokenUser)`. What comes back?

# %%
def thread_token_when_not_impersonating():
    world, service, wapi = new_world()
    try:
        sid = wapi.GetTokenInformation(wapi.GetCurrentThreadToken(), TokenUser).sid
        return world.sid_name(sid)
    except tl.WinError as err:
        return err.name


Predict("GetTokenInformation(GetCurrentThreadToken(), TokenUser) on a thread that is not impersonating:",
        ["NT AUTHORITY\\NETWORK SERVICE", "ERROR_NO_TOKEN", "ERROR_INVALID_HANDLE"],
        thread_token_when_not_impersonating,
        explain="GetCurrentThreadToken() means 'this thread's impersonation token', and the slot is "
                "empty: ERROR_NO_TOKEN (1008). It does not fall back to the process token; "
                "GetCurrentThreadEffectiveToken() does. Answers, at the end of this notebook, runs it in "
                "plain code (A2).")

# %% [markdown]
# *Pick an answer and press Reveal before you read on.*

# %% [markdown]
# ## 8 · OpenProcessToken, OpenThreadToken and OpenAsSelf
#
# To get a *real* handle to a token, with the access you need, you open it:
#
# * `OpenProcessToken(process, access)` opens a process's primary token;
# * `OpenThreadToken(thread, access, OpenAsSelf)` opens a thread's impersonation token, and fails
#   with `ERROR_NO_TOKEN` if the thread has none.
#
# Opening means an access check against the token's own DACL — but *as whom*? Normally as the
# caller's effective token, which for an impersonating thread is the client.
# `OpenThreadToken`'s third argument changes that:
#
# * `OpenAsSelf = FALSE`: checked as the calling thread, impersonation included (the client);
# * `OpenAsSelf = TRUE`: checked as the **process** (the service itself).
#
# Usually both pass. Whether they can differ depends on the token's DACL, and story 1 of the
# course builds a token whose DACL is worth a look: the duplicate from section 6. It was made
# while the thread impersonated alice, so its DACL came from *alice's* default DACL:

# %%
# NBVAL_CHECK_OUTPUT
for ace in svc.handles.get(h_dup).obj.security.dacl:
    print(f"allows {m.sid_name(ace.sid):<20} {tl.format_mask(ace.mask, tl.TokenAccess)}")

# %% [markdown]
# ### Predict: who may open the duplicate?
#
# On a fresh machine, the service impersonates alice, opens its thread token, duplicates it with
# `DuplicateToken`, and impersonates the duplicate with `ImpersonateLoggedOnUser`. Then it opens
# its own thread token for `TOKEN_QUERY`, once with `OpenAsSelf=TRUE` and once with `FALSE`.
# Which succeed?

# %%
def open_as_self_experiment():
    """Story 1's duplicate in the slot; OpenThreadToken both ways. -> {OpenAsSelf: error name or 'ok'}."""
    world, service, wapi = new_world()
    client = wapi.LogonUser("alice", ".", "pw", LOGON32_LOGON_NETWORK, LOGON32_PROVIDER_DEFAULT)
    wapi.ImpersonateLoggedOnUser(client)
    token = wapi.OpenThreadToken(wapi.GetCurrentThread(), TOKEN_ALL_ACCESS, True)
    wapi.ImpersonateLoggedOnUser(wapi.DuplicateToken(token, SecurityImpersonation))
    outcome = {}
    for as_self in (True, False):
        try:
            wapi.OpenThreadToken(wapi.GetCurrentThread(), TOKEN_QUERY, as_self)
            outcome[as_self] = "ok"
        except tl.WinError as err:
            outcome[as_self] = err.name
    return outcome


def open_as_self_answer():
    ok = open_as_self_experiment()
    return {(True, True): "both", (True, False): "only OpenAsSelf=TRUE",
            (False, True): "only OpenAsSelf=FALSE", (False, False): "neither"}[ok[True] == "ok", ok[False] == "ok"]


Predict("With story 1's duplicate in the slot, which OpenThreadToken(GetCurrentThread(), TOKEN_QUERY, OpenAsSelf) calls succeed?",
        ["both", "only OpenAsSelf=TRUE", "only OpenAsSelf=FALSE", "neither"], open_as_self_answer,
        explain="With OpenAsSelf=TRUE the check runs as the process, NETWORK SERVICE, and the duplicate's "
                "DACL (alice, SYSTEM) does not admit it. With FALSE it runs as alice, whom the DACL admits. "
                "Answers, at the end of this notebook, runs it in plain code and records it (A3).")

# %% [markdown]
# *Pick an answer and press Reveal before you read on.*

# %% [markdown]
# ### Which flag to use
#
# `OpenAsSelf=TRUE` is the common choice for system code: the result then does not depend on
# whom the thread happens to be impersonating, and it still works when the client's token is
# only at Identification level (opening objects as an identifying client fails, section 4). It
# is also what tokenlab's **model of COM** does when a thread calls `CoCreateInstance`: it opens
# the caller's thread token with `OpenAsSelf=TRUE`. Story 1, in notebook
# [04_duplicated_token](04_duplicated_token.ipynb), makes that call with the duplicate in the slot.
#
# `OpenProcessToken` has no such flag. While impersonating, it is checked as the client. Our
# thread is still impersonating alice, and in this world NETWORK SERVICE's own token admits only
# NETWORK SERVICE and SYSTEM, so the service cannot open its own process token until it stops
# impersonating:

# %%
# NBVAL_CHECK_OUTPUT
try:
    api.OpenProcessToken(api.GetCurrentProcess(), TOKEN_QUERY)
except tl.WinError as err:
    print("while impersonating alice:", err.name)
api.RevertToSelf()
h_process_token = api.OpenProcessToken(api.GetCurrentProcess(), TOKEN_QUERY)
print("after RevertToSelf:        handle", h_process_token)
try:
    api.OpenThreadToken(me, TOKEN_QUERY, True)
except tl.WinError as err:
    print("OpenThreadToken now:      ", err.name)

# %% [markdown]
# ### The same in C
#
# A complete, careful way to read "who is this thread?" on Windows: try the thread token first
# (as self), fall back to the process token on `ERROR_NO_TOKEN`, and size the `TokenUser` buffer
# with a first call that fails with `ERROR_INSUFFICIENT_BUFFER`. (`windows.h`, `sddl.h`; link
# with `Advapi32.lib`.)
#
# ```c
# HANDLE hToken = NULL;
# if (!OpenThreadToken(GetCurrentThread(), TOKEN_QUERY, TRUE, &hToken)) {
#     DWORD err = GetLastError();
#     if (err != ERROR_NO_TOKEN) {                          /* e.g. ERROR_ACCESS_DENIED (5) */
#         wprintf(L"OpenThreadToken failed: %lu\n", err);
#         return;
#     }
#     /* not impersonating: the thread acts as its process */
#     if (!OpenProcessToken(GetCurrentProcess(), TOKEN_QUERY, &hToken)) {
#         wprintf(L"OpenProcessToken failed: %lu\n", GetLastError());
#         return;
#     }
# }
#
# DWORD cb = 0;
# GetTokenInformation(hToken, TokenUser, NULL, 0, &cb);     /* fails: tells us the size */
# if (GetLastError() != ERROR_INSUFFICIENT_BUFFER) { CloseHandle(hToken); return; }
# TOKEN_USER *user = (TOKEN_USER *)LocalAlloc(LPTR, cb);
# if (user && GetTokenInformation(hToken, TokenUser, user, cb, &cb)) {
#     LPWSTR text = NULL;
#     if (ConvertSidToStringSidW(user->User.Sid, &text)) {
#         wprintf(L"user: %s\n", text);
#         LocalFree(text);
#     }
# }
# LocalFree(user);
# CloseHandle(hToken);
# ```
#
# On Windows 8 and later, `GetTokenInformation(GetCurrentThreadEffectiveToken(), TokenUser, ...)`
# does the same without opening anything — the pseudo-handle's query-only access is all it needs.

# %% [markdown]
# ## Answers, in plain code
#
# Read these after you have revealed your predictions above.
#
# ### A1 · What can DuplicateToken's handle do?
#
# The experiment on a fresh machine, with what the handle carries and what the copy's DACL says:

# %%
# NBVAL_CHECK_OUTPUT
outcome, granted, dacl_says = duplicate_the_duplicate()
print("DuplicateTokenEx on DuplicateToken's handle:", outcome)
print("the handle was granted:                     ", tl.format_mask(granted, tl.TokenAccess))
print("DuplicateTokenEx needs:                     ", tl.format_mask(TOKEN_DUPLICATE, tl.TokenAccess))
print("the copy's own DACL, asked for TOKEN_DUPLICATE by NETWORK SERVICE:", "granted" if dacl_says.allowed else dacl_says.status.name)

# %% [markdown]
# ### A2 · GetCurrentThreadToken() on a thread that is not impersonating
#
# On a fresh machine, next to `GetCurrentThreadEffectiveToken()`:

# %%
# NBVAL_CHECK_OUTPUT
print("GetCurrentThreadToken():         ", thread_token_when_not_impersonating())
world, service, wapi = new_world()
print("GetCurrentThreadEffectiveToken():", world.sid_name(wapi.GetTokenInformation(wapi.GetCurrentThreadEffectiveToken(), TokenUser).sid))

# %% [markdown]
# ### A3 · Who may open the duplicate?
#
# The experiment on a fresh machine:

# %%
# NBVAL_CHECK_OUTPUT
for as_self, outcome in open_as_self_experiment().items():
    print(f"OpenThreadToken(GetCurrentThread(), TOKEN_QUERY, {str(as_self).upper()}): {outcome}")
print("answer:", open_as_self_answer())

# %% [markdown]
# The same calls in our world, recorded, so that each step shows the access check it made:
# whose token was checked, why that one, and the verdict. Our thread impersonates the duplicate
# from section 6 for them, and reverts afterwards.

# %%
# NBVAL_CHECK_OUTPUT
api.ImpersonateLoggedOnUser(h_dup)
with tl.record(m, "OpenAsSelf") as open_trace:
    for as_self in (True, False):
        try:
            api.OpenThreadToken(me, TOKEN_QUERY, as_self)
        except tl.WinError:
            pass  # recorded in the trace
api.RevertToSelf()
print(open_trace.table())
for step in open_trace:
    for check in step.checks:
        print()
        print(f"OpenAsSelf={step.args[2]}: checked as {check.checker}: {'granted' if check.result.allowed else check.result.status.name}")
        print(f"  why this token: {check.why}")

# %% [markdown]
# The refused check in full, and the C twins of the two calls:

# %%
# NBVAL_CHECK_OUTPUT
print(open_trace.steps[0].checks[0].narrative)
print()
for step in open_trace:
    print(step.c_call)

# %% [markdown]
# ## Checks
#
# The cell below asserts what this notebook taught. If a change to tokenlab breaks one of these
# facts, the notebook test fails here.

# %%
# NBVAL_CHECK_OUTPUT
def checks():
    passed = []

    def check(condition, message):
        assert condition, message
        passed.append(message)
        print("ok:", message)

    E = tl.ErrorCode
    # anatomy
    check(user.sid == alice_token.user and m.sid_name(user.sid) == "TOKENLAB\\alice", "TokenUser names alice")
    check(groups[-1].sid == tl.SID("S-1-16-8192") and groups[-1].attributes & tl.GroupAttributes.SE_GROUP_INTEGRITY,
          "TokenGroups ends with the Medium integrity label")
    check(any(g.sid.text.startswith("S-1-5-5-") for g in groups), "an interactive logon token has a logon SID")
    check(stats.GroupCount == len(groups) and stats.AuthenticationId == alice_token.authentication_id,
          "TokenStatistics agrees with TokenGroups and names the logon session")
    check("TOKENLAB\\alice  primary token" in token_table(alice_token, machine=m), "token_table shows the primary token")
    # primary and impersonation
    check(api.GetTokenInformation(h_alice, TokenType) == tl.TokenType.TokenPrimary, "an interactive logon gives a primary token")
    check(api.GetTokenInformation(h_client, TokenType) == tl.TokenType.TokenImpersonation, "a network logon gives an impersonation token")
    check(api.GetTokenInformation(h_as_primary, TokenType) == tl.TokenType.TokenPrimary, "DuplicateTokenEx converts to primary")
    # levels
    check(api.GetTokenInformation(h_ident, TokenImpersonationLevel) == tl.SecurityImpersonationLevel.SecurityIdentification,
          "DuplicateTokenEx can lower the level")
    # handles
    check(svc.handles.get(h_dup).granted == TOKEN_QUERY | TOKEN_IMPERSONATE, "DuplicateToken's handle has TOKEN_QUERY|TOKEN_IMPERSONATE")
    check(duplicate_answer()[0] == "ERROR_ACCESS_DENIED" and duplicate_the_duplicate()[2].allowed,
          "DuplicateTokenEx on that handle is refused although the DACL would allow it")
    # pseudo-handles
    check((api.GetCurrentThread(), api.GetCurrentThreadToken(), api.GetCurrentThreadEffectiveToken()) == (-2, -5, -6),
          "pseudo-handles have Windows' values")
    check(thread_token_when_not_impersonating() == "ERROR_NO_TOKEN", "GetCurrentThreadToken() without impersonation: ERROR_NO_TOKEN")
    # effective token and OpenAsSelf
    check(svc.main_thread.token is None and svc.main_thread.effective_token is svc.token, "after RevertToSelf the thread acts as its process")
    check(open_as_self_answer() == "only OpenAsSelf=FALSE", "story 1's duplicate: only OpenAsSelf=FALSE opens it")
    check([s.error for s in open_trace] == ["ERROR_ACCESS_DENIED (5)", None], "the recorded opens agree")
    check(open_trace.steps[0].checks[0].checker == "NT AUTHORITY\\NETWORK SERVICE"
          and open_trace.steps[1].checks[0].checker == "TOKENLAB\\alice", "TRUE checks the process, FALSE the client")
    check(svc.handles.get(h_process_token).obj is svc.token, "OpenProcessToken works again after RevertToSelf")
    print(f"all {len(passed)} checks passed")


checks()
