"""CSV exports of Dutch banks: one declarative dialect per export variant.

``IMPORTERS`` is registered after MT940/CAMT/OFX (whose signatures are unambiguous); within it,
header dialects come before the headerless ones, whose recognition relies on value shapes.
"""

from __future__ import annotations

from ingest.base import Importer
from ingest.csvbanks.banks import DIALECTS
from ingest.csvbanks.engine import CsvImporter

BY_DIALECT: dict[str, CsvImporter] = {d.name: CsvImporter(d) for d in DIALECTS}
IMPORTERS: tuple[Importer, ...] = tuple(BY_DIALECT.values())

__all__ = ["BY_DIALECT", "IMPORTERS", "CsvImporter"]
