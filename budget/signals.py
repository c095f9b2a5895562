"""Signals: what went wrong in a household's money, with the margins a coach set for it.

The Huishoudboekje warns a coach when an expected payment is missing, an amount differs from the
agreement, several transactions arrive where one was expected, or the balance goes negative. This
module adds three more that follow from the same data: structural income dropped, a fixed cost
stopped (the rent or energy direct debit is no longer paid: possible arrears), and the balance
forecast going below zero or below the buffer target. Each signal names its numbers and the
margin it used, so a coach can see why it fired and widen the margin if it is noise for this
household (``hhb signals settings``).

**Margins** (:class:`Margins`, stored per household in ``signal_settings``; ``NULL`` there means
the default below, so changing a default reaches everyone who never chose):

- amount: a payment differs when it is off by more than *both* ``amount_tolerance_pct`` of the
  expected amount *and* ``amount_tolerance_cents`` (3 % and € 2,50);
- date: a payment is missing when nothing came ``date_tolerance_days`` (5) after the expected
  date;
- income: structural income dropped when a month's is more than ``income_drop_pct`` (10 %)
  below the month before;
- balance: the balance is too low below ``balance_floor_cents`` (€ 0); the forecast also warns
  below ``buffer_target_cents`` (€ 1.200).

Widening a margin never adds a signal (a property test checks it).

**Which signals are open**: those dated in the review window ``since``..``as_of`` of each
household (by default the month of ``as_of`` and the month before it), where ``as_of`` is the
date up to which the statements are complete; forecast signals look ahead from ``as_of``. A
signal's ``id`` is a hash of kind, household, series and date, so the same situation keeps its
id from run to run and a dashboard can mark the ones it has not shown before as new.

The detection runs over the frames of many households at once (:func:`detect_signals`; the
rules are in :mod:`budget.signal_rules`); :func:`household_signals` is the same for one
household, as records.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import asdict, dataclass
from enum import StrEnum
from typing import Any

import polars as pl

from budget.schedule import prepare

__all__ = [
    "CONTEXT_SCHEMA",
    "DEFAULT_MARGINS",
    "SIGNAL_SCHEMA",
    "Margins",
    "Severity",
    "Signal",
    "SignalKind",
    "attach_rubriek",
    "default_since",
    "detect_signals",
    "household_context",
    "household_signals",
    "signal_id",
    "with_defaults",
]


class SignalKind(StrEnum):
    PAYMENT_MISSING = "payment_missing"
    AMOUNT_DIFFERS = "amount_differs"
    EXTRA_TRANSACTIONS = "extra_transactions"
    NEGATIVE_BALANCE = "negative_balance"
    INCOME_DROPPED = "income_dropped"
    FIXED_COST_STOPPED = "fixed_cost_stopped"
    FORECAST_BELOW_ZERO = "forecast_below_zero"
    FORECAST_BELOW_BUFFER = "forecast_below_buffer"


KIND_LABELS: dict[SignalKind, str] = {
    SignalKind.PAYMENT_MISSING: "verwachte betaling ontbreekt",
    SignalKind.AMOUNT_DIFFERS: "ander bedrag dan verwacht",
    SignalKind.EXTRA_TRANSACTIONS: "meer transacties dan verwacht",
    SignalKind.NEGATIVE_BALANCE: "saldo te laag",
    SignalKind.INCOME_DROPPED: "inkomen gedaald",
    SignalKind.FIXED_COST_STOPPED: "vaste last gestopt",
    SignalKind.FORECAST_BELOW_ZERO: "verwacht saldo te laag",
    SignalKind.FORECAST_BELOW_BUFFER: "verwacht saldo onder buffer",
}
"""How a coach reads the kind (Dutch)."""


class Severity(StrEnum):
    """``alert``: act now (money is or will be short, a bill or income is missing);
    ``warning``: look at it with the participant; ``info``: good to know."""

    ALERT = "alert"
    WARNING = "warning"
    INFO = "info"


SEVERITY_LABELS: dict[Severity, str] = {
    Severity.ALERT: "hoog",
    Severity.WARNING: "let op",
    Severity.INFO: "info",
}

DEFAULT_AMOUNT_TOLERANCE_PCT = 3
"""Above the twice-yearly indexation of benefits, so that an index step is not reported as a
different amount: the bijstand norm rose 1.9 % (1-7-2024), 2.8 % (1-1-2025) and 1.8 %
(1-7-2025) (figures in ../shared/DOMAIN.md §4, ratios computed here). A rent or premium
increase or a cut in a benefit is usually larger and is reported once, at its first payment."""

DEFAULT_AMOUNT_TOLERANCE_CENTS = 250
"""A product choice, not a published norm: on small amounts (a phone bill with a few calls
abroad) differences of a few euros are not worth a coach's time. Both margins must be exceeded,
so for amounts above € 83,33 the percentage decides."""

DEFAULT_DATE_TOLERANCE_DAYS = 5
"""The recurring detector's on-time window for monthly payments
(:data:`budget.periods.TOLERANCE_DAYS`): weekends plus Christmas or Easter move a payment due on
the 1st to the 31st or the 3rd-5th. A coach whose participant's benefit always comes late sets
more days."""

DEFAULT_INCOME_DROP_PCT = 10
"""A product choice: structural income a tenth lower no longer pays the same budget (on a
bijstand income of € 1.345,45 that is about € 135 a month). Index steps go up, and a varying
income is averaged over three payments first, so normal months stay below it."""

DEFAULT_BALANCE_FLOOR_CENTS = 0
"""A negative balance is itself the Huishoudboekje signal (../shared/DOMAIN.md §1). A household
with an agreed overdraft gets a lower floor."""

DEFAULT_BUFFER_TARGET_CENTS = 120_000
"""Utrecht's Huishoudboekje kept a buffer of € 1.200 per participant to pre-finance fixed costs
(../shared/DOMAIN.md §4)."""


@dataclass(frozen=True, slots=True)
class Margins:
    """The effective margins of one household (stored value, else the product default)."""

    amount_tolerance_pct: int = DEFAULT_AMOUNT_TOLERANCE_PCT
    amount_tolerance_cents: int = DEFAULT_AMOUNT_TOLERANCE_CENTS
    date_tolerance_days: int = DEFAULT_DATE_TOLERANCE_DAYS
    income_drop_pct: int = DEFAULT_INCOME_DROP_PCT
    balance_floor_cents: int = DEFAULT_BALANCE_FLOOR_CENTS
    buffer_target_cents: int = DEFAULT_BUFFER_TARGET_CENTS

    def as_dict(self) -> dict[str, int]:
        return asdict(self)


DEFAULT_MARGINS = Margins()

CHUNK_HOUSEHOLDS = 25_000
"""Households whose signals are worked out at a time: the payments of 25 000 households take a
few hundred MB while being matched, so memory stays flat whatever the number of households;
results do not depend on it (a test checks)."""
MARGIN_FIELDS: tuple[str, ...] = tuple(DEFAULT_MARGINS.as_dict())

CONTEXT_SCHEMA: dict[str, pl.DataType | type[pl.DataType]] = {
    "household": pl.String,
    "as_of": pl.Date,
    "since": pl.Date,
    "history_start": pl.Date,
    "balance_date": pl.Date,
    "balance_cents": pl.Int64,
    **dict.fromkeys(MARGIN_FIELDS, pl.Int64),
}
"""One row per household: statements complete up to ``as_of``; the review window starts at
``since``; the history counts from ``history_start`` (first statement; null: first booking);
``balance_cents`` is the balance at the start of ``balance_date`` (null: unknown, then no
balance signals), which must not lie after ``since``; then the margins."""

SIGNAL_SCHEMA: dict[str, pl.DataType | type[pl.DataType]] = {
    "id": pl.String,
    "kind": pl.String,
    "severity": pl.String,
    "household": pl.String,
    "date": pl.Date,
    "amount_cents": pl.Int64,
    "reference_cents": pl.Int64,
    "series": pl.String,
    "counterparty": pl.String,
    "tx_keys": pl.List(pl.String),
    "message": pl.String,
}
"""``amount_cents`` is what happened (the payment, the lowest balance, the month's income, the
expected amount that did not come), ``reference_cents`` what was expected or the limit crossed.
``series`` is ``account|counterparty|direction|periodicity|first date`` of the series concerned
(null for household-wide signals)."""


@dataclass(frozen=True, slots=True)
class Signal:
    id: str
    kind: SignalKind
    severity: Severity
    household: str
    date: dt.date
    amount_cents: int
    reference_cents: int | None
    series: str | None
    counterparty: str | None
    tx_keys: tuple[str, ...]
    message: str

    def as_dict(self) -> dict[str, Any]:
        out = asdict(self)
        out.update(kind=str(self.kind), severity=str(self.severity))
        out.update(date=self.date.isoformat(), tx_keys=list(self.tx_keys))
        return out


def signal_id(kind: str, household: str, series: str | None, day: dt.date) -> str:
    """16 hex characters of BLAKE2b over kind, household, series and date: stable across runs,
    machines and library versions (polars' own hash is not)."""
    text = f"{kind}|{household}|{series or ''}|{day.isoformat()}"
    return hashlib.blake2b(text.encode(), digest_size=8).hexdigest()


def default_since(as_of: dt.date) -> dt.date:
    """The review window's start: the first day of the month before ``as_of``'s month, so a
    month is reviewed in full and a signal from the last days of the previous month (whose
    margin ran out in this one) is still open."""
    first = as_of.replace(day=1)
    return (first - dt.timedelta(days=1)).replace(day=1)


def with_defaults(context: pl.DataFrame) -> pl.DataFrame:
    """A context frame with every column of :data:`CONTEXT_SCHEMA`: missing or null margins get
    the default, a missing ``since`` the first day of the month before ``as_of``."""
    default_since = pl.col("as_of").dt.month_start().dt.offset_by("-1mo")
    fills: dict[str, pl.Expr] = {"since": default_since}
    fills.update(
        {name: pl.lit(value, pl.Int64) for name, value in DEFAULT_MARGINS.as_dict().items()}
    )
    columns = []
    for name, dtype in CONTEXT_SCHEMA.items():
        present = pl.col(name).cast(dtype) if name in context.columns else None
        fill = fills.get(name)
        if present is None:
            columns.append(
                (fill if fill is not None else pl.lit(None, dtype)).cast(dtype).alias(name)
            )
        elif fill is not None:
            columns.append(present.fill_null(fill).alias(name))
        else:
            columns.append(present)
    return context.select(columns)


def household_context(
    household: str,
    as_of: dt.date,
    *,
    since: dt.date | None = None,
    history_start: dt.date | None = None,
    balance_date: dt.date | None = None,
    balance_cents: int | None = None,
    margins: Margins = DEFAULT_MARGINS,
) -> pl.DataFrame:
    """The one-row context of a single household."""
    row: dict[str, object] = {
        "household": household,
        "as_of": as_of,
        "since": since,
        "history_start": history_start,
        "balance_date": balance_date,
        "balance_cents": balance_cents,
        **margins.as_dict(),
    }
    return with_defaults(pl.DataFrame([row], schema=CONTEXT_SCHEMA))


def attach_rubriek(series: pl.DataFrame, classified: pl.DataFrame) -> pl.DataFrame:
    """Each series with the rubriek most of its transactions got (ties: alphabetical), so that
    income and fixed costs are told apart the way the month overview does."""
    members = series.select(sid=pl.int_range(pl.len()), tx_key=pl.col("tx_keys")).explode("tx_key")
    votes = (
        members.join(classified.select("tx_key", "rubriek"), on="tx_key", how="inner")
        .group_by("sid", "rubriek")
        .agg(n=pl.len())
        .sort("sid", pl.col("n"), "rubriek", descending=[False, True, False])
        .group_by("sid", maintain_order=True)
        .agg(pl.col("rubriek").first())
    )
    indexed = series.with_columns(sid=pl.int_range(pl.len()))
    return indexed.join(votes, on="sid", how="left", maintain_order="left").drop("sid")


def detect_signals(
    series: pl.DataFrame,
    transactions: pl.DataFrame | pl.LazyFrame,
    context: pl.DataFrame,
    *,
    forecast_summary: pl.DataFrame | None = None,
) -> pl.DataFrame:
    """The open signals of every household in ``context`` (:data:`SIGNAL_SCHEMA`).

    ``series``: recurring series as :func:`budget.recurring.detect_recurring` gives them for
    the statements up to ``as_of`` (optionally with ``rubriek``, see :func:`attach_rubriek`).
    ``transactions``: the canonical table (household, account, booking_date, amount_cents,
    tx_key, counterparty_iban, counterparty_name; strings or categoricals) at least from
    ``balance_date`` and 100 days before ``since`` up to ``as_of``. ``forecast_summary``: from
    :func:`budget.forecast.forecast`, for the two forecast signals.
    Rows are sorted by household, date, kind and id.
    """
    from budget import signal_rules as rules  # the rules import this module's enums
    from budget import signal_totals as totals
    from budget.signal_inputs import payments, prefetch, series_context

    ctx = with_defaults(context).with_row_index("hix").with_columns(pl.col("hix").cast(pl.Int64))
    table = prepare(series)
    everyone = series_context(table, ctx)
    prefetched = prefetch(transactions, ctx)
    parts: list[pl.DataFrame] = []
    for lo in range(0, ctx.height, CHUNK_HOUSEHOLDS):
        hi = lo + CHUNK_HOUSEHOLDS
        c = ctx.slice(lo, CHUNK_HOUSEHOLDS)
        s = everyone.filter(pl.col("hix").is_between(lo, hi, closed="left"))
        tx = prefetched.filter(pl.col("hix").is_between(lo, hi, closed="left"))
        tx = tx.with_row_index("txi")
        pays = payments(series, s, tx)
        parts += [
            *rules.missing_and_stopped(s, table, pays),
            rules.amounts_differ(s, table, pays, tx),
            rules.extra_payments(s, pays, tx),
            totals.negative_balance(tx, c),
            totals.income_dropped(s, pays),
        ]
    if forecast_summary is not None:
        parts.append(totals.forecast_signals(forecast_summary, ctx))
    found = [p for p in parts if p.height]
    if not found:
        return pl.DataFrame(schema=SIGNAL_SCHEMA)
    raw = pl.concat(found, how="vertical")
    frame = raw.with_columns(
        date=pl.col("day").cast(pl.Int32).cast(pl.Date),
        id_date=pl.col("id_day").cast(pl.Int32).cast(pl.Date),
    )
    ids = [
        signal_id(k, h, s, d)
        for k, h, s, d in zip(
            frame["kind"].to_list(),
            frame["household"].to_list(),
            frame["series"].to_list(),
            frame["id_date"].to_list(),
            strict=True,
        )
    ]
    order = {kind.value: i for i, kind in enumerate(SignalKind)}
    return (
        frame.with_columns(id=pl.Series(ids, dtype=pl.String))
        .with_columns(rank=pl.col("kind").replace_strict(order, return_dtype=pl.Int32))
        .sort("household", "date", "rank", "id")
        .select([pl.col(name).cast(dtype) for name, dtype in SIGNAL_SCHEMA.items()])
    )


def as_records(signals: pl.DataFrame) -> tuple[Signal, ...]:
    return tuple(
        Signal(
            id=row["id"],
            kind=SignalKind(row["kind"]),
            severity=Severity(row["severity"]),
            household=row["household"],
            date=row["date"],
            amount_cents=row["amount_cents"],
            reference_cents=row["reference_cents"],
            series=row["series"],
            counterparty=row["counterparty"],
            tx_keys=tuple(row["tx_keys"] or ()),
            message=row["message"],
        )
        for row in signals.iter_rows(named=True)
    )


def household_signals(
    series: pl.DataFrame,
    transactions: pl.DataFrame,
    context: pl.DataFrame,
    *,
    forecast_summary: pl.DataFrame | None = None,
) -> tuple[Signal, ...]:
    """:func:`detect_signals` for one household's frames, as records in date order."""
    return as_records(
        detect_signals(series, transactions, context, forecast_summary=forecast_summary)
    )
