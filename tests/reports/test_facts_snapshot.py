"""Kept household facts: `hhb facts refresh` computes them once, `hhb aggregates` and the
analyst page read them while the data are unchanged, and after any change they count as stale
and are computed again, never shown as current."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import polars as pl
import pytest
from click.testing import CliRunner, Result
from polars.testing import assert_frame_equal
from sqlalchemy import func, select

from hhb.cli import main
from reports.facts_snapshot import compute, current, facts_of, latest, refresh, stored
from store.db import make_engine, session_scope
from store.models import AuditEvent, FactsSnapshot, Transaction, utcnow
from tests.reports.helpers import demo_database

pytestmark = pytest.mark.slow  # builds and imports a small demo world


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("facts-world")
    return demo_database(folder, households=12, months=12, seed=5, first=dt.date(2024, 1, 1))


def hhb(database: Path, *args: str) -> Result:
    return CliRunner().invoke(
        main, ["--db", str(database), "--user", "analist", *args], catch_exceptions=False
    )


def municipalities(database: Path) -> list[str]:
    engine = make_engine(f"sqlite:///{database}")
    with session_scope(engine) as session:
        facts, _ = compute(session, 2024, None)
    engine.dispose()
    return sorted(set(facts.frame["municipality"].to_list()))


def refresh_events(database: Path) -> int:
    engine = make_engine(f"sqlite:///{database}")
    with session_scope(engine) as session:
        count = session.scalar(
            select(func.count()).select_from(AuditEvent).where(AuditEvent.action == "facts.refresh")
        )
        assert not session.scalars(
            select(AuditEvent.household_id).where(AuditEvent.action == "facts.refresh")
        ).first()  # one event for the run, about no single household
    engine.dispose()
    return int(count or 0)


def test_refresh_keeps_what_compute_makes_and_status_tells_when_it_goes_stale(
    world: Path,
) -> None:
    assert "Nog geen feiten bewaard" in hhb(world, "facts", "status").output
    result = hhb(world, "facts", "refresh", "--year", "2024")
    assert result.exit_code == 0, result.output
    gms = municipalities(world)
    for gm in gms:
        assert f"{gm} 2024: " in result.output
    assert refresh_events(world) == 1
    status = hhb(world, "facts", "status").output
    assert status.count("(actueel)") == len(gms), status

    engine = make_engine(f"sqlite:///{world}")
    with session_scope(engine) as session:
        whole, _ = compute(session, 2024, gms[0])
        kept = stored(session, gms[0], 2024)
        assert kept is not None and kept.current
        assert_frame_equal(kept.facts.frame, whole.frame)  # every column, every dtype
        assert dict(kept.facts.unavailable) == dict(whole.unavailable)
        # a participant deletes a transaction: every kept snapshot is stale from then on
        tx = session.scalars(select(Transaction).order_by(Transaction.id)).first()
        assert tx is not None
        tx.deleted_at, tx.deleted_by = utcnow(), "deelnemer"
    with session_scope(engine) as session:
        again = stored(session, gms[0], 2024)
        assert again is not None and not again.current
    engine.dispose()
    assert "verouderd" in hhb(world, "facts", "status").output


def test_aggregates_reuse_current_facts_and_recompute_stale_ones(
    world: Path, tmp_path: Path
) -> None:
    gm = municipalities(world)[0]
    args = ("aggregates", "--municipality", gm, "--year", "2024", "--use", "intern")
    first = hhb(world, *args, "--out", str(tmp_path / "a.csv"))
    assert first.exit_code == 0, first.output
    events = refresh_events(world)
    second = hhb(world, *args, "--out", str(tmp_path / "b.csv"))
    assert second.exit_code == 0, second.output
    assert refresh_events(world) == events  # read, not computed again
    line = [x for x in second.output.splitlines() if x.startswith("Feiten ")]
    assert line and line == [x for x in first.output.splitlines() if x.startswith("Feiten ")]
    assert (tmp_path / "a.csv").read_bytes() == (tmp_path / "b.csv").read_bytes()

    engine = make_engine(f"sqlite:///{world}")
    with session_scope(engine) as session:
        tx = session.scalars(
            select(Transaction).where(Transaction.deleted_at.is_(None)).order_by(Transaction.id)
        ).first()
        assert tx is not None
        tx.deleted_at, tx.deleted_by = utcnow(), "deelnemer"
    with session_scope(engine) as session:
        fresh = current(session, gm, 2024, "analist")
        assert fresh.current
        rows = session.scalar(
            select(func.count()).select_from(FactsSnapshot).where(FactsSnapshot.municipality == gm)
        )
    engine.dispose()
    assert rows == 1  # replaced, not added
    assert refresh_events(world) == events + 1


def test_refresh_without_transactions_says_what_to_do(tmp_path: Path) -> None:
    database = tmp_path / "empty.sqlite3"
    assert hhb(database, "init").exit_code == 0
    result = hhb(database, "facts", "refresh")
    assert result.exit_code == 1
    assert "importeer eerst afschriften" in result.output
    assert "Traceback" not in result.output


def test_facts_of_households_reads_kept_rows_and_computes_the_rest(world: Path) -> None:
    engine = make_engine(f"sqlite:///{world}")
    with session_scope(engine) as session:
        refresh(session, 2024, "analist")
        whole, _ = compute(session, 2024, None)
        codes = [*sorted(whole.frame["household"].to_list())[:3], "GEEN-HUISHOUDEN"]
        expected = whole.frame.filter(pl.col("household").is_in(codes)).sort("household")
        kept = facts_of(session, 2024, codes)
        assert_frame_equal(kept.frame.sort("household"), expected)
        # the data change: the kept rows are stale, so every household is computed again
        tx = session.scalars(
            select(Transaction).where(Transaction.deleted_at.is_(None)).order_by(Transaction.id)
        ).first()
        assert tx is not None
        tx.deleted_at, tx.deleted_by = utcnow(), "deelnemer"
        session.flush()
        again, _ = compute(session, 2024, None)
        fresh = facts_of(session, 2024, codes)
        assert_frame_equal(
            fresh.frame.sort("household"),
            again.frame.filter(pl.col("household").is_in(codes)).sort("household"),
        )
    engine.dispose()


def test_latest_shows_kept_facts_as_stale_instead_of_waiting(world: Path) -> None:
    gm = municipalities(world)[0]
    engine = make_engine(f"sqlite:///{world}")
    with session_scope(engine) as session:
        made = refresh(session, 2024, "analist")[gm]
        tx = session.scalars(
            select(Transaction).where(Transaction.deleted_at.is_(None)).order_by(Transaction.id)
        ).first()
        assert tx is not None
        tx.deleted_at, tx.deleted_by = utcnow(), "deelnemer"
    events = refresh_events(world)
    with session_scope(engine) as session:
        shown = latest(session, gm, 2024, "analist")
    engine.dispose()
    assert not shown.current  # the page says the data changed since
    assert shown.computed_at == made.computed_at
    assert_frame_equal(shown.facts.frame, made.facts.frame)
    assert refresh_events(world) == events  # nothing computed on the click
