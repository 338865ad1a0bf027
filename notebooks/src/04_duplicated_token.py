# %% [markdown]
# # 04 · The duplicated token
#
# A service runs as NETWORK SERVICE. Its client, alice, connects over a named pipe; the service
# impersonates her and asks COM to start a local server: that works. Then it makes a copy of
# the very token it is impersonating, impersonates the copy, and asks again. Same user, same
# groups, same privileges: does the second request go through?
#
# The puzzle comes from a post by Raymond Chen on *The Old New Thing*, named in section 5 (its
# title gives the answer away). This notebook replays it call for call, lets you predict the
# outcome, then takes it apart: what a token carries, what protects the token object, where a
# new object's DACL comes from, *copy-on-open*, and which parts are Windows' rules and which
# are **tokenlab's model of COM**.
#
# | Windows term | tokenlab name | example |
# | --- | --- | --- |
# | access token (a kernel object) | `Token#10` in pictures and tables; `tl.Token` | `m.thread(1004).token` |
# | handle | a small int, per process | `8` (opened by `OpenThreadToken`) |
# | thread token (impersonation) | the thread's **token slot**, `thread.token` | `api.ImpersonateLoggedOnUser(h)` |
# | effective token | `thread.effective_token` | the slot's token, else the process token |
# | `DuplicateToken`, `DuplicateTokenEx` | `api.DuplicateToken`, `api.DuplicateTokenEx` | `api.DuplicateToken(h, SecurityImpersonation)` |
# | `CoCreateInstance`, local server | `api.CoCreateInstance` (tokenlab's model of COM) | `api.CoCreateInstance(CLSID_Something, None, CLSCTX_LOCAL_SERVER, IID_IUnknown)` |
# | `E_ACCESSDENIED` (0x80070005) | `tl.ComError` | `err.name == "E_ACCESSDENIED"` |
# | a recorded run of calls | `tl.Trace`, `tl.record(m)` | `story.table()`, `story.steps[11].narration` |
# | alice (a local account) | `TOKENLAB\alice` | S-1-5-21-1004336348-1177238915-682003330-1001; outputs name her |
# | the group `TOKENLAB\None` | the local group called "None" (RID 513, SDDL `DU`), not Python's `None` | S-1-5-21-1004336348-1177238915-682003330-513 |
#
# Run the cells from top to bottom; predict *before* pressing Reveal. The same calls in plain
# code wait under *Answers*, near the end.

# %%
import textwrap

import tokenlab as tl
from tokenlab.win32 import *
from tokenlab.scenarios import duplicated_token
from tokenlab.teaching.c_program import program
from tokenlab.view import (compare_table, descriptor_graph, descriptor_table, object_graph, object_table,
                           story_pids, token_graph, token_table, trace_layout, svg)
from tokenlab.ui import Compare, Predict, ScenarioPlayer
from tokenlab.security.rights import TokenAccess, format_mask
from IPython.display import SVG, display


def wrap(text: str) -> str:
    """Narrations are one long paragraph; fold them for reading."""
    return textwrap.fill(text, width=100)


def step_named(trace, name, nth=0):
    """The nth recorded call with this name (0: the first, -1: the last)."""
    return [step for step in trace if step.name == name][nth]


def dacl_by_name(acl, names):
    """An ACL as one line per ACE, accounts by name (full SIDs are in the glossary)."""
    return "\n".join(f"  {'allow' if ace.is_allow else 'deny '}  {names.get(ace.sid.text, ace.sid.text):<36}  "
                     f"{format_mask(ace.mask, TokenAccess)}" for ace in acl)


# %% [markdown]
# ## 1 · The story, call for call
#
# `duplicated_token(via="pipe")` builds a fresh simulated machine — `svc.exe` running as
# NETWORK SERVICE, and `client.exe` running as alice — runs the calls through the Win32 facade,
# and hands back the recorded **trace**: one step per call, with its C twin, its result or
# error, the access checks it made, and a narration of the rule that decided it. The last call
# is held back: you will predict it.

# %%
# NBVAL_CHECK_OUTPUT
story = duplicated_token(via="pipe")
last = story.steps[-1]
print(story.title, "-", len(story), "calls")
print("\n".join(story.table().splitlines()[:-1]))
print(f"{last.index:>2}  [{last.image} t{last.tid}]  {last.call}  -> ?")

# %% [markdown]
# Each row is `index  [process thread]  call  -> result`. Handles are small numbers in their
# own process's handle table (both processes have a handle 4); `-2` is the pseudo-handle for
# "the calling thread". Steps 0–5 are how a service really gets a client's token: alice's
# client opens the service's pipe and writes a request, `ConnectNamedPipe` returns FALSE with
# `ERROR_PIPE_CONNECTED` (the client came first: success), the service reads the request, and
# `ImpersonateNamedPipeClient` puts alice's token in the thread's slot. The post's code starts
# there; steps 6–11 are its calls in its order. In C:

# %%
# NBVAL_CHECK_OUTPUT
for step in story.steps[:-1]:
    print(f"/* {step.index} */ {step.c_call}")

# %% [markdown]
# Only bookkeeping differs from the post: `GetCurrentThread()` gets a row of its own (step 7),
# and the C twin names each output after the handle value it received (`h8`, `h12`).

# %% [markdown]
# ## 2 · Predict: the second `CoCreateInstance`
#
# The only change since the first activation is that the slot now holds the *copy* made by
# `DuplicateToken` (step 9): same user (alice), groups, privileges and impersonation level.

# %%
def second_activation():
    """Run the story again and report how its last call ended."""
    step = duplicated_token(via="pipe").steps[-1]
    return "succeeds" if step.ok else "fails with " + step.error.split(" (")[0]


Predict("The thread impersonates the duplicate and calls CoCreateInstance again. What happens?",
        ["succeeds", "fails with E_ACCESSDENIED", "fails with ERROR_BAD_IMPERSONATION_LEVEL",
         "fails with ERROR_NO_TOKEN"],
        second_activation,
        explain="In tokenlab's model of COM, CoCreateInstance first opens the thread token (now the "
                "duplicate) with OpenAsSelf=TRUE, so the open is checked as the process, NETWORK SERVICE. "
                "The duplicate is a new object with a new DACL, and that DACL does not admit NETWORK "
                "SERVICE: ERROR_ACCESS_DENIED, which COM reports as E_ACCESSDENIED. Section 5 takes the "
                "check apart; Answers, at the end of this notebook, runs it in plain code (A1).")

# %% [markdown]
# *Pick an answer and press Reveal first.*

# %% [markdown]
# ## 3 · Step through it
#
# The player replays the trace: each position is one call, its narration, and the object graph
# after it, with what the call changed coloured. Watch steps 6 and 9.

# %%
ScenarioPlayer(story)

# %% [markdown]
# ## 4 · Copy-on-open: the first open of a client's token
#
# The token `ImpersonateNamedPipeClient` put in the slot (Token#9) is the kernel's copy of
# alice's token as it was at that call (her `CreateFile` passed no SQOS flags, so the kernel
# tracks her token dynamically), marked **copy-on-open**. The first open of the thread
# token — here, in tokenlab's model of COM, its open at step 6 — does not check Token#9 at all.
# The kernel copies it *without an access check*, gives the copy a DACL made for the purpose
# (the server process's user, the client's user, Administrators, SYSTEM), puts the copy in the
# slot instead, and checks the open against the copy:

# %%
# NBVAL_CHECK_OUTPUT
first = step_named(story, "CoCreateInstance")
print(object_table(first.snapshot, story.steps[first.index - 1].snapshot))

# %% [markdown]
# From step 6 on, the slot holds Token#10, and the service's own `OpenThreadToken` (step 8)
# gets a handle to it, checked against that purpose-made DACL. Every token node ends with
# *its DACL allows …*: that line is the clue. The machine just before and just after
# `DuplicateToken`:

# %%
dup_step = step_named(story, "DuplicateToken")
before, after = story.steps[dup_step.index - 1].snapshot, dup_step.snapshot
# drawn as the player draws them: the story's processes in full on one layout, the rest folded
keep = story_pids(story)
layout = trace_layout(story, keep=keep)
display(SVG(svg(object_graph(before, pinned=layout, keep=keep, legend=False))))
display(SVG(svg(object_graph(after, before, focus_tid=dup_step.tid, pinned=layout, keep=keep))))

# %% [markdown]
# The duplicate, Token#14, compared with the token it was copied from, Token#10:

# %%
SVG(svg(token_graph(after.token(14), after.token(10), snapshot=after)))

# %%
# NBVAL_CHECK_OUTPUT
print(token_table(after.token(14), after.token(10), snapshot=after, sids=False))

# %% [markdown]
# Everything alice *is* was copied: user, groups, privileges, owner, default DACL, logon
# session. What differs is what makes it a new object — its id, its origin — and **its security
# descriptor**. `DuplicateToken` copied the letter, not the envelope.

# %% [markdown]
# ## 5 · The second activation's access check
#
# (Reveal the prediction in section 2 first.) In tokenlab's model of COM, the open of Token#14,
# the duplicate, is checked as NETWORK SERVICE: the duplicate is refused not for *who it says
# it is*, but for *who may open it*.
#
# Raymond Chen's post, "How come a duplicated token doesn't behave identically to the
# original?", calls it "a token that doesn't have access to itself". Taken literally that is not
# what happens: the DACL admits alice, the identity the token carries. The course reads
# "itself" as the service holding the token, the identity the open is checked as.
#
# Each step keeps its access checks (`step.checks`): what was checked, as whom (`.checker`),
# the descriptor (`.sd`) and the result. White ACEs did not apply.

# %%
denied = last.checks[0]
DOMAIN = tl.SID(after.domain_sid)
NAMES = dict(after.names)
SVG(svg(descriptor_graph(denied.sd, denied.result, domain=DOMAIN, names=NAMES)))

# %%
# NBVAL_CHECK_OUTPUT
print("object:    ", denied.what)
print("checked as:", denied.checker)
print(wrap(denied.narrative_by_name))
print()
print(descriptor_table(denied.sd, denied.result, domain=DOMAIN, names=NAMES, sids=False))
print()
granted = first.checks[0]
print("step 6, same open:", granted.what, "as", granted.checker, "->", granted.result.status.name)

# %% [markdown]
# ### Where the duplicate's DACL came from
#
# A new object gets the descriptor its creator passes in `SECURITY_ATTRIBUTES`; without one —
# and `DuplicateToken` has no parameter for one — its owner, group and DACL come from the
# creator's **effective token at that moment** (Microsoft's docs: "DACL for a New Object";
# notebook [03](03_new_object_security.ipynb)). At step 9 the thread was impersonating alice,
# so the duplicate got alice's **default DACL**:

# %%
# NBVAL_CHECK_OUTPUT
print("Token#10's default DACL:")
print(dacl_by_name(after.token(10).default_dacl, NAMES))
print("Token#14's own DACL:")
print(dacl_by_name(after.token(14).security.dacl, NAMES))

# %% [markdown]
# (`GENERIC_ALL` maps to every token right, `TOKEN_ALL_ACCESS`.)

# %% [markdown]
# ## 6 · The LogonUser variant
#
# A shorter way to get alice's token is to log her on: `LogonUser(alice, NETWORK)`, then
# `ImpersonateLoggedOnUser`. `duplicated_token()` tells the story that way, and it reproduces
# the post on Windows too. There is no copy-on-open here; the original is the LSA's token, with
# the LSA's descriptor: full control for SYSTEM, for the caller (NETWORK SERVICE) and for alice,
# read for Administrators. The duplicate is made and refused exactly as above:

# %%
# NBVAL_CHECK_OUTPUT
logon = duplicated_token()
print(logon.table())
lsnap = step_named(logon, "DuplicateToken").snapshot
print()
print("the LogonUser token (the LSA's descriptor):")
print(dacl_by_name(lsnap.token(4).security.dacl, NAMES))
print("its duplicate:")
print(dacl_by_name(lsnap.token(8).security.dacl, NAMES))

# %% [markdown]
# ## 7 · What is tokenlab's model of COM — flip it
#
# The rule that makes the story — *a duplicate gets a new descriptor from the creator's default
# DACL* — is Windows' own, and so are copy-on-open and the LSA's descriptor. Why COM opens the
# thread token, and as whom, is a **model**: in tokenlab's model of COM, a local activation
# opens the thread token for `TOKEN_QUERY|TOKEN_DUPLICATE|TOKEN_IMPERSONATE` with
# `OpenAsSelf=TRUE` (refusal: `E_ACCESSDENIED`), checks the server's launch permission as the
# caller, and starts the server as LOCAL SERVICE. Real COM does far more (RPCSS, apartments,
# cloaking, AppIDs); `docs/model.md` lists what is modelled.
#
# The model lets you flip the one setting that matters, `m.com.open_as_self`. The function below
# makes the LogonUser variant's calls by hand, with that one line added:

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
    m.com.open_as_self = open_as_self   # tokenlab's model of COM: who the token open is checked as
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

# %%
# NBVAL_CHECK_OUTPUT
print("OpenAsSelf=TRUE by hand is duplicated_token():", as_process.table() == logon.table())
for run in (as_process, as_thread):
    print(run.title)
    for step in run:
        if step.name == "CoCreateInstance":
            check = step.checks[0]
            print(f"  step {step.index}: open {check.what} as {check.checker}: {check.result.status.name}")

# %% [markdown]
# With `OpenAsSelf=FALSE` the open is checked **as alice**, and both activations succeed: both
# DACLs admit alice. Which identity COM checks as is the model-only part; the lesson holds
# either way: **whoever opens a token is checked against that token's own DACL**.

# %% [markdown]
# ## 8 · `DuplicateTokenEx` with the original's DACL
#
# The post's fix: read the original's DACL with `GetSecurityInfo` and pass it to
# `DuplicateTokenEx` in a `SECURITY_ATTRIBUTES`; only the owner and group, which it leaves out,
# still come from the effective token. `duplicated_token(fixed=True, via="pipe")` does this, and in tokenlab's model
# of COM the second activation then succeeds:

# %%
# NBVAL_CHECK_OUTPUT
fixed = duplicated_token(fixed=True, via="pipe")
for step in fixed.steps[6:]:
    print(f"{step.index:>2}  {step.name:<24} -> {'ok' if step.ok else step.error}")
fixed_snap, fixed_tok = fixed.steps[-1].snapshot, fixed.machine.thread(1004).token.object_id
print()
print(f"the fixed duplicate, Token#{fixed_tok}, has the original's DACL:")
print(dacl_by_name(fixed_snap.token(fixed_tok).security.dacl, NAMES))

# %% [markdown]
# The two runs side by side, and the text twin:

# %%
Compare(story, fixed)

# %%
# NBVAL_CHECK_OUTPUT
print(compare_table(story, fixed, sids=False))


# %% [markdown]
# ## 9 · Another thread makes the copy
#
# The descriptor comes from the effective token *at the moment of creation*. So what if the copy
# is made somewhere else? `duplicated_token(worker_thread=True, via="pipe")` lets a second thread
# of `svc.exe`, one that is not impersonating, make the duplicate (handles belong to the process,
# so it may use handle 8). Thread 1004 then impersonates the copy, as before.

# %%
# NBVAL_CHECK_OUTPUT
worker = duplicated_token(worker_thread=True, via="pipe")
print("\n".join(worker.table().splitlines()[6:-1]))
w_last = worker.steps[-1]
print(f"{w_last.index:>2}  [{w_last.image} t{w_last.tid}]  {w_last.call}  -> ?")


# %%
def worker_activation():
    step = duplicated_token(worker_thread=True, via="pipe").steps[-1]
    return "succeeds" if step.ok else "fails with " + step.error.split(" (")[0]


Predict("A thread that is not impersonating made the duplicate; thread 1004 impersonates it and calls "
        "CoCreateInstance. What happens?",
        ["succeeds", "fails with E_ACCESSDENIED"],
        worker_activation,
        explain="Impersonation belongs to a thread: the worker acts as NETWORK SERVICE, so the duplicate "
                "gets NETWORK SERVICE's default DACL, which admits NETWORK SERVICE, and COM's token open "
                "succeeds. Answers, at the end of this notebook, runs it in plain code (A2).")

# %% [markdown]
# *Pick an answer and press Reveal first.*

# %% [markdown]
# ### The same thread, or a wider default DACL
#
# (Reveal the prediction in section 9 first.) A second thread is not needed: the same thread
# can call `RevertToSelf()`, then `DuplicateToken`, then `ImpersonateLoggedOnUser(dup)` (the
# checks below run this). Or widen
# the token's default DACL first with `SetTokenInformation(..., TokenDefaultDacl, ...)`; that
# works too, but the wider default applies to *every* object later created while
# impersonating that token.

# %%
# NBVAL_CHECK_OUTPUT
m = tl.Machine()
m.add_user("alice", password="pw")
api = m.start_process("svc.exe", user="NETWORK SERVICE").main_thread.api
with tl.record(m, "default DACL widened") as widened:
    client = api.LogonUser("alice", ".", "pw", LOGON32_LOGON_NETWORK, LOGON32_PROVIDER_DEFAULT)
    api.ImpersonateLoggedOnUser(client)
    token = api.OpenThreadToken(api.GetCurrentThread(), TOKEN_ALL_ACCESS, True)
    default_dacl = api.GetTokenInformation(token, TokenDefaultDacl)
    service_sid = api.GetTokenInformation(api.GetCurrentProcessToken(), TokenUser).sid
    api.SetTokenInformation(token, TokenDefaultDacl,
                            tl.ACL(list(default_dacl) + [tl.ACE.allow(service_sid, GENERIC_ALL)]))
    dup = api.DuplicateToken(token, SecurityImpersonation)
    api.ImpersonateLoggedOnUser(dup)
    attempt(api.CoCreateInstance, CLSID_Something, None, CLSCTX_LOCAL_SERVER, IID_IUnknown)
for step in widened:
    print(f"{step.index:>2}  {step.name:<24} -> {'ok' if step.ok else step.error}")

# %% [markdown]
# Of the three, copying the descriptor is the most exact: the copy gets the original's DACL,
# and nothing else changes.

# %% [markdown]
# ## 10 · Check it on Windows
#
# `tokenlab.teaching.c_program.program(trace)` writes a trace as a whole C program to build and
# run on Windows, each call followed by a line comparing Windows' result with tokenlab's. The
# story's program begins:

# %%
# NBVAL_CHECK_OUTPUT
prog = program(story)
print(prog.filename)
print("\n".join(prog.source.splitlines()[:7]))

# %% [markdown]
# To look at the descriptors by hand, the NtObjectManager PowerShell module has cmdlets for
# each step (a sketch; run it in an elevated PowerShell, with a local account alice):
#
# ```powershell
# Install-Module NtObjectManager -Scope CurrentUser; Import-Module NtObjectManager
# $t = Get-NtToken -Logon -User alice -Password pw -LogonType Network   # the LSA's token
# Format-NtSecurityDescriptor -Object $t                                # its DACL
# $dup = Invoke-NtToken $t { Copy-NtToken -Token $t -ImpersonationLevel Impersonation }
# Format-NtSecurityDescriptor -Object $dup                              # alice's default DACL
# $sd = Get-NtSecurityDescriptor -Object $t -SecurityInformation Dacl
# $fixed = Copy-NtToken -Token $t -ImpersonationLevel Impersonation -SecurityDescriptor $sd
# Format-NtSecurityDescriptor -Object $fixed                            # the original's DACL
# ```

# %% [markdown]
# ## Answers, in plain code
#
# Read these after you have revealed your predictions above.
#
# ### A1 · The second `CoCreateInstance`
#
# The story's last call, and the token open inside it (tokenlab's model of COM):

# %%
# NBVAL_CHECK_OUTPUT
print("The second CoCreateInstance", second_activation())
print("error:", last.error)
print("its token open:", denied.what, "as", denied.checker, "->", denied.result.status.name)

# %% [markdown]
# ### A2 · The copy made by a thread that is not impersonating
#
# The last call of the worker-thread run, and the DACL its duplicate got:

# %%
# NBVAL_CHECK_OUTPUT
print("The second CoCreateInstance", worker_activation())
w_snap, w_tok = w_last.snapshot, worker.machine.thread(1004).token.object_id
print(f"the worker's duplicate, Token#{w_tok}:")
print(dacl_by_name(w_snap.token(w_tok).security.dacl, dict(w_snap.names)))

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
    """Section 9's same-thread variant: stop impersonating, duplicate, impersonate the copy."""
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


ALICE, NS, SYSTEM, ADMINS = "S-1-5-21-1004336348-1177238915-682003330-1001", "S-1-5-20", "S-1-5-18", "S-1-5-32-544"
POST_CALLS = ["CoCreateInstance", "GetCurrentThread", "OpenThreadToken", "DuplicateToken",
              "ImpersonateLoggedOnUser", "CoCreateInstance"]


def checks():
    passed = []

    def check(condition, message):
        assert condition, message
        passed.append(message)

    s = duplicated_token(via="pipe")
    check([st.name for st in s] == ["CreateNamedPipe", "CreateFile", "WriteFile", "ConnectNamedPipe", "ReadFile",
                                     "ImpersonateNamedPipeClient"] + POST_CALLS,
          "the pipe story: a client connects and is impersonated, then the post's calls, in the post's order")
    check(s.steps[6].ok and s.steps[-1].error == "E_ACCESSDENIED (0x80070005)",
          "the first CoCreateInstance succeeds, the second fails with E_ACCESSDENIED")
    s5, s6, s9 = s.steps[5].snapshot, s.steps[6].snapshot, s.steps[9].snapshot
    check(s5.token(9) is not None and s6.token(10).duplicated_from == 9
          and s.machine.thread(1004).token.object_id == 14,
          "Token#9 is the client's context; COM's first open swaps in the copy Token#10; the slot ends on Token#14")
    check(s.steps[6].checks[0].what.startswith("Token#10"), "the first open is checked against the copy, not the client's context")
    check(set(dacl_sids(s6.token(10).security)) == {NS, ALICE, ADMINS, SYSTEM},
          "the copy-on-open copy's DACL: server process user, client user, Administrators, SYSTEM")
    check(dacl_sids(s9.token(14).security)[:2] == [ALICE, SYSTEM] and NS not in dacl_sids(s9.token(14).security),
          "the duplicate's DACL is alice's default DACL, without NETWORK SERVICE")
    t10, t14 = s9.token(10), s9.token(14)
    check((t14.user, t14.groups, t14.privileges, t14.default_dacl, t14.level)
          == (t10.user, t10.groups, t10.privileges, t10.default_dacl, t10.level),
          "the duplicate carries the same identity as the original")
    check(t14.security != t10.security and t14.duplicated_from == 10, "only the duplicate's own descriptor differs")
    c = s.steps[-1].checks[0]
    check(c.checker == "NT AUTHORITY\\NETWORK SERVICE" and c.result.status == tl.ErrorCode.ERROR_ACCESS_DENIED,
          "COM's token open is checked as NETWORK SERVICE and denied")
    check(c.result.deciding_aces() == {}, "no ACE of the duplicate's DACL applies to NETWORK SERVICE")
    lg = duplicated_token()
    check([st.name for st in lg] == ["LogonUser", "ImpersonateLoggedOnUser"] + POST_CALLS
          and lg.steps[2].ok and not lg.steps[-1].ok, "the LogonUser variant tells the same story")
    ls = lg.steps[5].snapshot
    check(set(dacl_sids(ls.token(4).security)) == {SYSTEM, NS, ALICE, ADMINS},
          "the LogonUser token has the LSA's descriptor: SYSTEM, NETWORK SERVICE, alice, Administrators")
    check(dacl_sids(ls.token(8).security)[:2] == [ALICE, SYSTEM], "its duplicate's DACL is alice's default DACL")
    check(as_process.table() == lg.table(), "the hand-built run with OpenAsSelf=TRUE is the LogonUser scenario")
    check(as_thread.steps[2].ok and as_thread.steps[-1].ok,
          "with OpenAsSelf=FALSE both activations succeed")
    check(as_thread.steps[-1].checks[0].checker == "TOKENLAB\\alice", "with OpenAsSelf=FALSE the check runs as alice")
    f = duplicated_token(fixed=True, via="pipe")
    check(f.steps[-1].ok, "the post's fix (GetSecurityInfo + DuplicateTokenEx) makes the second call succeed")
    fs = f.steps[-1].snapshot
    check(dacl_sids(fs.token(f.machine.thread(1004).token.object_id).security) == dacl_sids(fs.token(10).security),
          "the fixed duplicate has the original's DACL")
    check(duplicated_token(fixed=True).steps[-1].ok, "the fix works in the LogonUser variant too")
    w = duplicated_token(worker_thread=True, via="pipe")
    dw = step_named(w, "DuplicateToken")
    check(dw.tid != w.steps[-1].tid and w.machine.thread(dw.tid).token is None,
          "a second thread, one that is not impersonating, makes the duplicate")
    check(w.steps[-1].ok and NS in dacl_sids(dw.snapshot.token(w.machine.thread(1004).token.object_id).security),
          "a duplicate made while not impersonating gets NETWORK SERVICE's default DACL, and works")
    check(revert_first().steps[-1].ok, "RevertToSelf, then DuplicateToken, then impersonating the copy also works")
    check(widened.steps[-1].ok, "widening the default DACL before duplicating also works")
    rows = compare_table(s, f).splitlines()
    check("differs" in rows[-2] and "E_ACCESSDENIED" in rows[-2], "compare_table shows the runs differ at the last call")
    check(program(s).filename == "duplicated_token_over_a_named_pipe.cpp", "the story has a generated C++ program")
    for message in passed:
        print("ok:", message)
    print(f"all {len(passed)} checks passed")


checks()
