"""Mijn maand: this month at a glance: income in, fixed costs paid and still to come, leefgeld
left this week, saldo, the household's signals, and two charts.

For the participant and for their coach (with consent), through the same household scope as
the overview. Every figure is defined in :class:`dashboard.data.MonthView`; the page says the
same in Dutch under "Hoe is dit berekend?".
"""

from __future__ import annotations

from enum import StrEnum
from typing import Any

from dash import Dash, Input, Output, State, dcc, html

from budget.signals import KIND_LABELS, SEVERITY_LABELS
from dashboard import data
from dashboard.access import HOUSEHOLD_ROLES, guarded, guarded_layout
from dashboard.components import LIVE, alert, table
from dashboard.context import db, principal
from dashboard.figures.month import balance_forecast, money_per_month
from dashboard.formatting import day, euro, month, short_day
from dashboard.i18n import _
from dashboard.pages import _household_month as hm
from store.users import Role


class Ids(StrEnum):
    HOUSEHOLD = "mm-household"
    MONTH = "mm-month"
    MESSAGE = "mm-message"
    SUMMARY = "mm-summary"
    DETAILS = "mm-details"
    SIGNALS = "mm-signals"
    FLOWS = "mm-flows"
    FLOWS_TABLE = "mm-flows-table"
    BALANCE = "mm-balance"
    BALANCE_TABLE = "mm-balance-table"


def _figure(ident: str, table_ident: str, caption: str) -> html.Figure:
    return html.Figure(
        [
            dcc.Graph(id=ident, config={"displaylogo": False, "responsive": True}),
            html.Figcaption(caption, className="small text-body-secondary"),
            html.Details(
                [html.Summary(_("Show the figures as a table")), html.Div(id=table_ident)],
                className="mt-1",
            ),
        ],
        className="mt-4",
    )


@guarded_layout(roles=HOUSEHOLD_ROLES, action="month.page", household=True)
def layout(hid: str = "", **_query: Any) -> Any:
    who = principal()
    mine = who.role is Role.DEELNEMER
    return html.Div(
        [
            *hm.household_head(
                hid,
                "maand",
                who.role,
                store=Ids.HOUSEHOLD,
                title=_("My month") if mine else _("Month"),
                lead=_(
                    "Money in, fixed costs, leefgeld and balance of this month, and what needs "
                    "attention."
                ),
            ),
            html.Div(hm.month_field(Ids.MONTH, _("Month")), className="row g-3 mb-3"),
            html.Div(id=Ids.MESSAGE, **LIVE),
            dcc.Loading(html.Div(id=Ids.SUMMARY)),
            html.H2(_("Signals"), className="h5 mt-4"),
            html.Div(id=Ids.SIGNALS),
            html.Div(id=Ids.DETAILS),
            _figure(
                Ids.FLOWS,
                Ids.FLOWS_TABLE,
                _("Bars per month: income, fixed costs paid and leefgeld paid out."),
            ),
            _figure(
                Ids.BALANCE,
                Ids.BALANCE_TABLE,
                _(
                    "The balance at the end of each month, and the expected balance for the "
                    "coming twelve months with the band within which 8 in 10 months fall."
                ),
            ),
        ]
    )


def _tile(title: str, amount: str, note: str) -> html.Div:
    return html.Div(
        html.Div(
            [
                html.H2(title, className="h6 text-body-secondary mb-1"),
                html.P(amount, className="fs-4 fw-semibold mb-1 num"),
                html.P(note, className="small mb-0"),
            ],
            className="border rounded p-3 h-100",
        ),
        className="col-sm-6 col-lg-3",
    )


def summary(view: data.MonthView) -> html.Div:
    until = day(view.as_of)
    left = view.leefgeld_left_week_cents
    if view.budget is None or left is None:
        leefgeld = _tile(
            _("Leefgeld left this week"),
            _("unknown"),
            _("No budget yet: {reason}.").format(reason=view.budget_missing),
        )
    else:
        leefgeld = _tile(
            _("Leefgeld left this week"),
            euro(left, sign=left < 0),
            _("{week} per week, {spent} spent since Monday {start}.").format(
                week=euro(view.budget.leefgeld_week_cents),
                spent=euro(view.leefgeld_spent_week_cents),
                start=day(view.week_start),
            ),
        )
    balance = (
        _tile(_("Balance"), _("unknown"), _("No statement states a balance."))
        if view.balance_cents is None
        else _tile(
            _("Balance"),
            euro(view.balance_cents, sign=view.balance_cents < 0),
            _("On {day}, all accounts together.").format(day=until),
        )
    )
    return html.Div(
        [
            html.P(
                _("{month}, up to and including {day} (the last day of the statements).").format(
                    month=month(view.month).capitalize(), day=until
                ),
                className="text-body-secondary",
            ),
            html.Div(
                [
                    _tile(
                        _("Income this month"),
                        euro(view.income_cents),
                        _("{n} payments received.").format(n=len(view.income)),
                    ),
                    _tile(
                        _("Fixed costs"),
                        euro(view.fixed_paid_cents),
                        _("Paid; {due} still to come this month.").format(
                            due=euro(view.fixed_due_cents)
                        ),
                    ),
                    leefgeld,
                    balance,
                ],
                className="row g-3",
            ),
            _explanation(view),
        ]
    )


def _explanation(view: data.MonthView) -> html.Details:
    budget_month = month(view.budget.month) if view.budget is not None else _("unknown")
    items = [
        _(
            "Income: money in on income, benefits, allowances, child benefit and student "
            "finance, from the first of the month."
        ),
        _(
            "Fixed costs paid: money out on rent, energy, water, insurance, taxes, telephone "
            "and internet, and debt repayments."
        ),
        _(
            "Still to come: the expected dates of your recurring fixed costs after the last "
            "statement day up to the end of the month, at their latest amount."
        ),
        _(
            "Leefgeld left this week: the leefgeld per week of the budget of {month} minus "
            "the money out on leefgeld from Monday of this week."
        ).format(month=budget_month),
        _("Balance: the balance of all accounts at the end of the last statement day."),
    ]
    return html.Details(
        [html.Summary(_("How is this calculated?")), html.Ul([html.Li(i) for i in items])],
        className="mt-3",
    )


def _payments_table(rows: tuple[data.Payment, ...], caption: str, empty: str) -> Any:
    if not rows:
        return html.P(empty, className="text-body-secondary")
    return table(
        [_("Date"), _("Description"), _("Amount")],
        [[short_day(p.day), p.label, euro(p.amount_cents, sign=True)] for p in rows],
        caption=caption,
        numeric=[2],
    )


def details(view: data.MonthView) -> html.Div:
    return html.Div(
        [
            html.H2(_("Fixed costs still to come"), className="h5 mt-4"),
            _payments_table(
                view.fixed_due,
                _("Expected fixed costs until the end of the month"),
                _("No more fixed costs are expected this month."),
            ),
            html.H2(_("Fixed costs paid"), className="h5 mt-4"),
            _payments_table(
                view.fixed_paid,
                _("Fixed costs paid this month"),
                _("No fixed costs paid yet this month."),
            ),
            html.H2(_("Income received"), className="h5 mt-4"),
            _payments_table(
                view.income,
                _("Income received this month"),
                _("No income received yet this month."),
            ),
        ]
    )


def signals_list(view: data.MonthView) -> Any:
    if not view.signals:
        return html.P(_("No open signals."), className="text-body-secondary")
    return html.Ul(
        [
            html.Li(
                [
                    html.Strong(f"{SEVERITY_LABELS[s.severity].capitalize()}: "),
                    f"{KIND_LABELS[s.kind]} ({short_day(s.date)}). ",
                    s.message,
                ],
                className="list-group-item",
            )
            for s in view.signals
        ],
        className="list-group",
    )


def flows_table(view: data.MonthView) -> html.Div:
    return table(
        [_("Month"), _("Income"), _("Fixed costs"), _("Leefgeld")],
        [
            [
                month(f.month),
                euro(f.income_cents),
                euro(f.fixed_costs_cents),
                euro(f.leefgeld_cents),
            ]
            for f in view.flows
        ],
        caption=_("Income, fixed costs and leefgeld per month"),
        numeric=[1, 2, 3],
    )


def balance_table(view: data.MonthView) -> html.Div:
    unknown = "–"
    rows = [
        [short_day(p.day), euro(p.balance_cents, sign=True), unknown, unknown] for p in view.history
    ]
    rows += [
        [
            short_day(p.day),
            euro(p.balance_cents, sign=True),
            unknown if p.low_cents is None else euro(p.low_cents, sign=True),
            unknown if p.high_cents is None else euro(p.high_cents, sign=True),
        ]
        for p in view.forecast
    ]
    return table(
        [
            _("Date"),
            _("Balance (expected from {day})").format(day=short_day(view.as_of)),
            _("Band low"),
            _("Band high"),
        ],
        rows,
        caption=_("Balance and expected balance"),
        numeric=[1, 2, 3],
    )


def register(app: Dash) -> None:
    hm.register_household_page(
        __name__, "maand", title=_("My month - Huishoudboekje"), name=_("My month"), layout=layout
    )

    @app.callback(
        *hm.month_outputs(Ids.MONTH, Ids.MESSAGE),
        Output(Ids.SUMMARY, "children"),
        Output(Ids.SIGNALS, "children"),
        Output(Ids.DETAILS, "children"),
        Output(Ids.FLOWS, "figure"),
        Output(Ids.FLOWS_TABLE, "children"),
        Output(Ids.BALANCE, "figure"),
        Output(Ids.BALANCE_TABLE, "children"),
        Input(Ids.MONTH, "value"),
        State(Ids.HOUSEHOLD, "data"),
    )
    @guarded(roles=HOUSEHOLD_ROLES, action="month.view", household=True)
    def show(chosen: str | None, household: str) -> tuple[Any, ...]:
        with db() as session:
            available = data.data_months(session, household)
        low, high = hm.field_range(available)
        nothing: tuple[Any, ...] = (None, None, None, {}, None, {}, None)
        if not available:
            return (low, high, None, hm.no_transactions(), *nothing)
        try:
            wanted = data.month_range(chosen, chosen)[0] if chosen else None
            with db() as session:
                view = data.month_view(session, household, wanted)
        except (data.RangeError, data.NoMonthData) as exc:
            message = alert(
                _("This month cannot be shown: {reason}.").format(reason=exc), "warning"
            )
            return (low, high, chosen, message, *nothing)
        return (
            low,
            high,
            hm.month_value(view.month),
            None,
            summary(view),
            signals_list(view),
            details(view),
            money_per_month(view.flows),
            flows_table(view),
            balance_forecast(view.history, view.forecast),
            balance_table(view),
        )
