"""The page for an address that does not exist (Dash shows it for any unknown path)."""

from __future__ import annotations

from typing import Any

from dash import Dash, html

from dashboard.access import ALL_ROLES, guarded_layout
from dashboard.components import add_page
from dashboard.i18n import _


@guarded_layout(roles=ALL_ROLES, action="not-found.page")
def layout(**_query: Any) -> Any:
    return html.Div(
        [
            html.H1(_("Page not found"), className="h3"),
            html.P(_("This address does not exist.")),
            html.A(_("Back to the start page"), href="/", className="alert-link"),
        ]
    )


def register(app: Dash) -> None:
    add_page(
        __name__, path="/404", title=_("Page not found - Huishoudboekje"), layout=layout,
        roles=sorted(ALL_ROLES),
    )  # fmt: skip
