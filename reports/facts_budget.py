"""Leefgeld against the Nibud minimum and the open signals in the household facts.

For each household and year the facts describe one month: the household's last complete month
of the year, which is the month ``hhb budget`` chooses by default with the statements cut at
31 December (the statements' closing date, else the last booking; a month counts when the data
reach its last day). Of that month the facts hold exactly what ``hhb budget --month`` and
``hhb signals --month`` show, because they are made by the same loaders as the month report
(:func:`reports.month_budget.load_budget`, :func:`reports.month_budget.load_signals`); a test
compares them household by household with the commands' JSON.

A household whose budget cannot be made (no transactions in that month, no complete month in
the year) gets nulls, counted as "onbekend" by the tables, never as zero; a household without a
profile has its leefgeld but no minimum and no gap.

:func:`household_row` runs the budget and the signals of one household through the store, as
the commands do; :func:`fill_budget` makes the same figures for a chunk of households at a time
(:mod:`reports.facts_budget_batch`) and reports how long it took (``hhb aggregates`` prints it),
since for a large municipality this, not the disclosure control, is the slow part.
"""

from __future__ import annotations

import datetime as dt
import time
from collections import Counter
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from budget.signals import Severity, SignalKind
from hhb.commands_plan import statements_until
from reports.facts import (
    BUDGET_COLUMNS,
    SIGNAL_COLUMNS,
    HouseholdFacts,
    alert_column,
    fill,
    signal_column,
)
from reports.facts_budget_batch import budget_rows
from reports.month_budget import load_budget, load_signals
from store.households import get_household
from store.models import Transaction

BUDGET_SOURCE = (
    "budget/plan.py en budget/norms.py: leefgeld en Nibud-minimum (voeding) van de laatste "
    "volledige maand van het jaar, zoals hhb budget --month"
)
SIGNALS_SOURCE = (
    "budget/signals.py: open signalen in de laatste volledige maand van het jaar, zoals "
    "hhb signals --month"
)


@dataclass(frozen=True, slots=True)
class FillStats:
    households: int
    seconds: float


def reference_month(session: Session, household_code: str, year: int) -> dt.date | None:
    """The last month of ``year`` whose last day the household's statements reach (None: no
    complete month in the year, or no transactions at all)."""
    household = get_household(session, household_code)
    last = session.scalar(
        select(func.max(Transaction.booking_date)).where(
            Transaction.household_id == household.id, Transaction.deleted_at.is_(None)
        )
    )
    if last is None:
        return None
    until = statements_until(session, household_code) or last
    cut = min(until, dt.date(year, 12, 31))
    month = ((cut + dt.timedelta(days=1)).replace(day=1) - dt.timedelta(days=1)).replace(day=1)
    return month if month.year == year else None


def household_row(session: Session, household_code: str, year: int) -> dict[str, object]:
    """The budget and signal facts of one household and year (nulls where unknown)."""
    row: dict[str, object] = {"household": household_code, "year": year}
    row |= dict.fromkeys((*BUDGET_COLUMNS, *SIGNAL_COLUMNS))
    month = reference_month(session, household_code, year)
    if month is None:
        return row
    budget = load_budget(session, household_code, month).budget
    if budget is not None:
        gap = budget.gap_month_cents
        row |= {
            "budget_month": budget.month,
            "leefgeld_month_cents": budget.leefgeld_month_cents,
            "nibud_minimum_month_cents": None if budget.norm is None else budget.norm.month_cents,
            "leefgeld_gap_month_cents": gap,
            "below_minimum": None if gap is None else gap < 0,
        }
    signals = load_signals(session, household_code, month)
    if signals.missing is None:
        kinds = Counter(SignalKind(s.kind) for s in signals.signals)
        alerts = Counter(
            SignalKind(s.kind) for s in signals.signals if s.severity is Severity.ALERT
        )
        row["open_signals"] = len(signals.signals)
        row |= {signal_column(k): kinds[k] for k in SignalKind}
        row |= {alert_column(k): alerts[k] for k in SignalKind}
    return row


def fill_budget(session: Session, facts: HouseholdFacts) -> tuple[HouseholdFacts, FillStats]:
    """The facts with leefgeld, Nibud minimum and open signals filled in (see the module
    docstring), made for a chunk of households at a time
    (:func:`reports.facts_budget_batch.budget_rows`; the same figures as :func:`household_row`
    gives one by one). Reads every household's transactions: the caller audits the run once."""
    start = time.perf_counter()
    update = budget_rows(session, facts.frame.select("household", "year"))
    budget = fill(facts, update.select("household", "year", *BUDGET_COLUMNS), BUDGET_SOURCE)
    filled = fill(budget, update.select("household", "year", *SIGNAL_COLUMNS), SIGNALS_SOURCE)
    return filled, FillStats(update.height, time.perf_counter() - start)
