"""The loket's month and year outcomes for many households at once, from one evaluated frame.

:func:`entitlement.loket.household_outcomes` runs one household through the engine and derives
its outcomes row by row in Python (:func:`entitlement.outcomes.month_outcomes`, with a Dutch
reason text per month): right for one household on screen, hours for 100 000 in the facts.
Here the engine inputs of a chunk of households (read and stacked by
:mod:`entitlement.batch_inputs`) are evaluated in one engine run, and the
same statuses and totals are derived with polars expressions over households x months x
regelingen. The rules are those of :mod:`entitlement.outcomes` (payment units, windows, the
slack of :data:`~entitlement.outcomes.STATEMENT_SLACK_DAYS`, :func:`~entitlement.outcomes.judge`'s
tolerance, the attribution of a quarter's bank payment); only the reason *texts* are left out
(``reasons`` holds the codes), because no aggregate reads them. ``tests/reports`` checks that
every month and year row equals the per-household path.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Final

import polars as pl

from entitlement.batch_inputs import chunk_inputs
from entitlement.household import HouseholdData
from entitlement.outcomes import (
    ENGINE_STATUS,
    INVISIBLE,
    JUDGED,
    MONTHS_SCHEMA,
    STATEMENT_SLACK_DAYS,
    TOLERANCE_CENTS,
    TOLERANCE_PCT,
    YEAR_SCHEMA,
    PaymentStatus,
    window,
)
from entitlement.payment_window import RECEIVED_AS
from entitlement.received import RECEIVED_SCHEMA
from entitlement.rules.engine import Outcome, column, evaluate, reason_codes
from entitlement.rules.frames import used_inputs
from entitlement.rules.inputs import MONTH_COLUMN
from entitlement.rules.model import Payment, Regeling
from entitlement.rules.registry import Rules

BATCH_MONTHS_SCHEMA: Final = {k: v for k, v in MONTHS_SCHEMA.items() if k != "reason_texts"}
""":data:`entitlement.outcomes.MONTHS_SCHEMA` without the Dutch reason texts."""

COVERAGE_SCHEMA: Final[dict[str, pl.DataType | type[pl.DataType]]] = {
    "household": pl.String,
    "first_day": pl.Date,
    "last_day": pl.Date,
}


@dataclass(frozen=True)
class ChunkEvaluation:
    """The engine run of a chunk: the evaluated frame (households x the year's months) and the
    projection per household (:func:`entitlement.household.projection`)."""

    evaluated: pl.DataFrame
    projections: dict[str, dict[str, Any]]


def evaluate_chunk(datas: Sequence[HouseholdData], rules: Rules) -> ChunkEvaluation:
    """The engine inputs of every household stacked, and one engine run over them."""
    if not datas:
        return ChunkEvaluation(pl.DataFrame(), {})
    frame, projected = chunk_inputs(datas)
    return ChunkEvaluation(evaluate(frame, rules), projected)


def _unit_start(payment: Payment) -> pl.Expr:
    month = pl.col(MONTH_COLUMN)
    if payment is Payment.PER_KWARTAAL:
        quarter_month = (month.dt.month() - 1) // 3 * 3 + 1
        return pl.date(month.dt.year(), quarter_month, 1)
    if payment is Payment.EENMALIG_PER_JAAR:
        return pl.date(month.dt.year(), 1, 1)
    return month


def _unit_label(payment: Payment) -> pl.Expr:
    start = pl.col("unit_start")
    if payment is Payment.PER_KWARTAAL:
        quarter = ((start.dt.month() - 1) // 3 + 1).cast(pl.String)
        return pl.concat_str(start.dt.year().cast(pl.String), pl.lit("-K"), quarter)
    if payment is Payment.EENMALIG_PER_JAAR:
        return start.dt.year().cast(pl.String)
    return start.dt.strftime("%Y-%m")


def _estimate_expr(regeling: Regeling) -> pl.Expr:
    """:func:`entitlement.outcomes._estimate` as an expression."""
    used = used_inputs(regeling)
    out = pl.lit(False)
    if "toetsingsinkomen_jaar" in used:
        out = out | pl.col("toetsingsinkomen_is_schatting").fill_null(False)
    if "netto_inkomen_maand" in used:
        out = out | pl.col("netto_is_schatting").fill_null(False)
    return out


def _regeling_months(evaluated: pl.DataFrame, regeling: Regeling) -> pl.DataFrame:
    """One regeling's month rows: engine status, expected amount and the unit they belong to."""
    name = regeling.name
    status = pl.col(column(name, "status")).cast(pl.String)
    recht = status == Outcome.RECHT.value
    expected = (
        pl.when(status == Outcome.NIET_BEREKEND.value)
        .then(None)
        .when(~recht)
        .then(0)
        .otherwise(pl.col(column(name, "bedrag_maand_cents")).fill_null(0))
        .cast(pl.Int64)
    )
    year_amount = (
        pl.when(recht).then(pl.col(column(name, "bedrag_jaar_cents")).fill_null(0)).otherwise(None)
        if regeling.payment is Payment.EENMALIG_PER_JAAR
        else pl.lit(None, pl.Int64)
    )
    return evaluated.select(
        pl.col("household").cast(pl.String),
        pl.col(MONTH_COLUMN).alias("month"),
        pl.lit(name).alias("regeling"),
        status.alias("engine_status"),
        pl.col(column(name, "recht")).cast(pl.Boolean).alias("recht"),
        reason_codes(evaluated, regeling).alias("reasons"),
        expected.alias("expected_cents"),
        year_amount.cast(pl.Int64).alias("year_amount"),
        _estimate_expr(regeling).alias("is_estimate"),
        _unit_start(regeling.payment).alias("unit_start"),
    ).with_columns(_unit_label(regeling.payment).alias("unit"))


def _received(received: pl.DataFrame, regeling: Regeling) -> pl.DataFrame:
    """Received cents per household and attributed month of one regeling
    (:func:`entitlement.outcomes.received_by_unit` over many households)."""
    name = RECEIVED_AS.get(regeling.name, regeling.name)
    rows = received.filter(pl.col("regeling") == name)
    month = pl.col("period_month")
    if regeling.payment is Payment.PER_KWARTAAL:
        bank = pl.col("source").cast(pl.String) == "bank"
        month = pl.when(bank).then(month.dt.offset_by("-1mo")).otherwise(month)
    return rows.select(
        pl.col("household"), month.alias("month"), pl.col("received_cents").cast(pl.Int64)
    )


def _windows(starts: pl.Series, payment: Payment) -> pl.DataFrame:
    """First and last day of the payment window per unit start (few distinct starts)."""
    unique = [d for d in starts.unique().to_list() if d is not None]
    spans = [window(d, payment) for d in unique]
    return pl.DataFrame(
        {
            "unit_start": unique,
            "window_first": [s[0] for s in spans],
            "window_last": [s[1] for s in spans],
        },
        schema={"unit_start": pl.Date, "window_first": pl.Date, "window_last": pl.Date},
    )


def _judge(expected: pl.Expr, received: pl.Expr) -> pl.Expr:
    """:func:`entitlement.outcomes.judge` as an expression."""
    tolerance = pl.max_horizontal(pl.lit(TOLERANCE_CENTS), expected * TOLERANCE_PCT // 100)
    return (
        pl.when(received <= 0)
        .then(pl.lit(PaymentStatus.GEMIST.value))
        .when(received < expected - tolerance)
        .then(pl.lit(PaymentStatus.DEELS.value))
        .otherwise(pl.lit(PaymentStatus.ONTVANGEN.value))
    )


def coverage_frame(datas: Sequence[HouseholdData]) -> pl.DataFrame:
    return pl.DataFrame(
        {
            "household": [d.code for d in datas],
            "first_day": [d.coverage.first_day for d in datas],
            "last_day": [d.coverage.last_day for d in datas],
        },
        schema=COVERAGE_SCHEMA,
    )


def received_frame(datas: Sequence[HouseholdData]) -> pl.DataFrame:
    frames = [d.received.select(list(RECEIVED_SCHEMA)) for d in datas if d.received.height]
    if not frames:
        return pl.DataFrame(schema=RECEIVED_SCHEMA)
    return pl.concat([f.cast(RECEIVED_SCHEMA) for f in frames])  # type: ignore[arg-type]


def batch_month_outcomes(
    evaluated: pl.DataFrame, coverage: pl.DataFrame, received: pl.DataFrame, rules: Rules
) -> pl.DataFrame:
    """:func:`entitlement.outcomes.month_outcomes` for every household of ``evaluated`` at once
    (:data:`BATCH_MONTHS_SCHEMA`: without the reason texts). ``coverage``:
    :data:`COVERAGE_SCHEMA`; ``received``: :data:`entitlement.received.RECEIVED_SCHEMA` rows of
    these households."""
    parts: list[pl.DataFrame] = []
    for name in sorted(rules):
        regeling = rules[name]
        months = _regeling_months(evaluated, regeling)
        got = _received(received, regeling)
        per_month = got.group_by("household", "month").agg(
            pl.col("received_cents").sum().alias("received_month")
        )
        per_unit = (
            got.with_columns(_unit_start(regeling.payment).alias("unit_start"))
            .group_by("household", "unit_start")
            .agg(pl.col("received_cents").sum().alias("unit_received_cents"))
        )
        unit_expected = (
            pl.col("year_amount").max().fill_null(0)
            if regeling.payment is Payment.EENMALIG_PER_JAAR
            else pl.col("expected_cents").fill_null(0).sum()
        )
        units = (
            months.group_by("household", "unit_start")
            .agg(unit_expected.cast(pl.Int64).alias("unit_expected_cents"))
            .join(per_unit, on=["household", "unit_start"], how="left")
            .with_columns(pl.col("unit_received_cents").fill_null(0))
            .join(_windows(months["unit_start"], regeling.payment), on="unit_start", how="left")
            .join(coverage, on="household", how="left")
            .with_columns(
                early=pl.col("first_day")
                > pl.col("window_first") + pl.duration(days=STATEMENT_SLACK_DAYS),
            )
            .with_columns(judged=~pl.col("early") & (pl.col("last_day") >= pl.col("window_last")))
        )
        expected, got_unit = pl.col("unit_expected_cents"), pl.col("unit_received_cents")
        judged = _judge(expected, got_unit)
        already = (got_unit > 0) & (judged == PaymentStatus.ONTVANGEN.value)
        engine = pl.col("engine_status")
        not_recht = pl.when(engine != Outcome.RECHT.value).then(
            engine.replace_strict(
                {o.value: s.value for o, s in ENGINE_STATUS.items()}, default=None
            )
        )
        status: pl.Expr
        if name in INVISIBLE:
            status = not_recht.otherwise(pl.lit(PaymentStatus.NIET_ZICHTBAAR.value))
        else:
            status = (
                not_recht.when((pl.col("early") | ~pl.col("judged")) & ~already)
                .then(
                    pl.when(pl.col("early"))
                    .then(pl.lit(PaymentStatus.GEEN_AFSCHRIFTEN.value))
                    .otherwise(pl.lit(PaymentStatus.NOG_NIET.value))
                )
                .otherwise(judged)
            )
        out = (
            months.join(units, on=["household", "unit_start"], how="left", maintain_order="left")
            .join(per_month, on=["household", "month"], how="left", maintain_order="left")
            .with_columns(
                pl.col("received_month").fill_null(0).alias("received_cents"),
                status.alias("status"),
            )
        )
        parts.append(out.select([pl.col(c).cast(t) for c, t in BATCH_MONTHS_SCHEMA.items()]))
    if not parts:
        return pl.DataFrame(schema=BATCH_MONTHS_SCHEMA)
    return pl.concat(parts).sort("household", "regeling", "month", maintain_order=True)


def batch_year_outcomes(months: pl.DataFrame, rules: Rules, year: int) -> pl.DataFrame:
    """:func:`entitlement.outcomes.year_outcomes` over many households (:data:`YEAR_SCHEMA`)."""
    keys = ["household", "regeling"]
    per_month = months.group_by(keys, maintain_order=True).agg(
        months_recht=(pl.col("engine_status") == Outcome.RECHT.value).sum(),
        months_niet_berekend=(pl.col("engine_status") == Outcome.NIET_BEREKEND.value).sum(),
        complete=pl.col("expected_cents").is_not_null().all(),
        is_estimate=pl.col("is_estimate").any(),
        statuses=pl.col("status").unique(maintain_order=True),
    )
    units = (
        months.unique([*keys, "unit"], keep="first", maintain_order=True)
        .group_by(keys)
        .agg(
            expected_year_cents=pl.col("unit_expected_cents").sum(),
            received_year_cents=pl.col("unit_received_cents").sum(),
        )
    )
    judged = (
        months.filter(pl.col("status").is_in(JUDGED))
        .unique([*keys, "unit"], keep="first", maintain_order=True)
        .group_by(keys)
        .agg(
            judged_units=pl.len(),
            received_judged_cents=pl.col("unit_received_cents").sum(),
        )
    )
    titles = pl.DataFrame(
        {"regeling": list(rules), "title": [rules[n].title for n in rules]},
        schema={"regeling": pl.String, "title": pl.String},
    )
    out = (
        per_month.join(units, on=keys, how="left", maintain_order="left")
        .join(judged, on=keys, how="left", maintain_order="left")
        .join(titles, on="regeling", how="left", maintain_order="left")
        .with_columns(
            pl.lit(year).alias("year"),
            pl.col("judged_units").fill_null(0),
            pl.col("received_judged_cents").fill_null(0),
        )
    )
    return out.select([pl.col(c).cast(t) for c, t in YEAR_SCHEMA.items()])
