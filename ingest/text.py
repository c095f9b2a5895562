"""Small, exact helpers shared by the importers: decoding, amounts, dates, IBANs, text."""

from __future__ import annotations

import codecs
import datetime as dt
import re

from ingest.errors import IngestError

_BOMS = (
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)


def decode(data: bytes, fallback: str = "cp1252") -> tuple[str, str]:
    """Decode bank export bytes: BOM first, then strict UTF-8, then ``fallback``.

    Dutch banks write UTF-8 (often with a BOM), cp1252 or ISO-8859-15 depending on bank and
    year; a strict UTF-8 attempt tells them apart reliably for text containing accents.
    Returns the text (without BOM, with ``\\r\\n`` kept as is) and the encoding used.
    """
    for bom, encoding in _BOMS:
        if data.startswith(bom):
            return data[len(bom) :].decode(encoding), encoding
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        return data.decode(fallback, errors="replace"), fallback


_AMOUNT_RE = re.compile(r"^[+-]?\d+(?:[.,]\d{0,2})?$")


def parse_amount_cents(
    text: str, *, decimal: str = ",", thousands: str | None = None, file: str = "", line: int = 0
) -> int:
    """Parse a bank amount into integer cents without going through float.

    Accepts ``107,``, ``11,8``, ``-1.234,56`` (with ``thousands="."``), ``+12.50`` (with
    ``decimal="."``). Raises :class:`IngestError` with file and line for anything else.
    """
    raw = text.strip().replace("\u00a0", "").replace(" ", "")
    if thousands:
        raw = raw.replace(thousands, "")
    if decimal != ".":
        if "." in raw and thousands is None and decimal == ",":
            raise IngestError(file, line, f"bedrag {text!r} heeft een punt waar een komma hoort")
        raw = raw.replace(decimal, ".")
    if not raw or not _AMOUNT_RE.match(raw):
        raise IngestError(file, line, f"bedrag {text!r} is geen geldig bedrag")
    sign = -1 if raw.startswith("-") else 1
    raw = raw.lstrip("+-")
    whole, _, frac = raw.partition(".")
    return sign * (int(whole or "0") * 100 + int((frac + "00")[:2]))


def parse_date(text: str, fmt: str, *, file: str = "", line: int = 0) -> dt.date:
    """Parse a date with a ``strptime`` format, or raise an :class:`IngestError` that says which."""
    try:
        return dt.datetime.strptime(text.strip(), fmt).date()
    except ValueError:
        human = (
            fmt.replace("%Y", "jjjj").replace("%y", "jj").replace("%m", "mm").replace("%d", "dd")
        )
        raise IngestError(file, line, f"datum {text!r} is geen geldige datum ({human})") from None


_IBAN_RE = re.compile(r"^[A-Z]{2}\d{2}[A-Z0-9]{10,30}$")


def normalize_iban(text: str | None) -> str | None:
    """Upper case, no spaces; ``None`` for empty input. Does not validate (see :func:`is_iban`)."""
    if not text:
        return None
    value = re.sub(r"\s+", "", text).upper()
    return value or None


def is_iban(text: str) -> bool:
    """True for a syntactically valid IBAN with a correct mod-97 check."""
    if not _IBAN_RE.match(text):
        return False
    rearranged = text[4:] + text[:4]
    digits = "".join(str(int(c, 36)) for c in rearranged)
    return int(digits) % 97 == 1


def iban_from_nl_bban(bban: str, bank_code: str) -> str:
    """Compose the Dutch IBAN for an old account number at a known bank (e.g. ``RABO``).

    Old MT940 and CSV files carry 9- or 10-digit BBANs; the IBAN is
    ``NL`` + check digits + bank code + the number left-padded to 10 digits.
    """
    number = bban.strip().lstrip("0").zfill(10)
    body = f"{bank_code}{number}NL00"
    digits = "".join(str(int(c, 36)) for c in body)
    check = 98 - int(digits) % 97
    return f"NL{check:02d}{bank_code}{number}"


_WS_RE = re.compile(r"\s+")


def clean_text(text: str | None) -> str:
    """Collapse whitespace (wrapped lines, padding to fixed columns) into single spaces."""
    if not text:
        return ""
    return _WS_RE.sub(" ", text).strip()
