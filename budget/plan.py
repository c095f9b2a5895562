"""The budget of a month: structural income, fixed costs, reservations, debt repayments and the
leefgeld that remains, for many households at once.

How a coach sets up a Huishoudboekje budget, and what this module does for every household:

1. **Which month.** By default the last *complete* month: the last month that ends on or before
   the date the statements reach (``data_until``; by default the household's last booking).
2. **Which series.** The recurring series (:func:`budget.recurring.detect_recurring`) that run
   in that month: started by its last day, and at most one expected payment missing by then
   (a series missing one payment still counts, and its line says so; a series missing two is
   considered stopped). The amount is the level in force on the month's last day: a rent
   increase from 1 July counts from July on.
3. **Which post.** A series' rubriek is the one most of its last three payments were classified
   as (the latest wins a tie), so one transaction a coach re-classified does not flip a series.
   Then (:func:`post_expr`):

   - money in, rubriek inkomen, uitkering, toeslag, kinderbijslag, studiefinanciering or
     belastingen (a monthly voorlopige teruggaaf): **inkomen**;
   - money out, rubriek aflossing_schulden: **aflossingen**;
   - money out, a fixed-cost rubriek (huur, energie, water, zorgverzekering, ...) or overig
     (an unrecognised direct debit is more likely a fixed cost than spending): **vaste lasten**,
     except yearly series, which are **reserveringen** (put aside a twelfth every month);
   - everything else (leefgeld, own accounts, boodschappen, contant, money in of a cost rubriek
     such as an energy refund) is not part of the budget.

4. **Monthly equivalent.** Yearly /12, quarterly /3, 4-weekly ×13/12, weekly ×52/12, in whole
   cents, rounded half to even (:func:`budget.periods.monthly_equivalent`).
5. **Reservations for irregular costs** also come from one-off payments: money out in a rubriek
   that is typically billed once a year (energie or water settlement, gemeentelijke belastingen,
   waterschapsbelasting, verzekeringen, zorgverzekering, belastingen) in the twelve months up
   to and including the budget month, that belongs to no series and is not exactly the amount
   of a series of the same counterparty (that is a double debit, a signal, not a yearly bill):
   their sum per ketenpartner /12 is reserved every month.
6. **Irregular income** (flexible hours paid weekly with gaps, back payments, a series that
   stopped): money in of an income rubriek in the budget month and the two months before that
   belongs to no counted income series, per ketenpartner, averaged over those months (fewer
   when the history is shorter). It is shown as *wisselend inkomen* but **not** counted: the
   leefgeld must not depend on money that may not come.
7. **Leefgeld** per month = inkomen − vaste lasten − reserveringen − aflossingen; per week =
   per month ×12/52 (rounded half to even, on the amount without its sign). A negative leefgeld
   is a shortfall and stays negative.

Every line carries a Dutch explanation (:mod:`budget.plan_explain`). The frame functions here
take all households at once; :mod:`budget.plan_household` gives one household's budget as
frozen values.
"""

from __future__ import annotations

import datetime as dt
from typing import Final

import polars as pl

from budget import plan_explain as explain
from budget.categories import Rubriek
from budget.plan_lines import irregular_lines, member_hashes, one_off_lines, series_lines
from budget.plan_rules import (
    BUDGET_LINE_SCHEMA,
    BUDGET_SCHEMA,
    TARGET_SCHEMA,
    Post,
    half_even,
    post_expr,
    rubriek_in,
)

__all__ = [
    "BUDGET_LINE_SCHEMA",
    "BUDGET_SCHEMA",
    "INPUT_COLUMNS",
    "TARGET_SCHEMA",
    "Post",
    "budget_frame",
    "budget_lines",
    "budget_months",
    "budget_totals",
    "half_even",
    "post_expr",
]


def budget_months(
    classified: pl.DataFrame,
    months: dt.date | pl.DataFrame | None = None,
    data_until: dt.date | pl.DataFrame | None = None,
) -> pl.DataFrame:
    """The budget month per household (:data:`TARGET_SCHEMA`).

    ``months``: one month for everyone (any day in it), or a frame ``household, month``; by
    default the last complete month before ``data_until`` (one date, or a frame ``household,
    data_until``; by default each household's last booking date).
    """
    # Lazy, so only the two columns are read: an eager group-by on the wide table costs
    # several times more.
    last = (
        classified.lazy()
        .group_by(pl.col("household").cast(pl.String))
        .agg(data_from=pl.col("booking_date").min(), last_booking=pl.col("booking_date").max())
        .collect()
    )
    if isinstance(data_until, pl.DataFrame):
        until = last.join(
            data_until.select(pl.col("household").cast(pl.String), "data_until"),
            on="household",
            how="left",
        ).with_columns(pl.coalesce("data_until", "last_booking").alias("data_until"))
    else:
        fixed = pl.lit(data_until, pl.Date) if data_until is not None else pl.col("last_booking")
        until = last.with_columns(data_until=fixed)
    if isinstance(months, pl.DataFrame):
        until = until.join(
            months.select(pl.col("household").cast(pl.String), pl.col("month").dt.truncate("1mo")),
            on="household",
        )
    elif isinstance(months, dt.date):
        until = until.with_columns(month=pl.lit(months.replace(day=1), pl.Date))
    else:
        after = pl.col("data_until") + pl.duration(days=1)
        until = until.with_columns(month=after.dt.truncate("1mo").dt.offset_by("-1mo"))
    return until.with_columns(month_end=pl.col("month").dt.month_end()).select(
        [pl.col(name).cast(dtype) for name, dtype in TARGET_SCHEMA.items()]
    )


POST_ORDER: Final = {p.value: i for i, p in enumerate(Post)}

INPUT_COLUMNS: Final = (
    "household",
    "booking_date",
    "amount_cents",
    "counterparty_name",
    "tx_key",
    "rubriek",
    "ketenpartner",
)
"""The columns of the classified table :func:`budget_frame` reads (a batch job reads only
these, with the ones classification and the other steps read, from its Parquet parts)."""


def budget_lines(
    classified: pl.DataFrame, series: pl.DataFrame, targets: pl.DataFrame
) -> pl.DataFrame:
    """Every line of every household's budget (:data:`BUDGET_LINE_SCHEMA`), per household by
    post, then the largest monthly amount first."""
    members = member_hashes(series)
    from_series, income_members = series_lines(series, classified, targets, members)
    lines = pl.concat(
        [
            from_series,
            irregular_lines(classified, targets, income_members),
            one_off_lines(series, classified, targets, members),
        ]
    )
    return lines.sort(
        pl.col("household"),
        pl.col("post").replace_strict(POST_ORDER, return_dtype=pl.Int8),
        pl.col("monthly_cents"),
        pl.col("ketenpartner"),
        descending=[False, False, True, False],
    )


def budget_totals(
    classified: pl.DataFrame, lines: pl.DataFrame, targets: pl.DataFrame
) -> pl.DataFrame:
    """The totals, leefgeld per month and week, and leefgeld paid (:data:`BUDGET_SCHEMA`)."""

    def post_sum(post: Post) -> pl.Expr:
        return pl.col("monthly_cents").filter(pl.col("post") == post.value).sum()

    sums = lines.group_by("household").agg(
        income_cents=post_sum(Post.INKOMEN),
        irregular_income_cents=post_sum(Post.WISSELEND_INKOMEN),
        fixed_costs_cents=post_sum(Post.VASTE_LASTEN),
        reservations_cents=post_sum(Post.RESERVERING),
        debt_repayments_cents=post_sum(Post.AFLOSSING),
        line_count=(pl.col("post") != Post.WISSELEND_INKOMEN.value).sum(),
    )
    leefgeld = rubriek_in(classified, frozenset({Rubriek.LEEFGELD})) & (pl.col("amount_cents") < 0)
    first, last = targets.select(pl.col("month").min(), pl.col("month_end").max()).row(0)
    if first is not None and last is not None:  # no household joins a row outside these
        leefgeld = leefgeld & pl.col("booking_date").is_between(first, last)
    paid = (
        classified.lazy()
        .filter(leefgeld)
        .select(pl.col("household").cast(pl.String), "booking_date", "amount_cents")
        .join(targets.lazy().select("household", "month", "month_end"), on="household")
        .filter(pl.col("booking_date").is_between(pl.col("month"), pl.col("month_end")))
        .group_by("household")
        .agg(leefgeld_paid_cents=-pl.col("amount_cents").sum(), leefgeld_paid_count=pl.len())
        .collect()
    )
    amounts = [
        "income_cents",
        "fixed_costs_cents",
        "reservations_cents",
        "debt_repayments_cents",
        "leefgeld_paid_cents",
        "irregular_income_cents",
    ]
    totals = (
        targets.join(sums, on="household", how="left")
        .join(paid, on="household", how="left")
        .with_columns(
            pl.col(amounts).fill_null(0),
            pl.col("line_count", "leefgeld_paid_count").fill_null(0),
        )
        .with_columns(
            leefgeld_month_cents=pl.col("income_cents")
            - pl.col("fixed_costs_cents")
            - pl.col("reservations_cents")
            - pl.col("debt_repayments_cents")
        )
        .with_columns(leefgeld_week_cents=half_even(pl.col("leefgeld_month_cents"), 12, 52))
    )
    return totals.with_columns(explanation=explain.leefgeld_sentence()).select(
        [pl.col(name).cast(dtype) for name, dtype in BUDGET_SCHEMA.items()]
    )


def budget_frame(
    classified: pl.DataFrame,
    series: pl.DataFrame,
    months: dt.date | pl.DataFrame | None = None,
    data_until: dt.date | pl.DataFrame | None = None,
) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Budgets of all households in ``classified``: (totals, lines).

    ``series`` comes from :func:`budget.recurring.detect_recurring` on the same transactions;
    for a budget "as it stood" at the end of its month, detect on the history up to then (what
    :func:`budget.plan_household.household_budget` does). ``months`` and ``data_until`` as in
    :func:`budget_months`.
    """
    targets = budget_months(classified, months, data_until)
    lines = budget_lines(classified, series, targets)
    return budget_totals(classified, lines, targets), lines
