"""``hhb budget`` end to end: the seed participant's generated bank files imported into a
database, classified and turned into a budget; golden JSON, the Dutch text, and the errors."""

from __future__ import annotations

import datetime as dt
import json
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner, Result
from sqlalchemy import Engine, delete, select

from hhb.cli import main
from hhb.demo.files import write_world
from hhb.demo.load import load_world
from hhb.demo.seed import LEEFGELD_LATER, SEED_CODE
from store.db import make_engine, migrate, session_scope
from store.models import AuditEvent, Household, ProfileVersion

GOLDEN = Path(__file__).parent.parent / "data" / "hhb" / "budget_seed.json.expected.json"
FIRST = dt.date(2024, 9, 1)
OTHER = "DEMO-000001"


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, tuple[str, ...]]:
    """Bank files, benefit files and profiles of the seed participant and one other household,
    six months from September 2024."""
    folder = tmp_path_factory.mktemp("world")
    written = write_world(folder, households=2, months=6, seed=5, first=FIRST, workers=1)
    return folder, written.codes


@pytest.fixture(scope="module")
def seed_db(world: tuple[Path, tuple[str, ...]], tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder, codes = world
    database = tmp_path_factory.mktemp("db") / "demo.sqlite3"
    engine = make_engine(f"sqlite:///{database}")
    migrate(engine)
    load_world(engine, folder, codes, "test")
    engine.dispose()
    return database


def budget(database: Path | str, *args: str) -> Result:
    return CliRunner().invoke(
        main,
        ["--db", str(database), "--user", "jdevries", "budget", *args],
        catch_exceptions=False,
    )


def test_seed_budget_json_golden(
    engine: Engine, world: tuple[Path, tuple[str, ...]], regen_golden: bool
) -> None:
    """On SQLite and PostgreSQL alike: the same budget, to the cent and the word."""
    folder, codes = world
    load_world(engine, folder, codes, "test")
    result = budget(
        engine.url.render_as_string(hide_password=False), "--household", SEED_CODE, "--json"
    )
    assert result.exit_code == 0, result.output
    actual = json.dumps(json.loads(result.stdout), indent=2, ensure_ascii=False) + "\n"
    if regen_golden or not GOLDEN.exists():
        GOLDEN.parent.mkdir(parents=True, exist_ok=True)
        GOLDEN.write_text(actual, encoding="utf-8")
        if not regen_golden:
            pytest.fail(f"no golden file yet; wrote {GOLDEN.name}, review and commit it")
    assert actual == GOLDEN.read_text(encoding="utf-8")


def test_seed_leefgeld_is_what_the_regular_income_leaves(seed_db: Path) -> None:
    """The demo coach lowered the leefgeld to what income minus fixed costs leaves (290,56):
    the budget finds that figure from the bank files alone."""
    data = json.loads(budget(seed_db, "--household", SEED_CODE, "--json").stdout)
    assert data["month"] == "2025-02"  # statements close on 28-02-2025
    assert data["leefgeld"]["month_cents"] == LEEFGELD_LATER
    assert data["leefgeld_paid"] == {"cents": LEEFGELD_LATER, "count": 1}
    partners = {line["ketenpartner"] for line in data["fixed_costs"]["lines"]}
    assert partners == {"Portaal", "Eneco", "Vitens", "Zorg & Zekerheid, afdeling relaties"}
    assert data["norm"]["available"] is True
    assert data["gap"]["month_cents"] == LEEFGELD_LATER - data["norm"]["month_cents"]
    assert data["norm"]["food_only"] == "alleen voeding: overige Nibud-posten niet gevonden"


def test_text_has_every_section_with_explanations(seed_db: Path) -> None:
    result = budget(seed_db, "--household", SEED_CODE)
    assert result.exit_code == 0, result.output
    text = result.stdout
    for heading in (
        "Inkomen per maand",
        "Vaste lasten per maand",
        "Reserveringen per maand",
        "Aflossingen per maand",
        "Leefgeld per maand",
        "Leefgeld per week",
        "Nibud-minimum en verschil (alleen voeding: overige Nibud-posten niet gevonden)",
        "Verschil leefgeld − minimum per maand",
    ):
        assert heading in text, heading
    assert "Portaal (huur): maandelijks, 6 keer betaald van" in text
    assert "€ 1.095,02" in text and "€ 290,56" in text
    assert "geslacht staat niet in het profiel" in text


def test_a_chosen_month_uses_only_the_history_up_to_then(seed_db: Path) -> None:
    data = json.loads(
        budget(seed_db, "--household", SEED_CODE, "--month", "2024-11", "--json").stdout
    )
    assert data["month"] == "2024-11"
    for section in ("income", "fixed_costs"):
        for line in data[section]["lines"]:
            assert line["last_date"] <= "2024-11-30"
    assert data["leefgeld_paid"]["cents"] == 46016  # before the coach lowered it


def test_view_is_audited(seed_db: Path) -> None:
    budget(seed_db, "--household", SEED_CODE, "--month", "2024-12")
    engine = make_engine(f"sqlite:///{seed_db}")
    with session_scope(engine) as session:
        events = session.scalars(select(AuditEvent).where(AuditEvent.action == "budget.view")).all()
        assert any(e.actor == "jdevries" and e.detail == "2024-12" for e in events)
    engine.dispose()


def test_unknown_household_month_without_data_and_bad_month(seed_db: Path) -> None:
    result = budget(seed_db, "--household", "NIEMAND")
    assert result.exit_code == 1 and "huishouden 'NIEMAND' bestaat niet" in result.stderr
    result = budget(seed_db, "--household", SEED_CODE, "--month", "2023-01")
    assert result.exit_code == 1
    assert "geen transacties in 2023-01" in result.stderr
    assert "02-09-2024" in result.stderr  # where the statements do start
    result = budget(seed_db, "--household", SEED_CODE, "--month", "2024-13")
    assert result.exit_code == 2 and "jjjj-mm" in result.output
    assert "Traceback" not in result.output


def test_without_profile_the_norm_asks_for_one(seed_db: Path, tmp_path: Path) -> None:
    copy = tmp_path / "zonder-profiel.sqlite3"
    shutil.copy(seed_db, copy)
    engine = make_engine(f"sqlite:///{copy}")
    with session_scope(engine) as session:
        household = session.scalar(select(Household).where(Household.code == OTHER))
        assert household is not None
        session.execute(delete(ProfileVersion).where(ProfileVersion.household_id == household.id))
    engine.dispose()
    result = budget(copy, "--household", OTHER, "--json")
    assert result.exit_code == 0, result.output
    norm = json.loads(result.stdout)["norm"]
    assert norm["available"] is False and "geen profiel vastgelegd" in norm["reason"]
    text = budget(copy, "--household", OTHER).stdout
    assert "hhb household update DEMO-000001 --profile" in text


def test_budget_and_signals_read_the_statement_end_from_one_place() -> None:
    """``hhb budget`` (and the month report through ``hhb.commands_plan``) and ``hhb signals``
    share :mod:`store.statement_dates`: a closing date after the last booking extends the data,
    an earlier one or none leaves the last booking."""
    import hhb.commands_plan
    import store.statement_dates as dates

    assert hhb.commands_plan.statements_until is dates.statements_until
    day = dt.date(2024, 12, 27)
    assert dates.StatementDates(None, dt.date(2024, 12, 31)).data_until(day) == dt.date(
        2024, 12, 31
    )
    assert dates.StatementDates(None, dt.date(2024, 11, 30)).data_until(day) == day
    assert dates.StatementDates(None, None).data_until(day) == day
