"""OFX/QFX: ofxparse behind our own pre-decoder and transaction count check."""

from __future__ import annotations

from ingest.base import Importer
from ingest.ofx.importer import OfxImporter
from ingest.ofx.writer import write_ofx

IMPORTERS: tuple[Importer, ...] = (OfxImporter(),)

__all__ = ["IMPORTERS", "write_ofx"]
