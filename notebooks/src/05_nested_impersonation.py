# %% [markdown]
# # 05 · RevertToSelf after nested impersonation
#
# A service running as NETWORK SERVICE impersonates its client, alice. In the middle of her
# request it needs to act, briefly, as someone else — bob — so it calls `SetThreadToken` with
# bob's token. When that part is done it calls `RevertToSelf`, expecting to be alice again.
# Who is the thread for the rest of alice's request?
#
# The question comes from a post by Raymond Chen on *The Old New Thing*, named after the
# prediction in section 2 (its title gives the answer away). This notebook replays it, then
# follows the thread's token slot through more recorded runs: ways to save its token and put
# it back, a context manager for that, and how long a token in use lives.
#
# | Windows term | tokenlab name | example |
# | --- | --- | --- |
# | thread token, impersonation token | the thread's **token slot**, `thread.token` (`None` when empty) | `m.thread(1004).token` |
# | effective token | `thread.effective_token`: the slot's token, else the process token | `api.GetCurrentThreadEffectiveToken()` (pseudo-handle `-6`) |
# | `SetThreadToken(NULL, h)` | `api.SetThreadToken(None, h)`: `None` stands for NULL | `api.SetThreadToken(None, bob_h)` |
# | `OpenThreadToken` | `api.OpenThreadToken(thread, access, OpenAsSelf)` → a handle | `api.OpenThreadToken(api.GetCurrentThread(), TOKEN_IMPERSONATE, True)` |
# | pseudo-handle | a negative int, in no handle table | `api.GetCurrentThreadToken()` → `-5` |
# | `ERROR_NO_TOKEN` (1008) | `tl.WinError`, `.name`, `.winerror` | `err.winerror == ERROR_NO_TOKEN` |
# | `CloseHandle`; object references | `api.CloseHandle(h)`; `TokenState.refs` in a snapshot | `snap.token(4).refs` |
# | "who am I?" | `GetTokenInformation(..., TokenUser)` | `trace.final_user` |
# | a recorded run of calls | `tl.Trace` (`nested_impersonation(...)`), `tl.record(m)` | `trace.table()`, `trace.steps[4].narration` |
# | alice, bob (local accounts) | `TOKENLAB\alice`, `TOKENLAB\bob` | S-1-5-21-1004336348-1177238915-682003330-1001 and -1002 |
#
# Run the cells from top to bottom (the widgets need a live kernel); pick your answer to a
# prediction *before* pressing Reveal. The same calls in plain code wait under *Answers*, near
# the end.

# %%
import inspect
import textwrap

import tokenlab as tl
from tokenlab.win32 import *
from tokenlab.scenarios import impersonating, nested_impersonation
from tokenlab.teaching.c_program import program
from tokenlab.view import compare_table, object_graph, object_table, svg
from tokenlab.ui import Compare, Predict, ScenarioPlayer
from IPython.display import SVG, display


def wrap(text: str) -> str:
    """Narrations are one long paragraph; fold them for reading."""
    return textwrap.fill(text, width=100)


def show_c(trace, steps=None):
    """Print the C twin of each recorded step."""
    for step in (trace.steps if steps is None else steps):
        print(f"/* {step.index} */ {step.c_call}")


# %% [markdown]
# ## 1 · One thread, one slot
#
# A thread acts with the **primary token** of its process — unless it is impersonating. Then it
# acts with its **thread token** instead. Windows keeps exactly one thread token per thread: a
# single place that either holds a token or is empty. tokenlab draws it as the thread's
# **token slot**.
#
# `nested_impersonation(pattern)` builds a fresh machine — `svc.exe` running as NETWORK
# SERVICE, local accounts alice and bob — runs one pattern of calls and returns the recorded
# trace. The machine after the service starts impersonating alice (step 2), what changed
# coloured, and its text twin:

# %%
revert = nested_impersonation("revert")
impersonating_alice = revert.steps[2].snapshot
SVG(svg(object_graph(impersonating_alice, revert.steps[1].snapshot, focus_tid=1004)))

# %%
# NBVAL_CHECK_OUTPUT
print(object_table(impersonating_alice, revert.steps[1].snapshot))

# %% [markdown]
# Thread 1004's one `token slot` now holds Token#4 (alice), and the bold *effective*
# arrow goes there instead of to the process's Token#1. Two handles, 4 and 8, name alice's and
# bob's logon tokens; a handle is only a way to reach an object, not a place the thread acts
# from.

# %% [markdown]
# ## 2 · Predict: who is the thread after `RevertToSelf`?
#
# The first five calls of the story: log on alice and bob, impersonate alice, switch to bob with
# `SetThreadToken`, then `RevertToSelf()`.

# %%
# NBVAL_CHECK_OUTPUT
print("\n".join(revert.table().splitlines()[:5]))

# %% [markdown]
# Right after `RevertToSelf`, the service asks `GetTokenInformation(GetCurrentThreadEffectiveToken(),
# TokenUser)`: who is this thread now?

# %%
Predict("After ImpersonateLoggedOnUser(alice), SetThreadToken(NULL, bob) and RevertToSelf(), "
        "who is thread 1004?",
        ["TOKENLAB\\alice", "TOKENLAB\\bob", "NT AUTHORITY\\NETWORK SERVICE"],
        lambda: nested_impersonation("revert").final_user,
        explain="SetThreadToken(NULL, bob) replaced alice's token in the slot; RevertToSelf emptied it, "
                "so the thread falls through to the process token. RevertToSelf ends the "
                "impersonation; it never meant 'go back one step'. Answers, at the end of this notebook, "
                "runs it in plain code (A1).")

# %% [markdown]
# *Pick an answer and press Reveal first.*

# %% [markdown]
# ### The slot, step by step
#
# (Reveal the prediction in section 2 first.) Raymond Chen's post is called "Why doesn't
# RevertToSelf undo the most recent SetThreadToken?". The rules at work, here and below:
#
# * `ImpersonateLoggedOnUser(h)` and `SetThreadToken(NULL, h)` put a token in the slot,
#   **replacing** whatever was there;
# * `RevertToSelf()` and `SetThreadToken(NULL, NULL)` **empty** the slot.
#
# Step through the whole run and watch the token slot at steps 2, 3 and 4:

# %%
ScenarioPlayer(revert)

# %% [markdown]
# The whole trace, and its C twins:

# %%
# NBVAL_CHECK_OUTPUT
print(revert.table(sids=False))
print()
show_c(revert)

# %% [markdown]
# The slot just before and just after `RevertToSelf` (`~` marks what changed, `was:` what it
# was):

# %%
display(SVG(svg(object_graph(revert.steps[4].snapshot, revert.steps[3].snapshot, focus_tid=1004))))

# %%
# NBVAL_CHECK_OUTPUT
print(object_table(revert.steps[4].snapshot, revert.steps[3].snapshot))
thread = revert.machine.thread(1004)
print()
print("thread.token:          ", thread.token)
print("thread.effective_token:", revert.machine.describe(thread.effective_token))

# %% [markdown]
# ## 3 · Save, switch, restore
#
# If the thread should go back to alice, the code has to keep alice's token itself and put it
# back explicitly. The pattern:
#
# 1. **save**: `OpenThreadToken(GetCurrentThread(), TOKEN_IMPERSONATE, TRUE, &saved)` — a real
#    handle to the token now in the slot;
# 2. **switch**: `SetThreadToken(NULL, hBob)`;
# 3. do the work as bob;
# 4. **restore**: `SetThreadToken(NULL, saved)`;
# 5. `CloseHandle(saved)`.
#
# In step 1, `TOKEN_IMPERSONATE` is the right `SetThreadToken` needs on the handle, and
# `OpenAsSelf=TRUE` has Windows check the open **as the process** rather than as the
# impersonated client, who may not be allowed to open the token (shown below).
#
# `nested_impersonation("save_restore")` runs the pattern:

# %%
# NBVAL_CHECK_OUTPUT
save_restore = nested_impersonation("save_restore")
print(save_restore.table(sids=False))
print()
print("final user:", save_restore.final_user)
print()
show_c(save_restore, save_restore.steps[3:8])

# %%
ScenarioPlayer(save_restore)

# %% [markdown]
# Step 4 opened a second handle, 12, to the **same** Token#4 that is in the slot: saving is
# taking a reference to the object, not copying it. Step 6 put that object back in the slot,
# and step 7 closed the extra handle.
#
# Over a named pipe the client's token is **copy-on-open** ([04, section 4](04_duplicated_token.ipynb)):
# the first save returns a copy that also replaces the original in the slot, so restoring it
# still puts alice back:

# %%
# NBVAL_CHECK_OUTPUT
over_pipe = nested_impersonation("save_restore", via="pipe")
print(over_pipe.table(sids=False))
print()
print("final user:", over_pipe.final_user)
save_step = next(st for st in over_pipe if st.name == "OpenThreadToken")
print()
print(wrap(save_step.narration))

# %% [markdown]
# Why `OpenAsSelf=TRUE`? Here the service duplicates alice's logon token *before*
# impersonating, so the copy's DACL admits only NETWORK SERVICE and SYSTEM (notebook 03), and
# impersonates the copy. (The `LogonUser` token itself admits both the service and alice.)

# %%
# NBVAL_CHECK_OUTPUT
m = tl.Machine()
m.add_user("alice", password="pw")
svc = m.start_process("svc.exe", user="NETWORK SERVICE")
api = svc.main_thread.api
alice_h = api.LogonUser("alice", ".", "pw", LOGON32_LOGON_NETWORK, LOGON32_PROVIDER_DEFAULT)
alice_copy = api.DuplicateToken(alice_h, SecurityImpersonation)
api.ImpersonateLoggedOnUser(alice_copy)
for as_self in (True, False):
    try:
        h = api.OpenThreadToken(api.GetCurrentThread(), TOKEN_IMPERSONATE, as_self)
        print(f"OpenAsSelf={as_self}: handle {h}")
        api.CloseHandle(h)
    except tl.WinError as err:
        print(f"OpenAsSelf={as_self}: {err}")

# %% [markdown]
# `RevertToSelf` against save-and-restore, side by side, and the text twin:

# %%
Compare(nested_impersonation("revert"), nested_impersonation("save_restore"))

# %%
# NBVAL_CHECK_OUTPUT
print(compare_table(nested_impersonation("revert"), nested_impersonation("save_restore"), sids=False))

# %% [markdown]
# The same pattern as a C function (error handling kept: here it *is* the point):
#
# ```c
# /* Run work() as hNested, then give the thread back exactly the token it had before. */
# BOOL RunImpersonating(HANDLE hNested, void (*work)(void))
# {
#     HANDLE saved = NULL;
#     if (!OpenThreadToken(GetCurrentThread(), TOKEN_IMPERSONATE, TRUE, &saved)) {
#         if (GetLastError() != ERROR_NO_TOKEN)
#             return FALSE;            /* a real failure: do not guess */
#         saved = NULL;                /* not impersonating: "restore" means "no token" */
#     }
#     if (!SetThreadToken(NULL, hNested)) {
#         if (saved) CloseHandle(saved);
#         return FALSE;
#     }
#     work();
#     BOOL restored = SetThreadToken(NULL, saved);   /* NULL empties the slot */
#     if (saved) CloseHandle(saved);
#     return restored;
# }
# ```
#
# The `ERROR_NO_TOKEN` branch is the next section.

# %% [markdown]
# ## 4 · When there was nothing to save
#
# On a thread that is *not* impersonating the slot is empty, and `OpenThreadToken` fails with
# `ERROR_NO_TOKEN` (1008). That failure is information: "restore to *no* token", that is
# `SetThreadToken(NULL, NULL)`. Any other failure means the code does not know what the slot
# held, and should stop rather than guess.

# %%
# NBVAL_CHECK_OUTPUT
not_impersonating = nested_impersonation("not_impersonating")
print(not_impersonating.table(sids=False))
print()
print("final user:", not_impersonating.final_user)
print()
print(wrap(not_impersonating.steps[3].narration))
print()
show_c(not_impersonating, not_impersonating.steps[3:6])

# %%
ScenarioPlayer(not_impersonating)

# %% [markdown]
# The thread began as NETWORK SERVICE, was bob for a while, and is NETWORK SERVICE again.

# %% [markdown]
# ## 5 · Saving with `GetCurrentThreadToken()`
#
# `GetCurrentThreadToken()` is a cheaper way to name the thread token: it cannot fail and needs
# no `CloseHandle`. It returns the **pseudo-handle** `-5` ([02_tokens](02_tokens.ipynb)
# introduces pseudo-handles). `nested_impersonation("pseudo_handle")` saves it, switches to bob,
# and restores the saved value:

# %%
# NBVAL_CHECK_OUTPUT
pseudo = nested_impersonation("pseudo_handle")
print("\n".join(pseudo.table().splitlines()[:5]))
restore = pseudo.steps[5]
print(f"{restore.index:>2}  [{restore.image} t{restore.tid}]  {restore.call}  -> ?")


# %%
Predict("After saved = GetCurrentThreadToken(), SetThreadToken(NULL, bob) and SetThreadToken(NULL, saved), "
        "who is thread 1004?",
        ["TOKENLAB\\alice", "TOKENLAB\\bob", "NT AUTHORITY\\NETWORK SERVICE"],
        lambda: nested_impersonation("pseudo_handle").final_user,
        explain="The restore fails with ERROR_INVALID_HANDLE: token pseudo-handles work only where a "
                "token is queried, and SetThreadToken refuses them. A failed call changes nothing, so "
                "the thread is still bob. Answers, at the end of this notebook, runs it in plain code (A2).")

# %% [markdown]
# *Pick an answer and press Reveal first.*

# %% [markdown]
# ### What `-5` names
#
# (Reveal the prediction in section 5 first.) Code that ignored the return value would carry
# on with alice's request as bob. It would be no better if the call had worked: `-5` means "the current thread's token *when the handle is
# used*", and at the restore that is bob's. Watch its meaning move:

# %%
# NBVAL_CHECK_OUTPUT
m = tl.Machine()
for name in ("alice", "bob"):
    m.add_user(name, password="pw")
svc = m.start_process("svc.exe", user="NETWORK SERVICE")
api = svc.main_thread.api
alice_h = api.LogonUser("alice", ".", "pw", LOGON32_LOGON_NETWORK, LOGON32_PROVIDER_DEFAULT)
bob_h = api.LogonUser("bob", ".", "pw", LOGON32_LOGON_NETWORK, LOGON32_PROVIDER_DEFAULT)
api.ImpersonateLoggedOnUser(alice_h)
with tl.record(m, "what -5 names") as moving:
    saved = api.GetCurrentThreadToken()
    print("saved =", saved, "now names", m.sid_name(api.GetTokenInformation(saved, TokenUser).sid))
    api.SetThreadToken(None, bob_h)
    print("saved =", saved, "now names", m.sid_name(api.GetTokenInformation(saved, TokenUser).sid))
print()
print("handles in svc.exe:", [h.value for h in moving.steps[-1].snapshot.process(svc.pid).handles])

# %% [markdown]
# The handle table holds only the two logon handles: `-5` never took a reference to anything.
# To keep a token you need a real handle, and `OpenThreadToken` is how you get one.

# %%
ScenarioPlayer(pseudo)

# %% [markdown]
# ## 6 · A context manager that gets it right
#
# A `with` block suits save-and-restore: the context manager's exit code runs even when the
# block raises. `tokenlab.scenarios.impersonating(api, h)` is the C function of section 3
# written that way. Its source:

# %%
# NBVAL_CHECK_OUTPUT
print(inspect.getsource(impersonating))

# %% [markdown]
# Try it in a fresh world: nested inside alice, on a thread that is not impersonating, and with
# a block that raises.

# %%
# NBVAL_CHECK_OUTPUT
m = tl.Machine()
for name in ("alice", "bob"):
    m.add_user(name, password="pw")
svc = m.start_process("svc.exe", user="NETWORK SERVICE")
api = svc.main_thread.api
thread = svc.main_thread
alice_h = api.LogonUser("alice", ".", "pw", LOGON32_LOGON_NETWORK, LOGON32_PROVIDER_DEFAULT)
bob_h = api.LogonUser("bob", ".", "pw", LOGON32_LOGON_NETWORK, LOGON32_PROVIDER_DEFAULT)


def whoami() -> str:
    user = api.GetTokenInformation(api.GetCurrentThreadEffectiveToken(), TokenUser)
    slot = m.describe(thread.token) if thread.token is not None else "empty"
    return f"{m.sid_name(user.sid):<30} slot: {slot}"


seen = {}
api.ImpersonateLoggedOnUser(alice_h)
print("1. before:  ", whoami())
with impersonating(api, bob_h):
    print("   inside:  ", whoami())
seen["nested"] = thread.token
print("   after:   ", whoami())

api.RevertToSelf()
print("2. before:  ", whoami())
with impersonating(api, bob_h):
    print("   inside:  ", whoami())
seen["not impersonating"] = thread.token
print("   after:   ", whoami())

api.ImpersonateLoggedOnUser(alice_h)
try:
    with impersonating(api, bob_h):
        raise RuntimeError("the work failed")
except RuntimeError as err:
    print("3. raised:  ", err)
seen["raised"] = thread.token
print("   after:   ", whoami())
print()
print("handles left in svc.exe:", [h.value for h in tl.snapshot(m).process(svc.pid).handles])

# %% [markdown]
# Each time, the thread ends with exactly what it had: alice's token, an empty slot, and alice's
# token again after the exception. Only the two logon handles remain.

# %% [markdown]
# ## 7 · Closing a handle the thread still uses
#
# The slot is a real place. What happens to a token when a thread impersonates it and the only
# handle to it is closed? Record a logon, an impersonation, and that `CloseHandle`:

# %%
def close_while_in_use():
    """Impersonate alice's logon token, close the only handle to it, ask who the thread is,
    then revert. Returns the trace and the name the thread reported after the close."""
    m = tl.Machine()
    m.add_user("alice", password="pw")
    svc = m.start_process("svc.exe", user="NETWORK SERVICE")
    api = svc.main_thread.api
    with tl.record(m, "close while in use") as trace:
        h = api.LogonUser("alice", ".", "pw", LOGON32_LOGON_NETWORK, LOGON32_PROVIDER_DEFAULT)
        api.ImpersonateLoggedOnUser(h)
        api.CloseHandle(h)
        user = api.GetTokenInformation(api.GetCurrentThreadEffectiveToken(), TokenUser)
        api.RevertToSelf()
    return trace, m.sid_name(user.sid)


lifetime, user_after_close = close_while_in_use()

# %%
Predict("The thread impersonates alice's token, then closes the only handle to it, then asks "
        "GetTokenInformation(GetCurrentThreadEffectiveToken(), TokenUser). What comes back?",
        ["TOKENLAB\\alice", "NT AUTHORITY\\NETWORK SERVICE", "an error: the token is gone"],
        lambda: close_while_in_use()[1],
        explain="A kernel object lives as long as something refers to it: a handle, or an internal "
                "reference such as a thread's token slot. CloseHandle removed the handle; the slot "
                "still holds the token. Answers, at the end of this notebook, runs it in plain code (A3).")

# %% [markdown]
# *Pick an answer and press Reveal first.*

# %% [markdown]
# ### Who holds Token#4
#
# (Reveal the prediction in section 7 first.) Each snapshot lists the references to each token
# (`TokenState.refs`):

# %%
# NBVAL_CHECK_OUTPUT
for step in lifetime:
    token = step.snapshot.token(4)
    held = ", ".join(f"{what} x{n}" for what, n in token.refs) if token else "gone"
    print(f"after {step.index} {step.call:<75} Token#4: {held}")

# %% [markdown]
# After `CloseHandle` the handle table is empty, but Token#4 is still there, held by the slot:

# %%
# NBVAL_CHECK_OUTPUT
print(object_table(lifetime.steps[2].snapshot, lifetime.steps[1].snapshot))

# %% [markdown]
# And `RevertToSelf` drops the last reference, so the token is destroyed (`-` marks it removed):

# %%
# NBVAL_CHECK_OUTPUT
print(object_table(lifetime.steps[5].snapshot, lifetime.steps[4].snapshot))
print()
print(wrap(lifetime.steps[5].narration))

# %%
display(SVG(svg(object_graph(lifetime.steps[2].snapshot, lifetime.steps[1].snapshot, focus_tid=1004))))
display(SVG(svg(object_graph(lifetime.steps[5].snapshot, lifetime.steps[4].snapshot, focus_tid=1004))))

# %% [markdown]
# Now imagine the slot were a stack, as the customer in the post hoped. The post's reasons
# against it: changing impersonation in any order but last-in, first-out would be awkward, and
# a token destroyed while still in the stack would break a later "pop". Giving every covered
# token its own reference would fix that, but a service that impersonated client after client
# without reverting would then keep them all alive as long as the thread lived (the course's
# observation, not the post's). One slot holds one reference, to the token in use; to get the
# previous one back, *you* keep a real handle, and close it after.

# %% [markdown]
# ## Check it on Windows
#
# `tokenlab.teaching.c_program.program(trace)` writes a trace as a C program to run on Windows
# (as in [04, section 10](04_duplicated_token.ipynb)). The save-and-restore program over
# a named pipe begins:

# %%
# NBVAL_CHECK_OUTPUT
prog = program(over_pipe)
print(prog.filename)
print("\n".join(prog.source.splitlines()[:7]))

# %% [markdown]
# To poke at the slot by hand, the NtObjectManager PowerShell module has cmdlets for the same
# steps (a sketch; run it in an elevated PowerShell, with local accounts alice and bob):
#
# ```powershell
# Install-Module NtObjectManager -Scope CurrentUser; Import-Module NtObjectManager
# $alice = Get-NtToken -Logon -User alice -Password pw -LogonType Network
# Invoke-NtToken $alice {
#     $saved = Get-NtToken -Impersonation -OpenAsSelf   # OpenThreadToken(..., TRUE): a real handle
#     Format-NtToken $saved                              # alice
#     $pseudo = Get-NtToken -Impersonation -Pseudo       # like GetCurrentThreadToken(): query only
#     Format-NtSecurityDescriptor -Object $saved         # the token's own DACL
# }
# ```

# %% [markdown]
# ## Answers, in plain code
#
# Read these after you have revealed your predictions above.
#
# ### A1 · Who is the thread after `RevertToSelf`?

# %%
# NBVAL_CHECK_OUTPUT
print("After RevertToSelf the thread is", nested_impersonation("revert").final_user)
asked = revert.steps[-1]
print(f"step {asked.index}: {asked.call} -> {asked.result}")

# %% [markdown]
# ### A2 · Who is the thread after the pseudo-handle restore?

# %%
# NBVAL_CHECK_OUTPUT
print("After the restore the thread is", nested_impersonation("pseudo_handle").final_user)
print("the restore:", restore.call, "->", restore.error)

# %% [markdown]
# ### A3 · Who is the thread after `CloseHandle`?

# %%
# NBVAL_CHECK_OUTPUT
print("After CloseHandle, the thread is", user_after_close)
print("Token#4 after the close is held by:", dict(lifetime.steps[2].snapshot.token(4).refs))

# %% [markdown]
# ## Checks
#
# The cell below asserts what this notebook taught, against the model. If a change to tokenlab
# breaks one of these facts, the notebook test fails here.

# %%
# NBVAL_CHECK_OUTPUT
def checks():
    passed = []

    def check(condition, message):
        assert condition, message
        passed.append(message)

    r = nested_impersonation("revert")
    check(r.steps[3].snapshot.thread(1004).token == 5 and r.steps[2].snapshot.thread(1004).token == 4,
          "SetThreadToken replaces alice's token in the slot with bob's")
    check(r.steps[4].snapshot.thread(1004).token is None, "RevertToSelf empties the slot")
    check(r.final_user == "NT AUTHORITY\\NETWORK SERVICE", "after nested impersonation + RevertToSelf the thread is the service")
    s = nested_impersonation("save_restore")
    check(s.final_user == "TOKENLAB\\alice", "save (OpenThreadToken) + SetThreadToken(saved) restores alice")
    sp = nested_impersonation("save_restore", via="pipe")
    sp_save = next(st for st in sp if st.name == "OpenThreadToken")
    check(sp.final_user == "TOKENLAB\\alice" and "copy-on-open" in sp_save.narration,
          "over a named pipe the first save returns the copy-on-open copy, and restoring still gives alice")
    check(s.steps[4].call == "OpenThreadToken(GetCurrentThread(), TOKEN_IMPERSONATE, True)",
          "the save opens a real handle with TOKEN_IMPERSONATE and OpenAsSelf=TRUE")
    check(all(h.value != 12 for h in s.steps[-1].snapshot.process(1000).handles), "the saved handle is closed")
    n = nested_impersonation("not_impersonating")
    check(n.steps[3].error == "ERROR_NO_TOKEN (1008)", "OpenThreadToken on a thread with an empty slot fails with ERROR_NO_TOKEN")
    check(n.steps[5].call == "SetThreadToken(None, None)" and n.final_user == "NT AUTHORITY\\NETWORK SERVICE",
          "restoring 'no token' is SetThreadToken(NULL, NULL)")
    p = nested_impersonation("pseudo_handle")
    check(p.steps[3].result == "-5", "GetCurrentThreadToken() is the pseudo-handle -5")
    check(p.steps[5].error == "ERROR_INVALID_HANDLE (6)", "restoring from the pseudo-handle fails: it is query-only")
    check(p.final_user == "TOKENLAB\\bob", "after the failed restore the thread is still bob")
    check([step.result for step in moving if step.name == "GetTokenInformation"]
          == ["SidAndAttributes(SID('S-1-5-21-1004336348-1177238915-682003330-1001'), 0x00000000)",
              "SidAndAttributes(SID('S-1-5-21-1004336348-1177238915-682003330-1002'), 0x00000000)"],
          "the pseudo-handle names alice before the switch and bob after it")
    check(seen["nested"] is not None and seen["nested"].user.text.endswith("-1001"),
          "impersonating() restores alice after a nested bob block")
    check(seen["not impersonating"] is None, "impersonating() restores 'no token' when the thread was not impersonating")
    check(seen["raised"] is not None and seen["raised"].user.text.endswith("-1001"),
          "impersonating() restores even when the block raises")
    check(dict(lifetime.steps[2].snapshot.token(4).refs) == {"thread token": 1},
          "after CloseHandle the slot still holds a reference to the token")
    check(user_after_close == "TOKENLAB\\alice", "so the thread is still alice")
    check(lifetime.steps[5].name == "RevertToSelf" and lifetime.steps[5].snapshot.token(4) is None, "RevertToSelf drops the last reference and the token is gone")
    rows = compare_table(r, s).splitlines()
    check("differs" in rows[-2] and "S-1-5-20" in rows[-2], "compare_table shows the two runs end as different users")
    for message in passed:
        print("ok:", message)
    print(f"all {len(passed)} checks passed")


checks()
