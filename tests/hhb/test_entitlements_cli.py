"""``hhb entitlements``, ``hhb explain`` and ``hhb whatif`` end to end: the demo seed participant
(generated bank and benefit files imported into a database) and a household whose income rises."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest
from click.testing import CliRunner, Result
from sqlalchemy import select

from hhb.cli import main
from hhb.demo.files import write_world
from hhb.demo.load import load_world
from hhb.demo.seed import SEED_CODE
from store.db import make_engine, migrate, session_scope
from store.models import AuditEvent
from tests.entitlement.test_outcomes import store_rise

FIRST = dt.date(2024, 9, 1)


@pytest.fixture(autouse=True)
def _data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HHB_DATA_DIR", str(tmp_path / "data"))


@pytest.fixture(scope="module")
def database(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The seed participant (six months from September 2024) and STIJGER (2024)."""
    folder = tmp_path_factory.mktemp("world")
    written = write_world(folder, households=1, months=6, seed=5, first=FIRST, workers=1)
    path = tmp_path_factory.mktemp("db") / "hhb.sqlite3"
    engine = make_engine(f"sqlite:///{path}")
    migrate(engine)
    load_world(engine, folder, written.codes, "test")
    store_rise(engine)
    engine.dispose()
    return path


def hhb(database: Path, *args: str) -> Result:
    return CliRunner().invoke(
        main, ["--db", str(database), "--user", "jdevries", *args], catch_exceptions=False
    )


def test_seed_misses_zorgtoeslag_and_the_view_is_audited(database: Path) -> None:
    result = hhb(database, "entitlements", "--household", SEED_CODE, "--year", "2024")
    assert result.exit_code == 0, result.output
    text = result.stdout
    assert "Gemist (wel recht, niets ontvangen):" in text
    assert "Zorgtoeslag: ongeveer € " in text and "toeslagen.nl" in text
    assert "Het toetsingsinkomen is een schatting" in text
    assert "(b) maanden met een verwacht saldo onder nul of onder de buffer:" in text
    engine = make_engine(f"sqlite:///{database}")
    with session_scope(engine) as session:
        actions = session.scalars(
            select(AuditEvent.action).where(AuditEvent.actor == "jdevries")
        ).all()
    engine.dispose()
    assert "entitlements.view" in actions


def test_json_lists_the_missed_zorgtoeslag_with_its_yearly_amount(database: Path) -> None:
    result = hhb(database, "entitlements", "--household", SEED_CODE, "--year", "2024", "--json")
    data = json.loads(result.stdout)
    missed = {m["regeling"]: m for m in data["gemist"]}
    zt = next(r for r in data["regelingen"] if r["regeling"] == "zorgtoeslag")
    assert missed["zorgtoeslag"]["expected_year_cents"] == zt["expected_year_cents"] > 0
    assert zt["received_year_cents"] == 0
    statuses = {m["month"]: m["status"] for m in zt["maanden"]}
    assert statuses["2024-12-01"] == "gemist"
    assert data["statements"]["last_full_month"] == "2025-02"


def test_income_rise_shows_the_clawback_and_the_reservation(database: Path) -> None:
    result = hhb(database, "entitlements", "--household", "STIJGER", "--year", "2024")
    assert result.exit_code == 0, result.output
    assert "Zorgtoeslag 2024: voorschotten € 1.476,00" in result.stdout
    assert "Reserveer € " in result.stdout and "per maand vanaf oktober 2024" in result.stdout


def test_explain_shows_steps_parameters_with_sources_and_the_inputs(database: Path) -> None:
    result = hhb(
        database, "explain", "--household", SEED_CODE, "--regeling", "zorgtoeslag",
        "--month", "2024-10",
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    text = result.stdout
    assert "Uitkomst: recht op € " in text
    assert "Gebruikte parameters (waarde, bron, status):" in text
    assert "secundaire bron volgens DOMAIN.md" in text and "status: te verifiëren" in text
    assert "Gegevens van het huishouden:" in text and "leeftijd aanvrager: 55" in text
    assert "Normpremie" in text and "formule:" in text
    assert "Herkomst van de inkomensgegevens:" in text and "geschat" in text
    assert "Betaling: gemist" in text


def test_whatif_json_never_raises_a_toeslag_with_more_income(database: Path) -> None:
    result = hhb(
        database, "whatif", "--household", "STIJGER", "--from", "2024-07",
        "--income-change", "+1000", "--json",
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["change_cents"] == 100_000 and data["gross_change_cents"] > 100_000
    wanted = ("zorgtoeslag", "kindgebonden_budget")
    toeslagen = [r for r in data["regelingen"] if r["regeling"] in wanted]
    assert toeslagen and all(r["difference_cents"] <= 0 for r in toeslagen)
    assert data["toetsingsinkomen_new_cents"] > data["toetsingsinkomen_cents"]
    text = hhb(
        database, "whatif", "--household", "STIJGER", "--from", "2024-07",
        "--income-change", "-250,50",
    ).stdout  # fmt: skip
    assert "netto € -250,50 per maand" in text and "Zorgtoeslag" in text


@pytest.mark.parametrize(
    ("args", "code", "fragment"),
    [
        (("entitlements", "--household", "NIEMAND", "--year", "2024"), 1, "bestaat niet"),
        (("entitlements", "--household", SEED_CODE, "--year", "2019"), 1, "niets over 2019"),
        (("explain", "--household", SEED_CODE, "--regeling", "zorg", "--month", "2024-10"), 2,
         "onbekende regeling"),
        (("explain", "--household", SEED_CODE, "--regeling", "zorgtoeslag", "--month", "10-2024"),
         2, "ongeldig"),
        (("whatif", "--household", SEED_CODE, "--from", "2024-10", "--income-change", "veel"), 2,
         "geen bedrag"),
    ],
)  # fmt: skip
def test_bad_input_is_one_dutch_line(
    database: Path, args: tuple[str, ...], code: int, fragment: str
) -> None:
    result = hhb(database, *args)
    assert result.exit_code == code
    assert fragment in result.output
    assert "Traceback" not in result.output
