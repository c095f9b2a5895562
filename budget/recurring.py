"""Recurring series in a household's transactions, the way a budget coach sees them.

A coach reads a statement as a set of rhythms: rent every month, leefgeld every week, a 4-weekly
salary, kinderbijslag every quarter, the municipal tax once a year. This module finds those series
so that later signals can say "the rent did not come", "the premium changed" or "the energy direct
debit stopped". The engine (:mod:`budget.recurring_core`) explains the method; the rules in short:

- **Series key**: household, account, counterparty (IBAN, else ``naam:`` + the normalised name) and
  direction (in/out). One key can hold several series: UWV paying €457,34 *and* €637,68 every month
  is two monthly series, because the amounts differ by more than 25 %.
- **Rhythms**: weekly, every 4 weeks, monthly, quarterly, yearly (:class:`Periodicity`). A payment
  counts as on time within ±2 days (weekly), ±3 (4-weekly), ±5 (monthly), ±10 (quarterly) or ±21
  days (yearly) of the series' anchor day, so weekend and holiday shifts are tolerated.
- **Minimum**: 4 weekly, 3 four-weekly or monthly, 2 quarterly or yearly on-time payments in
  distinct periods; at least 75 % of the periods between the first and last must have one; payments
  outside the rhythm (extras, e.g. Vitens twice in one month) may be at most half the occurrences.
  Three missed periods in a row end a series; a later restart is a new series.
- **Levels**: a new amount that holds for two or more occurrences is a new *level* (start date,
  amount) of the same series: a rent increase on 1 July, a new premium in January. A change of up
  to 25 % stays in one amount cluster; a bigger change still joins the series when the new amount
  starts within 1½ periods after the old one stopped, however often it changes, also when a later
  amount comes back near an earlier one, when the newest amount was paid only twice so far and
  when another series of the same counterparty (a yearly payment) starts in between
  (:mod:`budget.recurring_links`). Series whose amount changes nearly every time
  (a 4-weekly salary with varying hours, energy by use) get one level at the median and
  ``amount_varies``.
- **Ended**: ``missed_count`` counts the expected dates, after the last occurrence, whose tolerance
  window closed before ``as_of`` (by default the last booking date of the account, i.e. how far the
  statements reach). ``status`` is ``active`` (none missed), ``overdue`` (one missed: "expected
  payment missing") or ``ended`` (two or more: "fixed cost stopped"); ``expected_next_date`` stays
  the first date that was missed.

With only three months of history (the seed participant) the monthly series that were paid in all
three months are found; a payer seen in only two of them (Vitens, Eneco's direct debit) needs a
fourth month, and the one-off UWV payments of month 3 never form a series.
"""

from __future__ import annotations

import datetime as dt
import os
from dataclasses import dataclass
from enum import StrEnum

import numpy as np
import polars as pl

from budget import recurring_core as core
from budget import recurring_keys as keys
from budget.periods import DUTCH_NAME, PERIODICITIES, Periodicity, monthly_equivalent_expr

__all__ = [
    "RECURRING_SCHEMA",
    "Direction",
    "Level",
    "Periodicity",
    "RecurringSeries",
    "SeriesStatus",
    "detect_recurring",
    "series_for_household",
]


THREADS = int(os.environ.get("HHB_RECURRING_THREADS", "2"))
"""Chunks detected at the same time. numpy and polars release the GIL in their loops, so two
threads keep both cores of the target machine busy where numpy alone would use one; each
thread holds one chunk's arrays (~100 MB). ``HHB_RECURRING_THREADS=1`` runs chunks one by one."""


class Direction(StrEnum):
    IN = "in"
    OUT = "out"


class SeriesStatus(StrEnum):
    ACTIVE = "active"
    OVERDUE = "overdue"
    ENDED = "ended"


DATE_FORMAT = "%d-%m-%Y"

LEVEL_DTYPE = pl.Struct({"start": pl.Date, "amount_cents": pl.Int64})

RECURRING_SCHEMA: dict[str, pl.DataType | type[pl.DataType]] = {
    "household": pl.String,
    "account": pl.String,
    "counterparty_key": pl.String,
    "counterparty_name": pl.String,
    "direction": pl.String,
    "periodicity": pl.String,
    "status": pl.String,
    "occurrences": pl.Int32,
    "extra_count": pl.Int32,
    "missed_count": pl.Int32,
    "first_date": pl.Date,
    "last_date": pl.Date,
    "expected_next_date": pl.Date,
    "last_amount_cents": pl.Int64,
    "expected_next_amount_cents": pl.Int64,
    "monthly_equivalent_cents": pl.Int64,
    "amount_varies": pl.Boolean,
    "levels": pl.List(LEVEL_DTYPE),
    "tx_keys": pl.List(pl.String),
    "extra_tx_keys": pl.List(pl.String),
    "confidence": pl.Float64,
    "explanation": pl.String,
}
"""One row per series. Amounts are signed cents like the transactions (− out, + in).

``occurrences`` counts on-time payments (one per period), ``tx_keys`` lists all the series'
transactions in date order including the ``extra_tx_keys``; ``levels`` are in date order and the
last one is the current amount; ``confidence`` (0-1) = share of periods paid × share of payments
on time × min(1, occurrences / 6).
"""

INPUT_COLUMNS = (
    "household",
    "account",
    "booking_date",
    "amount_cents",
    "counterparty_iban",
    "counterparty_name",
    "tx_key",
)


@dataclass(frozen=True, slots=True)
class Level:
    start: dt.date
    amount_cents: int


@dataclass(frozen=True, slots=True)
class RecurringSeries:
    """One row of :data:`RECURRING_SCHEMA` as a value, for one household's screens and rules."""

    household: str
    account: str
    counterparty_key: str
    counterparty_name: str
    direction: Direction
    periodicity: Periodicity
    status: SeriesStatus
    occurrences: int
    extra_count: int
    missed_count: int
    first_date: dt.date
    last_date: dt.date
    expected_next_date: dt.date
    last_amount_cents: int
    expected_next_amount_cents: int
    monthly_equivalent_cents: int
    amount_varies: bool
    levels: tuple[Level, ...]
    tx_keys: tuple[str, ...]
    extra_tx_keys: tuple[str, ...]
    confidence: float
    explanation: str


_CODED = ("counterparty_iban", "counterparty_name")
"""Key columns a ``String`` input is coded for (see :func:`detect_recurring`)."""


def detect_recurring(
    transactions: pl.DataFrame | pl.LazyFrame,
    *,
    as_of: dt.date | None = None,
    chunk_rows: int = keys.CHUNK_ROWS,
) -> pl.DataFrame:
    """All recurring series in a canonical transaction table (:data:`RECURRING_SCHEMA`).

    Reads the columns in ``INPUT_COLUMNS``: ``booking_date`` (Date), ``amount_cents`` (integer),
    ``tx_key`` (String) and ``household``, ``account``, ``counterparty_iban`` and
    ``counterparty_name`` as ``String`` or ``Categorical``. Categoricals are what a large run
    should hand over: 4 bytes a row instead of a string each, and keys are hashed and normalised
    once per distinct value. The output has plain strings either way.

    ``as_of`` is the date up to which the statements are complete; by default the last booking
    date of each account. Rows come grouped per series key, in no meaningful order. The work is
    done per chunk of about ``chunk_rows`` rows of whole households (see
    :mod:`budget.recurring_keys`); the chunk size changes memory and speed, never the result.
    """
    if isinstance(transactions, pl.LazyFrame):
        transactions = transactions.select(INPUT_COLUMNS).collect()
    # Counterparty texts as Categorical once for the whole input: their normalising and hashing
    # then run once per distinct value (KeyHashes), not again in every chunk. The frame is
    # built from the columns, not by ``select``, which would copy every column whose chunks do
    # not line up with the others' (as in a classifier's output).
    tx = pl.DataFrame(
        [
            transactions[name].cast(pl.Categorical)
            if name in _CODED and transactions.schema[name] == pl.String
            else transactions[name]
            for name in INPUT_COLUMNS
        ]
    )
    until = keys.last_booking_days(tx) if as_of is None else (as_of - dt.date(1970, 1, 1)).days
    hashes = keys.KeyHashes.for_frame(tx)

    def one(rows: slice | keys.Index) -> pl.DataFrame:
        chunk = tx[rows] if isinstance(rows, slice) else tx.select(pl.all().gather(rows))
        return _detect_chunk(chunk, hashes, until)

    chunks = keys.household_chunks(tx["household"], chunk_rows)
    parts = [found for found in keys.map_chunks(one, chunks, THREADS) if found.height]
    if not parts:
        return pl.DataFrame(schema=RECURRING_SCHEMA)
    return pl.concat(parts, rechunk=False)


def _detect_chunk(
    tx: pl.DataFrame, hashes: keys.KeyHashes, until: int | pl.DataFrame
) -> pl.DataFrame:
    """Detection on whole households; ``until`` is the ``as_of`` day for all accounts, or per
    account (:func:`budget.recurring_keys.last_booking_days`)."""
    rows = keys.Rows.from_frame(tx, hashes)
    seg, members, levels = core.detect(rows)
    del rows
    if seg.height == 0:
        return pl.DataFrame(schema=RECURRING_SCHEMA)
    last_ri = seg["last_ri"]
    account = tx["account"].gather(last_ri).cast(pl.String)
    seg = seg.with_columns(
        tx["household"].gather(last_ri).cast(pl.String).alias("household"),
        account.alias("account"),
        hashes.counterparty_key(
            tx["counterparty_iban"].gather(last_ri), tx["counterparty_name"].gather(last_ri)
        ).alias("counterparty_key"),
        tx["counterparty_name"]
        .gather(last_ri)
        .cast(pl.String)
        .fill_null("")
        .alias("counterparty_name"),
    )
    if isinstance(until, int):
        seg = seg.with_columns(as_of=pl.lit(until, pl.Int64))
    else:
        seg = seg.with_columns(acct=account.fill_null("")).join(
            until, on="acct", how="left", maintain_order="left"
        )
    seg = _schedule(seg)
    seg = _with_levels(seg, levels)
    seg = seg.with_columns(_tx_keys(members, tx["tx_key"], seg.height))
    seg = seg.with_columns(explanation=_explanations(seg))
    return seg.select([pl.col(name).cast(dtype) for name, dtype in RECURRING_SCHEMA.items()])


def _schedule(seg: pl.DataFrame) -> pl.DataFrame:
    """Expected next date, missed expected dates, status, counts and confidence."""
    cal = seg["cal"].to_numpy()
    anchor = seg["anchor"].to_numpy()
    period = seg["period"].to_numpy()
    k_last = seg["k_last"].to_numpy()
    as_of = seg["as_of"].to_numpy().astype(np.int64)
    as_of_coord = np.where(cal, core.month_coordinate(as_of), as_of.astype(np.float64))
    last_open = np.ceil((as_of_coord - seg["tol"].to_numpy() - anchor) / period) - 1
    missed = np.maximum(last_open - k_last, 0).astype(np.int32)
    next_day = core.coordinate_to_day(anchor + (k_last + 1) * period, cal)
    n = pl.col("n_main").cast(pl.Float64)
    extras = pl.col("n_extra").cast(pl.Float64)
    span = (pl.col("k_last") - pl.col("k_first") + 1).cast(pl.Float64)
    confidence = (n / span) * (n / (n + extras)) * (n / 6.0).clip(upper_bound=1.0)
    return seg.with_columns(
        periodicity=pl.col("kind").replace_strict(
            list(range(len(PERIODICITIES))),
            [str(p) for p in PERIODICITIES],
            return_dtype=pl.String,
        ),
        direction=pl.when(pl.col("last_amount") > 0).then(pl.lit("in")).otherwise(pl.lit("out")),
        missed_count=pl.Series(missed),
        expected_next_date=pl.Series(next_day.astype(np.int32)).cast(pl.Date),
        occurrences=pl.col("n_main").cast(pl.Int32),
        extra_count=pl.col("n_extra").cast(pl.Int32),
        first_date=pl.col("first_day").cast(pl.Int32).cast(pl.Date),
        last_date=pl.col("last_day").cast(pl.Int32).cast(pl.Date),
        last_amount_cents=pl.col("last_amount"),
        amount_varies=pl.col("varies"),
        confidence=confidence.round(2),
    ).with_columns(
        status=pl.when(pl.col("missed_count") == 0)
        .then(pl.lit(SeriesStatus.ACTIVE.value))
        .when(pl.col("missed_count") == 1)
        .then(pl.lit(SeriesStatus.OVERDUE.value))
        .otherwise(pl.lit(SeriesStatus.ENDED.value)),
    )


def _with_levels(seg: pl.DataFrame, levels: pl.DataFrame) -> pl.DataFrame:
    """Levels as a list of structs; varying series get one level at their median amount.

    The engine's levels come in series and date order and a varying series has none of them,
    so a stable order by series is the order by series and start.
    """
    varying = seg.filter(pl.col("varies")).select(
        "sid", start=pl.col("first_day"), amount=pl.col("median_amount")
    )
    merged = pl.concat([levels, varying])
    if varying.height and levels.height:
        merged = merged[np.argsort(merged["sid"].to_numpy(), kind="stable")]
    grouped = (
        merged.select(
            pl.col("sid").set_sorted(),
            "amount",
            level=pl.struct(
                start=pl.col("start").cast(pl.Int32).cast(pl.Date),
                amount_cents=pl.col("amount").cast(pl.Int64),
            ),
        )
        .group_by("sid", maintain_order=True)
        .agg(pl.col("level").alias("levels"), current=pl.col("amount").last())
    )
    if grouped.height == seg.height:  # every series has a level: sids 0..n-1, in order
        seg = seg.with_columns(grouped["levels"], grouped["current"])
    else:  # pragma: no cover - a steady series always has a run of two
        seg = seg.join(grouped, on="sid", how="left", maintain_order="left")
    expected = pl.when(pl.col("varies")).then(pl.col("recent_amount")).otherwise("current")
    return seg.with_columns(expected_next_amount_cents=expected.cast(pl.Int64)).with_columns(
        monthly_equivalent_cents=monthly_equivalent_expr(
            pl.col("expected_next_amount_cents"), pl.col("kind")
        )
    )


def _tx_keys(members: pl.DataFrame, tx_key: pl.Series, height: int) -> list[pl.Series]:
    """``tx_keys`` and ``extra_tx_keys`` per series, in date order (empty lists kept).

    The chunk's key column is made contiguous first: a gather from a column of several chunks
    (as read from Parquet) is several times slower than the copy. Every series has at least two
    members, so ``tx_keys`` comes straight from the sorted members; only the few extras need a
    join to get their empty lists.
    """
    keyed = members.with_columns(key=tx_key.rechunk().gather(members["ri"]))
    lists = keyed.group_by("sid", maintain_order=True).agg(pl.col("key").alias("tx_keys"))
    if lists.height != height:  # pragma: no cover - every series has members
        raise AssertionError("a series without transactions")
    extras = (
        keyed.filter(pl.col("extra"))
        .group_by("sid", maintain_order=True)
        .agg(pl.col("key").alias("extra_tx_keys"))
    )
    full = lists.select("sid").join(extras, on="sid", how="left", maintain_order="left")
    empty = pl.lit([], pl.List(pl.String))
    return [lists["tx_keys"], full.select(pl.col("extra_tx_keys").fill_null(empty)).to_series()]


def euro_expr(cents: pl.Expr) -> pl.Expr:
    """Vectorised ``format_euro(abs(cents))``: ``€ 1.234,56``, with dots between thousands.

    Built from the digit groups in integer arithmetic (no float, no Python per value); a test
    compares it with :func:`ingest.amounts.format_euro` on random amounts.
    """
    whole = cents.cast(pl.Int64).abs() // 100
    pieces = [pl.lit("€ ")]
    for group in range(5, -1, -1):  # an Int64 of cents stays below 1000**6 euros
        digits = (whole // 1000**group % 1000).cast(pl.String)
        leading = (
            pl.when(whole >= 1000**group).then(digits).otherwise(pl.lit("")) if group else digits
        )
        pieces.append(
            pl.when(whole >= 1000 ** (group + 1))
            .then(pl.concat_str(pl.lit("."), digits.str.zfill(3)))
            .otherwise(leading)
        )
    pieces += [pl.lit(","), (cents.cast(pl.Int64).abs() % 100).cast(pl.String).str.zfill(2)]
    return pl.concat_str(pieces)


def _euro_texts(cents: pl.Series) -> pl.Series:
    """:func:`euro_expr` of a column at a third of its cost. Most amounts are below € 1.000 and
    need no thousands dot; up to € 999.999,99 one dot; only larger ones (hardly ever) go through
    the expression's six digit groups, whose fixed cost is a millisecond per call."""
    absolute = cents.cast(pl.Int64).abs()
    frame = absolute.to_frame("c")
    whole = pl.col("c") // 100
    fraction = (pl.col("c") % 100 + 100).cast(pl.String).str.slice(1)
    out = frame.select(
        pl.concat_str(pl.lit("€ "), whole.cast(pl.String), pl.lit(","), fraction)
    ).to_series()
    values = absolute.fill_null(0).to_numpy()
    thousands = np.flatnonzero((values >= 100_000) & (values < 100_000_000))
    if len(thousands):
        dotted = pl.concat_str(
            pl.lit("€ "),
            (whole // 1000).cast(pl.String),
            pl.lit("."),
            (whole % 1000 + 1000).cast(pl.String).str.slice(1),
            pl.lit(","),
            fraction,
        )
        out = out.scatter(thousands, frame[thousands].select(dotted).to_series())
    millions = np.flatnonzero(values >= 100_000_000)
    if len(millions):
        out = out.scatter(millions, frame[millions].select(euro_expr(pl.col("c"))).to_series())
    return out


def _date_texts(dates: pl.Series) -> pl.Series:
    """``dates.dt.strftime("%d-%m-%Y")``, written once per day of their range and gathered:
    series' dates fall in a few hundred days, so this is a fifth of the cost."""
    days = dates.cast(pl.Int32)
    first, last = days.min(), days.max()
    if not isinstance(first, int) or not isinstance(last, int) or last - first >= len(days):
        return dates.dt.strftime(DATE_FORMAT)
    table = pl.Series(np.arange(first, last + 1, dtype=np.int32)).cast(pl.Date)
    return table.dt.strftime(DATE_FORMAT).gather(days - first)


def _explanations(seg: pl.DataFrame) -> pl.Series:
    """The plain-Dutch sentence per series, e.g. ``maandelijks sinds 01-01-2024, 6 keer, ...``.

    Amount changes and a varying amount are texts of only some series: they are written for
    those rows only (a series with a varying amount has one level, so never both) and joined.
    Amounts and dates are written as whole columns (:func:`_euro_texts`, :func:`_date_texts`).
    """
    levels = seg.select("sid", "levels").explode("levels").unnest("levels")
    sid = levels["sid"].to_numpy()
    changed = np.flatnonzero(sid[1:] == sid[:-1]) + 1
    amounts = levels["amount_cents"]
    changes = pl.DataFrame(
        {
            "sid": levels["sid"].gather(changed),
            "start": _date_texts(levels["start"].gather(changed)),
            "now": _euro_texts(amounts.gather(changed)),
            "was": _euro_texts(amounts.gather(changed - 1)),
        }
    ).select(
        pl.col("sid").set_sorted(),  # the levels are in series order
        text=pl.concat_str(
            pl.lit("; nieuw bedrag vanaf "),
            "start",
            pl.lit(": "),
            "now",
            pl.lit(" (was "),
            "was",
            pl.lit(")"),
        ),
    )
    varying = seg.filter(pl.col("varies"))
    suffix = pl.concat(
        [
            changes.group_by("sid", maintain_order=True)
            .agg(pl.col("text"))
            .select("sid", pl.col("text").list.join("")),
            varying.select(
                "sid",
                text=pl.concat_str(
                    pl.lit("; bedrag wisselt, meestal rond "),
                    _euro_texts(varying["median_amount"]),
                ),
            ),
        ]
    )
    seg = seg.join(suffix, on="sid", how="left", maintain_order="left")
    extras = pl.col("extra_count")
    missed = pl.col("missed_count")
    sentence = pl.concat_str(  # the status follows from the missed count (``_schedule``)
        pl.col("kind").replace_strict(
            list(range(len(PERIODICITIES))),
            [DUTCH_NAME[p] for p in PERIODICITIES],
            return_dtype=pl.String,
        ),
        pl.lit(" sinds "),
        _date_texts(seg["first_date"]),
        pl.lit(", "),
        pl.col("occurrences").cast(pl.String),
        pl.lit(" keer, laatste bedrag "),
        _euro_texts(seg["last_amount"]),
        pl.col("text").fill_null(""),
        pl.when(extras == 1)
        .then(pl.lit("; 1 extra betaling"))
        .when(extras > 1)
        .then(pl.concat_str(pl.lit("; "), extras.cast(pl.String), pl.lit(" extra betalingen")))
        .otherwise(pl.lit("")),
        pl.when(missed == 0)
        .then(pl.lit("; volgende rond "))
        .when(missed == 1)
        .then(pl.lit("; verwachte betaling van "))
        .otherwise(pl.lit("; gestopt: verwacht op ")),
        _date_texts(seg["expected_next_date"]),
        pl.when(missed == 0)
        .then(pl.lit(""))
        .when(missed == 1)
        .then(pl.lit(" ontbreekt"))
        .otherwise(
            pl.concat_str(
                pl.lit(" maar niet gezien, daarna nog "),
                (missed - 1).cast(pl.String),
                pl.lit(" keer gemist"),
            )
        ),
    )
    return seg.select(sentence.alias("explanation"))["explanation"]


def series_for_household(series: pl.DataFrame, household: str) -> tuple[RecurringSeries, ...]:
    """The series of one household as frozen values, by account, counterparty and start date."""
    rows = series.filter(pl.col("household") == household).sort(
        "account", "counterparty_key", "direction", "first_date"
    )
    out: list[RecurringSeries] = []
    for row in rows.iter_rows(named=True):
        out.append(
            RecurringSeries(
                household=row["household"],
                account=row["account"],
                counterparty_key=row["counterparty_key"],
                counterparty_name=row["counterparty_name"],
                direction=Direction(row["direction"]),
                periodicity=Periodicity(row["periodicity"]),
                status=SeriesStatus(row["status"]),
                occurrences=row["occurrences"],
                extra_count=row["extra_count"],
                missed_count=row["missed_count"],
                first_date=row["first_date"],
                last_date=row["last_date"],
                expected_next_date=row["expected_next_date"],
                last_amount_cents=row["last_amount_cents"],
                expected_next_amount_cents=row["expected_next_amount_cents"],
                monthly_equivalent_cents=row["monthly_equivalent_cents"],
                amount_varies=row["amount_varies"],
                levels=tuple(Level(lv["start"], lv["amount_cents"]) for lv in row["levels"]),
                tx_keys=tuple(row["tx_keys"]),
                extra_tx_keys=tuple(row["extra_tx_keys"]),
                confidence=row["confidence"],
                explanation=row["explanation"],
            )
        )
    return tuple(out)
