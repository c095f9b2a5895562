"""Leefgeld, Nibud minimum and open signals in the household facts are, household by
household, what `hhb budget --month` and `hhb signals --month` print for the same month."""

from __future__ import annotations

import datetime as dt
import json
from collections import Counter
from pathlib import Path
from typing import Any

import polars as pl
import pytest
from click.testing import CliRunner

from budget.signals import SignalKind
from hhb.cli import main
from reports.export import read_export
from reports.facts import (
    BUDGET_COLUMNS,
    SIGNAL_COLUMNS,
    alert_column,
    build_facts,
    signal_column,
)
from reports.facts_budget import fill_budget, household_row, reference_month
from store.db import make_engine, session_scope
from tests.reports.helpers import demo_database


@pytest.fixture(scope="module")
def world_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("world")
    return demo_database(folder, households=4, months=4, seed=5, first=dt.date(2024, 9, 1))


def cli(database: Path, *args: str) -> dict[str, Any]:
    result = CliRunner().invoke(main, ["--db", str(database), *args, "--json"],
                                catch_exceptions=False)  # fmt: skip
    assert result.exit_code == 0, result.output
    return json.loads(result.output)  # type: ignore[no-any-return]


def test_facts_are_what_the_commands_print(world_db: Path) -> None:
    engine = make_engine(f"sqlite:///{world_db}")
    with session_scope(engine) as session:
        facts, stats = fill_budget(session, build_facts(session, 2024))
    engine.dispose()
    assert stats.households == facts.frame.height >= 4
    assert facts.available(*BUDGET_COLUMNS, *SIGNAL_COLUMNS)
    assert "hhb budget --month" in facts.sources["leefgeld_month_cents"]
    signals_seen = alerts_seen = 0
    for row in facts.frame.iter_rows(named=True):
        code = row["household"]
        # the statements end in 2024: the month is the one `hhb budget` picks by default
        default = cli(world_db, "budget", "--household", code)
        month = f"{row['budget_month']:%Y-%m}"
        assert month == default["month"], code
        budget = cli(world_db, "budget", "--household", code, "--month", month)
        assert row["leefgeld_month_cents"] == budget["leefgeld"]["month_cents"], code
        if budget["norm"]["available"]:
            assert row["nibud_minimum_month_cents"] == budget["norm"]["month_cents"], code
            assert row["leefgeld_gap_month_cents"] == budget["gap"]["month_cents"], code
            assert row["below_minimum"] == (budget["gap"]["month_cents"] < 0), code
        else:
            assert row["leefgeld_gap_month_cents"] is None and row["below_minimum"] is None
        out = cli(world_db, "signals", "--household", code, "--month", month)
        kinds = Counter(s["kind"] for s in out["signals"])
        alerts = Counter(s["kind"] for s in out["signals"] if s["severity"] == "alert")
        assert row["open_signals"] == len(out["signals"]), code
        for kind in SignalKind:
            assert row[signal_column(kind)] == kinds[kind.value], (code, kind)
            assert row[alert_column(kind)] == alerts[kind.value], (code, kind)
        signals_seen += len(out["signals"])
        alerts_seen += alerts.total()
    assert signals_seen > alerts_seen > 0  # real signals of both severities, not only zeros
    assert facts.frame["below_minimum"].drop_nulls().len() > 0


def test_a_year_without_a_complete_month_is_unknown_not_zero(world_db: Path) -> None:
    engine = make_engine(f"sqlite:///{world_db}")
    with session_scope(engine) as session:
        code = "DEMO-SEED"  # its statements close on 31-12-2024
        assert reference_month(session, code, 2024) == dt.date(2024, 12, 1)
        assert reference_month(session, code, 2025) is None  # nothing after 31-12-2024
        row = household_row(session, code, 2025)
    engine.dispose()
    assert all(row[c] is None for c in (*BUDGET_COLUMNS, *SIGNAL_COLUMNS))


def test_hhb_aggregates_publishes_leefgeld_and_signals(world_db: Path, tmp_path: Path) -> None:
    out = tmp_path / "a.csv"
    engine = make_engine(f"sqlite:///{world_db}")
    with session_scope(engine) as session:
        municipality = build_facts(session, 2024).frame["municipality"].mode()[0]
    engine.dispose()
    result = CliRunner().invoke(
        main,
        ["--db", str(world_db), "--user", "analist", "aggregates", "--municipality",
         municipality, "--year", "2024", "--use", "intern", "--min-households", "10",
         "--out", str(out)],
        catch_exceptions=False,
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert "Feiten (leefgeld, signalen, regelingen) van" in result.output
    assert "Niet opgenomen: leefgeld" not in result.output
    assert "Niet opgenomen: signalen" not in result.output
    frame, metadata = read_export(out)
    assert "leefgeld_month_cents" in metadata["bronnen"]  # type: ignore[operator]
    assert {"leefgeld", "signalen", "signalen_negative_balance"} <= set(frame["tabel"])
    # a handful of households: every cell that is not empty is below 10, so hidden with a reason
    leefgeld = frame.filter(pl.col("tabel") == "leefgeld")
    hidden = leefgeld.filter(pl.col("huishoudens").is_null())
    assert hidden.height > 0 and hidden["reden"].null_count() == 0
    assert set(leefgeld["huishoudens"].drop_nulls()) <= {0}
