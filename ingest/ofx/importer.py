"""The OFX/QFX importer: 1.x (SGML) and 2.x (XML), mostly output of converters."""

from __future__ import annotations

from ingest.banks import BANK_NAMES as BANKS
from ingest.errors import IngestError
from ingest.model import ExtractResult, SourceFormat
from ingest.ofx.predecode import looks_like_ofx, predecode
from ingest.ofx.reader import read_ofx


def bank_of(bank_ids: list[str]) -> str:
    """A Dutch bank from BANKID (a BIC like ``INGBNL2A`` or a code like ``RABO``), else "OFX"."""
    names = {BANKS.get(b.strip().upper()[:4], "OFX") for b in bank_ids}
    return names.pop() if len(names) == 1 else "OFX"


class OfxImporter:
    name = "ofx"
    format = SourceFormat.OFX
    bank = "OFX"

    def identify(self, data: bytes) -> bool:
        return looks_like_ofx(data)

    def extract(self, data: bytes, filename: str) -> ExtractResult:
        try:
            decoded = predecode(data, filename)
            document = read_ofx(decoded, filename)
        except IngestError:
            raise
        except Exception as exc:  # ofxparse and bs4 raise anything on damaged input
            raise IngestError(
                filename,
                1,
                f"het OFX-bestand is beschadigd ({exc.__class__.__name__}); exporteer het opnieuw",
            ) from None
        return ExtractResult(
            format=self.format,
            bank=bank_of(document.bank_ids),
            dialect=f"ofx{decoded.version}-{'sgml' if decoded.version == 1 else 'xml'}",
            statements=tuple(document.statements),
            problems=tuple(document.problems),
        )
