# %% [markdown]
# # 04 · The duplicated token that was denied
#
# A service runs as NETWORK SERVICE. It is impersonating its client, alice, and asks COM to
# start a local server for her: that works. Then it makes a copy of the very token it is
# impersonating, impersonates the copy, and asks again. Same user, same groups, same
# privileges — and this time COM answers `E_ACCESSDENIED`.
#
# The puzzle comes from Raymond Chen's post on *The Old New Thing*, "How come a duplicated
# token doesn't behave identically to the original?". This notebook replays it call for call,
# lets you guess the outcome, and then takes it apart with the object graph, the token graph
# and the access check. By the end you will be able to:
#
# * tell the two sides of a token apart: the **identity it carries** (user, groups,
#   privileges, default DACL) and the **security descriptor that protects the token object
#   itself**;
# * predict the DACL of a new object created without one: the *default DACL* of the
#   creator's *effective token* at that moment;
# * read an access-check narrative and a descriptor graph to find out who was refused and
#   why;
# * fix the story three ways — copy the descriptor (`GetSecurityInfo` + `DuplicateTokenEx`),
#   duplicate while not impersonating, or change the default DACL — and say what each costs;
# * say which parts of the story are Windows' rules and which are tokenlab's *model* of COM,
#   and flip the model to see how much depends on it.
#
# | Windows term | tokenlab name | example |
# | --- | --- | --- |
# | access token (a kernel object) | `Token#4` in pictures and tables; `tl.Token` | `m.thread(1004).token` |
# | handle | a small int, per process | `8` (opened by `OpenThreadToken`) |
# | pseudo-handle `GetCurrentThread()` | `-2` | `api.GetCurrentThread()` |
# | thread token (impersonation) | the thread's **token slot**, `thread.token` | `api.ImpersonateLoggedOnUser(h)` |
# | effective token | `thread.effective_token` | the slot's token, else the process token |
# | `DuplicateToken` | `api.DuplicateToken` | `api.DuplicateToken(h, SecurityImpersonation)` |
# | `DuplicateTokenEx`, `SECURITY_ATTRIBUTES` | `api.DuplicateTokenEx`, `SECURITY_ATTRIBUTES` | `SECURITY_ATTRIBUTES(sd, True)` |
# | `GetSecurityInfo` | `api.GetSecurityInfo` → `SecurityDescriptor` | `api.GetSecurityInfo(h, SE_KERNEL_OBJECT, DACL_SECURITY_INFORMATION)` |
# | default DACL (`TokenDefaultDacl`) | `GetTokenInformation` / `SetTokenInformation` | `api.GetTokenInformation(h, TokenDefaultDacl)` |
# | `CoCreateInstance`, local server | `api.CoCreateInstance` (tokenlab's model of COM) | `api.CoCreateInstance(CLSID_Something, None, CLSCTX_LOCAL_SERVER, IID_IUnknown)` |
# | `E_ACCESSDENIED` (0x80070005) | `tl.ComError`, `.name` | `err.name == "E_ACCESSDENIED"` |
# | a recorded run of calls | `tl.Trace` (`duplicated_token()`), `tl.record(m)` | `story.table()`, `story.steps[7].narration` |
#
# **How to use this notebook:** run the cells from top to bottom (Shift+Enter). The widgets
# (step-through players, predictions, the side-by-side comparison) need a live kernel, so run
# the cells rather than just reading them. When a cell asks you to predict, pick your answer
# *before* pressing Reveal or running the next cell.

# %%
import inspect
import textwrap

import tokenlab as tl
from tokenlab.win32 import *
from tokenlab.scenarios import duplicated_token
from tokenlab.view import (compare_table, descriptor_graph, descriptor_table, object_graph, object_table,
                           token_graph, token_table, svg)
from tokenlab.ui import Compare, Predict, ScenarioPlayer
from IPython.display import SVG, display


def wrap(text: str) -> str:
    """Narrations are one long paragraph; fold them for reading."""
    return textwrap.fill(text, width=100)


# %% [markdown]
# ## 1 · The story, call for call
#
# `duplicated_token()` builds a fresh simulated machine — `svc.exe` running as NETWORK
# SERVICE, and a local account alice — runs the post's calls through the Win32 facade, and
# hands back the recorded **trace**: one step per call, each with the Python call, its C
# twin, its result or error, the access checks it made, and a narration of which rule decided
# it. The scenario functions take a few milliseconds, so we can run them as often as we like.
#
# Here are the first seven calls. The last one, the second `CoCreateInstance`, is held back for
# a moment: you will predict it below.

# %%
# NBVAL_CHECK_OUTPUT
story = duplicated_token()
last = story.steps[-1]
print(story.title, "-", len(story), "calls")
print("\n".join(story.table().splitlines()[:-1]))
print(f"{last.index:>2}  [{last.image} t{last.tid}]  {last.call}  -> ?")

# %% [markdown]
# Each row is `index  [process thread]  call  -> result`. Handles are small numbers (4, 8, 12)
# that index the process's handle table; `-2` is the pseudo-handle `GetCurrentThread()`
# returns. The same calls in C, as you would write them on a real machine (these are the
# recorded steps' `c_call` twins):

# %%
# NBVAL_CHECK_OUTPUT
for step in story.steps[:-1]:
    print(f"/* {step.index} */ {step.c_call}")

# %% [markdown]
# Set this beside the code in the post. The middle is identical, in the same order: a
# `CoCreateInstance` that succeeds; `OpenThreadToken(GetCurrentThread(), TOKEN_ALL_ACCESS,
# TRUE, ...)` to get a handle to the token the thread is impersonating; `DuplicateToken` at
# `SecurityImpersonation`; `ImpersonateLoggedOnUser` with the copy; and the second
# `CoCreateInstance`. Three differences are only bookkeeping:
#
# * the post's code begins on a thread that is *already* impersonating. tokenlab has to get
#   there first, so steps 0 and 1 are a network logon for alice and the impersonation of her
#   token — a stand-in for the impersonation a real service does when a client connects over
#   RPC or a named pipe (see section 5 for how tokenlab models that token);
# * `GetCurrentThread()` gets a row of its own (step 3). C writes it inline, but it is a call
#   too: it returns the pseudo-handle `-2`, which means "the calling thread" wherever it is used;
# * C returns results through out-parameters (`&token`, `&dupToken`, the interface pointer).
#   The facade returns them instead, and the C twin names each output after the handle value
#   it received (`h8`, `h12`) so you can follow a value from call to call.
#
# The post uses `IID_PPV_ARGS` and a smart pointer; the twin spells the same request out as
# `IID_IUnknown, (void **)&punk`.

# %% [markdown]
# ## 2 · Predict: does the second `CoCreateInstance` succeed?
#
# The thread is about to call `CoCreateInstance` again. The only thing that changed since the
# first call is that the token in the thread's slot is now the *copy* made by `DuplicateToken`
# (step 5) rather than the original. The copy has the same user (alice), the same groups, the
# same privileges and the same impersonation level.

# %%
def second_activation():
    """Run the story again and report how its last call ended."""
    step = duplicated_token().steps[-1]
    outcome = "succeeds" if step.ok else "fails with " + step.error.split(" (")[0]
    return outcome, step.explanation[-1]


Predict("The thread impersonates the duplicate and calls CoCreateInstance again. What happens?",
        ["succeeds", "fails with E_ACCESSDENIED", "fails with ERROR_BAD_IMPERSONATION_LEVEL",
         "fails with ERROR_NO_TOKEN"],
        second_activation,
        explain="The duplicate is a new token object, and new objects get a new security descriptor.")

# %% tags=["reveal"]
# NBVAL_CHECK_OUTPUT
answer, why = second_activation()
print("The second CoCreateInstance", answer)
print("error:", last.error)
print()
print(wrap(last.narration))

# %% [markdown]
# It fails. Read the narration: it gives the conclusion first, then the access check behind it.
# tokenlab's model of COM (section 6 says exactly what it models) tried to **open the thread
# token** — Token#8, the duplicate — for `TOKEN_QUERY|TOKEN_DUPLICATE|TOKEN_IMPERSONATE`, the
# check was made **as NETWORK SERVICE**, and the duplicate's DACL has two ACEs, for alice and for
# SYSTEM. Neither is in NETWORK SERVICE's token, so nothing was granted, and COM turned the
# `ERROR_ACCESS_DENIED` into `E_ACCESSDENIED`.
#
# So the copy is not denied because of *who it says it is*. It is denied because of *who may
# open it*. The rest of the notebook looks at each half of that sentence.

# %% [markdown]
# ## 3 · Step through it
#
# The player below replays the trace. Each position is one call: what it returned, the
# narration, and the object graph after the call, with what the call changed coloured.
# Watch steps 4 and 5: `OpenThreadToken` adds a *handle* to the existing Token#4, while
# `DuplicateToken` adds a *new token*, Token#8.

# %%
ScenarioPlayer(story)

# %% [markdown]
# The whole trace, now with its last line:

# %%
# NBVAL_CHECK_OUTPUT
print(story.table())

# %% [markdown]
# ## 4 · The object graph, before and after `DuplicateToken`
#
# The **object graph** draws the machine at one moment: each process with its primary token,
# its threads, each thread's **token slot** (the one place a thread keeps an impersonation
# token), the handle table, and every token. A bold arrow goes from each thread to its
# **effective token** — the token it acts as: the slot's token if there is one, otherwise the
# process's primary token.
#
# Every token node ends with *its DACL allows …*: the ACEs of the descriptor that protects the
# token object. That line is the clue. First the machine just before `DuplicateToken`
# (step 4), then just after it (step 5), with the changes coloured:

# %%
before, after = story.steps[4].snapshot, story.steps[5].snapshot
display(SVG(svg(object_graph(before))))
display(SVG(svg(object_graph(after, before, focus_tid=story.steps[5].tid))))

# %% [markdown]
# The text twin of the second picture (`+` marks what `DuplicateToken` added):

# %%
# NBVAL_CHECK_OUTPUT
print(object_table(after, before))

# %% [markdown]
# Token#4, the original, says *its DACL allows NT AUTHORITY\NETWORK SERVICE, NT AUTHORITY\SYSTEM*.
# Token#8, the duplicate, says *its DACL allows TOKENLAB\alice, NT AUTHORITY\SYSTEM*. Step 6
# puts Token#8 in the slot; from then on, anyone who wants to open the thread's token needs
# alice's or SYSTEM's identity.
#
# ### The copy is exact — except for the envelope
#
# The heading borrows the post's analogy: a token's contents are a letter, and the descriptor
# that guards the token object is the envelope around it. The **token graph** draws one token:
# its user, groups, privileges, default DACL, its own security descriptor and where it came
# from. Given a second token it marks the differences.
# Compare the duplicate with the original:

# %%
SVG(svg(token_graph(after.token(8), after.token(4), snapshot=after)))

# %%
# NBVAL_CHECK_OUTPUT
print(token_table(after.token(8), after.token(4), snapshot=after))

# %% [markdown]
# Everything alice *is* was copied unchanged: user, groups, privileges, owner, default DACL,
# logon session. What differs is what makes it a different object — its token id, its origin —
# and **its security descriptor**. To borrow the analogy of the post, `DuplicateToken` copied
# the letter, not the envelope.

# %% [markdown]
# ## 5 · The access check that said no
#
# Every recorded step keeps the access checks it made (`step.checks`): what was checked, whose
# token was checked (`.checker`), the descriptor (`.sd`), the result, and a narrative. The
# failing `CoCreateInstance` made exactly one:

# %%
# NBVAL_CHECK_OUTPUT
denied = last.checks[0]
print("object: ", denied.what)
print("checked as:", denied.checker)
print("because:", denied.why)
print("result: ", denied.result.status.name)

# %% [markdown]
# The **descriptor graph** draws that descriptor with the check laid over it: the owner and
# group, the DACL's ACEs in order, the SIDs they name, and the verdict. White ACEs did not apply
# to the token being checked.

# %%
DOMAIN = tl.SID(after.domain_sid)
NAMES = dict(after.names)
SVG(svg(descriptor_graph(denied.sd, denied.result, domain=DOMAIN, names=NAMES)))

# %%
# NBVAL_CHECK_OUTPUT
print(descriptor_table(denied.sd, denied.result, domain=DOMAIN, names=NAMES))
print()
print(wrap(denied.narrative))

# %% [markdown]
# Compare the same check at the first `CoCreateInstance` (step 2), when Token#4 was in the slot.
# It was made as the same NETWORK SERVICE, against the original's descriptor, and ACE 0 granted
# everything:

# %%
# NBVAL_CHECK_OUTPUT
granted = story.steps[2].checks[0]
print(granted.what, "checked as", granted.checker)
print(wrap(granted.narrative))

# %% [markdown]
# ### Where the duplicate's DACL came from
#
# Windows gives every new securable object a security descriptor. If the creator passes one
# (in `SECURITY_ATTRIBUTES`), that is used. If not — and `DuplicateToken` has no parameter for
# one — the owner, primary group and DACL come from the creator's **effective token at that
# moment**: its default owner, its primary group and its **default DACL** (Microsoft's docs:
# "DACL for a New Object"). A token is an object like any other, so this rule applies to it.
# ([03_new_object_security](03_new_object_security.ipynb) works through this rule step by step.)
#
# At step 5 the thread was impersonating alice, so the effective token was alice's Token#4, and
# its default DACL is the one the duplicate got:

# %%
# NBVAL_CHECK_OUTPUT
print("Token#4's default DACL: ", after.token(4).default_dacl_sddl)
print("Token#8's own descriptor:", after.token(8).security_sddl)
print()
print(wrap(story.steps[5].narration))

# %% [markdown]
# (`GA` is `GENERIC_ALL`; when the descriptor is made, generic rights are mapped to the token's
# specific ones, which SDDL spells `CCDCLCSWRPWPDTLOCRSDRCWDWO` — every bit of
# `TOKEN_ALL_ACCESS`.)
#
# The original passes the same test for a different reason: it was created by `LogonUser` at
# step 0, while the thread was *not* impersonating, so its creator's effective token was the
# service's own, and NETWORK SERVICE's default DACL admits NETWORK SERVICE. That is tokenlab's
# model of a logon token's descriptor. On Windows the LSA would give a `LogonUser` token its own
# descriptor (SYSTEM and alice full control, Administrators read), which does not admit NETWORK
# SERVICE. In the post, the service got its token by impersonating a client, and the kernel
# gives such a copy a default descriptor from the service's side; tokenlab's choice reproduces
# that. What matters for the story is that the original's descriptor lets the service open it
# and the duplicate's does not.

# %% [markdown]
# ## 6 · Which parts are Windows, and which are tokenlab's model of COM
#
# The rule that made the story — *a duplicated token gets a new descriptor from the creator's
# default DACL* — is Windows' own. But why should COM open the thread token at all, and as
# whom? That part is a **model**. Here is what tokenlab's `tokenlab/com.py` says it does:

# %%
# NBVAL_CHECK_OUTPUT
import tokenlab.kernel.com

print(inspect.getdoc(tokenlab.kernel.com))

# %% [markdown]
# In short, tokenlab's `CoCreateInstance(..., CLSCTX_LOCAL_SERVER, ...)`:
#
# 1. if the thread is impersonating, opens the thread token for
#    `TOKEN_QUERY|TOKEN_DUPLICATE|TOKEN_IMPERSONATE` with **OpenAsSelf=TRUE** — the access check
#    runs as the *process* (NETWORK SERVICE), the way system code that wants to capture a
#    caller's identity conventionally does — and fails with `E_ACCESSDENIED` if that open is
#    refused;
# 2. checks the server's launch permission against the thread's effective identity (alice,
#    who is an Authenticated User, so this passes);
# 3. starts the server once, as LOCAL SERVICE.
#
# Real COM does much more — the RPCSS service, apartments, cloaking, AppIDs — and tokenlab
# reproduces none of it. Take the two checks as a faithful *shape*, not as a description of
# COM's internals. The setting that matters most is the one in step 1, and the model lets you
# flip it: `m.com.open_as_self`.

# %% [markdown]
# ### Flip it: OpenAsSelf=FALSE
#
# The scenario functions build their own machine, so to change a setting we build the same
# world by hand with the facade. The function below makes exactly the calls of
# `duplicated_token()` (copied from `tokenlab/scenarios.py`), with one extra line before them:
# `m.com.open_as_self = ...`. A call that may fail goes through `attempt`, so that the trace
# records the error and the story carries on.

# %%
def attempt(call, *args):
    """Make a call the story expects might fail: return its result, or the error."""
    try:
        return call(*args)
    except (tl.WinError, tl.ComError) as err:
        return err


def story_by_hand(open_as_self: bool):
    m = tl.Machine()
    m.add_user("alice", password="pw")
    svc = m.start_process("svc.exe", user="NETWORK SERVICE")
    api = svc.main_thread.api
    m.com.open_as_self = open_as_self   # tokenlab's COM model: who the token open is checked as
    with tl.record(m, f"by hand, OpenAsSelf={open_as_self}") as trace:
        client = api.LogonUser("alice", ".", "pw", LOGON32_LOGON_NETWORK, LOGON32_PROVIDER_DEFAULT)
        api.ImpersonateLoggedOnUser(client)
        attempt(api.CoCreateInstance, CLSID_Something, None, CLSCTX_LOCAL_SERVER, IID_IUnknown)
        token = api.OpenThreadToken(api.GetCurrentThread(), TOKEN_ALL_ACCESS, True)
        dup = api.DuplicateToken(token, SecurityImpersonation)
        api.ImpersonateLoggedOnUser(dup)
        attempt(api.CoCreateInstance, CLSID_Something, None, CLSCTX_LOCAL_SERVER, IID_IUnknown)
    return trace


as_process = story_by_hand(open_as_self=True)
as_thread = story_by_hand(open_as_self=False)

# %% [markdown]
# With the default setting the hand-built run is the scenario, call for call. With the setting
# flipped, compare the two runs row by row:

# %%
# NBVAL_CHECK_OUTPUT
print("OpenAsSelf=TRUE by hand gives the same trace as duplicated_token():",
      as_process.table() == story.table())
print()
print(compare_table(as_process, as_thread))

# %% [markdown]
# The outcome **inverts**. Who was checked, against which descriptor, for both activations:

# %%
# NBVAL_CHECK_OUTPUT
for run in (as_process, as_thread):
    print(run.title)
    for step in run:
        if step.name == "CoCreateInstance":
            check = step.checks[0]
            print(f"  step {step.index}: open {check.what} as {check.checker}: {check.result.status.name}")

# %% [markdown]
# With OpenAsSelf=FALSE the token open is checked **as alice**, the thread's own identity. The
# duplicate's DACL admits alice, so the second activation works; but now the *first* one fails,
# because the original's DACL admits NETWORK SERVICE and SYSTEM, not alice.
#
# So the lesson does not depend on the model's details, only on this: **whoever opens a token is
# checked against that token's own DACL**, and duplicating the token changed that DACL. Which
# identity the check uses is a property of the code doing the opening; tokenlab's COM opens as
# the process, which is why the story plays out the way the post describes.

# %% [markdown]
# ## 7 · The fix from the post: copy the descriptor too
#
# If the new token's descriptor is the problem, give it the right one. Read the original
# token's DACL with `GetSecurityInfo` (or `GetKernelObjectSecurity`), and pass it to
# `DuplicateTokenEx` in a `SECURITY_ATTRIBUTES`. The DACL passed is used as given; only the
# owner and group, which this descriptor leaves out, still come from the effective token
# (notebook 03). `duplicated_token(fixed=True)` does this:

# %%
# NBVAL_CHECK_OUTPUT
fixed = duplicated_token(fixed=True)
print(fixed.table())
print()
for step in fixed.steps[5:7]:
    print(f"/* {step.index} */ {step.c_call}")

# %% [markdown]
# Note what `DuplicateTokenEx` is given: `MAXIMUM_ALLOWED` (the creator's handle gets
# `TOKEN_ALL_ACCESS` on the new token), the copied descriptor, `SecurityImpersonation`, and
# `TokenImpersonation` — the same kind of token `DuplicateToken` makes. The duplicate now
# carries the original's DACL:

# %%
# NBVAL_CHECK_OUTPUT
fixed_after = fixed.steps[6].snapshot
print(object_table(fixed_after, fixed.steps[5].snapshot))

# %% [markdown]
# The two runs side by side. The slider moves through aligned rows: the same call in both runs,
# or a call only one of them made, or a call that differs. Each side shows its own object graph.

# %%
Compare(duplicated_token(), duplicated_token(fixed=True))

# %% [markdown]
# Its text twin:

# %%
# NBVAL_CHECK_OUTPUT
print(compare_table(duplicated_token(), duplicated_token(fixed=True)))

# %% [markdown]
# ## 8 · Two more ways out
#
# The descriptor comes from the effective token *at the moment of creation*. So the other fixes
# change that moment or that token.
#
# ### Duplicate while not impersonating
#
# A thread that is not impersonating acts as its process. If the duplicate is made by such a
# thread, its DACL is NETWORK SERVICE's default DACL. `duplicated_token(worker_thread=True)`
# starts a second thread in `svc.exe` — it does not inherit the first thread's impersonation,
# because impersonation belongs to a thread — and lets that thread call `DuplicateToken` on
# the same handle (handles belong to the process, so any of its threads may use handle 8).
# The first thread then impersonates the copy, as before.

# %%
# NBVAL_CHECK_OUTPUT
worker = duplicated_token(worker_thread=True)
print("\n".join(worker.table().splitlines()[:-1]))
w_last = worker.steps[-1]
print(f"{w_last.index:>2}  [{w_last.image} t{w_last.tid}]  {w_last.call}  -> ?")


# %%
def worker_activation():
    step = duplicated_token(worker_thread=True).steps[-1]
    return "succeeds" if step.ok else "fails with " + step.error.split(" (")[0]


Predict("Thread 1016 (not impersonating) made the duplicate; thread 1004 impersonates it and calls "
        "CoCreateInstance. What happens?",
        ["succeeds", "fails with E_ACCESSDENIED"],
        worker_activation,
        explain="Which thread creates the duplicate decides which default DACL it gets.")

# %% tags=["reveal"]
# NBVAL_CHECK_OUTPUT
print("The second CoCreateInstance", worker_activation())
print()
print(wrap(worker.steps[5].narration))
print()
print(wrap(worker.steps[6].narration))
print()
print(wrap(w_last.checks[0].narrative))

# %%
ScenarioPlayer(worker)

# %% [markdown]
# Thread 1016 acted as NETWORK SERVICE, so Token#9 allows NETWORK SERVICE and SYSTEM, and the
# token open succeeds. (In passing: step 5's narration shows the same rule once more. The new
# *thread object* was created while thread 1004 impersonated alice, so its own DACL came from
# alice's default DACL.)
#
# A second thread is not needed for this. The same thread can stop impersonating first, since
# it is about to replace its token anyway: `RevertToSelf()`, then `DuplicateToken(...)`, then
# `ImpersonateLoggedOnUser(dup)` (the handle opened while impersonating stays valid after
# `RevertToSelf`; the checks at the end of the notebook run this variant too). And in a real
# service a thread that is not impersonating is often already at hand — a pool thread, say.
#
# ### Change the default DACL
#
# The default DACL is a field of the token, and `SetTokenInformation(..., TokenDefaultDacl, ...)`
# can change it (the handle needs `TOKEN_ADJUST_DEFAULT`). Add an ACE for NETWORK SERVICE to the
# default DACL of alice's token, then duplicate while impersonating as before:

# %%
# NBVAL_CHECK_OUTPUT
m = tl.Machine()
m.add_user("alice", password="pw")
svc = m.start_process("svc.exe", user="NETWORK SERVICE")
api = svc.main_thread.api
with tl.record(m, "default DACL widened") as widened:
    client = api.LogonUser("alice", ".", "pw", LOGON32_LOGON_NETWORK, LOGON32_PROVIDER_DEFAULT)
    api.ImpersonateLoggedOnUser(client)
    api.CoCreateInstance(CLSID_Something, None, CLSCTX_LOCAL_SERVER, IID_IUnknown)
    token = api.OpenThreadToken(api.GetCurrentThread(), TOKEN_ALL_ACCESS, True)
    default_dacl = api.GetTokenInformation(token, TokenDefaultDacl)
    service_sid = api.GetTokenInformation(api.GetCurrentProcessToken(), TokenUser).sid
    api.SetTokenInformation(token, TokenDefaultDacl,
                            tl.ACL(list(default_dacl) + [tl.ACE.allow(service_sid, GENERIC_ALL)]))
    dup = api.DuplicateToken(token, SecurityImpersonation)
    api.ImpersonateLoggedOnUser(dup)
    attempt(api.CoCreateInstance, CLSID_Something, None, CLSCTX_LOCAL_SERVER, IID_IUnknown)
print(widened.table())
print()
print("the duplicate's descriptor:", widened.steps[-1].snapshot.token(m.thread(1004).token.object_id).security_sddl)

# %% [markdown]
# It works, but it is the bluntest of the three. The new default DACL applies to **every**
# object created without its own descriptor while any thread impersonates that token —
# events, other duplicates, new threads — not just to this one copy; and the token may be
# shared with other code that never asked for the change. In C the calls are:
#
# ```c
# /* hToken: the thread token, opened with TOKEN_QUERY | TOKEN_ADJUST_DEFAULT (or more) */
# DWORD size = 0;
# GetTokenInformation(hToken, TokenDefaultDacl, NULL, 0, &size);   /* ERROR_INSUFFICIENT_BUFFER: size */
# TOKEN_DEFAULT_DACL *current = (TOKEN_DEFAULT_DACL *)LocalAlloc(LPTR, size);
# GetTokenInformation(hToken, TokenDefaultDacl, current, size, &size);
#
# EXPLICIT_ACCESSW ea = { GENERIC_ALL, GRANT_ACCESS, NO_INHERITANCE };
# BuildTrusteeWithSidW(&ea.Trustee, pServiceSid);                  /* the process token's user */
# PACL wider = NULL;
# SetEntriesInAclW(1, &ea, current->DefaultDacl, &wider);
#
# TOKEN_DEFAULT_DACL info = { wider };
# SetTokenInformation(hToken, TokenDefaultDacl, &info, sizeof info);
# LocalFree(wider);
# LocalFree(current);
# ```
#
# Of the three fixes, copying the descriptor is the most exact: the copy is given the same DACL
# as the original (its owner is still alice), and nothing else changes.

# %% [markdown]
# ## Checks
#
# The cell below asserts what this notebook taught, against the model. If a change to tokenlab
# breaks one of these facts, the notebook test fails here.

# %%
# NBVAL_CHECK_OUTPUT
def dacl_sids(sd) -> list[str]:
    """The SIDs a descriptor's DACL names, in order."""
    return [ace.sid.text for ace in sd.dacl]


def revert_first():
    """Section 8's same-thread variant: stop impersonating, duplicate, impersonate the copy."""
    m = tl.Machine()
    m.add_user("alice", password="pw")
    api = m.start_process("svc.exe", user="NETWORK SERVICE").main_thread.api
    with tl.record(m, "revert first") as trace:
        api.ImpersonateLoggedOnUser(api.LogonUser("alice", ".", "pw", LOGON32_LOGON_NETWORK,
                                                  LOGON32_PROVIDER_DEFAULT))
        token = api.OpenThreadToken(api.GetCurrentThread(), TOKEN_ALL_ACCESS, True)
        api.RevertToSelf()
        dup = api.DuplicateToken(token, SecurityImpersonation)
        api.ImpersonateLoggedOnUser(dup)
        attempt(api.CoCreateInstance, CLSID_Something, None, CLSCTX_LOCAL_SERVER, IID_IUnknown)
    return trace


ALICE, NS, SYSTEM = "S-1-5-21-1004336348-1177238915-682003330-1001", "S-1-5-20", "S-1-5-18"


def checks():
    passed = []

    def check(condition, message):
        assert condition, message
        passed.append(message)

    s = duplicated_token()
    check([st.name for st in s] == ["LogonUser", "ImpersonateLoggedOnUser", "CoCreateInstance",
                                     "GetCurrentThread", "OpenThreadToken", "DuplicateToken",
                                     "ImpersonateLoggedOnUser", "CoCreateInstance"],
          "the story makes the post's calls, in the post's order")
    check(s.steps[2].ok and s.steps[-1].error == "E_ACCESSDENIED (0x80070005)",
          "the first CoCreateInstance succeeds, the second fails with E_ACCESSDENIED")
    snap = s.steps[5].snapshot
    check(dacl_sids(snap.token(4).security) == [NS, SYSTEM], "the original's DACL allows NETWORK SERVICE and SYSTEM")
    check(dacl_sids(snap.token(8).security) == [ALICE, SYSTEM], "the duplicate's DACL allows alice and SYSTEM")
    t4, t8 = snap.token(4), snap.token(8)
    check((t8.user, t8.groups, t8.privileges, t8.default_dacl, t8.level)
          == (t4.user, t4.groups, t4.privileges, t4.default_dacl, t4.level),
          "the duplicate carries the same identity as the original")
    check(t8.security != t4.security and t8.duplicated_from == 4, "only the duplicate's own descriptor differs")
    c = s.steps[-1].checks[0]
    check(c.checker == "NT AUTHORITY\\NETWORK SERVICE" and c.result.status == tl.ErrorCode.ERROR_ACCESS_DENIED,
          "COM's token open is checked as NETWORK SERVICE and denied")
    check(c.result.deciding_aces() == {}, "no ACE of the duplicate's DACL applies to NETWORK SERVICE")
    check(s.steps[2].checks[0].result.allowed, "the same open of the original was granted")
    check(as_process.table() == s.table(), "the hand-built run with OpenAsSelf=TRUE is the scenario")
    check(not as_thread.steps[2].ok and as_thread.steps[-1].ok,
          "with OpenAsSelf=FALSE the outcome inverts: first call denied, second allowed")
    check(as_thread.steps[-1].checks[0].checker == "TOKENLAB\\alice", "with OpenAsSelf=FALSE the check runs as alice")
    f = duplicated_token(fixed=True)
    check(f.steps[-1].ok, "the post's fix (GetSecurityInfo + DuplicateTokenEx) makes the second call succeed")
    fs = f.steps[6].snapshot
    check(dacl_sids(fs.token(8).security) == dacl_sids(fs.token(4).security), "the fixed duplicate has the original's DACL")
    w = duplicated_token(worker_thread=True)
    check(w.steps[6].name == "DuplicateToken" and w.steps[6].tid != w.steps[7].tid
          and w.machine.thread(w.steps[6].tid).token is None,
          "a second thread, one that is not impersonating, makes the duplicate")
    check(w.steps[-1].ok and dacl_sids(w.steps[6].snapshot.token(9).security) == [NS, SYSTEM],
          "a duplicate made while not impersonating gets NETWORK SERVICE's default DACL, and works")
    check(revert_first().steps[-1].ok, "RevertToSelf, then DuplicateToken, then impersonating the copy also works")
    check(widened.steps[-1].ok, "widening the default DACL before duplicating also works")
    rows = compare_table(s, f).splitlines()
    check("differs" in rows[-2] and "E_ACCESSDENIED" in rows[-2], "compare_table shows the runs differ at the last call")
    for message in passed:
        print("ok:", message)
    print(f"all {len(passed)} checks passed")


checks()
