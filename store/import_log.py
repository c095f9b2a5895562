"""The import log: one row per imported file, the raw bytes it came from, and its summary.

Shared by bank statement imports (``store.importing``) and benefit data imports
(``store.benefits``), so every file a household hands over is accounted for the same way.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from sqlalchemy.orm import Session

from ingest.model import Problem
from ingest.source import Source
from store.households import audit
from store.models import Household, Import, RawFile
from store.raw import keep_raw


@dataclass(frozen=True, slots=True)
class ImportSummary:
    """What the CLI and the dashboard tell the user about one imported file."""

    file: str
    sha256: str
    import_id: int
    format: str
    bank: str
    dialect: str
    accounts: tuple[str, ...]
    period_start: dt.date | None
    period_end: dt.date | None
    n_in_file: int
    n_added: int
    n_duplicates: int
    n_deleted_skipped: int
    seen_before: bool
    warnings: tuple[Problem, ...] = field(default=())
    benefit_links: int = 0
    """Benefit payments linked to bank transactions by this import (either side may come first)."""

    def as_dict(self) -> dict[str, object]:
        return {
            "file": self.file,
            "sha256": self.sha256,
            "import_id": self.import_id,
            "format": self.format,
            "bank": self.bank,
            "dialect": self.dialect,
            "accounts": list(self.accounts),
            "period_start": self.period_start.isoformat() if self.period_start else None,
            "period_end": self.period_end.isoformat() if self.period_end else None,
            "transactions_in_file": self.n_in_file,
            "added": self.n_added,
            "duplicates_skipped": self.n_duplicates,
            "deleted_skipped": self.n_deleted_skipped,
            "seen_before": self.seen_before,
            "benefit_payments_linked": self.benefit_links,
            "warnings": [{"line": w.line, "message": w.message} for w in self.warnings],
        }


def begin_import(
    session: Session,
    household: Household,
    data: bytes | Source,
    filename: str,
    *,
    format: str,
    bank: str,
    dialect: str,
    importer: str,
    accounts: list[str],
    period: tuple[dt.date | None, dt.date | None],
    n_in_file: int,
    actor: str,
) -> tuple[Import, bool]:
    """Keep the raw bytes (once per SHA-256) and open the import row; returns (row, seen before).

    A streaming import opens the row before it knows the period and counts, and fills them in
    when the file has been read.
    """
    source = data if isinstance(data, Source) else Source.of_bytes(data, filename)
    sha = source.sha256()
    seen_before = session.get(RawFile, sha) is not None
    if not seen_before:
        keep_raw(session, sha, source)
    record = Import(
        household_id=household.id,
        sha256=sha,
        file_name=filename[:255],
        format=format,
        bank=bank,
        dialect=dialect,
        importer=importer,
        accounts=accounts,
        period_start=period[0],
        period_end=period[1],
        n_in_file=n_in_file,
        n_added=0,
        n_duplicates=0,
        n_deleted_skipped=0,
        warnings=[],
        imported_by=actor,
    )
    session.add(record)
    session.flush()
    return record, seen_before


def finish_import(
    session: Session,
    record: Import,
    seen_before: bool,
    added: int,
    duplicates: int,
    deleted: int,
    warnings: list[Problem],
    *,
    links: int = 0,
) -> ImportSummary:
    """Close the import row with its counts, audit it, and say what happened."""
    record.n_added = added
    record.n_duplicates = duplicates
    record.n_deleted_skipped = deleted
    record.warnings = [{"line": w.line, "message": w.message} for w in warnings]
    audit(
        session,
        record.imported_by,
        "import",
        record.household_id,
        f"import {record.id}: {record.file_name[:200]}",
    )
    return ImportSummary(
        file=record.file_name,
        sha256=record.sha256,
        import_id=record.id,
        format=record.format,
        bank=record.bank,
        dialect=record.dialect,
        accounts=tuple(record.accounts),
        period_start=record.period_start,
        period_end=record.period_end,
        n_in_file=record.n_in_file,
        n_added=added,
        n_duplicates=duplicates,
        n_deleted_skipped=deleted,
        seen_before=seen_before,
        warnings=tuple(warnings),
        benefit_links=links,
    )
