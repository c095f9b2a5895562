"""The Virtueel Inkomsten Loket for one household and year: every outcome in one call.

Assembles the engine input (:mod:`entitlement.household`), runs every regeling through the
engine once, and derives from that one evaluated frame the month and year outcomes and the
missed regelingen (:mod:`entitlement.outcomes`), the expected clawbacks and the buffer periods
(:mod:`entitlement.outcome_money`). The balance forecast and the buffer duration come from the
budget side and are read by the caller (the command), so this stays free of the command layer.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

import polars as pl

from entitlement.household import Coverage, HouseholdData, input_frame
from entitlement.outcome_money import (
    SHORTFALL_SCHEMA,
    balance_shortfalls,
    clawback_frame,
    reclaim_reservations,
)
from entitlement.outcomes import missed, month_outcomes, year_outcomes
from entitlement.rules.engine import evaluate
from entitlement.rules.registry import Rules, default_rules


@dataclass(frozen=True)
class BalanceOutlook:
    """What the budget side knows about the balance: the forecast months
    (:data:`budget.forecast.FORECAST_SCHEMA`), the buffer target and (c) the buffer duration
    (:data:`entitlement.buffer.BUFFER_SCHEMA`, empty when no balance is known)."""

    forecast_months: pl.DataFrame
    target_cents: int
    duration: pl.DataFrame


@dataclass(frozen=True)
class Outcomes:
    household: str
    year: int
    coverage: Coverage
    projection: dict[str, Any]
    evaluated: pl.DataFrame
    months: pl.DataFrame
    years: pl.DataFrame
    missed: pl.DataFrame
    clawbacks: pl.DataFrame
    reservations: pl.DataFrame
    shortfalls: pl.DataFrame
    duration: pl.DataFrame | None
    notes: tuple[str, ...] = field(default=())


def household_outcomes(
    data: HouseholdData,
    rules: Rules | None = None,
    *,
    outlook: BalanceOutlook | None = None,
    net_change: dict[dt.date, int] | None = None,
    gross_change: dict[dt.date, int] | None = None,
) -> Outcomes:
    """All outcomes of ``data``'s household and year (``*_change``: a what-if, see
    :mod:`entitlement.whatif`)."""
    rules = rules or default_rules()
    frame, proj = input_frame(data, net_change=net_change, gross_change=gross_change)
    evaluated = evaluate(frame, rules)
    months = month_outcomes(evaluated, data, rules)
    years = year_outcomes(months, rules, data.year)
    clawbacks, notes = clawback_frame(data, months, years, proj)
    shortfalls = pl.DataFrame(schema=SHORTFALL_SCHEMA)
    if outlook is not None:
        shortfalls = balance_shortfalls(outlook.forecast_months, outlook.target_cents)
    problem = proj.get("problem")
    extra = [f"toetsingsinkomen niet te berekenen: {problem}"] if problem else []
    return Outcomes(
        household=data.code,
        year=data.year,
        coverage=data.coverage,
        projection=proj,
        evaluated=evaluated,
        months=months,
        years=years,
        missed=missed(years, rules),
        clawbacks=clawbacks,
        reservations=reclaim_reservations(clawbacks),
        shortfalls=shortfalls,
        duration=outlook.duration if outlook is not None else None,
        notes=(*data.notes, *extra, *notes),
    )
