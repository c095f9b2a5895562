"""What-if: the same outcomes when the monthly income changes from a chosen month on.

A new job, fewer hours, a benefit that ends: the coach gives the change per month as the
household would see it on the bank (net), from a month on. Two income inputs move with it:

* **netto_inkomen_maand** (the bijstand top-up, kwijtschelding): + the change in every month
  from the chosen month (never below zero);
* **toetsingsinkomen_jaar** (toeslagen): + the *gross* change times the months of the year from
  the chosen month on. The gross change is estimated with that year's wage tax tables
  (:func:`entitlement.tax.gross_from_net`): the gross that gives the household's recent net level
  plus the change, minus the gross that gives the recent level, as labour income with the tax
  credits applied (a new job or more hours; for a benefit the difference is the same but for the
  arbeidskorting). With ``gross=True`` the change is taken as gross as given and not estimated.
  Holiday allowance on the change is not added.

Everything else (profile, received money, decisions) stays as it is, so the difference per
regeling is the effect of the change alone.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Final

import numpy as np
import polars as pl

from entitlement.household import RECENT_MONTHS, HouseholdData, median_cents, year_months
from entitlement.loket import BalanceOutlook, Outcomes, household_outcomes
from entitlement.money_text import month_text
from entitlement.rules.registry import Rules, default_rules
from entitlement.tax import TaxKind, gross_from_net
from entitlement.tax_params import TaxParameterMissing, load_tax_year
from ingest.amounts import format_euro

WHATIF_KIND: Final = TaxKind(aow=False, labour=True, credits=True)


class WhatIfError(ValueError):
    """The change cannot be computed (Dutch message for the user)."""


@dataclass(frozen=True)
class IncomeChange:
    from_month: dt.date
    cents: int
    gross: bool = False


def recent_net_level(data: HouseholdData) -> int:
    covered = data.monthly.filter(pl.col("month") <= data.as_of).sort("month")
    values = [int(v) for v in covered["net_cents"].tail(RECENT_MONTHS).to_list()]
    return median_cents(values) if values else 0


def gross_change(data: HouseholdData, change: IncomeChange) -> tuple[int, str]:
    """The monthly gross change and how it was found."""
    sign = format_euro(change.cents, sign=True)
    if change.gross:
        return change.cents, f"bruto {sign} per maand (opgegeven als bruto)"
    try:
        params = load_tax_year(data.year)
    except TaxParameterMissing as exc:
        raise WhatIfError(f"bruto niet te schatten: {exc}") from None
    missing = params.missing(aow=False, labour=True, credits=True)
    if missing is not None:
        raise WhatIfError(f"bruto niet te schatten: {missing}")
    base = recent_net_level(data)
    new = max(0, base + change.cents)
    gross = gross_from_net(np.array([base, new], dtype=np.int64), params, WHATIF_KIND)
    delta = int(gross[1]) - int(gross[0])
    text = (
        f"netto {sign} per maand; bij het recente netto niveau van {format_euro(base)} is dat "
        f"bruto ongeveer {format_euro(delta, sign=True)} per maand (schatting met de "
        f"loonheffingstabellen {data.year}, als loon met heffingskortingen)"
    )
    return delta, text


@dataclass(frozen=True)
class WhatIf:
    change: IncomeChange
    gross_cents: int
    explanation: str
    base: Outcomes
    changed: Outcomes
    per_regeling: pl.DataFrame
    per_month: pl.DataFrame
    clawbacks: pl.DataFrame


def whatif(
    data: HouseholdData,
    change: IncomeChange,
    rules: Rules | None = None,
    *,
    outlook: BalanceOutlook | None = None,
) -> WhatIf:
    """Outcomes without and with ``change``, and the difference per regeling and month."""
    rules = rules or default_rules()
    start = change.from_month.replace(day=1)
    months = [m for m in year_months(data.year) if m >= start]
    if not months:
        raise WhatIfError(
            f"{month_text(start)} ligt na {data.year}: kies een maand in of voor {data.year}"
        )
    gross, text = gross_change(data, change)
    net_by_month = dict.fromkeys(months, change.cents)
    gross_by_month = dict.fromkeys(months, gross)
    base = household_outcomes(data, rules, outlook=outlook)
    changed = household_outcomes(
        data, rules, outlook=outlook, net_change=net_by_month, gross_change=gross_by_month
    )
    keys = ["household", "month", "regeling"]
    per_month = (
        base.months.select(*keys, "engine_status", "expected_cents")
        .join(
            changed.months.select(*keys, "engine_status", "expected_cents"),
            on=keys,
            suffix="_new",
        )
        .with_columns(
            (pl.col("expected_cents_new") - pl.col("expected_cents")).alias("difference_cents")
        )
    )
    per_regeling = (
        base.years.select("regeling", "title", "expected_year_cents", "months_recht")
        .join(
            changed.years.select("regeling", "expected_year_cents", "months_recht"),
            on="regeling",
            suffix="_new",
        )
        .with_columns(
            (pl.col("expected_year_cents_new") - pl.col("expected_year_cents")).alias(
                "difference_cents"
            )
        )
    )
    claw_cols = ["regeling", "year", "to_pay_cents", "back_payment_cents"]
    clawbacks = base.clawbacks.select(claw_cols).join(
        changed.clawbacks.select(claw_cols),
        on=["regeling", "year"],
        how="full",
        suffix="_new",
        coalesce=True,
    )
    return WhatIf(change, gross, text, base, changed, per_regeling, per_month, clawbacks)
