"""The facts refresh on several cores: the households filled by worker processes give the same
facts as the one-process run (every row, every column, on SQLite and PostgreSQL), and a
household that fails stops the run with one Dutch line and nothing kept."""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner
from polars.testing import assert_frame_equal
from sqlalchemy import Engine, func, select, update

from hhb.cli import main
from hhb.demo.files import write_world
from hhb.demo.load import load_world
from reports import facts_parallel
from reports.facts_parallel import (
    FactsRunError,
    compute_parallel,
    default_processes,
    shareable_url,
)
from reports.facts_snapshot import compute, refresh, stored
from store.db import make_engine, migrate, session_scope
from store.models import AuditEvent, FactsSnapshot, Household, ProfileVersion

pytestmark = pytest.mark.slow  # builds and imports a small demo world

YEAR = 2024


@pytest.fixture(scope="module")
def world_files(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, list[str]]:
    folder = tmp_path_factory.mktemp("parallel-world")
    world = write_world(folder, households=10, months=12, seed=7, first=dt.date(2024, 1, 1),
                        workers=1)  # fmt: skip
    return folder, list(world.codes)


@pytest.fixture
def world(engine: Engine, world_files: tuple[Path, list[str]]) -> Engine:
    """The demo world imported into the engine under test (SQLite or PostgreSQL)."""
    folder, codes = world_files
    load_world(engine, folder, codes, "test")
    return engine


def test_workers_give_the_one_process_facts(world: Engine) -> None:
    with session_scope(world) as session:
        one, _ = compute(session, YEAR, None)
        assert one.frame.height >= 8 and one.frame["leefgeld_month_cents"].is_not_null().any()
        two, _ = compute_parallel(session, YEAR, None, 2, part=3)  # 4 parts over 2 workers
        assert_frame_equal(two.frame, one.frame)  # every row in order, every column and dtype
        assert dict(two.unavailable) == dict(one.unavailable)
        assert dict(two.sources) == dict(one.sources)
        gm = one.frame["municipality"][0]
        own, _ = compute(session, YEAR, gm)
        alone, _ = compute_parallel(session, YEAR, gm, 2, part=4)
        assert_frame_equal(alone.frame, own.frame)
        assert dict(alone.unavailable) == dict(own.unavailable)
        # a year without households: the unfilled facts, as in one process
        none, _ = compute(session, 1999, None)
        empty, _ = compute_parallel(session, 1999, None, 2, part=3)
        assert empty.frame.height == 0
        assert_frame_equal(empty.frame, none.frame)
        assert dict(empty.unavailable) == dict(none.unavailable)


def _break_profile(engine: Engine) -> str:
    """Store an unreadable profile document for the fifth household; its code."""
    with session_scope(engine) as session:
        household = session.scalars(select(Household).order_by(Household.id).offset(4)).first()
        assert household is not None
        session.execute(
            update(ProfileVersion)
            .where(ProfileVersion.household_id == household.id)
            .values(document={"schema": "kapot"})
        )
        return household.code


def _kept(engine: Engine) -> tuple[int, int]:
    with session_scope(engine) as session:
        snapshots = session.scalar(select(func.count()).select_from(FactsSnapshot))
        events = session.scalar(
            select(func.count()).select_from(AuditEvent).where(AuditEvent.action == "facts.refresh")
        )
    return int(snapshots or 0), int(events or 0)


@pytest.fixture
def small_parts(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setattr(facts_parallel, "PART", 3)
    yield


def test_a_failing_household_stops_the_run_with_one_dutch_line(
    world: Engine, small_parts: None
) -> None:
    code = _break_profile(world)
    with pytest.raises(FactsRunError) as raised, session_scope(world) as session:
        refresh(session, YEAR, "analist", processes=2)
    message = str(raised.value)
    assert f"huishouden {code} gaf een fout" in message
    assert "er is niets bewaard" in message and "\n" not in message
    assert _kept(world) == (0, 0)


def test_cli_refresh_with_two_processes_keeps_the_one_process_facts(
    world: Engine, small_parts: None, tmp_path: Path
) -> None:
    url = world.url.render_as_string(hide_password=False)
    runner = CliRunner()
    result = runner.invoke(
        main, ["--db", url, "--user", "analist", "facts", "refresh", "--year", "2024",
               "--processes", "2"],
        catch_exceptions=False,
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert _kept(world)[1] == 1  # one audit event for the run
    with session_scope(world) as session:
        whole, _ = compute(session, YEAR, None)
        for gm in sorted(set(whole.frame["municipality"].to_list())):
            kept = stored(session, gm, YEAR)
            assert kept is not None and kept.current
            own, _ = compute(session, YEAR, gm)
            assert_frame_equal(kept.facts.frame, own.frame)
            assert dict(kept.facts.unavailable) == dict(own.unavailable)
            assert f"{gm} {YEAR}: {own.frame.height} huishoudens" in result.output

    code = _break_profile(world)
    failed = runner.invoke(
        main, ["--db", url, "--user", "analist", "facts", "refresh", "--year", "2024",
               "--processes", "2"],
    )  # fmt: skip
    assert failed.exit_code == 1, failed.output
    lines = failed.output.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("hhb: de feiten van 2024"), failed.output
    assert code in lines[0] and "Traceback" not in failed.output
    assert _kept(world)[1] == 1  # the failed run added no event


def test_default_processes_follow_the_cores(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(os, "sched_getaffinity", lambda _pid: {0})
    assert default_processes() == 1
    monkeypatch.setattr(os, "sched_getaffinity", lambda _pid: {0, 1, 2, 3})
    assert default_processes() == 2


def test_a_database_in_memory_is_filled_in_this_process(tmp_path: Path) -> None:
    memory = make_engine("sqlite://")
    migrate(memory)
    with session_scope(memory) as session:
        assert shareable_url(session) is None
        facts, _ = compute_parallel(session, YEAR, None, 2, part=1)
        assert facts.frame.height == 0
    on_disk = make_engine(f"sqlite:///{tmp_path / 'x.sqlite3'}")
    with session_scope(on_disk) as session:
        assert shareable_url(session) == f"sqlite:///{tmp_path / 'x.sqlite3'}"
