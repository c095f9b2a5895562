"""A small demo world for the dashboard tests, built once and copied per test.

Households: the seed participant's (``DEMO-SEED``, user ``deelnemer``) and three more. Coach
``jdevries`` has the seed household with consent and ``waiting`` without; ``abakker`` has
``other`` (user ``deelnemer2``) with consent; ``foreign`` is in nobody's caseload.
"""

from __future__ import annotations

import datetime as dt
import sqlite3
from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace
from pathlib import Path

import pytest
from dash import Dash
from sqlalchemy import select

from dashboard import create_app
from dashboard.config import DashboardConfig
from hhb.demo.cli import run_demo
from hhb.demo.seed import SEED_CODE
from hhb.settings import Settings, sqlite_url
from store.access import add_to_caseload, grant_consent
from store.db import make_engine, session_scope
from store.models import Household
from store.users import Role, add_user
from tests.dashboard.dashclient import DashClient

SECOND_PASSWORD = "tulp-gracht-molen-77"


@dataclass(frozen=True, slots=True)
class World:
    database: Path
    files: Path
    passwords: dict[str, str]
    seed: str
    other: str
    waiting: str
    foreign: str

    def settings(self) -> Settings:
        return Settings(data_dir=self.database.parent, database_url=sqlite_url(self.database))


@pytest.fixture(scope="session")
def world_template(tmp_path_factory: pytest.TempPathFactory) -> World:
    base = tmp_path_factory.mktemp("dashboard-world")
    settings = Settings(data_dir=base, database_url=sqlite_url(base / "hhb.sqlite3"))
    result = run_demo(settings, households=4, months=4, echo=lambda _line: None)
    passwords = {login.username: login.password for login in result.logins}
    engine = make_engine(sqlite_url(result.database))
    with session_scope(engine) as session:
        codes = [c for c in session.scalars(select(Household.code).order_by(Household.code))
                 if c != SEED_CODE]  # fmt: skip
        other, waiting, foreign = codes[:3]
        add_user(session, "deelnemer2", Role.DEELNEMER, SECOND_PASSWORD, "test", household=other)
        add_to_caseload(session, "jdevries", SEED_CODE, "test")
        grant_consent(session, SEED_CODE, "jdevries", "deelnemer")
        add_to_caseload(session, "jdevries", waiting, "test")
        add_to_caseload(session, "abakker", other, "test")
        grant_consent(session, other, "abakker", "deelnemer2")
    engine.dispose()
    passwords["deelnemer2"] = SECOND_PASSWORD
    return World(result.database, result.files, passwords, SEED_CODE, other, waiting, foreign)


@pytest.fixture
def world(world_template: World, tmp_path: Path) -> World:
    """A private copy of the template database (SQLite's backup API, so WAL content is in)."""
    target = tmp_path / "hhb.sqlite3"
    with sqlite3.connect(world_template.database) as src, sqlite3.connect(target) as dst:
        src.backup(dst)
    return replace(world_template, database=target)


class Clock:
    """The time the app sees; tests move it forward to pass the session timeouts."""

    def __init__(self) -> None:
        self.now = dt.datetime.now(dt.UTC)

    def __call__(self) -> dt.datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        self.now += dt.timedelta(**delta)


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def config(clock: Clock) -> DashboardConfig:
    return DashboardConfig(secret_key="test-only-secret", clock=clock)


@pytest.fixture
def app(world: World, config: DashboardConfig) -> Iterator[Dash]:
    app = create_app(world.settings(), config)
    yield app
    app.server.extensions["hhb"].engine.dispose()


@pytest.fixture
def dash_client(app: Dash) -> DashClient:
    return DashClient(app)


Login = Callable[[str], DashClient]


@pytest.fixture
def as_user(app: Dash, world: World) -> Login:
    """``as_user("jdevries")``: a logged-in client for that demo user."""

    def make(username: str) -> DashClient:
        client = DashClient(app)
        response = client.login(username, world.passwords[username])
        assert response.status_code == 302, response.get_data(as_text=True)
        client.client.get("/")  # the first page sets the CSRF cookie, as in a browser
        return client

    return make
