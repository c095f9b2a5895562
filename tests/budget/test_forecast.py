"""The balance forecast: exact arithmetic on small households, the band's method, what is and
is not projected, and a property: without money outside the series the forecast is the
series' schedule exactly."""

from __future__ import annotations

import datetime as dt
import itertools
import math
import statistics
from typing import Any

import polars as pl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from budget.forecast import (
    BAND_Z,
    CONTRIBUTION_SCHEMA,
    FORECAST_SCHEMA,
    SUMMARY_SCHEMA,
    band,
    forecast,
)
from budget.periods import MONTH_DAYS
from budget.signals import household_context
from tests.budget.test_signals import Row, frame, month, series_of

D = dt.date
AS_OF = D(2024, 12, 31)
DECEMBER = D(2024, 12, 1)


def run(
    rows: list[Row],
    as_of: dt.date = AS_OF,
    *,
    balance: int | None = 100000,
    balance_date: dt.date = DECEMBER,
    months: int = 12,
) -> tuple[pl.DataFrame, dict[str, Any], pl.DataFrame]:
    tx = frame(rows).filter(pl.col("booking_date") <= as_of)
    ctx = household_context(
        "h1",
        as_of,
        history_start=D(2024, 1, 1),
        balance_date=balance_date if balance is not None else None,
        balance_cents=balance,
    )
    fc = forecast(series_of(tx, as_of), tx, ctx, months=months)
    assert fc.months.schema == pl.Schema(FORECAST_SCHEMA)
    assert fc.contributions.schema == pl.Schema(CONTRIBUTION_SCHEMA)
    assert fc.summary.schema == pl.Schema(SUMMARY_SCHEMA)
    return fc.months, fc.summary.row(0, named=True), fc.contributions


def income_and_rent(groceries: list[list[int]]) -> list[Row]:
    """UWV € 1.500 on the 25th, rent € 600 on the 1st, and per month some one-off shopping
    (each at a shop of its own, so never a series)."""
    rows: list[Row] = []
    for m in range(1, 13):
        rows += [(month(m, 25), 150000, "UWV"), (month(m, 1), -60000, "Portaal")]
    shops: list[Row] = []
    for m, amounts in enumerate(groceries, start=1):
        for k, cents in enumerate(amounts):
            shops.append((month(m, 5 + 3 * k), -cents, f"Winkel {m}-{k}"))
    return rows + shops


GROCERIES = [
    [30000, 12000],
    [25000],
    [41000, 9000],
    [38000],
    [30000, 500],
    [52000],
    [36000],
    [31000, 4000],
    [29000],
    [47000],
    [33000, 3000],
    [35000],
]


def test_income_and_rent_give_an_exact_path_and_a_widening_band() -> None:
    months, summary, contributions = run(income_and_rent(GROCERIES))
    spent = [-sum(m) for m in GROCERIES]
    median = round(statistics.median(spent))
    sigma = math.sqrt(statistics.fmean((s - median) ** 2 for s in spent))
    december = 150000 - 60000 + spent[11]
    start = 100000 + december
    assert summary["start_cents"] == start
    assert summary["other_monthly_cents"] == median
    assert summary["history_months"] == 12
    assert summary["sigma_cents"] == round(sigma)
    expected = [start + (i + 1) * (90000 + median) for i in range(12)]
    assert months["expected_cents"].to_list() == expected
    assert months["series_cents"].to_list() == [90000] * 12
    assert months["month"].to_list() == [month(13 + i, 1) for i in range(12)]
    ends = months["month_end"].to_list()
    bands = [round(BAND_Z * sigma * math.sqrt((e - AS_OF).days / MONTH_DAYS)) for e in ends]
    assert months["band_cents"].to_list() == bands
    assert all(a < b for a, b in itertools.pairwise(bands))
    assert months["low_cents"].to_list() == [e - b for e, b in zip(expected, bands, strict=True)]
    assert months["high_cents"].to_list() == [e + b for e, b in zip(expected, bands, strict=True)]
    assert band(sigma, (ends[0] - AS_OF).days / MONTH_DAYS) == bands[0]
    per_month = contributions.group_by("month").agg(pl.col("amount_cents").sort())
    assert per_month["amount_cents"].to_list() == [[-60000, 150000]] * 12
    assert set(contributions["label"]) == {"Uitkering UWV", "Huur Portaal"}


def test_a_month_in_progress_gets_its_share_of_the_other_money() -> None:
    rows = [r for r in income_and_rent(GROCERIES) if r[0] <= D(2024, 12, 10)]
    months, summary, _ = run(rows, D(2024, 12, 10))
    assert months["month"][0] == D(2024, 12, 1)
    share = summary["other_monthly_cents"] * 21 / 31
    assert months["other_cents"][0] == round(share)
    assert months["series_cents"][0] == 150000  # the UWV of the 25th is still to come
    assert months["months_ahead"][0] == pytest.approx(21 / MONTH_DAYS)


def test_without_a_balance_the_change_is_still_known() -> None:
    months, summary, _ = run(income_and_rent(GROCERIES), balance=None)
    assert summary["start_cents"] is None and months["expected_cents"].is_null().all()
    assert months["change_cents"][0] == 90000 + summary["other_monthly_cents"]
    assert summary["first_below_floor"] is None


def test_too_little_history_has_no_band() -> None:
    rows = [r for r in income_and_rent(GROCERIES) if r[0] >= D(2024, 11, 1)]
    _, summary, _ = run(rows)
    assert summary["history_months"] == 2 and summary["sigma_cents"] is None


def test_ended_series_stay_out_and_the_newest_level_counts() -> None:
    rows: list[Row] = [(month(m, 25), 150000, "UWV") for m in range(1, 13)]
    rows += [(month(m, 1), -60000 if m < 7 else -63000, "Portaal") for m in range(1, 13)]
    rows += [(month(m, 22), -3500, "KPN") for m in range(1, 8)]  # stopped in August
    months, _, contributions = run(rows)
    assert set(contributions["label"]) == {"Uitkering UWV", "Huur Portaal"}
    rent = contributions.filter(pl.col("label") == "Huur Portaal")["amount_cents"]
    assert rent.to_list() == [-63000] * 12
    assert months["series_cents"].to_list() == [87000] * 12


def test_a_missed_payment_is_not_assumed_to_come_late() -> None:
    rows = [(month(m, 25), 150000, "UWV") for m in range(1, 12)]  # December's did not come
    months, summary, contributions = run(rows, D(2025, 1, 5))
    assert contributions["month"].min() == D(2025, 1, 1)
    assert months["series_cents"][0] == 150000  # January's, not December's as well
    assert summary["start_cents"] == 100000


@pytest.mark.parametrize("early", [8, 12])
def test_income_paid_early_is_not_expected_again(early: int) -> None:
    """December's benefit came before the holidays (booked on the 17th or 13th instead of the
    25th): it is in the balance, so the rest of December expects no more income from UWV."""
    rows: list[Row] = [(month(m, 25), 150000, "UWV") for m in range(1, 12)]
    rows.append((month(12, 25) - dt.timedelta(days=early), 150000, "UWV"))
    rows += [(month(m, 1), -60000, "Portaal") for m in range(1, 13)]
    months, _, contributions = run(rows, D(2024, 12, 20))
    december = contributions.filter(pl.col("month") == DECEMBER)
    assert december.filter(pl.col("label") == "Uitkering UWV").height == 0
    assert months["series_cents"][0] == 0  # the rest of December: nothing due
    assert months["series_cents"][1] == 150000 - 60000  # January as usual


def test_first_months_below_the_floor_and_the_buffer() -> None:
    rows: list[Row] = [(month(m, 25), 100000, "UWV") for m in range(1, 13)]
    rows += [(month(m, 1), -110000, "Portaal") for m in range(1, 13)]
    rows += [(month(m, 12), -(2000 + 3000 * (m % 3)), f"Winkel {m}-0") for m in range(1, 13)]
    months, summary, _ = run(rows, balance=150000)
    below = months.filter(pl.col("expected_cents") < 0)["month"]
    low = months.filter(pl.col("low_cents") < 0)["month"]
    assert summary["first_below_floor"] == below[0]
    assert summary["first_low_below_floor"] == low[0] < below[0]
    buffer = months.filter(pl.col("expected_cents") < 120000)["month"]
    assert summary["first_below_buffer"] == buffer[0]
    assert (
        summary["below_floor_cents"]
        == months.filter(pl.col("month") == below[0])["expected_cents"].item()
    )


@st.composite
def schedules(draw: st.DrawFn) -> list[tuple[str, int, int, int]]:
    """(kind, first day, amount) per payer: monthly on a day, 4-weekly or weekly from a day."""
    chosen = []
    for name, kind in (("Portaal", "monthly"), ("UWV", "four_weekly"), ("Vitens", "weekly")):
        if draw(st.booleans()) or name == "Portaal":
            amount = draw(st.integers(1000, 200000)) * (1 if name == "UWV" else -1)
            chosen.append(
                (
                    name,
                    {"monthly": 0, "four_weekly": 1, "weekly": 2}[kind],
                    draw(st.integers(1, 28)),
                    amount,
                )
            )
    return [(n, k, d, a) for n, k, d, a in chosen]


def _dates(kind: int, day: int, last: dt.date) -> list[dt.date]:
    if kind == 0:
        return [month(m, day) for m in range(1, 25) if month(m, day) <= last]
    step = 28 if kind == 1 else 7
    out, d = [], D(2024, 1, day)
    while d <= last:
        out.append(d)
        d += dt.timedelta(days=step)
    return out


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(plan=schedules(), balance=st.integers(-100000, 100000))
def test_without_other_money_the_forecast_is_the_schedule(
    plan: list[tuple[str, int, int, int]], balance: int
) -> None:
    horizon = D(2025, 12, 31)
    rows = [(d, a, n) for n, k, day, a in plan for d in _dates(k, day, horizon)]
    months, summary, _ = run(rows, balance=balance)
    assert summary["other_monthly_cents"] == 0 and summary["sigma_cents"] == 0
    start = balance + sum(a for d, a, _ in rows if D(2024, 12, 1) <= d <= AS_OF)
    assert summary["start_cents"] == start
    level = start
    for row in months.iter_rows(named=True):
        level += sum(a for d, a, _ in rows if row["month"] <= d <= row["month_end"])
        assert row["expected_cents"] == level
        assert row["band_cents"] == 0
