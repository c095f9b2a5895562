"""The PDF month report as a coach prints it: real text whose figures are the figures of
``hhb overview``, page 1 renders to an image, the view is audited, and sections can be added.

Built on the seed participant of the demo world (``seeds/002_*``), through the normal import
and classification paths."""

from __future__ import annotations

import datetime as dt
import json
import re
import shutil
import subprocess
from collections import Counter
from pathlib import Path

import pytest
from click.testing import CliRunner
from sqlalchemy import select

from hhb.cli import main
from hhb.demo.files import write_world
from hhb.demo.load import load_world
from hhb.demo.seed import SEED_CODE
from ingest.amounts import format_euro
from reports.month_report import SECTIONS, MonthReportData, header_section, month_report
from store.db import make_engine, migrate, session_scope
from store.models import AuditEvent

pytestmark = pytest.mark.skipif(
    shutil.which("pdftotext") is None or shutil.which("pdftoppm") is None,
    reason="poppler-utils (pdftotext, pdftoppm) not installed; scripts/setup.sh installs it",
)
AMOUNT = re.compile(r"€ [+-]?[\d.]+,\d\d")


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


@pytest.fixture(scope="module")
def report_text(seed_db: Path, tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    out = tmp_path_factory.mktemp("pdf") / "maand.pdf"
    result = CliRunner().invoke(
        main,
        ["--db", str(seed_db), "--user", "coach1", "report", "month",
         "--household", SEED_CODE, "--month", "2024-11", "--out", str(out)],
        catch_exceptions=False,
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    text = subprocess.run(
        ["pdftotext", "-layout", str(out), "-"], check=True, capture_output=True, text=True
    ).stdout
    return out, text.replace("\u00a0", " ")


def cli_overview(database: Path) -> dict[str, list[object]]:
    result = CliRunner().invoke(
        main,
        ["--db", str(database), "overview", "--household", SEED_CODE,
         "--from", "2024-09", "--to", "2024-11", "--json"],
        catch_exceptions=False,
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    return json.loads(result.output)  # type: ignore[no-any-return]


def euro(cents: int) -> str:
    return format_euro(cents, sign=True)


def test_payments_in_the_pdf_are_the_overview_payments(
    seed_db: Path, report_text: tuple[Path, str]
) -> None:
    _, text = report_text
    table = cli_overview(seed_db)
    start = text.index("Overzicht per ketenpartner")
    end = text.index("Saldo begin van periode")
    shown = Counter(AMOUNT.findall(text[start:end]))
    expected = Counter(
        euro(a)
        for row in table["rows"]
        for month in row["payments_cents"]  # type: ignore[index]
        for a in month
    )
    assert shown == expected
    for row in table["rows"]:
        name = str(row["ketenpartner"]).split(",")[0]  # type: ignore[index]
        assert name in text[start:end]


def test_saldo_lines_match_the_overview(seed_db: Path, report_text: tuple[Path, str]) -> None:
    _, text = report_text
    table = cli_overview(seed_db)
    lines = {line.strip().split("  ")[0]: line for line in text.splitlines() if "€" in line}
    for label, key in (
        ("Saldo begin van periode", "opening_cents"),
        ("Balans periode", "balance_cents"),
        ("Saldo eind van periode", "closing_cents"),
    ):
        values = [euro(v) for v in table[key]]  # type: ignore[arg-type]
        assert AMOUNT.findall(lines[label]) == values, label
    # the seed participant's table of seeds/002_*, as hhb overview also shows it
    assert AMOUNT.findall(lines["Saldo eind van periode"]) == [
        "€ -281,17",
        "€ -279,77",
        "€ +273,72",
    ]


def test_money_in_and_out_per_month_add_up_to_the_overview(
    seed_db: Path, report_text: tuple[Path, str]
) -> None:
    _, text = report_text
    table = cli_overview(seed_db)
    for i, month in enumerate(("september 2024", "oktober 2024", "november 2024")):
        amounts = [a for row in table["rows"] for a in row["payments_cents"][i]]  # type: ignore[index]
        money_in = sum(a for a in amounts if a > 0)
        money_out = -sum(a for a in amounts if a < 0)
        line = next(line for line in text.splitlines() if line.strip().startswith(month))
        assert AMOUNT.findall(line) == [
            format_euro(money_in),
            format_euro(money_out),
            euro(int(table["closing_cents"][i])),  # type: ignore[call-overload]
        ], month


def test_the_report_is_searchable_plain_dutch(report_text: tuple[Path, str]) -> None:
    _, text = report_text
    assert "Maandoverzicht november 2024" in text
    assert f"Huishouden           {SEED_CODE}" in text
    assert "Periode              september 2024 t/m november 2024" in text
    assert "geld in" in text and "geld uit" in text  # chart legends are text too


def test_page_one_renders_to_an_image(report_text: tuple[Path, str], tmp_path: Path) -> None:
    pdf, _ = report_text
    subprocess.run(
        ["pdftoppm", "-png", "-r", "50", "-f", "1", "-l", "1", str(pdf), str(tmp_path / "p")],
        check=True,
        capture_output=True,
    )
    (image,) = tmp_path.glob("p*.png")
    data = image.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n" and len(data) > 5_000


def test_the_report_is_audited(seed_db: Path, report_text: tuple[Path, str]) -> None:
    engine = make_engine(f"sqlite:///{seed_db}")
    with session_scope(engine) as session:
        events = session.scalars(
            select(AuditEvent).where(AuditEvent.action == "report.month")
        ).all()
        assert [(e.actor, e.detail) for e in events] == [("coach1", "maandrapport 2024-11")]
    engine.dispose()


def test_a_section_is_a_function_of_the_report_data(seed_db: Path, tmp_path: Path) -> None:
    def signals(data: MonthReportData) -> str:
        return f"<section><h2>Signalen</h2><p>Geen signalen voor {data.household}.</p></section>"

    engine = make_engine(f"sqlite:///{seed_db}")
    with session_scope(engine) as session:
        pdf = month_report(
            session, SEED_CODE, dt.date(2024, 11, 1), "coach1", sections=(header_section, signals)
        )
    engine.dispose()
    (tmp_path / "r.pdf").write_bytes(pdf)
    text = subprocess.run(
        ["pdftotext", str(tmp_path / "r.pdf"), "-"], check=True, capture_output=True, text=True
    ).stdout
    assert f"Geen signalen voor {SEED_CODE}." in text
    assert "Overzicht per ketenpartner" not in text
    assert len(SECTIONS) == 3


def test_bad_month_and_unknown_household_are_one_dutch_line(seed_db: Path, tmp_path: Path) -> None:
    runner = CliRunner()
    out = str(tmp_path / "x.pdf")
    bad = runner.invoke(main, ["--db", str(seed_db), "report", "month", "--household",
                               SEED_CODE, "--month", "2024-13", "--out", out])  # fmt: skip
    assert bad.exit_code == 2 and "jjjj-mm" in bad.output
    unknown = runner.invoke(main, ["--db", str(seed_db), "report", "month", "--household",
                                   "NIEMAND", "--month", "2024-11", "--out", out])  # fmt: skip
    assert unknown.exit_code == 1 and "bestaat niet" in unknown.output
    assert not Path(out).exists()
