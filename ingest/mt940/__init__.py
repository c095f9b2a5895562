"""MT940 importers, one per Dutch bank (plus a fallback for any other bank), and a writer.

``IMPORTERS`` lists the banks first and the generic fallback last, because the fallback claims
every MT940 file.
"""

from __future__ import annotations

from ingest.base import Importer
from ingest.mt940.banks import IMPORTERS as _IMPORTERS
from ingest.mt940.banks import MT940Importer, bank_of, dialect_of
from ingest.mt940.writer import DIALECTS, write_mt940

IMPORTERS: tuple[Importer, ...] = _IMPORTERS

__all__ = ["DIALECTS", "IMPORTERS", "MT940Importer", "bank_of", "dialect_of", "write_mt940"]
