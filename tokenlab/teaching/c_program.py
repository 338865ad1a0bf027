"""A recorded trace as one whole C (or C++) program, to compile and run on Windows.

``program(trace)`` writes every recorded call of ``trace`` in order, each as its C twin
(``c_twin.C_SIGNATURES``, the same table that writes ``step.c_call``), inside a program
that compiles against the real Windows headers::

    /* 5. tokenlab: fails with ERROR_NO_TOKEN (1008) */
    ok = OpenThreadToken(GetCurrentThread(), TOKEN_IMPERSONATE, TRUE, &hNew);
    outcome(5, "OpenThreadToken", ok, 1008);

``outcome`` prints what Windows did next to what tokenlab recorded, so running the program
on a real machine checks the model. What the reading twin leaves in comments becomes code:
descriptors come from their SDDL through ``ConvertStringSecurityDescriptorToSecurityDescriptorW``
(or are the very descriptor an earlier ``GetSecurityInfo`` returned), SIDs through
``ConvertStringSidToSidW``, privileges through ``LookupPrivilegeValueW``.

Threads and processes: each process of the trace gets a function (``svc_main`` …; one
process is simply ``main``) and ``main`` picks one by its command-line argument; each
thread a recorded ``CreateThread`` started gets its ``ThreadProc_<tid>``. Threads of one
process take turns exactly as the trace did (the creator waits for the worker, or, when
their calls interleave, they pass the turn with events). Processes are not synchronised:
in the stories they wait for each other through the objects they share (a pipe).

A call with no C twin raises :class:`NoCTwin`, naming it: add it to ``C_SIGNATURES``.
The program is compiled as C++ when a twin is written as C++ (``c_twin.CPP_ONLY``).

Why one file of ~630 lines: writing a whole compilable program from a trace is one job
(declarations, set-up, each call and its expected outcome, threads and processes),
checked as a whole by compiling it.
"""
from __future__ import annotations

import enum
import re
from dataclasses import dataclass, field

from ..kernel.handles import PSEUDO_HANDLES
from ..security.acl import ACL
from ..security.descriptor import SecurityDescriptor
from ..security.rights import GenericMapping
from ..security.sids import SID
from .c_twin import C_SIGNATURES, CPP_ONLY, CTwin, _fill, c_expr

__all__ = ["CProgram", "NoCTwin", "program", "HEADERS", "LIBRARIES"]

HEADERS = ("windows.h", "sddl.h", "aclapi.h", "objbase.h", "stdio.h", "string.h")
LIBRARIES = ("-ladvapi32", "-lole32", "-luuid")

# Functions that return INVALID_HANDLE_VALUE, not NULL, when they fail.
_INVALID_HANDLE_VALUE_ON_FAILURE = frozenset({"CreateFile", "CreateNamedPipe"})

# Identifiers the C_SIGNATURES templates use literally, with their declarations.
_LITERALS = {
    "buffer": "static BYTE buffer[4096];",
    "cbReturned": "static DWORD cbReturned;",
    "pDacl": "static PACL pDacl;",
    "pSD": "static PSECURITY_DESCRIPTOR pSD;",
    "cbSD": "static DWORD cbSD;",
    "cbNeeded": "static DWORD cbNeeded;",
    "sdBuffer": "static BYTE sdBuffer[4096];",
    "mapping": "static GENERIC_MAPPING mapping;",
    "privileges": "static PRIVILEGE_SET privileges;",
    "cbPrivileges": "static DWORD cbPrivileges;",
    "granted": "static DWORD granted;",
    "status": "static BOOL status;",
    "result": "static BOOL result;",
    "isMember": "static BOOL isMember;",
    "previous": "static TOKEN_PRIVILEGES previous;",
    "cbPrevious": "static DWORD cbPrevious;",
    "punk": "static IUnknown *punk;",
    "hTarget": "static HANDLE hTarget;",
    "hNew": "static HANDLE hNew;",
    "sa": "static SECURITY_ATTRIBUTES sa;",
    "cbRead": "static DWORD cbRead;",
    "readBuffer": "static BYTE readBuffer[4096];",
    "cbWritten": "static DWORD cbWritten;",
    "clientPid": "static ULONG clientPid;",
    "previousCount": "static LONG previousCount;",
    "si": "static STARTUPINFOW si = { sizeof si };",
    "pi": "static PROCESS_INFORMATION pi;",
    "accountName": "static WCHAR accountName[256];",
    "cchAccountName": "static DWORD cchAccountName;",
    "domainName": "static WCHAR domainName[256];",
    "cchDomainName": "static DWORD cchDomainName;",
    "sidUse": "static SID_NAME_USE sidUse;",
    "sidBuffer": "static BYTE sidBuffer[SECURITY_MAX_SID_SIZE];",
    "cbSid": "static DWORD cbSid;",
    "previousGroups": "static struct { DWORD GroupCount; SID_AND_ATTRIBUTES Groups[64]; } previousGroups;",
    "cbPreviousGroups": "static DWORD cbPreviousGroups;",
}

# Set-up a call needs before it (not a tokenlab step): buffers the twin passes by name.
_SETUP = {
    "GetKernelObjectSecurity": ["pSD = (PSECURITY_DESCRIPTOR)sdBuffer;", "cbSD = sizeof sdBuffer;"],
    "GetFileSecurity": ["pSD = (PSECURITY_DESCRIPTOR)sdBuffer;", "cbSD = sizeof sdBuffer;"],
    "AccessCheck": ["cbPrivileges = sizeof privileges;"],
    "LookupAccountSid": ["cchAccountName = ARRAYSIZE(accountName);", "cchDomainName = ARRAYSIZE(domainName);"],
    "LookupAccountName": ["cbSid = sizeof sidBuffer;", "cchDomainName = ARRAYSIZE(domainName);"],
}

# Calls that fill a PROCESS_INFORMATION: its handles become the variables later calls use.
_PROCESS_INFORMATION = frozenset({"CreateProcess", "CreateProcessAsUser", "CreateProcessWithTokenW"})

_PRELUDE = r'''
static int mismatches;

/* What Windows did, next to what tokenlab recorded (0: succeeded). Call it right after
   the call: it reads GetLastError() first. */
static void outcome(int step, const char *call, BOOL ok, DWORD tokenlab)
{
    DWORD error = ok ? 0 : GetLastError();
    printf("%2d %-34s %s %lu (tokenlab: %lu)%s\n", step, call, ok ? "ok    " : "failed",
           error, tokenlab, error == tokenlab ? "" : "  <-- differs");
    if (error != tokenlab) mismatches++;
}

/* The same for an API that returns its error code. */
static void outcome_err(int step, const char *call, DWORD error, DWORD tokenlab)
{
    SetLastError(error);
    outcome(step, call, error == ERROR_SUCCESS, tokenlab);
}

/* The same for an HRESULT. */
static void outcome_hr(int step, const char *call, HRESULT hr, HRESULT tokenlab)
{
    printf("%2d %-34s hr 0x%08lX (tokenlab: 0x%08lX)%s\n", step, call, (unsigned long)hr,
           (unsigned long)tokenlab, hr == tokenlab ? "" : "  <-- differs");
    if (hr != tokenlab) mismatches++;
}

/* Set-up that is not a tokenlab step (building a SID or descriptor from its text). */
static void setup(const char *what, BOOL ok)
{
    if (!ok) printf("   set-up %s failed: %lu\n", what, GetLastError());
}
'''


def _prelude(body: str) -> str:
    """The helpers ``body`` uses (``outcome`` always: the others call it)."""
    parts = _PRELUDE.strip("\n").split("\n\n")
    keep = [p for p in parts if not re.search(r"static void (\w+)\(", p)
            or re.search(r"static void (\w+)\(", p).group(1) in ("outcome",)
            or re.search(r"\b" + re.search(r"static void (\w+)\(", p).group(1) + r"\(", body)]
    return "\n" + "\n\n".join(keep)


class NoCTwin(LookupError):
    """A recorded call has no C twin (no entry in ``c_twin.C_SIGNATURES``)."""


@dataclass(frozen=True)
class CProgram:
    """One scenario as a program: ``source`` is the text, ``filename`` where to write it."""

    name: str
    title: str
    language: str  # "c" or "c++"
    source: str

    @property
    def filename(self) -> str:
        return self.name + (".cpp" if self.language == "c++" else ".c")

    def __str__(self) -> str:
        return self.source


def slug(title: str) -> str:
    """``"duplicated token (fixed)"`` -> ``"duplicated_token_fixed"``."""
    return re.sub(r"[^0-9A-Za-z]+", "_", title).strip("_").lower() or "trace"


def _comment(text: str) -> str:
    text = text.replace("*/", "* /").replace("/*", "/ *")
    return text if len(text) <= 100 else text[:97] + "..."


@dataclass
class _Program:
    """What the writer has learned so far: variables to declare, descriptors already made."""

    multi_process: bool
    globals: dict = field(default_factory=dict)   # name -> declaration, in order
    sd_vars: dict = field(default_factory=dict)   # SDDL -> variable holding that descriptor
    sid_vars: dict = field(default_factory=dict)  # SID text -> variable
    counter: int = 0

    def declare(self, name: str, decl: str) -> str:
        self.globals.setdefault(name, decl)
        return name

    def fresh(self, stem: str) -> str:
        self.counter += 1
        return f"{stem}{self.counter}"


def program(trace, name: str | None = None) -> CProgram:
    """The whole trace as one program (see the module docstring)."""
    steps = list(trace.steps)
    calls = []
    for step in steps:
        twin = step.c_call
        if not isinstance(twin, CTwin) or twin.call is None:
            raise NoCTwin(f"step {step.index} of {trace.title!r}: {step.name} has no C twin; "
                          f"add {step.name!r} to tokenlab.teaching.c_twin.C_SIGNATURES")
        calls.append(twin.call)
    machine = trace.machine
    language = "c++" if any(c.name in CPP_ONLY for c in calls) else "c"

    # Who runs each step: processes (by image), and threads a recorded CreateThread made.
    created: dict[int, int] = {}  # worker tid -> index of the step that created it
    for step, call in zip(steps, calls):
        if call.name == "CreateThread" and call.error is None and isinstance(call.result, tuple):
            created[call.result[1]] = step.index
    images: list[str] = []
    for step in steps:
        if step.image not in images:
            images.append(step.image)
    prog = _Program(multi_process=len(images) > 1)
    prefix = {img: (_ident(img.rsplit(".", 1)[0]) + "_" if prog.multi_process else "") for img in images}

    bodies: dict[tuple[str, int], list[str]] = {}  # (image, tid) -> lines
    main_tid: dict[str, int] = {}
    for step in steps:
        if step.tid not in created:
            main_tid.setdefault(step.image, step.tid)
    workers = [tid for tid in dict.fromkeys(s.tid for s in steps) if tid in created]
    for step in steps:
        if step.tid not in created and step.tid != main_tid[step.image]:
            raise NotImplementedError(
                f"step {step.index} of {trace.title!r} runs on thread {step.tid}, which no recorded "
                f"CreateThread started and which is not {step.image}'s first thread")

    # Segments: runs of consecutive steps on one thread.
    segments: list[tuple[str, int, list]] = []
    for step, call in zip(steps, calls):
        if segments and segments[-1][1] == step.tid:
            segments[-1][2].append((step, call))
        else:
            segments.append((step.image, step.tid, [(step, call)]))
    interleaved = {tid for tid in workers if sum(1 for s in segments if s[1] == tid) > 1}
    batons = interleaved and True
    turn = {}
    if batons:  # every thread of a process with interleaving passes the turn with an event
        for img, tid, _ in segments:
            turn.setdefault(tid, prog.declare(f"{prefix[img]}turn{tid}", f"static HANDLE {prefix[img]}turn{tid};"))

    uses_com, waited = set(), set()
    for i, (img, tid, run) in enumerate(segments):
        lines = bodies.setdefault((img, tid), [])
        if batons and (i > 0 and not (tid == main_tid.get(img) and not any(
                s[1] == tid for s in segments[:i]))):
            lines.append(f"    WaitForSingleObject({turn[tid]}, INFINITE);  /* my turn (the trace's order) */")
        for step, call in run:
            if call.name.startswith("Co"):
                uses_com.add((img, tid))
            lines += _step_lines(prog, prefix[img], step, call, language)
        nxt = segments[i + 1] if i + 1 < len(segments) else None
        if nxt is None:
            continue
        if nxt[0] != img:
            lines.append(f"    /* tokenlab's next call (step {nxt[2][0][0].index}) runs in {nxt[0]}, "
                         f"which waits for this one through what they share */")
        elif batons:
            lines.append(f"    SetEvent({turn[nxt[1]]});  /* step {nxt[2][0][0].index} is thread {nxt[1]}'s */")
        elif nxt[1] in created and created[nxt[1]] <= run[-1][0].index:
            # the worker's calls come next, all of them: let it run them, then go on
            handle = _handle_var(prefix[img], steps[created[nxt[1]]], calls[created[nxt[1]]])
            later = [s for s in segments[i + 1:] if s[1] == tid]
            if later:
                first, last = nxt[2][0][0].index, nxt[2][-1][0].index
                made = f"step {first}" if first == last else f"steps {first}-{last}"
                lines.append(f"    WaitForSingleObject({handle}, INFINITE);  /* thread {nxt[1]} makes {made} */")
                waited.add(nxt[1])

    # The functions: workers, then each process's main line.
    out: list[str] = []
    for tid in workers:
        img = next(s.image for s in steps if s.tid == tid)
        body = bodies[(img, tid)]
        out += ["", f"/* Thread {tid} of {img}: steps {_step_range(steps, tid)}. */",
                f"static DWORD WINAPI ThreadProc_{tid}(LPVOID param)", "{", "    (void)param;"]
        out += _com_init((img, tid) in uses_com) + body + _com_uninit((img, tid) in uses_com)
        out += ["    return 0;", "}"]
    for img in images:
        tid = main_tid[img]
        fn = f"{prefix[img]}main" if prog.multi_process else "main"
        proc = _process(machine, tid)
        out += ["", f"/* {img} (pid {proc.pid}, runs as {_comment(machine.sid_name(proc.token.user))}), "
                    f"thread {tid}: steps {_step_range(steps, tid)}. */",
                f"static int {fn}(void)" if prog.multi_process else "int main(void)", "{"]
        if batons:
            out += [f"    {turn[t]} = CreateEventW(NULL, FALSE, FALSE, NULL);" for t in turn]
        out += _com_init((img, tid) in uses_com) + bodies[(img, tid)]
        mine = [t for t in workers if next(s.image for s in steps if s.tid == t) == img]
        for t in (t for t in mine if t not in waited):  # the process ends when its threads are done
            out.append(f"    WaitForSingleObject({_handle_var(prefix[img], steps[created[t]], calls[created[t]])}, INFINITE);")
        out += _com_uninit((img, tid) in uses_com)
        out += ['    printf("%d call(s) differ from tokenlab\\n", mismatches);', "    return mismatches;", "}"]
    if prog.multi_process:
        out += ["", "/* Run one process per console: `program.exe <image>` (the first is the default). */",
                "int main(int argc, char **argv)", "{",
                f'    const char *image = argc > 1 ? argv[1] : "{images[0]}";']
        for img in images:
            out.append(f'    if (strcmp(image, "{img}") == 0) return {prefix[img]}main();')
        out += ['    printf("usage: %s [' + "|".join(images) + ']\\n", argv[0]);', "    return 2;", "}"]

    head = _header(trace, machine, images, main_tid, language, name or slug(trace.title))
    decls = list(prog.globals.values())
    if any(c.name == "CoCreateInstance" for c in calls):
        decls.insert(0, _clsid_decl())
    protos = [f"static DWORD WINAPI ThreadProc_{t}(LPVOID param);" for t in workers]
    body = "\n".join(out)
    source = "\n".join(head + [""] + decls + ["static BOOL ok;", "static HRESULT hr;", "static DWORD err;"]
                       + protos + [_prelude(body)] + out) + "\n"
    return CProgram(name or slug(trace.title), trace.title, language, source)


def _ident(text: str) -> str:
    text = re.sub(r"\W", "_", text)
    return text if not text[:1].isdigit() else "_" + text


def _process(machine, tid):
    return machine.thread(tid).process


def _step_range(steps, tid) -> str:
    idx = [s.index for s in steps if s.tid == tid]
    return ", ".join(str(i) for i in idx)


def _com_init(on: bool) -> list[str]:
    return ["    CoInitializeEx(NULL, COINIT_MULTITHREADED);  /* set-up, not a tokenlab step */"] if on else []


def _com_uninit(on: bool) -> list[str]:
    return ["    CoUninitialize();"] if on else []


def _clsid_decl() -> str:
    from ..kernel.com import CLSID_Something
    g = CLSID_Something.strip("{}").split("-")
    tail = g[3] + g[4]
    data4 = ", ".join(f"0x{tail[i:i + 2]}" for i in range(0, 16, 2))
    return (f"/* The posts' sample local server, {CLSID_Something}: register one with this CLSID\n"
            f"   to run the program (tokenlab's model of COM activation; see docs/model.md). */\n"
            f"static const CLSID CLSID_Something = {{ 0x{g[0]}, 0x{g[1]}, 0x{g[2]}, {{ {data4} }} }};")


def _header(trace, machine, images, main_tid, language, name) -> list[str]:
    compiler = "x86_64-w64-mingw32-g++" if language == "c++" else "x86_64-w64-mingw32-gcc"
    ext = ".cpp" if language == "c++" else ".c"
    who = [f"   {img}: runs as {_comment(machine.sid_name(_process(machine, main_tid[img]).token.user))}"
           for img in images]
    lines = ["/* " + _comment(f"tokenlab scenario: {trace.title}"),
             "   Written by tokenlab.teaching.c_program from the recorded trace: every call in order,",
             "   with what tokenlab recorded as a comment; running it prints what Windows does.",
             *who,
             f"   Build: {compiler} -Wall -o {name}.exe {name}{ext} {' '.join(LIBRARIES)}",
             f"      or: cl /W3 {name}{ext} advapi32.lib ole32.lib */",
             "#define _WIN32_WINNT 0x0A00  /* GetCurrentThreadEffectiveToken and friends */"]
    lines += [f"#include <{h}>" for h in HEADERS]
    return lines


def _handle_var(prefix: str, step, call) -> str:
    res = call.result[0] if isinstance(call.result, tuple) else call.result
    if call.error is None and isinstance(res, int) and not isinstance(res, bool):
        return f"{prefix}h{res}"
    return "hNew"


def _is_pseudo_call(text: str) -> bool:
    return text.startswith("GetCurrent") and text.endswith("()")


def _step_lines(prog: _Program, prefix: str, step, call, language: str) -> list[str]:
    returns, c_name, template = C_SIGNATURES[call.name]
    from .calls import parameters
    import inspect
    params = parameters(call.fn)
    pre: list[str] = list(_SETUP.get(call.name, ()))
    fields: dict[str, str] = {}
    for i, param in enumerate(params):
        p = param.name
        if i < len(call.args):
            v = call.args[i]
        else:
            v = call.kwargs.get(p, None if param.default is inspect.Parameter.empty else param.default)
        text = _arg(prog, prefix, call.name, p, v, pre)
        fields[str(i)] = fields[p] = text
        if v is None or f"{{&{i}}}" not in template:
            fields[f"&{i}"] = "NULL"
        elif _is_pseudo_call(text) or not re.fullmatch(r"\w+", text):
            tmp = prog.declare(f"{p}Arg", f"static HANDLE {p}Arg;")
            pre.append(f"{tmp} = {text};")
            fields[f"&{i}"] = f"&{tmp}"
        else:
            fields[f"&{i}"] = f"&{text}"
        fields[f"#{i}"] = ""
        fields[f"n{i}"] = str(len(v)) if isinstance(v, (tuple, list)) else "0"
    if "{out}" in template:
        fields["out"] = "hTarget" if call.name == "DuplicateHandle" else _handle_var(prefix, step, call)
    if "{out1}" in template:
        tid = call.result[1] if call.error is None and isinstance(call.result, tuple) else None
        fields["out1"] = f"{prefix}tid{tid}" if tid is not None else "tidNew"
    for key in ("out", "out1"):
        if key in fields:
            kind = "DWORD" if key == "out1" else "HANDLE"
            prog.declare(fields[key], f"static {kind} {fields[key]};")
    args = _fill(template, fields)
    left = re.findall(r"\{([^{}\s]+)\}", args)
    if left:
        raise NoCTwin(f"step {step.index}: the C twin of {call.name} names {', '.join(left)}, which "
                      f"{call.name}{tuple(p.name for p in params)} does not have; fix its "
                      f"C_SIGNATURES entry in tokenlab.teaching.c_twin")
    args = re.sub(r"\bThreadProc\b", lambda m: f"ThreadProc_{call.result[1]}" if isinstance(call.result, tuple) else "ThreadProc_none", args)
    args = _typed_literals(prog, call, args, pre)
    for word in set(re.findall(r"[A-Za-z_]\w*", " ".join([args, *pre]))):  # set-up lines name buffers too
        if word in _LITERALS:
            prog.declare(word, _LITERALS[word])
    if "ThreadProc_none" in args:
        prog.declare("ThreadProc_none", "static DWORD WINAPI ThreadProc_none(LPVOID p) { (void)p; return 0; }")
    expr = f"{c_name}({args})"

    expected = step.error_code or 0
    if step.name == "ConnectNamedPipe" and step.ok and step.result == "False":
        expected = 535  # ERROR_PIPE_CONNECTED: the client came first; callers treat it as success
    head = f"    /* {step.index}. tokenlab: " + (
        f"fails with {step.error}" if step.error else f"succeeds, returns {_comment(str(step.result))}") + " */"
    lines = [head] + [f"    {p}" for p in dict.fromkeys(pre)]
    label = f'"{c_name}"'
    if returns == "HANDLE" and call.name.startswith("GetCurrent"):
        lines.append(f"    {expr};  /* a pseudo-handle: nothing to check */")
    elif returns == "DWORD" and call.name.startswith("GetCurrent"):
        lines.append(f"    {expr};")
    elif returns == "HANDLE":
        var = _handle_var(prefix, step, call)
        prog.declare(var, f"static HANDLE {var};")
        bad = "INVALID_HANDLE_VALUE" if call.name in _INVALID_HANDLE_VALUE_ON_FAILURE else "NULL"
        lines += [f"    {var} = {expr};", f"    outcome({step.index}, {label}, {var} != {bad}, {expected});"]
    elif returns == "HRESULT":
        lines += [f"    hr = {expr};", f"    outcome_hr({step.index}, {label}, hr, (HRESULT)0x{expected:08X});"]
        if call.name == "CoCreateInstance":
            lines.append("    if (SUCCEEDED(hr)) { punk->Release(); punk = NULL; }")
    elif returns == "DWORD":
        lines += [f"    err = {expr};", f"    outcome_err({step.index}, {label}, err, {expected});"]
    else:
        lines += [f"    ok = {expr};", f"    outcome({step.index}, {label}, ok, {expected});"]
    # what this call's out-parameters now hold, for later calls that pass the same value
    if call.error is None and call.name in _PROCESS_INFORMATION:
        hp, ht = f"{prefix}h{call.result.hProcess}", f"{prefix}h{call.result.hThread}"
        prog.declare(hp, f"static HANDLE {hp};")
        prog.declare(ht, f"static HANDLE {ht};")
        lines.append(f"    if (ok) {{ {hp} = pi.hProcess; {ht} = pi.hThread; }}")
    if call.error is None and call.name == "GetTokenInformation" and isinstance(call.result, int) \
            and not isinstance(call.result, bool) and "TokenLinkedToken" in args:  # a new handle, in the buffer
        var = f"{prefix}h{call.result}"
        prog.declare(var, f"static HANDLE {var};")
        lines.append(f"    if (ok) {var} = ((TOKEN_LINKED_TOKEN *)buffer)->LinkedToken;")
    if call.error is None and call.name in ("GetSecurityInfo", "GetKernelObjectSecurity") \
            and isinstance(call.result, SecurityDescriptor):
        for k in [k for k, v in prog.sd_vars.items() if v == "pSD"]:
            del prog.sd_vars[k]
        prog.sd_vars.setdefault(call.result.to_sddl(), "pSD")
    return lines


def _typed_literals(prog: _Program, call, args: str, pre: list[str]) -> str:
    """Literal names in a template whose type depends on the call (privilege sets, info)."""
    if call.name == "AdjustTokenPrivileges":
        items = list(call.args[2] if len(call.args) > 2 else call.kwargs.get("NewState", ()) or ())
        var = _privilege_set(prog, pre, "TOKEN_PRIVILEGES", "PrivilegeCount", "Privileges",
                             [(_priv_name(i), _priv_attrs(i)) for i in items])
        args = re.sub(r"&newState\b", f"(PTOKEN_PRIVILEGES)&{var}", args)
    if call.name == "PrivilegeCheck":
        items = list(call.args[1] if len(call.args) > 1 else call.kwargs.get("RequiredPrivileges", ()) or ())
        var = _privilege_set(prog, pre, "PRIVILEGE_SET", "PrivilegeCount", "Privilege",
                             [(_priv_name(i), "0") for i in items], control=True)
        args = re.sub(r"&requiredPrivileges\b", f"(PPRIVILEGE_SET)&{var}", args)
    if call.name == "WriteFile":
        data = call.args[1] if len(call.args) > 1 else next(iter(call.kwargs.values()), b"")
        data = data.encode("utf-16-le") if isinstance(data, str) else bytes(data or b"")
        var = prog.fresh("writeBuffer")
        body = ", ".join(f"0x{b:02X}" for b in data) or "0"
        prog.declare(var, f"static BYTE {var}[] = {{ {body} }};")
        args = re.sub(r"\bwriteBuffer\b", var, args)
    if call.name == "SetTokenInformation":
        args = _set_info(prog, call, args, pre)
    if call.name == "AdjustTokenGroups":
        items = list((call.args[2] if len(call.args) > 2 else call.kwargs.get("NewState", ())) or ())
        n = max(1, len(items))
        var = prog.fresh("groups")
        prog.declare(var, f"static struct {{ DWORD GroupCount; SID_AND_ATTRIBUTES Groups[{n}]; }} {var};"
                          "  /* laid out as TOKEN_GROUPS */")
        pre.append(f"{var}.GroupCount = {len(items)};")
        for i, item in enumerate(items):
            sid, attrs = (item.sid, item.attributes) if hasattr(item, "sid") else item
            pre.append(f"{var}.Groups[{i}].Sid = {_sid(prog, SID(sid), pre)};")
            pre.append(f"{var}.Groups[{i}].Attributes = 0x{int(attrs):X};")
        args = re.sub(r"&newGroups\b", f"(PTOKEN_GROUPS)&{var}", args)
    return args


def _priv_name(item) -> str:
    if isinstance(item, tuple):
        item = item[0]
    return getattr(item, "name", item) if not isinstance(item, str) else item


def _priv_attrs(item) -> str:
    if isinstance(item, tuple):
        return f"0x{int(item[1]):X}"
    return f"0x{int(getattr(item, 'attributes', 0)):X}"


def _privilege_set(prog, pre, ctype, count_field, array_field, items, control=False) -> str:
    n = max(1, len(items))
    var = prog.fresh("privs")
    extra = "DWORD Control; " if control else ""
    prog.declare(var, f"static struct {{ DWORD {count_field}; {extra}LUID_AND_ATTRIBUTES {array_field}[{n}]; }} {var};"
                      f"  /* laid out as {ctype} */")
    pre.append(f"{var}.{count_field} = {len(items)};")
    for i, (name, attrs) in enumerate(items):
        pre.append(f'setup("{name}", LookupPrivilegeValueW(NULL, L"{name}", &{var}.{array_field}[{i}].Luid));')
        pre.append(f"{var}.{array_field}[{i}].Attributes = {attrs};")
    return var


def _set_info(prog, call, args, pre) -> str:
    from ..win32 import constants as C
    cls = call.args[1] if len(call.args) > 1 else call.kwargs.get("TokenInformationClass")
    value = call.args[2] if len(call.args) > 2 else call.kwargs.get("TokenInformation")
    name = dict(C.TOKEN_INFORMATION_CLASS_NAMES).get(cls, f"class{cls}")
    var = f"info{name}"
    if name == "TokenIntegrityLevel":
        prog.declare(var, f"static TOKEN_MANDATORY_LABEL {var};")
        sid = getattr(value, "sid", value)
        pre += [f"{var}.Label.Sid = {_sid(prog, sid, pre)};", f"{var}.Label.Attributes = SE_GROUP_INTEGRITY;"]
    elif name in ("TokenOwner", "TokenPrimaryGroup"):
        ctype, fld = ("TOKEN_OWNER", "Owner") if name == "TokenOwner" else ("TOKEN_PRIMARY_GROUP", "PrimaryGroup")
        prog.declare(var, f"static {ctype} {var};")
        pre.append(f"{var}.{fld} = {_sid(prog, getattr(value, 'sid', value), pre)};")
    elif name == "TokenDefaultDacl":
        prog.declare(var, f"static TOKEN_DEFAULT_DACL {var};")
        pre.append(f"{var}.DefaultDacl = {_acl(prog, value, pre) if value is not None else 'NULL'};")
    else:  # a DWORD class (TokenSessionId, TokenVirtualizationEnabled …)
        prog.declare(var, f"static DWORD {var};")
        pre.append(f"{var} = {int(value) if isinstance(value, (int, bool)) else 0};")
    return re.sub(r"\binfo\b", var, args)


def _sid(prog: _Program, sid: SID, pre: list[str]) -> str:
    var = prog.sid_vars.get(sid.text)
    if var is None:
        var = prog.sid_vars[sid.text] = prog.declare(prog.fresh("pSid"), "")
        prog.globals[var] = f"static PSID {var};"
        pre.append(f'setup("SID {sid.text}", ConvertStringSidToSidW(L"{sid.text}", &{var}));')
    return var


def _sd(prog: _Program, sd: SecurityDescriptor, pre: list[str]) -> str:
    text = sd.to_sddl()
    var = prog.sd_vars.get(text)
    if var is None:
        var = prog.fresh("pSD")
        prog.declare(var, f"static PSECURITY_DESCRIPTOR {var};")
        prog.sd_vars[text] = var
        pre.append(f'setup("{var}", ConvertStringSecurityDescriptorToSecurityDescriptorW(\n'
                   f'        L"{text}", SDDL_REVISION_1, &{var}, NULL));')
    return var


def _acl(prog: _Program, acl: ACL, pre: list[str]) -> str:
    sd = _sd(prog, SecurityDescriptor(dacl=acl), pre)
    var = prog.fresh("pAcl")
    prog.declare(var, f"static PACL {var};")
    prog.declare("present", "static BOOL present, defaulted;")
    pre.append(f'setup("{var}", GetSecurityDescriptorDacl({sd}, &present, &{var}, &defaulted));')
    return var


def _arg(prog: _Program, prefix: str, call_name: str, param: str, value, pre: list[str]) -> str:
    """One argument as compilable C; set-up it needs goes to ``pre``."""
    if value is None:
        return "NULL"
    if isinstance(value, SecurityDescriptor):
        return _sd(prog, value, pre)
    if type(value).__name__ == "SECURITY_ATTRIBUTES":
        sd = _arg(prog, prefix, call_name, "sd", value.lpSecurityDescriptor, pre)
        prog.declare("sa", _LITERALS["sa"])
        pre += ["sa.nLength = sizeof sa;", f"sa.lpSecurityDescriptor = {sd};",
                f"sa.bInheritHandle = {'TRUE' if value.bInheritHandle else 'FALSE'};"]
        return "&sa"
    if isinstance(value, SID):
        return _sid(prog, value, pre)
    if isinstance(value, ACL):
        return _acl(prog, value, pre)
    if isinstance(value, GenericMapping):
        prog.declare("mapping", _LITERALS["mapping"])
        pre += [f"mapping.GenericRead = 0x{value.generic_read:X};", f"mapping.GenericWrite = 0x{value.generic_write:X};",
                f"mapping.GenericExecute = 0x{value.generic_execute:X};", f"mapping.GenericAll = 0x{value.generic_all:X};"]
        return "&mapping"
    if isinstance(value, (tuple, list)):
        if not value:
            return "NULL"
        var = prog.fresh(param)
        if "Privilege" in param:
            prog.declare(var, f"static LUID_AND_ATTRIBUTES {var}[{len(value)}];")
            for i, item in enumerate(value):
                name = _priv_name(item)
                pre.append(f'setup("{name}", LookupPrivilegeValueW(NULL, L"{name}", &{var}[{i}].Luid));')
        else:
            prog.declare(var, f"static SID_AND_ATTRIBUTES {var}[{len(value)}];")
            for i, item in enumerate(value):
                item = item[0] if isinstance(item, tuple) else item  # (SID, attributes)
                pre.append(f"{var}[{i}].Sid = {_sid(prog, SID(getattr(item, 'sid', item)), pre)};")
        return var
    if isinstance(value, (bytes, bytearray)):
        var = prog.fresh("writeBuffer")
        prog.declare(var, f"static BYTE {var}[] = {{ {', '.join(f'0x{b:02X}' for b in value) or '0'} }};")
        return var
    if isinstance(value, str) and param == "lpCommandLine":  # CreateProcessW may write to it: a buffer
        var = prog.fresh("commandLine")
        prog.declare(var, f"static WCHAR {var}[] = {c_expr('lpApplicationName', value, [])};")
        return var
    if isinstance(value, (bool, int, str, enum.Enum)):
        text = c_expr(param, value, pre)
        if re.fullmatch(r"h\d+", text):
            text = prefix + text
            prog.declare(text, f"static HANDLE {text};")
        return text
    raise TypeError(f"{call_name}: cannot write {param}={value!r} as C")
