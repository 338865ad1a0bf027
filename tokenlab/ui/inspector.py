"""TokenInspector: one token's contents, tab by tab."""
from __future__ import annotations

import ipywidgets as w

from ..security.descriptor import SecurityDescriptor
from ..security.tokenattrs import GroupAttributes, PrivilegeAttributes
from ..kernel.token import Token
from ..teaching.snapshot import TokenState, token_state
from ..view import palette as pal
from ..view.text import SidNamer
from . import _common as c

TABS = ("overview", "groups", "privileges", "default DACL", "statistics")


def _flags(value: int, cls) -> list[str]:
    """Names of the members of ``cls`` whose bits are all set in ``value``."""
    return [name for name, m in cls.__members__.items() if int(m) and value & int(m) == int(m)]


class TokenInspector(w.VBox):
    """A token (a :class:`~tokenlab.Token`, or a ``TokenState`` from a trace's snapshot) in tabs.

    ``TokenInspector(token, *, machine=None, names=None)``: ``machine`` names the SIDs and
    resolves domain aliases; ``names`` (SID string → name, e.g. ``dict(snapshot.names)``)
    does the same for a TokenState.

    Public children:

    ``tabs``            Tab over the five pages below
    ``overview_graph``  HTML: the token graph (SVG);  ``overview_table``: its text twin
    ``groups``          HTML: every group with its attributes; deny-only and disabled marked
    ``privileges``      HTML: every privilege, enabled or not
    ``default_dacl``    HTML: the default DACL in SDDL;  ``default_dacl_graph``: its descriptor graph
    ``statistics``      HTML: TokenId, AuthenticationId, ModifiedId, type, level, integrity, counts
    ``error``           HTML: an exception from building a page, if any
    """

    def __init__(self, token: Token | TokenState, *, machine=None, names: dict | None = None):
        if not isinstance(token, (Token, TokenState)):
            raise TypeError(f"TokenInspector expects a Token or a TokenState, got {type(token).__name__}")
        self.token = token
        self.machine = machine
        self.state: TokenState = token if isinstance(token, TokenState) else token_state(token, machine)
        self._names = {str(k): str(v) for k, v in (names or {}).items()}
        self._namer = SidNamer(self._names, machine=machine)
        self.error = c.error_area()
        self.title = w.HTML()
        self.overview_graph = w.HTML(layout=w.Layout(width="100%"))
        self.overview_table = w.HTML()
        self.groups = w.HTML()
        self.privileges = w.HTML()
        self.default_dacl = w.HTML()
        self.default_dacl_graph = w.HTML(layout=w.Layout(width="100%"))
        self.statistics = w.HTML()
        self.tabs = w.Tab(children=[w.VBox([self.overview_graph, self.overview_table]), self.groups, self.privileges,
                                    w.VBox([self.default_dacl, self.default_dacl_graph]), self.statistics],
                          titles=TABS)
        super().__init__(children=[self.title, self.error, self.tabs])
        self._fill()

    def name(self, sid: str) -> str:
        """The account name for a SID string: the names given, the machine, well-known, else ''."""
        return self._namer.find(sid) or ""

    @c.guarded
    def _fill(self):
        s = self.state
        self.title.value = (f"<b>Token#{s.object_id}</b>: {c.text(self.name(s.user) or s.user)}, "
                            f"{c.text(s.token_type)}, {c.text(s.level)}, {c.text(s.integrity)} integrity")
        for page in (self._overview, self._groups, self._privileges, self._default_dacl, self._statistics):
            page()

    def _view_kwargs(self) -> dict:
        return {"machine": self.machine, "names": self._names or None}

    @c.guarded
    def _overview(self):
        self.overview_table.value = c.pre(c.view("token_table")(self.token, **self._view_kwargs()))
        self.overview_graph.value = c.svg_html(c.view("token_graph")(self.token, **self._view_kwargs()))

    def _table(self, header: tuple[str, ...], rows: list[tuple[str, ...]], marks: list[str]) -> str:
        head = "".join(f'<th style="text-align:left;padding:2px 8px">{c.text(h)}</th>' for h in header)
        body = []
        for row, mark in zip(rows, marks):
            style = {"group_deny_only": f"color:{pal.RED}", "group_disabled": f"color:{pal.GREY};font-style:italic",
                     "privilege_disabled": f"color:{pal.GREY};font-style:italic",
                     "privilege_removed": f"color:{pal.GREY};text-decoration:line-through"}.get(mark, "")
            cells = "".join(f'<td style="padding:2px 8px">{c.text(cell)}</td>' for cell in row)
            body.append(f'<tr style="{style}">{cells}</tr>')
        return f'<table style="{c.MONO};border-collapse:collapse"><tr>{head}</tr>{"".join(body)}</table>'

    @c.guarded
    def _groups(self):
        from ..view.tokens import group_state  # the token view's words for SE_GROUP_* attributes

        rows, marks = [], []
        for sid, attrs in self.state.groups:
            key, words = group_state(attrs)
            rows.append((self.name(sid), sid, words, "|".join(_flags(attrs, GroupAttributes)) or "0"))
            marks.append(key)
        if not rows:
            self.groups.value = c.note("This token has no groups.")
            return
        legend = (f'<div style="color:{pal.GREY}"><span style="color:{pal.RED}">deny-only</span> and '
                  "<i>disabled</i> groups are marked</div>")
        self.groups.value = legend + self._table(("name", "SID", "state", "attribute names"), rows, marks)

    @c.guarded
    def _privileges(self):
        from ..view.tokens import privilege_state

        rows, marks = [], []
        for name, attrs in self.state.privileges:
            key, words = privilege_state(attrs)
            rows.append((name, words, f"0x{attrs:08X}", "|".join(_flags(attrs, PrivilegeAttributes)) or "0"))
            marks.append(key)
        if not rows:
            self.privileges.value = c.note("This token holds no privileges.")
            return
        self.privileges.value = self._table(("privilege", "state", "attributes", "attribute names"), rows, marks)

    @c.guarded
    def _default_dacl(self):
        sddl = self.state.default_dacl_sddl
        if not sddl:
            self.default_dacl.value = c.note("This token has no default DACL.")
            self.default_dacl_graph.value = ""
            return
        self.default_dacl.value = (f'<div style="color:{pal.GREY}">the DACL given to objects this token creates '
                                   "without a descriptor of their own</div>" + c.pre(sddl))
        sd = SecurityDescriptor(dacl=self.state.default_dacl)
        names = {sid: n for sid, n in self._names.items()}
        if self.machine is not None:
            names.update({a.sid.text: self.machine.sid_name(a.sid) for a in sd.dacl or ()})
        self.default_dacl_graph.value = c.svg_html(c.view("descriptor_graph")(sd, names=names or None))

    @c.guarded
    def _statistics(self):
        s = self.state
        rows = [
            ("object", f"Token#{s.object_id}"),
            ("TokenId", s.token_id), ("AuthenticationId", s.authentication_id), ("ModifiedId", s.modified_id),
            ("TokenType", s.token_type), ("ImpersonationLevel", s.level),
            ("integrity", f"{s.integrity}" + (f" ({s.integrity_sid})" if s.integrity_sid else "")),
            ("user", f"{self.name(s.user)} ({s.user})" if self.name(s.user) else s.user),
            ("owner", self.name(s.owner) or s.owner),
            ("primary group", self.name(s.primary_group) or s.primary_group),
            ("groups", str(len(s.groups))),
            ("deny-only groups", str(sum(1 for _, a in s.groups if a & GroupAttributes.SE_GROUP_USE_FOR_DENY_ONLY))),
            ("privileges", str(len(s.privileges))),
            ("enabled privileges",
             str(sum(1 for _, a in s.privileges if a & PrivilegeAttributes.SE_PRIVILEGE_ENABLED))),
            ("restricting SIDs", str(len(s.restricted_sids))),
        ]
        if s.logon_session:
            rows.append(("logon session", s.logon_session))
        if s.origin:
            rows.append(("origin", s.origin))
        if s.duplicated_from is not None:
            rows.append(("duplicated from", f"Token#{s.duplicated_from}"))
        if s.security_sddl:
            rows.append(("its own descriptor", s.security_sddl))
        self.statistics.value = self._table(("field", "value"), rows, [""] * len(rows))

    def __repr__(self) -> str:
        s = self.state
        return f"TokenInspector(Token#{s.object_id}: {self.name(s.user) or s.user}, {s.token_type}, {s.level})"
