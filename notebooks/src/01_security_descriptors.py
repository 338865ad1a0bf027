# %% [markdown]
# # 01 · Security descriptors and the access check
#
# Every securable thing in Windows — a file, a registry key, a process, a token — carries a
# **security descriptor** that says who owns it and who may do what to it. When a program
# opens the object, the kernel runs an **access check**, the same algorithm the `AccessCheck`
# function lets programs run: it compares the caller's **access token** with the descriptor and
# either grants the rights asked for or refuses.
#
# This notebook builds descriptors and tokens by hand and runs that check on them, so you can
# see *why* an answer came out the way it did. By the end you will be able to:
#
# * read a SID and recognise the well-known ones by name and by two-letter alias;
# * decode an access mask, and map generic rights (`GENERIC_READ`) to specific ones;
# * read and write a descriptor in **SDDL**, the text form Windows tools print;
# * tell an *absent*, a *NULL* and an *empty* DACL apart — they behave very differently;
# * follow the access check ACE by ACE, as text and as a picture;
# * work out what the order of ACEs does to the check, and what a *deny-only* group is.
#
# | Windows term | tokenlab name | example |
# | --- | --- | --- |
# | SID (security identifier) | `tl.SID` | `tl.SID("S-1-5-32-544")` |
# | access mask, specific rights | `FileAccess` (an `enum.IntFlag`) | `FileAccess.FILE_READ_DATA` |
# | `GENERIC_MAPPING`, `MapGenericMask` | `FILE_MAPPING`, `map_generic` | `map_generic(GENERIC_READ, FILE_MAPPING)` |
# | ACE (access control entry) | `tl.ACE` | `tl.ACE.allow(sid, FileAccess.FILE_READ_DATA)` |
# | ACL, DACL, SACL | `tl.ACL` | `tl.ACL([ace0, ace1])` |
# | NULL DACL | `tl.NULL_ACL` | `tl.SecurityDescriptor(owner, group, tl.NULL_ACL)` |
# | `SECURITY_DESCRIPTOR` | `tl.SecurityDescriptor` | `tl.SecurityDescriptor(owner, group, dacl)` |
# | SDDL string | `parse_sddl`, `format_sddl` | `parse_sddl("O:BAG:SYD:(A;;FA;;;SY)")` |
# | access token | `tl.Token` | `tl.Token(user, groups)` |
# | `AccessCheck` | `access_check` | `access_check(sd, token, desired, FILE_MAPPING)` |
# | `SE_GROUP_USE_FOR_DENY_ONLY` | `GroupAttributes.SE_GROUP_USE_FOR_DENY_ONLY` | `tl.Token(user, [(sid, attrs)])` |
#
# **How to use this notebook:** run the cells from top to bottom (Shift+Enter). Everything is
# simulated — nothing here touches a real machine — so change any value and run the cell
# again to see what moves. When a cell asks you to predict, decide on your answer *before*
# pressing Reveal; the same experiments in plain code are in *Answers*, at the end.

# %%
import tokenlab as tl
from tokenlab.security.access_check import access_check, map_generic
from tokenlab.security.rights import FILE_MAPPING, FileAccess, format_mask, mask_names
from tokenlab.security.descriptor import format_sddl, parse_sddl
from tokenlab.security.tokenattrs import GroupAttributes
from tokenlab.view import descriptor_graph, descriptor_table, svg
from tokenlab.ui import Predict
from IPython.display import SVG, display

# %% [markdown]
# ## 1 · SIDs: who is who
#
# A **SID** names anything that can be granted or denied access: a user, a group, a computer,
# a logon session, even an integrity level. Its text form is `S-1-` followed by an
# *identifier authority* and a list of *subauthorities*; the last subauthority of an account
# SID is its **RID** (relative id). `S-1-5-32-544` reads as: revision 1, authority 5 (NT
# AUTHORITY), subauthority 32 (BUILTIN), RID 544 (Administrators).
#
# Some SIDs mean the same thing on every Windows machine — *well-known SIDs* such as
# Everyone or SYSTEM. SDDL gives many of them a two-letter alias (`WD`, `SY`, `BA`).

# %%
# NBVAL_CHECK_OUTPUT
admins = tl.SID("S-1-5-32-544")
print(repr(admins))
print("authority:", admins.authority, "| subauthorities:", admins.subauthorities, "| RID:", admins.rid)
print("name:", admins.name, "| SDDL alias:", admins.alias)
print("parses back to an equal value:", tl.SID(str(admins)) == admins)

# %%
# NBVAL_CHECK_OUTPUT
for text in ["S-1-1-0", "S-1-5-11", "S-1-5-18", "S-1-5-32-545", "S-1-5-32-546", "S-1-3-4", "S-1-16-8192"]:
    sid = tl.SID(text)
    print(f"{sid.text:<14} {sid.alias or '-':<3} {sid.name}")

# %% [markdown]
# Accounts that are not well known live under a *domain SID* (a machine has one too):
# `S-1-5-21-<three numbers>-<RID>`. Windows finds their names by asking the account
# database, so tokenlab cannot know them; it only knows the domain-relative well-known ones
# (RID 513 is *Domain Users* in a domain; on a stand-alone machine the same RID is the group
# *None*) when you tell it the domain. Below, `alice` is a local user with RID 1001. We keep
# her display name in a small dictionary for the pictures.
#
# A malformed SID string is refused with a `ValueError` that says what was expected.

# %%
# NBVAL_CHECK_OUTPUT
DOMAIN = tl.SID("S-1-5-21-1004336348-1177238915-682003330")
alice = DOMAIN.child(1001)
domain_users = DOMAIN.child(513)
NAMES = {alice: "WORKSTATION\\alice"}
print(repr(alice), "| well-known name:", alice.name)
print(repr(domain_users))
try:
    tl.SID("S-1-5-32-Administrators")
except ValueError as err:
    print("ValueError:", err)

# %% [markdown]
# ## 2 · Access masks: what may be done
#
# A right is one bit in a 32-bit **access mask**. The low 16 bits mean something different for
# each kind of object (`FILE_READ_DATA` is bit 0 for a file, `TOKEN_ASSIGN_PRIMARY` for a
# token); above them sit the *standard rights* every object shares (`DELETE`, `READ_CONTROL`,
# `WRITE_DAC`, `WRITE_OWNER`, `SYNCHRONIZE`), then `ACCESS_SYSTEM_SECURITY`,
# `MAXIMUM_ALLOWED`, and the four *generic rights* in the top bits.
#
# tokenlab spells masks as `enum.IntFlag` classes whose member names are the exact Windows
# identifiers, so anything you see can be searched for in Microsoft's documentation.

# %%
# NBVAL_CHECK_OUTPUT
want = FileAccess.FILE_READ_DATA | FileAccess.READ_CONTROL
print(repr(want))
print(format_mask(FileAccess.FILE_GENERIC_READ, FileAccess))
print(mask_names(0x00120116, FileAccess))

# %% [markdown]
# **Generic rights** (`GENERIC_READ`, `GENERIC_WRITE`, `GENERIC_EXECUTE`, `GENERIC_ALL`) mean
# "whatever reading is for this kind of object". Each object type has a **generic mapping**
# that turns them into its specific rights; the Win32 function is `MapGenericMask`, here
# `map_generic`. `AccessCheck` expects an already mapped request, and fails with
# `ERROR_GENERIC_NOT_MAPPED` if generic bits are left in it.

# %%
# NBVAL_CHECK_OUTPUT
for field in ("generic_read", "generic_write", "generic_execute", "generic_all"):
    print(f"{field.upper():<16} -> {format_mask(getattr(FILE_MAPPING, field), FileAccess)}")
print()
print(repr(map_generic(FileAccess.GENERIC_READ | FileAccess.GENERIC_WRITE, FILE_MAPPING)))

# %% [markdown]
# ## 3 · ACEs, ACLs and the security descriptor
#
# An **ACE** is one rule: a *type* (allow or deny), *flags* (mostly about inheritance), a
# *mask* and the *SID* it is about. An **ACL** is an ordered list of ACEs. A **security
# descriptor** holds an **owner** SID, a **primary group** SID, the **DACL** (discretionary
# ACL: who gets access) and the **SACL** (system ACL: auditing, and the mandatory integrity
# label).
#
# Here is the descriptor of a report that alice owns: SYSTEM and Administrators may do
# anything, Domain Users may read, and alice herself may write.

# %%
# NBVAL_CHECK_OUTPUT
report_dacl = tl.ACL([
    tl.ACE.allow(tl.SID("S-1-5-18"), FileAccess.FILE_ALL_ACCESS),       # SYSTEM
    tl.ACE.allow(tl.SID("S-1-5-32-544"), FileAccess.FILE_ALL_ACCESS),   # Administrators
    tl.ACE.allow(domain_users, FileAccess.FILE_GENERIC_READ),
    tl.ACE.allow(alice, FileAccess.FILE_GENERIC_WRITE),
])
report = tl.SecurityDescriptor(owner=alice, group=domain_users, dacl=report_dacl)
for i, ace in enumerate(report.dacl):
    print(i, repr(ace))
print("DACL state:", report.dacl_state, "| control:", repr(report.control))

# %% [markdown]
# ## 4 · SDDL: the descriptor as a string
#
# Windows tools (`sc sdshow`, PowerShell's `(Get-Acl).Sddl`, `icacls /save`, security event
# logs) print descriptors in the
# **Security Descriptor Definition Language**. Each section starts with a tag: `O:` owner,
# `G:` group, `D:` DACL, `S:` SACL. Each ACE is six fields in parentheses:
# `(type;flags;rights;object-guid;inherit-object-guid;SID)` — for example `(A;;FR;;;DU)` is
# "**A**llow **F**ile **R**ead to **D**omain **U**sers".
#
# `format_sddl` writes a descriptor the way Windows prints it, and `parse_sddl` reads it back.
# Domain-relative aliases such as `DU` need the domain SID, passed as `domain=`.

# %%
# NBVAL_CHECK_OUTPUT
report_text = format_sddl(report, domain=DOMAIN)
print(report_text)
print("without the domain:", format_sddl(report))
print("parses back to an equal descriptor:", parse_sddl(report_text, domain=DOMAIN) == report)

# %% [markdown]
# A typical descriptor of a folder on a system drive reads like this. `P` after `D:` marks the
# DACL *protected* from inheritance, `AI` says it was built by automatic inheritance, `OICI`
# makes an ACE flow down to files and sub-folders, and `IO` (*inherit-only*) means the ACE
# is only there to be inherited — the access check skips it on this object. `0x1200a9` is a
# number where no abbreviation fits.
#
# The text twin of the descriptor graph (below in section 6) prints it ACE by ACE:

# %%
# NBVAL_CHECK_OUTPUT
folder = parse_sddl("O:BAG:SYD:PAI(A;OICI;FA;;;SY)(A;OICI;FA;;;BA)(A;OICIIO;GA;;;CO)(A;OICI;0x1200a9;;;BU)")
print(format_sddl(folder))
print(descriptor_table(folder, mapping=FILE_MAPPING))

# %% [markdown]
# A malformed string is refused. Windows only reports an error code; tokenlab also says
# *where* the text went wrong and what it expected there. The error, printed in one line:

# %%
# NBVAL_CHECK_OUTPUT
try:
    parse_sddl("O:BAG:SYD:(A;;FQ;;;SY)")
except tl.SDDLError as err:
    print(f"{type(err).__name__}: {err}")

# %%
# NBVAL_CHECK_OUTPUT
bad = "O:BAG:SYD:(A;;FQ;;;SY)"
try:
    parse_sddl(bad)
except tl.SDDLError as err:
    print(bad)
    print(" " * err.position + "^")
    print(f"position {err.position}: expected {err.expected}")
    print("Windows would report error", err.winerror)

# %% [markdown]
# ### The same in C
#
# The Win32 calls this section simulates (in `sddl.h`; link with `Advapi32.lib`). Note that
# Windows tells you only *that* the string is bad, via `GetLastError()`:
#
# ```c
# PSECURITY_DESCRIPTOR sd = NULL;
# ULONG sdSize = 0;
# if (!ConvertStringSecurityDescriptorToSecurityDescriptorW(
#         L"O:BAG:SYD:(A;;FA;;;SY)(A;;FA;;;BA)(A;;FR;;;BU)", SDDL_REVISION_1, &sd, &sdSize)) {
#     wprintf(L"parse failed: %lu\n", GetLastError());   /* e.g. ERROR_INVALID_ACL (1336) */
#     return;
# }
# LPWSTR text = NULL;
# ConvertSecurityDescriptorToStringSecurityDescriptorW(
#     sd, SDDL_REVISION_1,
#     OWNER_SECURITY_INFORMATION | GROUP_SECURITY_INFORMATION | DACL_SECURITY_INFORMATION,
#     &text, NULL);
# wprintf(L"%s\n", text);
# LocalFree(text);
# /* keep sd: the access check below uses it */
# ```
#
# and the access check of section 6 on that same `sd`, with the token a thread is impersonating:
#
# ```c
# GENERIC_MAPPING mapping = { FILE_GENERIC_READ, FILE_GENERIC_WRITE,
#                             FILE_GENERIC_EXECUTE, FILE_ALL_ACCESS };
# DWORD desired = GENERIC_READ | GENERIC_WRITE;
# MapGenericMask(&desired, &mapping);                    /* AccessCheck wants specific rights */
#
# PRIVILEGE_SET privileges; DWORD privilegesLength = sizeof privileges;
# DWORD granted = 0; BOOL accessStatus = FALSE;
# if (!AccessCheck(sd, hImpersonationToken, desired, &mapping,
#                  &privileges, &privilegesLength, &granted, &accessStatus))
#     wprintf(L"the call failed: %lu\n", GetLastError()); /* e.g. ERROR_NO_IMPERSONATION_TOKEN */
# else if (!accessStatus)
#     wprintf(L"denied: %lu\n", GetLastError());          /* ERROR_ACCESS_DENIED */
# else
#     wprintf(L"granted 0x%08lx\n", granted);
# LocalFree(sd);                                          /* now the descriptor can go */
# ```
#
# In tokenlab, `access_check` returns both answers in one value: `result.status` is the error
# code (`ERROR_SUCCESS` when access is granted) and `result.granted` the granted mask.

# %% [markdown]
# ## 5 · Absent, NULL and empty DACLs
#
# A descriptor's DACL can be in three states that look alike but mean opposite things:
#
# * **absent** — the descriptor has no DACL at all (`SE_DACL_PRESENT` is clear);
# * **NULL** — the descriptor says it has a DACL, but points at none (SDDL `D:NO_ACCESS_CONTROL`);
# * **empty** — the descriptor has a DACL with zero ACEs (SDDL `D:`).
#
# Absent and NULL both mean *no access control*: everyone gets everything. Empty means *no
# ACE grants anything*: the DACL lets nobody in.
#
# alice asks for read and write on each:

# %%
# NBVAL_CHECK_OUTPUT
alice_token = tl.Token(alice, [tl.SID("S-1-1-0"), domain_users, tl.SID("S-1-5-32-545"),
                               tl.SID("S-1-5-4"), tl.SID("S-1-5-11")])
owner, group = tl.SID("S-1-5-32-544"), tl.SID("S-1-5-18")
three = {
    "absent": tl.SecurityDescriptor(owner, group),
    "NULL": tl.SecurityDescriptor(owner, group, dacl=tl.NULL_ACL),
    "empty": tl.SecurityDescriptor(owner, group, dacl=tl.ACL([])),
}
read_write = FileAccess.FILE_READ_DATA | FileAccess.FILE_WRITE_DATA
three_results = {label: access_check(sd, alice_token, read_write, FILE_MAPPING) for label, sd in three.items()}
print(f"{'DACL':<7} {'SDDL':<28} {'status':<20} granted")
for label, sd in three.items():
    r = three_results[label]
    print(f"{label:<7} {format_sddl(sd):<28} {r.status.name:<20} {format_mask(r.granted, FileAccess)}")
print()
for label, r in three_results.items():
    print(f"{label}: {r}")

# %% [markdown]
# The graphs say the same thing in their DACL node. (Each picture has a text twin:
# `descriptor_table` prints what the graph draws.)

# %%
for label, sd in three.items():
    display(SVG(svg(descriptor_graph(sd, three_results[label], names=NAMES))))

# %% [markdown]
# Now make alice the **owner** of an object whose DACL is empty. **Predict:** she asks for
# `READ_CONTROL | WRITE_DAC` — to read the DACL and write a new one. Granted or denied?

# %%
locked = tl.SecurityDescriptor(alice, domain_users, dacl=tl.ACL([]))


def owner_on_empty_dacl():
    r = access_check(locked, alice_token, FileAccess.READ_CONTROL | FileAccess.WRITE_DAC, FILE_MAPPING)
    return ("granted" if r.allowed else "denied"), str(r)


Predict("alice owns an object with an empty DACL and asks for READ_CONTROL|WRITE_DAC. What happens?",
        ["granted", "denied"], owner_on_empty_dacl,
        explain="The owner is implicitly granted READ_CONTROL and WRITE_DAC, so an owner can always "
                "repair a DACL that locks everyone out (unless the DACL has an OWNER RIGHTS S-1-3-4 "
                "ACE, whose rights then replace these). Reading the file itself is still refused. "
                "Answers, at the end of this notebook, runs it in plain code (A1).")

# %% [markdown]
# *Pick an answer and press Reveal before you read on.*

# %% [markdown]
# ## 6 · The access check, step by step
#
# `access_check(sd, token, desired, mapping)` follows the order Windows uses:
#
# 1. check the call itself (an impersonation token, an owner and group, a mapped request);
# 2. mandatory integrity: a lower-integrity caller may not write up to a higher-labelled object;
# 3. privileges that grant rights on their own (`SeSecurityPrivilege`, `SeTakeOwnershipPrivilege`);
# 4. the rights the owner gets implicitly (reveal the prediction in section 5 first);
# 5. an absent or NULL DACL grants everything;
# 6. the DACL walk: ACEs in order, each matched against the token's user and enabled groups;
#    **the first ACE that mentions a requested bit decides that bit**, and a deny of any
#    still-undecided requested bit refuses the whole request.
#
# It returns the answer *and* the reasons. alice asks for generic read and write on the
# report from section 3:

# %%
# NBVAL_CHECK_OUTPUT
desired = map_generic(FileAccess.GENERIC_READ | FileAccess.GENERIC_WRITE, FILE_MAPPING)
result = access_check(report, alice_token, desired, FILE_MAPPING)
print(repr(result))
print()
print(result)

# %% [markdown]
# `result.table()` lists every ACE the walk looked at. Notice how the request is put together:
#
# * owning the object already gave alice `READ_CONTROL`, before the walk started;
# * ACEs 0 and 1 do not apply — alice is neither SYSTEM nor an administrator;
# * ACE 2 (Domain Users) grants the reading bits still undecided, and `SYNCHRONIZE`;
# * ACE 3 (alice) then only adds the writing bits: `READ_CONTROL` and `SYNCHRONIZE` are part of
#   `FILE_GENERIC_WRITE` too, but were already decided.

# %%
# NBVAL_CHECK_OUTPUT
print(result.table())
print()
print("deciding ACEs:", result.deciding_aces())

# %% [markdown]
# The **descriptor graph** draws the same check: the descriptor on the left, its ACEs in order,
# the SIDs they name, and the verdict on the right. Green ACEs granted bits, red ones denied
# bits, amber ones matched but decided nothing, white ones did not apply, dotted ones were
# never reached, and grey dashed ones were skipped as inherit-only. Each edge into the verdict
# is labelled with the bits that ACE decided.

# %%
SVG(svg(descriptor_graph(report, result, domain=DOMAIN, names=NAMES)))

# %% [markdown]
# Its text twin, for reading, searching and diffing:

# %%
# NBVAL_CHECK_OUTPUT
print(descriptor_table(report, result, domain=DOMAIN, names=NAMES))

# %% [markdown]
# ## 7 · Predict: does the order of ACEs matter?
#
# alice is also a member of a local group *Contractors* (RID 1105). A project folder has two
# ACEs: **deny** Contractors write, and **allow** Users full access. Here they are in both
# orders:
#
# * **deny first:** `D:(D;;FW;;;<Contractors>)(A;;FA;;;BU)`
# * **allow first:** `D:(A;;FA;;;BU)(D;;FW;;;<Contractors>)`
#
# alice asks for `FILE_WRITE_DATA`. **For each order, is she granted or denied?** Pick your
# answer in the widget, then reveal it.

# %%
contractors = DOMAIN.child(1105)
NAMES[contractors] = "WORKSTATION\\Contractors"
contractor_token = tl.Token(alice, [tl.SID("S-1-1-0"), domain_users, tl.SID("S-1-5-32-545"), contractors])
deny_ace = tl.ACE.deny(contractors, FileAccess.FILE_GENERIC_WRITE)
allow_ace = tl.ACE.allow(tl.SID("S-1-5-32-545"), FileAccess.FILE_ALL_ACCESS)
orders = {
    "deny first": tl.SecurityDescriptor(owner, group, tl.ACL([deny_ace, allow_ace])),
    "allow first": tl.SecurityDescriptor(owner, group, tl.ACL([allow_ace, deny_ace])),
}
ORDER_CHOICES = ["denied both times", "granted both times", "deny first: denied; allow first: granted",
                 "deny first: granted; allow first: denied"]


def ace_order_outcome():
    said = {label: ("granted" if access_check(sd, contractor_token, FileAccess.FILE_WRITE_DATA,
                                              FILE_MAPPING).allowed else "denied")
            for label, sd in orders.items()}
    if said["deny first"] == said["allow first"]:
        return f"{said['deny first']} both times"
    return f"deny first: {said['deny first']}; allow first: {said['allow first']}"


Predict("alice (in Contractors and Users) asks for FILE_WRITE_DATA. What does AccessCheck say for each order?",
        ORDER_CHOICES, ace_order_outcome,
        explain="The walk reads ACEs in order and stops as soon as the request is settled: with the deny "
                "first, ACE 0 refuses FILE_WRITE_DATA for a group alice is in; with the allow first, ACE 0 "
                "grants everything she asked for and the deny is never read. Answers, at the end of this "
                "notebook, runs both checks in plain code (A2).")

# %% [markdown]
# *Pick an answer and press Reveal before you read on.*

# %% [markdown]
# ### The canonical order
#
# Windows defines a **canonical order** for ACEs: explicit deny ACEs before explicit allow ACEs,
# and inherited ACEs after both. The Windows security editor writes ACLs in that order, but
# functions such as `AddAccessAllowedAce` simply append to the end of an ACL and leave the order
# to the caller. A program that builds its own ACL can produce the allow-first form — and then
# (reveal the prediction in section 7 first) a deny that looks effective does nothing.

# %% [markdown]
# ## 8 · Deny-only groups
#
# A group in a token can carry `SE_GROUP_USE_FOR_DENY_ONLY`. Such a group **never matches an
# allow ACE, but still matches a deny ACE**. The most common place to meet one is User
# Account Control: when an administrator logs on, the everyday (filtered) token keeps
# `BUILTIN\Administrators`, but as deny-only, so the group can take access away but never give
# it. The elevated token has the same group enabled. (A *disabled* group, by contrast, matches
# nothing at all.) tokenlab's `LogonUser` makes this split token for an administrator's
# interactive logon (`TokenLinkedToken` gives the other half); below we build both tokens by
# hand, to see only the groups.

# %%
# NBVAL_CHECK_OUTPUT
administrators = tl.SID("S-1-5-32-544")
everyday = [tl.SID("S-1-1-0"), tl.SID("S-1-5-32-545")]
elevated_token = tl.Token(alice, everyday + [administrators])
filtered_token = tl.Token(alice, everyday + [(administrators, GroupAttributes.SE_GROUP_USE_FOR_DENY_ONLY)])

admin_only = parse_sddl("O:SYG:SYD:(A;;FA;;;BA)(A;;FR;;;BU)")
no_admin_writes = parse_sddl("O:SYG:SYD:(D;;FW;;;BA)(A;;FA;;;BU)")
deny_only_results = {}
for sd_name, sd in (("admin_only", admin_only), ("no_admin_writes", no_admin_writes)):
    print(f"{sd_name}: {format_sddl(sd)}")
    for token_name, token in (("elevated", elevated_token), ("filtered", filtered_token)):
        r = deny_only_results[sd_name, token_name] = access_check(
            sd, token, FileAccess.FILE_WRITE_DATA, FILE_MAPPING)
        print(f"  {token_name:<8} asks FILE_WRITE_DATA -> {r.status.name}")
print()
print(deny_only_results["admin_only", "filtered"].table())

# %% [markdown]
# In `admin_only`, the filtered token's Administrators group does not match the allow ACE
# ("match: no"), and Users may only read, so the write is denied. In `no_admin_writes`, both
# tokens are stopped by the deny ACE: a deny-only group is still a group for deny ACEs.

# %%
# NBVAL_CHECK_OUTPUT
r = deny_only_results["no_admin_writes", "filtered"]
print(r)

# %% [markdown]
# ## Answers, in plain code
#
# Read these after you have revealed your predictions above.
#
# ### A1 · The owner, an empty DACL, and READ_CONTROL|WRITE_DAC
#
# alice owns `locked`, whose DACL is empty. Her request next to one for the file's data:

# %%
# NBVAL_CHECK_OUTPUT
for desired in (FileAccess.FILE_READ_DATA, FileAccess.READ_CONTROL | FileAccess.WRITE_DAC):
    r = access_check(locked, alice_token, desired, FILE_MAPPING)
    print(f"{format_mask(desired, FileAccess):<40} -> {r.status.name}")

# %% [markdown]
# ### A2 · Deny first or allow first: FILE_WRITE_DATA for a contractor
#
# Both orders from section 7, with the ACEs that decided, then the two descriptor graphs:

# %%
# NBVAL_CHECK_OUTPUT
order_results = {}
for label, sd in orders.items():
    r = order_results[label] = access_check(sd, contractor_token, FileAccess.FILE_WRITE_DATA, FILE_MAPPING)
    decided = ", ".join(f"ACE {i} {verdict}" for i, verdict in r.deciding_aces().items())
    print(f"{label + ':':<12} AccessCheck says {'granted' if r.allowed else 'denied'} ({decided})")
print("answer:", ace_order_outcome())

# %%
for label, sd in orders.items():
    display(SVG(svg(descriptor_graph(sd, order_results[label], domain=DOMAIN, names=NAMES))))

# %% [markdown]
# ## Checks
#
# The cell below asserts what this notebook taught. If a change to tokenlab breaks one of
# these facts, the notebook test fails here.

# %%
# NBVAL_CHECK_OUTPUT
def checks():
    E = tl.ErrorCode
    # SIDs and aliases
    assert tl.SID("S-1-5-32-544").alias == "BA" and tl.SID("S-1-5-32-544").name == "BUILTIN\\Administrators"
    assert tl.SID("S-1-1-0").alias == "WD" and alice.name is None and alice.rid == 1001
    # masks and generic mapping
    assert map_generic(FileAccess.GENERIC_READ, FILE_MAPPING) == FileAccess.FILE_GENERIC_READ
    assert access_check(report, alice_token, FileAccess.GENERIC_READ, FILE_MAPPING).status == E.ERROR_GENERIC_NOT_MAPPED
    # SDDL both ways, and a precise error
    assert report_text == ("O:S-1-5-21-1004336348-1177238915-682003330-1001G:DUD:(A;;FA;;;SY)(A;;FA;;;BA)"
                           "(A;;FR;;;DU)(A;;FW;;;S-1-5-21-1004336348-1177238915-682003330-1001)")
    assert parse_sddl(report_text, domain=DOMAIN) == report
    try:
        parse_sddl("O:BAG:SYD:(A;;FQ;;;SY)")
    except tl.SDDLError as err:
        assert err.position == 14
    else:
        raise AssertionError("malformed SDDL was accepted")
    # absent / NULL / empty DACL
    assert [three[k].dacl_state for k in three] == ["absent", "null", "empty"]
    assert three_results["absent"].allowed and three_results["NULL"].allowed
    assert three_results["empty"].status == E.ERROR_ACCESS_DENIED
    assert access_check(locked, alice_token, FileAccess.READ_CONTROL | FileAccess.WRITE_DAC, FILE_MAPPING).allowed
    assert not access_check(locked, alice_token, FileAccess.FILE_READ_DATA, FILE_MAPPING).allowed
    # the walk: two ACEs together grant the request
    assert result.allowed and result.granted == FileAccess.FILE_GENERIC_READ | FileAccess.FILE_GENERIC_WRITE
    assert result.deciding_aces() == {2: "granted", 3: "granted"}
    # ACE order
    assert order_results["deny first"].status == E.ERROR_ACCESS_DENIED
    assert order_results["allow first"].allowed
    # deny-only groups match deny ACEs only
    assert deny_only_results["admin_only", "elevated"].allowed
    assert not deny_only_results["admin_only", "filtered"].allowed
    assert not deny_only_results["no_admin_writes", "elevated"].allowed
    assert not deny_only_results["no_admin_writes", "filtered"].allowed
    # the picture and its twin agree on what decided
    src = descriptor_graph(orders["deny first"], order_results["deny first"]).source
    assert "dacl_0 -> verdict" in src and "denies FILE_WRITE_DATA" in src
    assert "denies FILE_WRITE_DATA" in descriptor_table(orders["deny first"], order_results["deny first"])
    print("all checks passed")


checks()
