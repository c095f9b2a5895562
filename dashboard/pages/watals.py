"""Wat als: what happens to the regelingen when the income changes from a chosen month on.

The participant or their coach (with consent) gives a month and a change of the monthly income
(net as it would arrive on the bank, or gross); the page shows per regeling the yearly amount
now and then, the months that change, and the expected clawbacks before and after. One call
into :func:`entitlement.whatif.whatif`, as ``hhb whatif`` makes it. Every input is checked on the
server, and a refusal is one Dutch sentence.
"""

from __future__ import annotations

import datetime as dt
import re
from enum import StrEnum
from typing import Any, Final

import click
import polars as pl
from dash import Dash, Input, Output, State, ctx, dcc, html

from dashboard.access import HOUSEHOLD_ROLES, guarded, guarded_layout
from dashboard.components import LIVE, alert, table
from dashboard.context import db, principal
from dashboard.formatting import euro, month
from dashboard.i18n import _
from dashboard.pages import _household_month as hm
from entitlement.buffer import add_months
from entitlement.household import coverage_of, load_household
from entitlement.outlook import outlook_of, parse_change
from entitlement.rules.registry import default_rules
from entitlement.whatif import IncomeChange, WhatIf, whatif
from store.households import NotFoundError
from store.transactions import month_bounds

MAX_CHANGE_CENTS: Final = 100_000_00
"""A change of more than € 100.000 per month is a typing error, not a scenario."""
AMOUNT: Final = re.compile(r"^[+-]?\s*(€\s*)?\d[\d.,\s]*$")


class Ids(StrEnum):
    HOUSEHOLD = "wa-household"
    MONTH = "wa-month"
    AMOUNT = "wa-amount"
    GO = "wa-go"
    GO_GROSS = "wa-go-gross"
    MESSAGE = "wa-message"
    RESULT = "wa-result"


@guarded_layout(roles=HOUSEHOLD_ROLES, action="whatif.page", household=True)
def layout(hid: str = "", **_query: Any) -> Any:
    who = principal()
    amount: dict[str, Any] = {"type": "text", "inputMode": "decimal", "autoComplete": "off"}
    return html.Div(
        [
            *hm.household_head(
                hid,
                "watals",
                who.role,
                store=Ids.HOUSEHOLD,
                title=_("What if"),
                lead=_(
                    "What happens to the regelingen when the income changes from a month on: "
                    "a new job, fewer hours, a benefit that stops."
                ),
            ),
            html.Div(
                [
                    hm.month_field(Ids.MONTH, _("From month")),
                    html.Div(
                        [
                            html.Label(
                                _("Change of income per month (€)"),
                                htmlFor=Ids.AMOUNT,
                                className="form-label",
                            ),
                            dcc.Input(
                                id=Ids.AMOUNT,
                                className="form-control",
                                placeholder=_("for example +250 or -100,50"),
                                **amount,
                            ),
                            html.Div(
                                _(
                                    "More income: +, less income: -. Net is the change as it "
                                    "arrives on the bank; gross is before tax."
                                ),
                                className="form-text",
                            ),
                        ],
                        className="col-sm-5",
                    ),
                    html.Div(
                        [
                            html.Button(
                                _("Calculate with a net change"),
                                id=Ids.GO,
                                className="btn btn-primary",
                            ),
                            html.Button(
                                _("Calculate with a gross change"),
                                id=Ids.GO_GROSS,
                                className="btn btn-outline-primary",
                            ),
                        ],
                        className="col-12 d-flex flex-wrap gap-2",
                    ),
                ],
                className="row g-3 mb-3",
            ),
            html.Div(id=Ids.MESSAGE, **LIVE),
            dcc.Loading(html.Div(id=Ids.RESULT)),
        ]
    )


# --- input -----------------------------------------------------------------------------------


def month_bounds_of(household: str) -> tuple[dt.date, dt.date, dt.date] | None:
    """(first, last, default) month a change can start: from the first complete month of the
    statements up to December of the year after them; by default the month after the last
    complete month. None without any transaction."""
    with db() as session:
        try:
            coverage = coverage_of(session, household)
        except NotFoundError:
            return None
    last = max(coverage.last_month, coverage.first_month)
    return coverage.first_month, dt.date(last.year + 1, 12, 1), add_months(last, 1)


def parse_month(value: object, low: dt.date, high: dt.date) -> dt.date:
    if not isinstance(value, str) or not value.strip():
        raise ValueError(_("choose the month from which the income changes"))
    try:
        first, _last = month_bounds(value.strip())
    except ValueError as exc:
        raise ValueError(str(exc)) from None
    if not low <= first <= high:
        raise ValueError(
            _("choose a month from {low} up to and including {high}").format(
                low=month(low), high=month(high)
            )
        )
    return first


def parse_amount(value: object) -> int:
    """Signed cents of ``+250``, ``-100,50``, ``€ 1.000``; a Dutch reason otherwise."""
    example = _("for example +250 or -100,50")
    text = str(value).strip() if isinstance(value, str | int | float) else ""
    if isinstance(value, bool) or not text:
        raise ValueError(
            _("fill in the change of income per month ({example})").format(example=example)
        )
    if not AMOUNT.match(text):
        raise ValueError(
            _("{value!r} is not an amount in euros ({example})").format(value=text, example=example)
        )
    try:
        cents = parse_change(text)
    except click.BadParameter as exc:
        raise ValueError(exc.message) from None
    if cents == 0:
        raise ValueError(_("a change of {zero} changes nothing").format(zero=euro(0)))
    if abs(cents) > MAX_CHANGE_CENTS:
        raise ValueError(
            _("a change of at most {max} per month").format(max=euro(MAX_CHANGE_CENTS))
        )
    return cents


# --- result ----------------------------------------------------------------------------------


def _money(cents: int | None) -> str:
    return _("unknown") if cents is None else euro(cents)


def _diff(cents: int | None) -> str:
    return _("unknown") if cents is None else euro(cents, sign=True)


def result_view(w: WhatIf) -> html.Div:
    before = w.base.projection.get("projected_cents")
    after = w.changed.projection.get("projected_cents")
    titles = dict(
        zip(w.per_regeling["regeling"].to_list(), w.per_regeling["title"].to_list(), strict=True)
    )
    parts: list[Any] = [
        html.P(
            _("From {month}: {explanation}.").format(
                month=month(w.change.from_month), explanation=w.explanation
            )
        ),
        html.P(
            _("Assessment income {year}: {before} now, {after} after the change.").format(
                year=w.base.year, before=_money(before), after=_money(after)
            )
        ),
        html.H2(_("Per regeling in {year}").format(year=w.base.year), className="h5 mt-3"),
        table(
            [_("Regeling"), _("Now per year"), _("Then per year"), _("Difference")],
            [
                [
                    r["title"],
                    euro(r["expected_year_cents"]),
                    euro(r["expected_year_cents_new"]),
                    euro(r["difference_cents"], sign=True),
                ]
                for r in w.per_regeling.iter_rows(named=True)
            ],
            caption=_("Expected amount per regeling, now and after the change"),
            numeric=[1, 2, 3],
        ),
    ]
    moved = (pl.col("difference_cents") != 0) | (
        pl.col("engine_status") != pl.col("engine_status_new")
    )
    changed = w.per_month.filter(moved.fill_null(False)).sort("regeling", "month")
    parts.append(html.H2(_("Months that change"), className="h5 mt-3"))
    if changed.height:
        parts.append(
            table(
                [_("Regeling"), _("Month"), _("Now"), _("Then"), _("Difference")],
                [
                    [
                        titles.get(r["regeling"], r["regeling"]),
                        month(r["month"]),
                        _money(r["expected_cents"]),
                        _money(r["expected_cents_new"]),
                        _diff(r["difference_cents"]),
                    ]
                    for r in changed.iter_rows(named=True)
                ],
                caption=_("Difference per regeling and month"),
                numeric=[2, 3, 4],
            )
        )
    else:
        parts.append(
            html.P(_("No month of any regeling changes."), className="text-body-secondary")
        )
    parts.append(html.H2(_("Expected clawbacks before and after"), className="h5 mt-3"))
    if w.clawbacks.height:
        parts.append(
            table(
                [
                    _("Regeling"),
                    _("Year"),
                    _("To pay back now"),
                    _("To pay back then"),
                    _("Back payment now"),
                    _("Back payment then"),
                ],
                [
                    [
                        titles.get(r["regeling"], r["regeling"]),
                        str(r["year"]),
                        _money(r["to_pay_cents"]),
                        _money(r["to_pay_cents_new"]),
                        _money(r["back_payment_cents"]),
                        _money(r["back_payment_cents_new"]),
                    ]
                    for r in w.clawbacks.iter_rows(named=True)
                ],
                caption=_("Expected clawback per allowance, now and after the change"),
                numeric=[2, 3, 4, 5],
            )
        )
        advice = w.changed.clawbacks.filter(pl.col("to_pay_cents") > 0)
        parts += [
            html.P([html.Strong(_("Advice after the change") + ": "), r["advice"]])
            for r in advice.iter_rows(named=True)
        ]
    else:
        parts.append(
            html.P(
                _("No advances found to compare with the definitive amount."),
                className="text-body-secondary",
            )
        )
    if w.changed.missed.height:
        parts += [
            html.H2(_("Missed after the change"), className="h5 mt-3"),
            html.Ul(
                [
                    html.Li(
                        _("{regeling}: about {amount} per year. {what}").format(
                            regeling=m["title"],
                            amount=euro(m["expected_year_cents"]),
                            what=m["what_to_do"],
                        )
                    )
                    for m in w.changed.missed.iter_rows(named=True)
                ]
            ),
        ]
    return html.Div(parts)


def register(app: Dash) -> None:
    hm.register_household_page(
        __name__, "wat-als", title=_("What if - Huishoudboekje"), name=_("What if"), layout=layout
    )

    @app.callback(
        *hm.month_outputs(Ids.MONTH, Ids.MESSAGE),
        Output(Ids.RESULT, "children"),
        Input(Ids.GO, "n_clicks"),
        Input(Ids.GO_GROSS, "n_clicks"),
        State(Ids.MONTH, "value"),
        State(Ids.AMOUNT, "value"),
        State(Ids.HOUSEHOLD, "data"),
    )
    @guarded(roles=HOUSEHOLD_ROLES, action="whatif.view", household=True)
    def calculate(
        net: int | None, gross: int | None, chosen: object, amount: object, household: str
    ) -> tuple[Any, ...]:
        """Net or gross by the button pressed: two buttons, where Dash 4's checklist fails
        axe-core (an input nested in an option)."""
        bounds = month_bounds_of(household)
        if bounds is None:
            return None, None, None, hm.no_transactions(), None
        low, high, default = bounds
        shown = hm.field_range((low, high))
        if not net and not gross:  # the page opens: propose the month after the statements
            return *shown, hm.month_value(default), None, None
        try:
            start = parse_month(chosen, low, high)
            cents = parse_amount(amount)
            as_gross = ctx.triggered_id == Ids.GO_GROSS
            with db() as session:
                data = load_household(session, household, start.year)
                outlook = outlook_of(session, data)
            result = whatif(
                data, IncomeChange(start, cents, as_gross), default_rules(), outlook=outlook
            )
        except (ValueError, NotFoundError) as exc:  # WhatIfError is a ValueError
            reason = str(exc).rstrip(".")
            message = alert(
                _("This cannot be calculated: {reason}.").format(reason=reason), "warning"
            )
            return *shown, chosen, message, None
        return *shown, hm.month_value(start), None, result_view(result)
