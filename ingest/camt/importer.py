"""The CAMT.053 importers: a single XML document, and ABN AMRO's zip of one document per day.

Both are chosen by content. The XML importer claims any ISO 20022 document (so that a camt.054
or pain.001 uploaded by mistake gets a message saying what it is instead of "unknown format");
the zip importer claims a zip holding at least one camt XML member.
"""

from __future__ import annotations

import codecs
import io
import zipfile
from collections.abc import Callable
from typing import TypeVar

from ingest.banks import BANK_NAMES as BANKS
from ingest.camt.reader import CamtDocument, read_camt053
from ingest.camt.stream import CamtExtraction
from ingest.errors import IngestError
from ingest.model import ExtractResult, Problem, SourceFormat
from ingest.source import Source

_SIGNATURES = (b"urn:iso:std:iso:20022:tech:xsd:", b"BkToCstmrStmt")
_MAX_MEMBERS = 2000
_MAX_UNPACKED = 1 << 30  # 1 GiB: a zip bomb is refused before it is unpacked

T = TypeVar("T")


def _head(data: bytes) -> bytes:
    """The first bytes as ASCII-compatible text, also for UTF-16 files (BOM decides)."""
    head = data[:4096]
    for bom, encoding in ((codecs.BOM_UTF16_LE, "utf-16-le"), (codecs.BOM_UTF16_BE, "utf-16-be")):
        if head.startswith(bom):
            return head[2:].decode(encoding, errors="ignore").encode("ascii", errors="ignore")
    return head


def looks_like_camt(data: bytes) -> bool:
    head = _head(data).lstrip(codecs.BOM_UTF8).lstrip()
    return head.startswith(b"<") and any(s in head for s in _SIGNATURES)


def bank_of(document: CamtDocument) -> str:
    """The bank from the servicer's BIC, else from the bank code inside the IBAN."""
    code = document.bic[:4] if document.bic else ""
    if code not in BANKS and document.statements:
        code = document.statements[0].account[4:8]
    return BANKS.get(code, "onbekend")


def as_ingest_error(file: str, exc: Exception) -> IngestError:
    """What a coach is told about an exception of lxml, zipfile or zlib on damaged input."""
    if isinstance(exc, MemoryError):
        return IngestError(
            file, 1, "het bestand is te groot om in te lezen; splits de export per maand"
        )
    line = getattr(exc, "lineno", None) or 1
    detail = getattr(exc, "msg", None) or exc.__class__.__name__
    return IngestError(
        file,
        int(line),
        f"het XML-bestand is beschadigd of onvolledig ({detail}); download "
        "het afschrift opnieuw bij de bank",
    )


def guarded(file: str, action: Callable[[], T]) -> T:
    """Run ``action``; anything but an :class:`IngestError` becomes one, with a Dutch message.

    lxml, zipfile and zlib raise a zoo of exceptions on damaged input; a coach must see what to
    do, never a stack trace.
    """
    try:
        return action()
    except IngestError:
        raise
    except Exception as exc:
        raise as_ingest_error(file, exc) from None


class Camt053Importer:
    """One camt.053 XML document (001.02, 001.04, 001.08 and others), with or without BOM."""

    name = "camt053"
    format = SourceFormat.CAMT053
    bank = "ISO 20022"

    def identify(self, data: bytes) -> bool:
        return looks_like_camt(data)

    def stream(self, source: Source, filename: str) -> CamtExtraction:
        """Read the document in batches (see :mod:`ingest.camt.stream`)."""
        return CamtExtraction(source, filename)

    def extract(self, data: bytes, filename: str) -> ExtractResult:
        document = guarded(filename, lambda: read_camt053(data, filename))
        return ExtractResult(
            format=self.format,
            bank=bank_of(document),
            dialect=document.version,
            statements=tuple(document.statements),
            problems=tuple(document.problems),
        )


class Camt053ZipImporter:
    """A zip of camt.053 documents, as ABN AMRO delivers them (one XML per day).

    Members are read in archive order; errors and problems name ``archive.zip/member.xml``.
    Members that are not camt XML are reported and skipped.
    """

    name = "camt053-zip"
    format = SourceFormat.CAMT053
    bank = "ISO 20022"

    def identify(self, data: bytes) -> bool:
        if not data.startswith(b"PK\x03\x04"):
            return False
        try:
            with zipfile.ZipFile(io.BytesIO(data)) as archive:
                for info in archive.infolist()[:_MAX_MEMBERS]:
                    if info.is_dir() or info.file_size > _MAX_UNPACKED:
                        continue
                    with archive.open(info) as member:
                        if looks_like_camt(member.read(4096)):
                            return True
        except Exception:
            return False
        return False

    def extract(self, data: bytes, filename: str) -> ExtractResult:
        return guarded(filename, lambda: self._extract(data, filename))

    def _extract(self, data: bytes, filename: str) -> ExtractResult:
        try:
            archive = zipfile.ZipFile(io.BytesIO(data))
        except (zipfile.BadZipFile, ValueError, OSError):
            raise IngestError(
                filename, 1, "het zip-bestand is beschadigd; download het opnieuw bij de bank"
            ) from None
        statements = []
        problems: list[Problem] = []
        versions: list[str] = []
        banks: list[str] = []
        with archive:
            members = [i for i in archive.infolist() if not i.is_dir()]
            if len(members) > _MAX_MEMBERS or sum(i.file_size for i in members) > _MAX_UNPACKED:
                raise IngestError(
                    filename,
                    1,
                    "het zip-bestand is te groot om uit te pakken; exporteer een kortere periode",
                )
            for info in members:
                inner = f"{filename}/{info.filename}"
                body = guarded(inner, lambda info=info: archive.read(info))  # type: ignore[misc]
                if info.filename.startswith("__MACOSX/") or not looks_like_camt(body):
                    problems.append(Problem(inner, 1, "geen CAMT.053-bestand; overgeslagen"))
                    continue
                document = guarded(inner, lambda body=body, inner=inner: read_camt053(body, inner))  # type: ignore[misc]
                statements.extend(document.statements)
                problems.extend(document.problems)
                versions.append(document.version)
                banks.append(bank_of(document))
        if not versions:
            raise IngestError(filename, 1, "het zip-bestand bevat geen CAMT.053-afschriften")
        return ExtractResult(
            format=self.format,
            bank=banks[0] if len(set(banks)) == 1 else "gemengd",
            dialect=f"{versions[0]}-zip" if len(set(versions)) == 1 else "camt.053-zip",
            statements=tuple(statements),
            problems=tuple(problems),
        )
