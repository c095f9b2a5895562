"""Login sessions kept on the server, so that logout, timeouts and disabling a user are real.

The browser holds a random token inside Flask's signed session cookie; the database holds only
its SHA-256 (``store.models.WebSession``). A request counts as logged in while the row exists,
is not ended, the inactivity and absolute timeouts have not passed, the user is not disabled and
the password has not changed since the login. Anything else ends the row with a reason, so a
stolen cookie is worth nothing after logout or expiry.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from dataclasses import dataclass
from enum import StrEnum

from sqlalchemy import update
from sqlalchemy.orm import Session

from store.models import User, WebSession

TOUCH_EVERY = dt.timedelta(seconds=30)
"""Write ``last_seen_at`` at most this often: every Dash callback is a request, and a write per
callback would cost more than the inactivity timeout needs in precision."""


class EndReason(StrEnum):
    LOGOUT = "logout"
    IDLE = "inactief"
    ABSOLUTE = "maximale duur"
    DISABLED = "uitgeschakeld"
    PASSWORD = "wachtwoord gewijzigd"


@dataclass(frozen=True, slots=True)
class Timeouts:
    idle: dt.timedelta
    absolute: dt.timedelta


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _aware(value: dt.datetime) -> dt.datetime:
    """SQLite hands timestamps back without zone; they were written in UTC."""
    return value if value.tzinfo is not None else value.replace(tzinfo=dt.UTC)


def start(session: Session, user_id: int, now: dt.datetime) -> str:
    """Open a session for a user who just logged in; returns the token for the cookie."""
    token = secrets.token_urlsafe(32)
    session.add(WebSession(id=_digest(token), user_id=user_id, created_at=now, last_seen_at=now))
    return token


@dataclass(frozen=True, slots=True)
class Check:
    user: User | None
    ended: EndReason | None = None
    """Why the session is not valid (any more); ``None`` with a user when it is fine."""


def check(session: Session, token: str, now: dt.datetime, timeouts: Timeouts) -> Check:
    """Validate a token and note the activity; ends an expired session with its reason."""
    row = session.get(WebSession, _digest(token))
    if row is None or row.ended_at is not None:
        return Check(None)
    user = session.get(User, row.user_id)
    reason: EndReason | None = None
    if user is None or user.disabled_at is not None:
        reason = EndReason.DISABLED
    elif _aware(user.password_changed_at) > _aware(row.created_at):
        reason = EndReason.PASSWORD
    elif now - _aware(row.created_at) > timeouts.absolute:
        reason = EndReason.ABSOLUTE
    elif now - _aware(row.last_seen_at) > timeouts.idle:
        reason = EndReason.IDLE
    if reason is not None:
        row.ended_at, row.end_reason = now, str(reason)
        return Check(None, reason)
    if now - _aware(row.last_seen_at) >= TOUCH_EVERY:
        row.last_seen_at = now
    return Check(user)


def end(session: Session, token: str, now: dt.datetime, reason: EndReason) -> int | None:
    """End one session (logout); returns its user id, or ``None`` if it was not open."""
    row = session.get(WebSession, _digest(token))
    if row is None or row.ended_at is not None:
        return None
    row.ended_at, row.end_reason = now, str(reason)
    return row.user_id


def end_all(session: Session, user_id: int, now: dt.datetime, reason: EndReason) -> int:
    """End every open session of a user (disabled by the beheerder); returns how many."""
    result = session.execute(
        update(WebSession)
        .where(WebSession.user_id == user_id, WebSession.ended_at.is_(None))
        .values(ended_at=now, end_reason=str(reason))
    )
    return int(getattr(result, "rowcount", 0) or 0)
