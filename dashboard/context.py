"""What every request handler shares: the app's state, a database session, the logged-in user.

The state lives in ``server.extensions["hhb"]`` (one per ``create_app``), never in a module
global, so two apps in one process (tests) do not see each other's database.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from flask import abort, current_app, g
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from dashboard.config import DashboardConfig
from hhb.settings import Settings
from store.db import session_scope
from store.models import Household, User
from store.users import Role


@dataclass(slots=True)
class AppState:
    settings: Settings
    config: DashboardConfig
    engine: Engine
    limiter: Any = None


def state() -> AppState:
    found: AppState = current_app.extensions["hhb"]
    return found


@contextmanager
def db() -> Iterator[Session]:
    """One unit of work on the app's database (committed at the end, rolled back on error)."""
    with session_scope(state().engine) as session:
        yield session


@dataclass(frozen=True, slots=True)
class Principal:
    """The logged-in user as authorization sees it; loaded fresh from the database on every
    request, so a change of role or a disabled account counts at the next click."""

    user_id: int
    username: str
    role: Role
    household_id: int | None = None
    household_code: str | None = None
    municipality: str | None = None

    # The attributes Flask-Login expects of a user object.
    is_authenticated = True
    is_active = True
    is_anonymous = False

    def get_id(self) -> str:
        return str(self.user_id)

    @classmethod
    def of(cls, session: Session, user: User) -> Principal:
        code = None
        if user.household_id is not None:
            household = session.get(Household, user.household_id)
            code = household.code if household is not None else None
        return cls(
            user.id, user.username, Role(user.role), user.household_id, code, user.municipality
        )


def principal() -> Principal:
    """The user of this request; ``401`` when there is none (deny by default stops that first)."""
    found: Principal | None = g.get("principal")
    if found is None:
        abort(401)
    return found
