"""Dated profiles: each change is kept, and a month reads the situation on its first day."""

from __future__ import annotations

import datetime as dt

import pytest
from alembic import command
from sqlalchemy import Engine, text

from ingest.profile import load_profile
from store.db import alembic_config, make_engine, migrate, session_scope
from store.households import ConflictError, create_household
from store.profiles import profile_for_month, profile_history, profile_on, record_profile

PROFILE = """
formaat: hhb-huishoudprofiel
versie: 1
gemeente: GM0344
postcode: 3533 AB
coach: jdevries
deelname: {van: 2024-01-01}
leden:
  - {rol: aanvrager, geboortedatum: 1988-04-12}
huur: {kale_huur: 612.50, subsidiabele_servicekosten: 48.00}
"""
WITH_PARTNER = PROFILE.replace(
    "  - {rol: aanvrager, geboortedatum: 1988-04-12}\n",
    "  - {rol: aanvrager, geboortedatum: 1988-04-12}\n"
    "  - {rol: toeslagpartner, geboortedatum: 1986-11-02}\n",
)


@pytest.fixture
def db(engine: Engine) -> Engine:
    with session_scope(engine) as session:
        create_household(session, "H1", "coach1")
    return engine


def test_a_month_reads_the_profile_valid_on_its_first_day(db: Engine) -> None:
    single = load_profile(PROFILE.encode(), "p.yaml")
    couple = load_profile(WITH_PARTNER.encode(), "p2.yaml")
    with session_scope(db) as session:
        record_profile(session, "H1", single, dt.date(2024, 1, 1), "coach1", "p.yaml")
        record_profile(session, "H1", couple, dt.date(2024, 6, 15), "coach1", "p2.yaml")
    with session_scope(db) as session:
        assert profile_on(session, "H1", dt.date(2023, 12, 31)) is None
        assert profile_on(session, "H1", dt.date(2024, 6, 14)) == single
        assert profile_on(session, "H1", dt.date(2024, 6, 15)) == couple
        # a change during June counts from July
        assert profile_for_month(session, "H1", dt.date(2024, 6, 1)) == single
        assert profile_for_month(session, "H1", dt.date(2024, 7, 1)) == couple


def test_a_correction_is_a_new_recording_and_history_keeps_both(db: Engine) -> None:
    wrong = load_profile(PROFILE.encode(), "p.yaml")
    right = load_profile(PROFILE.replace("612.50", "621.50").encode(), "p.yaml")
    with session_scope(db) as session:
        record_profile(session, "H1", wrong, dt.date(2024, 1, 1), "coach1")
        record_profile(session, "H1", right, dt.date(2024, 1, 1), "deelnemer1")
    with session_scope(db) as session:
        assert profile_on(session, "H1", dt.date(2024, 3, 1)) == right
        history = profile_history(session, "H1")
    assert [v.recorded_by for v in history] == ["coach1", "deelnemer1"]
    assert history[0].profile.rent is not None and history[0].profile.rent.bare_rent_cents == 61250


def test_profile_of_another_household_is_refused(db: Engine) -> None:
    other = load_profile(("huishouden: H7\n" + PROFILE).encode(), "p.yaml")
    with session_scope(db) as session, pytest.raises(ConflictError, match="H7"):
        record_profile(session, "H1", other, dt.date(2024, 1, 1), "coach1")


def test_upgrade_from_the_first_schema_keeps_the_data(tmp_path: object) -> None:
    engine = make_engine(f"sqlite:///{tmp_path}/old.sqlite3")
    command.upgrade(alembic_config(engine), "0001")
    with engine.begin() as conn:
        conn.execute(text("INSERT INTO households (code, created_at) VALUES ('OLD', '2024-01-01')"))
    migrate(engine)
    with session_scope(engine) as session:
        record_profile(
            session, "OLD", load_profile(PROFILE.encode(), "p.yaml"), dt.date(2024, 1, 1), "x"
        )
        assert profile_on(session, "OLD", dt.date(2024, 2, 1)) is not None
