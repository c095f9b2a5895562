"""Stored household facts per municipality and year, and the version of the data they need.

The facts (:mod:`reports.facts`) of a large municipality take a batch run to compute; the
analyst page reads the last run instead. A snapshot is only current while nothing it was
computed from has changed: :func:`inputs_version` names that state, and :func:`load` returns a
snapshot together with whether it is still current, so a caller can never mistake old figures
for new ones. This module stores bytes and plain values; :mod:`reports.facts_snapshot` turns
them into facts.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from typing import Any

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from store.models import (
    BenefitPaymentRow,
    ClassificationRule,
    FactsSnapshot,
    ProfileVersion,
    SignalSettings,
    ToeslagDecisionRow,
    Transaction,
)


def inputs_version(session: Session, facts_format: str) -> str:
    """The state of everything the facts read, as one string: new or deleted transactions,
    classification rules made or withdrawn, profile versions, benefit payments, toeslag
    decisions, changed signal margins, and ``facts_format`` (the computing code's own version,
    so that a new release does not show facts made by the old one)."""
    row = session.execute(
        select(
            select(func.max(Transaction.id)).scalar_subquery(),
            select(func.count(Transaction.deleted_at)).scalar_subquery(),
            select(func.max(ClassificationRule.id)).scalar_subquery(),
            select(func.count(ClassificationRule.withdrawn_at)).scalar_subquery(),
            select(func.max(ProfileVersion.id)).scalar_subquery(),
            select(func.max(BenefitPaymentRow.id)).scalar_subquery(),
            select(func.max(ToeslagDecisionRow.id)).scalar_subquery(),
            select(func.max(SignalSettings.updated_at)).scalar_subquery(),
        )
    ).one()
    values = [v.isoformat() if isinstance(v, dt.datetime) else v for v in row]
    return json.dumps([facts_format, *values])


@dataclass(frozen=True, slots=True)
class Stored:
    municipality: str
    year: int
    inputs_version: str
    households: int
    seconds: float
    frame: bytes
    unavailable: dict[str, Any]
    sources: dict[str, Any]
    created_at: dt.datetime
    created_by: str


def save(session: Session, stored: Stored) -> None:
    """Replace the snapshot of ``stored.municipality`` and ``stored.year``."""
    session.execute(
        delete(FactsSnapshot).where(
            FactsSnapshot.municipality == stored.municipality, FactsSnapshot.year == stored.year
        )
    )
    session.add(
        FactsSnapshot(
            municipality=stored.municipality,
            year=stored.year,
            inputs_version=stored.inputs_version,
            households=stored.households,
            seconds=stored.seconds,
            frame=stored.frame,
            unavailable=stored.unavailable,
            sources=stored.sources,
            created_at=stored.created_at,
            created_by=stored.created_by,
        )
    )
    session.flush()


def load(session: Session, municipality: str, year: int) -> Stored | None:
    row = session.scalars(
        select(FactsSnapshot).where(
            FactsSnapshot.municipality == municipality, FactsSnapshot.year == year
        )
    ).one_or_none()
    if row is None:
        return None
    created = row.created_at
    if created.tzinfo is None:  # SQLite returns naive datetimes
        created = created.replace(tzinfo=dt.UTC)
    return Stored(
        row.municipality, row.year, row.inputs_version, row.households, row.seconds,
        row.frame, dict(row.unavailable), dict(row.sources), created, row.created_by,
    )  # fmt: skip


def snapshots(session: Session) -> list[tuple[str, int, str, int, dt.datetime]]:
    """Municipality, year, version, households and time of every stored snapshot."""
    rows = session.execute(
        select(
            FactsSnapshot.municipality,
            FactsSnapshot.year,
            FactsSnapshot.inputs_version,
            FactsSnapshot.households,
            FactsSnapshot.created_at,
        ).order_by(FactsSnapshot.municipality, FactsSnapshot.year)
    ).all()
    return [(m, y, v, h, c) for m, y, v, h, c in rows]


def data_years(session: Session) -> list[int]:
    """Every calendar year with a transaction that was not deleted, oldest first."""
    low, high = session.execute(
        select(func.min(Transaction.booking_date), func.max(Transaction.booking_date)).where(
            Transaction.deleted_at.is_(None)
        )
    ).one()
    return [] if low is None or high is None else list(range(low.year, high.year + 1))
