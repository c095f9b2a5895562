"""`hhb aggregates` as an analyst runs it on a small database: files with their metadata, an
audit line, and not one household code, IBAN or name in anything written."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import polars as pl
import pytest
from click.testing import CliRunner, Result
from sqlalchemy import select

from hhb.cli import main
from reports.export import read_export
from store.db import make_engine, session_scope
from store.models import Account, AuditEvent, Household, ProfileVersion, Transaction
from tests.reports.attacker import determined_counts_linked
from tests.reports.helpers import demo_database


@pytest.fixture(scope="module")
def small_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("world")
    return demo_database(folder, households=40, months=12, seed=11, first=dt.date(2024, 1, 1))


pytestmark = pytest.mark.slow  # builds and imports a 40-household demo world


def secrets(database: Path) -> set[str]:
    """Every household code, IBAN and member name in the database."""
    engine = make_engine(f"sqlite:///{database}")
    with session_scope(engine) as session:
        found = set(session.scalars(select(Household.code)))
        found |= set(session.scalars(select(Account.identifier)))
        found |= {i for i in session.scalars(select(Transaction.counterparty_iban)) if i}
        for document in session.scalars(select(ProfileVersion.document)):
            found |= {m["naam"] for m in document["leden"] if m.get("naam")}
    engine.dispose()
    return found


def municipality(database: Path) -> str:
    engine = make_engine(f"sqlite:///{database}")
    with session_scope(engine) as session:
        codes = [str(d["gemeente"]) for d in session.scalars(select(ProfileVersion.document))]
    engine.dispose()
    return max(set(codes), key=codes.count)


def run(database: Path, *args: str) -> Result:
    return CliRunner().invoke(
        main, ["--db", str(database), "--user", "analist", "aggregates", *args],
        catch_exceptions=False,
    )  # fmt: skip


@pytest.mark.parametrize(("level", "suffix"), [("wijk", "csv"), ("wijk", "parquet"),
                                              ("gemeente", "csv")])  # fmt: skip
def test_no_household_code_iban_or_name_in_any_output(
    small_db: Path, tmp_path: Path, level: str, suffix: str
) -> None:
    out = tmp_path / f"cijfers.{suffix}"
    gm = municipality(small_db)
    result = run(small_db, "--municipality", gm, "--year", "2024", "--level", level,
                 "--use", "intern", "--out", str(out))  # fmt: skip
    assert result.exit_code == 0, result.output
    frame, metadata = read_export(out)
    assert frame.filter(pl.col("status_huishoudens") == "gepubliceerd").height > 10
    assert determined_counts_linked(frame) == []  # and no hidden count can be worked out
    texts = [
        frame.write_csv(),
        json.dumps(metadata, ensure_ascii=False),
        Path(f"{out}.meta.json").read_text("utf-8"),
        result.output,
    ]
    if suffix == "csv":
        texts.append(out.read_text("utf-8"))
    everything = "\n".join(texts)
    hidden = secrets(small_db)
    assert len(hidden) > 30  # codes, IBANs and names were there to be leaked
    leaked = sorted(s for s in hidden if s in everything)
    assert leaked == []


def test_the_export_is_audited_without_a_household(small_db: Path, tmp_path: Path) -> None:
    gm = municipality(small_db)
    result = run(small_db, "--municipality", gm, "--year", "2024", "--out",
                 str(tmp_path / "a.parquet"))  # fmt: skip
    assert result.exit_code == 0, result.output
    assert "cellen onderdrukt" in result.output
    assert "Niet opgenomen: terugvordering" not in result.output  # entitlement/ fills it
    assert "Niet opgenomen: inkomen_sociaal_minimum" not in result.output  # bijstandsnorm
    assert "Niet opgenomen: leefgeld" not in result.output
    engine = make_engine(f"sqlite:///{small_db}")
    with session_scope(engine) as session:
        events = session.scalars(
            select(AuditEvent).where(AuditEvent.action == "aggregates.export")
        ).all()
        assert events and all(e.household_id is None and e.actor == "analist" for e in events)
        assert any(f"{gm} 2024 gemeente publicatie" in e.detail for e in events)
    engine.dispose()


def test_user_errors_are_one_dutch_line(small_db: Path, tmp_path: Path) -> None:
    bad_code = run(small_db, "--municipality", "Utrecht", "--year", "2024", "--out",
                   str(tmp_path / "a.csv"))  # fmt: skip
    assert bad_code.exit_code == 2 and "GM en 4 cijfers" in bad_code.output
    bad_suffix = run(small_db, "--municipality", "GM0344", "--year", "2024", "--out",
                     str(tmp_path / "a.xlsx"))  # fmt: skip
    assert bad_suffix.exit_code == 2 and ".csv of .parquet" in bad_suffix.output
    nobody = run(small_db, "--municipality", "GM0001", "--year", "2024", "--out",
                 str(tmp_path / "a.csv"))  # fmt: skip
    assert nobody.exit_code == 1 and "geen huishoudens in gemeente GM0001" in nobody.output
    weaker = run(small_db, "--municipality", "GM0344", "--year", "2024", "--use", "intern",
                 "--min-households", "5", "--out", str(tmp_path / "a.csv"))  # fmt: skip
    assert weaker.exit_code == 2 and "alleen strenger mag" in weaker.output
    assert not (tmp_path / "a.csv").exists()
