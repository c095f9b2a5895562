"""The Regelingen section of the PDF month report holds, in its text, the figures of
``hhb entitlements --household H --year YYYY --json`` for the report month's year: the missed
regelingen with their yearly amount and what to do, the expected clawbacks with the advice and
the monthly reservation, the buffer periods, and per regeling the report month."""

from __future__ import annotations

import datetime as dt
import json
import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from hhb.cli import main
from ingest.amounts import format_euro
from reports.month_regelingen import RegelingenPart, regelingen_html
from tests.reports.helpers import demo_database

pytestmark = pytest.mark.skipif(
    shutil.which("pdftotext") is None,
    reason="poppler-utils (pdftotext) not installed; scripts/setup.sh installs it",
)
AMOUNT = re.compile(r"€ [+-]?[\d.]+,\d\d")
PERIOD = re.compile(r"\s(\d{4}(?:-\d\d|-K\d)?)$")


@pytest.fixture(scope="module")
def world_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("world")
    return demo_database(folder, households=4, months=4, seed=5, first=dt.date(2024, 9, 1))


def entitlements(database: Path, code: str, year: int) -> dict[str, Any]:
    result = CliRunner().invoke(
        main,
        ["--db", str(database), "entitlements", "--household", code, "--year", str(year),
         "--json"],
        catch_exceptions=False,
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    return json.loads(result.output)  # type: ignore[no-any-return]


def section(database: Path, code: str, month: str, out: Path) -> str:
    result = CliRunner().invoke(
        main,
        ["--db", str(database), "--user", "coach1", "report", "month", "--household", code,
         "--month", month, "--out", str(out)],
        catch_exceptions=False,
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    text = subprocess.run(
        ["pdftotext", "-layout", str(out), "-"], check=True, capture_output=True, text=True
    ).stdout.replace("\u00a0", " ")
    # page footers and repeated table heads are not part of the section's content
    lines = [x for x in text.splitlines() if "Vertrouwelijk:" not in x]
    text = "\n".join(lines)
    start = text.index("\n Regelingen\n")
    return text[start : text.index("\n Grafieken\n", start)]


def flat(text: str) -> str:
    return " ".join(text.split())


def check_section(part: str, out: dict[str, Any], month: str) -> None:
    plain = flat(part)
    # missed regelingen: the yearly amount and what to do
    for m in out["gemist"]:
        est = " (schatting)" if m["is_estimate"] else ""
        amount = format_euro(m["expected_year_cents"])
        assert f"{m['title']}: ongeveer {amount} per jaar{est}." in plain, m["regeling"]
        assert f"Wat te doen: {flat(m['what_to_do'])}" in plain
    if not out["gemist"]:
        assert "Geen gemiste regelingen gevonden." in plain
    # expected clawbacks: the amounts, the advice and the monthly reservation
    for c in out["terugbetalingen"]:
        assert (
            f"voorschotten {format_euro(c['advances_cents'])}, definitief "
            f"{format_euro(c['definitive_cents'])}"
        ) in plain
        assert (
            f"terug te betalen {format_euro(c['to_pay_cents'])}, per maand reserveren "
            f"{format_euro(c['monthly_reservation_cents'])}."
        ) in plain
        assert f"Advies: {flat(c['advice'])}" in plain
        assert flat(c["explanation"]) in plain
    # buffer periods (a) and (c) as the command writes them; (b) every month's balance
    for r in out["buffer"]["reserveren"]:
        assert flat(r["explanation"]) in plain
    for r in out["buffer"]["duur"]:
        assert flat(r["explanation"]) in plain
    b = plain[plain.index("(b) Maanden") : plain.index("(c) Hoe lang")]
    shown_b = set(AMOUNT.findall(b))
    for r in out["buffer"]["saldo_tekort"]:
        assert {format_euro(r["expected_cents"]), format_euro(r["shortfall_cents"])} <= shown_b
    # per regeling the report month: status, expected, received, period (sorted by regeling)
    table = part[part.index(" per regeling\n") :]
    rows = [x for x in table.splitlines() if PERIOD.search(x.rstrip())]
    expected_rows = []
    for regeling in sorted(out["regelingen"], key=lambda r: r["regeling"]):
        (m,) = [x for x in regeling["maanden"] if x["month"] == f"{month}-01"]
        expected_rows.append((regeling["title"], m))
    assert len(rows) == len(expected_rows)
    for line, (title, m) in zip(rows, expected_rows, strict=True):
        assert line.strip().startswith(title.split()[0]), (line, title)
        assert f" {m['status']}" in line, (line, m["status"])
        shown = AMOUNT.findall(line)
        want = [format_euro(m["received_cents"])]
        if m["expected_cents"] is None:
            assert "onbekend" in line
        else:
            want.insert(0, format_euro(m["expected_cents"]))
        assert shown == want, (line, m)
        found = PERIOD.search(line.rstrip())
        assert found is not None and found.group(1) == m["unit"]


def test_missed_regelingen_and_month_are_hhb_entitlements(world_db: Path, tmp_path: Path) -> None:
    out = entitlements(world_db, "DEMO-SEED", 2024)
    assert {m["regeling"] for m in out["gemist"]} == {"bijstand", "zorgtoeslag"}
    part = section(world_db, "DEMO-SEED", "2024-11", tmp_path / "seed.pdf")
    check_section(part, out, "2024-11")
    assert "Wat te doen: Meld u bij de gemeente" in flat(part)


def test_clawback_and_buffer_are_hhb_entitlements(world_db: Path, tmp_path: Path) -> None:
    out = entitlements(world_db, "DEMO-000003", 2024)
    assert len(out["terugbetalingen"]) >= 1  # a toeslag with voorschotten to compare
    assert out["buffer"]["saldo_tekort"] and out["buffer"]["duur"]
    part = section(world_db, "DEMO-000003", "2024-12", tmp_path / "h3.pdf")
    check_section(part, out, "2024-12")
    assert "(schatting)" in part


def test_a_year_without_statements_is_said_not_raised() -> None:
    html = regelingen_html(RegelingenPart(None, "geen afschriften in 2023"), dt.date(2023, 5, 1))
    assert "Geen regelingen voor 2023: geen afschriften in 2023" in html
