"""What each household received per regeling and month, and what the toeslag decisions promised.

Why: to tell *ontvangen* from *gemist* or *deels*, the expected amount of a regeling is set
against what actually arrived; to foresee a clawback, the voorschotten decided for the year are
set against the definitive amount. Both come from here:

* **received** — money in, per household x month x regeling, from two sources that never
  overlap: payment specifications (:mod:`store.benefits`), and classified bank transactions
  that no specification explains (the classifier names the regeling of a toeslag from the
  text: zorgtoeslag, huurtoeslag, kindgebonden budget; kinderbijslag via SVB). A toeslag
  voorschot is paid around the 20th of the month *before* the month it is for, so
  ``period_month`` is the booking month + 1 for toeslagen. Bijstand may arrive from the 20th of
  the month before to the 10th of the month after (:mod:`entitlement.payment_window`), so its
  bank payments are assigned to months one by one, each to exactly one month. A specification
  states its period.
* **decided** — the voorschot per month from the toeslag decisions. A decision applies from the
  first month that starts after its date (a December decision sets January's voorschot); the
  latest decision of a year states the year's total voorschot and the income estimate it rests
  on, which the clawback arithmetic compares with the projected income.
"""

from __future__ import annotations

import datetime as dt
from enum import StrEnum
from typing import Final

import polars as pl
from sqlalchemy import select
from sqlalchemy.orm import Session

from entitlement.income_store import payments_frame
from entitlement.money_text import euro_expr, month_expr, regeling_name_expr
from entitlement.payment_window import (
    MATCHED,
    RECEIVED_AS,
    WINDOWS,
    PaymentWindow,
    assign_months,
)
from entitlement.rules.registry import Rules, default_rules
from store.classification import classified_transactions
from store.households import get_household
from store.models import ToeslagDecisionRow

TOESLAGEN: Final = ("zorgtoeslag", "huurtoeslag", "kindgebonden_budget", "kinderopvangtoeslag")


class ReceivedSource(StrEnum):
    BANK = "bankafschrift"
    UITKERINGSGEGEVENS = "uitkeringsgegevens"


RECEIVED_SCHEMA: Final[dict[str, pl.DataType | type[pl.DataType]]] = {
    "household": pl.String,
    "month": pl.Date,
    "period_month": pl.Date,
    "regeling": pl.String,
    "source": pl.Enum([s.value for s in ReceivedSource]),
    "received_cents": pl.Int64,
    "payments": pl.Int32,
    "explanation": pl.String,
}
"""Money received: ``month`` it was paid, ``period_month`` it is for."""

DECISION_SCHEMA: Final[dict[str, pl.DataType | type[pl.DataType]]] = {
    "household": pl.String,
    "regeling": pl.String,
    "year": pl.Int32,
    "advance_year_cents": pl.Int64,
    "advance_month_cents": pl.Int64,
    "income_estimate_cents": pl.Int64,
    "decision_date": pl.Date,
    "with_partner": pl.Boolean,
}

ADVANCE_SCHEMA: Final[dict[str, pl.DataType | type[pl.DataType]]] = {
    "household": pl.String,
    "regeling": pl.String,
    "month": pl.Date,
    "advance_cents": pl.Int64,
    "income_estimate_cents": pl.Int64,
    "with_partner": pl.Boolean,
    "decision_date": pl.Date,
    "explanation": pl.String,
}


def _conform(
    frame: pl.DataFrame, schema: dict[str, pl.DataType | type[pl.DataType]]
) -> pl.DataFrame:
    return frame.select([pl.col(name).cast(dtype) for name, dtype in schema.items()])


def received_per_regeling(classified: pl.DataFrame, payments: pl.DataFrame) -> pl.DataFrame:
    """Money in per household x month x regeling (:data:`RECEIVED_SCHEMA`).

    ``classified`` is :data:`budget.classify.CLASSIFIED_SCHEMA`, ``payments`` is
    :data:`entitlement.income.PAYMENT_SCHEMA`; rows without a regeling are left out.
    """
    linked = payments.get_column("linked_tx_key").drop_nulls().unique()
    rows = classified.filter(
        (pl.col("amount_cents") > 0)
        & pl.col("regeling").is_not_null()
        & ~pl.col("tx_key").is_in(linked.implode())
    ).with_columns(pl.col("booking_date").dt.truncate("1mo").alias("month"))
    matched = matched_regelingen()
    bank = (
        _with_period(rows, matched)
        .group_by("household", "month", "period_month", "regeling")
        .agg(
            pl.col("amount_cents").sum().alias("received_cents"),
            pl.len().alias("payments"),
            pl.col("ketenpartner").drop_nulls().first().alias("_payer"),
        )
        .with_columns(pl.lit(ReceivedSource.BANK.value).alias("source"))
    )
    bank = bank.with_columns(
        pl.concat_str(
            euro_expr(pl.col("received_cents")), pl.lit(" "),
            regeling_name_expr(pl.col("regeling")),
            pl.lit(" ontvangen van "), pl.col("_payer").fill_null("onbekend"),
            pl.lit(" in "), month_expr(pl.col("month")), pl.lit(" ("), pl.col("payments"),
            pl.lit(" betaling(en), bankafschrift)"),
            pl.when(pl.col("regeling").is_in(TOESLAGEN))
            .then(pl.concat_str(pl.lit("; voorschot voor "), month_expr(pl.col("period_month"))))
            .when(pl.col("period_month") != pl.col("month"))
            .then(pl.concat_str(pl.lit("; voor "), month_expr(pl.col("period_month"))))
            .otherwise(pl.lit("")),
        ).alias("explanation")
    )  # fmt: skip
    spec = (
        payments.group_by(
            "household",
            pl.col("payment_date").dt.truncate("1mo").alias("month"),
            pl.col("period_start").dt.truncate("1mo").alias("period_month"),
            "regeling",
        )
        .agg(
            pl.col("net_cents").sum().alias("received_cents"),
            pl.len().alias("payments"),
            pl.col("payer").first().alias("_payer"),
        )
        .with_columns(pl.lit(ReceivedSource.UITKERINGSGEGEVENS.value).alias("source"))
    )
    spec = spec.with_columns(
        pl.concat_str(
            euro_expr(pl.col("received_cents")), pl.lit(" netto "),
            regeling_name_expr(pl.col("regeling")),
            pl.lit(" van "), pl.col("_payer"), pl.lit(" in "), month_expr(pl.col("month")),
            pl.lit(" voor "), month_expr(pl.col("period_month")),
            pl.lit(" (uitkeringsspecificatie)"),
        ).alias("explanation")
    )  # fmt: skip
    both = pl.concat([_conform(bank, RECEIVED_SCHEMA), _conform(spec, RECEIVED_SCHEMA)])
    return both.sort("household", "period_month", "regeling", "source")


def matched_regelingen(rules: Rules | None = None) -> dict[str, PaymentWindow]:
    """Classifier names of the regelingen whose bank payments are assigned to a month one by
    one (:data:`entitlement.payment_window.MATCHED`), with their window."""
    rules = rules or default_rules()
    return {
        RECEIVED_AS.get(name, name): WINDOWS[rules[name].payment]
        for name in rules
        if rules[name].payment in MATCHED
    }


def _with_period(rows: pl.DataFrame, matched: dict[str, PaymentWindow]) -> pl.DataFrame:
    """``period_month`` per bank payment: the month after for a toeslag voorschot, the month
    :func:`assign_months` gives for a matched regeling, else the month it was booked."""
    shifted = rows.with_columns(
        pl.when(pl.col("regeling").is_in(TOESLAGEN))
        .then(pl.col("month").dt.offset_by("1mo"))
        .otherwise(pl.col("month"))
        .alias("period_month")
    )
    is_matched = pl.col("regeling").is_in(list(matched))
    todo = shifted.filter(is_matched)
    if todo.height == 0:
        return shifted
    parts = [shifted.filter(~is_matched)]
    for (_, regeling), part in todo.group_by("household", "regeling", maintain_order=True):
        days = part.get_column("booking_date").to_list()
        months = assign_months(days, matched[str(regeling)])
        parts.append(part.with_columns(pl.Series("period_month", months, dtype=pl.Date)))
    return pl.concat(parts)


def received_in_year(received: pl.DataFrame, year: int) -> pl.DataFrame:
    """Per household x regeling: the total received *for* the months of ``year``."""
    return (
        received.filter(pl.col("period_month").dt.year() == year)
        .group_by("household", "regeling")
        .agg(
            pl.col("received_cents").sum(),
            pl.col("period_month").n_unique().cast(pl.Int32).alias("months"),
        )
        .with_columns(pl.lit(year, pl.Int32).alias("year"))
        .sort("household", "regeling")
    )


def latest_decisions(decisions: pl.DataFrame) -> pl.DataFrame:
    """The decision in force at the end of each household x regeling x year: the year's total
    voorschot and the income estimate it rests on (:data:`DECISION_SCHEMA`)."""
    return (
        decisions.sort("decision_date")
        .group_by("household", "regeling", "year")
        .last()
        .pipe(_conform, DECISION_SCHEMA)
        .sort("household", "regeling", "year")
    )


def advances_per_month(decisions: pl.DataFrame, year: int) -> pl.DataFrame:
    """The voorschot decided for every month of ``year`` (:data:`ADVANCE_SCHEMA`).

    A month takes the latest decision of that year dated before the month starts; months before
    the first decision have none (no row).
    """
    months = pl.DataFrame(
        {"month": [dt.date(year, m, 1) for m in range(1, 13)]}, schema={"month": pl.Date}
    )
    of_year = decisions.filter(pl.col("year") == year)
    if of_year.height == 0:
        return pl.DataFrame(schema=ADVANCE_SCHEMA)
    grid = of_year.select("household", "regeling").unique().join(months, how="cross")
    found = (
        grid.sort("month")
        .join_asof(
            of_year.with_columns(pl.col("decision_date").alias("_on")).sort("_on"),
            left_on="month",
            right_on="_on",
            by=["household", "regeling"],
            strategy="backward",
            allow_exact_matches=False,
            check_sortedness=False,  # sorted on the key as a whole, hence within every group
        )
        .filter(pl.col("_on").is_not_null())
    )
    out = found.with_columns(
        pl.col("advance_month_cents").alias("advance_cents"),
        pl.concat_str(
            pl.lit("voorschot "), regeling_name_expr(pl.col("regeling")), pl.lit(" voor "),
            month_expr(pl.col("month")), pl.lit(": "), euro_expr(pl.col("advance_month_cents")),
            pl.lit(" volgens de beschikking van "), pl.col("decision_date").dt.strftime("%d-%m-%Y"),
            pl.lit(" (geschat inkomen "), euro_expr(pl.col("income_estimate_cents")),
            pl.lit(")"),
        ).alias("explanation"),
    )  # fmt: skip
    return _conform(out, ADVANCE_SCHEMA).sort("household", "regeling", "month")


# --- one household from the store ------------------------------------------------------------


def decisions_frame(session: Session, household_code: str) -> pl.DataFrame:
    """The household's stored toeslag decisions (:data:`DECISION_SCHEMA`)."""
    household = get_household(session, household_code)
    rows = session.execute(
        select(
            ToeslagDecisionRow.regeling, ToeslagDecisionRow.year,
            ToeslagDecisionRow.advance_year_cents, ToeslagDecisionRow.advance_month_cents,
            ToeslagDecisionRow.income_estimate_cents, ToeslagDecisionRow.decision_date,
            ToeslagDecisionRow.with_partner,
        )
        .where(ToeslagDecisionRow.household_id == household.id)
        .order_by(ToeslagDecisionRow.decision_date, ToeslagDecisionRow.id)
    ).all()  # fmt: skip
    data = [(household.code, *r) for r in rows]
    return pl.DataFrame(data, schema=DECISION_SCHEMA, orient="row")


def household_received(
    session: Session, household_code: str, start: dt.date, end: dt.date
) -> pl.DataFrame:
    """One household's :func:`received_per_regeling` for money paid from ``start`` to ``end``."""
    classified = classified_transactions(session, household_code, start, end)
    return received_per_regeling(classified, payments_frame(session, household_code, start, end))
