"""The budget benchmark reads only the columns the steps declare (``INPUT_COLUMNS`` of
classification, month tables, recurring detection and budget); every step's result is the same
as on the full canonical table, on a small bulk demo world."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import polars as pl
from polars.testing import assert_frame_equal

from benchmarks.budget import READ_COLUMNS, read_part
from budget.classify import classify
from budget.plan import budget_frame
from budget.recurring import detect_recurring
from budget.tables import monthly_tables
from hhb.demo.bulk import write_bulk


def pipeline(frame: pl.DataFrame) -> dict[str, pl.DataFrame]:
    """Every step of the benchmark's pipeline on one table."""
    classified = classify(frame, [])
    tables = monthly_tables(classified)
    series = detect_recurring(classified)
    totals, lines = budget_frame(classified, series)
    return {
        "lines": tables.lines,
        "summary": tables.summary,
        "series": series.sort("household", "account", "counterparty_key", "first_date"),
        "totals": totals,
        "budget_lines": lines,
    }


def test_the_columns_read_give_the_results_of_all_columns(tmp_path: Path) -> None:
    write_bulk(tmp_path, households=40, months=14, seed=5, first=dt.date(2024, 1, 1), workers=1)
    parts = sorted((tmp_path / "transactions").glob("*.parquet"))
    full = pl.concat([pl.read_parquet(p) for p in parts])
    narrow = pl.concat([read_part(p) for p in parts])
    assert set(narrow.columns) == set(full.columns) & READ_COLUMNS
    assert narrow.width < full.width
    want, got = pipeline(full), pipeline(narrow)
    assert want["series"].height > 40 and want["budget_lines"].height > 40
    for name, frame in want.items():
        assert_frame_equal(got[name], frame)
