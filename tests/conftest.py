from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import HealthCheck, settings
from sqlalchemy import Engine, text

from store.db import make_engine, migrate
from tests.support.postgres import throwaway_cluster, unavailable_reason

# Property tests check behaviour, not speed (speed targets live in benchmarks/): on a shared or
# busy machine hypothesis' per-example deadline and its too-slow check fail correct code.
settings.register_profile(
    "hhb", deadline=None, suppress_health_check=[HealthCheck.too_slow], print_blob=True
)
settings.load_profile("hhb")


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--regen-golden",
        action="store_true",
        default=False,
        help="rewrite the *.expected.json golden files from the current output",
    )


@pytest.fixture
def regen_golden(request: pytest.FixtureRequest) -> bool:
    return bool(request.config.getoption("--regen-golden"))


# Storage tests take the ``engine`` fixture and run once on SQLite and once on PostgreSQL.


@pytest.fixture(scope="session")
def postgres_url() -> Iterator[str]:
    reason = unavailable_reason()
    if reason:
        pytest.skip(f"PostgreSQL run skipped: {reason}")
    with throwaway_cluster() as url:
        yield url


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def engine(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Engine]:
    """A migrated, empty database on each backend."""
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'hhb.sqlite3'}"
    else:
        url = request.getfixturevalue("postgres_url")
        with make_engine(url).begin() as conn:
            conn.execute(text("DROP SCHEMA public CASCADE; CREATE SCHEMA public"))
    eng = make_engine(url)
    migrate(eng)
    yield eng
    eng.dispose()
