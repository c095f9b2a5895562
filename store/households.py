"""Households and the audit trail of everything done to or seen of them."""

from __future__ import annotations

import re

from sqlalchemy import select
from sqlalchemy.orm import Session

from store.models import AuditEvent, Household

_CODE_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$")


class NotFoundError(Exception):
    """A household (or other object) the user named does not exist; message for the user."""


class ConflictError(Exception):
    """The request clashes with what is stored (e.g. the household exists); message for the user."""


def create_household(session: Session, code: str, actor: str) -> Household:
    if not _CODE_RE.match(code):
        raise ConflictError(
            f"huishoudcode {code!r} is ongeldig: gebruik letters, cijfers, '-', '_' of '.' "
            "(hoogstens 64 tekens)"
        )
    if session.scalar(select(Household).where(Household.code == code)) is not None:
        raise ConflictError(f"huishouden {code!r} bestaat al")
    household = Household(code=code)
    session.add(household)
    session.flush()
    audit(session, actor, "household.create", household.id)
    return household


def get_household(session: Session, code: str) -> Household:
    household = session.scalar(select(Household).where(Household.code == code))
    if household is None:
        raise NotFoundError(
            f"huishouden {code!r} bestaat niet; maak het aan met 'hhb household create {code}'"
        )
    return household


def audit(
    session: Session, actor: str, action: str, household_id: int | None, detail: str = ""
) -> None:
    """Record an access or change. The caller's transaction decides whether it is kept, so a
    failed import leaves no audit row claiming it happened; refusals are logged separately."""
    session.add(AuditEvent(actor=actor, action=action, household_id=household_id, detail=detail))
