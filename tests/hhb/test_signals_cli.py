"""`hhb signals`, `hhb signals settings` and `hhb forecast` end to end on the seed participant.

The database is built as in ``tests/hhb/test_overview.py``: the demo world's bank files for
DEMO-SEED (September to December 2024: the presentation's three months, then a fourth with the
lower leefgeld) imported through the normal paths. What a coach should see follows from that
history: the balance below zero in October, November and December, Vitens not collecting in
November, the leefgeld lowered to € 290,56 in December.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result
from sqlalchemy import select

from hhb.cli import main
from hhb.demo.files import write_world
from hhb.demo.load import load_world
from hhb.demo.seed import SEED_CODE
from hhb.signals_view import load_inputs
from store.classification import classified_transactions
from store.db import make_engine, migrate, session_scope
from store.models import AuditEvent
from tests.hhb.test_demo_seed import CLOSING


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


def hhb(database: Path, *args: str) -> Result:
    return CliRunner().invoke(main, ["--db", str(database), "--user", "coach1", *args])


def signals(database: Path, *args: str) -> dict[str, Any]:
    result = hhb(database, "signals", "--household", SEED_CODE, "--json", *args)
    assert result.exit_code == 0, result.output
    out: dict[str, Any] = json.loads(result.stdout)
    return out


def kinds(out: dict[str, Any]) -> dict[str, list[dict[str, Any]]]:
    found: dict[str, list[dict[str, Any]]] = {}
    for sig in out["signals"]:
        found.setdefault(sig["kind"], []).append(sig)
    return found


def test_open_signals_of_the_seed_participant(seed_db: Path) -> None:
    out = signals(seed_db)
    assert (out["since"], out["as_of"]) == ("2024-11-01", "2024-12-31")  # the closing date
    found = kinds(out)
    low = found["negative_balance"]
    assert [(s["date"], s["amount_cents"]) for s in low] == [
        ("2024-11-01", -116403),
        ("2024-12-02", -44094),
    ]
    assert "(€ -279,77)" in low[0]["message"]  # October's closing balance is carried in
    (vitens,) = found["payment_missing"]
    assert (vitens["date"], vitens["amount_cents"], vitens["severity"]) == (
        "2024-11-23",
        -2621,
        "alert",
    )
    (leefgeld,) = found["amount_differs"]
    assert (leefgeld["amount_cents"], leefgeld["reference_cents"]) == (-29056, -46016)
    assert "€ 290,56 betaald op 3 december 2024 in plaats van € 460,16" in leefgeld["message"]
    assert found["forecast_below_zero"][0]["severity"] == "alert"
    assert out["margins"]["date_tolerance_days"] == 5 and out["margins"]["custom"] == []
    assert signals(seed_db)["signals"] == out["signals"]  # same ids, same order


def test_text_output_for_the_coach(seed_db: Path) -> None:
    result = hhb(seed_db, "signals", "--household", SEED_CODE)
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert lines[0].startswith("Signalen voor DEMO-SEED van 1 november 2024 t/m 31 december")
    assert any(
        line.startswith("[hoog]   23-11-2024  verwachte betaling ontbreekt: Water Vitens")
        for line in lines
    )
    assert "Marges:" in lines
    assert any("datummarge" in line and "5 dagen" in line for line in lines)


def test_a_month_as_it_looked_at_its_end(seed_db: Path) -> None:
    out = signals(seed_db, "--month", "2024-10")
    assert (out["since"], out["as_of"]) == ("2024-10-01", "2024-10-31")
    low = kinds(out)["negative_balance"]
    assert len(low) == 1 and low[0]["date"] == "2024-10-01"
    assert f"(€ -{-CLOSING[0] // 100},{-CLOSING[0] % 100:02d})" in low[0]["message"]
    assert all(
        s["date"] <= "2024-10-31" or s["kind"].startswith("forecast") for s in out["signals"]
    )


def test_margins_change_what_is_open_and_are_audited(seed_db: Path) -> None:
    result = hhb(
        seed_db,
        "signals",
        "settings",
        "--household",
        SEED_CODE,
        "--amount-pct",
        "40",
        "--floor-eur",
        "-1.200,00",
        "--json",
    )
    assert result.exit_code == 0, result.output
    shown = json.loads(result.stdout)
    assert shown["amount_tolerance_pct"] == 40 and shown["balance_floor_cents"] == -120000
    assert shown["custom"] == ["amount_tolerance_pct", "balance_floor_cents"]
    found = kinds(signals(seed_db))
    assert "amount_differs" not in found  # 36,9 % is within 40 %
    assert "negative_balance" not in found  # never below € -1.200
    text = hhb(seed_db, "signals", "settings", "--household", SEED_CODE)
    assert "ingesteld" in text.stdout and "Laatst gewijzigd door coach1" in text.stdout
    reset = hhb(seed_db, "signals", "settings", "--household", SEED_CODE, "--reset", "--json")
    assert json.loads(reset.stdout)["custom"] == []
    assert "amount_differs" in kinds(signals(seed_db))
    engine = make_engine(f"sqlite:///{seed_db}")
    with session_scope(engine) as session:
        actions = session.scalars(
            select(AuditEvent.action).where(AuditEvent.actor == "coach1")
        ).all()
    engine.dispose()
    for action in (
        "signal_settings.set",
        "signal_settings.reset",
        "signal_settings.view",
        "signals.view",
    ):
        assert action in actions


def test_forecast_of_the_seed_participant(seed_db: Path) -> None:
    result = hhb(seed_db, "forecast", "--household", SEED_CODE, "--json")
    assert result.exit_code == 0, result.output
    out = json.loads(result.stdout)
    # December's payments up to the 27th add up to nothing (the leefgeld was lowered for it)
    assert out["start_cents"] == CLOSING[2] and out["as_of"] == "2024-12-31"
    assert len(out["months"]) == 12 and out["months"][0]["month"] == "2025-01-01"
    january = out["months"][0]
    assert sum(c["amount_cents"] for c in january["contributions"]) == january["series_cents"]
    labels = {c["label"] for c in january["contributions"]}
    assert {"Huur Portaal", "Uitkering UWV", "Leefgeld E. Bakker"} <= labels
    assert out["history_months"] == 4 and out["sigma_cents"] is not None
    bands = [m["band_cents"] for m in out["months"]]
    assert bands == sorted(bands)
    text = hhb(seed_db, "forecast", "--household", SEED_CODE, "--months", "3")
    assert text.exit_code == 0
    assert text.stdout.splitlines()[0] == (
        "Prognose voor DEMO-SEED vanaf 31 december 2024 (saldo € 273,72)"
    )
    assert "Reeksen in de prognose:" in text.stdout and "Band: verwacht ± 1,28" in text.stdout


@pytest.mark.parametrize(
    ("args", "code", "message"),
    [
        (["signals", "--household", "H9"], 1, "bestaat niet"),
        (["signals", "--household", SEED_CODE, "--month", "2030-01"], 1, "nog niets bekend"),
        (["signals", "--household", SEED_CODE, "--month", "maart"], 2, "ongeldig"),
        (["signals"], 2, "--household"),
        (
            ["signals", "settings", "--household", SEED_CODE, "--amount-eur", "twee"],
            2,
            "geen bedrag",
        ),
        (
            ["signals", "settings", "--household", SEED_CODE, "--days", "500"],
            2,
            "datummarge in dagen moet een geheel getal tussen 0 en 60",
        ),
        (["forecast", "--household", SEED_CODE, "--months", "99"], 2, "99"),
    ],
)
def test_mistakes_give_one_dutch_line(
    seed_db: Path, args: list[str], code: int, message: str
) -> None:
    result = hhb(seed_db, *args)
    assert result.exit_code == code, result.output
    assert message in result.output
    assert "Traceback" not in result.output


@pytest.mark.parametrize("month", [None, "2024-11"])
def test_inputs_from_an_already_classified_history_are_the_same(
    seed_db: Path, month: str | None
) -> None:
    """The Regelingen page passes the history it classified; a past month classifies its part
    again (classification may look ahead), the whole history is used as it is."""
    engine = make_engine(f"sqlite:///{seed_db}")
    try:
        with session_scope(engine) as session:
            read = load_inputs(session, SEED_CODE, month)
            passed = load_inputs(
                session, SEED_CODE, month, classified=classified_transactions(session, SEED_CODE)
            )
    finally:
        engine.dispose()
    assert (passed.as_of, passed.since, passed.balance_known) == (
        read.as_of, read.since, read.balance_known
    )  # fmt: skip
    assert passed.transactions.equals(read.transactions)
    assert passed.series.equals(read.series) and passed.context.equals(read.context)
    assert read.series.height and read.series["rubriek"].null_count() < read.series.height
