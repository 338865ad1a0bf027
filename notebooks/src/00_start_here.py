# %% [markdown]
# # 00 · Start here
#
# Welcome. **tokenlab** is a small simulation of the part of Windows that decides *who a
# thread is* and *what it may open*: access tokens, handles, security descriptors and
# impersonation. You call the real Win32 functions by their real names — `LogonUser`,
# `ImpersonateLoggedOnUser`, `OpenThreadToken`, `RevertToSelf` — and the simulation answers the
# way Windows does, with the same error codes for what tokenlab models (`docs/model.md` in
# the repository lists it). Then you can *look*: every process, thread,
# token and handle can be printed as a table or drawn as a graph, and every access check
# explains itself.
#
# By the end of this short notebook you will be able to:
#
# * say what tokenlab is, what it is not, and which of its parts are simplified models;
# * find your way around the course (notebooks 00–08);
# * record a few calls, read them back as a table, and step through them in a widget;
# * answer a prediction before revealing what the model says;
# * turn a recorded call into C to run on a real Windows machine, and read a `WinError`.
#
# | Windows term | tokenlab name | example |
# | --- | --- | --- |
# | a computer | `tl.Machine` | `m = tl.Machine()` |
# | user account | `m.add_user` | `m.add_user("alice", password="pw")` |
# | process, thread | `m.start_process`, `proc.main_thread` | `m.start_process("app.exe", user="alice")` |
# | a Win32 function, called by one thread | `thread.api.<Name>` | `api.RevertToSelf()` |
# | constants from the Windows headers | `from tokenlab.win32 import *` | `TOKEN_QUERY`, `SecurityImpersonation` |
# | handle | an `int` (4, 8, 12 …) | `h = api.OpenThreadToken(...)` |
# | pseudo-handle | a negative `int` | `api.GetCurrentThread()` is `-2` |
# | `GetLastError()` value | `tl.WinError.winerror` | `1008` (`ERROR_NO_TOKEN`) |
# | `HRESULT` | `tl.ComError.hresult` | `0x80070005` (`E_ACCESSDENIED`) |
# | a call as C source | `step.c_call` | `OpenThreadToken(GetCurrentThread(), TOKEN_QUERY, TRUE, &h4);` |
#
# **How to use this notebook:** run the cells from top to bottom with Shift+Enter. The widgets
# (the step-through player and the prediction boxes) need a live kernel, so run them rather
# than just reading them. When a cell asks you to predict, decide on your answer *before* you
# press Reveal.

# %% [markdown]
# ## 1 · What tokenlab is, and what it is not
#
# tokenlab is a **faithful model**, not Windows. It is plain Python: no real token, handle or
# account is touched, and it runs on Linux, macOS or in a browser tab. Faithful means that
# the rules it follows are the documented Windows rules (`docs/model.md` in the repository
# lists each one with its source, and marks what is tokenlab's own model), so what you learn
# here still holds on a real machine. Everything is deterministic: the same calls give the
# same SIDs, handle values and token numbers on every run, which is what lets the notebooks check their own outputs.
#
# A few parts are **models**: deliberate simplifications, said out loud wherever you meet them.
#
# * **COM activation.** `CoCreateInstance(..., CLSCTX_LOCAL_SERVER, ...)` does only the two
#   things that matter for tokens: it opens the calling thread's token *as the process*
#   (`OpenAsSelf=TRUE`), then checks the server's launch permission. Real COM does far more.
# * **The impersonation rule.** Windows lets a thread impersonate at full strength only under
#   some conditions (`SeImpersonatePrivilege`; a token for the caller's own user; or one that
#   a process in the caller's logon session made with `LogonUser`, and in every case no higher
#   integrity than the caller); notebook 06 shows what happens otherwise. tokenlab models the
#   widely documented conditions, not every detail of the kernel's check.
# * **Administrator processes.** `m.start_process(..., user=<an administrator>)` gives the full
#   elevated token, as *Run as administrator* does; pass `uac=True` for the filtered half of
#   User Account Control's split token, which is what an administrator's desktop programs get.
# * **Integrity labels** are given to new objects only when their creator runs below Medium;
#   tokens are the exception — every token is labelled at its own integrity level.
#
# `docs/model.md` in the repository lists every rule tokenlab follows, with its source.

# %% [markdown]
# ## 2 · How the course is laid out
#
# Each notebook stands on its own and runs top to bottom in a few seconds; together they build
# up to the two stories at the heart of the course, both from Raymond Chen's blog *The Old New
# Thing*: a service that impersonates a copy of its client's token (notebook 04), and a service
# that impersonates its client, then someone else, then calls `RevertToSelf` (notebook 05).
#
# | Notebook | What it is about |
# | --- | --- |
# | [00_start_here](00_start_here.ipynb) | this page: what tokenlab is, how the course and its widgets work, running the same calls on Windows |
# | [01_security_descriptors](01_security_descriptors.ipynb) | SIDs, ACEs, SDDL, absent/NULL/empty DACLs and the access-check walk, step by step |
# | [02_tokens](02_tokens.ipynb) | anatomy of a token, primary vs impersonation, the effective token, handles, pseudo-handles, OpenAsSelf |
# | [03_new_object_security](03_new_object_security.ipynb) | where a new object's security descriptor comes from |
# | [04_duplicated_token](04_duplicated_token.ipynb) | story 1: a service impersonates a copy of its client's token and asks COM again, call by call |
# | [05_nested_impersonation](05_nested_impersonation.ipynb) | story 2: a service impersonates its client, then someone else, then calls RevertToSelf; what each call does to the thread |
# | [06_impersonation_levels](06_impersonation_levels.ipynb) | Anonymous, Identification, Impersonation, Delegation; SeImpersonatePrivilege and who may impersonate at which level |
# | [07_integrity_and_restricted_tokens](07_integrity_and_restricted_tokens.ipynb) | mandatory labels and no-write-up, deny-only groups, restricting SIDs and the two-pass check |
# | [08_sandbox](08_sandbox.ipynb) | a playground for your own machines and calls, and a bank of prediction exercises |

# %% [markdown]
# ## 3 · A first world and three calls
#
# `tl.Machine()` is a fresh simulated computer. We add a user, alice, and start a program as
# her. `app.main_thread.api` is the Win32 API *as seen by that thread*: whatever it calls runs
# as the "current thread", exactly as on Windows.
#
# Inside `with tl.record(m, ...)`, every Win32 call is recorded with the state of the machine
# after it. We make three calls: the thread impersonates its own process's identity
# (`ImpersonateSelf`), opens the token it now carries (`OpenThreadToken`), and stops
# impersonating (`RevertToSelf`). `api.GetCurrentThread()` is taken before recording only so
# that it does not appear as a call of its own.

# %%
import tokenlab as tl
from tokenlab.win32 import *
from tokenlab.scenarios import nested_impersonation
from tokenlab.view import object_graph, object_table, svg
from tokenlab.ui import Predict, ScenarioPlayer
from IPython.display import SVG, display

# %%
# NBVAL_CHECK_OUTPUT
m = tl.Machine()
alice = m.add_user("alice", password="pw")
app = m.start_process("app.exe", user="alice")
api = app.main_thread.api
this_thread = api.GetCurrentThread()

with tl.record(m, "first three calls") as trace:
    api.ImpersonateSelf(SecurityImpersonation)
    h = api.OpenThreadToken(this_thread, TOKEN_QUERY, True)
    api.RevertToSelf()

print(trace.table())

# %% [markdown]
# Each line is one call: its number, the process and thread that made it, the call, and what
# it returned (`->`) or the error it failed with (`!!`). The handle `4` was handed out by the
# simulated kernel. On Windows the number would be different (a real process already holds
# many handles); only its role is the same.
#
# Every recorded step also says *why* in plain words. Here is the narration of the second call:

# %%
# NBVAL_CHECK_OUTPUT
print(trace.steps[1].narration)

# %% [markdown]
# And here is the machine after the last call, as text and as a picture. The process holds its
# primary token; the thread's **token slot** is empty again; the handle table still holds
# handle 4, which names the token the thread impersonated a moment ago (a handle keeps an
# object alive after it has left the slot).

# %%
# NBVAL_CHECK_OUTPUT
print(object_table(tl.snapshot(m)))

# %%
SVG(svg(object_graph(tl.snapshot(m))))

# %% [markdown]
# ## 4 · How the widgets work
#
# A widget is a small control panel drawn under a cell. It only *shows* the model: anything it
# displays, a plain cell can print too, and the notebooks always do so for the facts they check.
#
# **The scenario player** steps through a recorded trace. Use the buttons or the slider: for
# each call it shows the Python and the C, the result, the narration, any access check the call
# made (open it to see the descriptor graph), and the object graph with what the call changed
# coloured.

# %%
ScenarioPlayer(trace)

# %% [markdown]
# **A prediction** asks a question, lets you pick an answer, and only then runs the model when
# you press Reveal. The answer is never typed in by the notebook's author: the widget runs the
# simulation and reports what it did, with the reason. The same experiment in plain code, the
# one the notebook tests check, waits in the section *Answers, in plain code* near the end of
# the notebook: read it after you have revealed.
#
# ### Predict: is a handle value global, or per process?
#
# alice's `app.exe` and a service running as NETWORK SERVICE each open their own process's
# token with `OpenProcessToken`. Both get back a small number. If both numbers are the same,
# does that number name one token for the whole machine, or can it name a different token in
# each process?

# %%
def handle_experiment():
    """Two processes on a fresh machine each open their own process token."""
    world = tl.Machine()
    world.add_user("alice", password="pw")
    opened = {}
    for image, user in (("app.exe", "alice"), ("svc.exe", "NETWORK SERVICE")):
        proc = world.start_process(image, user=user)
        papi = proc.main_thread.api
        value = papi.OpenProcessToken(papi.GetCurrentProcess(), TOKEN_QUERY)
        who = papi.GetTokenInformation(value, TokenUser).sid
        opened[image] = (value, world.sid_name(who))
    return opened


def handle_answer():
    opened = handle_experiment()
    (value_a, user_a), (value_s, user_s) = opened["app.exe"], opened["svc.exe"]
    if value_a == value_s and user_a != user_s:
        return "per process", (f"Both got handle {value_a}; in app.exe it names {user_a}'s token, "
                               f"in svc.exe {user_s}'s.")
    return "global", f"app.exe got {value_a} ({user_a}), svc.exe got {value_s} ({user_s})."


Predict("Both processes get the same handle value. Does it name the same token in both?",
        ["global", "per process"], handle_answer,
        explain="A handle is a small number that indexes the handle table of the process that opened "
                "it; the same value in another process is another entry, or nothing at all. To give a "
                "handle to another process you duplicate it into that process's table (DuplicateHandle). "
                "Answers, at the end of this notebook, runs it in plain code (A1).")

# %% [markdown]
# *Pick an answer and press Reveal before you read on.*

# %% [markdown]
# ### Predict: RevertToSelf after two impersonations
#
# A service running as NETWORK SERVICE impersonates its client alice
# (`ImpersonateLoggedOnUser`), then, for a side task, impersonates bob on top of that
# (`SetThreadToken`). When the side task is done it calls `RevertToSelf()`. Who is the thread now?

# %%
def revert_answer():
    return nested_impersonation("revert").final_user


Predict("After ImpersonateLoggedOnUser(alice), SetThreadToken(bob), RevertToSelf(): who is the thread?",
        ["TOKENLAB\\alice", "TOKENLAB\\bob", "NT AUTHORITY\\NETWORK SERVICE"], revert_answer,
        explain="A thread has one token slot, not a stack: SetThreadToken replaced alice's token with "
                "bob's, and RevertToSelf empties the slot, so the thread acts as its process again. "
                "Notebook 05 is all about this. Answers, at the end of this notebook, shows the recorded "
                "run (A2).")

# %% [markdown]
# *Pick an answer and press Reveal before you read on.*

# %% [markdown]
# ## 5 · Binder: the course in a browser tab
#
# Every notebook can be opened on [Binder](https://mybinder.org) without installing anything.
# The links all have one shape, with the notebook's file name at the end:
#
# `https://mybinder.org/v2/gh/tokenlab-course/tokenlab/HEAD?urlpath=lab/tree/notebooks/<name>.ipynb`
#
# For this notebook:
# [launch 00_start_here on Binder](https://mybinder.org/v2/gh/tokenlab-course/tokenlab/HEAD?urlpath=lab/tree/notebooks/00_start_here.ipynb)
# (a plain link rather than the badge image, so this page loads nothing from the web).
#
# A Binder session is temporary: download anything you change before you close the tab. To work
# locally instead, clone the repository and run `make lab` (see the README).

# %% [markdown]
# ## 6 · The same calls on a real Windows machine
#
# Every recorded step knows its **C twin**: the same call as you would write it in a C program.
# Out-parameters come back as variables named after the handle they received (`h4`), so you
# can follow a handle from the call that made it to the calls that use it.

# %%
# NBVAL_CHECK_OUTPUT
for step in trace:
    print(f"// step {step.index}: {step.call}")
    print(step.c_call)

# %% [markdown]
# To run them for real, wrap them in a small program. The one below does the three calls of
# section 3 plus a `GetTokenInformation` to show what it got. It runs as whoever starts it, on
# any Windows 10 or 11 machine; build it from a *Developer Command Prompt for Visual Studio*
# with `cl /W4 first.c` (the `#pragma` links `Advapi32.lib`, where the token functions live).
#
# ```c
# /* first.c: ImpersonateSelf, OpenThreadToken, RevertToSelf, with error checking. */
# #include <windows.h>
# #include <stdio.h>
# #pragma comment(lib, "Advapi32.lib")
#
# static int fail(const char *what)
# {
#     DWORD err = GetLastError();          /* read it first: any later call may change it */
#     fprintf(stderr, "%s failed: error %lu\n", what, err);
#     return 1;
# }
#
# int main(void)
# {
#     HANDLE hToken = NULL;
#     SECURITY_IMPERSONATION_LEVEL level;
#     DWORD cbReturned = 0;
#
#     if (!ImpersonateSelf(SecurityImpersonation))
#         return fail("ImpersonateSelf");
#
#     if (!OpenThreadToken(GetCurrentThread(), TOKEN_QUERY, TRUE, &hToken)) {
#         int rc = fail("OpenThreadToken");   /* 1008 = ERROR_NO_TOKEN: not impersonating */
#         RevertToSelf();
#         return rc;
#     }
#
#     if (GetTokenInformation(hToken, TokenImpersonationLevel, &level, sizeof level, &cbReturned))
#         printf("thread token: impersonation level %d\n", (int)level);   /* 2 = SecurityImpersonation */
#     else
#         fail("GetTokenInformation");
#
#     if (!RevertToSelf())
#         fail("RevertToSelf");
#     CloseHandle(hToken);                     /* handles are closed explicitly in C */
#     return 0;
# }
# ```
#
# Two habits the C needs that Python hides: **check every return value** (a Win32 function
# says it failed by returning `FALSE`, `NULL` or an error code, and says *why* only through
# `GetLastError()`, which the very next call may overwrite), and **close every handle** you
# opened.

# %% [markdown]
# ## 7 · Reading a WinError
#
# When a call fails, tokenlab raises `tl.WinError`, a kind of `OSError`, carrying the same
# number `GetLastError()` would return on Windows. Its text starts with the name from
# `winerror.h` and the number, then Windows' own message, then tokenlab's note on *this* case.
# Search Microsoft's documentation for the name or the number.
#
# The thread stopped impersonating in section 3, so asking for its token fails. Uncaught, the
# error would show a traceback through tokenlab's own code, ending in this line:

# %%
# NBVAL_CHECK_OUTPUT
try:
    api.OpenThreadToken(this_thread, TOKEN_QUERY, True)
except tl.WinError as err:
    print(f"{type(err).__name__}: {err}")

# %% [markdown]
# In your own cells, catch it and read its parts. The thread's last-error value is set too, as
# on Windows, and a failed call changes nothing else:

# %%
# NBVAL_CHECK_OUTPUT
try:
    api.OpenThreadToken(this_thread, TOKEN_QUERY, True)
except tl.WinError as err:
    no_token, last_error = err, api.GetLastError()
    print("err.winerror:     ", err.winerror)
    print("err.name:         ", err.name)
    print("str(err):         ", err)
    print("api.GetLastError():", last_error)
    print("is an OSError:    ", isinstance(err, OSError))

# %% [markdown]
# COM functions report an `HRESULT` instead, raised as `tl.ComError` with `.hresult` and
# `.name`. Many HRESULTs are Win32 errors in disguise: `HRESULT_FROM_WIN32` puts the error
# code in the low 16 bits under the prefix `0x8007`, so `E_ACCESSDENIED` (`0x80070005`) is
# `ERROR_ACCESS_DENIED` (5):

# %%
# NBVAL_CHECK_OUTPUT
hr = tl.HResult.E_ACCESSDENIED
print(f"{hr.name} = 0x{int(hr):08X}")
print("facility 7 (FACILITY_WIN32)?", (int(hr) >> 16) & 0x1FFF == 7)
print("low 16 bits:", int(hr) & 0xFFFF, "=", tl.ErrorCode(int(hr) & 0xFFFF).name)

# %% [markdown]
# That is all you need. Go on to [01_security_descriptors](01_security_descriptors.ipynb), or
# straight to [02_tokens](02_tokens.ipynb) if you already know how an ACL is read.

# %% [markdown]
# ## Answers, in plain code
#
# Read these after you have revealed your predictions above.
#
# ### A1 · Is a handle value global, or per process?
#
# The same experiment in plain code (notebook [02_tokens](02_tokens.ipynb) looks at handles
# closely):

# %%
# NBVAL_CHECK_OUTPUT
for image, (value, user) in handle_experiment().items():
    print(f"{image}: OpenProcessToken returned handle {value}, which names {user}'s token")
print("answer:", handle_answer()[0])

# %% [markdown]
# ### A2 · Who is the thread after RevertToSelf?
#
# The recorded run (notebook [05_nested_impersonation](05_nested_impersonation.ipynb) takes it
# apart):

# %%
# NBVAL_CHECK_OUTPUT
story = nested_impersonation("revert")
print(story.table())
print()
print("the thread is now:", story.final_user)

# %% [markdown]
# ## Checks
#
# The last cell asserts what this notebook showed, against the model. If a change to tokenlab
# breaks one of these facts, the notebook test fails here.

# %%
# NBVAL_CHECK_OUTPUT
def checks():
    passed = []

    def check(condition, message):
        assert condition, message
        passed.append(message)
        print("ok:", message)

    check(trace.table().count("\n") == 2 and all(s.ok for s in trace), "the first trace has three successful calls")
    check(h == 4 and app.handles.get(h).granted == TOKEN_QUERY, "OpenThreadToken gave handle 4 with TOKEN_QUERY")
    check(app.main_thread.token is None, "after RevertToSelf the token slot is empty")
    check(app.main_thread.effective_token is app.token, "the thread acts as its process again")
    check(trace.steps[1].c_call.endswith("OpenThreadToken(GetCurrentThread(), TOKEN_QUERY, TRUE, &h4);"),
          "the C twin of OpenThreadToken is the real call")
    check(this_thread == -2 and api.GetCurrentProcess() == -1, "pseudo-handles have Windows' values")
    opened = handle_experiment()
    check(opened["app.exe"][0] == opened["svc.exe"][0] and opened["app.exe"][1] != opened["svc.exe"][1],
          "the same handle value names different tokens in different processes")
    check(handle_answer()[0] == "per process", "the handle prediction's answer is 'per process'")
    check(revert_answer() == "NT AUTHORITY\\NETWORK SERVICE", "RevertToSelf after two impersonations leaves the process identity")
    check(no_token.winerror == 1008 and no_token.name == "ERROR_NO_TOKEN", "OpenThreadToken without impersonation fails with ERROR_NO_TOKEN (1008)")
    check(str(no_token).startswith("ERROR_NO_TOKEN (1008): "), "a WinError's text starts with its name and number")
    check(last_error == 1008, "the failed call set the thread's last error")
    check(len(app.handles) == 1, "the failed calls created no handle")
    check(int(tl.HResult.E_ACCESSDENIED) == 0x80070000 | tl.ErrorCode.ERROR_ACCESS_DENIED,
          "E_ACCESSDENIED is HRESULT_FROM_WIN32(ERROR_ACCESS_DENIED)")
    print(f"all {len(passed)} checks passed")


checks()
