"""Which bank wrote an MT940 file, told from its content, and one importer per bank.

Coaches upload ``MT940.txt``, ``export(2).sta`` or ``afschrift.940`` for any bank, so the name
says nothing. In order of reliability we look at: a bank's own header (ABN AMRO's
``ABNANL2A``/``940`` lines, ING's SWIFT ``{1:F01INGBNL2A`` block, Rabobank's ``:940:``), the bank
code inside the IBAN of ``:25:``, and finally the ``:86:`` style. The dialect (structured or
the older free-text variant) is then read from markers anywhere in the file.
"""

from __future__ import annotations

import re

from ingest.banks import BANK_NAMES
from ingest.model import ExtractResult, Problem, SourceFormat
from ingest.mt940.details import SPLITTERS
from ingest.mt940.reader import decode_text, read_mt940
from ingest.mt940.stream import UNKNOWN_BANK, Mt940Extraction
from ingest.source import Source
from ingest.text import decode

UNKNOWN = "onbekend"
BANK_CODES = {code: name for code, name in BANK_NAMES.items() if name != "bunq"}  # no MT940 at bunq
CODE_OF = {name: code for code, name in BANK_CODES.items()}
VOLKSBANK = frozenset({"SNS", "ASN", "RegioBank"})

_HEAD = 16384
_IS_MT940 = re.compile(r"^:(?:20|25):", re.MULTILINE)
_HAS_BALANCE = re.compile(r"^:6[012][FM]?:", re.MULTILINE)
_ABN_HEADER = re.compile(r"^(?:ABNANL2A\s*$|:20:ABN AMRO)", re.MULTILINE)
_ING_HEADER = re.compile(r"\{1:F01INGBNL2A")
_RABO_HEADER = re.compile(r"^:940:\s*$", re.MULTILINE)
_ACCOUNT = re.compile(r"^:25:[ \t]*(\S*)", re.MULTILINE)
_TRIODOS_86 = re.compile(r"^:86:\d{3}>", re.MULTILINE)


def _head_text(data: bytes) -> str:
    """The start of the file as text. NULs are dropped so that an MT940 file saved as UTF-16
    without BOM is still claimed, and its import then says the encoding is wrong."""
    text = decode(data[:_HEAD])[0].replace("\x00", "")
    return text.replace("\r\n", "\n").replace("\r", "\n")


def bank_of(text: str) -> str | None:
    """The bank that wrote ``text`` (the start of an MT940 file), ``UNKNOWN`` for an MT940
    file of a bank we do not know, ``None`` if it is not MT940 at all."""
    if not _IS_MT940.search(text) or not _HAS_BALANCE.search(text):
        return None
    if _ABN_HEADER.search(text):
        return "ABN AMRO"
    if _ING_HEADER.search(text):
        return "ING"
    if _RABO_HEADER.search(text):
        return "Rabobank"
    m = _ACCOUNT.search(text)
    if m is not None:
        value = m.group(1).upper()
        if value.startswith("TRIODOSBANK/"):
            return "Triodos"
        if len(value) >= 8 and value[:2].isalpha() and value[2:4].isdigit():
            bank = BANK_CODES.get(value[4:8])
            if bank is not None:
                return bank
    if "/CNTP/" in text:
        return "ING"
    if "/BENM/" in text or "/ORDP/" in text:
        return "Rabobank"
    if "/TRTP/" in text:
        return "ABN AMRO"
    if _TRIODOS_86.search(text):
        return "Triodos"
    if "REK:" in text and "/NAAM:" in text:
        return "Knab"
    return UNKNOWN


def dialect_of(bank: str, text: str) -> str:
    """The variant of ``bank``'s MT940, from markers anywhere in the whole file."""
    if bank == "ING":
        structured = "/CNTP/" in text or "/REMI/" in text or "/EREF/" in text
        return "ing-structured" if structured else "ing-old"
    if bank == "Rabobank":
        structured = any(k in text for k in ("/BENM/", "/ORDP/", "/REMI/", "/EREF/"))
        return "rabobank-structured" if structured else "rabobank-old"
    if bank == "Knab":
        structured = "/TRTP/" in text or "/REMI/" in text or "/IBAN/" in text
        return "knab-structured" if structured else "knab-old"
    return {"ABN AMRO": "abnamro", "Triodos": "triodos"}.get(
        bank, "volksbank" if bank in VOLKSBANK else "generic"
    )


class MT940Importer:
    """MT940 of one bank; ``bank=UNKNOWN`` is the fallback for any other bank's MT940."""

    format = SourceFormat.MT940

    def __init__(self, bank: str) -> None:
        self.bank = bank
        self.name = "mt940-" + ("generic" if bank == UNKNOWN else bank.lower().replace(" ", ""))

    def identify(self, data: bytes) -> bool:
        try:
            found = bank_of(_head_text(data))
        except Exception:  # identify must never raise
            return False
        return found is not None and (self.bank == UNKNOWN or found == self.bank)

    def stream(self, source: Source, filename: str) -> Mt940Extraction:
        """Read the file in batches (see :mod:`ingest.mt940.stream`)."""
        return Mt940Extraction(self, source, filename)

    def extract(self, data: bytes, filename: str) -> ExtractResult:
        text = decode_text(data, filename)
        dialect = dialect_of(self.bank, text)
        result = read_mt940(
            text,
            filename,
            bank=self.bank,
            dialect=dialect,
            splitter=SPLITTERS[dialect],
            bank_code=CODE_OF.get(self.bank),
            volksbank=self.bank in VOLKSBANK,
        )
        if self.bank == UNKNOWN:
            note = Problem(filename, 1, UNKNOWN_BANK)
            result = ExtractResult(
                result.format,
                result.bank,
                result.dialect,
                result.statements,
                (note, *result.problems),
            )
        return result


IMPORTERS = tuple(
    MT940Importer(bank)
    for bank in (
        "ING",
        "Rabobank",
        "ABN AMRO",
        "SNS",
        "ASN",
        "RegioBank",
        "Triodos",
        "Knab",
        UNKNOWN,
    )
)
