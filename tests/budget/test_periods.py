"""Monthly equivalents: exact integer arithmetic, half-even rounding."""

from __future__ import annotations

import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from budget.periods import (
    MONTHLY_FACTOR,
    PERIODICITIES,
    Periodicity,
    monthly_equivalent,
    monthly_equivalent_expr,
)

amounts = st.integers(min_value=-(10**9), max_value=10**9)
periodicities = st.sampled_from(PERIODICITIES)


@pytest.mark.parametrize(
    ("cents", "periodicity", "expected"),
    [
        (7500, "weekly", 32500),
        (100, "weekly", 433),  # 433.33
        (180000, "four_weekly", 195000),
        (42410, "monthly", 42410),
        (28000, "quarterly", 9333),
        (60000, "yearly", 5000),
        (6, "yearly", 0),  # 0.5 → 0 (even)
        (18, "yearly", 2),  # 1.5 → 2 (even)
        (-18, "yearly", -2),
        (-6, "yearly", 0),
    ],
)
def test_examples(cents: int, periodicity: str, expected: int) -> None:
    assert monthly_equivalent(cents, periodicity) == expected


@given(amounts, periodicities)
def test_periods_per_year_give_back_the_yearly_total(cents: int, periodicity: Periodicity) -> None:
    num, den = MONTHLY_FACTOR[periodicity]
    per_year = {"weekly": 52, "four_weekly": 13, "monthly": 12, "quarterly": 4, "yearly": 1}
    yearly_total = cents * per_year[periodicity]
    assert abs(monthly_equivalent(cents, periodicity) * 12 - yearly_total) <= 6
    assert num * 12 == per_year[periodicity] * den


@given(amounts, amounts, periodicities)
def test_monotone_and_sign_preserving(a: int, b: int, periodicity: Periodicity) -> None:
    lo, hi = sorted((a, b))
    assert monthly_equivalent(lo, periodicity) <= monthly_equivalent(hi, periodicity)
    m = monthly_equivalent(a, periodicity)
    assert (m >= 0) == (a >= 0) or m == 0
    assert monthly_equivalent(-a, periodicity) == -m


@settings(deadline=None)  # the first polars call compiles the expression; slow on a busy machine
@given(st.lists(st.tuples(amounts, st.integers(0, len(PERIODICITIES) - 1)), max_size=50))
def test_vectorised_equals_scalar(pairs: list[tuple[int, int]]) -> None:
    frame = pl.DataFrame(pairs, schema={"a": pl.Int64, "k": pl.Int64}, orient="row")
    got = frame.select(monthly_equivalent_expr(pl.col("a"), pl.col("k")))
    assert got.to_series().to_list() == [monthly_equivalent(a, PERIODICITIES[k]) for a, k in pairs]
