"""CAMT.053 (ISO 20022 bank-to-customer statement): single XML files and ABN AMRO's zip.

The zip importer goes first: a zip never looks like XML, but keeping the more specific
importer first is the registry's rule.
"""

from __future__ import annotations

from ingest.base import Importer
from ingest.camt.importer import Camt053Importer, Camt053ZipImporter
from ingest.camt.writer import write_camt053, write_camt053_zip

IMPORTERS: tuple[Importer, ...] = (Camt053ZipImporter(), Camt053Importer())

__all__ = ["IMPORTERS", "write_camt053", "write_camt053_zip"]
