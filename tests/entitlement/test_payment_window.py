"""Which month a payment is for: explicit windows per way of paying, one month per payment."""

from __future__ import annotations

import datetime as dt

import polars as pl

from entitlement.income import PAYMENT_SCHEMA
from entitlement.payment_window import WINDOWS, assign_months
from entitlement.received import received_per_regeling
from entitlement.rules.model import Payment
from tests.entitlement.income_world import classified, tx

BIJSTAND = WINDOWS[Payment.PER_MAAND]


def d(month: int, day: int, year: int = 2024) -> dt.date:
    return dt.date(year, month, day)


def test_windows_per_way_of_paying() -> None:
    assert BIJSTAND.of(d(3, 1)) == (d(2, 20), d(4, 10))
    assert WINDOWS[Payment.JAARRECHT_PER_MAAND].of(d(3, 1)) == (d(2, 1), d(2, 29))
    assert WINDOWS[Payment.PER_KWARTAAL].of(d(1, 1)) == (d(4, 1), d(4, 30))
    assert WINDOWS[Payment.EENMALIG_PER_JAAR].of(d(1, 1)) == (d(1, 1), d(12, 31))
    assert BIJSTAND.months_for(d(3, 25)) == [d(3, 1), d(4, 1)]
    assert BIJSTAND.months_for(d(3, 5)) == [d(2, 1), d(3, 1)]
    assert BIJSTAND.months_for(d(3, 15)) == [d(3, 1)]


def test_paid_on_the_25th_keeps_its_months_and_a_gap_stays_a_gap() -> None:
    assert assign_months([d(1, 25), d(2, 23), d(3, 25)], BIJSTAND) == [d(1, 1), d(2, 1), d(3, 1)]
    assert assign_months([d(3, 25), d(1, 25)], BIJSTAND) == [d(3, 1), d(1, 1)]


def test_paid_around_the_first_gives_one_payment_per_month() -> None:
    # for January on 1 February, February on 1 March, March early (29 March), April on 2 May
    days = [d(2, 1), d(3, 1), d(3, 29), d(5, 2)]
    got = assign_months(days, BIJSTAND)
    assert len(set(got)) == len(days)  # never two payments read as one month, nor one as two
    # paid in arrears on the 1st, on the last working day before when the 1st is a weekend
    got = assign_months([d(1, 2), d(2, 1), d(2, 29), d(4, 2)], BIJSTAND)
    assert got == [d(12, 1, 2023), d(1, 1), d(2, 1), d(3, 1)]


def test_received_assigns_each_bank_payment_to_one_month() -> None:
    rows = [
        tx("A", day, 1_300_00, "uitkering", "Gemeente Utrecht", "bijstand")
        for day in (d(1, 31), d(3, 1), d(3, 28), d(5, 1))
    ]
    got = received_per_regeling(classified(rows), pl.DataFrame(schema=PAYMENT_SCHEMA))
    bij = got.filter(pl.col("regeling") == "bijstand").sort("period_month")
    assert bij["received_cents"].sum() == 4 * 1_300_00
    assert bij["payments"].to_list() == [1, 1, 1, 1]
    assert bij["period_month"].n_unique() == 4
    moved = bij.filter(pl.col("period_month") != pl.col("month"))
    assert moved.height >= 1
    assert all("; voor " in e for e in moved["explanation"].to_list())
    assert all("bijstand (Participatiewet)" in e for e in bij["explanation"].to_list())
