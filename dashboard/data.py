"""The dashboard's reads from the store, each a small function a page callback calls once.

Pages never query the database themselves; they call these, which call the store and the
budget modules exactly as the command line does (``hhb overview``), so the dashboard and the
CLI cannot disagree about a number.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from budget.overview import MonthOverview, month_overview
from store.classification import classified_transactions
from store.households import get_household
from store.models import AuditEvent, Import, Transaction
from store.transactions import balance_at_start, month_bounds

MAX_MONTHS = 36
"""The longest range of the month overview at once (as ``hhb overview``)."""


class RangeError(ValueError):
    """A month range the user chose cannot be shown; the message is for the user."""


def first_of_month(value: dt.date) -> dt.date:
    return value.replace(day=1)


def next_month(value: dt.date) -> dt.date:
    return (value.replace(day=28) + dt.timedelta(days=4)).replace(day=1)


def months_between(first: dt.date, last: dt.date) -> tuple[dt.date, ...]:
    months = [first_of_month(first)]
    while months[-1] < first_of_month(last):
        months.append(next_month(months[-1]))
    return tuple(months)


def data_months(session: Session, household_code: str) -> tuple[dt.date, ...]:
    """Every month from the first to the last booked transaction (empty without any)."""
    household = get_household(session, household_code)
    low, high = session.execute(
        select(func.min(Transaction.booking_date), func.max(Transaction.booking_date)).where(
            Transaction.household_id == household.id, Transaction.deleted_at.is_(None)
        )
    ).one()
    if low is None or high is None:
        return ()
    return months_between(low, high)


def month_range(first: str, last: str) -> tuple[dt.date, ...]:
    """Parse a ``JJJJ-MM`` range as the overview needs it, with Dutch reasons to refuse."""
    try:
        start, _ = month_bounds(first)
        end, _ = month_bounds(last)
    except ValueError as exc:
        raise RangeError(str(exc)) from None
    if end < start:
        raise RangeError("de laatste maand ligt voor de eerste")
    months = months_between(start, end)
    if len(months) > MAX_MONTHS:
        raise RangeError(f"kies hoogstens {MAX_MONTHS} maanden tegelijk")
    return months


def overview(session: Session, household_code: str, months: tuple[dt.date, ...]) -> MonthOverview:
    """The Huishoudboekje month table, computed as ``hhb overview`` does."""
    end = month_bounds(f"{months[-1]:%Y-%m}")[1]
    classified = classified_transactions(session, household_code, months[0], end)
    opening = balance_at_start(session, household_code, months[0])
    return month_overview(household_code, classified, months, opening)


@dataclass(frozen=True, slots=True)
class ImportRow:
    file: str
    imported_at: dt.datetime
    imported_by: str
    kind: str
    bank: str
    added: int
    duplicates: int


def recent_imports(session: Session, household_code: str, limit: int = 20) -> list[ImportRow]:
    household = get_household(session, household_code)
    rows = session.scalars(
        select(Import)
        .where(Import.household_id == household.id)
        .order_by(Import.imported_at.desc(), Import.id.desc())
        .limit(limit)
    )
    return [
        ImportRow(
            r.file_name, r.imported_at, r.imported_by, r.format, r.bank, r.n_added, r.n_duplicates
        )
        for r in rows
    ]


@dataclass(frozen=True, slots=True)
class AuditRow:
    at: dt.datetime
    actor: str
    action: str
    detail: str


def audit_log(session: Session, household_id: int, limit: int | None = 200) -> list[AuditRow]:
    """The household's audit log, newest first."""
    query = (
        select(AuditEvent)
        .where(AuditEvent.household_id == household_id)
        .order_by(AuditEvent.at.desc(), AuditEvent.id.desc())
    )
    if limit is not None:
        query = query.limit(limit)
    return [AuditRow(e.at, e.actor, e.action, e.detail) for e in session.scalars(query)]
