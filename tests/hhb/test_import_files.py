"""Every golden bank file through the real ``hhb import``: good files land completely and a
second import adds nothing; bad files give one line ``FILE:LINE: ...``, exit 1, store nothing."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from hhb.cli import main
from ingest.golden import EXPECTED_SUFFIX

DATA = Path(__file__).resolve().parent.parent / "data" / "ingest"
FILES = sorted(p for p in DATA.rglob("*") if p.is_file() and not p.name.endswith(EXPECTED_SUFFIX))
GOOD = [p for p in FILES if ".bad." not in p.name]
BAD = [p for p in FILES if ".bad." in p.name]

Run = Callable[..., Result]
OWN = "NL91ABNA0417164300"
NAMELESS = [p for p in GOOD if '"account": ""' in p.with_name(p.name + EXPECTED_SUFFIX).read_text()]


@pytest.fixture
def hhb(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Run:
    monkeypatch.setenv("HHB_DATA_DIR", str(tmp_path))
    monkeypatch.delenv("HHB_DATABASE_URL", raising=False)
    runner = CliRunner()

    def run(*args: str) -> Result:
        return runner.invoke(main, list(args), catch_exceptions=False)

    assert run("init").exit_code == 0
    assert run("household", "create", "H1").exit_code == 0
    return run


def expected(path: Path) -> dict[str, object]:
    loaded: dict[str, object] = json.loads(
        path.with_name(path.name + EXPECTED_SUFFIX).read_text(encoding="utf-8")
    )
    return loaded


def stored(hhb: Run) -> list[dict[str, object]]:
    rows: list[dict[str, object]] = json.loads(
        hhb("transactions", "--household", "H1", "--format", "json").stdout
    )
    return rows


@pytest.mark.parametrize("path", GOOD, ids=[str(p.relative_to(DATA)) for p in GOOD])
def test_good_file_imports_once(hhb: Run, path: Path) -> None:
    gold = expected(path)
    statements = gold["statements"]
    assert isinstance(statements, list)
    n = sum(len(s["transactions"]) for s in statements)
    extra = ["--account", OWN] if any(not s["account"] for s in statements) else []
    first = hhb("import", "--household", "H1", "--json", *extra, str(path))
    assert first.exit_code == 0, first.output
    summary = json.loads(first.stdout)["imported"][0]
    assert summary["format"] == gold["format"] and summary["bank"] == gold["bank"]
    assert summary["transactions_in_file"] == n
    assert summary["added"] == n  # identical transfers within one file are all kept
    rows = stored(hhb)
    assert len(rows) == n
    amounts = sorted(t["amount_cents"] for s in statements for t in s["transactions"])
    assert sorted(int(str(r["amount_cents"])) for r in rows) == amounts

    again = json.loads(hhb("import", "--household", "H1", "--json", *extra, str(path)).stdout)
    assert again["imported"][0]["added"] == 0
    assert again["imported"][0]["duplicates_skipped"] == n
    assert again["imported"][0]["seen_before"] is True
    assert len(stored(hhb)) == n


@pytest.mark.parametrize("path", BAD, ids=[str(p.relative_to(DATA)) for p in BAD])
def test_bad_file_is_one_line_and_stores_nothing(hhb: Run, path: Path) -> None:
    result = hhb("import", "--household", "H1", str(path))
    assert result.exit_code == 1
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith(f"hhb: {path}:")
    assert "Traceback" not in result.output
    assert stored(hhb) == []


def test_all_or_nothing_set_rolls_back_every_file(hhb: Run) -> None:
    if not GOOD or not BAD:
        pytest.skip("needs at least one good and one bad golden file")
    result = hhb("import", "--household", "H1", "--all-or-nothing", str(GOOD[0]), str(BAD[0]))
    assert result.exit_code == 1
    assert stored(hhb) == []
    # without the flag the good file lands and the bad one is reported
    result = hhb("import", "--household", "H1", str(GOOD[0]), str(BAD[0]))
    assert result.exit_code == 1
    assert len(stored(hhb)) > 0


@pytest.mark.parametrize("path", NAMELESS, ids=[p.name for p in NAMELESS])
def test_file_without_own_account_needs_account_option(hhb: Run, path: Path) -> None:
    refused = hhb("import", "--household", "H1", str(path))
    assert refused.exit_code == 1 and "--account IBAN" in refused.stderr
    wrong = hhb("import", "--household", "H1", "--account", "NL00BANK123", str(path))
    assert wrong.exit_code == 1 and "geen geldig IBAN" in wrong.stderr
    assert stored(hhb) == []
    done = json.loads(
        hhb("import", "--household", "H1", "--json", "--account", OWN, str(path)).stdout
    )
    assert done["imported"][0]["accounts"] == [OWN]
    assert done["imported"][0]["warnings"] == []
