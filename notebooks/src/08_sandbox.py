# %% [markdown]
# # 08 · Sandbox: your own machine, and a bank of exercises
#
# This notebook is a playground. The first half hands you every tool of the course on a
# machine you build yourself; the second half is a bank of predict-then-reveal exercises that
# walk through the whole course again, one question per idea, with their answers at the back.
#
# By the end of this notebook you will be able to:
#
# * build a simulated machine with users, a group and a service process;
# * record your own Win32 calls with `tl.record` and read them as a table, as C and as a story;
# * step through a recording with the **ScenarioPlayer**, and set two of your own runs side by
#   side with **Compare**;
# * try access checks against the machine's own tokens in the **AccessCheckExplorer**, and
#   open a token in the **TokenInspector**;
# * answer, and check against the model, questions on every notebook so far: SIDs, SDDL and
#   ACE order (01), tokens and handles (02), security of new objects (03), the duplicated
#   token (04), nested impersonation (05), impersonation levels (06), and integrity and
#   restricted tokens (07).
#
# | Windows term | tokenlab name | example |
# | --- | --- | --- |
# | a machine, its accounts and groups | `tl.Machine`, `m.add_user`, `m.add_group` | `m.add_group("Auditors", members=["bob"])` |
# | a process and its first thread | `m.start_process`, `process.main_thread` | `m.start_process("svc.exe", user="NETWORK SERVICE")` |
# | the Win32 API, called by a thread | `thread.api` | `api.LogonUser("alice", ".", "pw", LOGON32_LOGON_NETWORK, LOGON32_PROVIDER_DEFAULT)` |
# | a log of API calls (think API Monitor, or a debugger's breakpoint log) | `tl.record(m)` → `Trace`; `trace.steps[i]` | `print(trace.table())`, `step.c_call`, `step.narration` |
# | the kernel's objects at one moment | `tl.snapshot(m)`, `object_table`, `object_graph` | `print(object_table(tl.snapshot(m)))` |
# | `GetLastError()` after a failure | `tl.WinError` (`.winerror`, `.name`) | `ERROR_ACCESS_DENIED (5)` |
# | `AccessCheck` | `tl.access_check`, `api.AccessCheck` | `tl.access_check(sd, token, FILE_READ_DATA, FILE_MAPPING)` |
# | impersonation level | `SecurityIdentification`, `SecurityImpersonation` | `api.ImpersonateSelf(SecurityIdentification)` |
# | mandatory label, restricting SIDs | SDDL `S:(ML;;NW;;;LW)`, `restricted_sids=` | `tl.Token(user, groups, restricted_sids=[everyone])` |
#
# **How to use this notebook:** run the cells from top to bottom with Shift+Enter. The
# widgets (player, explorer, inspector, compare, and every *Predict* box) need a live kernel.
# In the exercises, decide on your answer and click it *before* pressing Reveal; the Reveal
# button runs the model there and then, and says why. **Answers, in plain code**, at the end,
# computes each answer again without the widget (A1–A13, numbered like the exercises): read it
# after you have revealed. Every exercise builds what it needs, so you can do them in any
# order, and change anything.

# %%
import tokenlab as tl
from tokenlab.win32 import *
from tokenlab.security.rights import EventAccess, FileAccess, TokenAccess, format_mask
from tokenlab.security.descriptor import format_sddl, parse_sddl
from tokenlab.scenarios import duplicated_token, nested_impersonation
from tokenlab.view import compare_table, object_graph, object_table, svg
from tokenlab.ui import AccessCheckExplorer, Compare, Predict, ScenarioPlayer, TokenInspector
from IPython.display import SVG, display


def attempt(call, *args):
    """Run a call that may fail; return its result, or the WinError it raised."""
    try:
        return call(*args)
    except tl.WinError as err:
        return err


def token_of(process, handle):
    """The Token object behind a handle (tokenlab lets you look into the kernel)."""
    return process.handles.get(handle).obj


# %% [markdown]
# # Part 1 · The playground
#
# ## 1 · Build a machine
#
# `build_machine()` makes a fresh machine with two users (`alice`, `bob`), a local group
# `Auditors` with bob in it, and a service `svc.exe` running as NETWORK SERVICE. A machine is
# deterministic: the same calls give the same SIDs, ids and handles every time, so every run
# below starts from exactly the same state.

# %%
# NBVAL_CHECK_OUTPUT
def build_machine():
    m = tl.Machine()
    m.add_user("alice", password="pw")
    m.add_user("bob", password="pw")
    m.add_group("Auditors", members=["bob"])
    m.start_process("svc.exe", user="NETWORK SERVICE")
    return m


m = build_machine()
for name in ("alice", "bob", "Auditors", "NETWORK SERVICE"):
    account = m.account(name)
    print(f"{account.full_name:<30} {account.kind:<8} {account.sid}")
print(m.process("svc.exe"))

# %% [markdown]
# ## 2 · Record your own calls
#
# A service logs its client alice on, impersonates her, creates a named event for a job, stops
# impersonating, and later opens the event again to signal it. `my_run` records those calls;
# its argument says whether the event is created **while impersonating** or **before**.
# `tl.record(m, title)` keeps every Win32 call made on the machine inside the `with` block.

# %%
def my_run(create_while_impersonating: bool):
    m = build_machine()
    api = m.process("svc.exe").main_thread.api
    title = "event made while impersonating" if create_while_impersonating else "event made as the service"
    with tl.record(m, title) as trace:
        client = api.LogonUser("alice", ".", "pw", LOGON32_LOGON_NETWORK, LOGON32_PROVIDER_DEFAULT)
        if not create_while_impersonating:
            event = api.CreateEvent(None, True, False, "JobDone")
        api.ImpersonateLoggedOnUser(client)
        if create_while_impersonating:
            event = api.CreateEvent(None, True, False, "JobDone")
        api.RevertToSelf()
        api.GetSecurityInfo(event, SE_KERNEL_OBJECT, OWNER_SECURITY_INFORMATION | DACL_SECURITY_INFORMATION)
        attempt(api.OpenEvent, EVENT_MODIFY_STATE, False, "JobDone")
    return trace


run_a = my_run(create_while_impersonating=True)
run_b = my_run(create_while_impersonating=False)

# %% [markdown]
# One line per call: index, process and thread, the call, and what it returned (`->`) or the
# error it failed with (`!!`).

# %%
# NBVAL_CHECK_OUTPUT
print(run_a.title)
print(run_a.table())

# %% [markdown]
# The last call failed. Each recorded step says why in words (`step.narration`, from the model's
# own explanation), and gives the C to try it on a real machine (`step.c_call`):

# %%
# NBVAL_CHECK_OUTPUT
failed = run_a[-1]
print(failed.error)
print(failed.narration)
print()
for step in run_a:
    print(step.c_call)

# %% [markdown]
# The event was made while the thread wore alice's token, so its owner and DACL came from
# *her* token's defaults (notebook 03): alice and SYSTEM may open it, the service may not. The
# service's first handle still works — `GetSecurityInfo` through it succeeds after
# `RevertToSelf`, because access is checked when a handle is opened and the creator's handle
# gets what it asked for — but opening the event *again* as NETWORK SERVICE is refused.
#
# ## 3 · Play it back
#
# The player steps through the recording: the call, the narration, the access checks it made,
# and the object graph after it, with what changed coloured.

# %%
ScenarioPlayer(run_a)

# %% [markdown]
# The state at the end, as a picture and as its text twin:

# %%
SVG(svg(object_graph(tl.snapshot(run_a.machine))))

# %%
# NBVAL_CHECK_OUTPUT
print(object_table(tl.snapshot(run_a.machine)))

# %% [markdown]
# ## 4 · Compare two of your runs
#
# Run B makes the event *before* impersonating. `Compare` aligns the two recordings call by
# call and steps them together; `compare_table` is its text twin. Only the position of
# `CreateEvent` and the outcomes differ:

# %%
Compare(run_a, run_b)

# %%
# NBVAL_CHECK_OUTPUT
print(compare_table(run_a, run_b))
print()
print("run B's event descriptor:", run_b[-2].result)

# %% [markdown]
# ## 5 · Explore access checks on your machine
#
# With `machine=m`, the explorer's token list offers every token alive on that machine. Below,
# bob logs on too, so his token (with Auditors) is in the list beside NETWORK SERVICE's and
# alice's. The descriptor is run A's event, plus one ACE that lets Auditors read and wait on
# it (`0x120001` is `EVENT_QUERY_STATE|READ_CONTROL|SYNCHRONIZE`).
#
# Things to try: pick bob's token and ask for `SYNCHRONIZE`, then `EVENT_MODIFY_STATE`; pick
# NETWORK SERVICE's token (a primary token: tick *as the kernel opening a handle*); delete
# alice's ACE; add a label `S:(ML;;NW;;;HI)`.

# %%
ma = run_a.machine
sapi = ma.process("svc.exe").main_thread.api
bob_handle = sapi.LogonUser("bob", ".", "pw", LOGON32_LOGON_NETWORK, LOGON32_PROVIDER_DEFAULT)
auditors = ma.account("Auditors").sid
event_sddl = format_sddl(ma.find_named("JobDone").security, domain=ma.domain_sid) + f"(A;;0x120001;;;{auditors})"
print(event_sddl)
AccessCheckExplorer(sddl=event_sddl, mapping=EVENT_MAPPING, machine=ma)

# %% [markdown]
# ## 6 · Inspect a token
#
# bob's token, tab by tab: its groups (Auditors among them), privileges, default DACL, and ids.

# %%
TokenInspector(token_of(ma.process("svc.exe"), bob_handle), machine=ma)

# %% [markdown]
# # Part 2 · Exercises
#
# Thirteen questions, each from one notebook of the course. For each: read the set-up, click
# your answer, and press **Reveal**: the model runs, says if you were right, and why. The same
# answers in plain code are at the end of the notebook.

# %% [markdown]
# ### Exercise 1 · Which alias? (notebook 01: SIDs)
#
# SDDL writes well-known SIDs as two-letter aliases. Which alias stands for `S-1-5-32-545`?

# %%
Predict("The SDDL alias of S-1-5-32-545 is…", ["BA", "BU", "AU", "WD"],
        lambda: tl.SID("S-1-5-32-545").alias,
        explain=(
            "S-1-5-32 is the BUILTIN domain and RID 545 is its Users group. BA is RID 544 "
            "(Administrators) in the same domain; AU (Authenticated Users, S-1-5-11) and WD "
            "(Everyone, S-1-1-0) are not BUILTIN groups, though an ordinary user's token holds them "
            "too. Answers, at the end of this notebook, runs it in plain code (A1)."))

# %% [markdown]
# ### Exercise 2 · A deny first, and `MAXIMUM_ALLOWED` (notebook 01: ACE order)
#
# alice is in the group Contractors. A folder's DACL is `D:(D;;FW;;;Contractors)(A;;FA;;;BU)`:
# deny Contractors *file generic write*, then allow Users everything. Her program opens it with
# `MAXIMUM_ALLOWED` ("whatever I may have"). What does it get?

# %%
E2_CHOICES = ["nothing: ERROR_ACCESS_DENIED", "FILE_ALL_ACCESS",
              "FILE_ALL_ACCESS without FILE_WRITE_DATA only",
              "FILE_ALL_ACCESS without every bit of FILE_GENERIC_WRITE"]


def exercise_2():
    domain = tl.SID("S-1-5-21-1004336348-1177238915-682003330")
    alice, contractors = domain.child(1001), domain.child(1105)
    token = tl.Token(alice, [tl.SID("S-1-1-0"), tl.SID("S-1-5-32-545"), contractors])
    folder = parse_sddl(f"O:BAG:BAD:(D;;FW;;;{contractors})(A;;FA;;;BU)")
    r = tl.access_check(folder, token, MAXIMUM_ALLOWED, FILE_MAPPING)
    every = FileAccess.FILE_ALL_ACCESS
    outcomes = {every: E2_CHOICES[1], every & ~FileAccess.FILE_WRITE_DATA: E2_CHOICES[2],
                every & ~FileAccess.FILE_GENERIC_WRITE: E2_CHOICES[3]}
    return (outcomes.get(r.granted, repr(r)) if r.allowed else E2_CHOICES[0]), str(r)


Predict("alice (in Contractors and Users) opens the folder with MAXIMUM_ALLOWED and gets…",
        E2_CHOICES, exercise_2,
        explain=(
            "With MAXIMUM_ALLOWED the check reads every ACE, and each bit keeps the verdict of the "
            "first ACE that mentions it. The deny comes first, and FW (FILE_GENERIC_WRITE) holds "
            "READ_CONTROL and SYNCHRONIZE besides the writing rights, so all of those are denied "
            "and the allow grants the rest. Answers, at the end of this notebook, runs it in plain "
            "code (A2)."))

# %% [markdown]
# ### Exercise 3 · An empty DACL and its owner (notebook 01: absent, NULL and empty DACLs)
#
# alice owns an object whose DACL is **empty** (`D:` — no ACEs at all). She asks for
# `WRITE_DAC`, to repair the DACL. Granted or denied?

# %%
def exercise_3():
    alice = tl.SID("S-1-5-21-1004336348-1177238915-682003330-1001")
    locked = tl.SecurityDescriptor(alice, alice, dacl=tl.ACL([]))
    r = tl.access_check(locked, tl.Token(alice, [tl.SID("S-1-1-0")]), FileAccess.WRITE_DAC, FILE_MAPPING)
    return ("granted" if r.allowed else "denied"), str(r)


Predict("The owner of an object with an empty DACL asks for WRITE_DAC.", ["granted", "denied"], exercise_3,
        explain=(
            "An empty DACL grants nothing, but the owner is implicitly granted READ_CONTROL and "
            "WRITE_DAC (unless an OWNER RIGHTS ACE says otherwise), so an owner can always repair a "
            "DACL that locks everyone out. Reading the data stays denied. Answers, at the end of "
            "this notebook, runs it in plain code (A3)."))

# %% [markdown]
# ### Exercise 4 · What does a `DuplicateToken` handle allow? (notebook 02: tokens and handles)
#
# The service logs alice on (its handle has `TOKEN_ALL_ACCESS`) and calls
# `DuplicateToken(h, SecurityImpersonation)`. `DuplicateToken` has no access argument. Which
# access does the handle to the duplicate carry?

# %%
E4_CHOICES = ["TOKEN_ALL_ACCESS", "TOKEN_IMPERSONATE|TOKEN_QUERY", "the same as the source handle"]


def exercise_4():
    m = build_machine()
    svc = m.process("svc.exe")
    api = svc.main_thread.api
    h = api.LogonUser("alice", ".", "pw", LOGON32_LOGON_NETWORK, LOGON32_PROVIDER_DEFAULT)
    dup = api.DuplicateToken(h, SecurityImpersonation)
    granted = svc.handles.get(dup).granted
    if granted == svc.handles.get(h).granted:
        return E4_CHOICES[2]
    return "|".join(tl.mask_names(granted, TokenAccess))


Predict("The handle DuplicateToken returns has…", E4_CHOICES, exercise_4,
        explain=(
            "DuplicateToken always returns a handle with TOKEN_IMPERSONATE and TOKEN_QUERY, "
            "whatever the source handle had: enough to impersonate the copy, not to duplicate it "
            "again (TOKEN_DUPLICATE) or change it. DuplicateTokenEx takes the access you want as an "
            "argument. Answers, at the end of this notebook, runs it in plain code (A4)."))

# %% [markdown]
# ### Exercise 5 · A handle opened while impersonating, used after `RevertToSelf` (notebook 02: tokens and handles)
#
# alice's own program creates an event `AliceJob`; by default its DACL gives alice and SYSTEM
# full access and her logon session read-and-wait access; NETWORK SERVICE is not in it. The
# service impersonates alice, opens the event with `EVENT_ALL_ACCESS`, and calls
# `RevertToSelf()`. Now, as NETWORK SERVICE again, it reads the event's DACL through the handle
# it opened (`GetSecurityInfo` needs `READ_CONTROL` on the handle). Does that work?

# %%
E5_CHOICES = ["it works", "ERROR_ACCESS_DENIED"]


def exercise_5():
    m = build_machine()
    m.start_process("app.exe", user="alice").main_thread.api.CreateEvent(None, True, False, "AliceJob")
    api = m.process("svc.exe").main_thread.api
    client = api.LogonUser("alice", ".", "pw", LOGON32_LOGON_NETWORK, LOGON32_PROVIDER_DEFAULT)
    api.ImpersonateLoggedOnUser(client)
    event = api.OpenEvent(EVENT_ALL_ACCESS, False, "AliceJob")
    api.RevertToSelf()
    outcome = attempt(api.GetSecurityInfo, event, SE_KERNEL_OBJECT, DACL_SECURITY_INFORMATION)
    return E5_CHOICES[1] if isinstance(outcome, tl.WinError) else E5_CHOICES[0]


Predict("After RevertToSelf, GetSecurityInfo on the handle opened while impersonating alice…",
        E5_CHOICES, exercise_5,
        explain=(
            "The access check happens once, when the handle is opened, as the thread was then "
            "(impersonating alice); later calls through the handle only compare with the access it "
            "recorded. So the handle keeps working after RevertToSelf, while opening the event "
            "afresh as NETWORK SERVICE is refused. Answers, at the end of this notebook, runs it in "
            "plain code (A5)."))

# %% [markdown]
# ### Exercise 6 · Who owns a new object? (notebook 03: security of new objects)
#
# The service impersonates alice and, while impersonating, creates a **named** event,
# `"AliceReport"`, without a security descriptor (`lpEventAttributes = NULL`). Who is the
# event's owner? (It has to be named: an unnamed event has no security descriptor at all, so
# it has no owner to ask about.)

# %%
E6_CHOICES = ["TOKENLAB\\alice", "NT AUTHORITY\\NETWORK SERVICE", "BUILTIN\\Administrators"]


def exercise_6():
    m = build_machine()
    api = m.process("svc.exe").main_thread.api
    client = api.LogonUser("alice", ".", "pw", LOGON32_LOGON_NETWORK, LOGON32_PROVIDER_DEFAULT)
    api.ImpersonateLoggedOnUser(client)
    event = api.CreateEvent(None, True, False, "AliceReport")
    return m.sid_name(api.GetSecurityInfo(event, SE_KERNEL_OBJECT, OWNER_SECURITY_INFORMATION).owner)


Predict("A named event created while impersonating alice, with no descriptor given, is owned by…",
        E6_CHOICES, exercise_6,
        explain=(
            "A new object's owner, group and (without an explicit DACL) DACL come from the creating "
            "thread's effective token at that moment: the impersonation token if there is one. The "
            "thread was wearing alice's token, so alice owns the event and her default DACL "
            "protects it. Answers, at the end of this notebook, runs it in plain code (A6)."))

# %% [markdown]
# ### Exercise 7 · The duplicated token, made on another thread (notebook 04: story 1)
#
# In the story of notebook 04 (after Raymond Chen's *"How come a duplicated token doesn't
# behave identically to the original?"*), the service duplicates the thread token while
# impersonating alice, impersonates the duplicate, and COM activation fails with
# `E_ACCESSDENIED`. Variation: the `DuplicateToken` call is made on a **second thread of the
# service that is not impersonating**. Does the final `CoCreateInstance` succeed?
# (COM activation is tokenlab's *model*: see `tokenlab/kernel/com.py`.)

# %%
E7_CHOICES = ["it succeeds", "E_ACCESSDENIED"]


def exercise_7():
    last = duplicated_token(worker_thread=True).steps[-1]
    return E7_CHOICES[0] if last.ok else E7_CHOICES[1]


Predict("DuplicateToken on a worker thread that is not impersonating; then CoCreateInstance…",
        E7_CHOICES, exercise_7,
        explain=(
            "The duplicate is a new token object, and its descriptor comes from the effective token "
            "of the thread that makes it: on the worker thread that is the service's own token, "
            "whose default DACL admits NETWORK SERVICE. In tokenlab's model of COM, activation then "
            "opens the thread token as the process (OpenAsSelf) and is let in; made while "
            "impersonating, the DACL is alice's and it fails. Answers, at the end of this notebook, "
            "runs it in plain code (A7)."))

# %% [markdown]
# ### Exercise 8 · `RevertToSelf` after a nested impersonation (notebook 05: story 2)
#
# After Raymond Chen's *"Why doesn't RevertToSelf undo the most recent SetThreadToken?"*: the
# service impersonates alice, then sets bob's token with `SetThreadToken`, finishes bob's work
# and calls `RevertToSelf()`. Whose identity is the thread using now?

# %%
E8_CHOICES = ["TOKENLAB\\alice", "TOKENLAB\\bob", "NT AUTHORITY\\NETWORK SERVICE"]
Predict("After ImpersonateLoggedOnUser(alice), SetThreadToken(bob), RevertToSelf(), the thread is…",
        E8_CHOICES, lambda: nested_impersonation("revert").final_user,
        explain=(
            "A thread has one token slot, not a stack. SetThreadToken replaced alice's token with "
            "bob's and RevertToSelf emptied the slot, so the thread is the service itself again; to "
            "come back to alice, save a real handle to her token first and put it back with "
            "SetThreadToken. Answers, at the end of this notebook, runs it in plain code (A8)."))

# %% [markdown]
# ### Exercise 9 · Saving the thread token with `GetCurrentThreadToken()` (notebook 05: story 2)
#
# Same start, but the service saves the current token with `saved = GetCurrentThreadToken()`
# before `SetThreadToken(None, bob)`, and puts it back with `SetThreadToken(None, saved)`.
# Whose identity is the thread using at the end?

# %%
Predict("After saving GetCurrentThreadToken(), SetThreadToken(bob), SetThreadToken(saved), the thread is…",
        E8_CHOICES, lambda: nested_impersonation("pseudo_handle").final_user,
        explain=(
            "GetCurrentThreadToken() returns the pseudo-handle -5, not a handle to alice's token: "
            "it means 'the thread's token at the time of use', and token pseudo-handles work only "
            "where a token is queried. SetThreadToken refuses it with ERROR_INVALID_HANDLE, and a "
            "failed call changes nothing: the thread stays bob. Answers, at the end of this "
            "notebook, runs it in plain code (A9)."))

# %% [markdown]
# ### Exercise 10 · Raising a duplicate's level (notebook 06: impersonation levels)
#
# The service duplicates alice's token down to **Identification** level with `DuplicateTokenEx`
# (asking `TOKEN_ALL_ACCESS` for the new handle), then tries to duplicate *that* copy back up to
# **Impersonation**. What happens?

# %%
E10_CHOICES = ["it succeeds", "ERROR_ACCESS_DENIED", "ERROR_BAD_IMPERSONATION_LEVEL"]


def exercise_10():
    m = build_machine()
    api = m.process("svc.exe").main_thread.api
    h = api.LogonUser("alice", ".", "pw", LOGON32_LOGON_NETWORK, LOGON32_PROVIDER_DEFAULT)
    ident = api.DuplicateTokenEx(h, TOKEN_ALL_ACCESS, None, SecurityIdentification, TokenImpersonation)
    outcome = attempt(api.DuplicateTokenEx, ident, TOKEN_ALL_ACCESS, None, SecurityImpersonation, TokenImpersonation)
    return outcome.name if isinstance(outcome, tl.WinError) else E10_CHOICES[0]


Predict("DuplicateTokenEx of an Identification-level token to SecurityImpersonation…", E10_CHOICES, exercise_10,
        explain=(
            "An impersonation token's level is a ceiling that only goes down: whoever handed out an "
            "Identification-level token let you ask who the client is, not act as the client, and a "
            "duplicate cannot raise that. (A primary token has no such ceiling.) Answers, at the "
            "end of this notebook, runs it in plain code (A10)."))

# %% [markdown]
# ### Exercise 11 · Opening an object at Identification level (notebook 06: impersonation levels)
#
# The service creates an event `Ready` (its DACL admits NETWORK SERVICE), then calls
# `ImpersonateSelf(SecurityIdentification)`: the thread now wears an Identification-level copy
# of its own token. It opens `Ready` for `SYNCHRONIZE`. What happens?

# %%
E11_CHOICES = ["it gets a handle", "ERROR_ACCESS_DENIED", "ERROR_BAD_IMPERSONATION_LEVEL"]


def exercise_11():
    m = build_machine()
    api = m.process("svc.exe").main_thread.api
    api.CreateEvent(None, True, False, "Ready")
    api.ImpersonateSelf(SecurityIdentification)
    outcome = attempt(api.OpenEvent, SYNCHRONIZE, False, "Ready")
    return outcome.name if isinstance(outcome, tl.WinError) else E11_CHOICES[0]


Predict("Impersonating at SecurityIdentification, OpenEvent(SYNCHRONIZE, 'Ready')…", E11_CHOICES, exercise_11,
        explain=(
            "An Identification-level token lets a server find out who its client is and check what "
            "the client may do (AccessCheck works), but not act as the client: opening an object "
            "with it fails with ERROR_BAD_IMPERSONATION_LEVEL before any DACL is read, even one "
            "that would allow it. Answers, at the end of this notebook, runs it in plain code "
            "(A11)."))

# %% [markdown]
# ### Exercise 12 · High integrity and a Low label (notebook 07: integrity)
#
# A **High**-integrity token of alice asks for `FILE_WRITE_DATA` on a file labelled **Low**
# (`S:(ML;;NW;;;LW)`) whose DACL lets Everyone only **read** (`D:(A;;FR;;;WD)`). Granted or
# denied?

# %%
LOW_FILE = "O:BAG:BAD:(A;;FR;;;WD)S:(ML;;NW;;;LW)"


def exercise_12():
    token = tl.Token("S-1-5-21-1004336348-1177238915-682003330-1001", ["S-1-1-0"], integrity_level="S-1-16-12288")
    r = tl.access_check(parse_sddl(LOW_FILE), token, FileAccess.FILE_WRITE_DATA, FILE_MAPPING)
    return ("granted" if r.allowed else "denied"), str(r)


Predict("High-integrity alice writes a Low-labelled file whose DACL lets Everyone only read.",
        ["granted", "denied"], exercise_12,
        explain=(
            "Mandatory integrity only takes access away from a token below the label. Above it, the "
            "integrity step passes and the DACL decides as usual: Everyone may only read, so the "
            "write is denied. A high level never adds a right the DACL does not give. Answers, at "
            "the end of this notebook, runs it in plain code (A12)."))

# %% [markdown]
# ### Exercise 13 · Restricted to Everyone (notebook 07: restricted tokens)
#
# alice's token is restricted to the single SID **Everyone**. A scratch file's DACL is
# `D:(A;;FA;;;WD)`: Everyone may do anything. She asks for `FILE_WRITE_DATA`. Granted or denied?

# %%
SCRATCH = "O:BAG:BAD:(A;;FA;;;WD)"


def exercise_13():
    token = tl.Token("S-1-5-21-1004336348-1177238915-682003330-1001", ["S-1-1-0", "S-1-5-32-545"],
                     restricted_sids=["S-1-1-0"])
    r = tl.access_check(parse_sddl(SCRATCH), token, FileAccess.FILE_WRITE_DATA, FILE_MAPPING)
    return ("granted" if r.allowed else "denied"), str(r)


Predict("alice's token restricted to Everyone writes a file whose DACL gives Everyone full control.",
        ["granted", "denied"], exercise_13,
        explain=(
            "A restricted token is checked twice, once with its user and groups and once with only "
            "its restricting SIDs, and both passes must grant. Here both find Everyone in ACE 0, so "
            "the write is granted: restricting SIDs shut out what is granted only to other SIDs. "
            "Answers, at the end of this notebook, runs it in plain code (A13)."))

# %% [markdown]
# ## Going further
#
# Change an exercise's set-up (another DACL, another level, another thread) and run its cell
# again: the new widget asks the model the new question when you press Reveal. Change `my_run`
# in Part 1 too — add a `DuplicateToken`, a `SetThreadToken`, a `CreateEvent` with an explicit
# `SECURITY_ATTRIBUTES` — and run those cells again. The stories of notebooks 04 and 05 are
# recorded the same way: `duplicated_token()` and `nested_impersonation("revert")` return
# traces you can pass to `ScenarioPlayer` and `Compare` too.

# %% [markdown]
# ## Answers, in plain code
#
# Read these after you have revealed your predictions above. Each one computes the answer to
# the exercise with the same number, without the widget.

# %% [markdown]
# ### A1 · The SDDL alias of S-1-5-32-545

# %%
# NBVAL_CHECK_OUTPUT
answers = {}
sid = tl.SID("S-1-5-32-545")
answers[1] = sid.alias
print(f"{sid} is {sid.name}, alias {sid.alias}")
for other in ("S-1-5-32-544", "S-1-5-11", "S-1-1-0"):
    print(f"  compare {other:<13} {tl.SID(other).alias}  {tl.SID(other).name}")

# %% [markdown]
# ### A2 · A deny first, and `MAXIMUM_ALLOWED`
#
# The granted mask, what it lacks of `FILE_ALL_ACCESS`, and the check ACE by ACE:

# %%
# NBVAL_CHECK_OUTPUT
domain = tl.SID("S-1-5-21-1004336348-1177238915-682003330")
contractors = domain.child(1105)
token = tl.Token(domain.child(1001), [tl.SID("S-1-1-0"), tl.SID("S-1-5-32-545"), contractors])
folder = parse_sddl(f"O:BAG:BAD:(D;;FW;;;{contractors})(A;;FA;;;BU)")
r2 = tl.access_check(folder, token, MAXIMUM_ALLOWED, FILE_MAPPING)
answers[2] = r2.granted == FileAccess.FILE_ALL_ACCESS & ~FileAccess.FILE_GENERIC_WRITE
print("granted:", format_mask(r2.granted, FileAccess))
print("missing:", format_mask(FileAccess.FILE_ALL_ACCESS & ~r2.granted, FileAccess))
print("the same as FILE_GENERIC_WRITE:", FileAccess.FILE_ALL_ACCESS & ~r2.granted == FileAccess.FILE_GENERIC_WRITE)
print(r2.table())

# %% [markdown]
# ### A3 · An empty DACL and its owner

# %%
# NBVAL_CHECK_OUTPUT
alice = tl.SID("S-1-5-21-1004336348-1177238915-682003330-1001")
locked = tl.SecurityDescriptor(alice, alice, dacl=tl.ACL([]))
alice_token = tl.Token(alice, [tl.SID("S-1-1-0")])
r3 = tl.access_check(locked, alice_token, FileAccess.WRITE_DAC, FILE_MAPPING)
answers[3] = r3.allowed
print("WRITE_DAC:     ", r3.status.name)
print("FILE_READ_DATA:", tl.access_check(locked, alice_token, FileAccess.FILE_READ_DATA, FILE_MAPPING).status.name)
print(r3)

# %% [markdown]
# ### A4 · What does a `DuplicateToken` handle allow?

# %%
# NBVAL_CHECK_OUTPUT
m4 = build_machine()
svc4 = m4.process("svc.exe")
api4 = svc4.main_thread.api
h4 = api4.LogonUser("alice", ".", "pw", LOGON32_LOGON_NETWORK, LOGON32_PROVIDER_DEFAULT)
dup4 = api4.DuplicateToken(h4, SecurityImpersonation)
answers[4] = format_mask(svc4.handles.get(dup4).granted, TokenAccess)
print("source handle:   ", format_mask(svc4.handles.get(h4).granted, TokenAccess))
print("duplicate handle:", answers[4])
err = attempt(api4.DuplicateToken, dup4, SecurityImpersonation)
print("duplicating the duplicate:", err.name if isinstance(err, tl.WinError) else err)

# %% [markdown]
# ### A5 · A handle opened while impersonating, used after `RevertToSelf`
#
# The run as a table, with one call more at the end: the service opens the event again as
# itself.

# %%
# NBVAL_CHECK_OUTPUT
m5 = build_machine()
m5.start_process("app.exe", user="alice").main_thread.api.CreateEvent(None, True, False, "AliceJob")
api5 = m5.process("svc.exe").main_thread.api
with tl.record(m5, "handle after RevertToSelf") as trace5:
    client5 = api5.LogonUser("alice", ".", "pw", LOGON32_LOGON_NETWORK, LOGON32_PROVIDER_DEFAULT)
    api5.ImpersonateLoggedOnUser(client5)
    event5 = api5.OpenEvent(EVENT_ALL_ACCESS, False, "AliceJob")
    api5.RevertToSelf()
    dacl5 = api5.GetSecurityInfo(event5, SE_KERNEL_OBJECT, DACL_SECURITY_INFORMATION)
    attempt(api5.OpenEvent, EVENT_ALL_ACCESS, False, "AliceJob")
answers[5] = trace5[4].ok and not trace5[5].ok
print(trace5.table())

# %% [markdown]
# ### A6 · Who owns a new object?

# %%
# NBVAL_CHECK_OUTPUT
m6 = build_machine()
api6 = m6.process("svc.exe").main_thread.api
client6 = api6.LogonUser("alice", ".", "pw", LOGON32_LOGON_NETWORK, LOGON32_PROVIDER_DEFAULT)
api6.ImpersonateLoggedOnUser(client6)
event6 = api6.CreateEvent(None, True, False, "AliceReport")
sd6 = api6.GetSecurityInfo(event6, SE_KERNEL_OBJECT, OWNER_SECURITY_INFORMATION | DACL_SECURITY_INFORMATION)
answers[6] = m6.sid_name(sd6.owner)
print("owner:", answers[6])
print("SDDL: ", format_sddl(sd6, domain=m6.domain_sid))

# %% [markdown]
# ### A7 · The duplicated token, made on another thread
#
# The last call of each story, then the descriptor each duplicate was given:

# %%
# NBVAL_CHECK_OUTPUT
worker = duplicated_token(worker_thread=True)
original = duplicated_token()
answers[7] = worker[-1].ok
print("worker thread:", worker[-1].call, "->", worker[-1].result if worker[-1].ok else worker[-1].error)
print("original:     ", original[-1].call, "->", original[-1].result if original[-1].ok else original[-1].error)


def duplicate_descriptor(trace):
    """The descriptor of the token DuplicateToken made, read from the snapshot after that call."""
    step = next(s for s in trace if s.name == "DuplicateToken")
    handle = next(h for p in step.snapshot.processes for h in p.handles if h.value == int(step.result))
    return step.snapshot.token(handle.object_id).security_sddl


print("the duplicate's own descriptor, made on the worker thread:")
print("  ", duplicate_descriptor(worker))
print("made on the impersonating thread:")
print("  ", duplicate_descriptor(original))

# %% [markdown]
# ### A8 · `RevertToSelf` after a nested impersonation

# %%
# NBVAL_CHECK_OUTPUT
revert = nested_impersonation("revert")
answers[8] = revert.final_user
print(revert.table())
print("final identity:", revert.final_user)

# %% [markdown]
# ### A9 · Saving the thread token with `GetCurrentThreadToken()`

# %%
# NBVAL_CHECK_OUTPUT
pseudo = nested_impersonation("pseudo_handle")
answers[9] = pseudo.final_user
print(pseudo.table())
print("final identity:", pseudo.final_user)

# %% [markdown]
# ### A10 · Raising a duplicate's level

# %%
# NBVAL_CHECK_OUTPUT
m10 = build_machine()
api10 = m10.process("svc.exe").main_thread.api
h10 = api10.LogonUser("alice", ".", "pw", LOGON32_LOGON_NETWORK, LOGON32_PROVIDER_DEFAULT)
ident10 = api10.DuplicateTokenEx(h10, TOKEN_ALL_ACCESS, None, SecurityIdentification, TokenImpersonation)
err10 = attempt(api10.DuplicateTokenEx, ident10, TOKEN_ALL_ACCESS, None, SecurityImpersonation, TokenImpersonation)
answers[10] = err10.name
print(str(err10))

# %% [markdown]
# ### A11 · Opening an object at Identification level
#
# After `OpenEvent`, the same thread token is used for an `AccessCheck` against the event's
# descriptor.

# %%
# NBVAL_CHECK_OUTPUT
m11 = build_machine()
svc11 = m11.process("svc.exe")
api11 = svc11.main_thread.api
api11.CreateEvent(None, True, False, "Ready")
api11.ImpersonateSelf(SecurityIdentification)
err11 = attempt(api11.OpenEvent, SYNCHRONIZE, False, "Ready")
answers[11] = err11.name
print("OpenEvent:", str(err11))
own = api11.OpenThreadToken(api11.GetCurrentThread(), TOKEN_QUERY, True)
ready_sd = m11.find_named("Ready").security
granted11, status11 = api11.AccessCheck(ready_sd, own, EventAccess.SYNCHRONIZE, EVENT_MAPPING)
print("AccessCheck with the same token:", status11, format_mask(granted11, EventAccess))

# %% [markdown]
# ### A12 · High integrity and a Low label

# %%
# NBVAL_CHECK_OUTPUT
high_token = tl.Token("S-1-5-21-1004336348-1177238915-682003330-1001", ["S-1-1-0"], integrity_level="S-1-16-12288")
r12 = tl.access_check(parse_sddl(LOW_FILE), high_token, FileAccess.FILE_WRITE_DATA, FILE_MAPPING)
answers[12] = r12.allowed
print(r12.status.name)
print(r12)

# %% [markdown]
# ### A13 · Restricted to Everyone

# %%
# NBVAL_CHECK_OUTPUT
restricted = tl.Token("S-1-5-21-1004336348-1177238915-682003330-1001", ["S-1-1-0", "S-1-5-32-545"],
                      restricted_sids=["S-1-1-0"])
r13 = tl.access_check(parse_sddl(SCRATCH), restricted, FileAccess.FILE_WRITE_DATA, FILE_MAPPING)
answers[13] = r13.allowed
print(r13.status.name)
print(r13.table())


# %% [markdown]
# ## Checks
#
# The cell below asserts the playground's facts and every exercise's answer against the model.

# %%
# NBVAL_CHECK_OUTPUT
def checks():
    facts = []

    def check(ok, message):
        assert ok, message
        facts.append(message)
        print("ok:", message)

    check(run_a[-1].error == "ERROR_ACCESS_DENIED (5)" and run_b[-1].ok,
          "an event made while impersonating alice cannot be reopened by the service; made before, it can")
    check(run_a.steps[-2].ok, "the creator's own handle keeps its access")
    check(any("differs" in line for line in compare_table(run_a, run_b).splitlines()),
          "compare_table marks where the two runs part")
    check(ma.account("Auditors").sid in {g.sid for g in token_of(ma.process("svc.exe"), bob_handle).groups},
          "bob's logon token holds the Auditors group")
    check(answers[1] == "BU", "exercise 1: S-1-5-32-545 is BU")
    check(answers[2], "exercise 2: MAXIMUM_ALLOWED keeps each bit's first verdict; FW includes READ_CONTROL")
    check(answers[3], "exercise 3: the owner keeps WRITE_DAC on an empty DACL")
    check(answers[4] == "TOKEN_IMPERSONATE|TOKEN_QUERY (0x0000000C)", "exercise 4: DuplicateToken's handle")
    check(answers[5], "exercise 5: a handle keeps its access after RevertToSelf")
    check(answers[6] == "TOKENLAB\\alice", "exercise 6: new objects take their owner from the effective token")
    check(answers[7] and not original[-1].ok, "exercise 7: duplicating on a non-impersonating thread works")
    check(answers[8] == "NT AUTHORITY\\NETWORK SERVICE", "exercise 8: RevertToSelf empties the one slot")
    check(answers[9] == "TOKENLAB\\bob", "exercise 9: a pseudo-handle saves nothing")
    check(answers[10] == "ERROR_BAD_IMPERSONATION_LEVEL", "exercise 10: a duplicate's level cannot go up")
    check(answers[11] == "ERROR_BAD_IMPERSONATION_LEVEL", "exercise 11: Identification level cannot open objects")
    check(not answers[12], "exercise 12: integrity never grants what the DACL does not")
    check(answers[13], "exercise 13: both passes match Everyone")
    check(exercise_2()[0] == E2_CHOICES[3] and exercise_4() == E4_CHOICES[1] and exercise_7() == E7_CHOICES[0]
          and exercise_10() == E10_CHOICES[2] and exercise_11() == E11_CHOICES[2],
          "the Predict widgets' reveal functions return one of their choices, the same as the plain code")
    print(f"all {len(facts)} checks passed")


checks()
