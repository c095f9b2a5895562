"""`hhb caseload` and `hhb consent` on the command line."""

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
    monkeypatch.setenv("HHB_DATA_DIR", str(tmp_path))
    monkeypatch.delenv("HHB_DATABASE_URL", raising=False)
    monkeypatch.setenv("HHB_USER", "beheer")
    runner = CliRunner()

    def run(*args: str, stdin: str | None = None) -> Result:
        return runner.invoke(main, list(args), input=stdin)

    run("init")
    run("household", "create", "H1")
    run("household", "create", "H2")
    run("user", "add", "coach1", "--role", "budgetcoach", "--password-stdin",
        stdin="kaas-fiets-regen-9\n")  # fmt: skip
    return run


def test_caseload_and_consent_round_trip(hhb: Run) -> None:
    assert hhb("caseload", "add", "coach1", "H1", "H2").exit_code == 0
    listed = json.loads(hhb("caseload", "list", "coach1", "--json").stdout)
    assert [(e["household"], e["consent"]) for e in listed] == [("H1", False), ("H2", False)]
    assert "vastgelegd" in hhb("consent", "grant", "--household", "H1", "--coach", "coach1").stdout
    assert "bestond al" in hhb("consent", "grant", "--household", "H1", "--coach", "coach1").stdout
    consents = json.loads(hhb("consent", "list", "--household", "H1", "--json").stdout)
    assert consents["coaches"] == [{"coach": "coach1", "in_caseload": True, "access": True}]
    assert consents["history"][0]["granted_by"] == "beheer"
    text = hhb("caseload", "list", "coach1").stdout
    assert "H1" in text and "toestemming" in text and "2 huishouden(s)" in text
    revoked = hhb("consent", "revoke", "--household", "H1", "--coach", "coach1")
    assert "ingetrokken" in revoked.stdout
    assert "heeft toegang" not in hhb("consent", "list", "--household", "H1").stdout
    assert hhb("caseload", "remove", "coach1", "H2").exit_code == 0
    assert "1 huishouden(s)" in hhb("caseload", "list", "coach1").stdout


def test_mistakes_are_one_dutch_line(hhb: Run) -> None:
    unknown = hhb("caseload", "add", "coach1", "H9")
    assert unknown.exit_code == 1 and "bestaat niet" in unknown.stderr
    hhb("caseload", "add", "coach1", "H1")
    twice = hhb("caseload", "add", "coach1", "H1")
    assert twice.exit_code == 1 and "staat al in de caseload" in twice.stderr
    not_coach = hhb("consent", "grant", "--household", "H1", "--coach", "beheer")
    assert not_coach.exit_code == 1 and "bestaat niet" in not_coach.stderr
