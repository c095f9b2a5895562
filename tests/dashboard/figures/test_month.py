"""The month charts: exact euros in the hover text, a title, patterns and dashes besides colour."""

from __future__ import annotations

import datetime as dt

from dashboard.data import BalancePoint, MonthFlow
from dashboard.figures.month import balance_forecast, money_per_month

NBSP = "\u00a0"


def test_income_fixed_costs_and_leefgeld_per_month() -> None:
    fig = money_per_month(
        [MonthFlow(dt.date(2024, 1, 1), 130000, 71150, 46016),
         MonthFlow(dt.date(2024, 2, 1), 65000, 61250, 0)]
    )  # fmt: skip
    income, fixed, leefgeld = fig.data
    assert list(income.x) == ["januari 2024", "februari 2024"]
    assert list(income.y) == [1300.0, 650.0]
    assert list(fixed.customdata) == [f"€{NBSP}711,50", f"€{NBSP}612,50"]
    assert list(leefgeld.customdata) == [f"€{NBSP}460,16", f"€{NBSP}0,00"]
    assert {income.marker.pattern.shape, fixed.marker.pattern.shape,
            leefgeld.marker.pattern.shape} == {"", "/", "."}  # fmt: skip
    assert fig.layout.title.text == "Inkomsten, vaste lasten en leefgeld per maand"
    assert fig.layout.separators == ",."


def test_balance_with_band_connects_history_and_forecast() -> None:
    history = [BalancePoint(dt.date(2024, 3, 31), 27372), BalancePoint(dt.date(2024, 4, 30), 500)]
    future = [BalancePoint(dt.date(2024, 5, 31), -9170, -82476, 64136)]
    fig = balance_forecast(history, future)
    names = [t.name for t in fig.data]
    assert names == ["Saldo eind van de maand", "Bovenkant van de band",
                     "Band (8 van de 10 maanden vallen erbinnen)", "Verwacht saldo"]  # fmt: skip
    expected = fig.data[-1]
    assert list(expected.x) == ["30-04-2024", "31-05-2024"]
    assert list(expected.customdata) == [f"€{NBSP}5,00", f"€{NBSP}-91,70"]
    assert expected.line.dash == "dash" and fig.data[0].line.dash is None
    assert fig.data[2].fill == "tonexty"  # fills down to the upper edge just before it
    assert list(fig.data[0].x) == ["31-03-2024", "30-04-2024"]  # the axis starts in the past


def test_no_band_without_enough_history() -> None:
    fig = balance_forecast([BalancePoint(dt.date(2024, 1, 31), 100)],
                           [BalancePoint(dt.date(2024, 2, 29), 50)])  # fmt: skip
    assert [t.name for t in fig.data] == ["Saldo eind van de maand", "Verwacht saldo"]
