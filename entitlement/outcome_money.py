"""Money ahead for one household: expected clawbacks per toeslag, and the three buffer periods.

**Expected clawbacks.** Per toeslag and year the voorschotten are set against the definitive
amount the engine computes on the *projected* toetsingsinkomen (the yearly sum of the monthly
amounts it is entitled to; 0 without a right). The voorschotten are those of the latest decision
of that year when one is stored; otherwise what arrived for the year so far plus, for the months
whose voorschot is still to come, the last voorschot received (marked as an estimate). The netting
itself, the € 24 minimum, the waiver, the 24-term plan and the advice are
:func:`entitlement.clawback.expected_clawbacks`. The as-of month is the month after the last
complete month in the statements: the voorschot for a month is paid in the month before, so
by then the voorschotten up to and including it are known, and a reservation can start then.

**Buffer periods.** (a) a reservation per expected reclaim until its earliest due month
(:func:`entitlement.buffer.reservations`); (b) the months in which the forecast balance
(:mod:`budget.forecast`) ends below zero or below the household's buffer target
(:mod:`store.signal_settings`), with the shortfall; (c) how many months the current balance lasts
at the current deficit (:func:`entitlement.buffer.household_buffer`, read by the caller).
"""

from __future__ import annotations

import datetime as dt
from typing import Any, Final

import polars as pl

from entitlement.buffer import RESERVATION_INPUT_SCHEMA, add_months, reservations
from entitlement.clawback import CLAWBACK_INPUT_SCHEMA, CLAWBACK_SCHEMA, expected_clawbacks
from entitlement.household import HouseholdData
from entitlement.money_text import euro_expr, month_expr, regeling_name, regeling_name_expr
from entitlement.outcomes import window
from entitlement.received import TOESLAGEN, latest_decisions
from entitlement.rules.model import Payment


def clawback_as_of(data: HouseholdData) -> dt.date:
    return add_months(data.as_of, 1)


def _advances(
    data: HouseholdData, regeling: str, received: pl.DataFrame
) -> tuple[int, int | None, bool | None, bool] | None:
    """(voorschotten of the year, current monthly voorschot, with partner, estimated) or None
    when the household gets no voorschot for this toeslag at all."""
    decided = latest_decisions(data.decisions).filter(
        (pl.col("regeling") == regeling) & (pl.col("year") == data.year)
    )
    if decided.height:
        row = decided.row(0, named=True)
        return (
            int(row["advance_year_cents"]),
            row["advance_month_cents"],
            row["with_partner"],
            False,
        )
    mine = received.filter(pl.col("regeling") == regeling).sort("month")
    paid = mine.filter(pl.col("received_cents") > 0)
    if paid.height == 0:
        return None
    last = int(paid["received_cents"][-1])
    # months whose voorschot window lies after the statements: assume the last voorschot
    ahead = [
        m
        for m in mine["month"].to_list()
        if window(m, Payment.JAARRECHT_PER_MAAND)[1] > data.coverage.last_day
    ]
    total = int(mine["received_cents"].sum()) + last * len(ahead)
    return total, last, None, bool(ahead)


def clawback_frame(
    data: HouseholdData, months: pl.DataFrame, years: pl.DataFrame, projection: dict[str, Any]
) -> tuple[pl.DataFrame, list[str]]:
    """Expected clawbacks (:data:`entitlement.clawback.CLAWBACK_SCHEMA`) and notes for the
    toeslagen whose definitive amount cannot be computed."""
    notes: list[str] = []
    inputs: list[dict[str, Any]] = []
    as_of = clawback_as_of(data)
    profile = data.profiles.get(dt.date(data.year, 12, 1)) or next(
        (p for p in data.profiles.values() if p is not None), None
    )
    for year_row in years.iter_rows(named=True):
        regeling = str(year_row["regeling"])
        if regeling not in TOESLAGEN:
            continue
        found = _advances(data, regeling, months.filter(pl.col("regeling") == regeling))
        if found is None:
            continue
        advances, per_month, partner, extrapolated = found
        if not year_row["complete"]:
            notes.append(
                f"{regeling_name(regeling)}: geen verwachte terugbetaling te berekenen, "
                "want het definitieve bedrag is niet voor elke maand te berekenen (zie hhb explain)"
            )
            continue
        if partner is None:
            partner = profile.has_partner(as_of) if profile is not None else False
        inputs.append(
            {
                "household": data.code,
                "regeling": regeling,
                "year": data.year,
                "advances_cents": advances,
                "advance_month_cents": per_month,
                "definitive_cents": int(year_row["expected_year_cents"]),
                "with_partner": partner,
                "is_estimate": bool(projection.get("is_estimate")) or extrapolated,
                "as_of": as_of,
            }
        )
    if not inputs:
        return pl.DataFrame(schema=CLAWBACK_SCHEMA), notes
    frame = pl.DataFrame(inputs, schema=CLAWBACK_INPUT_SCHEMA, orient="row")
    return expected_clawbacks(frame), notes


def reclaim_reservations(clawbacks: pl.DataFrame) -> pl.DataFrame:
    """(a) per expected reclaim: the months until it can fall due and the reservation per month."""
    due = clawbacks.filter(pl.col("to_pay_cents") > 0)
    frame = due.select(
        "household",
        pl.concat_str(
            pl.lit("terugbetaling "),
            regeling_name_expr(pl.col("regeling")),
            pl.lit(" "),
            pl.col("year").cast(pl.String),
        ).alias("label"),
        pl.col("to_pay_cents").alias("amount_cents"),
        pl.col("due_earliest").alias("due_month"),
        "as_of",
    ).select([pl.col(n).cast(t) for n, t in RESERVATION_INPUT_SCHEMA.items()])
    return reservations(frame)


SHORTFALL_SCHEMA: Final[dict[str, pl.DataType | type[pl.DataType]]] = {
    "household": pl.String,
    "month": pl.Date,
    "expected_cents": pl.Int64,
    "low_cents": pl.Int64,
    "target_cents": pl.Int64,
    "below_zero": pl.Boolean,
    "below_target": pl.Boolean,
    "shortfall_cents": pl.Int64,
    "explanation": pl.String,
}
"""(b) one row per forecast month whose expected balance ends below zero or below the target;
``shortfall_cents`` is what is needed to reach the higher of the two (zero and the target)."""


def balance_shortfalls(forecast_months: pl.DataFrame, target_cents: int) -> pl.DataFrame:
    """(b) from :data:`budget.forecast.FORECAST_SCHEMA` rows with a known balance."""
    limit = max(0, target_cents)
    rows = forecast_months.filter(pl.col("expected_cents").is_not_null()).with_columns(
        pl.lit(target_cents, pl.Int64).alias("target_cents"),
        (pl.col("expected_cents") < 0).alias("below_zero"),
        (pl.col("expected_cents") < target_cents).alias("below_target"),
        (pl.lit(limit) - pl.col("expected_cents")).clip(lower_bound=0).alias("shortfall_cents"),
    )
    rows = rows.filter(pl.col("below_zero") | pl.col("below_target"))
    text = pl.concat_str(
        pl.lit("Eind "), month_expr(pl.col("month")), pl.lit(" is het verwachte saldo "),
        euro_expr(pl.col("expected_cents")),
        pl.when(pl.col("below_zero")).then(pl.lit(", onder nul"))
        .otherwise(pl.lit(", onder de buffer van ")),
        pl.when(pl.col("below_zero")).then(pl.lit("")).otherwise(euro_expr(pl.col("target_cents"))),
        pl.lit(": er is "), euro_expr(pl.col("shortfall_cents")), pl.lit(" tekort om "),
        pl.when(pl.lit(limit > 0)).then(pl.concat_str(pl.lit("de buffer van "),
                                                      euro_expr(pl.col("target_cents"))))
        .otherwise(pl.lit("nul")),
        pl.lit(" te halen."),
    )  # fmt: skip
    out = rows.with_columns(text.alias("explanation"))
    return out.select([pl.col(n).cast(t) for n, t in SHORTFALL_SCHEMA.items()])
