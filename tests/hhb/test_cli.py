"""The hhb command as a user meets it: Dutch one-line errors, exit codes, --db everywhere."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from hhb.cli import main

Run = Callable[..., Result]


@pytest.fixture
def hhb(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Run:
    monkeypatch.setenv("HHB_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.delenv("HHB_DATABASE_URL", raising=False)
    monkeypatch.setenv("HHB_USER", "coach1")
    runner = CliRunner()

    def run(*args: str) -> Result:
        return runner.invoke(main, list(args), catch_exceptions=False)

    return run


def test_commands_refuse_an_uninitialised_database(hhb: Run) -> None:
    result = hhb("household", "create", "H1")
    assert result.exit_code == 1
    assert "hhb init" in result.stderr


def test_init_is_idempotent(hhb: Run) -> None:
    assert "aangemaakt" in hhb("init").stdout
    assert "al bij" in hhb("init").stdout


def test_household_create_and_show(hhb: Run) -> None:
    hhb("init")
    assert hhb("household", "create", "H1").exit_code == 0
    again = hhb("household", "create", "H1")
    assert again.exit_code == 1 and "bestaat al" in again.stderr
    shown = json.loads(hhb("household", "show", "H1", "--json").stdout)
    assert shown["code"] == "H1" and shown["accounts"] == []
    missing = hhb("household", "show", "H9")
    assert missing.exit_code == 1 and "hhb household create H9" in missing.stderr


def test_db_option_on_the_command_and_before_it(hhb: Run, tmp_path: Path) -> None:
    db = tmp_path / "other.sqlite3"
    assert hhb("init", "--db", str(db)).exit_code == 0
    assert hhb("--db", str(db), "household", "create", "X").exit_code == 0
    assert hhb("household", "show", "X", "--db", f"sqlite:///{db}").exit_code == 0
    # the default database was never touched
    assert hhb("household", "show", "X").exit_code == 1


def test_unknown_file_gives_one_line_and_stores_nothing(hhb: Run, tmp_path: Path) -> None:
    hhb("init")
    hhb("household", "create", "H1")
    junk = tmp_path / "notities.txt"
    junk.write_text("boodschappenlijst: melk, brood\n")
    result = hhb("import", "--household", "H1", str(junk))
    assert result.exit_code == 1
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1
    assert lines[0].startswith(f"hhb: {junk}:1: onbekend bestandsformaat")
    assert "Traceback" not in result.output
    assert json.loads(hhb("transactions", "--household", "H1", "--format", "json").stdout) == []


def test_missing_file_names_the_file(hhb: Run, tmp_path: Path) -> None:
    hhb("init")
    hhb("household", "create", "H1")
    result = hhb("import", "--household", "H1", str(tmp_path / "weg.csv"))
    assert result.exit_code == 1
    assert f"{tmp_path / 'weg.csv'}: kan het bestand niet lezen" in result.stderr


def test_internal_error_shows_no_traceback(
    hhb: Run, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    import hhb.commands_households as cli

    hhb("init")

    def boom(*_args: object, **_kwargs: object) -> None:
        raise KeyError("bug")

    monkeypatch.setattr(cli, "create_household", boom)
    result = hhb("household", "create", "H1")
    assert result.exit_code == 3
    assert "interne fout" in result.stderr and "Traceback" not in result.output
    log = (tmp_path / "data" / "hhb-error.log").read_text()
    assert "KeyError" in log


def test_bad_month_is_explained(hhb: Run) -> None:
    hhb("init")
    hhb("household", "create", "H1")
    result = hhb("transactions", "--household", "H1", "--month", "2024-13")
    assert result.exit_code == 2
    assert "jjjj-mm" in result.output


def test_user_commands_never_take_a_password_argument(hhb: Run) -> None:
    hhb("init")
    runner = CliRunner()
    result = runner.invoke(
        main,
        ["user", "add", "coach1", "--role", "budgetcoach", "--password-stdin"],
        input="kaas-fiets-regen-9\n",
    )
    assert result.exit_code == 0, result.output
    weak = runner.invoke(
        main,
        ["user", "add", "coach2", "--role", "budgetcoach", "--password-stdin"],
        input="welkom01\n",
    )
    assert weak.exit_code == 1 and "veelgebruikte" in weak.stderr
    listed = hhb("user", "list").stdout
    assert "coach1" in listed and "budgetcoach" in listed and "coach2" not in listed
    assert hhb("user", "disable", "coach1").exit_code == 0
    assert "uitgeschakeld" in hhb("user", "list").stdout
