# %% [markdown]
# # 07 · Integrity levels and restricted tokens
#
# The DACL is not the only thing that decides access. Windows has two more ways to make a
# token weaker than its user and groups suggest, and both can only **take access away**,
# never give it:
#
# * **mandatory integrity**: every token has an *integrity level*, every object can carry a
#   *mandatory label*; a token below the object's level is refused the rights the label
#   forbids, before the DACL is even read;
# * **restricted tokens**: `CreateRestrictedToken` can turn groups into *deny-only* groups,
#   and can add a list of *restricting SIDs* that every access must satisfy a second time.
#
# By the end of this notebook you will be able to:
#
# * read a mandatory label in SDDL (`S:(ML;;NW;;;HI)`) and say which level and policy it sets;
# * predict when integrity stops a request before the DACL, and what `NO_WRITE_UP`,
#   `NO_READ_UP` and `NO_EXECUTE_UP` leave open to a lower level;
# * say how integrity treats an object that carries no label;
# * make a deny-only group with `CreateRestrictedToken` and say which ACEs it still matches;
# * follow the two-pass access check of a token with restricting SIDs;
# * predict what `CheckTokenMembership` says for deny-only and restricted tokens;
# * name what tokenlab leaves out here (`LUA_TOKEN`, `WRITE_RESTRICTED`) and where UAC's split
#   token is (`LogonUser`, `TokenLinkedToken`).
#
# | Windows term | tokenlab name | example |
# | --- | --- | --- |
# | integrity level (a SID `S-1-16-…`) | `Token(..., integrity_level=...)`, `token.integrity_name` | `tl.Token(user, groups, integrity_level="S-1-16-4096")` |
# | mandatory label (`SYSTEM_MANDATORY_LABEL_ACE`, in the SACL) | `tl.ACE.label(level, policy)`, `sd.label` | `parse_sddl("O:BAG:BAD:(A;;FA;;;WD)S:(ML;;NW;;;HI)").label` |
# | `SYSTEM_MANDATORY_LABEL_NO_WRITE_UP`, `_NO_READ_UP`, `_NO_EXECUTE_UP` | SDDL `NW`, `NR`, `NX` | `S:(ML;;NWNR;;;HI)` |
# | `TOKEN_MANDATORY_POLICY_NO_WRITE_UP` | `token.mandatory_policy` | on in every ordinary token (Windows usually adds `NEW_PROCESS_MIN`, which affects process creation and is not modelled) |
# | `SE_GROUP_USE_FOR_DENY_ONLY` (deny-only group) | `tl.GroupAttributes.SE_GROUP_USE_FOR_DENY_ONLY` | `tl.SidAndAttributes(sid, tl.GroupAttributes.SE_GROUP_USE_FOR_DENY_ONLY)` |
# | restricting SIDs (`TokenRestrictedSids`) | `token.restricted_sids`, `token.is_restricted` | `tl.Token(user, groups, restricted_sids=[users])` |
# | `CreateRestrictedToken` | `api.CreateRestrictedToken` | `api.CreateRestrictedToken(h, 0, [staff], [], [])` |
# | `CheckTokenMembership` | `api.CheckTokenMembership` | `api.CheckTokenMembership(h, staff)` |
# | `AccessCheck` | `tl.access_check`, `api.AccessCheck` | `tl.access_check(sd, token, FILE_WRITE_DATA, FILE_MAPPING)` |
#
# **How to use this notebook:** run the cells from top to bottom with Shift+Enter. Everything
# is simulated, so change any value and run the cell again. The widgets (the predictions, the
# explorer, the inspector) need a live kernel: they do nothing in a static page. When a cell
# asks you to predict, decide on your answer *before* you press Reveal; the same checks in plain
# code wait under *Answers*, near the end.

# %%
import tokenlab as tl
from tokenlab.win32 import *
from tokenlab.security.rights import EventAccess, FileAccess, format_mask
from tokenlab.security.descriptor import format_sddl, parse_sddl
from tokenlab.security.tokenattrs import TokenType
from tokenlab.view import descriptor_graph, descriptor_table, group_state, token_table, svg
from tokenlab.ui import AccessCheckExplorer, Predict, TokenInspector
from IPython.display import SVG, display

# %% [markdown]
# ## 1 · Integrity levels
#
# An **integrity level** is a SID with authority 16 (*Mandatory Label*); its RID is the level.
# Windows gives ordinary user programs **Medium**, programs run elevated by an administrator
# **High**, services and the kernel's own processes **System**, and sandboxed programs
# (a browser's renderer, for example) **Low** or even **Untrusted**. A higher RID is a higher
# level; the names are only labels for the numbers.

# %%
# NBVAL_CHECK_OUTPUT
for rid in (0, 4096, 8192, 8448, 12288, 16384):
    level = tl.SID(f"S-1-16-{rid}")
    print(f"{level.text:<13} {level.alias or '-':<3} {level.name}")

# %% [markdown]
# We need a user and a token for her. `alice` is a local user; the token below is built by hand
# with her SID and three of the groups an ordinary logon gives (Everyone, Users, Authenticated
# Users). `tl.Token(...)` is Medium unless told otherwise; `low` is the same identity at Low.

# %%
# NBVAL_CHECK_OUTPUT
m = tl.Machine()
alice = m.add_user("alice", password="pw")
everyone, users, authenticated = tl.SID("S-1-1-0"), tl.SID("S-1-5-32-545"), tl.SID("S-1-5-11")
NAMES = {alice: "TOKENLAB\\alice"}

medium = tl.Token(alice, [everyone, users, authenticated])
low = tl.Token(alice, [everyone, users, authenticated], integrity_level="S-1-16-4096")
high = tl.Token(alice, [everyone, users, authenticated], integrity_level="S-1-16-12288")
for name, token in (("medium", medium), ("low", low), ("high", high)):
    print(f"{name:<6} {token.integrity_level}  {token.integrity_name:<7} policy {token.mandatory_policy.name}")

# %% [markdown]
# The last column is the token's **mandatory policy**. `TOKEN_MANDATORY_POLICY_NO_WRITE_UP` is
# set in every ordinary token (Windows normally also sets `NEW_PROCESS_MIN`, which only matters
# when starting processes; tokenlab leaves it out). A token without `NO_WRITE_UP` is not subject
# to the integrity check.

# %% [markdown]
# ## 2 · The mandatory label
#
# An object's integrity level is written in its **SACL** as a *mandatory label* ACE. In SDDL it
# is the `ML` ACE type: `S:(ML;;NW;;;HI)` reads "label: **H**igh **I**ntegrity, policy
# **N**o **W**rite up". The "rights" field of a label ACE is not rights at all but the
# **policy**, up to three bits:
#
# * `NW` — `SYSTEM_MANDATORY_LABEL_NO_WRITE_UP`: a lower level may not write;
# * `NR` — `SYSTEM_MANDATORY_LABEL_NO_READ_UP`: a lower level may not read;
# * `NX` — `SYSTEM_MANDATORY_LABEL_NO_EXECUTE_UP`: a lower level may not execute.
#
# Here is a file whose DACL lets Everyone do anything, labelled High with `NO_WRITE_UP`:

# %%
# NBVAL_CHECK_OUTPUT
high_file = parse_sddl("O:BAG:BAD:(A;;FA;;;WD)S:(ML;;NW;;;HI)")
print(format_sddl(high_file))
print("label:", repr(high_file.label))
print(descriptor_table(high_file, mapping=FILE_MAPPING))

# %% [markdown]
# ## 3 · No write up: stopped before the DACL
#
# When the token's level is *below* the object's, the access check first works out a
# **ceiling**: only the object type's generic read, write or execute rights that the label's
# policy leaves open. Anything requested beyond it is refused on the spot — the DACL is never
# read. When the token's level is equal or higher, integrity restricts nothing.
#
# alice's Medium token asks to write the High file, then to read it:

# %%
# NBVAL_CHECK_OUTPUT
write_up = tl.access_check(high_file, medium, FileAccess.FILE_WRITE_DATA, FILE_MAPPING)
read_up = tl.access_check(high_file, medium, FileAccess.FILE_READ_DATA, FILE_MAPPING)
print("write:", write_up.status.name)
print(write_up)
print("ACEs read:", write_up.table())
print()
print("read:", read_up.status.name)
print(read_up.table())

# %% [markdown]
# The write never reached ACE 0, although ACE 0 grants Everyone `FILE_ALL_ACCESS`: the table of
# ACEs read is empty. The read went through, because `NO_WRITE_UP` leaves reading open; the DACL
# then decided it as usual.
#
# In the descriptor graph the *Mandatory integrity* box is red and the ACE is dotted
# (never reached):

# %%
SVG(svg(descriptor_graph(high_file, write_up)))

# %% [markdown]
# The same token at High is not below the label, so the DACL decides:

# %%
# NBVAL_CHECK_OUTPUT
print(tl.access_check(high_file, high, FileAccess.FILE_WRITE_DATA, FILE_MAPPING))

# %% [markdown]
# ## 4 · Predict: a Low token and an unlabelled file
#
# A sandboxed program runs as alice at **Low** integrity. It asks for `FILE_WRITE_DATA` on a
# file with **no label** whose DACL grants **Everyone** full control:
# `O:BAG:BAD:(A;;FA;;;WD)`. Granted or denied? Pick an answer and press Reveal (the reveal runs
# the access check).

# %%
unlabelled_file = parse_sddl("O:BAG:BAD:(A;;FA;;;WD)")


def low_writes_unlabelled():
    r = tl.access_check(unlabelled_file, low, FileAccess.FILE_WRITE_DATA, FILE_MAPPING)
    return ("granted" if r.allowed else "denied"), str(r)


Predict("Low-integrity alice asks to write a file with no label whose DACL gives Everyone full control.",
        ["granted", "denied"], low_writes_unlabelled,
        explain="An object without a label (most files on a disk have none) counts as Medium with "
                "NO_WRITE_UP; Low is below Medium, so the ceiling is the file's generic read and execute "
                "rights, and the write is refused before the DACL is read, while a read goes on to the DACL. "
                "That is the point of a Low sandbox: it can read its user's unlabelled files but not change "
                "them. Answers, at the end of this notebook, runs it in plain code (A1).")

# %% [markdown]
# *Pick an answer and press Reveal before you read on.*

# %% [markdown]
# ## 5 · The three policies, and `MAXIMUM_ALLOWED`
#
# `NO_READ_UP` and `NO_EXECUTE_UP` close the other two doors. Windows labels **process**
# objects with `NO_READ_UP` as well as `NO_WRITE_UP`, which is one reason a Medium program
# cannot read the memory of an elevated one. The grid below asks, for each label at High,
# whether the Medium token may read, write or execute:

# %%
# NBVAL_CHECK_OUTPUT
requests = {"read": FileAccess.FILE_READ_DATA, "write": FileAccess.FILE_WRITE_DATA, "execute": FileAccess.FILE_EXECUTE}
policy_grid = {}
print(f"{'label':<22}" + "".join(f"{k:<10}" for k in requests))
for policy in ("NW", "NWNR", "NWNRNX", "NR"):
    sd = parse_sddl(f"O:BAG:BAD:(A;;FA;;;WD)S:(ML;;{policy};;;HI)")
    row = {k: tl.access_check(sd, medium, want, FILE_MAPPING).allowed for k, want in requests.items()}
    policy_grid[policy] = row
    print(f"S:(ML;;{policy};;;HI)".ljust(22) + "".join(f"{'yes' if ok else 'no':<10}" for ok in row.values()))

# %% [markdown]
# (A label with `NR` but not `NW` is legal, though unusual: it lets a lower level write but
# not read.)
#
# `MAXIMUM_ALLOWED` asks for "everything I can get". Integrity does not refuse it outright; it
# cuts the answer down to the ceiling after the DACL walk. The Low token on the unlabelled file
# of section 4 (reveal that prediction first) is granted Everyone's full control *minus*
# everything that writes:

# %%
# NBVAL_CHECK_OUTPUT
most = tl.access_check(unlabelled_file, low, MAXIMUM_ALLOWED, FILE_MAPPING)
print(repr(most))
print("the ceiling is FILE_GENERIC_READ|FILE_GENERIC_EXECUTE:",
      most.granted == FileAccess.FILE_GENERIC_READ | FileAccess.FILE_GENERIC_EXECUTE)

# %% [markdown]
# ## 6 · Where labels come from: a Low process on the machine
#
# On the simulated machine, objects get a label the way Windows gives them one: a process
# **below Medium** that creates an object without a label of its own gives it the creator's
# level and `NO_WRITE_UP`; at Medium or above no label is added (Microsoft's *Mandatory
# Integrity Control* page; tokenlab models this rule for the objects it has — Windows also
# labels every process and thread, which tokenlab does not show).
#
# On Windows you would make a Low process by duplicating your token, lowering its level with
# `SetTokenInformation(TokenIntegrityLevel)` and starting the program with
# `CreateProcessAsUser`. tokenlab has neither of those two calls, so we build the Low primary
# token by hand from alice's and let the machine start `sandbox.exe` with it.

# %%
# NBVAL_CHECK_OUTPUT
app = m.start_process("app.exe", user="alice")                 # alice at Medium
t = app.token
low_primary = tl.Token(t.user, t.groups, dict(t.privileges), owner=t.owner, primary_group=t.primary_group,
                       default_dacl=t.default_dacl, token_type=TokenType.TokenPrimary,
                       integrity_level="S-1-16-4096", authentication_id=t.authentication_id)
sandbox = m.start_process("sandbox.exe", token=low_primary)    # alice at Low
api, low_api = app.main_thread.api, sandbox.main_thread.api

with tl.record(m, "a Low process and a Medium one") as label_trace:
    medium_event = api.CreateEvent(None, True, False, "AppReady")
    low_event = low_api.CreateEvent(None, True, False, "SandboxReady")
    label_sd = low_api.GetSecurityInfo(low_event, SE_KERNEL_OBJECT, LABEL_SECURITY_INFORMATION)
    try:
        low_api.OpenEvent(EVENT_MODIFY_STATE, False, "AppReady")          # signal the Medium event
    except tl.WinError:
        pass                                                             # recorded in the trace
    low_api.OpenEvent(SYNCHRONIZE, False, "AppReady")                     # wait on it
    api.OpenEvent(EVENT_MODIFY_STATE, False, "SandboxReady")              # Medium signals Low's event
print(label_trace.table())
print()
print("the Low process's event is labelled:", format_sddl(label_sd))

# %% [markdown]
# The Low process may wait on the Medium process's event (`SYNCHRONIZE` is an execute right
# for events) but not signal it (`EVENT_MODIFY_STATE` is a write right). The Medium process
# may signal the Low one's event: writing *down* is never limited by integrity. The failed
# call's recorded access check says why:

# %%
# NBVAL_CHECK_OUTPUT
refused = label_trace[3]
print(refused.call, "->", refused.error)
print(refused.checks[0].narrative)

# %% [markdown]
# ### The same in C
#
# Each recorded step carries its C twin (`step.c_call`):

# %%
# NBVAL_CHECK_OUTPUT
for step in label_trace:
    print(step.c_call)

# %% [markdown]
# and this is how a program on Windows makes the Low token in the first place (the two calls
# tokenlab does not have):
#
# ```c
# HANDLE hToken, hLow;
# OpenProcessToken(GetCurrentProcess(), TOKEN_DUPLICATE | TOKEN_QUERY | TOKEN_ADJUST_DEFAULT
#                  | TOKEN_ASSIGN_PRIMARY, &hToken);
# DuplicateTokenEx(hToken, 0, NULL, SecurityImpersonation, TokenPrimary, &hLow);
#
# PSID lowSid = NULL;
# ConvertStringSidToSidW(L"S-1-16-4096", &lowSid);              /* Low Mandatory Level */
# TOKEN_MANDATORY_LABEL tml = { { lowSid, SE_GROUP_INTEGRITY } };
# SetTokenInformation(hLow, TokenIntegrityLevel, &tml, sizeof tml + GetLengthSid(lowSid));
#
# STARTUPINFOW si = { sizeof si }; PROCESS_INFORMATION pi;
# CreateProcessAsUserW(hLow, L"C:\\sandbox.exe", NULL, NULL, NULL, FALSE, 0, NULL, NULL, &si, &pi);
# ```

# %% [markdown]
# ## 7 · Deny-only groups, made by `CreateRestrictedToken`
#
# Notebook 01 built a deny-only group by hand. A program makes one with
# **`CreateRestrictedToken`**: every SID in its `SidsToDisable` list becomes
# `SE_GROUP_USE_FOR_DENY_ONLY` in the new token. A deny-only group **still matches deny ACEs**
# but **never matches allow ACEs** — so it can only ever take access away. (A group that is
# simply *disabled* matches nothing at all; a deny-only one keeps its deny side so that
# removing it can never *gain* access a deny ACE was meant to stop.)
#
# alice is in a local group *Staff*. Two shares:
#
# * `staff_share` lets Staff change everything, and Users only read;
# * `no_staff_writes` lets Users do anything, but denies Staff writing.

# %%
# NBVAL_CHECK_OUTPUT
staff = m.add_group("Staff", members=["alice"])
NAMES[staff] = "TOKENLAB\\Staff"
staff_share = parse_sddl(f"O:BAG:BAD:(A;;FA;;;{staff})(A;;FR;;;BU)")
no_staff_writes = parse_sddl(f"O:BAG:BAD:(D;;FW;;;{staff})(A;;FA;;;BU)")

# alice logs on again so her new token holds Staff.
worker = m.start_process("worker.exe", user="alice")
wapi = worker.main_thread.api
with tl.record(m, "deny-only Staff") as deny_trace:
    h = wapi.OpenProcessToken(wapi.GetCurrentProcess(), TOKEN_ALL_ACCESS)
    h_deny = wapi.CreateRestrictedToken(h, 0, [staff], [], [])    # SidsToDisable = [Staff]
    i_plain = wapi.DuplicateToken(h, SecurityImpersonation)       # AccessCheck wants impersonation tokens
    i_deny = wapi.DuplicateToken(h_deny, SecurityImpersonation)
    deny_only_results = {}
    for sd_name, sd in (("staff_share", staff_share), ("no_staff_writes", no_staff_writes)):
        for token_name, ht in (("plain", i_plain), ("deny-only", i_deny)):
            deny_only_results[sd_name, token_name] = wapi.AccessCheck(sd, ht, FileAccess.FILE_WRITE_DATA, FILE_MAPPING)
for step in deny_trace:
    if step.name != "AccessCheck":          # the AccessCheck lines print the whole mapping; see below
        print(f"{step.index:>2}  {step.call}  -> {step.result}")
print()
for (sd_name, token_name), (granted, status) in deny_only_results.items():
    print(f"{sd_name:<16} {token_name:<10} FILE_WRITE_DATA -> {'granted' if status else 'denied'}")

# %% [markdown]
# (The trace's `AccessCheck` lines spell out the whole generic mapping, so they are left out
# above; the C section below shows an `AccessCheck` call written by hand.)
#
# `staff_share` stops working for the **deny-only** token: Staff was the only group an allow ACE
# gave write to, and a deny-only group never matches an allow ACE. `no_staff_writes` refuses
# both tokens: the deny ACE still sees Staff. Here is the token's Staff entry, then the walk:

# %%
# NBVAL_CHECK_OUTPUT
def token_of(process, handle):
    """The Token object behind a handle (tokenlab lets you look into the kernel)."""
    return process.handles.get(handle).obj


deny_token = token_of(worker, i_deny)
print(deny_token.find(staff))
print("deny-only:", deny_token.find(staff).deny_only)
print()
print(tl.access_check(staff_share, deny_token, FileAccess.FILE_WRITE_DATA, FILE_MAPPING).table())
print()
print(tl.access_check(no_staff_writes, deny_token, FileAccess.FILE_WRITE_DATA, FILE_MAPPING).table())

# %% [markdown]
# The same group by hand: a `tl.SidAndAttributes` with `SE_GROUP_USE_FOR_DENY_ONLY` in a
# token you build yourself gives the same answers.

# %%
# NBVAL_CHECK_OUTPUT
hand_deny = tl.Token(alice, [everyone, users, tl.SidAndAttributes(staff, tl.GroupAttributes.SE_GROUP_USE_FOR_DENY_ONLY)])
for sd_name, sd in (("staff_share", staff_share), ("no_staff_writes", no_staff_writes)):
    r = tl.access_check(sd, hand_deny, FileAccess.FILE_WRITE_DATA, FILE_MAPPING)
    same = r.allowed == deny_only_results[sd_name, "deny-only"][1]
    print(f"{sd_name:<16} {r.status.name:<20} same as CreateRestrictedToken's: {same}")

# %% [markdown]
# ## 8 · Restricting SIDs: the access check runs twice
#
# The last argument of `CreateRestrictedToken`, `SidsToRestrict`, gives the new token a list of
# **restricting SIDs**. From then on every access check is made **twice**: once as usual with
# the user and enabled groups, and once with *only* the restricting SIDs. Access is granted
# only if **both passes** grant every requested right.
#
# A restricting SID need not be in the token at all. Windows even has a well-known SID for the
# purpose, `NT AUTHORITY\RESTRICTED` (`S-1-5-12`, SDDL `RC`), which an object's DACL can name to
# admit restricted code on purpose.
#
# alice makes a helper token restricted to **Everyone** and **Users**: the helper should reach
# only what every user of the machine may. Her own report allows her everything and Users
# reading:

# %%
# NBVAL_CHECK_OUTPUT
report = parse_sddl(f"O:{alice}G:BAD:(A;;FA;;;{alice})(A;;FR;;;BU)")
with tl.record(m, "restricting SIDs") as restrict_trace:
    h_restricted = wapi.CreateRestrictedToken(h, 0, [], [], [everyone, users])    # SidsToRestrict
    i_restricted = wapi.DuplicateToken(h_restricted, SecurityImpersonation)
restricted_token = token_of(worker, i_restricted)
print(restrict_trace.table())
print("restricting SIDs:", [str(s.sid) for s in restricted_token.restricted_sids])
print("is_restricted:", restricted_token.is_restricted,
      "| TokenHasRestrictions:", wapi.GetTokenInformation(i_restricted, TokenHasRestrictions))

# %% [markdown]
# ## 9 · Predict: alice's restricted token and her own file
#
# The helper token asks for `FILE_WRITE_DATA` on alice's report,
# `D:(A;;FA;;;alice)(A;;FR;;;BU)`. The first pass obviously grants it: alice is the token's
# user. Granted or denied?

# %%
def restricted_writes_report():
    r = tl.access_check(report, restricted_token, FileAccess.FILE_WRITE_DATA, FILE_MAPPING)
    return ("granted" if r.allowed else "denied"), str(r)


Predict("alice's token restricted to Everyone and Users asks to write her own report.",
        ["granted", "denied"], restricted_writes_report,
        explain="In the normal pass ACE 0 matches alice and grants the write. In the restricted pass only "
                "Everyone and Users count: ACE 0 names alice, who is not a restricting SID, and ACE 1 gives "
                "Users reading only, so the write is denied; restricting SIDs never add access, they are a "
                "second gate. Answers, at the end of this notebook, runs it in plain code (A2).")

# %% [markdown]
# *Pick an answer and press Reveal before you read on.*

# %% [markdown]
# ## 10 · `CheckTokenMembership` with deny-only and restricted tokens
#
# `CheckTokenMembership(token, sid)` answers "would this SID count for this token?". Microsoft's
# documentation says it is TRUE only if the SID is present **and enabled**, so a deny-only
# group answers FALSE; and for a restricted token the SID must **also** be among the
# restricting SIDs. It wants an impersonation token (or NULL, for the calling thread's).

# %%
# NBVAL_CHECK_OUTPUT
membership = {}
print(f"{'SID':<17}" + "".join(f"{n:<12}" for n in ("plain", "deny-only", "restricted")))
for sid_name, sid in (("alice (user)", alice), ("Staff", staff), ("Users", users)):
    row = [wapi.CheckTokenMembership(ht, sid) for ht in (i_plain, i_deny, i_restricted)]
    membership[sid_name] = row
    print(f"{sid_name:<17}" + "".join(f"{str(v):<12}" for v in row))

# %% [markdown]
# ### Predict: is alice a member of alice?
#
# In the table above, one answer may look wrong: the restricted token says FALSE for its own
# user. Before reading on, predict the same question for a token restricted to **alice and
# Users** instead.

# %%
def restricted_to_alice_is_alice():
    # A fresh machine of its own, so revealing changes nothing in this notebook's machine.
    m2 = tl.Machine()
    a2 = m2.add_user("alice", password="pw")
    api2 = m2.start_process("worker.exe", user="alice").main_thread.api
    h2 = api2.OpenProcessToken(api2.GetCurrentProcess(), TOKEN_ALL_ACCESS)
    r2 = api2.CreateRestrictedToken(h2, 0, [], [], [a2, tl.SID("S-1-5-32-545")])
    i2 = api2.DuplicateToken(r2, SecurityImpersonation)
    return "TRUE" if api2.CheckTokenMembership(i2, a2) else "FALSE"


Predict("CheckTokenMembership(token restricted to [alice, Users], alice) returns…",
        ["TRUE", "FALSE"], restricted_to_alice_is_alice,
        explain="CheckTokenMembership answers the way the two passes of an access check would: with alice "
                "among the restricting SIDs both can match her, so she is a member again, and the second "
                "pass now finds ACE 0 of her report for her too. "
                "Answers, at the end of this notebook, runs it in plain code (A3).")

# %% [markdown]
# *Pick an answer and press Reveal before you read on.*

# %% [markdown]
# ## 11 · Try it: the access-check explorer
#
# The explorer below starts with alice's Medium token and the High-labelled file of section 2.
# Change the label (`HI` → `ME`, `NW` → `NWNR`), pick other rights, or choose *build one* to make
# a token at another integrity level, and watch the verdict. (The DACL uses `FA`, the file's
# specific rights: `AccessCheck` does not map generic bits such as `GA` inside ACEs, so an ACE
# holding `GA` would match no mapped request.)

# %%
AccessCheckExplorer(medium, "O:BAG:BAD:(A;;FA;;;WD)S:(ML;;NW;;;HI)", FILE_MAPPING)

# %% [markdown]
# And the restricted token of section 8 in the token inspector: the overview draws the
# restricting SIDs apart from the groups; the *statistics* tab counts them.

# %%
TokenInspector(restricted_token, machine=m)

# %% [markdown]
# Its text twin lists the same fields:

# %%
# NBVAL_CHECK_OUTPUT
print(token_table(restricted_token, machine=m))

# %% [markdown]
# ### The C of sections 7–10
#
# The calls, as a program on Windows would make them:

# %%
# NBVAL_CHECK_OUTPUT
for step in list(deny_trace)[:4] + list(restrict_trace):
    print(step.c_call)

# %% [markdown]
# In C, `SidsToDisable` and `SidsToRestrict` are arrays of `SID_AND_ATTRIBUTES`, each passed
# after its count (tokenlab's facade takes Python lists and drops the counts). The check and the
# membership test:
#
# ```c
# GENERIC_MAPPING mapping = { FILE_GENERIC_READ, FILE_GENERIC_WRITE, FILE_GENERIC_EXECUTE, FILE_ALL_ACCESS };
# PRIVILEGE_SET privileges; DWORD cbPrivileges = sizeof privileges;
# DWORD granted = 0; BOOL status = FALSE, isMember = FALSE;
# AccessCheck(pReportSD, hImpersonation, FILE_WRITE_DATA, &mapping,
#             &privileges, &cbPrivileges, &granted, &status);   /* status FALSE: ERROR_ACCESS_DENIED */
# CheckTokenMembership(hImpersonation, pAliceSid, &isMember);
# ```

# %% [markdown]
# ## 12 · What tokenlab does not model here
#
# * **`LUA_TOKEN` and `WRITE_RESTRICTED`** flags of `CreateRestrictedToken`. A write-restricted
#   token uses its restricting SIDs only for *write* access; tokenlab refuses to pretend and
#   raises `tl.NotModelledError` instead (the next cell prints it).
# * **UAC's split token.** On Windows an administrator's interactive logon gets two linked
#   tokens: a *filtered* one at Medium integrity, with Administrators deny-only and most
#   privileges removed, used by default, and the full *elevated* one at High. tokenlab's
#   `LogonUser(..., LOGON32_LOGON_INTERACTIVE, ...)` makes both and
#   `GetTokenInformation(h, TokenLinkedToken)` gives the other half; `m.start_process` gives an
#   administrator the elevated token alone, as below, unless you pass `uac=True`.
# * AppContainer tokens, capabilities, process trust labels and write-restricted checks are
#   not part of `tl.access_check` either (its docstring lists them).

# %%
# NBVAL_CHECK_OUTPUT
try:
    wapi.CreateRestrictedToken(h, WRITE_RESTRICTED, [], [], [everyone])
except tl.NotModelledError as err:
    print(f"{type(err).__name__}: {err}")

# %%
# NBVAL_CHECK_OUTPUT
for flag_name, flag in (("LUA_TOKEN", LUA_TOKEN), ("WRITE_RESTRICTED", WRITE_RESTRICTED)):
    try:
        wapi.CreateRestrictedToken(h, flag, [], [], [everyone])
    except tl.NotModelledError as err:
        print(f"{flag_name} (0x{flag:X}): {type(err).__name__}: {err}")

root = m.add_user("root", password="pw", groups=["Administrators"])
admin_app = m.start_process("admin.exe", user="root")
admins = admin_app.token.find(tl.SID("S-1-5-32-544"))
print("an administrator's process token:", admin_app.token.integrity_name, "integrity, elevated:",
      admin_app.token.elevated, "| Administrators:", group_state(admins.attributes)[1])

# %% [markdown]
# ## Answers, in plain code
#
# Read these after you have revealed your predictions above.
#
# ### A1 · A Low token writes an unlabelled file
#
# The write of section 4 and, for comparison, a read of the same file:

# %%
# NBVAL_CHECK_OUTPUT
low_write = tl.access_check(unlabelled_file, low, FileAccess.FILE_WRITE_DATA, FILE_MAPPING)
low_read = tl.access_check(unlabelled_file, low, FileAccess.FILE_READ_DATA, FILE_MAPPING)
print("write:", "granted" if low_write.allowed else "denied", f"({low_write.status.name})")
print("read: ", "granted" if low_read.allowed else "denied", f"({low_read.status.name})")
print()
print(low_write)

# %% [markdown]
# ### A2 · alice's restricted token writes her own report
#
# The write of section 9 and a read; the `pass` column of each table shows both walks. Reading
# passes both, once through alice and once through Users.

# %%
# NBVAL_CHECK_OUTPUT
two_pass_write = tl.access_check(report, restricted_token, FileAccess.FILE_WRITE_DATA, FILE_MAPPING)
two_pass_read = tl.access_check(report, restricted_token, FileAccess.FILE_READ_DATA, FILE_MAPPING)
print("write:", "granted" if two_pass_write.allowed else "denied", f"({two_pass_write.status.name})")
print(two_pass_write.table())
print()
print("read: ", "granted" if two_pass_read.allowed else "denied", f"({two_pass_read.status.name})")
print(two_pass_read.table())

# %% [markdown]
# The descriptor graph of the read notes in the DACL box that it was *walked twice*, and labels
# the edges the restricted pass contributed:

# %%
SVG(svg(descriptor_graph(report, two_pass_read, domain=m.domain_sid, names=NAMES)))

# %%
# NBVAL_CHECK_OUTPUT
print(descriptor_table(report, two_pass_read, domain=m.domain_sid, names=NAMES))
print()
print("DOT mentions the second walk:", "walked twice" in descriptor_graph(report, two_pass_read).source)

# %% [markdown]
# ### A3 · Is alice a member of alice, restricted to [alice, Users]?
#
# The question put to both restricted tokens, then A2's write checked again with the token
# restricted to [alice, Users]:

# %%
# NBVAL_CHECK_OUTPUT
h_alice_users = wapi.CreateRestrictedToken(h, 0, [], [], [alice, users])
i_alice_users = wapi.DuplicateToken(h_alice_users, SecurityImpersonation)
print("restricted to [Everyone, Users]: CheckTokenMembership(alice) =", wapi.CheckTokenMembership(i_restricted, alice))
print("restricted to [alice, Users]:    CheckTokenMembership(alice) =", wapi.CheckTokenMembership(i_alice_users, alice))
granted, status = wapi.AccessCheck(report, i_alice_users, FileAccess.FILE_WRITE_DATA, FILE_MAPPING)
print("restricted to [alice, Users]:    AccessCheck(write her report) ->", status, format_mask(granted, FileAccess))

# %% [markdown]
# ## Checks
#
# The cell below asserts what this notebook taught, one line per fact.

# %%
# NBVAL_CHECK_OUTPUT
def checks():
    E = tl.ErrorCode
    facts = []

    def check(ok, message):
        assert ok, message
        facts.append(message)
        print("ok:", message)

    check(tl.SID("S-1-16-4096").alias == "LW" and tl.SID("S-1-16-12288").alias == "HI",
          "integrity levels are S-1-16-<RID> SIDs with SDDL aliases LW, ME, HI, SI")
    check(high_file.label.sid == tl.SID("S-1-16-12288") and high_file.label.mask == 0x1,
          "S:(ML;;NW;;;HI) is a High label with NO_WRITE_UP")
    check(write_up.status == E.ERROR_ACCESS_DENIED and write_up.table() == "(no ACE was evaluated)",
          "Medium writing up to High is denied before any ACE is read")
    check(read_up.allowed, "NO_WRITE_UP leaves reading up open; the DACL decides it")
    check(tl.access_check(high_file, high, FileAccess.FILE_WRITE_DATA, FILE_MAPPING).allowed,
          "a token at the object's level is not limited by integrity")
    check(not low_write.allowed and low_read.allowed,
          "an unlabelled object counts as Medium: Low may read it but not write it")
    check(policy_grid["NWNR"] == {"read": False, "write": False, "execute": True},
          "NO_READ_UP also closes reading; execute stays open without NO_EXECUTE_UP")
    check(not any(policy_grid["NWNRNX"].values()), "NW|NR|NX closes read, write and execute")
    check(most.granted == FileAccess.FILE_GENERIC_READ | FileAccess.FILE_GENERIC_EXECUTE,
          "MAXIMUM_ALLOWED is clipped to the integrity ceiling")
    check(format_sddl(label_sd) == "S:(ML;;NW;;;LW)",
          "an object made by a Low process is labelled Low with NO_WRITE_UP")
    check(label_trace[3].error == "ERROR_ACCESS_DENIED (5)" and label_trace[4].ok and label_trace[5].ok,
          "Low may wait on a Medium event but not signal it; Medium may signal Low's")
    check(deny_token.find(staff).deny_only and deny_only_results["staff_share", "plain"][1]
          and not deny_only_results["staff_share", "deny-only"][1],
          "CreateRestrictedToken's SidsToDisable makes deny-only groups, which match no allow ACE")
    check(not deny_only_results["no_staff_writes", "deny-only"][1],
          "a deny-only group still matches deny ACEs")
    check(restricted_token.is_restricted and not two_pass_write.allowed and two_pass_read.allowed,
          "with restricting SIDs both passes must grant")
    check({s.pass_name for s in two_pass_read.steps if s.kind == "ace"} == {"normal", "restricted"}
          and "walked twice" in descriptor_graph(report, two_pass_read).source,
          "the result's table and the descriptor graph show both passes")
    check(membership["Staff"] == [True, False, False] and membership["alice (user)"] == [True, True, False]
          and membership["Users"] == [True, True, True],
          "CheckTokenMembership: deny-only is not membership; restricted needs a restricting SID")
    check(wapi.CheckTokenMembership(i_alice_users, alice), "restricting to the user's own SID keeps her a member")
    try:
        wapi.CreateRestrictedToken(h, LUA_TOKEN, [], [], [])
    except tl.NotModelledError:
        check(True, "LUA_TOKEN and WRITE_RESTRICTED raise NotModelledError")
    else:
        raise AssertionError("LUA_TOKEN was accepted")
    print(f"all {len(facts)} checks passed")


checks()
