"""The export carries its metadata: a sidecar always, the Parquet key-value metadata, and the
CSV comment header; reading it back gives the same rows."""

from __future__ import annotations

import json
from pathlib import Path

import polars as pl
import pytest

from reports.aggregates import EXPORT_SCHEMA, Level, aggregate
from reports.disclosure import Use, rules_for
from reports.export import PARQUET_KEY, ExportError, read_export, write_export
from reports.facts import PENDING, SOURCES, HouseholdFacts
from tests.reports.helpers import synthetic_facts


@pytest.fixture(scope="module")
def result():  # type: ignore[no-untyped-def]
    facts = HouseholdFacts(synthetic_facts(60, 5), dict(PENDING), dict(SOURCES))
    return aggregate(facts, "GM0344", 2024, Level.WIJK, rules_for(Use.INTERN))


@pytest.mark.parametrize("suffix", ["csv", "parquet"])
def test_round_trip_with_metadata(result, tmp_path: Path, suffix: str) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / f"cijfers.{suffix}"
    written, meta = write_export(result, path)
    assert meta == tmp_path / f"cijfers.{suffix}.meta.json"
    frame, metadata = read_export(written)
    assert frame.cast(EXPORT_SCHEMA).equals(result.frame)  # type: ignore[arg-type]
    assert metadata == json.loads(json.dumps(result.metadata))
    assert json.loads(meta.read_text("utf-8"))["regels"]["gebruik"] == "intern"


def test_parquet_keeps_the_metadata_inside(result, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "cijfers.parquet"
    write_export(result, path)
    inside = json.loads(pl.read_parquet_metadata(path)[PARQUET_KEY])
    assert inside["periode"] == {"van": "2024-01-01", "tot_en_met": "2024-12-31"}
    assert len(inside["onderdrukte_cellen"]) > 0


def test_csv_starts_with_a_commented_header(result, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "cijfers.csv"
    write_export(result, path)
    lines = path.read_text("utf-8").splitlines()
    header = [line for line in lines if line.startswith("#")]
    assert lines[: len(header)] == header
    assert any("periode: 2024-01-01 t/m 2024-12-31" in line for line in header)
    assert any("niet in dit bestand: leefgeld: nog niet beschikbaar" in line for line in header)
    assert lines[len(header)].startswith("tabel,gemeente,jaar,wijk")


def test_unknown_suffix_is_refused(result, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(ExportError, match=r"\.csv of \.parquet"):
        write_export(result, tmp_path / "cijfers.xlsx")
