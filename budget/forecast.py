"""Twelve months of expected balance per household, with an uncertainty band that explains itself.

**Expected path.** From the balance at ``as_of`` (the statements' stated balance moved by the
transactions since, see ``balance_date`` in :data:`budget.signals.CONTEXT_SCHEMA`), each month
adds

- the *series*: every expected date of every active or overdue series after ``as_of``, at the
  series' newest level (for a series whose amount varies: its typical amount, the median); a
  payment due but not yet come within the detector's tolerance counts in the first month, a
  missed one (overdue) is not assumed to come late, an ended series adds nothing. A date that
  a payment of the same payer already settled (paid early, as a benefit before the holidays,
  or late; the one-payment-one-date rule of the "payment missing" signal) does not count
  again: that money is in the balance already. Each series' share per month is in
  :attr:`Forecast.contributions`;
- the *other money*: the household's median, over its last twelve complete months
  (:mod:`budget.forecast_history`), of the net flow of the transactions that belong to no
  series (groceries, one-off refunds and bills). The first month gets the part of it for the
  days after ``as_of``.

**Band.** Each of those months has a residual: its actual net flow minus what the series'
schedules would have paid in it (every expected date at the level in force) minus the median
other money. Residuals hold what a forecast cannot know: a missed or double payment, a
different amount, an expensive month. ``σ`` is their root mean square. Months are taken as
independent, so over ``h`` months ahead the residuals add up to a spread of ``σ·√h``; the band is
``expected ± 1.2816·σ·√h``, which would hold the real balance in 8 of 10 months if residuals
were normal (80 % is a range a coach can plan with without it being so wide it says nothing).
With fewer than three complete months there is no band.

Rounding: amounts are integer cents; the median of an even number of months and the band are
rounded half to even once, at the end. Month ends, band and first months below the floor or the
buffer target are in :attr:`Forecast.summary`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import polars as pl

from budget.forecast_history import blocks
from budget.forecast_history import history as history_of
from budget.periods import MONTH_DAYS
from budget.schedule import (
    day_number,
    early_days,
    expected_days,
    month_index,
    prepare,
    step,
)
from budget.signal_inputs import later_payments, read_window
from budget.signals import with_defaults

BAND_Z = 1.2815515655446004
"""The 90th percentile of the standard normal distribution: ``±z·σ`` is an 80 % interval."""

FORECAST_SCHEMA: dict[str, pl.DataType | type[pl.DataType]] = {
    "household": pl.String,
    "month": pl.Date,
    "month_end": pl.Date,
    "months_ahead": pl.Float64,
    "series_cents": pl.Int64,
    "other_cents": pl.Int64,
    "change_cents": pl.Int64,
    "expected_cents": pl.Int64,
    "band_cents": pl.Int64,
    "low_cents": pl.Int64,
    "high_cents": pl.Int64,
}
"""One row per household and month. ``change_cents`` is the expected change since ``as_of``
up to the month end; ``expected/low/high`` are balances (null when no balance is known),
``band_cents`` the half width (null without a band)."""

CONTRIBUTION_SCHEMA: dict[str, pl.DataType | type[pl.DataType]] = {
    "household": pl.Categorical(),
    "month": pl.Date,
    "series": pl.Categorical(),
    "label": pl.Categorical(),
    "periodicity": pl.Categorical(),
    "payments": pl.Int32,
    "amount_cents": pl.Int64,
}
"""Per household, series and month with payments: how many and how much. The text columns are
categorical: a row costs about 30 bytes instead of 150 when they repeat per month, which over
100 000 households is the difference between a few hundred MB and 1.5 GB."""

SUMMARY_SCHEMA: dict[str, pl.DataType | type[pl.DataType]] = {
    "household": pl.String,
    "as_of": pl.Date,
    "start_cents": pl.Int64,
    "other_monthly_cents": pl.Int64,
    "history_months": pl.Int32,
    "sigma_cents": pl.Int64,
    "floor_cents": pl.Int64,
    "buffer_cents": pl.Int64,
    "first_below_floor": pl.Date,
    "below_floor_cents": pl.Int64,
    "first_low_below_floor": pl.Date,
    "low_below_floor_cents": pl.Int64,
    "first_below_buffer": pl.Date,
    "below_buffer_cents": pl.Int64,
    "first_low_below_buffer": pl.Date,
    "low_below_buffer_cents": pl.Int64,
}
"""Per household: the start, the method's numbers (median other money per month, how many
history months, ``σ``) and the first month (and its balance) the expected or low path ends
below the floor or the buffer target."""


@dataclass(frozen=True)
class Forecast:
    months: pl.DataFrame
    contributions: pl.DataFrame
    summary: pl.DataFrame
    next_dates: pl.DataFrame
    """``household, series, next_date``: the first date each series is expected on after the
    dates its payments settled (``expected_next_date``, moved past a date paid early)."""


def forecast(
    series: pl.DataFrame,
    transactions: pl.DataFrame | pl.LazyFrame,
    context: pl.DataFrame,
    *,
    months: int = 12,
) -> Forecast:
    """The forecast of every household in ``context`` (see the module docstring).

    ``series`` as for :func:`budget.signals.detect_signals`; ``transactions`` the whole history
    up to ``as_of`` (the median and band come from it). Rows come by household in the context's
    order; contributions by household, series and month.
    """
    ctx = with_defaults(context).with_row_index("hix").with_columns(pl.col("hix").cast(pl.Int64))
    table = prepare(series)
    s = table.frame.join(
        ctx.select("household", "hix", as_of=day_number("as_of")), on="household"
    ).sort("hix", "sid")
    history = history_of(transactions, table, s, ctx)
    grid = _months(ctx, months)
    s = _paid_ahead(s, transactions, ctx)
    contributions, per_month = _future(s, grid, months, ctx.height)
    frame = (
        grid.with_columns(series_cents=pl.Series(per_month))
        .join(history, on="hix", how="left", maintain_order="left")
        .with_columns(
            other_cents=(pl.col("other_monthly_cents").fill_null(0) * pl.col("fraction"))
            .round(0)
            .cast(pl.Int64),
        )
        .with_columns(
            change_cents=(pl.col("series_cents") + pl.col("other_cents")).cum_sum().over("hix"),
            band_cents=(BAND_Z * pl.col("sigma") * pl.col("months_ahead").sqrt())
            .round(0)
            .cast(pl.Int64),
        )
        .with_columns(expected_cents=pl.col("start_cents") + pl.col("change_cents"))
        .with_columns(
            low_cents=pl.col("expected_cents") - pl.col("band_cents"),
            high_cents=pl.col("expected_cents") + pl.col("band_cents"),
        )
    )
    out = frame.select([pl.col(c).cast(t) for c, t in FORECAST_SCHEMA.items()])
    contrib = contributions.select([pl.col(c).cast(t) for c, t in CONTRIBUTION_SCHEMA.items()])
    next_dates = s.select(
        "household", "series", next_date=pl.col("d1").cast(pl.Int32).cast(pl.Date)
    )
    return Forecast(out, contrib, _summary(frame, ctx, history), next_dates)


def _months(ctx: pl.DataFrame, months: int) -> pl.DataFrame:
    """Per household (``hix``) the forecast months, in order: the rest of ``as_of``'s month
    (unless ``as_of`` is its last day) and the months after it, with the share of the month
    still to come and the months ahead (fractional) of each month end."""
    as_of = ctx["as_of"].cast(pl.Int32).to_numpy().astype(np.int64)
    first = month_index(as_of + 1)
    hix = np.repeat(np.arange(ctx.height, dtype=np.int64), months)
    month = np.repeat(first, months) + np.tile(np.arange(months, dtype=np.int64), ctx.height)
    starts = month.astype("datetime64[M]").astype("datetime64[D]").astype(np.int64)
    ends = (month + 1).astype("datetime64[M]").astype("datetime64[D]").astype(np.int64) - 1
    left = (ends - as_of[hix]).astype(np.float64)
    return pl.DataFrame(
        {
            "hix": hix,
            "household": ctx["household"].gather(hix),
            "month": pl.Series(starts).cast(pl.Int32).cast(pl.Date),
            "month_end": pl.Series(ends).cast(pl.Int32).cast(pl.Date),
            "fraction": np.minimum(left / (ends - starts + 1), 1.0),
            "months_ahead": left / MONTH_DAYS,
        }
    )


def _paid_ahead(
    s: pl.DataFrame, transactions: pl.DataFrame | pl.LazyFrame, ctx: pl.DataFrame
) -> pl.DataFrame:
    """``s`` with ``d1`` moved past the dates the payer's payments after the series' last one
    settle: each settles one date, in order, from :func:`budget.schedule.early_days` before it
    on (see :func:`budget.signal_rules._settled`). Such payments are rare (the detector attaches the
    ones on time), so this is a join of a few rows and a count."""
    if s.height == 0:
        return s
    kind, d1 = s["kind"].to_numpy(), s["d1"].to_numpy()
    early = early_days(kind)
    # only an active series whose next date is within half a period can have been paid ahead
    # (an overdue one is not expected before as_of anyway); the payments read are those after
    # its last one from half a period before that date, up to as_of
    open_ = (s["status"] == "active").to_numpy() & (d1 - early <= s["as_of"].to_numpy())
    if not open_.any():
        return s
    asked = pl.Series(open_)
    window = (
        s.with_columns(start=pl.max_horizontal(pl.col("last_day") + 1, pl.Series(d1 - early)))
        .filter(asked)
        .group_by("household", "hix")
        .agg(pl.col("start").min(), end=pl.col("as_of").first())
    )
    tx = read_window(transactions, window)
    later = later_payments(s, tx.with_row_index("txi"), pl.lit(asked))
    if later.height == 0:
        return s
    sid = s["sid"].to_numpy()
    position = np.zeros(int(sid.max()) + 1, dtype=np.int64)
    position[sid] = np.arange(len(sid))
    row = position[later["sid"].to_numpy()]
    counted = later["day"].to_numpy() >= (d1 - early)[row]
    settled = np.bincount(row[counted], minlength=s.height)
    moved = np.flatnonzero(settled)
    if not len(moved):
        return s
    new_d1 = d1.copy()
    for k in np.unique(settled[moved]):
        rows = moved[settled[moved] == k]
        new_d1[rows] = step(kind[rows], d1[rows], int(k))
    return s.with_columns(d1=pl.Series(new_d1))


def _future(
    s: pl.DataFrame, grid: pl.DataFrame, months: int, households: int
) -> tuple[pl.DataFrame, npt.NDArray[np.int64]]:
    """Each live series' expected payments per forecast month (the contributions), and the
    households' series total per grid row. Counted with ``bincount`` on (series, month) and
    (household, month) keys, a block of series at a time: no sort, no join of the dates."""
    live = s.filter(pl.col("status") != "ended")
    hix = live["hix"].to_numpy()
    first = month_index(grid["month"].cast(pl.Int32).to_numpy()[::months].astype(np.int64))
    last_day = grid["month_end"].cast(pl.Int32).to_numpy()[months - 1 :: months].astype(np.int64)
    kind, d1, as_of = live["kind"].to_numpy(), live["d1"].to_numpy(), live["as_of"].to_numpy()
    active = (live["status"] == "active").to_numpy()
    start = np.where(active, d1, np.maximum(d1, as_of + 1))
    amount = live["amount"].to_numpy()
    counts = np.zeros(live.height * months, dtype=np.int64)
    per_month = np.zeros(households * months)
    for block in blocks(live.height):
        row, day, _ = expected_days(kind[block], d1[block], start[block], last_day[hix[block]])
        row += block.start
        day = np.maximum(day, as_of[row] + 1)  # due, not yet paid, within tolerance: comes now
        rel = month_index(day) - first[hix[row]]
        counts += np.bincount(row * months + rel, minlength=len(counts))
        # integer cents far below 2**53: these float sums are exact
        per_month += np.bincount(
            hix[row] * months + rel,
            weights=amount[row].astype(np.float64),
            minlength=len(per_month),
        )
    cell = np.flatnonzero(counts)
    r, m = cell // months, cell % months
    names = live.select(pl.col("household", "series", "label", "periodicity").cast(pl.Categorical))
    contributions = names[r].select(
        "household",
        "series",
        "label",
        "periodicity",
        month=grid["month"].gather(hix[r] * months + m),
        payments=pl.Series(counts[cell]),
        amount_cents=pl.Series(counts[cell] * amount[r]),
    )
    out: npt.NDArray[np.int64] = np.round(per_month).astype(np.int64)
    return contributions, out


def _summary(frame: pl.DataFrame, ctx: pl.DataFrame, history: pl.DataFrame) -> pl.DataFrame:
    limits = ctx.select(
        "hix",
        "household",
        "as_of",
        floor_cents="balance_floor_cents",
        buffer_cents="buffer_target_cents",
    )
    f = frame.join(limits.drop("household", "as_of"), on="hix", maintain_order="left")

    def first(path: str, limit: str, name: str, value: str) -> list[pl.Expr]:
        below = pl.col(path) < pl.col(limit)
        return [
            pl.col("month").filter(below).first().alias(name),
            pl.col(path).filter(below).first().alias(value),
        ]

    found = f.group_by("hix", maintain_order=True).agg(
        *first("expected_cents", "floor_cents", "first_below_floor", "below_floor_cents"),
        *first("low_cents", "floor_cents", "first_low_below_floor", "low_below_floor_cents"),
        *first("expected_cents", "buffer_cents", "first_below_buffer", "below_buffer_cents"),
        *first("low_cents", "buffer_cents", "first_low_below_buffer", "low_below_buffer_cents"),
    )
    out = (
        limits.join(history, on="hix", how="left", maintain_order="left")
        .join(found, on="hix", how="left", maintain_order="left")
        .with_columns(sigma_cents=pl.col("sigma").round(0).cast(pl.Int64))
    )
    return out.select([pl.col(c).cast(t) for c, t in SUMMARY_SCHEMA.items()])


def band(sigma: float, months_ahead: float) -> int:
    """The band's half width for one month: ``round(z·σ·√h)`` (half to even)."""
    return round(BAND_Z * sigma * math.sqrt(months_ahead))
