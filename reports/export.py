"""Writing the aggregates to a file an analyst can open, with their metadata attached.

The metadata (period, rules applied, tables left out and why, every suppressed cell and why)
travels three ways, so it cannot get lost on the way to a spreadsheet or a data warehouse:

- always a sidecar ``FILE.meta.json`` beside the export;
- in a Parquet file, as its key-value metadata under :data:`PARQUET_KEY` (JSON);
- in a CSV file, as ``#`` comment lines before the header (read it back with
  ``polars.read_csv(path, comment_prefix="#")`` or ``pandas.read_csv(path, comment="#")``).

Only the disclosure-controlled rows of :mod:`reports.aggregates` are written: this module has
no access to household data.
"""

from __future__ import annotations

import json
from enum import StrEnum
from pathlib import Path
from typing import Final

import polars as pl

from reports.aggregates import Aggregates

PARQUET_KEY: Final = "hhb.metadata"


class ExportFormat(StrEnum):
    CSV = "csv"
    PARQUET = "parquet"


class ExportError(ValueError):
    """The output path cannot be used; the message is for the user (Dutch)."""


def export_format(path: Path) -> ExportFormat:
    suffix = path.suffix.lower().lstrip(".")
    try:
        return ExportFormat(suffix)
    except ValueError:
        raise ExportError(
            f"{path}: onbekend bestandstype; gebruik een naam op .csv of .parquet"
        ) from None


def sidecar(path: Path) -> Path:
    return path.with_name(path.name + ".meta.json")


def _header(metadata: dict[str, object]) -> list[str]:
    """The comment lines of a CSV export: what a reader needs before the first row."""
    rules = metadata["regels"]
    assert isinstance(rules, dict)
    period = metadata["periode"]
    assert isinstance(period, dict)
    lines = [
        "hhb geaggregeerde gegevens, na onthullingscontrole (geen gegevens over één huishouden)",
        f"gemeente: {metadata['gemeente']}; niveau: {metadata['niveau']}; "
        f"periode: {period['van']} t/m {period['tot_en_met']}",
        "regels: " + "; ".join(f"{k}={'geen' if v is None else v}" for k, v in rules.items()),
    ]
    left_out = metadata.get("niet_beschikbaar") or []
    assert isinstance(left_out, list)
    for item in left_out:
        lines.append(f"niet in dit bestand: {item['tabel']}: {item['reden']}")
    cells = metadata.get("onderdrukte_cellen") or []
    assert isinstance(cells, list)
    lines.append(
        f"onderdrukte cellen: {len(cells)}; de reden staat per rij in kolom 'reden' en in "
        "het bestand .meta.json ernaast"
    )
    lines.append("bedragen in hele centen (kolom 'eenheid'); leeg = niet gepubliceerd")
    return ["# " + line.replace("\n", " ") for line in lines]


def write_export(aggregates: Aggregates, path: Path) -> tuple[Path, Path]:
    """Write the rows and the metadata; returns (export, sidecar)."""
    kind = export_format(path)
    if not path.parent.exists():
        raise ExportError(f"{path.parent}: map bestaat niet")
    meta_text = json.dumps(aggregates.metadata, ensure_ascii=False, indent=2)
    if kind is ExportFormat.PARQUET:
        aggregates.frame.write_parquet(path, metadata={PARQUET_KEY: meta_text})
    else:
        body = aggregates.frame.write_csv()
        path.write_text("\n".join(_header(aggregates.metadata)) + "\n" + body, encoding="utf-8")
    meta = sidecar(path)
    meta.write_text(meta_text + "\n", encoding="utf-8")
    return path, meta


def read_export(path: Path) -> tuple[pl.DataFrame, dict[str, object]]:
    """Read an export back with its metadata (from the sidecar, or the Parquet file itself)."""
    kind = export_format(path)
    if kind is ExportFormat.PARQUET:
        frame = pl.read_parquet(path)
        stored = pl.read_parquet_metadata(path).get(PARQUET_KEY)
        if stored is not None:
            return frame, json.loads(stored)
    else:
        frame = pl.read_csv(path, comment_prefix="#", infer_schema_length=None)
    return frame, json.loads(sidecar(path).read_text(encoding="utf-8"))
