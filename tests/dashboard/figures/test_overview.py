"""The month-flows figure: exact euros in the hover text, Dutch separators, balance if known."""

from __future__ import annotations

import datetime as dt

from budget.overview import MonthOverview, PartnerRow
from dashboard.figures.overview import month_flows

MONTHS = (dt.date(2024, 1, 1), dt.date(2024, 2, 1))


def overview(opening: int | None) -> MonthOverview:
    rows = (
        PartnerRow("UWV", "inkomen", ((130000,), (65000, 65000))),
        PartnerRow("Portaal", "huur", ((-61250,), (-61250,))),
        PartnerRow("Eneco", "energie", ((-9900, 73750), (-9900,))),
    )
    balance = (132600, 58850)
    opening_per_month = (opening, None if opening is None else opening + balance[0])
    return MonthOverview("H1", MONTHS, rows, balance, opening_per_month)


def test_money_in_and_out_per_month_with_the_closing_balance() -> None:
    fig = month_flows(overview(-8536))
    income, spending, closing = fig.data
    assert list(income.x) == ["januari 2024", "februari 2024"]
    assert list(income.y) == [2037.5, 1300.0]
    assert list(income.customdata) == ["€\u00a02.037,50", "€\u00a01.300,00"]
    assert list(spending.customdata) == ["€\u00a0-711,50", "€\u00a0-711,50"]
    assert list(closing.customdata) == ["€\u00a01.240,64", "€\u00a01.829,14"]
    assert fig.layout.separators == ",."


def test_no_balance_line_when_no_statement_states_a_balance() -> None:
    fig = month_flows(overview(None))
    assert [t.name for t in fig.data] == ["Inkomsten", "Uitgaven"]
