"""Dutch phrases for signals and forecasts, as polars expressions over whole columns.

Messages are built for every signal at once (a municipal run has hundreds of thousands), so
dates, amounts and percentages are formatted by expressions, not per row in Python. Amounts go
through :func:`budget.recurring.euro_expr`, which a test keeps equal to
:func:`ingest.amounts.format_euro`.
"""

from __future__ import annotations

import polars as pl

from budget.overview import MONTHS_NL
from budget.periods import DUTCH_NAME
from budget.recurring import euro_expr


def as_date(day: pl.Expr) -> pl.Expr:
    return day.cast(pl.Int32).cast(pl.Date)


def month_name(day: pl.Expr) -> pl.Expr:
    """``maart 2024``."""
    date = as_date(day)
    name = date.dt.month().replace_strict(
        list(range(1, 13)), list(MONTHS_NL), return_dtype=pl.String
    )
    return pl.concat_str(name, pl.lit(" "), date.dt.year().cast(pl.String))


def long_date(day: pl.Expr) -> pl.Expr:
    """``1 maart 2024``."""
    return pl.concat_str(as_date(day).dt.day().cast(pl.String), pl.lit(" "), month_name(day))


def euro(cents: pl.Expr) -> pl.Expr:
    """``€ 612,50`` (without sign)."""
    return euro_expr(cents)


def signed_euro(cents: pl.Expr) -> pl.Expr:
    """``€ -85,36`` / ``€ 1.234,56``, as :func:`ingest.amounts.format_euro`."""
    body = euro_expr(cents).str.slice(2)
    return pl.concat_str(
        pl.lit("€ "), pl.when(cents < 0).then(pl.lit("-")).otherwise(pl.lit("")), body
    )


def percent(part: pl.Expr, whole: pl.Expr) -> pl.Expr:
    """``|part| / |whole|`` as a Dutch percentage with one decimal (``4,0 %``), rounded half up
    in integers."""
    permille = (part.abs() * 2000 + whole.abs()) // (2 * whole.abs())
    return pl.concat_str(
        (permille // 10).cast(pl.String), pl.lit(","), (permille % 10).cast(pl.String), pl.lit(" %")
    )


def periodicity(name: pl.Expr) -> pl.Expr:
    """``maandelijks``, ``elke 4 weken``, ..."""
    return name.replace_strict(
        [p.value for p in DUTCH_NAME], list(DUTCH_NAME.values()), return_dtype=pl.String
    )


def days(count: pl.Expr) -> pl.Expr:
    return pl.concat_str(
        count.cast(pl.String), pl.when(count == 1).then(pl.lit(" dag")).otherwise(pl.lit(" dagen"))
    )


def amount_margin(pct: pl.Expr, cents: pl.Expr) -> pl.Expr:
    """``marge 3 % en € 2,50``."""
    return pl.concat_str(pl.lit("marge "), pct.cast(pl.String), pl.lit(" % en "), euro(cents))
