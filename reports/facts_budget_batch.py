"""Leefgeld, Nibud minimum and open signals of many households at once.

:func:`reports.facts_budget.household_row` makes one household's budget and signals through
the store, as ``hhb budget --month`` and ``hhb signals --month`` do: about 0.3 s a household.
Here the same steps run on a chunk of whole households at a time (the budget modules work on
many households at once): the chunk's transactions are read in one query, classified once,
and recurring series, budget, forecast and signals are made for all of them together, grouped
by the date they are made "as of" (the only thing the budget modules take as one value).

Per household it is the same computation as the one-household path, step by step:

- the reference month: the last month of the year the statements reach the end of (closing
  date, else the last booking; cut at 31 December);
- budget: the whole history classified, cut at the month's end, recurring series as of that
  day, :func:`budget.plan.budget_frame` with the statements' closing date (else the last
  booking) as ``data_until``; no budget without a transaction in the month; the Nibud food
  minimum of the profile valid on the month's first day;
- signals: the transactions up to the month's end (or the end of the data) classified on their
  own (as ``hhb signals --month`` reads them), series with their rubriek, the balance at the
  month's start, the coach's margins, the forecast and :func:`budget.signals.detect_signals`.

A test compares this with ``household_row`` household by household.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Final

import polars as pl
from sqlalchemy.orm import Session

from budget.classify import classify
from budget.forecast import forecast
from budget.norms import food_minimum
from budget.plan import budget_frame
from budget.recurring import detect_recurring
from budget.signals import (
    CONTEXT_SCHEMA,
    Severity,
    SignalKind,
    attach_rubriek,
    detect_signals,
)
from reports.facts import (
    BUDGET_COLUMNS,
    FACTS_SCHEMA,
    SIGNAL_COLUMNS,
    alert_column,
    signal_column,
)
from store import bulk
from store.signal_settings import margins_frame

FORECAST_MONTHS: Final = 12
"""As ``hhb signals`` (its forecast signals look this far ahead)."""

ROW_SCHEMA: Final[dict[str, pl.DataType | type[pl.DataType]]] = {
    "household": pl.String,
    "year": pl.Int32,
    **{c: FACTS_SCHEMA[c] for c in (*BUDGET_COLUMNS, *SIGNAL_COLUMNS)},
}

MONTHS_SCHEMA: Final[dict[str, pl.DataType | type[pl.DataType]]] = {
    "household": pl.String,
    "month": pl.Date,
}

MinimumFn = Callable[[pl.DataFrame], pl.DataFrame]
"""``household, month`` in; ``household, month, month_cents`` out (null or left out: no
profile for the month)."""

BalancesFn = Callable[[dict[str, dt.date]], dict[str, int | None]]
"""Household to day in; the balance at the start of that day out (None: unknown)."""


@dataclass(frozen=True, slots=True)
class Chunk:
    """What the budget and signals of a chunk of whole households are made from."""

    transactions: pl.DataFrame
    """Every live transaction of the households (canonical table, store order per household)."""
    rules: pl.DataFrame
    """The coach's classification rules (:func:`budget.classify.rules_frame`)."""
    statements: pl.DataFrame
    """``household, first_opening, last_closing`` (:data:`store.bulk.STATEMENT_SCHEMA`;
    households without statements may be left out)."""
    margins: pl.DataFrame
    """``household`` and stored margins (null: default), as :func:`store.signal_settings.
    margins_frame`."""
    minimum: MinimumFn
    balances: BalancesFn


def reference_months(chunk: Chunk, pairs: pl.DataFrame) -> pl.DataFrame:
    """``household, year, month`` (null: no complete month in the year), as
    :func:`reports.facts_budget.reference_month`."""
    last = chunk.transactions.group_by("household").agg(last_booking=pl.col("booking_date").max())
    cut = pl.min_horizontal(
        pl.coalesce("last_closing", "last_booking"),
        pl.date(pl.col("year"), 12, 31),
    )
    month = (cut + pl.duration(days=1)).dt.truncate("1mo").dt.offset_by("-1mo")
    return (
        pairs.select(pl.col("household").cast(pl.String), pl.col("year").cast(pl.Int32))
        .join(last, on="household", how="left", maintain_order="left")
        .join(chunk.statements, on="household", how="left", maintain_order="left")
        .with_columns(month=month)
        .with_columns(
            month=pl.when(pl.col("month").dt.year() == pl.col("year")).then(pl.col("month"))
        )
        .with_columns(month=pl.when(pl.col("last_booking").is_not_null()).then(pl.col("month")))
        .select(
            "household",
            "year",
            "month",
            "last_booking",
            "first_opening",
            "last_closing",
        )
    )


Detected = dict[dt.date, tuple[pl.Series, pl.DataFrame]]
"""Recurring series found as of a day: the households looked at and their series."""


def _budgets(
    chunk: Chunk, classified: pl.DataFrame, refs: pl.DataFrame, detected: Detected
) -> pl.DataFrame:
    """Leefgeld and minimum per household and reference month (households with no
    transaction in their month are left out). Series the signals found as of the month's end
    are reused: detection reads only the canonical columns of each household's own rows, and
    those are the same rows."""
    parts: list[pl.DataFrame] = []
    for (month,), group in refs.filter(pl.col("month").is_not_null()).group_by(
        "month", maintain_order=True
    ):
        assert isinstance(month, dt.date)
        end = (month.replace(day=28) + dt.timedelta(days=4)).replace(day=1) - dt.timedelta(days=1)
        codes = group["household"]
        history = classified.filter(
            pl.col("household").is_in(codes.implode()), pl.col("booking_date") <= end
        )
        present = history.filter(pl.col("booking_date") >= month)["household"].unique()
        history = history.filter(pl.col("household").is_in(present.implode()))
        if history.height == 0:
            continue
        until = group.select(
            "household", data_until=pl.coalesce("last_closing", "last_booking")
        ).filter(pl.col("household").is_in(present.implode()))
        looked, found = detected.get(end, (pl.Series(dtype=pl.String), None))
        if found is not None and present.is_in(looked.implode()).all():
            series = found.filter(pl.col("household").is_in(present.implode()))
        else:
            series = detect_recurring(history, as_of=end)
        totals, _ = budget_frame(history, series, month, until)
        parts.append(totals.select("household", "month", "leefgeld_month_cents"))
    if not parts:
        return pl.DataFrame(
            schema={"household": pl.String, "month": pl.Date, "leefgeld_month_cents": pl.Int64}
        )
    budgets = pl.concat(parts)
    minimum = chunk.minimum(budgets.select("household", "month")).select(
        pl.col("household").cast(pl.String), "month", nibud_minimum_month_cents="month_cents"
    )
    return budgets.join(minimum, on=["household", "month"], how="left").with_columns(
        leefgeld_gap_month_cents=pl.col("leefgeld_month_cents")
        - pl.col("nibud_minimum_month_cents")
    )


def _signals(
    chunk: Chunk, classified: pl.DataFrame, refs: pl.DataFrame, detected: Detected
) -> pl.DataFrame:
    """Open signals per household and kind in its reference month (``household, month, kind,
    n``) and the households whose signals could be made (``household, month, n = 0``); the
    recurring series found are put in ``detected``."""
    windows = (
        refs.filter(pl.col("month").is_not_null())
        .with_columns(last=pl.max_horizontal("last_booking", "last_closing"))
        .filter(pl.col("month") <= pl.col("last"))
        .with_columns(as_of=pl.min_horizontal(pl.col("month").dt.month_end(), pl.col("last")))
    )
    tx = chunk.transactions
    parts: list[pl.DataFrame] = []
    for (as_of,), group in windows.group_by("as_of", maintain_order=True):
        assert isinstance(as_of, dt.date)
        codes = group["household"].implode()
        seen = tx.filter(pl.col("household").is_in(codes), pl.col("booking_date") <= as_of)
        # Classified as hhb signals reads them: the rows up to as_of on their own. A household
        # with nothing after as_of has the same rows as the whole history: reuse that.
        later = group.filter(pl.col("last_booking") > as_of)["household"].implode()
        classified_seen = pl.concat(
            [
                classified.filter(
                    pl.col("household").is_in(codes) & ~pl.col("household").is_in(later)
                ),
                classify(seen.filter(pl.col("household").is_in(later)), chunk.rules),
            ]
        )
        recurring = detect_recurring(seen, as_of=as_of)
        detected[as_of] = (group["household"], recurring)
        series = attach_rubriek(recurring, classified_seen)
        days = dict(zip(group["household"], group["month"], strict=True))
        balances = chunk.balances(days)
        context = (
            group.select(
                "household",
                "as_of",
                since="month",
                history_start="first_opening",
                balance_cents=pl.Series(
                    [balances.get(c) for c in group["household"]], dtype=pl.Int64
                ),
            )
            .with_columns(balance_date=pl.when(pl.col("balance_cents").is_not_null()).then("since"))
            .join(chunk.margins, on="household", how="left", maintain_order="left")
        )
        context = context.select(
            pl.col(c).cast(t) if c in context.columns else pl.lit(None, t).alias(c)
            for c, t in CONTEXT_SCHEMA.items()
        )
        summary = forecast(series, seen, context, months=FORECAST_MONTHS).summary
        found = detect_signals(series, seen, context, forecast_summary=summary)
        parts.append(
            group.select("household", "month", kind=pl.lit(None, pl.String), n=0, alerts=0)
        )
        parts.append(
            found.group_by("household", "kind")
            .agg(n=pl.len(), alerts=(pl.col("severity") == Severity.ALERT.value).sum())
            .join(group.select("household", "month"), on="household")
            .select("household", "month", "kind", "n", "alerts")
        )
    schema = {
        "household": pl.String,
        "month": pl.Date,
        "kind": pl.String,
        "n": pl.Int64,
        "alerts": pl.Int64,
    }
    return pl.concat([p.cast(schema) for p in parts]) if parts else pl.DataFrame(schema=schema)  # type: ignore[arg-type]


def chunk_rows(chunk: Chunk, pairs: pl.DataFrame) -> pl.DataFrame:
    """The budget and signal facts (:data:`ROW_SCHEMA`) of ``pairs`` (``household, year``),
    whose households' transactions are all in ``chunk``; nulls where unknown."""
    refs = reference_months(chunk, pairs)
    classified = classify(chunk.transactions, chunk.rules)
    detected: Detected = {}
    signals = _signals(chunk, classified, refs, detected)
    budgets = _budgets(chunk, classified, refs, detected)
    del detected
    kinds = [k.value for k in SignalKind]
    counts = (
        signals.group_by("household", "month").agg(
            open_signals=pl.col("n").sum(),
            **{
                signal_column(k): pl.col("n").filter(pl.col("kind") == k.value).sum()
                for k in SignalKind
            },
            **{
                alert_column(k): pl.col("alerts").filter(pl.col("kind") == k.value).sum()
                for k in SignalKind
            },
        )
        if signals.height
        else pl.DataFrame(
            schema={"household": pl.String, "month": pl.Date, "open_signals": pl.Int64}
            | {signal_column(SignalKind(k)): pl.Int64 for k in kinds}
            | {alert_column(SignalKind(k)): pl.Int64 for k in kinds}
        )
    )
    out = (
        refs.select("household", "year", "month")
        .join(budgets, on=["household", "month"], how="left", maintain_order="left")
        .join(counts, on=["household", "month"], how="left", maintain_order="left")
        .with_columns(
            budget_month=pl.when(pl.col("leefgeld_month_cents").is_not_null()).then("month"),
            below_minimum=pl.col("leefgeld_gap_month_cents") < 0,
        )
    )
    return out.select(pl.col(c).cast(t) for c, t in ROW_SCHEMA.items())


def _store_minimum(profiles: bulk.Profiles) -> MinimumFn:
    def minimum(months: pl.DataFrame) -> pl.DataFrame:
        rows = []
        for code, month in months.iter_rows():
            profile = profiles.on(code, month.replace(day=1))
            cents = None if profile is None else food_minimum(profile, month).month_cents
            rows.append((code, month, cents))
        schema = MONTHS_SCHEMA | {"month_cents": pl.Int64}
        return pl.DataFrame(rows, schema=schema, orient="row")

    return minimum


def store_chunk(session: Session, codes: Sequence[str]) -> Chunk:
    """A chunk of households read from the store, one query per table."""
    ids = bulk.household_ids(session, codes)
    tx = bulk.transactions(session, ids)
    profiles = bulk.Profiles(session, ids)

    def balances(days: dict[str, dt.date]) -> dict[str, int | None]:
        return bulk.balances_at_start(session, ids, days, tx)

    return Chunk(
        transactions=tx,
        rules=bulk.rules(session, ids),
        statements=bulk.statement_dates(session, ids),
        margins=margins_frame(session, list(ids)),
        minimum=_store_minimum(profiles),
        balances=balances,
    )


def budget_rows(
    session: Session, pairs: pl.DataFrame, chunk_households: int | None = None
) -> pl.DataFrame:
    """The budget and signal facts (:data:`ROW_SCHEMA`) of every ``household, year`` in
    ``pairs``, in their order, read from the store a chunk of whole households at a time."""
    pairs = pairs.select(pl.col("household").cast(pl.String), pl.col("year").cast(pl.Int32))
    codes = pairs["household"].unique(maintain_order=True).to_list()
    parts = [pl.DataFrame(schema=ROW_SCHEMA)]
    for codes_part in bulk.chunks(codes, chunk_households):
        wanted = pairs.filter(pl.col("household").is_in(list(codes_part)))
        parts.append(chunk_rows(store_chunk(session, codes_part), wanted))
    rows = pl.concat(parts)
    return pairs.join(rows, on=["household", "year"], how="left", maintain_order="left")
