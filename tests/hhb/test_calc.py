"""`hhb calc`: the quick check for a household that is not in the database."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from hhb.cli import main


@pytest.fixture(autouse=True)
def _data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HHB_DATA_DIR", str(tmp_path / "data"))


def run(*args: str) -> Result:
    return CliRunner().invoke(main, ["calc", *args], catch_exceptions=False)


def test_list_shows_every_regeling() -> None:
    result = run("--list")
    assert result.exit_code == 0
    for name in ("zorgtoeslag", "kinderbijslag", "bijstand", "iit_gm0344", "iit_gm0307"):
        assert name in result.stdout
    rows = json.loads(run("--list", "--json").stdout)
    utrecht = next(r for r in rows if r["regeling"] == "iit_gm0344")
    assert utrecht["gemeente"] == "GM0344" and utrecht["niveau"] == "gemeentelijk"


def test_zorgtoeslag_with_full_derivation_in_dutch() -> None:
    result = run("zorgtoeslag", "--year", "2025", "--income", "24.000", "--age", "30")
    assert result.exit_code == 0
    out = result.stdout
    assert "Uitkomst: recht op € 131,08 per maand (€ 1.573,00 per jaar)" in out
    assert "Normpremie (wat u zelf kunt betalen): € 538,58 per jaar" in out
    assert "status: geverifieerd" in out and "status: te verifiëren" in out
    assert "Aangenomen" not in out
    assert out.count("€ 131,08") >= 12  # the month table


def test_json_has_amounts_in_cents_and_the_derivation() -> None:
    result = run("zorgtoeslag", "--year", "2025", "--income", "24000", "--partner", "--json")
    data = json.loads(result.stdout)
    assert data["maanden"][0]["bedrag_maand_cents"] == 25083
    assert data["afleiding"]["year_cents"] == 301000
    assert any("leeftijd aanvrager 35" in a for a in data["aannames"])


def test_kinderbijslag_changes_within_the_year() -> None:
    data = json.loads(run("kinderbijslag", "--year", "2024", "--children", "3,14", "--json").stdout)
    amounts = [m["bedrag_maand_cents"] for m in data["maanden"]]
    assert amounts[0] == amounts[5] and amounts[6] == amounts[11]
    assert amounts[6] > amounts[0]  # the July 2024 amounts


def test_bijstand_month_option_and_missing_2026() -> None:
    july = run("bijstand", "--year", "2025", "--net-income", "0", "--age", "40", "--month", "7")
    assert "recht op € 1.369,06 per maand" in july.stdout
    later = run("bijstand", "--year", "2026", "--net-income", "0", "--age", "40")
    assert "Uitkomst: niet berekend" in later.stdout
    assert "parameter niet gevonden" in later.stdout


def test_municipal_scheme_assumes_its_municipality() -> None:
    result = run("iit_gm0344", "--year", "2024", "--low-income-pct", "100", "--age", "40")
    assert "recht op € 23,00 per maand (€ 276,00 per jaar)" in result.stdout
    assert "woont in gemeente GM0344" in result.stdout


@pytest.mark.parametrize(
    ("args", "fragment"),
    [
        (("huurtoesla", "--year", "2025"), "onbekende regeling"),
        (("zorgtoeslag", "--year", "2025"), "--income"),
        (("zorgtoeslag",), "--year"),
        (("zorgtoeslag", "--year", "2025", "--income", "veel"), "geen bedrag"),
        (("kinderbijslag", "--year", "2025", "--children", "3,x"), "leeftijden"),
        (("iit_gm0344", "--year", "2024", "--municipality", "Utrecht"), "CBS-gemeentecode"),
    ],
)
def test_bad_input_gives_one_dutch_line(args: tuple[str, ...], fragment: str) -> None:
    result = run(*args)
    assert result.exit_code == 2
    assert fragment in result.stderr
    assert "Traceback" not in result.output
