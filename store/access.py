"""Who may see a household besides its participant: caseloads, consent, and a coach's month notes.

A budget coach sees a household only while *both* hold: the household is in the coach's
caseload (a beheerder's assignment) and the participant's consent for that coach is current
(the participant's opt-in, revocable at any moment). :func:`coach_may_see` is that one check; the
dashboard asks it on every request, so a revocation is effective at the coach's next click.

Nothing is deleted: a removal or revocation closes the row, so the participant can read who had
access when. Every change is written to the audit log of the household.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from store.households import ConflictError, NotFoundError, audit, get_household
from store.models import Caseload, Consent, Household, MonthNote, User, utcnow
from store.users import Role, get_user

MAX_NOTE_LENGTH = 4000


@dataclass(frozen=True, slots=True)
class CaseloadEntry:
    household: str
    added_at: dt.datetime
    consent: bool
    """Whether the participant's consent for this coach is current (access needs it)."""


@dataclass(frozen=True, slots=True)
class CoachAccess:
    """One coach as the participant sees them on the consent page."""

    coach: str
    in_caseload: bool
    consent_since: dt.datetime | None

    @property
    def has_access(self) -> bool:
        return self.in_caseload and self.consent_since is not None


@dataclass(frozen=True, slots=True)
class ConsentRecord:
    coach: str
    granted_at: dt.datetime
    granted_by: str
    revoked_at: dt.datetime | None
    revoked_by: str | None


@dataclass(frozen=True, slots=True)
class Note:
    id: int
    month: dt.date
    body: str
    written_at: dt.datetime
    written_by: str


def _coach(session: Session, username: str) -> User:
    user = get_user(session, username)
    if user.role != Role.BUDGETCOACH:
        raise ConflictError(f"gebruiker {username!r} is geen budgetcoach")
    if user.disabled_at is not None:
        raise ConflictError(f"budgetcoach {username!r} is uitgeschakeld")
    return user


def _open_caseload(session: Session, coach_id: int, household_id: int) -> Caseload | None:
    return session.scalars(
        select(Caseload).where(
            Caseload.coach_id == coach_id,
            Caseload.household_id == household_id,
            Caseload.removed_at.is_(None),
        )
    ).first()


def _open_consent(session: Session, coach_id: int, household_id: int) -> Consent | None:
    return session.scalars(
        select(Consent).where(
            Consent.coach_id == coach_id,
            Consent.household_id == household_id,
            Consent.revoked_at.is_(None),
        )
    ).first()


def add_to_caseload(session: Session, coach: str, household_code: str, actor: str) -> None:
    user, household = _coach(session, coach), get_household(session, household_code)
    if _open_caseload(session, user.id, household.id) is not None:
        raise ConflictError(f"huishouden {household_code!r} staat al in de caseload van {coach}")
    session.add(Caseload(coach_id=user.id, household_id=household.id, added_by=actor))
    audit(session, actor, "caseload.add", household.id, f"coach {coach}")


def remove_from_caseload(session: Session, coach: str, household_code: str, actor: str) -> None:
    user, household = get_user(session, coach), get_household(session, household_code)
    row = _open_caseload(session, user.id, household.id)
    if row is None:
        raise NotFoundError(f"huishouden {household_code!r} staat niet in de caseload van {coach}")
    row.removed_at, row.removed_by = utcnow(), actor
    audit(session, actor, "caseload.remove", household.id, f"coach {coach}")


def caseload(session: Session, coach: str) -> list[CaseloadEntry]:
    """The households currently in a coach's caseload, by code, with their consent state."""
    user = get_user(session, coach)
    rows = session.execute(
        select(Household.id, Household.code, Caseload.added_at)
        .join(Caseload, Caseload.household_id == Household.id)
        .where(Caseload.coach_id == user.id, Caseload.removed_at.is_(None))
        .order_by(Household.code)
    ).all()
    consented = set(
        session.scalars(
            select(Consent.household_id).where(
                Consent.coach_id == user.id, Consent.revoked_at.is_(None)
            )
        )
    )
    return [CaseloadEntry(code, added, hid in consented) for hid, code, added in rows]


def coach_may_see(session: Session, coach_id: int, household_id: int) -> bool:
    """The coach's access rule: in the caseload *and* a current consent (module docstring)."""
    return (
        _open_caseload(session, coach_id, household_id) is not None
        and _open_consent(session, coach_id, household_id) is not None
    )


def coaches_of(session: Session, household_code: str) -> list[CoachAccess]:
    """Every coach with this household in their caseload or with a current consent."""
    household = get_household(session, household_code)
    in_caseload = set(
        session.scalars(
            select(User.username)
            .join(Caseload, Caseload.coach_id == User.id)
            .where(Caseload.household_id == household.id, Caseload.removed_at.is_(None))
        )
    )
    consents: dict[str, dt.datetime] = {
        name: since
        for name, since in session.execute(
            select(User.username, Consent.granted_at)
            .join(Consent, Consent.coach_id == User.id)
            .where(Consent.household_id == household.id, Consent.revoked_at.is_(None))
        )
    }
    names = sorted(in_caseload | set(consents))
    return [CoachAccess(name, name in in_caseload, consents.get(name)) for name in names]


def grant_consent(session: Session, household_code: str, coach: str, actor: str) -> bool:
    """Give a coach access to the household; ``False`` when the consent was already current."""
    user, household = _coach(session, coach), get_household(session, household_code)
    if _open_consent(session, user.id, household.id) is not None:
        return False
    session.add(Consent(household_id=household.id, coach_id=user.id, granted_by=actor))
    audit(session, actor, "consent.grant", household.id, f"coach {coach}")
    return True


def revoke_consent(session: Session, household_code: str, coach: str, actor: str) -> bool:
    """Withdraw a coach's access at once; ``False`` when there was no current consent."""
    user, household = get_user(session, coach), get_household(session, household_code)
    row = _open_consent(session, user.id, household.id)
    if row is None:
        return False
    row.revoked_at, row.revoked_by = utcnow(), actor
    audit(session, actor, "consent.revoke", household.id, f"coach {coach}")
    return True


def consent_history(session: Session, household_code: str) -> list[ConsentRecord]:
    """Every grant and revocation for the household, newest grant first."""
    household = get_household(session, household_code)
    rows = session.execute(
        select(User.username, Consent)
        .join(Consent, Consent.coach_id == User.id)
        .where(Consent.household_id == household.id)
        .order_by(Consent.granted_at.desc(), Consent.id.desc())
    ).all()
    return [
        ConsentRecord(name, c.granted_at, c.granted_by, c.revoked_at, c.revoked_by)
        for name, c in rows
    ]


def add_note(session: Session, household_code: str, month: dt.date, body: str, actor: str) -> Note:
    """Keep a coach's note for a month (the first day of ``month`` is stored)."""
    text = body.strip()
    if not text:
        raise ConflictError("een notitie mag niet leeg zijn")
    if len(text) > MAX_NOTE_LENGTH:
        raise ConflictError(f"een notitie heeft hoogstens {MAX_NOTE_LENGTH} tekens")
    household = get_household(session, household_code)
    row = MonthNote(
        household_id=household.id, month=month.replace(day=1), body=text, written_by=actor
    )
    session.add(row)
    session.flush()
    audit(session, actor, "note.add", household.id, f"notitie {row.id} over {month:%Y-%m}")
    return Note(row.id, row.month, row.body, row.written_at, row.written_by)


def withdraw_note(session: Session, household_code: str, note_id: int, actor: str) -> None:
    household = get_household(session, household_code)
    row = session.get(MonthNote, note_id)
    if row is None or row.household_id != household.id or row.withdrawn_at is not None:
        raise NotFoundError(f"notitie {note_id} bestaat niet (meer) bij {household_code!r}")
    row.withdrawn_at, row.withdrawn_by = utcnow(), actor
    audit(session, actor, "note.withdraw", household.id, f"notitie {note_id}")


def notes(session: Session, household_code: str, months: tuple[dt.date, ...] = ()) -> list[Note]:
    """Current notes of the household (of ``months`` only, when given), oldest first."""
    household = get_household(session, household_code)
    query = select(MonthNote).where(
        MonthNote.household_id == household.id, MonthNote.withdrawn_at.is_(None)
    )
    if months:
        query = query.where(MonthNote.month.in_([m.replace(day=1) for m in months]))
    rows = session.scalars(query.order_by(MonthNote.month, MonthNote.id)).all()
    return [Note(r.id, r.month, r.body, r.written_at, r.written_by) for r in rows]
