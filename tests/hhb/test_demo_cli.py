"""``hhb demo`` end to end into a temporary data dir, and its refusal to touch real data."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from click.testing import CliRunner

from hhb.cli import main
from hhb.demo.cli import demo
from hhb.demo.seed import SEED_CODE
from store.db import make_engine, session_scope
from store.users import Role, get_user, verify_password


@pytest.fixture
def data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("HHB_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.delenv("HHB_DATABASE_URL", raising=False)
    return tmp_path / "data"


ROLES = {str(r) for r in Role}


def test_hhb_demo_builds_a_fresh_demo_database(data_dir: Path) -> None:
    runner = CliRunner()
    result = runner.invoke(demo, ["--no-serve", "--households", "5", "--months", "4"],
                           catch_exceptions=False)  # fmt: skip
    assert result.exit_code == 0, result.output
    database = data_dir / "demo.sqlite3"
    assert database.exists()
    assert not (data_dir / "hhb.sqlite3").exists()  # the real database is left alone
    assert SEED_CODE in result.output and "5 huishoudens" in result.output
    assert f"hhb --db {database} transactions --household {SEED_CODE}" in result.output
    assert f"hhb --db {database} serve" in result.output and "ook ingelezen" in result.output
    assert "waarschuwingen" not in result.output
    assert (data_dir / "demo-files" / SEED_CODE / "profile.yaml").exists()
    printed = [line.split() for line in result.output.splitlines()]
    logins = [(p[0], p[1], p[2]) for p in printed if len(p) > 3 and p[1] in ROLES]
    assert {role for _, role, _ in logins} == ROLES  # one login of every role, with password
    engine = make_engine(f"sqlite:///{database}")
    with session_scope(engine) as session:
        for username, _role, password in logins:
            assert verify_password(get_user(session, username), password), username
    engine.dispose()

    args = ["--db", str(database), "transactions", "--household", SEED_CODE, "--month", "2024-01"]
    shown = runner.invoke(main, args, catch_exceptions=False)
    assert shown.exit_code == 0, shown.output
    assert "8 transacties" in shown.output and "-460,16" in shown.output
    profile = runner.invoke(main, ["--db", str(database), "household", "show", SEED_CODE,
                                   "--json"], catch_exceptions=False)  # fmt: skip
    assert profile.exit_code == 0 and "GM0344" in profile.output

    again = runner.invoke(
        demo, ["--no-serve", "--households", "3", "--months", "3"], catch_exceptions=False
    )
    assert again.exit_code == 0, again.output
    with sqlite3.connect(database) as con:
        assert con.execute("SELECT count(*) FROM households").fetchone() == (3,)


def test_refuses_an_existing_database_that_demo_did_not_make(data_dir: Path) -> None:
    data_dir.mkdir(parents=True)
    database = data_dir / "demo.sqlite3"
    database.write_bytes(b"not ours")
    result = CliRunner().invoke(demo, ["--no-serve", "--households", "2", "--months", "1"])
    assert result.exit_code != 0
    assert "geen demodatabase" in result.output
    assert database.read_bytes() == b"not ours"


def test_refuses_a_demo_database_holding_real_households(data_dir: Path) -> None:
    runner = CliRunner()
    assert runner.invoke(demo, ["--no-serve", "--households", "2", "--months", "1"]).exit_code == 0
    database = data_dir / "demo.sqlite3"
    with sqlite3.connect(database) as con:
        con.execute("UPDATE households SET code = 'H-ECHT' WHERE code = 'DEMO-000001'")
    result = runner.invoke(demo, ["--no-serve", "--households", "2", "--months", "1"])
    assert result.exit_code != 0 and "niet uit de demo" in result.output
    with sqlite3.connect(database) as con:
        assert con.execute("SELECT count(*) FROM households WHERE code = 'H-ECHT'").fetchone() == (
            1,
        )


def test_refuses_a_configured_postgres_database(
    data_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HHB_DATABASE_URL", "postgresql+psycopg://coach@db.example/hhb")
    result = CliRunner().invoke(demo, ["--no-serve"])
    assert result.exit_code != 0 and "alleen een SQLite-demodatabase" in result.output


def test_generate_writes_files_and_ledger(tmp_path: Path) -> None:
    out = tmp_path / "wereld"
    result = CliRunner().invoke(demo, ["generate", "--households", "4", "--months", "2",
                                       "--seed", "7", "--out", str(out), "--start", "2025-03",
                                       "--workers", "1"], catch_exceptions=False)  # fmt: skip
    assert result.exit_code == 0, result.output
    assert "4 huishoudens" in result.output
    lines = (out / "ledger.csv").read_text(encoding="utf-8").splitlines()
    assert lines[0].startswith("household,account,month")
    assert any(",2025-04," in line for line in lines)
    assert CliRunner().invoke(demo, ["generate", "--households", "1", "--out", str(out),
                                     "--start", "maart"]).exit_code == 2  # fmt: skip
