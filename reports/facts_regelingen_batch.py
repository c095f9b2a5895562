"""The regeling facts and income against the social minimum for a chunk of households at once.

:func:`reports.facts_regelingen.fill_regelingen` reads each household from the store
(:func:`entitlement.household.load_household`, as ``hhb entitlements`` does), and then, per
chunk of :data:`CHUNK` households, runs the engine once (:func:`entitlement.batch.evaluate_chunk`)
and derives the loket's month and year outcomes for all of them with polars
(:mod:`entitlement.batch`). From those this module derives the facts columns the way
:func:`reports.facts_regelingen.household_row` does for one household
(:func:`regeling_values` is ``_regeling_values`` over a frame); the expected clawback is
:func:`entitlement.outcome_money.clawback_frame` per household on the batch outcomes.

``income_pct_social_minimum``: the household's net income of the year (``net_income_year_cents``
of the facts, only with 12 months of statements, like the income table) as a percentage of the
year's bijstandsnorm: the step ``norm`` of the bijstand rule (``entitlement/regelingen/
bijstand.yaml``: leefvorm, kostendelers, AOW age; inclusive of vakantietoeslag) summed over the
twelve months of the year with each month's own situation and parameters. When a month's norm
cannot be computed (a parameter not found, e.g. the AOW norms of 2024 or the youth norms, or no
profile) the percentage is unknown (null), never estimated.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Final

import polars as pl

from entitlement.batch import (
    batch_month_outcomes,
    batch_year_outcomes,
    coverage_frame,
    evaluate_chunk,
    received_frame,
)
from entitlement.household import HouseholdData
from entitlement.outcome_money import clawback_frame
from entitlement.outcomes import MISSED_SCHEMA, YEAR_SCHEMA, missed
from entitlement.received import TOESLAGEN, latest_decisions
from entitlement.rules.engine import column
from entitlement.rules.registry import Rules
from reports.facts import FACTS_SCHEMA, REGELING_FIELDS, Regeling, regeling_column

CHUNK: Final = 500
"""Households per engine run: enough to amortise the engine's fixed cost, small enough that a
chunk's frames stay a few hundred MB."""

SOCIAL_MINIMUM_RULE: Final = "bijstand"
SOCIAL_MINIMUM_STEP: Final = "norm"
SOCIAL_MINIMUM_SOURCE: Final = (
    "netto inkomen per jaar (geclassificeerde transacties, alleen met 12 maanden gegevens) als "
    "percentage van de bijstandsnorm van het huishouden: stap 'norm' van "
    "entitlement/regelingen/bijstand.yaml (Participatiewet art 20-22a, leefvorm, kostendelers, "
    "AOW-leeftijd), per maand van het jaar opgeteld; onbekend als de norm niet voor elke maand "
    "te berekenen is"
)


def _rule_name_expr(regeling: Regeling, rules: Rules) -> pl.Expr:
    """:func:`reports.facts_regelingen.rule_name`, null where the rules lack it."""
    if regeling is Regeling.IIT:
        name = pl.concat_str(pl.lit("iit_"), pl.col("municipality").str.to_lowercase())
    else:
        name = pl.lit(regeling.value)
    return pl.when(name.is_in(list(rules))).then(name).otherwise(pl.lit(None, pl.String))


def regeling_values(
    keys: pl.DataFrame,
    years: pl.DataFrame,
    missed_rows: pl.DataFrame,
    rules: Rules,
    invisible: frozenset[Regeling],
    hidden_fields: Sequence[str],
) -> pl.DataFrame:
    """Per row of ``keys`` (household, year, municipality) the regeling facts: eligible,
    entitled, receiving, received and missed per :class:`Regeling` (see
    :mod:`reports.facts_regelingen`); ``invisible`` regelingen leave out ``hidden_fields``."""
    year_cols = years.select(
        "household",
        "regeling",
        "months_recht",
        "months_niet_berekend",
        "expected_year_cents",
        "received_year_cents",
        "complete",
    )
    gemist = missed_rows.select(
        "household",
        "regeling",
        pl.col("expected_year_cents").alias("gemist_cents"),
        pl.lit(True).alias("gemist"),
    )
    out = keys.select("household", "year")
    for regeling in Regeling:
        found = (
            keys.select("household", _rule_name_expr(regeling, rules).alias("regeling"))
            .join(year_cols, on=["household", "regeling"], how="left", maintain_order="left")
            .join(gemist, on=["household", "regeling"], how="left", maintain_order="left")
        )
        recht, unknown = pl.col("months_recht"), pl.col("months_niet_berekend")
        visible = regeling not in invisible
        values = found.with_columns(
            eligible=pl.when(recht > 0).then(True).when(unknown == 0).then(False).otherwise(None),
            entitled_year_cents=pl.when(pl.col("complete"))
            .then(pl.col("expected_year_cents"))
            .otherwise(None),
            receiving=(pl.col("received_year_cents") > 0) if visible else pl.lit(None, pl.Boolean),
        ).with_columns(
            missed=pl.when(pl.col("gemist").fill_null(False))
            .then(True)
            .when(pl.col("eligible").eq_missing(False) | pl.col("receiving").eq_missing(True))
            .then(False)
            .otherwise(None)
        )
        values = values.with_columns(
            missed_year_cents=pl.when(pl.col("missed"))
            .then(pl.col("gemist_cents"))
            .when(~pl.col("missed"))
            .then(0)
            .otherwise(None)
        )
        hidden = hidden_fields if not visible else ()
        out = out.with_columns(
            values[f]
            .cast(FACTS_SCHEMA[regeling_column(regeling, f)])
            .alias(regeling_column(regeling, f))
            for f, _ in REGELING_FIELDS
            if f not in hidden
        )
    return out


def social_minimum_pct(evaluated: pl.DataFrame, facts: pl.DataFrame, rules: Rules) -> pl.DataFrame:
    """``income_pct_social_minimum`` per household of ``facts`` (household, year,
    net_income_year_cents, months_observed) from the bijstand norm in ``evaluated``."""
    keys = facts.select("household", "year")
    step = column(SOCIAL_MINIMUM_RULE, SOCIAL_MINIMUM_STEP)
    if SOCIAL_MINIMUM_RULE not in rules or step not in evaluated.columns:
        return keys.with_columns(pl.lit(None, pl.Int32).alias("income_pct_social_minimum"))
    norms = (
        evaluated.select(
            pl.col("household").cast(pl.String),
            (pl.col(step) * 100).round().cast(pl.Int64).alias("norm_cents"),
        )
        .group_by("household")
        .agg(
            norm_year=pl.col("norm_cents").sum(),
            months=pl.len(),
            known=pl.col("norm_cents").is_not_null().all(),
        )
    )
    joined = facts.join(norms, on="household", how="left", maintain_order="left")
    income, norm = pl.col("net_income_year_cents"), pl.col("norm_year")
    ok = (
        pl.col("known").fill_null(False)
        & (pl.col("months") == 12)
        & (norm > 0)
        & (pl.col("months_observed") == 12)
        & income.is_not_null()
    )
    pct = (income * 200 + norm) // (norm * 2)  # 100 * income / norm, rounded half up
    return joined.select(
        "household",
        "year",
        pl.when(ok).then(pct).otherwise(None).cast(pl.Int32).alias("income_pct_social_minimum"),
    )


def clawback_total(
    year: int,
    months: pl.DataFrame,
    years: pl.DataFrame,
    clawbacks: pl.DataFrame,
    decisions: pl.DataFrame,
) -> int | None:
    """The sum the loket expects to be reclaimed for one household, or None when a toeslag with
    voorschotten could not be assessed (the loket skips it with a note)."""
    decided = set(latest_decisions(decisions).filter(pl.col("year") == year)["regeling"].to_list())
    received = months.group_by("regeling").agg(pl.col("received_cents").sum())
    paid = {r for r, c in received.iter_rows() if c and c > 0}
    for row in years.iter_rows(named=True):
        name = row["regeling"]
        if name in TOESLAGEN and not row["complete"] and (name in decided or name in paid):
            return None
    to_pay = clawbacks["to_pay_cents"]
    if to_pay.null_count():
        return None
    return int(to_pay.sum())


def clawback_totals(
    datas: Sequence[HouseholdData],
    months: pl.DataFrame,
    years: pl.DataFrame,
    projections: dict[str, dict[str, object]],
) -> dict[str, int | None]:
    """The expected clawback per household (:func:`clawback_total` on the batch outcomes)."""
    toeslag = pl.col("regeling").is_in(list(TOESLAGEN))
    # Without a toeslag decision for the year and without any toeslag money there are no
    # voorschotten: nothing to net, clawback_frame finds no row and the total is 0.
    decided = [d.decisions for d in datas if d.decisions.height]
    decided_codes = (
        set(
            pl.concat(decided)
            .filter(toeslag & (pl.col("year") == datas[0].year))["household"]
            .to_list()
        )
        if decided and datas
        else set()
    )
    paid_codes = set(months.filter(toeslag & (pl.col("received_cents") != 0))["household"])
    needed = decided_codes | paid_codes
    month_parts = months.filter(toeslag).partition_by("household", as_dict=True)
    year_parts = years.filter(toeslag).partition_by("household", as_dict=True)
    empty_months, empty_years = months.clear(), years.clear()
    out: dict[str, int | None] = {}
    for data in datas:
        if data.code not in needed:
            out[data.code] = 0
            continue
        m = month_parts.get((data.code,), empty_months)
        y = year_parts.get((data.code,), empty_years)
        clawbacks, _notes = clawback_frame(data, m, y, projections[data.code])
        out[data.code] = clawback_total(data.year, m, y, clawbacks, data.decisions)
    return out


def chunk_update(
    facts: pl.DataFrame,
    datas: Sequence[HouseholdData],
    rules: Rules,
    invisible: frozenset[Regeling],
    hidden_fields: Sequence[str],
) -> pl.DataFrame:
    """The regeling columns, expected clawback and income against the social minimum of the
    facts rows ``facts`` (household, year, municipality, net_income_year_cents,
    months_observed); ``datas``: the loaded households among them (the others stay null)."""
    keys = facts.select("household", "year", "municipality")
    run = evaluate_chunk(datas, rules)
    if not datas:
        values = regeling_values(
            keys,
            pl.DataFrame(schema=YEAR_SCHEMA),
            pl.DataFrame(schema=MISSED_SCHEMA),
            rules,
            invisible,
            hidden_fields,
        )
        return values.with_columns(
            pl.lit(None, pl.Int64).alias("expected_clawback_cents"),
            pl.lit(None, pl.Int32).alias("income_pct_social_minimum"),
        )
    year = datas[0].year
    months = batch_month_outcomes(
        run.evaluated, coverage_frame(datas), received_frame(datas), rules
    )
    years = batch_year_outcomes(months, rules, year)
    values = regeling_values(keys, years, missed(years, rules), rules, invisible, hidden_fields)
    totals = clawback_totals(datas, months, years, run.projections)
    clawback = pl.Series(
        "expected_clawback_cents", [totals.get(h) for h in keys["household"]], dtype=pl.Int64
    )
    pct = social_minimum_pct(run.evaluated, facts, rules)
    return values.with_columns(clawback).join(
        pct, on=["household", "year"], how="left", maintain_order="left"
    )
