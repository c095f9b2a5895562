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
from typing import Any

import pytest
from click.testing import CliRunner
from sqlalchemy import select

from budget.overview import month_label
from hhb.cli import main
from hhb.demo.seed import SEED_CODE
from ingest.amounts import format_euro
from reports.month_report import SECTIONS, MonthReportData, header_section, month_report
from store.db import make_engine, session_scope
from store.models import AuditEvent
from tests.reports.helpers import demo_database

pytestmark = pytest.mark.skipif(
    shutil.which("pdftotext") is None or shutil.which("pdftoppm") is None,
    reason="poppler-utils (pdftotext, pdftoppm) not installed; scripts/setup.sh installs it",
)
AMOUNT = re.compile(r"€ [+-]?[\d.]+,\d\d")


@pytest.fixture(scope="module")
def seed_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("seed")
    return demo_database(folder, households=2, months=4, seed=5, first=dt.date(2024, 9, 1))


def render(database: Path, month: str, out: Path) -> str:
    """``hhb report month`` for the seed participant, and the PDF's text (pdftotext -layout)."""
    result = CliRunner().invoke(
        main,
        ["--db", str(database), "--user", "coach1", "report", "month",
         "--household", SEED_CODE, "--month", month, "--out", str(out)],
        catch_exceptions=False,
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    text = subprocess.run(
        ["pdftotext", "-layout", str(out), "-"], check=True, capture_output=True, text=True
    ).stdout
    return text.replace("\u00a0", " ")


@pytest.fixture(scope="module")
def report_text(seed_db: Path, tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    out = tmp_path_factory.mktemp("pdf") / "maand.pdf"
    return out, render(seed_db, "2024-11", out)


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
        charts = text[text.index("\n Grafieken\n") :]
        line = next(line for line in charts.splitlines() if line.strip().startswith(month))
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
    assert [s.__name__ for s in SECTIONS] == [
        "header_section",
        "overview_section",
        "leefgeld_section",
        "signals_section",
        "regelingen_section",
        "charts_section",
    ]


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


# --- the budget half: leefgeld, signals and forecast are the figures of the commands ----------

RIGHT_COLUMN = re.compile(r"\s{3,}(€ [+-]?[\d.]+,\d\d(?:/dag)?)$")
"""An amount in a table's amount column: at the end of the line, after a gap."""


def cli_json(database: Path, *args: str) -> dict[str, Any]:
    result = CliRunner().invoke(
        main, ["--db", str(database), *args, "--household", SEED_CODE, "--json"],
        catch_exceptions=False,
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    return json.loads(result.output)  # type: ignore[no-any-return]


def between(text: str, start: str, end: str) -> str:
    first = text.index(f"\n {start}\n")
    return text[first : text.index(f"\n {end}\n", first)]


def prose(section: str) -> str:
    """The section's running text, without the amount column."""
    return " ".join(" ".join(RIGHT_COLUMN.sub("", line) for line in section.splitlines()).split())


def line_amount(section: str, label: str) -> str:
    (line,) = [x for x in section.splitlines() if x.strip().startswith(label)]
    found = RIGHT_COLUMN.search(line)
    assert found, line
    return found.group(1)


def test_leefgeld_in_the_pdf_is_hhb_budget(seed_db: Path, report_text: tuple[Path, str]) -> None:
    _, text = report_text
    budget = cli_json(seed_db, "budget", "--month", "2024-11")
    part = between(text, "Leefgeld", "Signalen")
    plain = format_euro
    expected: Counter[str] = Counter()
    for key in ("income", "irregular_income", "fixed_costs", "reservations", "debt_repayments"):
        section = budget[key]
        if key == "irregular_income" and not section["lines"]:
            continue
        expected[plain(section["total_cents"])] += 1
        expected.update(plain(line["monthly_cents"]) for line in section["lines"])
    leefgeld, norm, gap = budget["leefgeld"], budget["norm"], budget["gap"]
    expected.update([plain(leefgeld["month_cents"]), plain(leefgeld["week_cents"])])
    assert norm["available"]  # the seed participant has a profile
    expected.update(f"{plain(p['day_cents'])}/dag" for p in norm["persons"])
    expected.update([plain(norm["month_cents"]), plain(norm["week_cents"])])
    expected.update([euro(gap["month_cents"]), euro(gap["week_cents"])])
    shown = Counter(m.group(1) for line in part.splitlines() if (m := RIGHT_COLUMN.search(line)))
    assert shown == expected
    # and by label, the figures a coach reads out
    assert line_amount(part, "Leefgeld per maand") == plain(leefgeld["month_cents"])
    assert line_amount(part, "Leefgeld per week") == plain(leefgeld["week_cents"])
    assert line_amount(part, "Nibud-minimum per maand") == plain(norm["month_cents"])
    assert line_amount(part, "Verschil leefgeld − minimum per maand") == euro(gap["month_cents"])
    assert line_amount(part, "Verschil leefgeld − minimum per week") == euro(gap["week_cents"])
    flat = prose(part)
    for line in budget["fixed_costs"]["lines"]:  # every line with its explanation
        assert " ".join(line["explanation"].split()) in flat
    assert " ".join(leefgeld["explanation"].split()) in flat


def test_signals_in_the_pdf_are_hhb_signals(seed_db: Path, report_text: tuple[Path, str]) -> None:
    _, text = report_text
    out = cli_json(seed_db, "signals", "--month", "2024-11")
    signals = out["signals"]
    assert len(signals) >= 2  # the seed participant's November has something to discuss
    part = between(text, "Signalen", "Regelingen")
    dated = [line for line in part.splitlines() if re.match(r"\s*\d\d-\d\d-\d{4}\s", line)]
    assert len(dated) == len(signals)
    for line, sig in zip(dated, signals, strict=True):
        day = dt.date.fromisoformat(sig["date"])
        assert line.strip().startswith(f"{day:%d-%m-%Y}")
        amounts = [sig["amount_cents"]]
        if sig["reference_cents"] is not None:
            amounts.append(sig["reference_cents"])
        assert AMOUNT.findall(line) == [format_euro(a) for a in amounts], line
    flat = " ".join(part.split())
    for sig in signals:
        assert " ".join(sig["message"].split()) in flat
    assert f"{len(signals)} open signalen." in flat


@pytest.fixture(scope="module")
def december_text(seed_db: Path, tmp_path_factory: pytest.TempPathFactory) -> str:
    return render(seed_db, "2024-12", tmp_path_factory.mktemp("pdf") / "december.pdf")


def test_forecast_in_the_pdf_is_hhb_forecast(seed_db: Path, december_text: str) -> None:
    # December is the last month with statements: the report's forecast starts where
    # `hhb forecast` starts, at the statements' closing date.
    forecast = cli_json(seed_db, "forecast")
    assert forecast["as_of"] == "2024-12-31"
    rows = [m for m in forecast["months"] if m["expected_cents"] is not None]
    assert len(rows) == 12 and rows[0]["low_cents"] is not None  # there is a band
    lines = december_text.splitlines()
    assert "Verwacht saldo aan het eind van elke maand, vanaf 31 december 2024." in " ".join(
        " ".join(lines).split()
    )
    table = lines[min(i for i, x in enumerate(lines) if "Verwacht" in x and "Laag" in x) :]
    for row in rows:
        label = month_label(dt.date.fromisoformat(row["month"]))
        (line,) = [x for x in table if x.strip().startswith(label + " ")]
        expected = [row["expected_cents"], row["low_cents"], row["high_cents"]]
        assert AMOUNT.findall(line) == [format_euro(v) for v in expected], line
    assert "band: 8 van de 10 maanden" in december_text  # the chart's legend is text
