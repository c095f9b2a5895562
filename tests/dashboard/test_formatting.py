"""Money, months and times the Dutch way; the same as Babel's nl_NL formats."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from babel.numbers import format_currency
from hypothesis import given
from hypothesis import strategies as st

from dashboard.formatting import day, euro, moment, month


@given(st.integers(min_value=-(10**11), max_value=10**11))
def test_euro_equals_babels_dutch_currency_format(cents: int) -> None:
    assert euro(cents) == format_currency(Decimal(cents) / 100, "EUR", locale="nl_NL")


def test_examples() -> None:
    assert euro(123456) == "€\u00a01.234,56"
    assert euro(-8536) == "€\u00a0-85,36"
    assert euro(140, sign=True) == "€\u00a0+1,40"
    assert month(dt.date(2024, 3, 1)) == "maart 2024"
    assert day(dt.date(2024, 3, 1)) == "1 maart 2024"


def test_times_are_shown_in_dutch_time_summer_and_winter() -> None:
    assert moment(dt.datetime(2024, 7, 1, 10, 0, tzinfo=dt.UTC)) == "01-07-2024 12:00"
    assert moment(dt.datetime(2024, 1, 1, 10, 0)) == "01-01-2024 11:00"  # naive = UTC (SQLite)
