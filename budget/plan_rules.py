"""The fixed rules of the budget: its posts, which rubrieken count where, the frame schemas,
and the integer rounding. :mod:`budget.plan` explains the method; this module only names it, so
the line builders (:mod:`budget.plan_lines`) and the totals share one definition.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Final

import polars as pl

from budget.categories import BUDGET_COST_RUBRIEKEN, BUDGET_INCOME_RUBRIEKEN, Rubriek
from budget.periods import Periodicity


class Post(StrEnum):
    """A section of the budget. ``wisselend_inkomen`` is shown but never counted."""

    INKOMEN = "inkomen"
    WISSELEND_INKOMEN = "wisselend_inkomen"
    VASTE_LASTEN = "vaste_lasten"
    RESERVERING = "reservering"
    AFLOSSING = "aflossing"


class Source(StrEnum):
    """Where a budget line comes from: a recurring series, or loose payments summed."""

    REEKS = "reeks"
    LOS = "losse_betalingen"


YEARLY_BILLED: Final = frozenset(
    {
        Rubriek.ENERGIE,
        Rubriek.WATER,
        Rubriek.GEMEENTELIJKE_BELASTINGEN,
        Rubriek.WATERSCHAPSBELASTING,
        Rubriek.VERZEKERINGEN,
        Rubriek.ZORGVERZEKERING,
        Rubriek.BELASTINGEN,
    }
)
"""Rubrieken whose one-off payments are reserved for (see the module docstring, step 5)."""

VOTES: Final = 3
"""The last payments of a series whose classification decides its rubriek."""
ONE_OFF_MONTHS: Final = 12
IRREGULAR_MONTHS: Final = 3
"""Income outside any counted series is averaged over the budget month and the two before."""

BUDGET_LINE_SCHEMA: Final[dict[str, pl.DataType | type[pl.DataType]]] = {
    "household": pl.String,
    "month": pl.Date,
    "post": pl.String,
    "source": pl.String,
    "rubriek": pl.String,
    "ketenpartner": pl.String,
    "counterparty_name": pl.String,
    "periodicity": pl.String,
    "amount_cents": pl.Int64,
    "amount_since": pl.Date,
    "previous_amount_cents": pl.Int64,
    "monthly_cents": pl.Int64,
    "first_date": pl.Date,
    "last_date": pl.Date,
    "tx_count": pl.Int32,
    "amount_varies": pl.Boolean,
    "overdue": pl.Boolean,
    "explanation": pl.String,
}
"""One row per series or group of one-off payments in a household's budget month.

``amount_cents`` is the payment (signed; for one-offs their sum) and ``monthly_cents`` its
monthly equivalent without sign; ``periodicity`` is null for one-offs; ``tx_count`` counts the
series' on-time payments or the one-off payments."""

BUDGET_SCHEMA: Final[dict[str, pl.DataType | type[pl.DataType]]] = {
    "household": pl.String,
    "month": pl.Date,
    "data_until": pl.Date,
    "income_cents": pl.Int64,
    "fixed_costs_cents": pl.Int64,
    "reservations_cents": pl.Int64,
    "debt_repayments_cents": pl.Int64,
    "leefgeld_month_cents": pl.Int64,
    "leefgeld_week_cents": pl.Int64,
    "leefgeld_paid_cents": pl.Int64,
    "leefgeld_paid_count": pl.UInt32,
    "irregular_income_cents": pl.Int64,
    "line_count": pl.UInt32,
    "explanation": pl.String,
}
"""One row per household: the four totals (without sign), leefgeld per month and per week
(negative = shortfall), the leefgeld actually transferred in the month (without sign), and the
irregular income per month that is shown but not counted; ``line_count`` counts the counted
lines."""

TARGET_SCHEMA: Final[dict[str, pl.DataType | type[pl.DataType]]] = {
    "household": pl.String,
    "month": pl.Date,
    "month_end": pl.Date,
    "data_from": pl.Date,
    "data_until": pl.Date,
}


def post_expr(direction: pl.Expr, rubriek: pl.Expr, periodicity: pl.Expr) -> pl.Expr:
    """The budget post of a series (null: not part of the budget); see :mod:`budget.plan`,
    step 3."""
    income = rubriek.is_in([r.value for r in BUDGET_INCOME_RUBRIEKEN])
    cost = rubriek.is_in([r.value for r in BUDGET_COST_RUBRIEKEN])
    return (
        pl.when((direction == "in") & income)
        .then(pl.lit(Post.INKOMEN.value))
        .when((direction == "out") & (rubriek == Rubriek.AFLOSSING_SCHULDEN.value))
        .then(pl.lit(Post.AFLOSSING.value))
        .when((direction == "out") & cost & (periodicity == Periodicity.YEARLY.value))
        .then(pl.lit(Post.RESERVERING.value))
        .when((direction == "out") & cost)
        .then(pl.lit(Post.VASTE_LASTEN.value))
    )


def half_even(value: pl.Expr, numerator: int, denominator: int | pl.Expr) -> pl.Expr:
    """``value × numerator / denominator`` in whole cents, half to even, on the magnitude (the
    sign is put back afterwards, so −x gives −(x's result)); integers only, as
    :func:`budget.periods.monthly_equivalent`. ``denominator`` must be positive."""
    if isinstance(denominator, int):
        denominator = pl.lit(denominator, pl.Int64)
    denominator = denominator.cast(pl.Int64)
    magnitude = value.abs().cast(pl.Int64) * numerator
    quotient = magnitude // denominator
    twice = 2 * (magnitude - quotient * denominator)
    up = (twice > denominator) | ((twice == denominator) & (quotient % 2 == 1))
    rounded = quotient + up.cast(pl.Int64)
    return pl.when(value < 0).then(-rounded).otherwise(rounded)


def rubriek_in(frame: pl.DataFrame, rubrieken: frozenset[Rubriek]) -> pl.Expr:
    """``rubriek`` in ``rubrieken``, compared in the column's own type: the classifier's
    ``Enum`` compares codes, where casting forty million rows to text would cost seconds."""
    dtype = frame.schema["rubriek"]
    values = pl.Series(sorted(r.value for r in rubrieken), dtype=pl.String)
    if isinstance(dtype, pl.Enum):
        values = values.filter(values.is_in(dtype.categories.implode())).cast(dtype)
    return pl.col("rubriek").is_in(values.implode())
