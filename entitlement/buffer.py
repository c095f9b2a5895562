"""Buffer arithmetic: reserving for a coming clawback, and how long a balance lasts.

People asked for a buffer period after an income rise, so that a toeslag does not fall away at
once and no big clawback follows. Two of the three buffer questions are plain arithmetic:

* **(a) reserve for a reclaim** — after an income rise the voorschot is too high and a reclaim
  will fall due; how many months are left until then (counted from the as-of month up to the
  earliest month the definitive calculation can come), and what monthly reservation covers it
  (rounded *up* to the cent, so the reservations never fall short; :func:`split_evenly` gives
  the exact plan when the cents must add up);
* **(c) how long the buffer lasts** — whole months the current balance covers at the current
  monthly deficit; no deficit means it does not run out.

(b), the months in which the *forecast* balance falls below zero or the household's buffer
target, needs the budget forecast and is combined in a later step.
All amounts are integer cents; every result row carries a Dutch explanation.
"""

from __future__ import annotations

import datetime as dt
from typing import Final

import polars as pl
from sqlalchemy.orm import Session

from entitlement.money_text import euro_expr, month_expr, month_text
from ingest.amounts import format_euro
from store.transactions import balance_at_start, transactions_frame


def month_index(day: dt.date) -> int:
    return day.year * 12 + day.month - 1


def add_months(day: dt.date, n: int) -> dt.date:
    index = month_index(day) + n
    return dt.date(index // 12, index % 12 + 1, 1)


def months_between(start: dt.date, end: dt.date) -> int:
    """Whole months from the month of ``start`` to the month of ``end`` (negative if before)."""
    return month_index(end) - month_index(start)


def split_evenly(amount_cents: int, terms: int) -> tuple[int, ...]:
    """``amount_cents`` in ``terms`` parts that add up exactly; the remainder cents go to the
    first terms (so the terms never differ by more than a cent and never increase)."""
    if terms < 1:
        raise ValueError("het aantal termijnen moet minstens 1 zijn")
    if amount_cents < 0:
        raise ValueError("een negatief bedrag kan niet in termijnen worden verdeeld")
    base, extra = divmod(amount_cents, terms)
    return tuple(base + 1 if i < extra else base for i in range(terms))


def monthly_reservation(amount_cents: int, months: int) -> int:
    """What to set aside per month to have ``amount_cents`` after ``months`` months, rounded
    up; with no month left the whole amount is needed now."""
    if amount_cents <= 0:
        return 0
    return amount_cents if months <= 0 else -(-amount_cents // months)


RESERVATION_INPUT_SCHEMA: Final[dict[str, pl.DataType | type[pl.DataType]]] = {
    "household": pl.String,
    "label": pl.String,
    "amount_cents": pl.Int64,
    "due_month": pl.Date,
    "as_of": pl.Date,
}
"""What must be paid (``label``, e.g. 'terugbetaling zorgtoeslag 2024') and from when."""

RESERVATION_SCHEMA: Final = RESERVATION_INPUT_SCHEMA | {
    "months_until_due": pl.Int32,
    "monthly_reservation_cents": pl.Int64,
    "explanation": pl.String,
}


def reservations(frame: pl.DataFrame) -> pl.DataFrame:
    """(a) per row: months from ``as_of`` to ``due_month`` and the reservation per month."""
    months = (
        (pl.col("due_month").dt.year() - pl.col("as_of").dt.year()) * 12
        + pl.col("due_month").dt.month().cast(pl.Int32)
        - pl.col("as_of").dt.month().cast(pl.Int32)
    ).cast(pl.Int32)
    out = frame.with_columns(months.alias("months_until_due")).with_columns(
        pl.when(pl.col("amount_cents") <= 0)
        .then(0)
        .when(pl.col("months_until_due") <= 0)
        .then(pl.col("amount_cents"))
        .otherwise(-(-pl.col("amount_cents") // pl.col("months_until_due")))
        .cast(pl.Int64)
        .alias("monthly_reservation_cents")
    )
    text = (
        pl.when(pl.col("amount_cents") <= 0)
        .then(pl.concat_str(pl.lit("Niets te reserveren voor "), pl.col("label"), pl.lit(".")))
        .when(pl.col("months_until_due") <= 0)
        .then(pl.concat_str(
            pl.lit("Voor "), pl.col("label"), pl.lit(" ("), euro_expr(pl.col("amount_cents")),
            pl.lit(") is geen maand meer over: het hele bedrag is nu nodig."),
        ))
        .otherwise(pl.concat_str(
            pl.lit("Reserveer "), euro_expr(pl.col("monthly_reservation_cents")),
            pl.lit(" per maand vanaf "), month_expr(pl.col("as_of")), pl.lit(" ("),
            pl.col("months_until_due").cast(pl.String), pl.lit(" maanden tot "),
            month_expr(pl.col("due_month")), pl.lit("), dan is "),
            euro_expr(pl.col("amount_cents")), pl.lit(" voor "), pl.col("label"),
            pl.lit(" op tijd bij elkaar."),
        ))
    )  # fmt: skip
    out = out.with_columns(text.alias("explanation"))
    return out.select([pl.col(n).cast(t) for n, t in RESERVATION_SCHEMA.items()])


BUFFER_INPUT_SCHEMA: Final[dict[str, pl.DataType | type[pl.DataType]]] = {
    "household": pl.String,
    "as_of": pl.Date,
    "balance_cents": pl.Int64,
    "monthly_deficit_cents": pl.Int64,
}
"""Balance at the start of ``as_of`` and the shortfall per month (positive = money runs out)."""

BUFFER_SCHEMA: Final = BUFFER_INPUT_SCHEMA | {
    "months_covered": pl.Int32,
    "runs_out_month": pl.Date,
    "explanation": pl.String,
}


def buffer_duration(frame: pl.DataFrame) -> pl.DataFrame:
    """(c) whole months the balance covers at the deficit; null when there is no deficit."""
    deficit = pl.col("monthly_deficit_cents")
    covered = (
        pl.when(deficit <= 0)
        .then(None)
        .when(pl.col("balance_cents") <= 0)
        .then(0)
        .otherwise(pl.col("balance_cents") // deficit)
        .cast(pl.Int32)
    )
    out = frame.with_columns(covered.alias("months_covered")).with_columns(
        pl.col("as_of").dt.offset_by(pl.format("{}mo", pl.col("months_covered")))
        .alias("runs_out_month")
    )  # fmt: skip
    text = (
        pl.when(deficit <= 0)
        .then(pl.concat_str(
            pl.lit("Geen tekort per maand: het saldo van "), euro_expr(pl.col("balance_cents")),
            pl.lit(" raakt bij dit uitgavenpatroon niet op."),
        ))
        .when(pl.col("balance_cents") <= 0)
        .then(pl.concat_str(
            pl.lit("Er is geen buffer: het saldo is "), euro_expr(pl.col("balance_cents")),
            pl.lit(" en er komt elke maand "), euro_expr(deficit), pl.lit(" tekort bij."),
        ))
        .otherwise(pl.concat_str(
            pl.lit("Het saldo van "), euro_expr(pl.col("balance_cents")), pl.lit(" is bij een "
            "tekort van "), euro_expr(deficit), pl.lit(" per maand genoeg voor "),
            pl.col("months_covered").cast(pl.String), pl.lit(" hele maand(en); in "),
            month_expr(pl.col("runs_out_month")), pl.lit(" is het op."),
        ))
    )  # fmt: skip
    out = out.with_columns(text.alias("explanation"))
    return out.select([pl.col(n).cast(t) for n, t in BUFFER_SCHEMA.items()])


RECENT_MONTHS: Final = 3


def household_buffer(
    session: Session, household_code: str, as_of: dt.date, months: int = RECENT_MONTHS
) -> pl.DataFrame:
    """(c) for one household from the store: the balance over all its accounts at the start of
    ``as_of`` and the deficit as the average fall of that balance over the ``months`` full
    months before (transfers between its own accounts cancel out). Empty when the bank files
    state no balance (nobody reads a guessed saldo)."""
    as_of = as_of.replace(day=1)
    balance = balance_at_start(session, household_code, as_of)
    if balance is None:
        return pl.DataFrame(schema=BUFFER_SCHEMA)
    start = add_months(as_of, -months)
    flows = transactions_frame(
        session, household_code, start=start, end=as_of - dt.timedelta(days=1)
    )
    change = int(flows.get_column("amount_cents").sum() or 0)
    deficit = max(0, -change // months) if change < 0 else 0
    frame = pl.DataFrame(
        [(household_code, as_of, balance, deficit)], schema=BUFFER_INPUT_SCHEMA, orient="row"
    )
    result = buffer_duration(frame)
    basis = (
        f" (tekort = gemiddelde daling van het saldo over {month_text(start)} t/m "
        f"{month_text(add_months(as_of, -1))}: {format_euro(-change)} in {months} maanden)"
        if deficit
        else ""
    )
    return result.with_columns(pl.col("explanation") + pl.lit(basis))
