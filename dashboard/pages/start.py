"""Start: where every role lands after login, with the pages that role can open.

A participant lands on their own "Mijn maand" instead: the page they come for, at ``/`` so the
login needs no role-specific redirect. It is that page's layout for their household, behind
that page's own guard (scope check and audit), with a greeting above it.
"""

from __future__ import annotations

from typing import Any

from dash import Dash, dcc, html

from dashboard.access import ALL_ROLES, guarded_layout
from dashboard.components import add_page, page_header
from dashboard.context import principal
from dashboard.i18n import _
from dashboard.pages import maand
from dashboard.shell import nav_items, role_label
from store.users import Role


def _explanation(role: Role) -> str:
    return {
        Role.DEELNEMER: _("Here you see your money coming in and going out per month, and "
                          "you decide which budget coach may see your household."),
        Role.BUDGETCOACH: _("You see the households in your caseload whose participant has "
                            "given you consent, and you can import their bank files."),
        Role.GEMEENTE_ANALIST: _("With your role you only see figures about many households "
                                 "together, never the data of one household."),
        Role.BEHEERDER: _("You manage users, roles and caseloads. You do not see the data of "
                          "households."),
    }[role]  # fmt: skip


@guarded_layout(roles=ALL_ROLES, action="start.page")
def layout(**_query: Any) -> Any:
    who = principal()
    if who.role is Role.DEELNEMER and who.household_code:
        return html.Div(
            [
                html.P(_("Welcome, {name}").format(name=who.username), className="lead mb-2"),
                maand.layout(hid=who.household_code),
            ]
        )
    links = [
        html.Li(dcc.Link(label, href=path), className="list-group-item")
        for label, path in nav_items(who)
        if path != "/"
    ]
    parts: list[Any] = [
        page_header(
            _("Welcome, {name}").format(name=who.username),
            _("You are logged in as {role}.").format(role=role_label(who.role)),
        ),
        html.P(_explanation(who.role)),
    ]
    if links:
        parts += [html.H2(_("Go to"), className="h5"), html.Ul(links, className="list-group")]
    return html.Div(parts)


def register(app: Dash) -> None:
    add_page(
        __name__, path="/", title=_("Start - Huishoudboekje"), name=_("Start"), layout=layout,
        roles=sorted(ALL_ROLES),
    )  # fmt: skip
