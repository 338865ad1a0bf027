# %% [markdown]
# # 06 · Impersonation levels
#
# An impersonation token carries an **impersonation level**: how much a server may do with
# the identity it holds. There are four, in increasing order:
#
# | level | value | what a server holding it can do |
# | --- | --- | --- |
# | `SecurityAnonymous` | 0 | cannot open it from its thread, check access with it, or act as it (a handle it already holds can still be queried) |
# | `SecurityIdentification` | 1 | learn who the client is (SIDs, privileges) and run `AccessCheck` with it — but not act as the client |
# | `SecurityImpersonation` | 2 | act as the client on this machine: open objects as the client |
# | `SecurityDelegation` | 3 | act as the client on this machine *and* on other machines it connects to |
#
# The client sets the ceiling (a named-pipe client through `SECURITY_SQOS_PRESENT` plus a
# `SECURITY_IDENTIFICATION`/`SECURITY_IMPERSONATION`… flag in `CreateFile`'s flags, a COM or RPC
# client through its impersonation level), and from there a token's level can only go down.
# This notebook runs each level against the calls that care about it. By the end you will be
# able to:
#
# * say what each level allows, and which error each refusal gives
#   (`ERROR_BAD_IMPERSONATION_LEVEL`, `ERROR_CANT_OPEN_ANONYMOUS`);
# * explain why a duplicate can never be *raised* above its source's level, and why an
#   Identification token cannot become a primary token;
# * use `OpenThreadToken`'s `OpenAsSelf` argument on a thread impersonating at Identification;
# * state tokenlab's **model** of the `SeImpersonatePrivilege` rule, and check what a thread
#   really holds after it impersonates.
#
# | Windows term | tokenlab name | example |
# | --- | --- | --- |
# | `SECURITY_IMPERSONATION_LEVEL` | `tl.SecurityImpersonationLevel`, `SecurityIdentification` … | `SecurityIdentification == 1` |
# | `TokenImpersonationLevel` | `GetTokenInformation` class | `api.GetTokenInformation(h, TokenImpersonationLevel)` |
# | `DuplicateTokenEx` | `api.DuplicateTokenEx` | `api.DuplicateTokenEx(h, TOKEN_ALL_ACCESS, None, SecurityIdentification, TokenImpersonation)` |
# | `SetThreadToken`, `ImpersonateLoggedOnUser`, `ImpersonateSelf` | same names on `api` | `api.ImpersonateSelf(SecurityImpersonation)` |
# | `OpenThreadToken` and its `OpenAsSelf` | `api.OpenThreadToken` | `api.OpenThreadToken(api.GetCurrentThread(), TOKEN_QUERY, True)` |
# | `AccessCheck` | `api.AccessCheck` | `api.AccessCheck(sd, h, SYNCHRONIZE, EVENT_MAPPING)` |
# | `SeImpersonatePrivilege` | a `TokenPrivileges` entry | `api.GetTokenInformation(api.GetCurrentProcessToken(), TokenPrivileges)` |
# | `DuplicateHandle` | `api.DuplicateHandle` | `api.DuplicateHandle(api.GetCurrentProcess(), h, hProcess, 0, False, DUPLICATE_SAME_ACCESS)` |
#
# **How to use this notebook:** run the cells from top to bottom with Shift+Enter. Everything
# is simulated, so change a value and run a cell again to see what moves. The widgets need a
# live kernel (they stay blank in a static view). When a cell asks you to predict, decide on
# your answer *before* you press Reveal; the same calls in plain code wait under *Answers*, near
# the end.

# %%
import tokenlab as tl
import tokenlab.kernel.srm
from tokenlab.win32 import *
from tokenlab.scenarios import impersonating
from tokenlab.view import object_graph, svg
from tokenlab.ui import Predict, ScenarioPlayer
from IPython.display import SVG, display

# %% [markdown]
# ## 1 · The cast, and the level a logon gives
#
# A service **svc.exe** runs as `NT AUTHORITY\NETWORK SERVICE`. It logs **alice** on twice: over
# the network, which (like a server authenticating a client) returns an *impersonation* token,
# and interactively, which returns a *primary* token. `GetTokenInformation(TokenImpersonationLevel)`
# reads a token's level; a primary token has none, and asking fails with
# `ERROR_INVALID_PARAMETER`.

# %%
# NBVAL_CHECK_OUTPUT
m = tl.Machine()
alice = m.add_user("alice", password="pw")
svc = m.start_process("svc.exe", user="NETWORK SERVICE")
api = svc.main_thread.api

h_net = api.LogonUser("alice", ".", "pw", LOGON32_LOGON_NETWORK, LOGON32_PROVIDER_DEFAULT)
h_primary = api.LogonUser("alice", ".", "pw", LOGON32_LOGON_INTERACTIVE, LOGON32_PROVIDER_DEFAULT)
for label, h in (("network logon", h_net), ("interactive logon", h_primary)):
    kind = api.GetTokenInformation(h, TokenType)
    try:
        level = api.GetTokenInformation(h, TokenImpersonationLevel).name
    except tl.WinError as err:
        level = err.name
    print(f"{label:<18} {kind.name:<19} level: {level}")

# %% [markdown]
# ## 2 · One token per level
#
# `DuplicateTokenEx` makes a new token at the level you ask for. From a **primary** token any
# level is allowed, so the interactive logon gives all four. Each duplicate is a new object with
# its own descriptor (notebook 03); so that the checks below are about *levels* and not about
# DACLs, every duplicate gets an explicit descriptor that lets SYSTEM, NETWORK SERVICE and alice
# open it.

# %%
# NBVAL_CHECK_OUTPUT
token_sd = tl.SecurityDescriptor.from_sddl(f"D:(A;;GA;;;SY)(A;;GA;;;NS)(A;;GA;;;{alice})")
LEVELS = (SecurityAnonymous, SecurityIdentification, SecurityImpersonation, SecurityDelegation)
with tl.record(m, "one token per level") as trace_levels:
    level_tokens = {
        level: api.DuplicateTokenEx(h_primary, TOKEN_ALL_ACCESS, SECURITY_ATTRIBUTES(token_sd, False),
                                    level, TokenImpersonation)
        for level in LEVELS
    }
print(trace_levels[1].c_call)
print()
for level, h in level_tokens.items():
    print(f"handle {h}: {api.GetTokenInformation(h, TokenImpersonationLevel).name} "
          f"(= {int(level)}), user {m.sid_name(api.GetTokenInformation(h, TokenUser).sid)}")

# %% [markdown]
# ### Levels only go down
#
# From an **impersonation** token, a duplicate may keep or lower the level, never raise it:
# `ERROR_BAD_IMPERSONATION_LEVEL` (1346). So the network logon's `SecurityImpersonation` token
# cannot become a Delegation token, and an Identification token can never be turned back into
# one you can act with. For the same reason an Identification (or Anonymous) token cannot
# become a **primary** token: a process must be able to *act* as its user.

# %%
# NBVAL_CHECK_OUTPUT
ident = level_tokens[SecurityIdentification]
attempts = {
    "network token -> Delegation": (h_net, SecurityDelegation, TokenImpersonation),
    "Identification -> Impersonation": (ident, SecurityImpersonation, TokenImpersonation),
    "Identification -> primary": (ident, SecurityIdentification, TokenPrimary),
    "Impersonation -> primary": (level_tokens[SecurityImpersonation], SecurityImpersonation, TokenPrimary),
}
with tl.record(m, "raising") as trace_raise:
    raise_results = {}
    for label, (h, level, kind) in attempts.items():
        try:
            h_new = api.DuplicateTokenEx(h, TOKEN_ALL_ACCESS, None, level, kind)
            raise_results[label] = "ok"
            api.CloseHandle(h_new)
        except tl.WinError as err:
            raise_results[label] = err.name
for label, outcome in raise_results.items():
    print(f"{label:<33} {outcome}")
print()
for step in trace_raise:
    if not step.ok:
        print(step.narration)

# %% [markdown]
# ## 3 · Predict: open an object while impersonating at Identification
#
# The service creates an event named `anyone` whose DACL grants **Everyone** all access. Then it
# puts alice's **Identification** token in its thread's slot (`SetThreadToken`) and calls
# `OpenEvent(SYNCHRONIZE, FALSE, L"anyone")`. alice is certainly in Everyone. What happens?

# %%
# The event of the question, on this notebook's machine (section 4 uses it).
anyone = api.CreateEvent(SECURITY_ATTRIBUTES(tl.SecurityDescriptor.from_sddl("D:(A;;GA;;;WD)"), False),
                         True, False, "anyone")


def reveal_identification_open():
    m2 = tl.Machine()
    m2.add_user("alice", password="pw")
    api2 = m2.start_process("svc.exe", user="NETWORK SERVICE").main_thread.api
    h = api2.LogonUser("alice", ".", "pw", LOGON32_LOGON_NETWORK, LOGON32_PROVIDER_DEFAULT)
    h_ident = api2.DuplicateTokenEx(h, TOKEN_ALL_ACCESS, None, SecurityIdentification, TokenImpersonation)
    api2.CreateEvent(SECURITY_ATTRIBUTES(tl.SecurityDescriptor.from_sddl("D:(A;;GA;;;WD)"), False),
                     True, False, "anyone")
    api2.SetThreadToken(None, h_ident)
    try:
        api2.OpenEvent(SYNCHRONIZE, False, "anyone")
        return "it opens: Everyone is allowed"
    except tl.WinError as err:
        return err.name


Predict("Impersonating alice at SecurityIdentification, the service opens an event that allows Everyone. Result?",
        ["it opens: Everyone is allowed", "ERROR_ACCESS_DENIED", "ERROR_BAD_IMPERSONATION_LEVEL",
         "ERROR_CANT_OPEN_ANONYMOUS"],
        reveal_identification_open,
        explain="An Identification token describes alice but does not let the thread act as her, and "
                "opening an object while impersonating is acting as her: the call is refused before the "
                "DACL is read, so no ACE could let it through. "
                "Answers, at the end of this notebook, runs it in plain code (A1).")

# %% [markdown]
# *Pick an answer and press Reveal before you read on.*

# %% [markdown]
# ## 4 · What each level allows
#
# (Reveal the prediction in section 3 first: the table answers it.) The same questions, asked
# of all four tokens (`impersonating(api, h)` from `tokenlab.scenarios` puts a token in the slot
# for a `with` block and restores the slot after):
#
# * **query**: `GetTokenInformation(h, TokenUser)` through the handle;
# * **AccessCheck**: may alice have `SYNCHRONIZE` on `anyone`? (`AccessCheck` takes the token as a
#   parameter; the thread does not impersonate it);
# * **open an object** while impersonating: `OpenEvent(SYNCHRONIZE, FALSE, L"anyone")`;
# * **open the thread token** while impersonating (`OpenAsSelf` FALSE; section 6 turns to TRUE);
# * **become primary**: `DuplicateTokenEx(h, …, TokenPrimary)`.

# %%
# NBVAL_CHECK_OUTPUT
sd_anyone = api.GetSecurityInfo(anyone, SE_KERNEL_OBJECT,
                                OWNER_SECURITY_INFORMATION | GROUP_SECURITY_INFORMATION | DACL_SECURITY_INFORMATION)


def outcome(call):
    """What a call gives: its result as text, or the name of its error."""
    try:
        return call()
    except tl.WinError as err:
        return err.name


def opened(h):
    api.CloseHandle(h)
    return "opened"


def ask(h, level):
    answers = {
        "query TokenUser": outcome(lambda: m.sid_name(api.GetTokenInformation(h, TokenUser).sid)),
        "AccessCheck": outcome(lambda: "granted" if api.AccessCheck(sd_anyone, h, SYNCHRONIZE, EVENT_MAPPING)[1]
                               else "denied"),
    }
    with impersonating(api, h):
        answers["open an object"] = outcome(lambda: opened(api.OpenEvent(SYNCHRONIZE, False, "anyone")))
        answers["OpenThreadToken(OpenAsSelf=False)"] = outcome(
            lambda: opened(api.OpenThreadToken(api.GetCurrentThread(), TOKEN_QUERY, False)))
    answers["become primary"] = outcome(
        lambda: opened(api.DuplicateTokenEx(h, TOKEN_ALL_ACCESS, None, level, TokenPrimary)))
    return answers


allows = {level: ask(h, level) for level, h in level_tokens.items()}
for level, answers in allows.items():
    print(level.name)
    for question, answer in answers.items():
        print(f"  {question:<34} {answer}")

# %% [markdown]
# Reading the four blocks:
#
# * **Anonymous** — the handle you already hold can be queried, but nothing can *use* the
#   token: `AccessCheck` refuses it, and a thread impersonating it cannot even open its own
#   token (`ERROR_CANT_OPEN_ANONYMOUS`). That is how Anonymous keeps a server from looking at
#   who its client is.
# * **Identification** — identity and `AccessCheck` work; everything that would mean *acting*
#   as alice fails with `ERROR_BAD_IMPERSONATION_LEVEL`.
# * **Impersonation** and **Delegation** — everything works (the objects' DACLs permitting).
#
# ### Delegation is about the network
#
# Impersonation and Delegation differ only *beyond* this machine. With Delegation, the server
# may use the client's identity to authenticate to another machine (with Kerberos, and an account
# trusted for delegation); with Impersonation its use of the identity stops at this machine.
# tokenlab simulates one machine and no network, so here a Delegation token behaves exactly like
# an Impersonation token: only the level value differs, and the ordering rules above (no raising)
# apply to it.

# %% [markdown]
# ## 5 · Who may impersonate: `SeImpersonatePrivilege`
#
# Holding a handle to someone's token does not entitle a program to *be* them. Windows lets a
# caller impersonate at Impersonation level or above only if one of these holds (the remarks of
# `ImpersonateLoggedOnUser` list them):
#
# * the caller holds **`SeImpersonatePrivilege`** ("Impersonate a client after authentication":
#   services and administrators do, ordinary users do not);
# * the token is for the caller's own user;
# * the token came from a `LogonUser` call made with explicit credentials by the caller's own
#   logon session.
#
# When none holds, the call **still succeeds**, but the thread gets an **Identification-level
# copy** of the token. The reference pages don't say this; it is widely reported (for example in
# *Windows Security Internals*). tokenlab's version of the whole rule is a **model**: it
# checks the conditions above plus one about integrity levels, and not every detail of the
# kernel's check. Its own words, from the docstring of `tokenlab/kernel/srm.py`, where the rule lives:

# %%
heading, rules = tokenlab.kernel.srm.__doc__.split("Model simplifications", 1)[-1].split("\n\n")[:2]
print("Model simplifications" + heading + "\n\n" + rules.rstrip())

# %% [markdown]
# Three processes: svc.exe (NETWORK SERVICE), **app.exe** run by a new user **carol**, and a
# broker **broker.exe** running as SYSTEM. Who holds `SeImpersonatePrivilege`?

# %%
# NBVAL_CHECK_OUTPUT
m.add_user("carol", password="pw")
app = m.start_process("app.exe", user="carol")
capi = app.main_thread.api
broker = m.start_process("broker.exe", user="SYSTEM")
bapi = broker.main_thread.api


def impersonate_privilege(caller):
    privileges = caller.GetTokenInformation(caller.GetCurrentProcessToken(), TokenPrivileges)
    entry = next((p for p in privileges if p.name == "SeImpersonatePrivilege"), None)
    if entry is None:
        return "not held"
    return "held, enabled" if entry.Attributes & SE_PRIVILEGE_ENABLED else "held, disabled"


holders = {}
for caller in (api, capi, bapi):
    user = m.sid_name(caller.GetTokenInformation(caller.GetCurrentProcessToken(), TokenUser).sid)
    holders[caller.process.image] = impersonate_privilege(caller)
    print(f"{caller.process.image:<11} {user:<30} SeImpersonatePrivilege: {holders[caller.process.image]}")

# %% [markdown]
# The rule only concerns Impersonation level and above: a thread may always hold an
# Identification or Anonymous token. Here the service sets the Identification token of
# section 3 on its thread, then the Delegation token; each narration names the clause that let
# it through:

# %%
# NBVAL_CHECK_OUTPUT
with tl.record(m, "service may impersonate") as trace_svc:
    for level in (SecurityIdentification, SecurityDelegation):
        api.SetThreadToken(None, level_tokens[level])
        api.RevertToSelf()
for step in trace_svc:
    if step.name == "SetThreadToken":
        print(step.call)
        print("   ", step.narration.split(" Thread ")[0])

# %% [markdown]
# carol holds no such privilege, yet two kinds of impersonation are still fine for her: her own
# identity (`ImpersonateSelf`), and a user she logs on herself with a password (`LogonUser`,
# alice's password here):

# %%
# NBVAL_CHECK_OUTPUT
with tl.record(m, "carol, allowed") as trace_carol:
    capi.ImpersonateSelf(SecurityImpersonation)
    carol_self = capi.GetTokenInformation(capi.GetCurrentThreadToken(), TokenImpersonationLevel)
    capi.RevertToSelf()
    h_own_logon = capi.LogonUser("alice", ".", "pw", LOGON32_LOGON_NETWORK, LOGON32_PROVIDER_DEFAULT)
    capi.ImpersonateLoggedOnUser(h_own_logon)
    carol_own_logon = capi.GetTokenInformation(capi.GetCurrentThreadToken(), TokenImpersonationLevel)
    capi.RevertToSelf()
print("ImpersonateSelf:                         ", carol_self.name)
print("ImpersonateLoggedOnUser(her own LogonUser):", carol_own_logon.name)
print()
for step in trace_carol:
    if step.name in ("ImpersonateSelf", "ImpersonateLoggedOnUser"):
        print(step.narration.split(" Thread ")[0])

# %% [markdown]
# ### Predict: a token someone else logged on
#
# Now the broker (SYSTEM) logs alice on, opens carol's process for `PROCESS_DUP_HANDLE`, and
# copies its token handle into app.exe with `DuplicateHandle` — the way a broker hands a token
# to a client. carol's app, which has no `SeImpersonatePrivilege` and did not log alice on, calls
# `ImpersonateLoggedOnUser` with the handle it was given. What happens?

# %%
def hand_over(machine):
    """The broker hands app.exe a handle to alice's token; returns app.exe's api and that handle."""
    b = machine.process("broker.exe").main_thread.api
    app_process = machine.process("app.exe")
    h = b.LogonUser("alice", ".", "pw", LOGON32_LOGON_NETWORK, LOGON32_PROVIDER_DEFAULT)
    h_app_process = b.OpenProcess(PROCESS_DUP_HANDLE, False, app_process.pid)
    h_in_app = b.DuplicateHandle(b.GetCurrentProcess(), h, h_app_process, 0, False, DUPLICATE_SAME_ACCESS)
    return app_process.main_thread.api, h_in_app


def fresh_world():
    m2 = tl.Machine()
    for name in ("alice", "carol"):
        m2.add_user(name, password="pw")
    m2.start_process("app.exe", user="carol")
    m2.start_process("broker.exe", user="SYSTEM")
    return m2


def reveal_hand_over():
    c2, h = hand_over(fresh_world())
    try:
        c2.ImpersonateLoggedOnUser(h)
    except tl.WinError as err:
        return f"fails: {err.name}"
    level = c2.GetTokenInformation(c2.GetCurrentThreadToken(), TokenImpersonationLevel)
    return f"succeeds; the thread is at {level.name}"


Predict("carol's app.exe impersonates alice's token, handed over by the SYSTEM broker. Result?",
        ["fails: ERROR_PRIVILEGE_NOT_HELD", "fails: ERROR_BAD_IMPERSONATION_LEVEL",
         "succeeds; the thread is at SecurityImpersonation", "succeeds; the thread is at SecurityIdentification"],
        reveal_hand_over,
        explain="In tokenlab's model of the SeImpersonatePrivilege rule none of the conditions holds, so "
                "the thread gets an Identification-level copy, and the call still reports success. Nothing "
                "fails until the thread tries to act as alice, so a program that must act as its client "
                "should check the level it got. "
                "Answers, at the end of this notebook, runs it in plain code (A2).")

# %% [markdown]
# *Pick an answer and press Reveal before you read on.*

# %% [markdown]
# ## 6 · `OpenAsSelf` at Identification level
#
# (Reveal the prediction in section 5 first.) After the hand-over, carol's thread impersonates
# alice at Identification. Suppose it wants a handle to its own thread token — to query it, or
# to save it before switching tokens (notebook 05).
# `OpenThreadToken(thread, access, OpenAsSelf, &h)` opens an object, so it too is an open made
# *as someone*:
#
# * `OpenAsSelf = FALSE`: the open is made as the thread — that is, as the Identification token;
# * `OpenAsSelf = TRUE`: the open is made as the **process** (carol's primary token).
#
# `OpenAsSelf` matters at every level: it decides *whose* access check an open of the thread
# token is (notebook 04's COM activation depends on it).
#
# ### Predict: which of the two succeed?

# %%
def reveal_open_as_self():
    c2, h = hand_over(fresh_world())
    c2.ImpersonateLoggedOnUser(h)
    worked = []
    for as_self in (False, True):
        try:
            c2.OpenThreadToken(c2.GetCurrentThread(), TOKEN_QUERY, as_self)
            worked.append(as_self)
        except tl.WinError:
            pass
    return {(): "neither", (False,): "only OpenAsSelf=FALSE", (True,): "only OpenAsSelf=TRUE",
            (False, True): "both"}[tuple(worked)]


Predict("Impersonating at Identification, the thread calls OpenThreadToken with OpenAsSelf FALSE, then TRUE. "
        "Which succeed?",
        ["both", "only OpenAsSelf=FALSE", "only OpenAsSelf=TRUE", "neither"],
        reveal_open_as_self,
        explain="FALSE opens as the Identification token, which can open nothing. TRUE opens as carol's "
                "process, and the copy's DACL (in tokenlab's model of the downgrade, carol's default DACL) "
                "lets her in; OpenThreadToken's documentation gives this case as the reason the parameter "
                "exists. Answers, at the end of this notebook, runs it in plain code (A3).")

# %% [markdown]
# *Pick an answer and press Reveal before you read on.*

# %% [markdown]
# ### The same in C
#
# Sections 2 to 6 as you would write them on Windows (error handling trimmed; the comments give
# the outcomes, so reveal your predictions first):
#
# ```c
# SECURITY_IMPERSONATION_LEVEL level; DWORD cb;
# GetTokenInformation(hToken, TokenImpersonationLevel, &level, sizeof level, &cb);
#     /* a primary token: fails, GetLastError() == ERROR_INVALID_PARAMETER */
#
# HANDLE hIdent;
# DuplicateTokenEx(hPrimary, TOKEN_ALL_ACCESS, &sa, SecurityIdentification, TokenImpersonation, &hIdent);
#
# HANDLE hRaised;   /* raising fails: GetLastError() == ERROR_BAD_IMPERSONATION_LEVEL (1346) */
# DuplicateTokenEx(hIdent, TOKEN_ALL_ACCESS, NULL, SecurityImpersonation, TokenImpersonation, &hRaised);
#
# SetThreadToken(NULL, hIdent);
# HANDLE hEvent = OpenEventW(SYNCHRONIZE, FALSE, L"anyone");   /* NULL: ERROR_BAD_IMPERSONATION_LEVEL */
# HANDLE hSelf;
# OpenThreadToken(GetCurrentThread(), TOKEN_QUERY, FALSE, &hSelf);  /* fails: ERROR_BAD_IMPERSONATION_LEVEL */
# OpenThreadToken(GetCurrentThread(), TOKEN_QUERY, TRUE, &hSelf);   /* checked as the process */
# RevertToSelf();
#
# /* The broker (SYSTEM) hands a token to a client process it knows by pid: */
# HANDLE hApp = OpenProcess(PROCESS_DUP_HANDLE, FALSE, appPid);
# HANDLE hInApp;   /* a handle value that is valid in app.exe, not in the broker */
# DuplicateHandle(GetCurrentProcess(), hAliceToken, hApp, &hInApp, 0, FALSE, DUPLICATE_SAME_ACCESS);
# /* ... and tells app.exe the value of hInApp over some channel of its own ... */
#
# /* In app.exe: after ImpersonateLoggedOnUser succeeds, check what you really got: */
# ImpersonateLoggedOnUser(hGiven);
# GetTokenInformation(GetCurrentThreadToken(), TokenImpersonationLevel, &level, sizeof level, &cb);
# if (level < SecurityImpersonation) { /* downgraded: this thread cannot act as the client */ }
# ```

# %% [markdown]
# ## Answers, in plain code
#
# Read these after you have revealed your predictions above.
#
# ### A1 · Opening an object while impersonating at Identification
#
# The calls of section 3 on this notebook's machine; the last line counts the access checks the
# open made.

# %%
# NBVAL_CHECK_OUTPUT
with tl.record(m, "identification open") as trace_ident:
    api.SetThreadToken(None, ident)
    try:
        api.OpenEvent(SYNCHRONIZE, False, "anyone")
    except tl.WinError as err:
        print("OpenEvent:", err.name)
    api.RevertToSelf()
print()
print(trace_ident[1].narration)
print("access checks made:", len(trace_ident[1].checks))

# %% [markdown]
# ### A2 · carol's app impersonates a token someone else logged on
#
# The hand-over of section 5, on this notebook's machine. carol's thread keeps the token in its
# slot for A3.

# %%
# NBVAL_CHECK_OUTPUT
with tl.record(m, "hand-over") as trace_hand:
    _, h_given = hand_over(m)
    print("ImpersonateLoggedOnUser returned", capi.ImpersonateLoggedOnUser(h_given))
    handed_level = capi.GetTokenInformation(capi.GetCurrentThreadToken(), TokenImpersonationLevel)
    print("the thread is at", handed_level.name)
    try:
        capi.OpenEvent(SYNCHRONIZE, False, "anyone")
    except tl.WinError as err:
        handed_open = err.name
        print("OpenEvent(anyone):", handed_open)
print()
print(trace_hand.table())
print()
impersonate_step = next(s for s in trace_hand if s.name == "ImpersonateLoggedOnUser")
print(impersonate_step.narration)

# %% [markdown]
# The narration names the clauses that failed. The slot now holds a **new** token, a
# downgraded copy (tokenlab gives it, like any new object, a descriptor from the thread's
# effective token: carol's), while the broker's token in handle `h_given` keeps its level:

# %%
# NBVAL_CHECK_OUTPUT
snap = trace_hand[-1].snapshot
slot = snap.token(snap.thread(app.main_thread.tid).token)
given = snap.token(slot.duplicated_from)
print(f"in carol's slot: Token#{slot.object_id}  {slot.level:<24} origin: {slot.origin}")
print(f"handed over:     Token#{given.object_id}  {given.level:<24} origin: {given.origin}")

# %% [markdown]
# The object graph after the hand-over (the impersonating thread's slot, and the two tokens):

# %%
SVG(svg(object_graph(snap, trace_hand[impersonate_step.index - 1].snapshot, focus_tid=app.main_thread.tid)))

# %% [markdown]
# Step through it with the player:

# %%
ScenarioPlayer(trace_hand)

# %% [markdown]
# ### A3 · Which `OpenThreadToken` calls succeed at Identification?
#
# The two calls of section 6, made by carol's thread (still in the slot from A2), each with its
# C twin and narration:

# %%
# NBVAL_CHECK_OUTPUT
with tl.record(m, "OpenAsSelf") as trace_self:
    as_self_results = {}
    for as_self in (False, True):
        try:
            h_self = capi.OpenThreadToken(capi.GetCurrentThread(), TOKEN_QUERY, as_self)
            as_self_results[as_self] = "opened"
        except tl.WinError as err:
            as_self_results[as_self] = err.name
    self_user = m.sid_name(capi.GetTokenInformation(h_self, TokenUser).sid)
    capi.RevertToSelf()
for as_self, result in as_self_results.items():
    print(f"OpenThreadToken(..., OpenAsSelf={as_self}): {result}")
print("the handle opened as self names", self_user)
print()
for step in trace_self:
    if step.name == "OpenThreadToken":
        print(step.c_call)
        print(step.narration)
        print()

# %% [markdown]
# ## Checks
#
# The cell below asserts what this notebook taught, against the model. If a change to tokenlab
# breaks one of these facts, the notebook test fails here.

# %%
# NBVAL_CHECK_OUTPUT
def checks():
    E = tl.ErrorCode
    anon, ident_, imp, deleg = (allows[level] for level in LEVELS)
    facts = [
        ("a network logon gives SecurityImpersonation; a primary token has no level",
         api.GetTokenInformation(h_net, TokenImpersonationLevel) == SecurityImpersonation
         and outcome(lambda: api.GetTokenInformation(h_primary, TokenImpersonationLevel)) == "ERROR_INVALID_PARAMETER"),
        ("from a primary token every level can be made",
         [api.GetTokenInformation(h, TokenImpersonationLevel) for h in level_tokens.values()] == list(LEVELS)),
        ("a duplicate cannot be raised above its source, and Identification cannot become primary",
         raise_results == {"network token -> Delegation": "ERROR_BAD_IMPERSONATION_LEVEL",
                           "Identification -> Impersonation": "ERROR_BAD_IMPERSONATION_LEVEL",
                           "Identification -> primary": "ERROR_BAD_IMPERSONATION_LEVEL",
                           "Impersonation -> primary": "ok"}),
        ("at Identification, opening an object fails before any access check",
         trace_ident[1].error_code == E.ERROR_BAD_IMPERSONATION_LEVEL and not trace_ident[1].checks
         and reveal_identification_open() == "ERROR_BAD_IMPERSONATION_LEVEL"),
        ("Anonymous: queryable, but AccessCheck and OpenThreadToken refuse it",
         anon["query TokenUser"] == "TOKENLAB\\alice" and anon["AccessCheck"] == "ERROR_BAD_IMPERSONATION_LEVEL"
         and anon["OpenThreadToken(OpenAsSelf=False)"] == "ERROR_CANT_OPEN_ANONYMOUS"),
        ("Identification: identity and AccessCheck work, acting as the client does not",
         ident_["query TokenUser"] == "TOKENLAB\\alice" and ident_["AccessCheck"] == "granted"
         and ident_["open an object"] == "ERROR_BAD_IMPERSONATION_LEVEL"
         and ident_["become primary"] == "ERROR_BAD_IMPERSONATION_LEVEL"),
        ("Impersonation and Delegation behave alike on one machine, and everything works",
         imp == deleg and set(imp.values()) == {"TOKENLAB\\alice", "granted", "opened"}),
        ("SeImpersonatePrivilege: the service and SYSTEM hold it enabled, carol does not",
         holders == {"svc.exe": "held, enabled", "app.exe": "not held", "broker.exe": "held, enabled"}),
        ("carol may impersonate herself and a user she logged on herself",
         carol_self == SecurityImpersonation and carol_own_logon == SecurityImpersonation),
        ("a handed-over token: the call succeeds, the thread gets an Identification-level copy",
         impersonate_step.ok and handed_level == SecurityIdentification and given.level == "SecurityImpersonation"
         and handed_open == "ERROR_BAD_IMPERSONATION_LEVEL"
         and reveal_hand_over() == "succeeds; the thread is at SecurityIdentification"),
        ("the narration names the rule",
         "holds SeImpersonatePrivilege" in trace_svc[2].narration
         and "no SeImpersonatePrivilege" in impersonate_step.narration
         and "Identification-level copy" in impersonate_step.narration),
        ("at Identification, OpenThreadToken works only with OpenAsSelf=TRUE",
         as_self_results == {False: "ERROR_BAD_IMPERSONATION_LEVEL", True: "opened"}
         and reveal_open_as_self() == "only OpenAsSelf=TRUE"),
    ]
    for message, ok in facts:
        assert ok, message
        print("ok:", message)
    print(f"all {len(facts)} checks passed")


checks()
