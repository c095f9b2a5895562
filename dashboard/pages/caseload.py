"""Caseload: the coach's households, and for those whose participant consented, their pages.

A household without (current) consent shows only its code and that consent is missing: the
coach knows it is assigned to them, nothing about it. Columns for signals and regelingen join
when those modules exist.
"""

from __future__ import annotations

import datetime as dt
from enum import StrEnum
from typing import Any

from dash import Dash, Input, Output, dcc, html

from dashboard.access import guarded, guarded_layout
from dashboard.components import add_page, alert, household_paths, page_header, table
from dashboard.context import db, principal
from dashboard.formatting import short_day
from dashboard.i18n import _
from store.access import caseload
from store.households import audit, get_household
from store.profiles import profile_on
from store.users import Role

COACH = frozenset({Role.BUDGETCOACH})


class Ids(StrEnum):
    LOAD = "cl-load"
    TABLE = "cl-table"


@guarded_layout(roles=COACH, action="caseload.page")
def layout(**_query: Any) -> Any:
    return html.Div(
        [
            page_header(
                _("Caseload"),
                _(
                    "The households assigned to you. You can open a household once its "
                    "participant has given you consent."
                ),
            ),
            dcc.Store(id=Ids.LOAD, data=True),
            dcc.Loading(html.Div(id=Ids.TABLE)),
        ]
    )


def register(app: Dash) -> None:
    add_page(
        __name__, path="/caseload", title=_("Caseload - Huishoudboekje"), name=_("Caseload"),
        layout=layout, roles=sorted(COACH),
    )  # fmt: skip

    @app.callback(Output(Ids.TABLE, "children"), Input(Ids.LOAD, "data"))
    @guarded(roles=COACH, action="caseload.view")
    def show(_load: Any) -> Any:
        who = principal()
        today = dt.date.today()
        rows: list[list[Any]] = []
        with db() as session:
            entries = caseload(session, who.username)
            for entry in entries:
                if not entry.consent:
                    rows.append([entry.household, "", "", short_day(entry.added_at.date()),
                                 _("no consent (yet)"), ""])  # fmt: skip
                    continue
                household = get_household(session, entry.household)
                profile = profile_on(session, entry.household, today)
                audit(session, who.username, "dashboard.caseload.view", household.id)
                name = (profile.applicant.name or "") if profile else ""
                wijk = (profile.wijk or "") if profile else ""
                paths = household_paths(entry.household)
                links = html.Span(
                    [
                        dcc.Link(_("Overview"), href=paths["overzicht"]),
                        " · ",
                        dcc.Link(_("Import files"), href=paths["importeren"]),
                    ]
                )
                rows.append([entry.household, name, wijk, short_day(entry.added_at.date()),
                             _("consent given"), links])  # fmt: skip
        if not rows:
            return alert(_("There are no households in your caseload yet."), "info")
        return table(
            [_("Household"), _("Applicant"), _("District"), _("In caseload since"),
             _("Consent"), _("Pages")],
            rows,
            caption=_("Households in your caseload"),
        )  # fmt: skip
