"""Caseload: the coach's households at a glance, who needs attention first.

Per household whose participant consented: the open signals of its last complete month of the
year (how many, and the kind of the most urgent one, marked "(hoog)" when it is of that
severity), the regelingen it misses that year (how many, and
what they are worth per year) and the clawback to expect; sorted by attention, or by any of
those. The figures are the household facts of the aggregates (:mod:`dashboard.caseload_data`);
what the data do not say reads "onbekend", never 0. A household without (current) consent shows
only its code and that consent is missing: the coach knows it is assigned to them, nothing
about it.
"""

from __future__ import annotations

import datetime as dt
from enum import StrEnum
from typing import Any

from dash import Dash, Input, Output, State, ctx, dcc, html

from budget.signals import KIND_LABELS, SEVERITY_LABELS, Severity
from dashboard.access import guarded, guarded_layout
from dashboard.caseload_data import CaseloadRow, Sort, caseload_rows, caseload_years, sorted_rows
from dashboard.components import add_page, alert, attrs, household_paths, page_header, table
from dashboard.context import db, principal
from dashboard.formatting import euro, month, short_day
from dashboard.i18n import _
from store.households import audit, get_household
from store.users import Role

COACH = frozenset({Role.BUDGETCOACH})


class Ids(StrEnum):
    LOAD = "cl-load"
    YEAR = "cl-year"
    SORT = "cl-sort"
    TABLE = "cl-table"


def sort_id(by: Sort) -> str:
    return f"{Ids.SORT}-{by.value}"


def sort_labels() -> dict[Sort, str]:
    return {
        Sort.ATTENTION: _("Needs attention first"),
        Sort.SIGNALS: _("Most open signals"),
        Sort.MISSED: _("Most missed per year"),
        Sort.CLAWBACK: _("Largest expected clawback"),
        Sort.HOUSEHOLD: _("Household code"),
    }


def _sort_class(active: bool) -> str:
    return "btn btn-sm " + ("btn-primary" if active else "btn-outline-primary")


SORT_LABEL = f"{Ids.SORT}-label"


@guarded_layout(roles=COACH, action="caseload.page")
def layout(**_query: Any) -> Any:
    year_field: dict[str, Any] = {"type": "number", "step": 1, "inputMode": "numeric"}
    return html.Div(
        [
            page_header(
                _("Caseload"),
                _(
                    "The households assigned to you. Once its participant has given you "
                    "consent you see what needs attention and can open the household."
                ),
            ),
            dcc.Store(id=Ids.LOAD, data=True),
            dcc.Store(id=Ids.SORT, data=Sort.ATTENTION.value),
            html.Div(
                [
                    html.Div(
                        [
                            html.Label(_("Year"), htmlFor=Ids.YEAR, className="form-label"),
                            dcc.Input(
                                id=Ids.YEAR, className="form-control", debounce=True, **year_field
                            ),
                        ],
                        className="col-sm-2",
                    ),
                    html.Div(
                        [
                            html.Span(_("Sort by"), id=SORT_LABEL, className="form-label d-block"),
                            html.Div(
                                [
                                    html.Button(
                                        label,
                                        id=sort_id(by),
                                        type="button",
                                        className=_sort_class(by is Sort.ATTENTION),
                                        **attrs(aria_pressed=str(by is Sort.ATTENTION).lower()),
                                    )
                                    for by, label in sort_labels().items()
                                ],
                                role="group",
                                className="d-flex flex-wrap gap-2",
                                **attrs(aria_labelledby=SORT_LABEL),
                            ),
                        ],
                        className="col-sm-auto",
                    ),
                ],
                className="row g-3 mb-3 align-items-end",
            ),
            dcc.Loading(html.Div(id=Ids.TABLE)),
            html.P(
                _(
                    "Signals: those open in the household's last complete month of the year, as "
                    "on its month page. Missed regelingen: entitled in the year and nothing "
                    "received, as on its Regelingen page, with the amount per year. Unknown: "
                    "the statements or the profile do not tell."
                ),
                className="small text-body-secondary mt-2",
            ),
        ]
    )


def _count(value: int | None) -> str:
    return _("unknown") if value is None else str(value)


def _money(value: int | None, none: str) -> str:
    if value is None:
        return _("unknown")
    return none if value == 0 else euro(value)


def _cells(row: CaseloadRow) -> list[Any]:
    since = short_day(row.added_at)
    if not row.consent:
        return [row.household, "", "", "", "", "", "", "", "", _("no consent (yet)"), since, ""]
    urgent = ""
    if row.urgent_kind is not None:
        urgent = KIND_LABELS[row.urgent_kind]
        if row.urgent_alert:
            urgent = f"{urgent} ({SEVERITY_LABELS[Severity.ALERT]})"
    elif row.open_signals is None:
        urgent = _("unknown")
    paths = household_paths(row.household)
    links = html.Span(
        [
            dcc.Link(_("Month"), href=paths["maand"]),
            " · ",
            dcc.Link(_("Regelingen"), href=paths["regelingen"]),
            " · ",
            dcc.Link(_("Overview"), href=paths["overzicht"]),
            " · ",
            dcc.Link(_("Import files"), href=paths["importeren"]),
        ]
    )
    return [
        row.household,
        row.applicant,
        row.wijk,
        _("unknown") if row.budget_month is None else month(row.budget_month),
        _count(row.open_signals),
        urgent,
        _count(row.missed),
        _money(row.missed_year_cents, euro(0)),
        _money(row.clawback_cents, _("none")),
        _("consent given"),
        since,
        links,
    ]


def _choose_year(chosen: object, years: list[int]) -> int | None:
    """The year typed in when the statements reach it, otherwise the latest they reach."""
    if not years:
        return None
    if isinstance(chosen, int | float | str) and not isinstance(chosen, bool):
        try:
            year = float(str(chosen).strip())
        except ValueError:
            return years[-1]
        if year.is_integer() and int(year) in years:
            return int(year)
    return years[-1]


def register(app: Dash) -> None:
    add_page(
        __name__, path="/caseload", title=_("Caseload - Huishoudboekje"), name=_("Caseload"),
        layout=layout, roles=sorted(COACH),
    )  # fmt: skip

    @app.callback(
        Output(Ids.TABLE, "children"),
        Output(Ids.YEAR, "min"),
        Output(Ids.YEAR, "max"),
        Output(Ids.YEAR, "value"),
        Output(Ids.SORT, "data"),
        *(Output(sort_id(by), "className") for by in Sort),
        *(Output(sort_id(by), "aria-pressed") for by in Sort),
        Input(Ids.LOAD, "data"),
        Input(Ids.YEAR, "value"),
        *(Input(sort_id(by), "n_clicks") for by in Sort),
        State(Ids.SORT, "data"),
    )
    @guarded(roles=COACH, action="caseload.view")
    def show(_load: Any, chosen: object, *clicks_and_sort: Any) -> tuple[Any, ...]:
        """The table, the years to choose from (the latest by default) and the order: one
        callback, so a change of year or order computes the figures once."""
        who = principal()
        by = _chosen_sort(clicks_and_sort[-1])
        for candidate in Sort:
            if ctx.triggered_id == sort_id(candidate):
                by = candidate
        with db() as session:
            years = caseload_years(session, who.username)
            year = _choose_year(chosen, years)
            today = dt.date.today()
            rows = caseload_rows(session, who.username, year or today.year, today)
            for row in rows:
                if row.consent:
                    household = get_household(session, row.household)
                    audit(session, who.username, "dashboard.caseload.view", household.id)
        controls = (
            years[0] if years else None,
            years[-1] if years else None,
            year,
            by.value,
            *(_sort_class(s is by) for s in Sort),
            *(str(s is by).lower() for s in Sort),
        )
        if not rows:
            return alert(_("There are no households in your caseload yet."), "info"), *controls
        columns = [
            _("Household"), _("Applicant"), _("District"), _("Month"), _("Open signals"),
            _("Most urgent signal"), _("Missed regelingen"), _("Missed per year"),
            _("Expected clawback"), _("Consent"), _("In caseload since"), _("Pages"),
        ]  # fmt: skip
        caption = _("Households in your caseload, sorted by: {order}").format(
            order=sort_labels()[by].lower()
        )
        body = table(
            columns,
            [_cells(r) for r in sorted_rows(rows, by)],
            caption=caption,
            numeric=(4, 6, 7, 8),
        )
        return body, *controls


def _chosen_sort(value: object) -> Sort:
    return Sort(value) if isinstance(value, str) and value in set(Sort) else Sort.ATTENTION
