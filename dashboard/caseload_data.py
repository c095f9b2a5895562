"""The coach's caseload at a glance: per consenting household what needs attention.

The figures are the household facts that the municipal aggregates are made of
(:func:`reports.facts_snapshot.facts_of`: the kept batch facts while current, else
:func:`reports.facts.build_facts` restricted to the coach's consenting households, then
:func:`reports.facts_budget.fill_budget` and :func:`reports.facts_regelingen.fill_regelingen`),
so the caseload and the aggregates count the same thing, and each figure equals the command a
coach would run for one household:

- signals: ``open_signals`` of ``budget_month``, the household's last complete month of the
  year, as ``hhb signals --month`` lists them;
- missed regelingen: the regelingen the loket lists as *gemist* for the year and their yearly
  amount, as ``hhb entitlements --year`` (its ``missed``);
- the expected clawback of the year's toeslagen, as ``hhb entitlements`` (its ``clawbacks``).

A fact the data do not give stays ``None`` (the page says "onbekend"), never 0. A household
without current consent gets no facts at all: its row is the code only.

The most urgent signal: the most severe one open, and among those of that severity the first
kind in :data:`KIND_URGENCY`. The facts count signals per kind and, of those, the *hoog* ones
per kind (a missing payment is *hoog* for income and fixed costs, *let op* for a shop), so a
household whose only open signal is a shop's missing payment ranks after every household with
a *hoog* signal. The kinds are ranked by the severity their rule gives
(``budget/signal_rules.py``, ``budget/signal_totals.py``): always *hoog* (balance too low,
income dropped, a fixed cost stopped), *hoog* or *let op* (a payment missing, the forecast
below zero), *let op* (another amount, more transactions), *info* (the forecast below the
buffer); within a group, money short now before money that may be short later, in the order
listed.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Any, Final

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from budget.signals import SignalKind
from reports.facts import Regeling, alert_column, regeling_column, signal_column
from reports.facts_regelingen import INVISIBLE
from reports.facts_snapshot import facts_of
from store.access import caseload
from store.models import Household, Transaction
from store.profiles import profile_on

KIND_URGENCY: Final = (
    SignalKind.NEGATIVE_BALANCE,
    SignalKind.INCOME_DROPPED,
    SignalKind.FIXED_COST_STOPPED,
    SignalKind.PAYMENT_MISSING,
    SignalKind.FORECAST_BELOW_ZERO,
    SignalKind.AMOUNT_DIFFERS,
    SignalKind.EXTRA_TRANSACTIONS,
    SignalKind.FORECAST_BELOW_BUFFER,
)
"""Most urgent first (module docstring)."""

VISIBLE_REGELINGEN: Final = tuple(r for r in Regeling if r not in INVISIBLE)
"""The regelingen whose receipt (and so niet-gebruik) a bank statement can show."""


@dataclass(frozen=True, slots=True)
class CaseloadRow:
    household: str
    added_at: dt.date
    consent: bool
    applicant: str = ""
    wijk: str = ""
    budget_month: dt.date | None = None
    open_signals: int | None = None
    urgent_kind: SignalKind | None = None
    """The kind of the most urgent open signal (None: none open, or unknown)."""
    urgent_alert: bool = False
    """Whether that signal is of severity *hoog*."""
    missed: int | None = None
    """How many regelingen the loket lists as missed for the year (None: unknown)."""
    missed_year_cents: int | None = None
    clawback_cents: int | None = None


class Sort(StrEnum):
    ATTENTION = "attention"
    SIGNALS = "signals"
    MISSED = "missed"
    CLAWBACK = "clawback"
    HOUSEHOLD = "household"


def caseload_years(session: Session, coach: str) -> list[int]:
    """The years the statements of the coach's consenting households reach, oldest first."""
    codes = [e.household for e in caseload(session, coach) if e.consent]
    if not codes:
        return []
    first, last = session.execute(
        select(func.min(Transaction.booking_date), func.max(Transaction.booking_date))
        .join(Household, Household.id == Transaction.household_id)
        .where(Household.code.in_(codes), Transaction.deleted_at.is_(None))
    ).one()
    if first is None or last is None:
        return []
    return list(range(first.year, last.year + 1))


def caseload_rows(session: Session, coach: str, year: int, today: dt.date) -> list[CaseloadRow]:
    """Every household in the coach's caseload; facts of ``year`` for those with consent."""
    entries = caseload(session, coach)
    consented = [e.household for e in entries if e.consent]
    facts = _facts(session, consented, year)
    rows: list[CaseloadRow] = []
    for entry in entries:
        added = entry.added_at.date()
        if not entry.consent:
            rows.append(CaseloadRow(entry.household, added, consent=False))
            continue
        profile = profile_on(session, entry.household, today)
        applicant = (profile.applicant.name or "") if profile else ""
        wijk = (profile.wijk or "") if profile else ""
        fact = facts.get(entry.household)
        row = CaseloadRow(entry.household, added, True, applicant, wijk)
        rows.append(_with_facts(row, fact) if fact is not None else row)
    return rows


def _facts(session: Session, codes: Sequence[str], year: int) -> dict[str, dict[str, Any]]:
    if not codes:
        return {}
    facts = facts_of(session, year, codes)
    return {str(r["household"]): r for r in facts.frame.iter_rows(named=True)}


def _with_facts(row: CaseloadRow, fact: dict[str, Any]) -> CaseloadRow:
    signals = fact["open_signals"]
    urgent = None
    alert = False
    if signals:
        urgent = next((k for k in KIND_URGENCY if fact[alert_column(k)]), None)
        alert = urgent is not None
        if urgent is None:
            urgent = next((k for k in KIND_URGENCY if fact[signal_column(k)]), None)
    flags = [fact[regeling_column(r, "missed")] for r in VISIBLE_REGELINGEN]
    known = any(fact[regeling_column(r, "eligible")] is not None for r in Regeling)
    missed = [r for r, flag in zip(VISIBLE_REGELINGEN, flags, strict=True) if flag]
    return CaseloadRow(
        row.household,
        row.added_at,
        row.consent,
        row.applicant,
        row.wijk,
        budget_month=fact["budget_month"],
        open_signals=signals,
        urgent_kind=urgent,
        urgent_alert=alert,
        missed=len(missed) if known or missed else None,
        missed_year_cents=(
            sum(int(fact[regeling_column(r, "missed_year_cents")]) for r in missed)
            if known or missed
            else None
        ),
        clawback_cents=fact["expected_clawback_cents"],
    )


def _known_first(value: int | None) -> tuple[int, int]:
    """Sort key: larger first, unknown after every known value."""
    return (1, 0) if value is None else (0, -value)


def _attention(row: CaseloadRow) -> tuple[Any, ...]:
    urgency = (
        KIND_URGENCY.index(row.urgent_kind) if row.urgent_kind is not None else len(KIND_URGENCY)
    )
    return (
        not row.consent,
        not row.urgent_alert,
        urgency,
        _known_first(row.open_signals),
        _known_first(row.missed_year_cents),
        _known_first(row.clawback_cents),
    )


SORT_KEYS: Final[dict[Sort, Callable[[CaseloadRow], tuple[Any, ...]]]] = {
    Sort.ATTENTION: _attention,
    Sort.SIGNALS: lambda r: (not r.consent, _known_first(r.open_signals), _attention(r)),
    Sort.MISSED: lambda r: (not r.consent, _known_first(r.missed_year_cents), _attention(r)),
    Sort.CLAWBACK: lambda r: (not r.consent, _known_first(r.clawback_cents), _attention(r)),
    Sort.HOUSEHOLD: lambda r: (r.household,),
}


def sorted_rows(rows: Sequence[CaseloadRow], by: Sort) -> list[CaseloadRow]:
    """``by`` first, ties by attention, then by code; households without consent last (except
    by code)."""
    key = SORT_KEYS[by]
    return sorted(rows, key=lambda r: (*key(r), r.household))
