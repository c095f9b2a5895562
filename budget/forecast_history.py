"""What a household's history says for its forecast: the balance to start from, the money that
goes in and out outside the series (its median per month) and how much a month strays from what
the series and that median explain (``σ``, the band's width). See :mod:`budget.forecast` for the
method; this module only reads the past.
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import numpy.typing as npt
import polars as pl

from budget.periods import MONTH_DAYS
from budget.schedule import (
    HASH_SEED,
    SeriesTable,
    day_number,
    expected_days,
    month_index,
    period_days,
    tolerance,
)

HISTORY_MONTHS = 12
"""The other money and its spread come from the last twelve complete months: a year holds
every season's costs once (the yearly settlement, the winter's energy), and what a household
did two years ago says less about next month than what it did this year."""

MIN_BAND_MONTHS = 3
"""Fewer complete months give no usable spread (two residuals around their own median are
always equal and opposite)."""

BLOCK_SERIES = 50_000
"""Series whose dates are generated at a time: about 1 to 5 million dates and a few hundred MB
of temporary arrays, whatever the number of households."""


def blocks(rows: int, size: int = BLOCK_SERIES) -> list[slice]:
    return [slice(i, min(i + size, rows)) for i in range(0, rows, size)]


def history(
    transactions: pl.DataFrame | pl.LazyFrame,
    table: SeriesTable,
    s: pl.DataFrame,
    ctx: pl.DataFrame,
) -> pl.DataFrame:
    """Per household (``hix``): start balance, median other money per month, months used, σ."""
    recent = ctx.select(
        "hix",
        recent=(pl.col("as_of") + pl.duration(days=1))
        .dt.month_start()
        .dt.offset_by(f"-{HISTORY_MONTHS}mo"),
    )
    hi, lo = ctx["as_of"].max(), recent["recent"].min()
    lazy = transactions.lazy().filter(pl.col("amount_cents") != 0)
    if isinstance(hi, dt.date) and isinstance(lo, dt.date):
        # a month more than needed, so that the first booking seen says whether the
        # statements start within the last year or before it
        lazy = lazy.filter(pl.col("booking_date").is_between(lo - dt.timedelta(days=31), hi))
    month_of = (
        (pl.col("booking_date").dt.year().cast(pl.Int32) - 1970) * 12
        + pl.col("booking_date").dt.month().cast(pl.Int32)
        - 1
    )
    is_member = pl.col("tx_key").cast(pl.String).hash(HASH_SEED).is_in(_recent_members(table, s))
    actual = (
        lazy.group_by("household", mi=month_of)
        .agg(
            actual=pl.col("amount_cents").sum(),
            in_series=pl.col("amount_cents").filter(is_member).sum(),
            first=pl.col("booking_date").min(),
        )
        .collect()
        .with_columns(pl.col("household").cast(pl.String))
        .join(ctx.select("household", "hix"), on="household")
        .drop("household")
    )
    start = _start_balance(transactions, ctx)
    first_booking = actual.group_by("hix").agg(pl.col("first").min())
    span = (
        ctx.join(first_booking, on="hix", how="left")
        .join(recent, on="hix")
        .select(
            "hix",
            hs=pl.max_horizontal(
                day_number(pl.coalesce("history_start", "first")), day_number("recent")
            ),
            as_of=day_number("as_of"),
        )
        .filter(pl.col("hs").is_not_null())
    )
    month_start = day_number(pl.date(1970 + pl.col("mi") // 12, pl.col("mi") % 12 + 1, 1))
    month_end = day_number(
        pl.date(1970 + pl.col("mi") // 12, pl.col("mi") % 12 + 1, 1).dt.month_end()
    )
    complete = actual.join(span, on="hix").filter(
        month_start >= pl.col("hs"), month_end <= pl.col("as_of")
    )
    explained = _explained(table, s, span, complete)
    complete = complete.with_columns(
        other=pl.col("actual") - pl.col("in_series"),
        unexplained=pl.col("actual") - pl.Series(explained),
    )
    stats = complete.group_by("hix").agg(
        other_monthly_cents=pl.col("other").median().round(0).cast(pl.Int64),
        history_months=pl.len().cast(pl.Int32),
    )
    spread = (
        complete.join(stats, on="hix")
        .with_columns(r=(pl.col("unexplained") - pl.col("other_monthly_cents")).cast(pl.Float64))
        .group_by("hix")
        .agg(sigma=(pl.col("r") * pl.col("r")).mean().sqrt())
    )
    stats = stats.join(spread, on="hix").with_columns(
        sigma=pl.when(pl.col("history_months") >= MIN_BAND_MONTHS).then(pl.col("sigma"))
    )
    return (
        ctx.select("hix")
        .join(start, on="hix", how="left", maintain_order="left")
        .join(stats, on="hix", how="left", maintain_order="left")
    )


def _recent_members(table: SeriesTable, s: pl.DataFrame) -> pl.Series:
    """The hashes of the series' transactions in the history window: each series' newest keys
    (they are in date order), as many as its rhythm can have paid in that window plus its extras
    (half of all keys over two years of history, so the membership test costs half as much)."""
    periods = np.ceil((HISTORY_MONTHS + 1) * MONTH_DAYS / period_days(s["kind"].to_numpy()))
    need = s.select("sid").with_columns(
        n=pl.Series(periods.astype(np.int64) + 2) + s["extra_count"]
    )
    keys = table.series.select(pl.int_range(pl.len(), dtype=pl.Int64).alias("sid"), "tx_keys")
    return (
        keys.join(need, on="sid")
        .select(pl.col("tx_keys").list.tail(pl.col("n")).explode().drop_nulls().hash(HASH_SEED))
        .to_series()
        .implode()
    )


def _start_balance(transactions: pl.DataFrame | pl.LazyFrame, ctx: pl.DataFrame) -> pl.DataFrame:
    """The balance at the end of ``as_of``: the stated one at ``balance_date`` plus what moved."""
    known = ctx.filter(pl.col("balance_date").is_not_null(), pl.col("balance_cents").is_not_null())
    lo = known["balance_date"].min()
    moved = (
        transactions.lazy()
        .filter(pl.col("booking_date") >= (lo if lo is not None else dt.date.max))
        .group_by("household", "booking_date")
        .agg(pl.col("amount_cents").sum())
        .collect()
        .with_columns(pl.col("household").cast(pl.String))
        .join(known.select("household", "as_of", "balance_date"), on="household")
        .filter(pl.col("booking_date").is_between(pl.col("balance_date"), pl.col("as_of")))
        .group_by("household")
        .agg(moved=pl.col("amount_cents").sum())
    )
    return known.join(moved, on="household", how="left").select(
        "hix", start_cents=pl.col("balance_cents") + pl.col("moved").fill_null(0)
    )


def _explained(
    table: SeriesTable, s: pl.DataFrame, span: pl.DataFrame, complete: pl.DataFrame
) -> npt.NDArray[np.int64]:
    """What the series' schedules pay in each row of ``complete`` (household, month): every
    expected date from a series' start up to its first missed date, at the level in force."""
    if complete.height == 0:
        return np.zeros(0, dtype=np.int64)
    with_span = s.join(span.select("hix", "hs"), on="hix")
    kind, d1 = with_span["kind"].to_numpy(), with_span["d1"].to_numpy()
    start = np.maximum(
        with_span["first_day"].to_numpy() - tolerance(kind), with_span["hs"].to_numpy()
    )
    end = np.minimum(d1 - 1, with_span["as_of"].to_numpy())
    sid, hix = with_span["sid"].to_numpy(), with_span["hix"].to_numpy()
    want_m = complete["mi"].to_numpy().astype(np.int64)
    lo = int(want_m.min())
    width = int(want_m.max()) - lo + 1
    households = int(complete["hix"].max()) + 1  # type: ignore[arg-type]
    total = np.zeros(households * width)
    for block in blocks(with_span.height):
        row, day, _ = expected_days(kind[block], d1[block], start[block], end[block])
        row += block.start
        amount, _ = table.levels.at(sid[row], day)
        rel = month_index(day) - lo
        ok = (rel >= 0) & (rel < width) & (hix[row] < households)
        total += np.bincount(
            hix[row][ok] * width + rel[ok],
            weights=amount[ok].astype(np.float64),
            minlength=len(total),
        )
    key = complete["hix"].to_numpy() * width + (want_m - lo)
    out: npt.NDArray[np.int64] = np.round(total[key]).astype(np.int64)
    return out
