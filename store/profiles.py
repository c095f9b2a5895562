"""Dated household profiles: who lives in the household, where, rent, vermogen, coach.

Rules read the situation of each month from here. A month's situation is the profile valid on
the first day of that month, as toeslagen and bijstand look at the situation at the start of a
month; a change during a month counts from the next month.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from ingest.profile import HouseholdProfile, load_profile, profile_to_dict
from store.households import ConflictError, audit, get_household
from store.models import ProfileVersion


@dataclass(frozen=True, slots=True)
class RecordedProfile:
    valid_from: dt.date
    recorded_at: dt.datetime
    recorded_by: str
    source_file: str | None
    profile: HouseholdProfile


def record_profile(
    session: Session,
    household_code: str,
    profile: HouseholdProfile,
    valid_from: dt.date,
    actor: str,
    source_file: str | None = None,
) -> None:
    """Store a profile version valid from ``valid_from``; earlier versions stay as they were."""
    household = get_household(session, household_code)
    if profile.household_id is not None and profile.household_id != household_code:
        raise ConflictError(
            f"het profiel hoort bij huishouden {profile.household_id!r}, niet bij "
            f"{household_code!r}; controleer het veld 'huishouden'"
        )
    session.add(
        ProfileVersion(
            household_id=household.id,
            valid_from=valid_from,
            document=profile_to_dict(profile),
            source_file=source_file,
            recorded_by=actor,
        )
    )
    audit(session, actor, "profile.record", household.id, f"geldig vanaf {valid_from:%d-%m-%Y}")


def profile_on(session: Session, household_code: str, day: dt.date) -> HouseholdProfile | None:
    """The profile valid on ``day`` (latest recording of the latest version starting by then)."""
    household = get_household(session, household_code)
    row = session.scalars(
        select(ProfileVersion)
        .where(ProfileVersion.household_id == household.id, ProfileVersion.valid_from <= day)
        .order_by(ProfileVersion.valid_from.desc(), ProfileVersion.id.desc())
        .limit(1)
    ).first()
    return None if row is None else _load(row)


def profile_for_month(
    session: Session, household_code: str, month: dt.date
) -> HouseholdProfile | None:
    """The situation of a month: the profile valid on its first day (see the module docstring)."""
    return profile_on(session, household_code, month.replace(day=1))


def profile_history(session: Session, household_code: str) -> list[RecordedProfile]:
    """Every recorded version, oldest validity first, recordings in the order they were made."""
    household = get_household(session, household_code)
    rows = session.scalars(
        select(ProfileVersion)
        .where(ProfileVersion.household_id == household.id)
        .order_by(ProfileVersion.valid_from, ProfileVersion.id)
    ).all()
    return [
        RecordedProfile(r.valid_from, r.recorded_at, r.recorded_by, r.source_file, _load(r))
        for r in rows
    ]


def _load(row: ProfileVersion) -> HouseholdProfile:
    # Stored documents passed validation when recorded; loading them through the same reader
    # keeps one definition of the format.
    return load_profile(json.dumps(row.document).encode(), f"profiel {row.valid_from}")
