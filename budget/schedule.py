"""Series as numbers, their expected dates, and their payments: what signals and forecast share.

A recurring series (:mod:`budget.recurring`) knows its rhythm and its first missed or next
expected date (``expected_next_date``). Stepping from that date by whole periods on the same
scale the detector used (days for weekly and 4-weekly, the calendar scale of
:func:`budget.recurring_core.month_coordinate` for monthly, quarterly and yearly, so rent on the
1st stays on the 1st) gives every expected date before and after it: the past ones say which
payment is missing and what the series explains of a month's money, the future ones are the
forecast. The amount expected on a date is the series' *level* in force then.

Everything is numpy over all series at once; a series is a row number ``sid`` into the prepared
frame, and days are days since 1970 (``Int64``), so dates never go through Python objects.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import polars as pl

from budget.categories import FIXED_COST_RUBRIEKEN, INCOME_RUBRIEKEN, LABELS
from budget.periods import PERIODICITIES, Periodicity
from budget.recurring_core import (
    CLUSTER_GAP_MIN_CENTS,
    CLUSTER_GAP_RATIO,
    TOL,
    P,
)

I64 = npt.NDArray[np.int64]
B = npt.NDArray[np.bool_]

_CALENDAR = frozenset({Periodicity.MONTHLY, Periodicity.QUARTERLY, Periodicity.YEARLY})

SERIES_COLUMNS: dict[str, pl.DataType | type[pl.DataType]] = {
    "sid": pl.Int64,
    "household": pl.String,
    "series": pl.String,
    "label": pl.String,
    "counterparty_name": pl.String,
    "periodicity": pl.String,
    "kind": pl.Int64,
    "account": pl.String,
    "counterparty_key": pl.String,
    "sign": pl.Int64,
    "status": pl.String,
    "d1": pl.Int64,
    "first_day": pl.Int64,
    "last_day": pl.Int64,
    "amount": pl.Int64,
    "extra_count": pl.Int64,
    "varies": pl.Boolean,
    "income": pl.Boolean,
    "fixed": pl.Boolean,
}
"""The prepared series: ``d1`` is ``expected_next_date`` as a day number, ``amount`` the newest
level (signed cents), ``label`` how a coach names it ("Huur Portaal")."""


def day_number(column: str | pl.Expr) -> pl.Expr:
    expr = pl.col(column) if isinstance(column, str) else column
    return expr.cast(pl.Int32).cast(pl.Int64)


@dataclass(frozen=True)
class Levels:
    """Every level of every series, sorted by series and start day."""

    sid: I64
    day: I64
    amount: I64

    def at(self, sid: I64, day: I64, *, strictly_before: bool = False) -> tuple[I64, B]:
        """The level in force on ``day`` (or the day before, with ``strictly_before``).

        ``found`` is false where no level started yet; the amount is then the series' first
        level, which is what a schedule before the first full level pays.
        """
        if not len(self.sid):
            return np.zeros(len(sid), dtype=np.int64), np.zeros(len(sid), dtype=bool)
        keys = self.sid * (1 << 24) + self.day
        wanted = sid * (1 << 24) + day
        pos = np.searchsorted(keys, wanted, side="left" if strictly_before else "right") - 1
        safe = np.maximum(pos, 0)
        found = (pos >= 0) & (self.sid[safe] == sid)
        first = np.searchsorted(self.sid, sid, side="left")
        fallback = self.amount[np.minimum(first, len(self.sid) - 1)]
        return np.where(found, self.amount[safe], fallback), found


HASH_SEED = 0x5EED
"""Transactions are matched to series on a 64-bit hash of ``tx_key`` (a join on the strings
costs several times more over 25 million rows). Two keys sharing a hash in one run is expected
about once in 60 000 runs of that size and would only move one payment between a series and
the other money; the hash is never stored."""


@dataclass(frozen=True)
class SeriesTable:
    """``frame``: one row per series (:data:`SERIES_COLUMNS`; ``sid`` is its row in ``series``,
    the recurring frame it was made from, which keeps the ``tx_keys`` lists)."""

    frame: pl.DataFrame
    levels: Levels
    series: pl.DataFrame


def _label(rubriek: pl.Expr) -> pl.Expr:
    names = [label[:1].upper() + label[1:] for label in LABELS.values()]
    text = rubriek.replace_strict([r.value for r in LABELS], names, default=None)
    name = pl.col("counterparty_name").fill_null("").str.strip_chars()
    name = pl.when(name == "").then(pl.lit("onbekende tegenpartij")).otherwise(name)
    return pl.when(text.is_null()).then(name).otherwise(pl.concat_str(text, pl.lit(" "), name))


def prepare(series: pl.DataFrame) -> SeriesTable:
    """Recurring series (``RECURRING_SCHEMA``, optionally with ``rubriek``) as numbers.

    Without a ``rubriek`` column, money coming in counts as income and monthly, quarterly or
    yearly money going out as a fixed cost (weekly transfers are leefgeld, not a bill).
    """
    if "rubriek" in series.columns:
        rubriek = pl.col("rubriek").cast(pl.String)
        income = rubriek.is_in([r.value for r in INCOME_RUBRIEKEN]).fill_null(False)
        fixed = rubriek.is_in([r.value for r in FIXED_COST_RUBRIEKEN]).fill_null(False)
    else:
        rubriek = pl.lit(None, pl.String)
        income = pl.col("direction") == "in"
        fixed = (pl.col("direction") == "out") & pl.col("periodicity").is_in(
            [p.value for p in _CALENDAR]
        )
    codes = [p.value for p in PERIODICITIES]
    frame = series.select(
        sid=pl.int_range(pl.len(), dtype=pl.Int64),
        household=pl.col("household").cast(pl.String),
        series=pl.concat_str(
            "account",
            "counterparty_key",
            "direction",
            "periodicity",
            pl.col("first_date").dt.strftime("%Y-%m-%d"),
            separator="|",
        ),
        label=_label(rubriek),
        counterparty_name=pl.col("counterparty_name"),
        account=pl.col("account"),
        counterparty_key=pl.col("counterparty_key"),
        periodicity=pl.col("periodicity"),
        kind=pl.col("periodicity").replace_strict(
            codes, list(range(len(codes))), return_dtype=pl.Int64
        ),
        sign=pl.when(pl.col("direction") == "in").then(1).otherwise(-1).cast(pl.Int64),
        status=pl.col("status"),
        d1=day_number("expected_next_date"),
        first_day=day_number("first_date"),
        last_day=day_number("last_date"),
        amount=pl.col("levels").list.last().struct.field("amount_cents").cast(pl.Int64),
        extra_count=pl.col("extra_count").cast(pl.Int64),
        varies=pl.col("amount_varies"),
        income=income,
        fixed=fixed,
    )
    frame = frame.select([pl.col(c).cast(t) for c, t in SERIES_COLUMNS.items()])
    lv = (
        series.select(sid=pl.int_range(pl.len(), dtype=pl.Int64), lv=pl.col("levels"))
        .explode("lv")
        .drop_nulls("lv")
        .select(
            "sid",
            day=day_number(pl.col("lv").struct.field("start")),
            amount=pl.col("lv").struct.field("amount_cents").cast(pl.Int64),
        )
        .sort("sid", "day", maintain_order=True)
    )
    levels = Levels(lv["sid"].to_numpy(), lv["day"].to_numpy(), lv["amount"].to_numpy())
    return SeriesTable(frame, levels, series)


_MONTHS_PER_PERIOD = np.array(
    [{Periodicity.MONTHLY: 1, Periodicity.QUARTERLY: 3, Periodicity.YEARLY: 12}.get(p, 0)
     for p in PERIODICITIES], dtype=np.int64
)  # fmt: skip
_DAYS_PER_PERIOD = np.array(
    [{Periodicity.WEEKLY: 7, Periodicity.FOUR_WEEKLY: 28}.get(p, 0) for p in PERIODICITIES],
    dtype=np.int64,
)


def month_index(days: I64) -> I64:
    """Months since January 1970 of day numbers."""
    out: I64 = days.astype("datetime64[D]").astype("datetime64[M]").astype(np.int64)
    return out


@dataclass(frozen=True)
class _Calendar:
    """First day and length of the months ``lo`` .. ``lo + len - 1``: a small table, so a date's
    month arithmetic is two gathers instead of a datetime conversion per date."""

    lo: int
    first: I64
    length: I64

    @classmethod
    def spanning(cls, lo: int, hi: int) -> _Calendar:
        starts = np.arange(lo, hi + 2, dtype=np.int64).astype("datetime64[M]")
        first = starts.astype("datetime64[D]").astype(np.int64)
        return cls(lo, first[:-1], np.diff(first))


def expected_days(kind: I64, d1: I64, start: I64, end: I64) -> tuple[I64, I64, I64]:
    """Every expected date of series ``i`` within ``[start[i], end[i]]``.

    Returns ``(i, day, n)``: the series' position in the input, the day number and the period
    number counted from ``d1`` (``0`` is ``d1`` itself, ``-1`` the date before it). Weekly and
    4-weekly dates are ``d1 + n·7`` or ``n·28`` days; monthly, quarterly and yearly ones keep
    ``d1``'s position within its month (the detector's calendar scale: the 1st stays the 1st, a
    date 70 % into January is 70 % into February), so they match the dates it calls on time.
    Computed with integer month arithmetic and a small table of month starts, not a date
    conversion per date.
    """
    if not len(kind):
        empty = np.zeros(0, dtype=np.int64)
        return empty, empty, empty
    months, days = _MONTHS_PER_PERIOD[kind], _DAYS_PER_PERIOD[kind]
    cal = months > 0
    m1 = month_index(d1)
    ms, me = month_index(np.minimum(start, end)), month_index(end)
    lo = np.where(
        cal,
        np.floor((ms - m1) / np.maximum(months, 1)),
        np.floor((start - d1) / np.maximum(days, 1)),
    ).astype(np.int64)
    hi = np.where(
        cal,
        np.ceil((me - m1) / np.maximum(months, 1)),
        np.ceil((end - d1) / np.maximum(days, 1)),
    ).astype(np.int64)
    counts = np.where(end >= start, np.maximum(hi - lo + 1, 0), 0)
    idx = np.repeat(np.arange(len(kind), dtype=np.int64), counts)
    offsets = np.arange(int(counts.sum()), dtype=np.int64) - np.repeat(
        np.cumsum(counts) - counts, counts
    )
    n = lo[idx] + offsets
    day = _dates(kind, d1, idx, n)
    keep = (day >= start[idx]) & (day <= end[idx])
    return idx[keep], day[keep], n[keep]


def _dates(kind: I64, d1: I64, idx: I64, n: I64) -> I64:
    """The ``n``-th expected date of series ``idx`` (both per output row)."""
    months = _MONTHS_PER_PERIOD[kind]
    out: I64 = d1[idx] + n * _DAYS_PER_PERIOD[kind][idx]
    cal = np.flatnonzero(months[idx] > 0)
    if len(cal):
        series = idx[cal]
        m1 = month_index(d1)
        target = m1[series] + n[cal] * months[series]
        lo = int(min(m1.min(), target.min()))
        table = _Calendar.spanning(lo, int(max(m1.max(), target.max())))
        frac = (d1 - table.first[m1 - lo]) / table.length[m1 - lo]
        pos = target - lo
        out[cal] = table.first[pos] + np.round(frac[series] * table.length[pos]).astype(np.int64)
    return out


def step(kind: I64, d1: I64, n: int) -> I64:
    """The expected date ``n`` periods after ``d1`` (see :func:`expected_days`)."""
    rows = np.arange(len(kind), dtype=np.int64)
    return _dates(kind, d1, rows, np.full(len(kind), n, dtype=np.int64))


def tolerance(kind: I64) -> I64:
    """The detector's on-time tolerance per series, in whole days (rounded down)."""
    out: I64 = np.floor(TOL[kind]).astype(np.int64)
    return out


def early_days(kind: I64) -> I64:
    """How many days before its expected date a payment may come and still settle that date
    (half a period: a benefit paid before the holidays), the same for the signals and the
    forecast."""
    out: I64 = np.ceil(P[kind]).astype(np.int64) // 2
    return out


def period_days(kind: I64) -> npt.NDArray[np.float64]:
    out: npt.NDArray[np.float64] = P[kind]
    return out


def same_cluster(amount: pl.Expr, level: pl.Expr) -> pl.Expr:
    """Would the detector put this payment in the level's amount cluster (within 25 % or € 1)?"""
    gap = (amount.abs() - level.abs()).abs()
    return (gap.cast(pl.Float64) <= CLUSTER_GAP_RATIO * level.abs().cast(pl.Float64)) | (
        gap <= CLUSTER_GAP_MIN_CENTS
    )
