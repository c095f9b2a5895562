"""Server-side sessions on both databases: only a hash is stored, and every end has a reason."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import Engine, select

from dashboard import sessions
from store.db import session_scope
from store.models import WebSession
from store.users import Role, add_user

LIMITS = sessions.Timeouts(idle=dt.timedelta(minutes=15), absolute=dt.timedelta(hours=8))


@pytest.fixture
def user_id(engine: Engine) -> int:
    with session_scope(engine) as session:
        return add_user(session, "coach1", Role.BUDGETCOACH, "kaas-fiets-regen-9", "t").id


@pytest.fixture
def t0(user_id: int) -> dt.datetime:
    """A moment after the user's password was set (an older session would count as stale)."""
    return dt.datetime.now(dt.UTC) + dt.timedelta(seconds=1)


def check(engine: Engine, token: str, at: dt.datetime) -> sessions.Check:
    with session_scope(engine) as session:
        return sessions.check(session, token, at, LIMITS)


def test_only_the_hash_of_the_token_is_stored(
    engine: Engine, user_id: int, t0: dt.datetime
) -> None:
    with session_scope(engine) as session:
        token = sessions.start(session, user_id, t0)
    with session_scope(engine) as session:
        stored = session.scalars(select(WebSession.id)).all()
    assert len(stored) == 1 and token not in stored[0] and len(stored[0]) == 64
    assert check(engine, token, t0).user is not None
    assert check(engine, token + "x", t0).user is None


def test_idle_and_absolute_timeouts_end_the_session_with_a_reason(
    engine: Engine, user_id: int, t0: dt.datetime
) -> None:
    with session_scope(engine) as session:
        idle, busy = sessions.start(session, user_id, t0), sessions.start(session, user_id, t0)
    result = check(engine, idle, t0 + dt.timedelta(minutes=16))
    assert result.user is None and result.ended is sessions.EndReason.IDLE
    assert check(engine, idle, t0).user is None, "an ended session never comes back"
    at = t0
    while at <= t0 + dt.timedelta(hours=8):
        at += dt.timedelta(minutes=10)
        last = check(engine, busy, at)
    assert last.user is None and last.ended is sessions.EndReason.ABSOLUTE


def test_logout_and_end_all(engine: Engine, user_id: int, t0: dt.datetime) -> None:
    with session_scope(engine) as session:
        one, two = sessions.start(session, user_id, t0), sessions.start(session, user_id, t0)
    with session_scope(engine) as session:
        assert sessions.end(session, one, t0, sessions.EndReason.LOGOUT) == user_id
        assert sessions.end(session, one, t0, sessions.EndReason.LOGOUT) is None
        assert sessions.end_all(session, user_id, t0, sessions.EndReason.DISABLED) == 1
    assert check(engine, two, t0).user is None
    with session_scope(engine) as session:
        reasons = sorted(r for r in session.scalars(select(WebSession.end_reason)) if r)
    assert reasons == ["logout", "uitgeschakeld"]
