"""AccessCheckExplorer: a token, a descriptor in SDDL, the rights asked for → the check, drawn."""
from __future__ import annotations

import ipywidgets as w

from ..security.access_check import access_check
from ..security.errors import SDDLError
from ..security.rights import MAPPINGS, TOKEN_MAPPING, GenericMapping, format_mask, mask_names
from ..security.descriptor import format_sddl, parse_sddl
from ..security.sids import INTEGRITY_NAMES, SID, sid_from_alias
from ..kernel.token import Token
from ..security.tokenattrs import TokenType
from ..view import palette as pal
from ..view.text import SidNamer
from . import _common as c

BUILD = "__build__"  # the token choice "build one from the fields"
# The first user a tokenlab Machine creates (alice in the stories), for the builder's default.
DEFAULT_USER = "S-1-5-21-1004336348-1177238915-682003330-1001"
DEFAULT_GROUPS = "WD, BU, AU"


class AccessCheckExplorer(w.VBox):
    """Edit a security descriptor, pick a token and the rights to ask for, and see AccessCheck.

    ``AccessCheckExplorer(token=None, sddl=None, mapping=TOKEN_MAPPING, *, tokens=None,
    machine=None)``. ``sddl=None`` starts from :func:`default_sddl` for the mapping. The
    token choices are ``token``, the ``tokens`` dict (name → Token), every live token of
    ``machine``, and one built from the user and groups fields (names of ``machine``'s
    accounts, SID strings, or SDDL aliases such as ``BA``). The check itself is
    :func:`tokenlab.access_check`; the pictures are ``descriptor_graph`` and ``descriptor_table``.

    Public children:

    ``token``       Dropdown: which token is checked; it starts on ``token`` if given, else
                    on the first impersonation token (Win32 AccessCheck refuses a primary one)
    ``user``, ``groups``, ``integrity``   the builder's fields (shown when building)
    ``builder_feedback``  HTML: why the built token could not be made, if so
    ``object_type`` Dropdown: the generic mapping (object type) the rights belong to
    ``rights``      SelectMultiple: desired rights by name (incl. generic, MAXIMUM_ALLOWED)
    ``map_generic`` Checkbox: map generic rights first (MapGenericMask), as the kernel does
    ``as_kernel``   Checkbox: check as SeAccessCheck does when a handle is opened, which
                    accepts a primary token (Win32 AccessCheck wants an impersonation token)
    ``sddl``        Textarea: the security descriptor
    ``feedback``    HTML: whether the SDDL parses; an SDDLError's message and a caret at its position
    ``verdict``     HTML: granted bits by name, or the status in red
    ``narrative``   HTML: ``str(result)``, the check in words
    ``graph``       HTML: the descriptor graph with the check (SVG); dimmed when stale
    ``table``       HTML: ``descriptor_table`` (the graph's text twin)
    ``error``       HTML: an exception from a callback, if any

    ``result`` is the latest AccessCheckResult (None before a valid input), ``descriptor``
    the last SecurityDescriptor that parsed, ``stale`` True while the input is invalid and
    the pictures show the last valid one.
    """

    def __init__(self, token: Token | None = None, sddl: str | None = None,
                 mapping: GenericMapping = TOKEN_MAPPING, *, tokens: dict | None = None, machine=None):
        if not isinstance(mapping, GenericMapping):
            raise TypeError(f"mapping must be a GenericMapping such as TOKEN_MAPPING, got {type(mapping).__name__}")
        if token is not None and not isinstance(token, Token):
            raise TypeError(f"token must be a tokenlab Token or None, got {type(token).__name__}")
        if sddl is not None and not isinstance(sddl, str):
            raise TypeError(f"sddl must be an SDDL string or None, got {type(sddl).__name__}")
        self.machine = machine
        self.mapping = mapping
        self.result = None
        self.descriptor = None
        self.stale = False
        self._quiet = False
        self._tokens = self._token_choices(token, tokens, machine)
        self.error = c.error_area()

        options = [(c.label(name), key) for key, (name, _) in self._tokens.items()]
        options.append(("build one: user + groups below", BUILD))
        # Start on the token passed, else on the first impersonation token (what Win32
        # AccessCheck wants), else on the first choice.
        first = options[0][1] if token is not None else next(
            (key for key, (_, tok) in self._tokens.items() if tok.token_type != TokenType.TokenPrimary), options[0][1])
        self.token = w.Dropdown(options=options, value=first, description="token",
                                layout=w.Layout(width="420px"))
        self.user = w.Text(value=self._default_user(), description="user", layout=w.Layout(width="420px"))
        self.groups = w.Text(value=DEFAULT_GROUPS, description="groups", layout=w.Layout(width="420px"),
                             placeholder="names, SIDs or aliases, comma-separated")
        self.integrity = w.Dropdown(options=[(n, rid) for rid, n in sorted(INTEGRITY_NAMES.items())], value=8192,
                                    description="integrity")
        self.builder_feedback = w.HTML()
        self._builder = w.VBox([self.user, self.groups, self.integrity, self.builder_feedback])

        self._mappings = dict(MAPPINGS)
        if self._mappings.get(mapping.object_type, mapping) is not mapping:  # a custom one reusing a name
            self._mappings[f"{mapping.object_type} (yours)"] = mapping
        else:
            self._mappings[mapping.object_type] = mapping
        chosen = next(k for k, m in self._mappings.items() if m is mapping)
        self.object_type = w.Dropdown(options=list(self._mappings), value=chosen, description="object type")
        self.rights = w.SelectMultiple(options=self._right_names(mapping), value=("MAXIMUM_ALLOWED",),
                                       rows=10, description="desired", layout=w.Layout(width="420px"))
        self.map_generic = w.Checkbox(value=True, description="map generic rights first (MapGenericMask)",
                                      indent=False)
        self.as_kernel = w.Checkbox(value=False, indent=False,
                                    description="as the kernel opening a handle (a primary token is accepted)")

        self.sddl = w.Textarea(value=default_sddl(mapping) if sddl is None else sddl, description="SDDL", rows=3,
                               continuous_update=True, layout=w.Layout(width="100%"))
        self.feedback = w.HTML()
        self.verdict = w.HTML()
        self.narrative = w.HTML()
        self.graph = w.HTML(layout=w.Layout(width="100%"))
        self.table = w.HTML()
        self._last: dict[str, str] = {}  # the last valid check's HTML, per area

        for control in (self.token, self.user, self.groups, self.integrity, self.rights, self.map_generic,
                        self.as_kernel, self.sddl):
            control.observe(self._on_input, names="value")
        self.object_type.observe(self._on_object_type, names="value")

        left = w.VBox([self.token, self._builder])
        right = w.VBox([self.object_type, self.rights, self.map_generic, self.as_kernel])
        super().__init__(children=[w.HTML("<b>AccessCheck explorer</b>"), w.HBox([left, right]), self.sddl,
                                   self.feedback, self.error, self.verdict, self.narrative, self.graph, self.table])
        self._update()

    # -- the choices ------------------------------------------------------------------
    @staticmethod
    def _token_choices(token, tokens, machine) -> dict[str, tuple[str, Token]]:
        """key -> (label, Token), in the order given: token, tokens, then the machine's."""
        out: dict[str, tuple[str, Token]] = {}

        def add(name: str, tok) -> None:
            if not isinstance(tok, Token):
                raise TypeError(f"{name}: expected a tokenlab Token, got {type(tok).__name__}"
                                " (a TokenState from a trace is a picture of one; pass the Token)")
            out[f"t{len(out)}"] = (name, tok)

        if token is not None:
            add(f"the token you passed: {_describe(token, machine)}", token)
        for name, tok in (tokens or {}).items():
            add(str(name), tok)
        if machine is not None:
            for obj in machine.live_objects():
                if obj.object_type == "Token":
                    add(_describe(obj, machine), obj)
        return out

    def _default_user(self) -> str:
        m = self.machine
        if m is not None:
            users = [a for a in m.accounts.values() if a.kind == "user" and a.sid.rid and a.sid.rid > 1000]
            if users:
                return users[0].name
        return DEFAULT_USER

    @staticmethod
    def _right_names(mapping: GenericMapping) -> list[str]:
        """The rights class's members, single bits (low first), then composites, by name."""
        members = mapping.rights.__members__.items()
        singles = sorted((int(v), n) for n, v in members if int(v) and int(v) & (int(v) - 1) == 0)
        composites = [n for n, v in members if int(v) & (int(v) - 1)]
        return [n for _, n in singles] + composites

    # -- reading the inputs ------------------------------------------------------------
    def _resolve(self, text: str) -> SID:
        """A name, SID string or SDDL alias → SID (the machine's accounts first)."""
        m = self.machine
        if m is not None:
            try:
                return m.account(text).sid
            except (KeyError, ValueError):
                pass
        if text.upper().startswith("S-1-"):
            return SID(text)
        try:
            return sid_from_alias(text, m.domain_sid if m is not None else None)
        except ValueError:
            what = "an account name, " if m is not None else ""
            raise ValueError(f"{text!r} is not {what}a SID (S-1-...) or an SDDL alias (BA, WD, ...)") from None

    def _built_token(self) -> Token:
        user = self._resolve(self.user.value.strip())
        groups = [self._resolve(g.strip()) for g in self.groups.value.split(",") if g.strip()]
        return Token(user, groups, integrity_level=SID(f"S-1-16-{self.integrity.value}"))

    def current_token(self) -> Token:
        """The token the check uses (raises ValueError/KeyError for a bad built one)."""
        if self.token.value == BUILD:
            return self._built_token()
        return self._tokens[self.token.value][1]

    @property
    def desired(self) -> int:
        rights = self.mapping.rights
        mask = 0
        for name in self.rights.value:
            mask |= int(rights[name])
        return mask

    def _names(self, token: Token) -> dict:
        """Display names for the SIDs of the token and descriptor, from the machine."""
        m = self.machine
        if m is None:
            return {}
        sids = {token.user, *(g.sid for g in token.groups)}
        sd = self.descriptor
        if sd is not None:
            sids |= {s for s in (sd.owner, sd.group) if s is not None}
            sids |= {a.sid for acl in (sd.dacl, sd.sacl) if acl is not None for a in acl}
        return {s: m.sid_name(s) for s in sids}

    # -- callbacks ---------------------------------------------------------------------
    @c.guarded
    def _on_object_type(self, change=None):
        self.mapping = self._mappings[self.object_type.value]
        names = self._right_names(self.mapping)
        keep = tuple(n for n in self.rights.value if n in names) or ("MAXIMUM_ALLOWED",)
        self._quiet = True  # one update after the swap, not one per intermediate value
        try:
            self.rights.options = names
            self.rights.value = keep
        finally:
            self._quiet = False
        self._update()

    @c.guarded
    def _on_input(self, change=None):
        if not self._quiet:
            self._update()

    @c.guarded
    def _update(self):
        self._builder.layout.display = "" if self.token.value == BUILD else "none"
        # 1. The descriptor.
        try:
            domain = self.machine.domain_sid if self.machine is not None else None
            self.descriptor = parse_sddl(self.sddl.value.strip(), domain)
        except SDDLError as e:
            self.feedback.value = self._sddl_error_html(self.sddl.value.strip(), e)
            return self._go_stale("the SDDL above does not parse")
        except ValueError as e:  # e.g. a domain alias without a domain
            self.feedback.value = c.box(f"<b>bad SDDL:</b> {c.text(e)}", pal.RED, pal.RED_FILL)
            return self._go_stale("the SDDL above does not parse")
        self.feedback.value = f'<span style="color:{pal.GREEN}">✓ valid SDDL</span>'
        # 2. The token.
        try:
            token = self.current_token()
        except (KeyError, ValueError, TypeError) as e:
            self.builder_feedback.value = c.box(f"<b>can't build that token:</b> {c.text(e)}", pal.RED, pal.RED_FILL)
            return self._go_stale("the token cannot be built")
        self.builder_feedback.value = ""
        # 3. The check, by the model; then its pictures, by the views.
        sd = self.descriptor
        self.result = result = access_check(sd, token, self.desired, self.mapping,
                                            map_generic=self.map_generic.value,
                                            require_impersonation=not self.as_kernel.value)
        names = self._names(token)
        domain = self.machine.domain_sid if self.machine is not None else None
        self._last = {
            "verdict": self._verdict_html(result),
            "narrative": f'<p style="margin:4px 0">{c.text(str(result))}</p>',
            "graph": c.svg_html(c.view("descriptor_graph")(sd, result, names=names, domain=domain)),
            "table": c.pre(c.view("descriptor_table")(sd, result, names=names, domain=domain)),
        }
        self.stale = False
        for area in ("verdict", "narrative", "graph", "table"):
            getattr(self, area).value = self._last[area]

    def _go_stale(self, why: str):
        """Invalid input: keep the last valid check on screen, dimmed and labelled."""
        self.stale = True
        last = self._last
        if last:
            self.verdict.value = c.stale(last["verdict"], why + "; below is the last valid check")
            self.narrative.value = c.stale(last["narrative"], why)
            self.graph.value = c.stale(last["graph"], why)
            self.table.value = c.stale(last["table"], why)
        else:
            self.verdict.value = c.note(f"Nothing to check yet: {why}.")
            self.narrative.value = self.graph.value = self.table.value = ""

    @staticmethod
    def _sddl_error_html(sddl: str, e: SDDLError) -> str:
        """The message, then the SDDL with a caret under the offending character."""
        pos = max(0, min(e.position, len(sddl)))
        shown = c.text(sddl)
        caret = " " * len(c.label(sddl[:pos])) + "^"  # as wide as the shown (escaped) prefix
        return c.box(f'<b style="color:{pal.RED}">bad SDDL</b>: {c.text(e)}'
                     f'<pre style="{c.MONO};margin:2px 0;overflow-x:auto">{shown}\n'
                     f'<span style="color:{pal.RED}">{caret}</span></pre>', pal.RED, pal.RED_FILL)

    def _verdict_html(self, result) -> str:
        rights = result.mapping.rights
        asked = f"asked for {c.text(format_mask(result.desired, rights))}"
        if result.allowed:
            names = mask_names(result.granted, rights)
            chips = " ".join(f"<code>{c.text(n)}</code>" for n in names) or "<code>0</code> (nothing)"
            return c.box(f'<b style="color:{pal.GREEN}">granted</b> {chips} '
                         f"(0x{int(result.granted):08X}); {asked}", pal.GREEN, pal.GREEN_FILL)
        status = result.status
        kind = "AccessCheck failed" if result.is_call_failure else "denied"
        return c.box(f'<b style="color:{pal.RED}">{kind}: {c.text(status.name)} ({int(status)})</b>; {asked}',
                     pal.RED, pal.RED_FILL)

    def __repr__(self) -> str:
        r = self.result
        verdict = "no check yet" if r is None else (
            f"granted {format_mask(r.granted, r.mapping.rights)}" if r.allowed else r.status.name)
        return f"AccessCheckExplorer({self.sddl.value.strip()!r}: {verdict}{' (stale)' if self.stale else ''})"


def default_sddl(mapping: GenericMapping) -> str:
    """A first descriptor to edit: SYSTEM and Administrators get all of the type's rights,
    Everyone its read rights (the mapping's GENERIC_ALL and GENERIC_READ, already mapped,
    as they would be in a real object's descriptor)."""
    sd = parse_sddl(f"O:BAG:BAD:(A;;0x{mapping.generic_all:x};;;SY)(A;;0x{mapping.generic_all:x};;;BA)"
                    f"(A;;0x{mapping.generic_read:x};;;WD)")
    return format_sddl(sd)


def _describe(token: Token, machine) -> str:
    """``Token#4 (TOKENLAB\\alice, SecurityImpersonation, Medium)`` for a choice list."""
    who = SidNamer(machine=machine)(token.user)
    kind = "primary" if token.token_type == TokenType.TokenPrimary else token.impersonation_level.name
    ident = f"Token#{token.object_id} " if token.object_id is not None else ""
    return f"{ident}({who}, {kind}, {token.integrity_name})"
