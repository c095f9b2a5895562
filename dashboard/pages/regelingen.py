"""Regelingen: per regeling of one year what the household is entitled to and what arrived,
what it misses and how to apply, what it may have to pay back and how to prepare, and the
buffer periods; per regeling-month "Hoe is dit berekend?" with the full derivation.

For the participant and for their coach (with consent). One call into
:func:`entitlement.loket.household_outcomes`, read as ``hhb entitlements`` reads it; the
derivations are :func:`entitlement.rules.explain.explain` of the same evaluated rows, as
``hhb explain`` shows them. Months whose derivation is identical share one "Hoe is dit
berekend?" (a constant toetsingsinkomen gives twelve equal zorgtoeslag months).
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Sequence
from enum import StrEnum
from typing import Any

import polars as pl
from dash import Dash, Input, Output, State, dcc, html
from dash.exceptions import PreventUpdate

from dashboard.access import HOUSEHOLD_ROLES, guarded, guarded_layout
from dashboard.components import LIVE, add_page, alert, attrs, household_tabs, page_header, table
from dashboard.context import db, principal
from dashboard.figures.regelingen import clawback_projection, expected_vs_received
from dashboard.formatting import euro, month
from dashboard.i18n import _
from entitlement.buffer import add_months
from entitlement.household import coverage_of, load_household
from entitlement.loket import Outcomes, household_outcomes
from entitlement.outcome_text import shortfall_runs
from entitlement.outcomes import PaymentStatus
from entitlement.outlook import outlook_of
from entitlement.rules.engine import Outcome
from entitlement.rules.explain import Derivation, explain
from entitlement.rules.inputs import MONTH_COLUMN
from entitlement.rules.registry import Rules, default_rules
from entitlement.rules.render import outcome_text
from store.classification import classified_transactions
from store.households import NotFoundError

FIRST_YEAR = 2000
LAST_YEAR = 2100
"""The years a number field accepts at all (as ``hhb entitlements --year``)."""


class Ids(StrEnum):
    HOUSEHOLD = "rg-household"
    YEAR = "rg-year"
    YEARS_MESSAGE = "rg-years-message"
    MESSAGE = "rg-message"
    BASIS = "rg-basis"
    MISSED = "rg-missed"
    CLAWBACKS = "rg-clawbacks"
    BUFFER = "rg-buffer"
    CHART = "rg-chart"
    CHART_TABLE = "rg-chart-table"
    CLAWBACK_CHART = "rg-clawback-chart"
    REGELINGEN = "rg-regelingen"


def status_labels() -> dict[str, str]:
    """How a payment status reads on the page (looked up per request: the catalog decides)."""
    return {
        PaymentStatus.ONTVANGEN: _("received"),
        PaymentStatus.DEELS: _("partly received"),
        PaymentStatus.GEMIST: _("missed"),
        PaymentStatus.GEEN_RECHT: _("no entitlement"),
        PaymentStatus.NIET_BEREKEND: _("not calculated"),
        PaymentStatus.NIET_VAN_TOEPASSING: _("not applicable"),
        PaymentStatus.NOG_NIET: _("not visible yet"),
        PaymentStatus.GEEN_AFSCHRIFTEN: _("no statements"),
        PaymentStatus.NIET_ZICHTBAAR: _("not visible on a statement"),
    }


def status_legend() -> html.Details:
    items = [
        (
            _("received"),
            _("entitled, and at least the expected amount arrived (within € 10 or 10 %)."),
        ),
        (_("partly received"), _("entitled, but less arrived than expected.")),
        (_("missed"), _("entitled, but nothing arrived.")),
        (_("no entitlement"), _("a condition is not met; the reason is below the table.")),
        (_("not calculated"), _("a fact or a parameter is missing; the reason says which.")),
        (_("not visible yet"), _("the payment for this month is due after the last statement.")),
        (_("no statements"), _("the statements start after the payment was due.")),
        (
            _("not visible on a statement"),
            _("a waiver: no money arrives, so a statement cannot show it."),
        ),
    ]
    return html.Details(
        [
            html.Summary(_("What do the outcomes mean?")),
            html.Dl([part for term, text in items for part in (html.Dt(term), html.Dd(text))]),
        ],
        className="mb-3",
    )


@guarded_layout(roles=HOUSEHOLD_ROLES, action="regelingen.page", household=True)
def layout(hid: str = "", **_query: Any) -> Any:
    who = principal()
    year_field: dict[str, Any] = {"type": "number", "step": 1, "inputMode": "numeric"}
    return html.Div(
        [
            household_tabs(hid, "regelingen", who.role),
            page_header(
                _("Regelingen"),
                _(
                    "What the household is entitled to per month and what arrived, what it "
                    "misses, what it may have to pay back, and how each amount is calculated."
                ),
            ),
            dcc.Store(id=Ids.HOUSEHOLD, data=hid),
            html.Div(
                html.Div(
                    [
                        html.Label(_("Year"), htmlFor=Ids.YEAR, className="form-label"),
                        dcc.Input(
                            id=Ids.YEAR, className="form-control", debounce=True, **year_field
                        ),
                    ],
                    className="col-sm-3",
                ),
                className="row g-3 mb-3",
            ),
            html.Div(id=Ids.YEARS_MESSAGE, **LIVE),
            html.Div(id=Ids.MESSAGE, **LIVE),
            dcc.Loading(html.Div(id=Ids.BASIS)),
            html.H2(_("Missed regelingen"), className="h5 mt-4"),
            html.Div(id=Ids.MISSED),
            html.H2(_("Expected clawbacks"), className="h5 mt-4"),
            html.Div(id=Ids.CLAWBACKS),
            html.H2(_("Buffer periods"), className="h5 mt-4"),
            html.Div(id=Ids.BUFFER),
            _figure(
                Ids.CHART,
                _(
                    "Bars per month: the expected amount of all regelingen together and what "
                    "arrived."
                ),
                html.Details(
                    [html.Summary(_("Show the figures as a table")), html.Div(id=Ids.CHART_TABLE)],
                    className="mt-1",
                ),
            ),
            _figure(
                Ids.CLAWBACK_CHART,
                _(
                    "Per expected clawback: the amount to pay back and the reservation that "
                    "reaches it by the month it can fall due."
                ),
            ),
            html.H2(_("Per regeling and month"), className="h5 mt-4"),
            status_legend(),
            html.Div(id=Ids.REGELINGEN),
        ]
    )


def _figure(ident: str, caption: str, *extra: Any) -> html.Figure:
    return html.Figure(
        [
            dcc.Graph(id=ident, config={"displaylogo": False, "responsive": True}),
            html.Figcaption(caption, className="small text-body-secondary"),
            *extra,
        ],
        className="mt-4",
    )


# --- data ------------------------------------------------------------------------------------


def load_outcomes(household: str, year: int, rules: Rules) -> Outcomes:
    """Every outcome of one household-year, with the balance outlook of the budget side.

    The household's transactions are read and classified once, for both: the year's income and
    received money, and the balance forecast of the outlook.
    """
    with db() as session:
        classified = classified_transactions(session, household)
        data = load_household(session, household, year, classified=classified)
        outlook = outlook_of(session, data, classified=classified)
    return household_outcomes(data, rules, outlook=outlook)


def year_bounds(household: str) -> tuple[int, int, int] | None:
    """(first, last, default) year that the statements say something about; None without any
    transaction. The year after the statements counts too (the projection runs on)."""
    with db() as session:
        try:
            coverage = coverage_of(session, household)
        except NotFoundError:
            return None
    last_month = max(coverage.last_month, coverage.first_day.replace(day=1))
    return coverage.first_day.year, last_month.year + 1, last_month.year


def parse_year(value: object, low: int, high: int) -> int:
    """The chosen year, or a Dutch reason to refuse it (ValueError)."""
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        raise ValueError(_("fill in a year, for example {year}").format(year=high - 1))
    try:
        year = int(str(value).strip())
    except ValueError:
        raise ValueError(_("fill in a year, for example {year}").format(year=high - 1)) from None
    if not FIRST_YEAR <= year <= LAST_YEAR or not low <= year <= high:
        raise ValueError(
            _("choose a year from {low} up to and including {high}").format(low=low, high=high)
        )
    return year


# --- text ------------------------------------------------------------------------------------


def months_text(months: Sequence[dt.date]) -> str:
    """``jan, feb, mrt, mei 2024`` as runs: ``januari 2024 t/m maart 2024, mei 2024``."""
    ordered = sorted(set(months))
    runs: list[list[dt.date]] = []
    for m in ordered:
        if runs and add_months(runs[-1][-1], 1) == m:
            runs[-1].append(m)
        else:
            runs.append([m])
    parts = [
        month(r[0])
        if len(r) == 1
        else _("{first} up to and including {last}").format(first=month(r[0]), last=month(r[-1]))
        for r in runs
    ]
    return ", ".join(parts)


def _estimate(flag: bool) -> str:
    return " " + _("(estimate)") if flag else ""


def basis_view(o: Outcomes) -> html.Div:
    p = o.projection
    lines: list[Any] = [
        html.P(
            _("Based on {coverage} (complete months up to and including {month}).").format(
                coverage=o.coverage.text(), month=month(o.coverage.last_month)
            )
        ),
        html.P(str(p.get("explanation") or _("Assessment income unknown."))),
    ]
    if p.get("is_estimate"):
        lines.append(
            html.P(
                _(
                    "The assessment income is an estimate, and so are the amounts of the "
                    "allowances."
                ),
                className="fw-semibold",
            )
        )
    if o.notes:
        lines.append(
            alert(
                [
                    html.Strong(_("Please note") + ": "),
                    html.Ul([html.Li(n) for n in o.notes], className="mb-0"),
                ],
                "warning",
            )
        )
    return html.Div(lines)


def missed_view(o: Outcomes) -> Any:
    if o.missed.height == 0:
        return html.P(_("No missed regelingen found."), className="text-body-secondary")
    items = [
        html.Li(
            [
                html.H3(m["title"], className="h6 mb-1"),
                html.P(
                    _(
                        "Entitled in {n} months; about {amount} per year{estimate}, and nothing "
                        "was received."
                    ).format(
                        n=m["months_recht"],
                        amount=euro(m["expected_year_cents"]),
                        estimate=_estimate(m["is_estimate"]),
                    ),
                    className="mb-1",
                ),
                html.P([html.Strong(_("What to do") + ": "), m["what_to_do"]], className="mb-0"),
            ],
            className="list-group-item",
        )
        for m in o.missed.iter_rows(named=True)
    ]
    return html.Ul(items, className="list-group")


def _titles(o: Outcomes) -> dict[str, str]:
    return dict(zip(o.years["regeling"].to_list(), o.years["title"].to_list(), strict=True))


def clawbacks_view(o: Outcomes) -> Any:
    if o.clawbacks.height == 0:
        return html.P(
            _("No advances found to compare with the definitive amount."),
            className="text-body-secondary",
        )
    titles = _titles(o)
    items = []
    for c in o.clawbacks.iter_rows(named=True):
        due = int(c["to_pay_cents"] or 0)
        back = int(c["back_payment_cents"] or 0)
        if due > 0:
            verdict = _("Expected to pay back: {amount}.").format(amount=euro(due))
        elif back > 0:
            verdict = _("Expected to receive afterwards: {amount}.").format(amount=euro(back))
        else:
            verdict = _("No clawback expected.")
        items.append(
            html.Li(
                [
                    html.H3(
                        f"{titles.get(c['regeling'], c['regeling'])} {c['year']}",
                        className="h6 mb-1",
                    ),
                    html.P(
                        _(
                            "Advances {advances}, definitive on the expected income "
                            "{definitive}{estimate}. {verdict}"
                        ).format(
                            advances=euro(c["advances_cents"]),
                            definitive=euro(c["definitive_cents"]),
                            estimate=_estimate(c["is_estimate"]),
                            verdict=verdict,
                        ),
                        className="mb-1",
                    ),
                    html.P(c["explanation"], className="small text-body-secondary mb-1"),
                    html.P([html.Strong(_("Advice") + ": "), c["advice"]], className="mb-0"),
                ],
                className="list-group-item",
            )
        )
    return html.Ul(items, className="list-group")


def buffer_view(o: Outcomes) -> html.Div:
    def block(title: str, lines: list[str], empty: str) -> html.Div:
        body: Any = (
            html.Ul([html.Li(t) for t in lines])
            if lines
            else html.P(empty, className="text-body-secondary")
        )
        return html.Div([html.H3(title, className="h6"), body], className="mb-2")

    reserve = [str(r["explanation"]) for r in o.reservations.iter_rows(named=True)]
    if o.duration is None:
        short: list[str] = []
        short_empty = _("No forecast available.")
    else:
        short, short_empty = shortfall_runs(o.shortfalls), _("None.")
    lasts = (
        [str(r["explanation"]) for r in o.duration.iter_rows(named=True)]
        if o.duration is not None
        else []
    )
    return html.Div(
        [
            block(_("(a) Reserve for a clawback"), reserve, _("Nothing to reserve.")),
            block(
                _("(b) Months with an expected balance below zero or below the buffer"),
                short,
                short_empty,
            ),
            block(
                _("(c) How long the buffer lasts"),
                lasts,
                _("Unknown: the statements state no balance."),
            ),
        ]
    )


def chart_table(o: Outcomes) -> html.Div:
    per_month = (
        o.months.group_by("month")
        .agg(pl.col("expected_cents").sum(), pl.col("received_cents").sum())
        .sort("month")
    )
    last = o.coverage.last_month
    rows = [
        [
            month(r["month"]),
            euro(r["expected_cents"]),
            euro(r["received_cents"]) if r["month"] <= last else "–",
        ]
        for r in per_month.iter_rows(named=True)
    ]
    return table(
        [_("Month"), _("Expected"), _("Received")],
        rows,
        caption=_("All regelingen together per month"),
        numeric=[1, 2],
    )


# --- per regeling ----------------------------------------------------------------------------


def derivations(o: Outcomes, rules: Rules, regeling: str) -> list[tuple[list[dt.date], Derivation]]:
    """The derivation of every month of ``regeling``, months with the same one together."""
    groups: dict[str, tuple[list[dt.date], Derivation]] = {}
    for row in o.evaluated.sort(MONTH_COLUMN).iter_rows(named=True):
        found = explain(rules, row, regeling)
        content = found.as_dict()
        content.pop("month")
        key = json.dumps(content, sort_keys=True, default=str)
        if key in groups:
            groups[key][0].append(found.month)
        else:
            groups[key] = ([found.month], found)
    return list(groups.values())


def derivation_view(months: Sequence[dt.date], d: Derivation) -> html.Details:
    """One derivation in plain Dutch, as ``hhb explain`` prints it."""
    marks = {True: _("met"), False: _("not met"), None: _("unknown")}
    parts: list[Any] = [
        html.Summary(_("How is this calculated? ({months})").format(months=months_text(months))),
        html.P([html.Strong(_("Outcome") + ": "), outcome_text(d)], className="mb-1"),
    ]
    if d.reasons:
        parts.append(html.Ul([html.Li(text) for _code, text in d.reasons]))
    source: list[Any] = [html.Strong(_("Legal basis") + ": "), d.source]
    if d.source_url:
        source += [" (", html.A(d.source_url, href=d.source_url, rel="noopener"), ")"]
    parts.append(html.P(source, className="mb-1"))
    if d.version_from is not None:
        note = f": {d.version_note}" if d.version_note else ""
        parts.append(
            html.P(
                _("Calculation rules valid from {day}").format(day=f"{d.version_from:%d-%m-%Y}")
                + note,
                className="small",
            )
        )
    if d.inputs:
        parts += [
            html.H4(_("Data of the household"), className="h6 mt-2"),
            html.Ul([html.Li(f"{i.label}: {i.value}") for i in d.inputs]),
        ]
    if d.steps:
        steps = []
        for s in d.steps:
            detail: list[Any] = [
                html.Strong(f"{s.label}: {s.text}"),
                html.Br(),
                html.Code(s.formula),
            ]
            if s.explanation:
                detail += [html.Br(), s.explanation]
            if s.basis:
                detail += [
                    html.Br(),
                    html.Span(
                        _("basis: {basis}").format(basis=s.basis),
                        className="small text-body-secondary",
                    ),
                ]
            steps.append(html.Li(detail, className="mb-1"))
        parts += [html.H4(_("Calculation"), className="h6 mt-2"), html.Ol(steps)]
    if d.conditions:
        conditions = []
        for c in d.conditions:
            line: list[Any] = [f"[{marks[c.satisfied]}] {c.label} ({c.basis})"]
            if c.satisfied is False:
                line += [html.Br(), c.explanation]
            conditions.append(html.Li(line))
        parts += [html.H4(_("Conditions"), className="h6 mt-2"), html.Ul(conditions)]
    if d.parameters:
        rows = [
            [
                p.label,
                p.value,
                html.A(p.source, href=p.url, rel="noopener") if p.url else p.source,
                p.status,
                p.period,
            ]
            for p in d.parameters
        ]
        parts.append(
            table(
                [_("Parameter"), _("Value"), _("Source"), _("Status"), _("Valid")],
                rows,
                caption=_("Parameters used (value, source, status)"),
            )
        )
    return html.Details(parts, className="border rounded p-2 mb-2")


def _reason_lines(months: pl.DataFrame) -> list[Any]:
    by_reason: dict[tuple[str, ...], list[dt.date]] = {}
    for r in months.iter_rows(named=True):
        if r["reason_texts"]:
            by_reason.setdefault(tuple(r["reason_texts"]), []).append(r["month"])
    return [
        html.Li(f"({months_text(when)}) {text}")
        for texts, when in by_reason.items()
        for text in texts
    ]


def regeling_view(o: Outcomes, rules: Rules, name: str) -> html.Section:
    year = o.years.filter(pl.col("regeling") == name).row(0, named=True)
    months = o.months.filter(pl.col("regeling") == name).sort("month")
    labels = status_labels()
    title = str(year["title"])
    estimate = _estimate(bool(year["is_estimate"] and year["months_recht"]))
    head = _(
        "Entitled in {n} of the 12 months; expected {expected}{estimate}, received {received}."
    ).format(
        n=year["months_recht"],
        expected=euro(year["expected_year_cents"]),
        estimate=estimate,
        received=euro(year["received_year_cents"]),
    )
    rows = [
        [
            month(r["month"]),
            labels.get(r["status"], r["status"]),
            _("unknown") if r["expected_cents"] is None else euro(r["expected_cents"]),
            euro(r["received_cents"]),
            r["unit"],
            euro(r["unit_expected_cents"]),
            euro(r["unit_received_cents"]),
        ]
        for r in months.iter_rows(named=True)
    ]
    parts: list[Any] = [
        html.H3(title, className="h6 mt-4"),
        html.P(head),
        table(
            [
                _("Month"),
                _("Outcome"),
                _("Expected"),
                _("Received"),
                _("Payment period"),
                _("Expected in the period"),
                _("Received in the period"),
            ],
            rows,
            caption=_("{regeling} per month in {year}").format(regeling=title, year=o.year),
            numeric=[2, 3, 5, 6],
        ),
    ]
    reasons = _reason_lines(months)
    if reasons:
        parts += [html.P(_("Why:"), className="mb-1"), html.Ul(reasons)]
    parts += [derivation_view(when, d) for when, d in derivations(o, rules, name)]
    return html.Section(parts, **attrs(aria_label=title))


def regelingen_view(o: Outcomes, rules: Rules) -> html.Div:
    sections: list[Any] = []
    not_applicable: list[Any] = []
    for name in o.years["regeling"].to_list():
        months = o.months.filter(pl.col("regeling") == name)
        if set(months["engine_status"].to_list()) == {Outcome.NIET_VAN_TOEPASSING.value}:
            title = o.years.filter(pl.col("regeling") == name)["title"][0]
            reason = (months["reason_texts"][0].to_list() or [_("not applicable")])[0]
            not_applicable.append(html.Li(f"{title}: {reason}"))
            continue
        sections.append(regeling_view(o, rules, name))
    if not_applicable:
        sections += [html.H3(_("Not applicable"), className="h6 mt-4"), html.Ul(not_applicable)]
    return html.Div(sections)


def register(app: Dash) -> None:
    add_page(
        __name__,
        path_template="/huishouden/<hid>/regelingen",
        path="/huishouden/regelingen",
        title=_("Regelingen - Huishoudboekje"),
        name=_("Regelingen"),
        layout=layout,
        roles=sorted(HOUSEHOLD_ROLES),
    )

    @app.callback(
        Output(Ids.YEAR, "min"),
        Output(Ids.YEAR, "max"),
        Output(Ids.YEAR, "value"),
        Output(Ids.YEARS_MESSAGE, "children"),
        Input(Ids.HOUSEHOLD, "data"),
    )
    @guarded(roles=HOUSEHOLD_ROLES, action="regelingen.years", household=True)
    def years(household: str) -> tuple[Any, ...]:
        """The years to choose from, and the default; filling in the year starts ``show``
        (so the page computes the outcomes once, not once more for the default)."""
        bounds = year_bounds(household)
        if bounds is None:
            empty = alert(_("There are no transactions yet for this household."), "info")
            return None, None, None, empty
        low, high, default = bounds
        return low, high, default, None

    @app.callback(
        Output(Ids.MESSAGE, "children"),
        Output(Ids.BASIS, "children"),
        Output(Ids.MISSED, "children"),
        Output(Ids.CLAWBACKS, "children"),
        Output(Ids.BUFFER, "children"),
        Output(Ids.CHART, "figure"),
        Output(Ids.CHART_TABLE, "children"),
        Output(Ids.CLAWBACK_CHART, "figure"),
        Output(Ids.REGELINGEN, "children"),
        Input(Ids.YEAR, "value"),
        State(Ids.HOUSEHOLD, "data"),
    )
    @guarded(roles=HOUSEHOLD_ROLES, action="regelingen.view", household=True)
    def show(chosen: object, household: str) -> tuple[Any, ...]:
        if chosen is None:  # no year yet (``years`` fills it in) or an emptied field
            raise PreventUpdate
        nothing: tuple[Any, ...] = (None, None, None, None, {}, None, {}, None)
        bounds = year_bounds(household)
        if bounds is None:
            return alert(_("There are no transactions yet for this household."), "info"), *nothing
        try:
            year = parse_year(chosen, bounds[0], bounds[1])
            rules = default_rules()
            outcomes = load_outcomes(household, year, rules)
        except (ValueError, NotFoundError) as exc:
            reason = str(exc).rstrip(".")
            message = _("These regelingen cannot be shown: {reason}.").format(reason=reason)
            return alert(message, "warning"), *nothing
        titles = _titles(outcomes)
        return (
            None,
            basis_view(outcomes),
            missed_view(outcomes),
            clawbacks_view(outcomes),
            buffer_view(outcomes),
            expected_vs_received(outcomes.months, titles, outcomes.coverage.last_month),
            chart_table(outcomes),
            clawback_projection(outcomes.clawbacks, titles),
            regelingen_view(outcomes, rules),
        )
