"""Golden test for issue 4's month overview: ``hhb overview`` on the seed participant gives the
Huishoudboekje table of seeds/002_* exactly: every ketenpartner row with its individual payments,
and saldo begin, balans and saldo eind per month. Built from the generated bank files through the
normal import and classification paths, nothing taken from the generator's own books."""

from __future__ import annotations

import datetime as dt
import json
from collections import Counter
from pathlib import Path

import pytest
from click.testing import CliRunner

from hhb.cli import main
from hhb.demo.files import write_world
from hhb.demo.load import load_world
from hhb.demo.seed import SEED_CODE
from store.db import make_engine, migrate
from tests.hhb.test_demo_seed import CLOSING, OPENING, PERIOD, TABLE


@pytest.fixture(scope="module")
def seed_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("seed")
    world = write_world(
        folder, households=2, months=4, seed=5, first=dt.date(2024, 9, 1), workers=1
    )
    database = folder / "demo.sqlite3"
    engine = make_engine(f"sqlite:///{database}")
    migrate(engine)
    load_world(engine, folder, world.codes, "test")
    engine.dispose()
    return database


def overview(database: Path, *args: str) -> tuple[int, str]:
    result = CliRunner().invoke(
        main,
        ["--db", str(database), "overview", "--household", SEED_CODE, *args],
        catch_exceptions=False,
    )
    return result.exit_code, result.output


def test_seed_participant_table_exactly(seed_db: Path) -> None:
    code, output = overview(seed_db, "--from", "2024-09", "--to", "2024-11", "--json")
    assert code == 0, output
    table = json.loads(output)
    assert table["opening_cents"][0] == OPENING
    assert tuple(table["balance_cents"]) == PERIOD
    assert tuple(table["closing_cents"]) == CLOSING
    assert table["opening_cents"][1:] == list(CLOSING[:2])
    rows = {r["ketenpartner"]: r["payments_cents"] for r in table["rows"]}
    assert set(rows) == set(TABLE[0]) | set(TABLE[1])
    for month, expected in enumerate(TABLE):
        for partner in rows:
            # Within a month the table lists payments in no particular order.
            got = Counter(rows[partner][month])
            assert got == Counter(expected.get(partner, [])), (month, partner)


def test_text_table_reads_like_the_coach_sees_it(seed_db: Path) -> None:
    code, output = overview(seed_db, "--from", "2024-09", "--to", "2024-11")
    assert code == 0, output
    lines = output.splitlines()
    assert lines[0].split()[1:] == ["september", "2024", "oktober", "2024", "november", "2024"]
    assert lines[-3].endswith("€ -85,36        € -281,17        € -279,77")
    assert lines[-2].endswith("€ -195,81          € +1,40        € +553,49")
    assert lines[-1].endswith("€ -281,17        € -279,77        € +273,72")
    assert any(line.startswith("Zorg & Zekerheid, afdeling relaties") for line in lines)


def test_a_month_on_its_own_starts_from_the_right_saldo(seed_db: Path) -> None:
    _, output = overview(seed_db, "--from", "2024-11", "--to", "2024-11", "--json")
    table = json.loads(output)
    assert table["opening_cents"] == [CLOSING[1]] and table["closing_cents"] == [CLOSING[2]]


def test_bad_range_is_explained(seed_db: Path) -> None:
    code, output = overview(seed_db, "--from", "2024-11", "--to", "2024-09")
    assert code == 2 and "--to ligt voor --from" in output
