# %% [markdown]
# # 03 · Where a new object's security descriptor comes from
#
# Notebook 01 read security descriptors that were already there. This one asks where they
# come from. Every kernel object — an event, a process, a thread, a *token* — receives its
# own descriptor at the moment it is created, and keeps it. (One exception on Windows: for
# types such as events, mutexes and sections the object manager skips the descriptor of an
# *unnamed* object, since nobody can open it by name — only duplicate a handle to it.
# tokenlab does the same: an unnamed event has no descriptor at all, even if one is passed
# in. So this notebook names its events.) The creator can
# pass one in; whatever the creator leaves out is filled in from a token: the **effective
# token** of the creating thread, at that moment.
#
# That one rule explains a surprising amount, including the first of the course's two
# stories (notebook 04). By the end you will be able to:
#
# * say where a new object's owner, primary group and DACL come from, with and without
#   impersonation, and read it off a recorded call's narration;
# * predict who can open an object from the token that was in effect when it was made;
# * read and change a token's **default DACL** (`TokenDefaultDacl`) and watch the next object change;
# * pass an explicit descriptor in `SECURITY_ATTRIBUTES`, and say what a *partial* one leaves
#   to the defaults;
# * explain why the creator's own handle works even when the new DACL lets nobody in;
# * explain why a token duplicated while impersonating is locked against the service itself.
#
# | Windows term | tokenlab name | example |
# | --- | --- | --- |
# | security descriptor | `tl.SecurityDescriptor` | `tl.SecurityDescriptor.from_sddl("D:(A;;GA;;;WD)")` |
# | `SECURITY_ATTRIBUTES` | `SECURITY_ATTRIBUTES` | `SECURITY_ATTRIBUTES(sd, False)` |
# | `CreateEvent`, `OpenEvent` | `api.CreateEvent`, `api.OpenEvent` | `api.CreateEvent(None, True, False, "name")` |
# | `GetSecurityInfo` | `api.GetSecurityInfo` | `api.GetSecurityInfo(h, SE_KERNEL_OBJECT, DACL_SECURITY_INFORMATION)` |
# | effective token | `thread.effective_token`, `GetCurrentThreadEffectiveToken()` | the thread token if impersonating, else the process token |
# | default owner, primary group | `TokenOwner`, `TokenPrimaryGroup` | `api.GetTokenInformation(h, TokenOwner)` |
# | default DACL | `TokenDefaultDacl` | `api.SetTokenInformation(h, TokenDefaultDacl, acl)` |
# | impersonation | `ImpersonateLoggedOnUser`, `RevertToSelf` | `api.ImpersonateLoggedOnUser(h)` |
# | recorded call | `tl.record`, `Step` | `step.narration`, `step.c_call`, `step.checks` |
#
# **How to use this notebook:** run the cells from top to bottom with Shift+Enter. Everything
# is simulated, so change a value and run a cell again to see what moves. The widgets need a
# live kernel (they stay blank in a static view). When a cell asks you to predict, decide on
# your answer *before* you press Reveal; the same calls in plain code wait under *Answers*, near
# the end.

# %%
import tokenlab as tl
from tokenlab.win32 import *
from tokenlab.scenarios import impersonating
from tokenlab.view import descriptor_graph, descriptor_table, object_graph, svg
from tokenlab.ui import Predict, ScenarioPlayer
from IPython.display import SVG, display

# %% [markdown]
# ## 1 · The cast
#
# A fresh machine with one user, **alice**, and a service **svc.exe** running as
# `NT AUTHORITY\NETWORK SERVICE`. The service logs alice on over the network, as a server that
# checks a client's plaintext password does, which gives it a handle to an *impersonation
# token* for her.
#
# Two small helpers keep the printing short: `sddl(sd)` writes a descriptor with the machine's
# domain aliases, and `NAMES` (from a snapshot) lets the tables say `TOKENLAB\alice` instead of
# her bare SID.

# %%
# NBVAL_CHECK_OUTPUT
m = tl.Machine()
alice = m.add_user("alice", password="pw")
svc = m.start_process("svc.exe", user="NETWORK SERVICE")
api = svc.main_thread.api
OGD = OWNER_SECURITY_INFORMATION | GROUP_SECURITY_INFORMATION | DACL_SECURITY_INFORMATION


def sddl(sd):
    return sd.to_sddl(m.domain_sid)


def names():
    return dict(tl.snapshot(m).names)


print("alice is", alice)
print("svc.exe runs as", m.sid_name(svc.token.user), "with primary token Token#%d" % svc.token.object_id)

# %% [markdown]
# ## 2 · The rule, and two events made under it
#
# When a thread creates an object and passes no descriptor (`lpEventAttributes = NULL`), the
# object's descriptor is built from the thread's **effective token**:
#
# * **owner** = the token's *default owner* (`TokenOwner`), usually the user itself;
# * **primary group** = the token's *primary group* (`TokenPrimaryGroup`);
# * **DACL** = the token's **default DACL** (`TokenDefaultDacl`).
#
# The effective token is the thread's impersonation token if the thread is impersonating, and
# the process's primary token otherwise. (Objects that live inside a container, such as files
# in a folder, can also inherit ACEs from it; tokenlab models no containers, so here the
# defaults always apply.)
#
# The service creates one event as itself, then impersonates alice and creates a second one.
# `tl.record` keeps every call.

# %%
# NBVAL_CHECK_OUTPUT
with tl.record(m, "two events") as trace:
    ev_svc = api.CreateEvent(None, True, False, "svc-own")
    h_alice = api.LogonUser("alice", ".", "pw", LOGON32_LOGON_NETWORK, LOGON32_PROVIDER_DEFAULT)
    api.ImpersonateLoggedOnUser(h_alice)
    ev_alice = api.CreateEvent(None, True, False, "alice-made")
    api.RevertToSelf()
print(trace.table())

# %% [markdown]
# Every recorded step carries a **narration**, written by the model from the rule it applied.
# Here is what the two `CreateEvent` calls say — note *whose* default DACL each one names:

# %%
# NBVAL_CHECK_OUTPUT
create_steps = [s for s in trace if s.name == "CreateEvent"]
for step in create_steps:
    print(step.call)
    print("   ", step.narration)
    print()

# %% [markdown]
# Step through the same calls with the player: the object graph after each call, what it
# changed, and its C twin. (A widget: it needs a live kernel.)

# %%
ScenarioPlayer(trace)

# %% [markdown]
# ## 3 · The two descriptors
#
# `GetSecurityInfo` reads a descriptor back through a handle (it needs `READ_CONTROL`, which the
# creator's handle has). Ask for the owner, the group and the DACL:

# %%
# NBVAL_CHECK_OUTPUT
sd_svc = api.GetSecurityInfo(ev_svc, SE_KERNEL_OBJECT, OGD)
sd_alice = api.GetSecurityInfo(ev_alice, SE_KERNEL_OBJECT, OGD)
print("svc-own    ", sddl(sd_svc))
print("alice-made ", sddl(sd_alice))

# %% [markdown]
# Now compare them with the two tokens' defaults. `GetCurrentProcessToken()` is a pseudo-handle
# good for queries; `h_alice` is the handle `LogonUser` returned.
#
# The default DACLs hold **generic** rights (`GA` = `GENERIC_ALL`), because a token does not know
# what kind of object it will be asked to protect. When the descriptor is assigned, the kernel
# maps them with the new object's generic mapping: for an event, `GENERIC_ALL` becomes
# `EVENT_ALL_ACCESS` (`0x1f0003`). Apart from that mapping, each event's descriptor is exactly
# its creator's defaults.

# %%
# NBVAL_CHECK_OUTPUT
def defaults(h):
    owner = api.GetTokenInformation(h, TokenOwner)
    group = api.GetTokenInformation(h, TokenPrimaryGroup)
    dacl = api.GetTokenInformation(h, TokenDefaultDacl)
    return owner, group, dacl


for label, h, sd in (("process token (NETWORK SERVICE)", api.GetCurrentProcessToken(), sd_svc),
                     ("alice's token", h_alice, sd_alice)):
    owner, group, dacl = defaults(h)
    print(label)
    print("  default owner  ", m.sid_name(owner), "| event owner:", m.sid_name(sd.owner))
    print("  primary group  ", m.sid_name(group), "| event group:", m.sid_name(sd.group))
    print("  default DACL   ", sddl(tl.SecurityDescriptor(dacl=dacl)))
    print("  event's DACL   ", sddl(tl.SecurityDescriptor(dacl=sd.dacl)))

# %% [markdown]
# The text twin of the descriptor graph, for the event made while impersonating:

# %%
# NBVAL_CHECK_OUTPUT
print(descriptor_table(sd_alice, domain=m.domain_sid, names=names(), mapping=EVENT_MAPPING))

# %% [markdown]
# And both as pictures (owner, group, DACL, ACEs, SIDs):

# %%
for sd in (sd_svc, sd_alice):
    display(SVG(svg(descriptor_graph(sd, domain=m.domain_sid, names=names(), mapping=EVENT_MAPPING))))

# %% [markdown]
# ## 4 · Predict: can the service reopen its own event?
#
# The service has reverted: it runs as NETWORK SERVICE again. It now calls
# `OpenEvent(SYNCHRONIZE, FALSE, L"alice-made")` — opening by name the event **it created
# itself** a moment ago, while impersonating alice. What happens?
#
# (The widget's Reveal button replays the calls on a fresh machine and reports what the model
# says.)

# %%
def reveal_reopen():
    m2 = tl.Machine()
    m2.add_user("alice", password="pw")
    api2 = m2.start_process("svc.exe", user="NETWORK SERVICE").main_thread.api
    h = api2.LogonUser("alice", ".", "pw", LOGON32_LOGON_NETWORK, LOGON32_PROVIDER_DEFAULT)
    api2.ImpersonateLoggedOnUser(h)
    api2.CreateEvent(None, True, False, "alice-made")
    api2.RevertToSelf()
    try:
        api2.OpenEvent(SYNCHRONIZE, False, "alice-made")
        return "it opens: the service made it"
    except tl.WinError as err:
        return err.name


Predict("svc.exe (NETWORK SERVICE again) opens by name the event it made while impersonating alice. Result?",
        ["it opens: the service made it", "ERROR_ACCESS_DENIED", "ERROR_FILE_NOT_FOUND",
         "ERROR_BAD_IMPERSONATION_LEVEL"],
        reveal_reopen,
        explain="Creating an object gives no right to open it again: an open by name is an access check "
                "against the object's descriptor, and this event's DACL came from alice's default DACL, "
                "which does not name NETWORK SERVICE. "
                "Answers, at the end of this notebook, runs it in plain code (A1).")

# %% [markdown]
# *Pick an answer and press Reveal before you read on.*

# %% [markdown]
# ### Who can open which?
#
# (Reveal the prediction above first: the table answers it.) Four callers try to open each
# event for `SYNCHRONIZE` (what a thread needs to wait on it): the service as itself, the
# service while impersonating alice (the `impersonating` helper from `tokenlab.scenarios` puts
# back whatever was there before), a program alice runs herself, and one bob runs.

# %%
# NBVAL_CHECK_OUTPUT
m.add_user("bob", password="pw")
alice_app = m.start_process("alice.exe", user="alice").main_thread.api
bob_app = m.start_process("bob.exe", user="bob").main_thread.api


def try_open(caller, name):
    try:
        h = caller.OpenEvent(SYNCHRONIZE, False, name)
    except tl.WinError as err:
        return err.name
    caller.CloseHandle(h)
    return "opened"


def svc_as_alice(name):
    with impersonating(api, h_alice):
        return try_open(api, name)


callers = {
    "svc.exe as NETWORK SERVICE": lambda name: try_open(api, name),
    "svc.exe impersonating alice": svc_as_alice,
    "alice.exe (alice's own logon)": lambda name: try_open(alice_app, name),
    "bob.exe": lambda name: try_open(bob_app, name),
}
who_can_open = {(who, ev): f(ev) for who, f in callers.items() for ev in ("svc-own", "alice-made")}
print(f"{'caller':<31} {'svc-own':<21} alice-made")
for who in callers:
    print(f"{who:<31} {who_can_open[who, 'svc-own']:<21} {who_can_open[who, 'alice-made']}")

# %% [markdown]
# Read the table by columns. `svc-own` admits NETWORK SERVICE; `alice-made` admits alice —
# through any of her tokens, because the ACE names her SID, not a particular token. And read
# the second row: while the service impersonates alice, it cannot open its **own** `svc-own`
# event, because every open is checked against the effective token, which is now hers.

# %% [markdown]
# ## 5 · The creator's handle is never checked
#
# The handle that `CreateEvent` returns is not the result of an access check: the creator gets
# the access it asked for (`CreateEvent` asks for `EVENT_ALL_ACCESS`) whatever the new DACL
# says. That is how the service could read `alice-made`'s descriptor in section 3, through
# `ev_alice`, although it may not open the event again.
#
# The handle tables, straight from a snapshot:

# %%
# NBVAL_CHECK_OUTPUT
def handle_rows(image):
    proc = next(p for p in tl.snapshot(m).processes if p.image == image)
    return {h.value: h for h in proc.handles}


svc_handles = handle_rows("svc.exe")
for label, h in (("svc-own", ev_svc), ("alice-made", ev_alice)):
    row = svc_handles[h]
    print(f"handle {h:>2} ({label}): {row.object_type} with {row.granted_names}")

# %% [markdown]
# A handle keeps the access it was opened with, for as long as it stays open: the access check
# happens once, when the handle is made. Closing `ev_alice` would leave the service no way in as
# itself; it would have to impersonate alice again.

# %% [markdown]
# ## 6 · Changing a token's default DACL
#
# The default DACL is part of the token, so it can be read and replaced:
# `GetTokenInformation(h, TokenDefaultDacl)` and `SetTokenInformation(h, TokenDefaultDacl, acl)`.
# Replacing it needs `TOKEN_ADJUST_DEFAULT` on the handle (the handle `LogonUser` returned has
# it: in tokenlab, `TOKEN_ALL_ACCESS`). The change affects objects created **afterwards**; every
# existing object keeps the descriptor it was given.
#
# The service adds itself to alice's default DACL, then creates another event while
# impersonating her.

# %%
# NBVAL_CHECK_OUTPUT
before = api.GetTokenInformation(h_alice, TokenDefaultDacl)
network_service = svc.token.user
with tl.record(m, "default DACL") as trace_dacl:
    api.SetTokenInformation(h_alice, TokenDefaultDacl,
                            before.with_ace(tl.ACE.allow(network_service, GENERIC_ALL)))
    api.ImpersonateLoggedOnUser(h_alice)
    ev_alice2 = api.CreateEvent(None, True, False, "alice-made-2")
    api.RevertToSelf()
after = api.GetTokenInformation(h_alice, TokenDefaultDacl)
print("default DACL before:", sddl(tl.SecurityDescriptor(dacl=before)))
print("default DACL after: ", sddl(tl.SecurityDescriptor(dacl=after)))
print()
print(trace_dacl.table())
print()
print(trace_dacl[2].narration)
print()
print("svc.exe opens alice-made-2:", try_open(api, "alice-made-2"))
print("svc.exe opens alice-made:  ", try_open(api, "alice-made"), "(its descriptor was fixed at creation)")

# %% [markdown]
# The narration names the new DACL's source — still *alice's* default DACL, now with
# NETWORK SERVICE in it. `alice-made`, created before the change, is as closed as before.
#
# This shows the rule; it is not a recommendation. A token's default DACL shapes every object
# made while it is in effect, so editing a client's token to suit one object is a blunt tool.
# The usual way to control one object's descriptor is to pass it explicitly, next.

# %% [markdown]
# ## 7 · An explicit descriptor in `SECURITY_ATTRIBUTES`
#
# `SECURITY_ATTRIBUTES(sd, bInheritHandle)` carries a descriptor the creator chose. The parts it
# contains are **used as given** (generic rights in its ACEs are still mapped to the object's
# specific rights). Build one from SDDL with `tl.SecurityDescriptor.from_sddl` (or `tl.parse_sddl`).
#
# ### Predict: who owns an event made with a DACL-only descriptor?
#
# While impersonating alice, the service creates an event with
# `SECURITY_ATTRIBUTES(SecurityDescriptor.from_sddl("D:(A;;GA;;;WD)"), FALSE)` — a descriptor with
# a DACL (Everyone: all access) and **no owner and no group**. Who owns the new event?

# %%
everyone_dacl = tl.SecurityDescriptor.from_sddl("D:(A;;GA;;;WD)")


def reveal_owner():
    m2 = tl.Machine()
    m2.add_user("alice", password="pw")
    api2 = m2.start_process("svc.exe", user="NETWORK SERVICE").main_thread.api
    h = api2.LogonUser("alice", ".", "pw", LOGON32_LOGON_NETWORK, LOGON32_PROVIDER_DEFAULT)
    api2.ImpersonateLoggedOnUser(h)
    ev = api2.CreateEvent(SECURITY_ATTRIBUTES(everyone_dacl, False), True, False, "open-to-all")
    owner = api2.GetSecurityInfo(ev, SE_KERNEL_OBJECT, OWNER_SECURITY_INFORMATION).owner
    return {
        "TOKENLAB\\alice": "TOKENLAB\\alice (the impersonated user)",
        "NT AUTHORITY\\NETWORK SERVICE": "NT AUTHORITY\\NETWORK SERVICE (the process)",
        "Everyone": "Everyone",
    }.get(m2.sid_name(owner), m2.sid_name(owner))


Predict("A descriptor with only a DACL, passed while impersonating alice: who owns the new event?",
        ["NT AUTHORITY\\NETWORK SERVICE (the process)", "TOKENLAB\\alice (the impersonated user)",
         "Everyone", "nobody: the descriptor had no owner"],
        reveal_owner,
        explain="The parts a descriptor holds are used as given; the owner and group it leaves out are "
                "filled from the effective token, which while impersonating is alice's. "
                "Answers, at the end of this notebook, runs it in plain code (A2).")

# %% [markdown]
# *Pick an answer and press Reveal before you read on.*

# %% [markdown]
# ### A descriptor without a DACL, and an owner that is checked
#
# (Reveal the prediction above first.) It works the other way round too: a descriptor with an
# owner and group but no DACL (`O:NSG:NS`) gets the default DACL. And an explicit owner is
# checked: a token may only name its own user, a group it holds with the *owner* attribute, or
# anyone at all with `SeRestorePrivilege`.

# %%
# NBVAL_CHECK_OUTPUT
ev_og = api.CreateEvent(SECURITY_ATTRIBUTES(tl.SecurityDescriptor.from_sddl("O:NSG:NS"), False),
                        True, False, "og-only")
print("O:NSG:NS ->", sddl(api.GetSecurityInfo(ev_og, SE_KERNEL_OBJECT, OGD)))
try:
    api.CreateEvent(SECURITY_ATTRIBUTES(tl.SecurityDescriptor.from_sddl("O:BAD:(A;;GA;;;WD)"), False),
                    True, False, "bad-owner")
except tl.WinError as err:
    bad_owner = err
    print("O:BA ... ->", err)

# %% [markdown]
# ### An empty DACL: nobody may open it, yet the creator's handle works
#
# An explicit **empty** DACL (`D:`) grants nothing to anyone (notebook 01). Create an event with
# one and compare the creator's handle with what an open by name gets — even the creator's own
# open. Only the owner's implied `READ_CONTROL | WRITE_DAC` survive, which lets the owner read
# and repair the DACL.

# %%
# NBVAL_CHECK_OUTPUT
ev_locked = api.CreateEvent(SECURITY_ATTRIBUTES(tl.SecurityDescriptor.from_sddl("D:"), False),
                            True, False, "locked")
print("descriptor:", sddl(api.GetSecurityInfo(ev_locked, SE_KERNEL_OBJECT, OGD)))
print("creator's handle:", handle_rows("svc.exe")[ev_locked].granted_names)
locked_open = {}
for desired in (SYNCHRONIZE, READ_CONTROL | WRITE_DAC):
    label = "|".join(tl.mask_names(desired, tl.EventAccess))
    try:
        h = api.OpenEvent(desired, False, "locked")
        locked_open[label] = "opened"
        api.CloseHandle(h)
    except tl.WinError as err:
        locked_open[label] = err.name
    print(f"OpenEvent({label}) by the creator: {locked_open[label]}")

# %% [markdown]
# ## 8 · Tokens are objects too
#
# Everything above holds for *any* new object — including a token. `DuplicateToken`, and
# `DuplicateTokenEx` with no descriptor, create a **new token object**, and its descriptor comes
# from the creating thread's effective token at that moment. It is never copied from the source
# token.
#
# So when the service duplicates a client's token *while impersonating that client*, the
# duplicate's DACL is the client's default DACL. Below, the service logs alice on afresh (so her
# default DACL is the original one again) and duplicates her token twice with the same call:
# once as itself, once while impersonating her. Then it impersonates the second duplicate and
# opens its own thread token.

# %%
# NBVAL_CHECK_OUTPUT
with tl.record(m, "a token is an object") as trace_tok:
    h_client = api.LogonUser("alice", ".", "pw", LOGON32_LOGON_NETWORK, LOGON32_PROVIDER_DEFAULT)
    h_dup_svc = api.DuplicateTokenEx(h_client, TOKEN_QUERY | TOKEN_IMPERSONATE | READ_CONTROL, None,
                                     SecurityImpersonation, TokenImpersonation)
    api.ImpersonateLoggedOnUser(h_client)
    h_dup = api.DuplicateTokenEx(h_client, TOKEN_QUERY | TOKEN_IMPERSONATE | READ_CONTROL, None,
                                 SecurityImpersonation, TokenImpersonation)
    api.ImpersonateLoggedOnUser(h_dup)
    try:
        api.OpenThreadToken(api.GetCurrentThread(), TOKEN_QUERY, True)
    except tl.WinError as err:
        pass
    api.RevertToSelf()
print(trace_tok.table())
print()


def admits(h):
    dacl = api.GetSecurityInfo(h, SE_KERNEL_OBJECT, DACL_SECURITY_INFORMATION).dacl
    return [m.sid_name(ace.sid) for ace in dacl]


print("duplicate made as the service admits:      ", ", ".join(admits(h_dup_svc)))
print("duplicate made impersonating alice admits: ", ", ".join(admits(h_dup)))
print()
dup_step = [s for s in trace_tok if s.name == "DuplicateTokenEx"][1]
print(dup_step.narration)

# %% [markdown]
# Same source, same call, different descriptors: the first duplicate admits NETWORK SERVICE, the
# second, made while impersonating alice, admits alice and SYSTEM only. The last call opens the
# thread token with `OpenAsSelf = TRUE`, so the check is made as the *process* — which is how
# tokenlab's model of COM opens a caller's token — and NETWORK SERVICE is refused.
#
# That is the whole of the course's first story, after Raymond Chen's post *"How come a
# duplicated token doesn't behave identically to the original?"* (*The Old New Thing*):
# notebook 04 tells it in full, with COM, and with its fixes.

# %% [markdown]
# ### The same in C
#
# The calls of sections 2, 6 and 7, as you would write them on Windows (`sddl.h`,
# `aclapi.h`; link with `Advapi32.lib`). Error handling is trimmed to the essentials.
#
# ```c
# /* As the service itself: descriptor from the process token's defaults. */
# HANDLE hSvcOwn = CreateEventW(NULL, TRUE, FALSE, L"svc-own");
#
# /* While impersonating alice: descriptor from alice's token's defaults. */
# HANDLE hAlice;
# LogonUserW(L"alice", L".", L"pw", LOGON32_LOGON_NETWORK, LOGON32_PROVIDER_DEFAULT, &hAlice);
# ImpersonateLoggedOnUser(hAlice);
# HANDLE hAliceMade = CreateEventW(NULL, TRUE, FALSE, L"alice-made");
# RevertToSelf();
#
# /* Read the descriptor back through the creator's handle. */
# PSECURITY_DESCRIPTOR pSD = NULL; LPWSTR text = NULL;
# GetSecurityInfo(hAliceMade, SE_KERNEL_OBJECT,
#                 OWNER_SECURITY_INFORMATION | GROUP_SECURITY_INFORMATION | DACL_SECURITY_INFORMATION,
#                 NULL, NULL, NULL, NULL, &pSD);
# ConvertSecurityDescriptorToStringSecurityDescriptorW(pSD, SDDL_REVISION_1,
#     OWNER_SECURITY_INFORMATION | GROUP_SECURITY_INFORMATION | DACL_SECURITY_INFORMATION, &text, NULL);
#
# /* Reopening by name is an access check: ERROR_ACCESS_DENIED for NETWORK SERVICE. */
# HANDLE h = OpenEventW(SYNCHRONIZE, FALSE, L"alice-made");
#
# /* An explicit, partial descriptor: a DACL only; owner and group still defaulted. */
# PSECURITY_DESCRIPTOR pEveryone = NULL;
# ConvertStringSecurityDescriptorToSecurityDescriptorW(L"D:(A;;GA;;;WD)", SDDL_REVISION_1, &pEveryone, NULL);
# SECURITY_ATTRIBUTES sa = { sizeof sa, pEveryone, FALSE };
# HANDLE hOpenToAll = CreateEventW(&sa, TRUE, FALSE, L"open-to-all");
# ```
#
# Reading and replacing the default DACL takes the two-call buffer dance in C:
#
# ```c
# DWORD cb = 0;
# GetTokenInformation(hAlice, TokenDefaultDacl, NULL, 0, &cb);    /* ERROR_INSUFFICIENT_BUFFER, cb set */
# TOKEN_DEFAULT_DACL *old = (TOKEN_DEFAULT_DACL *)LocalAlloc(LPTR, cb);
# GetTokenInformation(hAlice, TokenDefaultDacl, old, cb, &cb);
# /* ... build newAcl: old->DefaultDacl plus an ACE for NETWORK SERVICE (SetEntriesInAcl) ... */
# TOKEN_DEFAULT_DACL tdd = { newAcl };
# SetTokenInformation(hAlice, TokenDefaultDacl, &tdd, sizeof tdd);  /* needs TOKEN_ADJUST_DEFAULT */
# ```
#
# Every recorded step also carries its own C twin, `step.c_call`. Here are those of section 6,
# after the `SetTokenInformation`:

# %%
# NBVAL_CHECK_OUTPUT
for step in list(trace_dacl)[1:]:
    print(step.c_call)

# %% [markdown]
# ## Answers, in plain code
#
# Read these after you have revealed your predictions above.
#
# ### A1 · Can the service reopen the event it made while impersonating?
#
# The open of section 4, on this notebook's machine, recorded; the narration says why:

# %%
# NBVAL_CHECK_OUTPUT
with tl.record(m, "reopen") as reopen:
    try:
        api.OpenEvent(SYNCHRONIZE, False, "alice-made")
    except tl.WinError as err:
        print("OpenEvent:", err.name)
step = reopen[0]
print()
print("Why:", step.narration)

# %% [markdown]
# The step kept the access check it made (`step.checks`); here it is drawn, with the verdict:

# %%
check = step.checks[0]
print(check.what, "| checked as", check.checker, "|", check.why)
SVG(svg(descriptor_graph(check.sd, check.result, domain=m.domain_sid, names=names())))

# %% [markdown]
# ### A2 · Who owns an event made with a DACL-only descriptor?
#
# `passed` is the descriptor given, `assigned` what the event got (its `GA` mapped to
# `EVENT_ALL_ACCESS`); the narration says where the DACL came from.

# %%
# NBVAL_CHECK_OUTPUT
with tl.record(m, "explicit DACL") as trace_explicit:
    with impersonating(api, h_alice):
        ev_all = api.CreateEvent(SECURITY_ATTRIBUTES(everyone_dacl, False), True, False, "open-to-all")
sd_all = api.GetSecurityInfo(ev_all, SE_KERNEL_OBJECT, OGD)
print("passed:  ", sddl(everyone_dacl))
print("assigned:", sddl(sd_all))
print("owner:", m.sid_name(sd_all.owner), "| group:", m.sid_name(sd_all.group))
print()
step = next(s for s in trace_explicit if s.name == "CreateEvent")
print(step.narration)

# %% [markdown]
# ## Checks
#
# The cell below asserts what this notebook taught, against the model. If a change to tokenlab
# breaks one of these facts, the notebook test fails here.

# %%
# NBVAL_CHECK_OUTPUT
def checks():
    E = tl.ErrorCode
    alice_name, ns_name = "TOKENLAB\\alice", "NT AUTHORITY\\NETWORK SERVICE"
    process_owner, process_group, process_dacl = defaults(api.GetCurrentProcessToken())
    facts = [
        ("not impersonating: owner and group are the process token's defaults",
         sd_svc.owner == process_owner and sd_svc.group == process_group),
        ("not impersonating: the DACL is the process token's default DACL, mapped for an event",
         [a.sid for a in sd_svc.dacl] == [a.sid for a in process_dacl]
         and all(a.mask == EVENT_ALL_ACCESS for a in sd_svc.dacl)),
        ("impersonating: the owner is alice and the DACL admits alice and SYSTEM only",
         m.sid_name(sd_alice.owner) == alice_name
         and [m.sid_name(a.sid) for a in sd_alice.dacl] == [alice_name, "NT AUTHORITY\\SYSTEM"]),
        ("the narration names whose default DACL was used",
         f"effective token ({ns_name})" in create_steps[0].narration
         and f"effective token ({alice_name})" in create_steps[1].narration),
        ("the service cannot reopen the event it made while impersonating alice",
         reopen[0].error_code == E.ERROR_ACCESS_DENIED and reveal_reopen() == "ERROR_ACCESS_DENIED"),
        ("alice's own program opens it; bob's does not; the service as alice cannot open svc-own",
         who_can_open["alice.exe (alice's own logon)", "alice-made"] == "opened"
         and who_can_open["bob.exe", "alice-made"] == "ERROR_ACCESS_DENIED"
         and who_can_open["svc.exe impersonating alice", "svc-own"] == "ERROR_ACCESS_DENIED"),
        ("the creator's handles carry EVENT_ALL_ACCESS, whatever the DACL",
         svc_handles[ev_alice].granted == EVENT_ALL_ACCESS
         and handle_rows("svc.exe")[ev_locked].granted == EVENT_ALL_ACCESS),
        ("a changed default DACL shapes the next object only",
         who_can_open["svc.exe as NETWORK SERVICE", "alice-made"] == "ERROR_ACCESS_DENIED"
         and network_service in [a.sid for a in api.GetSecurityInfo(ev_alice2, SE_KERNEL_OBJECT, OGD).dacl]
         and network_service not in [a.sid for a in api.GetSecurityInfo(ev_alice, SE_KERNEL_OBJECT, OGD).dacl]),
        ("a DACL-only explicit descriptor: DACL as given, owner and group from alice's token",
         sddl(sd_all.replace(owner=None, group=None)) == "D:(A;;0x1f0003;;;WD)"
         and m.sid_name(sd_all.owner) == alice_name and reveal_owner().startswith(alice_name)),
        ("an owner the token may not assign is refused with ERROR_INVALID_OWNER",
         bad_owner.winerror == E.ERROR_INVALID_OWNER),
        ("an empty DACL: opens by name are refused except the owner's READ_CONTROL|WRITE_DAC",
         locked_open == {"SYNCHRONIZE": "ERROR_ACCESS_DENIED", "READ_CONTROL|WRITE_DAC": "opened"}),
        ("a token duplicated while impersonating alice gets alice's default DACL, and COM-style "
         "OpenAsSelf=TRUE is refused",
         admits(h_dup) == [alice_name, "NT AUTHORITY\\SYSTEM"] and ns_name in admits(h_dup_svc)
         and next(s for s in trace_tok if s.name == "OpenThreadToken").error_code == E.ERROR_ACCESS_DENIED),
    ]
    for message, ok in facts:
        assert ok, message
        print("ok:", message)
    print(f"all {len(facts)} checks passed")


checks()
