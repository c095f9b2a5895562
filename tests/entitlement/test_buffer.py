"""Buffer arithmetic: the reservation that covers a reclaim, and how long a balance lasts."""

from __future__ import annotations

import datetime as dt

import polars as pl
import pytest
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import Engine

from entitlement.buffer import (
    BUFFER_INPUT_SCHEMA,
    BUFFER_SCHEMA,
    RESERVATION_INPUT_SCHEMA,
    RESERVATION_SCHEMA,
    add_months,
    buffer_duration,
    household_buffer,
    monthly_reservation,
    months_between,
    reservations,
    split_evenly,
)
from store.db import session_scope
from tests.entitlement.income_world import store_world

JUNE = dt.date(2024, 6, 1)


def test_months_between_and_add_months() -> None:
    assert months_between(dt.date(2024, 6, 17), dt.date(2025, 1, 1)) == 7
    assert months_between(dt.date(2025, 3, 1), dt.date(2025, 1, 31)) == -2
    assert add_months(dt.date(2024, 11, 30), 3) == dt.date(2025, 2, 1)


def test_reservation_rounds_up_and_needs_everything_when_no_month_is_left() -> None:
    assert monthly_reservation(100_000, 7) == 14_286
    assert monthly_reservation(100_000, 0) == 100_000
    assert monthly_reservation(0, 5) == 0
    with pytest.raises(ValueError, match="minstens 1"):
        split_evenly(100, 0)


@given(st.integers(0, 10**9), st.integers(1, 120))
def test_the_reservation_covers_the_amount_and_no_cent_less_would(amount: int, months: int) -> None:
    per_month = monthly_reservation(amount, months)
    assert per_month * months >= amount
    assert amount == 0 or (per_month - 1) * months < amount
    assert sum(split_evenly(amount, months)) == amount


def test_reservations_for_many_households() -> None:
    frame = pl.DataFrame(
        [("A", "terugbetaling zorgtoeslag 2024", 100_000, dt.date(2025, 1, 1), JUNE),
         ("B", "terugbetaling huurtoeslag 2023", 5_000, dt.date(2024, 1, 1), JUNE),
         ("C", "niets", 0, dt.date(2025, 1, 1), JUNE)],
        schema=RESERVATION_INPUT_SCHEMA, orient="row",
    )  # fmt: skip
    got = reservations(frame)
    assert got.schema == pl.Schema(RESERVATION_SCHEMA)
    assert got.get_column("months_until_due").to_list() == [7, -5, 7]
    assert got.get_column("monthly_reservation_cents").to_list() == [14_286, 5_000, 0]
    assert got.item(0, "explanation") == (
        "Reserveer € 142,86 per maand vanaf juni 2024 (7 maanden tot januari 2025), dan is "
        "€ 1.000,00 voor terugbetaling zorgtoeslag 2024 op tijd bij elkaar."
    )
    assert "het hele bedrag is nu nodig" in got.item(1, "explanation")


def test_how_long_the_buffer_lasts() -> None:
    frame = pl.DataFrame(
        [("A", JUNE, 120_000, 25_000), ("B", JUNE, -500, 100), ("C", JUNE, 100, 0),
         ("D", JUNE, 100_000, 25_000)],
        schema=BUFFER_INPUT_SCHEMA, orient="row",
    )  # fmt: skip
    got = buffer_duration(frame)
    assert got.schema == pl.Schema(BUFFER_SCHEMA)
    assert got.get_column("months_covered").to_list() == [4, 0, None, 4]
    assert got.get_column("runs_out_month").to_list() == [
        dt.date(2024, 10, 1), JUNE, None, dt.date(2024, 10, 1)
    ]  # fmt: skip
    assert "genoeg voor 4 hele maand(en); in oktober 2024 is het op" in got.item(0, "explanation")
    assert "Er is geen buffer" in got.item(1, "explanation")
    assert "raakt bij dit uitgavenpatroon niet op" in got.item(2, "explanation")


def test_buffer_of_a_stored_household(engine: Engine) -> None:
    store_world(engine)
    with session_scope(engine) as session:
        got = household_buffer(session, "H1", dt.date(2024, 4, 1)).row(0, named=True)
    # Jan-Mar: 3 x (1.500 WW + 123 zorgtoeslag) + 279,49 kinderbijslag - 900 - 2.500 rent
    change = 3 * (150_000 + 12_300) + 27_949 - 90_000 - 250_000
    assert got["balance_cents"] == 50_000 + change
    assert change > 0 and got["monthly_deficit_cents"] == 0 and got["months_covered"] is None
    with session_scope(engine) as session:
        march = household_buffer(session, "H1", dt.date(2024, 4, 1), months=1).row(0, named=True)
    deficit = 250_000 - 150_000 - 12_300  # March: rent and arrears above the income
    assert march["monthly_deficit_cents"] == deficit
    assert march["months_covered"] == (50_000 + change) // deficit == 2
    assert march["runs_out_month"] == dt.date(2024, 6, 1)
    assert "gemiddelde daling van het saldo over maart 2024 t/m maart 2024" in march["explanation"]
