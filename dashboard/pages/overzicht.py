"""Overzicht: the Huishoudboekje month table (ketenpartner x month) for any range of months.

For the participant and for their coach (with consent). The table is ``budget.overview``'s,
computed as ``hhb overview`` computes it; the coach can keep a note per month, which the
participant reads here too.
"""

from __future__ import annotations

import datetime as dt
from enum import StrEnum
from typing import Any

from dash import Dash, Input, Output, State, dcc, html, no_update

from budget.overview import MonthOverview
from dashboard import data
from dashboard.access import HOUSEHOLD_ROLES, guarded, guarded_layout
from dashboard.components import (
    LIVE,
    add_page,
    alert,
    download_data,
    household_tabs,
    month_input,
    page_header,
    table,
)
from dashboard.context import db, principal
from dashboard.figures.overview import month_flows
from dashboard.formatting import euro, euro_or_unknown, moment, month
from dashboard.i18n import _
from reports.month_report import month_report
from store.access import add_note, notes
from store.households import ConflictError
from store.users import Role

DEFAULT_MONTHS = 3


class Ids(StrEnum):
    HOUSEHOLD = "ov-household"
    FIRST = "ov-first"
    LAST = "ov-last"
    MESSAGE = "ov-message"
    TABLE = "ov-table"
    GRAPH = "ov-graph"
    NOTES = "ov-notes"
    NOTE_MONTH = "ov-note-month"
    NOTE_TEXT = "ov-note-text"
    NOTE_SAVE = "ov-note-save"
    NOTE_STATUS = "ov-note-status"
    REPORT_MONTH = "ov-report-month"
    REPORT_GO = "ov-report-go"
    REPORT_STATUS = "ov-report-status"
    REPORT_DOWNLOAD = "ov-report-download"


@guarded_layout(roles=HOUSEHOLD_ROLES, action="overview.page", household=True)
def layout(hid: str = "", **_query: Any) -> Any:
    who = principal()
    controls = html.Div(
        [
            html.Div(
                [
                    html.Label(_("From"), htmlFor=Ids.FIRST, className="form-label"),
                    month_input(Ids.FIRST),
                ],
                className="col-sm-4",
            ),
            html.Div(
                [
                    html.Label(_("Up to and including"), htmlFor=Ids.LAST, className="form-label"),
                    month_input(Ids.LAST),
                ],
                className="col-sm-4",
            ),
        ],
        className="row g-3 mb-3",
    )
    parts: list[Any] = [
        household_tabs(hid, "overzicht", who.role),
        page_header(
            _("Overview"),
            _(
                "Per chain partner every payment per month, with the balance at the start and "
                "the end of each month."
            ),
        ),
        dcc.Store(id=Ids.HOUSEHOLD, data=hid),
        controls,
        html.Div(id=Ids.MESSAGE, **LIVE),
        dcc.Loading(html.Div(id=Ids.TABLE)),
        html.Figure(
            [
                dcc.Graph(id=Ids.GRAPH, config={"displaylogo": False, "responsive": True}),
                html.Figcaption(
                    _("Money in and out per month, and the balance at the end of each month."),
                    className="small text-body-secondary",
                ),
            ],
            className="mt-4",
        ),
        html.H2(_("Notes per month"), className="h5 mt-4"),
        html.Div(id=Ids.NOTES),
        _report_form(),
    ]
    if who.role is Role.BUDGETCOACH:
        parts.append(_note_form())
    return html.Div(parts)


def _report_form() -> html.Div:
    """The PDF month report for the conversation between coach and participant."""
    return html.Div(
        [
            html.H2(_("Month report (PDF)"), className="h5"),
            html.P(
                _(
                    "The month overview, leefgeld, signals and charts of one month in plain "
                    "Dutch, to read together."
                ),
                className="text-body-secondary",
            ),
            html.Div(
                [
                    html.Label(_("Month"), htmlFor=Ids.REPORT_MONTH, className="form-label"),
                    month_input(Ids.REPORT_MONTH),
                ],
                className="col-sm-4",
            ),
            html.Div(
                html.Button(
                    _("Make the month report"), id=Ids.REPORT_GO, className="btn btn-secondary"
                ),
                className="col-12",
            ),
            html.Div(id=Ids.REPORT_STATUS, className="col-12", **LIVE),
            dcc.Download(id=Ids.REPORT_DOWNLOAD),
        ],
        className="row g-3 mt-4",
    )


def _note_form() -> html.Div:
    return html.Div(
        [
            html.Div(
                [
                    html.Label(_("Month"), htmlFor=Ids.NOTE_MONTH, className="form-label"),
                    month_input(Ids.NOTE_MONTH),
                ],
                className="col-sm-4",
            ),
            html.Div(
                [
                    html.Label(_("Note"), htmlFor=Ids.NOTE_TEXT, className="form-label"),
                    dcc.Textarea(
                        id=Ids.NOTE_TEXT, className="form-control", rows=3, maxLength=4000
                    ),
                ],
                className="col-sm-8",
            ),
            html.Div(
                html.Button(_("Save note"), id=Ids.NOTE_SAVE, className="btn btn-primary"),
                className="col-12",
            ),
            html.Div(id=Ids.NOTE_STATUS, className="col-12", **LIVE),
        ],
        className="row g-3 mt-1",
    )


def overview_table(overview: MonthOverview) -> html.Div:
    """The table as the Huishoudboekje shows it: every payment, then the three balance rows."""
    columns = [_("Chain partner"), *(month(m) for m in overview.months)]
    numeric = range(1, len(overview.months) + 1)
    rows = []
    for row in overview.rows:
        cells: list[Any] = [row.ketenpartner]
        for payments in row.payments:
            lines: list[Any] = []
            for amount in payments:
                lines += [euro(amount, sign=True), html.Br()]
            cells.append(lines[:-1])
        rows.append(cells)
    unknown = _("unknown")
    footer = [
        [_("Balance at start of period"),
         *(euro_or_unknown(v, unknown, sign=True) for v in overview.opening)],
        [_("Balance of period"), *(euro(v, sign=True) for v in overview.balance)],
        [_("Balance at end of period"),
         *(euro_or_unknown(v, unknown, sign=True) for v in overview.closing)],
    ]  # fmt: skip
    return table(
        columns, rows, footer=footer, numeric=numeric,
        caption=_("Month overview of household {code}").format(code=overview.household),
    )  # fmt: skip


def _bounds(months: tuple[dt.date, ...]) -> tuple[str | None, str | None]:
    """``min`` and ``max`` of a month field (``JJJJ-MM``) for the months with data."""
    if not months:
        return None, None
    return f"{months[0]:%Y-%m}", f"{months[-1]:%Y-%m}"


def _notes_list(household: str, months: tuple[dt.date, ...]) -> Any:
    with db() as session:
        found = notes(session, household, months)
    if not found:
        return html.P(_("No notes for these months."), className="text-body-secondary")
    return html.Ul(
        [
            html.Li(
                [
                    html.Strong(month(n.month)),
                    f" — {n.body} ",
                    html.Span(
                        f"({n.written_by}, {moment(n.written_at)})",
                        className="text-body-secondary small",
                    ),
                ]
            )
            for n in found
        ],
        className="list-unstyled",
    )


def register(app: Dash) -> None:
    add_page(
        __name__,
        path_template="/huishouden/<hid>/overzicht",
        path="/huishouden/overzicht",
        title=_("Overview - Huishoudboekje"),
        name=_("Overview"),
        layout=layout,
        roles=sorted(HOUSEHOLD_ROLES),
    )

    @app.callback(
        Output(Ids.FIRST, "min"),
        Output(Ids.FIRST, "max"),
        Output(Ids.FIRST, "value"),
        Output(Ids.LAST, "min"),
        Output(Ids.LAST, "max"),
        Output(Ids.LAST, "value"),
        Output(Ids.MESSAGE, "children"),
        Output(Ids.TABLE, "children"),
        Output(Ids.GRAPH, "figure"),
        Output(Ids.NOTES, "children"),
        Input(Ids.FIRST, "value"),
        Input(Ids.LAST, "value"),
        State(Ids.HOUSEHOLD, "data"),
    )
    @guarded(roles=HOUSEHOLD_ROLES, action="overview.view", household=True)
    def show(first: str | None, last: str | None, household: str) -> tuple[Any, ...]:
        with db() as session:
            available = data.data_months(session, household)
        low, high = _bounds(available)
        if not available:
            empty = alert(_("There are no transactions yet for this household."), "info")
            return low, high, None, low, high, None, empty, None, {}, None
        if first is None or last is None:
            last = f"{available[-1]:%Y-%m}"
            first = f"{available[max(0, len(available) - DEFAULT_MONTHS)]:%Y-%m}"
        try:
            months = data.month_range(first, last)
        except data.RangeError as exc:
            message = alert(_("This range cannot be shown: {reason}.").format(reason=exc),
                            "warning")  # fmt: skip
            return (low, high, first, low, high, last, message, no_update, no_update,
                    no_update)  # fmt: skip
        with db() as session:
            result = data.overview(session, household, months)
        return (low, high, first, low, high, last, None, overview_table(result),
                month_flows(result), _notes_list(household, months))  # fmt: skip

    @app.callback(
        Output(Ids.NOTE_MONTH, "min"),
        Output(Ids.NOTE_MONTH, "max"),
        Output(Ids.NOTE_MONTH, "value"),
        Input(Ids.FIRST, "value"),
        Input(Ids.LAST, "value"),
    )
    @guarded(roles={Role.BUDGETCOACH}, action="note.months")
    def note_months(first: str | None, last: str | None) -> tuple[Any, Any, Any]:
        """The months a note can be about: those in the table (no household data needed)."""
        try:
            months = data.month_range(first, last) if first and last else ()
        except data.RangeError:
            months = ()
        low, high = _bounds(months)
        return low, high, high

    @app.callback(
        Output(Ids.NOTE_STATUS, "children"),
        Output(Ids.NOTES, "children", allow_duplicate=True),
        Output(Ids.NOTE_TEXT, "value"),
        Input(Ids.NOTE_SAVE, "n_clicks"),
        State(Ids.NOTE_MONTH, "value"),
        State(Ids.NOTE_TEXT, "value"),
        State(Ids.FIRST, "value"),
        State(Ids.LAST, "value"),
        State(Ids.HOUSEHOLD, "data"),
        prevent_initial_call=True,
    )
    @guarded(roles={Role.BUDGETCOACH}, action="note.write", household=True)
    def save_note(
        clicks: int | None, note_month: str | None, text: str | None, first: str | None,
        last: str | None, household: str,
    ) -> tuple[Any, ...]:  # fmt: skip
        if not note_month:
            return alert(_("Choose the month the note is about."), "warning"), no_update, no_update
        try:
            when = data.month_range(note_month, note_month)[0]
            with db() as session:
                add_note(session, household, when, text or "", principal().username)
        except (data.RangeError, ConflictError) as exc:
            return alert(str(exc).capitalize() + ".", "warning"), no_update, no_update
        shown = data.month_range(first, last) if first and last else (when,)
        return alert(_("Note saved."), "success"), _notes_list(household, shown), ""

    @app.callback(
        Output(Ids.REPORT_DOWNLOAD, "data"),
        Output(Ids.REPORT_STATUS, "children"),
        Input(Ids.REPORT_GO, "n_clicks"),
        State(Ids.REPORT_MONTH, "value"),
        State(Ids.HOUSEHOLD, "data"),
        prevent_initial_call=True,
    )
    @guarded(roles=HOUSEHOLD_ROLES, action="report.month", household=True)
    def make_report(clicks: int | None, value: str | None, household: str) -> tuple[Any, Any]:
        if not clicks:
            return no_update, no_update
        chosen = _report_month(value)
        if chosen is None:
            return no_update, alert(_("Choose a month (YYYY-MM) for the report."), "warning")
        with db() as session:  # month_report audits the view of the household's data
            if chosen not in data.data_months(session, household):
                return no_update, alert(
                    _("There are no statements of {month} for this household.").format(
                        month=month(chosen)
                    ),
                    "warning",
                )
            pdf = month_report(session, household, chosen, principal().username)
        name = f"maandrapport-{household}-{chosen:%Y-%m}.pdf"
        return download_data(pdf, name, "application/pdf"), alert(
            _("The month report of {month} is ready.").format(month=month(chosen)), "success"
        )


def _report_month(value: str | None) -> dt.date | None:
    """The first day of a ``YYYY-MM`` month, or None for anything else."""
    try:
        return dt.datetime.strptime(str(value or ""), "%Y-%m").date()
    except ValueError:
        return None
