"""Decode OFX bytes ourselves, then hand ofxparse input it cannot misread.

ofxparse trusts the header: ``CHARSET:NONE`` makes it look up a codec named ``cpNONE``
(``LookupError``), a file declared ``CHARSET:1252`` but written in UTF-8 (what many converters
produce) comes out garbled (``Ã©`` for ``é``), and an OFX 2.x (XML) file is read as ASCII. So:

1. we decode the bytes: a BOM wins, then strict UTF-8 (text in cp1252 with accents is
   practically never valid UTF-8), then the declared charset, with cp1252 as the Dutch default;
2. ofxparse gets only the body from ``<OFX>`` on, as pure ASCII with every other character as an
   XML character reference (``&#233;``), which its HTML tree builder turns back into the
   character. No header is left for it to misinterpret.

Line numbers in problems and transactions refer to the decoded text, i.e. the file as a text
editor shows it.
"""

from __future__ import annotations

import codecs
import re
from dataclasses import dataclass

from ingest.errors import IngestError

_BOMS = (
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)
_CHARSETS = {
    "1252": "cp1252",
    "WINDOWS-1252": "cp1252",
    "8859-1": "latin-1",
    "ISO-8859-1": "latin-1",
    "8859-15": "iso-8859-15",
    "ISO-8859-15": "iso-8859-15",
    "UTF-8": "utf-8",
    "UTF8": "utf-8",
}
_OFX_START = re.compile(r"<OFX>", re.I)
_XML_ENCODING = re.compile(r"""<\?xml[^>]*encoding\s*=\s*["']([A-Za-z0-9_.:-]+)["']""", re.I)


@dataclass(frozen=True, slots=True)
class Decoded:
    """The decoded file and what its header said."""

    text: str
    body_start: int  # index of ``<OFX>`` in ``text``
    version: int  # 1 (SGML) or 2 (XML)
    declared: str  # the charset the header declares ("" if none)
    encoding: str  # the codec actually used

    def for_ofxparse(self) -> bytes:
        """The body as ASCII bytes with character references (see the module docstring)."""
        return self.text[self.body_start :].encode("ascii", errors="xmlcharrefreplace")


def looks_like_ofx(data: bytes) -> bool:
    head = data[:2048].lstrip(codecs.BOM_UTF8).lstrip().upper()
    if head.startswith(b"OFXHEADER"):
        return True
    return head.startswith(b"<?XML") and (b"<?OFX" in head or b"<OFX>" in head)


def _declared_sgml(text: str) -> tuple[str, str]:
    """ENCODING and CHARSET from an OFX 1.x header (upper case, "" if absent)."""
    headers: dict[str, str] = {}
    for line in text[: text.find("<") if "<" in text else len(text)].splitlines():
        key, sep, value = line.partition(":")
        if sep:
            headers[key.strip().upper()] = value.strip().upper()
    return headers.get("ENCODING", ""), headers.get("CHARSET", "")


def predecode(data: bytes, file: str) -> Decoded:
    """Decode an OFX file; :class:`IngestError` if it is not OFX at all."""
    for bom, codec in _BOMS:
        if data.startswith(bom):
            try:
                text = data[len(bom) :].decode(codec)
            except UnicodeDecodeError:
                raise IngestError(
                    file,
                    1,
                    "het bestand is beschadigd (ongeldige tekens na de BOM); exporteer het opnieuw",
                ) from None
            return _finish(text, file, declared="", encoding=codec)
    head = data[:4096].decode("latin-1")
    if head.lstrip().upper().startswith("OFXHEADER"):
        encoding_header, charset = _declared_sgml(head)
        declared = "utf-8" if encoding_header in ("UTF-8", "UNICODE") else charset
    else:
        found = _XML_ENCODING.search(head)
        declared = found.group(1).upper() if found else "utf-8"
    declared = _CHARSETS.get(declared, declared)
    try:
        return _finish(data.decode("utf-8"), file, declared=declared, encoding="utf-8")
    except UnicodeDecodeError:
        pass
    codec = declared if declared not in ("", "NONE", "utf-8") else "cp1252"
    try:
        codecs.lookup(codec)
    except LookupError:
        codec = "cp1252"
    return _finish(data.decode(codec, errors="replace"), file, declared=declared, encoding=codec)


def _finish(text: str, file: str, *, declared: str, encoding: str) -> Decoded:
    found = _OFX_START.search(text)
    if found is None:
        raise IngestError(
            file,
            1,
            "geen OFX-gegevens gevonden (het element <OFX> ontbreekt); "
            "exporteer het bestand opnieuw als OFX, of lever MT940/CAMT.053 aan",
        )
    stripped = text.lstrip().upper()
    version = 2 if stripped.startswith("<?XML") else 1
    return Decoded(text, found.start(), version, declared, encoding)
