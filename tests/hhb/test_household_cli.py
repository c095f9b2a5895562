"""hhb household create/update/show with dated profiles, as a coach uses them."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from hhb.cli import main

Run = Callable[..., Result]

PROFILE = """formaat: hhb-huishoudprofiel
versie: 1
gemeente: GM0307
postcode: 3811 AB
coach: coach1
deelname: {van: 2024-03-01}
leden:
  - {rol: aanvrager, geboortedatum: 1979-05-01}
"""


@pytest.fixture
def hhb(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Run:
    monkeypatch.setenv("HHB_DATA_DIR", str(tmp_path))
    monkeypatch.delenv("HHB_DATABASE_URL", raising=False)
    monkeypatch.setenv("HHB_USER", "coach1")
    runner = CliRunner()

    def run(*args: str) -> Result:
        return runner.invoke(main, list(args), catch_exceptions=False)

    run("init")
    return run


def test_create_with_profile_then_update_keeps_history(hhb: Run, tmp_path: Path) -> None:
    first = tmp_path / "profiel.yaml"
    first.write_text(PROFILE)
    assert hhb("household", "create", "H1", "--profile", str(first)).exit_code == 0
    second = tmp_path / "profiel-partner.yaml"
    second.write_text(PROFILE + "  - {rol: toeslagpartner, geboortedatum: 1980-01-01}\n")
    result = hhb("household", "update", "H1", "--profile", str(second), "--from", "2024-09-01")
    assert result.exit_code == 0 and "01-09-2024" in result.stdout
    shown = json.loads(hhb("household", "show", "H1", "--json").stdout)
    assert [v["valid_from"] for v in shown["profile_history"]] == ["2024-03-01", "2024-09-01"]
    assert len(shown["profile"]["leden"]) == 2
    assert shown["profile"]["gemeente"] == "GM0307"


def test_invalid_profile_names_field_reason_and_line(hhb: Run, tmp_path: Path) -> None:
    bad = tmp_path / "fout.yaml"
    bad.write_text(PROFILE.replace("1979-05-01", "1979-13-01"))
    result = hhb("household", "create", "H1", "--profile", str(bad))
    assert result.exit_code == 1
    line = result.stderr.strip()
    assert line.startswith(f"hhb: {bad}:8:")
    assert "leden[0].geboortedatum" in line
    # nothing was created: the household does not exist
    assert hhb("household", "show", "H1").exit_code == 1


def test_update_needs_a_valid_date(hhb: Run, tmp_path: Path) -> None:
    p = tmp_path / "p.yaml"
    p.write_text(PROFILE)
    hhb("household", "create", "H1", "--profile", str(p))
    result = hhb("household", "update", "H1", "--profile", str(p), "--from", "1-9-2024")
    assert result.exit_code == 2 and "jjjj-mm-dd" in result.output
