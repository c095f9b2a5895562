"""What the household pages with a month field share ("Mijn maand", "Wat als"): the page
registration under ``/huishouden/<hid>/...``, the head of the page (the household tabs, title
and lead, the store that carries the household code to the callbacks), the month field, and the
outputs and answers of the callback that fills that field.

Access control stays with each page: its layout and every callback carry their own
:func:`dashboard.access.guarded_layout` / :func:`dashboard.access.guarded`, which check the
role and household scope on the server and audit the access; nothing here reads household data.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from typing import Any

from dash import Output, dcc, html

from dashboard.access import HOUSEHOLD_ROLES
from dashboard.components import add_page, alert, household_tabs, month_input, page_header
from dashboard.i18n import _
from store.users import Role


def register_household_page(
    module: str, slug: str, *, title: str, name: str, layout: Callable[..., Any]
) -> None:
    """Register ``module``'s page at ``/huishouden/<hid>/<slug>`` for participants and coaches
    (``/huishouden/<slug>`` without a household code, which the layout then refuses)."""
    add_page(
        module,
        path_template=f"/huishouden/<hid>/{slug}",
        path=f"/huishouden/{slug}",
        title=title,
        name=name,
        layout=layout,
        roles=sorted(HOUSEHOLD_ROLES),
    )


def household_head(
    hid: str, tab: str, role: Role, *, store: str, title: str, lead: str
) -> list[Any]:
    """The household tabs with ``tab`` active, the page header, and the ``dcc.Store`` (id
    ``store``) from which the page's callbacks take the household code."""
    return [household_tabs(hid, tab, role), page_header(title, lead), dcc.Store(id=store, data=hid)]


def month_field(ident: str, label: str) -> html.Div:
    """A labelled month field (``JJJJ-MM``) in a column of a Bootstrap row."""
    return html.Div(
        [html.Label(label, htmlFor=ident, className="form-label"), month_input(ident)],
        className="col-sm-4",
    )


def month_outputs(field: str, message: str) -> list[Output]:
    """The first outputs of the callback that fills a month field: its ``min``, ``max`` and
    ``value``, and the page's message."""
    return [
        Output(field, "min"),
        Output(field, "max"),
        Output(field, "value"),
        Output(message, "children"),
    ]


def month_value(value: dt.date) -> str:
    """A date as the value of a month field: ``2024-03-01`` → ``2024-03``."""
    return f"{value:%Y-%m}"


def field_range(months: Sequence[dt.date]) -> tuple[str | None, str | None]:
    """``min`` and ``max`` of a month field from the first to the last of ``months``; no
    limits when there are none."""
    if not months:
        return None, None
    return month_value(months[0]), month_value(months[-1])


def no_transactions() -> html.Div:
    """The message of a household page for a household without any transaction."""
    return alert(_("There are no transactions yet for this household."), "info")
