"""Amounts and months written the Dutch way inside polars, the same as the rest of hhb."""

from __future__ import annotations

import datetime as dt

import polars as pl
from hypothesis import given
from hypothesis import strategies as st

from entitlement.money_text import euro_expr, month_expr, month_text
from ingest.amounts import format_euro


@given(st.lists(st.integers(-(10**13), 10**13), max_size=30))
def test_euro_expr_writes_what_format_euro_writes(cents: list[int]) -> None:
    got = pl.DataFrame({"c": cents}, schema={"c": pl.Int64}).select(euro_expr(pl.col("c")))
    assert got.to_series().to_list() == [format_euro(c) for c in cents]


def test_null_stays_null_and_months_are_dutch() -> None:
    frame = pl.DataFrame({"c": [None, 5]}, schema={"c": pl.Int64})
    assert frame.select(euro_expr(pl.col("c"))).to_series().to_list() == [None, "€ 0,05"]
    days = pl.DataFrame({"d": [dt.date(2024, 3, 1), dt.date(2025, 12, 31)]})
    assert days.select(month_expr(pl.col("d"))).to_series().to_list() == [
        "maart 2024", "december 2025"
    ]  # fmt: skip
    assert month_text(dt.date(2024, 5, 1)) == "mei 2024"
