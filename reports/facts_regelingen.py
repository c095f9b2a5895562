"""The right to regelingen, niet-gebruik and expected clawbacks in the household facts.

Per household and year the facts hold what ``hhb entitlements --household H --year YYYY`` says
(:func:`entitlement.loket.household_outcomes`, the same call, the same rules), per regeling of
:class:`reports.facts.Regeling`:

- ``eligible``: entitled in at least one month (*ja*); in no month while every month could be
  computed (*nee*); otherwise unknown (null): the months that could not be computed might hold
  a right.
- ``receiving`` / ``received_year_cents``: money of it arrived for the year (the loket's
  ``received_year_cents``, attributed to the period it is for, not the booking date).
  Kwijtschelding is a waiver and never on a bank statement: it stays "niet beschikbaar".
- ``missed``: the regeling is in the loket's *gemist* list (entitled in a month the statements
  can judge, nothing received for the year, at least € 50 a year); *nee* when not entitled or
  receiving; unknown when entitled and nothing received but the loket does not call it missed
  (the statements do not yet cover its payment, or less than € 50 a year).
- ``entitled_year_cents``: the expected amount of the year, only when every month could be
  computed (a partial sum is not the year's amount); ``missed_year_cents``: the loket's yearly
  amount of a missed regeling, 0 when not missed, unknown when ``missed`` is.
- ``expected_clawback_cents``: what the loket expects to be reclaimed over all toeslagen of the
  year (0: nothing, including no voorschot at all); unknown when a toeslag with voorschotten
  cannot be assessed because its definitive amount is not known for every month.

The individuele inkomenstoeslag is a regeling per municipality: the household's own (``iit_`` and
the municipality code); a municipality without an IIT in the rules leaves it unknown.

``income_pct_social_minimum``: net income of the year against the bijstandsnorm of the
household's situation (:mod:`reports.facts_regelingen_batch`).

:func:`fill_regelingen` reads every household from the store one by one, runs the engine once per
chunk of households and derives the values for the chunk at once
(:mod:`reports.facts_regelingen_batch`, :mod:`entitlement.batch`); :func:`household_row` is the
same for one household through :func:`entitlement.loket.household_outcomes`, the reference the
tests hold the batch path to. :func:`fill_regelingen` reports how long it took.
"""

from __future__ import annotations

import time
from typing import Final

import polars as pl
from sqlalchemy.orm import Session

from entitlement.batch_inputs import load_households
from entitlement.household import load_household
from entitlement.loket import Outcomes, household_outcomes
from entitlement.rules.registry import Rules, default_rules
from reports.facts import (
    FACTS_SCHEMA,
    REGELING_FIELDS,
    HouseholdFacts,
    Regeling,
    fill,
    regeling_column,
)
from reports.facts_budget import FillStats
from reports.facts_regelingen_batch import (
    CHUNK,
    SOCIAL_MINIMUM_SOURCE,
    chunk_update,
    clawback_total,
)
from store.households import NotFoundError

SOURCE: Final = (
    "entitlement/loket.py household_outcomes: recht, ontvangen en gemist per regeling en jaar, "
    "zoals hhb entitlements --household H --year JJJJ"
)
CLAWBACK_SOURCE: Final = (
    "entitlement/loket.py household_outcomes: verwachte terugbetaling van toeslagen, zoals "
    "hhb entitlements (terugbetalingen)"
)
INVISIBLE: Final = frozenset({Regeling.KWIJTSCHELDING})
"""Not a payment: receipt (and so missed) cannot be seen on a bank statement."""
INVISIBLE_FIELDS: Final = ("receiving", "received_year_cents", "missed", "missed_year_cents")

REGELING_COLUMNS: Final = tuple(
    regeling_column(r, f)
    for r in Regeling
    for f, _ in REGELING_FIELDS
    if not (r in INVISIBLE and f in INVISIBLE_FIELDS)
)


def rule_name(regeling: Regeling, municipality: str | None) -> str | None:
    """The entitlement rule behind a facts regeling (the IIT is the household's municipality's)."""
    if regeling is Regeling.IIT:
        return None if municipality is None else f"iit_{municipality.lower()}"
    return regeling.value


def _regeling_values(outcomes: Outcomes, regeling: Regeling, name: str) -> dict[str, object]:
    found = outcomes.years.filter(pl.col("regeling") == name)
    if found.height == 0:
        return {}
    year = found.row(0, named=True)
    recht, unknown = int(year["months_recht"]), int(year["months_niet_berekend"])
    eligible = True if recht > 0 else (False if unknown == 0 else None)
    receiving = None if regeling in INVISIBLE else int(year["received_year_cents"]) > 0
    missed_row = outcomes.missed.filter(pl.col("regeling") == name)
    missed: bool | None
    if missed_row.height:
        missed = True
    elif eligible is False or receiving is True:
        missed = False
    else:
        missed = None
    missed_cents = (
        int(missed_row["expected_year_cents"][0]) if missed else (0 if missed is False else None)
    )
    values: dict[str, object] = {
        "eligible": eligible,
        "entitled_year_cents": int(year["expected_year_cents"]) if year["complete"] else None,
        "receiving": receiving,
        "received_year_cents": int(year["received_year_cents"]),
        "missed": missed,
        "missed_year_cents": missed_cents,
    }
    hidden = INVISIBLE_FIELDS if regeling in INVISIBLE else ()
    return {regeling_column(regeling, f): v for f, v in values.items() if f not in hidden}


def expected_clawback(outcomes: Outcomes, decisions: pl.DataFrame) -> int | None:
    """The sum the loket expects to be reclaimed, or None when a toeslag with voorschotten
    could not be assessed (the loket skips it with a note)."""
    return clawback_total(
        outcomes.year, outcomes.months, outcomes.years, outcomes.clawbacks, decisions
    )


def household_row(
    session: Session, household_code: str, year: int, municipality: str | None, rules: Rules
) -> dict[str, object]:
    """The regeling facts of one household and year (nulls where unknown)."""
    row: dict[str, object] = {"household": household_code, "year": year}
    row |= dict.fromkeys((*REGELING_COLUMNS, "expected_clawback_cents"))
    try:
        data = load_household(session, household_code, year)
    except NotFoundError:  # no complete month of statements in the year
        return row
    outcomes = household_outcomes(data, rules)
    for regeling in Regeling:
        name = rule_name(regeling, municipality)
        if name is not None and name in rules:
            row |= _regeling_values(outcomes, regeling, name)
    row["expected_clawback_cents"] = expected_clawback(outcomes, data.decisions)
    return row


def fill_regelingen(
    session: Session, facts: HouseholdFacts, rules: Rules | None = None, *, chunk: int = CHUNK
) -> tuple[HouseholdFacts, FillStats]:
    """The facts with the regeling columns, the expected clawback and the income against the
    social minimum filled in (see the module docstring). Reads every household's data: the
    caller audits the run once. Per ``chunk`` households the engine runs once
    (:mod:`reports.facts_regelingen_batch`); the values are those of :func:`household_row`."""
    start = time.perf_counter()
    rules = rules or default_rules()
    rows = facts.frame.select(
        "household", "year", "municipality", "net_income_year_cents", "months_observed"
    )
    updates: list[pl.DataFrame] = []
    for (year,), of_year in rows.group_by("year", maintain_order=True):
        for offset in range(0, of_year.height, chunk):  # a chunk holds one year
            part = of_year.slice(offset, chunk)
            codes = part["household"].to_list()
            loaded = load_households(session, codes, int(str(year)))
            datas = [loaded[c] for c in codes if c in loaded]
            updates.append(chunk_update(part, datas, rules, INVISIBLE, INVISIBLE_FIELDS))
    columns = ["household", "year", *REGELING_COLUMNS, "expected_clawback_cents",
               "income_pct_social_minimum"]  # fmt: skip
    if updates:
        update = pl.concat([u.select(columns) for u in updates])
    else:
        update = pl.DataFrame(schema={c: FACTS_SCHEMA[c] for c in columns})
    filled = fill(facts, update.select("household", "year", *REGELING_COLUMNS), SOURCE)
    filled = fill(
        filled, update.select("household", "year", "expected_clawback_cents"), CLAWBACK_SOURCE
    )
    filled = fill(
        filled,
        update.select("household", "year", "income_pct_social_minimum"),
        SOCIAL_MINIMUM_SOURCE,
    )
    return filled, FillStats(rows.height, time.perf_counter() - start)
