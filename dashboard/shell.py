"""The frame around every page: skip link, header with the role's navigation, logout, main.

Built per request (``app.layout`` is a function), so the navigation shows only what the
logged-in role may open. Navigation is a convenience, never the protection: every page and
callback checks access itself (``dashboard.access``).
"""

from __future__ import annotations

from typing import Any

import dash
from dash import dcc, html
from flask import g
from flask_wtf.csrf import generate_csrf

from dashboard.components import attrs, household_paths
from dashboard.context import Principal
from dashboard.i18n import _
from store.users import Role

INDEX_STRING = """<!DOCTYPE html>
<html lang="nl">
    <head>
        {%metas%}
        <title>{%title%}</title>
        {%favicon%}
        {%css%}
    </head>
    <body>
        {%app_entry%}
        <footer>
            {%config%}
            {%scripts%}
            {%renderer%}
        </footer>
    </body>
</html>
"""


def role_label(role: Role) -> str:
    return {
        Role.DEELNEMER: _("participant"),
        Role.BUDGETCOACH: _("budget coach"),
        Role.GEMEENTE_ANALIST: _("municipal analyst"),
        Role.BEHEERDER: _("administrator"),
    }[role]


def nav_items(who: Principal) -> list[tuple[str, str]]:
    """(label, path) of the pages a role starts from."""
    items = [(_("Start"), "/")]
    if who.role is Role.DEELNEMER and who.household_code:
        paths = household_paths(who.household_code)
        items += [
            (_("My month"), paths["maand"]),
            (_("Overview"), paths["overzicht"]),
            (_("Regelingen"), paths["regelingen"]),
            (_("What if"), paths["watals"]),
            (_("My details"), paths["gegevens"]),
        ]
    elif who.role is Role.BUDGETCOACH:
        items.append((_("Caseload"), "/caseload"))
    elif who.role is Role.GEMEENTE_ANALIST:
        items.append((_("Figures for the municipality"), "/analist"))
    elif who.role is Role.BEHEERDER:
        items.append((_("Users and caseloads"), "/beheer"))
    return items


def _logout_form() -> html.Form:
    return html.Form(
        [
            dcc.Input(type="hidden", name="csrf_token", value=generate_csrf(), id="logout-csrf"),
            html.Button(_("Log out"), type="submit", className="btn btn-outline-light btn-sm"),
        ],
        action="/logout",
        method="POST",
        className="d-inline",
    )


def layout() -> Any:
    who: Principal | None = g.get("principal")
    if who is None:  # Dash builds a validation layout outside a request
        return html.Div(dash.page_container)
    links = [
        html.Li(dcc.Link(label, href=path, className="nav-link"), className="nav-item")
        for label, path in nav_items(who)
    ]
    header = html.Header(
        html.Div(
            [
                dcc.Link(_("Huishoudboekje"), href="/", className="navbar-brand"),
                html.Nav(
                    html.Ul(links, className="navbar-nav flex-row gap-3 me-auto"),
                    **attrs(aria_label=_("Main navigation")),
                ),
                html.Span(
                    f"{who.username} ({role_label(who.role)})",
                    className="navbar-text text-light me-3",
                ),
                _logout_form(),
            ],
            className="container d-flex flex-wrap align-items-center gap-2",
        ),
        className="navbar navbar-dark bg-hhb mb-4",
    )
    return html.Div(
        [
            html.A(_("Skip to content"), href="#inhoud", className="visually-hidden-focusable"),
            header,
            html.Main(
                [
                    html.Div(
                        id="toegang-melding",
                        className="alert alert-danger",
                        role="alert",
                        **attrs(
                            data_tekst=_(
                                "You do not have access (any more) to this data. "
                                "Reload the page or go back to the start page."
                            )
                        ),
                    ),
                    dash.page_container,
                ],
                id="inhoud",
                className="container pb-5",
            ),
        ]
    )
