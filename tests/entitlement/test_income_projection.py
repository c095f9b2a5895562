"""The yearly toetsingsinkomen projected from the months so far, with its band."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping

import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy import Engine

from entitlement.income import MONTHLY_INCOME_SCHEMA
from entitlement.income_projection import (
    EXTRA_INCOME_SCHEMA,
    PROJECTION_SCHEMA,
    HolidayAllowance,
    project_toetsingsinkomen,
)
from entitlement.income_store import household_monthly_income
from store.db import session_scope
from tests.entitlement.income_world import WW_GROSS, store_world


def month_rows(household: str, gross: Mapping[dt.date, int | None]) -> list[tuple[object, ...]]:
    return [
        (household, day, 0, g, "uitkeringsgegevens" if g is not None else "geschat uit netto",
         g is None, "x", None if g is not None else "bruto niet te schatten voor 2024: test")
        for day, g in gross.items()
    ]  # fmt: skip


def frame(*rows: list[tuple[object, ...]]) -> pl.DataFrame:
    return pl.DataFrame([r for part in rows for r in part], schema=MONTHLY_INCOME_SCHEMA,
                        orient="row")  # fmt: skip


def d(month: int, year: int = 2024) -> dt.date:
    return dt.date(year, month, 1)


RISING = {d(1): 200_000, d(2): 200_000, d(3): 210_000, d(4): 250_000, d(5): 250_000,
          d(6): 260_000}  # fmt: skip


def test_projection_in_march_uses_the_median_of_three_months_and_adds_holiday_pay() -> None:
    got = project_toetsingsinkomen(frame(month_rows("A", RISING)), 2024, d(3)).row(0, named=True)
    assert got["months_known"] == 3 and got["months_remaining"] == 9
    assert got["gross_so_far_cents"] == 610_000
    assert (got["level_cents"], got["low_level_cents"], got["high_level_cents"]) == (
        200_000, 200_000, 210_000
    )  # fmt: skip
    assert got["holiday_allowance_cents"] == 200_000 * 12 * 8 // 100
    assert got["projected_cents"] == 610_000 + 9 * 200_000 + 192_000
    assert got["low_cents"] == got["projected_cents"]
    assert got["high_cents"] == 610_000 + 9 * 210_000 + 210_000 * 12 * 8 // 100
    assert got["is_estimate"] and got["problem"] is None
    assert "mediaan van januari 2024 t/m maart 2024" in got["explanation"]
    assert "Vakantiegeld 8,00% (WML art. 15), nog te ontvangen in mei" in got["explanation"]


def test_after_may_the_holiday_pay_is_among_the_months_so_far() -> None:
    got = project_toetsingsinkomen(frame(month_rows("A", RISING)), 2024, d(6)).row(0, named=True)
    assert got["holiday_allowance_cents"] == 0
    assert got["projected_cents"] == sum(RISING.values()) + 6 * 250_000
    assert (got["low_cents"], got["high_cents"]) == (
        sum(RISING.values()) + 6 * 250_000, sum(RISING.values()) + 6 * 260_000
    )  # fmt: skip


def test_a_year_that_is_over_is_not_an_estimate_when_nothing_was_estimated() -> None:
    full = {d(m): 100_000 for m in range(1, 13)}
    got = project_toetsingsinkomen(frame(month_rows("A", full)), 2024, d(1, 2025)).row(
        0, named=True
    )
    assert (got["months_known"], got["projected_cents"], got["is_estimate"]) == (12, 1_200_000,
                                                                                 False)  # fmt: skip
    assert got["low_cents"] == got["high_cents"] == 1_200_000


def test_the_recent_window_reaches_into_the_previous_year_and_missing_months_are_zero() -> None:
    rows = month_rows("A", {d(11, 2023): 300_000, d(12, 2023): 100_000, d(1): 200_000})
    got = project_toetsingsinkomen(frame(rows), 2024, d(1)).row(0, named=True)
    assert (got["level_cents"], got["low_level_cents"], got["high_level_cents"]) == (
        200_000, 100_000, 300_000
    )  # fmt: skip
    two = project_toetsingsinkomen(frame(rows), 2024, d(1), recent_months=4).row(0, named=True)
    assert two["level_cents"] == 150_000  # Oct 2023 absent = 0: median of 0, 1000, 2000, 3000


def test_partner_income_outside_the_accounts_is_added_to_every_band() -> None:
    extra = pl.DataFrame([("A", 2024, 1_000_000, "salaris toeslagpartner"),
                          ("A", 2023, 9_999_999, "ander jaar")],
                         schema=EXTRA_INCOME_SCHEMA, orient="row")  # fmt: skip
    plain = project_toetsingsinkomen(frame(month_rows("A", RISING)), 2024, d(6)).row(0, named=True)
    got = project_toetsingsinkomen(frame(month_rows("A", RISING)), 2024, d(6),
                                   extra=extra).row(0, named=True)  # fmt: skip
    for key in ("projected_cents", "low_cents", "high_cents"):
        assert got[key] == plain[key] + 1_000_000
    assert "salaris toeslagpartner € 10.000,00" in got["explanation"]


def test_an_unknown_month_makes_the_projection_unknown_with_the_reason() -> None:
    rows = month_rows("B", {d(1): 100_000, d(2): None, d(3): 100_000})
    got = project_toetsingsinkomen(frame(rows, month_rows("A", RISING)), 2024, d(3))
    b = got.filter(pl.col("household") == "B").row(0, named=True)
    assert b["projected_cents"] is None and b["low_cents"] is None
    assert b["explanation"].startswith("Toetsingsinkomen 2024 niet te berekenen: bruto niet")
    a = got.filter(pl.col("household") == "A").row(0, named=True)
    assert a["projected_cents"] is not None  # one household's gap does not spread


def test_several_as_of_months_and_no_holiday_pay() -> None:
    got = project_toetsingsinkomen(frame(month_rows("A", RISING)), 2024, [d(3), d(6)],
                                   holiday=HolidayAllowance(rate_pcm=0))  # fmt: skip
    assert got.schema == pl.Schema(PROJECTION_SCHEMA)
    assert got.get_column("as_of").to_list() == [d(3), d(6)]
    assert got.get_column("holiday_allowance_cents").to_list() == [0, 0]
    with pytest.raises(ValueError, match="minstens 1"):
        project_toetsingsinkomen(frame(month_rows("A", RISING)), 2024, d(3), recent_months=0)


@settings(max_examples=40, deadline=None)
@given(st.lists(st.integers(0, 500_000), min_size=12, max_size=12), st.integers(1, 12))
def test_the_band_always_holds_the_projection(gross: list[int], as_of: int) -> None:
    rows = month_rows("A", {d(m + 1): g for m, g in enumerate(gross)})
    got = project_toetsingsinkomen(frame(rows), 2024, d(as_of)).row(0, named=True)
    assert got["low_cents"] <= got["projected_cents"] <= got["high_cents"]
    assert got["gross_so_far_cents"] == sum(gross[:as_of])


def test_projection_of_a_stored_household(engine: Engine) -> None:
    store_world(engine)
    with session_scope(engine) as session:
        monthly = household_monthly_income(session, "H1", d(1), dt.date(2024, 3, 31))
    got = project_toetsingsinkomen(monthly, 2024, d(3)).row(0, named=True)
    march = monthly.row(2, named=True)["gross_cents"]
    assert got["gross_so_far_cents"] == 2 * WW_GROSS + march
    assert got["level_cents"] == WW_GROSS  # median of 1.800, 1.800 and the estimated March
    assert got["is_estimate"] and "deels geschat uit netto" in got["explanation"]
